//! `summary.csv` into typed rows, with the `csv` crate.

use super::{
    GridValue, RunStatus, Sweep, SweepError, SweepRow, COLUMNS, MAX_COLUMNS, MAX_ROWS,
    MAX_SUMMARY_BYTES,
};

/// A parsed `summary.csv` (rows without their network files yet).
#[derive(Clone, Debug, PartialEq)]
pub struct Summary {
    /// The grid keys, in the header's order.
    pub grid: Vec<String>,
    /// Whether each key's values are all numbers.
    pub grid_numeric: Vec<bool>,
    /// The rows.
    pub rows: Vec<SweepRow>,
}

impl Summary {
    /// The sweep of these rows, opened from `source`, without networks yet.
    pub fn into_sweep(self, source: String) -> Sweep {
        Sweep {
            source,
            grid: self.grid,
            grid_numeric: self.grid_numeric,
            rows: self.rows,
            code_version: None,
            command: None,
            notes: Vec::new(),
        }
    }
}

/// One row's fields by column, with its line for messages.
struct Fields<'a> {
    rec: &'a csv::StringRecord,
    at: &'a [usize],
    line: u64,
}

impl Fields<'_> {
    /// The field of known column `c` (an index into [`COLUMNS`]), `None` when empty.
    fn get(&self, c: usize) -> Option<&str> {
        let s = self.rec.get(self.at[c]).unwrap_or("").trim();
        (!s.is_empty()).then_some(s)
    }

    fn text(&self, c: usize) -> Option<String> {
        self.get(c).map(str::to_string)
    }

    fn bad(&self, c: usize, value: &str, want: &'static str) -> SweepError {
        SweepError::Field {
            line: self.line,
            column: COLUMNS[c].to_string(),
            value: value.chars().take(40).collect(),
            want,
        }
    }

    fn int(&self, c: usize) -> Result<Option<u64>, SweepError> {
        self.get(c)
            .map(|s| {
                s.parse::<u64>()
                    .map_err(|_| self.bad(c, s, "a whole number"))
            })
            .transpose()
    }

    fn float(&self, c: usize) -> Result<Option<f64>, SweepError> {
        self.get(c)
            .map(|s| s.parse::<f64>().map_err(|_| self.bad(c, s, "a number")))
            .transpose()
    }

    fn boolean(&self, c: usize) -> Result<Option<bool>, SweepError> {
        self.get(c)
            .map(|s| match s {
                "true" => Ok(true),
                "false" => Ok(false),
                _ => Err(self.bad(c, s, "true or false")),
            })
            .transpose()
    }
}

/// Index of `name` in [`COLUMNS`].
fn col(name: &str) -> usize {
    COLUMNS.iter().position(|c| *c == name).unwrap_or(0)
}

