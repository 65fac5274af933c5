//! The model's layers from its Keras config (`model_config` of an HDF5 file, `config.json` of
//! a `.keras` archive), and the check that they are one recurrent layer the lab can run
//! followed by one linear Dense.

use super::super::{ImportError, KERAS_SUPPORTED};
use super::unreadable;
use flipflop_core::model::{CellKind, GateActivation};

/// One layer of the Keras model config.
#[derive(Debug)]
pub(super) struct KerasLayer {
    /// `class_name` (`SimpleRNN`, `GRU`, `LSTM`, `Dense`, …).
    pub class: String,
    /// The layer's name (the HDF5 group of its weights).
    pub name: String,
    /// The layer's `config` object.
    pub config: serde_json::Value,
}

/// The layers of a model config (Sequential of Keras 1 and 2.0–2.2 `config: [...]`,
/// Sequential 2.3+ and 3 `config: {layers}`, functional `Model`/`Functional`), `InputLayer`
/// dropped and `TimeDistributed(layer)` unwrapped (its weights live under the wrapper's name).
pub(super) fn keras_layers(model_config: &str) -> Result<Vec<KerasLayer>, ImportError> {
    let v: serde_json::Value = serde_json::from_str(model_config)
        .map_err(|e| unreadable(format!("model_config is not JSON: {e}")))?;
    let cfg = &v["config"];
    let list = cfg
        .as_array()
        .or_else(|| cfg["layers"].as_array())
        .ok_or_else(|| unreadable("model_config lists no layers".into()))?;
    let mut out = Vec::new();
    for layer in list {
        let class = layer["class_name"].as_str().unwrap_or("?").to_string();
        if class == "InputLayer" {
            continue;
        }
        let name = layer["config"]["name"]
            .as_str()
            .or_else(|| layer["name"].as_str())
            .unwrap_or("")
            .to_string();
        if class == "TimeDistributed" {
            let inner = &layer["config"]["layer"];
            out.push(KerasLayer {
                class: inner["class_name"].as_str().unwrap_or("?").to_string(),
                name,
                config: inner["config"].clone(),
            });
        } else {
            out.push(KerasLayer {
                class,
                name,
                config: layer["config"].clone(),
            });
        }
    }
    Ok(out)
}

/// Units of a layer: `units` (Keras 2, 3) or `output_dim` (Keras 1); `None` when neither.
pub(super) fn units(layer: &KerasLayer) -> Option<u64> {
    layer.config["units"]
        .as_u64()
        .or_else(|| layer.config["output_dim"].as_u64())
}

/// Whether a layer has a bias: `use_bias` (Keras 2, 3), `bias` (Keras 1 Dense), else true.
pub(super) fn has_bias(layer: &KerasLayer) -> bool {
    layer.config["use_bias"]
        .as_bool()
        .or_else(|| layer.config["bias"].as_bool())
        .unwrap_or(true)
}

fn describe_layers(layers: &[KerasLayer]) -> String {
    if layers.is_empty() {
        return "no layers".into();
    }
    layers
        .iter()
        .map(|l| match units(l) {
            Some(u) => format!("{}({u})", l.class),
            None => l.class.clone(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The recurrent layer as the lab runs it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct RnnSpec {
    /// The cell.
    pub cell: CellKind,
    /// GRU's `reset_after` (true for the other cells, as the lab's config requires).
    pub reset_after: bool,
    /// The gate activation (sigmoid for SimpleRNN).
    pub gate: GateActivation,
}

impl RnnSpec {
    /// Keras' class name of the cell's layer.
    pub fn class(self) -> &'static str {
        match self.cell {
            CellKind::Vanilla => "SimpleRNN",
            CellKind::Gru => "GRU",
            CellKind::Lstm => "LSTM",
        }
    }
}

fn unsupported<T>(what: String) -> Result<T, ImportError> {
    Err(ImportError::Unsupported(format!(
        "{what}; {KERAS_SUPPORTED}"
    )))
}

/// The gate activation a file's `recurrent_activation` names. `hard_sigmoid` is
/// `clip(0.2 x + 0.5, 0, 1)` in Keras 1 and 2 and `clip(x / 6 + 0.5, 0, 1)` in Keras 3, so
/// the writer's major version decides.
fn gate_activation(name: &str, class: &str, keras3: bool) -> Result<GateActivation, ImportError> {
    match name {
        "sigmoid" => Ok(GateActivation::Sigmoid),
        "hard_sigmoid" if keras3 => Ok(GateActivation::HardSigmoidKeras3),
        "hard_sigmoid" => Ok(GateActivation::HardSigmoidKeras2),
        other => unsupported(format!(
            "the {class} has recurrent_activation '{other}' (the lab's gates use sigmoid or \
             hard_sigmoid)"
        )),
    }
}

/// Checks that the model is one tanh `SimpleRNN`, `GRU` or `LSTM` (run forwards from a zero
/// state, every step's output kept) then one linear `Dense`; returns the two and the cell.
/// `keras3`: the file was written by Keras 3 (decides what `hard_sigmoid` means).
pub(super) fn check_layers(
    layers: &[KerasLayer],
    keras3: bool,
) -> Result<(&KerasLayer, &KerasLayer, RnnSpec), ImportError> {
    let found = || {
        format!(
            "found a Keras model with layers {}",
            describe_layers(layers)
        )
    };
    let [rnn, dense] = layers else {
        return unsupported(found());
    };
    let cell = match rnn.class.as_str() {
        "SimpleRNN" => CellKind::Vanilla,
        "GRU" => CellKind::Gru,
        "LSTM" => CellKind::Lstm,
        _ => return unsupported(found()),
    };
    if dense.class != "Dense" {
        return unsupported(found());
    }
    let class = rnn.class.as_str();
    let c = &rnn.config;
    let activation = c["activation"].as_str().unwrap_or("?");
    if activation != "tanh" {
        return unsupported(format!("the {class} has activation '{activation}'"));
    }
    let flag = |key: &str| c[key].as_bool();
    if flag("go_backwards") == Some(true) {
        return unsupported(format!("the {class} runs backwards in time (go_backwards)"));
    }
    if flag("stateful") == Some(true) {
        return unsupported(format!(
            "the {class} is stateful (its state carries over between batches; the lab starts \
             every trial from zero)"
        ));
    }
    if flag("return_sequences") == Some(false) {
        return unsupported(format!(
            "the {class} returns only its last output (return_sequences=False); the lab reads \
             out every time step"
        ));
    }
    let gate = match cell {
        CellKind::Vanilla => GateActivation::Sigmoid,
        _ => match c["recurrent_activation"].as_str() {
            Some(name) => gate_activation(name, class, keras3)?,
            None => {
                return unsupported(format!(
                    "the {class}'s config names no recurrent_activation"
                ))
            }
        },
    };
    // Keras 2.0 had no reset_after (its GRU was the reset-before variant); every later
    // writer stores the flag.
    let reset_after = cell != CellKind::Gru || flag("reset_after").unwrap_or(false);
    let dense_act = dense.config["activation"].as_str().unwrap_or("linear");
    if dense_act != "linear" {
        return unsupported(format!("the Dense layer has activation '{dense_act}'"));
    }
    Ok((
        rnn,
        dense,
        RnnSpec {
            cell,
            reset_after,
            gate,
        },
    ))
}
