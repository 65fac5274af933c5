//! numpy npz files: the arrays of `flipflop export --npz`, read from `numpy.savez` and
//! `numpy.savez_compressed` archives (float32 or float64, little- or big-endian, C or Fortran
//! order; extra arrays ignored), with every size bounded before it is allocated. Files of other
//! tools that use the same array names for other dynamics are recognised and refused.

use super::{check_finite, ImportError, ImportFormat, Imported};
use crate::netfile;
use flipflop_core::config::Config;
use flipflop_core::model::{Network, MAX_HIDDEN};
use flipflop_core::task::MAX_BITS;
use std::io::Read;

/// A parsed `.npy` array: its shape and values as f32.
struct Npy {
    shape: Vec<usize>,
    values: Vec<f32>,
}

/// Parses a `.npy` array of float32 or float64 in either byte order and either memory order,
/// checking from its header that it has at most `max_len` elements, and that the data has
/// exactly the bytes the shape needs, before anything is allocated; the values are then read
/// by `ndarray-npy` (which handles byte and memory order) and returned row-major.
fn parse_npy(name: &str, b: &[u8], max_len: usize) -> Result<Npy, ImportError> {
    use ndarray::ArrayD;
    use ndarray_npy::ReadNpyExt;
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
    let width = match descr {
        "<f4" | ">f4" | "|f4" => 4,
        "<f8" | ">f8" | "|f8" => 8,
        other => {
            return Err(ImportError::Unsupported(format!(
                "npz array {name} has dtype '{other}'; supported: float32 or float64, either \
                 byte order ('<f4', '>f4', '<f8', '>f8')"
            )))
        }
    };
    if b.len() - start - hlen != width * len {
        return Err(bad("data length does not match its shape"));
    }
    let read_err = |e: ndarray_npy::ReadNpyError| bad(&e.to_string());
    let values: Vec<f32> = if width == 4 {
        let a = ArrayD::<f32>::read_npy(b).map_err(read_err)?;
        a.iter().copied().collect()
    } else {
        let a = ArrayD::<f64>::read_npy(b).map_err(read_err)?;
        a.iter().map(|v| *v as f32).collect()
    };
    Ok(Npy { shape, values })
}

/// Reads member `name` (or `name.npy`) of the zip as an array of at most `max_len` elements.
fn npz_member(zip: &mut Zip<'_>, name: &str, max_len: usize) -> Result<Option<Npy>, ImportError> {
    let Some(index) = zip
        .index_for_name(&format!("{name}.npy"))
        .or_else(|| zip.index_for_name(name))
    else {
        return Ok(None);
    };
    // The npy header is at most 64 KiB + 12 bytes; data at most 8 bytes per element.
    let cap = 8 * max_len + (1 << 16) + 16;
    let data = zip_member(zip, index, name, cap)?;
    parse_npy(name, &data, max_len).map(Some)
}

type Zip<'a> = zip::ZipArchive<std::io::Cursor<&'a [u8]>>;

/// The bytes of member `index` (called `name` in messages), stored or deflated, refused when
/// it declares more than `cap` bytes; its CRC-32 is checked.
fn zip_member(
    zip: &mut Zip<'_>,
    index: usize,
    name: &str,
    cap: usize,
) -> Result<Vec<u8>, ImportError> {
    let bad = |why: String| ImportError::Unreadable {
        format: ImportFormat::Npz,
        detail: format!("{name}: {why}"),
    };
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
    Ok(data)
}

/// Arrays that PsychRNN (Ehrlich et al. 2021) saves beside `W_in`, `W_rec`, `W_out`, `b_rec`,
/// `b_out` (`model.save(path)` of its `Basic` RNN): Dale's-law sign matrices, connectivity
/// masks, the trained initial state.
const PSYCHRNN_ARRAYS: [&str; 7] = [
    "Dale_rec",
    "Dale_out",
    "dale_ratio",
    "input_connectivity",
    "rec_connectivity",
    "output_connectivity",
    "init_state",
];

