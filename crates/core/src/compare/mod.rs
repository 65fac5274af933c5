//! Comparing realizations: several networks trained on the same task, side by side (the
//! paper's Fig. 5 and Fig. 7; Maheswaranathan et al. 2019, "Universality and individuality in
//! neural dynamics across large populations of recurrent networks").
//!
//! Every network is run on the same probe inputs, the cube set of its task
//! ([`crate::task::cube_set`]), from `h = 0`. That gives, per network ([`probe`]):
//! - the probe states `H` (`T × N`): the hidden state at every step of the cube set where the
//!   targets define a memory state (the first response on), the same `T` steps for every
//!   network of the same task;
//! - the memory-state centroids `C` (`2^bits × N`): row `s` is the mean of the held states
//!   (the last step before each pulse, and the last step) in memory state `s` (bit `j` set iff
//!   channel `j` holds +1). A solved network's readout reports exactly this memory there, so
//!   row `s` is the same corner of the cube in every network.
//!
//! Then, for each pair of networks, two distances between their probe states, both invariant
//! to any orthogonal change of basis of the hidden units (a permutation with sign flips among
//! them), both defined when the networks have different `N`:
//! - [`procrustes`]: the orthogonal Procrustes shape distance (Schönemann 1966; Williams et
//!   al. 2021, "Generalized shape metrics on neural representations"), in `[0, √2]`;
//! - [`cka`]: `1 − linear CKA` (Kornblith et al. 2019, "Similarity of neural network
//!   representations revisited"), in `[0, 1]`.
//!
//! A `K × K` distance matrix is drawn as a 2-D map by classical MDS ([`mds`], Torgerson
//! 1952). The cube pictures are aligned to the first network by Procrustes on the centroids
//! ([`procrustes::align`]). [`topology`] summarises each network's fixed points (from
//! [`crate::fixedpoints`]): stable points and saddles by their number of unstable
//! directions, which memories the stable points hold and their slowest time constants.
//!
//! Everything here is plain f64 linear algebra from nalgebra (SVD, symmetric eigen) with
//! iteration caps: a routine returns a result or a [`CompareError`], never loops on.

pub mod cka;
pub mod mds;
pub mod probe;
pub mod procrustes;
pub mod summary;
pub mod topology;

pub use cka::{cka_distance, linear_cka};
pub use mds::classical_mds;
pub use probe::{probe, Probe};
pub use procrustes::{align, procrustes_distance, Alignment};
pub use summary::{summarise, NetworkSummary};
pub use topology::{topology, StablePoint, Topology};

use crate::analysis::AnalysisError;
use nalgebra::DMatrix;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Why a comparison could not be made.
#[derive(Clone, Debug, PartialEq)]
pub enum CompareError {
    /// Two data matrices that must have the same rows (the same probe inputs) do not.
    RowMismatch {
        /// Rows of the first.
        left: usize,
        /// Rows of the second.
        right: usize,
    },
    /// Two networks were probed on different cube sets (different bits, pulse width or
    /// delay), so their states do not answer the same inputs.
    DifferentProbes {
        /// Index of the network (0-based) that differs from network 0.
        index: usize,
        /// What differs, for the message.
        what: String,
    },
    /// A matrix has no rows or no columns, or its length is not rows × columns.
    Shape {
        /// Values given.
        len: usize,
        /// Rows expected.
        rows: usize,
        /// Columns expected.
        cols: usize,
    },
    /// A value is NaN or infinite (the network's state blew up).
    NonFinite,
    /// A set of states is the same point everywhere, so it has no shape to compare.
    Constant,
    /// A distance matrix is not square, not symmetric or has a non-zero diagonal.
    NotADistanceMatrix(String),
    /// An eigen- or singular-value solver hit its iteration cap.
    NoConvergence {
        /// What was being decomposed.
        what: &'static str,
        /// The cap that was reached.
        iterations: usize,
    },
    /// The network's own analyses (spectrum, probe run) failed.
    Analysis(AnalysisError),
}

