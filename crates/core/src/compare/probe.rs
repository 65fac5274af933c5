//! The probe states of a network: its hidden activity on the cube set, and the memory-state
//! centroids (the corners of its cube).

use super::{matrix, CompareError};
use crate::model::Network;
use crate::task::{cube_set, TaskConfig};
use nalgebra::DMatrix;
use serde::{Deserialize, Serialize};

/// A network's answer to the probe inputs (the cube set of its task).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Probe {
    /// Memory bits of the task.
    pub bits: usize,
    /// Hidden units N.
    pub hidden: usize,
    /// The cube-set step of each probe row: every step whose targets define a memory state
    /// (identical for networks of the same task).
    pub steps: Vec<usize>,
    /// `steps.len() × N` row-major: the hidden state at each probe step.
    pub states: Vec<f32>,
    /// `2^bits × N` row-major: row `s` is the mean hidden state over the held steps (the last
    /// step before each pulse, and the last step of the trial) in memory state `s` (bit `j` set
    /// iff channel `j` holds +1). Zeros for a state the cube set never holds (none: it visits
    /// every state twice).
    pub centroids: Vec<f32>,
    /// Per centroid: whether the readout `sign(W_out c + b_out)` reports memory `s` there,
    /// i.e. whether the corner the targets name is the corner the network reads out. All true
    /// for a solved network.
    pub readout_agrees: Vec<bool>,
}

impl Probe {
    /// Rows of [`Probe::states`].
    pub fn rows(&self) -> usize {
        self.steps.len()
    }

    /// The probe states as an f64 matrix (`rows × N`).
    ///
    /// # Errors
    /// [`CompareError::NonFinite`] when the state blew up.
    pub fn states_matrix(&self) -> Result<DMatrix<f64>, CompareError> {
        matrix(&self.states, self.rows(), self.hidden)
    }

    /// The centroids as an f64 matrix (`2^bits × N`).
    ///
    /// # Errors
    /// [`CompareError::NonFinite`] when the state blew up.
    pub fn centroid_matrix(&self) -> Result<DMatrix<f64>, CompareError> {
        matrix(&self.centroids, 1 << self.bits, self.hidden)
    }
}

/// Runs `net` on the cube set of `task` from `h = 0` and collects its probe states and
/// centroids (see [`Probe`]). Cost: one run of the cube set, `O(T·N²)`.
pub fn probe(net: &Network, task: &TaskConfig) -> Probe {
    let cube = cube_set(task);
    let trial_len = cube.trial.trial_len;
    let n = net.config.hidden;
    let bits = cube.trial.bits;
    let (hs, _) = net.run(&cube.trial.x, trial_len);
    let x = &cube.trial.x;
    let quiet = |t: usize| x[t * bits..(t + 1) * bits].iter().all(|v| *v == 0.0);

    let mut steps = Vec::new();
    let mut states = Vec::new();
    let corners = 1usize << bits;
    let mut sums = vec![0.0f64; corners * n];
    let mut counts = vec![0usize; corners];
    for t in 0..trial_len {
        let Some(s) = cube.state[t] else { continue };
        let h = &hs[t * n..(t + 1) * n];
        steps.push(t);
        states.extend_from_slice(h);
        let held = quiet(t) && (t + 1 == trial_len || !quiet(t + 1));
        if held {
            let s = s as usize;
            counts[s] += 1;
            for (acc, v) in sums[s * n..(s + 1) * n].iter_mut().zip(h) {
                *acc += *v as f64;
            }
        }
    }
    let centroids: Vec<f32> = sums
        .chunks_exact(n.max(1))
        .zip(&counts)
        .flat_map(|(row, c)| row.iter().map(move |v| (v / (*c).max(1) as f64) as f32))
        .collect();
    let mut z = vec![0.0f32; bits];
    let readout_agrees = centroids
        .chunks_exact(n.max(1))
        .enumerate()
        .map(|(s, c)| {
            net.readout(c, &mut z);
            z.iter()
                .enumerate()
                .all(|(j, v)| (*v > 0.0) == ((s >> j) & 1 == 1))
        })
        .collect();
    Probe {
        bits,
        hidden: n,
        steps,
        states,
        centroids,
        readout_agrees,
    }
}
