//! The reader against a real sweep (`tests/data/sweep/sweep.zip`, made by the CLI with
//! `make.sh` beside it: 2 × 2 × 2 runs, one failed), rearranged the ways people hand it over,
//! and a table of wrong inputs with what their message must name.

use super::*;
use std::io::Write;

const FIXTURE: &[u8] = include_bytes!("../../tests/data/sweep/sweep.zip");
const FAILED: &str = "hidden-8_lr-0.02_seed-2";

/// The fixture's files (path, bytes), folders left out.
fn members() -> Vec<(String, Vec<u8>)> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(FIXTURE)).unwrap();
    let mut out = Vec::new();
    for i in 0..zip.len() {
        let name = zip.name_for_index(i).unwrap().to_string();
        if !name.ends_with('/') {
            let b = super::zipped::member(&mut zip, i, &name, 1 << 20).unwrap();
            out.push((name, b));
        }
    }
    out
}

/// A stored zip of `files` with each path mapped by `rename` (`None` leaves it out).
fn rezip(files: &[(String, Vec<u8>)], rename: impl Fn(&str) -> Option<String>) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, bytes) in files {
        if let Some(n) = rename(name) {
            w.start_file(n, opts).unwrap();
            w.write_all(bytes).unwrap();
        }
    }
    w.finish().unwrap().into_inner()
}

fn file<'a>(files: &'a [(String, Vec<u8>)], base: &str) -> &'a [u8] {
    &files.iter().find(|(n, _)| n.ends_with(base)).unwrap().1
}

fn err(files: &[(&str, &[u8])]) -> String {
    open(files).unwrap_err().to_string()
}

/// The fixture as `zip -r` wrote it: 8 typed rows in sweep order, the failed run kept with
/// its error and no network, the 7 others with the network trained for them.
#[test]
fn the_cli_sweep_zip_opens_with_typed_rows_and_networks() {
    let s = open(&[("demo.zip", FIXTURE)]).unwrap();
    assert_eq!(s.source, "demo.zip");
    assert_eq!(s.grid, ["hidden", "lr"]);
    assert_eq!(s.grid_numeric, [true, true]);
    assert_eq!(s.rows.len(), 8);
    assert_eq!(
        s.rows.iter().map(|r| r.index).collect::<Vec<_>>(),
        (0..8).collect::<Vec<_>>()
    );
    let v = s.code_version.as_deref().unwrap();
    assert!(
        v.len() == 40 && v.bytes().all(|b| b.is_ascii_hexdigit()),
        "{v}"
    );
    assert!(s
        .command
        .as_deref()
        .unwrap()
        .contains("sweep --grid hidden=8,12"));
    for r in &s.rows {
        assert_eq!(r.steps, Some(5));
        assert_eq!(r.params[0].number, r.params[0].text.parse().ok());
        if r.name == FAILED {
            assert_eq!(r.status, RunStatus::Failed);
            assert!(r.error.as_deref().unwrap().contains("Is a directory"));
            assert_eq!((r.accuracy, r.solved, r.file.as_ref()), (None, None, None));
            assert!(r.network.is_none());
            continue;
        }
        assert_eq!(r.status, RunStatus::Ok);
        assert_eq!(r.error, None);
        assert!(r.accuracy.is_some_and(|a| (0.0..=1.0).contains(&a)));
        assert!(r.spectral_radius.is_some_and(|x| x > 0.0));
        assert_eq!(r.solved, Some(false));
        let net = netfile::decode(r.network.as_ref().expect("network")).unwrap();
        assert_eq!(Some(net.config.model.hidden as f64), r.params[0].number);
        assert_eq!(
            Some(net.config.train.lr as f64 as f32),
            r.params[1].number.map(|x| x as f32)
        );
        assert_eq!((net.config.seed, net.steps), (r.seed, 5));
    }
    assert!(s.notes.is_empty(), "{:?}", s.notes);
}

