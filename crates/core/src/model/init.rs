//! Seeded initial weights: Keras' orthogonal or the paper's normal W_rec, Glorot-uniform
//! W_in and W_out (for GRU and LSTM cells over all gate blocks, as Keras, with the LSTM's unit
//! forget bias); with Dale's law or a sparse mask, a W_rec balanced and scaled on the
//! effective matrix.

use super::{CellKind, Constraints, ModelConfig, Network, RecInit};
use crate::analysis::{eigenvalues, spectral_radius};
use crate::rng::{Purpose, SeedRng};

impl Network {
    /// Initial weights for `seed`, drawn from the `Init` stream in this order: W_rec, W_in,
    /// W_out. W_in and W_out are Glorot-uniform, `U(±sqrt(6 / (fan_in + fan_out)))`; biases 0.
    /// Then the constraints are applied (no draw depends on them, so W_in and W_out are
    /// those of the unconstrained network of the same seed). With Dale's law or a sparse
    /// mask W_rec goes through [`balanced_rec`] first.
    pub fn init(config: &ModelConfig, seed: u64) -> Self {
        if config.cell.is_gated() {
            return Self::init_gated(config, seed);
        }
        let mut rng = SeedRng::new(seed, Purpose::Init);
        let (n, ki, ko) = (config.hidden, config.inputs(), config.outputs());
        let mut net = Self::zeros(config);
        net.w_rec = match config.rec_init {
            RecInit::Orthogonal => orthonormal_rows(n, n, config.rec_gain as f64, &mut rng),
            RecInit::Normal => {
                let sd = config.rec_gain as f64 / (n as f64).sqrt();
                (0..n * n).map(|_| (sd * rng.normal()) as f32).collect()
            }
        };
        net.w_in = glorot(n * ki, ki, n, &mut rng);
        net.w_out = glorot(ko * n, n, ko, &mut rng);
        let c = &config.constraints;
        if c.dale.is_some() || c.sparsity.is_some() {
            balanced_rec(&mut net.w_rec, n, c, config.rec_gain as f64);
        }
        c.project_network(&mut net);
        net
    }

    /// Keras' initialisation of a GRU or LSTM (`G` gate blocks), drawn from the `Init` stream
    /// in the order W_rec, W_in, W_out:
    /// - W_rec: Keras' `orthogonal` on the whole `recurrent_kernel` (`N × G·N`): its `N` rows
    ///   orthonormal times `rec_gain`, so W_rec (its transpose) has orthonormal columns; or,
    ///   with `rec_init` normal, entries N(0, gain² / N);
    /// - W_in: `glorot_uniform` of `kernel` (`inputs × G·N`): `U(±sqrt(6 / (inputs + G·N)))`;
    /// - W_out: Glorot-uniform as for the vanilla cell;
    /// - b_rec: zeros, except an LSTM's forget block, which starts at `forget_bias` when the
    ///   model has a recurrent bias (1 by default: Keras' `unit_forget_bias=True`).
    fn init_gated(config: &ModelConfig, seed: u64) -> Self {
        let mut rng = SeedRng::new(seed, Purpose::Init);
        let (n, k, g) = (config.hidden, config.bits, config.gate_rows());
        let gain = config.rec_gain as f64;
        let mut net = Self::zeros(config);
        net.w_rec = match config.rec_init {
            RecInit::Orthogonal => {
                // q is Keras' recurrent_kernel (N × G·N); W_rec = qᵀ
                let q = orthonormal_rows(n, g, gain, &mut rng);
                let mut w = vec![0.0f32; g * n];
                for (j, row) in q.chunks_exact(g).enumerate() {
                    for (r, v) in row.iter().enumerate() {
                        w[r * n + j] = *v;
                    }
                }
                w
            }
            RecInit::Normal => {
                let sd = gain / (n as f64).sqrt();
                (0..g * n).map(|_| (sd * rng.normal()) as f32).collect()
            }
        };
        net.w_in = glorot(g * k, k, g, &mut rng);
        net.w_out = glorot(k * n, n, k, &mut rng);
        if config.cell == CellKind::Lstm && config.rec_bias {
            net.b_rec[n..2 * n].fill(config.forget_bias);
        }
        net
    }
}

