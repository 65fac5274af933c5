//! Keras files of every recurrent cell (`tests/data/keras/gated/`, written by Keras 3.15 and
//! tf.keras 2.15 with `make_fixtures.py`): SimpleRNN, GRU (`reset_after` true and false,
//! sigmoid and both Keras' hard sigmoids), LSTM, each followed by a Dense readout.
//!
//! - each file imports as the right cell and options, with every weight where the layout of
//!   `flipflop_core::model::cell` puts it (checked against the weights Keras itself loads
//!   from the file, `weights_*.npz`);
//! - the imported network's outputs on `X.npy` equal Keras' `model.predict` (`Y_*.npy`) to
//!   1e-5;
//! - the npz and JSON exports of gated networks (Keras' layout and names) import back to the
//!   same network, and network files and links carry the cell;
//! - files with options the lab cannot run are refused with the reason.

use flipflop_core::model::{CellKind, GateActivation, Network};
use flipflop_formats::import::{import, ImportError, ImportFormat, Imported};
use flipflop_formats::{export, link, netfile};
use ndarray::{Array3, ArrayD};
use ndarray_npy::{NpzReader, ReadNpyExt};
use std::io::Cursor;
use std::path::PathBuf;

fn path(file: &str) -> PathBuf {
    [
        env!("CARGO_MANIFEST_DIR"),
        "tests",
        "data",
        "keras",
        "gated",
        file,
    ]
    .iter()
    .collect()
}

fn read(file: &str) -> Vec<u8> {
    std::fs::read(path(file)).unwrap_or_else(|e| panic!("{file}: {e}"))
}

fn npy3(file: &str) -> Array3<f32> {
    Array3::<f32>::read_npy(read(file).as_slice()).unwrap_or_else(|e| panic!("{file}: {e}"))
}

/// Every fixture: file, Y file, weights file (None for `.keras`, whose weights equal the
/// `.h5` of the same model), cell, reset_after, gate activation.
fn fixtures() -> Vec<(String, String, CellKind, bool, GateActivation)> {
    use CellKind::*;
    use GateActivation::*;
    let mut v = Vec::new();
    for (stem, cell, reset_after, gate) in [
        ("simple_rnn", Vanilla, true, Sigmoid),
        ("gru", Gru, true, Sigmoid),
        ("gru_v1", Gru, false, Sigmoid),
        ("gru_hard", Gru, true, HardSigmoidKeras3),
        ("lstm", Lstm, true, Sigmoid),
    ] {
        for ext in ["h5", "keras"] {
            v.push((
                format!("keras3_{stem}.{ext}"),
                format!("keras3_{stem}"),
                cell,
                reset_after,
                gate,
            ));
        }
    }
    for (stem, cell, reset_after, gate) in [
        ("simple_rnn", Vanilla, true, Sigmoid),
        ("gru", Gru, true, Sigmoid),
        ("gru_v1", Gru, false, HardSigmoidKeras2),
        ("lstm", Lstm, true, Sigmoid),
    ] {
        v.push((
            format!("keras2_{stem}.h5"),
            format!("keras2_{stem}"),
            cell,
            reset_after,
            gate,
        ));
    }
    v
}

fn import_file(file: &str) -> Imported {
    import(&read(file)).unwrap_or_else(|e| panic!("{file}: {e}"))
}

/// The network's outputs for every trial of `x` `[batch, trial_len, inputs]`.
fn outputs(net: &Network, x: &Array3<f32>) -> Array3<f32> {
    let (b, t, _) = x.dim();
    let k = net.config.outputs();
    let mut y = Array3::zeros((b, t, k));
    for (trial, mut out) in x.outer_iter().zip(y.outer_iter_mut()) {
        let flat: Vec<f32> = trial.iter().copied().collect();
        let (_, z) = net.run(&flat, t);
        out.iter_mut().zip(&z).for_each(|(d, s)| *d = *s);
    }
    y
}