/// The same sweep at another depth, at the zip's root, with macOS' `__MACOSX` copies, and as
/// `summary.csv` with some of its network files: the same rows; networks only where given.
#[test]
fn any_folder_depth_or_summary_csv_with_chosen_files_gives_the_same_rows() {
    let files = members();
    let want = open(&[("a.zip", FIXTURE)]).unwrap().rows;
    let deep = rezip(&files, |n| Some(format!("home/me/runs/{n}")));
    let root = rezip(&files, |n| {
        Some(n.trim_start_matches("demo-sweep/").to_string())
    });
    let mut with_mac = files.clone();
    with_mac.push(("__MACOSX/demo-sweep/._summary.csv".into(), b"junk".to_vec()));
    let mac = rezip(&with_mac, |n| Some(n.to_string()));
    for z in [&deep, &root, &mac] {
        let s = open(&[("s.zip", z.as_slice())]).unwrap();
        assert_eq!(s.rows, want);
        assert!(s.code_version.is_some());
    }

    let csv = file(&files, "summary.csv");
    let alone = open(&[("summary.csv", csv)]).unwrap();
    assert_eq!(alone.rows.len(), 8);
    assert!(alone.rows.iter().all(|r| r.network.is_none()));
    let note = alone.rows[0].network_note.as_deref().unwrap();
    assert!(note.contains("not chosen"), "{note}");

    let a = "hidden-12_lr-0.01_seed-1.net";
    let b = "hidden-8_lr-0.02_seed-1.net";
    let s = open(&[
        ("my summary.csv", csv),
        (a, file(&files, a)),
        (b, file(&files, b)),
        ("notes.txt", b"hello"),
    ])
    .unwrap();
    assert_eq!(s.source, "my summary.csv + 3 network files");
    let with: Vec<&str> = s
        .rows
        .iter()
        .filter(|r| r.network.is_some())
        .map(|r| r.file.as_deref().unwrap())
        .collect();
    assert_eq!(with, [b, a]);
    for (r, w) in s.rows.iter().zip(&want) {
        if r.network.is_some() {
            assert_eq!(r, w);
        }
    }
    assert!(s.notes[0].contains("notes.txt"), "{:?}", s.notes);
}

/// A network file that is damaged (one byte changed) or absent leaves its row without a
/// network and says why; the other rows are unaffected.
#[test]
fn a_damaged_or_missing_network_file_is_noted_on_its_row() {
    let files = members();
    let victim = "hidden-12_lr-0.02_seed-1.net";
    let mut damaged = files.clone();
    for (n, b) in &mut damaged {
        if n.ends_with(victim) {
            let k = b.len() / 2;
            b[k] ^= 0x55;
        }
    }
    let z = rezip(&damaged, |n| Some(n.to_string()));
    let s = open(&[("s.zip", &z)]).unwrap();
    let row = s
        .rows
        .iter()
        .find(|r| r.file.as_deref() == Some(victim))
        .unwrap();
    assert!(row.network.is_none());
    assert!(row.network_note.as_deref().unwrap().contains(victim));
    assert_eq!(s.rows.iter().filter(|r| r.network.is_some()).count(), 6);
    assert!(s
        .notes
        .iter()
        .any(|n| n.contains("hidden-12_lr-0.02_seed-1")));

    let z = rezip(&files, |n| (!n.ends_with(victim)).then(|| n.to_string()));
    let s = open(&[("s.zip", &z)]).unwrap();
    let row = s
        .rows
        .iter()
        .find(|r| r.file.as_deref() == Some(victim))
        .unwrap();
    assert!(row
        .network_note
        .as_deref()
        .unwrap()
        .contains("not in the zip"));
}

/// Fields as the CLI quotes them (an error with a comma and quotes, RFC 4180), a byte-order
/// mark and CRLF line ends, and a text grid key.
#[test]
fn quoted_fields_bom_crlf_and_text_keys() {
    let head = "index,name,cell,seed,status,steps,seconds,stopped,solved,accuracy,mse,\
                spectral_radius,outside_unit_circle,stable_fixed_points,saddles,file,error";
    let text = format!(
        "\u{feff}{head}\r\n0,cell-gru_seed-1,gru,1,ok,10,0.5,solved,true,1,0.01,0.9,0,,,\
         cell-gru_seed-1.net,\r\n1,cell-lstm_seed-1,lstm,1,failed,,,,,,,,,,,,\"bad, \"\"very\"\" bad\"\r\n"
    );
    let s = open(&[("summary.csv", text.as_bytes())]).unwrap();
    assert_eq!(s.grid, ["cell"]);
    assert_eq!(s.grid_numeric, [false]);
    let (a, b) = (&s.rows[0], &s.rows[1]);
    assert_eq!(
        a.params[0],
        GridValue {
            text: "gru".into(),
            number: None
        }
    );
    assert_eq!(
        (a.solved, a.accuracy, a.stable_fixed_points),
        (Some(true), Some(1.0), None)
    );
    assert_eq!(b.status, RunStatus::Failed);
    assert_eq!(b.error.as_deref(), Some("bad, \"very\" bad"));
    assert_eq!((b.steps, b.file.as_ref()), (None, None));
}

