//! What a sweep reports of each run, and of the whole: the per-run measures (computed by the
//! same core code as `flipflop eval`, `analyze --fixed-points` and `compare`), `summary.csv`,
//! `--collect`, and the per-grid-point aggregate of `flipflop summary`.

use super::run::{Record, Status};
use super::Sweep;
use crate::args::CliError;
use flipflop_core::compare;
use flipflop_core::fixedpoints::{search_from_cube_set, FixedPointOptions};
use flipflop_core::train::check_network;
use flipflop_formats::netfile::NetFile;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::path::Path;

/// The measures of one trained network.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Measures {
    /// The lab's verdict as training decides it (`eval`'s `solved`): the held-out set passes
    /// the task's rule and so does the confirmation on fresh trials.
    pub solved: bool,
    /// Held-out accuracy by the task's rule on the network's own validation set
    /// (`config.train.val_trials` trials of its seed's validation stream: `eval`'s default).
    pub accuracy: f32,
    /// Held-out MSE on the same trials.
    pub mse: f32,
    /// Largest eigenvalue modulus of `W_rec`.
    pub spectral_radius: f64,
    /// Eigenvalues of `W_rec` with `|λ| > 1`.
    pub outside_unit_circle: usize,
    /// Stable fixed points found from the cube set with `analyze --fixed-points`' default
    /// options and the network's seed; `None` where that search does not apply (tasks
    /// without a cube set, gated cells).
    pub stable_fixed_points: Option<usize>,
    /// Fixed points with at least one unstable direction, from the same search.
    pub saddles: Option<usize>,
}

/// Measures `f`: held-out metrics as `eval` computes them, the spectrum and fixed-point
/// topology as `compare` summarises them.
///
/// # Errors
/// The spectrum of `W_rec` cannot be computed.
pub fn measure(f: &NetFile) -> Result<Measures, CliError> {
    let cfg = &f.config;
    let kind = cfg.task.kind;
    let check = check_network(&cfg.task, &f.network, cfg.seed, cfg.train.val_trials);
    let m = check.metrics;
    let searched = kind.has_cube_set() && !f.network.config.cell.is_gated();
    let points = if searched {
        search_from_cube_set(
            &f.network,
            &cfg.task,
            FixedPointOptions::default(),
            cfg.seed,
        )
        .run()
    } else {
        Vec::new()
    };
    let s = compare::summarise(&f.network, &points)
        .map_err(|e| CliError::Failed(format!("spectrum of W_rec: {e}")))?;
    Ok(Measures {
        solved: check.solved,
        accuracy: m.bit_accuracy,
        mse: m.mse,
        spectral_radius: s.spectral_radius,
        outside_unit_circle: s.outside_unit_circle.len(),
        stable_fixed_points: searched.then_some(s.topology.stable),
        saddles: searched.then(|| s.topology.saddle_count()),
    })
}

/// One CSV field, quoted when it holds a comma, a quote or a line break (RFC 4180).
fn field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map_or(String::new(), |v| v.to_string())
}

/// The columns of `summary.csv` after the grid keys: one list, shared with the lab's reader
/// (`flipflop_formats::sweep`), so writer and reader cannot drift apart.
pub use flipflop_formats::sweep::COLUMNS;

/// `summary.csv`: a header (`index`, `name`, the grid keys, then [`COLUMNS`]) and one row per
/// finished or failed run, in sweep order. Empty fields: not measured (e.g. no fixed-point
/// search for the task) or not reached (a failed run).
pub fn csv(sweep: &Sweep, records: &[Record]) -> String {
    let mut out = String::new();
    let mut head = vec!["index".to_string(), "name".to_string()];
    head.extend(sweep.grid.iter().map(|a| a.key.clone()));
    head.extend(COLUMNS.iter().map(|c| c.to_string()));
    out.push_str(&head.join(","));
    out.push('\n');
    for r in records {
        let m = r.measures.as_ref();
        let mut row = vec![r.index.to_string(), r.name.clone()];
        row.extend(
            sweep
                .grid
                .iter()
                .map(|a| r.params.get(&a.key).cloned().unwrap_or_default()),
        );
        row.extend([
            r.seed.to_string(),
            r.status.name().to_string(),
            opt(r.steps),
            opt(r.seconds),
            opt(r.stopped.clone()),
            opt(m.map(|m| m.solved)),
            opt(m.map(|m| m.accuracy)),
            opt(m.map(|m| m.mse)),
            opt(m.map(|m| m.spectral_radius)),
            opt(m.map(|m| m.outside_unit_circle)),
            opt(m.and_then(|m| m.stable_fixed_points)),
            opt(m.and_then(|m| m.saddles)),
            opt(r.file.clone()),
            opt(r.error.clone()),
        ]);
        let row: Vec<String> = row.iter().map(|f| field(f)).collect();
        out.push_str(&row.join(","));
        out.push('\n');
    }
    out
}

