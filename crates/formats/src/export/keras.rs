//! Gated networks (GRU, LSTM) in Keras' layout and names, so that Keras users load them back
//! with `set_weights`:
//!
//! | name | shape | Keras |
//! |---|---|---|
//! | `kernel` | `(inputs, G·N)`, columns `[z|r|h̃]` or `[i|f|c|o]` | the GRU/LSTM layer's `kernel` |
//! | `recurrent_kernel` | `(N, G·N)` | its `recurrent_kernel` |
//! | `bias` | `(G·N)`, or `(2, 3N)` for a GRU with `reset_after` | its `bias` |
//! | `dense_kernel` | `(N, outputs)` | the Dense readout's `kernel` |
//! | `dense_bias` | `(outputs)` | its `bias` |
//! | `cell` | text, `gru` or `lstm` | `GRU` or `LSTM` |
//! | `reset_after` | bool | GRU's `reset_after` (true for LSTM, where Keras has none) |
//! | `recurrent_activation` | text: `sigmoid`, `hard_sigmoid_keras2` (`clip(0.2x + 0.5)`) or `hard_sigmoid_keras3` (`clip(x/6 + 0.5)`) | `recurrent_activation` (`"sigmoid"` or `"hard_sigmoid"` of that Keras version) |
//!
//! ```python
//! d = np.load("net.npz")
//! rnn = keras.layers.GRU(N, return_sequences=True, reset_after=bool(d["reset_after"]))
//! model = keras.Sequential([keras.Input((None, inputs)), rnn, keras.layers.Dense(outputs)])
//! model.layers[0].set_weights([d["kernel"], d["recurrent_kernel"], d["bias"]])
//! model.layers[1].set_weights([d["dense_kernel"], d["dense_bias"]])
//! ```
//!
//! These are the lab's weights transposed (`kernel = W_inᵀ`, `recurrent_kernel = W_recᵀ`,
//! `bias = b_rec` as stored, `dense_kernel = W_outᵀ`; see `flipflop_core::model::cell`).
//! Strings are 0-d numpy unicode arrays (`'<U…'`), readable with `allow_pickle=False`.

use super::ExportError;
use flipflop_core::model::{CellKind, Network};
use ndarray::{arr0, ArrayD, IxDyn};
use ndarray_npy::WriteNpyExt;
use serde_json::{json, Value};
use std::io::{Cursor, Write};

/// Names of the weight arrays in npz and JSON, in the order of [`keras_tensors`].
pub const KERAS_NAMES: [&str; 5] = [
    "kernel",
    "recurrent_kernel",
    "bias",
    "dense_kernel",
    "dense_bias",
];

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

/// Shape of Keras' recurrent `bias` for this network: `[G·N]`, or `[2, 3N]` for a GRU with
/// `reset_after`.
pub fn bias_shape(net: &Network) -> Vec<usize> {
    let c = &net.config;
    if c.bias_len() == c.gate_rows() {
        vec![c.gate_rows()]
    } else {
        vec![2, c.gate_rows()]
    }
}

/// The five weight tensors in Keras' layout, row-major, with their shapes, in the order of
/// [`KERAS_NAMES`].
pub fn keras_tensors(net: &Network) -> [(Vec<usize>, Vec<f32>); 5] {
    let c = &net.config;
    let (n, g, ki, ko) = (c.hidden, c.gate_rows(), c.inputs(), c.outputs());
    [
        (vec![ki, g], transpose(&net.w_in, g, ki)),
        (vec![n, g], transpose(&net.w_rec, g, n)),
        (bias_shape(net), net.b_rec.clone()),
        (vec![n, ko], transpose(&net.w_out, ko, n)),
        (vec![ko], net.b_out.clone()),
    ]
}

