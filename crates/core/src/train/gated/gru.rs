//! The GRU's batched forward pass and its BPTT. Per step, `P` the pre-activations, `σ` the
//! gate activation, `H = H_{t-1}`, gate blocks of W_rec `W_z, W_r, W_h`:
//!
//! ```text
//! forward (reset_after):  Z = σ(X W_in,zᵀ + b_x,z + b_h,z + H W_zᵀ)   R likewise
//!                         U = H W_hᵀ + b_h,h,   C = tanh(X W_in,hᵀ + b_x,h + R ⊙ U)
//! forward (reset before): U = R ⊙ H,            C = tanh(X W_in,hᵀ + b_h + U W_hᵀ)
//!                         H_t = Z ⊙ H + (1 - Z) ⊙ C
//! backward, G = ∂L/∂H_t:  D_z = G ⊙ (H - C) ⊙ σ'(Z),   D_c = G ⊙ (1 - Z) ⊙ (1 - C²)
//!   reset_after:          D_u = D_c ⊙ R,   D_r = D_c ⊙ U ⊙ σ'(R)
//!                         ∂H += G ⊙ Z + D_z W_z + D_r W_r + D_u W_h
//!                         ∂W_h += D_uᵀ H,  ∂b_x += Σ [D_z|D_r|D_c],  ∂b_h += Σ [D_z|D_r|D_u]
//!   reset before:         E = D_c W_h,   D_r = E ⊙ H ⊙ σ'(R)
//!                         ∂H += G ⊙ Z + E ⊙ R + D_z W_z + D_r W_r
//!                         ∂W_h += D_cᵀ U,  ∂b += Σ [D_z|D_r|D_c]
//!   both:                 ∂W_z += D_zᵀ H,  ∂W_r += D_rᵀ H,  ∂W_in,g += D_gᵀ X (g = z, r, c)
//! ```

use super::super::Tier;
use super::{column_sums, project, readout, readout_back, Workspace};
use crate::math::tanh;
use crate::model::Network;
use crate::task::Batch;

/// Stored blocks per step: Z, R, C (= h̃), U.
const STORED: usize = 4;

#[inline(always)]
pub(super) fn forward<S: Tier>(
    tier: S,
    k: usize,
    net: &Network,
    batch: &Batch,
    ws: &mut Workspace,
) {
    let n = net.config.hidden;
    let (tl, b) = (batch.trial_len, batch.batch);
    let bn = b * n;
    let act = net.config.recurrent_activation;
    let after = net.config.reset_after;
    ws.shape(tl, b, n, k, false);
    let buf = &mut ws.gated;
    buf.shape(net, tl, b, STORED);
    for g in 0..3 {
        let w = &net.w_rec[g * n * n..(g + 1) * n * n];
        tier.pack(&mut buf.w_fwd[g], w, n, true);
    }
    // Biases of the input projections: z and r carry both biases (reset_after), the
    // candidate only the input one; reset before, one bias for all.
    let (bx, bh) = if after {
        net.b_rec.split_at(3 * n)
    } else {
        (&net.b_rec[..], &[][..])
    };
    ws.h[..bn].fill(0.0);
    for t in 0..tl {
        let (h_done, h_next) = ws.h.split_at_mut((t + 1) * bn);
        let hp = &h_done[t * bn..];
        let h_next = &mut h_next[..bn];
        let x_t = &batch.x[t * b * k..(t + 1) * b * k];
        let acts = &mut buf.acts[t * STORED * bn..(t + 1) * STORED * bn];
        let (zb, rest) = acts.split_at_mut(bn);
        let (rb, rest) = rest.split_at_mut(bn);
        let (cb, ub) = rest.split_at_mut(bn);
        for (g, block) in [&mut *zb, &mut *rb].into_iter().enumerate() {
            for (a, x) in block.chunks_exact_mut(n).zip(x_t.chunks_exact(k)) {
                project(a, x, &buf.w_in_t[g * k * n..], &bx[g * n..]);
                if after {
                    for (v, c) in a.iter_mut().zip(&bh[g * n..(g + 1) * n]) {
                        *v += c;
                    }
                }
            }
            if t > 0 {
                let w = &net.w_rec[g * n * n..(g + 1) * n * n];
                tier.a_b(hp, b, n, &buf.w_fwd[g], w, true, true, block, &[]);
            }
            for v in block.iter_mut() {
                *v = act.apply(*v);
            }
        }
        for (a, x) in cb.chunks_exact_mut(n).zip(x_t.chunks_exact(k)) {
            project(a, x, &buf.w_in_t[2 * k * n..], &bx[2 * n..]);
        }
        let w_h = &net.w_rec[2 * n * n..3 * n * n];
        if after {
            for row in ub.chunks_exact_mut(n) {
                row.copy_from_slice(&bh[2 * n..3 * n]);
            }
            if t > 0 {
                tier.a_b(hp, b, n, &buf.w_fwd[2], w_h, true, true, ub, &[]);
            }
            for ((c, r), u) in cb.iter_mut().zip(rb.iter()).zip(ub.iter()) {
                *c = tanh(*c + r * u);
            }
        } else {
            for ((u, r), h) in ub.iter_mut().zip(rb.iter()).zip(hp) {
                *u = r * h;
            }
            if t > 0 {
                tier.a_b(ub, b, n, &buf.w_fwd[2], w_h, true, true, cb, &[]);
            }
            for c in cb.iter_mut() {
                *c = tanh(*c);
            }
        }
        for (((h, hp), z), c) in h_next.iter_mut().zip(hp).zip(zb.iter()).zip(cb.iter()) {
            *h = z * hp + (1.0 - z) * c;
        }
        let z_t = &mut ws.z[t * b * k..(t + 1) * b * k];
        readout(tier, k, z_t, h_next, n, &net.w_out, &net.b_out);
    }
}

