//! `flipflop sweep --slurm`: the sweep as a Slurm job array. Writes `DIR/sweep.sbatch` (one
//! array task per run, `--array=0-(n-1)%MAX`, each task running this same sweep command with
//! `--only-index $SLURM_ARRAY_TASK_ID`), submits it with `sbatch` unless `--dry-run`, then
//! submits a small job that runs `flipflop sweep --collect DIR` after the array ends
//! (`--dependency=afterany`), and prints the job ids. Task logs go to `DIR/slurm/`.

use super::Sweep;
use crate::args::{self, usage, CliError};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The options of `--slurm`.
#[derive(Default)]
pub struct SlurmOptions {
    /// `--partition P` (`#SBATCH --partition`).
    pub partition: Option<String>,
    /// `--time T`: time limit per array task, in Slurm's forms (`MM`, `HH:MM:SS`, `D-HH:MM`…).
    pub time: Option<String>,
    /// `--mem M`: memory per array task (`512M`, `2G`…).
    pub mem: Option<String>,
    /// `--cpus C`: CPUs per task (default 1: a run trains on one thread).
    pub cpus: Option<usize>,
    /// `--max-parallel M`: the array's `%M` (default: every run at once).
    pub max_parallel: Option<usize>,
    /// `--sbatch-arg ARG` (repeatable): extra `#SBATCH` lines, e.g. `--account=lab`.
    pub extra: Vec<String>,
    /// `--bin PATH`: the `flipflop` the tasks run (default: this one).
    pub bin: Option<PathBuf>,
    /// `--dry-run`: write the script, do not submit.
    pub dry_run: bool,
}

const OPTIONS: &[&str] = &[
    "partition",
    "time",
    "mem",
    "cpus",
    "max-parallel",
    "sbatch-arg",
    "bin",
    "dry-run",
];

/// Whether `--flag` is an option of `--slurm`.
pub fn is_option(flag: &str) -> bool {
    OPTIONS.contains(&flag)
}

/// The same name with a static lifetime, for messages.
pub fn static_name(flag: &str) -> Option<&'static str> {
    OPTIONS.iter().find(|o| **o == flag).copied()
}

fn checked(
    flag: &str,
    v: String,
    ok: impl Fn(&str) -> bool,
    form: &str,
) -> Result<String, CliError> {
    if v.is_empty() || v.len() > 200 || !ok(&v) {
        return Err(usage(format!("--{flag} expects {form}, got '{v}'")));
    }
    Ok(v)
}

impl SlurmOptions {
    /// Reads the value of `--flag` (one of [`is_option`]'s).
    pub fn set(&mut self, flag: &str, p: &mut lexopt::Parser) -> Result<(), CliError> {
        match flag {
            "dry-run" => self.dry_run = true,
            "partition" => {
                self.partition = Some(checked(
                    flag,
                    args::text("--partition", p.value()?)?,
                    |s| {
                        s.chars()
                            .all(|c| c.is_ascii_alphanumeric() || "_.,-".contains(c))
                    },
                    "a partition name (letters, digits, '_', '.', '-'; several separated by ',')",
                )?)
            }
            "time" => {
                self.time = Some(checked(
                    flag,
                    args::text("--time", p.value()?)?,
                    |s| {
                        s.starts_with(|c: char| c.is_ascii_digit())
                            && s.chars()
                                .all(|c| c.is_ascii_digit() || c == ':' || c == '-')
                    },
                    "a Slurm time limit: minutes, HH:MM:SS or D-HH:MM:SS (e.g. 30 or 2:00:00)",
                )?)
            }
            "mem" => {
                self.mem = Some(checked(
                    flag,
                    args::text("--mem", p.value()?)?,
                    |s| {
                        let d = s.trim_end_matches(['K', 'M', 'G', 'T']);
                        !d.is_empty()
                            && d.chars().all(|c| c.is_ascii_digit())
                            && s.len() - d.len() <= 1
                    },
                    "memory per task: a whole number with an optional unit K, M, G or T (e.g. 2G)",
                )?)
            }
            "cpus" => {
                let c: usize = args::int("--cpus", p.value()?, "1..=1024")?;
                if !(1..=1024).contains(&c) {
                    return Err(usage(format!(
                        "--cpus {c} is out of range (allowed: 1..=1024)"
                    )));
                }
                self.cpus = Some(c);
            }
            "max-parallel" => {
                let m: usize = args::int("--max-parallel", p.value()?, "1..=100000")?;
                if !(1..=100_000).contains(&m) {
                    return Err(usage(format!(
                        "--max-parallel {m} is out of range (allowed: 1..=100000)"
                    )));
                }
                self.max_parallel = Some(m);
            }
            "sbatch-arg" => {
                let a = checked(
                    flag,
                    args::text("--sbatch-arg", p.value()?)?,
                    |s| s.starts_with("--") && !s.contains(['\n', '\r']),
                    "one sbatch option starting with '--' (e.g. --sbatch-arg=--account=lab)",
                )?;
                self.extra.push(a);
            }
            "bin" => self.bin = Some(args::path(p.value()?)),
            _ => return Err(usage(format!("--{flag} is not an option of --slurm"))),
        }
        Ok(())
    }
}

