//! Analyses the lab shows: the spectrum of W_rec ([`spectrum`]), of each gate's recurrent
//! block and of the Jacobian at a state ([`gates`]), and the low-dimensional picture of the
//! hidden activity on the cube set ([`projection`]) and, for the cognitive tasks, on their
//! analysis trials by condition ([`statespace`]).
//!
//! Every routine here is iterative underneath (QR iterations, Jacobi sweeps) and every one has
//! a cap on its iterations: it returns a result or an [`AnalysisError`] that says what did not
//! converge, never loops on.

pub mod gates;
pub mod projection;
pub mod psychometric;
pub mod spectrum;
pub mod statespace;

pub use gates::{gate_blocks, gate_names, gate_spectrum, jacobian_spectrum, GateBlock};
pub use projection::{top_components, Decomposition, Projection};
pub use spectrum::{eigenvalues, eigenvalues_of, spectral_radius};
pub use statespace::{analysis_trials, task_state_space, AnalysisTrials, TaskStateSpace};

use crate::model::Network;
use crate::task::{cube_set, TaskConfig};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Why an analysis could not be computed.
#[derive(Clone, Debug, PartialEq)]
pub enum AnalysisError {
    /// The data length is not `rows × dim`, or a dimension is zero.
    Shape {
        /// Values given.
        len: usize,
        /// Rows expected.
        rows: usize,
        /// Columns expected.
        dim: usize,
    },
    /// The hidden activity holds NaN or infinite values.
    NonFinite,
    /// Entry (`row`, `col`) of a matrix whose eigenvalues were asked for is NaN or infinite.
    NonFiniteEntry {
        /// Row of the first such entry (0-based).
        row: usize,
        /// Column of that entry (0-based).
        col: usize,
        /// Its value (NaN, inf or -inf).
        value: f64,
    },
    /// The analysis is built on the flip-flop's cube set, which this task does not have.
    NoCubeSet {
        /// The task's command-line name.
        task: &'static str,
    },
    /// The state space by condition ([`statespace`]) is for the cognitive tasks; the
    /// flip-flop's is its cube.
    NoConditions {
        /// The task's command-line name.
        task: &'static str,
    },
    /// The symmetric eigensolver (behind SVD and PCA) hit its iteration cap.
    SymmetricNoConvergence {
        /// Size of the `n × n` Gram matrix.
        n: usize,
        /// The cap that was reached.
        iterations: usize,
    },
    /// The non-symmetric eigensolver hit its iteration cap on every attempt (see
    /// [`spectrum::eigenvalues_of`]).
    EigenNoConvergence {
        /// Size of the `n × n` matrix.
        n: usize,
        /// The cap of each attempt.
        iterations: usize,
        /// Attempts made (the matrix itself, then rotated and shifted copies).
        attempts: usize,
    },
}

impl fmt::Display for AnalysisError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AnalysisError::Shape { len, rows, dim } => {
                write!(
                    f,
                    "analysis: {len} values cannot be a {rows} × {dim} matrix (both must be > 0)"
                )
            }
            AnalysisError::NoCubeSet { task } => write!(
                f,
                "analysis: the state-space picture is built on the flip-flop's memory-state \
                 test set (the cube set), which the {task} task does not have; use \
                 'flipflop eval' for its accuracy and psychometric picture"
            ),
            AnalysisError::NoConditions { task } => write!(
                f,
                "analysis: the state space by condition is built on the analysis trials of a \
                 cognitive task, which the {task} task does not have; its state space is the \
                 memory-state cube"
            ),
            AnalysisError::NonFinite => write!(
                f,
                "analysis: the hidden activity contains NaN or infinite values (the network's \
                 weights or its state blew up): load or train another network"
            ),
            AnalysisError::NonFiniteEntry { row, col, value } => write!(
                f,
                "eigenvalues: entry ({row}, {col}) of the matrix is {value}, so it has no \
                 spectrum; the network's weights are broken (did training diverge?): lower the \
                 learning rate and retrain, or load another network"
            ),
            AnalysisError::SymmetricNoConvergence { n, iterations } => write!(
                f,
                "analysis: the symmetric eigensolver did not converge on the {n} × {n} Gram \
                 matrix of the hidden activity within {iterations} iterations; the SVD/PCA \
                 picture is not available for this network (please report it with the network \
                 file)"
            ),
            AnalysisError::EigenNoConvergence {
                n,
                iterations,
                attempts,
            } => write!(
                f,
                "eigenvalues: the QR iteration did not converge on this {n} × {n} matrix within \
                 {iterations} iterations in any of {attempts} attempts (the matrix itself, then \
                 rotated and shifted copies), so the spectrum is not shown. Its eigenvalues are \
                 probably exactly degenerate; a few more training steps usually make them \
                 computable (please report the network file)"
            ),
        }
    }
}

impl std::error::Error for AnalysisError {}

/// The hidden activity of a network on the cube set, and its low-dimensional pictures.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CubeActivity {
    /// Time steps of the cube set.
    pub trial_len: usize,
    /// Memory state of each step from the targets (`None` before the first response); bit `j`
    /// set iff channel `j` holds +1 (see [`crate::task::CubeSet`]).
    pub state: Vec<Option<u32>>,
    /// Top-3 uncentred SVD of `H` (steps × N): the paper's cube.
    pub svd: Projection,
    /// Top-3 centred PCA of `H`.
    pub pca: Projection,
}

/// Runs `net` on the cube set of `task` from `h = 0` and decomposes its hidden states
/// `H` (steps × N) both ways, keeping 3 components. Cost is dominated by two `N × N`
/// symmetric eigendecompositions: natively about 0.04 s at N 128, 0.4 s at N 400 and
/// 4 s at N 1024 (3 bits).
pub fn cube_activity(net: &Network, task: &TaskConfig) -> Result<CubeActivity, AnalysisError> {
    if !task.kind.has_cube_set() {
        return Err(AnalysisError::NoCubeSet {
            task: task.kind.cli_name(),
        });
    }
    let cube = cube_set(task);
    let trial_len = cube.trial.trial_len;
    let (h, _) = net.run(&cube.trial.x, trial_len);
    let n = net.config.hidden;
    Ok(CubeActivity {
        trial_len,
        state: cube.state,
        svd: top_components(&h, trial_len, n, 3, Decomposition::Svd)?,
        pca: top_components(&h, trial_len, n, 3, Decomposition::Pca)?,
    })
}
