//! The page's controls as plain data: text from the inputs → a validated [`Config`], and
//! what a change means (nothing, a live learning-rate change, or a new network). Every
//! field comes from the table in [`super::fields`]. No DOM here, so it is tested natively.

use super::fields::{self, FIELDS, TASK_FIELDS};
use flipflop_core::model::CellKind;
use flipflop_core::task::TaskKind;
use flipflop_core::{Config, Preset};

/// The text of every control, exactly as typed: the preset, then one text per
/// [`FIELDS`] entry, in its order, then the task and its options.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FormValues {
    /// `default` or `paper`.
    pub preset: String,
    /// The fields' texts, in [`FIELDS`] order.
    pub values: Vec<String>,
    /// The task's key (`TaskKind::key`: `flip_flop`, `perceptual_dm`, …).
    pub task: String,
    /// The task options' texts, in [`TASK_FIELDS`] order (every task's, shown or not).
    pub options: Vec<String>,
}

impl FormValues {
    /// The text of field `id` (empty when there is no such field).
    pub fn get(&self, id: &str) -> &str {
        FIELDS
            .iter()
            .position(|f| f.id == id)
            .and_then(|i| self.values.get(i))
            .map_or("", String::as_str)
    }

    /// Sets the text of field `id`, a field or a task option (nothing when there is no
    /// such field).
    pub fn set(&mut self, id: &str, text: impl Into<String>) {
        if let Some(i) = FIELDS.iter().position(|f| f.id == id) {
            self.values.resize(FIELDS.len(), String::new());
            self.values[i] = text.into();
        } else if let Some(i) = TASK_FIELDS.iter().position(|t| t.field.id == id) {
            self.options.resize(TASK_FIELDS.len(), String::new());
            self.options[i] = text.into();
        }
    }
}

/// A value the form cannot use: which field, and a sentence for a person.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormError {
    /// Element id of the field (`None` when the core rejects a combination).
    pub field: Option<&'static str>,
    /// What is wrong and what is allowed, in plain words.
    pub message: String,
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
            Preset::Dale => "dale".into(),
        },
        values: FIELDS.iter().map(|f| f.text(cfg)).collect(),
        task: cfg.task.kind.key().into(),
        options: TASK_FIELDS.iter().map(|t| t.field.text(cfg)).collect(),
    }
}

/// The task the form names (unknown names: the flip-flop).
pub fn task_of(f: &FormValues) -> TaskKind {
    TaskKind::parse(f.task.trim()).unwrap_or_default()
}

/// The configuration a switch to task `kind` starts from: the task's preset
/// (`Config::for_task`), keeping the seed of `current`.
pub fn task_switch(current: &Config, kind: TaskKind) -> Config {
    let mut cfg = Config::for_task(kind);
    cfg.seed = current.seed;
    cfg
}

/// `base` with the form's values, each checked against its range in the table, then
/// validated by the core. `base` supplies every field the form does not show (decay,
/// clipping, trial lengths…). The first bad field is reported.
pub fn config_from_form(base: &Config, f: &FormValues) -> Result<Config, FormError> {
    let mut cfg = base.clone();
    let options = TASK_FIELDS.iter().map(|t| &t.field);
    for (field, text) in FIELDS.iter().zip(&f.values).chain(options.zip(&f.options)) {
        field.apply(&mut cfg, text).map_err(|message| FormError {
            field: Some(field.id),
            message,
        })?;
    }
    cfg.validate()
        .map_err(|e| match fields::by_core_name(e.field) {
            Some(field) => FormError {
                field: Some(field.id),
                message: format!(
                    "{}: {} is not allowed here ({}).",
                    field.name, e.value, e.allowed
                ),
            },
            None => FormError {
                field: None,
                message: format!("{e}."),
            },
        })?;
    Ok(cfg)
}

/// The shipped network's configuration with the default preset's training settings: it was
/// trained longer and on full-length trials so that all eight memories are stable fixed
/// points (Makefile, `pretrained`; adopted by `page/pretrained.rs`), but Train, Reset and a new seed from it should train
/// as the preset does (the form keeps every setting it does not show from the network it
/// shows), not 1.7 times slower per step on full-length trials.
pub fn with_preset_training(mut config: Config) -> Config {
    config.train = Config::preset(Preset::Default).train;
    config
}

/// The preset named by the form (unknown names fall back to the default preset).
pub fn preset_of(f: &FormValues) -> Preset {
    Preset::parse(f.preset.trim()).unwrap_or(Preset::Default)
}

/// Element ids of the fields only the vanilla cell has: the leak and the biological
/// constraints (the core refuses them on GRU and LSTM cells). The form disables them for
/// gated cells and says why ([`cell_note`]).
pub const VANILLA_ONLY: [&str; 6] = [
    "alpha",
    "dale",
    "excitatory",
    "balanced",
    "density",
    "autapses",
];

