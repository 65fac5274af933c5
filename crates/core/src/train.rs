//! Exact backpropagation through time, Adam, and a step-at-a-time trainer.
//!
//! Layout: everything is time-major, one contiguous block per step: the hidden states of the
//! whole batch at step `t` are the `B × N` row-major block `H_t`. The forward pass is
//!
//! ```text
//! A_t = H_{t-1} W_recᵀ + X_t W_inᵀ + b_rec        (X W_inᵀ for all t in one GEMM)
//! R_t = tanh(A_t),   H_t = (1 - α) H_{t-1} + α R_t,   Z = H W_outᵀ + b_out (one GEMM)
//! L   = Σ m (Z - Y)² / Σ m                          (m = mask, default all ones)
//! ```
//!
//! and the backward pass, with `G_t = ∂L/∂H_t` seeded by the readout `G = dZ W_out`:
//!
//! ```text
//! D_t = α G_t ⊙ (1 - R_t²)                            (∂L/∂A_t)
//! G_{t-1} += (1 - α) G_t + D_t W_rec
//! ∂W_rec = Σ_t D_tᵀ H_{t-1},  ∂W_in = Σ_t D_tᵀ X_t,  ∂b_rec = Σ_t 1ᵀ D_t
//! ∂W_out = dZᵀ H,  ∂b_out = 1ᵀ dZ
//! ```
//!
//! The products come from `crate::kernels`, one tier per instruction set. The portable tier
//! (WebAssembly) runs each step's recurrent product as one GEMM over the batch, sums the
//! input and readout gradients row by row, and ∂W_rec as one GEMM over all stacked blocks.
//! The x86-64 tiers pack W_rec (and W_recᵀ) once per call into panels, run each step a block
//! of rows at a time (product, then that block's element-wise work, while it is in L1), and
//! sum ∂W_rec, ∂W_in and ∂W_out at each step while its blocks are in cache, so BPTT keeps
//! only two blocks of G. No allocation happens in a step once the workspace has its size.

use crate::config::Config;
use crate::error::{ConfigError, TrainError};
/// The tier when no better one is detected at run time: simd128 in the browser (always
/// there: the build enables it), `math::gemm` elsewhere.
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
use crate::kernels::Portable as Baseline;
#[cfg(test)]
use crate::kernels::Portable;
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
use crate::kernels::Simd128 as Baseline;
use crate::kernels::Tier;
#[cfg(target_arch = "x86_64")]
use crate::kernels::{Avx2, Avx512};
use crate::math::tanh_in_place;
use crate::model::Network;
use crate::rng::{Purpose, SeedRng};
use crate::task::{Batch, TaskConfig};
use serde::{Deserialize, Serialize};

/// Optimiser and schedule.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TrainConfig {
    /// Adam learning rate (before decay).
    pub lr: f32,
    /// Inverse-time decay: `lr_t = lr / (1 + decay · t)`, t = steps taken (Keras' `decay`).
    pub decay: f32,
    /// Adam β1.
    pub beta1: f32,
    /// Adam β2.
    pub beta2: f32,
    /// Adam ε.
    pub eps: f32,
    /// Trials per step.
    pub batch: usize,
    /// Global-norm gradient clipping threshold; 0 = off.
    pub clip: f32,
    /// Time steps of each training trial used (truncated trials are cheaper); 0 = the task's full
    /// length. Validation always uses full-length trials.
    #[serde(alias = "train_steps")]
    pub train_trial_len: usize,
    /// Step budget (`flipflop train` without `--steps`; the page's stop condition).
    pub max_steps: u64,
    /// Held-out trials for the metrics.
    pub val_trials: usize,
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            lr: 3e-4,
            decay: 1e-4,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            batch: 16,
            clip: 1.0,
            train_trial_len: 200,
            max_steps: 5_000,
            val_trials: 128,
        }
    }
}

impl TrainConfig {
    /// The paper's code: Adam 1e-4, decay 1e-4, batch 128, 20 epochs × 235 = 4,700 steps.
    pub fn paper() -> Self {
        Self {
            lr: 1e-4,
            decay: 1e-4,
            batch: 128,
            clip: 0.0,
            train_trial_len: 0,
            max_steps: 4_700,
            ..Self::default()
        }
    }

