//! The `FFL` container around every link body: header, raw DEFLATE, CRC-32 (layout in the
//! [module docs](super)); one decoder per container version.

use super::{compact, recipe, Decoded, LinkError, LinkKind, MAGIC, OVERHEAD_BYTES, VERSION};
use crate::netfile;

/// Wraps a body: header, DEFLATE (level 9), checksum.
pub(super) fn wrap(kind: LinkKind, body: &[u8]) -> Vec<u8> {
    let deflated = miniz_oxide::deflate::compress_to_vec(body, 9);
    let mut out = Vec::with_capacity(OVERHEAD_BYTES + deflated.len());
    out.extend_from_slice(&MAGIC);
    out.push(VERSION);
    out.push(kind.tag());
    out.extend_from_slice(&(body.len() as u32).to_le_bytes());
    out.extend_from_slice(&deflated);
    let crc = crc32fast::hash(&out);
    out.extend_from_slice(&crc.to_le_bytes());
    out
}

fn le_u32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// Whether `bytes` is a whole container of a known version whose checksum matches: the test
/// that picks where a link ends when spaces make that ambiguous.
pub(super) fn sealed(bytes: &[u8]) -> bool {
    bytes.len() >= OVERHEAD_BYTES
        && bytes[..3] == MAGIC
        && bytes[3] == 1
        && le_u32(bytes, bytes.len() - 4) == crc32fast::hash(&bytes[..bytes.len() - 4])
}

/// Whether a container that fails its checksum looks cut off: its compressed body runs out of
/// input before the length it declares (a complete but altered link inflates to its end or
/// fails on a bad code instead).
pub(super) fn runs_out(bytes: &[u8]) -> bool {
    use miniz_oxide::inflate::TINFLStatus;
    if bytes.len() < OVERHEAD_BYTES {
        return true;
    }
    let Some(kind) = LinkKind::from_tag(bytes[4]) else {
        return false;
    };
    let declared = (le_u32(bytes, 5) as usize).min(kind.max_body());
    match miniz_oxide::inflate::decompress_to_vec_with_limit(&bytes[9..], declared) {
        Ok(_) => false,
        Err(e) => matches!(
            e.status,
            TINFLStatus::FailedCannotMakeProgress | TINFLStatus::NeedsMoreInput
        ),
    }
}

/// Checks and opens a container (magic, version dispatch, checksum, inflate, body).
pub fn decode_container(bytes: &[u8]) -> Result<Decoded, LinkError> {
    let m = bytes.len().min(MAGIC.len());
    if bytes[..m] != MAGIC[..m] {
        return Err(LinkError::BadMagic);
    }
    if bytes.len() < OVERHEAD_BYTES {
        return Err(LinkError::Truncated { found: bytes.len() });
    }
    match bytes[3] {
        1 => v1(bytes),
        found => Err(LinkError::UnsupportedVersion { found }),
    }
}

/// Container version 1 (the current one).
fn v1(bytes: &[u8]) -> Result<Decoded, LinkError> {
    let body_end = bytes.len() - 4;
    let stored = le_u32(bytes, body_end);
    let computed = crc32fast::hash(&bytes[..body_end]);
    if stored != computed {
        return Err(LinkError::Checksum { stored, computed });
    }
    let kind = LinkKind::from_tag(bytes[4]).ok_or(LinkError::UnknownKind(bytes[4]))?;
    let declared = le_u32(bytes, 5) as usize;
    if declared > kind.max_body() {
        return Err(LinkError::TooLarge {
            what: "body length",
            value: declared as u64,
            max: kind.max_body() as u64,
        });
    }
    let body = inflate(&bytes[9..body_end], declared)?;
    let decoded = match kind {
        LinkKind::Exact => {
            let f = netfile::decode(&body).map_err(LinkError::Network)?;
            Decoded {
                kind,
                config: f.config,
                network: Some(f.network),
                steps: f.steps,
            }
        }
        LinkKind::Recipe => recipe::decode(&body)?,
        LinkKind::Compact => compact::decode(&body)?,
    };
    Ok(decoded)
}

/// Inflates raw DEFLATE data to exactly `declared` bytes, never more.
fn inflate(data: &[u8], declared: usize) -> Result<Vec<u8>, LinkError> {
    use miniz_oxide::inflate::TINFLStatus;
    match miniz_oxide::inflate::decompress_to_vec_with_limit(data, declared) {
        Ok(body) if body.len() == declared => Ok(body),
        Ok(body) => Err(LinkError::BodyLength {
            declared,
            found: body.len(),
        }),
        Err(e) if e.status == TINFLStatus::HasMoreOutput => {
            Err(LinkError::Bomb { limit: declared })
        }
        Err(e) => Err(LinkError::Inflate(e.to_string())),
    }
}
