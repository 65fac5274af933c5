//! Share links: a network, or the recipe that trains it, packed into the fragment of a URL
//! (`https://lab.example/#net=RkZM…`). The fragment never reaches a server. Pure strings and
//! bytes in and out; the page and the CLI add the base URL.
//!
//! # Text
//!
//! The fragment is `net=<payload>`, where the payload is the container below in base64url
//! without padding (RFC 4648 §5: `A–Z a–z 0–9 - _`). Every link therefore starts
//! `net=RkZM` (base64 of `FFL`). [`decode_link`] also accepts a whole URL (it reads what follows
//! the first `#`, and the `net=` entry among `&`-separated entries), a bare fragment, or the
//! bare payload; ASCII whitespace (line breaks inserted by chat apps) is ignored.
//!
//! # Container (all integers little-endian)
//!
//! ```text
//! offset  size  field
//!      0     3  magic b"FFL"
//!      3     1  container version (currently 1; older versions keep their decoder)
//!      4     1  kind: b'E' exact, b'C' compact, b'R' recipe
//!      5     4  B = length of the body after inflating (u32, ≤ the kind's limit)
//!      9     …  the body, raw DEFLATE (RFC 1951)
//!  end-4     4  CRC-32 (IEEE) of every byte before it
//! ```
//!
//! Bodies:
//! - **exact**: the network file of [`crate::netfile`] byte for byte (it carries its own
//!   checksum); the reopened network is bit-identical.
//! - **recipe**: `steps` (u64) then the root [`Config`] as JSON: the seed and everything
//!   [`flipflop_core::Trainer`] needs to train the same network again for `steps` steps.
//! - **compact**: every weight `w` stored as an integer `k` relative to a base `w₀`:
//!
//!   ```text
//!   w = w₀ + k · q         (f32 arithmetic: one multiply, one add, no fused multiply-add)
//!   ```
//!
//!   where `w₀` is the seeded initial weight `Network::init(config.model, config.seed)`
//!   (base 1, for networks trained in the lab: the deltas are small) or 0 (base 0, e.g. for
//!   imported networks), and `q` is a step per tensor group (`q_rec` for W_rec, `q_io` for
//!   the rest). The integers are zigzag-encoded LEB128 varints. A step of 0 means lossless:
//!   the varint is then the f32 bit pattern itself. The encoder picks the coarsest `q_rec`
//!   on a ladder (`q_io = q_rec / 4`) whose rebuilt network keeps the spectral radius of
//!   W_rec within [`COMPACT_MAX_RADIUS_CHANGE`] and the held-out bit accuracy (the config's
//!   own validation trials) within [`COMPACT_MAX_ACCURACY_CHANGE`] of the original, so the
//!   guarantee is checked, not hoped for.
//!
//!   ```text
//!   offset  size  field
//!        0     4  L = config JSON length (u32)
//!        4     8  steps trained (u64)
//!       12     1  base: 0 = zeros, 1 = seeded initial weights
//!       13     4  q_rec (f32)
//!       17     4  q_io (f32)
//!       21     4  CRC-32 of the rebuilt weights (f32 LE, netfile order): a lab whose initial
//!                 weights differ from the encoder's is detected instead of giving wrong weights
//!       25     L  the root Config as JSON
//!     25+L     …  varints for W_in, W_rec, b_rec, W_out, b_out (row-major, netfile order)
//!   ```
//!
//! # Safety against bad input
//!
//! The text is capped at [`MAX_LINK_CHARS`] before decoding; the checksum is checked before
//! inflating; the declared body length is capped per kind and the inflater stops at that
//! length (a "zip bomb" that inflates further is refused); configs are validated (N ≤ 1024,
//! bits ≤ 8) before any weight buffer is allocated; NaN and infinite weights are refused.

use flipflop_core::analysis::{eigenvalues, spectral_radius};
use flipflop_core::config::Config;
use flipflop_core::error::ConfigError;
use flipflop_core::model::Network;
use crate::netfile::{self, FormatError, NetFile};
use flipflop_core::train::{evaluate, validation_set, Workspace};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use std::fmt;

