//! The optimiser and schedule of a run.

use crate::error::ConfigError;
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
    /// Gradient shares: each step's batch is split into this many contiguous groups of
    /// trials whose gradients are computed apart (on several threads where there are) and
    /// summed weighted by their loss-mask sums (`train::shares`: the same gradient up to
    /// rounding). The sum's order is fixed, so a given value trains bit-identically on any
    /// number of threads. 1 = the whole batch at once; values above `batch` act as `batch`.
    /// Omitted from JSON at 1, so older links and files read and write the same bytes.
    #[serde(skip_serializing_if = "is_one")]
    pub shares: usize,
    /// Every this many steps W_out and b_out are replaced by the least-squares readout of
    /// the hidden states of [`super::READOUT_FIT_BATCHES`] × `batch` fresh trials
    /// (`train::readout`); 0 = never (pure BPTT + Adam, as Keras trains). Omitted from
    /// JSON at 0 and read as 0 when absent, so older links and files train as they did.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub readout_fit: u64,
    /// Momentum `m` of an exponential moving average of the weights (Keras' optimiser
    /// option `ema_momentum`; Polyak averaging): after every step `w̄ ← m · w̄ + (1 − m) · w`,
    /// and the averaged weights are the network that is checked, shown, shared and saved
    /// (`Trainer::network`) while Adam goes on updating its own iterate. 0 = off: the
    /// network is the iterate, as Keras trains without `use_ema`. Omitted from JSON at 0 and
    /// read as 0 when absent, so older links and files train as they did.
    #[serde(default, skip_serializing_if = "is_zero_f32")]
    pub ema_momentum: f32,
}

fn is_zero_f32(v: &f32) -> bool {
    *v == 0.0
}

fn is_one(v: &usize) -> bool {
    *v == 1
}

fn is_zero(v: &u64) -> bool {
    *v == 0
}

/// `readout_fit` of the default preset: a least-squares readout every 50 steps. Natively,
/// seeds 1–10 were solved in a median 1,600 steps against 2,150 without it (worst seed
/// 2,000 against 3,200); every 25 or 100 steps, or on 32 trials, was no better
/// (BENCHMARKS.md, "The least-squares readout").
pub const DEFAULT_READOUT_FIT: u64 = 50;

/// `ema_momentum` of the default and Dale presets (an average over roughly the last 50
/// steps). Natively, with confirmed checks every 25 steps, the default preset's seeds 1–10
/// were solved in a median 1,200 steps against 1,750 without it, the slowest in 1,675
/// against 2,500, and all passed on fresh trials (BENCHMARKS.md, "An average of the
/// weights").
pub const DEFAULT_EMA_MOMENTUM: f32 = 0.98;

/// `shares` of the default and Dale presets: each step's batch of 16 as two shares of 8
/// trials, which the browser computes on two threads where the page is cross-origin
/// isolated (one share on each of two workers) and in turn where it is not. With the
/// recurrent gradient summed over windows of time steps, two shares cost about as much as
/// one on a single thread; two threads took 30 % off a step natively and 4–20 % in the page
/// on 2 cores (where the page's drawing takes its CPU from them), and the steps to solved
/// stayed within the seeds' spread (BENCHMARKS.md, "Two gradient shares by default").
pub const DEFAULT_SHARES: usize = 2;

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
            shares: 1,
            readout_fit: 0,
            ema_momentum: 0.0,
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
        ConfigError::check_int("shares", self.shares, 1, super::shares::MAX_SHARES)?;
        let fit = usize::try_from(self.readout_fit).unwrap_or(usize::MAX);
        ConfigError::check_int("readout_fit", fit, 0, 1_000_000)?;
        ConfigError::check_f64("ema_momentum", self.ema_momentum as f64, 0.0, 0.9999)?;
        Ok(())
    }
}
