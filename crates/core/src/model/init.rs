//! Seeded initial weights: Keras' orthogonal or the paper's normal W_rec, Glorot-uniform
//! W_in and W_out.

use super::{ModelConfig, Network, RecInit};
use crate::rng::{Purpose, SeedRng};

impl Network {
    /// Initial weights for `seed`, drawn from the `Init` stream in this order: W_rec, W_in,
    /// W_out. W_in and W_out are Glorot-uniform, `U(±sqrt(6 / (fan_in + fan_out)))`; biases 0.
    /// Then the constraints are applied to W_rec (no draw depends on them).
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
        config.constraints.project(&mut net.w_rec, n);
        net
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
