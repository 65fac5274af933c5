//! Conventions shared by the cognitive tasks (perceptual and context-dependent decision
//! making, parametric working memory, match-to-sample): one time base, fixation input,
//! two choice outputs, the loss mask and the accuracy rule.
//!
//! - Time base: `dt = 20 ms` per step with `tau = 100 ms`, so the leak is
//!   `alpha = dt / tau = 0.2` (as in pycog, Song, Yang & Wang 2016, and Yang et al. 2019).
//! - Input 0 is the fixation cue: 1 from the first step until the go signal (the start of
//!   the decision period), 0 during the decision period. (NeuroGym's newer tasks switch it
//!   off earlier, which removes the go cue; here it always marks it.)
//! - Two outputs, one per choice. Targets as pycog's: both [`LO`] during the fixation
//!   period; during the decision period [`HI`] on the correct choice and [`LO`] on the
//!   other. The loss mask is 1 on those two periods and 0 elsewhere (stimulus and delay are
//!   free), so the loss is the masked MSE `Σ m (z - y)² / Σ m`.
//! - Accuracy rule: the choice is the larger output at the last step of the decision period
//!   (the trial's last step); a trial is correct when that is the target's [`HI`] channel.
//! - Input noise: Gaussian, standard deviation `noise_sd`, added to the stimulus channels
//!   during their stimulus periods only (as NeuroGym adds it), drawn step-major.

use super::Batch;
use crate::rng::SeedRng;
use std::ops::Range;

/// Milliseconds per time step.
pub const DT_MS: usize = 20;
/// Time constant of the units (ms).
pub const TAU_MS: usize = 100;
/// The leak `alpha = dt / tau` the presets of these tasks use.
pub const ALPHA: f32 = DT_MS as f32 / TAU_MS as f32;
/// Target of the chosen output during the decision period.
pub const HI: f32 = 1.0;
/// Target of the outputs during fixation and of the unchosen output during the decision.
pub const LO: f32 = 0.2;
/// The fixation input channel.
pub const FIXATION: usize = 0;
/// Output channel of the first choice ("left", "f1 > f2", "match").
pub const CHOICE_0: usize = 0;
/// Output channel of the second choice ("right", "f1 < f2", "non-match").
pub const CHOICE_1: usize = 1;

/// Steps in `ms` milliseconds (`ms` is validated to be a multiple of [`DT_MS`]).
pub const fn steps(ms: usize) -> usize {
    ms / DT_MS
}

/// Trial `b` of a batch, written in place (time-major layout of [`Batch`]).
pub(super) struct Column<'a> {
    pub batch: &'a mut Batch,
    pub b: usize,
}

impl Column<'_> {
    /// Sets input `i` to `v` on the steps `span`.
    pub fn input(&mut self, span: Range<usize>, i: usize, v: f32) {
        let (bs, ni) = (self.batch.batch, self.batch.inputs);
        for t in span {
            self.batch.x[(t * bs + self.b) * ni + i] = v;
        }
    }

    /// Adds Gaussian noise of standard deviation `sd` to inputs `channels` on the steps
    /// `span` (step-major: every channel of step t, then t + 1).
    pub fn noise(
        &mut self,
        span: Range<usize>,
        channels: Range<usize>,
        sd: f32,
        rng: &mut SeedRng,
    ) {
        if sd <= 0.0 {
            return;
        }
        let (bs, ni) = (self.batch.batch, self.batch.inputs);
        for t in span {
            for i in channels.clone() {
                self.batch.x[(t * bs + self.b) * ni + i] += sd * rng.normal() as f32;
            }
        }
    }

    /// Targets `values` (one per output) with mask 1 on the steps `span`.
    pub fn target(&mut self, span: Range<usize>, values: [f32; 2]) {
        let (bs, no) = (self.batch.batch, self.batch.outputs);
        for t in span {
            let at = (t * bs + self.b) * no;
            self.batch.y[at..at + 2].copy_from_slice(&values);
            self.batch.mask[at..at + 2].fill(1.0);
        }
    }

    /// The common frame of a trial: fixation input on `0..go`, both outputs [`LO`] (masked
    /// in) on `0..fix_end`, and from `go` to the end [`HI`] on `choice`, [`LO`] on the other.
    pub fn frame(&mut self, fix_end: usize, go: usize, choice: usize) {
        let trial_len = self.batch.trial_len;
        self.input(0..go, FIXATION, 1.0);
        self.target(0..fix_end, [LO, LO]);
        let mut v = [LO, LO];
        v[choice] = HI;
        self.target(go..trial_len, v);
    }
}

/// Shapes `batch` for `trials` trials of `trial_len` steps with these channels and zeroes
/// its inputs, targets and mask (the mask is allocated: these tasks mask steps out).
pub(super) fn reset(
    batch: &mut Batch,
    trial_len: usize,
    trials: usize,
    inputs: usize,
    outputs: usize,
) {
    batch.reshape(trial_len, trials, inputs, outputs);
    batch.x.fill(0.0);
    batch.y.fill(0.0);
    batch.mask.clear();
    batch.mask.resize(batch.y.len(), 0.0);
}

/// The choice of trial `b` in outputs `z` (laid out like `batch.y`): the output channel with
/// the larger value at the last step (ties go to [`CHOICE_0`]).
pub fn choice(z: &[f32], batch: &Batch, b: usize) -> usize {
    let t = batch.trial_len - 1;
    let at = (t * batch.batch + b) * batch.outputs;
    if z[at + CHOICE_1] > z[at + CHOICE_0] {
        CHOICE_1
    } else {
        CHOICE_0
    }
}

/// The correct choice of trial `b`: the target's [`HI`] channel at the last step.
pub fn target_choice(batch: &Batch, b: usize) -> usize {
    choice(&batch.y, batch, b)
}

/// The accuracy rule of these tasks (see the module docs): the fraction of trials whose
/// choice at the last step is the target's; 1 for an empty batch.
pub fn choice_accuracy(z: &[f32], batch: &Batch) -> f32 {
    if batch.batch == 0 || batch.trial_len == 0 {
        return 1.0;
    }
    let hits = (0..batch.batch)
        .filter(|&b| choice(z, batch, b) == target_choice(batch, b))
        .count();
    hits as f32 / batch.batch as f32
}

/// pycog's encoding of a signed coherence (in %) on one evidence channel:
/// `(1 + 3.2 · coh / 100) / 2`, so the two channels of a stimulus differ by `3.2 · coh / 100`.
pub fn evidence(coh_percent: f32) -> f32 {
    (1.0 + 3.2 * coh_percent / 100.0) / 2.0
}