/// The state of every run of `sweep` in `dir`: finished and failed records in sweep order,
/// and the names of runs with neither (never run, still running, or a network file gone).
pub fn state(sweep: &Sweep, dir: &Path) -> (Vec<Record>, Vec<String>) {
    let mut records = Vec::new();
    let mut missing = Vec::new();
    for run in &sweep.runs {
        match super::run::finished_record(dir, run) {
            Some(r) => records.push(r),
            None => match super::run::read_record(dir, run) {
                Some(r) if r.status == Status::Failed => records.push(r),
                _ => missing.push(run.name.clone()),
            },
        }
    }
    (records, missing)
}

/// (Re)writes `DIR/summary.csv` from whatever has finished; returns the report `--collect`
/// prints (runs, finished, failed with their errors, missing).
pub fn collect(sweep: &Sweep, dir: &Path) -> Result<serde_json::Value, CliError> {
    let (records, missing) = state(sweep, dir);
    let path = dir.join("summary.csv");
    super::write_unique(&path, csv(sweep, &records).as_bytes())?;
    let failed: Vec<_> = records
        .iter()
        .filter(|r| r.status == Status::Failed)
        .map(|r| json!({ "index": r.index, "name": r.name, "error": r.error }))
        .collect();
    Ok(json!({
        "dir": dir.display().to_string(),
        "summary": path.display().to_string(),
        "runs": sweep.runs.len(),
        "finished": records.len() - failed.len(),
        "failed": failed,
        "missing": missing,
    }))
}

/// The median of `v` (the mean of the two middle values for an even count); `None` if empty.
fn median(mut v: Vec<f64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    })
}

/// The aggregate `flipflop summary` prints: per grid point (in sweep order) its runs,
/// finished/failed/missing counts, the solved fraction of finished runs, the median steps of
/// finished runs and of solved runs, and the median held-out accuracy.
pub fn aggregate(sweep: &Sweep, dir: &Path) -> serde_json::Value {
    let (records, missing) = state(sweep, dir);
    let mut points: Vec<serde_json::Value> = Vec::new();
    let mut seen: Vec<&std::collections::BTreeMap<String, String>> = Vec::new();
    for run in &sweep.runs {
        if seen.contains(&&run.params) {
            continue;
        }
        seen.push(&run.params);
        let all = sweep.runs.iter().filter(|r| r.params == run.params).count();
        let mine: Vec<&Record> = records.iter().filter(|r| r.params == run.params).collect();
        let ok: Vec<&Record> = mine
            .iter()
            .copied()
            .filter(|r| r.status == Status::Ok)
            .collect();
        let solved: Vec<&Record> = ok
            .iter()
            .copied()
            .filter(|r| r.measures.as_ref().is_some_and(|m| m.solved))
            .collect();
        let steps = |rs: &[&Record]| {
            median(
                rs.iter()
                    .filter_map(|r| r.steps)
                    .map(|s| s as f64)
                    .collect(),
            )
        };
        let params: serde_json::Map<String, serde_json::Value> = sweep
            .grid
            .iter()
            .map(|a| (a.key.clone(), json!(run.params.get(&a.key))))
            .collect();
        points.push(json!({
            "params": params,
            "runs": all,
            "finished": ok.len(),
            "failed": mine.len() - ok.len(),
            "missing": all - mine.len(),
            "solved_fraction": if ok.is_empty() { json!(null) } else {
                json!(solved.len() as f64 / ok.len() as f64)
            },
            "median_steps": steps(&ok),
            "median_steps_solved": steps(&solved),
            "median_accuracy": median(ok.iter()
                .filter_map(|r| r.measures.as_ref().map(|m| m.accuracy as f64)).collect()),
        }));
    }
    let failed = records
        .iter()
        .filter(|r| r.status == Status::Failed)
        .count();
    json!({
        "dir": dir.display().to_string(),
        "grid": sweep.grid,
        "seeds": sweep.seeds,
        "runs": sweep.runs.len(),
        "finished": records.len() - failed,
        "failed": failed,
        "missing": missing.len(),
        "points": points,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_with_commas_or_quotes_are_quoted() {
        assert_eq!(field("plain"), "plain");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"no\""), "\"say \"\"no\"\"\"");
    }

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(vec![]), None);
        assert_eq!(median(vec![3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(vec![4.0, 1.0, 2.0, 3.0]), Some(2.5));
    }
}
