//! Training of the gated cells (GRU, LSTM): the batched forward pass and its exact BPTT,
//! side by side per cell (`gru.rs`, `lstm.rs`). Equations and layout in
//! [`crate::model::cell`]; the gradients are checked against finite differences of an
//! independent f64 model in `tests/gradients_gated.rs`.
//!
//! Layout: time-major like the vanilla cell (`H_t` is the `B × N` block `t + 1` of the
//! workspace's H, block 0 the zero state). Per time step the cell stores `S` blocks of
//! `B × N` activations (GRU: `z, r, h̃, u` with `u` the recurrent product of the candidate
//! (reset_after) or `r ⊙ h_{t-1}`; LSTM: `i, f, g, o, c, tanh c`). The recurrent products
//! of a step are one packed-panel product per gate block over the whole batch
//! (`H_{t-1} W_rec,gᵀ` forward, `D_g W_rec,g` backward), each gate's square block of W_rec
//! packed once per call; the weight gradients are summed at each step (`Tier::at_b`).

mod gru;
mod lstm;

use super::workspace::Workspace;
use super::Tier;
use crate::model::{CellKind, Network};
use crate::task::Batch;

/// Buffers of the gated cells, kept in the [`Workspace`] between steps.
#[derive(Clone, Debug, Default)]
pub(crate) struct Buffers {
    /// `T · S · B · N`: the stored activations of every step (see the module doc).
    acts: Vec<f32>,
    /// W_inᵀ per gate: `G` blocks of `K × N`.
    w_in_t: Vec<f32>,
    /// Per gate: its block of W_rec packed for the forward (transposed) product.
    w_fwd: Vec<Vec<f32>>,
    /// Per gate: its block of W_rec packed for the backward product.
    w_bwd: Vec<Vec<f32>>,
    /// `4 · B · N`: the pre-activation gradients `D` of the current step.
    d: Vec<f32>,
    /// `B · N` each: the carry `∂L/∂H_t` and the one being summed for `H_{t-1}`.
    gh: Vec<f32>,
    gh_prev: Vec<f32>,
    /// `B · N`: LSTM the carry `∂L/∂C_t`; GRU (reset_after false) `D_h̃ W_rec,h̃`.
    aux: Vec<f32>,
    /// ∂W_inᵀ per gate, `G` blocks of `K × N`.
    gw_in_t: Vec<f32>,
}

impl Buffers {
    fn shape(&mut self, net: &Network, trial_len: usize, batch: usize, stored: usize) {
        let (n, k, g) = (
            net.config.hidden,
            net.config.inputs(),
            net.config.cell.gates(),
        );
        let bn = batch * n;
        resize(&mut self.acts, trial_len * stored * bn);
        resize(&mut self.d, 4 * bn);
        resize(&mut self.gh, bn);
        resize(&mut self.gh_prev, bn);
        resize(&mut self.aux, bn);
        resize(&mut self.w_in_t, g * k * n);
        resize(&mut self.gw_in_t, g * k * n);
        self.w_fwd.resize_with(g, Vec::new);
        self.w_bwd.resize_with(g, Vec::new);
        for gate in 0..g {
            let w = &net.w_in[gate * n * k..(gate + 1) * n * k];
            let t = &mut self.w_in_t[gate * k * n..(gate + 1) * k * n];
            for i in 0..n {
                for j in 0..k {
                    t[j * n + i] = w[i * k + j];
                }
            }
        }
    }
}

fn resize(v: &mut Vec<f32>, len: usize) {
    if v.len() != len {
        v.clear();
        v.resize(len, 0.0);
    }
}

/// Forward pass of a gated network over a batch; leaves H and Z in the workspace and
/// returns the masked MSE `Σ m (z - y)² / Σ m`.
pub(super) fn forward(
    net: &Network,
    batch: &Batch,
    mask: Option<&[f32]>,
    ws: &mut Workspace,
) -> f32 {
    dispatch!(forward_tier(net: &Network, batch: &Batch, mask: Option<&[f32]>, ws: &mut Workspace) -> f32)
}

#[inline(always)]
fn forward_tier<S: Tier>(
    tier: S,
    net: &Network,
    batch: &Batch,
    mask: Option<&[f32]>,
    ws: &mut Workspace,
) -> f32 {
    super::forward::check_channels(net, batch);
    forward_cell(tier, net, batch, ws);
    masked_mse(&ws.z, &batch.y, mask)
}

#[inline(always)]
fn forward_cell<S: Tier>(tier: S, net: &Network, batch: &Batch, ws: &mut Workspace) {
    let k = net.config.outputs();
    match net.config.cell {
        CellKind::Gru => gru::forward(tier, k, net, batch, ws),
        _ => lstm::forward(tier, k, net, batch, ws),
    }
}

/// Loss and exact gradient of a gated network (see [`super::loss_and_grad`]).
pub(super) fn loss_and_grad(
    net: &Network,
    batch: &Batch,
    mask: Option<&[f32]>,
    ws: &mut Workspace,
    grads: &mut Network,
) -> f32 {
    dispatch!(loss_and_grad_tier(net: &Network, batch: &Batch, mask: Option<&[f32]>, ws: &mut Workspace, grads: &mut Network) -> f32)
}

