//! `flipflop sweep` and `flipflop summary`: populations of networks, every combination of a
//! grid of training options × every seed, trained by `train`'s code on all local cores or as
//! a Slurm job array, with one summary row per run.
//!
//! `DIR` holds `sweep.json` ([`Sweep`]: the grid, the seeds, the sweep-wide training
//! options, every run's `train` arguments, the code version and the command), one
//! `NAME.net` per run, `runs/NAME.json` per run (see [`run`]), and `summary.csv` (see
//! [`summary`]). Modules: [`grid`] (keys, values, runs), [`run`] (one run, the workers),
//! [`summary`] (measures, CSV, aggregate), [`slurm`] (the batch script and submission).

pub mod grid;
pub mod run;
pub mod slurm;
pub mod summary;

use crate::args::{self, config_error, usage, CliError};
use flipflop_core::ConfigError;
use grid::{Axis, Run};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// The code version recorded in `sweep.json`: the git commit this binary was built from, or
/// its package version when it was not built in a git checkout (see `build.rs`).
pub const CODE_VERSION: &str = env!("FLIPFLOP_CODE_VERSION");

/// `sweep.json`'s format tag.
pub const FORMAT: &str = "flipflop-sweep/1";

/// `DIR/sweep.json`: what the sweep is.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Sweep {
    /// [`FORMAT`].
    pub format: String,
    /// The `flipflop` version that wrote it.
    pub version: String,
    /// The code it was built from: the git commit at build time, or the package version
    /// outside a git checkout (`build.rs`). Empty in a `sweep.json` of an older `flipflop`.
    #[serde(default)]
    pub code_version: String,
    /// The command line that created the folder.
    pub command: Vec<String>,
    pub grid: Vec<Axis>,
    pub seeds: Vec<u64>,
    /// Sweep-wide `train` options (`--steps K`, `--until-solved`, `--max-seconds T`,
    /// `--eval-every E`).
    pub train_args: Vec<String>,
    pub runs: Vec<Run>,
}

impl Sweep {
    /// Whether `other` describes the same runs (the command and version may differ).
    fn same_runs(&self, other: &Sweep) -> bool {
        self.grid == other.grid
            && self.seeds == other.seeds
            && self.train_args == other.train_args
            && self.runs == other.runs
    }
}

/// Reads `DIR/sweep.json`.
pub fn load(dir: &Path) -> Result<Sweep, CliError> {
    let path = dir.join("sweep.json");
    let bytes = std::fs::read(&path).map_err(|e| {
        CliError::Failed(format!(
            "{}: {e} (is {} a folder written by 'flipflop sweep'?)",
            path.display(),
            dir.display()
        ))
    })?;
    let s: Sweep = serde_json::from_slice(&bytes).map_err(|e| {
        CliError::Failed(format!("{}: not a sweep description: {e}", path.display()))
    })?;
    if s.format != FORMAT {
        return Err(CliError::Failed(format!(
            "{}: format '{}', this flipflop reads '{FORMAT}'",
            path.display(),
            s.format
        )));
    }
    Ok(s)
}

/// Writes `bytes` to `path` through a temporary file unique to this process and call, then a
/// rename: readers never see half a file, and concurrent writers (array tasks, workers)
/// never share a temporary file.
pub fn write_unique(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let fail = |m: String| CliError::Failed(format!("cannot write {}: {m}", path.display()));
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(
        ".{}.{}.tmp",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst)
    ));
    std::fs::write(&tmp, bytes).map_err(|e| fail(e.to_string()))?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        fail(e.to_string())
    })
}

/// Everything `sweep` was asked.
#[derive(Default)]
struct Options {
    grid: Vec<Axis>,
    seeds: Option<Vec<u64>>,
    out: Option<PathBuf>,
    train_args: Vec<String>,
    jobs: Option<usize>,
    only_index: Option<usize>,
    collect: Option<PathBuf>,
    slurm: Option<slurm::SlurmOptions>,
    /// Slurm options given without `--slurm` (an error, named).
    slurm_flag_without_slurm: Option<&'static str>,
}