/// The first three bytes of every link container.
pub const MAGIC: [u8; 3] = *b"FFL";
/// The container version this code writes; it reads versions `1..=VERSION`.
pub const VERSION: u8 = 1;
/// The fragment key: a link's fragment is `net=<payload>`.
pub const FRAGMENT_KEY: &str = "net";
/// Longest link text accepted (characters of the payload, whitespace excluded). The exact link
/// of the largest network (N 1024, 8 bits, incompressible weights) is about 5.7 M characters.
pub const MAX_LINK_CHARS: usize = 8 << 20;
/// Container bytes around the body: magic, version, kind, length, checksum.
pub const OVERHEAD_BYTES: usize = 13;
/// Largest compact body: header, config, and at most 5 varint bytes per weight.
pub const MAX_COMPACT_BODY: usize =
    COMPACT_HEADER_BYTES + netfile::MAX_CONFIG_BYTES + 5 * netfile::MAX_WEIGHTS;
/// Largest recipe body: steps and config JSON.
pub const MAX_RECIPE_BODY: usize = 8 + netfile::MAX_CONFIG_BYTES;
/// The compact encoder keeps `|ρ(W_rec') − ρ(W_rec)|` at most this (the promise is 1e-3).
pub const COMPACT_MAX_RADIUS_CHANGE: f64 = 6e-4;
/// The compact encoder keeps the held-out bit accuracy within this fraction (0.025
/// percentage points; the promise is 0.1).
pub const COMPACT_MAX_ACCURACY_CHANGE: f64 = 2.5e-4;
/// Coarsest step of the compact ladder for W_rec; each next rung is `2^(-1/4)` of the previous.
pub const COMPACT_COARSEST_STEP: f32 = 4e-3;
/// Rungs on the ladder before the compact encoder falls back to lossless storage.
pub const COMPACT_RUNGS: usize = 28;

const COMPACT_HEADER_BYTES: usize = 25;
const TENSORS: [&str; 5] = ["W_in", "W_rec", "b_rec", "W_out", "b_out"];

/// The three kinds of link.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkKind {
    /// The network file, losslessly: the reopened network is bit-identical.
    Exact,
    /// Quantised weight deltas: much shorter; accuracy and spectrum kept within bounds.
    Compact,
    /// Config, seed and steps only: the receiver retrains the network.
    Recipe,
}

impl LinkKind {
    /// Parses `exact`, `compact` or `recipe`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "exact" => Some(LinkKind::Exact),
            "compact" => Some(LinkKind::Compact),
            "recipe" => Some(LinkKind::Recipe),
            _ => None,
        }
    }

    /// The name [`LinkKind::parse`] reads.
    pub fn name(self) -> &'static str {
        match self {
            LinkKind::Exact => "exact",
            LinkKind::Compact => "compact",
            LinkKind::Recipe => "recipe",
        }
    }

    fn tag(self) -> u8 {
        match self {
            LinkKind::Exact => b'E',
            LinkKind::Compact => b'C',
            LinkKind::Recipe => b'R',
        }
    }

    fn max_body(self) -> usize {
        match self {
            LinkKind::Exact => netfile::MAX_FILE_BYTES,
            LinkKind::Compact => MAX_COMPACT_BODY,
            LinkKind::Recipe => MAX_RECIPE_BODY,
        }
    }
}

/// What a link holds.
#[derive(Clone, Debug, PartialEq)]
pub struct Decoded {
    /// Which kind of link it was.
    pub kind: LinkKind,
    /// The root configuration (for exact and compact links, `config.model == network.config`).
    pub config: Config,
    /// The weights (exact and compact links); `None` for a recipe.
    pub network: Option<Network>,
    /// Steps the network was trained for (a recipe: steps to train to get it again).
    pub steps: u64,
}

impl Decoded {
    /// The network file contents, for exact and compact links.
    pub fn into_netfile(self) -> Option<NetFile> {
        let (config, steps) = (self.config, self.steps);
        self.network.map(|network| NetFile {
            config,
            network,
            steps,
        })
    }
}