/// `--seeds` as the user would type it: `A..B` for consecutive seeds, else a list.
fn seeds_arg(seeds: &[u64]) -> String {
    let consecutive = seeds.windows(2).all(|w| w[1] == w[0].wrapping_add(1));
    match (seeds.first(), seeds.last()) {
        (Some(a), Some(b)) if consecutive && seeds.len() > 1 => format!("{a}..{b}"),
        _ => seeds
            .iter()
            .map(|s| s.to_string())
            .collect::<Vec<_>>()
            .join(","),
    }
}

fn quote(s: &str) -> Result<String, CliError> {
    shlex::try_quote(s)
        .map(|q| q.into_owned())
        .map_err(|e| usage(format!("cannot quote {s:?} for the batch script: {e}")))
}

/// The sweep command each array task runs, without `--only-index`.
fn task_command(bin: &Path, dir: &Path, sweep: &Sweep) -> Result<Vec<String>, CliError> {
    let mut words = vec![
        bin.display().to_string(),
        "sweep".into(),
        "--out".into(),
        dir.display().to_string(),
    ];
    for a in &sweep.grid {
        words.push("--grid".into());
        words.push(format!("{}={}", a.key, a.values.join(",")));
    }
    words.push("--seeds".into());
    words.push(seeds_arg(&sweep.seeds));
    words.extend(sweep.train_args.iter().cloned());
    words.iter().map(|w| quote(w)).collect()
}

/// The batch script.
pub fn script(bin: &Path, dir: &Path, sweep: &Sweep, o: &SlurmOptions) -> Result<String, CliError> {
    let n = sweep.runs.len();
    let max = o.max_parallel.unwrap_or(n).min(n);
    let mut s = String::from("#!/bin/bash\n");
    s.push_str(&format!(
        "# Written by 'flipflop sweep --slurm': one array task per run of {}/sweep.json.\n\
         # Resubmitting it re-runs only unfinished runs; 'flipflop sweep --collect {}' \
         rebuilds summary.csv.\n",
        dir.display(),
        dir.display()
    ));
    s.push_str("#SBATCH --job-name=flipflop-sweep\n");
    s.push_str(&format!("#SBATCH --array=0-{}%{max}\n", n - 1));
    s.push_str(&format!(
        "#SBATCH --cpus-per-task={}\n",
        o.cpus.unwrap_or(1)
    ));
    s.push_str(&format!(
        "#SBATCH --output={}/slurm/%A_%a.out\n",
        dir.display()
    ));
    if let Some(p) = &o.partition {
        s.push_str(&format!("#SBATCH --partition={p}\n"));
    }
    if let Some(t) = &o.time {
        s.push_str(&format!("#SBATCH --time={t}\n"));
    }
    if let Some(m) = &o.mem {
        s.push_str(&format!("#SBATCH --mem={m}\n"));
    }
    for e in &o.extra {
        s.push_str(&format!("#SBATCH {e}\n"));
    }
    s.push_str("set -eu\n");
    s.push_str(&format!(
        "exec {} --only-index \"$SLURM_ARRAY_TASK_ID\"\n",
        task_command(bin, dir, sweep)?.join(" ")
    ));
    Ok(s)
}

