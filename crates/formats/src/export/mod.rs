//! Exporting networks: bytes out, for the CLI to write to files and the page to download.
//! No I/O. The formats are the ones [`crate::import`] reads back.
//!
//! - **npz** ([`npz_bytes`]): float32 arrays `W_in (N, bits)`, `W_rec (N, N)`, `b_rec (N)`,
//!   `W_out (bits, N)`, `b_out (bits)` and a 0-d `alpha`, stored uncompressed;
//!   `numpy.load(f, allow_pickle=False)` reads it. A network with constraints adds `ei (N)`,
//!   each unit's sign (+1 excitatory, -1 inhibitory; all +1 without Dale's law), and `mask
//!   (N, N)`, 1 where W_rec may be non-zero (the sparse mask without the diagonal when
//!   self-connections are off); with a sparse mask also `mask_density` (0-d) and `mask_seed
//!   (4)`, the mask's seed as four 16-bit parts, least significant first, so that the import
//!   regenerates the same mask. `W_rec` is the effective matrix, in our orientation: row `i`
//!   is unit `i`'s inputs, so `W_rec[:, j]` has the sign `ei[j]` (Keras' `recurrent_kernel`
//!   is the transpose, `W_recᵀ`, where the sign is per row).
//! - **JSON** ([`json_bytes`]): `"format": "flipflop-network"`, the root config, seed, steps
//!   trained and every weight as nested row lists.
//!
//! Gated networks (GRU, LSTM) are written in Keras' layout and names instead (`kernel`,
//! `recurrent_kernel`, `bias`, `dense_kernel`, `dense_bias`, plus the cell, `reset_after` and
//! the gate activation; see [`keras`]), in both formats, so that Keras users load them with
//! `set_weights`; vanilla networks keep the names above (and their bytes).

pub mod keras;

use crate::import::seed_parts;
use flipflop_core::config::Config;
use flipflop_core::model::Network;
use ndarray::{arr0, Array1, Array2};
use ndarray_npy::NpzWriter;
use serde_json::json;
use std::io::Cursor;

/// Why an export failed (only on internal inconsistencies: shapes that do not match the
/// network's own architecture).
#[derive(Clone, Debug, PartialEq)]
pub struct ExportError(pub String);

impl std::fmt::Display for ExportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "cannot export the network: {}", self.0)
    }
}

impl std::error::Error for ExportError {}

fn mat(v: &[f32], rows: usize, cols: usize) -> Result<Array2<f32>, ExportError> {
    Array2::from_shape_vec((rows, cols), v.to_vec()).map_err(|e| ExportError(e.to_string()))
}

/// The weights as a float32 `.npz` file (see the module docs for the array names).
pub fn npz_bytes(net: &Network) -> Result<Vec<u8>, ExportError> {
    if net.config.cell.is_gated() {
        return keras::npz_bytes_keras(net);
    }
    let (n, k) = (net.config.hidden, net.config.bits);
    let err = |e: ndarray_npy::WriteNpzError| ExportError(e.to_string());
    let mut npz = NpzWriter::new(Cursor::new(Vec::new()));
    npz.add_array("W_in", &mat(&net.w_in, n, k)?).map_err(err)?;
    npz.add_array("W_rec", &mat(&net.w_rec, n, n)?)
        .map_err(err)?;
    npz.add_array("b_rec", &Array1::from(net.b_rec.clone()))
        .map_err(err)?;
    npz.add_array("W_out", &mat(&net.w_out, k, n)?)
        .map_err(err)?;
    npz.add_array("b_out", &Array1::from(net.b_out.clone()))
        .map_err(err)?;
    npz.add_array("alpha", &arr0(net.config.alpha))
        .map_err(err)?;
    let c = &net.config.constraints;
    if !c.is_none() {
        npz.add_array("ei", &Array1::from(c.unit_signs(n)))
            .map_err(err)?;
        npz.add_array("mask", &mat(&c.mask(n), n, n)?)
            .map_err(err)?;
        if let Some(s) = c.sparsity {
            npz.add_array("mask_density", &arr0(s.density))
                .map_err(err)?;
            npz.add_array("mask_seed", &Array1::from(seed_parts(s.seed).to_vec()))
                .map_err(err)?;
        }
    }
    Ok(npz.finish().map_err(err)?.into_inner())
}

fn rows(v: &[f32], cols: usize) -> Vec<&[f32]> {
    v.chunks_exact(cols.max(1)).collect()
}

