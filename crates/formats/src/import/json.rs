//! The JSON of `flipflop export --json`, as people re-save it: UTF-8 with or without a
//! byte-order mark (Windows editors and PowerShell add one), UTF-16 LE or BE with a BOM
//! (PowerShell 5's `Out-File`, Notepad's "Unicode"), CRLF or LF line ends.

use super::{check_finite, gated, ImportError, ImportFormat, Imported};
use crate::netfile;
use flipflop_core::config::Config;
use flipflop_core::model::Network;
use serde::de::{Deserializer, SeqAccess, Visitor};
use serde::Deserialize;
use std::borrow::Cow;
use std::fmt;

/// Byte-order marks: UTF-8, UTF-16 LE, UTF-16 BE.
const BOM_UTF8: &[u8] = b"\xef\xbb\xbf";
const BOM_UTF16LE: &[u8] = b"\xff\xfe";
const BOM_UTF16BE: &[u8] = b"\xfe\xff";

/// The text of a JSON file: UTF-8 (a BOM dropped) or UTF-16 with a BOM, decoded.
///
/// # Errors
/// [`ImportError::Unreadable`] for UTF-16 with an odd length or unpaired surrogates.
pub fn decode_text(bytes: &[u8]) -> Result<Cow<'_, [u8]>, ImportError> {
    let utf16 = |rest: &[u8], be: bool| -> Result<Cow<'_, [u8]>, ImportError> {
        let bad = |detail: &str| ImportError::Unreadable {
            format: ImportFormat::Json,
            detail: detail.to_string(),
        };
        if !rest.len().is_multiple_of(2) {
            return Err(bad("UTF-16 text with an odd number of bytes (cut off?)"));
        }
        let units = rest.chunks_exact(2).map(|c| {
            if be {
                u16::from_be_bytes([c[0], c[1]])
            } else {
                u16::from_le_bytes([c[0], c[1]])
            }
        });
        let text: String = char::decode_utf16(units)
            .collect::<Result<_, _>>()
            .map_err(|_| bad("UTF-16 text with an unpaired surrogate (damaged)"))?;
        Ok(Cow::Owned(text.into_bytes()))
    };
    if let Some(rest) = bytes.strip_prefix(BOM_UTF8) {
        Ok(Cow::Borrowed(rest))
    } else if let Some(rest) = bytes.strip_prefix(BOM_UTF16LE) {
        utf16(rest, false)
    } else if let Some(rest) = bytes.strip_prefix(BOM_UTF16BE) {
        utf16(rest, true)
    } else {
        Ok(Cow::Borrowed(bytes))
    }
}

/// Whether the bytes start like a JSON object in any of the encodings above.
pub fn looks_like_json(bytes: &[u8]) -> bool {
    let (text, step, skip) = if let Some(r) = bytes.strip_prefix(BOM_UTF8) {
        (r, 1, 0)
    } else if let Some(r) = bytes.strip_prefix(BOM_UTF16LE) {
        (r, 2, 0)
    } else if let Some(r) = bytes.strip_prefix(BOM_UTF16BE) {
        (r, 2, 1)
    } else {
        (bytes, 1, 0)
    };
    text.iter()
        .skip(skip)
        .step_by(step)
        .take(4096)
        .find(|b| !b.is_ascii_whitespace())
        == Some(&b'{')
}

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
    // Gated networks: Keras' names (`crate::export::keras`).
    kernel: Option<Rows>,
    recurrent_kernel: Option<Rows>,
    bias: Option<Bias>,
    dense_kernel: Option<Rows>,
    dense_bias: Option<Vec<f32>>,
}

/// Keras' recurrent bias: `(G·N)` or, for a GRU with `reset_after`, `(2, 3N)`.
#[derive(Deserialize)]
#[serde(untagged)]
enum Bias {
    Flat(Vec<f32>),
    Nested(Rows),
}

impl Rows {
    /// As a tensor: its shape (`[rows, cols]`, `[rows, ?]` when ragged) and values.
    fn tensor(self) -> gated::Tensor {
        let cols = if self.ragged {
            usize::MAX
        } else {
            self.cols.unwrap_or(0)
        };
        (vec![self.rows, cols], self.values)
    }
}

/// Imports the JSON of `flipflop export --json`.
pub fn import_json(bytes: &[u8]) -> Result<Imported, ImportError> {
    let fmt = ImportFormat::Json;
    let text = decode_text(bytes)?;
    let doc: JsonNet = serde_json::from_slice(&text).map_err(|e| ImportError::Unreadable {
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
    netfile::check_config(&config).map_err(ImportError::Config)?;
    netfile::check_steps(
        "steps_trained",
        doc.steps_trained,
        netfile::MAX_STEPS_TRAINED,
    )
    .map_err(ImportError::Config)?;
    if config.model.cell.is_gated() {
        let need = |t: &str, m: Option<Rows>| m.map(Rows::tensor).ok_or_else(|| missing(t));
        let tensors = gated::KerasTensors {
            kernel: need("kernel", doc.kernel)?,
            recurrent_kernel: need("recurrent_kernel", doc.recurrent_kernel)?,
            bias: doc.bias.map(|b| match b {
                Bias::Flat(v) => (vec![v.len()], v),
                Bias::Nested(r) => r.tensor(),
            }),
            dense_kernel: need("dense_kernel", doc.dense_kernel)?,
            dense_bias: doc
                .dense_bias
                .map(|v| (vec![v.len()], v))
                .ok_or_else(|| missing("dense_bias"))?,
        };
        let network = gated::network(&config.model, tensors)?;
        return Ok(Imported {
            format: fmt,
            config,
            network,
            steps: doc.steps_trained,
        });
    }
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
