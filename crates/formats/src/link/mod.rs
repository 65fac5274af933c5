//! Share links: a network, or the recipe that trains it, packed into the fragment of a URL
//! (`https://lab.example/#net=RkZM…`). The fragment never reaches a server. Pure strings and
//! bytes in and out; the page and the CLI add the base URL.
//!
//! # Text
//!
//! The fragment is `net=<payload>`, where the payload is the container below in base64url
//! without padding (RFC 4648 §5: `A–Z a–z 0–9 - _`). Every link therefore starts
//! `net=RkZM` (base64 of `FFL`). [`decode_link`] accepts a whole URL, a fragment, the bare
//! payload, or any text around one, and first undoes what mail, chat and office tools do to
//! links ([`clean`]: `%23` for `#`, redirectors, wrapping, brackets and punctuation around it).
//! A link that still cannot be opened is diagnosed: cut off (and at which common limit),
//! percent-encoded too often, altered (a checksum failure that is not a cut), or not a link.
//! [`length_warning`] says when a link is longer than chat tools or browsers take.
//! A set of networks (the Compare view) travels as one link `#set=<p₁>.….<p_K>` of such
//! payloads ([`set`]).
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
//! Bodies (one module each: [`container`], `recipe`, `compact`):
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
//!   the varint is then the f32 bit pattern itself (bases 0 and 1), or (base 2) the zigzagged
//!   integer difference `bits(w) − bits(w₀)`: few significant bits for weights that training
//!   moved only a little from their seeded start (e.g. one step after Reset). The encoder picks the coarsest `q_rec`
//!   on a ladder (`q_io = q_rec / 4`) whose rebuilt network keeps the spectral radius of
//!   W_rec within [`COMPACT_MAX_RADIUS_CHANGE`] and the held-out bit accuracy (the config's
//!   own validation trials) within [`COMPACT_MAX_ACCURACY_CHANGE`] of the original, so the
//!   guarantee is checked, not hoped for.
//!
//!   ```text
//!   offset  size  field
//!        0     4  L = config JSON length (u32)
//!        4     8  steps trained (u64)
//!       12     1  base: 0 = zeros, 1 = seeded initial weights, 2 = lossless offsets of
//!                 the f32 bit patterns from the seeded initial weights' (both steps 0)
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

pub mod clean;
mod compact;
pub mod container;
mod error;
mod length;
mod recipe;
pub mod set;

pub use clean::{find_link, Found, MAX_PERCENT_LAYERS};
pub use container::decode_container;
pub use error::{thousands, LinkError};
pub use length::{length_warning, LengthWarning, Severity, BROWSER_LIMIT, CHAT_LIMIT};
pub use set::{decode_set_link, encode_set_link, has_set_link, SetLinkError, MAX_SET_NETWORKS};

use crate::netfile::{self, NetFile};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use flipflop_core::config::Config;
use flipflop_core::model::Network;

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
    compact::HEADER_BYTES + netfile::MAX_CONFIG_BYTES + 5 * netfile::MAX_WEIGHTS;
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

