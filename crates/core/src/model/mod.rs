//! The network: its configuration, cell, constraints and weights. The paper's vanilla
//! (leaky) RNN, in column convention:
//!
//! ```text
//! h_t = (1 - alpha) h_{t-1} + alpha tanh(W_rec h_{t-1} + W_in x_t + b_rec),   h_{-1} = 0
//! z_t = W_out h_t + b_out
//! ```
//!
//! With `alpha = 1` this is exactly the paper's Eq. 7 and Keras' `SimpleRNN` (whose stored
//! kernels are the transposes: `W_rec = Rᵀ`, `W_in = Kᵀ`). All matrices are row-major f32:
//! `W_rec[i * N + j]` is the weight from unit `j` to unit `i`. The gated cells (GRU, LSTM),
//! their equations and their weight layout (Keras' kernels transposed) are in [`cell`].
//!
//! Files: `config` (ModelConfig, RecInit), `cell` (the cell kinds, the layout, and their
//! single-state step), `constraints` (the W_rec constraint hook), `init` (seeded initial weights).

use serde::{Deserialize, Serialize};

pub mod cell;
mod config;
mod constraints;
mod init;

pub use cell::{CellKind, GateActivation};
pub use config::{ModelConfig, RecInit, MAX_HIDDEN};
pub use constraints::{Constraints, Dale, Sparsity, DEFAULT_EXCITATORY};

/// Names of the parameter tensors, in the order of [`Network::params`].
pub const PARAM_NAMES: [&str; 5] = ["w_in", "w_rec", "b_rec", "w_out", "b_out"];

/// The weights. With `G = cell.gates()` blocks (vanilla 1, GRU 3, LSTM 4), W_in is
/// `G·N × inputs`, W_rec `G·N × N` and b_rec [`ModelConfig::bias_len`] (`G·N`; `2·3N` for a
/// GRU with `reset_after`); the layout and its mapping to Keras' weights is in the `cell`
/// module's doc ([`cell`]). `b_rec` always has its length; it is all zeros and never
/// trained when the model has no recurrent bias.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Network {
    /// Architecture.
    pub config: ModelConfig,
    /// Input weights, G·N × inputs.
    pub w_in: Vec<f32>,
    /// Recurrent weights, G·N × N (row = target unit).
    pub w_rec: Vec<f32>,
    /// Recurrent bias, [`ModelConfig::bias_len`].
    pub b_rec: Vec<f32>,
    /// Readout, outputs × N.
    pub w_out: Vec<f32>,
    /// Readout bias, outputs.
    pub b_out: Vec<f32>,
}

impl Network {
    /// A network with all weights zero.
    pub fn zeros(config: &ModelConfig) -> Self {
        let (n, g) = (config.hidden, config.gate_rows());
        Self {
            config: config.clone(),
            w_in: vec![0.0; g * config.inputs()],
            w_rec: vec![0.0; g * n],
            b_rec: vec![0.0; config.bias_len()],
            w_out: vec![0.0; config.outputs() * n],
            b_out: vec![0.0; config.outputs()],
        }
    }

    /// Becomes a copy of `other`, reusing this network's buffers (no allocation when the
    /// shapes agree; the derived `clone_from` would allocate).
    pub fn copy_from(&mut self, other: &Network) {
        self.config.clone_from(&other.config);
        self.w_in.clone_from(&other.w_in);
        self.w_rec.clone_from(&other.w_rec);
        self.b_rec.clone_from(&other.b_rec);
        self.w_out.clone_from(&other.w_out);
        self.b_out.clone_from(&other.b_out);
    }

    /// All parameters as one flat list of slices, in a fixed order (used by the optimiser).
    pub fn params(&self) -> [&[f32]; 5] {
        [
            &self.w_in,
            &self.w_rec,
            &self.b_rec,
            &self.w_out,
            &self.b_out,
        ]
    }

    /// Mutable version of [`Network::params`].
    pub fn params_mut(&mut self) -> [&mut [f32]; 5] {
        [
            &mut self.w_in,
            &mut self.w_rec,
            &mut self.b_rec,
            &mut self.w_out,
            &mut self.b_out,
        ]
    }

    /// True when every weight is finite.
    pub fn is_finite(&self) -> bool {
        self.params()
            .iter()
            .all(|p| p.iter().all(|v| v.is_finite()))
    }

    /// One step of the dynamics for a single state `h` (length
    /// `cell.state_size(N)`: `h`, or `[h; c]` for an LSTM) driven by input `x` (length
    /// inputs), through the network's cell (equations in [`cell`]); vanilla:
    /// `h <- (1-a) h + a tanh(W_rec h + W_in x + b)`. `scratch` must have at least
    /// `cell.scratch_size(N)` floats. Used by live play, `run` and the fixed-point finder.
    pub fn step(&self, h: &mut [f32], x: &[f32], scratch: &mut [f32]) {
        match self.config.cell {
            CellKind::Vanilla => cell::vanilla_step(self, h, x, scratch),
            CellKind::Gru => cell::gru_step(self, h, x, scratch),
            CellKind::Lstm => cell::lstm_step(self, h, x, scratch),
        }
    }

