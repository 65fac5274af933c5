//! Delayed match-to-sample with two items: two samples, a delay, a cue saying which sample
//! counts, a test; answer match or non-match.
//!
//! After the delayed match-to-sample of Freedman & Assad (2006) and the dual-sample
//! variants of working-memory studies; the one-item version is NeuroGym's
//! `DelayMatchSample` and Yang et al. (2019)'s `dms`. Items are one of four stimuli, shown
//! one-hot. Timing: fixation 100 ms, sample 1 200 ms, gap 200 ms, sample 2 200 ms, delay
//! (an option, 500 ms), cue 200 ms, test 200 ms, decision 300 ms. The two samples differ;
//! the cue ("first" or "second") is on from its onset until the go signal; half the trials
//! match (test = the cued sample), the other half show another item, which may be the
//! uncued sample (a lure: only the cue tells it apart).
//!
//! Channels: inputs `[fixation, item 1, item 2, item 3, item 4, cue first, cue second]`
//! (noise of standard deviation `noise_sd` on the item channels while an item is shown),
//! outputs `[match, non-match]`. Targets, mask and accuracy rule: see [`super::cognitive`].

use super::cognitive::{self, steps, Column};
use super::options::MatchTwoItemsOptions;
use super::{Batch, CubeSet, Task, TaskKind};
use crate::rng::SeedRng;
use std::ops::Range;

/// Number of distinct items.
pub const ITEMS: usize = 4;
/// Fixation period (ms).
pub const FIXATION_MS: usize = 100;
/// Each sample, the gap between them, the cue and the test (ms).
pub const ITEM_MS: usize = 200;
/// Decision period (ms).
pub const DECISION_MS: usize = 300;

/// The condition of one trial.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MatchTrial {
    /// The two samples (items `0..ITEMS`, different).
    pub samples: [usize; 2],
    /// Which sample the cue points at (0 first, 1 second).
    pub cue: usize,
    /// The test item.
    pub test: usize,
}

impl MatchTrial {
    /// The test matches the cued sample.
    pub fn is_match(&self) -> bool {
        self.test == self.samples[self.cue.min(1)]
    }

    /// The condition index (see [`MatchTwoItems::condition_name`]): `3 · cue + kind`, kind 0
    /// match, 1 non-match showing the uncued sample (lure), 2 non-match with a new item.
    pub fn condition(&self) -> u32 {
        let kind = if self.is_match() {
            0
        } else if self.test == self.samples[1 - self.cue.min(1)] {
            1
        } else {
            2
        };
        3 * self.cue.min(1) as u32 + kind
    }
}

/// The task with its options.
#[derive(Clone, Debug, PartialEq)]
pub struct MatchTwoItems {
    /// The options (validated).
    pub opts: MatchTwoItemsOptions,
}

/// The periods of a trial, in steps.
struct Epochs {
    sample1: Range<usize>,
    sample2: Range<usize>,
    cue: Range<usize>,
    test: Range<usize>,
}

impl MatchTwoItems {
    /// The task with options `opts` (which should be valid).
    pub fn new(opts: MatchTwoItemsOptions) -> Self {
        Self { opts }
    }

    fn epochs(&self) -> Epochs {
        let s1 = steps(FIXATION_MS);
        let w = steps(ITEM_MS);
        let s2 = s1 + 2 * w;
        let cue = s2 + w + steps(self.opts.delay_ms);
        Epochs {
            sample1: s1..s1 + w,
            sample2: s2..s2 + w,
            cue: cue..cue + w,
            test: cue + w..cue + 2 * w,
        }
    }

    /// Draws a trial's condition: two different samples, the cue, match or not, then the
    /// test item for a non-match (uniform over the items other than the cued sample).
    pub fn draw(&self, rng: &mut SeedRng) -> MatchTrial {
        let last = ITEMS as u32 - 1;
        let a = rng.int_inclusive(0, last) as usize;
        let b = (a + 1 + rng.int_inclusive(0, last - 1) as usize) % ITEMS;
        let cue = (rng.next_u32() & 1) as usize;
        let cued = [a, b][cue];
        let test = if rng.next_u32() & 1 == 1 {
            cued
        } else {
            (cued + 1 + rng.int_inclusive(0, last - 1) as usize) % ITEMS
        };
        MatchTrial {
            samples: [a, b],
            cue,
            test,
        }
    }

    /// Fills `batch` with one trial per condition of `conds` (noise from `rng`).
    pub fn fill_with(&self, batch: &mut Batch, conds: &[MatchTrial], rng: &mut SeedRng) {
        cognitive::reset(batch, self.trial_len(), conds.len(), 7, 2);
        for (b, c) in conds.iter().enumerate() {
            self.render(&mut Column { batch, b }, c, rng);
        }
    }

