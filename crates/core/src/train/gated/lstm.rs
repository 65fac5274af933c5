//! The LSTM's batched forward pass and its BPTT. Per step, `H = H_{t-1}`, `C = C_{t-1}`,
//! gate blocks of W_rec `W_i, W_f, W_g, W_o`:
//!
//! ```text
//! forward:   P_q = X W_in,qᵀ + b_q + H W_qᵀ          (q = i, f, g, o)
//!            I = σ(P_i), F = σ(P_f), Γ = tanh(P_g), O = σ(P_o)
//!            C_t = F ⊙ C + I ⊙ Γ,   T = tanh(C_t),   H_t = O ⊙ T
//! backward:  G = ∂L/∂H_t,  K = ∂L/∂C_t (carried) + G ⊙ O ⊙ (1 - T²)
//!            D_i = K ⊙ Γ ⊙ σ'(I),  D_f = K ⊙ C ⊙ σ'(F),  D_g = K ⊙ I ⊙ (1 - Γ²),
//!            D_o = G ⊙ T ⊙ σ'(O)
//!            ∂C = K ⊙ F,   ∂H = Σ_q D_q W_q
//!            ∂W_q += D_qᵀ H,  ∂W_in,q += D_qᵀ X,  ∂b_q += Σ D_q
//! ```

use super::super::Tier;
use super::{column_sums, project, readout, readout_back, Workspace};
use crate::math::tanh;
use crate::model::Network;
use crate::task::Batch;

/// Stored blocks per step: I, F, Γ, O, C_t, tanh C_t.
const STORED: usize = 6;

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
    ws.shape(tl, b, n, k, false);
    let buf = &mut ws.gated;
    buf.shape(net, tl, b, STORED);
    for g in 0..4 {
        let w = &net.w_rec[g * n * n..(g + 1) * n * n];
        tier.pack(&mut buf.w_fwd[g], w, n, true);
    }
    ws.h[..bn].fill(0.0);
    for t in 0..tl {
        let (h_done, h_next) = ws.h.split_at_mut((t + 1) * bn);
        let hp = &h_done[t * bn..];
        let h_next = &mut h_next[..bn];
        let x_t = &batch.x[t * b * k..(t + 1) * b * k];
        let (done, now) = buf.acts.split_at_mut(t * STORED * bn);
        let c_prev = (t > 0).then(|| &done[(t - 1) * STORED * bn + 4 * bn..][..bn]);
        let acts = &mut now[..STORED * bn];
        for g in 0..4 {
            let block = &mut acts[g * bn..(g + 1) * bn];
            for (a, x) in block.chunks_exact_mut(n).zip(x_t.chunks_exact(k)) {
                project(a, x, &buf.w_in_t[g * k * n..], &net.b_rec[g * n..]);
            }
            if t > 0 {
                let w = &net.w_rec[g * n * n..(g + 1) * n * n];
                tier.a_b(hp, b, n, &buf.w_fwd[g], w, true, true, block, &[]);
            }
            if g == 2 {
                block.iter_mut().for_each(|v| *v = tanh(*v));
            } else {
                block.iter_mut().for_each(|v| *v = act.apply(*v));
            }
        }
        let (gates, rest) = acts.split_at_mut(4 * bn);
        let (cb, tb) = rest.split_at_mut(bn);
        for i in 0..bn {
            let cp = c_prev.map_or(0.0, |c| c[i]);
            let c = gates[bn + i] * cp + gates[i] * gates[2 * bn + i];
            cb[i] = c;
            tb[i] = tanh(c);
            h_next[i] = gates[3 * bn + i] * tb[i];
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
    let buf = &mut ws.gated;
    for g in 0..4 {
        let w = &net.w_rec[g * n * n..(g + 1) * n * n];
        tier.pack(&mut buf.w_bwd[g], w, n, false);
    }
    buf.gh.fill(0.0);
    buf.aux.fill(0.0);
    for t in (0..tl).rev() {
        let hp = &ws.h[t * bn..(t + 1) * bn];
        let h_t = &ws.h[(t + 1) * bn..(t + 2) * bn];
        let dz_t = &ws.z[t * b * k..(t + 1) * b * k];
        let x_t = &batch.x[t * b * k..(t + 1) * b * k];
        let acts = &buf.acts[t * STORED * bn..(t + 1) * STORED * bn];
        let c_prev = (t > 0).then(|| &buf.acts[(t - 1) * STORED * bn + 4 * bn..][..bn]);
        readout_back(k, &mut buf.gh, dz_t, &net.w_out, n);
        tier.at_b(b, dz_t, k, k, h_t, n, n, true, &mut grads.w_out);
        let d = &mut buf.d[..4 * bn];
        for i in 0..bn {
            let (ig, fg, gg, og) = (acts[i], acts[bn + i], acts[2 * bn + i], acts[3 * bn + i]);
            let tc = acts[5 * bn + i];
            let gh = buf.gh[i];
            let k = buf.aux[i] + gh * og * (1.0 - tc * tc);
            let cp = c_prev.map_or(0.0, |c| c[i]);
            d[i] = k * gg * act.derivative_from_output(ig);
            d[bn + i] = k * cp * act.derivative_from_output(fg);
            d[2 * bn + i] = k * ig * (1.0 - gg * gg);
            d[3 * bn + i] = gh * tc * act.derivative_from_output(og);
            buf.aux[i] = k * fg;
        }
        for g in 0..4 {
            let dg = &d[g * bn..(g + 1) * bn];
            if t > 0 {
                let w = &net.w_rec[g * n * n..(g + 1) * n * n];
                tier.a_b(
                    dg,
                    b,
                    n,
                    &buf.w_bwd[g],
                    w,
                    false,
                    g > 0,
                    &mut buf.gh_prev,
                    &[],
                );
                let gw = &mut grads.w_rec[g * n * n..(g + 1) * n * n];
                tier.at_b(b, dg, n, n, hp, n, n, true, gw);
            }
            let gw = &mut buf.gw_in_t[g * k * n..(g + 1) * k * n];
            tier.at_b(b, x_t, k, k, dg, n, n, true, gw);
            column_sums(&mut grads.b_rec[g * n..(g + 1) * n], dg, n);
        }
        std::mem::swap(&mut buf.gh, &mut buf.gh_prev);
    }
}
