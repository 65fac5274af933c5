//! Backpropagation through time: the exact gradient of the loss of [`super::forward`].

use super::forward::{check_channels, forward_k};
use super::workspace::Workspace;
use super::{rows, Tier};
use crate::kernels::AT_B_CHUNK;
use crate::model::{CellKind, Network};
use crate::task::Batch;

/// Loss and its exact gradient with respect to every parameter, written into `grads`
/// (which must have the network's shapes). `mask`, when given, weights each output (see
/// [`super::forward`]). The gradients go through the model's constraints (chain rule,
/// [`crate::model::Constraints::chain_grads`]; e.g. a zero diagonal for
/// `no_self_connections`); the network's weights must satisfy them (as every network the
/// trainer holds does), since the kernels read the stored matrices as the effective ones.
///
/// # Panics
/// As [`super::forward`].
pub fn loss_and_grad(
    net: &Network,
    batch: &Batch,
    mask: Option<&[f32]>,
    ws: &mut Workspace,
    grads: &mut Network,
) -> f32 {
    // The cell is chosen once per call; the kernels below are the vanilla cell's (the gated
    // cells' are in `gated/`).
    let loss = match net.config.cell {
        CellKind::Vanilla => vanilla(net, batch, mask, ws, grads),
        CellKind::Gru | CellKind::Lstm => super::gated::loss_and_grad(net, batch, mask, ws, grads),
    };
    let constraints = &net.config.constraints;
    if !constraints.is_none() {
        constraints.chain_grads(net, grads);
    }
    loss
}

fn vanilla(
    net: &Network,
    batch: &Batch,
    mask: Option<&[f32]>,
    ws: &mut Workspace,
    grads: &mut Network,
) -> f32 {
    dispatch!(loss_and_grad_impl(net: &Network, batch: &Batch, mask: Option<&[f32]>, ws: &mut Workspace, grads: &mut Network) -> f32)
}

#[inline(always)]
pub(super) fn loss_and_grad_impl<S: Tier>(
    tier: S,
    net: &Network,
    batch: &Batch,
    mask: Option<&[f32]>,
    ws: &mut Workspace,
    grads: &mut Network,
) -> f32 {
    check_channels(net, batch);
    by_channels!(
        net.config.inputs(),
        net.config.outputs(),
        loss_and_grad_k::<S>(tier, net, batch, mask, ws, grads)
    )
}

