//! `flipflop import FILE --out NET`: Keras HDF5 or `.keras` (SimpleRNN, GRU, LSTM), npz or JSON (recognised by content) to a
//! network file, with the same core code as the page (`flipflop_formats::import`).

use crate::args::{self, usage, CliError};
use flipflop_formats::import::{import, MAX_IMPORT_BYTES};
use flipflop_formats::netfile;
use serde_json::json;
use std::path::PathBuf;

/// Runs `flipflop import`.
pub fn run(p: &mut lexopt::Parser) -> Result<(), CliError> {
    use lexopt::Arg::*;
    let (mut file, mut out) = (None::<PathBuf>, None::<PathBuf>);
    while let Some(arg) = p.next()? {
        match arg {
            Long("out") | Short('o') => out = Some(args::path(p.value()?)),
            Value(v) if file.is_none() => file = Some(args::path(v)),
            Value(v) => {
                return Err(usage(format!(
                    "unexpected extra argument {v:?}: give one file to import"
                )))
            }
            _ => return Err(arg.unexpected().into()),
        }
    }
    let file = file.ok_or_else(|| {
        usage("missing FILE: 'flipflop import FILE --out NET' (Keras .h5/.hdf5, npz or JSON)")
    })?;
    let out = out.ok_or_else(|| usage("missing --out NET: where to write the network file"))?;
    let fail = |m: String| CliError::Failed(format!("{}: {m}", file.display()));
    let meta = std::fs::metadata(&file).map_err(|e| fail(e.to_string()))?;
    if meta.len() > MAX_IMPORT_BYTES as u64 {
        return Err(fail(format!(
            "{} bytes is larger than any importable network ({MAX_IMPORT_BYTES} bytes at most)",
            meta.len()
        )));
    }
    let bytes = std::fs::read(&file).map_err(|e| fail(e.to_string()))?;
    let imp = import(&bytes).map_err(|e| fail(e.to_string()))?;
    let format = imp.format.name();
    let f = imp.into_netfile();
    crate::write_atomic(&out, &netfile::encode(&f.config, &f.network, f.steps))?;
    crate::print_json(&json!({
        "file": file.display().to_string(),
        "format": format,
        "out": out.display().to_string(),
        "cell": f.network.config.cell.key(),
        "hidden": f.network.config.hidden,
        "bits": f.network.config.bits,
        "alpha": f.network.config.alpha,
        "rec_bias": f.network.config.rec_bias,
        "steps_trained": f.steps,
    }))
}