/// Refuses npz files of other tools that use our array names for other dynamics, naming what
/// was recognised. A PsychRNN network computes `x ← (1 − α) x + α (W_rec relu(x) + W_in u +
/// b_rec)`, `z = W_out relu(x) + b_out`, with `α = dt/τ` not stored in the file, masks applied
/// to the weights and a trained initial state: read as the lab's tanh cell, the same numbers
/// would compute something else, silently.
fn refuse_foreign(names: &[String]) -> Result<(), ImportError> {
    let stem = |n: &str| n.strip_suffix(".npy").unwrap_or(n).to_string();
    let found: Vec<String> = names
        .iter()
        .map(|n| stem(n))
        .filter(|n| PSYCHRNN_ARRAYS.contains(&n.as_str()))
        .collect();
    if found.is_empty() {
        return Ok(());
    }
    Err(ImportError::Unsupported(format!(
        "this is a PsychRNN weights file (recognised by its arrays {}): PsychRNN units are \
         rectified-linear (ReLU) with a leak alpha = dt/tau that the file does not store, \
         connectivity masks and a trained initial state, while the lab's units are tanh and \
         start at zero, so these weights would compute something else here; not imported. \
         Export W_in, W_rec, b_rec, W_out, b_out and alpha of a tanh network instead",
        found.join(", ")
    )))
}

