//! Fixed and slow points of the autonomous dynamics (input zero), after Sussillo & Barak (2013):
//!
//! ```text
//! F(h) = (1 - α) h + α tanh(W_rec h + b_rec),     q(h) = ½ |F(h) - h|² = ½ α² |tanh(W_rec h + b_rec) - h|²
//! ∇q(h) = α² ( W_recᵀ ((1 - r²) ⊙ e) - e ),       r = tanh(W_rec h + b_rec),  e = r - h
//! ```
//!
//! The search runs in phases. First the network runs autonomously (input zero) from each
//! memory state of the cube set for up to `settle_steps` steps: where such a run ends is an
//! attractor, so every stable fixed point that plain simulation reaches becomes a candidate
//! (the descent alone missed some on networks trained long past solved, and the lab then
//! called a memory "held by a slow point"). Then all sampled starting states descend q
//! together with Adam (one batched GEMM pair per iteration, f32): it finds the saddles and
//! slow points as well. Then each distinct candidate is polished in f64
//! by Newton's method on the residual `e(h) = 0` (Jacobian `diag(1 - r²) W_rec - I`) with
//! backtracking, which converges quadratically to fixed points of any stability, saddles
//! included. A slow candidate that Newton has to crawl away from (linear convergence along a
//! flat direction of q, as on a line attractor) is kept as well, as a slow point: a line
//! attractor then shows as a chain of slow points rather than collapsing onto one fixed
//! point (see `search::CRAWL`). Each point is classified by the eigenvalues of the Jacobian of F,
//! `J = (1 - α) I + α diag(1 - r²) W_rec`: stable when every |λ| < 1 (discrete time).
//!
//! The search is a resumable state machine ([`FixedPointSearch::advance`]) so a worker can
//! report progress and stop it between bounded pieces of work. Every phase has a cap on its
//! iterations (settle steps, descent iterations, Newton iterations, the eigensolver's QR
//! iterations), so a search always ends.

mod cells;
mod on_task;
mod point;
mod search;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_gated;
#[cfg(test)]
mod tests_line;

pub use cells::{full_jacobian, map};
pub use on_task::{holding_input, search_on_task, with_constant_input};
pub use point::{jacobian, q_f64};
pub use search::{FixedPointSearch, Phase};

use crate::model::Network;
use crate::rng::SeedRng;
use serde::{Deserialize, Serialize};

/// Tolerances and budgets; the defaults suit the lab's networks (N ≈ 100–400).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FixedPointOptions {
    /// Cap on the steps of the autonomous runs from the memory states (0: no runs). They
    /// stop earlier once no state moves by more than f32 rounding in a step.
    pub settle_steps: usize,
    /// Starting states (sampled from the network's own trajectories plus noise).
    pub starts: usize,
    /// Standard deviation of the noise added to each start.
    pub start_noise: f32,
    /// Adam iterations of the batched first phase.
    pub descent_iters: usize,
    /// Adam learning rate of the first phase.
    pub descent_lr: f32,
    /// Newton iterations per candidate in the polish phase.
    pub newton_iters: usize,
    /// A point with q below this is a fixed point.
    pub tol_q: f64,
    /// A point with q below this (but above `tol_q`) is kept as a slow point.
    pub slow_q: f64,
    /// Points closer than `dedup · scale` are the same (scale = RMS norm of the starts).
    pub dedup: f64,
}

impl Default for FixedPointOptions {
    fn default() -> Self {
        Self {
            settle_steps: 20_000,
            starts: 128,
            start_noise: 0.05,
            descent_iters: 400,
            descent_lr: 0.01,
            newton_iters: 25,
            tol_q: 1e-12,
            slow_q: 1e-6,
            dedup: 1e-3,
        }
    }
}

impl FixedPointOptions {
    /// Checks every field against its allowed range (bounds the work and memory a search
    /// from outside options can ask for).
    pub fn validate(&self) -> Result<(), crate::ConfigError> {
        use crate::ConfigError as E;
        E::check_int("settle_steps", self.settle_steps, 0, 1_000_000)?;
        E::check_int("starts", self.starts, 1, 2048)?;
        E::check_f64("start_noise", self.start_noise as f64, 0.0, 10.0)?;
        E::check_int("descent_iters", self.descent_iters, 0, 100_000)?;
        E::check_f64("descent_lr", self.descent_lr as f64, 0.0, 1.0)?;
        E::check_int("newton_iters", self.newton_iters, 0, 1000)?;
        E::check_f64("tol_q", self.tol_q, 0.0, 1.0)?;
        E::check_f64("slow_q", self.slow_q, 0.0, 1e3)?;
        E::check_f64("dedup", self.dedup, 0.0, 10.0)
    }
}

