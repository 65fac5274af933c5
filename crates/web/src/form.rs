//! The page's controls as plain data: text from the inputs → a validated [`Config`], and
//! what a change means (nothing, a live learning-rate change, or a new network).
//! No DOM here, so it is tested natively.

use flipflop_core::{Config, Preset};

/// The text of every control, exactly as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FormValues {
    /// `default` or `paper`.
    pub preset: String,
    /// Hidden units N.
    pub hidden: String,
    /// Bits.
    pub bits: String,
    /// Learning rate.
    pub lr: String,
    /// Trials per step.
    pub batch: String,
    /// Seed.
    pub seed: String,
    /// Leak alpha.
    pub alpha: String,
    /// Input noise s.d.
    pub noise: String,
}

/// What applying the form would do to the running network.
#[derive(Clone, Debug, PartialEq)]
pub enum Change {
    /// Same configuration.
    Nothing,
    /// Only the learning rate differs: apply it live.
    LearningRate(f32),
    /// Anything else: the network must be rebuilt (initial weights of the new config).
    Rebuild,
}

/// The form showing `cfg` (under preset `preset`).
pub fn form_from_config(cfg: &Config, preset: Preset) -> FormValues {
    FormValues {
        preset: match preset {
            Preset::Default => "default".into(),
            Preset::Paper => "paper".into(),
        },
        hidden: cfg.model.hidden.to_string(),
        bits: cfg.task.bits.to_string(),
        lr: format!("{}", cfg.train.lr),
        batch: cfg.train.batch.to_string(),
        seed: cfg.seed.to_string(),
        alpha: format!("{}", cfg.model.alpha),
        noise: format!("{}", cfg.task.noise_sd),
    }
}

fn whole<T: std::str::FromStr>(label: &str, text: &str) -> Result<T, String> {
    text.trim()
        .parse::<T>()
        .map_err(|_| format!("{label}: “{}” is not a whole number ≥ 0.", text.trim()))
}

fn real(label: &str, text: &str) -> Result<f32, String> {
    match text.trim().parse::<f32>() {
        Ok(v) if v.is_finite() => Ok(v),
        _ => Err(format!("{label}: “{}” is not a number.", text.trim())),
    }
}

/// `base` with the form's values, validated by the core. `base` supplies every field the
/// form does not show (decay, clipping, trial lengths…). The error is a sentence for the
/// error region naming the control and its allowed range.
pub fn config_from_form(base: &Config, f: &FormValues) -> Result<Config, String> {
    let mut cfg = base.clone();
    cfg.model.hidden = whole("Hidden units", &f.hidden)?;
    cfg.set_bits(whole("Bits", &f.bits)?);
    cfg.train.lr = real("Learning rate", &f.lr)?;
    cfg.train.batch = whole("Batch", &f.batch)?;
    cfg.seed = whole("Seed", &f.seed)?;
    cfg.model.alpha = real("Alpha", &f.alpha)?;
    cfg.task.noise_sd = real("Input noise", &f.noise)?;
    cfg.validate().map_err(|e| {
        let label = match e.field {
            "hidden" => "Hidden units",
            "bits" | "model.bits" => "Bits",
            "lr" => "Learning rate",
            "batch" => "Batch",
            "alpha" => "Alpha",
            "noise_sd" => "Input noise",
            other => other,
        };
        format!("{label}: {e}.")
    })?;
    Ok(cfg)
}

/// The preset named by the form (unknown names fall back to the default preset).
pub fn preset_of(f: &FormValues) -> Preset {
    Preset::parse(f.preset.trim()).unwrap_or(Preset::Default)
}

/// What it takes to go from `old` to `new`.
pub fn classify(old: &Config, new: &Config) -> Change {
    if old == new {
        return Change::Nothing;
    }
    let mut same_but_lr = new.clone();
    same_but_lr.train.lr = old.train.lr;
    if &same_but_lr == old {
        Change::LearningRate(new.train.lr)
    } else {
        Change::Rebuild
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn default_form() -> FormValues {
        form_from_config(&Config::preset(Preset::Default), Preset::Default)
    }

    #[test]
    fn default_form_gives_default_config() {
        let base = Config::preset(Preset::Default);
        assert_eq!(config_from_form(&base, &default_form()), Ok(base.clone()));
        let paper = Config::preset(Preset::Paper);
        assert_eq!(
            config_from_form(&paper, &form_from_config(&paper, Preset::Paper)),
            Ok(paper)
        );
    }

    #[test]
    fn bad_values_name_the_control_and_range() {
        let base = Config::preset(Preset::Default);
        type Edit = fn(&mut FormValues);
        let cases: &[(Edit, &str)] = &[
            (
                |f| f.hidden = "0".into(),
                "Hidden units: hidden = 0 is out of range (allowed: 2..=1024)",
            ),
            (|f| f.hidden = "2000".into(), "Hidden units: hidden = 2000"),
            (
                |f| f.hidden = "-3".into(),
                "Hidden units: “-3” is not a whole number",
            ),
            (
                |f| f.hidden = "".into(),
                "Hidden units: “” is not a whole number",
            ),
            (
                |f| f.bits = "9".into(),
                "Bits: bits = 9 is out of range (allowed: 1..=8)",
            ),
            (
                |f| f.lr = "5".into(),
                "Learning rate: lr = 5 is out of range",
            ),
            (
                |f| f.lr = "fast".into(),
                "Learning rate: “fast” is not a number",
            ),
            (
                |f| f.lr = "NaN".into(),
                "Learning rate: “NaN” is not a number",
            ),
            (|f| f.batch = "0".into(), "Batch: batch = 0"),
            (|f| f.seed = "1.5".into(), "Seed: “1.5”"),
            (|f| f.alpha = "0".into(), "Alpha: alpha = 0"),
            (|f| f.noise = "3".into(), "Input noise: noise_sd = 3"),
        ];
        for (edit, want) in cases {
            let mut f = default_form();
            edit(&mut f);
            let err = config_from_form(&base, &f).unwrap_err();
            assert!(err.starts_with(want), "{f:?}: got {err:?}, want {want:?}");
        }
    }

    #[test]
    fn changes_are_classified() {
        let base = Config::preset(Preset::Default);
        let mut lr = default_form();
        lr.lr = "0.001".into();
        let mut hidden = default_form();
        hidden.hidden = "64".into();
        let mut seed = default_form();
        seed.seed = "7".into();
        let mut both = lr.clone();
        both.bits = "2".into();
        let cases = [
            (default_form(), Change::Nothing),
            (lr, Change::LearningRate(0.001)),
            (hidden, Change::Rebuild),
            (seed, Change::Rebuild),
            (both, Change::Rebuild),
        ];
        for (f, want) in cases {
            let new = config_from_form(&base, &f).unwrap();
            assert_eq!(classify(&base, &new), want, "{f:?}");
        }
    }

    #[test]
    fn bits_set_task_and_model_together() {
        let mut f = default_form();
        f.bits = "5".into();
        let cfg = config_from_form(&Config::preset(Preset::Default), &f).unwrap();
        assert_eq!((cfg.task.bits, cfg.model.bits), (5, 5));
    }
}