/// Imports an npz with `W_in`, `W_rec`, `W_out`, `b_out` and optional `b_rec`, `alpha`.
pub fn import_npz(bytes: &[u8]) -> Result<Imported, ImportError> {
    let fmt = ImportFormat::Npz;
    let mut zip =
        zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|e| ImportError::Unreadable {
            format: fmt,
            detail: format!("not a readable zip archive: {e}"),
        })?;
    let names: Vec<String> = zip.file_names().take(64).map(str::to_string).collect();
    if let (Some(c), Some(w)) = (
        zip.index_for_name("config.json"),
        zip.index_for_name("model.weights.h5"),
    ) {
        // A Keras 3 `.keras` archive.
        let config = zip_member(&mut zip, c, "config.json", netfile::MAX_CONFIG_BYTES)?;
        let weights = zip_member(&mut zip, w, "model.weights.h5", super::MAX_IMPORT_BYTES)?;
        return super::keras::import_keras_v3(&config, &weights);
    }
    refuse_foreign(&names)?;
    if zip.index_for_name("recurrent_kernel.npy").is_some() {
        return import_npz_keras(&mut zip, &names);
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
    // The constraints `flipflop export --npz` writes beside the weights (import/constraints.rs).
    let ei = npz_member(&mut zip, "ei", n)?;
    let mask = npz_member(&mut zip, "mask", n * n)?;
    let density = npz_member(&mut zip, "mask_density", 1)?;
    let seed = npz_member(&mut zip, "mask_seed", 4)?;
    fn arr(a: &Option<Npy>) -> Option<(&[usize], &[f32])> {
        a.as_ref()
            .map(|a| (a.shape.as_slice(), a.values.as_slice()))
    }
    let constraints = super::constraints::rebuild(
        n,
        &super::constraints::Arrays {
            ei: arr(&ei),
            mask: arr(&mask),
            density: arr(&density),
            seed: arr(&seed),
        },
        &super::constraints::Weights {
            w_in: &w_in,
            w_rec: &w_rec,
            w_out: &w_out,
        },
    )?;
    let mut config = Config::default();
    config.set_bits(k);
    config.model.hidden = n;
    config.model.alpha = alpha;
    config.model.rec_bias = b_rec.iter().any(|b| *b != 0.0);
    config.model.constraints = constraints;
    netfile::check_config(&config).map_err(ImportError::Config)?;
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

/// Reads a 0-d numpy unicode array (`'<U…'`, as the Keras-layout export writes `cell` and
/// `recurrent_activation`), at most 64 characters.
fn npz_text(zip: &mut Zip<'_>, name: &str) -> Result<Option<String>, ImportError> {
    let Some(index) = zip.index_for_name(&format!("{name}.npy")) else {
        return Ok(None);
    };
    let bad = |why: &str| ImportError::Unreadable {
        format: ImportFormat::Npz,
        detail: format!("{name}: {why}"),
    };
    let b = zip_member(zip, index, name, 4096)?;
    let header = ndarray_npy::npy::header::Header::from_reader(&mut b.as_slice())
        .map_err(|e| bad(&e.to_string()))?;
    // The descriptor as a Python literal, e.g. `'<U3'`.
    let descr = header.type_descriptor.to_string();
    let width = descr
        .trim_matches(|c| c == '\'' || c == '"')
        .strip_prefix("<U")
        .and_then(|w| w.parse::<usize>().ok())
        .filter(|w| (1..=64).contains(w));
    let (Some(width), true) = (width, header.shape.is_empty()) else {
        return Err(bad("expected a 0-d text array ('<U…', shape ())"));
    };
    let data = b
        .get(b.len().saturating_sub(4 * width)..)
        .filter(|d| d.len() == 4 * width)
        .ok_or_else(|| bad("text is cut short"))?;
    let text: Option<String> = data
        .chunks_exact(4)
        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .take_while(|c| *c != 0)
        .map(char::from_u32)
        .collect();
    text.map(Some).ok_or_else(|| bad("not valid text"))
}

/// Imports the Keras-layout npz of a gated network (`crate::export::keras`): `kernel`,
/// `recurrent_kernel`, `bias` (optional), `dense_kernel`, `dense_bias`, and the texts `cell`
/// and `recurrent_activation`; the cell must agree with the number of gate blocks (GRU 3,
/// LSTM 4) and `reset_after` follows from the bias' shape, as in Keras.
fn import_npz_keras(zip: &mut Zip<'_>, names: &[String]) -> Result<Imported, ImportError> {
    use flipflop_core::model::{CellKind, GateActivation};
    let fmt = ImportFormat::Npz;
    let missing = |what: &str| ImportError::Missing {
        format: fmt,
        what: format!("array '{what}' (found: {})", names.join(", ")),
    };
    let tensor = |npy: Npy| (npy.shape, npy.values);
    let cap = 4 * MAX_HIDDEN * MAX_HIDDEN;
    let recurrent =
        npz_member(zip, "recurrent_kernel", cap)?.ok_or_else(|| missing("recurrent_kernel"))?;
    let (n, gates) = match recurrent.shape.as_slice() {
        [n, g] if *n > 0 && g % n == 0 => (*n, g / n),
        _ => (0, 0),
    };
    let cell = match gates {
        3 => CellKind::Gru,
        4 => CellKind::Lstm,
        _ => {
            return Err(ImportError::Unsupported(format!(
                "recurrent_kernel has shape {:?}: a Keras-layout npz holds a GRU (N, 3N) or an \
                 LSTM (N, 4N)",
                recurrent.shape
            )))
        }
    };
    if let Some(named) = npz_text(zip, "cell")? {
        if named != cell.key() {
            return Err(ImportError::Unsupported(format!(
                "cell is '{named}' but recurrent_kernel {:?} has the gates of a {}",
                recurrent.shape,
                cell.key()
            )));
        }
    }
    let gate = match npz_text(zip, "recurrent_activation")? {
        None => GateActivation::Sigmoid,
        Some(key) => GateActivation::parse(&key).ok_or_else(|| {
            ImportError::Unsupported(format!(
                "recurrent_activation '{key}'; supported: sigmoid, hard_sigmoid_keras2, \
                 hard_sigmoid_keras3"
            ))
        })?,
    };
    let kernel = npz_member(zip, "kernel", cap)?.ok_or_else(|| missing("kernel"))?;
    let k = kernel.shape.first().copied().unwrap_or(0);
    let bias = npz_member(zip, "bias", 2 * gates * n)?;
    let dense_kernel =
        npz_member(zip, "dense_kernel", n * MAX_BITS)?.ok_or_else(|| missing("dense_kernel"))?;
    let dense_bias =
        npz_member(zip, "dense_bias", MAX_BITS)?.ok_or_else(|| missing("dense_bias"))?;
    let mut config = Config::default();
    config.set_bits(k);
    config.model.hidden = n;
    config.model.cell = cell;
    // Only a GRU has the option (the config requires true for the others).
    config.model.reset_after =
        cell != CellKind::Gru || bias.as_ref().is_none_or(|b| b.shape.len() == 2);
    config.model.recurrent_activation = gate;
    config.model.rec_bias = bias
        .as_ref()
        .is_some_and(|b| b.values.iter().any(|v| *v != 0.0));
    netfile::check_config(&config).map_err(ImportError::Config)?;
    let network = super::gated::network(
        &config.model,
        super::gated::KerasTensors {
            kernel: tensor(kernel),
            recurrent_kernel: tensor(recurrent),
            bias: bias.map(tensor),
            dense_kernel: tensor(dense_kernel),
            dense_bias: tensor(dense_bias),
        },
    )?;
    Ok(Imported {
        format: fmt,
        config,
        network,
        steps: 0,
    })
}