fn parse(p: &mut lexopt::Parser) -> Result<Options, CliError> {
    use lexopt::Arg::*;
    let mut o = Options::default();
    let mut s = slurm::SlurmOptions::default();
    let mut slurm_on = false;
    let mut slurm_flag = None;
    while let Some(arg) = p.next()? {
        match arg {
            Long("grid") => o
                .grid
                .push(grid::parse_axis(&args::text("--grid", p.value()?)?)?),
            Long("seeds") => {
                o.seeds = Some(grid::parse_seeds(&args::text("--seeds", p.value()?)?)?)
            }
            Long("out") | Short('o') => o.out = Some(args::path(p.value()?)),
            Long("steps") => {
                let k: u64 = args::int("--steps", p.value()?, "1..=10000000")?;
                o.train_args.extend(["--steps".into(), k.to_string()]);
            }
            Long("until-solved") => o.train_args.push("--until-solved".into()),
            Long("max-seconds") => {
                let t = args::text("--max-seconds", p.value()?)?;
                o.train_args.extend(["--max-seconds".into(), t]);
            }
            Long("eval-every") => {
                let e: u64 = args::int("--eval-every", p.value()?, "1..=1000000")?;
                o.train_args.extend(["--eval-every".into(), e.to_string()]);
            }
            Long("jobs") | Short('j') => {
                let j: usize = args::int("--jobs", p.value()?, "1..=1024")?;
                ConfigError::check_int("--jobs", j, 1, 1024).map_err(|e| config_error(&e))?;
                o.jobs = Some(j);
            }
            Long("only-index") => {
                o.only_index = Some(args::int("--only-index", p.value()?, "0..runs-1")?)
            }
            Long("collect") => o.collect = Some(args::path(p.value()?)),
            Long("slurm") => slurm_on = true,
            Long(flag) if slurm::is_option(flag) => {
                let flag = flag.to_string();
                slurm_flag = slurm_flag.or(slurm::static_name(&flag));
                s.set(&flag, p)?;
            }
            _ => return Err(arg.unexpected().into()),
        }
    }
    if slurm_on {
        o.slurm = Some(s);
    } else {
        o.slurm_flag_without_slurm = slurm_flag;
    }
    Ok(o)
}

/// Runs `flipflop sweep`.
pub fn run(p: &mut lexopt::Parser) -> Result<(), CliError> {
    let o = parse(p)?;
    if let Some(flag) = o.slurm_flag_without_slurm {
        return Err(usage(format!(
            "--{flag} is an option of --slurm (the job array): add --slurm"
        )));
    }
    if let Some(dir) = &o.collect {
        if !o.grid.is_empty()
            || o.seeds.is_some()
            || o.out.is_some()
            || o.slurm.is_some()
            || o.only_index.is_some()
            || !o.train_args.is_empty()
        {
            return Err(usage(
                "--collect DIR takes no other options: it reads DIR/sweep.json",
            ));
        }
        let sweep = load(dir)?;
        return crate::print_json(&summary::collect(&sweep, dir)?);
    }
    let dir = o
        .out
        .clone()
        .ok_or_else(|| usage("--out DIR is required: the folder the sweep writes to"))?;
    let seeds = o
        .seeds
        .clone()
        .ok_or_else(|| usage("--seeds A..B is required (e.g. --seeds 1..10)"))?;
    if o.slurm.is_some() && o.only_index.is_some() {
        return Err(usage(
            "--slurm submits the whole array; --only-index runs one run (each array task uses it)",
        ));
    }
    let runs = grid::expand(&o.grid, &seeds, &o.train_args)?;
    if let Some(i) = o.only_index {
        if i >= runs.len() {
            return Err(usage(format!(
                "--only-index {i} is out of range: the sweep has {} runs (0..={})",
                runs.len(),
                runs.len() - 1
            )));
        }
    }
    let sweep = Sweep {
        format: FORMAT.into(),
        version: env!("CARGO_PKG_VERSION").into(),
        code_version: CODE_VERSION.into(),
        command: std::env::args().collect(),
        grid: o.grid.clone(),
        seeds,
        train_args: o.train_args.clone(),
        runs,
    };
    open_dir(&dir, &sweep)?;
    if let Some(s) = &o.slurm {
        return slurm::submit(&dir, &sweep, s);
    }
    if let Some(i) = o.only_index {
        return run_index(&dir, &sweep, i);
    }
    run_local(&dir, &sweep, o.jobs)
}

