//! Running the runs of a sweep: one run (train with `train`'s code, write its network file,
//! measure it, write its record), which runs are finished, and `--jobs J` workers (each run
//! on one thread; `std::thread::scope` with a shared index into the fixed list of runs to do,
//! so the queue is bounded by the sweep itself).
//!
//! Files per run in `DIR`: `NAME.net` (the network) and `runs/NAME.json` (its [`Record`]),
//! each written to a temporary file and renamed. A run is finished when its record says
//! `ok` and its network file exists; anything else (no record, a failed record, a deleted
//! network file) runs again on the next invocation.

use super::grid::{plan_of, Run};
use super::summary::{measure, Measures};
use crate::args::CliError;
use flipflop_formats::netfile;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// Outcome of a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Ok,
    Failed,
}

impl Status {
    pub fn name(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Failed => "failed",
        }
    }
}

/// `runs/NAME.json`: what one run did.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Record {
    pub index: usize,
    pub name: String,
    pub params: BTreeMap<String, String>,
    pub seed: u64,
    pub status: Status,
    /// Why a failed run failed.
    pub error: Option<String>,
    /// The network file, relative to `DIR` (also for a diverged run's last good weights).
    pub file: Option<String>,
    /// Optimiser steps trained.
    pub steps: Option<u64>,
    /// Wall seconds of training (with its held-out checks).
    pub seconds: Option<f64>,
    /// Why training stopped: steps, solved, time or diverged.
    pub stopped: Option<String>,
    /// Measures of the written network.
    pub measures: Option<Measures>,
}

/// The network file of `run` in `dir`.
pub fn net_path(dir: &Path, run: &Run) -> PathBuf {
    dir.join(format!("{}.net", run.name))
}

fn record_path(dir: &Path, run: &Run) -> PathBuf {
    dir.join("runs").join(format!("{}.json", run.name))
}

/// The record of `run`, if one was written and still parses.
pub fn read_record(dir: &Path, run: &Run) -> Option<Record> {
    let bytes = std::fs::read(record_path(dir, run)).ok()?;
    serde_json::from_slice::<Record>(&bytes)
        .ok()
        .filter(|r| r.name == run.name)
}

/// The record of `run` if the run is finished: recorded `ok` and its network file present.
pub fn finished_record(dir: &Path, run: &Run) -> Option<Record> {
    read_record(dir, run).filter(|r| r.status == Status::Ok && net_path(dir, run).is_file())
}

/// Trains, writes and measures one run; a failure of any step gives a failed record (with
/// the files written so far), never an error of the sweep.
fn execute(dir: &Path, run: &Run) -> Record {
    let mut rec = Record {
        index: run.index,
        name: run.name.clone(),
        params: run.params.clone(),
        seed: run.seed,
        status: Status::Failed,
        error: None,
        file: None,
        steps: None,
        seconds: None,
        stopped: None,
        measures: None,
    };
    let result = (|| -> Result<(), CliError> {
        let plan = plan_of(&run.args)?;
        let r = crate::train::train(&plan, false)?;
        rec.steps = Some(r.steps);
        rec.seconds = Some(r.seconds);
        rec.stopped = Some(r.stop.name().to_string());
        let bytes = netfile::encode(r.trainer.config(), r.trainer.network(), r.steps);
        let path = net_path(dir, run);
        super::write_unique(&path, &bytes)?;
        rec.file = Some(format!("{}.net", run.name));
        if let Some(msg) = r.diverged {
            return Err(CliError::Failed(format!(
                "{msg} (the last good weights are in {}.net)",
                run.name
            )));
        }
        let f = netfile::decode(&bytes).map_err(|e| CliError::Failed(e.to_string()))?;
        rec.measures = Some(measure(&f)?);
        Ok(())
    })();
    match result {
        Ok(()) => rec.status = Status::Ok,
        Err(e) => {
            rec.error = Some(match e {
                CliError::Usage(m) | CliError::Failed(m) => m,
            })
        }
    }
    rec
}

/// Runs `run` in `dir` and writes its record; a panic inside is caught and recorded as a
/// failure. Returns the record, or an error only when the record cannot be written.
pub fn run_one(dir: &Path, run: &Run) -> Result<Record, CliError> {
    let rec = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| execute(dir, run)))
        .unwrap_or_else(|p| {
            let msg = p
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "unknown panic".into());
            Record {
                index: run.index,
                name: run.name.clone(),
                params: run.params.clone(),
                seed: run.seed,
                status: Status::Failed,
                error: Some(format!("internal error (panic): {msg}")),
                file: None,
                steps: None,
                seconds: None,
                stopped: None,
                measures: None,
            }
        });
    let json = serde_json::to_vec_pretty(&rec)
        .map_err(|e| CliError::Failed(format!("cannot format a run record: {e}")))?;
    super::write_unique(&record_path(dir, run), &json)?;
    Ok(rec)
}

/// One line of progress on stderr for a finished run.
fn report(done: usize, total: usize, rec: &Record) {
    match (&rec.status, &rec.measures) {
        (Status::Ok, Some(m)) => eprintln!(
            "[{done}/{total}] {}: {} after {} steps ({:.1} s), accuracy {:.1} %",
            rec.name,
            if m.solved { "solved" } else { "not solved" },
            rec.steps.unwrap_or(0),
            rec.seconds.unwrap_or(0.0),
            100.0 * m.accuracy
        ),
        _ => eprintln!(
            "[{done}/{total}] {}: FAILED: {}",
            rec.name,
            rec.error.as_deref().unwrap_or("")
        ),
    }
}

/// Runs `todo` in `dir` on `jobs` worker threads (each run on one thread), in order of
/// index; returns their records in the same order. Stops handing out runs after the first
/// error writing a record (a full disk, say) and returns that error.
pub fn run_all(dir: &Path, todo: &[&Run], jobs: usize) -> Result<Vec<Record>, CliError> {
    std::fs::create_dir_all(dir.join("runs")).map_err(|e| {
        CliError::Failed(format!("cannot create {}: {e}", dir.join("runs").display()))
    })?;
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Result<Record, CliError>>>> =
        Mutex::new((0..todo.len()).map(|_| None).collect());
    let stop = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|s| {
        for _ in 0..jobs.clamp(1, todo.len().max(1)) {
            s.spawn(|| loop {
                if stop.load(Ordering::SeqCst) {
                    break;
                }
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(run) = todo.get(i) else { break };
                let r = run_one(dir, run);
                let n = done.fetch_add(1, Ordering::SeqCst) + 1;
                match &r {
                    Ok(rec) => report(n, todo.len(), rec),
                    Err(_) => stop.store(true, Ordering::SeqCst),
                }
                if let Ok(mut v) = results.lock() {
                    v[i] = Some(r);
                }
            });
        }
    });
    let results = results
        .into_inner()
        .map_err(|_| CliError::Failed("a worker thread failed".into()))?;
    let mut out = Vec::with_capacity(todo.len());
    for r in results.into_iter().flatten() {
        out.push(r?);
    }
    Ok(out)
}
