//! Keras model files of every kind people have (`tests/data/keras/`, made by
//! `make_keras_files.py`; its docstring says which Keras wrote each and which were built with
//! h5py): each imports, and the imported network reproduces the output that Keras (or, for the
//! h5py-built files, an independent numpy forward pass) computed for a fixed input sequence.
//! Refusals of models the lab cannot run say what the file really holds.

use flipflop_formats::import::{import, ImportError, ImportFormat};
use serde_json::Value;
use std::path::PathBuf;

fn path(file: &str) -> PathBuf {
    [env!("CARGO_MANIFEST_DIR"), "tests", "data", "keras", file]
        .iter()
        .collect()
}

fn read(file: &str) -> Vec<u8> {
    std::fs::read(path(file)).unwrap_or_else(|e| panic!("{file}: {e}"))
}

/// `(x, y)` of `<file>.expected.json`, row-major, and the number of time steps.
fn expected(file: &str) -> (Vec<f32>, Vec<f64>, usize) {
    let v: Value = serde_json::from_slice(&read(&format!("{file}.expected.json"))).unwrap();
    let rows = |k: &str| -> Vec<Vec<f64>> {
        v[k].as_array()
            .unwrap()
            .iter()
            .map(|r| {
                r.as_array()
                    .unwrap()
                    .iter()
                    .map(|x| x.as_f64().unwrap())
                    .collect()
            })
            .collect()
    };
    let (x, y) = (rows("x"), rows("y"));
    let t = x.len();
    (
        x.concat().iter().map(|v| *v as f32).collect(),
        y.concat(),
        t,
    )
}

const FILES: [&str; 8] = [
    "keras1_layout.h5",
    "keras2_tf215.h5",
    "keras2_tf215_functional.h5",
    "keras2_tf215_float64.h5",
    "keras2_float16.h5",
    "keras2_userblock.h5",
    "keras3.h5",
    "keras3.keras",
];

#[test]
fn every_keras_file_reproduces_its_models_output() {
    for file in FILES {
        let imp = import(&read(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(imp.format, ImportFormat::KerasHdf5, "{file}");
        let c = &imp.network.config;
        assert_eq!(
            (c.hidden, c.bits, c.alpha, c.rec_bias),
            (6, 3, 1.0, true),
            "{file}"
        );
        let (x, y, t) = expected(file);
        let (_, z) = imp.network.run(&x, t);
        let worst = z
            .iter()
            .zip(&y)
            .map(|(a, b)| (*a as f64 - b).abs())
            .fold(0.0, f64::max);
        assert!(worst < 1e-5, "{file}: output differs from Keras by {worst}");
        // The output is not trivially small: the check above compares something.
        assert!(y.iter().any(|v| v.abs() > 0.1), "{file}");
    }
}

/// Edits a file's `model_config` JSON in place (same byte length, so the HDF5 structure stays
/// valid): `from` → `to`, both of equal length.
fn with_config_edit(file: &str, from: &str, to: &str) -> Vec<u8> {
    assert_eq!(from.len(), to.len());
    let mut b = read(file);
    let at = b
        .windows(from.len())
        .position(|w| w == from.as_bytes())
        .unwrap_or_else(|| panic!("{file} has no {from}"));
    b[at..at + to.len()].copy_from_slice(to.as_bytes());
    b
}

#[test]
fn models_the_lab_cannot_run_are_refused_with_the_true_reason() {
    for (file, from, to, words) in [
        (
            "keras2_tf215.h5",
            "\"activation\": \"tanh\"",
            "\"activation\": \"relu\"",
            "activation 'relu'",
        ),
        (
            "keras1_layout.h5",
            "\"activation\": \"tanh\"",
            "\"activation\": \"relu\"",
            "activation 'relu'",
        ),
        (
            "keras2_tf215.h5",
            "\"class_name\": \"SimpleRNN\"",
            "\"class_name\": \"GRUxxxxxx\"",
            "layers GRUxxxxxx(6), Dense(3)",
        ),
    ] {
        let e = import(&with_config_edit(file, from, to)).unwrap_err();
        assert!(matches!(e, ImportError::Unsupported(_)), "{file}: {e:?}");
        assert!(e.to_string().contains(words), "{file}: {e}");
    }
}
