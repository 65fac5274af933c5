//! Golden fixtures: links and files made by the lab's code as it was before the redesign
//! (commit 1795ea9, the `flipflop` CLI; `tests/data/golden/make.sh` is the exact recipe).
//! Whatever moves inside the crates, these must keep opening to the same networks: a link a
//! teacher sent last term still opens the same weights today.
//!
//! Two networks: `default` (preset default, N 12, 3 bits, seed 5, 20 steps on 60-step training
//! trials) and `paper` (preset paper, N 8, 2 bits, seed 9, 10 steps on 30-step training trials). For each:
//! `net.net` (network file), `exact.txt` / `compact.txt` / `recipe.txt` (share links),
//! `compact.net` (what the compact link decoded to then), `recipe.json` (what `flipflop open`
//! printed for the recipe then: config and steps), `export.json` / `export.npz`
//! (`flipflop export`).

use flipflop_core::{Config, Network};
use flipflop_formats::import::{import, ImportFormat};
use flipflop_formats::link::{decode_link, LinkKind};
use flipflop_formats::netfile;
use std::path::PathBuf;

fn data(name: &str, file: &str) -> Vec<u8> {
    let p: PathBuf = [
        env!("CARGO_MANIFEST_DIR"),
        "tests",
        "data",
        "golden",
        name,
        file,
    ]
    .iter()
    .collect();
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn text(name: &str, file: &str) -> String {
    String::from_utf8(data(name, file)).unwrap()
}

/// Bit patterns of every parameter, so that "same weights" means bit for bit.
fn bits(net: &Network) -> Vec<u32> {
    net.params()
        .iter()
        .flat_map(|p| p.iter().map(|v| v.to_bits()))
        .collect()
}

const NAMES: [&str; 2] = ["default", "paper"];

#[test]
fn network_files_decode_to_the_exported_weights() {
    for name in NAMES {
        let f = netfile::decode(&data(name, "net.net")).unwrap();
        let exported: serde_json::Value =
            serde_json::from_slice(&data(name, "export.json")).unwrap();
        // The JSON export was written from the same file by the old code: config and steps agree.
        let cfg: Config = serde_json::from_value(exported["config"].clone()).unwrap();
        assert_eq!(cfg, f.config, "{name}");
        assert_eq!(f.network.config, f.config.model, "{name}");
        let w_rec: Vec<f32> = exported["W_rec"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|row| {
                row.as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_f64().unwrap() as f32)
            })
            .collect();
        let n = f.network.config.hidden;
        assert_eq!(w_rec.len(), n * n, "{name}");
        // The export's W_rec is our own W_rec as stored (row i: inputs of unit i).
        assert_eq!(w_rec, f.network.w_rec, "{name}");
    }
}

#[test]
fn old_config_json_still_decodes() {
    // The old files spell the trial length `steps` and `train_steps`; today's names are
    // `trial_len` and `train_trial_len`. Both spellings must give the same config.
    for name in NAMES {
        let f = netfile::decode(&data(name, "net.net")).unwrap();
        let recipe: serde_json::Value = serde_json::from_slice(&data(name, "recipe.json")).unwrap();
        let raw = serde_json::to_string(&recipe["config"]).unwrap();
        assert!(
            raw.contains("\"steps\""),
            "{name}: fixture should use the old spelling"
        );
        let cfg: Config = serde_json::from_str(&raw).unwrap();
        assert_eq!(cfg, f.config, "{name}");
        assert_eq!(cfg.task.trial_len, 340, "{name}");
        assert_eq!(
            cfg.train.train_trial_len,
            if name == "paper" { 30 } else { 60 },
            "{name}"
        );
    }
}

#[test]
fn exact_links_give_the_file_bit_for_bit() {
    for name in NAMES {
        let f = netfile::decode(&data(name, "net.net")).unwrap();
        let d = decode_link(text(name, "exact.txt").trim()).unwrap();
        assert_eq!(d.kind, LinkKind::Exact, "{name}");
        assert_eq!(d.config, f.config, "{name}");
        assert_eq!(d.steps, f.steps, "{name}");
        assert_eq!(
            bits(d.network.as_ref().unwrap()),
            bits(&f.network),
            "{name}"
        );
    }
}

#[test]
fn compact_links_give_the_same_quantised_weights_as_before() {
    for name in NAMES {
        let then = netfile::decode(&data(name, "compact.net")).unwrap();
        let d = decode_link(text(name, "compact.txt").trim()).unwrap();
        assert_eq!(d.kind, LinkKind::Compact, "{name}");
        assert_eq!(d.config, then.config, "{name}");
        assert_eq!(d.steps, then.steps, "{name}");
        assert_eq!(
            bits(d.network.as_ref().unwrap()),
            bits(&then.network),
            "{name}"
        );
    }
}

#[test]
fn recipe_links_give_the_same_config_and_steps() {
    for name in NAMES {
        let recipe: serde_json::Value = serde_json::from_slice(&data(name, "recipe.json")).unwrap();
        let cfg: Config = serde_json::from_value(recipe["config"].clone()).unwrap();
        let d = decode_link(text(name, "recipe.txt").trim()).unwrap();
        assert_eq!(d.kind, LinkKind::Recipe, "{name}");
        assert!(d.network.is_none(), "{name}");
        assert_eq!(d.config, cfg, "{name}");
        assert_eq!(d.steps, recipe["steps_trained"].as_u64().unwrap(), "{name}");
    }
}

#[test]
fn exports_import_to_the_same_weights() {
    for name in NAMES {
        let f = netfile::decode(&data(name, "net.net")).unwrap();
        let js = import(&data(name, "export.json")).unwrap();
        assert_eq!(js.format, ImportFormat::Json, "{name}");
        assert_eq!(js.config, f.config, "{name}");
        assert_eq!(bits(&js.network), bits(&f.network), "{name}");
        let npz = import(&data(name, "export.npz")).unwrap();
        assert_eq!(npz.format, ImportFormat::Npz, "{name}");
        assert_eq!(bits(&npz.network), bits(&f.network), "{name}");
    }
}
