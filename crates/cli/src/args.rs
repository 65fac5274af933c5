//! Small helpers on top of `lexopt`: typed option values whose errors name the argument and
//! the allowed range, and the mapping from core config fields to the flags that set them.

use flipflop_core::ConfigError;
use std::ffi::OsString;
use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

/// A command-line failure: a one-line message and an exit code.
#[derive(Debug)]
pub enum CliError {
    /// Bad arguments (exit code 2).
    Usage(String),
    /// The command could not do its work: I/O, a bad file, a diverged run (exit code 1).
    Failed(String),
}

impl CliError {
    /// The process exit code.
    pub fn code(&self) -> i32 {
        match self {
            CliError::Usage(_) => 2,
            CliError::Failed(_) => 1,
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Usage(m) => write!(f, "{m} (see 'flipflop help')"),
            CliError::Failed(m) => write!(f, "{m}"),
        }
    }
}

impl From<lexopt::Error> for CliError {
    fn from(e: lexopt::Error) -> Self {
        CliError::Usage(e.to_string())
    }
}

/// Shorthand for a usage error.
pub fn usage(msg: impl Into<String>) -> CliError {
    CliError::Usage(msg.into())
}

/// The option value as UTF-8 text.
pub fn text(flag: &str, v: OsString) -> Result<String, CliError> {
    v.into_string()
        .map_err(|v| usage(format!("{flag} expects text, got {:?}", v)))
}

/// A path-valued option.
pub fn path(v: OsString) -> PathBuf {
    PathBuf::from(v)
}

/// A whole number (`usize`/`u64`); a value that does not parse gets an error naming the flag
/// and `allowed` (the range the command accepts; the range itself is checked afterwards by
/// the core's [`ConfigError`] checks).
pub fn int<T: FromStr>(flag: &str, v: OsString, allowed: &str) -> Result<T, CliError> {
    let s = text(flag, v)?;
    s.trim().parse::<T>().map_err(|_| {
        usage(format!(
            "{flag} expects a whole number in {allowed}, got '{s}'"
        ))
    })
}

/// A finite real number, then checked against `lo..=hi` with the core's range check.
pub fn real(flag: &'static str, v: OsString, lo: f64, hi: f64) -> Result<f64, CliError> {
    let s = text(flag, v)?;
    let x: f64 = s.trim().parse().map_err(|_| {
        usage(format!(
            "{flag} expects a number from {lo} to {hi}, got '{s}'"
        ))
    })?;
    ConfigError::check_f64(flag, x, lo, hi).map_err(|e| config_error(&e))?;
    Ok(x)
}

/// The command-line flag that sets a core config field, where there is one.
fn flag_for(field: &str) -> Option<&'static str> {
    Some(match field {
        "hidden" => "--hidden",
        "max_steps" => "--steps",
        "trials" | "val_trials" => "--trials",
        "seed" => "--seed",
        "reps" => "--reps",
        "warmup" => "--warmup",
        "eval_every" => "--eval-every",
        "bits" | "model.bits" => "--bits",
        "lr" => "--lr",
        "batch" => "--batch",
        "clip" => "--clip",
        "readout_fit" => "--readout-fit",
        "ema_momentum" => "--ema-momentum",
        "train_trial_len" => "--trial-len",
        "shares" => "--shares",
        "threads" => "--threads",
        "starts" => "--starts",
        "settle_steps" => "--settle-steps",
        "slow_q" => "--slow-q",
        "dale.excitatory" => "--dale",
        "sparsity.density" => "--density",
        _ => return None,
    })
}

/// A core range error as a usage error naming the flag the user typed.
pub fn config_error(e: &ConfigError) -> CliError {
    match flag_for(e.field) {
        Some(flag) => usage(format!(
            "{flag} {} is out of range (allowed: {})",
            e.value, e.allowed
        )),
        None if e.field.starts_with("--") => usage(format!(
            "{} {} is out of range (allowed: {})",
            e.field, e.value, e.allowed
        )),
        None => usage(format!("invalid configuration: {e}")),
    }
}
