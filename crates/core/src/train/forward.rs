//! The forward pass of a batch and its loss.

use super::bptt::block_and_ahead;
use super::workspace::Workspace;
use super::{rows, Tier};
use crate::math::tanh_in_place;
use crate::model::{CellKind, Network};
use crate::task::Batch;

/// Runs the batch forward, leaving H, R and Z in the workspace; returns the loss
/// `Σ m (z - y)² / Σ m` (`mask` laid out like `batch.y`; `None` = all ones).
///
/// # Panics
/// If the batch's channels differ from the network's (a caller's bug: tasks and models are
/// checked against each other by `Config::validate`).
pub fn forward(net: &Network, batch: &Batch, mask: Option<&[f32]>, ws: &mut Workspace) -> f32 {
    // The cell is chosen once per call; the kernels below are the vanilla cell's (the gated
    // cells' are in `gated/`).
    match net.config.cell {
        CellKind::Vanilla => vanilla(net, batch, mask, ws),
        CellKind::Gru | CellKind::Lstm => super::gated::forward(net, batch, mask, ws),
    }
}

fn vanilla(net: &Network, batch: &Batch, mask: Option<&[f32]>, ws: &mut Workspace) -> f32 {
    dispatch!(forward_impl(net: &Network, batch: &Batch, mask: Option<&[f32]>, ws: &mut Workspace) -> f32)
}

#[inline(always)]
pub(super) fn forward_impl<S: Tier>(
    tier: S,
    net: &Network,
    batch: &Batch,
    mask: Option<&[f32]>,
    ws: &mut Workspace,
) -> f32 {
    check_channels(net, batch);
    by_channels!(
        net.config.inputs(),
        net.config.outputs(),
        forward_k::<S>(tier, net, batch, mask, ws)
    )
}

#[inline(always)]
pub(super) fn forward_k<const KI: usize, const KO: usize, S: Tier>(
    tier: S,
    net: &Network,
    batch: &Batch,
    mask: Option<&[f32]>,
    ws: &mut Workspace,
) -> f32 {
    let n = net.config.hidden;
    let (trial_len, b) = (batch.trial_len, batch.batch);
    let alpha = net.config.alpha;
    let leaky = alpha != 1.0;
    ws.shape(trial_len, b, n, KO, leaky);
    let bn = b * n;
    transpose_into(&mut ws.w_in_t, &net.w_in, n, KI);
    tier.pack(&mut ws.w_fwd, &net.w_rec, n, true);
    let block = S::BLOCK.min(b);

    ws.h[..bn].fill(0.0);
    for t in 0..trial_len {
        let (h_prev_all, h_next_all) = ws.h.split_at_mut((t + 1) * bn);
        let h_prev = &h_prev_all[t * bn..];
        let x_t = &batch.x[t * b * KI..(t + 1) * b * KI];
        let z_t = &mut ws.z[t * b * KO..(t + 1) * b * KO];
        // A block of rows at a time: its product and element-wise work back to back.
        for r0 in (0..b).step_by(block) {
            let rows = block.min(b - r0);
            let span = r0 * n..(r0 + rows) * n;
            // Without leak A_t and R_t live in H_t's block; with leak in R's. `ahead`: the
            // next block of the same buffer, written next (fetched during the product).
            let (r_t, ahead) = if leaky {
                block_and_ahead(&mut ws.r[t * bn..], r0 * n, rows * n, block * n)
            } else {
                block_and_ahead(h_next_all, r0 * n, rows * n, block * n)
            };
            // A_t = b_rec + X_t W_inᵀ + H_{t-1} W_recᵀ
            for (a, x) in r_t
                .chunks_exact_mut(n)
                .zip(x_t[r0 * KI..(r0 + rows) * KI].chunks_exact(KI))
            {
                rows::project::<KI>(a, x, &ws.w_in_t, &net.b_rec);
            }
            if t > 0 {
                tier.a_b(
                    &h_prev[span.clone()],
                    rows,
                    n,
                    &ws.w_fwd,
                    &net.w_rec,
                    true,
                    true,
                    r_t,
                    ahead,
                );
            }
            tanh_in_place(r_t);
            if leaky {
                for ((h, hp), r) in h_next_all[span.clone()]
                    .iter_mut()
                    .zip(&h_prev[span.clone()])
                    .zip(ws.r[t * bn..(t + 1) * bn][span.clone()].iter())
                {
                    *h = (1.0 - alpha) * hp + alpha * r;
                }
            }
            // Z_t = H_t W_outᵀ + b_out
            tier.readout::<KO>(
                &mut z_t[r0 * KO..(r0 + rows) * KO],
                &h_next_all[span],
                n,
                &net.w_out,
                &net.b_out,
            );
        }
    }
    // Loss.
    let (mut sum, mut denom) = (0.0f64, 0.0f64);
    match mask {
        None => {
            for (z, y) in ws.z.iter().zip(&batch.y) {
                let d = (z - y) as f64;
                sum += d * d;
            }
            denom = ws.z.len() as f64;
        }
        Some(m) => {
            for ((z, y), m) in ws.z.iter().zip(&batch.y).zip(m) {
                let d = (z - y) as f64;
                sum += *m as f64 * d * d;
                denom += *m as f64;
            }
        }
    }
    if denom > 0.0 {
        (sum / denom) as f32
    } else {
        0.0
    }
}

fn transpose_into(dst: &mut Vec<f32>, src: &[f32], rows: usize, cols: usize) {
    dst.resize(rows * cols, 0.0);
    for i in 0..rows {
        for j in 0..cols {
            dst[j * rows + i] = src[i * cols + j];
        }
    }
}

/// The batch must have the network's channels (the kernels are compiled per channel shape,
/// see [`super::SUPPORTED_CHANNELS`]).
pub(super) fn check_channels(net: &Network, batch: &Batch) {
    let (ki, ko) = (net.config.inputs(), net.config.outputs());
    assert!(
        batch.inputs == ki && batch.outputs == ko,
        "batch channels {}/{} differ from the network's {ki}/{ko}",
        batch.inputs,
        batch.outputs
    );
}
