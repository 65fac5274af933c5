//! The grid of a sweep: `--grid KEY=V1,V2,…` options, the seed list, and the runs they
//! expand to (every combination × every seed), each with its name and the `train`
//! arguments that describe it.
//!
//! A grid key is a `flipflop train` option without its dashes (`hidden`, `lr`, `trial-len`
//! or `trial_len`, `cell`, `task`, `dale`, …). Every run's arguments go through `train`'s
//! own parser and config checks before anything runs, so a sweep accepts exactly the values
//! `train` accepts and names the grid point of a bad one.

use crate::args::{usage, CliError};
use crate::train;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::ffi::OsString;

/// Most runs one sweep may hold (a Slurm array is usually capped far lower).
pub const MAX_RUNS: usize = 100_000;

/// How a grid key maps onto `train`'s options.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// `--KEY VALUE`.
    Value,
    /// A flag without a value: grid values `true` / `false`.
    Switch,
}

/// The training options a grid may vary, as `train` spells them.
const KEYS: &[(&str, Kind)] = &[
    ("preset", Kind::Value),
    ("cell", Kind::Value),
    ("task", Kind::Value),
    ("hidden", Kind::Value),
    ("bits", Kind::Value),
    ("lr", Kind::Value),
    ("batch", Kind::Value),
    ("clip", Kind::Value),
    ("readout-fit", Kind::Value),
    ("ema-momentum", Kind::Value),
    ("trial-len", Kind::Value),
    ("steps", Kind::Value),
    ("dale", Kind::Value),
    ("dale-readout", Kind::Switch),
    ("dale-inputs", Kind::Switch),
    ("density", Kind::Value),
    ("mask-seed", Kind::Value),
    ("no-autapses", Kind::Switch),
    ("coherences", Kind::Value),
    ("stimulus-ms", Kind::Value),
    ("noise-sd", Kind::Value),
    ("delay-min-ms", Kind::Value),
    ("delay-max-ms", Kind::Value),
    ("delay-ms", Kind::Value),
];

/// Keys that are not grid keys, with the reason.
fn refused(key: &str) -> Option<&'static str> {
    Some(match key {
        "seed" => "seeds are given by --seeds A..B, not by the grid",
        "out" | "o" => "the sweep names each run's file itself (under --out DIR)",
        "until-solved" | "max-seconds" | "eval-every" => {
            "stopping rules apply to the whole sweep: give --until-solved, --max-seconds or \
             --eval-every as sweep options"
        }
        _ => return None,
    })
}

/// One varied option and its values, in the order given.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Axis {
    /// The `train` option without dashes, e.g. `hidden`.
    pub key: String,
    /// Its values as typed (trimmed).
    pub values: Vec<String>,
}

/// Parses one `--grid KEY=V1,V2,…` value. `coherences` lists use `/` inside a value
/// (`coherences=0/12.8/51.2,0/25.6`), since `,` separates the values.
pub fn parse_axis(spec: &str) -> Result<Axis, CliError> {
    let bad = |m: String| usage(format!("--grid {spec}: {m}"));
    let (key, values) = spec
        .split_once('=')
        .ok_or_else(|| bad("expected KEY=V1,V2,... (e.g. --grid hidden=50,100)".into()))?;
    let key = key.trim().trim_start_matches("--").replace('_', "-");
    let key = if key == "train-steps" {
        "trial-len".to_string()
    } else {
        key.to_ascii_lowercase()
    };
    if let Some(why) = refused(&key) {
        return Err(bad(format!("'{key}' cannot be a grid key: {why}")));
    }
    let kind = KEYS.iter().find(|(k, _)| *k == key).map(|(_, kind)| *kind);
    let Some(kind) = kind else {
        let names: Vec<&str> = KEYS.iter().map(|(k, _)| *k).collect();
        return Err(bad(format!(
            "unknown grid key '{key}' (grid keys are train options: {})",
            names.join(", ")
        )));
    };
    let values: Vec<String> = values.split(',').map(|v| v.trim().to_string()).collect();
    if values.iter().any(|v| v.is_empty()) {
        return Err(bad(
            "an empty value (values are separated by single commas)".into(),
        ));
    }
    if kind == Kind::Switch {
        if let Some(v) = values.iter().find(|v| *v != "true" && *v != "false") {
            return Err(bad(format!(
                "'{key}' is a switch: its values are true and false, got '{v}'"
            )));
        }
    }
    for (i, v) in values.iter().enumerate() {
        if values[..i].contains(v) {
            return Err(bad(format!("the value '{v}' is listed twice")));
        }
    }
    Ok(Axis { key, values })
}

