//! Backpropagation through time written plainly, in f64, one trial and one step at a time:
//! the definition the fast kernels ([`super::loss_and_grad`]) are tested against, and the
//! version to read first. For each trial, from `h_{-1} = 0`:
//!
//! ```text
//! forward:   a_t = W h_{t-1} + W_in x_t + b_rec         (W = c(W_rec), the constraint map)
//!            h_t = (1 - α) h_{t-1} + α tanh(a_t)
//!            z_t = W_out h_t + b_out
//!            L   = Σ m (z - y)² / Σ m                    (m = the loss mask, all ones if absent)
//! backward:  dz_t = 2 m_t (z_t - y_t) / Σ m
//!            g_t  = W_outᵀ dz_t + c_t                     (c_t: carried from t+1, c_{T-1} = 0)
//!            d_t  = α g_t ⊙ (1 - tanh²(a_t))
//!            c_{t-1} = (1 - α) g_t + Wᵀ d_t
//!            ∂W_out += dz_t h_tᵀ,  ∂b_out += dz_t,  ∂W_in += d_t x_tᵀ,  ∂b_rec += d_t
//!            ∂W_rec += (d_t h_{t-1}ᵀ) ⊙ ∂c/∂W_rec
//! ```
//!
//! The constraint map, written out independently of [`crate::model::Constraints`]' own
//! code: `c(W_rec)_ij = M_ij [i ≠ j if no self-connections] · (|W_rec,ij| d_j with Dale's
//! law, else W_rec,ij)`, `∂c/∂W_rec,ij` = the same factor times `sgn(W_rec,ij) d_j`; with
//! Dale's non-negative inputs `W_in → |W_in|`; with its excitatory readout W_out's columns
//! of inhibitory units → 0. The sparse mask `M` is taken from `Constraints::mask`.

use crate::model::Network;
use crate::task::Batch;

/// Loss and gradients, the gradients in the order of `Network::params`
/// (`[W_in, W_rec, b_rec, W_out, b_out]`, the network's shapes; ∂b_rec is zero without a
/// recurrent bias).
pub struct Reference {
    /// The loss.
    pub loss: f64,
    /// The gradients.
    pub grads: [Vec<f64>; 5],
}

