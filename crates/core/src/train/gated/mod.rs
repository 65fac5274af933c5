//! Training of the gated cells (GRU, LSTM): the batched forward pass and its exact BPTT.
//! Equations and layout in [`crate::model::cell`].

use super::workspace::Workspace;
use crate::model::Network;
use crate::task::Batch;

/// Forward pass of a gated network over a batch (interim: one trial at a time through
/// [`Network::step`]); leaves H and Z in the workspace and returns the masked MSE.
pub(super) fn forward(
    net: &Network,
    batch: &Batch,
    mask: Option<&[f32]>,
    ws: &mut Workspace,
) -> f32 {
    super::forward::check_channels(net, batch);
    let (n, k) = (net.config.hidden, net.config.outputs());
    let (tl, nb) = (batch.trial_len, batch.batch);
    ws.shape(tl, nb, n, k, false);
    let cell = net.config.cell;
    let mut s = vec![0.0f32; cell.state_size(n)];
    let mut scratch = vec![0.0f32; cell.scratch_size(n)];
    let ki = net.config.inputs();
    ws.h[..nb * n].fill(0.0);
    for b in 0..nb {
        s.fill(0.0);
        for t in 0..tl {
            net.step(&mut s, &batch.x[(t * nb + b) * ki..][..ki], &mut scratch);
            ws.h[((t + 1) * nb + b) * n..][..n].copy_from_slice(&s[..n]);
            net.readout(&s[..n], &mut ws.z[(t * nb + b) * k..][..k]);
        }
    }
    masked_mse(&ws.z, &batch.y, mask)
}

/// `Σ m (z - y)² / Σ m` (`mask` `None`: all ones; 0 when the mask sums to 0).
pub(super) fn masked_mse(z: &[f32], y: &[f32], mask: Option<&[f32]>) -> f32 {
    let (mut sum, mut denom) = (0.0f64, 0.0f64);
    for (i, (z, y)) in z.iter().zip(y).enumerate() {
        let m = mask.map_or(1.0, |m| m[i] as f64);
        let d = (z - y) as f64;
        sum += m * d * d;
        denom += m;
    }
    if denom > 0.0 {
        (sum / denom) as f32
    } else {
        0.0
    }
}
