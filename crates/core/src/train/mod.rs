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
//! sum ∂W_in and ∂W_out at each step while its blocks are in cache and ∂W_rec over windows
//! of steps of about `kernels::AT_B_CHUNK` rows, so BPTT keeps only two windows of G. No
//! allocation happens in a step once the workspace has its size.
//!
//! Files: `config.rs` (TrainConfig), `workspace.rs` (the buffers of a batch shape),
//! `forward.rs` and `bptt.rs` (the pass and its gradient, side by side; the cell is chosen
//! once at the top of each), `rows.rs` (their element-wise row kernels), `reference.rs` (the
//! same BPTT written plainly in f64: read it first; the tests hold the fast one to it),
//! `adam.rs` (Adam, global norm), `trainer.rs` (Trainer, StepEvent, Metrics, evaluate,
//! validation_set), `readout.rs` (the least-squares readout refit every `readout_fit` steps), `check.rs` (the "solved" decision: a passing routine check confirmed on
//! fresh trials of the `Confirm` stream), `shares.rs` (a batch's gradient as the mask-weighted sum of its trial
//! groups' gradients, and the `SharePool`s that run the groups: serial or native threads),
//! `tests.rs` (tiers against each other and against the reference).

/// The tier when no better one is detected at run time: simd128 in the browser (always
/// there: the build enables it), `math::gemm` elsewhere.
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
use crate::kernels::Portable as Baseline;
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
use crate::kernels::Simd128 as Baseline;
use crate::kernels::Tier;
#[cfg(target_arch = "x86_64")]
use crate::kernels::{Avx2, Avx512};

/// The (inputs, outputs) channel counts the training kernels are compiled for: K = K for
/// K in 1..=8 (the flip-flop), (3, 2) (perceptual decision making, parametric working
/// memory) and (7, 2) (context-dependent decision making, match-to-sample with two items).
/// Each shape is its own monomorphised copy of the kernels, so the short loops over
/// channels unroll; a shape not listed here is refused by `ModelConfig::validate`.
pub const SUPPORTED_CHANNELS: [(usize, usize); 10] = [
    (1, 1),
    (2, 2),
    (3, 3),
    (4, 4),
    (5, 5),
    (6, 6),
    (7, 7),
    (8, 8),
    (3, 2),
    (7, 2),
];

/// [`SUPPORTED_CHANNELS`] in words, for error messages.
pub const SUPPORTED_CHANNELS_TEXT: &str =
    "[k, k] for k in 1..=8, [3, 2] or [7, 2] (the shapes the training kernels are compiled for)";

/// Whether the training kernels support `inputs` input and `outputs` output channels.
pub fn supports_channels(inputs: usize, outputs: usize) -> bool {
    SUPPORTED_CHANNELS.contains(&(inputs, outputs))
}

/// Calls `$f::<KI, KO, S>` for the runtime channel counts `$ki` (inputs) and `$ko` (outputs),
/// one of [`SUPPORTED_CHANNELS`].
macro_rules! by_channels {
    ($ki:expr, $ko:expr, $f:ident :: <$s:ty> ( $($arg:expr),* )) => {
        match ($ki, $ko) {
            (1, 1) => $f::<1, 1, $s>($($arg),*),
            (2, 2) => $f::<2, 2, $s>($($arg),*),
            (3, 3) => $f::<3, 3, $s>($($arg),*),
            (4, 4) => $f::<4, 4, $s>($($arg),*),
            (5, 5) => $f::<5, 5, $s>($($arg),*),
            (6, 6) => $f::<6, 6, $s>($($arg),*),
            (7, 7) => $f::<7, 7, $s>($($arg),*),
            (8, 8) => $f::<8, 8, $s>($($arg),*),
            (3, 2) => $f::<3, 2, $s>($($arg),*),
            (7, 2) => $f::<7, 2, $s>($($arg),*),
            (i, o) => panic!("channels {i}/{o} are not compiled (validated by ModelConfig)"),
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
            unsafe fn avx512(tier: $crate::kernels::Avx512, $($arg: $ty),*) -> $ret { $body(tier, $($arg),*) }
            #[target_feature(enable = "avx2,fma")]
            unsafe fn avx2(tier: $crate::kernels::Avx2, $($arg: $ty),*) -> $ret { $body(tier, $($arg),*) }
            if let Some(tier) = $crate::kernels::Avx512::detect() {
                // SAFETY: the token proves the CPU supports the features the function was
                // compiled for.
                return unsafe { avx512(tier, $($arg),*) };
            }
            if let Some(tier) = $crate::kernels::Avx2::detect() {
                // SAFETY: as above.
                return unsafe { avx2(tier, $($arg),*) };
            }
        }
        $body($crate::train::Baseline, $($arg),*)
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

mod adam;
mod bptt;
pub mod check;
mod config;
mod forward;
mod gated;
pub mod readout;
pub mod reference;
mod rows;
pub mod shares;
mod trainer;
mod workspace;

pub use adam::{global_norm, Adam};
pub use bptt::loss_and_grad;
pub use check::{check_network, confirm_metrics, Check, HeldOut, CONFIRM_CHUNKS};
pub use config::{TrainConfig, DEFAULT_EMA_MOMENTUM, DEFAULT_READOUT_FIT, DEFAULT_SHARES};
pub use forward::forward;
pub use readout::{FitSkipped, ReadoutFit, READOUT_FIT_BATCHES, READOUT_RIDGE};
pub use shares::{SharePool, Threads};
pub use trainer::{evaluate, evaluate_task, validation_set, Metrics, StepEvent, Trainer};
pub use workspace::Workspace;

#[cfg(test)]
mod tests;