/// Why a text is not a usable link. Every message says what is wrong and what to do.
#[derive(Clone, Debug, PartialEq)]
pub enum LinkError {
    /// Empty text, or a URL without a `net=` fragment.
    NotALink(&'static str),
    /// The payload is longer than any link this lab makes.
    TooLong {
        /// Characters given.
        chars: usize,
        /// The maximum.
        max: usize,
    },
    /// A character outside base64url, or an impossible length.
    BadCharacter {
        /// Position in the payload (0-based).
        position: usize,
        /// The character.
        found: char,
    },
    /// The base64 text has an impossible length or ending (cut off or altered).
    BadEncoding,
    /// Decodes to fewer bytes than the smallest container.
    Truncated {
        /// Bytes after base64 decoding.
        found: usize,
    },
    /// The decoded bytes do not start with the link magic.
    BadMagic,
    /// Container version 0 or newer than this lab reads.
    UnsupportedVersion {
        /// The version in the link.
        found: u8,
    },
    /// The stored CRC-32 does not match.
    Checksum {
        /// Stored in the link.
        stored: u32,
        /// Computed from the content.
        computed: u32,
    },
    /// A kind byte this version does not know.
    UnknownKind(u8),
    /// A declared size beyond what any valid link holds.
    TooLarge {
        /// Which size.
        what: &'static str,
        /// The declared value.
        value: u64,
        /// The maximum.
        max: u64,
    },
    /// The body is not valid DEFLATE data.
    Inflate(String),
    /// The body inflates past its declared length (a decompression bomb).
    Bomb {
        /// The declared (and enforced) length.
        limit: usize,
    },
    /// The body inflates to a length other than declared.
    BodyLength {
        /// Declared.
        declared: usize,
        /// Found.
        found: usize,
    },
    /// The body's structure is broken (e.g. ends inside a field).
    Malformed(&'static str),
    /// The network file inside an exact link is invalid.
    Network(FormatError),
    /// The config is not JSON of a [`Config`].
    ConfigJson(String),
    /// The config is out of range.
    Config(ConfigError),
    /// A rebuilt weight is NaN or infinite.
    NonFinite {
        /// The tensor.
        tensor: &'static str,
        /// Row-major index.
        index: usize,
    },
    /// The compact link rebuilds other weights than its encoder did.
    RebuildMismatch,
}

impl fmt::Display for LinkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use LinkError::*;
        match self {
            NotALink(why) => write!(f, "not a Flip-Flop Lab link: {why}"),
            TooLong { chars, max } => write!(
                f,
                "link is too long: {chars} characters, no Flip-Flop Lab link has more than {max}"
            ),
            BadCharacter { position, found } => write!(
                f,
                "link is damaged: character {found:?} at position {position} of the payload \
                 cannot appear in a link (copy the link again)"
            ),
            BadEncoding => write!(
                f,
                "link is truncated or altered: its payload has an impossible length or ending \
                 (copy the whole link again)"
            ),
            Truncated { found } => write!(
                f,
                "link is truncated: its payload holds {found} bytes, at least {OVERHEAD_BYTES} \
                 are needed (copy the whole link again)"
            ),
            BadMagic => write!(
                f,
                "not a Flip-Flop Lab link: the payload does not start with the lab's tag"
            ),
            UnsupportedVersion { found } if *found > VERSION => write!(
                f,
                "link format version {found} is newer than this lab (it reads versions \
                 1..={VERSION}); open it with an up-to-date Flip-Flop Lab"
            ),
            UnsupportedVersion { found } => write!(
                f,
                "link format version {found} is invalid (this lab reads versions 1..={VERSION})"
            ),
            Checksum { stored, computed } => write!(
                f,
                "link is truncated or altered: checksum {computed:08x} does not match the stored \
                 {stored:08x} (copy the whole link again)"
            ),
            UnknownKind(k) => write!(
                f,
                "link kind {:?} is unknown to this lab (known: exact, compact, recipe)",
                *k as char
            ),
            TooLarge { what, value, max } => write!(
                f,
                "link declares {what} = {value}, more than the maximum {max}; refused"
            ),
            Inflate(e) => write!(f, "link payload is not valid compressed data: {e}"),
            Bomb { limit } => write!(
                f,
                "link payload inflates past its declared size of {limit} bytes (a decompression \
                 bomb?); refused"
            ),
            BodyLength { declared, found } => write!(
                f,
                "link payload inflates to {found} bytes but declares {declared}; refused"
            ),
            Malformed(what) => write!(f, "link payload is malformed: {what}"),
            Network(e) => write!(f, "link holds an invalid network: {e}"),
            ConfigJson(e) => write!(f, "link has an unreadable config: {e}"),
            Config(e) => write!(f, "link has an invalid config: {e}"),
            NonFinite { tensor, index } => {
                write!(f, "link has a NaN or infinite weight: {tensor}[{index}]")
            }
            RebuildMismatch => write!(
                f,
                "this compact link rebuilds different weights in this version of the lab (its \
                 initial weights differ from the version that made it); ask for an exact link"
            ),
        }
    }
}

