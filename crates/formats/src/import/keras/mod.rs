//! Keras model files: `SimpleRNN(tanh) → Dense(linear)` saved by `model.save(...)`.
//!
//! | writer | file | units key | weights (in `weight_names` order) |
//! |---|---|---|---|
//! | Keras 1.x | HDF5, `model_weights/<layer>/<layer>_W, _U, _b`; Dense inside `TimeDistributed` | `output_dim` | W, U, b |
//! | Keras 2.x, tf.keras | HDF5, `model_weights/<layer>/<layer>/<cell>/kernel:0, …` | `units` | kernel, recurrent_kernel, bias |
//! | Keras 3 (`.h5`) | HDF5, `model_weights/<layer>/<model>/<layer>/<cell>/kernel, …` | `units` | kernel, recurrent_kernel, bias |
//! | Keras 3 (`.keras`) | zip: `config.json` + `model.weights.h5` with `layers/<layer>/[cell/]vars/0, 1, 2` | `units` | 0, 1, 2 |
//!
//! Layers and their weights are found through the file's own attributes (`layer_names` on
//! `model_weights`, `weight_names` on each layer group), the way Keras itself loads them, not
//! through fixed paths; weights stored as float16, float32 or float64 are read as f32, and an
//! HDF5 file may start after a user block. Every shape is checked before the weights are read.

use super::{check_finite, transpose, ImportError, ImportFormat, Imported, KERAS_SUPPORTED};
use crate::netfile;
use flipflop_core::config::{Config, Preset};
use flipflop_core::model::{Network, MAX_HIDDEN};
use flipflop_core::task::MAX_BITS;

const FMT: ImportFormat = ImportFormat::KerasHdf5;

fn unreadable(detail: String) -> ImportError {
    ImportError::Unreadable {
        format: FMT,
        detail,
    }
}

/// One layer of the Keras model config.
#[derive(Debug)]
struct KerasLayer {
    class: String,
    name: String,
    config: serde_json::Value,
}

