//! Perceptual decision making: which of two noisy evidence streams is stronger?
//!
//! The random-dot motion discrimination of Britten, Shadlen, Newsome & Movshon (1992) as
//! pycog's `rdm_fixed.py` lays it out (Song, Yang & Wang 2016): fixation 100 ms, stimulus
//! 800 ms (an option), decision 300 ms; NeuroGym's `PerceptualDecisionMaking` (Molano-Mazón
//! et al. 2022) has the same structure with a ring of directions.
//!
//! Channels: inputs `[fixation, evidence left, evidence right]`, outputs
//! `[choose left, choose right]`. A trial draws an unsigned coherence `c` from the option's
//! list and a direction; its signed coherence is `s = +c` (right) or `-c` (left). During the
//! stimulus the right channel carries `(1 + 3.2 s / 100) / 2` and the left one
//! `(1 - 3.2 s / 100) / 2` (pycog's encoding), each plus Gaussian noise of standard
//! deviation `noise_sd` per step. At zero coherence the "correct" direction is still drawn,
//! so an ideal observer scores 50 % there. Targets, mask and accuracy rule: see
//! [`super::cognitive`].

use super::cognitive::{self, steps, Column, CHOICE_0, CHOICE_1};
use super::options::PerceptualDmOptions;
use super::{Batch, CubeSet, Task, TaskKind};
use crate::rng::SeedRng;

/// Fixation period (ms).
pub const FIXATION_MS: usize = 100;
/// Decision period (ms).
pub const DECISION_MS: usize = 300;

/// The condition of one trial.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DmTrial {
    /// Signed coherence in %: positive means the evidence favours "right".
    pub coherence: f32,
    /// The correct choice is "right" (at zero coherence, a coin flip).
    pub right: bool,
}

/// The task with its options.
#[derive(Clone, Debug, PartialEq)]
pub struct PerceptualDm {
    /// The options (validated).
    pub opts: PerceptualDmOptions,
}

impl PerceptualDm {
    /// The task with options `opts` (which should be valid).
    pub fn new(opts: PerceptualDmOptions) -> Self {
        Self { opts }
    }

    /// Steps of the fixation and stimulus periods (the decision starts after them).
    pub fn go_step(&self) -> usize {
        steps(FIXATION_MS) + steps(self.opts.stimulus_ms)
    }

    /// Draws a trial's condition: a coherence of the list, then a direction.
    pub fn draw(&self, rng: &mut SeedRng) -> DmTrial {
        let n = self.opts.coherences.len() as u32;
        let c = self.opts.coherences[rng.int_inclusive(0, n - 1) as usize];
        let right = rng.next_u32() & 1 == 1;
        DmTrial {
            coherence: if right { c } else { -c },
            right,
        }
    }

    /// Fills `batch` with one trial per condition of `conds` (noise from `rng`).
    pub fn fill_with(&self, batch: &mut Batch, conds: &[DmTrial], rng: &mut SeedRng) {
        cognitive::reset(batch, self.trial_len(), conds.len(), 3, 2);
        for (b, c) in conds.iter().enumerate() {
            self.render(&mut Column { batch, b }, c, rng);
        }
    }

    fn render(&self, col: &mut Column, c: &DmTrial, rng: &mut SeedRng) {
        let (fix, go) = (steps(FIXATION_MS), self.go_step());
        col.frame(fix, go, if c.right { CHOICE_1 } else { CHOICE_0 });
        col.input(fix..go, 1, cognitive::evidence(-c.coherence));
        col.input(fix..go, 2, cognitive::evidence(c.coherence));
        col.noise(fix..go, 1..3, self.opts.noise_sd, rng);
    }
}

impl Task for PerceptualDm {
    fn kind(&self) -> TaskKind {
        TaskKind::PerceptualDm
    }

