//! The optimiser: Adam with inverse-time decay, its warm start, and the gradient norm used
//! for clipping.
//!
//! # Warm start (resuming without a saved state)
//!
//! A network that comes back from a link, an import or the shipped file has weights and a
//! step count but no moments. Restarting Adam there (`m = v = 0`, `t = 0`) damages a solved
//! network: at `t = 1` bias correction makes `m̂ = g` and `v̂ = g²`, so every weight moves by
//! `lr · g/|g| = ±lr` (a sign step, ~3e-4 on each of ~17 k weights at once), and the
//! learning rate decay starts again from `lr`. Measured on the shipped network: one such step
//! takes held-out accuracy from 99.8 % to ~94 %.
//!
//! [`Adam::warm_start`] instead sets the state a long run would have had:
//! - `t = max(trained_steps, t_min)`, so the decay `lr / (1 + decay · t)` continues where the
//!   run stopped, and `t_min = ⌈ln 0.01 / ln β1⌉` (44 for β1 = 0.9) keeps `β1^t ≤ 0.01`
//!   even for a network that arrives with 0 steps, so the bias correction of `m` is spent;
//! - `m = 0`: the direction of the next steps is learnt from fresh gradients; the first
//!   update is `(1-β1) · lr · g / sqrt(v̂)`, a tenth of a normal step, growing over ~1/(1-β1)
//!   steps as the momentum fills;
//! - `v_i = (1 - β2^t) · (1/K) Σ_k (s_k g_{k,i})²` over K = [`WARM_START_BATCHES`] seeded
//!   batches (`Purpose::WarmStart`, no update between them; `s_k` the clipping scale the update
//!   would apply), so that the bias-corrected `v̂ = v / (1 - β2^t)` is the mean squared
//!   gradient at these weights: each weight's step is scaled by its own gradient noise, as
//!   in a running Adam, instead of by one sample's magnitude.

use super::config::TrainConfig;
use crate::model::Network;
use serde::{Deserialize, Serialize};

/// Adam (Kingma & Ba) with bias correction:
/// `m ← β1 m + (1-β1) g`, `v ← β2 v + (1-β2) g²`,
/// `p ← p - lr_t · (m / (1-β1^t)) / (sqrt(v / (1-β2^t)) + ε)`, `lr_t = lr / (1 + decay (t-1))`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Adam {
    /// First moments, one vector per parameter tensor.
    pub m: Vec<Vec<f32>>,
    /// Second moments.
    pub v: Vec<Vec<f32>>,
    /// Updates applied so far.
    pub t: u64,
}

impl Adam {
    /// Zero moments for `net`'s shapes.
    pub fn new(net: &Network) -> Self {
        let m: Vec<Vec<f32>> = net.params().iter().map(|p| vec![0.0; p.len()]).collect();
        Self {
            v: m.clone(),
            m,
            t: 0,
        }
    }

    /// Becomes a copy of `other`, reusing this one's buffers (no allocation when the shapes
    /// agree; the derived `clone_from` would allocate).
    pub fn copy_from(&mut self, other: &Adam) {
        self.m.clone_from(&other.m);
        self.v.clone_from(&other.v);
        self.t = other.t;
    }

    /// The learning rate the next update will use.
    pub fn lr_at(&self, cfg: &TrainConfig) -> f32 {
        cfg.lr / (1.0 + cfg.decay * self.t as f32)
    }

    /// One update of `net` by `grads` (scaled by `grad_scale`, for clipping). Tensors whose
    /// `trainable` flag is false are left alone.
    pub fn update(
        &mut self,
        cfg: &TrainConfig,
        net: &mut Network,
        grads: &Network,
        grad_scale: f32,
    ) {
        let lr = self.lr_at(cfg);
        self.t += 1;
        let (b1, b2, eps) = (cfg.beta1, cfg.beta2, cfg.eps);
        let c1 = 1.0 - (b1 as f64).powi(self.t.min(i32::MAX as u64) as i32);
        let c2 = 1.0 - (b2 as f64).powi(self.t.min(i32::MAX as u64) as i32);
        let (c1, c2) = (c1 as f32, c2 as f32);
        let rec_bias = net.config.rec_bias;
        for (idx, ((p, g), (m, v))) in net
            .params_mut()
            .into_iter()
            .zip(grads.params())
            .zip(self.m.iter_mut().zip(self.v.iter_mut()))
            .enumerate()
        {
            if idx == 2 && !rec_bias {
                continue;
            }
            for (((p, g), m), v) in p.iter_mut().zip(g).zip(m.iter_mut()).zip(v.iter_mut()) {
                let g = g * grad_scale;
                *m = b1 * *m + (1.0 - b1) * g;
                *v = b2 * *v + (1.0 - b2) * g * g;
                let mh = *m / c1;
                let vh = *v / c2;
                *p -= lr * mh / (vh.sqrt() + eps);
            }
        }
    }
}

/// Batches whose squared gradients estimate the second moments of a warm start.
pub const WARM_START_BATCHES: usize = 8;

impl Adam {
    /// Whether this state can drive `net`: one moment vector per tensor of the same length,
    /// every moment finite and every second moment ≥ 0. A state that does not fit is not
    /// used (the trainer warm-starts instead).
    pub fn fits(&self, net: &Network) -> bool {
        let params = net.params();
        self.m.len() == params.len()
            && self.v.len() == params.len()
            && params
                .iter()
                .zip(self.m.iter().zip(&self.v))
                .all(|(p, (m, v))| m.len() == p.len() && v.len() == p.len())
            && self.m.iter().flatten().all(|x| x.is_finite())
            && self.v.iter().flatten().all(|x| x.is_finite() && *x >= 0.0)
    }

    /// The smallest step counter of a warm start, `⌈ln 0.01 / ln β1⌉` (at most 100,000), so
    /// that the bias correction of `m` is spent (`β1^t ≤ 0.01`).
    pub fn warm_start_min_t(cfg: &TrainConfig) -> u64 {
        let b1 = cfg.beta1 as f64;
        if b1 <= 0.0 {
            return 1;
        }
        ((0.01f64.ln() / b1.ln()).ceil() as u64).clamp(1, 100_000)
    }

    /// Warm start (module docs): `m = 0`, `t = max(trained_steps, t_min)` and
    /// `v = (1 - β2^t) · sq_mean`, where `sq_mean` holds the mean squared (clipped) gradient
    /// of every parameter, shaped like the network's tensors. A non-finite or negative mean
    /// leaves that second moment at 0.
    pub fn warm_start(&mut self, cfg: &TrainConfig, trained_steps: u64, sq_mean: &[Vec<f32>]) {
        self.t = trained_steps.max(Self::warm_start_min_t(cfg));
        let c2 = 1.0 - (cfg.beta2 as f64).powi(self.t.min(i32::MAX as u64) as i32);
        for m in &mut self.m {
            m.iter_mut().for_each(|x| *x = 0.0);
        }
        for (v, s) in self.v.iter_mut().zip(sq_mean) {
            for (v, s) in v.iter_mut().zip(s) {
                let x = (c2 * *s as f64) as f32;
                *v = if x.is_finite() && x >= 0.0 { x } else { 0.0 };
            }
        }
    }
}

/// Global L2 norm over all gradient tensors.
pub fn global_norm(grads: &Network) -> f32 {
    let s: f64 = grads
        .params()
        .iter()
        .flat_map(|p| p.iter())
        .map(|g| (*g as f64) * (*g as f64))
        .sum();
    s.sqrt() as f32
}
