//! The autonomous one-step map `F(s)` (input zero) of each cell in f64, its Jacobian
//! `∂F/∂s` and the vector-Jacobian product `Jᵀ v`, on the full state `s` (`h`; `[h; c]` for
//! an LSTM). Equations of the cells in [`crate::model::cell`]; with `x = 0` the input
//! products vanish and only the biases remain.
//!
//! Jacobians, row `i`, with `σ'` the gate activation's slope and `W_z`, `W_r`, … the gate
//! blocks of `W_rec`:
//!
//! ```text
//! GRU, reset_after:   J = diag(z) + diag((h - h̃) σ'_z) W_z
//!                         + diag((1 - z)(1 - h̃²)) (diag(u_h̃ σ'_r) W_r + diag(r) W_h̃)
//! GRU, reset before:  J = diag(z) + diag((h - h̃) σ'_z) W_z
//!                         + diag((1 - z)(1 - h̃²)) W_h̃ (diag(r) + diag(h σ'_r) W_r)
//! LSTM, k = o (1 - tanh² c'):
//!   ∂c'/∂h = diag(c σ'_f) W_f + diag(g σ'_i) W_i + diag(i (1 - g²)) W_c,   ∂c'/∂c = diag(f)
//!   ∂h'/∂h = diag(tanh(c') σ'_o) W_o + diag(k) ∂c'/∂h,                    ∂h'/∂c = diag(k f)
//! ```
//!
//! The vanilla cell keeps its own closed forms in `point.rs` (and its batched descent); the
//! functions here cover it too so that every cell can be checked the same way.

use crate::model::{CellKind, GateActivation, Network};
use nalgebra::DMatrix;

/// `σ(x)` in f64.
fn gate(act: GateActivation, x: f64) -> f64 {
    match act {
        GateActivation::Sigmoid => 1.0 / (1.0 + (-x).exp()),
        GateActivation::HardSigmoidKeras2 => (0.2 * x + 0.5).clamp(0.0, 1.0),
        GateActivation::HardSigmoidKeras3 => (x / 6.0 + 0.5).clamp(0.0, 1.0),
    }
}

/// `σ'(x)` from `y = σ(x)` in f64 (the hard sigmoids: their slope strictly inside (0, 1)).
fn gate_slope(act: GateActivation, y: f64) -> f64 {
    let inside = |s: f64| if y > 0.0 && y < 1.0 { s } else { 0.0 };
    match act {
        GateActivation::Sigmoid => y * (1.0 - y),
        GateActivation::HardSigmoidKeras2 => inside(0.2),
        GateActivation::HardSigmoidKeras3 => inside(1.0 / 6.0),
    }
}

/// Rows `rows` of `W_rec` (`G·N × N`) times `v` (N), plus the bias slice `b` if given.
fn rec_rows(net: &Network, rows: std::ops::Range<usize>, v: &[f64], b: Option<&[f32]>) -> Vec<f64> {
    let n = net.config.hidden;
    rows.enumerate()
        .map(|(k, r)| {
            let row = &net.w_rec[r * n..(r + 1) * n];
            let acc: f64 = row.iter().zip(v).map(|(w, x)| *w as f64 * x).sum();
            acc + b.map_or(0.0, |b| b[k] as f64)
        })
        .collect()
}

/// `out += W_blockᵀ v` for gate block `g` of `W_rec` (`v`: N, `out`: N).
fn add_block_t(net: &Network, g: usize, v: &[f64], out: &mut [f64]) {
    let n = net.config.hidden;
    for (i, vi) in v.iter().enumerate() {
        if *vi == 0.0 {
            continue;
        }
        let row = &net.w_rec[(g * n + i) * n..(g * n + i + 1) * n];
        for (o, w) in out.iter_mut().zip(row) {
            *o += *w as f64 * vi;
        }
    }
}