    fn source(&self) -> &'static str {
        "Britten, Shadlen, Newsome & Movshon (1992), \"The analysis of visual motion: a \
         comparison of neuronal and psychophysical performance\", J. Neurosci. 12:4745; \
         layout of pycog's rdm_fixed.py (Song, Yang & Wang 2016, PLoS Comput. Biol. \
         12:e1004792)"
    }

    fn inputs(&self) -> usize {
        3
    }

    fn outputs(&self) -> usize {
        2
    }

    fn input_name(&self, i: usize) -> String {
        ["fixation", "evidence left", "evidence right"]
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
        cognitive::reset(batch, self.trial_len(), trials, 3, 2);
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
        2
    }

    fn condition_name(&self, c: u32) -> String {
        if c == 0 { "left" } else { "right" }.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Purpose;

    /// A hand-computed trial: stimulus 100 ms, no noise, coherence 25.6 % to the left.
    /// Steps 0..5 fixation, 5..10 stimulus, 10..25 decision.
    #[test]
    fn trial_matches_hand_computed_layout() {
        let task = PerceptualDm::new(PerceptualDmOptions {
            coherences: vec![25.6],
            stimulus_ms: 100,
            noise_sd: 0.0,
        });
        assert_eq!(task.trial_len(), 25);
        let mut b = Batch::default();
        let cond = DmTrial {
            coherence: -25.6,
            right: false,
        };
        task.fill_with(&mut b, &[cond], &mut SeedRng::new(1, Purpose::Train));
        let x = |t: usize, i: usize| b.x[t * 3 + i];
        let y = |t: usize, o: usize| b.y[t * 2 + o];
        let m = |t: usize, o: usize| b.mask[t * 2 + o];
        // (1 ± 3.2 · 0.256) / 2 = 0.90960 (left) and 0.09040 (right).
        for t in 0..25 {
            let fix = if t < 10 { 1.0 } else { 0.0 };
            let (l, r) = if (5..10).contains(&t) {
                (0.9096, 0.0904)
            } else {
                (0.0, 0.0)
            };
            assert_eq!(x(t, 0), fix, "t {t}");
            assert!(
                (x(t, 1) - l).abs() < 1e-6 && (x(t, 2) - r).abs() < 1e-6,
                "t {t}"
            );
            let (ty, tm) = match t {
                0..=4 => ([0.2, 0.2], 1.0),
                5..=9 => ([0.0, 0.0], 0.0),
                _ => ([1.0, 0.2], 1.0),
            };
            assert_eq!([y(t, 0), y(t, 1)], ty, "t {t}");
            assert_eq!([m(t, 0), m(t, 1)], [tm, tm], "t {t}");
        }
        // The accuracy rule reads the last step: the target scores 1, its mirror 0.
        assert_eq!(task.accuracy(&b.y, &b), 1.0);
        let flipped: Vec<f32> = b.y.chunks(2).flat_map(|r| [r[1], r[0]]).collect();
        assert_eq!(task.accuracy(&flipped, &b), 0.0);
    }

    /// Noise lands on the evidence channels during the stimulus only, and draws cover both
    /// directions and every coherence.
    #[test]
    fn noise_and_draws() {
        let task = PerceptualDm::new(PerceptualDmOptions::default());
        let mut b = Batch::default();
        let mut rng = SeedRng::new(4, Purpose::Train);
        task.fill(&mut b, 400, &mut rng);
        let (t_len, go) = (task.trial_len(), task.go_step());
        assert_eq!(t_len, 5 + 40 + 15);
        for t in 0..t_len {
            for i in 0..400 {
                let at = (t * 400 + i) * 3;
                if !(5..go).contains(&t) {
                    assert_eq!(b.x[at + 1], 0.0);
                    assert_eq!(b.x[at + 2], 0.0);
                }
            }
        }
        let mut seen = std::collections::BTreeSet::new();
        let mut rights = 0;
        for _ in 0..2000 {
            let c = task.draw(&mut rng);
            seen.insert((c.coherence * 10.0).round() as i32);
            rights += c.right as usize;
            assert_eq!(c.coherence >= 0.0, c.right || c.coherence == 0.0);
        }
        assert_eq!(seen.len(), 11, "{seen:?}");
        assert!((900..1100).contains(&rights), "{rights}");
    }
}