impl std::error::Error for LinkError {}

/// Encodes a link of `kind` for a network trained `steps` steps from `config` and returns the
/// fragment text `net=<payload>` (without `#`; see [`share_url`]). The config stored is `config`
/// with its `model` replaced by `net.config`, as in the network file.
///
/// A compact link evaluates candidate networks on the config's validation trials (see the
/// module docs); with an invalid config it stores the weights losslessly instead.
pub fn encode_link(kind: LinkKind, config: &Config, net: &Network, steps: u64) -> String {
    let mut config = config.clone();
    config.model = net.config.clone();
    let body = match kind {
        LinkKind::Exact => netfile::encode(&config, net, steps),
        LinkKind::Recipe => {
            let mut b = steps.to_le_bytes().to_vec();
            b.extend_from_slice(&config_json(&config));
            b
        }
        LinkKind::Compact => compact::encode(&config, net, steps),
    };
    let packed = container(kind, &body);
    format!("{FRAGMENT_KEY}={}", URL_SAFE_NO_PAD.encode(packed))
}

/// Joins a base URL (any fragment it has is dropped) and a fragment from [`encode_link`].
pub fn share_url(base: &str, fragment: &str) -> String {
    let base = base.split('#').next().unwrap_or(base);
    format!("{base}#{fragment}")
}

fn config_json(config: &Config) -> Vec<u8> {
    // Serialising plain data (no maps with non-string keys) cannot fail.
    serde_json::to_vec(config).unwrap_or_default()
}

/// Wraps a body: header, DEFLATE (level 9), checksum.
fn container(kind: LinkKind, body: &[u8]) -> Vec<u8> {
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

/// Finds the payload in a URL, a fragment, `net=…` or a bare payload.
fn payload_of(text: &str) -> Result<&str, LinkError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(LinkError::NotALink("the text is empty"));
    }
    // A bare payload has neither '#' nor '='; anything else must carry a `net=` entry.
    let fragment = match text.split_once('#') {
        Some((_, frag)) => frag,
        None if text.contains("://") => {
            return Err(LinkError::NotALink(
                "the URL has no '#net=' part (was the link cut off?)",
            ))
        }
        None if !text.contains('=') => return Ok(text),
        None => text,
    };
    fragment
        .split('&')
        .filter_map(|entry| entry.split_once('='))
        .find(|(key, _)| key.trim() == FRAGMENT_KEY)
        .map(|(_, value)| value)
        .ok_or(LinkError::NotALink(
            "the URL fragment has no 'net=' entry (was the link cut off?)",
        ))
}

/// Decodes a link (a URL, a fragment or a bare payload; see the module docs for every check).
pub fn decode_link(text: &str) -> Result<Decoded, LinkError> {
    let payload = payload_of(text)?;
    let chars = payload.bytes().filter(|b| !b.is_ascii_whitespace()).count();
    if chars > MAX_LINK_CHARS {
        return Err(LinkError::TooLong {
            chars,
            max: MAX_LINK_CHARS,
        });
    }
    let mut clean = Vec::with_capacity(chars);
    for (position, c) in payload
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .enumerate()
    {
        if !(c.is_ascii_alphanumeric() || c == '-' || c == '_') {
            return Err(LinkError::BadCharacter { position, found: c });
        }
        clean.push(c as u8);
    }
    if clean.is_empty() {
        return Err(LinkError::NotALink("the link has no payload after 'net='"));
    }
    let bytes = URL_SAFE_NO_PAD
        .decode(&clean)
        .map_err(|_| LinkError::BadEncoding)?;
    decode_container(&bytes)
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
        1 => v1::decode(bytes),
        found => Err(LinkError::UnsupportedVersion { found }),
    }
}

/// Container version 1 (the current one).
mod v1 {
    use super::*;

