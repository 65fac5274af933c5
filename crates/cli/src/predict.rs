//! `flipflop predict NET --inputs X.npy --out Y.npy`: runs a network on the user's own
//! inputs, the way to check an imported Keras model against Keras' `model.predict`.
//!
//! `NET` is anything `compare` takes (a network file, a file `flipflop import` reads: Keras
//! `.h5`/`.keras`, npz, JSON; or an exact or compact share link). `X` is a float32 (or
//! float64) `.npy` of shape `[batch, trial_len, inputs]`; each trial runs from a zero state
//! through [`flipflop_core::Network::run`] (every cell: vanilla, GRU, LSTM), and `Y` is
//! float32 `[batch, trial_len, outputs]`, exactly what Keras' `predict` returns for a model
//! with `return_sequences=True`.

use crate::args::{self, usage, CliError};
use crate::compare::load_any;
use ndarray::{Array3, ArrayD, Ix3};
use ndarray_npy::npy::header::Header;
use ndarray_npy::{ReadNpyError, ReadNpyExt, WriteNpyExt};
use serde_json::json;
use std::path::{Path, PathBuf};

/// Largest `X.npy` read (256 Mi floats of f32 are 1 GiB; this is a quarter of that).
pub const MAX_INPUT_BYTES: u64 = 256 << 20;

/// Runs `flipflop predict`.
pub fn run(p: &mut lexopt::Parser) -> Result<(), CliError> {
    use lexopt::Arg::*;
    let (mut net, mut inputs, mut out) = (None::<String>, None::<PathBuf>, None::<PathBuf>);
    while let Some(arg) = p.next()? {
        match arg {
            Long("inputs") | Short('x') => inputs = Some(args::path(p.value()?)),
            Long("out") | Short('o') => out = Some(args::path(p.value()?)),
            Value(v) if net.is_none() => net = Some(args::text("NET", v)?),
            Value(v) => {
                return Err(usage(format!(
                    "unexpected extra argument {v:?}: give one network (file or link)"
                )))
            }
            _ => return Err(arg.unexpected().into()),
        }
    }
    let net = net.ok_or_else(|| {
        usage("missing NET: 'flipflop predict NET --inputs X.npy --out Y.npy' (a network file, an importable file or a link)")
    })?;
    let inputs = inputs.ok_or_else(|| {
        usage("missing --inputs X.npy: float32 inputs of shape [batch, trial_len, inputs]")
    })?;
    let out = out.ok_or_else(|| usage("missing --out Y.npy: where to write the outputs"))?;
    let f = load_any(&net)?;
    let x = read_inputs(&inputs)?;
    let y = predict(&f.network, &x)
        .map_err(|m| CliError::Failed(format!("{}: {m}", inputs.display())))?;
    let mut bytes = Vec::new();
    y.write_npy(&mut bytes)
        .map_err(|e| CliError::Failed(format!("cannot encode {}: {e}", out.display())))?;
    crate::write_atomic(&out, &bytes)?;
    let (b, t, k) = y.dim();
    crate::print_json(&json!({
        "net": net,
        "cell": f.network.config.cell.key(),
        "inputs": inputs.display().to_string(),
        "out": out.display().to_string(),
        "batch": b,
        "trial_len": t,
        "outputs": k,
    }))
}

/// Reads `X.npy` (float32, or float64 converted) as a 3-D array, with its size bounded first.
fn read_inputs(path: &Path) -> Result<Array3<f32>, CliError> {
    let fail = |m: String| CliError::Failed(format!("{}: {m}", path.display()));
    let len = std::fs::metadata(path)
        .map_err(|e| fail(e.to_string()))?
        .len();
    if len > MAX_INPUT_BYTES {
        return Err(fail(format!(
            "{len} bytes is larger than the inputs predict reads ({MAX_INPUT_BYTES} bytes at most)"
        )));
    }
    let bytes = std::fs::read(path).map_err(|e| fail(e.to_string()))?;
    check_npy_size(&bytes).map_err(fail)?;
    let any: ArrayD<f32> = match ArrayD::<f32>::read_npy(bytes.as_slice()) {
        Ok(a) => a,
        Err(ReadNpyError::WrongDescriptor(_)) => ArrayD::<f64>::read_npy(bytes.as_slice())
            .map(|a| a.mapv(|v| v as f32))
            .map_err(|e| fail(format!("not a float32 or float64 .npy array: {e}")))?,
        Err(e) => return Err(fail(format!("not a float32 .npy array: {e}"))),
    };
    let shape = any.shape().to_vec();
    any.into_dimensionality::<Ix3>().map_err(|_| {
        fail(format!(
            "X has shape {shape:?}; predict needs 3 dimensions [batch, trial_len, inputs]"
        ))
    })
}

/// Checks that the header's length and the array's shape fit in the file before the reader
/// allocates buffers of the sizes they claim.
fn check_npy_size(bytes: &[u8]) -> Result<(), String> {
    let not_npy = || "not a .npy file (numpy.save writes them)".to_string();
    if bytes.len() < 10 || !bytes.starts_with(b"\x93NUMPY") {
        return Err(not_npy());
    }
    let (header_len, start) = match bytes[6] {
        1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10),
        _ if bytes.len() >= 12 => (
            u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize,
            12,
        ),
        _ => return Err(not_npy()),
    };
    if header_len > bytes.len() - start {
        return Err("the .npy header is cut short".into());
    }
    let header = Header::from_reader(&mut &bytes[..])
        .map_err(|e| format!("cannot read the .npy header: {e}"))?;
    let values = header
        .shape
        .iter()
        .try_fold(1usize, |acc, d| acc.checked_mul(*d))
        .unwrap_or(usize::MAX);
    if values > (bytes.len() - start - header_len) / 4 {
        return Err(format!(
            "the .npy header claims shape {:?}, more values than the file holds",
            header.shape
        ));
    }
    Ok(())
}

/// Runs every trial of `x` (`[batch, trial_len, inputs]`) from a zero state; returns the
/// readout `[batch, trial_len, outputs]`.
///
/// # Errors
/// A message when the inputs' last dimension is not the network's, a dimension is empty, or
/// an input is NaN or infinite.
pub fn predict(net: &flipflop_core::Network, x: &Array3<f32>) -> Result<Array3<f32>, String> {
    let (b, t, k) = x.dim();
    let (ki, ko) = (net.config.inputs(), net.config.outputs());
    if k != ki {
        return Err(format!(
            "X has shape [{b}, {t}, {k}], but the network has {ki} inputs: expected [batch, \
             trial_len, {ki}]"
        ));
    }
    if b == 0 || t == 0 {
        return Err(format!(
            "X has shape [{b}, {t}, {k}]: no trials or no time steps"
        ));
    }
    if let Some(i) = x.iter().position(|v| !v.is_finite()) {
        return Err(format!("X has a NaN or infinite value at flat index {i}"));
    }
    let mut y = Array3::<f32>::zeros((b, t, ko));
    for (trial, mut out) in x.outer_iter().zip(y.outer_iter_mut()) {
        let flat: Vec<f32> = trial.iter().copied().collect();
        let (_, z) = net.run(&flat, t);
        for (dst, src) in out.iter_mut().zip(&z) {
            *dst = *src;
        }
    }
    Ok(y)
}
