//! Finding and reading a Keras layer's weights in an HDF5 file: through the layer group's
//! `weight_names` attribute, shapes checked before reading, float16/32/64 read as f32.

use super::super::{check_finite, ImportError, KERAS_SUPPORTED};
use super::{unreadable, FMT};

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
/// `rnn_class`: the recurrent layer's class (`SimpleRNN`, `GRU`, `LSTM`), `None` for the Dense.
pub(super) fn layer_weights(
    file: &hdf5_pure::File,
    group: &str,
    rnn_class: Option<&str>,
    bias: bool,
) -> Result<Vec<String>, ImportError> {
    let rnn = rnn_class.is_some();
    let what = rnn_class.unwrap_or("Dense");
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
pub(super) fn shape_of(file: &hdf5_pure::File, path: &str) -> Result<Vec<usize>, ImportError> {
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
pub(super) fn read_checked(
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
