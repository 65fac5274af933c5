//! The Sweep view's state as plain Rust (tested natively): the opened sweep's table, its
//! sort (a header click sorts by that column, a second click reverses; numbers as numbers,
//! empty cells last either way), the two columns of the scatter plot, and the runs chosen
//! for the Compare view (2 to [`MAX_SELECTED`], each with a network file).

use crate::protocol::{Bytes, Cell, ColumnKind, SweepData, SweepRun};
use std::cmp::Ordering;

/// Most runs sent to the Compare view at once (its own limit).
pub const MAX_SELECTED: usize = super::compare::MAX_NETWORKS;
/// Fewest runs worth comparing.
pub const MIN_SELECTED: usize = 2;

/// Which axis of the scatter plot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Axis {
    /// Horizontal.
    X,
    /// Vertical.
    Y,
}

/// One point of the scatter plot.
#[derive(Clone, Debug, PartialEq)]
pub struct Point {
    /// Its run (index into the runs).
    pub run: usize,
    /// Horizontal value.
    pub x: f64,
    /// Vertical value.
    pub y: f64,
    /// The run's solved rule.
    pub solved: bool,
    /// Whether the run is chosen for the Compare view.
    pub selected: bool,
}

/// An opened sweep and what the view does with it.
#[derive(Clone, Debug)]
pub struct SweepState {
    /// The table.
    pub data: SweepData,
    sort: Option<(usize, bool)>,
    order: Vec<usize>,
    selected: Vec<usize>,
    x: usize,
    y: usize,
}

/// The number in a cell, for sorting and plotting (`false`/`true` as 0/1).
pub fn cell_number(c: &Cell) -> Option<f64> {
    match c {
        Cell::Num(x) => Some(*x),
        Cell::Bool(b) => Some(f64::from(u8::from(*b))),
        _ => None,
    }
}

/// Orders two cells of one column: numbers as numbers, booleans false first, text by
/// characters; empty cells compare as `None`.
fn compare_cells(a: &Cell, b: &Cell) -> Option<Ordering> {
    match (a, b) {
        (Cell::Empty, _) | (_, Cell::Empty) => None,
        (Cell::Text(x), Cell::Text(y)) => Some(x.cmp(y)),
        _ => match (cell_number(a), cell_number(b)) {
            (Some(x), Some(y)) => Some(x.total_cmp(&y)),
            // Mixed kinds in one column (not written by the CLI): numbers first.
            (Some(_), None) => Some(Ordering::Less),
            (None, Some(_)) => Some(Ordering::Greater),
            (None, None) => Some(Ordering::Equal),
        },
    }
}

/// A cell as the table shows it: whole numbers plainly, others to 4 significant digits.
pub fn cell_text(c: &Cell) -> String {
    match c {
        Cell::Empty => String::new(),
        Cell::Bool(b) => if *b { "yes" } else { "no" }.into(),
        Cell::Text(t) => t.clone(),
        Cell::Num(x) => number_text(*x),
    }
}

/// `x` for a person: integers as integers, others with 4 significant digits (trailing zeros
/// dropped), very large or small magnitudes in exponent form.
pub fn number_text(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        return format!("{x:.0}");
    }
    let a = x.abs();
    if !(1e-4..1e6).contains(&a) {
        return format!("{x:.3e}");
    }
    let decimals = (3 - a.log10().floor() as i32).max(0) as usize;
    let s = format!("{x:.decimals$}");
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    };
    s
}

impl SweepState {
    /// The state of a newly opened sweep: in the sweep's order, nothing chosen, the scatter
    /// showing the first numeric grid key (else `steps`) against `accuracy`.
    pub fn new(data: SweepData) -> Self {
        let order = (0..data.runs.len()).collect();
        let find = |n: &str| data.columns.iter().position(|c| c.name == n);
        let seed = find("seed").unwrap_or(data.columns.len());
        let numeric = |i: &usize| data.columns[*i].kind == ColumnKind::Number;
        let x = (1..seed)
            .find(numeric)
            .or_else(|| find("steps"))
            .unwrap_or(0);
        let y = find("accuracy").unwrap_or(0);
        Self {
            data,
            sort: None,
            order,
            selected: Vec::new(),
            x,
            y,
        }
    }

    /// The runs in the order shown.
    pub fn order(&self) -> &[usize] {
        &self.order
    }

    /// The sort column and whether it is descending.
    pub fn sort(&self) -> Option<(usize, bool)> {
        self.sort
    }

