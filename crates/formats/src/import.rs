//! Importing networks made elsewhere: bytes in, a [`Config`] and a [`Network`] out. No I/O.
//!
//! Formats, recognised by content (not by file name):
//! - **Keras 2.x HDF5 model file** (`model.save("x.h5")`, starts with `\x89HDF`): a `SimpleRNN`
//!   (activation `tanh`) followed by a `Dense` (linear), e.g. the paper's own files. Keras
//!   computes `h_t = tanh(x_t K + h_{t-1} R + b)`, `z_t = h_t D + c` with kernels stored
//!   rows = source units, so in the lab's column convention
//!   `W_in = Kᵀ`, `W_rec = Rᵀ`, `b_rec = b`, `W_out = Dᵀ`, `b_out = c`, `α = 1`.
//!   The task is the paper's ([`TaskConfig::default`](flipflop_core::TaskConfig)) with the Dense output
//!   count as the number of bits; training settings are the paper preset's.
//! - **npz** (a zip of `.npy` arrays, as `flipflop export --npz` and `numpy.savez` or
//!   `numpy.savez_compressed` write): float32 or float64 arrays `W_in (N, bits)`,
//!   `W_rec (N, N)`, `W_out (bits, N)`, `b_out (bits)`, optional `b_rec (N)` (absent = zeros)
//!   and 0-d `alpha` (absent = 1).
//! - **JSON** of `flipflop export --json` (`"format": "flipflop-network"`): config, steps
//!   trained and every weight.
//! - **network file** (`FFLABNET`, see [`crate::netfile`]), passed through.
//!
//! Every size is checked before the buffer it implies is allocated: the input is capped at
//! [`MAX_IMPORT_BYTES`], array shapes are checked against the architecture limits (N ≤ 1024,
//! bits ≤ 8) before reading, compressed npz members inflate with a hard limit, and NaN or
//! infinite weights are refused.

use flipflop_core::config::{Config, Preset};
use flipflop_core::error::ConfigError;
use flipflop_core::model::{Network, MAX_HIDDEN};
use crate::netfile::{self, FormatError, NetFile};
use flipflop_core::task::MAX_BITS;
use serde::de::{Deserializer, SeqAccess, Visitor};
use serde::Deserialize;
use std::fmt;
use std::io::Read;

/// Largest input accepted (a Keras file of the largest network with Adam's slots is ~17 MB).
pub const MAX_IMPORT_BYTES: usize = 64 << 20;

/// What the supported Keras models look like, for error messages.
pub const KERAS_SUPPORTED: &str = "supported: a Keras 2.x model file with one SimpleRNN \
    (activation tanh, 2..=1024 units) followed by one Dense (linear, 1..=8 units, as many as \
    the inputs)";

/// The formats [`import`] reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImportFormat {
    /// Keras 2.x HDF5 model file.
    KerasHdf5,
    /// numpy npz.
    Npz,
    /// `flipflop export --json`.
    Json,
    /// A Flip-Flop Lab network file.
    NetFile,
}

impl ImportFormat {
    /// A short name for messages and JSON output.
    pub fn name(self) -> &'static str {
        match self {
            ImportFormat::KerasHdf5 => "keras-hdf5",
            ImportFormat::Npz => "npz",
            ImportFormat::Json => "json",
            ImportFormat::NetFile => "net",
        }
    }
}

/// Recognises a format from the first bytes: `\x89HDF` (or an HDF5 signature after a user
/// block), `PK` (zip), `{` after optional whitespace, `FFLABNET`.
pub fn sniff(bytes: &[u8]) -> Option<ImportFormat> {
    if bytes.starts_with(b"\x89HDF") {
        return Some(ImportFormat::KerasHdf5);
    }
    if bytes.starts_with(b"PK") {
        return Some(ImportFormat::Npz);
    }
    if bytes.starts_with(&netfile::MAGIC) {
        return Some(ImportFormat::NetFile);
    }
    let text = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    if text.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{') {
        return Some(ImportFormat::Json);
    }
    if hdf5_pure::is_hdf5_bytes(bytes) {
        return Some(ImportFormat::KerasHdf5);
    }
    None
}