    /// Checks every field against its allowed range.
    pub fn validate(&self) -> Result<(), ConfigError> {
        ConfigError::check_f64("lr", self.lr as f64, 1e-7, 1.0)?;
        ConfigError::check_f64("decay", self.decay as f64, 0.0, 1.0)?;
        ConfigError::check_f64("beta1", self.beta1 as f64, 0.0, 0.9999)?;
        ConfigError::check_f64("beta2", self.beta2 as f64, 0.0, 0.999_999)?;
        ConfigError::check_f64("eps", self.eps as f64, 1e-12, 1.0)?;
        ConfigError::check_int("batch", self.batch, 1, 1024)?;
        ConfigError::check_f64("clip", self.clip as f64, 0.0, 1e6)?;
        ConfigError::check_int("train_trial_len", self.train_trial_len, 0, 20_000)?;
        ConfigError::check_int("max_steps", self.max_steps as usize, 1, 10_000_000)?;
        ConfigError::check_int("val_trials", self.val_trials, 1, 4096)?;
        Ok(())
    }
}

/// Buffers for one batch shape; reused across steps.
#[derive(Clone, Debug, Default)]
pub struct Workspace {
    trial_len: usize,
    batch: usize,
    hidden: usize,
    bits: usize,
    /// `(T + 1) · B · N`: block 0 is the zero initial state, block t+1 is H_t.
    h: Vec<f32>,
    /// `T · B · N`: A_t, then R_t = tanh(A_t); empty when α = 1 (then R_t is H_t).
    r: Vec<f32>,
    /// `T · B · N` (or `2 · B · N`, a ring, when the kernels sum the weight gradients at
    /// each step): G_t, then D_t.
    g: Vec<f32>,
    /// `T · B · bits`: Z, then dZ.
    z: Vec<f32>,
    /// W_inᵀ (`bits × N`), for the input projection.
    w_in_t: Vec<f32>,
    /// ∂W_inᵀ accumulator (`bits × N`).
    gw_in_t: Vec<f32>,
    /// W_recᵀ packed for the forward products (empty for the portable tier).
    w_fwd: Vec<f32>,
    /// W_rec packed for the backward products (empty for the portable tier).
    w_bwd: Vec<f32>,
}

impl Workspace {
    fn shape(&mut self, trial_len: usize, batch: usize, hidden: usize, bits: usize, leaky: bool) {
        if (self.trial_len, self.batch, self.hidden, self.bits) == (trial_len, batch, hidden, bits)
            && self.r.is_empty() != leaky
        {
            return;
        }
        *self = Self {
            trial_len,
            batch,
            hidden,
            bits,
            ..Self::default()
        };
        let bn = batch * hidden;
        self.h = vec![0.0; (trial_len + 1) * bn];
        // Without leak R_t = H_t, so R is not stored separately.
        self.r = if leaky {
            vec![0.0; trial_len * bn]
        } else {
            Vec::new()
        };
        // Sized by the backward pass (`g_blocks`).
        self.g = Vec::new();
        self.z = vec![0.0; trial_len * batch * bits];
    }

    /// Network outputs of the last forward pass, time-major `T · B · bits`
    /// (overwritten by `dZ` after a gradient computation).
    pub fn outputs(&self) -> &[f32] {
        &self.z
    }

    /// Hidden states of the last forward pass, time-major `T · B · N`.
    pub fn hidden(&self) -> &[f32] {
        &self.h[self.batch * self.hidden..]
    }
}