/// The gate values of one autonomous step, per cell, with what the Jacobian needs.
enum Gates {
    Vanilla {
        r: Vec<f64>,
    },
    Gru {
        z: Vec<f64>,
        r: Vec<f64>,
        cand: Vec<f64>,
        /// `u_h̃ = W_h̃ h + b_h̃` (reset_after; zeros otherwise).
        uh: Vec<f64>,
    },
    Lstm {
        i: Vec<f64>,
        f: Vec<f64>,
        g: Vec<f64>,
        o: Vec<f64>,
        /// tanh(c').
        tc: Vec<f64>,
    },
}

/// One autonomous step from `s`: `(F(s), gates)`.
fn forward(net: &Network, s: &[f64]) -> (Vec<f64>, Gates) {
    let n = net.config.hidden;
    let act = net.config.recurrent_activation;
    let b = &net.b_rec;
    match net.config.cell {
        CellKind::Vanilla => {
            let alpha = net.config.alpha as f64;
            let r: Vec<f64> = rec_rows(net, 0..n, s, Some(&b[..n]))
                .into_iter()
                .map(f64::tanh)
                .collect();
            let next = s
                .iter()
                .zip(&r)
                .map(|(h, r)| (1.0 - alpha) * h + alpha * r)
                .collect();
            (next, Gates::Vanilla { r })
        }
        CellKind::Gru => {
            let h = &s[..n];
            // With x = 0 the input part is its bias b_x (the first 3N of b_rec).
            let (z, r, cand, uh);
            if net.config.reset_after {
                let u = rec_rows(net, 0..3 * n, h, Some(&b[3 * n..6 * n]));
                z = (0..n)
                    .map(|i| gate(act, b[i] as f64 + u[i]))
                    .collect::<Vec<_>>();
                r = (0..n)
                    .map(|i| gate(act, b[n + i] as f64 + u[n + i]))
                    .collect::<Vec<_>>();
                cand = (0..n)
                    .map(|i| (b[2 * n + i] as f64 + r[i] * u[2 * n + i]).tanh())
                    .collect::<Vec<_>>();
                uh = u[2 * n..].to_vec();
            } else {
                let u = rec_rows(net, 0..2 * n, h, Some(&b[..2 * n]));
                z = (0..n).map(|i| gate(act, u[i])).collect::<Vec<_>>();
                r = (0..n).map(|i| gate(act, u[n + i])).collect::<Vec<_>>();
                let rh: Vec<f64> = r.iter().zip(h).map(|(r, h)| r * h).collect();
                cand = rec_rows(net, 2 * n..3 * n, &rh, Some(&b[2 * n..3 * n]))
                    .into_iter()
                    .map(f64::tanh)
                    .collect();
                uh = vec![0.0; n];
            }
            let next = (0..n)
                .map(|i| z[i] * h[i] + (1.0 - z[i]) * cand[i])
                .collect();
            (next, Gates::Gru { z, r, cand, uh })
        }
        CellKind::Lstm => {
            let (h, c) = s.split_at(n);
            let a = rec_rows(net, 0..4 * n, h, Some(&b[..4 * n]));
            let i: Vec<f64> = (0..n).map(|k| gate(act, a[k])).collect();
            let f: Vec<f64> = (0..n).map(|k| gate(act, a[n + k])).collect();
            let g: Vec<f64> = (0..n).map(|k| a[2 * n + k].tanh()).collect();
            let o: Vec<f64> = (0..n).map(|k| gate(act, a[3 * n + k])).collect();
            let c2: Vec<f64> = (0..n).map(|k| f[k] * c[k] + i[k] * g[k]).collect();
            let tc: Vec<f64> = c2.iter().map(|v| v.tanh()).collect();
            let mut next: Vec<f64> = (0..n).map(|k| o[k] * tc[k]).collect();
            next.extend_from_slice(&c2);
            (next, Gates::Lstm { i, f, g, o, tc })
        }
    }
}

