//! The flip-flop task of Jarne (2024), generalised to 1–8 bits.
//!
//! Each bit has its own input and output channel. A channel receives up to three pulses of
//! width `pulse_width` and amplitude ±1; its target is 0 until the first response, then the
//! sign of the latest pulse, starting `delay` steps after that pulse's falling edge
//! (onset + width + delay) and held until a later pulse overrides it. Inputs carry Gaussian
//! noise of standard deviation `noise_sd`; targets are noiseless. Defaults are the paper
//! code's values (T = 340, width 20, delay 20, noise 0.1).

use crate::error::ConfigError;
use crate::rng::SeedRng;
use serde::{Deserialize, Serialize};

/// Most bits the lab supports (2^8 = 256 memory states).
pub const MAX_BITS: usize = 8;

/// Everything that defines the trial distribution. Defaults are the paper's code.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TaskConfig {
    /// Number of independent bits (channels), 1..=8.
    pub bits: usize,
    /// Trial length in time steps (Keras: timesteps; paper code: 320 + delay = 340). Older
    /// files and links call it `steps`.
    #[serde(alias = "trial_len")]
    pub trial_len: usize,
    /// Pulse width in steps (20).
    pub pulse_width: usize,
    /// Steps between a pulse's falling edge and the target switching (20).
    pub delay: usize,
    /// Standard deviation of Gaussian noise added to the inputs (0.1).
    pub noise_sd: f32,
    /// First pulse onset is uniform on `first_onset_min..=first_onset_max` (10..=99).
    pub first_onset_min: usize,
    /// See `first_onset_min`.
    pub first_onset_max: usize,
    /// Second pulse onset = first onset + `second_gap` + a, a ~ U{1..jitter} (70).
    pub second_gap: usize,
    /// Third pulse onset = second onset + `third_gap` + b, b ~ U{1..jitter} (100).
    pub third_gap: usize,
    /// Upper end of the jitters a and b (50).
    pub jitter: usize,
    /// Probability that a channel's first pulse is absent (1/3: its sign is drawn from {+1, -1, 0}).
    pub p_no_first: f64,
}

impl Default for TaskConfig {
    fn default() -> Self {
        Self {
            bits: 3,
            trial_len: 340,
            pulse_width: 20,
            delay: 20,
            noise_sd: 0.1,
            first_onset_min: 10,
            first_onset_max: 99,
            second_gap: 70,
            third_gap: 100,
            jitter: 50,
            p_no_first: 1.0 / 3.0,
        }
    }
}