/// The layers of `model_config` (Sequential of Keras 1 and 2.0–2.2 `config: [...]`,
/// Sequential 2.3+ and 3 `config: {layers}`, functional `Model`/`Functional`), `InputLayer`
/// dropped and `TimeDistributed(layer)` unwrapped (its weights live under the wrapper's name).
fn keras_layers(model_config: &str) -> Result<Vec<KerasLayer>, ImportError> {
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
fn units(layer: &KerasLayer) -> Option<u64> {
    layer.config["units"]
        .as_u64()
        .or_else(|| layer.config["output_dim"].as_u64())
}

/// Whether a layer has a bias: `use_bias` (Keras 2, 3), `bias` (Keras 1 Dense), else true.
fn has_bias(layer: &KerasLayer) -> bool {
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

/// Checks that the model is one tanh `SimpleRNN` then one linear `Dense`; returns the two.
fn check_layers(layers: &[KerasLayer]) -> Result<(&KerasLayer, &KerasLayer), ImportError> {
    let unsupported = |what: String| {
        Err(ImportError::Unsupported(format!(
            "{what}; {KERAS_SUPPORTED}"
        )))
    };
    let [rnn, dense] = layers else {
        return unsupported(format!(
            "found a Keras model with layers {}",
            describe_layers(layers)
        ));
    };
    if rnn.class != "SimpleRNN" || dense.class != "Dense" {
        return unsupported(format!(
            "found a Keras model with layers {}",
            describe_layers(layers)
        ));
    }
    let activation = rnn.config["activation"].as_str().unwrap_or("?");
    if activation != "tanh" {
        return unsupported(format!("the SimpleRNN has activation '{activation}'"));
    }
    if rnn.config["go_backwards"].as_bool() == Some(true) {
        return unsupported("the SimpleRNN runs backwards in time (go_backwards)".into());
    }
    let dense_act = dense.config["activation"].as_str().unwrap_or("linear");
    if dense_act != "linear" {
        return unsupported(format!("the Dense layer has activation '{dense_act}'"));
    }
    Ok((rnn, dense))
}

/// The role of a weight from its name: 0 input kernel, 1 recurrent kernel, 2 bias.
fn role(name: &str) -> Option<usize> {
    let leaf = name.rsplit('/').next().unwrap_or(name);
    let leaf = leaf.split(':').next().unwrap_or(leaf);
    if leaf == "recurrent_kernel" || leaf.ends_with("_U") {
        Some(1)
    } else if leaf == "kernel" || leaf.ends_with("_W") {
        Some(0)
    } else if leaf == "bias" || leaf.ends_with("_b") {
        Some(2)
    } else {
        None
    }
}

/// The dataset paths of one layer's weights, ordered kernel, recurrent kernel (RNN only),
/// bias (when present): from the group's `weight_names` attribute (by name where the names
/// say their role, else in the stored order, as Keras loads them).
fn layer_weights(
    file: &hdf5_pure::File,
    group: &str,
    rnn: bool,
    bias: bool,
) -> Result<Vec<String>, ImportError> {
    let what = if rnn { "SimpleRNN" } else { "Dense" };
    let g = file.group(group).map_err(|_| ImportError::Missing {
        format: FMT,
        what: format!("{what} weights: the file has no group {group}"),
    })?;
    let attrs = g.attrs().map_err(|e| unreadable(format!("{group}: {e}")))?;
    let names: Vec<String> = attrs
        .get("weight_names")
        .and_then(|a| a.as_strings())
        .map(|s| s.to_vec())
        .unwrap_or_default();
    let want = if rnn { 2 } else { 1 } + usize::from(bias);
    if names.len() != want {
        return Err(ImportError::Unsupported(format!(
            "the {what} layer stores {} weights ({}), expected {want} (kernel{}{}); \
             {KERAS_SUPPORTED}",
            names.len(),
            names.join(", "),
            if rnn { ", recurrent kernel" } else { "" },
            if bias { ", bias" } else { "" },
        )));
    }
    let mut ordered = vec![String::new(); want];
    // Slots: RNN kernel, recurrent kernel, bias; Dense kernel, bias.
    let slots: Vec<Option<usize>> = names
        .iter()
        .map(|n| match (role(n), rnn) {
            (Some(r), true) => Some(r),
            (Some(0), false) => Some(0),
            (Some(2), false) => Some(1),
            _ => None,
        })
        .collect();
    let by_name = slots.iter().all(|s| s.is_some_and(|s| s < want));
    for (i, name) in names.iter().enumerate() {
        let slot = if by_name { slots[i].unwrap_or(i) } else { i };
        ordered[slot] = format!("{group}/{name}");
    }
    if ordered.iter().any(String::is_empty) {
        return Err(unreadable(format!(
            "{group}: weight_names {names:?} name the same weight twice"
        )));
    }
    Ok(ordered)
}

/// The shape of a dataset.
fn shape_of(file: &hdf5_pure::File, path: &str) -> Result<Vec<usize>, ImportError> {
    let ds = file
        .dataset(path)
        .map_err(|e| unreadable(format!("{path}: {e}")))?;
    Ok(ds
        .shape()
        .map_err(|e| unreadable(format!("{path}: {e}")))?
        .iter()
        .map(|d| usize::try_from(*d).unwrap_or(usize::MAX))
        .collect())
}

/// Reads one dataset (float16, 32 or 64) after checking its shape is exactly `expected`.
fn read_checked(
    file: &hdf5_pure::File,
    path: &str,
    tensor: &str,
    expected: &[usize],
) -> Result<Vec<f32>, ImportError> {
    let shape = shape_of(file, path)?;
    if shape != expected {
        return Err(ImportError::Shape {
            tensor: tensor.to_string(),
            expected: expected.to_vec(),
            found: shape,
        });
    }
    let v = read_floats(file, path).map_err(|e| unreadable(format!("{path}: {e}")))?;
    if v.len() != expected.iter().product::<usize>() {
        return Err(unreadable(format!(
            "{path}: {} values for shape {expected:?}",
            v.len()
        )));
    }
    check_finite(tensor, &v)?;
    Ok(v)
}

/// Every value of a float dataset as f32: float32 and float64 by hdf5-pure, float16 (either
/// byte order) from its raw bytes with `half`.
fn read_floats(file: &hdf5_pure::File, path: &str) -> Result<Vec<f32>, hdf5_pure::Error> {
    use hdf5_pure::{Datatype, DatatypeByteOrder};
    let ds = file.dataset(path)?;
    if let Datatype::FloatingPoint {
        size: 2,
        byte_order,
        ..
    } = ds.datatype()?
    {
        let be = byte_order == DatatypeByteOrder::BigEndian;
        let raw = ds.read_raw()?;
        return Ok(raw
            .chunks_exact(2)
            .map(|c| {
                let bits = if be {
                    u16::from_be_bytes([c[0], c[1]])
                } else {
                    u16::from_le_bytes([c[0], c[1]])
                };
                half::f16::from_bits(bits).to_f32()
            })
            .collect());
    }
    ds.read_f32()
}

/// The weights' paths in an HDF5 file: `(rnn [kernel, recurrent, bias?], dense [kernel, bias?])`.
type Paths = (Vec<String>, Vec<String>);

/// Builds the network from the checked layers and the weights' paths.
fn build(
    file: &hdf5_pure::File,
    rnn: &KerasLayer,
    dense: &KerasLayer,
    (rp, dp): Paths,
) -> Result<Imported, ImportError> {
    // Units from the config, else (a config without them) from the stored shapes.
    let rec_shape = shape_of(file, &rp[1])?;
    let dk_shape = shape_of(file, &dp[0])?;
    let n = units(rnn).unwrap_or(rec_shape.first().copied().unwrap_or(0) as u64) as usize;
    let k = units(dense).unwrap_or(dk_shape.get(1).copied().unwrap_or(0) as u64) as usize;
    if !(2..=MAX_HIDDEN).contains(&n) {
        return Err(ImportError::Unsupported(format!(
            "the SimpleRNN has {n} units; {KERAS_SUPPORTED}"
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
    let kk = read_checked(file, &rp[0], "SimpleRNN kernel", &[k, n])?;
    let rr = read_checked(file, &rp[1], "SimpleRNN recurrent_kernel", &[n, n])?;
    let dd = read_checked(file, &dp[0], "Dense kernel", &[n, k])?;
    let rnn_bias = rp.len() == 3;
    let b_rec = match rp.get(2) {
        Some(p) => read_checked(file, p, "SimpleRNN bias", &[n])?,
        None => vec![0.0; n],
    };
    let b_out = match dp.get(1) {
        Some(p) => read_checked(file, p, "Dense bias", &[k])?,
        None => vec![0.0; k],
    };
    let mut config = Config::preset(Preset::Paper);
    config.set_bits(k);
    config.model.hidden = n;
    config.model.alpha = 1.0;
    config.model.rec_bias = rnn_bias;
    netfile::check_config(&config).map_err(ImportError::Config)?;
    let network = Network {
        config: config.model.clone(),
        w_in: transpose(&kk, k, n),
        w_rec: transpose(&rr, n, n),
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

/// Imports a Keras HDF5 model file (Keras 1.x, 2.x, tf.keras, Keras 3 `.h5`) holding
/// `SimpleRNN(tanh) → Dense(linear)`.
///
/// # Errors
/// [`ImportError`] saying what the file holds when it is not that model, or what is damaged.
pub fn import_keras_hdf5(bytes: &[u8]) -> Result<Imported, ImportError> {
    let file = open(bytes)?;
    let attrs = file.root().attrs().map_err(|e| unreadable(e.to_string()))?;
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
    let (rnn, dense) = check_layers(&layers)?;
    let paths = (
        layer_weights(
            &file,
            &format!("model_weights/{}", rnn.name),
            true,
            has_bias(rnn),
        )?,
        layer_weights(
            &file,
            &format!("model_weights/{}", dense.name),
            false,
            has_bias(dense),
        )?,
    );
    build(&file, rnn, dense, paths)
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
    let (rnn, dense) = check_layers(&layers)?;
    let file = open(weights_h5)?;
    // Keras 3 names the weight groups after the layers' classes (`layers/simple_rnn`,
    // `layers/dense`, `_1` suffixes for repeats), not their names: the RNN's group is the one
    // with a `cell`.
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
            "model.weights.h5 has layer groups {groups:?}, expected one SimpleRNN and one Dense"
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
    build(&file, rnn, dense, paths)
}
