//! `flipflop compare` end to end: the JSON the issue specifies, a link compared with the file
//! it was made from (distance 0), the readable form, and bad input.

use serde_json::Value;

mod common;
use common::{run, run_json, Scratch};

fn data(rel: &str) -> String {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(rel)
        .to_str()
        .unwrap()
        .to_string()
}

fn fails(args: &[&str], code: i32, words: &str) {
    let o = run(args);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(code), "{args:?}: {err}");
    assert!(!err.contains("panicked"), "{args:?} panicked: {err}");
    assert!(err.contains(words), "{args:?}: '{err}' lacks '{words}'");
}

fn matrix(v: &Value, k: usize) -> Vec<Vec<f64>> {
    let m: Vec<Vec<f64>> = serde_json::from_value(v.clone()).unwrap();
    assert_eq!(m.len(), k);
    assert!(m.iter().all(|r| r.len() == k));
    m
}

#[test]
fn compares_files_and_links_as_json_and_text() {
    let seed2 = data("crates/core/tests/data/seed2_5000.net");
    let shipped = data("web/assets/pretrained.net");
    let link = run_json(&["link", &seed2, "--kind", "exact"])["link"]
        .as_str()
        .unwrap()
        .to_string();
    let args = [
        "compare", &seed2, &shipped, &link, "--json", "--starts", "64",
    ];
    let j = run_json(&args);
    for name in ["procrustes", "cka"] {
        let m = matrix(&j["distances"][name], 3);
        for (i, row) in m.iter().enumerate() {
            assert_eq!(row[i], 0.0, "{name}");
            for (k, d) in row.iter().enumerate() {
                assert_eq!(*d, m[k][i], "{name}");
            }
        }
        // The link holds the same network as the file: bit-identical states, so 0 up to the
        // SVD's rounding (√(2 − 2Σσ) turns 1e-15 into ~3e-8).
        assert!(m[0][2] < 1e-6, "{name}: {m:?}");
        // Two realizations (seeds 2 and the shipped one) are clearly apart.
        assert!(m[0][1] > 1e-2, "{name}: {m:?}");
        assert_eq!(j["mds"][name].as_array().unwrap().len(), 3);
    }
    let nets = j["networks"].as_array().unwrap();
    assert_eq!(nets.len(), 3);
    for n in nets {
        assert_eq!(n["hidden"], 128);
        let radius = n["spectral_radius"].as_f64().unwrap();
        let outside = n["outside_unit_circle"].as_array().unwrap();
        assert!(radius > 1.0 && !outside.is_empty(), "{n}");
        for z in outside {
            let (re, im) = (z[0].as_f64().unwrap(), z[1].as_f64().unwrap());
            assert!(re.hypot(im) > 1.0 && re.hypot(im) <= radius + 1e-12);
        }
        // Both shipped networks hold all 8 memories at stable points.
        assert!(n["fixed_points"]["stable"].as_u64().unwrap() >= 8, "{n}");
        assert_eq!(n["held_memories"].as_array().unwrap().len(), 8, "{n}");
        assert!(n["fixed_points"]["saddles"].as_u64().unwrap() > 0, "{n}");
        let by_index = n["fixed_points"]["saddles_by_index"].as_object().unwrap();
        let total: u64 = by_index.values().map(|v| v.as_u64().unwrap()).sum();
        assert_eq!(total, n["fixed_points"]["saddles"].as_u64().unwrap());
        for p in n["stable_points"].as_array().unwrap() {
            assert!(p["slowest_tau"].as_f64().unwrap() > 0.0);
        }
    }
    assert_eq!(nets[0]["held_memories"], nets[2]["held_memories"]);
    assert_eq!(nets[0]["fixed_points"], nets[2]["fixed_points"]);

    // The readable form: the table and both matrices.
    let o = run(&["compare", &seed2, &shipped, "--starts", "64"]);
    assert!(o.status.success());
    let text = String::from_utf8(o.stdout).unwrap();
    for words in [
        "2 networks",
        "Procrustes shape distance",
        "1 − linear CKA",
        "MDS map",
        "pretrained.net",
    ] {
        assert!(text.contains(words), "{words} missing from:\n{text}");
    }
}

#[test]
fn bad_input_gets_a_message() {
    let dir = Scratch::new("compare", "bad");
    let seed2 = data("crates/core/tests/data/seed2_5000.net");
    fails(&["compare", &seed2], 2, "compare needs 2 to 16 networks");
    fails(&["compare"], 2, "got 0");
    let missing = dir.file("nothing.net");
    fails(
        &["compare", &seed2, &missing],
        1,
        "no such file, and not a share link",
    );
    let junk = dir.file("junk.net");
    std::fs::write(&junk, b"hello, not a network").unwrap();
    fails(&["compare", &seed2, &junk], 1, "junk.net");
    let recipe = run_json(&["link", &seed2, "--kind", "recipe"])["link"]
        .as_str()
        .unwrap()
        .to_string();
    fails(&["compare", &seed2, &recipe], 1, "recipe, not weights");
    // A network of another task (2 bits) is refused before the fixed-point search.
    let two = dir.file("two.net");
    run_json(&[
        "train", "--hidden", "12", "--bits", "2", "--steps", "3", "--out", &two,
    ]);
    fails(&["compare", &seed2, &two], 1, "2 bits, not 3");
    fails(&["compare", &seed2, &seed2, "--starts", "0"], 2, "--starts");
}