    /// A click on column `col`'s header: sort by it ascending, or reverse when it is already
    /// the sort column. Ties keep the sweep's order; empty cells stay last.
    pub fn sort_by(&mut self, col: usize) {
        if col >= self.data.columns.len() {
            return;
        }
        let descending = matches!(self.sort, Some((c, false)) if c == col);
        self.sort = Some((col, descending));
        let runs = &self.data.runs;
        self.order.sort_by(|&a, &b| {
            let (ca, cb) = (&runs[a].cells[col], &runs[b].cells[col]);
            let by = match compare_cells(ca, cb) {
                Some(o) if descending => o.reverse(),
                Some(o) => o,
                None => match (ca, cb) {
                    (Cell::Empty, Cell::Empty) => Ordering::Equal,
                    (Cell::Empty, _) => Ordering::Greater,
                    _ => Ordering::Less,
                },
            };
            by.then(a.cmp(&b))
        });
    }

    /// The columns that may be plotted (numbers).
    pub fn numeric_columns(&self) -> Vec<usize> {
        (0..self.data.columns.len())
            .filter(|&i| self.data.columns[i].kind == ColumnKind::Number)
            .collect()
    }

    /// The column on `axis`.
    pub fn axis(&self, axis: Axis) -> usize {
        match axis {
            Axis::X => self.x,
            Axis::Y => self.y,
        }
    }

    /// Puts column `col` on `axis`.
    ///
    /// # Errors
    /// `col` is not a numeric column (nothing changes).
    pub fn set_axis(&mut self, axis: Axis, col: usize) -> Result<(), String> {
        if !self.numeric_columns().contains(&col) {
            return Err("Only columns of numbers can be plotted.".into());
        }
        match axis {
            Axis::X => self.x = col,
            Axis::Y => self.y = col,
        }
        Ok(())
    }

    /// The points of the scatter plot: every run with a finite number in both columns.
    pub fn points(&self) -> Vec<Point> {
        self.data
            .runs
            .iter()
            .enumerate()
            .filter_map(|(i, r)| {
                let x = cell_number(r.cells.get(self.x)?)?;
                let y = cell_number(r.cells.get(self.y)?)?;
                (x.is_finite() && y.is_finite()).then(|| Point {
                    run: i,
                    x,
                    y,
                    solved: r.solved == Some(true),
                    selected: self.selected.contains(&i),
                })
            })
            .collect()
    }

    /// The runs chosen for the Compare view, in the order they were ticked.
    pub fn selected(&self) -> &[usize] {
        &self.selected
    }

    /// Ticks (or unticks) run `run`; returns whether it is now chosen.
    ///
    /// # Errors
    /// The run has no network file, or [`MAX_SELECTED`] are already chosen (nothing changes;
    /// the message says why).
    pub fn toggle(&mut self, run: usize) -> Result<bool, String> {
        if let Some(k) = self.selected.iter().position(|&s| s == run) {
            self.selected.remove(k);
            return Ok(false);
        }
        let Some(r) = self.data.runs.get(run) else {
            return Err("That run is not in the table.".into());
        };
        if r.network.is_none() {
            return Err(no_network(r));
        }
        if self.selected.len() >= MAX_SELECTED {
            return Err(format!(
                "The Compare view takes at most {MAX_SELECTED} networks: untick one first."
            ));
        }
        self.selected.push(run);
        Ok(true)
    }

    /// The chosen runs' network files (name, bytes) for the Compare view.
    ///
    /// # Errors
    /// Fewer than [`MIN_SELECTED`] chosen.
    pub fn for_compare(&self) -> Result<Vec<(String, Bytes)>, String> {
        if self.selected.len() < MIN_SELECTED {
            return Err(format!(
                "Tick {MIN_SELECTED} to {MAX_SELECTED} runs with network files to compare \
                 ({} ticked).",
                self.selected.len()
            ));
        }
        Ok(self
            .selected
            .iter()
            .filter_map(|&i| self.data.runs[i].network.clone())
            .collect())
    }

    /// The status line for the opened sweep.
    pub fn summary(&self) -> String {
        let runs = &self.data.runs;
        let failed = runs.iter().filter(|r| !r.ok).count();
        let solved = runs.iter().filter(|r| r.solved == Some(true)).count();
        let nets = runs.iter().filter(|r| r.network.is_some()).count();
        let mut s = format!(
            "Opened {}: {} runs ({} finished, {solved} solved, {failed} failed), {nets} with \
             network files.",
            self.data.source,
            runs.len(),
            runs.len() - failed,
        );
        if let Some(v) = &self.data.code_version {
            let short: String = v.chars().take(12).collect();
            s += &format!(" Code version {short}.");
        }
        for n in &self.data.notes {
            s += &format!(" {n}.");
        }
        s
    }
}

fn no_network(r: &SweepRun) -> String {
    match (&r.network_note, &r.error) {
        (Some(n), _) => format!("{} has no network to compare ({n}).", r.name),
        (None, Some(e)) => format!("{} failed without a network file ({e}).", r.name),
        (None, None) => format!("{} has no network file.", r.name),
    }
}

#[cfg(test)]
mod tests;