/// BPTT after [`forward`]; `ws.z` holds dZ, the gradients are zero on entry.
#[inline(always)]
pub(super) fn backward<S: Tier>(
    tier: S,
    k: usize,
    net: &Network,
    batch: &Batch,
    ws: &mut Workspace,
    grads: &mut Network,
) {
    let n = net.config.hidden;
    let (tl, b) = (batch.trial_len, batch.batch);
    let bn = b * n;
    let act = net.config.recurrent_activation;
    let after = net.config.reset_after;
    let buf = &mut ws.gated;
    for g in 0..3 {
        let w = &net.w_rec[g * n * n..(g + 1) * n * n];
        tier.pack(&mut buf.w_bwd[g], w, n, false);
    }
    buf.gh.fill(0.0);
    let (gbx, gbh) = if after {
        grads.b_rec.split_at_mut(3 * n)
    } else {
        (&mut grads.b_rec[..], &mut [][..])
    };
    for t in (0..tl).rev() {
        let hp = &ws.h[t * bn..(t + 1) * bn];
        let h_t = &ws.h[(t + 1) * bn..(t + 2) * bn];
        let dz_t = &ws.z[t * b * k..(t + 1) * b * k];
        let x_t = &batch.x[t * b * k..(t + 1) * b * k];
        let acts = &buf.acts[t * STORED * bn..(t + 1) * STORED * bn];
        let (zb, rb, cb, ub) = (
            &acts[..bn],
            &acts[bn..2 * bn],
            &acts[2 * bn..3 * bn],
            &acts[3 * bn..],
        );
        readout_back(k, &mut buf.gh, dz_t, &net.w_out, n);
        tier.at_b(b, dz_t, k, k, h_t, n, n, true, &mut grads.w_out);
        // D blocks: 0 = D_z, 1 = D_r, 2 = D_c, 3 = D_u (reset_after).
        let (dz, rest) = buf.d.split_at_mut(bn);
        let (dr, rest) = rest.split_at_mut(bn);
        let (dc, rest) = rest.split_at_mut(bn);
        let du = &mut rest[..bn];
        for i in 0..bn {
            let (g, z, c) = (buf.gh[i], zb[i], cb[i]);
            dz[i] = g * (hp[i] - c) * act.derivative_from_output(z);
            dc[i] = g * (1.0 - z) * (1.0 - c * c);
            buf.gh_prev[i] = g * z;
        }
        let w_h = &net.w_rec[2 * n * n..3 * n * n];
        if after {
            for i in 0..bn {
                du[i] = dc[i] * rb[i];
                dr[i] = dc[i] * ub[i] * act.derivative_from_output(rb[i]);
            }
            if t > 0 {
                tier.a_b(
                    du,
                    b,
                    n,
                    &buf.w_bwd[2],
                    w_h,
                    false,
                    true,
                    &mut buf.gh_prev,
                    &[],
                );
            }
        } else {
            // E = D_c W_h (into aux), then D_r and E ⊙ R.
            tier.a_b(
                dc,
                b,
                n,
                &buf.w_bwd[2],
                w_h,
                false,
                false,
                &mut buf.aux,
                &[],
            );
            for i in 0..bn {
                let e = buf.aux[i];
                dr[i] = e * hp[i] * act.derivative_from_output(rb[i]);
                buf.gh_prev[i] += e * rb[i];
            }
        }
        if t > 0 {
            for (g, d) in [&*dz, &*dr].into_iter().enumerate() {
                let w = &net.w_rec[g * n * n..(g + 1) * n * n];
                tier.a_b(
                    d,
                    b,
                    n,
                    &buf.w_bwd[g],
                    w,
                    false,
                    true,
                    &mut buf.gh_prev,
                    &[],
                );
            }
            let nn = n * n;
            let (gwz, rest) = grads.w_rec.split_at_mut(nn);
            let (gwr, gwh) = rest.split_at_mut(nn);
            tier.at_b(b, dz, n, n, hp, n, n, true, gwz);
            tier.at_b(b, dr, n, n, hp, n, n, true, gwr);
            if after {
                tier.at_b(b, du, n, n, hp, n, n, true, gwh);
            } else {
                tier.at_b(b, dc, n, n, ub, n, n, true, gwh);
            }
        }
        for (g, d) in [&*dz, &*dr, &*dc].into_iter().enumerate() {
            let gw = &mut buf.gw_in_t[g * k * n..(g + 1) * k * n];
            tier.at_b(b, x_t, k, k, d, n, n, true, gw);
            column_sums(&mut gbx[g * n..(g + 1) * n], d, n);
        }
        if after {
            for (g, d) in [&*dz, &*dr, &*du].into_iter().enumerate() {
                column_sums(&mut gbh[g * n..(g + 1) * n], d, n);
            }
        }
        std::mem::swap(&mut buf.gh, &mut buf.gh_prev);
    }
}
