//! Errors a person can act on.

use std::fmt;

/// A configuration value out of its allowed range.
#[derive(Clone, Debug, PartialEq)]
pub struct ConfigError {
    /// The field, e.g. `"hidden"`.
    pub field: &'static str,
    /// What was given, as text.
    pub value: String,
    /// What is allowed, e.g. `"2..=1024"`.
    pub allowed: String,
}

impl ConfigError {
    /// Integer check against `lo..=hi`.
    pub fn check_int(field: &'static str, v: usize, lo: usize, hi: usize) -> Result<(), Self> {
        if v < lo || v > hi {
            return Err(Self {
                field,
                value: v.to_string(),
                allowed: format!("{lo}..={hi}"),
            });
        }
        Ok(())
    }

    /// Float check against `[lo, hi]` (NaN and infinities are always out of range).
    pub fn check_f64(field: &'static str, v: f64, lo: f64, hi: f64) -> Result<(), Self> {
        if !v.is_finite() || v < lo || v > hi {
            return Err(Self {
                field,
                value: format!("{v}"),
                allowed: format!("{lo} to {hi}"),
            });
        }
        Ok(())
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} = {} is out of range (allowed: {})",
            self.field, self.value, self.allowed
        )
    }
}

impl std::error::Error for ConfigError {}

/// Why training stopped against the user's wishes.
#[derive(Clone, Debug, PartialEq)]
pub enum TrainError {
    /// A bad configuration.
    Config(ConfigError),
    /// Loss or weights became NaN or infinite; the last good weights are kept.
    Diverged {
        /// The step at which it happened.
        step: u64,
        /// The loss that was seen (may be NaN).
        loss: f32,
    },
}

impl fmt::Display for TrainError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrainError::Config(e) => e.fmt(f),
            TrainError::Diverged { step, loss } => write!(
                f,
                "training diverged at step {step} (loss {loss}); the last good weights were kept. \
                 Try a smaller learning rate or gradient clipping."
            ),
        }
    }
}

impl std::error::Error for TrainError {}

impl From<ConfigError> for TrainError {
    fn from(e: ConfigError) -> Self {
        TrainError::Config(e)
    }
}
