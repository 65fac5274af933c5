//! `flipflop link`, `open` and `import` end to end: round trips through the binary, and bad
//! input gives a message and a non-zero exit, never a panic.

use flipflop_formats::netfile;

mod common;
use common::{run, run_json as ok_json, Scratch};

fn fails(args: &[&str], words: &str) {
    let o = run(args);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success(), "{args:?} should fail");
    assert!(!err.contains("panicked"), "{args:?} panicked: {err}");
    assert!(err.contains(words), "{args:?}: '{err}' lacks '{words}'");
}

fn tiny(dir: &Scratch) -> String {
    let net = dir.file("a.net");
    ok_json(&[
        "train", "--hidden", "12", "--steps", "5", "--seed", "4", "--out", &net,
    ]);
    net
}

#[test]
fn link_and_open_round_trip() {
    let dir = Scratch::new("link", "link");
    let net = tiny(&dir);
    let original = std::fs::read(&net).unwrap();
    // Exact: identical file.
    let j = ok_json(&["link", &net]);
    let link = j["link"].as_str().unwrap().to_string();
    assert!(
        link.starts_with("http://127.0.0.1:8080/#net=RkZM"),
        "{link}"
    );
    assert_eq!(j["chars"].as_u64().unwrap() as usize, link.len());
    let back = dir.file("back.net");
    let o = ok_json(&["open", &link, "--out", &back]);
    assert_eq!(o["kind"], "exact");
    assert_eq!(std::fs::read(&back).unwrap(), original);
    // Compact: same shapes and config, close weights; --base and --plain.
    let o = run(&[
        "link",
        &net,
        "--kind",
        "compact",
        "--base",
        "https://lab.example/x",
        "--plain",
    ]);
    assert!(o.status.success());
    let plain = String::from_utf8(o.stdout).unwrap();
    assert!(plain.starts_with("https://lab.example/x#net="), "{plain}");
    let c = dir.file("compact.net");
    assert_eq!(
        ok_json(&["open", plain.trim(), "--out", &c])["kind"],
        "compact"
    );
    let (a, b) = (
        netfile::decode(&original).unwrap(),
        netfile::decode(&std::fs::read(&c).unwrap()).unwrap(),
    );
    assert_eq!((a.config, a.steps), (b.config, b.steps));
    // Recipe: prints the config; --train retrains the same network (same steps, same seed).
    let r = ok_json(&["link", &net, "--kind", "recipe"]);
    let recipe = r["link"].as_str().unwrap();
    let o = ok_json(&["open", recipe]);
    assert_eq!(o["kind"], "recipe");
    assert_eq!(o["config"]["model"]["hidden"], 12);
    let retrained = dir.file("retrained.net");
    ok_json(&["open", recipe, "--train", "--out", &retrained]);
    assert_eq!(std::fs::read(&retrained).unwrap(), original);
}

#[test]
fn bad_links_fail_with_a_message() {
    let dir = Scratch::new("link", "bad");
    let net = tiny(&dir);
    let link = ok_json(&["link", &net])["link"]
        .as_str()
        .unwrap()
        .to_string();
    let out = dir.file("x.net");
    let cut = &link[..link.len() - 20];
    fails(&["open", cut, "--out", &out], "this link was cut off");
    let mut altered = link.clone().into_bytes();
    let at = altered.len() - 40;
    altered[at] = if altered[at] == b'A' { b'B' } else { b'A' };
    fails(
        &["open", &String::from_utf8(altered).unwrap(), "--out", &out],
        "checksum",
    );
    fails(
        &["open", "https://example.com/#x=1", "--out", &out],
        "not a Flip-Flop Lab link",
    );
    fails(
        &["open", "net=RkZMCUV4eHh4eHh4eHh4", "--out", &out],
        "newer than this lab",
    );
    fails(&["open", &link], "give --out NET");
    fails(&["link", &net, "--kind", "tiny"], "--kind must be");
    fails(&["link", &dir.file("missing.net")], "missing.net");
    assert!(
        !std::path::Path::new(&out).exists(),
        "nothing written on failure"
    );
}

