//! The vanilla (leaky) RNN of the paper, in column convention:
//!
//! ```text
//! h_t = (1 - alpha) h_{t-1} + alpha tanh(W_rec h_{t-1} + W_in x_t + b_rec),   h_{-1} = 0
//! z_t = W_out h_t + b_out
//! ```
//!
//! With `alpha = 1` this is exactly the paper's Eq. 7 and Keras' `SimpleRNN` (whose stored
//! kernels are the transposes: `W_rec = Rᵀ`, `W_in = Kᵀ`). All matrices are row-major f32:
//! `W_rec[i * N + j]` is the weight from unit `j` to unit `i`.

use crate::error::ConfigError;
use crate::math::tanh;
use crate::rng::{Purpose, SeedRng};
use crate::task::MAX_BITS;
use serde::{Deserialize, Serialize};

/// Most hidden units the lab allows.
pub const MAX_HIDDEN: usize = 1024;

/// How W_rec starts.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecInit {
    /// `gain` times a random orthogonal matrix (Keras' `orthogonal`, the paper's code).
    Orthogonal,
    /// Entries N(0, gain² / N) (the paper's text).
    Normal,
}

/// Architecture and initialisation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ModelConfig {
    /// Hidden units N.
    pub hidden: usize,
    /// Bits (inputs = outputs); must equal the task's.
    pub bits: usize,
    /// Leak `alpha = dt / tau` in (0, 1]; 1 = no leak (the paper).
    pub alpha: f32,
    /// Whether the recurrent layer has a bias `b_rec` (paper: no).
    pub rec_bias: bool,
    /// Initialiser of W_rec.
    pub rec_init: RecInit,
    /// Gain of W_rec's initialiser (1 = the paper's).
    pub rec_gain: f32,
}

impl Default for ModelConfig {
    fn default() -> Self {
        Self {
            hidden: 100,
            bits: 3,
            alpha: 1.0,
            rec_bias: false,
            rec_init: RecInit::Orthogonal,
            rec_gain: 1.0,
        }
    }
}

impl ModelConfig {
    /// Checks every field against its allowed range.
    pub fn validate(&self) -> Result<(), ConfigError> {
        ConfigError::check_int("hidden", self.hidden, 2, MAX_HIDDEN)?;
        ConfigError::check_int("bits", self.bits, 1, MAX_BITS)?;
        ConfigError::check_f64("alpha", self.alpha as f64, 0.001, 1.0)?;
        ConfigError::check_f64("rec_gain", self.rec_gain as f64, 0.0, 3.0)?;
        Ok(())
    }

    /// Number of trainable parameters (b_rec counted only when enabled).
    pub fn n_params(&self) -> usize {
        let (n, k) = (self.hidden, self.bits);
        n * k + n * n + if self.rec_bias { n } else { 0 } + k * n + k
    }
}

/// The weights. `b_rec` always has length N; it is all zeros and never trained when the
/// model has no recurrent bias.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Network {
    /// Architecture.
    pub config: ModelConfig,
    /// Input weights, N × bits.
    pub w_in: Vec<f32>,
    /// Recurrent weights, N × N (row = target unit).
    pub w_rec: Vec<f32>,
    /// Recurrent bias, N.
    pub b_rec: Vec<f32>,
    /// Readout, bits × N.
    pub w_out: Vec<f32>,
    /// Readout bias, bits.
    pub b_out: Vec<f32>,
}

impl Network {
    /// A network with all weights zero.
    pub fn zeros(config: &ModelConfig) -> Self {
        let (n, k) = (config.hidden, config.bits);
        Self {
            config: config.clone(),
            w_in: vec![0.0; n * k],
            w_rec: vec![0.0; n * n],
            b_rec: vec![0.0; n],
            w_out: vec![0.0; k * n],
            b_out: vec![0.0; k],
        }
    }