/// A 0-d numpy unicode array (`'<U{len}'`, UTF-32LE) holding `s`, as `.npy` bytes.
fn npy_text(s: &str) -> Vec<u8> {
    let chars: Vec<char> = s.chars().collect();
    let width = chars.len().max(1);
    let dict = format!("{{'descr': '<U{width}', 'fortran_order': False, 'shape': (), }}");
    // magic (6) + version (2) + header length (2) + dict + padding + '\n', a multiple of 64.
    let unpadded = 10 + dict.len() + 1;
    let pad = (64 - unpadded % 64) % 64;
    let header_len = dict.len() + pad + 1;
    let mut out = Vec::with_capacity(10 + header_len + 4 * width);
    out.extend_from_slice(b"\x93NUMPY\x01\x00");
    out.extend_from_slice(&(header_len as u16).to_le_bytes());
    out.extend_from_slice(dict.as_bytes());
    out.extend(std::iter::repeat_n(b' ', pad));
    out.push(b'\n');
    for i in 0..width {
        let c = chars.get(i).map_or(0, |c| *c as u32);
        out.extend_from_slice(&c.to_le_bytes());
    }
    out
}

fn npy<T: WriteNpyExt>(a: &T) -> Result<Vec<u8>, ExportError> {
    let mut b = Vec::new();
    a.write_npy(&mut b)
        .map_err(|e| ExportError(e.to_string()))?;
    Ok(b)
}

/// The gated network as a float32 `.npz` in Keras' names (see the module docs).
///
/// # Errors
/// [`ExportError`] when the network is not gated or its shapes disagree with its config.
pub fn npz_bytes_keras(net: &Network) -> Result<Vec<u8>, ExportError> {
    let c = &net.config;
    if !c.cell.is_gated() {
        return Err(ExportError(
            "the Keras layout export is for GRU and LSTM networks".into(),
        ));
    }
    let mut members: Vec<(String, Vec<u8>)> = Vec::new();
    for (name, (shape, values)) in KERAS_NAMES.iter().zip(keras_tensors(net)) {
        let a = ArrayD::from_shape_vec(IxDyn(&shape), values)
            .map_err(|e| ExportError(format!("{name}: {e}")))?;
        members.push((name.to_string(), npy(&a)?));
    }
    members.push(("cell".into(), npy_text(c.cell.key())));
    members.push(("reset_after".into(), npy(&arr0(c.reset_after))?));
    members.push((
        "recurrent_activation".into(),
        npy_text(c.recurrent_activation.key()),
    ));
    let err = |e: zip::result::ZipError| ExportError(e.to_string());
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, bytes) in members {
        zip.start_file(format!("{name}.npy"), opts).map_err(err)?;
        zip.write_all(&bytes)
            .map_err(|e| ExportError(e.to_string()))?;
    }
    Ok(zip.finish().map_err(err)?.into_inner())
}

/// Nested rows of a row-major tensor of shape `shape` (1-D: a list; 2-D: a list of rows).
fn nested(shape: &[usize], v: &[f32]) -> Value {
    match shape {
        [_, cols] => json!(v.chunks_exact((*cols).max(1)).collect::<Vec<_>>()),
        _ => json!(v),
    }
}

/// The JSON fields of a gated network's weights in Keras' names (see the module docs), and
/// the Keras layer's class and options.
pub fn json_fields(net: &Network) -> serde_json::Map<String, Value> {
    let c = &net.config;
    let mut m = serde_json::Map::new();
    for (name, (shape, values)) in KERAS_NAMES.iter().zip(keras_tensors(net)) {
        m.insert(name.to_string(), nested(&shape, &values));
    }
    m.insert(
        "keras_layer".into(),
        json!({
            "class_name": match c.cell { CellKind::Lstm => "LSTM", CellKind::Gru => "GRU", CellKind::Vanilla => "SimpleRNN" },
            "units": c.hidden,
            "reset_after": c.reset_after,
            "recurrent_activation": c.recurrent_activation.key(),
        }),
    );
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_arrays_have_numpys_layout() {
        let b = npy_text("gru");
        assert_eq!(b.len() % 4, 0);
        assert_eq!((10 + u16::from_le_bytes([b[8], b[9]]) as usize) % 64, 0);
        let header = std::str::from_utf8(&b[10..b.len() - 12]).unwrap();
        assert!(header.starts_with("{'descr': '<U3', 'fortran_order': False, 'shape': (), }"));
        assert!(header.ends_with('\n'));
        assert_eq!(&b[b.len() - 12..], b"g\0\0\0r\0\0\0u\0\0\0");
    }
}