/// The one-line reason shown under the cell selector (empty for the vanilla cell).
pub fn cell_note(cell: CellKind) -> &'static str {
    if cell.is_gated() {
        "GRU and LSTM cells have no leak and no biological constraints (the gates do that \
         work): those controls are off."
    } else {
        ""
    }
}

/// The configuration a change of the cell selector starts from: the cell's preset
/// (`Config::cell_preset`) with the seed kept; an unknown key is an error that changes
/// nothing.
pub fn config_for_cell(key: &str, seed: u64) -> Result<Config, FormError> {
    let cell = CellKind::parse(key.trim()).ok_or_else(|| FormError {
        field: None,
        message: format!("Cell: “{key}” is not a cell: choose vanilla, gru or lstm."),
    })?;
    let mut cfg = Config::cell_preset(cell);
    cfg.seed = seed;
    Ok(cfg)
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

    fn with(id: &str, text: &str) -> FormValues {
        let mut f = default_form();
        f.set(id, text);
        f
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

    /// Table: a bad text, the field it is marked on, and the start of the message.
    #[test]
    fn bad_values_name_the_field_and_range_in_plain_words() {
        let base = Config::preset(Preset::Default);
        let cases = [
            (
                "hidden",
                "0",
                "Hidden units: “0” is out of range: give a whole number between 2 and 1,024.",
            ),
            ("hidden", "2000", "Hidden units: “2000” is out of range"),
            ("hidden", "-3", "Hidden units: “-3” is out of range"),
            ("hidden", "", "Hidden units: “” is not a number"),
            (
                "hidden",
                "12.5",
                "Hidden units: “12.5” is not a whole number",
            ),
            (
                "bits",
                "9",
                "Bits: “9” is out of range: give a whole number between 1 and 8.",
            ),
            (
                "lr",
                "5",
                "Learning rate: “5” is out of range: give a number between 0.0000001 and 1.",
            ),
            ("lr", "fast", "Learning rate: “fast” is not a number"),
            ("lr", "NaN", "Learning rate: “NaN” is not a number"),
            ("lr", "inf", "Learning rate: “inf” is not a number"),
            ("batch", "0", "Batch: “0” is out of range"),
            (
                "seed",
                "1.5",
                "Seed: “1.5” is not a whole number: give a whole number 0 or more.",
            ),
            ("seed", "-1", "Seed: “-1” is out of range"),
            ("alpha", "0", "Alpha: “0” is out of range"),
            ("noise", "3", "Input noise: “3” is out of range"),
        ];
        for (id, text, want) in cases {
            let err = config_from_form(&base, &with(id, text)).unwrap_err();
            assert_eq!(err.field, Some(id), "{id}={text}");
            assert!(
                err.message.starts_with(want),
                "{id}={text}: got {:?}, want {want:?}",
                err.message
            );
        }
    }

    /// Table: texts that are numbers as a person (or a scientist) writes them.
    #[test]
    fn numbers_in_any_usual_notation_are_accepted() {
        let base = Config::preset(Preset::Default);
        type Check = fn(&Config) -> bool;
        let cases: [(&str, &str, Check); 6] = [
            ("hidden", "1e2", |c| c.model.hidden == 100),
            ("hidden", " 64 ", |c| c.model.hidden == 64),
            ("batch", "3.2e1", |c| c.train.batch == 32),
            ("lr", "1e-3", |c| c.train.lr == 1e-3),
            ("seed", "18446744073709551615", |c| c.seed == u64::MAX),
            ("noise", ".25", |c| c.task.noise_sd == 0.25),
        ];
        for (id, text, check) in cases {
            let cfg = config_from_form(&base, &with(id, text)).unwrap();
            assert!(check(&cfg), "{id}={text}");
        }
    }

    #[test]
    fn changes_are_classified() {
        let base = Config::preset(Preset::Default);
        let lr = with("lr", "0.001");
        let mut both = lr.clone();
        both.set("bits", "2");
        let cases = [
            (default_form(), Change::Nothing),
            (lr, Change::LearningRate(0.001)),
            (with("hidden", "64"), Change::Rebuild),
            (with("seed", "7"), Change::Rebuild),
            (both, Change::Rebuild),
        ];
        for (f, want) in cases {
            let new = config_from_form(&base, &f).unwrap();
            assert_eq!(classify(&base, &new), want, "{f:?}");
        }
    }

    /// Choosing a cell starts from its preset (seed kept) and rebuilds the network; the
    /// preset's form gives it back unchanged, with every vanilla-only field at the value the
    /// core accepts for gated cells; a leak typed into a gated form is refused on its field.
    #[test]
    fn a_cell_change_starts_from_the_cells_preset() {
        let base = Config::preset(Preset::Default);
        for cell in CellKind::ALL {
            assert_eq!(config_for_cell(cell.key(), 42).unwrap().seed, 42);
            let cfg = config_for_cell(cell.key(), 1).unwrap();
            assert_eq!(cfg, Config::cell_preset(cell));
            assert_eq!(cfg.model.cell, cell);
            let form = form_from_config(&cfg, Preset::Default);
            assert_eq!(config_from_form(&cfg, &form), Ok(cfg.clone()));
            assert_eq!(cell_note(cell).is_empty(), !cell.is_gated());
            let change = classify(&base, &cfg);
            assert_eq!(change == Change::Rebuild, cell.is_gated(), "{cell:?}");
        }
        for id in VANILLA_ONLY {
            assert!(fields::field(id).is_some(), "{id} is a field");
        }
        let gru = config_for_cell("gru", 1).unwrap();
        let mut leaky = form_from_config(&gru, Preset::Default);
        leaky.set("alpha", "0.5");
        let err = config_from_form(&gru, &leaky).unwrap_err();
        assert_eq!(err.field, Some("alpha"));
        assert!(err.message.contains("GRU and LSTM"), "{}", err.message);
        let err = config_for_cell("rnn", 1).unwrap_err();
        assert_eq!(
            err.message,
            "Cell: “rnn” is not a cell: choose vanilla, gru or lstm."
        );
    }

    #[test]
    fn bits_set_task_and_model_together() {
        let cfg = config_from_form(&Config::preset(Preset::Default), &with("bits", "5")).unwrap();
        assert_eq!((cfg.task.bits, cfg.model.bits), (5, 5));
    }

    /// A task switch starts from the task's preset with the seed kept; the form then shows
    /// its options, reads them back into the same configuration, and an option out of
    /// range is marked on its own field with the core's words.
    #[test]
    fn a_task_switch_starts_from_its_preset_and_shows_its_options() {
        let mut current = Config::preset(Preset::Default);
        current.seed = 42;
        for kind in TaskKind::ALL {
            let cfg = task_switch(&current, kind);
            assert_eq!((cfg.task.kind, cfg.seed), (kind, 42));
            let mut want = Config::for_task(kind);
            want.seed = 42;
            assert_eq!(cfg, want);
            let f = form_from_config(&cfg, Preset::Default);
            assert_eq!(task_of(&f), kind);
            assert_eq!(config_from_form(&cfg, &f), Ok(cfg.clone()));
            let change = classify(&current, &cfg);
            assert_eq!(change == Change::Rebuild, kind != TaskKind::FlipFlop);
        }
        let base = task_switch(&current, TaskKind::ParametricWm);
        let mut f = form_from_config(&base, Preset::Default);
        f.set("pwm-delay-min", "1500");
        f.set("pwm-delay-max", "2000");
        let cfg = config_from_form(&base, &f).unwrap();
        assert_eq!(
            (
                cfg.task.parametric_wm.delay_min_ms,
                cfg.task.parametric_wm.delay_max_ms
            ),
            (1500, 2000)
        );
        assert_eq!(classify(&base, &cfg), Change::Rebuild);
        // The core's rules beyond the table: the longest delay below the shortest, and
        // delays off the 20 ms grid.
        let cases = [
            (
                "pwm-delay-max",
                "500",
                "pwm-delay-max",
                "Longest delay: 500 is not allowed here",
            ),
            (
                "pwm-delay-min",
                "1010",
                "pwm-delay-min",
                "Shortest delay: 1010 is not allowed here",
            ),
            (
                "m2-delay",
                "9000",
                "m2-delay",
                "Delay: “9000” is out of range",
            ),
        ];
        for (id, text, field, want) in cases {
            let mut f = form_from_config(&base, Preset::Default);
            f.set(id, text);
            let e = config_from_form(&base, &f).unwrap_err();
            assert_eq!(e.field, Some(field), "{id}={text}: {e:?}");
            assert!(e.message.starts_with(want), "{id}={text}: {}", e.message);
        }
    }
}

#[cfg(test)]
mod pretrained_tests {
    use super::*;

    /// The shipped network was trained on full-length trials without readout fits; the page
    /// adopts it with the default preset's training settings, so a new seed from the
    /// opening page (the form showing the shipped network) is exactly the default preset,
    /// and the network and its task stay the file's.
    #[test]
    fn a_new_seed_from_the_shipped_network_is_the_default_preset() {
        let bytes = include_bytes!("../../../../web/assets/pretrained.net");
        let file = flipflop_formats::netfile::decode(bytes).expect("the shipped network decodes");
        let preset = Config::preset(Preset::Default);
        assert_ne!(
            file.config.train, preset.train,
            "the file records its own training"
        );
        let adopted = with_preset_training(file.config.clone());
        assert_eq!(adopted.train, preset.train);
        assert_eq!(
            (adopted.task.clone(), adopted.model.clone()),
            (file.config.task, file.config.model)
        );
        let mut form = form_from_config(&adopted, Preset::Default);
        form.set("seed", "2");
        let fresh = config_from_form(&adopted, &form).unwrap();
        assert_eq!(fresh, Config { seed: 2, ..preset });
        assert_eq!(form.get("readout_fit"), "50");
    }
}