    pub fn decode(bytes: &[u8]) -> Result<Decoded, LinkError> {
        let body_end = bytes.len() - 4;
        let stored = u32::from_le_bytes([
            bytes[body_end],
            bytes[body_end + 1],
            bytes[body_end + 2],
            bytes[body_end + 3],
        ]);
        let computed = crc32fast::hash(&bytes[..body_end]);
        if stored != computed {
            return Err(LinkError::Checksum { stored, computed });
        }
        let kind = match bytes[4] {
            b'E' => LinkKind::Exact,
            b'C' => LinkKind::Compact,
            b'R' => LinkKind::Recipe,
            k => return Err(LinkError::UnknownKind(k)),
        };
        let declared = u32::from_le_bytes([bytes[5], bytes[6], bytes[7], bytes[8]]) as usize;
        if declared > kind.max_body() {
            return Err(LinkError::TooLarge {
                what: "body length",
                value: declared as u64,
                max: kind.max_body() as u64,
            });
        }
        let body = inflate(&bytes[9..body_end], declared)?;
        match kind {
            LinkKind::Exact => {
                let f = netfile::decode(&body).map_err(LinkError::Network)?;
                Ok(Decoded {
                    kind,
                    config: f.config,
                    network: Some(f.network),
                    steps: f.steps,
                })
            }
            LinkKind::Recipe => {
                if body.len() < 8 {
                    return Err(LinkError::Malformed(
                        "the recipe ends before its step count",
                    ));
                }
                let mut s = [0u8; 8];
                s.copy_from_slice(&body[..8]);
                let config = parse_config(&body[8..])?;
                Ok(Decoded {
                    kind,
                    config,
                    network: None,
                    steps: u64::from_le_bytes(s),
                })
            }
            LinkKind::Compact => compact::decode(&body),
        }
    }
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

fn parse_config(json: &[u8]) -> Result<Config, LinkError> {
    let config: Config =
        serde_json::from_slice(json).map_err(|e| LinkError::ConfigJson(e.to_string()))?;
    config.validate().map_err(LinkError::Config)?;
    Ok(config)
}

/// The compact body: quantised deltas from a base (see the module docs).
mod compact {
    use super::*;

    /// CRC-32 of the weights as f32 LE in netfile order.
    fn weights_crc(net: &Network) -> u32 {
        let mut h = crc32fast::Hasher::new();
        for p in net.params() {
            for w in p {
                h.update(&w.to_le_bytes());
            }
        }
        h.finalize()
    }

    fn zigzag(k: i64) -> u64 {
        ((k << 1) ^ (k >> 63)) as u64
    }

    fn unzigzag(z: u64) -> i64 {
        ((z >> 1) as i64) ^ -((z & 1) as i64)
    }

    fn put_varint(out: &mut Vec<u8>, mut z: u64) {
        while z >= 0x80 {
            out.push((z as u8 & 0x7f) | 0x80);
            z >>= 7;
        }
        out.push(z as u8);
    }

    /// Reads one varint of at most 5 bytes (32 bits) at `*at`.
    fn get_varint(b: &[u8], at: &mut usize) -> Result<u64, LinkError> {
        let mut z = 0u64;
        for shift in 0..5 {
            let Some(&byte) = b.get(*at) else {
                return Err(LinkError::Malformed("the weights end early"));
            };
            *at += 1;
            z |= ((byte & 0x7f) as u64) << (7 * shift);
            if byte & 0x80 == 0 {
                return Ok(z);
            }
        }
        Err(LinkError::Malformed("a weight code is longer than 5 bytes"))
    }

    /// One tensor quantised with step `q` against `base`: appends the varint codes and writes
    /// the rebuilt values. `q = 0` stores the f32 bits. Returns false when a code would exceed
    /// ±2³⁰ (so that every code fits a 5-byte varint); the caller then tries a finer rung.
    fn quantise(w: &[f32], base: &[f32], q: f32, codes: &mut Vec<u8>, rebuilt: &mut [f32]) -> bool {
        for ((w, b), r) in w.iter().zip(base).zip(rebuilt.iter_mut()) {
            if q == 0.0 {
                put_varint(codes, w.to_bits() as u64);
                *r = *w;
                continue;
            }
            let k = ((*w - *b) / q).round();
            // Also false for NaN: a code out of range or not a number needs a finer rung.
            if k.is_nan() || k.abs() >= (1u32 << 30) as f32 {
                return false;
            }
            let k = k as i64;
            put_varint(codes, zigzag(k));
            *r = rebuild(*b, k, q);
        }
        true
    }

    /// `w₀ + k·q` in f32, exactly as the decoder computes it.
    fn rebuild(base: f32, k: i64, q: f32) -> f32 {
        base + (k as f32) * q
    }

