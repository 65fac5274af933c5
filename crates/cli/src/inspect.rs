//! Commands that read a network file: `eval`, `export`, `analyze`.

use crate::args::{self, config_error, usage, CliError};
use flipflop_core::analysis::psychometric;
use flipflop_core::analysis::{
    cube_activity, gate_blocks, gate_spectrum, spectral_radius, Projection,
};
use flipflop_core::fixedpoints::{search_from_cube_set, FixedPointOptions};
use flipflop_core::task::{build, presets, ContextDm, MatchTwoItems, ParametricWm, PerceptualDm};
use flipflop_core::train::check_network;
use flipflop_core::TaskKind;
use flipflop_core::{ConfigError, Network};
use flipflop_formats::export;
use serde_json::json;
use std::path::{Path, PathBuf};

/// Takes the one positional NET argument, or names what is missing or extra.
fn set_net(net: &mut Option<PathBuf>, v: std::ffi::OsString) -> Result<(), CliError> {
    if net.is_some() {
        return Err(usage(format!(
            "unexpected extra argument {:?}: give one network file",
            v
        )));
    }
    *net = Some(args::path(v));
    Ok(())
}

fn need_net(net: Option<PathBuf>, cmd: &str) -> Result<PathBuf, CliError> {
    net.ok_or_else(|| {
        usage(format!(
            "missing NET: 'flipflop {cmd} NET' needs a network file written by 'flipflop train'"
        ))
    })
}

/// `flipflop eval NET [--seed S] [--trials K]`: metrics on `K` held-out full-length trials
/// drawn from the validation stream of seed `S`, scored by the task's accuracy rule, and
/// `solved` as training decides it (`flipflop_core::train::check_network`: those trials
/// pass and so do `4 K` of seed `S`'s confirmation stream, in `confirm`); for the
/// cognitive tasks also their picture from `K` trials per condition: `psychometric` (a list
/// of {coherence, p_right, trials}, with `context` for the context task) and its logistic
/// `fit`, or `per_pair` (working memory) / `per_condition` (match-to-sample) accuracies.
pub fn eval(p: &mut lexopt::Parser) -> Result<(), CliError> {
    use lexopt::Arg::*;
    let (mut net, mut seed, mut trials) = (None, None, None);
    while let Some(arg) = p.next()? {
        match arg {
            Long("seed") => {
                seed = Some(args::int::<u64>(
                    "--seed",
                    p.value()?,
                    crate::train::SEED_RANGE,
                )?)
            }
            Long("trials") => {
                let k: usize = args::int("--trials", p.value()?, "1..=4096")?;
                ConfigError::check_int("trials", k, 1, 4096).map_err(|e| config_error(&e))?;
                trials = Some(k);
            }
            Value(v) => set_net(&mut net, v)?,
            _ => return Err(arg.unexpected().into()),
        }
    }
    let path = need_net(net, "eval")?;
    let f = crate::load_net(&path)?;
    let seed = seed.unwrap_or(f.config.seed);
    let trials = trials.unwrap_or(f.config.train.val_trials);
    let task_cfg = &f.config.task;
    let task = build(task_cfg);
    let check = check_network(task_cfg, &f.network, seed, trials);
    let m = check.metrics;
    let kind = task_cfg.kind;
    let mut out = json!({
        "net": path.display().to_string(),
        "task": kind.cli_name(),
        "accuracy": m.bit_accuracy,
        "bit_accuracy": m.bit_accuracy,
        "mse": m.mse,
        "trials": m.trials,
        "trial_len": task.trial_len(),
        "seed": seed,
        "solved": check.solved,
        "held_out_solved": presets::solved(kind, &m),
        "confirm": check.confirmed.map(|c| json!({
            "accuracy": c.bit_accuracy,
            "mse": c.mse,
            "trials": c.trials,
        })),
        "steps_trained": f.steps,
    });
    let net = &f.network;
    match kind {
        TaskKind::FlipFlop => {}
        TaskKind::PerceptualDm => {
            let t = PerceptualDm::new(task_cfg.perceptual_dm.clone());
            let c = psychometric::perceptual_curve(net, &t, trials, seed);
            out["psychometric"] = json!(c.points);
            out["fit"] = json!([{ "bias": c.fit.bias, "slope": c.fit.slope }]);
        }
        TaskKind::ContextDm => {
            let t = ContextDm::new(task_cfg.context_dm.clone());
            let curves = psychometric::context_curves(net, &t, trials, seed);
            out["psychometric"] = json!(curves
                .iter()
                .flat_map(|c| c.points.clone())
                .collect::<Vec<_>>());
            out["fit"] = json!(curves
                .iter()
                .map(|c| json!({ "context": c.context, "bias": c.fit.bias, "slope": c.fit.slope }))
                .collect::<Vec<_>>());
        }
        TaskKind::ParametricWm => {
            let t = ParametricWm::new(task_cfg.parametric_wm.clone());
            out["per_pair"] = json!(psychometric::pair_accuracy(net, &t, trials, seed));
        }
        TaskKind::MatchTwoItems => {
            let t = MatchTwoItems::new(task_cfg.match_two_items.clone());
            out["per_condition"] = json!(psychometric::match_accuracy(net, &t, trials, seed));
        }
    }
    crate::print_json(&out)
}

