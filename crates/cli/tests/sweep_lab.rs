//! A sweep made by the CLI, read back by the lab's reader (`flipflop_formats::sweep`, what the
//! worker runs when a sweep is opened in the page): every row agrees with the run's record,
//! every network file is matched to its row, and `sweep.json` records the code version.

use flipflop_formats::sweep::{self, RunStatus};
use serde_json::Value;
use std::process::Command;

mod common;
use common::{run_json, Scratch};

/// The git commit of the source tree, if this is a git checkout with git installed.
fn git_head() -> Option<String> {
    let o = Command::new("git")
        .args(["rev-parse", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()?;
    let s = String::from_utf8(o.stdout).ok()?.trim().to_string();
    (o.status.success() && s.len() == 40).then_some(s)
}

#[test]
fn a_cli_sweep_opens_in_the_lab_reader_row_for_row() {
    let scratch = Scratch::new("sweeplab", "read");
    let dir = scratch.file("s");
    run_json(&[
        "sweep",
        "--grid",
        "hidden=8,10",
        "--grid",
        "lr=0.01,0.02",
        "--seeds",
        "1..1",
        "--steps",
        "5",
        "--jobs",
        "2",
        "--out",
        &dir,
    ]);

    // sweep.json: the code version is the commit the binary was built from (or the package
    // version outside a git checkout).
    let meta: Value =
        serde_json::from_slice(&std::fs::read(scratch.path("s/sweep.json")).unwrap()).unwrap();
    let code = meta["code_version"]
        .as_str()
        .expect("code_version recorded");
    match git_head() {
        Some(head) => assert_eq!(code, head),
        None => assert_eq!(code, env!("CARGO_PKG_VERSION")),
    }

    // summary.csv with every network file, as the page passes chosen files.
    let mut files: Vec<(String, Vec<u8>)> = vec![(
        "summary.csv".into(),
        std::fs::read(scratch.path("s/summary.csv")).unwrap(),
    )];
    for e in std::fs::read_dir(scratch.path("s")).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "net") {
            let name = p.file_name().unwrap().to_str().unwrap().to_string();
            files.push((name, std::fs::read(&p).unwrap()));
        }
    }
    assert_eq!(files.len(), 5, "four network files");
    let refs: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    let s = sweep::open(&refs).unwrap();
    assert_eq!(s.grid, ["hidden", "lr"]);
    assert_eq!(s.grid_numeric, [true, true]);
    assert_eq!(s.rows.len(), 4);
    assert!(s.notes.is_empty(), "{:?}", s.notes);
    for row in &s.rows {
        let rec: Value = serde_json::from_slice(
            &std::fs::read(scratch.path(&format!("s/runs/{}.json", row.name))).unwrap(),
        )
        .unwrap();
        let m = &rec["measures"];
        assert_eq!(row.status, RunStatus::Ok);
        assert_eq!(Some(row.index), rec["index"].as_u64());
        assert_eq!(Some(row.seed), rec["seed"].as_u64());
        assert_eq!(row.steps, Some(5));
        assert_eq!(row.stopped.as_deref(), Some("steps"));
        assert_eq!(row.solved, m["solved"].as_bool());
        // The CSV prints f32s in their shortest form, the record widens them to f64.
        assert_eq!(
            row.accuracy.map(|a| a as f32),
            m["accuracy"].as_f64().map(|a| a as f32)
        );
        assert_eq!(
            row.mse.map(|a| a as f32),
            m["mse"].as_f64().map(|a| a as f32)
        );
        assert_eq!(row.spectral_radius, m["spectral_radius"].as_f64());
        assert_eq!(row.outside_unit_circle, m["outside_unit_circle"].as_u64());
        assert_eq!(row.stable_fixed_points, m["stable_fixed_points"].as_u64());
        assert_eq!(row.saddles, m["saddles"].as_u64());
        for (k, v) in s.grid.iter().zip(&row.params) {
            assert_eq!(Some(v.text.as_str()), rec["params"][k].as_str());
            assert_eq!(v.number, v.text.parse().ok());
        }
        // The row's network is its own file, and it is the network trained for the row.
        let file = row.file.as_deref().unwrap();
        let bytes = row.network.as_ref().expect("network attached");
        assert_eq!(
            bytes,
            &std::fs::read(scratch.path(&format!("s/{file}"))).unwrap()
        );
        let net = flipflop_formats::netfile::decode(bytes).unwrap();
        assert_eq!(Some(net.config.model.hidden as f64), row.params[0].number);
        assert_eq!(net.config.seed, row.seed);
    }
}
