//! One point: the residual q and its Newton polish in f64, the Jacobian and its spectrum.

use super::FixedPoint;
use crate::analysis::eigenvalues_of;
use crate::model::Network;
use nalgebra::{DMatrix, DVector};

pub(super) fn dist(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y) * (x - y))
        .sum::<f64>()
        .sqrt()
}

fn wmat(net: &Network) -> DMatrix<f64> {
    let n = net.config.hidden;
    DMatrix::from_row_iterator(n, n, net.w_rec.iter().map(|v| *v as f64))
}

/// r = tanh(W h + b) in f64.
fn rvec(net: &Network, h: &[f64]) -> Vec<f64> {
    let n = net.config.hidden;
    (0..n)
        .map(|i| {
            let row = &net.w_rec[i * n..(i + 1) * n];
            let a: f64 =
                net.b_rec[i] as f64 + row.iter().zip(h).map(|(w, x)| *w as f64 * x).sum::<f64>();
            a.tanh()
        })
        .collect()
}

/// q(s) = ½ |F(s) - s|² in f64, `s` the full state ([`crate::model::CellKind::state_size`]
/// floats: `h`, or `[h; c]` for an LSTM). Vanilla: ½ α² |tanh(W h + b) - h|².
pub fn q_f64(net: &Network, h: &[f64]) -> f64 {
    if net.config.cell.is_gated() {
        return super::cells::q_full(net, h);
    }
    let alpha = net.config.alpha as f64;
    let r = rvec(net, h);
    0.5 * alpha * alpha * r.iter().zip(h).map(|(r, h)| (r - h) * (r - h)).sum::<f64>()
}

/// Where a Newton polish ended: the state, its q, and the length `|δ₁|` of the first full
/// Newton step from the start (0 when the start needed none).
pub(super) struct Polished {
    pub h: Vec<f64>,
    pub q: f64,
    pub first_step: f64,
}

/// Newton on e(h) = tanh(W h + b) - h = 0 with backtracking on q. Gated cells: Newton on
/// `F(s) - s = 0` with the Jacobian `J - I` of the full state.
pub(super) fn newton_polish(net: &Network, start: &[f64], iters: usize, tol: f64) -> Polished {
    if net.config.cell.is_gated() {
        return newton_gated(net, start, iters, tol);
    }
    let n = net.config.hidden;
    let w = wmat(net);
    let mut h = start.to_vec();
    let mut q = q_f64(net, &h);
    let mut first_step = None;
    for _ in 0..iters {
        if q < tol * 1e-4 {
            break;
        }
        let r = rvec(net, &h);
        let e = DVector::from_iterator(n, r.iter().zip(&h).map(|(r, h)| r - h));
        let mut j = w.clone();
        for i in 0..n {
            let d = 1.0 - r[i] * r[i];
            for c in 0..n {
                j[(i, c)] *= d;
            }
            j[(i, i)] -= 1.0;
        }
        let Some(delta) = j.lu().solve(&(-e)) else {
            break;
        };
        first_step.get_or_insert(delta.norm());
        let mut step = 1.0;
        let mut improved = false;
        for _ in 0..12 {
            let trial: Vec<f64> = h
                .iter()
                .zip(delta.iter())
                .map(|(h, d)| h + step * d)
                .collect();
            let qt = q_f64(net, &trial);
            if qt < q {
                h = trial;
                q = qt;
                improved = true;
                break;
            }
            step *= 0.5;
        }
        if !improved {
            break;
        }
    }
    Polished {
        h,
        q,
        first_step: first_step.unwrap_or(0.0),
    }
}

/// Newton with backtracking on `e(s) = F(s) - s` for the gated cells; returns (s, q).
fn newton_gated(net: &Network, start: &[f64], iters: usize, tol: f64) -> Polished {
    let mut s = start.to_vec();
    let mut q = q_f64(net, &s);
    let mut first_step = None;
    for _ in 0..iters {
        if q < tol * 1e-4 {
            break;
        }
        let f = super::cells::map(net, &s);
        let e = DVector::from_iterator(s.len(), f.iter().zip(&s).map(|(f, s)| f - s));
        let mut j = super::cells::full_jacobian(net, &s);
        for i in 0..s.len() {
            j[(i, i)] -= 1.0;
        }
        let Some(delta) = j.lu().solve(&(-e)) else {
            break;
        };
        first_step.get_or_insert(delta.norm());
        if !backtrack(net, &mut s, &mut q, delta.as_slice()) {
            break;
        }
    }
    Polished {
        h: s,
        q,
        first_step: first_step.unwrap_or(0.0),
    }
}