/// Writes the weights as float32 `.npz` (see [`flipflop_formats::export::npz_bytes`]).
pub fn write_npz(net: &Network, path: &Path) -> Result<(), CliError> {
    let bytes = export::npz_bytes(net).map_err(|e| CliError::Failed(e.to_string()))?;
    crate::write_atomic(path, &bytes)
}

/// `flipflop export NET [--npz FILE] [--json FILE]` (at least one).
pub fn export(p: &mut lexopt::Parser) -> Result<(), CliError> {
    use lexopt::Arg::*;
    let (mut net, mut npz, mut json_out): (Option<PathBuf>, Option<PathBuf>, Option<PathBuf>) =
        (None, None, None);
    while let Some(arg) = p.next()? {
        match arg {
            Long("npz") => npz = Some(args::path(p.value()?)),
            Long("json") => json_out = Some(args::path(p.value()?)),
            Value(v) => set_net(&mut net, v)?,
            _ => return Err(arg.unexpected().into()),
        }
    }
    let path = need_net(net, "export")?;
    if npz.is_none() && json_out.is_none() {
        return Err(usage("export needs --npz FILE and/or --json FILE"));
    }
    let f = crate::load_net(&path)?;
    let w = &f.network;
    let (n, k) = (w.config.hidden, w.config.bits);
    if let Some(out) = &npz {
        write_npz(w, out)?;
    }
    if let Some(out) = &json_out {
        let text = export::json_bytes(&f.config, w, f.steps)
            .map_err(|e| CliError::Failed(e.to_string()))?;
        crate::write_atomic(out, &text)?;
    }
    crate::print_json(&json!({
        "net": path.display().to_string(),
        "npz": npz.map(|p| p.display().to_string()),
        "json": json_out.map(|p| p.display().to_string()),
        "hidden": n,
        "bits": k,
    }))
}

fn projection_json(p: &Projection) -> serde_json::Value {
    json!({
        "fractions": p.fractions,
        "total": p.fractions.iter().sum::<f64>(),
    })
}

/// `flipflop analyze NET`: spectrum of W_rec (gated cells: of each gate's recurrent block,
/// under `gates`), the cube-set decompositions and, with `--fixed-points`, the fixed points
/// (gated cells: on the full state, `[h; c]` for an LSTM, classified by the Jacobian of the
/// full update).
pub fn analyze(p: &mut lexopt::Parser) -> Result<(), CliError> {
    use lexopt::Arg::*;
    let mut net = None;
    let mut fixed_points = false;
    let mut opts = FixedPointOptions::default();
    while let Some(arg) = p.next()? {
        match arg {
            Long("fixed-points") => fixed_points = true,
            Long("starts") => opts.starts = args::int("--starts", p.value()?, "1..=2048")?,
            Long("settle-steps") => {
                opts.settle_steps = args::int("--settle-steps", p.value()?, "0..=1000000")?
            }
            Long("slow-q") => opts.slow_q = args::real("--slow-q", p.value()?, 0.0, 1e3)?,
            Value(v) => set_net(&mut net, v)?,
            _ => return Err(arg.unexpected().into()),
        }
    }
    opts.validate().map_err(|e| config_error(&e))?;
    let path = need_net(net, "analyze")?;
    let f = crate::load_net(&path)?;
    let w = &f.network;
    let failed = |e: flipflop_core::analysis::AnalysisError| {
        CliError::Failed(format!("{}: {e}", path.display()))
    };
    // One spectrum per gate's recurrent block (the vanilla cell: W_rec itself).
    let mut gates = Vec::new();
    for (g, block) in gate_blocks(w).iter().enumerate() {
        let eigs = gate_spectrum(w, g).map_err(failed)?;
        gates.push(json!({
            "gate": block.key,
            "label": block.label,
            "spectral_radius": spectral_radius(&eigs),
            "max_real_part": eigs.iter().map(|z| z[0]).fold(f64::NEG_INFINITY, f64::max),
            "eigenvalues": eigs,
        }));
    }
    let cube = cube_activity(w, &f.config.task).map_err(|e| CliError::Failed(e.to_string()))?;
    let mut out = json!({
        "net": path.display().to_string(),
        "cell": w.config.cell.key(),
        "hidden": w.config.hidden,
        "steps_trained": f.steps,
        "cube_steps": cube.trial_len,
        "svd": projection_json(&cube.svd),
        "pca": projection_json(&cube.pca),
    });
    if w.config.cell.is_gated() {
        // A gated cell has no single W_rec: its spectra are per gate.
        out["gates"] = json!(gates);
    } else if let Some(g) = gates.into_iter().next() {
        for key in ["spectral_radius", "max_real_part", "eigenvalues"] {
            out[key] = g[key].clone();
        }
    }
    if fixed_points {
        let points = search_from_cube_set(w, &f.config.task, opts.clone(), f.config.seed).run();
        let stable = points.iter().filter(|p| p.fixed && p.stable).count();
        out["fixed_point_options"] = json!(opts);
        out["fixed_point_counts"] = json!({
            "fixed": points.iter().filter(|p| p.fixed).count(),
            "stable": stable,
            "unstable": points.iter().filter(|p| p.fixed && !p.stable).count(),
            "saddles": points.iter().filter(|p| p.fixed && !p.stable && p.unstable_dims > 0).count(),
            "slow": points.iter().filter(|p| !p.fixed).count(),
        });
        out["fixed_points"] = json!(points);
    }
    crate::print_json(&out)
}
