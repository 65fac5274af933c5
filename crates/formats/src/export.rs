//! Exporting networks: bytes out, for the CLI to write to files and the page to download.
//! No I/O. The formats are the ones [`crate::import`] reads back.
//!
//! - **npz** ([`npz_bytes`]): float32 arrays `W_in (N, bits)`, `W_rec (N, N)`, `b_rec (N)`,
//!   `W_out (bits, N)`, `b_out (bits)` and a 0-d `alpha`, stored uncompressed;
//!   `numpy.load(f, allow_pickle=False)` reads it.
//! - **JSON** ([`json_bytes`]): `"format": "flipflop-network"`, the root config, seed, steps
//!   trained and every weight as nested row lists.

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
}
