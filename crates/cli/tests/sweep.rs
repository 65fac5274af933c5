//! `flipflop sweep` and `flipflop summary` end to end on tiny networks (a few training steps
//! each): the summary agrees with `eval` and `analyze` of every file, resuming re-runs only
//! what is missing, a failing run is recorded, bad grids are refused with a clear message,
//! and the Slurm batch script runs one array task.

use serde_json::Value;
use std::collections::HashMap;
use std::path::Path;
use std::process::Command;

mod common;
use common::{run, run_json, stderr, Scratch};

/// `summary.csv` as one map per row (header → field). Our fields never need quoting here.
fn read_csv(path: &Path) -> Vec<HashMap<String, String>> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let head: Vec<String> = lines.next().unwrap().split(',').map(String::from).collect();
    lines
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            assert_eq!(f.len(), head.len(), "row {l}");
            head.iter()
                .cloned()
                .zip(f.iter().map(|s| s.to_string()))
                .collect()
        })
        .collect()
}

fn num(row: &HashMap<String, String>, col: &str) -> f64 {
    row[col]
        .parse()
        .unwrap_or_else(|_| panic!("{col} = '{}' is not a number", row[col]))
}

/// A CSV field and a JSON number written from the same f32 (the CSV prints the f32's
/// shortest form, the JSON its f64 widening): equal as f32.
fn same_f32(csv: &str, json: &Value) -> bool {
    csv.parse::<f32>().unwrap() == json.as_f64().unwrap() as f32
}

const GRID: &[&str] = &[
    "sweep",
    "--grid",
    "hidden=4,6",
    "--grid",
    "lr=0.01,0.02",
    "--seeds",
    "1..3",
    "--steps",
    "6",
    "--eval-every",
    "3",
    "--jobs",
    "2",
];

fn sweep_args<'a>(dir: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut a: Vec<&str> = GRID.to_vec();
    a.extend(["--out", dir]);
    a.extend(extra);
    a
}

