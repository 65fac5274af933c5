//! The one declared table of the form's fields: id, label, kind, range, step and help, and
//! how each reads from and writes into a [`Config`]. The form's validation, its
//! Config mapping and its messages come from here; index.html keeps the markup, and a
//! native test checks its ids, ranges, steps and defaults against this table (as
//! TensorFlow Playground's state table drives its page).

use flipflop_core::model::{Sparsity, DEFAULT_EXCITATORY};
use flipflop_core::task::options::MAX_COHERENCES;
use flipflop_core::{Config, Preset};

pub use task::{task_field, TaskField, TASK_FIELDS};

mod task;

/// How a field's text becomes a value.
#[derive(Clone, Copy, Debug)]
pub enum Kind {
    /// A whole number (`1e3` is accepted: it is 1,000).
    Whole {
        /// Reads the field from a configuration.
        get: fn(&Config) -> u64,
        /// Writes it (the value is already within the field's range).
        set: fn(&mut Config, u64),
    },
    /// A real number, kept as f32.
    Real {
        /// Reads the field from a configuration.
        get: fn(&Config) -> f32,
        /// Writes it (the value is already within the field's range).
        set: fn(&mut Config, f32),
    },
    /// On or off: a checkbox, whose text is `1` (checked) or `0`.
    Toggle {
        /// Reads the field from a configuration.
        get: fn(&Config) -> bool,
        /// Writes it.
        set: fn(&mut Config, bool),
    },
    /// A list of 1 to [`MAX_COHERENCES`] numbers separated by commas or spaces, each within
    /// the field's range (a task's coherence levels).
    List {
        /// Reads the field from a configuration.
        get: fn(&Config) -> Vec<f32>,
        /// Writes it (every value is already within the field's range).
        set: fn(&mut Config, Vec<f32>),
    },
}

/// One control of the form.
#[derive(Clone, Copy, Debug)]
pub struct Field {
    /// Element id in index.html (and the input's `name`).
    pub id: &'static str,
    /// How messages name it.
    pub name: &'static str,
    /// The start of its `<label>` text in index.html.
    pub label: &'static str,
    /// Text or number.
    pub kind: Kind,
    /// Smallest allowed value.
    pub min: f64,
    /// Largest allowed value (`None`: no limit below the type's).
    pub max: Option<f64>,
    /// The input's `step` attribute (`1` for whole numbers, `any` for reals).
    pub step: &'static str,
    /// The core's name of the field in `ConfigError::field`.
    pub core: &'static [&'static str],
    /// What it does, in a sentence (the input's `title`).
    pub help: &'static str,
}