/// Parses `--seeds`: `A..B` (inclusive), a single seed, or a list `A,B,C`.
pub fn parse_seeds(s: &str) -> Result<Vec<u64>, CliError> {
    let bad = || {
        usage(format!(
            "--seeds expects A..B (inclusive, e.g. 1..10), one seed or a list A,B,C of whole \
             numbers in {}, got '{s}'",
            train::SEED_RANGE
        ))
    };
    let num = |t: &str| t.trim().parse::<u64>().map_err(|_| bad());
    let seeds: Vec<u64> = if let Some((a, b)) = s.split_once("..") {
        let (a, b) = (num(a)?, num(b.trim_start_matches('='))?);
        if a > b {
            return Err(usage(format!(
                "--seeds {s}: the first seed must not exceed the last"
            )));
        }
        if b - a >= MAX_RUNS as u64 {
            return Err(usage(format!(
                "--seeds {s}: at most {MAX_RUNS} seeds in one sweep"
            )));
        }
        (a..=b).collect()
    } else {
        s.split(',').map(num).collect::<Result<_, _>>()?
    };
    for (i, v) in seeds.iter().enumerate() {
        if seeds[..i].contains(v) {
            return Err(usage(format!("--seeds {s}: seed {v} is listed twice")));
        }
    }
    Ok(seeds)
}

/// One run of the sweep.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Run {
    /// Position in the sweep (the Slurm array index).
    pub index: usize,
    /// File stem: `key-value_…_seed-S` (value characters outside `A-Za-z0-9.+-` become `_`).
    pub name: String,
    /// The grid point: key → value, for every grid key.
    pub params: BTreeMap<String, String>,
    pub seed: u64,
    /// The `flipflop train` arguments of this run (without `--out`).
    pub args: Vec<String>,
}

