//! Architecture and initialisation of a network: the `model` part of a configuration.

use super::{CellKind, Constraints, GateActivation};
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
    /// GRU only: Keras' `reset_after`. True (the default; Keras 3 and tf.keras): the reset
    /// gate multiplies the recurrent product, and the bias is `(2, 3N)`, input and recurrent
    /// parts apart. False (standalone Keras 2.3, the paper's): the reset gate multiplies `h`
    /// before the product, one bias of `3N`. Left out when serialising true. Equations in
    /// [`super::cell`].
    #[serde(skip_serializing_if = "is_true")]
    pub reset_after: bool,
    /// GRU and LSTM only: the gate activation (Keras' `recurrent_activation`; sigmoid when
    /// absent, left out when serialising the sigmoid).
    #[serde(skip_serializing_if = "GateActivation::is_default")]
    pub recurrent_activation: GateActivation,
    /// LSTM only: the initial forget-gate bias, used when the model has a recurrent bias.
    /// 1 is Keras' `unit_forget_bias=True` (the default, left out when serialising; an
    /// imported or Keras-built LSTM starts there); the LSTM preset starts at
    /// [`crate::config::LSTM_FORGET_BIAS`], which keeps the cell state longer from the first
    /// step and solved the flip-flop in far fewer steps (BENCHMARKS.md, "GRU and LSTM
    /// presets"). In [0, 10]; only the initialisation reads it.
    #[serde(skip_serializing_if = "is_one")]
    pub forget_bias: f32,
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
            reset_after: true,
            recurrent_activation: GateActivation::Sigmoid,
            forget_bias: 1.0,
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
        ConfigError::check_f64("forget_bias", self.forget_bias as f64, 0.0, 10.0)?;
        self.validate_cell()?;
        self.constraints.validate(self.hidden)
    }

    /// The options that only some cells have: a leak and constraints only on the vanilla
    /// cell, `reset_after = false` only on the GRU, a gate activation only on gated cells, a
    /// forget bias other than 1 only on the LSTM.
    fn validate_cell(&self) -> Result<(), ConfigError> {
        let cell = self.cell.key();
        let only = |field: &'static str, value: String, which: &str| ConfigError {
            field,
            value,
            allowed: format!("{which} (this model's cell is {cell})"),
        };
        if self.cell.is_gated() {
            if self.inputs() != self.outputs() {
                return Err(only(
                    "channels",
                    format!("[{}, {}]", self.inputs(), self.outputs()),
                    "as many inputs as outputs for GRU and LSTM cells: their training kernels \
                     are compiled for the flip-flop's shape only",
                ));
            }
            if self.alpha != 1.0 {
                return Err(only(
                    "alpha",
                    self.alpha.to_string(),
                    "1 for GRU and LSTM cells: a leak exists only on the vanilla cell",
                ));
            }
            if !self.constraints.is_none() {
                return Err(only(
                    "constraints",
                    "set".into(),
                    "none for GRU and LSTM cells: Dale's law, sparsity and no self-connections \
                     exist only on the vanilla cell",
                ));
            }
        } else if !self.recurrent_activation.is_default() {
            return Err(only(
                "recurrent_activation",
                self.recurrent_activation.key().into(),
                "sigmoid: a gate activation exists only on GRU and LSTM cells",
            ));
        }
        if !self.reset_after && self.cell != CellKind::Gru {
            return Err(only(
                "reset_after",
                "false".into(),
                "true: reset_after exists only on the GRU cell",
            ));
        }
        if self.forget_bias != 1.0 && self.cell != CellKind::Lstm {
            return Err(only(
                "forget_bias",
                self.forget_bias.to_string(),
                "1: a forget gate exists only on the LSTM cell",
            ));
        }
        Ok(())
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

    /// Length of b_rec: `gates · N`, or `2 · 3N` for a GRU with `reset_after` (Keras' bias
    /// `(2, 3N)`: input bias, then recurrent bias). Stored at this length even when the model
    /// has no recurrent bias (then all zeros).
    pub fn bias_len(&self) -> usize {
        if self.cell == CellKind::Gru && self.reset_after {
            2 * self.gate_rows()
        } else {
            self.gate_rows()
        }
    }

    /// Number of weights stored (files, links, the optimiser): every tensor at full length,
    /// b_rec included even without a recurrent bias.
    pub fn n_weights(&self) -> usize {
        let (n, g) = (self.hidden, self.gate_rows());
        g * self.inputs() + g * n + self.bias_len() + self.outputs() * n + self.outputs()
    }

    /// Number of trainable parameters (b_rec counted only when enabled; entries a
    /// constraint pins, such as a zero diagonal, still counted).
    pub fn n_params(&self) -> usize {
        let unused_bias = if self.rec_bias { 0 } else { self.bias_len() };
        self.n_weights() - unused_bias
    }
}

fn is_true(b: &bool) -> bool {
    *b
}

fn is_one(v: &f32) -> bool {
    *v == 1.0
}
