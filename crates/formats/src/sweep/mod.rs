//! Reading a sweep that `flipflop sweep --out DIR` wrote, for the lab (issue 17): bytes in,
//! typed rows out; no I/O.
//!
//! Two ways in, told apart by content ([`open`]):
//! - **a zip of `DIR`** (`zip -r sweep.zip DIR`, the desktop's "compress folder"): the zip's
//!   one `summary.csv` (at any folder depth; `__MACOSX/` copies ignored), the network files
//!   named by its `file` column relative to that folder, and `sweep.json` beside it when
//!   present (the code version and the command).
//! - **`summary.csv` alone, plus any network files** chosen with it: each row's file is
//!   matched by its base name.
//!
//! `summary.csv` is parsed with the `csv` crate (RFC 4180 quoting, as the CLI writes it) into
//! [`SweepRow`]s: the header must be `index`, `name`, the grid keys, then [`COLUMNS`] (the
//! CLI's `sweep::summary::COLUMNS`; a test there checks they agree). Numeric columns become
//! numbers, an empty field is `None` (not measured, or not reached by a failed run), and a
//! failed run is kept with its error. Grid values stay as written, with their number when
//! every value of that key is one ([`GridValue`]).
//!
//! Everything is bounded before it is allocated: the input ([`MAX_INPUT_BYTES`]), the zip's
//! entries ([`MAX_ENTRIES`]), `summary.csv` ([`MAX_SUMMARY_BYTES`], [`MAX_ROWS`] rows,
//! [`MAX_COLUMNS`] columns), each network file ([`netfile::MAX_FILE_BYTES`]) and all of them
//! together ([`MAX_NETWORK_BYTES`]); zip members inflate with a hard limit and their CRC-32
//! is checked. Wrong input gets a [`SweepError`] that names what is missing.

mod csv_rows;
mod zipped;

pub use csv_rows::{parse_summary, Summary};

use crate::netfile;
use std::fmt;

/// The columns of `summary.csv` after the grid keys, in order: the CLI writes them
/// (`flipflop sweep`) and the lab reads them by these names.
pub const COLUMNS: &[&str] = &[
    "seed",
    "status",
    "steps",
    "seconds",
    "stopped",
    "solved",
    "accuracy",
    "mse",
    "spectral_radius",
    "outside_unit_circle",
    "stable_fixed_points",
    "saddles",
    "file",
    "error",
];

/// Largest input (a zip, or all chosen files together), bytes.
pub const MAX_INPUT_BYTES: usize = 256 << 20;
/// Most entries in a zip (a sweep folder holds two files per run and three more).
pub const MAX_ENTRIES: usize = 50_000;
/// Largest `summary.csv`, bytes.
pub const MAX_SUMMARY_BYTES: usize = 32 << 20;
/// Most runs (rows of `summary.csv`).
pub const MAX_ROWS: usize = 20_000;
/// Most columns of `summary.csv` (the grid keys and [`COLUMNS`]).
pub const MAX_COLUMNS: usize = 64;
/// Most bytes of network files kept with the rows (all of them together).
pub const MAX_NETWORK_BYTES: usize = 64 << 20;
/// Largest `sweep.json` read, bytes.
pub const MAX_SWEEP_JSON_BYTES: usize = 8 << 20;

/// How a run ended (`status`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunStatus {
    /// Trained and measured.
    Ok,
    /// Failed; `error` says why.
    Failed,
}

/// A grid value as written in `summary.csv`, and its number when every value of its key is a
/// number (`hidden`, `lr`; not `cell` or a switch's `true`/`false`).
#[derive(Clone, Debug, PartialEq)]
pub struct GridValue {
    /// The value as the sweep wrote it.
    pub text: String,
    /// Its number, for numeric keys (`None` for an empty field).
    pub number: Option<f64>,
}

/// One run of the sweep: a row of `summary.csv` and its network file.
#[derive(Clone, Debug, PartialEq)]
pub struct SweepRow {
    /// The run's index in the sweep (`--only-index`).
    pub index: u64,
    /// The run's name (its parameters and seed, e.g. `hidden-8_lr-0.01_seed-1`).
    pub name: String,
    /// Its grid values, in the order of [`Sweep::grid`].
    pub params: Vec<GridValue>,
    /// Its seed.
    pub seed: u64,
    /// How it ended.
    pub status: RunStatus,
    /// Optimiser steps trained.
    pub steps: Option<u64>,
    /// Wall seconds of training.
    pub seconds: Option<f64>,
    /// Why training stopped (`steps`, `solved`, `time`, `diverged`).
    pub stopped: Option<String>,
    /// The task's solved rule on the held-out set.
    pub solved: Option<bool>,
    /// Held-out accuracy (0..=1).
    pub accuracy: Option<f64>,
    /// Held-out mean squared error.
    pub mse: Option<f64>,
    /// Largest eigenvalue modulus of `W_rec`.
    pub spectral_radius: Option<f64>,
    /// Eigenvalues of `W_rec` outside the unit circle.
    pub outside_unit_circle: Option<u64>,
    /// Stable fixed points found (none for tasks without a cube set or gated cells).
    pub stable_fixed_points: Option<u64>,
    /// Fixed points with an unstable direction.
    pub saddles: Option<u64>,
    /// The network file, relative to the sweep folder.
    pub file: Option<String>,
    /// Why a failed run failed.
    pub error: Option<String>,
    /// The network file's bytes, when it was given and decodes as a network file.
    pub network: Option<Vec<u8>>,
    /// Why there is no network for a row that names a file (not in the zip, not chosen,
    /// damaged), for a person.
    pub network_note: Option<String>,
}

