//! Why a text is not a usable link: one variant per cause, each message in words a teacher
//! can act on.

use super::{OVERHEAD_BYTES, VERSION};
use crate::netfile::FormatError;
use flipflop_core::error::ConfigError;
use std::fmt;

/// `4096` → `"4,096"`.
pub fn thousands(v: u64) -> String {
    let s = v.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
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
    /// The link ends early: it was cut off (by a chat, mail or office tool, or when copying).
    Cut {
        /// Characters of the link as found (from the start of its address, or of `net=`).
        chars: usize,
        /// A length limit of common tools that `chars` matches exactly, if any.
        limit: Option<usize>,
    },
    /// The text is still percent-encoded after undoing
    /// [`MAX_PERCENT_LAYERS`](super::MAX_PERCENT_LAYERS) layers.
    EncodedTooOften {
        /// Layers found.
        layers: usize,
    },
    /// The text is something else than a link (a file's contents, a plain address, …).
    WrongText(&'static str),
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
            BadCharacter { position, found } if matches!(found, '+' | '/' | '=') => write!(
                f,
                "this link's text was converted to standard base64 (character {found:?} at \
                 position {position} of the payload; links use only A-Z a-z 0-9 - _): copy the \
                 link itself, not a converted copy"
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
                "this link is complete but was changed after it was made: its checksum \
                 {computed:08x} does not match the stored {stored:08x}, so a character was altered, \
                 added or lost on the way (copy the link from the original message)"
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
            Config(e) => write!(
                f,
                "this link holds a value outside the lab's ranges: {e}; nothing was opened or trained"
            ),
            NonFinite { tensor, index } => {
                write!(f, "link has a NaN or infinite weight: {tensor}[{index}]")
            }
            Cut { limit: Some(limit), .. } => write!(
                f,
                "this link was cut off after {} characters (a limit of some chat, mail and office \
                 tools), so its end is missing; send it as a file, or as a shorter kind of link \
                 (compact or recipe)",
                thousands(*limit as u64)
            ),
            Cut { chars, limit: None } => write!(
                f,
                "this link was cut off: its end is missing (only {} characters arrived); copy \
                 the whole link again, or send the network as a file",
                thousands(*chars as u64)
            ),
            EncodedTooOften { layers } => write!(
                f,
                "this link was percent-encoded {layers} times over (%25…), more than any tool \
                 does; copy the link from the original message"
            ),
            WrongText(what) => write!(f, "this is not a Flip-Flop Lab link: {what}"),
            RebuildMismatch => write!(
                f,
                "this compact link rebuilds different weights in this version of the lab (its \
                 initial weights differ from the version that made it); ask for an exact link"
            ),
        }
    }
}

impl std::error::Error for LinkError {}