/// Runs `sbatch ARGS` and returns the job id it prints (`--parsable`: `ID` or `ID;CLUSTER`).
fn sbatch(args: &[String]) -> Result<String, CliError> {
    let out = Command::new("sbatch").arg("--parsable").args(args).output().map_err(|e| {
        CliError::Failed(format!(
            "cannot run sbatch ({e}): is this a Slurm login node? (--dry-run only writes the script)"
        ))
    })?;
    if !out.status.success() {
        return Err(CliError::Failed(format!(
            "sbatch failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let id = text.trim().split(';').next().unwrap_or("").to_string();
    if id.is_empty() || !id.chars().all(|c| c.is_ascii_digit()) {
        return Err(CliError::Failed(format!(
            "sbatch printed no job id: '{}'",
            text.trim()
        )));
    }
    Ok(id)
}

/// Writes `DIR/sweep.sbatch` and, unless `--dry-run`, submits it and the collect job.
pub fn submit(dir: &Path, sweep: &Sweep, o: &SlurmOptions) -> Result<(), CliError> {
    let dir = std::fs::canonicalize(dir)
        .map_err(|e| CliError::Failed(format!("{}: {e}", dir.display())))?;
    if dir
        .to_str()
        .is_none_or(|d| d.contains(|c: char| c.is_whitespace() || c == '%'))
    {
        return Err(CliError::Failed(format!(
            "{}: a Slurm sweep folder's path must be UTF-8 without spaces or '%' (the \
             #SBATCH --output line cannot hold them)",
            dir.display()
        )));
    }
    let bin = match &o.bin {
        Some(b) => {
            std::fs::canonicalize(b).map_err(|e| usage(format!("--bin {}: {e}", b.display())))?
        }
        None => std::env::current_exe()
            .map_err(|e| CliError::Failed(format!("cannot find this flipflop binary: {e}")))?,
    };
    let text = script(&bin, &dir, sweep, o)?;
    let path = dir.join("sweep.sbatch");
    super::write_unique(&path, text.as_bytes())?;
    std::fs::create_dir_all(dir.join("slurm"))
        .map_err(|e| CliError::Failed(format!("cannot create {}/slurm: {e}", dir.display())))?;
    let mut report = json!({
        "script": path.display().to_string(),
        "runs": sweep.runs.len(),
        "dry_run": o.dry_run,
    });
    if o.dry_run {
        report["submit"] = json!(format!("sbatch {}", path.display()));
        return crate::print_json(&report);
    }
    let id = sbatch(&[path.display().to_string()])?;
    eprintln!("submitted job array {id} ({} tasks)", sweep.runs.len());
    let mut collect = vec![
        format!("--dependency=afterany:{id}"),
        "--job-name=flipflop-collect".into(),
        format!("--output={}/slurm/collect-%j.out", dir.display()),
    ];
    if let Some(p) = &o.partition {
        collect.push(format!("--partition={p}"));
    }
    collect.extend(o.extra.iter().cloned());
    collect.push(format!(
        "--wrap=exec {} sweep --collect {}",
        quote(&bin.display().to_string())?,
        quote(&dir.display().to_string())?
    ));
    report["job_id"] = json!(id);
    report["collect_job_id"] = json!(sbatch(&collect)?);
    crate::print_json(&report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_print_as_a_range_or_a_list() {
        assert_eq!(seeds_arg(&[3, 4, 5]), "3..5");
        assert_eq!(seeds_arg(&[7]), "7");
        assert_eq!(seeds_arg(&[1, 5]), "1,5");
    }
}
