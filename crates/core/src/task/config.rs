//! The task's parameters: which task (`kind`) and the flip-flop's trial distribution.

use super::options::{
    is_default, ContextDmOptions, MatchTwoItemsOptions, ParametricWmOptions, PerceptualDmOptions,
};
use super::TaskKind;
use crate::error::ConfigError;
use serde::{Deserialize, Serialize};

/// Most bits the lab supports (2^8 = 256 memory states).
pub const MAX_BITS: usize = 8;

/// Which task, and everything that defines its trial distribution. The flat fields are the
/// flip-flop's (defaults: the paper's code); each other task has its options in its own
/// field, left out when serialising its defaults (so flip-flop configurations keep their
/// bytes). A task reads only its own fields.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TaskConfig {
    /// Which task (the flip-flop when absent, as in every configuration written before
    /// tasks had kinds; left out when serialising the default, so those bytes are unchanged).
    #[serde(skip_serializing_if = "TaskKind::is_default")]
    pub kind: TaskKind,
    /// Number of independent bits (channels), 1..=8.
    pub bits: usize,
    /// Trial length in time steps (Keras: timesteps; paper code: 320 + delay = 340). Older
    /// files and links call it `steps`.
    #[serde(alias = "steps")]
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
    /// Options of the perceptual decision-making task.
    #[serde(skip_serializing_if = "is_default")]
    pub perceptual_dm: PerceptualDmOptions,
    /// Options of the context-dependent decision-making task.
    #[serde(skip_serializing_if = "is_default")]
    pub context_dm: ContextDmOptions,
    /// Options of the parametric working-memory task.
    #[serde(skip_serializing_if = "is_default")]
    pub parametric_wm: ParametricWmOptions,
    /// Options of the match-to-sample task with two items.
    #[serde(skip_serializing_if = "is_default")]
    pub match_two_items: MatchTwoItemsOptions,
}

impl Default for TaskConfig {
    fn default() -> Self {
        Self {
            kind: TaskKind::FlipFlop,
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
            perceptual_dm: PerceptualDmOptions::default(),
            context_dm: ContextDmOptions::default(),
            parametric_wm: ParametricWmOptions::default(),
            match_two_items: MatchTwoItemsOptions::default(),
        }
    }
}

impl TaskConfig {
    /// Input and output channels of the selected task.
    pub fn channels(&self) -> (usize, usize) {
        match self.kind {
            TaskKind::FlipFlop => (self.bits, self.bits),
            TaskKind::PerceptualDm | TaskKind::ParametricWm => (3, 2),
            TaskKind::ContextDm | TaskKind::MatchTwoItems => (7, 2),
        }
    }

    /// Time steps of a trial of the selected task: `trial_len` for the flip-flop, the sum of
    /// the task's periods for the others (which ignore `trial_len`).
    pub fn steps_per_trial(&self) -> usize {
        match self.kind {
            TaskKind::FlipFlop => self.trial_len,
            kind => kind.build(self).trial_len(),
        }
    }

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
        self.perceptual_dm.validate()?;
        self.context_dm.validate()?;
        self.parametric_wm.validate()?;
        self.match_two_items.validate()?;
        Ok(())
    }
}
