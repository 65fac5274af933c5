//! Row kernels of the vanilla cell, specialised for the numbers of channels (`KI` inputs,
//! `KO` outputs) so that the short loops over channels unroll and the loops over the N units vectorise. Every sum runs in a fixed order.

/// `a = bias + Σ_j x[j] · w_in_t[j]` (one row of A_t before the recurrent product).
#[inline(always)]
pub fn project<const K: usize>(a: &mut [f32], x: &[f32], w_in_t: &[f32], bias: &[f32]) {
    let n = a.len();
    let w: [&[f32]; K] = core::array::from_fn(|j| &w_in_t[j * n..(j + 1) * n]);
    let bias = &bias[..n];
    let x: [f32; K] = core::array::from_fn(|j| x[j]);
    for i in 0..n {
        let mut s = bias[i];
        for j in 0..K {
            s += x[j] * w[j][i];
        }
        a[i] = s;
    }
}

/// One row of the backward step at time t:
/// `g += dZ W_out` (readout), `∂W_out += dz ⊗ h`, optional carry `g_prev = (1-α) g`,
/// `d = α g (1 - r²)` stored in `g`, `∂W_inᵀ += x ⊗ d`, `∂b_rec += d`. Without
/// `row_grads` the two outer-product sums are left to `Tier::at_b` after the loop.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
pub fn backward<const KI: usize, const KO: usize>(
    g: &mut [f32],
    g_prev: Option<&mut [f32]>,
    h: &[f32],
    r: &[f32],
    dz: &[f32],
    x: &[f32],
    w_out: &[f32],
    gw_out: &mut [f32],
    gw_in_t: &mut [f32],
    gb: Option<&mut [f32]>,
    alpha: f32,
    row_grads: bool,
) {
    let n = g.len();
    let (h, r) = (&h[..n], &r[..n]);
    let w: [&[f32]; KO] = core::array::from_fn(|o| &w_out[o * n..(o + 1) * n]);
    let dz: [f32; KO] = core::array::from_fn(|o| dz[o]);
    let x: [f32; KI] = core::array::from_fn(|j| x[j]);
    let gwo: [&mut [f32]; KO] = split_rows(gw_out, n);
    let gwi: [&mut [f32]; KI] = split_rows(gw_in_t, n);
    for i in 0..n {
        let mut gi = g[i];
        for o in 0..KO {
            gi += dz[o] * w[o][i];
            if row_grads {
                gwo[o][i] += dz[o] * h[i];
            }
        }
        g[i] = gi;
    }
    if let Some(gp) = g_prev {
        for (p, gi) in gp[..n].iter_mut().zip(g.iter()) {
            *p = (1.0 - alpha) * gi;
        }
    }
    for i in 0..n {
        let d = g[i] * (alpha * (1.0 - r[i] * r[i]));
        g[i] = d;
        if row_grads {
            for j in 0..KI {
                gwi[j][i] += x[j] * d;
            }
        }
    }
    if let Some(gb) = gb {
        for (b, d) in gb[..n].iter_mut().zip(g.iter()) {
            *b += d;
        }
    }
}

fn split_rows<const K: usize>(m: &mut [f32], n: usize) -> [&mut [f32]; K] {
    let mut rest = &mut m[..K * n];
    core::array::from_fn(|_| {
        let (row, tail) = core::mem::take(&mut rest).split_at_mut(n);
        rest = tail;
        row
    })
}
