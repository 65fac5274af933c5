//! The root configuration: exactly what a recipe or share link stores (plus weights for the
//! latter). Every field has a default; `Preset` names the two starting points.

use crate::error::ConfigError;
use crate::model::ModelConfig;
use crate::task::TaskConfig;
use crate::train::TrainConfig;
use serde::{Deserialize, Serialize};

/// Named starting points.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Preset {
    /// The cheapest setting we found that solves the paper's task (see BENCHMARKS.md).
    Default,
    /// The paper's code: N 400, Adam 1e-4 with decay 1e-4, batch 128, 4,700 steps.
    Paper,
}

impl Preset {
    /// Parses `default` or `paper`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "default" => Some(Preset::Default),
            "paper" => Some(Preset::Paper),
            _ => None,
        }
    }
}

/// Task, model, training and seed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Config {
    /// Seed of every random stream (init, training trials, validation trials).
    pub seed: u64,
    /// The task.
    pub task: TaskConfig,
    /// The model.
    pub model: ModelConfig,
    /// The optimiser and schedule.
    pub train: TrainConfig,
}

impl Default for Config {
    fn default() -> Self {
        Self::preset(Preset::Default)
    }
}

impl Config {
    /// The configuration of a preset, with seed 1.
    pub fn preset(p: Preset) -> Self {
        match p {
            Preset::Default => Config {
                seed: 1,
                task: TaskConfig::default(),
                model: ModelConfig {
                    hidden: 128,
                    ..ModelConfig::default()
                },
                train: TrainConfig::default(),
            },
            Preset::Paper => Config {
                seed: 1,
                task: TaskConfig::default(),
                model: ModelConfig {
                    hidden: 400,
                    ..ModelConfig::default()
                },
                train: TrainConfig::paper(),
            },
        }
    }

    /// Checks every field, and that task and model agree on the input and output channels.
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.task.validate()?;
        self.model.validate()?;
        self.train.validate()?;
        let (inputs, outputs) = self.task.channels();
        if (self.model.inputs(), self.model.outputs()) != (inputs, outputs) {
            return Err(ConfigError {
                field: "model.bits",
                value: self.model.bits.to_string(),
                allowed: format!(
                    "the task's channels ({inputs} inputs, {outputs} outputs; task.bits = {})",
                    self.task.bits
                ),
            });
        }
        Ok(())
    }

    /// Sets the number of bits of task and model together.
    pub fn set_bits(&mut self, bits: usize) {
        self.task.bits = bits;
        self.model.bits = bits;
    }
}
