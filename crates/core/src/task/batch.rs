//! A batch of trials in the time-major layout the trainer consumes.

use super::flipflop::{self, Trial};
use super::{TaskConfig, TaskKind};
use crate::rng::SeedRng;

/// A batch of trials, time-major: `x[(t · batch + b) · inputs + i]`, `y` and `mask`
/// likewise with `outputs`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Batch {
    /// Time steps per trial.
    pub trial_len: usize,
    /// Trials.
    pub batch: usize,
    /// Input channels.
    pub inputs: usize,
    /// Output channels.
    pub outputs: usize,
    /// Inputs, `trial_len · batch · inputs`.
    pub x: Vec<f32>,
    /// Targets, `trial_len · batch · outputs`.
    pub y: Vec<f32>,
    /// Loss weight of each target (the loss is `Σ m (z - y)² / Σ m`), laid out like `y`;
    /// empty means all ones (the flip-flop scores every step).
    pub mask: Vec<f32>,
}

impl Batch {
    /// Fills `self` (reusing its buffers, so no allocation once they have the size) with
    /// `batch` fresh trials of the task `cfg` selects, from `rng`. For the flip-flop: the
    /// same draws as [`super::trial`] called `batch` times.
    pub fn fill(&mut self, cfg: &TaskConfig, batch: usize, rng: &mut SeedRng) {
        match cfg.kind {
            TaskKind::FlipFlop => flipflop::fill(cfg, self, batch, rng),
            kind => kind.build(cfg).fill(self, batch, rng),
        }
    }

    /// A new batch of `batch` trials.
    pub fn generate(cfg: &TaskConfig, batch: usize, rng: &mut SeedRng) -> Self {
        let mut b = Self::default();
        b.fill(cfg, batch, rng);
        b
    }

    /// Sets the shape, resizing `x` and `y`, and clears the mask (all ones).
    pub fn reshape(&mut self, trial_len: usize, batch: usize, inputs: usize, outputs: usize) {
        self.trial_len = trial_len;
        self.batch = batch;
        self.inputs = inputs;
        self.outputs = outputs;
        self.x.resize(trial_len * batch * inputs, 0.0);
        self.y.resize(trial_len * batch * outputs, 0.0);
        self.mask.clear();
    }

    /// The loss mask to pass to the trainer's `forward`/`loss_and_grad`: `None` when all ones.
    pub fn mask(&self) -> Option<&[f32]> {
        (!self.mask.is_empty()).then_some(&self.mask[..])
    }

    /// Lays out given flip-flop trials (all of the same shape) time-major.
    pub fn fill_from(&mut self, trials: &[Trial]) {
        let (trial_len, bits) = trials.first().map_or((0, 0), |t| (t.trial_len, t.bits));
        let batch = trials.len();
        self.reshape(trial_len, batch, bits, bits);
        for (b, tr) in trials.iter().enumerate() {
            for t in 0..trial_len {
                let dst = (t * batch + b) * bits;
                self.x[dst..dst + bits].copy_from_slice(&tr.x[t * bits..(t + 1) * bits]);
                self.y[dst..dst + bits].copy_from_slice(&tr.y[t * bits..(t + 1) * bits]);
            }
        }
    }

    /// Trial `b` back out of a flip-flop batch as a [`Trial`] (pulses not recorded).
    ///
    /// # Panics
    /// On a batch whose inputs and outputs differ (the cognitive tasks): a [`Trial`] has one
    /// channel count for both. Read such a batch's `x`, `y` and mask directly.
    pub fn trial(&self, b: usize) -> Trial {
        assert_eq!(
            self.inputs, self.outputs,
            "Batch::trial is for flip-flop batches (inputs = outputs)"
        );
        let bits = self.inputs;
        let mut tr = Trial::empty(self.trial_len, bits);
        for t in 0..self.trial_len {
            let src = (t * self.batch + b) * bits;
            tr.x[t * bits..(t + 1) * bits].copy_from_slice(&self.x[src..src + bits]);
            tr.y[t * bits..(t + 1) * bits].copy_from_slice(&self.y[src..src + bits]);
        }
        tr
    }
}