    /// Readout `z = W_out h + b_out` into `z` (length outputs); `h` is the state's first N.
    pub fn readout(&self, h: &[f32], z: &mut [f32]) {
        let n = self.config.hidden;
        for (o, zo) in z.iter_mut().enumerate() {
            let mut acc = self.b_out[o];
            for (w, hj) in self.w_out[o * n..(o + 1) * n].iter().zip(h) {
                acc += w * hj;
            }
            *zo = acc;
        }
    }

    /// Runs one trial (inputs row-major `trial_len × inputs`) from a zero state (Keras' zero
    /// initial state); returns the hidden units `h` (`trial_len × N`; an LSTM's `c` is not
    /// returned) and outputs (`trial_len × outputs`).
    pub fn run(&self, x: &[f32], trial_len: usize) -> (Vec<f32>, Vec<f32>) {
        let (n, ki, k) = (
            self.config.hidden,
            self.config.inputs(),
            self.config.outputs(),
        );
        let cell = self.config.cell;
        let mut h = vec![0.0f32; cell.state_size(n)];
        let mut scratch = vec![0.0f32; cell.scratch_size(n)];
        let mut hs = Vec::with_capacity(trial_len * n);
        let mut zs = vec![0.0f32; trial_len * k];
        for t in 0..trial_len {
            self.step(&mut h, &x[t * ki..(t + 1) * ki], &mut scratch);
            self.readout(&h[..n], &mut zs[t * k..(t + 1) * k]);
            hs.extend_from_slice(&h[..n]);
        }
        (hs, zs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The 8-lane dot product of the single-trial step: the exact sum to f32 rounding for
    /// every length around the lane width and at the lab's sizes, and its documented order
    /// (lanes, pairwise, then the tail) bit for bit.
    #[test]
    fn dot_sums_every_term_in_its_documented_order() {
        for len in [0usize, 1, 7, 8, 9, 15, 16, 17, 100, 128, 400] {
            let a: Vec<f32> = (0..len)
                .map(|i| ((i * 37 % 11) as f32 - 5.0) * 0.173)
                .collect();
            let b: Vec<f32> = (0..len)
                .map(|i| ((i * 53 % 13) as f32 - 6.0) * 0.291)
                .collect();
            let exact: f64 = a.iter().zip(&b).map(|(x, y)| *x as f64 * *y as f64).sum();
            let got = cell::dot(&a, &b);
            let scale: f64 = a
                .iter()
                .zip(&b)
                .map(|(x, y)| (*x as f64 * *y as f64).abs())
                .sum();
            assert!(
                (got as f64 - exact).abs() <= 1e-6 * scale.max(1.0),
                "len {len}: {got} vs {exact}"
            );
            let mut lanes = [0.0f32; 8];
            let full = len / 8 * 8;
            for j in 0..full {
                lanes[j % 8] += a[j] * b[j];
            }
            let mut want = ((lanes[0] + lanes[4]) + (lanes[1] + lanes[5]))
                + ((lanes[2] + lanes[6]) + (lanes[3] + lanes[7]));
            for j in full..len {
                want += a[j] * b[j];
            }
            assert_eq!(got.to_bits(), want.to_bits(), "len {len}");
        }
        // Lengths differ: the shorter one counts.
        assert_eq!(cell::dot(&[1.0, 2.0, 3.0], &[4.0, 5.0]), 14.0);
    }

    #[test]
    fn orthogonal_init_is_orthogonal() {
        let cfg = ModelConfig {
            hidden: 64,
            ..ModelConfig::default()
        };
        let net = Network::init(&cfg, 1);
        let n = 64;
        let w = &net.w_rec;
        for i in 0..n {
            for j in 0..n {
                let d: f64 = (0..n)
                    .map(|k| w[i * n + k] as f64 * w[j * n + k] as f64)
                    .sum();
                let want = if i == j { 1.0 } else { 0.0 };
                assert!((d - want).abs() < 1e-5, "({i},{j}) = {d}");
            }
        }
    }

    #[test]
    fn init_is_seeded() {
        let cfg = ModelConfig::default();
        assert_eq!(Network::init(&cfg, 3), Network::init(&cfg, 3));
        assert_ne!(Network::init(&cfg, 3).w_rec, Network::init(&cfg, 4).w_rec);
    }

    #[test]
    fn paper_parameter_count() {
        let cfg = ModelConfig {
            hidden: 400,
            ..ModelConfig::default()
        };
        assert_eq!(cfg.n_params(), 162_403);
    }

    #[test]
    fn glorot_limits() {
        let cfg = ModelConfig::default();
        let net = Network::init(&cfg, 9);
        let lim = (6.0f32 / 103.0).sqrt();
        assert!(net.w_in.iter().all(|v| v.abs() <= lim));
        assert!(net.w_in.iter().any(|v| v.abs() > 0.8 * lim));
    }
}
