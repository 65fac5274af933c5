//! Context-dependent decision making (Mante, Sussillo, Shenoy & Newsome 2013): two
//! modalities of evidence at once, a context cue says which one decides.
//!
//! As in pycog's `mante.py` (Song, Yang & Wang 2016) and NeuroGym's `ContextDecisionMaking`:
//! each trial shows a motion stimulus and a colour stimulus, each with its own signed
//! coherence, and a context input; the correct choice is the direction of the cued
//! modality. Timing: fixation 100 ms, stimulus 800 ms (an option), decision 300 ms.
//!
//! Channels: inputs `[fixation, motion left, motion right, colour left, colour right,
//! context motion, context colour]`, outputs `[choose left, choose right]`. Each modality's
//! pair carries `(1 ∓ 3.2 s / 100) / 2` for its signed coherence `s` (positive = right)
//! during the stimulus, plus Gaussian noise of standard deviation `noise_sd`; the context
//! input of the cued modality is 1 from the first step until the go signal. Targets, mask
//! and accuracy rule: see [`super::cognitive`].

use super::cognitive::{self, steps, Column, CHOICE_0, CHOICE_1};
use super::options::ContextDmOptions;
use super::{Batch, CubeSet, Task, TaskKind};
use crate::rng::SeedRng;

/// Fixation period (ms).
pub const FIXATION_MS: usize = 100;
/// Decision period (ms).
pub const DECISION_MS: usize = 300;
/// The contexts, in the order of their input channels.
pub const CONTEXTS: [&str; 2] = ["motion", "colour"];

/// The condition of one trial.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ContextTrial {
    /// The cued modality: 0 motion, 1 colour.
    pub context: usize,
    /// Signed motion coherence in % (positive = right).
    pub motion: f32,
    /// Signed colour coherence in % (positive = right).
    pub colour: f32,
    /// The correct choice (the cued modality's direction) is "right".
    pub right: bool,
}

impl ContextTrial {
    /// Signed coherence of the cued modality.
    pub fn cued(&self) -> f32 {
        if self.context == 0 {
            self.motion
        } else {
            self.colour
        }
    }
}

/// The task with its options.
#[derive(Clone, Debug, PartialEq)]
pub struct ContextDm {
    /// The options (validated).
    pub opts: ContextDmOptions,
}

impl ContextDm {
    /// The task with options `opts` (which should be valid).
    pub fn new(opts: ContextDmOptions) -> Self {
        Self { opts }
    }

    /// First step of the decision period.
    pub fn go_step(&self) -> usize {
        steps(FIXATION_MS) + steps(self.opts.stimulus_ms)
    }

    /// Draws a trial's condition: the context, then per modality a coherence and a direction.
    pub fn draw(&self, rng: &mut SeedRng) -> ContextTrial {
        let n = self.opts.coherences.len() as u32;
        let context = (rng.next_u32() & 1) as usize;
        let mut signed = [0.0f32; 2];
        let mut dirs = [false; 2];
        for (s, d) in signed.iter_mut().zip(dirs.iter_mut()) {
            let c = self.opts.coherences[rng.int_inclusive(0, n - 1) as usize];
            *d = rng.next_u32() & 1 == 1;
            *s = if *d { c } else { -c };
        }
        ContextTrial {
            context,
            motion: signed[0],
            colour: signed[1],
            right: dirs[context],
        }
    }

    /// Fills `batch` with one trial per condition of `conds` (noise from `rng`).
    pub fn fill_with(&self, batch: &mut Batch, conds: &[ContextTrial], rng: &mut SeedRng) {
        cognitive::reset(batch, self.trial_len(), conds.len(), 7, 2);
        for (b, c) in conds.iter().enumerate() {
            self.render(&mut Column { batch, b }, c, rng);
        }
    }

    fn render(&self, col: &mut Column, c: &ContextTrial, rng: &mut SeedRng) {
        let (fix, go) = (steps(FIXATION_MS), self.go_step());
        col.frame(fix, go, if c.right { CHOICE_1 } else { CHOICE_0 });
        col.input(0..go, 5 + c.context.min(1), 1.0);
        col.input(fix..go, 1, cognitive::evidence(-c.motion));
        col.input(fix..go, 2, cognitive::evidence(c.motion));
        col.input(fix..go, 3, cognitive::evidence(-c.colour));
        col.input(fix..go, 4, cognitive::evidence(c.colour));
        col.noise(fix..go, 1..5, self.opts.noise_sd, rng);
    }
}

impl Task for ContextDm {
    fn kind(&self) -> TaskKind {
        TaskKind::ContextDm
    }

