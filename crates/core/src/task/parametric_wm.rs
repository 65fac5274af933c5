//! Parametric working memory (Romo, Brody, Hernández & Lemus 1999): two vibrotactile
//! frequencies f1 and f2 separated by a delay; answer whether f1 > f2.
//!
//! Frequencies, encoding and timing follow pycog's `romo.py` (Song, Yang & Wang 2016, after
//! Barak, Tsodyks & Romo 2010): the pairs (f1, f2) ∈ {(18, 10), (22, 14), (26, 18),
//! (30, 22), (34, 26)} Hz, each also presented in reverse order (10 conditions); a frequency
//! is shown on two channels with opposite tuning, `0.2 + 0.8 (f - 10) / 24` and
//! `0.2 + 0.8 (34 - f) / 24`; f1 lasts 500 ms, f2 500 ms, the decision 300 ms. The delay is
//! drawn per trial on the multiples of 20 ms in `delay_min_ms..=delay_max_ms` (1–3 s by
//! default). So that every trial has the same length and the decision ends the trial, the
//! fixation period is 100 ms plus `delay_max_ms - delay` (the network cannot time f2 from
//! trial onset).
//!
//! Channels: inputs `[fixation, f positive, f negative]` (noise of standard deviation
//! `noise_sd` on the two frequency channels while a frequency is shown), outputs
//! `[f1 > f2, f1 < f2]`. Targets, mask and accuracy rule: see [`super::cognitive`].

use super::cognitive::{self, steps, Column, DT_MS};
use super::options::ParametricWmOptions;
use super::{Batch, CubeSet, Task, TaskKind};
use crate::rng::SeedRng;

/// The frequency pairs (f1 > f2) in Hz; each is also shown reversed.
pub const PAIRS: [(u32, u32); 5] = [(18, 10), (22, 14), (26, 18), (30, 22), (34, 26)];
/// Lowest frequency (Hz).
pub const F_MIN: f32 = 10.0;
/// Highest frequency (Hz).
pub const F_MAX: f32 = 34.0;
/// Fixation period before the padding (ms).
pub const FIXATION_MS: usize = 100;
/// Duration of each frequency (ms).
pub const STIMULUS_MS: usize = 500;
/// Decision period (ms).
pub const DECISION_MS: usize = 300;

/// The condition of one trial.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct WmTrial {
    /// First frequency (Hz).
    pub f1: u32,
    /// Second frequency (Hz).
    pub f2: u32,
    /// Delay between them (ms, a multiple of 20).
    pub delay_ms: usize,
}

/// The positively tuned channel's value for frequency `f` (Hz).
pub fn scale_pos(f: f32) -> f32 {
    0.2 + 0.8 * (f - F_MIN) / (F_MAX - F_MIN)
}

/// The negatively tuned channel's value for frequency `f` (Hz).
pub fn scale_neg(f: f32) -> f32 {
    0.2 + 0.8 * (F_MAX - f) / (F_MAX - F_MIN)
}

/// The task with its options.
#[derive(Clone, Debug, PartialEq)]
pub struct ParametricWm {
    /// The options (validated).
    pub opts: ParametricWmOptions,
}

impl ParametricWm {
    /// The task with options `opts` (which should be valid).
    pub fn new(opts: ParametricWmOptions) -> Self {
        Self { opts }
    }

    /// The ten (f1, f2) conditions: each pair, then reversed.
    pub fn pairs() -> Vec<(u32, u32)> {
        PAIRS.iter().flat_map(|&(a, b)| [(a, b), (b, a)]).collect()
    }

    /// Draws a trial's condition: a pair, its order, then the delay.
    pub fn draw(&self, rng: &mut SeedRng) -> WmTrial {
        let (a, b) = PAIRS[rng.int_inclusive(0, PAIRS.len() as u32 - 1) as usize];
        let (f1, f2) = if rng.next_u32() & 1 == 1 {
            (a, b)
        } else {
            (b, a)
        };
        let lo = (self.opts.delay_min_ms / DT_MS) as u32;
        let hi = (self.opts.delay_max_ms / DT_MS) as u32;
        let delay_ms = rng.int_inclusive(lo, hi) as usize * DT_MS;
        WmTrial { f1, f2, delay_ms }
    }

    /// Fills `batch` with one trial per condition of `conds` (noise from `rng`). Delays
    /// outside the options' range are clamped to it.
    pub fn fill_with(&self, batch: &mut Batch, conds: &[WmTrial], rng: &mut SeedRng) {
        cognitive::reset(batch, self.trial_len(), conds.len(), 3, 2);
        for (b, c) in conds.iter().enumerate() {
            self.render(&mut Column { batch, b }, c, rng);
        }
    }

