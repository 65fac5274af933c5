//! The flip-flop task of Jarne (2024), generalised to 1–8 bits.
//!
//! Each bit has its own input and output channel. A channel receives up to three pulses of
//! width `pulse_width` and amplitude ±1; its target is 0 until the first response, then the
//! sign of the latest pulse, starting `delay` steps after that pulse's falling edge
//! (onset + width + delay) and held until a later pulse overrides it. Inputs carry Gaussian
//! noise of standard deviation `noise_sd`; targets are noiseless. Defaults are the paper
//! code's values (T = 340, width 20, delay 20, noise 0.1).

use super::{Batch, CubeSet, Task, TaskConfig, TaskKind, MAX_BITS};
use crate::rng::SeedRng;

/// One pulse on one channel.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Pulse {
    /// First step of the pulse.
    pub onset: usize,
    /// +1.0 or -1.0.
    pub sign: f32,
}

/// One trial: inputs and targets, row-major `[t * bits + bit]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Trial {
    /// Time steps.
    pub trial_len: usize,
    /// Number of bits.
    pub bits: usize,
    /// Inputs (pulses plus noise), `steps * bits`.
    pub x: Vec<f32>,
    /// Targets in {-1, 0, +1}, `steps * bits`.
    pub y: Vec<f32>,
    /// The pulses of each channel, in time order (possibly starting past the end).
    pub pulses: Vec<Vec<Pulse>>,
}

impl Trial {
    pub(super) fn empty(trial_len: usize, bits: usize) -> Self {
        Self {
            trial_len,
            bits,
            x: vec![0.0; trial_len * bits],
            y: vec![0.0; trial_len * bits],
            pulses: vec![Vec::new(); bits],
        }
    }

    /// Writes `pulse` into channel `bit`: the input for `width` steps and the target from
    /// `onset + width + delay` to the end (later pulses overwrite the tail again).
    pub(super) fn add_pulse(&mut self, bit: usize, pulse: Pulse, width: usize, delay: usize) {
        let (trial_len, bits) = (self.trial_len, self.bits);
        for t in pulse.onset..(pulse.onset + width).min(trial_len) {
            self.x[t * bits + bit] = pulse.sign;
        }
        for t in (pulse.onset + width + delay).min(trial_len)..trial_len {
            self.y[t * bits + bit] = pulse.sign;
        }
        self.pulses[bit].push(pulse);
    }
}

/// The (up to three) pulses of one channel, in time order; `None` = absent.
type ChannelPulses = [Option<Pulse>; 3];

/// Draws the pulses of every channel (channels in order 0..bits), as the paper's code does.
fn draw_pulses(cfg: &TaskConfig, rng: &mut SeedRng) -> [ChannelPulses; MAX_BITS] {
    let mut out = [[None; 3]; MAX_BITS];
    for ch in out.iter_mut().take(cfg.bits) {
        let f = rng.int_inclusive(cfg.first_onset_min as u32, cfg.first_onset_max as u32) as usize;
        let first_present = rng.unit_f64() >= cfg.p_no_first;
        let s1 = sign(rng);
        let a = rng.int_inclusive(1, cfg.jitter as u32) as usize;
        let s2 = sign(rng);
        let b = rng.int_inclusive(1, cfg.jitter as u32) as usize;
        let s3 = sign(rng);
        let o2 = f + cfg.second_gap + a;
        let o3 = o2 + cfg.third_gap + b;
        *ch = [
            first_present.then_some(Pulse { onset: f, sign: s1 }),
            Some(Pulse {
                onset: o2,
                sign: s2,
            }),
            Some(Pulse {
                onset: o3,
                sign: s3,
            }),
        ];
    }
    out
}

/// Writes one trial into strided storage: element (t, bit) lives at `t * rs + base + bit`.
/// Inputs are the pulses plus noise drawn step-major (t, then bit); targets follow the rule
/// in the module docs. Every slot of the trial is overwritten.
fn render(
    cfg: &TaskConfig,
    pulses: &[ChannelPulses],
    rng: &mut SeedRng,
    x: &mut [f32],
    y: &mut [f32],
    rs: usize,
    base: usize,
) {
    let (trial_len, bits) = (cfg.trial_len, cfg.bits);
    for t in 0..trial_len {
        for bit in 0..bits {
            x[t * rs + base + bit] = 0.0;
            y[t * rs + base + bit] = 0.0;
        }
    }
    for (bit, ch) in pulses.iter().enumerate().take(bits) {
        for p in ch.iter().flatten() {
            for t in p.onset.min(trial_len)..(p.onset + cfg.pulse_width).min(trial_len) {
                x[t * rs + base + bit] = p.sign;
            }
            for t in (p.onset + cfg.pulse_width + cfg.delay).min(trial_len)..trial_len {
                y[t * rs + base + bit] = p.sign;
            }
        }
    }
    if cfg.noise_sd > 0.0 {
        for t in 0..trial_len {
            for bit in 0..bits {
                x[t * rs + base + bit] += cfg.noise_sd * rng.normal() as f32;
            }
        }
    }
}