#[test]
fn every_fixture_imports_as_its_cell_with_every_weight_in_place() {
    for (file, stem, cell, reset_after, gate) in fixtures() {
        let imp = import_file(&file);
        assert_eq!(imp.format, ImportFormat::KerasHdf5, "{file}");
        let c = &imp.network.config;
        assert_eq!(
            (
                c.cell,
                c.reset_after,
                c.recurrent_activation,
                c.hidden,
                c.bits,
                c.rec_bias
            ),
            (cell, reset_after, gate, 5, 3, true),
            "{file}"
        );
        assert_eq!(imp.config.model, *c, "{file}");
        // Every weight against the weights Keras loads from the file, by index.
        let mut npz = NpzReader::new(Cursor::new(read(&format!("weights_{stem}.npz")))).unwrap();
        let mut get = |name: &str| -> ArrayD<f32> { npz.by_name(name).unwrap() };
        let (kernel, rec, bias) = (get("kernel"), get("recurrent_kernel"), get("bias"));
        let (dense, dense_bias) = (get("dense_kernel"), get("dense_bias"));
        let (n, g, k) = (5, cell.gates() * 5, 3);
        let net = &imp.network;
        assert_eq!(kernel.shape(), [k, g], "{file}");
        for row in 0..g {
            for j in 0..k {
                assert_eq!(
                    net.w_in[row * k + j],
                    kernel[[j, row]],
                    "{file} W_in[{row},{j}]"
                );
            }
            for j in 0..n {
                assert_eq!(
                    net.w_rec[row * n + j],
                    rec[[j, row]],
                    "{file} W_rec[{row},{j}]"
                );
            }
        }
        // Keras' bias as stored, row-major: (2, 3N) puts the recurrent bias after the input's.
        assert_eq!(
            net.b_rec,
            bias.iter().copied().collect::<Vec<_>>(),
            "{file}"
        );
        assert_eq!(
            bias.ndim(),
            if cell == CellKind::Gru && reset_after {
                2
            } else {
                1
            }
        );
        for o in 0..k {
            assert_eq!(net.b_out[o], dense_bias[[o]], "{file}");
            for j in 0..n {
                assert_eq!(net.w_out[o * n + j], dense[[j, o]], "{file} W_out[{o},{j}]");
            }
        }
        // A spot check by hand of the layout: the reset gate's block is rows N..2N.
        if cell == CellKind::Gru {
            assert_eq!(net.w_in[(n + 2) * k + 1], kernel[[1, n + 2]], "{file}");
        }
    }
}

#[test]
fn every_fixture_reproduces_keras_predict() {
    let x = npy3("X.npy");
    assert_eq!(x.dim(), (2, 7, 3));
    for (file, stem, ..) in fixtures() {
        let imp = import_file(&file);
        let y = npy3(&format!("Y_{stem}.npy"));
        let ours = outputs(&imp.network, &x);
        let worst = ours
            .iter()
            .zip(y.iter())
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f32, f32::max);
        assert!(
            worst < 1e-5,
            "{file}: differs from Keras' predict by {worst}"
        );
        assert!(
            y.iter().any(|v| v.abs() > 0.1),
            "{file}: Y is trivially small"
        );
    }
}

#[test]
fn gated_exports_import_back_and_files_and_links_carry_the_cell() {
    for file in [
        "keras3_gru.h5",
        "keras3_gru_v1.keras",
        "keras3_gru_hard.h5",
        "keras2_gru_v1.h5",
        "keras3_lstm.h5",
    ] {
        let imp = import_file(file);
        let net = &imp.network;
        // npz in Keras' names.
        let npz = export::npz_bytes(net).unwrap();
        let names = NpzReader::new(Cursor::new(&npz)).unwrap().names().unwrap();
        for want in ["kernel", "recurrent_kernel", "bias", "dense_kernel", "cell"] {
            assert!(names.iter().any(|n| n == want), "{file}: {names:?}");
        }
        let back = import(&npz).unwrap_or_else(|e| panic!("{file} npz: {e}"));
        assert_eq!(back.format, ImportFormat::Npz);
        assert_eq!(back.network.w_in, net.w_in, "{file}");
        assert_eq!(back.network.w_rec, net.w_rec, "{file}");
        assert_eq!(back.network.b_rec, net.b_rec, "{file}");
        assert_eq!(back.network.w_out, net.w_out, "{file}");
        assert_eq!(back.network.b_out, net.b_out, "{file}");
        let (c, b) = (&net.config, &back.network.config);
        assert_eq!(
            (b.cell, b.reset_after, b.recurrent_activation),
            (c.cell, c.reset_after, c.recurrent_activation),
            "{file}"
        );
        // JSON: the whole network, config included.
        let js = export::json_bytes(&imp.config, net, 3).unwrap();
        let doc: serde_json::Value = serde_json::from_slice(&js).unwrap();
        assert!(
            doc["recurrent_kernel"].is_array() && doc.get("W_rec").is_none(),
            "{file}"
        );
        let back = import(&js).unwrap_or_else(|e| panic!("{file} json: {e}"));
        assert_eq!((&back.network, back.steps), (net, 3), "{file}");
        // Network file and exact link.
        let bytes = netfile::encode(&imp.config, net, 5);
        let f = netfile::decode(&bytes).unwrap_or_else(|e| panic!("{file} net: {e}"));
        assert_eq!((&f.network, &f.config), (net, &imp.config), "{file}");
        // Exact and compact links (gated W_rec has no single spectrum to guard, so the compact
        // encoder keeps every weight).
        for kind in [link::LinkKind::Exact, link::LinkKind::Compact] {
            let frag = link::encode_link(kind, &imp.config, net, 5);
            let d = link::decode_link(&frag).unwrap_or_else(|e| panic!("{file} link: {e}"));
            assert_eq!(d.network.as_ref(), Some(net), "{file} {kind:?}");
            assert_eq!(d.config.model.cell, net.config.cell, "{file} {kind:?}");
        }
    }
}