/// The fields after the preset select, in the form's order.
pub const FIELDS: [Field; 14] = [
    Field {
        id: "hidden",
        name: "Hidden units",
        label: "Hidden units N",
        kind: Kind::Whole {
            get: |c| c.model.hidden as u64,
            set: |c, v| c.model.hidden = v as usize,
        },
        min: 2.0,
        max: Some(1024.0),
        step: "1",
        core: &["hidden"],
        help: "Units of the recurrent layer (the paper uses 100 to 400).",
    },
    Field {
        id: "bits",
        name: "Bits",
        label: "Bits",
        kind: Kind::Whole {
            get: |c| c.task.bits as u64,
            set: |c, v| c.set_bits(v as usize),
        },
        min: 1.0,
        max: Some(8.0),
        step: "1",
        core: &["bits", "model.bits"],
        help: "Independent memories the network must hold (the paper's task has 3).",
    },
    Field {
        id: "lr",
        name: "Learning rate",
        label: "Learning rate",
        kind: Kind::Real {
            get: |c| c.train.lr,
            set: |c, v| c.train.lr = v,
        },
        min: 1e-7,
        max: Some(1.0),
        step: "any",
        core: &["lr"],
        help: "Adam's step size; a change applies from the next optimiser step on.",
    },
    Field {
        id: "batch",
        name: "Batch",
        label: "Batch (trials per step)",
        kind: Kind::Whole {
            get: |c| c.train.batch as u64,
            set: |c, v| c.train.batch = v as usize,
        },
        min: 1.0,
        max: Some(1024.0),
        step: "1",
        core: &["batch"],
        help: "Random trials averaged in each optimiser step.",
    },
    Field {
        id: "readout_fit",
        name: "Least-squares readout",
        label: "Least-squares readout every (steps)",
        kind: Kind::Whole {
            get: |c| c.train.readout_fit,
            set: |c, v| c.train.readout_fit = v,
        },
        min: 0.0,
        max: Some(1e6),
        step: "1",
        core: &["readout_fit"],
        help: "Every this many steps the readout (W_out, b_out) is refitted to the hidden states by least squares, on fresh trials; 0: the readout learns by gradient descent alone, as in Keras.",
    },
    Field {
        id: "ema_momentum",
        name: "Weight average momentum",
        label: "Weight average momentum",
        kind: Kind::Real {
            get: |c| c.train.ema_momentum,
            set: |c, v| c.train.ema_momentum = v,
        },
        min: 0.0,
        max: Some(0.9999),
        step: "any",
        core: &["ema_momentum"],
        help: "The network shown, checked and shared is a moving average of the weights Adam updates, w̄ ← m·w̄ + (1 − m)·w after every step (Keras' ema_momentum); it averages out the noise of single steps. 0: the network is Adam's weights themselves.",
    },
    Field {
        id: "seed",
        name: "Seed",
        label: "Seed",
        kind: Kind::Whole {
            get: |c| c.seed,
            set: |c, v| c.seed = v,
        },
        min: 0.0,
        max: None,
        step: "1",
        core: &["seed"],
        help: "Seed of the initial weights and of every trial: the same seed gives the same run.",
    },
    Field {
        id: "alpha",
        name: "Alpha",
        label: "Leak α (1 = none)",
        kind: Kind::Real {
            get: |c| c.model.alpha,
            set: |c, v| c.model.alpha = v,
        },
        min: 0.001,
        max: Some(1.0),
        step: "any",
        core: &["alpha"],
        help: "Fraction of the state replaced each time step (1: a plain RNN).",
    },
    Field {
        id: "noise",
        name: "Input noise",
        label: "Input noise (s.d.)",
        kind: Kind::Real {
            get: |c| c.task.noise_sd,
            set: |c, v| c.task.noise_sd = v,
        },
        min: 0.0,
        max: Some(2.0),
        step: "any",
        core: &["noise_sd"],
        help: "Standard deviation of the Gaussian noise added to the inputs.",
    },
    // The biological constraints (issue 15). The toggle comes before its fraction: the
    // form is applied in this order.
    Field {
        id: "dale",
        name: "Dale's law",
        label: "Dale's law",
        kind: Kind::Toggle {
            get: |c| c.model.constraints.dale.is_some(),
            set: |c, on| {
                let d = &mut c.model.constraints.dale;
                *d = on.then(|| d.unwrap_or_default());
            },
        },
        min: 0.0,
        max: Some(1.0),
        step: "1",
        core: &["dale"],
        help: "Each unit is excitatory or inhibitory: all its outgoing weights (a column of W_rec) share one sign.",
    },
    Field {
        id: "excitatory",
        name: "Excitatory fraction",
        label: "Excitatory fraction",
        kind: Kind::Real {
            get: |c| {
                c.model
                    .constraints
                    .dale
                    .map_or(DEFAULT_EXCITATORY, |d| d.excitatory)
            },
            set: |c, v| {
                if let Some(d) = c.model.constraints.dale.as_mut() {
                    d.excitatory = v;
                }
            },
        },
        min: 0.01,
        max: Some(0.99),
        step: "any",
        core: &["dale.excitatory"],
        help: "Share of excitatory units under Dale's law (cortex: about 0.8); they come first in the matrix.",
    },
    Field {
        id: "balanced",
        name: "Balanced E/I start",
        label: "Balanced E/I start",
        kind: Kind::Toggle {
            get: |c| c.model.constraints.dale.is_none_or(|d| !d.unbalanced),
            set: |c, on| {
                if let Some(d) = c.model.constraints.dale.as_mut() {
                    d.unbalanced = !on;
                }
            },
        },
        min: 0.0,
        max: Some(1.0),
        step: "1",
        core: &["dale.unbalanced"],
        help: "Under Dale's law, scale each unit's inhibitory inputs to cancel its excitatory ones at the start (off: one large eigenvalue stands out of the spectrum; takes effect at Reset).",
    },
    Field {
        id: "density",
        name: "Connection density",
        label: "Connection density",
        kind: Kind::Real {
            get: |c| c.model.constraints.sparsity.map_or(1.0, |s| s.density),
            set: |c, v| {
                // 1 is "every connection" (no mask); anything else goes to the core's check.
                c.model.constraints.sparsity = (v != 1.0).then_some(Sparsity {
                    density: v,
                    seed: c.seed,
                });
            },
        },
        min: 0.01,
        max: Some(1.0),
        step: "any",
        core: &["sparsity.density"],
        help: "Fraction of recurrent connections that exist (1: all); the mask is drawn from the seed and stays fixed.",
    },
    Field {
        id: "autapses",
        name: "Self-connections",
        label: "Self-connections",
        kind: Kind::Toggle {
            get: |c| !c.model.constraints.no_self_connections,
            set: |c, on| c.model.constraints.no_self_connections = !on,
        },
        min: 0.0,
        max: Some(1.0),
        step: "1",
        core: &["no_self_connections"],
        help: "Whether a unit may feed itself (off: the diagonal of W_rec is zero).",
    },
];

/// The field with element id `id`.
pub fn field(id: &str) -> Option<&'static Field> {
    FIELDS.iter().find(|f| f.id == id)
}

/// The field the core calls `core` (a `ConfigError::field`), among [`FIELDS`] and the
/// task options ([`TASK_FIELDS`]).
pub fn by_core_name(core: &str) -> Option<&'static Field> {
    FIELDS
        .iter()
        .chain(TASK_FIELDS.iter().map(|t| &t.field))
        .find(|f| f.core.contains(&core))
}