/// One fixed or slow point.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FixedPoint {
    /// The full state: `h` (N numbers) for the vanilla cell and the GRU; `[h; c]` (2N
    /// numbers, the first N are `h`, what the readout sees) for an LSTM.
    pub state: Vec<f32>,
    /// q(h) in f64.
    pub q: f64,
    /// q < tol_q (otherwise a slow point).
    pub fixed: bool,
    /// Every eigenvalue of the Jacobian has |λ| < 1.
    pub stable: bool,
    /// Number of eigenvalues with |λ| > 1.
    pub unstable_dims: usize,
    /// Eigenvalues of the Jacobian of F at h, `[re, im]`, by decreasing modulus; empty if the
    /// eigensolver did not converge (then `stable` is false).
    pub eigenvalues: Vec<[f64; 2]>,
    /// Unit eigenvector of the largest unstable eigenvalue when it is real (full state size,
    /// like `state`).
    pub unstable_direction: Option<Vec<f32>>,
    /// Readout z = W_out h + b_out (of the state's `h`).
    pub readout: Vec<f32>,
    /// Signs of the readout (+1 / -1): the memory state the point is nearest.
    pub nearest_memory: Vec<i8>,
}

/// A search whose starts are sampled from the network's own activity on the cube set
/// (every memory state visited), drawn from the `Other` stream of `seed`, with autonomous runs
/// from the cube set's memory states ([`memory_states`]) as settle starts.
pub fn search_from_cube_set(
    net: &Network,
    task: &crate::task::TaskConfig,
    opts: FixedPointOptions,
    seed: u64,
) -> FixedPointSearch {
    let cube = crate::task::cube_set(task);
    let size = net.config.cell.state_size(net.config.hidden);
    let states = state_trajectory(net, &cube.trial.x, cube.trial.trial_len);
    let mut rng = SeedRng::new(seed, crate::rng::Purpose::Other);
    let starts = sample_starts(&states, size, opts.starts, &mut rng);
    let held = memory_states(&cube, &states, size);
    FixedPointSearch::new(net, &starts, opts, &mut rng).with_settle_starts(&held)
}

/// The full states of a network run on one trial (inputs row-major `trial_len × inputs`) from
/// a zero state: `trial_len × S` with `S` the cell's state size (`[h; c]` rows for an LSTM;
/// the same as [`Network::run`]'s hidden activity for the other cells).
pub fn state_trajectory(net: &Network, x: &[f32], trial_len: usize) -> Vec<f32> {
    let (cell, n, ki) = (net.config.cell, net.config.hidden, net.config.inputs());
    let size = cell.state_size(n);
    let mut s = vec![0.0f32; size];
    let mut scratch = vec![0.0f32; cell.scratch_size(n)];
    let mut out = Vec::with_capacity(trial_len * size);
    for t in 0..trial_len {
        net.step(&mut s, &x[t * ki..(t + 1) * ki], &mut scratch);
        out.extend_from_slice(&s);
    }
    out
}

/// The states (row-major, `n` floats each) at which the cube set holds a memory: the last
/// step before each pulse, and the last step of the trial, wherever the targets define a
/// state there. `trajectory` is the network's activity on `cube` (`trial_len × n`: the
/// hidden units, or the full states of [`state_trajectory`] with `n` the state size).
/// With `2^bits` states visited twice, that is `2^(bits+1)` states (fewer before the first
/// response).
pub fn memory_states(cube: &crate::task::CubeSet, trajectory: &[f32], n: usize) -> Vec<f32> {
    let (x, bits) = (&cube.trial.x, cube.trial.bits);
    let trial_len = cube.state.len().min(trajectory.len() / n.max(1));
    let quiet = |t: usize| x[t * bits..(t + 1) * bits].iter().all(|v| *v == 0.0);
    let mut out = Vec::new();
    for t in 0..trial_len {
        let held = cube.state[t].is_some() && quiet(t);
        if held && (t + 1 == trial_len || !quiet(t + 1)) {
            out.extend_from_slice(&trajectory[t * n..(t + 1) * n]);
        }
    }
    out
}

/// `count` starting states sampled uniformly (with replacement) from the rows of a
/// trajectory (`rows × N`).
pub fn sample_starts(trajectory: &[f32], n: usize, count: usize, rng: &mut SeedRng) -> Vec<f32> {
    let rows = trajectory.len() / n.max(1);
    let mut out = Vec::with_capacity(count * n);
    if rows == 0 {
        return out;
    }
    for _ in 0..count {
        let r = rng.int_inclusive(0, rows as u32 - 1) as usize;
        out.extend_from_slice(&trajectory[r * n..(r + 1) * n]);
    }
    out
}