    fn render(&self, col: &mut Column, c: &WmTrial, rng: &mut SeedRng) {
        let delay = c
            .delay_ms
            .clamp(self.opts.delay_min_ms, self.opts.delay_max_ms);
        let fix = steps(FIXATION_MS + self.opts.delay_max_ms - delay);
        let f1 = fix..fix + steps(STIMULUS_MS);
        let f2_on = f1.end + steps(delay);
        let f2 = f2_on..f2_on + steps(STIMULUS_MS);
        let go = f2.end;
        col.frame(fix, go, if c.f1 > c.f2 { 0 } else { 1 });
        for (span, f) in [(f1, c.f1), (f2, c.f2)] {
            col.input(span.clone(), 1, scale_pos(f as f32));
            col.input(span.clone(), 2, scale_neg(f as f32));
            col.noise(span, 1..3, self.opts.noise_sd, rng);
        }
    }
}

impl Task for ParametricWm {
    fn kind(&self) -> TaskKind {
        TaskKind::ParametricWm
    }

    fn source(&self) -> &'static str {
        "Romo, Brody, Hernández & Lemus (1999), \"Neuronal correlates of parametric working \
         memory in the prefrontal cortex\", Nature 399:470-473; frequencies and encoding of \
         pycog's romo.py (Song, Yang & Wang 2016; Barak, Tsodyks & Romo 2010)"
    }

    fn inputs(&self) -> usize {
        3
    }

    fn outputs(&self) -> usize {
        2
    }

    fn input_name(&self, i: usize) -> String {
        ["fixation", "f (positive tuning)", "f (negative tuning)"]
            .get(i)
            .map_or_else(String::new, |s| s.to_string())
    }

    fn output_name(&self, o: usize) -> String {
        ["f1 > f2", "f1 < f2"]
            .get(o)
            .map_or_else(String::new, |s| s.to_string())
    }

    fn trial_len(&self) -> usize {
        steps(FIXATION_MS + 2 * STIMULUS_MS + self.opts.delay_max_ms + DECISION_MS)
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
        10
    }

    fn condition_name(&self, c: u32) -> String {
        let pairs = Self::pairs();
        let (f1, f2) = pairs[c as usize % pairs.len()];
        format!("f1 {f1} Hz, f2 {f2} Hz")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Purpose;

    /// A hand-computed trial: delays 200..=400 ms, this one 200 ms, f1 = 14, f2 = 22 Hz, no
    /// noise. Fixation 100 + (400 - 200) ms = steps 0..15, f1 15..40, delay 40..50,
    /// f2 50..75, decision 75..90.
    #[test]
    fn trial_matches_hand_computed_layout() {
        let task = ParametricWm::new(ParametricWmOptions {
            delay_min_ms: 200,
            delay_max_ms: 400,
            noise_sd: 0.0,
        });
        assert_eq!(task.trial_len(), 90);
        let cond = WmTrial {
            f1: 14,
            f2: 22,
            delay_ms: 200,
        };
        let mut b = Batch::default();
        task.fill_with(&mut b, &[cond], &mut SeedRng::new(1, Purpose::Train));
        // f = 14: 0.2 + 0.8 · 4 / 24 = 0.33333 | 0.2 + 0.8 · 20 / 24 = 0.86667;
        // f = 22: 0.6 | 0.6.
        for t in 0..90 {
            let on = if t < 75 { 1.0 } else { 0.0 };
            let want = match t {
                15..=39 => [on, 1.0 / 3.0, 0.2 + 0.8 * 20.0 / 24.0],
                50..=74 => [on, 0.6, 0.6],
                _ => [on, 0.0, 0.0],
            };
            let row = &b.x[t * 3..t * 3 + 3];
            for (g, w) in row.iter().zip(want) {
                assert!((g - w).abs() < 1e-6, "t {t}: {row:?} vs {want:?}");
            }
            let (ty, tm) = match t {
                0..=14 => ([0.2, 0.2], 1.0),
                75.. => ([0.2, 1.0], 1.0),
                _ => ([0.0, 0.0], 0.0),
            };
            assert_eq!(&b.y[t * 2..t * 2 + 2], &ty, "t {t}");
            assert_eq!(&b.mask[t * 2..t * 2 + 2], &[tm, tm], "t {t}");
        }
    }

    /// Draws cover the ten conditions and the whole delay range, on the 20 ms grid.
    #[test]
    fn draws_cover_pairs_and_delays() {
        let task = ParametricWm::new(ParametricWmOptions::default());
        let mut rng = SeedRng::new(2, Purpose::Train);
        let mut pairs = std::collections::BTreeSet::new();
        let (mut lo, mut hi) = (usize::MAX, 0);
        for _ in 0..3000 {
            let c = task.draw(&mut rng);
            pairs.insert((c.f1, c.f2));
            assert_eq!(c.delay_ms % 20, 0);
            lo = lo.min(c.delay_ms);
            hi = hi.max(c.delay_ms);
        }
        assert_eq!(pairs.len(), 10);
        assert_eq!((lo, hi), (1000, 3000));
        assert_eq!(task.trial_len(), 220);
    }
}