/// Draws one training trial. Channels are drawn in order 0..bits, then the noise, step-major.
pub fn trial(cfg: &TaskConfig, rng: &mut SeedRng) -> Trial {
    let mut tr = Trial::empty(cfg.trial_len, cfg.bits);
    let pulses = draw_pulses(cfg, rng);
    render(cfg, &pulses, rng, &mut tr.x, &mut tr.y, cfg.bits, 0);
    for (bit, ch) in pulses.iter().enumerate().take(cfg.bits) {
        tr.pulses[bit] = ch.iter().flatten().copied().collect();
    }
    tr
}

/// Fills `out` with `batch` fresh trials from `rng`: the same draws as [`trial`] called
/// `batch` times, laid out time-major. The loss mask stays empty (every step is scored).
pub(super) fn fill(cfg: &TaskConfig, out: &mut Batch, batch: usize, rng: &mut SeedRng) {
    let bits = cfg.bits;
    out.reshape(cfg.trial_len, batch, bits, bits);
    for b in 0..batch {
        let pulses = draw_pulses(cfg, rng);
        render(
            cfg,
            &pulses,
            rng,
            &mut out.x,
            &mut out.y,
            batch * bits,
            b * bits,
        );
    }
}

/// Fraction of (trial, step, bit) with target ≠ 0 where sign(z) = target (1 if there are
/// none): the flip-flop's accuracy rule. `z` and `y` have the same layout.
pub fn sign_accuracy(z: &[f32], y: &[f32]) -> f32 {
    let (mut hit, mut total) = (0u64, 0u64);
    for (z, y) in z.iter().zip(y) {
        if *y != 0.0 {
            total += 1;
            if (*z > 0.0) == (*y > 0.0) {
                hit += 1;
            }
        }
    }
    if total > 0 {
        (hit as f64 / total as f64) as f32
    } else {
        1.0
    }
}

/// The flip-flop task (see the module docs) with its parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct FlipFlop {
    cfg: TaskConfig,
}

impl FlipFlop {
    /// The task with parameters `cfg` (whose `kind` is ignored).
    pub fn new(cfg: TaskConfig) -> Self {
        Self { cfg }
    }
}

impl Task for FlipFlop {
    fn kind(&self) -> TaskKind {
        TaskKind::FlipFlop
    }

    fn source(&self) -> &'static str {
        "Jarne (2024), \"Exploring Flip Flop memories and beyond: training Recurrent Neural \
         Networks with key insights\", Front. Syst. Neurosci. 18:1269190, \
         doi:10.3389/fnsys.2024.1269190 (the 3-bit flip-flop, generalised to 1-8 bits)"
    }

    fn inputs(&self) -> usize {
        self.cfg.bits
    }

    fn outputs(&self) -> usize {
        self.cfg.bits
    }

    fn input_name(&self, i: usize) -> String {
        format!("input {}", i + 1)
    }

    fn output_name(&self, o: usize) -> String {
        format!("output {}", o + 1)
    }

    fn trial_len(&self) -> usize {
        self.cfg.trial_len
    }

    fn fill(&self, batch: &mut Batch, trials: usize, rng: &mut SeedRng) {
        fill(&self.cfg, batch, trials, rng);
    }

    fn accuracy(&self, z: &[f32], batch: &Batch) -> f32 {
        sign_accuracy(z, &batch.y)
    }

    fn condition_set(&self) -> Option<CubeSet> {
        Some(super::cube_set(&self.cfg))
    }

    fn conditions(&self) -> usize {
        1 << self.cfg.bits
    }

    fn condition_name(&self, c: u32) -> String {
        super::state_name(c, self.cfg.bits)
    }
}

