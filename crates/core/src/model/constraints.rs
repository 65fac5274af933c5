//! Constraints on the recurrent weights: the hook where biological structure goes.
//!
//! A constraint maps the trained parameter `W` to the effective matrix the dynamics use,
//! `W_eff = c(W)`, and the gradient follows by the chain rule, `∂L/∂W = (∂c/∂W)ᵀ ∂L/∂W_eff`.
//! Forward, backward and the analyses all go through `W_eff`. Today's member:
//!
//! - `no_self_connections`: `W_eff = W ⊙ M`, `M = 1 - I` (no unit feeds itself), so
//!   `∂L/∂W = ∂L/∂W_eff ⊙ M`. The stored diagonal is zeroed at initialisation and, its
//!   gradient being zero, stays zero through Adam, so the stored `W` *is* `W_eff` and the
//!   fast kernels and analyses read it as they are.
//!
//! Dale's law (`W_eff = |W| · D`, `D` the diagonal of ±1 unit signs) and sparse masks go
//! here too; Dale's law will need the effective matrix formed into a buffer before each
//! step (see [`Constraints::stored_is_effective`]).

use serde::{Deserialize, Serialize};

/// Constraints on W_rec (default: none).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Constraints {
    /// No self-connections: the diagonal of W_rec is zero and stays zero.
    pub no_self_connections: bool,
}

impl Constraints {
    /// True when nothing is constrained (left out when serialising, so configurations
    /// without constraints keep their bytes).
    pub fn is_none(&self) -> bool {
        *self == Constraints::default()
    }

    /// True when a stored W_rec that went through [`Constraints::project`] is already the
    /// effective matrix (true of every constraint implemented so far).
    pub fn stored_is_effective(&self) -> bool {
        true
    }

    /// Makes a stored `n × n` W_rec satisfy the constraints (at initialisation and after
    /// loading weights): zeroes the diagonal for `no_self_connections`.
    pub fn project(&self, w_rec: &mut [f32], n: usize) {
        if self.no_self_connections {
            for i in 0..n.min(w_rec.len() / n.max(1)) {
                w_rec[i * n + i] = 0.0;
            }
        }
    }

    /// Chain rule through the constraint: turns `∂L/∂W_eff` (`n × n`, in place) into
    /// `∂L/∂W`. For `no_self_connections`, zeroes the diagonal.
    pub fn chain_grad(&self, _w_rec: &[f32], grad: &mut [f32], n: usize) {
        if self.no_self_connections {
            for i in 0..n.min(grad.len() / n.max(1)) {
                grad[i * n + i] = 0.0;
            }
        }
    }

    /// True when `w_rec` (`n × n`) satisfies the constraints.
    pub fn holds(&self, w_rec: &[f32], n: usize) -> bool {
        !self.no_self_connections || (0..n).all(|i| w_rec.get(i * n + i) == Some(&0.0))
    }
}
