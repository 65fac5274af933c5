//! End-to-end tests of the `flipflop` binary on tiny configurations.

use flipflop_formats::netfile;
use ndarray::{Array0, Array1, Array2};
use ndarray_npy::NpzReader;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Command;

mod common;
use common::{run, run_json, stderr, Scratch};

/// Runs a command that must fail; returns (exit code, stderr).
fn run_fail(args: &[&str]) -> (i32, String) {
    let o = run(args);
    let err = stderr(&o);
    assert!(!o.status.success(), "{args:?} should fail");
    assert!(!err.contains("panicked"), "{args:?} panicked: {err}");
    (o.status.code().unwrap_or(-1), err)
}

fn train_tiny(dir: &Scratch, name: &str, seed: &str) -> PathBuf {
    let out = dir.path(name);
    let s = out.to_str().unwrap();
    let j = run_json(&[
        "train",
        "--hidden",
        "16",
        "--steps",
        "20",
        "--seed",
        seed,
        "--eval-every",
        "10",
        "--out",
        s,
    ]);
    assert_eq!(j["steps"], 20);
    assert_eq!(j["hidden"], 16);
    assert_eq!(j["seed"].as_u64(), seed.parse().ok());
    assert_eq!(j["stopped"], "steps");
    let acc = j["final"]["bit_accuracy"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&acc));
    assert!(j["final"]["mse"].as_f64().unwrap().is_finite());
    assert!(j["solved"].is_boolean());
    assert!(j["seconds"].as_f64().unwrap() >= 0.0);
    // 20 steps of 16 trials × 200 steps at 6N² + 10Nk FLOPs per trial-step, plus evaluations.
    let train_flops = 20.0 * 16.0 * 200.0 * (6.0 * 256.0 + 10.0 * 48.0);
    assert_eq!(j["train_flops"].as_f64().unwrap(), train_flops);
    assert!(j["flops"].as_f64().unwrap() > train_flops);
    // The preset fits its readout every 50 steps: none in 20.
    assert_eq!(j["readout_fits"], 0);
    assert_eq!(j["readout_fit_flops"].as_f64().unwrap(), 0.0);
    out
}

/// `--readout-fit K` fits every K steps, and the FLOPs count each fit: the forward pass of
/// 4 × 16 trials of 200 steps and one 17 × 17 Gram matrix over their 12,800 rows.
#[test]
fn readout_fits_are_counted_in_the_flops() {
    let dir = Scratch::new("cli", "readout-fit");
    let out = dir.path("n.net");
    let s = out.to_str().unwrap();
    let j = run_json(&[
        "train",
        "--hidden",
        "16",
        "--steps",
        "20",
        "--readout-fit",
        "10",
        "--out",
        s,
    ]);
    assert_eq!(j["readout_fits"], 2);
    let each = 64.0 * 200.0 * (2.0 * 256.0 + 4.0 * 48.0) + 2.0 * 12_800.0 * 17.0 * 17.0;
    assert_eq!(j["readout_fit_flops"].as_f64().unwrap(), 2.0 * each);
    let parts = ["train_flops", "eval_flops", "readout_fit_flops"];
    let sum: f64 = parts.iter().map(|k| j[k].as_f64().unwrap()).sum();
    assert_eq!(j["flops"].as_f64().unwrap(), sum);
    assert_eq!(load(&out).config.train.readout_fit, 10);
    // The default preset's network is the average of the weights.
    assert_eq!(
        load(&out).config.train.ema_momentum,
        flipflop_core::train::DEFAULT_EMA_MOMENTUM
    );
}

fn load(path: &Path) -> netfile::NetFile {
    netfile::decode(&std::fs::read(path).unwrap()).unwrap()
}

#[test]
fn train_overrides_reach_the_saved_config() {
    let dir = Scratch::new("cli", "overrides");
    let out = dir.path("o.net");
    run_json(&[
        "train",
        "--hidden",
        "8",
        "--bits",
        "2",
        "--lr",
        "0.01",
        "--batch",
        "3",
        "--clip",
        "0",
        "--trial-len",
        "50",
        "--ema-momentum",
        "0.5",
        "--steps",
        "2",
        "--out",
        out.to_str().unwrap(),
    ]);
    let c = load(&out).config;
    assert_eq!(c.train.ema_momentum, 0.5);
    assert_eq!((c.model.hidden, c.model.bits, c.task.bits), (8, 2, 2));
    assert_eq!(
        (
            c.train.lr,
            c.train.batch,
            c.train.clip,
            c.train.train_trial_len
        ),
        (0.01, 3, 0.0, 50)
    );
}