/// Loss and exact gradient of a vanilla network on `batch` (`mask` laid out like `batch.y`).
pub fn loss_and_grad(net: &Network, batch: &Batch, mask: Option<&[f32]>) -> Reference {
    let (n, ki, ko) = (net.config.hidden, batch.inputs, batch.outputs);
    let (tl, nb, alpha) = (batch.trial_len, batch.batch, net.config.alpha as f64);
    let f = |v: &[f32]| v.iter().map(|x| *x as f64).collect::<Vec<f64>>();
    let cons = &net.config.constraints;
    let dale = cons.dale;
    let e = cons.excitatory_units(n);
    let sign = |j: usize| if dale.is_some() && j >= e { -1.0 } else { 1.0 };
    let sgn = |v: f32| if v < 0.0 { -1.0 } else { 1.0 };
    // ∂c/∂W_rec for each entry, and c(W_rec).
    let sparse = cons.mask(n);
    let dc: Vec<f64> = (0..n * n)
        .map(|p| {
            let (i, j) = (p / n, p % n);
            let kept = sparse[p] as f64
                * if cons.no_self_connections && i == j {
                    0.0
                } else {
                    1.0
                };
            if dale.is_some() {
                // sgn(0) = d_j, as the fast code: a weight at zero may leave it on its side.
                let w = net.w_rec[p];
                kept * if w == 0.0 { 1.0 } else { sgn(w) * sign(j) }
            } else {
                kept
            }
        })
        .collect();
    let w: Vec<f64> = (0..n * n)
        .map(|p| {
            let v = net.w_rec[p] as f64;
            let kept = if dc[p] == 0.0 { 0.0 } else { 1.0 };
            kept * if dale.is_some() {
                v.abs() * sign(p % n)
            } else {
                v
            }
        })
        .collect();
    let positive_inputs = dale.is_some_and(|d| d.positive_inputs);
    let e_readout = dale.is_some_and(|d| d.readout);
    let dc_in: Vec<f64> = net
        .w_in
        .iter()
        .map(|v| if positive_inputs { sgn(*v) } else { 1.0 })
        .collect();
    let w_in: Vec<f64> = net
        .w_in
        .iter()
        .map(|v| {
            if positive_inputs {
                v.abs() as f64
            } else {
                *v as f64
            }
        })
        .collect();
    let dc_out: Vec<f64> = (0..ko * n)
        .map(|p| if e_readout && p % n >= e { 0.0 } else { 1.0 })
        .collect();
    let w_out: Vec<f64> = (0..ko * n)
        .map(|p| dc_out[p] * net.w_out[p] as f64)
        .collect();
    let (b_rec, b_out) = (f(&net.b_rec), f(&net.b_out));
    let m = |idx: usize| mask.map_or(1.0, |m| m[idx] as f64);
    let msum: f64 = (0..batch.y.len())
        .map(m)
        .sum::<f64>()
        .max(f64::MIN_POSITIVE);
    let mut g = [
        vec![0.0; n * ki],
        vec![0.0; n * n],
        vec![0.0; n],
        vec![0.0; ko * n],
        vec![0.0; ko],
    ];
    let mut loss = 0.0;
    for b in 0..nb {
        // Index of (t, channel c) of this trial in x (k = inputs) or y (k = outputs).
        let at = |t: usize, k: usize, c: usize| (t * nb + b) * k + c;
        // Forward: hs[t + 1] = h_t, rs[t] = tanh(a_t), zs[t] = z_t.
        let (mut hs, mut rs, mut zs) = (vec![vec![0.0; n]], Vec::new(), Vec::new());
        for t in 0..tl {
            let hp = &hs[t];
            let r: Vec<f64> = (0..n)
                .map(|i| {
                    let rec: f64 = (0..n).map(|j| w[i * n + j] * hp[j]).sum();
                    let inp: f64 = (0..ki)
                        .map(|k| w_in[i * ki + k] * batch.x[at(t, ki, k)] as f64)
                        .sum();
                    (rec + inp + b_rec[i]).tanh()
                })
                .collect();
            let h: Vec<f64> = (0..n)
                .map(|i| (1.0 - alpha) * hp[i] + alpha * r[i])
                .collect();
            zs.push(
                (0..ko)
                    .map(|o| b_out[o] + (0..n).map(|j| w_out[o * n + j] * h[j]).sum::<f64>())
                    .collect::<Vec<_>>(),
            );
            rs.push(r);
            hs.push(h);
        }
        // Backward.
        let mut carry = vec![0.0; n];
        for t in (0..tl).rev() {
            let dz: Vec<f64> = (0..ko)
                .map(|o| {
                    let e = zs[t][o] - batch.y[at(t, ko, o)] as f64;
                    loss += m(at(t, ko, o)) * e * e / msum;
                    2.0 * m(at(t, ko, o)) * e / msum
                })
                .collect();
            let mut d = carry.clone();
            for o in 0..ko {
                g[4][o] += dz[o];
                for j in 0..n {
                    d[j] += w_out[o * n + j] * dz[o];
                    g[3][o * n + j] += dz[o] * hs[t + 1][j];
                }
            }
            let gt = d.clone();
            for i in 0..n {
                d[i] *= alpha * (1.0 - rs[t][i] * rs[t][i]);
            }
            for i in 0..n {
                if net.config.rec_bias {
                    g[2][i] += d[i];
                }
                (0..ki).for_each(|k| g[0][i * ki + k] += d[i] * batch.x[at(t, ki, k)] as f64);
                (0..n).for_each(|j| g[1][i * n + j] += d[i] * hs[t][j] * dc[i * n + j]);
            }
            carry = (0..n)
                .map(|j| (1.0 - alpha) * gt[j] + (0..n).map(|i| w[i * n + j] * d[i]).sum::<f64>())
                .collect();
        }
    }
    g[0].iter_mut().zip(&dc_in).for_each(|(g, c)| *g *= c);
    g[3].iter_mut().zip(&dc_out).for_each(|(g, c)| *g *= c);
    Reference { loss, grads: g }
}
