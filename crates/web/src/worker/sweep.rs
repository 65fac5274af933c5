//! The answer to `OpenSweep`: the formats crate reads the sweep
//! (`flipflop_formats::sweep::open`), this module turns it into [`Event::Sweep`] or its error
//! into [`Event::SweepFailed`]. Runs in the worker only, so the page's wasm never holds the
//! zip and CSV readers.

use crate::protocol::{Bytes, Event, SweepData};
use flipflop_formats::sweep;

/// Opens the chosen files (name, bytes) as a sweep.
pub fn open(files: &[(String, Bytes)]) -> Event {
    let refs: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(n, b)| (n.as_str(), b.0.as_slice()))
        .collect();
    match sweep::open(&refs) {
        Ok(s) => Event::Sweep {
            data: Box::new(SweepData::from_sweep(s)),
        },
        Err(e) => Event::SweepFailed {
            message: format!("This is not a sweep the lab can open: {e}."),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{decode_event, encode, Cell, ColumnKind};

    const FIXTURE: &[u8] = include_bytes!("../../../formats/tests/data/sweep/sweep.zip");

    /// The CLI's sweep crosses the wire as a table: typed columns, one cell per column, the
    /// failed run with its error and no network, the others with their network files.
    #[test]
    fn a_sweep_zip_becomes_a_typed_table_that_survives_the_wire() {
        let ev = open(&[("demo.zip".into(), Bytes(FIXTURE.to_vec()))]);
        let ev = decode_event(&encode(&ev)).unwrap();
        let Event::Sweep { data } = ev else {
            panic!("{ev:?}")
        };
        let names: Vec<&str> = data.columns.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(&names[..4], ["index", "hidden", "lr", "seed"]);
        assert!(names.contains(&"spectral_radius") && names.contains(&"error"));
        let kind = |n: &str| data.columns.iter().find(|c| c.name == n).unwrap().kind;
        assert_eq!(kind("hidden"), ColumnKind::Number);
        assert_eq!(kind("solved"), ColumnKind::Bool);
        assert_eq!(kind("stopped"), ColumnKind::Text);
        assert_eq!(data.runs.len(), 8);
        for r in &data.runs {
            assert_eq!(r.cells.len(), data.columns.len());
            assert_eq!(r.ok, r.network.is_some(), "{}", r.name);
            let err = names.iter().position(|n| *n == "error").unwrap();
            if r.ok {
                assert_eq!(r.cells[err], Cell::Empty);
                let (file, bytes) = r.network.as_ref().unwrap();
                assert_eq!(file, &format!("{}.net", r.name));
                assert!(flipflop_formats::netfile::decode(&bytes.0).is_ok());
            } else {
                assert!(matches!(&r.cells[err], Cell::Text(t) if t.contains("Is a directory")));
            }
        }
    }

    /// The page's command carries every chosen file, names as text and bytes exactly, under
    /// the current protocol version (8 added it).
    #[test]
    fn open_sweep_crosses_the_wire() {
        use crate::protocol::{decode_command, Command, PROTOCOL_VERSION};
        let cmd = Command::OpenSweep {
            files: vec![
                ("summary.csv".into(), Bytes(b"index,name\n".to_vec())),
                ("<b>a</b>.net".into(), Bytes((0..=255).collect())),
            ],
        };
        let text = encode(&cmd);
        assert!(
            text.starts_with(&format!("{{\"v\":{PROTOCOL_VERSION},")),
            "{text:.30}"
        );
        assert_eq!(decode_command(&text).unwrap(), cmd);
    }

    #[test]
    fn a_wrong_file_gives_a_message_that_names_it() {
        match open(&[("notes.txt".into(), Bytes(b"a,b\n1,2\n".to_vec()))]) {
            Event::SweepFailed { message } => {
                assert!(
                    message.contains("lacks the columns index, name"),
                    "{message}"
                )
            }
            other => panic!("{other:?}"),
        }
    }
}