/// Candidate ends tried when spaces make a link's end ambiguous (see [`clean`]).
const MAX_END_TRIES: usize = 32;
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

    fn from_tag(tag: u8) -> Option<Self> {
        match tag {
            b'E' => Some(LinkKind::Exact),
            b'C' => Some(LinkKind::Compact),
            b'R' => Some(LinkKind::Recipe),
            _ => None,
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

/// Encodes a link of `kind` for a network trained `steps` steps from `config` and returns the
/// fragment text `net=<payload>` (without `#`; see [`share_url`]). The config stored is `config`
/// with its `model` replaced by `net.config`, as in the network file.
///
/// A compact link evaluates candidate networks on the config's validation trials (see the
/// module docs); with an invalid config it stores the weights losslessly instead. A compact
/// link is never longer than the exact one: where the exact encoding is shorter (networks
/// whose quantised weights do not keep the bounds, e.g. just after Reset and one step), the
/// exact link is returned, and it decodes as [`LinkKind::Exact`].
pub fn encode_link(kind: LinkKind, config: &Config, net: &Network, steps: u64) -> String {
    let mut config = config.clone();
    config.model = net.config.clone();
    let exact = || container::wrap(LinkKind::Exact, &netfile::encode(&config, net, steps));
    let packed = match kind {
        LinkKind::Exact => exact(),
        LinkKind::Recipe => container::wrap(kind, &recipe::encode(&config, steps)),
        LinkKind::Compact => {
            let c = container::wrap(kind, &compact::encode(&config, net, steps));
            let e = exact();
            if e.len() < c.len() {
                e
            } else {
                c
            }
        }
    };
    format!("{FRAGMENT_KEY}={}", URL_SAFE_NO_PAD.encode(packed))
}

/// Why a link made by [`encode_link`] could not be opened again, or `None` when it can: its
/// payload is longer than [`MAX_LINK_CHARS`], which [`decode_link`] refuses. Only exact links
/// of the largest gated networks get there (an LSTM of N 1024 with 8 bits is about 22.6 M
/// characters; the largest vanilla network about 5.7 M); the message points at what carries
/// such a network instead. Callers that hand out links check this first.
pub fn unopenable(fragment: &str) -> Option<String> {
    let payload = fragment.strip_prefix("net=").unwrap_or(fragment);
    (payload.len() > MAX_LINK_CHARS).then(|| {
        format!(
            "this {} link would have {} characters, more than any link opens ({}): this \
             network is too large to travel as an exact link. Use a compact link (quantised \
             weights, much shorter), a recipe link (the receiver retrains it), or send the \
             network file itself",
            kind_of(fragment).map_or("exact", LinkKind::name),
            thousands(payload.len() as u64),
            thousands(MAX_LINK_CHARS as u64)
        )
    })
}

/// The kind of a link made by [`encode_link`] (read from its header, nothing decoded): a
/// compact request may have produced an exact link. `None` for text that is not such a link.
pub fn kind_of(fragment: &str) -> Option<LinkKind> {
    let payload = fragment.strip_prefix("net=").unwrap_or(fragment);
    let head = URL_SAFE_NO_PAD.decode(payload.get(..8)?).ok()?;
    (head[..3] == MAGIC)
        .then(|| LinkKind::from_tag(head[4]))
        .flatten()
}

/// Joins a base URL (any fragment it has is dropped) and a fragment from [`encode_link`].
pub fn share_url(base: &str, fragment: &str) -> String {
    let base = base.split('#').next().unwrap_or(base);
    format!("{base}#{fragment}")
}

/// Whether `text` (e.g. the page's `location.href`) holds something meant as a link, so that
/// the page tries to open it; [`decode_link`] then says what is wrong with it, if anything.
pub fn has_link(text: &str) -> bool {
    find_link(text).is_ok()
}

fn config_json(config: &Config) -> Vec<u8> {
    // Serialising plain data (no maps with non-string keys) cannot fail.
    serde_json::to_vec(config).unwrap_or_default()
}

/// Parses and checks a config carried by a link ([`netfile::check_config`]).
fn parse_config(json: &[u8]) -> Result<Config, LinkError> {
    let config: Config =
        serde_json::from_slice(json).map_err(|e| LinkError::ConfigJson(e.to_string()))?;
    netfile::check_config(&config).map_err(LinkError::Config)?;
    Ok(config)
}

/// Decodes a link found anywhere in `text` (a URL, a fragment, a bare payload, or a message
/// around one; see the module docs and [`clean`] for what is undone, and every check).
///
/// # Errors
/// A [`LinkError`] that says what happened: cut off (at which length), altered, encoded too
/// often, not a link, or what in the payload is invalid.
pub fn decode_link(text: &str) -> Result<Decoded, LinkError> {
    let found = find_link(text)?;
    let p = found.payload.as_bytes();
    let ends = std::iter::once(p.len()).chain(found.breaks.iter().rev().copied());
    for end in ends.take(MAX_END_TRIES) {
        if let Ok(bytes) = URL_SAFE_NO_PAD.decode(&p[..end]) {
            if container::sealed(&bytes) {
                return decode_container(&bytes);
            }
        }
    }
    if let Some((position, found)) = found.stray {
        return Err(LinkError::BadCharacter { position, found });
    }
    diagnose(&found)
}

/// Why a found payload (none of whose candidate ends verifies) cannot be opened.
fn diagnose(found: &Found) -> Result<Decoded, LinkError> {
    let p = found.payload.as_bytes();
    let cut = || LinkError::Cut {
        chars: found.link_chars,
        limit: found.known_cut(),
    };
    // A payload cut (or altered) mid-character has an impossible length or ending: read the
    // longest prefix that decodes.
    let (bytes, whole) = match URL_SAFE_NO_PAD.decode(p) {
        Ok(b) => (b, true),
        Err(_) => {
            let prefix = (1..=3)
                .filter(|d| *d < p.len())
                .find_map(|d| URL_SAFE_NO_PAD.decode(&p[..p.len() - d]).ok());
            match prefix {
                Some(b) => (b, false),
                None => return Err(LinkError::BadEncoding),
            }
        }
    };
    let m = bytes.len().min(MAGIC.len());
    if bytes[..m] != MAGIC[..m] {
        return Err(LinkError::BadMagic);
    }
    if bytes.len() < OVERHEAD_BYTES {
        return Err(cut());
    }
    if bytes[3] != VERSION {
        return Err(LinkError::UnsupportedVersion { found: bytes[3] });
    }
    if container::runs_out(&bytes) {
        return Err(cut());
    }
    if !whole {
        return Err(LinkError::BadEncoding);
    }
    decode_container(&bytes)
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