#[test]
fn threads_split_the_batch_and_do_not_change_the_result() {
    let dir = Scratch::new("cli", "threads");
    let tiny = [
        "train",
        "--hidden",
        "8",
        "--batch",
        "6",
        "--trial-len",
        "40",
        "--steps",
        "3",
    ];
    let (two, one) = (dir.file("two.net"), dir.file("one.net"));
    run_json(&[&tiny[..], &["--threads", "2", "--out", &two]].concat());
    run_json(
        &[
            &tiny[..],
            &["--shares", "2", "--threads", "1", "--out", &one],
        ]
        .concat(),
    );
    let (two, one) = (load(&dir.path("two.net")), load(&dir.path("one.net")));
    // `--threads 2` splits each batch in 2 shares; the file records it.
    assert_eq!(two.config.train.shares, 2);
    assert_eq!(two.config, one.config);
    // Two shares on two threads train exactly as two shares on one.
    assert_eq!(two.network, one.network);
}

#[test]
fn train_is_reproducible_and_eval_reports_metrics() {
    let dir = Scratch::new("cli", "train");
    let a = train_tiny(&dir, "a.net", "3");
    let b = train_tiny(&dir, "b.net", "3");
    assert_eq!(
        std::fs::read(&a).unwrap(),
        std::fs::read(&b).unwrap(),
        "same seed, same file"
    );
    let f = load(&a);
    assert_eq!(
        (f.steps, f.config.seed, f.network.config.hidden),
        (20, 3, 16)
    );
    let a = a.to_str().unwrap();
    let j = run_json(&["eval", a, "--trials", "8"]);
    assert_eq!(j["trials"], 8);
    let acc = j["bit_accuracy"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&acc));
    assert!(j["mse"].as_f64().unwrap() > 0.0);
    // Another seed draws other trials.
    let k = run_json(&["eval", a, "--trials", "8", "--seed", "99"]);
    assert_eq!(k["seed"], 99);
    assert_ne!(k["mse"], j["mse"]);
}

#[test]
fn export_npz_and_json_hold_the_weights() {
    let dir = Scratch::new("cli", "export");
    let net = train_tiny(&dir, "n.net", "5");
    let (npz, json) = (dir.path("n.npz"), dir.path("n.json"));
    run_json(&[
        "export",
        net.to_str().unwrap(),
        "--npz",
        npz.to_str().unwrap(),
        "--json",
        json.to_str().unwrap(),
    ]);
    let f = load(&net);
    let w = &f.network;

    let mut r = NpzReader::new(std::fs::File::open(&npz).unwrap()).unwrap();
    let mut names = r.names().unwrap();
    names.sort();
    assert_eq!(names, ["W_in", "W_out", "W_rec", "alpha", "b_out", "b_rec"]);
    let w_in: Array2<f32> = r.by_name("W_in").unwrap();
    let w_rec: Array2<f32> = r.by_name("W_rec").unwrap();
    let b_rec: Array1<f32> = r.by_name("b_rec").unwrap();
    let w_out: Array2<f32> = r.by_name("W_out").unwrap();
    let b_out: Array1<f32> = r.by_name("b_out").unwrap();
    let alpha: Array0<f32> = r.by_name("alpha").unwrap();
    assert_eq!(w_in.dim(), (16, 3));
    assert_eq!(w_rec.dim(), (16, 16));
    assert_eq!(w_out.dim(), (3, 16));
    assert_eq!(w_in.iter().copied().collect::<Vec<_>>(), w.w_in);
    assert_eq!(w_rec.iter().copied().collect::<Vec<_>>(), w.w_rec);
    assert_eq!(b_rec.to_vec(), w.b_rec);
    assert_eq!(w_out.iter().copied().collect::<Vec<_>>(), w.w_out);
    assert_eq!(b_out.to_vec(), w.b_out);
    assert_eq!(alpha.into_scalar(), w.config.alpha);
    // Row-major: W_rec[i, j] is the weight from unit j to unit i.
    assert_eq!(w_rec[[2, 5]], w.w_rec[2 * 16 + 5]);

    let j: Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert_eq!(j["seed"], 5);
    assert_eq!(j["steps_trained"], 20);
    assert_eq!(j["config"]["model"]["hidden"], 16);
    let config: flipflop_core::Config = serde_json::from_value(j["config"].clone()).unwrap();
    assert_eq!(config, f.config);
    let row2 = j["W_rec"][2].as_array().unwrap();
    assert_eq!(row2.len(), 16);
    assert_eq!(row2[5].as_f64().unwrap() as f32, w.w_rec[2 * 16 + 5]);
    assert_eq!(j["W_in"].as_array().unwrap().len(), 16);
    assert_eq!(j["W_out"].as_array().unwrap().len(), 3);
    assert_eq!(j["b_out"].as_array().unwrap().len(), 3);
}