#[test]
fn a_2x2x3_sweep_agrees_with_eval_and_analyze_and_resumes_only_what_is_missing() {
    let scratch = Scratch::new("sweep", "grid");
    let dir = scratch.file("s");
    let j = run_json(&sweep_args(&dir, &[]));
    assert_eq!(j["runs"], 12);
    assert_eq!(j["finished"], 12);
    assert_eq!(j["failed"].as_array().unwrap().len(), 0);
    assert_eq!(j["ran"].as_array().unwrap().len(), 12);
    assert_eq!(j["jobs"], 2);

    let rows = read_csv(&scratch.path("s/summary.csv"));
    assert_eq!(rows.len(), 12);
    let mut names: Vec<&str> = rows.iter().map(|r| r["name"].as_str()).collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), 12, "every run has its own name");
    for row in &rows {
        let net = scratch.file(&format!("s/{}", row["file"]));
        assert_eq!(row["status"], "ok");
        assert_eq!(
            row["name"],
            format!(
                "hidden-{}_lr-{}_seed-{}",
                row["hidden"], row["lr"], row["seed"]
            )
        );
        assert!(num(row, "seconds") > 0.0);
        let e = run_json(&["eval", &net]);
        assert_eq!(num(row, "steps"), 6.0);
        assert_eq!(e["steps_trained"], 6);
        assert!(same_f32(&row["accuracy"], &e["accuracy"]), "{row:?} vs {e}");
        assert!(same_f32(&row["mse"], &e["mse"]), "{row:?} vs {e}");
        assert_eq!(row["solved"], e["solved"].to_string());
        let a = run_json(&["analyze", &net, "--fixed-points"]);
        assert_eq!(a["hidden"].to_string(), row["hidden"]);
        assert_eq!(
            num(row, "spectral_radius"),
            a["spectral_radius"].as_f64().unwrap()
        );
        let outside = a["eigenvalues"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|z| z[0].as_f64().unwrap().hypot(z[1].as_f64().unwrap()) > 1.0)
            .count();
        assert_eq!(num(row, "outside_unit_circle") as usize, outside);
        let c = &a["fixed_point_counts"];
        assert_eq!(
            num(row, "stable_fixed_points"),
            c["stable"].as_f64().unwrap()
        );
        assert_eq!(num(row, "saddles"), c["saddles"].as_f64().unwrap());
    }
    // The seeds and grid values reach the files.
    let f = flipflop_formats::netfile::decode(
        &std::fs::read(scratch.path("s/hidden-6_lr-0.02_seed-3.net")).unwrap(),
    )
    .unwrap();
    assert_eq!((f.config.seed, f.config.model.hidden), (3, 6));
    assert_eq!(f.config.train.lr, 0.02);

    // The aggregate: four grid points of three finished runs each.
    let s = run_json(&["summary", &dir]);
    let points = s["points"].as_array().unwrap();
    assert_eq!(points.len(), 4);
    for p in points {
        assert_eq!(
            (p["runs"].as_u64(), p["finished"].as_u64()),
            (Some(3), Some(3))
        );
        assert_eq!(p["median_steps"], 6.0);
    }
    assert_eq!(points[3]["params"]["hidden"], "6");
    assert_eq!(points[3]["params"]["lr"], "0.02");

    // Resume: only the two deleted networks are trained again, to the same weights.
    let gone = ["hidden-4_lr-0.02_seed-2", "hidden-6_lr-0.01_seed-1"];
    let before = std::fs::read(scratch.path(&format!("s/{}.net", gone[0]))).unwrap();
    let kept = std::fs::read(scratch.path("s/runs/hidden-4_lr-0.01_seed-1.json")).unwrap();
    for g in gone {
        std::fs::remove_file(scratch.path(&format!("s/{g}.net"))).unwrap();
    }
    let c = run_json(&["sweep", "--collect", &dir]);
    let mut missing: Vec<&str> = c["missing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    missing.sort();
    assert_eq!(missing, gone);
    assert_eq!(read_csv(&scratch.path("s/summary.csv")).len(), 10);

    let j = run_json(&sweep_args(&dir, &[]));
    let mut ran: Vec<&str> = j["ran"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    ran.sort();
    assert_eq!(ran, gone);
    assert_eq!(j["skipped"], 10);
    assert_eq!(j["finished"], 12);
    assert_eq!(
        std::fs::read(scratch.path(&format!("s/{}.net", gone[0]))).unwrap(),
        before
    );
    assert_eq!(
        std::fs::read(scratch.path("s/runs/hidden-4_lr-0.01_seed-1.json")).unwrap(),
        kept
    );
    let again = read_csv(&scratch.path("s/summary.csv"));
    assert_eq!(again.len(), 12);
    for (a, b) in rows.iter().zip(&again) {
        for col in [
            "name",
            "accuracy",
            "mse",
            "spectral_radius",
            "stable_fixed_points",
            "saddles",
        ] {
            assert_eq!(a[col], b[col], "{col} of {}", a["name"]);
        }
    }

    // Another grid into the same folder is refused, and nothing changes.
    let o = run(&[
        "sweep", "--grid", "hidden=5", "--seeds", "1", "--steps", "6", "--out", &dir,
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("holds a different sweep"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_failing_run_is_recorded_with_its_error_and_retried_on_resume() {
    let scratch = Scratch::new("sweep", "fail");
    let dir = scratch.file("s");
    let args = [
        "sweep", "--grid", "hidden=4", "--seeds", "1..2", "--steps", "3", "--out", &dir,
    ];
    // A folder where run 1's network file should go: writing it fails.
    std::fs::create_dir_all(scratch.path("s/hidden-4_seed-2.net/x")).unwrap();
    let o = run(&args);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("1 of 2 runs failed"), "{}", stderr(&o));
    let j: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["finished"], 1);
    assert_eq!(j["failed"][0]["name"], "hidden-4_seed-2");
    let rows = read_csv(&scratch.path("s/summary.csv"));
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["status"], "ok");
    assert_eq!(rows[1]["status"], "failed");
    assert!(rows[1]["error"].contains("cannot write"), "{:?}", rows[1]);
    assert_eq!(rows[1]["steps"], "3", "training itself got through");
    let rec: Value = serde_json::from_slice(
        &std::fs::read(scratch.path("s/runs/hidden-4_seed-2.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(rec["status"], "failed");
    let s = run_json(&["summary", &dir]);
    assert_eq!(
        (s["finished"].as_u64(), s["failed"].as_u64()),
        (Some(1), Some(1))
    );

    std::fs::remove_dir_all(scratch.path("s/hidden-4_seed-2.net")).unwrap();
    let j = run_json(&args);
    assert_eq!(j["ran"], serde_json::json!(["hidden-4_seed-2"]));
    assert_eq!(j["finished"], 2);
}

/// Runs a sweep that must be refused; returns stderr.
fn refused(dir: &str, extra: &[&str]) -> String {
    let mut a = vec!["sweep", "--out", dir];
    a.extend(extra);
    let o = run(&a);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{a:?}: {err}");
    assert!(!err.contains("panicked"));
    assert!(!Path::new(dir).exists(), "{a:?} wrote {dir}");
    err
}

#[test]
fn bad_grid_keys_and_values_are_refused_before_anything_runs() {
    let scratch = Scratch::new("sweep", "bad");
    let dir = scratch.file("s");
    let s = ["--seeds", "1..2", "--steps", "3"];
    let with = |g: &[&'static str]| -> Vec<&'static str> { [g, &s[..]].concat() };
    assert!(refused(&dir, &with(&["--grid", "hiden=4,8"])).contains("unknown grid key 'hiden'"));
    assert!(refused(&dir, &with(&["--grid", "hidden=8,1"]))
        .contains("grid point hidden=1: --hidden 1 is out of range"));
    assert!(refused(&dir, &with(&["--grid", "lr=0.1,2"]))
        .contains("grid point lr=2: --lr 2 is out of range"));
    assert!(refused(&dir, &with(&["--grid", "cell=gru,rnn"])).contains("--cell must be"));
    assert!(refused(&dir, &with(&["--grid", "seed=1,2"])).contains("--seeds A..B"));
    assert!(refused(&dir, &with(&["--grid", "hidden=4,,8"])).contains("an empty value"));
    assert!(refused(&dir, &with(&["--grid", "hidden=4,4"])).contains("listed twice"));
    assert!(refused(&dir, &with(&["--grid", "no-autapses=yes"])).contains("true and false"));
    assert!(
        refused(&dir, &with(&["--grid", "hidden=4", "--grid", "hidden=8"])).contains("given twice")
    );
    assert!(refused(&dir, &with(&["--grid", "hidden"])).contains("expected KEY=V1,V2"));
    assert!(
        refused(&dir, &with(&["--grid", "dale-readout=true"])).contains("options of Dale's law")
    );
    assert!(refused(&dir, &["--grid", "hidden=4", "--seeds", "3..1"]).contains("must not exceed"));
    assert!(refused(&dir, &["--grid", "hidden=4"]).contains("--seeds A..B is required"));
    assert!(
        refused(&dir, &with(&["--grid", "hidden=4", "--only-index", "2"]))
            .contains("--only-index 2 is out of range: the sweep has 2 runs")
    );
    assert!(
        refused(&dir, &with(&["--grid", "hidden=4", "--partition", "x"])).contains("add --slurm")
    );
    assert!(refused(&dir, &with(&["--grid", "hidden=4", "--jobs", "0"])).contains("--jobs 0"));
}

#[test]
fn the_slurm_script_is_a_job_array_whose_tasks_run_one_run_each() {
    let scratch = Scratch::new("sweep", "sbatch");
    let dir = scratch.file("s");
    let j = run_json(&[
        "sweep",
        "--grid",
        "hidden=4,5",
        "--seeds",
        "7..8",
        "--steps",
        "3",
        "--out",
        &dir,
        "--slurm",
        "--dry-run",
        "--partition",
        "short",
        "--time",
        "0:10:00",
        "--mem",
        "1G",
        "--max-parallel",
        "2",
        "--sbatch-arg=--account=lab",
    ]);
    assert_eq!(j["runs"], 4);
    assert_eq!(j["dry_run"], true);
    let script = std::fs::read_to_string(scratch.path("s/sweep.sbatch")).unwrap();
    for line in [
        "#SBATCH --array=0-3%2",
        "#SBATCH --cpus-per-task=1",
        "#SBATCH --partition=short",
        "#SBATCH --time=0:10:00",
        "#SBATCH --mem=1G",
        "#SBATCH --account=lab",
    ] {
        assert!(
            script.lines().any(|l| l == line),
            "no '{line}' in:\n{script}"
        );
    }
    assert!(script.contains(
        "--grid 'hidden=4,5' --seeds 7..8 --steps 3 --only-index \"$SLURM_ARRAY_TASK_ID\""
    ));
    assert!(
        !scratch.path("s/hidden-5_seed-7.net").exists(),
        "a dry run trains nothing"
    );

    // What array task 2 does: run 2 only.
    let o = Command::new("bash")
        .arg(scratch.path("s/sweep.sbatch"))
        .env("SLURM_ARRAY_TASK_ID", "2")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let r: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(r["record"]["name"], "hidden-5_seed-7");
    assert_eq!(r["record"]["status"], "ok");
    let c = run_json(&["sweep", "--collect", &dir]);
    assert_eq!(c["finished"], 1);
    assert_eq!(c["missing"].as_array().unwrap().len(), 3);
}
