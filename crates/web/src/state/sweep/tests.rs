//! Sorting, axes and selection limits on a hand-made table and on the CLI's sweep.

use super::*;
use crate::protocol::{Event, SweepColumn};

fn col(name: &str, kind: ColumnKind) -> SweepColumn {
    SweepColumn {
        name: name.into(),
        kind,
    }
}

/// Runs with (hidden, cell, solved, accuracy); a network for every run with an accuracy.
fn table(rows: &[(f64, &str, Option<bool>, Option<f64>)]) -> SweepData {
    SweepData {
        source: "t.zip".into(),
        code_version: Some("0123456789abcdef".into()),
        command: None,
        columns: vec![
            col("index", ColumnKind::Number),
            col("hidden", ColumnKind::Number),
            col("cell", ColumnKind::Text),
            col("seed", ColumnKind::Number),
            col("solved", ColumnKind::Bool),
            col("accuracy", ColumnKind::Number),
        ],
        runs: rows
            .iter()
            .enumerate()
            .map(|(i, &(h, c, solved, acc))| SweepRun {
                name: format!("run{i}"),
                cells: vec![
                    Cell::Num(i as f64),
                    Cell::Num(h),
                    Cell::Text(c.into()),
                    Cell::Num(1.0),
                    solved.map_or(Cell::Empty, Cell::Bool),
                    acc.map_or(Cell::Empty, Cell::Num),
                ],
                ok: acc.is_some(),
                solved,
                error: acc.is_none().then(|| "diverged".to_string()),
                network: acc.map(|_| (format!("run{i}.net"), Bytes(vec![i as u8]))),
                network_note: None,
            })
            .collect(),
        notes: Vec::new(),
    }
}

fn sample() -> SweepState {
    SweepState::new(table(&[
        (16.0, "gru", Some(true), Some(0.99)),
        (8.0, "vanilla", Some(false), Some(0.6)),
        (128.0, "lstm", None, None),
        (32.0, "vanilla", Some(true), Some(1.0)),
        (8.0, "gru", Some(false), Some(0.55)),
    ]))
}

/// A header click sorts ascending (numbers as numbers: 8 < 16 < 128, not "128" < "16"), a
/// second click reverses, ties keep the sweep's order, an empty cell stays last both ways.
#[test]
fn header_clicks_sort_numbers_as_numbers_and_reverse() {
    let mut s = sample();
    assert_eq!(s.order(), [0, 1, 2, 3, 4]);
    s.sort_by(1);
    assert_eq!(
        (s.order(), s.sort()),
        ([1, 4, 0, 3, 2].as_slice(), Some((1, false)))
    );
    s.sort_by(1);
    assert_eq!(
        (s.order(), s.sort()),
        ([2, 3, 0, 1, 4].as_slice(), Some((1, true)))
    );
    s.sort_by(5);
    assert_eq!(
        s.order(),
        [4, 1, 0, 3, 2],
        "accuracy up, the failed run last"
    );
    s.sort_by(5);
    assert_eq!(
        s.order(),
        [3, 0, 1, 4, 2],
        "accuracy down, the failed run still last"
    );
    s.sort_by(2);
    assert_eq!(
        s.order(),
        [0, 4, 2, 1, 3],
        "text by characters, ties in sweep order"
    );
    s.sort_by(4);
    assert_eq!(s.order(), [1, 4, 0, 3, 2], "no before yes, empty last");
    s.sort_by(99);
    assert_eq!(
        s.sort(),
        Some((4, false)),
        "a column that does not exist changes nothing"
    );
}