#[inline(always)]
fn loss_and_grad_tier<S: Tier>(
    tier: S,
    net: &Network,
    batch: &Batch,
    mask: Option<&[f32]>,
    ws: &mut Workspace,
    grads: &mut Network,
) -> f32 {
    super::forward::check_channels(net, batch);
    let k = net.config.outputs();
    forward_cell(tier, net, batch, ws);
    let loss = masked_mse(&ws.z, &batch.y, mask);
    output_grad(&mut ws.z, &batch.y, mask);
    for p in grads.params_mut() {
        p.fill(0.0);
    }
    for row in ws.z.chunks_exact(k) {
        for (g, d) in grads.b_out.iter_mut().zip(row) {
            *g += d;
        }
    }
    match net.config.cell {
        CellKind::Gru => gru::backward(tier, k, net, batch, ws, grads),
        _ => lstm::backward(tier, k, net, batch, ws, grads),
    }
    // ∂W_in from the per-gate ∂W_inᵀ blocks.
    let (n, g) = (net.config.hidden, net.config.cell.gates());
    let gw = &ws.gated.gw_in_t;
    for gate in 0..g {
        for i in 0..n {
            for j in 0..k {
                grads.w_in[(gate * n + i) * k + j] = gw[gate * k * n + j * n + i];
            }
        }
    }
    if !net.config.rec_bias {
        grads.b_rec.fill(0.0);
    }
    loss
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

/// `Z ← dZ = 2 m (Z - Y) / Σ m`, in place.
fn output_grad(z: &mut [f32], y: &[f32], mask: Option<&[f32]>) {
    let denom = match mask {
        None => z.len() as f32,
        Some(m) => m.iter().sum::<f32>().max(f32::MIN_POSITIVE),
    };
    let scale = 2.0 / denom;
    for (i, (z, y)) in z.iter_mut().zip(y).enumerate() {
        let m = mask.map_or(1.0, |m| m[i]);
        *z = scale * m * (*z - y);
    }
}

/// `a = bias + Σ_j x[j] · w_in_t[j]` for one row (`a`, `bias`: N; `x`: K channels; `w_in_t`:
/// `K × N`), summed in the same order as the vanilla cell's `rows::project` (bias first,
/// then channel by channel), one vectorised pass over the N units per channel.
#[inline(always)]
fn project(a: &mut [f32], x: &[f32], w_in_t: &[f32], bias: &[f32]) {
    let n = a.len();
    a.copy_from_slice(&bias[..n]);
    for (j, &xj) in x.iter().enumerate() {
        for (v, w) in a.iter_mut().zip(&w_in_t[j * n..(j + 1) * n]) {
            *v += xj * w;
        }
    }
}

/// `z[r] = b_out + W_out h[r]` for every row `r` (`z`: `B × k`, `h`: `B × N`, `w_out`:
/// `k × N`). One output channel at a time through the tier's one-channel readout (each
/// channel's sum is the same lane by lane as in the K-channel kernel): the gated cells
/// take the number of channels at run time, which keeps one copy of their training code
/// per tier instead of one per channel count (a quarter of the worker's wasm).
#[inline(always)]
fn readout<S: Tier>(
    tier: S,
    k: usize,
    z: &mut [f32],
    h: &[f32],
    n: usize,
    w_out: &[f32],
    b_out: &[f32],
) {
    let rows = z.len() / k;
    let mut col = [0.0f32; 64];
    for start in (0..rows).step_by(col.len()) {
        let len = col.len().min(rows - start);
        let hs = &h[start * n..(start + len) * n];
        for o in 0..k {
            let out = &mut col[..len];
            tier.readout::<1>(out, hs, n, &w_out[o * n..(o + 1) * n], &b_out[o..o + 1]);
            for (r, v) in out.iter().enumerate() {
                z[(start + r) * k + o] = *v;
            }
        }
    }
}

/// `gh[r] += dZ[r] W_out` for every row `r` of the batch (`dz`: `B × k`, `gh`: `B × N`).
#[inline(always)]
fn readout_back(k: usize, gh: &mut [f32], dz: &[f32], w_out: &[f32], n: usize) {
    for (g, d) in gh.chunks_exact_mut(n).zip(dz.chunks_exact(k)) {
        for (o, dzo) in d.iter().enumerate() {
            for (gi, w) in g.iter_mut().zip(&w_out[o * n..(o + 1) * n]) {
                *gi += dzo * w;
            }
        }
    }
}

/// `acc[i] += Σ_r d[r · n + i]` (a bias gradient: the column sums of a `B × N` block).
#[inline(always)]
fn column_sums(acc: &mut [f32], d: &[f32], n: usize) {
    for row in d.chunks_exact(n) {
        for (a, v) in acc.iter_mut().zip(row) {
            *a += v;
        }
    }
}
