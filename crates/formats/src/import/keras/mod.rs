//! Keras model files: one recurrent layer (`SimpleRNN`, `GRU` with either `reset_after`, or
//! `LSTM`; activation tanh) followed by one linear `Dense`, saved by `model.save(...)`.
//!
//! | writer | file | units key | weights (in `weight_names` order) |
//! |---|---|---|---|
//! | Keras 1.x | HDF5, `model_weights/<layer>/<layer>_W, _U, _b`; Dense inside `TimeDistributed` | `output_dim` | W, U, b (SimpleRNN only) |
//! | Keras 2.x, tf.keras | HDF5, `model_weights/<layer>/<layer>/<cell>/kernel:0, …` | `units` | kernel, recurrent_kernel, bias |
//! | Keras 3 (`.h5`) | HDF5, `model_weights/<layer>/<model>/<layer>/<cell>/kernel, …` | `units` | kernel, recurrent_kernel, bias |
//! | Keras 3 (`.keras`) | zip: `config.json` + `model.weights.h5` with `layers/<layer>/cell/vars/0, 1, 2` | `units` | 0, 1, 2 |
//!
//! Layers and their weights are found through the file's own attributes (`layer_names` on
//! `model_weights`, `weight_names` on each layer group), the way Keras itself loads them, not
//! through fixed paths; the cell, `reset_after` and `recurrent_activation` come from the
//! layer's config (`hard_sigmoid` is Keras 2's `clip(0.2x + 0.5)` unless the root attribute
//! `keras_version` says Keras 3, whose is `clip(x/6 + 0.5)`). Weights stored as float16,
//! float32 or float64 are read as f32, and an HDF5 file may start after a user block. Every
//! shape is checked before the weights are read.
//!
//! Keras' `kernel` (`inputs × G·N`, gate columns `[z|r|h̃]` or `[i|f|c|o]`) and
//! `recurrent_kernel` (`N × G·N`) are the transposes of the lab's `W_in` and `W_rec`; its
//! `bias` (`G·N`, or `(2, 3N)` for a GRU with `reset_after`) is `b_rec` as stored, row-major
//! (the layout is documented in `flipflop_core::model::cell`).

mod layers;
mod weights;

use super::{transpose, ImportError, ImportFormat, Imported, KERAS_SUPPORTED};
use crate::netfile;
use flipflop_core::config::{Config, Preset};
use flipflop_core::model::{Network, MAX_HIDDEN};
use flipflop_core::task::MAX_BITS;
use layers::{check_layers, has_bias, keras_layers, units, KerasLayer, RnnSpec};
use weights::{layer_weights, read_checked, shape_of};

const FMT: ImportFormat = ImportFormat::KerasHdf5;

fn unreadable(detail: String) -> ImportError {
    ImportError::Unreadable {
        format: FMT,
        detail,
    }
}

/// The weights' paths in an HDF5 file: `(rnn [kernel, recurrent, bias?], dense [kernel, bias?])`.
type Paths = (Vec<String>, Vec<String>);

/// Builds the network from the checked layers and the weights' paths.
fn build(
    file: &hdf5_pure::File,
    (rnn, dense, spec): (&KerasLayer, &KerasLayer, RnnSpec),
    (rp, dp): Paths,
) -> Result<Imported, ImportError> {
    let class = spec.class();
    let gates = spec.cell.gates();
    // Units from the config, else (a config without them) from the stored shapes.
    let rec_shape = shape_of(file, &rp[1])?;
    let dk_shape = shape_of(file, &dp[0])?;
    let n = units(rnn).unwrap_or(rec_shape.first().copied().unwrap_or(0) as u64) as usize;
    let k = units(dense).unwrap_or(dk_shape.get(1).copied().unwrap_or(0) as u64) as usize;
    if !(2..=MAX_HIDDEN).contains(&n) {
        return Err(ImportError::Unsupported(format!(
            "the {class} has {n} units; {KERAS_SUPPORTED}"
        )));
    }
    if !(1..=MAX_BITS).contains(&k) {
        return Err(ImportError::Unsupported(format!(
            "the Dense layer has {k} outputs; {KERAS_SUPPORTED}"
        )));
    }
    // The input size comes from the kernel's shape; it must equal the outputs.
    let k_in = shape_of(file, &rp[0])?.first().copied().unwrap_or(0);
    if k_in != k {
        return Err(ImportError::Unsupported(format!(
            "the model has {k_in} inputs and {k} outputs; the lab's networks have one input and \
             one output per bit ({KERAS_SUPPORTED})"
        )));
    }
    let g = gates * n;
    let kk = read_checked(file, &rp[0], &format!("{class} kernel"), &[k, g])?;
    let rr = read_checked(file, &rp[1], &format!("{class} recurrent_kernel"), &[n, g])?;
    let dd = read_checked(file, &dp[0], "Dense kernel", &[n, k])?;
    let mut config = Config::preset(Preset::Paper);
    config.set_bits(k);
    config.model.hidden = n;
    config.model.alpha = 1.0;
    config.model.rec_bias = rp.len() == 3;
    config.model.cell = spec.cell;
    config.model.reset_after = spec.reset_after;
    config.model.recurrent_activation = spec.gate;
    netfile::check_config(&config).map_err(ImportError::Config)?;
    let bias_len = config.model.bias_len();
    let b_rec = match rp.get(2) {
        Some(p) => {
            let shape: &[usize] = if bias_len == g { &[g] } else { &[2, g] };
            read_checked(file, p, &format!("{class} bias"), shape)?
        }
        None => vec![0.0; bias_len],
    };
    let b_out = match dp.get(1) {
        Some(p) => read_checked(file, p, "Dense bias", &[k])?,
        None => vec![0.0; k],
    };
    let network = Network {
        config: config.model.clone(),
        w_in: transpose(&kk, k, g),
        w_rec: transpose(&rr, n, g),
        b_rec,
        w_out: transpose(&dd, n, k),
        b_out,
    };
    Ok(Imported {
        format: FMT,
        config,
        network,
        steps: 0,
    })
}