#[test]
fn numpy_reads_the_npz() {
    // $PYTHON if set, else the first python3 on PATH or the system one that has numpy.
    let candidates: Vec<String> = match std::env::var("PYTHON") {
        Ok(p) => vec![p],
        Err(_) => vec!["python3".into(), "/usr/bin/python3".into()],
    };
    let has_numpy = |py: &String| {
        Command::new(py)
            .args(["-c", "import numpy"])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    let Some(python) = candidates.into_iter().find(has_numpy) else {
        println!("SKIPPED numpy_reads_the_npz: no python3 with numpy (set PYTHON to choose one)");
        return;
    };
    let dir = Scratch::new("cli", "numpy");
    let net = train_tiny(&dir, "n.net", "2");
    let npz = dir.path("n.npz");
    run_json(&[
        "export",
        net.to_str().unwrap(),
        "--npz",
        npz.to_str().unwrap(),
    ]);
    let script = "import sys, numpy as np\n\
        z = np.load(sys.argv[1], allow_pickle=False)\n\
        want = {'W_in': (16, 3), 'W_rec': (16, 16), 'b_rec': (16,), 'W_out': (3, 16), 'b_out': (3,), 'alpha': ()}\n\
        assert sorted(z.files) == sorted(want), z.files\n\
        for k, s in want.items():\n    assert z[k].shape == s and z[k].dtype == np.float32, (k, z[k].shape, z[k].dtype)\n\
        print(float(z['alpha']), float(z['W_rec'][2, 5]))\n";
    let o = Command::new(&python)
        .args(["-c", script, npz.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(o.status.success(), "numpy: {}", stderr(&o));
    let f = load(&net);
    let printed = String::from_utf8_lossy(&o.stdout);
    let vals: Vec<f64> = printed
        .split_whitespace()
        .map(|v| v.parse().unwrap())
        .collect();
    assert_eq!(vals[0] as f32, f.network.config.alpha);
    assert_eq!(vals[1] as f32, f.network.w_rec[2 * 16 + 5]);
}

#[test]
fn analyze_reports_spectrum_and_fractions() {
    let dir = Scratch::new("cli", "analyze");
    let net = train_tiny(&dir, "n.net", "4");
    let j = run_json(&["analyze", net.to_str().unwrap()]);
    let eigs = j["eigenvalues"].as_array().unwrap();
    assert_eq!(eigs.len(), 16);
    let max_mod = eigs
        .iter()
        .map(|z| z[0].as_f64().unwrap().hypot(z[1].as_f64().unwrap()))
        .fold(0.0, f64::max);
    assert!((j["spectral_radius"].as_f64().unwrap() - max_mod).abs() < 1e-12);
    for method in ["svd", "pca"] {
        let fr: Vec<f64> = j[method]["fractions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        assert_eq!(fr.len(), 3);
        assert!(
            fr.windows(2).all(|w| w[0] >= w[1]) && fr[2] >= 0.0,
            "{method}: {fr:?}"
        );
        assert!(fr.iter().sum::<f64>() <= 1.0 + 1e-9, "{method}: {fr:?}");
    }
    assert!(j["cube_steps"].as_u64().unwrap() > 1000);
    assert!(j.get("fixed_points").is_none(), "only with --fixed-points");
}

#[test]
fn analyze_fixed_points_lists_points_with_the_documented_fields() {
    let dir = Scratch::new("cli", "analyze-fp");
    let net = train_tiny(&dir, "n.net", "4");
    let j = run_json(&[
        "analyze",
        net.to_str().unwrap(),
        "--fixed-points",
        "--starts",
        "32",
    ]);
    assert_eq!(j["fixed_point_options"]["starts"], 32);
    let pts = j["fixed_points"].as_array().expect("fixed_points list");
    assert!(
        !pts.is_empty(),
        "a tanh network without bias always has the origin as a fixed point"
    );
    for p in pts {
        assert_eq!(p["state"].as_array().unwrap().len(), 16);
        let q = p["q"].as_f64().unwrap();
        let fixed = p["fixed"].as_bool().unwrap();
        assert!(if fixed { q < 1e-12 } else { q < 1e-6 }, "q {q}");
        let stable = p["stable"].as_bool().unwrap();
        let dims = p["unstable_dims"].as_u64().unwrap();
        assert_eq!(stable, dims == 0);
        assert_eq!(p["nearest_memory"].as_array().unwrap().len(), 3);
    }
    let c = &j["fixed_point_counts"];
    let total: u64 = ["stable", "unstable", "slow"]
        .iter()
        .map(|k| c[*k].as_u64().unwrap())
        .sum();
    assert_eq!(total as usize, pts.len());
}

#[test]
fn until_solved_stops_on_time() {
    let dir = Scratch::new("cli", "until");
    let out = dir.path("u.net");
    let j = run_json(&[
        "train",
        "--hidden",
        "8",
        "--until-solved",
        "--max-seconds",
        "0.3",
        "--eval-every",
        "5",
        "--out",
        out.to_str().unwrap(),
    ]);
    let stopped = j["stopped"].as_str().unwrap();
    assert!(stopped == "time" || stopped == "solved", "{j}");
    assert_eq!(j["solved"], stopped == "solved");
    assert_eq!(load(&out).steps, j["steps"].as_u64().unwrap());
}

/// `--until-solved` stops only on a confirmed check, and the JSON carries that
/// confirmation: 4 × val_trials fresh trials that pass the task's rule too (perceptual
/// decision making: held-out accuracy ≥ 80 %, a few hundred cheap steps). A run whose last
/// check fails has no confirmation.
#[test]
fn until_solved_reports_the_confirmation() {
    let dir = Scratch::new("cli", "confirm");
    let out = dir.path("c.net");
    let o = out.to_str().unwrap();
    let j = run_json(&[
        "train",
        "--task",
        "perceptual-dm",
        "--hidden",
        "32",
        "--until-solved",
        "--eval-every",
        "25",
        "--out",
        o,
    ]);
    assert_eq!(j["stopped"], "solved", "{j}");
    assert_eq!(j["solved"], true);
    let val = load(&out).config.train.val_trials as u64;
    let c = &j["confirm"];
    assert_eq!(c["trials"].as_u64(), Some(4 * val), "{j}");
    assert!(c["bit_accuracy"].as_f64().unwrap() >= 0.80, "{j}");
    assert!(j["final"]["bit_accuracy"].as_f64().unwrap() >= 0.80, "{j}");
    assert!(j["confirmations"].as_u64().unwrap() >= 1, "{j}");
    // eval decides alike on the saved weights, with the same confirmation.
    let e = run_json(&["eval", o]);
    assert_eq!(e["solved"], true, "{e}");
    assert_eq!(e["confirm"]["accuracy"], c["bit_accuracy"], "{e}");
    // Two steps: the check fails, nothing to confirm.
    let j = run_json(&[
        "train",
        "--task",
        "perceptual-dm",
        "--hidden",
        "8",
        "--steps",
        "2",
        "--out",
        o,
    ]);
    assert_eq!(
        (j["solved"].clone(), j["confirm"].clone()),
        (json!(false), json!(null)),
        "{j}"
    );
}

#[test]
fn bad_arguments_name_the_argument() {
    let dir = Scratch::new("cli", "badargs");
    let out = dir.path("x.net");
    let o = out.to_str().unwrap();
    let cases: &[(&[&str], &str)] = &[
        (&[], "missing command"),
        (
            &["train", "--threads", "0", "--out", o],
            "--threads 0 is out of range (allowed: 1..=64)",
        ),
        (
            &["train", "--shares", "65", "--out", o],
            "--shares 65 is out of range (allowed: 1..=64)",
        ),
        (&["frobnicate"], "unknown command 'frobnicate'"),
        (
            &["train", "--hidden", "5000", "--out", o],
            "--hidden 5000 is out of range (allowed: 2..=1024)",
        ),
        (
            &["train", "--hidden", "1", "--out", o],
            "--hidden 1 is out of range (allowed: 2..=1024)",
        ),
        (
            &["train", "--hidden", "lots", "--out", o],
            "--hidden expects a whole number in 2..=1024",
        ),
        (
            &["train", "--hidden", "-3", "--out", o],
            "--hidden expects a whole number",
        ),
        (
            &["train", "--lr", "5", "--out", o],
            "--lr 5 is out of range (allowed: 0.0000001 to 1)",
        ),
        (
            &["train", "--batch", "0", "--out", o],
            "--batch 0 is out of range (allowed: 1..=1024)",
        ),
        (
            &["train", "--bits", "9", "--out", o],
            "--bits 9 is out of range (allowed: 1..=8)",
        ),
        (&["train", "--clip", "nan", "--out", o], "--clip"),
        (
            &["train", "--steps", "0", "--out", o],
            "--steps 0 is out of range (allowed: 1..=10000000)",
        ),
        (
            &["train", "--steps", "99999999999999999999999", "--out", o],
            "--steps expects a whole number",
        ),
        (
            &["train", "--seed", "x", "--out", o],
            "--seed expects a whole number",
        ),
        (
            &["train", "--preset", "fast", "--out", o],
            "--preset must be 'default', 'paper' or 'dale'",
        ),
        (
            &["train", "--max-seconds", "nan", "--out", o],
            "--max-seconds NaN is out of range",
        ),
        (
            &["train", "--max-seconds", "0", "--out", o],
            "--max-seconds 0 is out of range",
        ),
        (
            &["train", "--steps", "5", "--until-solved", "--out", o],
            "--steps and --until-solved",
        ),
        (&["train", "--hidden", "16"], "--out NET is required"),
        (&["train", "--hidden"], "--hidden"),
        (&["train", "--bogus", "--out", o], "--bogus"),
        (&["eval"], "missing NET"),
        (
            &["eval", o, "--trials", "0"],
            "--trials 0 is out of range (allowed: 1..=4096)",
        ),
        (
            &["eval", o, "--trials", "5000"],
            "--trials 5000 is out of range (allowed: 1..=4096)",
        ),
        (&["export", o], "--npz FILE and/or --json FILE"),
        (
            &["bench", "--reps", "3"],
            "--reps 3 is out of range (allowed: 10..=100000)",
        ),
        (&["analyze", o, "other.net"], "extra argument"),
        (
            &["analyze", o, "--fixed-points", "--starts", "0"],
            "--starts 0 is out of range (allowed: 1..=2048)",
        ),
        (
            &["analyze", o, "--fixed-points", "--slow-q", "-1"],
            "--slow-q -1 is out of range",
        ),
    ];
    for (args, want) in cases {
        let (code, err) = run_fail(args);
        assert_eq!(code, 2, "{args:?}: exit code, stderr {err}");
        assert_eq!(
            err.trim_end().lines().count(),
            1,
            "{args:?}: one line, got {err}"
        );
        assert!(
            err.starts_with("error: ") && err.contains(want),
            "{args:?}: wanted {want:?} in {err:?}"
        );
    }
    assert!(!out.exists(), "no file is written on bad arguments");
    assert!(run(&["help"]).status.success());
}

#[test]
fn damaged_files_are_rejected_with_a_message() {
    let dir = Scratch::new("cli", "damaged");
    let net = train_tiny(&dir, "good.net", "1");
    let good = std::fs::read(&net).unwrap();
    let mut flipped = good.clone();
    let mid = flipped.len() - 40;
    flipped[mid] ^= 0x01;
    let mut newer = good.clone();
    newer[8] = 9;
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("flipped.net", flipped, "corrupted: checksum"),
        ("short.net", good[..good.len() / 2].to_vec(), "truncated"),
        (
            "text.net",
            b"hello, this is not a network".to_vec(),
            "not a Flip-Flop Lab network file",
        ),
        ("empty.net", Vec::new(), "truncated"),
        ("newer.net", newer, "newer than this program reads"),
    ];
    for (name, bytes, want) in cases {
        let p = dir.path(name);
        std::fs::write(&p, bytes).unwrap();
        for cmd in ["eval", "analyze"] {
            let (code, err) = run_fail(&[cmd, p.to_str().unwrap()]);
            assert_eq!(code, 1, "{name}");
            assert!(
                err.contains(want) && err.contains(name),
                "{cmd} {name}: wanted {want:?} in {err:?}"
            );
            assert_eq!(err.trim_end().lines().count(), 1);
        }
    }
    let nowhere = dir.path("no/such/folder/x.net");
    let (code, err) = run_fail(&[
        "train",
        "--hidden",
        "4",
        "--steps",
        "1",
        "--out",
        nowhere.to_str().unwrap(),
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("folder does not exist"), "{err}");
    let (code, err) = run_fail(&["eval", dir.path("missing.net").to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(err.contains("missing.net"), "{err}");
}

#[test]
fn bench_reports_the_reference_workload() {
    let j = run_json(&["bench", "--reps", "10", "--warmup", "1"]);
    assert_eq!(j["workload"]["trials"], 128);
    assert_eq!(j["workload"]["trial_len"], 350);
    assert_eq!(j["workload"]["hidden"], 100);
    assert_eq!(j["workload"]["bits"], 3);
    assert_eq!(j["reps"], 10);
    for key in [
        "train_step_ms",
        "forward_ms",
        "batch_gen_ms",
        "train_gflops_per_s",
    ] {
        let v = j[key].as_f64().unwrap_or(-1.0);
        assert!(v > 0.0 && v.is_finite(), "{key} = {v}");
    }
    assert!(j["train_step_ms"].as_f64() >= j["forward_ms"].as_f64());
}
