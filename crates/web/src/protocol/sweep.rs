//! The Sweep view's wire types (protocol version 8): an opened sweep as a table of typed
//! cells, converted by hand from `flipflop_formats::sweep` (which only the worker calls, so
//! the page's wasm never links the CSV and zip readers).

use super::Bytes;
use flipflop_formats::sweep::{RunStatus, Sweep};
use serde::{Deserialize, Serialize};

/// What a column holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ColumnKind {
    /// Numbers (sorted as numbers; may be plotted).
    Number,
    /// `true`/`false` (sorted false first).
    Bool,
    /// Text.
    Text,
}

/// One column of the table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SweepColumn {
    /// Its name, as in `summary.csv`.
    pub name: String,
    /// What it holds.
    pub kind: ColumnKind,
}

/// One cell. Non-finite numbers travel as `Empty` (JSON has no NaN).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Cell {
    /// Not measured or not reached.
    Empty,
    /// A number.
    Num(f64),
    /// A boolean.
    Bool(bool),
    /// Text.
    Text(String),
}

/// One run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SweepRun {
    /// Its name (parameters and seed).
    pub name: String,
    /// Its cells, one per [`SweepData::columns`].
    pub cells: Vec<Cell>,
    /// Whether it trained and was measured (`status` ok).
    pub ok: bool,
    /// The solved rule, when measured.
    pub solved: Option<bool>,
    /// Why a failed run failed.
    pub error: Option<String>,
    /// Its network file's name (relative to the sweep folder) and bytes, when available.
    pub network: Option<(String, Bytes)>,
    /// Why a run that names a file has no network here.
    pub network_note: Option<String>,
}

/// An opened sweep, as the Sweep view shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SweepData {
    /// What was opened (`sweep.zip`, `summary.csv + 3 network files`).
    pub source: String,
    /// The code version and the command from `sweep.json`, when known.
    pub code_version: Option<String>,
    /// The command line that made the sweep, when known.
    pub command: Option<String>,
    /// The columns: `index`, the grid keys, then the measures of `summary.csv`.
    pub columns: Vec<SweepColumn>,
    /// The runs, in the sweep's order.
    pub runs: Vec<SweepRun>,
    /// Notes for a person (unmatched files, runs without a network).
    pub notes: Vec<String>,
}

fn num(v: Option<f64>) -> Cell {
    v.filter(|x| x.is_finite()).map_or(Cell::Empty, Cell::Num)
}

fn int(v: Option<u64>) -> Cell {
    num(v.map(|x| x as f64))
}

fn text(v: Option<&str>) -> Cell {
    v.map_or(Cell::Empty, |s| Cell::Text(s.to_string()))
}

impl SweepData {
    /// The table of `s`. Columns: `index`, each grid key (numbers where all its values are),
    /// `seed`, `status`, `steps`, `seconds`, `stopped`, `solved`, `accuracy`, `mse`,
    /// `spectral_radius`, `outside_unit_circle`, `stable_fixed_points`, `saddles`, `error`
    /// (the run's name and file travel beside the cells).
    pub fn from_sweep(s: Sweep) -> Self {
        use ColumnKind::*;
        let col = |name: &str, kind| SweepColumn {
            name: name.to_string(),
            kind,
        };
        let mut columns = vec![col("index", Number)];
        for (k, &numeric) in s.grid.iter().zip(&s.grid_numeric) {
            columns.push(col(k, if numeric { Number } else { Text }));
        }
        for (name, kind) in [
            ("seed", Number),
            ("status", Text),
            ("steps", Number),
            ("seconds", Number),
            ("stopped", Text),
            ("solved", Bool),
            ("accuracy", Number),
            ("mse", Number),
            ("spectral_radius", Number),
            ("outside_unit_circle", Number),
            ("stable_fixed_points", Number),
            ("saddles", Number),
            ("error", Text),
        ] {
            columns.push(col(name, kind));
        }
        let runs = s
            .rows
            .into_iter()
            .map(|r| {
                let ok = r.status == RunStatus::Ok;
                let mut cells = vec![int(Some(r.index))];
                for p in &r.params {
                    cells.push(match p.number {
                        Some(x) => num(Some(x)),
                        None => text(Some(&p.text).filter(|t| !t.is_empty()).map(|t| t.as_str())),
                    });
                }
                cells.extend([
                    int(Some(r.seed)),
                    text(Some(if ok { "ok" } else { "failed" })),
                    int(r.steps),
                    num(r.seconds),
                    text(r.stopped.as_deref()),
                    r.solved.map_or(Cell::Empty, Cell::Bool),
                    num(r.accuracy),
                    num(r.mse),
                    num(r.spectral_radius),
                    int(r.outside_unit_circle),
                    int(r.stable_fixed_points),
                    int(r.saddles),
                    text(r.error.as_deref()),
                ]);
                SweepRun {
                    name: r.name,
                    cells,
                    ok,
                    solved: r.solved,
                    error: r.error,
                    network: match (r.file, r.network) {
                        (Some(f), Some(b)) => Some((f, Bytes(b))),
                        _ => None,
                    },
                    network_note: r.network_note,
                }
            })
            .collect();
        Self {
            source: s.source,
            code_version: s.code_version,
            command: s.command,
            columns,
            runs,
            notes: s.notes,
        }
    }
}
