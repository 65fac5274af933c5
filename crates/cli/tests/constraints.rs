//! `flipflop train --dale/--dale-readout/--density/--no-autapses` and the `ei`/`mask` arrays
//! of `flipflop export` (issue 15).

use flipflop_core::model::{Dale, Sparsity};
use flipflop_core::Preset;
use flipflop_formats::netfile;
use ndarray::{Array1, Array2};
use ndarray_npy::NpzReader;

mod common;
use common::{run, run_json, stderr, Scratch};

#[test]
fn dale_flags_reach_the_saved_config_and_the_export() {
    let dir = Scratch::new("cli", "dale");
    let (net, npz) = (dir.path("d.net"), dir.path("d.npz"));
    let j = run_json(&[
        "train",
        "--hidden",
        "20",
        "--dale",
        "0.75",
        "--dale-readout",
        "--density",
        "0.5",
        "--no-autapses",
        "--steps",
        "5",
        "--seed",
        "4",
        "--out",
        net.to_str().unwrap(),
    ]);
    // --dale without --preset starts from the Dale preset; the other flags override it.
    assert_eq!(j["preset"], "dale");
    let f = netfile::decode(&std::fs::read(&net).unwrap()).unwrap();
    let c = &f.config.model.constraints;
    assert_eq!(
        c.dale,
        Some(Dale {
            excitatory: 0.75,
            readout: true,
            ..Dale::default()
        })
    );
    assert_eq!(
        c.sparsity,
        Some(Sparsity {
            density: 0.5,
            seed: 4
        })
    );
    assert!(c.no_self_connections);
    assert_eq!(f.config.model.hidden, 20);
    assert_eq!(
        f.config.train.lr,
        flipflop_core::Config::preset(Preset::Dale).train.lr
    );
    assert!(c.holds_network(&f.network));

    run_json(&[
        "export",
        net.to_str().unwrap(),
        "--npz",
        npz.to_str().unwrap(),
    ]);
    let mut r = NpzReader::new(std::fs::File::open(&npz).unwrap()).unwrap();
    let ei: Array1<f32> = r.by_name("ei").unwrap();
    let mask: Array2<f32> = r.by_name("mask").unwrap();
    let w: Array2<f32> = r.by_name("W_rec").unwrap();
    let w_out: Array2<f32> = r.by_name("W_out").unwrap();
    assert_eq!(ei.iter().filter(|s| **s == 1.0).count(), 15);
    assert_eq!(ei.iter().filter(|s| **s == -1.0).count(), 5);
    assert_eq!(mask.to_owned().into_raw_vec_and_offset().0, c.mask(20));
    for i in 0..20 {
        for j in 0..20 {
            assert!(w[[i, j]] * ei[j] >= 0.0, "W_rec[{i},{j}] against ei[{j}]");
            assert!(
                mask[[i, j]] == 1.0 || w[[i, j]] == 0.0,
                "masked W_rec[{i},{j}]"
            );
        }
    }
    // Excitatory readout: the inhibitory units' columns of W_out are zero.
    assert!(w_out
        .columns()
        .into_iter()
        .skip(15)
        .all(|c| c.iter().all(|v| *v == 0.0)));
}

#[test]
fn mask_seed_sets_the_masks_seed_apart_from_the_runs() {
    let dir = Scratch::new("cli", "maskseed");
    let net = dir.path("m.net");
    let args = |mask: &'static str| {
        let mut a = vec![
            "train",
            "--hidden",
            "16",
            "--density",
            "0.4",
            "--steps",
            "1",
            "--seed",
            "4",
        ];
        if !mask.is_empty() {
            a.extend(["--mask-seed", mask]);
        }
        a.extend(["--out", net.to_str().unwrap()]);
        a
    };
    let sparsity = |a: &[&str]| {
        run_json(a);
        let f = netfile::decode(&std::fs::read(&net).unwrap()).unwrap();
        assert!(f.config.model.constraints.holds_network(&f.network));
        f.config.model.constraints.sparsity.unwrap()
    };
    assert_eq!(sparsity(&args("")).seed, 4, "default: the run's seed");
    let s = sparsity(&args("9"));
    assert_eq!((s.seed, s.density), (9, 0.4));
    let big = sparsity(&args("18446744073709551615"));
    assert_eq!(big.seed, u64::MAX);
}

#[test]
fn out_of_range_constraint_flags_are_refused_before_training() {
    let dir = Scratch::new("cli", "dalebad");
    let out = dir.path("x.net");
    let o = out.to_str().unwrap();
    let cases: &[(&[&str], &str)] = &[
        (&["train", "--dale", "1", "--out", o], "--dale 1 is out of range (allowed: 0.01 to 0.99)"),
        (&["train", "--dale", "0", "--out", o], "--dale 0 is out of range (allowed: 0.01 to 0.99)"),
        (&["train", "--dale", "most", "--out", o], "--dale expects a number from 0.01 to 0.99"),
        (&["train", "--density", "0", "--out", o], "--density 0 is out of range (allowed: 0.01 to 1)"),
        (&["train", "--density", "1.5", "--out", o], "--density 1.5 is out of range (allowed: 0.01 to 1)"),
        (&["train", "--dale-readout", "--out", o], "--dale-readout and --dale-inputs are options of Dale's law"),
        (
            &["train", "--dale", "0.96", "--hidden", "10", "--out", o],
            "--dale 0.96 is out of range (allowed: a fraction that leaves at least one excitatory and one inhibitory unit among 10",
        ),
        (&["train", "--preset", "dal", "--out", o], "--preset must be 'default', 'paper' or 'dale', got 'dal'"),
        (&["train", "--mask-seed", "3", "--out", o], "--mask-seed seeds the sparse connectivity mask: add --density P below 1"),
        (&["train", "--density", "1", "--mask-seed", "3", "--out", o], "--mask-seed seeds the sparse connectivity mask"),
        (&["train", "--density", "0.5", "--mask-seed", "-1", "--out", o], "--mask-seed"),
        (&["train", "--density", "0.5", "--mask-seed", "18446744073709551616", "--out", o], "--mask-seed"),
    ];
    for (args, want) in cases {
        let o = run(args);
        let err = stderr(&o);
        assert!(!o.status.success(), "{args:?} should fail");
        assert!(!err.contains("panicked"), "{args:?} panicked: {err}");
        assert!(err.contains(want), "{args:?}: {err}");
        assert!(!out.exists(), "{args:?} wrote a file");
    }
}