/// An opened sweep.
#[derive(Clone, Debug, PartialEq)]
pub struct Sweep {
    /// What was opened, for a person (`sweep.zip`, `summary.csv + 3 network files`).
    pub source: String,
    /// The grid keys, in the CSV's order.
    pub grid: Vec<String>,
    /// Whether each grid key's values are all numbers.
    pub grid_numeric: Vec<bool>,
    /// The runs, in the CSV's order.
    pub rows: Vec<SweepRow>,
    /// `sweep.json`'s code version (`code_version`, else `version`), when it was in the zip.
    pub code_version: Option<String>,
    /// `sweep.json`'s command line, when it was in the zip.
    pub command: Option<String>,
    /// Things a person may want to know (files that match no row, a `sweep.json` that
    /// could not be read).
    pub notes: Vec<String>,
}

/// Why bytes are not a sweep the lab can open; every message names what is wrong or missing.
#[derive(Clone, Debug, PartialEq)]
pub enum SweepError {
    /// Nothing was given.
    Empty,
    /// Too large to open.
    TooLarge {
        /// What (`the input`, `summary.csv`, `the network files`).
        what: String,
        /// Its size, bytes (or the count, with `unit`).
        size: usize,
        /// The limit.
        limit: usize,
        /// `bytes`, `rows`, `entries`, `columns`.
        unit: &'static str,
    },
    /// Neither a zip nor a CSV (or a mix the lab cannot read).
    NotASweep(String),
    /// A zip without `summary.csv`; the names it holds.
    NoSummary(Vec<String>),
    /// A zip with several `summary.csv` (several sweeps).
    SeveralSummaries(Vec<String>),
    /// A CSV whose header lacks the sweep's columns (another tool's CSV).
    Columns {
        /// Columns `flipflop sweep` writes that are missing.
        missing: Vec<String>,
        /// The header found.
        found: Vec<String>,
    },
    /// A field that cannot be read.
    Field {
        /// Line in `summary.csv` (1 = the header).
        line: u64,
        /// The column.
        column: String,
        /// The field (cut to 40 characters).
        value: String,
        /// What it should be.
        want: &'static str,
    },
    /// A damaged zip or CSV.
    Unreadable(String),
}

impl fmt::Display for SweepError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SweepError::Empty => write!(
                f,
                "no file given: choose a zip of the sweep folder, or its summary.csv"
            ),
            SweepError::TooLarge {
                what,
                size,
                limit,
                unit,
            } => write!(
                f,
                "{what} has {size} {unit}, more than the lab opens ({limit}); open summary.csv \
                 with only the network files you want to compare"
            ),
            SweepError::NotASweep(m) => write!(f, "{m}"),
            SweepError::NoSummary(names) => write!(
                f,
                "the zip holds no summary.csv (found: {}): zip the folder that 'flipflop sweep \
                 --out DIR' wrote, or run 'flipflop sweep --collect DIR' first",
                list(names)
            ),
            SweepError::SeveralSummaries(names) => write!(
                f,
                "the zip holds {} summary.csv files ({}): zip one sweep folder at a time",
                names.len(),
                list(names)
            ),
            SweepError::Columns { missing, found } => write!(
                f,
                "this CSV is not a sweep summary: it lacks the column{} {} that 'flipflop \
                 sweep' writes (its header: {})",
                if missing.len() == 1 { "" } else { "s" },
                missing.join(", "),
                list(found)
            ),
            SweepError::Field {
                line,
                column,
                value,
                want,
            } => write!(
                f,
                "summary.csv line {line}, column {column}: '{value}' is not {want}"
            ),
            SweepError::Unreadable(m) => write!(f, "{m}"),
        }
    }
}

impl std::error::Error for SweepError {}

/// At most 12 names, then how many more.
fn list(names: &[String]) -> String {
    if names.is_empty() {
        return "nothing".into();
    }
    let mut s = names
        .iter()
        .take(12)
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > 12 {
        s += &format!(" and {} more", names.len() - 12);
    }
    s
}

/// The last component of a `/`- or `\`-separated path.
fn base_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

/// Whether `bytes` start like a zip archive (a local file header, or an empty archive).
pub fn is_zip(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06")
}

