//! `flipflop predict`: on the Keras fixtures of every cell (crates/formats/tests/data/keras/
//! gated, written by Keras itself), through every kind of network argument (the Keras file,
//! `.keras`, a network file from `import`, an exact link), the outputs equal Keras'
//! `model.predict` to 1e-5; bad inputs get specific messages and no output file.

use ndarray::{Array2, Array3};
use ndarray_npy::{ReadNpyExt, WriteNpyExt};
use std::path::PathBuf;

mod common;
use common::{run, run_json, stderr, Scratch};

fn fixture(file: &str) -> String {
    let p: PathBuf = [
        env!("CARGO_MANIFEST_DIR"),
        "..",
        "formats",
        "tests",
        "data",
        "keras",
        "gated",
        file,
    ]
    .iter()
    .collect();
    p.to_str().unwrap().to_string()
}

fn npy3(path: &str) -> Array3<f32> {
    Array3::<f32>::read_npy(std::fs::File::open(path).unwrap()).unwrap()
}

fn worst(a: &Array3<f32>, b: &Array3<f32>) -> f32 {
    assert_eq!(a.dim(), b.dim());
    a.iter()
        .zip(b.iter())
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

#[test]
fn predict_equals_keras_for_every_cell_and_every_kind_of_argument() {
    let dir = Scratch::new("predict", "keras");
    let x = fixture("X.npy");
    for (stem, cell) in [
        ("keras3_simple_rnn", "vanilla"),
        ("keras3_gru", "gru"),
        ("keras2_gru_v1", "gru"),
        ("keras3_lstm", "lstm"),
    ] {
        let keras_y = npy3(&fixture(&format!("Y_{stem}.npy")));
        let net_file = dir.file(&format!("{stem}.net"));
        run_json(&[
            "import",
            &fixture(&format!("{stem}.h5")),
            "--out",
            &net_file,
        ]);
        // `--plain` prints the bare URL of an exact link.
        let o = run(&["link", &net_file, "--plain"]);
        assert!(o.status.success(), "{}", stderr(&o));
        let link = String::from_utf8(o.stdout).unwrap().trim().to_string();
        let mut args = vec![fixture(&format!("{stem}.h5")), net_file.clone(), link];
        if stem.starts_with("keras3") {
            args.push(fixture(&format!("{stem}.keras")));
        }
        for (i, net) in args.iter().enumerate() {
            let y = dir.file(&format!("{stem}_{i}.npy"));
            let j = run_json(&["predict", net, "--inputs", &x, "--out", &y]);
            assert_eq!(j["cell"], cell, "{stem} via {net:.60}");
            assert_eq!(
                (j["batch"].as_u64(), j["trial_len"].as_u64()),
                (Some(2), Some(7))
            );
            let d = worst(&npy3(&y), &keras_y);
            assert!(d < 1e-5, "{stem} via {net:.60}: differs from Keras by {d}");
        }
    }
}

#[test]
fn bad_inputs_are_refused_with_the_reason_and_write_nothing() {
    let dir = Scratch::new("predict", "bad");
    let net = fixture("keras3_gru.h5");
    let out = dir.file("y.npy");
    let wrong_inputs = dir.file("x4.npy");
    Array3::<f32>::zeros((2, 7, 4))
        .write_npy(std::fs::File::create(&wrong_inputs).unwrap())
        .unwrap();
    let flat = dir.file("x2d.npy");
    Array2::<f32>::zeros((7, 3))
        .write_npy(std::fs::File::create(&flat).unwrap())
        .unwrap();
    let not_npy = dir.file("x.txt");
    std::fs::write(&not_npy, "1 2 3").unwrap();
    let lying = dir.file("lying.npy");
    let mut b = Vec::new();
    Array3::<f32>::zeros((1, 1, 3)).write_npy(&mut b).unwrap();
    // The header claims a million values for a file of three (same header length).
    let at = b.windows(9).position(|w| w == b"(1, 1, 3)").unwrap();
    b[at..at + 9].copy_from_slice(b"(999,999)");
    std::fs::write(&lying, &b).unwrap();
    for (inputs, words) in [
        (&wrong_inputs, "the network has 3 inputs"),
        (&flat, "needs 3 dimensions [batch, trial_len, inputs]"),
        (&not_npy, "not a .npy file"),
        (&lying, "more values than the file holds"),
    ] {
        let o = run(&["predict", &net, "--inputs", inputs, "--out", &out]);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(1), "{inputs}: {err}");
        assert!(err.contains(words), "{inputs}: {err}");
        assert!(!err.contains("panicked"), "{err}");
        assert!(
            !std::path::Path::new(&out).exists(),
            "{inputs}: wrote {out}"
        );
    }
    let o = run(&["predict", &net, "--out", &out]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("missing --inputs"), "{}", stderr(&o));
}