impl fmt::Display for CompareError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CompareError::RowMismatch { left, right } => write!(
                f,
                "compare: the two sets of states have {left} and {right} rows; they must answer \
                 the same probe inputs (the same task)"
            ),
            CompareError::DifferentProbes { index, what } => write!(
                f,
                "compare: network {} was trained on a different task than network 1 ({what}), \
                 so their states on the cube set cannot be compared; compare networks of the \
                 same task",
                index + 1
            ),
            CompareError::Shape { len, rows, cols } => write!(
                f,
                "compare: {len} values cannot be a {rows} × {cols} matrix (both must be > 0)"
            ),
            CompareError::NonFinite => write!(
                f,
                "compare: the states contain NaN or infinite values (the network's weights or \
                 its state blew up): load or train another network"
            ),
            CompareError::Constant => write!(
                f,
                "compare: a network's state does not change over the probe inputs (it is the \
                 same point at every step), so it has no shape to compare: train it first"
            ),
            CompareError::NotADistanceMatrix(why) => write!(f, "compare: {why}"),
            CompareError::NoConvergence { what, iterations } => write!(
                f,
                "compare: the solver did not converge on {what} within {iterations} \
                 iterations (please report it with the network files)"
            ),
            CompareError::Analysis(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for CompareError {}

impl From<AnalysisError> for CompareError {
    fn from(e: AnalysisError) -> Self {
        CompareError::Analysis(e)
    }
}

/// The pairwise distances between `K` networks, each a `K × K` symmetric matrix (row-major
/// `Vec` of rows) with zeros on the diagonal.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Distances {
    /// Procrustes shape distance of the probe states ([`procrustes_distance`]), in `[0, √2]`.
    pub procrustes: Vec<Vec<f64>>,
    /// `1 − linear CKA` of the probe states ([`cka_distance`]), in `[0, 1]`.
    pub cka: Vec<Vec<f64>>,
}

/// Both distance matrices of a set of probes (`K(K−1)/2` pairs of each measure). The probes
/// must come from the same task (checked: same probe steps and bits).
///
/// # Errors
/// [`CompareError::DifferentProbes`] when a probe answers other inputs than the first;
/// a solver error otherwise.
pub fn distances(probes: &[Probe]) -> Result<Distances, CompareError> {
    check_same_probes(probes)?;
    let k = probes.len();
    let states = probes
        .iter()
        .map(Probe::states_matrix)
        .collect::<Result<Vec<_>, _>>()?;
    let mut procrustes = vec![vec![0.0; k]; k];
    let mut cka = vec![vec![0.0; k]; k];
    for i in 0..k {
        for j in i + 1..k {
            let (a, b) = (&states[i], &states[j]);
            let d = procrustes_distance(a, b)?;
            procrustes[i][j] = d;
            procrustes[j][i] = d;
            let c = cka_distance(a, b)?;
            cka[i][j] = c;
            cka[j][i] = c;
        }
    }
    Ok(Distances { procrustes, cka })
}

/// Checks that every probe answers the same inputs as the first (same bits, same probe steps).
pub fn check_same_probes(probes: &[Probe]) -> Result<(), CompareError> {
    let Some(first) = probes.first() else {
        return Ok(());
    };
    for (index, p) in probes.iter().enumerate().skip(1) {
        let what = if p.bits != first.bits {
            format!("{} bits, not {}", p.bits, first.bits)
        } else if p.steps != first.steps {
            "a different pulse width or delay".to_string()
        } else {
            continue;
        };
        return Err(CompareError::DifferentProbes { index, what });
    }
    Ok(())
}

/// A row-major `rows × cols` f32 slice as an f64 matrix, checked for shape and finiteness.
pub(crate) fn matrix(data: &[f32], rows: usize, cols: usize) -> Result<DMatrix<f64>, CompareError> {
    if rows == 0 || cols == 0 || data.len() != rows * cols {
        return Err(CompareError::Shape {
            len: data.len(),
            rows,
            cols,
        });
    }
    if data.iter().any(|v| !v.is_finite()) {
        return Err(CompareError::NonFinite);
    }
    Ok(DMatrix::from_row_iterator(
        rows,
        cols,
        data.iter().map(|v| *v as f64),
    ))
}

/// Subtracts each column's mean: `X − 1 μᵀ`.
pub(crate) fn centre_columns(x: &mut DMatrix<f64>) {
    let rows = x.nrows() as f64;
    for mut col in x.column_iter_mut() {
        let mean = col.sum() / rows;
        col.add_scalar_mut(-mean);
    }
}

/// Two sets of states on the same probe inputs: as many rows, neither empty, all finite.
pub(crate) fn check_pair(x: &DMatrix<f64>, y: &DMatrix<f64>) -> Result<(), CompareError> {
    if x.nrows() != y.nrows() {
        return Err(CompareError::RowMismatch {
            left: x.nrows(),
            right: y.nrows(),
        });
    }
    for m in [x, y] {
        if m.nrows() == 0 || m.ncols() == 0 {
            return Err(CompareError::Shape {
                len: m.len(),
                rows: m.nrows(),
                cols: m.ncols(),
            });
        }
        if m.iter().any(|v| !v.is_finite()) {
            return Err(CompareError::NonFinite);
        }
    }
    Ok(())
}