    fn source(&self) -> &'static str {
        "Mante, Sussillo, Shenoy & Newsome (2013), \"Context-dependent computation by \
         recurrent dynamics in prefrontal cortex\", Nature 503:78-84; layout of pycog's \
         mante.py (Song, Yang & Wang 2016) and NeuroGym's ContextDecisionMaking"
    }

    fn inputs(&self) -> usize {
        7
    }

    fn outputs(&self) -> usize {
        2
    }

    fn input_name(&self, i: usize) -> String {
        [
            "fixation",
            "motion left",
            "motion right",
            "colour left",
            "colour right",
            "context motion",
            "context colour",
        ]
        .get(i)
        .map_or_else(String::new, |s| s.to_string())
    }

    fn output_name(&self, o: usize) -> String {
        ["choose left", "choose right"]
            .get(o)
            .map_or_else(String::new, |s| s.to_string())
    }

    fn trial_len(&self) -> usize {
        self.go_step() + steps(DECISION_MS)
    }

    fn fill(&self, batch: &mut Batch, trials: usize, rng: &mut SeedRng) {
        cognitive::reset(batch, self.trial_len(), trials, 7, 2);
        for b in 0..trials {
            let c = self.draw(rng);
            self.render(&mut Column { batch, b }, &c, rng);
        }
    }

    fn accuracy(&self, z: &[f32], batch: &Batch) -> f32 {
        cognitive::choice_accuracy(z, batch)
    }

    fn condition_set(&self) -> Option<CubeSet> {
        None
    }

    fn conditions(&self) -> usize {
        4
    }

    fn condition_name(&self, c: u32) -> String {
        format!(
            "{} context, {}",
            CONTEXTS[(c as usize >> 1) & 1],
            if c & 1 == 1 { "right" } else { "left" }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Purpose;

    /// A hand-computed colour-context trial: motion 10 % right, colour 3 % left, so the
    /// answer is left. Stimulus 100 ms, no noise: steps 0..5 fixation, 5..10 stimulus,
    /// 10..25 decision.
    #[test]
    fn trial_matches_hand_computed_layout() {
        let task = ContextDm::new(ContextDmOptions {
            coherences: vec![3.0, 10.0],
            stimulus_ms: 100,
            noise_sd: 0.0,
        });
        assert_eq!(task.trial_len(), 25);
        let cond = ContextTrial {
            context: 1,
            motion: 10.0,
            colour: -3.0,
            right: false,
        };
        assert_eq!(cond.cued(), -3.0);
        let mut b = Batch::default();
        task.fill_with(&mut b, &[cond], &mut SeedRng::new(1, Purpose::Train));
        // motion: (1 ∓ 0.32) / 2 = 0.34 | 0.66; colour: (1 ± 0.096) / 2 = 0.548 | 0.452.
        for t in 0..25 {
            let row = &b.x[t * 7..t * 7 + 7];
            let on = if t < 10 { 1.0 } else { 0.0 };
            let want = if (5..10).contains(&t) {
                [on, 0.34, 0.66, 0.548, 0.452, 0.0, on]
            } else {
                [on, 0.0, 0.0, 0.0, 0.0, 0.0, on]
            };
            for (g, w) in row.iter().zip(want) {
                assert!((g - w).abs() < 1e-6, "t {t}: {row:?} vs {want:?}");
            }
            let (ty, tm) = match t {
                0..=4 => ([0.2, 0.2], 1.0),
                5..=9 => ([0.0, 0.0], 0.0),
                _ => ([1.0, 0.2], 1.0),
            };
            assert_eq!(&b.y[t * 2..t * 2 + 2], &ty, "t {t}");
            assert_eq!(&b.mask[t * 2..t * 2 + 2], &[tm, tm], "t {t}");
        }
    }

    /// The answer follows the cued modality in every drawn trial, and both contexts occur.
    #[test]
    fn answer_follows_the_cued_modality() {
        let task = ContextDm::new(ContextDmOptions::default());
        let mut rng = SeedRng::new(9, Purpose::Train);
        let mut contexts = [0; 2];
        let mut disagree = 0;
        for _ in 0..1000 {
            let c = task.draw(&mut rng);
            contexts[c.context] += 1;
            assert_eq!(c.right, c.cued() > 0.0);
            disagree += ((c.motion > 0.0) != (c.colour > 0.0)) as usize;
        }
        assert!(contexts.iter().all(|&n| n > 400), "{contexts:?}");
        assert!((400..600).contains(&disagree), "{disagree}");
    }
}