    /// Initial weights for `seed`, drawn from the `Init` stream in this order: W_rec, W_in,
    /// W_out. W_in and W_out are Glorot-uniform, `U(±sqrt(6 / (fan_in + fan_out)))`; biases 0.
    pub fn init(config: &ModelConfig, seed: u64) -> Self {
        let mut rng = SeedRng::new(seed, Purpose::Init);
        let (n, k) = (config.hidden, config.bits);
        let mut net = Self::zeros(config);
        net.w_rec = match config.rec_init {
            RecInit::Orthogonal => orthogonal(n, config.rec_gain as f64, &mut rng),
            RecInit::Normal => {
                let sd = config.rec_gain as f64 / (n as f64).sqrt();
                (0..n * n).map(|_| (sd * rng.normal()) as f32).collect()
            }
        };
        net.w_in = glorot(n * k, k, n, &mut rng);
        net.w_out = glorot(k * n, n, k, &mut rng);
        net
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

    /// One step of the dynamics for a single state: `h <- (1-a) h + a tanh(W_rec h + W_in x + b)`.
    /// `scratch` must have length N. Used by live play and the fixed-point finder.
    pub fn step(&self, h: &mut [f32], x: &[f32], scratch: &mut [f32]) {
        let (n, k) = (self.config.hidden, self.config.bits);
        let alpha = self.config.alpha;
        for (i, out) in scratch.iter_mut().enumerate().take(n) {
            let row = &self.w_rec[i * n..(i + 1) * n];
            let mut acc = self.b_rec[i];
            for (w, hj) in row.iter().zip(h.iter()) {
                acc += w * hj;
            }
            for (w, xj) in self.w_in[i * k..(i + 1) * k].iter().zip(x) {
                acc += w * xj;
            }
            *out = tanh(acc);
        }
        for (hi, r) in h.iter_mut().zip(scratch.iter()) {
            *hi = (1.0 - alpha) * *hi + alpha * r;
        }
    }

    /// Readout `z = W_out h + b_out` into `z` (length bits).
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

    /// Runs one trial (inputs row-major `steps × bits`) from h = 0; returns the hidden states
    /// (`steps × N`) and outputs (`steps × bits`).
    pub fn run(&self, x: &[f32], trial_len: usize) -> (Vec<f32>, Vec<f32>) {
        let (n, k) = (self.config.hidden, self.config.bits);
        let mut h = vec![0.0f32; n];
        let mut scratch = vec![0.0f32; n];
        let mut hs = Vec::with_capacity(trial_len * n);
        let mut zs = vec![0.0f32; trial_len * k];
        for t in 0..trial_len {
            self.step(&mut h, &x[t * k..(t + 1) * k], &mut scratch);
            self.readout(&h, &mut zs[t * k..(t + 1) * k]);
            hs.extend_from_slice(&h);
        }
        (hs, zs)
    }
}

fn glorot(len: usize, fan_in: usize, fan_out: usize, rng: &mut SeedRng) -> Vec<f32> {
    let limit = (6.0 / (fan_in + fan_out) as f64).sqrt();
    (0..len)
        .map(|_| rng.uniform(-limit, limit) as f32)
        .collect()
}

/// `gain` times a random orthogonal N × N matrix: Gram–Schmidt (modified, twice for accuracy)
/// on a Gaussian matrix, in f64, which gives the Haar distribution like a sign-fixed QR.
fn orthogonal(n: usize, gain: f64, rng: &mut SeedRng) -> Vec<f32> {
    let mut q: Vec<f64> = (0..n * n).map(|_| rng.normal()).collect();
    // rows of q are the vectors to orthonormalise
    for i in 0..n {
        for _pass in 0..2 {
            for j in 0..i {
                let (done, rest) = q.split_at_mut(i * n);
                let qj = &done[j * n..(j + 1) * n];
                let qi = &mut rest[..n];
                let d: f64 = qi.iter().zip(qj).map(|(a, b)| a * b).sum();
                for (a, b) in qi.iter_mut().zip(qj) {
                    *a -= d * b;
                }
            }
        }
        let qi = &mut q[i * n..(i + 1) * n];
        let norm = qi.iter().map(|a| a * a).sum::<f64>().sqrt();
        for a in qi.iter_mut() {
            *a /= norm;
        }
    }
    q.iter().map(|v| (gain * v) as f32).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

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