fn open(bytes: &[u8]) -> Result<hdf5_pure::File, ImportError> {
    hdf5_pure::File::from_bytes(bytes.to_vec()).map_err(|e| unreadable(e.to_string()))
}

/// True when a `keras_version` string names Keras 3 or later.
fn is_keras3(version: &str) -> bool {
    version
        .split('.')
        .next()
        .and_then(|m| m.trim().parse::<u32>().ok())
        .is_some_and(|m| m >= 3)
}

/// Imports a Keras HDF5 model file (Keras 1.x, 2.x, tf.keras, Keras 3 `.h5`) holding
/// `SimpleRNN`, `GRU` or `LSTM` (tanh) then `Dense` (linear).
///
/// # Errors
/// [`ImportError`] saying what the file holds when it is not that model, or what is damaged.
pub fn import_keras_hdf5(bytes: &[u8]) -> Result<Imported, ImportError> {
    let file = open(bytes)?;
    let attrs = file.root().attrs().map_err(|e| unreadable(e.to_string()))?;
    let keras3 = attrs
        .get("keras_version")
        .and_then(|a| a.as_str())
        .is_some_and(is_keras3);
    let model_config = attrs
        .get("model_config")
        .and_then(|a| a.as_str())
        .ok_or_else(|| ImportError::Missing {
            format: FMT,
            what: "model_config attribute: it is not a whole Keras model (weights-only files \
                   from save_weights cannot be checked); save it with model.save(\"x.h5\")"
                .into(),
        })?;
    if model_config.len() > netfile::MAX_CONFIG_BYTES {
        return Err(unreadable("model_config is larger than 1 MiB".into()));
    }
    let layers = keras_layers(model_config)?;
    let checked = check_layers(&layers, keras3)?;
    let (rnn, dense, spec) = checked;
    let paths = (
        layer_weights(
            &file,
            &format!("model_weights/{}", rnn.name),
            Some(spec.class()),
            has_bias(rnn),
        )?,
        layer_weights(
            &file,
            &format!("model_weights/{}", dense.name),
            None,
            has_bias(dense),
        )?,
    );
    build(&file, checked, paths)
}

/// Imports a Keras 3 `.keras` archive (a zip of `config.json` and `model.weights.h5`), given
/// the two members' bytes.
///
/// # Errors
/// As [`import_keras_hdf5`].
pub fn import_keras_v3(config_json: &[u8], weights_h5: &[u8]) -> Result<Imported, ImportError> {
    let config = std::str::from_utf8(config_json)
        .map_err(|_| unreadable("config.json is not UTF-8 text".into()))?;
    let layers = keras_layers(config)?;
    let checked = check_layers(&layers, true)?;
    let (rnn, dense, spec) = checked;
    let file = open(weights_h5)?;
    // Keras 3 names the weight groups after the layers' classes (`layers/gru`,
    // `layers/dense`, `_1` suffixes for repeats), not their names: the recurrent layer's group
    // is the one with a `cell`.
    let groups = file
        .group("layers")
        .and_then(|g| g.groups())
        .map_err(|e| unreadable(format!("model.weights.h5 has no layers group: {e}")))?;
    let is_rnn = |g: &str| file.group(&format!("layers/{g}/cell/vars")).is_ok();
    let (Some(rg), Some(dg)) = (
        groups.iter().find(|g| is_rnn(g)),
        groups.iter().find(|g| !is_rnn(g)),
    ) else {
        return Err(unreadable(format!(
            "model.weights.h5 has layer groups {groups:?}, expected one {} and one Dense",
            spec.class()
        )));
    };
    let vars = |base: String, count: usize| (0..count).map(|i| format!("{base}/{i}")).collect();
    let paths = (
        vars(
            format!("layers/{rg}/cell/vars"),
            2 + usize::from(has_bias(rnn)),
        ),
        vars(
            format!("layers/{dg}/vars"),
            1 + usize::from(has_bias(dense)),
        ),
    );
    build(&file, checked, paths)
}