/// `F(s)`: one autonomous step (input zero) of the full state `s`
/// ([`CellKind::state_size`] floats), in f64.
pub fn map(net: &Network, s: &[f64]) -> Vec<f64> {
    forward(net, s).0
}

/// `q(s) = ½ |F(s) - s|²` in f64, for any cell.
pub(super) fn q_full(net: &Network, s: &[f64]) -> f64 {
    0.5 * map(net, s)
        .iter()
        .zip(s)
        .map(|(f, s)| (f - s) * (f - s))
        .sum::<f64>()
}

/// The Jacobian `∂F/∂s` at `s` (`S × S`, `S` = [`CellKind::state_size`]), analytic (module doc).
pub fn full_jacobian(net: &Network, s: &[f64]) -> DMatrix<f64> {
    let n = net.config.hidden;
    let act = net.config.recurrent_activation;
    let size = net.config.cell.state_size(n);
    let w = |g: usize, i: usize, j: usize| net.w_rec[(g * n + i) * n + j] as f64;
    let mut jac = DMatrix::<f64>::zeros(size, size);
    match forward(net, s).1 {
        Gates::Vanilla { r } => {
            let alpha = net.config.alpha as f64;
            for i in 0..n {
                let d = alpha * (1.0 - r[i] * r[i]);
                for j in 0..n {
                    jac[(i, j)] = d * w(0, i, j);
                }
                jac[(i, i)] += 1.0 - alpha;
            }
        }
        Gates::Gru { z, r, cand, uh } => {
            let h = &s[..n];
            for i in 0..n {
                let a = (h[i] - cand[i]) * gate_slope(act, z[i]);
                let bc = (1.0 - z[i]) * (1.0 - cand[i] * cand[i]);
                for j in 0..n {
                    jac[(i, j)] = a * w(0, i, j);
                }
                jac[(i, i)] += z[i];
                if net.config.reset_after {
                    let cr = uh[i] * gate_slope(act, r[i]);
                    for j in 0..n {
                        jac[(i, j)] += bc * (cr * w(1, i, j) + r[i] * w(2, i, j));
                    }
                } else {
                    // bc · W_h̃ (diag(r) + diag(h σ'_r) W_r), row i.
                    for k in 0..n {
                        let whk = bc * w(2, i, k);
                        if whk == 0.0 {
                            continue;
                        }
                        jac[(i, k)] += whk * r[k];
                        let dk = whk * h[k] * gate_slope(act, r[k]);
                        for j in 0..n {
                            jac[(i, j)] += dk * w(1, k, j);
                        }
                    }
                }
            }
        }
        Gates::Lstm { i, f, g, o, tc } => {
            let c = &s[n..];
            for k in 0..n {
                let kk = o[k] * (1.0 - tc[k] * tc[k]);
                let dcf = c[k] * gate_slope(act, f[k]);
                let dci = g[k] * gate_slope(act, i[k]);
                let dcg = i[k] * (1.0 - g[k] * g[k]);
                let dho = tc[k] * gate_slope(act, o[k]);
                for j in 0..n {
                    let dc = dci * w(0, k, j) + dcf * w(1, k, j) + dcg * w(2, k, j);
                    jac[(n + k, j)] = dc;
                    jac[(k, j)] = dho * w(3, k, j) + kk * dc;
                }
                jac[(n + k, n + k)] = f[k];
                jac[(k, n + k)] = kk * f[k];
            }
        }
    }
    jac
}