/// Parses `summary.csv` as `flipflop sweep` writes it (a UTF-8 byte-order mark and CRLF line
/// ends are accepted).
///
/// # Errors
/// Larger than [`MAX_SUMMARY_BYTES`], more than [`MAX_ROWS`] rows or [`MAX_COLUMNS`]
/// columns, a header without the sweep's columns ([`SweepError::Columns`]), a row with
/// another number of fields, a field that is not what its column holds.
pub fn parse_summary(bytes: &[u8]) -> Result<Summary, SweepError> {
    if bytes.len() > MAX_SUMMARY_BYTES {
        return Err(SweepError::TooLarge {
            what: "summary.csv".into(),
            size: bytes.len(),
            limit: MAX_SUMMARY_BYTES,
            unit: "bytes",
        });
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let unreadable = |e: csv::Error| {
        let line = e
            .position()
            .map_or(String::new(), |p| format!(" line {}", p.line()));
        SweepError::Unreadable(format!("summary.csv{line} cannot be read as CSV: {e}"))
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(bytes);
    let header: Vec<String> = reader
        .headers()
        .map_err(unreadable)?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    if header.len() > MAX_COLUMNS {
        return Err(SweepError::TooLarge {
            what: "summary.csv".into(),
            size: header.len(),
            limit: MAX_COLUMNS,
            unit: "columns",
        });
    }
    let mut missing: Vec<String> = ["index", "name"]
        .iter()
        .chain(COLUMNS)
        .filter(|c| !header.iter().any(|h| h == *c))
        .map(|c| c.to_string())
        .collect();
    let pos = |name: &str| header.iter().position(|h| h == name);
    let (name_at, seed_at) = (pos("name").unwrap_or(0), pos("seed").unwrap_or(0));
    if missing.is_empty() && (pos("index") != Some(0) || name_at != 1 || seed_at < 2) {
        missing.push("index, name first and the grid keys before seed".into());
    }
    if !missing.is_empty() {
        return Err(SweepError::Columns {
            missing,
            found: header,
        });
    }
    for (i, h) in header.iter().enumerate() {
        if header[..i].contains(h) {
            return Err(SweepError::Unreadable(format!(
                "summary.csv names the column '{h}' twice"
            )));
        }
    }
    let grid: Vec<String> = header[2..seed_at].to_vec();
    let at: Vec<usize> = COLUMNS.iter().map(|c| pos(c).unwrap_or(0)).collect();
    let mut rows = Vec::new();
    let mut params_text: Vec<Vec<String>> = Vec::new();
    for rec in reader.records() {
        let rec = rec.map_err(unreadable)?;
        if rows.len() == MAX_ROWS {
            return Err(SweepError::TooLarge {
                what: "summary.csv".into(),
                size: MAX_ROWS + 1,
                limit: MAX_ROWS,
                unit: "rows (or more)",
            });
        }
        let line = rec.position().map_or(0, |p| p.line());
        let f = Fields {
            rec: &rec,
            at: &at,
            line,
        };
        let raw = |i: usize| rec.get(i).unwrap_or("").trim();
        let index_text = raw(0);
        let index = index_text.parse::<u64>().map_err(|_| SweepError::Field {
            line,
            column: "index".into(),
            value: index_text.chars().take(40).collect(),
            want: "a whole number",
        })?;
        let status = match f.get(col("status")) {
            Some("ok") => RunStatus::Ok,
            Some("failed") => RunStatus::Failed,
            other => return Err(f.bad(col("status"), other.unwrap_or(""), "ok or failed")),
        };
        let seed = f
            .int(col("seed"))?
            .ok_or_else(|| f.bad(col("seed"), "", "a whole number"))?;
        params_text.push((2..seed_at).map(|i| raw(i).to_string()).collect());
        rows.push(SweepRow {
            index,
            name: raw(1).to_string(),
            params: Vec::new(),
            seed,
            status,
            steps: f.int(col("steps"))?,
            seconds: f.float(col("seconds"))?,
            stopped: f.text(col("stopped")),
            solved: f.boolean(col("solved"))?,
            accuracy: f.float(col("accuracy"))?,
            mse: f.float(col("mse"))?,
            spectral_radius: f.float(col("spectral_radius"))?,
            outside_unit_circle: f.int(col("outside_unit_circle"))?,
            stable_fixed_points: f.int(col("stable_fixed_points"))?,
            saddles: f.int(col("saddles"))?,
            file: f.text(col("file")),
            error: f.text(col("error")),
            network: None,
            network_note: None,
        });
    }
    // A key is numeric when every non-empty value of it parses as a finite number.
    let grid_numeric: Vec<bool> = (0..grid.len())
        .map(|k| {
            params_text
                .iter()
                .all(|p| p[k].is_empty() || p[k].parse::<f64>().is_ok_and(f64::is_finite))
        })
        .collect();
    for (row, texts) in rows.iter_mut().zip(params_text) {
        row.params = texts
            .into_iter()
            .zip(&grid_numeric)
            .map(|(text, &numeric)| GridValue {
                number: if numeric { text.parse().ok() } else { None },
                text,
            })
            .collect();
    }
    Ok(Summary {
        grid,
        grid_numeric,
        rows,
    })
}