/// A number as a person writes it: whole numbers with thousands separators (`1,024`),
/// others in plain decimals (`0.0000001`).
pub fn plain(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        let digits = format!("{}", v.abs() as u64);
        let mut out = String::new();
        for (i, ch) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                out.push(',');
            }
            out.push(ch);
        }
        if v < 0.0 {
            out.insert(0, '-');
        }
        out
    } else {
        format!("{v}")
    }
}

impl Field {
    /// The allowed range in words: "between 2 and 1,024" or "0 or more".
    pub fn range_words(&self) -> String {
        match self.max {
            Some(max) => format!("between {} and {}", plain(self.min), plain(max)),
            None => format!("{} or more", plain(self.min)),
        }
    }

    fn kind_words(&self) -> &'static str {
        match self.kind {
            Kind::Whole { .. } => "a whole number",
            Kind::Real { .. } => "a number",
            Kind::Toggle { .. } => "1 (on) or 0 (off)",
            Kind::List { .. } => "1 to 12 numbers, separated by commas, each",
        }
    }

    fn complaint(&self, text: &str, what: &str) -> String {
        if let Kind::Toggle { .. } = self.kind {
            return format!(
                "{}: “{text}” {what}: give {}.",
                self.name,
                self.kind_words()
            );
        }
        format!(
            "{}: “{text}” {what}: give {} {}.",
            self.name,
            self.kind_words(),
            self.range_words()
        )
    }

    /// The field's text for `cfg` (what the input shows).
    pub fn text(&self, cfg: &Config) -> String {
        match self.kind {
            Kind::Whole { get, .. } => get(cfg).to_string(),
            Kind::Real { get, .. } => format!("{}", get(cfg)),
            Kind::Toggle { get, .. } => if get(cfg) { "1" } else { "0" }.to_string(),
            Kind::List { get, .. } => get(cfg)
                .iter()
                .map(|v| v.to_string())
                .collect::<Vec<_>>()
                .join(", "),
        }
    }

    /// The default preset's value as text (the input's `value` in index.html).
    pub fn default_text(&self) -> String {
        self.text(&Config::preset(Preset::Default))
    }

    fn in_range(&self, v: f64) -> bool {
        v.is_finite() && v >= self.min && self.max.is_none_or(|m| v <= m)
    }

    /// Reads `text` into `cfg`, or says in plain words what is wrong (naming the field and
    /// its range); `cfg` is unchanged on error.
    pub fn apply(&self, cfg: &mut Config, text: &str) -> Result<(), String> {
        let text = text.trim();
        match self.kind {
            Kind::Whole { set, .. } => {
                let value = match text.parse::<u64>() {
                    Ok(v) => v as f64,
                    Err(_) => match text.parse::<f64>() {
                        Ok(v) if v.is_finite() && v.fract() != 0.0 => {
                            return Err(self.complaint(text, "is not a whole number"))
                        }
                        Ok(v) if v.is_finite() => v,
                        _ => return Err(self.complaint(text, "is not a number")),
                    },
                };
                // Whole numbers beyond 2^53 only come exactly from the integer parse.
                let exact = text.parse::<u64>().ok();
                if !self.in_range(value) || (exact.is_none() && value > 9.007e15) {
                    return Err(self.complaint(text, "is out of range"));
                }
                set(cfg, exact.unwrap_or(value as u64));
            }
            Kind::Real { set, .. } => {
                let value = match text.parse::<f32>() {
                    Ok(v) if v.is_finite() => v,
                    _ => return Err(self.complaint(text, "is not a number")),
                };
                // The range is checked on the number as typed (0.01 as an f32 is a hair
                // below 0.01 as an f64); the core checks fractions in f32.
                if !self.in_range(text.parse::<f64>().unwrap_or(value as f64)) {
                    return Err(self.complaint(text, "is out of range"));
                }
                set(cfg, value);
            }
            Kind::List { set, .. } => {
                let items: Vec<&str> = text
                    .split(|c: char| c == ',' || c.is_whitespace())
                    .filter(|t| !t.is_empty())
                    .collect();
                if items.is_empty() || items.len() > MAX_COHERENCES {
                    return Err(self.complaint(text, "is not a list of 1 to 12 numbers"));
                }
                let mut values = Vec::with_capacity(items.len());
                for item in items {
                    match item.parse::<f32>() {
                        Ok(v) if v.is_finite() && self.in_range(v as f64) => values.push(v),
                        Ok(v) if v.is_finite() => {
                            return Err(self.complaint(item, "is out of range"))
                        }
                        _ => return Err(self.complaint(item, "is not a number")),
                    }
                }
                set(cfg, values);
            }
            Kind::Toggle { set, .. } => match text {
                "1" | "on" | "true" => set(cfg, true),
                "0" | "off" | "false" | "" => set(cfg, false),
                _ => return Err(self.complaint(text, "is neither on nor off")),
            },
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