#[test]
fn gated_npz_texts_say_the_cell_and_gate() {
    let net = import_file("keras2_gru_v1.h5").network;
    let npz = export::npz_bytes(&net).unwrap();
    // The texts are numpy unicode arrays: '<U3' "gru" and '<U19' "hard_sigmoid_keras2".
    let find = |needle: &[u8]| npz.windows(needle.len()).any(|w| w == needle);
    assert!(find(b"'descr': '<U3'") && find(b"g\0\0\0r\0\0\0u\0\0\0"));
    assert!(find(b"'descr': '<U19'"));
    // An npz whose cell text disagrees with its gate blocks is refused.
    let mut lying = npz.clone();
    let at = lying
        .windows(12)
        .position(|w| w == b"g\0\0\0r\0\0\0u\0\0\0")
        .unwrap();
    lying[at..at + 12].copy_from_slice(b"l\0\0\0s\0\0\0t\0\0\0");
    // (the zip's CRC covers the member: the damage is found first, without a panic)
    assert!(import(&lying).is_err());
}

/// Edits a file's config JSON in place (same byte length): `from` → `to`.
fn edited(file: &str, from: &str, to: &str) -> Vec<u8> {
    assert_eq!(from.len(), to.len(), "{from} / {to}");
    let mut b = read(file);
    let at = b
        .windows(from.len())
        .position(|w| w == from.as_bytes())
        .unwrap_or_else(|| panic!("{file} has no {from}"));
    b[at..at + to.len()].copy_from_slice(to.as_bytes());
    b
}

#[test]
fn options_the_lab_cannot_run_are_refused_with_the_reason() {
    for (file, from, to, words) in [
        (
            "keras3_gru.h5",
            "\"go_backwards\": false",
            "\"go_backwards\": true ",
            "go_backwards",
        ),
        (
            "keras3_lstm.h5",
            "\"stateful\": false",
            "\"stateful\": true ",
            "stateful",
        ),
        (
            "keras2_gru.h5",
            "\"recurrent_activation\": \"sigmoid\"",
            "\"recurrent_activation\": \"softmax\"",
            "recurrent_activation 'softmax'",
        ),
        (
            "keras3_lstm.h5",
            "\"activation\": \"tanh\"",
            "\"activation\": \"relu\"",
            "LSTM has activation 'relu'",
        ),
        (
            "keras3_gru.h5",
            "\"return_sequences\": true",
            "\"return_sequences\":false",
            "GRU returns only its last output",
        ),
        (
            "keras2_lstm.h5",
            "\"class_name\": \"LSTM\"",
            "\"class_name\": \"Conv\"",
            "layers Conv(5), Dense(3)",
        ),
    ] {
        let e = import(&edited(file, from, to)).unwrap_err();
        assert!(
            matches!(
                e,
                ImportError::Unsupported(_) | ImportError::Unreadable { .. }
            ),
            "{file}: {e:?}"
        );
        assert!(e.to_string().contains(words), "{file}: {e}");
    }
    // A GRU file relabelled as an LSTM: the weights have the GRU's 3 gate blocks.
    let e = import(&edited(
        "keras2_gru.h5",
        "\"GRU\", \"config\"",
        "\"LSTM\",\"config\"",
    ))
    .unwrap_err();
    assert!(
        matches!(&e, ImportError::Shape { tensor, expected, found }
            if tensor == "LSTM kernel" && expected == &[3, 20] && found == &[3, 15]),
        "{e:?}"
    );
}

/// The exact link of the largest LSTM (N 1024, 8 bits, incompressible weights) is longer than
/// any link opens: `unopenable` says so and points at the compact link, the recipe or the
/// file; a small LSTM's exact link is fine and opens as the same network.
#[test]
fn exact_links_too_long_to_open_are_named() {
    let mut cfg = flipflop_core::Config::cell_preset(CellKind::Lstm);
    cfg.model.hidden = 1024;
    cfg.set_bits(8);
    let mut net = Network::zeros(&cfg.model);
    // Incompressible weights from a fixed linear congruential sequence.
    let mut x = 12345u32;
    for p in net.params_mut() {
        for w in p.iter_mut() {
            x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            *w = (x >> 8) as f32 / (1u32 << 24) as f32 - 0.5;
        }
    }
    let big = link::encode_link(link::LinkKind::Exact, &cfg, &net, 3);
    let why = link::unopenable(&big).expect("too long to open");
    assert!(
        why.contains("compact link") && why.contains("recipe"),
        "{why}"
    );
    assert!(why.contains("network file"), "{why}");

    cfg.model.hidden = 8;
    let small = Network::init(&cfg.model, 1);
    let frag = link::encode_link(link::LinkKind::Exact, &cfg, &small, 3);
    assert_eq!(link::unopenable(&frag), None);
    let d = link::decode_link(&frag).expect("opens");
    assert_eq!(d.network.as_ref(), Some(&small));
}