/// An imported network.
#[derive(Clone, Debug, PartialEq)]
pub struct Imported {
    /// The format it came in.
    pub format: ImportFormat,
    /// Config (task, model, training, seed) for it; `config.model == network.config`.
    pub config: Config,
    /// The weights.
    pub network: Network,
    /// Steps trained, where the file says (0 otherwise).
    pub steps: u64,
}

impl Imported {
    /// As the contents of a network file.
    pub fn into_netfile(self) -> NetFile {
        NetFile {
            config: self.config,
            network: self.network,
            steps: self.steps,
        }
    }
}

/// Why bytes could not be imported. Messages say what was found and what is supported.
#[derive(Clone, Debug, PartialEq)]
pub enum ImportError {
    /// No known format.
    Unrecognised(String),
    /// Bigger than any file we accept.
    TooLarge {
        /// Bytes given.
        bytes: usize,
        /// The maximum.
        max: usize,
    },
    /// The container (HDF5, zip, JSON) cannot be read.
    Unreadable {
        /// The format.
        format: ImportFormat,
        /// What went wrong.
        detail: String,
    },
    /// Readable, but not a model the lab can run.
    Unsupported(String),
    /// A required array or dataset is missing.
    Missing {
        /// The format.
        format: ImportFormat,
        /// What is missing.
        what: String,
    },
    /// An array has the wrong shape.
    Shape {
        /// The array.
        tensor: String,
        /// The shape expected.
        expected: Vec<usize>,
        /// The shape found.
        found: Vec<usize>,
    },
    /// A NaN or infinite weight.
    NonFinite {
        /// The array.
        tensor: String,
        /// Row-major index.
        index: usize,
    },
    /// The implied configuration is out of range.
    Config(ConfigError),
    /// A network file that does not decode.
    NetFile(FormatError),
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use ImportError::*;
        match self {
            Unrecognised(found) => write!(
                f,
                "not a file Flip-Flop Lab can import (found {found}); supported: Keras 2.x HDF5 \
                 model files (.h5/.hdf5), npz and JSON from 'flipflop export', network files"
            ),
            TooLarge { bytes, max } => write!(
                f,
                "file is {bytes} bytes, larger than any importable network ({max} bytes at most)"
            ),
            Unreadable { format, detail } => {
                write!(f, "cannot read this {} file: {detail}", format.name())
            }
            Unsupported(m) => write!(f, "{m}"),
            Missing { format, what } => write!(f, "this {} file has no {what}", format.name()),
            Shape {
                tensor,
                expected,
                found,
            } => write!(
                f,
                "{tensor} has shape {found:?}, expected {expected:?} (from the other arrays)"
            ),
            NonFinite { tensor, index } => {
                write!(
                    f,
                    "the file has a NaN or infinite weight: {tensor}[{index}]"
                )
            }
            Config(e) => write!(f, "the imported network is out of range: {e}"),
            NetFile(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for ImportError {}

/// Imports any supported format (recognised with [`sniff`]).
pub fn import(bytes: &[u8]) -> Result<Imported, ImportError> {
    if bytes.len() > MAX_IMPORT_BYTES {
        return Err(ImportError::TooLarge {
            bytes: bytes.len(),
            max: MAX_IMPORT_BYTES,
        });
    }
    match sniff(bytes) {
        Some(ImportFormat::KerasHdf5) => import_keras_hdf5(bytes),
        Some(ImportFormat::Npz) => import_npz(bytes),
        Some(ImportFormat::Json) => import_json(bytes),
        Some(ImportFormat::NetFile) => {
            let f = netfile::decode(bytes).map_err(ImportError::NetFile)?;
            Ok(Imported {
                format: ImportFormat::NetFile,
                config: f.config,
                network: f.network,
                steps: f.steps,
            })
        }
        None => Err(ImportError::Unrecognised(describe_start(bytes))),
    }
}

/// A short description of what a file starts with, for the "unrecognised" message.
fn describe_start(bytes: &[u8]) -> String {
    if bytes.is_empty() {
        return "an empty file".into();
    }
    let head: String = bytes
        .iter()
        .take(8)
        .map(|b| {
            if b.is_ascii_graphic() {
                (*b as char).to_string()
            } else {
                format!("\\x{b:02x}")
            }
        })
        .collect();
    format!("{} bytes starting with \"{head}\"", bytes.len())
}

/// Checks a flat tensor for NaN and infinities.
fn check_finite(tensor: &str, v: &[f32]) -> Result<(), ImportError> {
    match v.iter().position(|w| !w.is_finite()) {
        Some(index) => Err(ImportError::NonFinite {
            tensor: tensor.to_string(),
            index,
        }),
        None => Ok(()),
    }
}

/// Transposes a row-major `rows × cols` matrix.
fn transpose(m: &[f32], rows: usize, cols: usize) -> Vec<f32> {
    let mut t = vec![0.0; m.len()];
    for r in 0..rows {
        for c in 0..cols {
            t[c * rows + r] = m[r * cols + c];
        }
    }
    t
}

// ---------------------------------------------------------------------------------------------
// Keras HDF5

/// One layer of the Keras model config.
#[derive(Debug)]
struct KerasLayer {
    class: String,
    name: String,
    config: serde_json::Value,
}

/// The layers of `model_config` (Sequential of Keras 2.0–2.2 `config: [...]`, Sequential 2.3+
/// `config: {layers}`, functional `Model`/`Functional`), `InputLayer` dropped and
/// `TimeDistributed(layer)` unwrapped (its weights live under the wrapper's name).
fn keras_layers(model_config: &str) -> Result<Vec<KerasLayer>, ImportError> {
    let unreadable = |detail: String| ImportError::Unreadable {
        format: ImportFormat::KerasHdf5,
        detail,
    };
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

fn describe_layers(layers: &[KerasLayer]) -> String {
    if layers.is_empty() {
        return "no layers".into();
    }
    layers
        .iter()
        .map(|l| match l.config["units"].as_u64() {
            Some(u) => format!("{}({u})", l.class),
            None => l.class.clone(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The weight datasets of one layer group: `(leaf name without ":0", full path)`, found by
/// walking up to four levels of subgroups (Keras nests `layer/layer/kernel:0`, TF 2 adds a
/// cell level).
fn layer_datasets(
    file: &hdf5_pure::File,
    group: &str,
) -> Result<Vec<(String, String)>, ImportError> {
    let err = |e: hdf5_pure::Error| ImportError::Unreadable {
        format: ImportFormat::KerasHdf5,
        detail: format!("{group}: {e}"),
    };
    let mut out = Vec::new();
    let mut todo = vec![(group.to_string(), 0)];
    while let Some((path, depth)) = todo.pop() {
        let g = file.group(&path).map_err(err)?;
        for d in g.datasets().map_err(err)? {
            let leaf = d.split(':').next().unwrap_or(&d).to_string();
            out.push((leaf, format!("{path}/{d}")));
        }
        if depth < 4 {
            for sub in g.groups().map_err(err)? {
                todo.push((format!("{path}/{sub}"), depth + 1));
            }
        }
        if out.len() > 64 {
            break;
        }
    }
    Ok(out)
}

/// Reads one dataset after checking its shape is exactly `expected`.
fn read_checked(
    file: &hdf5_pure::File,
    path: &str,
    tensor: &str,
    expected: &[usize],
) -> Result<Vec<f32>, ImportError> {
    let err = |e: hdf5_pure::Error| ImportError::Unreadable {
        format: ImportFormat::KerasHdf5,
        detail: format!("{path}: {e}"),
    };
    let ds = file.dataset(path).map_err(err)?;
    let shape: Vec<usize> = ds
        .shape()
        .map_err(err)?
        .iter()
        .map(|d| usize::try_from(*d).unwrap_or(usize::MAX))
        .collect();
    if shape != expected {
        return Err(ImportError::Shape {
            tensor: tensor.to_string(),
            expected: expected.to_vec(),
            found: shape,
        });
    }
    let v = ds.read_f32().map_err(err)?;
    if v.len() != expected.iter().product::<usize>() {
        return Err(ImportError::Unreadable {
            format: ImportFormat::KerasHdf5,
            detail: format!("{path}: {} values for shape {expected:?}", v.len()),
        });
    }
    check_finite(tensor, &v)?;
    Ok(v)
}

fn find<'a>(ds: &'a [(String, String)], leaf: &str) -> Option<&'a str> {
    ds.iter().find(|(l, _)| l == leaf).map(|(_, p)| p.as_str())
}

/// Imports a Keras 2.x HDF5 model file holding `SimpleRNN(tanh) → Dense(linear)`.
pub fn import_keras_hdf5(bytes: &[u8]) -> Result<Imported, ImportError> {
    let fmt = ImportFormat::KerasHdf5;
    let unreadable = |detail: String| ImportError::Unreadable {
        format: fmt,
        detail,
    };
    let file =
        hdf5_pure::File::from_bytes(bytes.to_vec()).map_err(|e| unreadable(e.to_string()))?;
    let attrs = file.root().attrs().map_err(|e| unreadable(e.to_string()))?;
    let model_config = attrs
        .get("model_config")
        .and_then(|a| a.as_str())
        .ok_or_else(|| ImportError::Missing {
            format: fmt,
            what: "model_config attribute: it is not a whole Keras model (weights-only files \
                   from save_weights cannot be checked); save it with model.save(\"x.h5\")"
                .into(),
        })?;
    if model_config.len() > netfile::MAX_CONFIG_BYTES {
        return Err(unreadable("model_config is larger than 1 MiB".into()));
    }
    let layers = keras_layers(model_config)?;
    let [rnn, dense] = layers.as_slice() else {
        return Err(ImportError::Unsupported(format!(
            "found a Keras model with layers {}; {KERAS_SUPPORTED}",
            describe_layers(&layers)
        )));
    };
    if rnn.class != "SimpleRNN" || dense.class != "Dense" {
        return Err(ImportError::Unsupported(format!(
            "found a Keras model with layers {}; {KERAS_SUPPORTED}",
            describe_layers(&layers)
        )));
    }
    let activation = rnn.config["activation"].as_str().unwrap_or("?");
    if activation != "tanh" {
        return Err(ImportError::Unsupported(format!(
            "the SimpleRNN has activation '{activation}'; {KERAS_SUPPORTED}"
        )));
    }
    if rnn.config["go_backwards"].as_bool() == Some(true) {
        return Err(ImportError::Unsupported(format!(
            "the SimpleRNN runs backwards in time (go_backwards); {KERAS_SUPPORTED}"
        )));
    }
    let dense_act = dense.config["activation"].as_str().unwrap_or("linear");
    if dense_act != "linear" {
        return Err(ImportError::Unsupported(format!(
            "the Dense layer has activation '{dense_act}'; {KERAS_SUPPORTED}"
        )));
    }
    let n = rnn.config["units"].as_u64().unwrap_or(0) as usize;
    let k = dense.config["units"].as_u64().unwrap_or(0) as usize;
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
    let rnn_bias = rnn.config["use_bias"].as_bool().unwrap_or(true);
    let dense_bias = dense.config["use_bias"].as_bool().unwrap_or(true);

    let rnn_ds = layer_datasets(&file, &format!("model_weights/{}", rnn.name))?;
    let dense_ds = layer_datasets(&file, &format!("model_weights/{}", dense.name))?;
    let missing = |what: String| ImportError::Missing { format: fmt, what };
    let kernel = find(&rnn_ds, "kernel")
        .ok_or_else(|| missing(format!("SimpleRNN kernel under model_weights/{}", rnn.name)))?;
    let recurrent = find(&rnn_ds, "recurrent_kernel").ok_or_else(|| {
        missing(format!(
            "SimpleRNN recurrent_kernel under model_weights/{}",
            rnn.name
        ))
    })?;
    let dkernel = find(&dense_ds, "kernel")
        .ok_or_else(|| missing(format!("Dense kernel under model_weights/{}", dense.name)))?;
    // The input size comes from the kernel's shape; it must equal the outputs.
    let k_in = file
        .dataset(kernel)
        .and_then(|d| d.shape())
        .map_err(|e| unreadable(format!("{kernel}: {e}")))?
        .first()
        .copied()
        .unwrap_or(0);
    if k_in != k as u64 {
        return Err(ImportError::Unsupported(format!(
            "the model has {k_in} inputs and {k} outputs; the lab's networks have one input and \
             one output per bit ({KERAS_SUPPORTED})"
        )));
    }
    let kk = read_checked(&file, kernel, "SimpleRNN kernel", &[k, n])?;
    let rr = read_checked(&file, recurrent, "SimpleRNN recurrent_kernel", &[n, n])?;
    let dd = read_checked(&file, dkernel, "Dense kernel", &[n, k])?;
    let b_rec = if rnn_bias {
        let p = find(&rnn_ds, "bias").ok_or_else(|| missing("SimpleRNN bias".into()))?;
        read_checked(&file, p, "SimpleRNN bias", &[n])?
    } else {
        vec![0.0; n]
    };
    let b_out = if dense_bias {
        let p = find(&dense_ds, "bias").ok_or_else(|| missing("Dense bias".into()))?;
        read_checked(&file, p, "Dense bias", &[k])?
    } else {
        vec![0.0; k]
    };

    let mut config = Config::preset(Preset::Paper);
    config.set_bits(k);
    config.model.hidden = n;
    config.model.alpha = 1.0;
    config.model.rec_bias = rnn_bias;
    config.validate().map_err(ImportError::Config)?;
    let network = Network {
        config: config.model.clone(),
        w_in: transpose(&kk, k, n),
        w_rec: transpose(&rr, n, n),
        b_rec,
        w_out: transpose(&dd, n, k),
        b_out,
    };
    Ok(Imported {
        format: fmt,
        config,
        network,
        steps: 0,
    })
}

// ---------------------------------------------------------------------------------------------
// npz

/// A parsed `.npy` array: its shape and values as f32.
struct Npy {
    shape: Vec<usize>,
    values: Vec<f32>,
}

/// Parses a `.npy` array of little-endian float32 or float64 (C order), checking that it has
/// at most `max_len` elements before allocating.
fn parse_npy(name: &str, b: &[u8], max_len: usize) -> Result<Npy, ImportError> {
    let bad = |why: &str| ImportError::Unreadable {
        format: ImportFormat::Npz,
        detail: format!("{name}: {why}"),
    };
    if b.len() < 10 || &b[..6] != b"\x93NUMPY" {
        return Err(bad("not a .npy array"));
    }
    let (hlen, start) = match b[6] {
        1 => (u16::from_le_bytes([b[8], b[9]]) as usize, 10),
        2 | 3 if b.len() >= 12 => (u32::from_le_bytes([b[8], b[9], b[10], b[11]]) as usize, 12),
        _ => return Err(bad("unsupported .npy version")),
    };
    if hlen > b.len() - start {
        return Err(bad("header is cut short"));
    }
    let header =
        std::str::from_utf8(&b[start..start + hlen]).map_err(|_| bad("header is not text"))?;
    let value_after = |key: &str| -> Option<&str> {
        let at = header.find(key)? + key.len();
        let rest = header[at..].trim_start();
        Some(rest.strip_prefix(':')?.trim_start())
    };
    let descr = value_after("'descr'")
        .and_then(|r| {
            let q = r.chars().next()?;
            let r = &r[1..];
            Some(&r[..r.find(q)?])
        })
        .ok_or_else(|| bad("header has no 'descr'"))?;
    let fortran = value_after("'fortran_order'").map(|r| r.starts_with("True"));
    if fortran != Some(false) {
        return Err(bad(
            "only C-order arrays are supported (fortran_order must be False)",
        ));
    }
    let shape_text = value_after("'shape'")
        .and_then(|r| r.strip_prefix('('))
        .and_then(|r| r.split(')').next())
        .ok_or_else(|| bad("header has no 'shape'"))?;
    let mut shape = Vec::new();
    for part in shape_text
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        shape.push(
            part.parse::<usize>()
                .map_err(|_| bad("shape is not a list of sizes"))?,
        );
    }
    if shape.len() > 2 {
        return Err(bad("arrays must have at most 2 dimensions"));
    }
    let len = shape
        .iter()
        .try_fold(1usize, |a, d| a.checked_mul(*d))
        .filter(|l| *l <= max_len)
        .ok_or_else(|| {
            bad(&format!(
                "shape {shape:?} is larger than any lab network allows"
            ))
        })?;
    let data = &b[start + hlen..];
    let values: Vec<f32> = match descr {
        "<f4" | "|f4" => {
            if data.len() != 4 * len {
                return Err(bad("data length does not match its shape"));
            }
            data.chunks_exact(4)
                .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect()
        }
        "<f8" => {
            if data.len() != 8 * len {
                return Err(bad("data length does not match its shape"));
            }
            data.chunks_exact(8)
                .map(|c| {
                    let mut a = [0u8; 8];
                    a.copy_from_slice(c);
                    f64::from_le_bytes(a) as f32
                })
                .collect()
        }
        other => {
            return Err(ImportError::Unsupported(format!(
                "npz array {name} has dtype '{other}'; supported: little-endian float32 ('<f4') \
                 or float64 ('<f8')"
            )))
        }
    };
    Ok(Npy { shape, values })
}

/// Reads member `name` (or `name.npy`) of the zip, stored or deflated, with bounded sizes.
fn npz_member(
    zip: &mut zip::ZipArchive<std::io::Cursor<&[u8]>>,
    name: &str,
    max_len: usize,
) -> Result<Option<Npy>, ImportError> {
    let bad = |why: String| ImportError::Unreadable {
        format: ImportFormat::Npz,
        detail: format!("{name}: {why}"),
    };
    let Some(index) = zip
        .index_for_name(&format!("{name}.npy"))
        .or_else(|| zip.index_for_name(name))
    else {
        return Ok(None);
    };
    // The npy header is at most 64 KiB + 12 bytes; data at most 8 bytes per element.
    let cap = 8 * max_len + (1 << 16) + 16;
    let mut entry = zip.by_index_raw(index).map_err(|e| bad(e.to_string()))?;
    let size = entry.size();
    if size > cap as u64 {
        return Err(bad(format!("declares {size} bytes, more than {cap}")));
    }
    let method = entry.compression();
    let crc = entry.crc32();
    let mut raw = Vec::new();
    (&mut entry)
        .take(cap as u64 + 1)
        .read_to_end(&mut raw)
        .map_err(|e| bad(e.to_string()))?;
    let data = if method == zip::CompressionMethod::Stored {
        raw
    } else if method == zip::CompressionMethod::DEFLATE {
        miniz_oxide::inflate::decompress_to_vec_with_limit(&raw, size as usize).map_err(|e| {
            bad(format!(
                "compressed data is damaged or larger than declared: {e}"
            ))
        })?
    } else {
        return Err(ImportError::Unsupported(format!(
            "npz member {name} uses zip compression {method:?}; supported: stored (numpy.savez) \
             or deflate (numpy.savez_compressed)"
        )));
    };
    if data.len() as u64 != size {
        return Err(bad(format!(
            "{} bytes, the zip declares {size}",
            data.len()
        )));
    }
    if crc32fast::hash(&data) != crc {
        return Err(bad("checksum mismatch (the file is damaged)".into()));
    }
    parse_npy(name, &data, max_len).map(Some)
}

/// Imports an npz with `W_in`, `W_rec`, `W_out`, `b_out` and optional `b_rec`, `alpha`.
pub fn import_npz(bytes: &[u8]) -> Result<Imported, ImportError> {
    let fmt = ImportFormat::Npz;
    let mut zip =
        zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|e| ImportError::Unreadable {
            format: fmt,
            detail: format!("not a readable zip archive: {e}"),
        })?;
    let names: Vec<String> = zip.file_names().take(16).map(str::to_string).collect();
    if names
        .iter()
        .any(|n| n == "config.json" || n.ends_with(".weights.h5"))
    {
        return Err(ImportError::Unsupported(
            "this is a Keras 3 '.keras' archive; save the model as Keras 2.x HDF5 \
             (model.save(\"x.h5\")) or export the weights as npz"
                .into(),
        ));
    }
    let missing = |what: &str| ImportError::Missing {
        format: fmt,
        what: format!("array '{what}' (found: {})", names.join(", ")),
    };
    let w_rec =
        npz_member(&mut zip, "W_rec", MAX_HIDDEN * MAX_HIDDEN)?.ok_or_else(|| missing("W_rec"))?;
    let n = match w_rec.shape.as_slice() {
        [a, b] if a == b => *a,
        _ => {
            return Err(ImportError::Shape {
                tensor: "W_rec".into(),
                expected: vec![w_rec.shape.first().copied().unwrap_or(0); 2],
                found: w_rec.shape,
            })
        }
    };
    let w_in = npz_member(&mut zip, "W_in", n * MAX_BITS)?.ok_or_else(|| missing("W_in"))?;
    let k = match w_in.shape.as_slice() {
        [a, b] if *a == n => *b,
        _ => {
            return Err(ImportError::Shape {
                tensor: "W_in".into(),
                expected: vec![n, w_in.shape.get(1).copied().unwrap_or(0)],
                found: w_in.shape,
            })
        }
    };
    let want = |t: &str, npy: Npy, shape: Vec<usize>| -> Result<Vec<f32>, ImportError> {
        if npy.shape != shape {
            return Err(ImportError::Shape {
                tensor: t.into(),
                expected: shape,
                found: npy.shape,
            });
        }
        check_finite(t, &npy.values)?;
        Ok(npy.values)
    };
    let w_out = npz_member(&mut zip, "W_out", n * k)?.ok_or_else(|| missing("W_out"))?;
    let b_out = npz_member(&mut zip, "b_out", k)?.ok_or_else(|| missing("b_out"))?;
    let b_rec = npz_member(&mut zip, "b_rec", n)?;
    let alpha = npz_member(&mut zip, "alpha", 1)?;
    let w_rec = want("W_rec", w_rec, vec![n, n])?;
    let w_in = want("W_in", w_in, vec![n, k])?;
    let w_out = want("W_out", w_out, vec![k, n])?;
    let b_out = want("b_out", b_out, vec![k])?;
    let b_rec = match b_rec {
        Some(b) => want("b_rec", b, vec![n])?,
        None => vec![0.0; n],
    };
    let alpha = match alpha {
        Some(a) if a.shape.is_empty() || a.shape == [1] => a.values[0],
        Some(a) => {
            return Err(ImportError::Shape {
                tensor: "alpha".into(),
                expected: vec![],
                found: a.shape,
            })
        }
        None => 1.0,
    };
    let mut config = Config::default();
    config.set_bits(k);
    config.model.hidden = n;
    config.model.alpha = alpha;
    config.model.rec_bias = b_rec.iter().any(|b| *b != 0.0);
    config.validate().map_err(ImportError::Config)?;
    Ok(Imported {
        format: fmt,
        network: Network {
            config: config.model.clone(),
            w_in,
            w_rec,
            b_rec,
            w_out,
            b_out,
        },
        config,
        steps: 0,
    })
}

// ---------------------------------------------------------------------------------------------
// JSON

/// A matrix given as a JSON list of rows, read straight into one flat row-major buffer (so a
/// hostile file of many empty rows cannot allocate a `Vec` per row).
#[derive(Debug, Default)]
struct Rows {
    rows: usize,
    cols: Option<usize>,
    values: Vec<f32>,
    ragged: bool,
}

impl<'de> Deserialize<'de> for Rows {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct RowsVisitor;
        impl<'de> Visitor<'de> for RowsVisitor {
            type Value = Rows;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a list of rows of numbers")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Rows, A::Error> {
                let mut m = Rows::default();
                while let Some(row) = seq.next_element_seed(RowSeed(&mut m.values))? {
                    m.rows += 1;
                    match m.cols {
                        None => m.cols = Some(row),
                        Some(c) if c != row => m.ragged = true,
                        Some(_) => {}
                    }
                }
                Ok(m)
            }
        }
        d.deserialize_seq(RowsVisitor)
    }
}

/// Appends one row's numbers to the flat buffer and yields the row length.
struct RowSeed<'a>(&'a mut Vec<f32>);

impl<'de> serde::de::DeserializeSeed<'de> for RowSeed<'_> {
    type Value = usize;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<usize, D::Error> {
        struct RowVisitor<'a>(&'a mut Vec<f32>);
        impl<'de> Visitor<'de> for RowVisitor<'_> {
            type Value = usize;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a row of numbers")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<usize, A::Error> {
                let mut n = 0;
                while let Some(v) = seq.next_element::<f32>()? {
                    self.0.push(v);
                    n += 1;
                }
                Ok(n)
            }
        }
        d.deserialize_seq(RowVisitor(self.0))
    }
}