/// `(F(s) - s, Jᵀ (F(s) - s) - (F(s) - s))`: the residual and the gradient of
/// `q = ½ |F(s) - s|²` at `s`, without forming the Jacobian (two passes over `W_rec`).
pub(super) fn residual_and_grad(net: &Network, s: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let n = net.config.hidden;
    let act = net.config.recurrent_activation;
    let (next, gates) = forward(net, s);
    let e: Vec<f64> = next.iter().zip(s).map(|(f, s)| f - s).collect();
    // jt = Jᵀ e
    let mut jt = vec![0.0; s.len()];
    match gates {
        Gates::Vanilla { r } => {
            let alpha = net.config.alpha as f64;
            let v: Vec<f64> = (0..n).map(|i| alpha * (1.0 - r[i] * r[i]) * e[i]).collect();
            add_block_t(net, 0, &v, &mut jt);
            for (j, ei) in jt.iter_mut().zip(&e) {
                *j += (1.0 - alpha) * ei;
            }
        }
        Gates::Gru { z, r, cand, uh } => {
            let h = &s[..n];
            let va: Vec<f64> = (0..n)
                .map(|i| (h[i] - cand[i]) * gate_slope(act, z[i]) * e[i])
                .collect();
            let vb: Vec<f64> = (0..n)
                .map(|i| (1.0 - z[i]) * (1.0 - cand[i] * cand[i]) * e[i])
                .collect();
            add_block_t(net, 0, &va, &mut jt);
            if net.config.reset_after {
                let vr: Vec<f64> = (0..n)
                    .map(|i| vb[i] * uh[i] * gate_slope(act, r[i]))
                    .collect();
                let vh: Vec<f64> = (0..n).map(|i| vb[i] * r[i]).collect();
                add_block_t(net, 1, &vr, &mut jt);
                add_block_t(net, 2, &vh, &mut jt);
            } else {
                // p = W_h̃ᵀ vb; then diag(r) p + W_rᵀ (h σ'_r ⊙ p).
                let mut p = vec![0.0; n];
                add_block_t(net, 2, &vb, &mut p);
                let vr: Vec<f64> = (0..n)
                    .map(|k| p[k] * h[k] * gate_slope(act, r[k]))
                    .collect();
                for k in 0..n {
                    jt[k] += r[k] * p[k];
                }
                add_block_t(net, 1, &vr, &mut jt);
            }
            for i in 0..n {
                jt[i] += z[i] * e[i];
            }
        }
        Gates::Lstm { i, f, g, o, tc } => {
            let c = &s[n..];
            let (eh, ec) = e.split_at(n);
            // Gradient reaching c': from h' through o ⊙ tanh(c'), and from c' itself.
            let gc: Vec<f64> = (0..n)
                .map(|k| ec[k] + eh[k] * o[k] * (1.0 - tc[k] * tc[k]))
                .collect();
            let vi: Vec<f64> = (0..n)
                .map(|k| gc[k] * g[k] * gate_slope(act, i[k]))
                .collect();
            let vf: Vec<f64> = (0..n)
                .map(|k| gc[k] * c[k] * gate_slope(act, f[k]))
                .collect();
            let vg: Vec<f64> = (0..n).map(|k| gc[k] * i[k] * (1.0 - g[k] * g[k])).collect();
            let vo: Vec<f64> = (0..n)
                .map(|k| eh[k] * tc[k] * gate_slope(act, o[k]))
                .collect();
            let (jh, jc) = jt.split_at_mut(n);
            for (gate_index, v) in [vi, vf, vg, vo].iter().enumerate() {
                add_block_t(net, gate_index, v, jh);
            }
            for k in 0..n {
                jc[k] = f[k] * gc[k];
            }
        }
    }
    let grad = jt.iter().zip(&e).map(|(j, e)| j - e).collect();
    (e, grad)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ModelConfig;

    /// Small random gated networks of each kind (weights scaled up so gates saturate
    /// partly and every term of the Jacobian matters).
    fn nets() -> Vec<Network> {
        let mut out = Vec::new();
        let variants = [
            (CellKind::Vanilla, true, GateActivation::Sigmoid, 0.7f32),
            (CellKind::Gru, true, GateActivation::Sigmoid, 1.0),
            (CellKind::Gru, false, GateActivation::Sigmoid, 1.0),
            (CellKind::Gru, false, GateActivation::HardSigmoidKeras2, 1.0),
            (CellKind::Lstm, true, GateActivation::Sigmoid, 1.0),
            (CellKind::Lstm, true, GateActivation::HardSigmoidKeras3, 1.0),
        ];
        for (seed, (cell, reset_after, act, alpha)) in variants.into_iter().enumerate() {
            let cfg = ModelConfig {
                hidden: 5,
                bits: 2,
                cell,
                alpha,
                rec_bias: true,
                reset_after,
                recurrent_activation: act,
                ..ModelConfig::default()
            };
            let mut net = Network::init(&cfg, seed as u64 + 3);
            let mut rng = crate::rng::SeedRng::new(seed as u64, crate::rng::Purpose::Other);
            for w in net.w_rec.iter_mut() {
                *w *= 2.0;
            }
            for b in net.b_rec.iter_mut() {
                *b = 0.5 * rng.normal() as f32;
            }
            out.push(net);
        }
        out
    }

    fn state(net: &Network, seed: u64) -> Vec<f64> {
        let size = net.config.cell.state_size(net.config.hidden);
        let mut rng = crate::rng::SeedRng::new(seed, crate::rng::Purpose::Other);
        (0..size).map(|_| 0.6 * rng.normal()).collect()
    }

    #[test]
    fn map_agrees_with_the_network_step() {
        for net in nets() {
            let s = state(&net, 1);
            let mut s32: Vec<f32> = s.iter().map(|v| *v as f32).collect();
            let mut scratch = vec![0.0; net.config.cell.scratch_size(net.config.hidden)];
            net.step(&mut s32, &vec![0.0; net.config.inputs()], &mut scratch);
            let f = map(&net, &s);
            for (a, b) in f.iter().zip(&s32) {
                assert!(
                    (a - *b as f64).abs() < 1e-5,
                    "{:?}: {a} vs {b}",
                    net.config.cell
                );
            }
        }
    }

    #[test]
    fn jacobian_matches_central_differences() {
        for net in nets() {
            for seed in 0..3 {
                let s = state(&net, seed + 10);
                let jac = full_jacobian(&net, &s);
                let eps = 1e-6;
                for j in 0..s.len() {
                    let (mut sp, mut sm) = (s.clone(), s.clone());
                    sp[j] += eps;
                    sm[j] -= eps;
                    let (fp, fm) = (map(&net, &sp), map(&net, &sm));
                    for i in 0..s.len() {
                        let fd = (fp[i] - fm[i]) / (2.0 * eps);
                        assert!(
                            (fd - jac[(i, j)]).abs() < 1e-6 * (1.0 + fd.abs()),
                            "{:?} reset_after {} {:?}: J[{i},{j}] = {} vs {fd}",
                            net.config.cell,
                            net.config.reset_after,
                            net.config.recurrent_activation,
                            jac[(i, j)]
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn gradient_of_q_is_the_transposed_jacobian_product() {
        for net in nets() {
            let s = state(&net, 7);
            let (e, grad) = residual_and_grad(&net, &s);
            let jac = full_jacobian(&net, &s);
            for j in 0..s.len() {
                let want: f64 = (0..s.len()).map(|i| jac[(i, j)] * e[i]).sum::<f64>() - e[j];
                assert!((grad[j] - want).abs() < 1e-10, "{:?}", net.config.cell);
                // and the finite difference of q itself
                let eps = 1e-6;
                let (mut sp, mut sm) = (s.clone(), s.clone());
                sp[j] += eps;
                sm[j] -= eps;
                let fd = (q_full(&net, &sp) - q_full(&net, &sm)) / (2.0 * eps);
                assert!(
                    (fd - grad[j]).abs() < 1e-6,
                    "{:?}: {fd} vs {}",
                    net.config.cell,
                    grad[j]
                );
            }
        }
    }
}