/// Creates `dir` with its `sweep.json`, or checks that an existing one describes the same runs.
fn open_dir(dir: &Path, sweep: &Sweep) -> Result<(), CliError> {
    if dir.join("sweep.json").exists() {
        let old = load(dir)?;
        if !old.same_runs(sweep) {
            return Err(CliError::Failed(format!(
                "{} holds a different sweep (its grid, seeds or training options differ; it was \
                 made by: {}): choose another --out, or repeat that command to resume it",
                dir.display(),
                old.command.join(" ")
            )));
        }
        return Ok(());
    }
    if dir.exists() && !dir.is_dir() {
        return Err(CliError::Failed(format!(
            "--out {}: exists and is not a folder",
            dir.display()
        )));
    }
    std::fs::create_dir_all(dir.join("runs"))
        .map_err(|e| CliError::Failed(format!("cannot create {}: {e}", dir.display())))?;
    let json = serde_json::to_vec_pretty(sweep)
        .map_err(|e| CliError::Failed(format!("cannot format sweep.json: {e}")))?;
    write_unique(&dir.join("sweep.json"), &json)
}

/// `--only-index I`: one run (skipped when finished), its record on stdout; exit 1 if it failed.
fn run_index(dir: &Path, sweep: &Sweep, i: usize) -> Result<(), CliError> {
    let run = &sweep.runs[i];
    let (rec, skipped) = match run::finished_record(dir, run) {
        Some(r) => (r, true),
        None => {
            std::fs::create_dir_all(dir.join("runs"))
                .map_err(|e| CliError::Failed(format!("cannot create {}: {e}", dir.display())))?;
            (run::run_one(dir, run)?, false)
        }
    };
    crate::print_json(&json!({ "skipped": skipped, "record": rec }))?;
    match rec.status {
        run::Status::Ok => Ok(()),
        run::Status::Failed => Err(CliError::Failed(format!(
            "run {i} ({}) failed: {}",
            run.name,
            rec.error.unwrap_or_default()
        ))),
    }
}

/// Runs every unfinished run on `jobs` threads (default: the machine's cores), then writes
/// `summary.csv`. Exit 1 when a run failed (after writing everything).
fn run_local(dir: &Path, sweep: &Sweep, jobs: Option<usize>) -> Result<(), CliError> {
    let jobs = jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let todo: Vec<&Run> = sweep
        .runs
        .iter()
        .filter(|r| run::finished_record(dir, r).is_none())
        .collect();
    let skipped = sweep.runs.len() - todo.len();
    if skipped > 0 {
        eprintln!(
            "{skipped} of {} runs already finished in {}; running the other {}",
            sweep.runs.len(),
            dir.display(),
            todo.len()
        );
    }
    let start = Instant::now();
    let ran = run::run_all(dir, &todo, jobs)?;
    let seconds = start.elapsed().as_secs_f64();
    let mut report = summary::collect(sweep, dir)?;
    report["ran"] = json!(ran.iter().map(|r| &r.name).collect::<Vec<_>>());
    report["skipped"] = json!(skipped);
    report["jobs"] = json!(jobs);
    report["seconds"] = json!(seconds);
    crate::print_json(&report)?;
    let failed = report["failed"].as_array().map_or(0, |a| a.len());
    if failed > 0 {
        return Err(CliError::Failed(format!(
            "{failed} of {} runs failed (errors in {} and runs/*.json); re-running the same \
             command retries them",
            sweep.runs.len(),
            dir.join("summary.csv").display()
        )));
    }
    Ok(())
}

/// Runs `flipflop summary DIR`: the per-grid-point aggregate as JSON.
pub fn summary_command(p: &mut lexopt::Parser) -> Result<(), CliError> {
    use lexopt::Arg::*;
    let mut dir = None;
    while let Some(arg) = p.next()? {
        match arg {
            Value(v) if dir.is_none() => dir = Some(args::path(v)),
            _ => return Err(arg.unexpected().into()),
        }
    }
    let dir =
        dir.ok_or_else(|| usage("missing DIR: 'flipflop summary DIR' reads a sweep folder"))?;
    let sweep = load(&dir)?;
    crate::print_json(&summary::aggregate(&sweep, &dir))
}