    /// The base network for `base` (0 zeros, 1 seeded init).
    fn base_network(config: &Config, base: u8) -> Network {
        if base == 1 {
            Network::init(&config.model, config.seed)
        } else {
            Network::zeros(&config.model)
        }
    }

    /// Quantises the whole network with `q_rec` (W_rec) and `q_rec / 4` (the rest).
    fn attempt(net: &Network, base: &Network, q_rec: f32) -> Option<(Vec<u8>, Network)> {
        let q_io = q_rec / 4.0;
        let mut codes = Vec::new();
        let mut rebuilt = Network::zeros(&net.config);
        let steps = [q_io, q_rec, q_io, q_io, q_io];
        for (((w, b), r), q) in net
            .params()
            .iter()
            .zip(base.params())
            .zip(rebuilt.params_mut())
            .zip(steps)
        {
            if !quantise(w, b, q, &mut codes, r) {
                return None;
            }
        }
        Some((codes, rebuilt))
    }

    pub fn encode(config: &Config, net: &Network, steps: u64) -> Vec<u8> {
        // Base: the seeded initial weights when W_rec is nearer to them than to zero.
        let init = Network::init(&config.model, config.seed);
        let dist = |b: &[f32]| -> f64 {
            net.w_rec
                .iter()
                .zip(b)
                .map(|(w, b)| ((*w - *b) as f64).powi(2))
                .sum()
        };
        let zeros = Network::zeros(&config.model);
        let (base_id, base) = if dist(&init.w_rec) < dist(&zeros.w_rec) {
            (1u8, init)
        } else {
            (0u8, zeros)
        };
        let chosen = if config.validate().is_ok() && net.is_finite() {
            search(config, net, &base)
        } else {
            None
        };
        let (q_rec, codes, rebuilt) = match chosen {
            Some(c) => c,
            None => {
                // Lossless fallback: the f32 bits themselves.
                let (codes, rebuilt) =
                    attempt(net, &base, 0.0).unwrap_or_else(|| (Vec::new(), net.clone()));
                (0.0, codes, rebuilt)
            }
        };
        let json = config_json(config);
        let mut out = Vec::with_capacity(COMPACT_HEADER_BYTES + json.len() + codes.len());
        out.extend_from_slice(&(json.len() as u32).to_le_bytes());
        out.extend_from_slice(&steps.to_le_bytes());
        out.push(base_id);
        out.extend_from_slice(&q_rec.to_le_bytes());
        out.extend_from_slice(&(q_rec / 4.0).to_le_bytes());
        out.extend_from_slice(&weights_crc(&rebuilt).to_le_bytes());
        out.extend_from_slice(&json);
        out.extend_from_slice(&codes);
        out
    }

    /// Walks the ladder from the coarsest step; returns the first rung that keeps the bounds.
    fn search(config: &Config, net: &Network, base: &Network) -> Option<(f32, Vec<u8>, Network)> {
        let n = net.config.hidden;
        // No spectrum (weights the solver cannot handle): no compact form, the lossless one.
        let rho = spectral_radius(&eigenvalues(&net.w_rec, n).ok()?);
        let val = validation_set(&config.task, config.seed, config.train.val_trials);
        let mut ws = Workspace::default();
        let acc = evaluate(net, &val, &mut ws).bit_accuracy as f64;
        let mut q = COMPACT_COARSEST_STEP;
        for _ in 0..COMPACT_RUNGS {
            if let Some((codes, rebuilt)) = attempt(net, base, q) {
                let rho_q = eigenvalues(&rebuilt.w_rec, n).map(|e| spectral_radius(&e));
                if rebuilt.is_finite()
                    && rho_q.is_ok_and(|r| (r - rho).abs() <= COMPACT_MAX_RADIUS_CHANGE)
                {
                    let acc_q = evaluate(&rebuilt, &val, &mut ws).bit_accuracy as f64;
                    if (acc_q - acc).abs() <= COMPACT_MAX_ACCURACY_CHANGE {
                        return Some((q, codes, rebuilt));
                    }
                }
            }
            q *= 0.840_896_4; // 2^(-1/4)
        }
        None
    }

    fn le_u32(b: &[u8], at: usize) -> u32 {
        u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
    }