/// Row kernels, specialised for the number of bits `K` so that the short loops over bits
/// unroll and the loops over the N units vectorise. Every sum runs in a fixed order.
mod rows {
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
    pub fn backward<const K: usize>(
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
        let w: [&[f32]; K] = core::array::from_fn(|o| &w_out[o * n..(o + 1) * n]);
        let dz: [f32; K] = core::array::from_fn(|o| dz[o]);
        let x: [f32; K] = core::array::from_fn(|j| x[j]);
        let gwo: [&mut [f32]; K] = split_rows(gw_out, n);
        let gwi: [&mut [f32]; K] = split_rows(gw_in_t, n);
        for i in 0..n {
            let mut gi = g[i];
            for o in 0..K {
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
                for j in 0..K {
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
}

/// Calls `$f::<K, S>` for the runtime number of bits `$k` (1..=8).
macro_rules! by_bits {
    ($k:expr, $f:ident :: <$s:ty> ( $($arg:expr),* )) => {
        match $k {
            1 => $f::<1, $s>($($arg),*),
            2 => $f::<2, $s>($($arg),*),
            3 => $f::<3, $s>($($arg),*),
            4 => $f::<4, $s>($($arg),*),
            5 => $f::<5, $s>($($arg),*),
            6 => $f::<6, $s>($($arg),*),
            7 => $f::<7, $s>($($arg),*),
            8 => $f::<8, $s>($($arg),*),
            _ => panic!("bits must be 1..=8 (validated by ModelConfig)"),
        }
    };
}

/// Calls `$body` (an `#[inline(always)]` function generic over the kernel `Tier`, which it
/// takes first) compiled for the best instruction set this CPU has, with that set's tier.
/// The element-wise code is the same for every tier and Rust never fuses `a * b + c`, so it
/// gives the same bits everywhere; the matrix products round differently per tier (FMA).
macro_rules! dispatch {
    ($body:ident ( $($arg:ident : $ty:ty),* ) -> $ret:ty) => {{
        #[cfg(target_arch = "x86_64")]
        {
            #[target_feature(enable = "avx512f,avx2,fma")]
            unsafe fn avx512(tier: Avx512, $($arg: $ty),*) -> $ret { $body(tier, $($arg),*) }
            #[target_feature(enable = "avx2,fma")]
            unsafe fn avx2(tier: Avx2, $($arg: $ty),*) -> $ret { $body(tier, $($arg),*) }
            if let Some(tier) = Avx512::detect() {
                // SAFETY: the token proves the CPU supports the features the function was
                // compiled for.
                return unsafe { avx512(tier, $($arg),*) };
            }
            if let Some(tier) = Avx2::detect() {
                // SAFETY: as above.
                return unsafe { avx2(tier, $($arg),*) };
            }
        }
        $body(Baseline, $($arg),*)
    }};
}

/// The matrix kernels the training step uses on this machine: `AVX-512`, `AVX2` or
/// `portable` natively; `simd128` or `simd128 + relaxed FMA` in the browser (the worker
/// build the browser could load).
pub fn kernels() -> &'static str {
    #[cfg(target_arch = "x86_64")]
    {
        if Avx512::detect().is_some() {
            return "AVX-512";
        }
        if Avx2::detect().is_some() {
            return "AVX2";
        }
    }
    if cfg!(all(target_arch = "wasm32", target_feature = "relaxed-simd")) {
        "simd128 + relaxed FMA"
    } else if cfg!(all(target_arch = "wasm32", target_feature = "simd128")) {
        "simd128"
    } else {
        "portable"
    }
}

/// Runs the batch forward, leaving H, R and Z in the workspace; returns the loss.
pub fn forward(net: &Network, batch: &Batch, mask: Option<&[f32]>, ws: &mut Workspace) -> f32 {
    dispatch!(forward_impl(net: &Network, batch: &Batch, mask: Option<&[f32]>, ws: &mut Workspace) -> f32)
}

#[inline(always)]
fn forward_impl<S: Tier>(
    tier: S,
    net: &Network,
    batch: &Batch,
    mask: Option<&[f32]>,
    ws: &mut Workspace,
) -> f32 {
    assert_eq!(
        batch.bits, net.config.bits,
        "batch bits differ from the network's"
    );
    by_bits!(net.config.bits, forward_k::<S>(tier, net, batch, mask, ws))
}

#[inline(always)]
fn forward_k<const K: usize, S: Tier>(
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
    ws.shape(trial_len, b, n, K, leaky);
    let bn = b * n;
    transpose_into(&mut ws.w_in_t, &net.w_in, n, K);
    tier.pack(&mut ws.w_fwd, &net.w_rec, n, true);
    let block = S::BLOCK.min(b);

    ws.h[..bn].fill(0.0);
    for t in 0..trial_len {
        let (h_prev_all, h_next_all) = ws.h.split_at_mut((t + 1) * bn);
        let h_prev = &h_prev_all[t * bn..];
        let x_t = &batch.x[t * b * K..(t + 1) * b * K];
        let z_t = &mut ws.z[t * b * K..(t + 1) * b * K];
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
                .zip(x_t[r0 * K..(r0 + rows) * K].chunks_exact(K))
            {
                rows::project::<K>(a, x, &ws.w_in_t, &net.b_rec);
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
            tier.readout::<K>(
                &mut z_t[r0 * K..(r0 + rows) * K],
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

/// Loss and its exact gradient with respect to every parameter, written into `grads`
/// (which must have the network's shapes). `mask`, when given, weights each output.
pub fn loss_and_grad(
    net: &Network,
    batch: &Batch,
    mask: Option<&[f32]>,
    ws: &mut Workspace,
    grads: &mut Network,
) -> f32 {
    dispatch!(loss_and_grad_impl(net: &Network, batch: &Batch, mask: Option<&[f32]>, ws: &mut Workspace, grads: &mut Network) -> f32)
}

#[inline(always)]
fn loss_and_grad_impl<S: Tier>(
    tier: S,
    net: &Network,
    batch: &Batch,
    mask: Option<&[f32]>,
    ws: &mut Workspace,
    grads: &mut Network,
) -> f32 {
    assert_eq!(
        batch.bits, net.config.bits,
        "batch bits differ from the network's"
    );
    by_bits!(
        net.config.bits,
        loss_and_grad_k::<S>(tier, net, batch, mask, ws, grads)
    )
}

#[inline(always)]
fn loss_and_grad_k<const K: usize, S: Tier>(
    tier: S,
    net: &Network,
    batch: &Batch,
    mask: Option<&[f32]>,
    ws: &mut Workspace,
    grads: &mut Network,
) -> f32 {
    let loss = forward_k::<K, S>(tier, net, batch, mask, ws);
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
    ws.gw_in_t.resize(K * n, 0.0);
    grads.b_rec.fill(0.0);
    // ∂b_out = Σ dZ
    grads.b_out.fill(0.0);
    for row in ws.z.chunks_exact(K) {
        for (g, d) in grads.b_out.iter_mut().zip(row) {
            *g += d;
        }
    }
    tier.pack(&mut ws.w_bwd, &net.w_rec, n, false);
    let block = S::BLOCK.min(b);
    // G_t (then D_t) lives in block `t` of G, or `t % 2` with the ring.
    let ring = !S::ROW_GRADS;
    let g_block = |t: usize| if ring { t % 2 } else { t };
    let g_len = if ring { 2.min(trial_len) } else { trial_len } * bn;
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
        let dz_t = &ws.z[t * b * K..(t + 1) * b * K];
        let x_t = &batch.x[t * b * K..(t + 1) * b * K];
        // A block of rows at a time: D_t of the block, then its share of G_{t-1}.
        for r0 in (0..b).step_by(block) {
            let rows = block.min(b - r0);
            for row in r0..r0 + rows {
                rows::backward::<K>(
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
                    &dz_t[row * K..(row + 1) * K],
                    &x_t[row * K..(row + 1) * K],
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
                // H_{t-1} of the block, first read by ∂W_rec after this step's blocks.
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
            // While this step's blocks are in cache: ∂W_out += dZ_tᵀ H_t,
            // ∂W_inᵀ += X_tᵀ D_t, ∂W_rec += D_tᵀ H_{t-1} (H_{-1} = 0).
            tier.at_b(b, dz_t, K, K, h_t, n, n, true, &mut grads.w_out);
            tier.at_b(b, x_t, K, K, g_t, n, n, true, &mut ws.gw_in_t);
            if t > 0 {
                let h_prev = &ws.h[t * bn..(t + 1) * bn];
                tier.at_b(b, g_t, n, n, h_prev, n, n, true, &mut grads.w_rec);
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
    transpose_into_slice(&mut grads.w_in, &ws.gw_in_t, K, n);
    loss
}

/// `buf[start..start + len]`, and up to `ahead` floats of `buf` after it.
fn block_and_ahead(
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

/// Adam (Kingma & Ba) with bias correction:
/// `m ← β1 m + (1-β1) g`, `v ← β2 v + (1-β2) g²`,
/// `p ← p - lr_t · (m / (1-β1^t)) / (sqrt(v / (1-β2^t)) + ε)`, `lr_t = lr / (1 + decay (t-1))`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Adam {
    /// First moments, one vector per parameter tensor.
    pub m: Vec<Vec<f32>>,
    /// Second moments.
    pub v: Vec<Vec<f32>>,
    /// Updates applied so far.
    pub t: u64,
}

impl Adam {
    /// Zero moments for `net`'s shapes.
    pub fn new(net: &Network) -> Self {
        let m: Vec<Vec<f32>> = net.params().iter().map(|p| vec![0.0; p.len()]).collect();
        Self {
            v: m.clone(),
            m,
            t: 0,
        }
    }

    /// Becomes a copy of `other`, reusing this one's buffers (no allocation when the shapes
    /// agree; the derived `clone_from` would allocate).
    pub fn copy_from(&mut self, other: &Adam) {
        self.m.clone_from(&other.m);
        self.v.clone_from(&other.v);
        self.t = other.t;
    }

    /// The learning rate the next update will use.
    pub fn lr_at(&self, cfg: &TrainConfig) -> f32 {
        cfg.lr / (1.0 + cfg.decay * self.t as f32)
    }

    /// One update of `net` by `grads` (scaled by `grad_scale`, for clipping). Tensors whose
    /// `trainable` flag is false are left alone.
    pub fn update(
        &mut self,
        cfg: &TrainConfig,
        net: &mut Network,
        grads: &Network,
        grad_scale: f32,
    ) {
        let lr = self.lr_at(cfg);
        self.t += 1;
        let (b1, b2, eps) = (cfg.beta1, cfg.beta2, cfg.eps);
        let c1 = 1.0 - (b1 as f64).powi(self.t.min(i32::MAX as u64) as i32);
        let c2 = 1.0 - (b2 as f64).powi(self.t.min(i32::MAX as u64) as i32);
        let (c1, c2) = (c1 as f32, c2 as f32);
        let rec_bias = net.config.rec_bias;
        for (idx, ((p, g), (m, v))) in net
            .params_mut()
            .into_iter()
            .zip(grads.params())
            .zip(self.m.iter_mut().zip(self.v.iter_mut()))
            .enumerate()
        {
            if idx == 2 && !rec_bias {
                continue;
            }
            for (((p, g), m), v) in p.iter_mut().zip(g).zip(m.iter_mut()).zip(v.iter_mut()) {
                let g = g * grad_scale;
                *m = b1 * *m + (1.0 - b1) * g;
                *v = b2 * *v + (1.0 - b2) * g * g;
                let mh = *m / c1;
                let vh = *v / c2;
                *p -= lr * mh / (vh.sqrt() + eps);
            }
        }
    }
}

/// Global L2 norm over all gradient tensors.
pub fn global_norm(grads: &Network) -> f32 {
    let s: f64 = grads
        .params()
        .iter()
        .flat_map(|p| p.iter())
        .map(|g| (*g as f64) * (*g as f64))
        .sum();
    s.sqrt() as f32
}

/// What one training step reports.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct StepEvent {
    /// Steps taken so far, this one included.
    pub step: u64,
    /// Training loss of the batch (before the update).
    pub loss: f32,
    /// Gradient global norm (before clipping).
    pub grad_norm: f32,
    /// Learning rate used.
    pub lr: f32,
}

/// Held-out metrics.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    /// Mean squared error over all steps, trials and bits.
    pub mse: f32,
    /// Fraction of (trial, step, bit) with target ≠ 0 where sign(z) = target.
    pub bit_accuracy: f32,
    /// Trials evaluated.
    pub trials: usize,
}

impl Metrics {
    /// The lab's "solved" rule: bit accuracy ≥ 99 % and MSE ≤ 0.05.
    pub fn solved(&self) -> bool {
        self.bit_accuracy >= 0.99 && self.mse <= 0.05
    }
}

/// Metrics of `net` on `batch` (uses `ws` for the forward pass).
pub fn evaluate(net: &Network, batch: &Batch, ws: &mut Workspace) -> Metrics {
    let mse = forward(net, batch, None, ws);
    let (mut hit, mut total) = (0u64, 0u64);
    for (z, y) in ws.z.iter().zip(&batch.y) {
        if *y != 0.0 {
            total += 1;
            if (*z > 0.0) == (*y > 0.0) {
                hit += 1;
            }
        }
    }
    let bit_accuracy = if total > 0 {
        hit as f64 / total as f64
    } else {
        1.0
    } as f32;
    Metrics {
        mse,
        bit_accuracy,
        trials: batch.batch,
    }
}

/// Trains one network a step at a time; owns its weights, optimiser state and trial streams.
#[derive(Clone, Debug)]
pub struct Trainer {
    config: Config,
    net: Network,
    grads: Network,
    adam: Adam,
    ws: Workspace,
    val_ws: Workspace,
    batch: Batch,
    val: Batch,
    train_task: TaskConfig,
    rng: SeedRng,
    last_loss: Option<f32>,
    backup: (Network, Adam),
}

impl Trainer {
    /// A fresh network from `config` (seeded init), or a config error naming the field.
    pub fn new(config: Config) -> Result<Self, ConfigError> {
        config.validate()?;
        let net = Network::init(&config.model, config.seed);
        Ok(Self::with_network(config, net))
    }

    /// Continues training `net` (its shapes must match `config.model`).
    pub fn with_network(config: Config, net: Network) -> Self {
        let mut train_task = config.task.clone();
        if config.train.train_trial_len > 0 {
            train_task.trial_len = config.train.train_trial_len.min(config.task.trial_len);
        }
        let val = validation_set(&config.task, config.seed, config.train.val_trials);
        Self {
            grads: Network::zeros(&net.config),
            adam: Adam::new(&net),
            ws: Workspace::default(),
            val_ws: Workspace::default(),
            batch: Batch::default(),
            rng: SeedRng::new(config.seed, Purpose::Train),
            val,
            train_task,
            backup: (net.clone(), Adam::new(&net)),
            net,
            config,
            last_loss: None,
        }
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The current weights.
    pub fn network(&self) -> &Network {
        &self.net
    }

    /// Steps taken.
    pub fn steps_done(&self) -> u64 {
        self.adam.t
    }

    /// The latest training loss.
    pub fn last_loss(&self) -> Option<f32> {
        self.last_loss
    }

    /// Changes the learning rate from the next step on, keeping everything else.
    pub fn set_lr(&mut self, lr: f32) -> Result<(), ConfigError> {
        ConfigError::check_f64("lr", lr as f64, 1e-7, 1.0)?;
        self.config.train.lr = lr;
        Ok(())
    }

    /// One step: fresh trials, loss and gradient, clipping, Adam. On a non-finite loss,
    /// gradient or result the weights stay as they were and `Diverged` is returned.
    pub fn step(&mut self) -> Result<StepEvent, TrainError> {
        self.batch
            .fill(&self.train_task, self.config.train.batch, &mut self.rng);
        let loss = loss_and_grad(&self.net, &self.batch, None, &mut self.ws, &mut self.grads);
        let grad_norm = global_norm(&self.grads);
        let step = self.adam.t + 1;
        if !loss.is_finite() || !grad_norm.is_finite() {
            return Err(TrainError::Diverged { step, loss });
        }
        let clip = self.config.train.clip;
        let scale = if clip > 0.0 && grad_norm > clip {
            clip / grad_norm
        } else {
            1.0
        };
        let lr = self.adam.lr_at(&self.config.train);
        // Keep the weights and moments to fall back on (copy_from reuses the buffers).
        self.backup.0.copy_from(&self.net);
        self.backup.1.copy_from(&self.adam);
        self.adam
            .update(&self.config.train, &mut self.net, &self.grads, scale);
        if !self.net.is_finite() {
            self.net.copy_from(&self.backup.0);
            self.adam.copy_from(&self.backup.1);
            return Err(TrainError::Diverged { step, loss });
        }
        self.last_loss = Some(loss);
        Ok(StepEvent {
            step,
            loss,
            grad_norm,
            lr,
        })
    }

    /// Metrics on the held-out trials (fixed per seed, full-length).
    pub fn evaluate(&mut self) -> Metrics {
        evaluate(&self.net, &self.val, &mut self.val_ws)
    }

    /// The held-out trials.
    pub fn validation(&self) -> &Batch {
        &self.val
    }
}

/// The held-out set for a seed: `trials` full-length trials from the `Validation` stream.
pub fn validation_set(task: &TaskConfig, seed: u64, trials: usize) -> Batch {
    Batch::generate(task, trials, &mut SeedRng::new(seed, Purpose::Validation))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ModelConfig;

    /// Loss and gradient of `net` on `batch` with the kernels of `tier`.
    fn grads<S: Tier>(
        tier: S,
        net: &Network,
        batch: &Batch,
        mask: Option<&[f32]>,
    ) -> (f32, Network) {
        let mut ws = Workspace::default();
        let mut g = Network::zeros(&net.config);
        // Twice: the second run reuses the workspace (packed weights, G ring).
        loss_and_grad_impl(tier, net, batch, mask, &mut ws, &mut g);
        let loss = loss_and_grad_impl(tier, net, batch, mask, &mut ws, &mut g);
        (loss, g)
    }

    fn assert_close(want: &(f32, Network), got: &(f32, Network), what: &str) {
        assert!(
            (want.0 - got.0).abs() <= 1e-5 * want.0.abs(),
            "{what}: loss {} vs {}",
            want.0,
            got.0
        );
        for (i, (w, g)) in want.1.params().iter().zip(got.1.params()).enumerate() {
            let scale = w.iter().fold(0.0f32, |m, x| m.max(x.abs()));
            for (a, b) in w.iter().zip(g) {
                assert!(
                    (a - b).abs() <= 1e-4 * scale + 1e-9,
                    "{what}: tensor {i}: {a} vs {b}"
                );
            }
        }
    }

    /// Every kernel tier gives the portable tier's loss and gradient up to f32 rounding, for
    /// shapes that exercise partial and thin last vectors, several panels, leak, bias and mask.
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    fn kernel_tiers_agree() {
        let cases = [
            (100usize, 1.0f32, false, 3usize, 30usize, false),
            (37, 0.4, true, 2, 7, true),
            (130, 1.0, true, 1, 5, false),
            (260, 0.7, false, 4, 4, true),
            (16, 1.0, false, 8, 3, false),
        ];
        for (hidden, alpha, rec_bias, bits, trials, masked) in cases {
            let cfg = ModelConfig {
                hidden,
                bits,
                alpha,
                rec_bias,
                rec_gain: 1.1,
                ..ModelConfig::default()
            };
            let mut net = Network::init(&cfg, 5);
            let mut r = SeedRng::new(5, Purpose::Other);
            for v in net.b_rec.iter_mut().chain(net.b_out.iter_mut()) {
                *v = r.uniform(-0.3, 0.3) as f32;
            }
            let task = TaskConfig {
                bits,
                trial_len: 45,
                pulse_width: 3,
                delay: 2,
                first_onset_min: 1,
                first_onset_max: 5,
                second_gap: 6,
                third_gap: 7,
                jitter: 3,
                ..TaskConfig::default()
            };
            let batch = Batch::generate(&task, trials, &mut SeedRng::new(5, Purpose::Train));
            let mask: Vec<f32> = (0..batch.y.len()).map(|i| (i % 3) as f32 * 0.5).collect();
            let mask = masked.then_some(&mask[..]);
            let what = format!("N {hidden}, alpha {alpha}, bits {bits}, batch {trials}");
            let want = grads(Portable, &net, &batch, mask);
            #[cfg(target_arch = "x86_64")]
            {
                if let Some(t) = Avx2::detect() {
                    assert_close(
                        &want,
                        &grads(t, &net, &batch, mask),
                        &format!("AVX2, {what}"),
                    );
                }
                if let Some(t) = Avx512::detect() {
                    assert_close(
                        &want,
                        &grads(t, &net, &batch, mask),
                        &format!("AVX-512, {what}"),
                    );
                }
            }
            #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
            assert_close(
                &want,
                &grads(crate::kernels::Simd128, &net, &batch, mask),
                &format!("simd128, {what}"),
            );
            // The forward pass alone leaves the same outputs as the one inside the gradient.
            let mut ws = Workspace::default();
            let loss = forward(&net, &batch, mask, &mut ws);
            assert!(
                (loss - want.0).abs() <= 1e-5 * want.0.abs(),
                "{what}: forward loss"
            );
        }
    }
}