/// Opens a sweep from the chosen files (name, bytes): one zip of the sweep folder, or one
/// `summary.csv` (any `.csv` name) with any of its network files.
///
/// # Errors
/// Nothing given, too large, not a zip or CSV, a zip without (or with several)
/// `summary.csv`, a CSV without the sweep's columns, an unreadable field: see [`SweepError`].
pub fn open(files: &[(&str, &[u8])]) -> Result<Sweep, SweepError> {
    if files.is_empty() {
        return Err(SweepError::Empty);
    }
    let total: usize = files.iter().map(|(_, b)| b.len()).sum();
    if total > MAX_INPUT_BYTES {
        return Err(SweepError::TooLarge {
            what: "the input".into(),
            size: total,
            limit: MAX_INPUT_BYTES,
            unit: "bytes",
        });
    }
    let zips: Vec<&(&str, &[u8])> = files.iter().filter(|(_, b)| is_zip(b)).collect();
    match zips.as_slice() {
        [(name, bytes)] if files.len() == 1 => return zipped::open_zip(name, bytes),
        [] => {}
        _ => {
            return Err(SweepError::NotASweep(
                "choose either one zip of the sweep folder, or its summary.csv with network \
                 files, not several zips or a zip with other files"
                    .into(),
            ))
        }
    }
    let csvs: Vec<&(&str, &[u8])> = files
        .iter()
        .filter(|(n, _)| n.to_ascii_lowercase().ends_with(".csv"))
        .collect();
    let (csv_name, csv_bytes) = match csvs.as_slice() {
        [one] => **one,
        [] if files.len() == 1 && looks_like_text(files[0].1) => files[0],
        [] => {
            let names: Vec<String> = files.iter().map(|(n, _)| n.to_string()).collect();
            return Err(SweepError::NotASweep(format!(
                "{} {} neither a zip of a sweep folder nor a summary.csv: choose the zip, or \
                 summary.csv together with the network files",
                list(&names),
                if names.len() == 1 { "is" } else { "are" }
            )));
        }
        _ => {
            let names: Vec<String> = csvs.iter().map(|(n, _)| n.to_string()).collect();
            return Err(SweepError::NotASweep(format!(
                "{} CSV files chosen ({}): choose one sweep's summary.csv",
                names.len(),
                list(&names)
            )));
        }
    };
    let summary = parse_summary(csv_bytes)?;
    let others: Vec<(&str, &[u8])> = files
        .iter()
        .filter(|(n, _)| *n != csv_name)
        .map(|(n, b)| (base_name(n), *b))
        .collect();
    let source = match others.len() {
        0 => csv_name.to_string(),
        1 => format!("{csv_name} + 1 network file"),
        k => format!("{csv_name} + {k} network files"),
    };
    let mut sweep = summary.into_sweep(source);
    let used = attach(&mut sweep, |file| {
        let want = base_name(file);
        match others.iter().find(|(n, _)| *n == want) {
            Some((_, b)) => Lookup::Found(b.to_vec()),
            None => Lookup::Absent("not chosen with summary.csv"),
        }
    })?;
    let unused: Vec<String> = others
        .iter()
        .filter(|(n, _)| !used.iter().any(|u| u == n))
        .map(|(n, _)| n.to_string())
        .collect();
    if !unused.is_empty() {
        sweep.notes.push(format!(
            "{} file{} matched no run of summary.csv: {}",
            unused.len(),
            if unused.len() == 1 { "" } else { "s" },
            list(&unused)
        ));
    }
    Ok(sweep)
}

/// Whether `bytes` could be a CSV (no NUL in the first KiB).
fn looks_like_text(bytes: &[u8]) -> bool {
    !bytes.is_empty() && !bytes[..bytes.len().min(1024)].contains(&0)
}

/// What looking up a row's network file found.
enum Lookup {
    /// Its bytes.
    Found(Vec<u8>),
    /// Not there, and why (for the row's note).
    Absent(&'static str),
}

/// Gives each row with a `file` its network through `find`, checking that each decodes as a
/// network file and that all together stay under [`MAX_NETWORK_BYTES`]; returns the base
/// names of the files used.
fn attach(
    sweep: &mut Sweep,
    mut find: impl FnMut(&str) -> Lookup,
) -> Result<Vec<String>, SweepError> {
    let mut total = 0usize;
    let mut used = Vec::new();
    for row in &mut sweep.rows {
        let Some(file) = row.file.clone() else {
            continue;
        };
        match find(&file) {
            Lookup::Found(bytes) => {
                used.push(base_name(&file).to_string());
                total += bytes.len();
                if total > MAX_NETWORK_BYTES {
                    return Err(SweepError::TooLarge {
                        what: "the network files".into(),
                        size: total,
                        limit: MAX_NETWORK_BYTES,
                        unit: "bytes",
                    });
                }
                match netfile::decode(&bytes) {
                    Ok(_) => row.network = Some(bytes),
                    Err(e) => row.network_note = Some(format!("{file}: {e}")),
                }
            }
            Lookup::Absent(why) => row.network_note = Some(format!("{file}: {why}")),
        }
    }
    Ok(used)
}

#[cfg(test)]
mod tests;
