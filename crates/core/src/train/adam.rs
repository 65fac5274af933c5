//! The optimiser: Adam with inverse-time decay, and the gradient norm used for clipping.

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