/// The network as the JSON document of `flipflop export --json`. The config stored is
/// `config` with its `model` replaced by `net.config`.
pub fn json_bytes(config: &Config, net: &Network, steps: u64) -> Result<Vec<u8>, ExportError> {
    let (n, k) = (net.config.hidden, net.config.bits);
    let mut config = config.clone();
    config.model = net.config.clone();
    if net.config.cell.is_gated() {
        let mut doc = serde_json::Map::new();
        doc.insert("format".into(), json!("flipflop-network"));
        doc.insert("version".into(), json!(1));
        doc.insert("seed".into(), json!(config.seed));
        doc.insert("steps_trained".into(), json!(steps));
        doc.insert("config".into(), json!(config));
        doc.extend(keras::json_fields(net));
        return serde_json::to_vec(&doc).map_err(|e| ExportError(e.to_string()));
    }
    let doc = json!({
        "format": "flipflop-network",
        "version": 1,
        "seed": config.seed,
        "steps_trained": steps,
        "config": config,
        "alpha": net.config.alpha,
        "W_in": rows(&net.w_in, k),
        "W_rec": rows(&net.w_rec, n),
        "b_rec": net.b_rec,
        "W_out": rows(&net.w_out, n),
        "b_out": net.b_out,
    });
    serde_json::to_vec(&doc).map_err(|e| ExportError(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::{import, ImportFormat};
    use flipflop_core::{Preset, Trainer};

    #[test]
    fn npz_and_json_round_trip_through_import() {
        let mut cfg = Config::preset(Preset::Default);
        cfg.model.hidden = 12;
        cfg.seed = 5;
        let mut t = Trainer::new(cfg.clone()).unwrap();
        t.step().unwrap();
        let net = t.network().clone();
        let npz = import(&npz_bytes(&net).unwrap()).unwrap();
        assert_eq!(npz.format, ImportFormat::Npz);
        assert_eq!(npz.network, net);
        let js = import(&json_bytes(&cfg, &net, 1).unwrap()).unwrap();
        assert_eq!(js.format, ImportFormat::Json);
        assert_eq!(js.network, net);
        assert_eq!(js.steps, 1);
        assert_eq!(js.config.seed, 5);
    }

    #[test]
    fn a_dale_network_exports_its_signs_and_mask() {
        use flipflop_core::model::Sparsity;
        use ndarray_npy::NpzReader;
        let mut cfg = Config::preset(Preset::Dale);
        cfg.model.hidden = 10;
        // 80/20 (the preset is 50/50): 8 excitatory columns, then 2 inhibitory.
        if let Some(d) = cfg.model.constraints.dale.as_mut() {
            d.excitatory = 0.8;
        }
        cfg.model.constraints.no_self_connections = true;
        cfg.model.constraints.sparsity = Some(Sparsity {
            density: 0.5,
            seed: 3,
        });
        let mut t = Trainer::new(cfg.clone()).unwrap();
        t.step().unwrap();
        let net = t.network().clone();
        let bytes = npz_bytes(&net).unwrap();
        let mut npz = NpzReader::new(Cursor::new(&bytes)).unwrap();
        let ei: Array1<f32> = npz.by_name("ei").unwrap();
        let mask: Array2<f32> = npz.by_name("mask").unwrap();
        let w: Array2<f32> = npz.by_name("W_rec").unwrap();
        assert_eq!(ei.to_vec(), [[1.0f32; 8].as_slice(), &[-1.0; 2]].concat());
        assert_eq!(mask.shape(), [10, 10]);
        for i in 0..10 {
            assert_eq!(mask[[i, i]], 0.0);
            for j in 0..10 {
                // Column j carries unit j's sign; masked entries are zero.
                assert!(w[[i, j]] * ei[j] >= 0.0, "W_rec[{i},{j}]");
                assert!(mask[[i, j]] == 1.0 || w[[i, j]] == 0.0);
            }
        }
        assert!(mask.iter().any(|m| *m == 0.0) && mask.iter().filter(|m| **m == 1.0).count() > 20);
        // The import rebuilds the constraints: Dale's law from `ei`, the diagonal and the
        // sparse mask from `mask`, `mask_density` and `mask_seed`.
        let back = import(&bytes).unwrap();
        assert_eq!(back.network, net);
        assert_eq!(back.config.model.constraints, cfg.model.constraints);
        // With the readout and input options on, they are read back from the weights.
        let d = cfg.model.constraints.dale.as_mut().unwrap();
        (d.readout, d.positive_inputs) = (true, true);
        cfg.model.constraints.sparsity = Some(Sparsity {
            density: 0.3,
            seed: u64::MAX - 12345,
        });
        let mut t = Trainer::new(cfg.clone()).unwrap();
        t.step().unwrap();
        let back = import(&npz_bytes(t.network()).unwrap()).unwrap();
        assert_eq!(&back.network, t.network());
        assert_eq!(back.config.model.constraints, cfg.model.constraints);
        // Unconstrained networks keep their exports as they were.
        let plain = npz_bytes(&Network::init(&Config::default().model, 1)).unwrap();
        let names = NpzReader::new(Cursor::new(&plain))
            .unwrap()
            .names()
            .unwrap();
        assert!(!names
            .iter()
            .any(|n| n.starts_with("ei") || n.starts_with("mask")));
    }
}