    fn render(&self, col: &mut Column, c: &MatchTrial, rng: &mut SeedRng) {
        let e = self.epochs();
        let go = e.test.end;
        col.frame(e.sample1.start, go, if c.is_match() { 0 } else { 1 });
        col.input(e.cue.start..go, 5 + c.cue.min(1), 1.0);
        for (span, item) in [
            (e.sample1, c.samples[0]),
            (e.sample2, c.samples[1]),
            (e.test, c.test),
        ] {
            col.input(span.clone(), 1 + item % ITEMS, 1.0);
            col.noise(span, 1..1 + ITEMS, self.opts.noise_sd, rng);
        }
    }
}

impl Task for MatchTwoItems {
    fn kind(&self) -> TaskKind {
        TaskKind::MatchTwoItems
    }

    fn source(&self) -> &'static str {
        "Freedman & Assad (2006), \"Experience-dependent representation of visual categories \
         in parietal cortex\", Nature 443:85-88 (delayed match-to-sample), with two samples \
         and a cue; one-item versions: NeuroGym's DelayMatchSample, Yang et al. (2019) dms"
    }

    fn inputs(&self) -> usize {
        7
    }

    fn outputs(&self) -> usize {
        2
    }

    fn input_name(&self, i: usize) -> String {
        match i {
            0 => "fixation".to_string(),
            1..=4 => format!("item {i}"),
            5 => "cue first".to_string(),
            6 => "cue second".to_string(),
            _ => String::new(),
        }
    }

    fn output_name(&self, o: usize) -> String {
        ["match", "non-match"]
            .get(o)
            .map_or_else(String::new, |s| s.to_string())
    }

    fn trial_len(&self) -> usize {
        self.epochs().test.end + steps(DECISION_MS)
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
        6
    }

    fn condition_name(&self, c: u32) -> String {
        let cue = if c < 3 { "cue first" } else { "cue second" };
        let kind = [
            "match",
            "non-match (lure: the uncued sample)",
            "non-match (new item)",
        ][c as usize % 3];
        format!("{cue}, {kind}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Purpose;

    /// A hand-computed lure trial: samples item 2 then item 4 (indices 1, 3), cue "second",
    /// test item 2 (the uncued sample), so the answer is non-match. Delay 100 ms, no noise:
    /// fixation 0..5, sample 1 5..15, gap 15..25, sample 2 25..35, delay 35..40, cue 40..50,
    /// test 50..60, decision 60..75.
    #[test]
    fn trial_matches_hand_computed_layout() {
        let task = MatchTwoItems::new(MatchTwoItemsOptions {
            delay_ms: 100,
            noise_sd: 0.0,
        });
        assert_eq!(task.trial_len(), 75);
        let cond = MatchTrial {
            samples: [1, 3],
            cue: 1,
            test: 1,
        };
        assert!(!cond.is_match());
        assert_eq!(cond.condition(), 4);
        let mut b = Batch::default();
        task.fill_with(&mut b, &[cond], &mut SeedRng::new(1, Purpose::Train));
        for t in 0..75 {
            let mut want = [0.0f32; 7];
            want[0] = if t < 60 { 1.0 } else { 0.0 };
            match t {
                5..=14 | 50..=59 => want[2] = 1.0,
                25..=34 => want[4] = 1.0,
                _ => {}
            }
            if (40..60).contains(&t) {
                want[6] = 1.0;
            }
            assert_eq!(&b.x[t * 7..t * 7 + 7], &want, "t {t}");
            let (ty, tm) = match t {
                0..=4 => ([0.2, 0.2], 1.0),
                60.. => ([0.2, 1.0], 1.0),
                _ => ([0.0, 0.0], 0.0),
            };
            assert_eq!(&b.y[t * 2..t * 2 + 2], &ty, "t {t}");
            assert_eq!(&b.mask[t * 2..t * 2 + 2], &[tm, tm], "t {t}");
        }
    }

    /// Samples always differ, half the trials match, and every condition occurs.
    #[test]
    fn draws_cover_every_condition() {
        let task = MatchTwoItems::new(MatchTwoItemsOptions::default());
        let mut rng = SeedRng::new(5, Purpose::Train);
        let mut counts = [0usize; 6];
        for _ in 0..3000 {
            let c = task.draw(&mut rng);
            assert_ne!(c.samples[0], c.samples[1]);
            assert!(c.test < ITEMS);
            counts[c.condition() as usize] += 1;
        }
        let matches = counts[0] + counts[3];
        assert!((1350..1650).contains(&matches), "{counts:?}");
        assert!(counts.iter().all(|&n| n > 200), "{counts:?}");
    }
}