    pub fn decode(body: &[u8]) -> Result<Decoded, LinkError> {
        if body.len() < COMPACT_HEADER_BYTES {
            return Err(LinkError::Malformed("the compact header is cut short"));
        }
        let json_len = le_u32(body, 0) as usize;
        let mut s = [0u8; 8];
        s.copy_from_slice(&body[4..12]);
        let steps = u64::from_le_bytes(s);
        let base_id = body[12];
        let q_rec = f32::from_bits(le_u32(body, 13));
        let q_io = f32::from_bits(le_u32(body, 17));
        let crc = le_u32(body, 21);
        if base_id > 1 {
            return Err(LinkError::Malformed("unknown base for the weights"));
        }
        let steps_ok = |q: f32| q.is_finite() && q >= 0.0;
        if !steps_ok(q_rec) || !steps_ok(q_io) {
            return Err(LinkError::Malformed(
                "a quantisation step is negative or not finite",
            ));
        }
        if json_len > body.len() - COMPACT_HEADER_BYTES {
            return Err(LinkError::Malformed("the config is cut short"));
        }
        let json_end = COMPACT_HEADER_BYTES + json_len;
        let config = parse_config(&body[COMPACT_HEADER_BYTES..json_end])?;
        // Validated: N ≤ 1024, bits ≤ 8. Each weight takes at least one byte, so a body too short
        // for the shapes is refused before the base network is built.
        let count = netfile::stored_weights(config.model.hidden, config.model.bits);
        if body.len() - json_end < count {
            return Err(LinkError::Malformed("the weights end early"));
        }
        let base = base_network(&config, base_id);
        let mut net = Network::zeros(&config.model);
        let mut at = json_end;
        let steps_by_tensor = [q_io, q_rec, q_io, q_io, q_io];
        for (((name, dst), b), q) in TENSORS
            .iter()
            .zip(net.params_mut())
            .zip(base.params())
            .zip(steps_by_tensor)
        {
            for (index, (d, b)) in dst.iter_mut().zip(b).enumerate() {
                let z = get_varint(body, &mut at)?;
                let w = if q == 0.0 {
                    let bits = u32::try_from(z).map_err(|_| {
                        LinkError::Malformed("a lossless weight has more than 32 bits")
                    })?;
                    f32::from_bits(bits)
                } else {
                    rebuild(*b, unzigzag(z), q)
                };
                if !w.is_finite() {
                    return Err(LinkError::NonFinite {
                        tensor: name,
                        index,
                    });
                }
                *d = w;
            }
        }
        if at != body.len() {
            return Err(LinkError::Malformed("extra bytes after the weights"));
        }
        if !config.model.rec_bias && net.b_rec.iter().any(|b| *b != 0.0) {
            return Err(LinkError::Malformed(
                "non-zero b_rec but model.rec_bias is false",
            ));
        }
        if weights_crc(&net) != crc {
            return Err(LinkError::RebuildMismatch);
        }
        Ok(Decoded {
            kind: LinkKind::Compact,
            config,
            network: Some(net),
            steps,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny() -> (Config, Network) {
        let mut cfg = Config::default();
        cfg.model.hidden = 8;
        cfg.train.val_trials = 4;
        let net = Network::init(&cfg.model, cfg.seed);
        (cfg, net)
    }

    #[test]
    fn payload_is_found_in_urls_and_fragments() {
        let (cfg, net) = tiny();
        let frag = encode_link(LinkKind::Exact, &cfg, &net, 3);
        assert!(frag.starts_with("net=RkZM"), "{frag}");
        let url = share_url("http://127.0.0.1:8080/#old", &frag);
        assert!(url.starts_with("http://127.0.0.1:8080/#net="));
        let payload = &frag[4..];
        let wrapped = format!("{}\n{}", &payload[..10], &payload[10..]);
        for text in [
            url.clone(),
            format!("#{frag}"),
            format!("http://x/#{frag}"),
            frag.clone(),
            payload.to_string(),
            format!("http://x/#a=1&{frag}&b=2"),
            format!("  {wrapped}  "),
        ] {
            let d = decode_link(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(d.network.as_ref(), Some(&net));
            assert_eq!(d.steps, 3);
        }
        assert!(matches!(
            decode_link("http://x/#a=1"),
            Err(LinkError::NotALink(_))
        ));
        assert!(matches!(
            decode_link("http://x/"),
            Err(LinkError::NotALink(_))
        ));
        assert!(matches!(decode_link(""), Err(LinkError::NotALink(_))));
        assert!(matches!(decode_link("net="), Err(LinkError::NotALink(_))));
    }
}
