//! Options of the cognitive tasks, one struct per task, each field with its default and
//! range. Every struct is a field of [`super::TaskConfig`] that is left out when it holds its
//! defaults, so configurations of other tasks keep their bytes.

use super::cognitive::DT_MS;
use crate::error::ConfigError;
use serde::{Deserialize, Serialize};

/// Most coherence levels a decision task takes.
pub const MAX_COHERENCES: usize = 12;

/// Options of the perceptual decision-making task ([`super::PerceptualDm`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PerceptualDmOptions {
    /// Unsigned motion coherences in % (each 0 to 100; 1 to 12 levels); each trial draws
    /// one and a direction. Default: Britten et al. (1992)'s 0, 3.2, 6.4, 12.8, 25.6, 51.2.
    pub coherences: Vec<f32>,
    /// Stimulus period (ms, a multiple of 20, 100..=4000; pycog's 800).
    pub stimulus_ms: usize,
    /// Standard deviation of the noise on the two evidence channels (0..=3; 1).
    pub noise_sd: f32,
}

impl Default for PerceptualDmOptions {
    fn default() -> Self {
        Self {
            coherences: vec![0.0, 3.2, 6.4, 12.8, 25.6, 51.2],
            stimulus_ms: 800,
            noise_sd: 1.0,
        }
    }
}

/// Options of the context-dependent decision-making task ([`super::ContextDm`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ContextDmOptions {
    /// Unsigned coherences in % drawn independently for each modality (each 0 to 100; 1 to
    /// 12 levels). Default: 1, 3, 10, as in the issue (pycog's `mante.py` uses a similar
    /// small set).
    pub coherences: Vec<f32>,
    /// Stimulus period (ms, a multiple of 20, 100..=4000; 800).
    pub stimulus_ms: usize,
    /// Standard deviation of the noise on the four evidence channels (0..=3; 0.5).
    pub noise_sd: f32,
}

impl Default for ContextDmOptions {
    fn default() -> Self {
        Self {
            coherences: vec![1.0, 3.0, 10.0],
            stimulus_ms: 800,
            noise_sd: 0.5,
        }
    }
}

/// Options of the parametric working-memory task ([`super::ParametricWm`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ParametricWmOptions {
    /// Shortest delay between f1 and f2 (ms, a multiple of 20, 100..=6000; 1000).
    pub delay_min_ms: usize,
    /// Longest delay (ms, a multiple of 20, delay_min_ms..=6000; 3000). Each trial draws the
    /// delay uniformly on the multiples of 20 ms in `delay_min_ms..=delay_max_ms`.
    pub delay_max_ms: usize,
    /// Standard deviation of the noise on the two frequency channels (0..=1; 0.05).
    pub noise_sd: f32,
}

impl Default for ParametricWmOptions {
    fn default() -> Self {
        Self {
            delay_min_ms: 1000,
            delay_max_ms: 3000,
            noise_sd: 0.05,
        }
    }
}

/// Options of the delayed match-to-sample task with two items ([`super::MatchTwoItems`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MatchTwoItemsOptions {
    /// Delay between the second sample and the cue (ms, a multiple of 20, 0..=4000; 500).
    pub delay_ms: usize,
    /// Standard deviation of the noise on the item channels (0..=1; 0.1).
    pub noise_sd: f32,
}

impl Default for MatchTwoItemsOptions {
    fn default() -> Self {
        Self {
            delay_ms: 500,
            noise_sd: 0.1,
        }
    }
}

/// True when `v` holds the type's defaults (serde leaves such fields out).
pub(super) fn is_default<T: Default + PartialEq>(v: &T) -> bool {
    *v == T::default()
}

fn check_ms(field: &'static str, ms: usize, lo: usize, hi: usize) -> Result<(), ConfigError> {
    ConfigError::check_int(field, ms, lo, hi)?;
    if !ms.is_multiple_of(DT_MS) {
        return Err(ConfigError {
            field,
            value: ms.to_string(),
            allowed: format!("a multiple of the {DT_MS} ms time step in {lo}..={hi}"),
        });
    }
    Ok(())
}

fn check_coherences(field: &'static str, c: &[f32]) -> Result<(), ConfigError> {
    ConfigError::check_int("number of coherences", c.len(), 1, MAX_COHERENCES)
        .map_err(|e| ConfigError { field, ..e })?;
    for &v in c {
        ConfigError::check_f64(field, v as f64, 0.0, 100.0)?;
    }
    Ok(())
}

impl PerceptualDmOptions {
    /// Checks every field against its range.
    pub fn validate(&self) -> Result<(), ConfigError> {
        check_coherences("perceptual_dm.coherences", &self.coherences)?;
        check_ms("perceptual_dm.stimulus_ms", self.stimulus_ms, 100, 4000)?;
        ConfigError::check_f64("perceptual_dm.noise_sd", self.noise_sd as f64, 0.0, 3.0)
    }
}

impl ContextDmOptions {
    /// Checks every field against its range.
    pub fn validate(&self) -> Result<(), ConfigError> {
        check_coherences("context_dm.coherences", &self.coherences)?;
        check_ms("context_dm.stimulus_ms", self.stimulus_ms, 100, 4000)?;
        ConfigError::check_f64("context_dm.noise_sd", self.noise_sd as f64, 0.0, 3.0)
    }
}

impl ParametricWmOptions {
    /// Checks every field against its range.
    pub fn validate(&self) -> Result<(), ConfigError> {
        check_ms("parametric_wm.delay_min_ms", self.delay_min_ms, 100, 6000)?;
        check_ms(
            "parametric_wm.delay_max_ms",
            self.delay_max_ms,
            self.delay_min_ms,
            6000,
        )?;
        ConfigError::check_f64("parametric_wm.noise_sd", self.noise_sd as f64, 0.0, 1.0)
    }
}

impl MatchTwoItemsOptions {
    /// Checks every field against its range.
    pub fn validate(&self) -> Result<(), ConfigError> {
        check_ms("match_two_items.delay_ms", self.delay_ms, 0, 4000)?;
        ConfigError::check_f64("match_two_items.noise_sd", self.noise_sd as f64, 0.0, 1.0)
    }
}