/// Tries `s + t δ` for t = 1, ½, … (12 halvings); takes the first that lowers q.
fn backtrack(net: &Network, s: &mut Vec<f64>, q: &mut f64, delta: &[f64]) -> bool {
    let mut step = 1.0;
    for _ in 0..12 {
        let trial: Vec<f64> = s.iter().zip(delta).map(|(h, d)| h + step * d).collect();
        let qt = q_f64(net, &trial);
        if qt < *q {
            *s = trial;
            *q = qt;
            return true;
        }
        step *= 0.5;
    }
    false
}

/// The Jacobian of F at the full state `h` (`S × S`, `S` = the cell's state size). Vanilla:
/// `(1 - α) I + α diag(1 - r²) W_rec`; gated cells: see the `cells` module's equations (an
/// LSTM's is `2N × 2N` over `[h; c]`, the first N rows and columns for h).
pub fn jacobian(net: &Network, h: &[f64]) -> DMatrix<f64> {
    if net.config.cell.is_gated() {
        return super::cells::full_jacobian(net, h);
    }
    let n = net.config.hidden;
    let alpha = net.config.alpha as f64;
    let r = rvec(net, h);
    let mut j = wmat(net);
    for i in 0..n {
        let d = alpha * (1.0 - r[i] * r[i]);
        for c in 0..n {
            j[(i, c)] *= d;
        }
        j[(i, i)] += 1.0 - alpha;
    }
    j
}

/// The point at `h` with its Jacobian spectrum. If the eigensolver gives up (see
/// [`crate::analysis::spectrum`]), the eigenvalue list is empty and the point is not called
/// stable: an unknown spectrum proves nothing.
pub(super) fn classify(net: &Network, h: &[f64], q: f64, tol: f64) -> FixedPoint {
    let j = jacobian(net, h);
    let eigenvalues = eigenvalues_of(j.clone()).unwrap_or_default();
    let unstable_dims = eigenvalues
        .iter()
        .filter(|z| z[0].hypot(z[1]) > 1.0)
        .count();
    let stable = !eigenvalues.is_empty()
        && unstable_dims == 0
        && eigenvalues.iter().all(|z| z[0].hypot(z[1]) < 1.0);
    let unstable_direction = eigenvalues
        .first()
        .filter(|z| z[0].hypot(z[1]) > 1.0 && z[1].abs() < 1e-9)
        .and_then(|z| real_eigenvector(&j, z[0]));
    let state: Vec<f32> = h.iter().map(|v| *v as f32).collect();
    let mut readout = vec![0.0f32; net.config.outputs()];
    net.readout(&state[..net.config.hidden], &mut readout);
    let nearest_memory = readout
        .iter()
        .map(|z| if *z >= 0.0 { 1 } else { -1 })
        .collect();
    FixedPoint {
        state,
        q,
        fixed: q < tol,
        stable,
        unstable_dims,
        eigenvalues,
        unstable_direction,
        readout,
        nearest_memory,
    }
}

/// Unit eigenvector of a real eigenvalue by inverse iteration; sign fixed so that the
/// largest-magnitude component is positive.
fn real_eigenvector(j: &DMatrix<f64>, lambda: f64) -> Option<Vec<f32>> {
    let n = j.nrows();
    let shift = lambda * (1.0 + 1e-10) + 1e-12;
    let mut m = j.clone();
    for i in 0..n {
        m[(i, i)] -= shift;
    }
    let lu = m.lu();
    let mut x = DVector::from_element(n, 1.0 / (n as f64).sqrt());
    for _ in 0..4 {
        let y = lu.solve(&x)?;
        let norm = y.norm();
        if !norm.is_finite() || norm == 0.0 {
            return None;
        }
        x = y / norm;
    }
    let imax = x.iamax();
    let sign = if x[imax] < 0.0 { -1.0 } else { 1.0 };
    Some(x.iter().map(|v| (sign * v) as f32).collect())
}
