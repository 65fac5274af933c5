//! Projection onto the constraints, their chain rule and their check (see the module doc of
//! [`super`] for the maths). None of these allocate: the sparse mask is streamed from its
//! seed.

use super::Constraints;
use crate::model::Network;

/// `sgn(w) d`, the derivative of `|w| d` at the stored `w`, with `sgn(0) = d` (a weight at
/// zero may leave it on its column's side).
fn dale_factor(w: f32, d: f32) -> f32 {
    if w == 0.0 || (w > 0.0) == (d > 0.0) {
        1.0
    } else {
        -1.0
    }
}

impl Constraints {
    /// Makes a stored `n × n` W_rec satisfy the constraints: masked entries and (without
    /// self-connections) the diagonal become 0; with Dale's law `w_ij ← |w_ij| d_j`.
    pub fn project(&self, w_rec: &mut [f32], n: usize) {
        if self.is_none() || w_rec.len() < n * n {
            return;
        }
        let e = self.excitatory_units(n);
        let dale = self.dale.is_some();
        self.for_each_entry(n, |p, keep| {
            let w = &mut w_rec[p];
            if !keep {
                *w = 0.0;
            } else if dale {
                *w = if p % n < e { w.abs() } else { -w.abs() };
            }
        });
    }

    /// [`Constraints::project`] on W_rec, and the input and readout options of Dale's law
    /// (`W_in ← |W_in|`; W_out's inhibitory columns ← 0). Used after initialisation,
    /// loading and every optimiser step.
    pub fn project_network(&self, net: &mut Network) {
        let n = net.config.hidden;
        self.project(&mut net.w_rec, n);
        if let Some(d) = self.dale {
            if d.positive_inputs {
                net.w_in.iter_mut().for_each(|w| *w = w.abs());
            }
            if d.readout {
                let e = self.excitatory_units(n);
                for row in net.w_out.chunks_exact_mut(n) {
                    row[e..].fill(0.0);
                }
            }
        }
    }

    /// Chain rule through the W_rec constraint: turns `∂L/∂W_eff` (`n × n`, in place) into
    /// `∂L/∂W = sgn(W) d_j M_ij [i ≠ j] ∂L/∂W_eff` at the stored `w_rec` (exact for any
    /// `w_rec`, projected or not, away from `w = 0`).
    pub fn chain_grad(&self, w_rec: &[f32], grad: &mut [f32], n: usize) {
        if self.is_none() || grad.len() < n * n || w_rec.len() < n * n {
            return;
        }
        let e = self.excitatory_units(n);
        let dale = self.dale.is_some();
        self.for_each_entry(n, |p, keep| {
            let g = &mut grad[p];
            if !keep {
                *g = 0.0;
            } else if dale {
                *g *= dale_factor(w_rec[p], if p % n < e { 1.0 } else { -1.0 });
            }
        });
    }

    /// [`Constraints::chain_grad`] for W_rec, and for W_in (`sgn(W_in)` with non-negative
    /// inputs) and W_out (zero on inhibitory columns with an excitatory readout).
    pub fn chain_grads(&self, net: &Network, grads: &mut Network) {
        let n = net.config.hidden;
        self.chain_grad(&net.w_rec, &mut grads.w_rec, n);
        if let Some(d) = self.dale {
            if d.positive_inputs {
                for (g, w) in grads.w_in.iter_mut().zip(&net.w_in) {
                    *g *= dale_factor(*w, 1.0);
                }
            }
            if d.readout {
                let e = self.excitatory_units(n);
                for row in grads.w_out.chunks_exact_mut(n) {
                    row[e..].fill(0.0);
                }
            }
        }
    }

    /// True when `w_rec` (`n × n`) satisfies the constraints: zeros where masked and on the
    /// diagonal without self-connections, and with Dale's law no entry of the wrong sign in
    /// any column.
    pub fn holds(&self, w_rec: &[f32], n: usize) -> bool {
        if w_rec.len() != n * n {
            return false;
        }
        let e = self.excitatory_units(n);
        let dale = self.dale.is_some();
        let mut ok = true;
        self.for_each_entry(n, |p, keep| {
            let w = w_rec[p];
            ok &= if !keep {
                w == 0.0
            } else if dale && p % n < e {
                w >= 0.0
            } else if dale {
                w <= 0.0
            } else {
                true
            };
        });
        ok
    }

    /// [`Constraints::holds`] for W_rec, and the input and readout options of Dale's law.
    pub fn holds_network(&self, net: &Network) -> bool {
        let n = net.config.hidden;
        let e = self.excitatory_units(n);
        self.holds(&net.w_rec, n)
            && self.dale.is_none_or(|d| {
                (!d.positive_inputs || net.w_in.iter().all(|w| *w >= 0.0))
                    && (!d.readout
                        || net
                            .w_out
                            .chunks_exact(n)
                            .all(|r| r[e..].iter().all(|w| *w == 0.0)))
            })
    }
}