fn sign(rng: &mut SeedRng) -> f32 {
    if rng.next_u32() & 1 == 1 {
        1.0
    } else {
        -1.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Purpose;
    use crate::task::{cube_set, state_name};

    /// Rebuilds the targets from the recorded pulses by the rule, independently of `add_pulse`.
    fn targets_by_rule(tr: &Trial, cfg: &TaskConfig) -> Vec<f32> {
        let mut y = vec![0.0; tr.trial_len * tr.bits];
        for bit in 0..tr.bits {
            for t in 0..tr.trial_len {
                let latest = tr.pulses[bit]
                    .iter()
                    .filter(|p| p.onset + cfg.pulse_width + cfg.delay <= t)
                    .max_by_key(|p| p.onset);
                y[t * tr.bits + bit] = latest.map_or(0.0, |p| p.sign);
            }
        }
        y
    }

    #[test]
    fn trial_invariants_over_many_seeds() {
        let cfg = TaskConfig {
            noise_sd: 0.0,
            ..TaskConfig::default()
        };
        for seed in 0..300 {
            let mut rng = SeedRng::new(seed, Purpose::Train);
            let tr = trial(&cfg, &mut rng);
            assert_eq!(tr.x.len(), 340 * 3);
            assert_eq!(tr.y, targets_by_rule(&tr, &cfg), "seed {seed}");
            for bit in 0..3 {
                let ps = &tr.pulses[bit];
                assert!(ps.len() == 2 || ps.len() == 3);
                let first = ps[0].onset;
                if ps.len() == 3 {
                    assert!((10..=99).contains(&first));
                }
                // gaps as in the paper's code
                let n = ps.len();
                let (o2, o3) = (ps[n - 2].onset, ps[n - 1].onset);
                assert!((101..=150).contains(&(o3 - o2)), "third gap {}", o3 - o2);
                assert!((81..=99 + 120).contains(&o2));
                // each pulse is exactly pulse_width wide (or cut at T), sign ±1
                for p in ps {
                    assert!(p.sign == 1.0 || p.sign == -1.0);
                    let end = (p.onset + 20).min(340);
                    for t in p.onset.min(340)..end {
                        assert_eq!(tr.x[t * 3 + bit], p.sign);
                    }
                }
                // outside pulses the noiseless input is 0
                for t in 0..340 {
                    let inside = ps.iter().any(|p| t >= p.onset && t < p.onset + 20);
                    if !inside {
                        assert_eq!(tr.x[t * 3 + bit], 0.0);
                    }
                }
                // the last step is not forced to 0 (a quirk of the original we do not copy)
                let last = tr.y[339 * 3 + bit];
                let want = targets_by_rule(&tr, &cfg)[339 * 3 + bit];
                assert_eq!(last, want);
            }
        }
    }

    #[test]
    fn first_pulse_absent_about_one_third() {
        let cfg = TaskConfig::default();
        let mut rng = SeedRng::new(5, Purpose::Train);
        let mut absent = 0;
        let n = 3000;
        for _ in 0..n {
            let tr = trial(&cfg, &mut rng);
            absent += tr.pulses.iter().filter(|p| p.len() == 2).count();
        }
        let frac = absent as f64 / (3 * n) as f64;
        assert!((frac - 1.0 / 3.0).abs() < 0.02, "{frac}");
    }

    #[test]
    fn noise_statistics() {
        let cfg = TaskConfig::default();
        let clean = TaskConfig {
            noise_sd: 0.0,
            ..cfg.clone()
        };
        let mut resid = Vec::new();
        for seed in 0..50 {
            let a = trial(&cfg, &mut SeedRng::new(seed, Purpose::Train));
            let b = trial(&clean, &mut SeedRng::new(seed, Purpose::Train));
            assert_eq!(a.y, b.y, "noise must not touch targets");
            resid.extend(a.x.iter().zip(&b.x).map(|(p, q)| (p - q) as f64));
        }
        let n = resid.len() as f64;
        let mean = resid.iter().sum::<f64>() / n;
        let sd = (resid.iter().map(|r| (r - mean) * (r - mean)).sum::<f64>() / n).sqrt();
        assert!(mean.abs() < 0.003, "{mean}");
        assert!((sd - 0.1).abs() < 0.003, "{sd}");
    }

    #[test]
    fn deterministic_per_seed() {
        let cfg = TaskConfig::default();
        let a = trial(&cfg, &mut SeedRng::new(11, Purpose::Train));
        let b = trial(&cfg, &mut SeedRng::new(11, Purpose::Train));
        let c = trial(&cfg, &mut SeedRng::new(12, Purpose::Train));
        assert_eq!(a, b);
        assert_ne!(a.x, c.x);
    }

    #[test]
    fn batch_layout_round_trips() {
        let cfg = TaskConfig {
            bits: 2,
            trial_len: 50,
            ..TaskConfig::default()
        };
        let mut rng = SeedRng::new(1, Purpose::Train);
        let trials: Vec<Trial> = (0..4).map(|_| trial(&cfg, &mut rng)).collect();
        let mut b = Batch::default();
        b.fill_from(&trials);
        for (i, tr) in trials.iter().enumerate() {
            let back = b.trial(i);
            assert_eq!(back.x, tr.x);
            assert_eq!(back.y, tr.y);
        }
    }

    #[test]
    fn cube_set_visits_every_state_twice_in_counting_order() {
        for bits in 1..=4 {
            let cfg = TaskConfig {
                bits,
                ..TaskConfig::default()
            };
            let cube = cube_set(&cfg);
            assert!(
                cube.trial.x.iter().all(|v| *v == 0.0 || v.abs() == 1.0),
                "no noise"
            );
            // sequence of distinct consecutive states
            let mut seq: Vec<u32> = Vec::new();
            for s in cube.state.iter().flatten() {
                if seq.last() != Some(s) {
                    seq.push(*s);
                }
            }
            let n = 1u32 << bits;
            let want: Vec<u32> = (0..2 * n).map(|k| k % n).collect();
            assert_eq!(seq, want, "bits {bits}");
            // the start is labelled None, not a state
            assert_eq!(cube.state[0], None);
        }
        let cube = cube_set(&TaskConfig::default());
        assert_eq!(cube.trial.trial_len, 1170);
        // channel 0 flips at every pulse, channel 1 every 2nd, channel 2 every 4th
        assert_eq!(state_name(5, 3), "+1 -1 +1");
    }
}
