//! Architecture and initialisation of a network: the `model` part of a configuration.

use super::{CellKind, Constraints};
use crate::error::ConfigError;
use crate::task::MAX_BITS;
use serde::{Deserialize, Serialize};

/// Most hidden units the lab allows.
pub const MAX_HIDDEN: usize = 1024;

/// How W_rec starts.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecInit {
    /// `gain` times a random orthogonal matrix (Keras' `orthogonal`, the paper's code).
    Orthogonal,
    /// Entries N(0, gain² / N) (the paper's text).
    Normal,
}

/// Architecture and initialisation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ModelConfig {
    /// Hidden units N.
    pub hidden: usize,
    /// Bits: input channels = output channels; must match the task's channels.
    pub bits: usize,
    /// `[inputs, outputs]` when the task's channels are not `bits` each (tasks other than
    /// the flip-flop); absent, and left out when serialising, for the flip-flop.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channels: Option<[usize; 2]>,
    /// Leak `alpha = dt / tau` in (0, 1]; 1 = no leak (the paper).
    pub alpha: f32,
    /// Whether the recurrent layer has a bias `b_rec` (paper: no).
    pub rec_bias: bool,
    /// Initialiser of W_rec.
    pub rec_init: RecInit,
    /// Gain of W_rec's initialiser (1 = the paper's).
    pub rec_gain: f32,
    /// The recurrent cell (vanilla when absent; left out when serialising the default).
    #[serde(skip_serializing_if = "CellKind::is_default")]
    pub cell: CellKind,
    /// Constraints on W_rec (none when absent; left out when serialising none).
    #[serde(skip_serializing_if = "Constraints::is_none")]
    pub constraints: Constraints,
}

impl Default for ModelConfig {
    fn default() -> Self {
        Self {
            hidden: 100,
            bits: 3,
            channels: None,
            alpha: 1.0,
            rec_bias: false,
            rec_init: RecInit::Orthogonal,
            rec_gain: 1.0,
            cell: CellKind::Vanilla,
            constraints: Constraints::default(),
        }
    }
}

impl ModelConfig {
    /// Checks every field against its allowed range.
    pub fn validate(&self) -> Result<(), ConfigError> {
        ConfigError::check_int("hidden", self.hidden, 2, MAX_HIDDEN)?;
        ConfigError::check_int("bits", self.bits, 1, MAX_BITS)?;
        if let Some([i, o]) = self.channels {
            if !crate::train::supports_channels(i, o) {
                return Err(ConfigError {
                    field: "channels",
                    value: format!("[{i}, {o}]"),
                    allowed: crate::train::SUPPORTED_CHANNELS_TEXT.to_string(),
                });
            }
        }
        ConfigError::check_f64("alpha", self.alpha as f64, 0.001, 1.0)?;
        ConfigError::check_f64("rec_gain", self.rec_gain as f64, 0.0, 3.0)?;
        self.constraints.validate(self.hidden)
    }

    /// Input channels: `channels[0]` when set, else `bits`.
    pub fn inputs(&self) -> usize {
        self.channels.map_or(self.bits, |c| c[0])
    }

    /// Output channels: `channels[1]` when set, else `bits`.
    pub fn outputs(&self) -> usize {
        self.channels.map_or(self.bits, |c| c[1])
    }

    /// Rows of W_in, W_rec and b_rec: `gates · N` (see [`CellKind::gates`]).
    pub fn gate_rows(&self) -> usize {
        self.cell.gates() * self.hidden
    }

    /// Number of trainable parameters (b_rec counted only when enabled; entries a
    /// constraint pins, such as a zero diagonal, still counted).
    pub fn n_params(&self) -> usize {
        let (n, g) = (self.hidden, self.gate_rows());
        g * self.inputs()
            + g * n
            + if self.rec_bias { g } else { 0 }
            + self.outputs() * n
            + self.outputs()
    }
}
