//! A sweep folder as a zip: find its `summary.csv` at any depth, read it, then the network
//! files it names and `sweep.json`, each member bounded and checked.

use super::{
    attach, base_name, list, parse_summary, Lookup, Sweep, SweepError, MAX_ENTRIES,
    MAX_SUMMARY_BYTES, MAX_SWEEP_JSON_BYTES,
};
use crate::netfile;
use std::io::Read;

pub(super) type Zip<'a> = zip::ZipArchive<std::io::Cursor<&'a [u8]>>;

/// The bytes of member `index` (`name` in messages), stored or deflated, refused when it
/// declares more than `cap` bytes; its CRC-32 is checked.
pub(super) fn member(
    zip: &mut Zip<'_>,
    index: usize,
    name: &str,
    cap: usize,
) -> Result<Vec<u8>, String> {
    let mut entry = zip.by_index_raw(index).map_err(|e| e.to_string())?;
    let size = entry.size();
    if size > cap as u64 {
        return Err(format!("{size} bytes, more than {cap}"));
    }
    let (method, crc) = (entry.compression(), entry.crc32());
    let mut raw = Vec::new();
    (&mut entry)
        .take(cap as u64 + 1)
        .read_to_end(&mut raw)
        .map_err(|e| e.to_string())?;
    let data = if method == zip::CompressionMethod::Stored {
        raw
    } else if method == zip::CompressionMethod::DEFLATE {
        miniz_oxide::inflate::decompress_to_vec_with_limit(&raw, size as usize)
            .map_err(|e| format!("damaged or larger than declared: {e}"))?
    } else {
        return Err(format!(
            "compressed with {method:?}; the lab reads stored or deflated members (what zip \
             and the desktop's 'compress' write)"
        ));
    };
    if data.len() as u64 != size || crc32fast::hash(&data) != crc {
        return Err(format!("{name} is damaged (size or checksum differ)"));
    }
    Ok(data)
}

/// The entry count that the zip's end-of-central-directory record declares (`0xFFFF` for a
/// zip64 archive), read before the zip crate parses (and allocates for) the directory.
fn declared_entries(bytes: &[u8]) -> Option<usize> {
    // The record is 22 bytes plus a comment of at most 65,535 bytes, at the end.
    let from = bytes.len().saturating_sub(22 + 0xFFFF);
    let at = bytes[from..].windows(4).rposition(|w| w == b"PK\x05\x06")? + from;
    let count = bytes.get(at + 10..at + 12)?;
    Some(u16::from_le_bytes([count[0], count[1]]) as usize)
}

/// Opens the zip `bytes` (named `name`) of a sweep folder.
pub(super) fn open_zip(name: &str, bytes: &[u8]) -> Result<Sweep, SweepError> {
    if let Some(n) = declared_entries(bytes).filter(|&n| n > MAX_ENTRIES) {
        return Err(SweepError::TooLarge {
            what: name.to_string(),
            size: n,
            limit: MAX_ENTRIES,
            unit: if n == 0xFFFF {
                "entries (or more: a zip64 archive)"
            } else {
                "entries"
            },
        });
    }
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|e| {
        SweepError::Unreadable(format!("{name} is not a readable zip archive: {e}"))
    })?;
    if zip.len() > MAX_ENTRIES {
        return Err(SweepError::TooLarge {
            what: name.to_string(),
            size: zip.len(),
            limit: MAX_ENTRIES,
            unit: "entries",
        });
    }
    let names: Vec<String> = zip
        .file_names()
        .filter(|n| !n.starts_with("__MACOSX/") && !n.ends_with('/'))
        .map(str::to_string)
        .collect();
    let summaries: Vec<&String> = names
        .iter()
        .filter(|n| base_name(n) == "summary.csv")
        .collect();
    let summary_path = match summaries.as_slice() {
        [one] => (*one).clone(),
        [] => return Err(SweepError::NoSummary(names)),
        many => {
            return Err(SweepError::SeveralSummaries(
                many.iter().map(|s| s.to_string()).collect(),
            ))
        }
    };
    let folder = &summary_path[..summary_path.len() - "summary.csv".len()];
    let read = |zip: &mut Zip<'_>, path: &str, cap: usize| -> Option<Result<Vec<u8>, String>> {
        let i = zip.index_for_name(path)?;
        Some(member(zip, i, path, cap))
    };
    let csv = read(&mut zip, &summary_path, MAX_SUMMARY_BYTES)
        .unwrap_or_else(|| Err("not found".into()))
        .map_err(|e| {
            if e.contains("more than") {
                SweepError::TooLarge {
                    what: summary_path.clone(),
                    size: 0,
                    limit: MAX_SUMMARY_BYTES,
                    unit: "bytes (or more)",
                }
            } else {
                SweepError::Unreadable(format!("{summary_path} in {name}: {e}"))
            }
        })?;
    let mut sweep = parse_summary(&csv)?.into_sweep(name.to_string());
    let json_path = format!("{folder}sweep.json");
    match read(&mut zip, &json_path, MAX_SWEEP_JSON_BYTES) {
        Some(Ok(b)) => match serde_json::from_slice::<serde_json::Value>(&b) {
            Ok(v) => {
                let text = |k: &str| v.get(k).and_then(|s| s.as_str()).map(str::to_string);
                sweep.code_version = text("code_version").or_else(|| text("version"));
                sweep.command = v.get("command").and_then(|c| c.as_array()).map(|a| {
                    a.iter()
                        .filter_map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(" ")
                });
            }
            Err(e) => sweep
                .notes
                .push(format!("{json_path} is not readable JSON: {e}")),
        },
        Some(Err(e)) => sweep.notes.push(format!("{json_path}: {e}")),
        None => {}
    }
    attach(&mut sweep, |file| {
        match read(
            &mut zip,
            &format!("{folder}{file}"),
            netfile::MAX_FILE_BYTES,
        ) {
            Some(Ok(b)) => Lookup::Found(b),
            Some(Err(_)) => Lookup::Absent("damaged or too large in the zip"),
            None => Lookup::Absent("not in the zip"),
        }
    })?;
    let missing: Vec<String> = sweep
        .rows
        .iter()
        .filter(|r| r.file.is_some() && r.network.is_none())
        .map(|r| r.name.clone())
        .collect();
    if !missing.is_empty() {
        sweep.notes.push(format!(
            "{} run{} without a usable network file: {}",
            missing.len(),
            if missing.len() == 1 { "" } else { "s" },
            list(&missing)
        ));
    }
    Ok(sweep)
}