#[test]
fn import_round_trips_exports_and_refuses_garbage() {
    let dir = Scratch::new("link", "import");
    let net = tiny(&dir);
    let original = netfile::decode(&std::fs::read(&net).unwrap()).unwrap();
    let (npz, json) = (dir.file("w.npz"), dir.file("w.json"));
    ok_json(&["export", &net, "--npz", &npz, "--json", &json]);
    for (file, format) in [(&npz, "npz"), (&json, "json")] {
        let out = dir.file(&format!("from-{format}.net"));
        let j = ok_json(&["import", file, "--out", &out]);
        assert_eq!(j["format"], format);
        let back = netfile::decode(&std::fs::read(&out).unwrap()).unwrap();
        assert_eq!(
            back.network, original.network,
            "{format}: identical weights"
        );
    }
    let garbage = dir.file("garbage.bin");
    std::fs::write(&garbage, b"GIF89a not a network").unwrap();
    fails(
        &["import", &garbage, "--out", &dir.file("g.net")],
        "not a file Flip-Flop Lab can import",
    );
    let mut broken = std::fs::read(&npz).unwrap();
    broken.truncate(broken.len() / 2);
    std::fs::write(&garbage, &broken).unwrap();
    fails(
        &["import", &garbage, "--out", &dir.file("g.net")],
        "cannot read this npz file",
    );
    fails(&["import", &npz], "missing --out");
    // The paper's Keras file, when this machine has it.
    let paper = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/reference/paper-network/trained-epoch-20.hdf5"
    );
    if std::path::Path::new(paper).exists() {
        let out = dir.file("paper.net");
        let j = ok_json(&["import", paper, "--out", &out]);
        assert_eq!(
            (j["format"].as_str(), j["hidden"].as_u64()),
            (Some("keras-hdf5"), Some(400))
        );
        let a = ok_json(&["analyze", &out]);
        let rho = a["spectral_radius"].as_f64().unwrap();
        assert!((rho - 1.08).abs() < 0.02, "{rho}");
    } else {
        eprintln!("SKIPPED: {paper} is not on this machine");
    }
}

fn case(file: &str) -> String {
    let p = concat!(env!("CARGO_MANIFEST_DIR"), "/../formats/tests/data/cases/");
    std::fs::read_to_string(format!("{p}{file}")).unwrap()
}

#[test]
fn open_takes_links_as_mail_and_chat_tools_leave_them() {
    let dir = Scratch::new("link", "mangled");
    let mut nets = Vec::new();
    for (i, file) in [
        "link_percent_encoded.txt",
        "link_in_parentheses.txt",
        "link_nbsp_wrapped.txt",
    ]
    .iter()
    .enumerate()
    {
        let out = dir.file(&format!("{i}.net"));
        let j = ok_json(&["open", &case(file), "--out", &out]);
        assert_eq!(j["kind"], "compact", "{file}");
        assert_eq!(j["hidden"], 6, "{file}");
        nets.push(std::fs::read(&out).unwrap());
    }
    assert!(
        nets.windows(2).all(|w| w[0] == w[1]),
        "the same network each time"
    );
}

#[test]
fn a_recipe_for_2_pow_62_steps_is_refused_before_training() {
    let dir = Scratch::new("link", "steps");
    let out = dir.file("never.net");
    let t0 = std::time::Instant::now();
    fails(
        &[
            "open",
            case("recipe_2pow62_steps.txt").trim(),
            "--train",
            "--out",
            &out,
        ],
        "steps = 4611686018427387904 is out of range (allowed: 0..=10000000)",
    );
    assert!(t0.elapsed().as_secs() < 10, "refused at once");
    assert!(!std::path::Path::new(&out).exists());
}

#[test]
fn link_warns_when_a_link_is_longer_than_chat_tools_take() {
    let dir = Scratch::new("link", "long");
    let net = dir.file("wide.net");
    ok_json(&[
        "train", "--hidden", "48", "--steps", "1", "--seed", "3", "--out", &net,
    ]);
    let o = run(&["link", &net]);
    assert!(o.status.success());
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let chars = j["chars"].as_u64().unwrap();
    assert!(chars > 2_000, "{chars}");
    let w = j["warning"].as_str().expect("a warning");
    assert!(w.contains("chat and mail tools cut links"), "{w}");
    assert!(w.contains("a compact link is much shorter"), "{w}");
    assert!(String::from_utf8_lossy(&o.stderr).contains("warning: this link has"));
    // A recipe link is short: no warning.
    let r = ok_json(&["link", &net, "--kind", "recipe"]);
    assert!(r["warning"].is_null(), "{r}");
    // A compact link is never longer than the exact one.
    let c = ok_json(&["link", &net, "--kind", "compact"]);
    assert!(c["chars"].as_u64().unwrap() <= chars, "{c}");
}