#[inline(always)]
fn loss_and_grad_k<const KI: usize, const KO: usize, S: Tier>(
    tier: S,
    net: &Network,
    batch: &Batch,
    mask: Option<&[f32]>,
    ws: &mut Workspace,
    grads: &mut Network,
) -> f32 {
    let loss = forward_k::<KI, KO, S>(tier, net, batch, mask, ws);
    let n = net.config.hidden;
    let (trial_len, b) = (batch.trial_len, batch.batch);
    let (bn, tb) = (b * n, trial_len * b);
    let alpha = net.config.alpha;
    let leaky = alpha != 1.0;

    // dZ = 2 m (Z - Y) / Σ m, in place.
    let denom = match mask {
        None => ws.z.len() as f32,
        Some(m) => m.iter().sum::<f32>().max(f32::MIN_POSITIVE),
    };
    let scale = 2.0 / denom;
    match mask {
        None => {
            ws.z.iter_mut()
                .zip(&batch.y)
                .for_each(|(z, y)| *z = scale * (*z - y))
        }
        Some(m) => {
            ws.z.iter_mut()
                .zip(&batch.y)
                .zip(m)
                .for_each(|((z, y), m)| *z = scale * m * (*z - y))
        }
    }
    grads.w_out.fill(0.0);
    grads.w_rec.fill(0.0);
    ws.gw_in_t.clear();
    ws.gw_in_t.resize(KI * n, 0.0);
    grads.b_rec.fill(0.0);
    // ∂b_out = Σ dZ
    grads.b_out.fill(0.0);
    for row in ws.z.chunks_exact(KO) {
        for (g, d) in grads.b_out.iter_mut().zip(row) {
            *g += d;
        }
    }
    tier.pack(&mut ws.w_bwd, &net.w_rec, n, false);
    let block = S::BLOCK.min(b);
    // The SIMD tiers sum ∂W_rec over windows of `window` steps, about `AT_B_CHUNK` rows (a
    // batch of 16 fills one in 4 steps: one product over 64 rows runs faster than four over
    // 16, as the packing and the passes over C are shared). G_t (then D_t) lives in block
    // `t % ring` of G: two windows (the one being written and the one to be summed), or
    // all steps for the portable tier, which sums ∂W_rec in one product at the end.
    let (window, ring) = if S::ROW_GRADS {
        (trial_len, trial_len)
    } else {
        let window = (AT_B_CHUNK / b).max(1);
        (window, (2 * window).min(trial_len))
    };
    let g_block = |t: usize| t % ring;
    let g_len = ring * bn;
    if ws.g.len() != g_len {
        ws.g.clear();
        ws.g.resize(g_len, 0.0);
    }
    // Backward through time. On entry to step t, G_t holds the carry from step t+1.
    ws.g[g_block(trial_len - 1) * bn..][..bn].fill(0.0);
    for t in (0..trial_len).rev() {
        let (g_t, mut g_prev) = if t > 0 {
            let (g_t, g_prev) = block_pair(&mut ws.g, g_block(t), g_block(t - 1), bn);
            (g_t, Some(g_prev))
        } else {
            (&mut ws.g[g_block(t) * bn..][..bn], None)
        };
        let h_t = &ws.h[(t + 1) * bn..(t + 2) * bn];
        let r_t = if leaky {
            &ws.r[t * bn..(t + 1) * bn]
        } else {
            h_t
        };
        let dz_t = &ws.z[t * b * KO..(t + 1) * b * KO];
        let x_t = &batch.x[t * b * KI..(t + 1) * b * KI];
        // A block of rows at a time: D_t of the block, then its share of G_{t-1}.
        for r0 in (0..b).step_by(block) {
            let rows = block.min(b - r0);
            for row in r0..r0 + rows {
                rows::backward::<KI, KO>(
                    &mut g_t[row * n..(row + 1) * n],
                    if leaky {
                        g_prev
                            .as_deref_mut()
                            .map(|gp| &mut gp[row * n..(row + 1) * n])
                    } else {
                        None
                    },
                    &h_t[row * n..(row + 1) * n],
                    &r_t[row * n..(row + 1) * n],
                    &dz_t[row * KO..(row + 1) * KO],
                    &x_t[row * KI..(row + 1) * KI],
                    &net.w_out,
                    &mut grads.w_out,
                    &mut ws.gw_in_t,
                    if net.config.rec_bias {
                        Some(&mut grads.b_rec)
                    } else {
                        None
                    },
                    alpha,
                    S::ROW_GRADS,
                );
            }
            // G_{t-1} = (1 - α) G_t + D_t W_rec
            if let Some(gp) = g_prev.as_deref_mut() {
                let span = r0 * n..(r0 + rows) * n;
                // H_{t-1} of the block, read by ∂W_rec when the step's window is summed.
                let ahead = if S::ROW_GRADS {
                    &[][..]
                } else {
                    &ws.h[t * bn + r0 * n..t * bn + (r0 + rows) * n]
                };
                tier.a_b(
                    &g_t[span.clone()],
                    rows,
                    n,
                    &ws.w_bwd,
                    &net.w_rec,
                    false,
                    leaky,
                    &mut gp[span],
                    ahead,
                );
            }
        }
        if !S::ROW_GRADS {
            // While this step's blocks are in cache: ∂W_out += dZ_tᵀ H_t, ∂W_inᵀ += X_tᵀ D_t.
            tier.at_b(b, dz_t, KO, KO, h_t, n, n, true, &mut grads.w_out);
            tier.at_b(b, x_t, KI, KI, g_t, n, n, true, &mut ws.gw_in_t);
            // At the first step of a window (t a multiple of `window`), its D blocks are
            // all done: ∂W_rec += Σ_s D_sᵀ H_{s-1} over its steps s, whose D blocks are
            // contiguous in the ring and whose H_{s-1} are contiguous in H (H_{-1} = 0:
            // step 0 is left out).
            if t % window == 0 {
                let (t0, t1) = (t.max(1), (t + window).min(trial_len));
                if t1 > t0 {
                    let rows = (t1 - t0) * b;
                    let d = &ws.g[g_block(t0) * bn..][..rows * n];
                    let h_prev = &ws.h[t0 * bn..t1 * bn];
                    tier.at_b(rows, d, n, n, h_prev, n, n, true, &mut grads.w_rec);
                }
            }
        }
    }
    if S::ROW_GRADS {
        // ∂W_rec = Σ_t D_tᵀ H_{t-1}: one GEMM over all steps (H_{-1} = 0).
        tier.at_b(
            tb,
            &ws.g,
            n,
            n,
            &ws.h[..tb * n],
            n,
            n,
            false,
            &mut grads.w_rec,
        );
    }
    transpose_into_slice(&mut grads.w_in, &ws.gw_in_t, KI, n);
    loss
}

/// `buf[start..start + len]`, and up to `ahead` floats of `buf` after it.
pub(super) fn block_and_ahead(
    buf: &mut [f32],
    start: usize,
    len: usize,
    ahead: usize,
) -> (&mut [f32], &[f32]) {
    let (cur, rest) = buf[start..].split_at_mut(len);
    let ahead = ahead.min(rest.len());
    (cur, &rest[..ahead])
}

/// Blocks `i` and `j` (`i != j`) of `bn` floats of `g`, both mutable.
fn block_pair(g: &mut [f32], i: usize, j: usize, bn: usize) -> (&mut [f32], &mut [f32]) {
    if i > j {
        let (lo, hi) = g.split_at_mut(i * bn);
        (&mut hi[..bn], &mut lo[j * bn..(j + 1) * bn])
    } else {
        let (lo, hi) = g.split_at_mut(j * bn);
        (&mut lo[i * bn..(i + 1) * bn], &mut hi[..bn])
    }
}

fn transpose_into_slice(dst: &mut [f32], src: &[f32], rows: usize, cols: usize) {
    for i in 0..rows {
        for j in 0..cols {
            dst[j * rows + i] = src[i * cols + j];
        }
    }
}