/// Characters kept in file names; others become `_`.
fn file_safe(v: &str) -> String {
    v.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '+' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// The `train` arguments of one grid point: `--KEY VALUE` (switches only when `true`).
fn point_args(grid: &[Axis], point: &[usize]) -> Vec<String> {
    let mut out = Vec::new();
    for (axis, &i) in grid.iter().zip(point) {
        let v = &axis.values[i];
        let kind = KEYS.iter().find(|(k, _)| *k == axis.key).map(|(_, k)| *k);
        match kind {
            Some(Kind::Switch) => {
                if v == "true" {
                    out.push(format!("--{}", axis.key));
                }
            }
            _ => {
                out.push(format!("--{}", axis.key));
                out.push(if axis.key == "coherences" {
                    v.replace('/', ",")
                } else {
                    v.clone()
                });
            }
        }
    }
    out
}

/// Expands the grid into runs (grid points in the order given, the last key varying
/// fastest, each point with every seed), checking every run's arguments with `train`'s
/// parser and config checks. `common` holds the sweep-wide training options (`--steps K`,
/// `--until-solved`, …).
///
/// # Errors
/// A usage error naming the grid point and `train`'s message; too many runs; two runs with
/// the same file name.
pub fn expand(grid: &[Axis], seeds: &[u64], common: &[String]) -> Result<Vec<Run>, CliError> {
    for (i, a) in grid.iter().enumerate() {
        if grid[..i].iter().any(|b| b.key == a.key) {
            return Err(usage(format!(
                "--grid {}: the key is given twice (list all its values in one --grid)",
                a.key
            )));
        }
        if a.key == "steps"
            && common
                .iter()
                .any(|c| c == "--steps" || c == "--until-solved")
        {
            return Err(usage(
                "--grid steps=… and the sweep option --steps/--until-solved exclude each other",
            ));
        }
    }
    let points: usize = grid.iter().map(|a| a.values.len()).product();
    let total = points.saturating_mul(seeds.len());
    if total == 0 || total > MAX_RUNS {
        return Err(usage(format!(
            "the sweep has {total} runs: between 1 and {MAX_RUNS} allowed"
        )));
    }
    let mut runs = Vec::with_capacity(total);
    let mut names = std::collections::HashSet::new();
    let mut point = vec![0usize; grid.len()];
    for p in 0..points {
        // Mixed-radix digits of p, the last axis fastest.
        let mut rest = p;
        for (d, a) in point.iter_mut().zip(grid).rev() {
            *d = rest % a.values.len();
            rest /= a.values.len();
        }
        let params: BTreeMap<String, String> = grid
            .iter()
            .zip(&point)
            .map(|(a, &i)| (a.key.clone(), a.values[i].clone()))
            .collect();
        let label: Vec<String> = grid
            .iter()
            .zip(&point)
            .map(|(a, &i)| format!("{}={}", a.key, a.values[i]))
            .collect();
        let base = point_args(grid, &point);
        for &seed in seeds {
            let mut args = base.clone();
            args.extend(common.iter().cloned());
            args.push("--seed".into());
            args.push(seed.to_string());
            check_args(&args).map_err(|e| match e {
                CliError::Usage(m) | CliError::Failed(m) => usage(format!(
                    "grid point {}: {m}",
                    if label.is_empty() {
                        "(no grid)".to_string()
                    } else {
                        label.join(" ")
                    }
                )),
            })?;
            let mut name: Vec<String> = grid
                .iter()
                .zip(&point)
                .map(|(a, &i)| format!("{}-{}", a.key, file_safe(&a.values[i])))
                .collect();
            name.push(format!("seed-{seed}"));
            let name = name.join("_");
            if !names.insert(name.clone()) {
                return Err(usage(format!(
                    "two runs would share the file name {name}: grid values may differ only \
                     in characters other than letters, digits, '.', '+' and '-'"
                )));
            }
            runs.push(Run {
                index: runs.len(),
                name,
                params: params.clone(),
                seed,
                args,
            });
        }
    }
    Ok(runs)
}

/// The checked training plan of a run's arguments (`train`'s parser and config checks).
pub fn plan_of(args: &[String]) -> Result<train::Plan, CliError> {
    let os: Vec<OsString> = args.iter().map(OsString::from).collect();
    let mut p = lexopt::Parser::from_args(os);
    let o = train::parse(&mut p)?;
    train::plan(&o)
}

fn check_args(args: &[String]) -> Result<(), CliError> {
    plan_of(args).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_are_inclusive_ranges_or_lists() {
        assert_eq!(parse_seeds("1..3").unwrap(), vec![1, 2, 3]);
        assert_eq!(parse_seeds("7").unwrap(), vec![7]);
        assert_eq!(parse_seeds("4,2").unwrap(), vec![4, 2]);
        assert!(parse_seeds("3..1").is_err());
        assert!(parse_seeds("1,1").is_err());
        assert!(parse_seeds("a..b").is_err());
    }

    #[test]
    fn runs_vary_the_last_key_fastest_and_seeds_innermost() {
        let grid = vec![
            parse_axis("hidden=4,8").unwrap(),
            parse_axis("lr=0.01,0.02").unwrap(),
        ];
        let runs = expand(&grid, &[1, 2], &["--steps".into(), "5".into()]).unwrap();
        let names: Vec<&str> = runs.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "hidden-4_lr-0.01_seed-1",
                "hidden-4_lr-0.01_seed-2",
                "hidden-4_lr-0.02_seed-1",
                "hidden-4_lr-0.02_seed-2",
                "hidden-8_lr-0.01_seed-1",
                "hidden-8_lr-0.01_seed-2",
                "hidden-8_lr-0.02_seed-1",
                "hidden-8_lr-0.02_seed-2",
            ]
        );
        assert_eq!(
            runs[5].args,
            ["--hidden", "8", "--lr", "0.01", "--steps", "5", "--seed", "2"]
        );
        assert!(runs.iter().enumerate().all(|(i, r)| r.index == i));
    }

    #[test]
    fn the_weight_average_is_a_grid_key() {
        let grid = vec![parse_axis("ema-momentum=0,0.98").unwrap()];
        let runs = expand(&grid, &[1], &[]).unwrap();
        let args: Vec<Vec<String>> = runs.iter().map(|r| r.args.clone()).collect();
        assert!(args[0].windows(2).any(|w| w == ["--ema-momentum", "0"]));
        assert!(args[1].windows(2).any(|w| w == ["--ema-momentum", "0.98"]));
    }

    #[test]
    fn switches_and_coherence_lists_become_train_arguments() {
        let grid = vec![
            parse_axis("no_autapses=true,false").unwrap(),
            parse_axis("hidden=6").unwrap(),
        ];
        let runs = expand(&grid, &[0], &[]).unwrap();
        assert_eq!(
            runs[0].args,
            ["--no-autapses", "--hidden", "6", "--seed", "0"]
        );
        assert_eq!(runs[1].args, ["--hidden", "6", "--seed", "0"]);
        let grid = vec![
            parse_axis("task=perceptual-dm").unwrap(),
            parse_axis("coherences=0/12.8/51.2").unwrap(),
        ];
        let runs = expand(&grid, &[0], &[]).unwrap();
        assert_eq!(runs[0].args[3], "0,12.8,51.2");
        assert_eq!(
            runs[0].name,
            "task-perceptual-dm_coherences-0_12.8_51.2_seed-0"
        );
    }
}
