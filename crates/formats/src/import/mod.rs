//! Importing networks made elsewhere: bytes in, a [`Config`] and a [`Network`] out. No I/O.
//!
//! Formats, recognised by content (not by file name), one module each:
//! - **Keras HDF5 model file** ([`keras`]; `model.save("x.h5")` of Keras 1.x, 2.x, tf.keras
//!   and Keras 3; the HDF5 signature at offset 0 or after a user block; weights stored as
//!   float16, float32 or float64; and Keras 3's `.keras` zip): a `SimpleRNN`, `GRU` or `LSTM`
//!   (activation `tanh`) followed by a `Dense` (linear), e.g. the paper's own files. Layers
//!   and weights are found through the file's own `layer_names` and `weight_names`
//!   attributes; gated cells map as documented in [`keras`]. For the SimpleRNN, Keras
//!   computes `h_t = tanh(x_t K + h_{t-1} R + b)`, `z_t = h_t D + c` with kernels stored
//!   rows = source units, so in the lab's column convention
//!   `W_in = Kᵀ`, `W_rec = Rᵀ`, `b_rec = b`, `W_out = Dᵀ`, `b_out = c`, `α = 1`.
//!   The task is the paper's ([`TaskConfig::default`](flipflop_core::TaskConfig)) with the Dense output
//!   count as the number of bits; training settings are the paper preset's.
//! - **npz** ([`npz`]; a zip of `.npy` arrays, as `flipflop export --npz` and `numpy.savez` or
//!   `numpy.savez_compressed` write): float32 or float64 arrays, either byte order, C or
//!   Fortran order, `W_in (N, bits)`, `W_rec (N, N)`, `W_out (bits, N)`, `b_out (bits)`,
//!   optional `b_rec (N)` (absent = zeros) and 0-d `alpha` (absent = 1); the constraints are
//!   rebuilt from `ei`, `mask`, `mask_density` and `mask_seed` when present (`constraints.rs`:
//!   Dale's law, no self-connections, a sparse mask regenerated from its seed; anything the
//!   lab cannot keep is refused with the reason); other arrays are
//!   ignored, except that files of other tools with the same names but other dynamics
//!   (PsychRNN: ReLU units) are recognised and refused with the reason.
//! - **JSON** ([`json`]) of `flipflop export --json` (`"format": "flipflop-network"`): config,
//!   steps trained and every weight; UTF-8 with or without a byte-order mark, or UTF-16 (LE or
//!   BE) with one, any line ends.
//! - **network file** (`FFLABNET`, see [`crate::netfile`]), passed through.
//!
//! Every size is checked before the buffer it implies is allocated: the input is capped at
//! [`MAX_IMPORT_BYTES`], array shapes are checked against the architecture limits (N ≤ 1024,
//! bits ≤ 8) before reading, compressed npz members inflate with a hard limit, and NaN or
//! infinite weights are refused.

mod constraints;
mod gated;
pub mod json;
pub mod keras;
pub mod npz;

pub use constraints::seed_parts;
pub use json::import_json;
pub use keras::import_keras_hdf5;
pub use npz::import_npz;

use crate::netfile::{self, FormatError, NetFile};
use flipflop_core::config::Config;
use flipflop_core::error::ConfigError;
use flipflop_core::model::Network;
use std::fmt;

/// Largest input accepted (a Keras file of the largest network with Adam's slots is ~17 MB).
pub const MAX_IMPORT_BYTES: usize = 64 << 20;

/// What the supported Keras models look like, for error messages.
pub const KERAS_SUPPORTED: &str = "supported: a Keras model file with one SimpleRNN, GRU \
    (reset_after true or false) or LSTM (activation tanh, recurrent_activation sigmoid or \
    hard_sigmoid, 2..=1024 units, forwards, return_sequences) followed by one Dense (linear, \
    1..=8 units, as many as the inputs)";

/// The formats [`import`] reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImportFormat {
    /// Keras HDF5 model file.
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
    if json::looks_like_json(bytes) {
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
                "not a file Flip-Flop Lab can import (found {found}); supported: Keras HDF5 \
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
