//! `flipflop compare NET1 NET2 … [--json]`: several realizations of the task side by side,
//! with the same core code as the lab's Compare view (`flipflop_core::compare`).
//!
//! Per pair: the Procrustes shape distance and `1 − linear CKA` of the networks' hidden states
//! on the cube set (formulas and sources in `flipflop_core::compare::procrustes` and
//! `::cka`), with a 2-D classical MDS map of each matrix. Per network: the spectral radius of
//! `W_rec`, its eigenvalues outside the unit circle, and the fixed-point topology (stable points,
//! saddles by number of unstable directions, held memories, slowest time constants).

use crate::args::{self, config_error, usage, CliError};
use flipflop_core::compare::{self, NetworkSummary, Probe};
use flipflop_core::fixedpoints::{search_from_cube_set, FixedPointOptions};
use flipflop_formats::import::{import, MAX_IMPORT_BYTES};
use flipflop_formats::link::{decode_link, has_link};
use flipflop_formats::netfile::{self, NetFile};
use serde_json::json;
use std::fmt::Write as _;
use std::path::Path;

/// Most networks one comparison takes (the lab's cap is 8).
pub const MAX_NETWORKS: usize = 16;

/// Reads one network argument: a network file, a file `flipflop import` reads (Keras HDF5,
/// npz, JSON; recognised by content), or a share link (a URL or `#net=...`; exact or compact,
/// a recipe holds no weights).
pub fn load_any(arg: &str) -> Result<NetFile, CliError> {
    let path = Path::new(arg);
    if path.is_file() {
        let fail = |m: String| CliError::Failed(format!("{arg}: {m}"));
        let len = std::fs::metadata(path)
            .map_err(|e| fail(e.to_string()))?
            .len();
        if len > MAX_IMPORT_BYTES.max(netfile::MAX_FILE_BYTES) as u64 {
            return Err(fail(format!(
                "{len} bytes is larger than any network file or importable network"
            )));
        }
        let bytes = std::fs::read(path).map_err(|e| fail(e.to_string()))?;
        if bytes.starts_with(&netfile::MAGIC[..4]) {
            return netfile::decode(&bytes).map_err(|e| fail(e.to_string()));
        }
        return import(&bytes)
            .map(|i| i.into_netfile())
            .map_err(|e| fail(e.to_string()));
    }
    if has_link(arg) {
        let d = decode_link(arg).map_err(|e| CliError::Failed(format!("link: {e}")))?;
        let kind = d.kind.name();
        return d.into_netfile().ok_or_else(|| {
            CliError::Failed(format!(
                "a {kind} link holds a recipe, not weights: run 'flipflop open LINK --train \
                 --out NET' and compare NET"
            ))
        });
    }
    Err(CliError::Failed(format!(
        "{arg}: no such file, and not a share link (give network files, files 'flipflop \
         import' reads, or links from 'flipflop link')"
    )))
}

/// Everything the comparison prints.
struct Compared {
    names: Vec<String>,
    probes: Vec<Probe>,
    summaries: Vec<NetworkSummary>,
    distances: compare::Distances,
    mds_procrustes: Vec<[f64; 2]>,
    mds_cka: Vec<[f64; 2]>,
}

/// Runs `flipflop compare`.
pub fn run(p: &mut lexopt::Parser) -> Result<(), CliError> {
    use lexopt::Arg::*;
    let mut nets: Vec<String> = Vec::new();
    let mut as_json = false;
    let mut opts = FixedPointOptions::default();
    while let Some(arg) = p.next()? {
        match arg {
            Long("json") => as_json = true,
            Long("starts") => opts.starts = args::int("--starts", p.value()?, "1..=2048")?,
            Long("settle-steps") => {
                opts.settle_steps = args::int("--settle-steps", p.value()?, "0..=1000000")?
            }
            Value(v) => nets.push(args::text("NET", v)?),
            _ => return Err(arg.unexpected().into()),
        }
    }
    opts.validate().map_err(|e| config_error(&e))?;
    if nets.len() < 2 || nets.len() > MAX_NETWORKS {
        return Err(usage(format!(
            "compare needs 2 to {MAX_NETWORKS} networks (files or links), got {}",
            nets.len()
        )));
    }
    let c = compare_all(&nets, &opts)?;
    if as_json {
        crate::print_json(&to_json(&c, &opts))
    } else {
        crate::print_text(&to_text(&c))
    }
}