/// The plot starts with the first numeric grid key against accuracy; only numeric columns
/// can be chosen; points skip runs without both numbers and know solved and selected runs.
#[test]
fn axes_and_points() {
    let mut s = sample();
    assert_eq!((s.axis(Axis::X), s.axis(Axis::Y)), (1, 5));
    assert_eq!(s.numeric_columns(), [0, 1, 3, 5]);
    assert!(s.set_axis(Axis::X, 2).is_err());
    assert!(s.set_axis(Axis::X, 4).is_err(), "booleans are not offered");
    assert_eq!(s.axis(Axis::X), 1);
    let p = s.points();
    assert_eq!(p.len(), 4, "the failed run has no accuracy");
    assert_eq!((p[0].x, p[0].y, p[0].solved), (16.0, 0.99, true));
    assert!(!p[1].solved);
    s.toggle(3).unwrap();
    assert!(s.points().iter().find(|p| p.run == 3).unwrap().selected);
    s.set_axis(Axis::Y, 0).unwrap();
    assert_eq!(s.points()[3].y, 3.0);
}

/// Ticking: a run without a network is refused with its reason, at most 8, untick frees a
/// place; Compare needs at least 2 and sends the networks in ticking order.
#[test]
fn selection_limits() {
    let mut s = sample();
    let err = s.toggle(2).unwrap_err();
    assert!(err.contains("run2") && err.contains("diverged"), "{err}");
    assert!(s.for_compare().unwrap_err().contains("0 ticked"));
    assert_eq!(s.toggle(3), Ok(true));
    assert!(s.for_compare().unwrap_err().contains("1 ticked"));
    assert_eq!(s.toggle(0), Ok(true));
    let nets = s.for_compare().unwrap();
    assert_eq!(
        nets.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(),
        ["run3.net", "run0.net"]
    );
    assert_eq!(s.toggle(3), Ok(false));
    assert_eq!(s.selected(), [0]);
    assert!(s.toggle(42).is_err());

    let many = SweepState::new(table(&vec![(8.0, "gru", Some(true), Some(1.0)); 10]));
    let mut many = many;
    for i in 0..MAX_SELECTED {
        assert_eq!(many.toggle(i), Ok(true));
    }
    let err = many.toggle(MAX_SELECTED).unwrap_err();
    assert!(err.contains("at most 8"), "{err}");
    assert_eq!(many.selected().len(), MAX_SELECTED);
    assert_eq!(many.for_compare().unwrap().len(), MAX_SELECTED);
}

#[test]
fn numbers_for_people() {
    for (x, want) in [
        (8.0, "8"),
        (0.0, "0"),
        (0.49865755, "0.4987"),
        (0.033024739, "0.03302"),
        (1.0857525450646812, "1.086"),
        (1234.5678, "1235"),
        (0.5, "0.5"),
        (-2.25, "-2.25"),
        (1e-7, "1.000e-7"),
    ] {
        assert_eq!(number_text(x), want, "{x}");
    }
    assert_eq!(cell_text(&Cell::Bool(true)), "yes");
    assert_eq!(cell_text(&Cell::Empty), "");
}

/// The CLI's sweep: 8 runs, hidden against accuracy, 7 points (the failed run has none), and
/// the status line counts them.
#[test]
fn the_cli_sweep() {
    let bytes = include_bytes!("../../../../formats/tests/data/sweep/sweep.zip");
    let Event::Sweep { data } =
        crate::worker::sweep::open(&[("demo.zip".into(), Bytes(bytes.to_vec()))])
    else {
        panic!("not opened")
    };
    let mut s = SweepState::new(*data);
    assert_eq!(s.data.columns[s.axis(Axis::X)].name, "hidden");
    assert_eq!(s.data.columns[s.axis(Axis::Y)].name, "accuracy");
    assert_eq!(s.points().len(), 7);
    let line = s.summary();
    assert!(
        line.starts_with("Opened demo.zip: 8 runs (7 finished, 0 solved, 1 failed), 7 with network files. Code version "),
        "{line}"
    );
    let steps = s
        .data
        .columns
        .iter()
        .position(|c| c.name == "spectral_radius")
        .unwrap();
    s.sort_by(steps);
    let radii: Vec<f64> = s
        .order()
        .iter()
        .filter_map(|&i| cell_number(&s.data.runs[i].cells[steps]))
        .collect();
    assert!(radii.windows(2).all(|w| w[0] <= w[1]), "{radii:?}");
    assert_eq!(radii.len(), 7);
}