/// Wrong input, each with the words its message must hold; none panics.
#[test]
fn wrong_input_names_what_is_missing() {
    let files = members();
    let csv = file(&files, "summary.csv");
    let net = file(&files, "hidden-8_lr-0.01_seed-1.net");
    let only_nets = rezip(&files, |n| n.ends_with(".net").then(|| n.to_string()));
    let mut doubled = files.clone();
    doubled.extend(
        files
            .iter()
            .map(|(n, b)| (n.replace("demo-sweep", "other"), b.clone())),
    );
    let two_sweeps = rezip(&doubled, |n| Some(n.to_string()));
    let text = String::from_utf8(csv.to_vec()).unwrap();
    let bad_steps = text.replacen(",ok,5,", ",ok,five,", 1);
    let short_row = format!("{text}9,x,8\n");
    let no_status = text.replace(",status,", ",state,");
    let many_rows = {
        let mut t = text.lines().next().unwrap().to_string() + "\n";
        let row = text.lines().nth(1).unwrap();
        for _ in 0..=MAX_ROWS {
            t += row;
            t += "\n";
        }
        t
    };
    type Case<'a> = (Vec<(&'a str, &'a [u8])>, &'a [&'a str]);
    // The end record declares 60,000 entries: refused before the directory is read.
    let mut crowded = FIXTURE.to_vec();
    let end = crowded.len() - 22;
    assert_eq!(&crowded[end..end + 4], b"PK\x05\x06");
    crowded[end + 10..end + 12].copy_from_slice(&60_000u16.to_le_bytes());
    let cases: Vec<Case> = vec![
        (
            vec![("crowded.zip", &crowded)],
            &["crowded.zip has 60000 entries", "50000"],
        ),
        (vec![], &["no file given"]),
        (
            vec![("picture.png", b"\x89PNG\r\n\x1a\n\0\0")],
            &["picture.png", "neither a zip"],
        ),
        (
            vec![("a.net", net), ("b.net", net)],
            &["a.net, b.net", "neither"],
        ),
        (
            vec![("nets.zip", &only_nets)],
            &["no summary.csv", "hidden-8_lr-0.01_seed-1.net"],
        ),
        (
            vec![("two.zip", &two_sweeps)],
            &["2 summary.csv", "other/summary.csv"],
        ),
        (
            vec![("x.zip", FIXTURE), ("summary.csv", csv)],
            &["either one zip"],
        ),
        (
            vec![("a.csv", csv), ("b.csv", csv)],
            &["2 CSV files", "a.csv, b.csv"],
        ),
        (
            vec![("cut.zip", &FIXTURE[..FIXTURE.len() / 2])],
            &["cut.zip", "not a readable zip"],
        ),
        (
            vec![("results.csv", b"epoch,loss\n1,0.5\n")],
            &[
                "not a sweep summary",
                "index, name, seed, status",
                "epoch, loss",
            ],
        ),
        (
            vec![("summary.csv", no_status.as_bytes())],
            &["lacks the column status"],
        ),
        (
            vec![("summary.csv", bad_steps.as_bytes())],
            &["line 2", "column steps", "'five'", "whole number"],
        ),
        (
            vec![("summary.csv", short_row.as_bytes())],
            &["line 10", "cannot be read as CSV"],
        ),
        (
            vec![("summary.csv", many_rows.as_bytes())],
            &["20000", "rows"],
        ),
        (vec![("summary.csv", b"\xff\xfe\0i\0n")], &["summary.csv"]),
    ];
    for (input, want) in cases {
        let names: Vec<&str> = input.iter().map(|(n, _)| *n).collect();
        let msg = err(&input);
        for w in want {
            assert!(msg.contains(w), "{names:?}: '{msg}' lacks '{w}'");
        }
    }
}