/// pycog's initialisation of a constrained W_rec (Song, Yang & Wang 2016), from the drawn
/// matrix `w` (`n × n`):
///
/// 1. project onto the constraints: `w_ij ← |w_ij| d_j`, masked entries and (without
///    self-connections) the diagonal 0;
/// 2. balance (Dale's law, unless `unbalanced`): in each row the inhibitory weights are
///    scaled by `Σ_E w_ij / Σ_I |w_ij|` so that the row sums to zero. Then `W 1 = 0`: the
///    mean input, which would otherwise put one eigenvalue of about `(N_E - N_I) E|w|` far
///    outside the bulk, cancels;
/// 3. scale the effective matrix to spectral radius `gain` (setting the radius before
///    taking absolute values, as PsychRNN does, gives another radius than asked).
///
/// The scale factor of step 3 is rounded to 16 significant bits, so that the last-bit
/// differences of the eigenvalue solver between platforms cannot change the weights.
pub fn balanced_rec(w: &mut [f32], n: usize, c: &Constraints, gain: f64) {
    c.project(w, n);
    if c.dale.is_some_and(|d| !d.unbalanced) {
        let e = c.excitatory_units(n);
        for row in w.chunks_exact_mut(n) {
            let exc: f64 = row[..e].iter().map(|v| *v as f64).sum();
            let inh: f64 = row[e..].iter().map(|v| -*v as f64).sum();
            if exc > 0.0 && inh > 0.0 {
                let s = exc / inh;
                row[e..]
                    .iter_mut()
                    .for_each(|v| *v = (*v as f64 * s) as f32);
            }
        }
    }
    let rho = eigenvalues(w, n)
        .map(|e| spectral_radius(&e))
        .unwrap_or(0.0);
    if rho.is_finite() && rho > 0.0 {
        let s = f32::from_bits(((gain / rho) as f32).to_bits() & !0xFF);
        w.iter_mut().for_each(|v| *v *= s);
    }
}

fn glorot(len: usize, fan_in: usize, fan_out: usize, rng: &mut SeedRng) -> Vec<f32> {
    let limit = (6.0 / (fan_in + fan_out) as f64).sqrt();
    (0..len)
        .map(|_| rng.uniform(-limit, limit) as f32)
        .collect()
}

/// `gain` times a random `n × m` matrix (`n ≤ m`, row-major) with orthonormal rows (square:
/// orthogonal): Gram–Schmidt (modified, twice for accuracy) on the rows of a Gaussian matrix,
/// in f64, which gives the Haar distribution like a sign-fixed QR (Keras' `orthogonal`).
fn orthonormal_rows(n: usize, m: usize, gain: f64, rng: &mut SeedRng) -> Vec<f32> {
    let mut q: Vec<f64> = (0..n * m).map(|_| rng.normal()).collect();
    // rows of q are the vectors to orthonormalise
    for i in 0..n {
        for _pass in 0..2 {
            for j in 0..i {
                let (done, rest) = q.split_at_mut(i * m);
                let qj = &done[j * m..(j + 1) * m];
                let qi = &mut rest[..m];
                let d: f64 = qi.iter().zip(qj).map(|(a, b)| a * b).sum();
                for (a, b) in qi.iter_mut().zip(qj) {
                    *a -= d * b;
                }
            }
        }
        let qi = &mut q[i * m..(i + 1) * m];
        let norm = qi.iter().map(|a| a * a).sum::<f64>().sqrt();
        for a in qi.iter_mut() {
            *a /= norm;
        }
    }
    q.iter().map(|v| (gain * v) as f32).collect()
}