fn compare_all(nets: &[String], opts: &FixedPointOptions) -> Result<Compared, CliError> {
    let fail = |e: compare::CompareError| CliError::Failed(e.to_string());
    let files = nets
        .iter()
        .map(|a| load_any(a))
        .collect::<Result<Vec<_>, _>>()?;
    let mut probes = Vec::with_capacity(files.len());
    let mut summaries = Vec::with_capacity(files.len());
    for (i, f) in files.iter().enumerate() {
        if !f.config.task.kind.has_cube_set() {
            return Err(CliError::Failed(format!(
                "{}: compare probes networks on the flip-flop's cube set, which the {} task \
                 does not have",
                nets[i],
                f.config.task.kind.cli_name()
            )));
        }
        probes.push(compare::probe(&f.network, &f.config.task));
        // A different task is refused before the slow part.
        compare::check_same_probes(&probes).map_err(fail)?;
        eprintln!(
            "network {} of {}: fixed points of {} ...",
            i + 1,
            files.len(),
            nets[i]
        );
        let points =
            search_from_cube_set(&f.network, &f.config.task, opts.clone(), f.config.seed).run();
        let s = compare::summarise(&f.network, &points)
            .map_err(|e| CliError::Failed(format!("{}: {e}", nets[i])))?;
        summaries.push(s);
    }
    let distances = compare::distances(&probes).map_err(fail)?;
    let mds_procrustes = compare::classical_mds(&distances.procrustes).map_err(fail)?;
    let mds_cka = compare::classical_mds(&distances.cka).map_err(fail)?;
    Ok(Compared {
        names: nets.to_vec(),
        probes,
        summaries,
        distances,
        mds_procrustes,
        mds_cka,
    })
}

fn to_json(c: &Compared, opts: &FixedPointOptions) -> serde_json::Value {
    let networks: Vec<_> = c
        .names
        .iter()
        .zip(&c.summaries)
        .zip(&c.probes)
        .map(|((name, s), p)| {
            let t = &s.topology;
            json!({
                "net": name,
                "hidden": s.hidden,
                "spectral_radius": s.spectral_radius,
                "outside_unit_circle": s.outside_unit_circle,
                "fixed_points": {
                    "stable": t.stable,
                    "saddles": t.saddle_count(),
                    "saddles_by_index": t.saddles,
                    "marginal": t.marginal,
                    "slow": t.slow,
                },
                "held_memories": t.held_names,
                "missing_memories": t.missing_memories.iter()
                    .map(|m| flipflop_core::task::state_name(*m, p.bits)).collect::<Vec<_>>(),
                "stable_points": t.stable_points,
                "readout_agrees_at_centroids": p.readout_agrees.iter().all(|a| *a),
            })
        })
        .collect();
    json!({
        "measures": {
            "procrustes": "Procrustes shape distance sqrt(max(0, 2 - 2 nuclear(Yn^T Xn))) of the \
                centred, unit-norm states on the cube set (Schoenemann 1966; Williams et al. 2021), \
                0..sqrt(2)",
            "cka": "1 - linear CKA of the states on the cube set (Kornblith et al. 2019), 0..1",
            "mds": "classical (Torgerson) MDS of each distance matrix, 2-D",
        },
        "probe_steps": c.probes.first().map(|p| p.rows()),
        "distances": c.distances,
        "mds": { "procrustes": c.mds_procrustes, "cka": c.mds_cka },
        "networks": networks,
        "fixed_point_options": opts,
    })
}

fn matrix_text(out: &mut String, title: &str, m: &[Vec<f64>]) {
    let _ = writeln!(out, "\n{title}");
    let _ = write!(out, "    ");
    for j in 0..m.len() {
        let _ = write!(out, "{:>8}", j + 1);
    }
    out.push('\n');
    for (i, row) in m.iter().enumerate() {
        let _ = write!(out, "{:>4}", i + 1);
        for v in row {
            let _ = write!(out, "{v:>8.4}");
        }
        out.push('\n');
    }
}

fn to_text(c: &Compared) -> String {
    let mut out = String::new();
    let steps = c.probes.first().map_or(0, |p| p.rows());
    let _ = writeln!(
        out,
        "{} networks, probed on the cube set ({steps} steps)",
        c.names.len()
    );
    let _ = writeln!(
        out,
        "\n   #     N  radius  |λ|>1  stable  saddles (by unstable dims)  held  slowest τ  net"
    );
    for (i, (name, s)) in c.names.iter().zip(&c.summaries).enumerate() {
        let t = &s.topology;
        let by_index: Vec<String> = t.saddles.iter().map(|(k, v)| format!("{v}×{k}")).collect();
        let tau = t
            .stable_points
            .iter()
            .map(|p| p.slowest_tau)
            .fold(0.0f64, f64::max);
        let _ = writeln!(
            out,
            "{:>4} {:>5} {:>7.3} {:>6} {:>7}  {:<26} {:>2}/{:<2} {:>9.1}  {name}",
            i + 1,
            s.hidden,
            s.spectral_radius,
            s.outside_unit_circle.len(),
            t.stable,
            format!("{} ({})", t.saddle_count(), by_index.join(" ")),
            t.held_memories.len(),
            t.held_memories.len() + t.missing_memories.len(),
            tau,
        );
    }
    matrix_text(
        &mut out,
        "Procrustes shape distance (0 = same shape up to rotation, at most √2):",
        &c.distances.procrustes,
    );
    matrix_text(
        &mut out,
        "1 − linear CKA (0 = same up to rotation and scale, at most 1):",
        &c.distances.cka,
    );
    let _ = writeln!(out, "\nMDS map of the Procrustes distances:");
    for (i, p) in c.mds_procrustes.iter().enumerate() {
        let _ = writeln!(out, "{:>4}  ({:>8.4}, {:>8.4})", i + 1, p[0], p[1]);
    }
    out
}