/// The document `flipflop export --json` writes.
#[derive(Deserialize)]
#[allow(non_snake_case)]
struct JsonNet {
    format: Option<String>,
    config: Option<Config>,
    #[serde(default)]
    steps_trained: u64,
    alpha: Option<f32>,
    W_in: Option<Rows>,
    W_rec: Option<Rows>,
    b_rec: Option<Vec<f32>>,
    W_out: Option<Rows>,
    b_out: Option<Vec<f32>>,
    class_name: Option<String>,
}

/// Imports the JSON of `flipflop export --json`.
pub fn import_json(bytes: &[u8]) -> Result<Imported, ImportError> {
    let fmt = ImportFormat::Json;
    let doc: JsonNet = serde_json::from_slice(bytes).map_err(|e| ImportError::Unreadable {
        format: fmt,
        detail: e.to_string(),
    })?;
    if doc.class_name.is_some() && doc.format.is_none() {
        return Err(ImportError::Unsupported(
            "this is a Keras model description without weights; import the Keras .h5 model \
             file instead"
                .into(),
        ));
    }
    if doc.format.as_deref() != Some("flipflop-network") {
        return Err(ImportError::Unsupported(format!(
            "JSON with format {:?}; supported: the JSON of 'flipflop export --json' \
             (\"format\": \"flipflop-network\")",
            doc.format.as_deref().unwrap_or("(none)")
        )));
    }
    let missing = |what: &str| ImportError::Missing {
        format: fmt,
        what: what.to_string(),
    };
    let config = doc.config.ok_or_else(|| missing("config"))?;
    config.validate().map_err(ImportError::Config)?;
    let (n, k) = (config.model.hidden, config.model.bits);
    let matrix = |t: &str, m: Option<Rows>, r: usize, c: usize| -> Result<Vec<f32>, ImportError> {
        let m = m.ok_or_else(|| missing(t))?;
        let found = vec![m.rows, m.cols.unwrap_or(0)];
        if m.ragged || found != [r, c] || m.values.len() != r * c {
            return Err(ImportError::Shape {
                tensor: t.into(),
                expected: vec![r, c],
                found,
            });
        }
        check_finite(t, &m.values)?;
        Ok(m.values)
    };
    let vector = |t: &str, v: Option<Vec<f32>>, len: usize| -> Result<Vec<f32>, ImportError> {
        let v = v.ok_or_else(|| missing(t))?;
        if v.len() != len {
            return Err(ImportError::Shape {
                tensor: t.into(),
                expected: vec![len],
                found: vec![v.len()],
            });
        }
        check_finite(t, &v)?;
        Ok(v)
    };
    let network = Network {
        w_in: matrix("W_in", doc.W_in, n, k)?,
        w_rec: matrix("W_rec", doc.W_rec, n, n)?,
        b_rec: vector("b_rec", doc.b_rec, n)?,
        w_out: matrix("W_out", doc.W_out, k, n)?,
        b_out: vector("b_out", doc.b_out, k)?,
        config: config.model.clone(),
    };
    if let Some(a) = doc.alpha {
        if a != config.model.alpha {
            return Err(ImportError::Unsupported(format!(
                "alpha = {a} disagrees with config.model.alpha = {}",
                config.model.alpha
            )));
        }
    }
    if !config.model.rec_bias && network.b_rec.iter().any(|b| *b != 0.0) {
        return Err(ImportError::Unsupported(
            "b_rec is non-zero but config.model.rec_bias is false".into(),
        ));
    }
    Ok(Imported {
        format: fmt,
        config,
        network,
        steps: doc.steps_trained,
    })
}