impl TaskConfig {
    /// Checks every field against its allowed range.
    pub fn validate(&self) -> Result<(), ConfigError> {
        ConfigError::check_int("bits", self.bits, 1, MAX_BITS)?;
        ConfigError::check_int("trial_len", self.trial_len, 10, 20_000)?;
        ConfigError::check_int("pulse_width", self.pulse_width, 1, 1_000)?;
        ConfigError::check_int("delay", self.delay, 0, 1_000)?;
        ConfigError::check_f64("noise_sd", self.noise_sd as f64, 0.0, 2.0)?;
        ConfigError::check_int("first_onset_min", self.first_onset_min, 0, 10_000)?;
        ConfigError::check_int(
            "first_onset_max",
            self.first_onset_max,
            self.first_onset_min,
            10_000,
        )?;
        ConfigError::check_int("second_gap", self.second_gap, 1, 10_000)?;
        ConfigError::check_int("third_gap", self.third_gap, 1, 10_000)?;
        ConfigError::check_int("jitter", self.jitter, 1, 10_000)?;
        ConfigError::check_f64("p_no_first", self.p_no_first, 0.0, 1.0)?;
        Ok(())
    }
}

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
    fn empty(trial_len: usize, bits: usize) -> Self {
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
    fn add_pulse(&mut self, bit: usize, pulse: Pulse, width: usize, delay: usize) {
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

fn sign(rng: &mut SeedRng) -> f32 {
    if rng.next_u32() & 1 == 1 {
        1.0
    } else {
        -1.0
    }
}

/// A batch of trials in time-major layout, the layout the trainer consumes:
/// `x[(t * batch + b) * bits + bit]`, likewise `y`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Batch {
    /// Time steps per trial.
    pub trial_len: usize,
    /// Trials.
    pub batch: usize,
    /// Bits.
    pub bits: usize,
    /// Inputs.
    pub x: Vec<f32>,
    /// Targets.
    pub y: Vec<f32>,
}

impl Batch {
    /// Fills `self` (reusing its buffers, so no allocation once they have the size) with
    /// `batch` fresh trials from `rng`; the same draws as [`trial`] called `batch` times.
    pub fn fill(&mut self, cfg: &TaskConfig, batch: usize, rng: &mut SeedRng) {
        let (trial_len, bits) = (cfg.trial_len, cfg.bits);
        self.trial_len = trial_len;
        self.batch = batch;
        self.bits = bits;
        self.x.resize(trial_len * batch * bits, 0.0);
        self.y.resize(trial_len * batch * bits, 0.0);
        for b in 0..batch {
            let pulses = draw_pulses(cfg, rng);
            render(
                cfg,
                &pulses,
                rng,
                &mut self.x,
                &mut self.y,
                batch * bits,
                b * bits,
            );
        }
    }

    /// A new batch of `batch` trials.
    pub fn generate(cfg: &TaskConfig, batch: usize, rng: &mut SeedRng) -> Self {
        let mut b = Self::default();
        b.fill(cfg, batch, rng);
        b
    }

    /// Lays out given trials (all of the same shape) time-major.
    pub fn fill_from(&mut self, trials: &[Trial]) {
        let (trial_len, bits) = trials.first().map_or((0, 0), |t| (t.trial_len, t.bits));
        let batch = trials.len();
        self.trial_len = trial_len;
        self.batch = batch;
        self.bits = bits;
        self.x.resize(trial_len * batch * bits, 0.0);
        self.y.resize(trial_len * batch * bits, 0.0);
        for (b, tr) in trials.iter().enumerate() {
            for t in 0..trial_len {
                let dst = (t * batch + b) * bits;
                self.x[dst..dst + bits].copy_from_slice(&tr.x[t * bits..(t + 1) * bits]);
                self.y[dst..dst + bits].copy_from_slice(&tr.y[t * bits..(t + 1) * bits]);
            }
        }
    }

    /// Trial `b` back out of the batch as a [`Trial`] (pulses not recorded).
    pub fn trial(&self, b: usize) -> Trial {
        let mut tr = Trial::empty(self.trial_len, self.bits);
        for t in 0..self.trial_len {
            let src = (t * self.batch + b) * self.bits;
            tr.x[t * self.bits..(t + 1) * self.bits].copy_from_slice(&self.x[src..src + self.bits]);
            tr.y[t * self.bits..(t + 1) * self.bits].copy_from_slice(&self.y[src..src + self.bits]);
        }
        tr
    }
}

/// The memory-state test set ("cube set"): noiseless simultaneous pulses on every channel,
/// one every `period` steps, that make the register count through all `2^bits` states twice.
#[derive(Clone, Debug, PartialEq)]
pub struct CubeSet {
    /// The trial (one sequence).
    pub trial: Trial,
    /// Memory state of each step from the targets: `Some(s)` where every target is non-zero,
    /// with bit `j` of `s` set iff channel `j` holds +1; `None` before the first response.
    pub state: Vec<Option<u32>>,
}

/// Steps between successive pulses of the cube set (the paper's 70).
pub const CUBE_PERIOD: usize = 70;
/// Onset of the cube set's first pulse (the paper's 30).
pub const CUBE_FIRST_ONSET: usize = 30;

/// The binary counter value at pulse `k`: channel `j` is +1 iff bit `j` of `k mod 2^bits` is set,
/// so channel 0 flips at every pulse, channel 1 every second pulse, and so on.
pub fn state_signs(state: u32, bits: usize) -> Vec<f32> {
    (0..bits)
        .map(|j| if (state >> j) & 1 == 1 { 1.0 } else { -1.0 })
        .collect()
}

/// Human-readable name of a memory state, e.g. `"+1 -1 +1"` (channel 0 first).
pub fn state_name(state: u32, bits: usize) -> String {
    state_signs(state, bits)
        .iter()
        .map(|s| if *s > 0.0 { "+1" } else { "-1" })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Builds the cube set for `cfg` (its width and delay; no noise).
pub fn cube_set(cfg: &TaskConfig) -> CubeSet {
    let n_pulses = 2 * (1usize << cfg.bits);
    let period = CUBE_PERIOD.max(cfg.pulse_width + cfg.delay + 10);
    let last_switch = CUBE_FIRST_ONSET + (n_pulses - 1) * period + cfg.pulse_width + cfg.delay;
    let trial_len = last_switch + 50;
    let mut tr = Trial::empty(trial_len, cfg.bits);
    for k in 0..n_pulses {
        let signs = state_signs((k % (1 << cfg.bits)) as u32, cfg.bits);
        for (bit, s) in signs.into_iter().enumerate() {
            let p = Pulse {
                onset: CUBE_FIRST_ONSET + k * period,
                sign: s,
            };
            tr.add_pulse(bit, p, cfg.pulse_width, cfg.delay);
        }
    }
    let state = (0..trial_len)
        .map(|t| {
            let row = &tr.y[t * cfg.bits..(t + 1) * cfg.bits];
            if row.iter().all(|v| *v != 0.0) {
                Some(
                    row.iter()
                        .enumerate()
                        .fold(0u32, |s, (j, v)| if *v > 0.0 { s | (1 << j) } else { s }),
                )
            } else {
                None
            }
        })
        .collect();
    CubeSet { trial: tr, state }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Purpose;

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
