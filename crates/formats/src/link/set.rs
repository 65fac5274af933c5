//! One link for a set of networks (the lab's Compare view): `#set=<p₁>.<p₂>.….<p_K>`, where
//! each `pᵢ` is the payload of an ordinary link ([`super::encode_link`], compact by default)
//! and `.` (not a base64url character) separates them. Every payload carries its own
//! container checksum, so each network is checked on its own and an error names which one
//! is damaged. At most [`MAX_SET_NETWORKS`] networks.

use super::{decode_link, encode_link, Decoded, LinkError, LinkKind, MAX_LINK_CHARS};
use flipflop_core::config::Config;
use flipflop_core::model::Network;
use std::fmt;

/// The fragment key of a set link: `set=<payloads>`.
pub const SET_KEY: &str = "set";
/// Most networks in one set link (the Compare view trains at most 8).
pub const MAX_SET_NETWORKS: usize = 8;

/// Why a set link cannot be opened.
#[derive(Clone, Debug, PartialEq)]
pub enum SetLinkError {
    /// No `set=` fragment in the text.
    NotASetLink,
    /// The set holds no networks, or more than [`MAX_SET_NETWORKS`].
    Count(usize),
    /// The text is longer than any set link.
    TooLong(usize),
    /// Network `index` (0-based) of the set cannot be decoded.
    Network {
        /// Which network.
        index: usize,
        /// What is wrong with its payload.
        error: LinkError,
    },
}

impl fmt::Display for SetLinkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SetLinkError::NotASetLink => write!(
                f,
                "not a set link: a link to a set of networks contains '#set=' followed by \
                 the networks' payloads separated by '.'"
            ),
            SetLinkError::Count(n) => write!(
                f,
                "a set link holds 1 to {MAX_SET_NETWORKS} networks; this one holds {n}"
            ),
            SetLinkError::TooLong(n) => write!(
                f,
                "this text is {n} characters long, longer than any set link ({} at most)",
                MAX_SET_NETWORKS * MAX_LINK_CHARS
            ),
            SetLinkError::Network { index, error } => {
                write!(f, "network {} of the set link: {error}", index + 1)
            }
        }
    }
}

impl std::error::Error for SetLinkError {}

/// The fragment `set=<p₁>.….<p_K>` (without `#`) for `networks` (config, weights, steps
/// trained), each encoded as a link of `kind` (compact falls back to exact per network where
/// that is shorter, as in [`encode_link`]).
///
/// # Errors
/// [`SetLinkError::Count`] for 0 or more than [`MAX_SET_NETWORKS`] networks.
pub fn encode_set_link(
    kind: LinkKind,
    networks: &[(&Config, &Network, u64)],
) -> Result<String, SetLinkError> {
    if networks.is_empty() || networks.len() > MAX_SET_NETWORKS {
        return Err(SetLinkError::Count(networks.len()));
    }
    let payloads: Vec<String> = networks
        .iter()
        .map(|(c, n, s)| {
            let frag = encode_link(kind, c, n, *s);
            frag.split_once('=')
                .map_or(frag.clone(), |(_, p)| p.to_string())
        })
        .collect();
    Ok(format!("{SET_KEY}={}", payloads.join(".")))
}

/// The text after `set=` in `text` (a URL, a fragment or the fragment's value), up to the first
/// character that is neither base64url nor `.`.
fn set_payloads(text: &str) -> Option<&str> {
    let key = format!("{SET_KEY}=");
    let at = text.match_indices(&key).find(|(i, _)| {
        *i == 0 || matches!(text.as_bytes()[i - 1], b'#' | b'&' | b'?' | b' ' | b'\n')
    })?;
    let rest = &text[at.0 + key.len()..];
    let end = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.'))
        .unwrap_or(rest.len());
    Some(&rest[..end])
}

/// Whether `text` holds a set link (so the page opens the Compare view with it).
pub fn has_set_link(text: &str) -> bool {
    set_payloads(text).is_some_and(|p| !p.is_empty())
}

/// Decodes every network of a set link found in `text`, in order.
///
/// # Errors
/// A [`SetLinkError`] naming the first network that cannot be opened and why.
pub fn decode_set_link(text: &str) -> Result<Vec<Decoded>, SetLinkError> {
    if text.len() > MAX_SET_NETWORKS * MAX_LINK_CHARS {
        return Err(SetLinkError::TooLong(text.len()));
    }
    let payloads = set_payloads(text).ok_or(SetLinkError::NotASetLink)?;
    let parts: Vec<&str> = payloads.split('.').filter(|p| !p.is_empty()).collect();
    if parts.is_empty() || parts.len() > MAX_SET_NETWORKS {
        return Err(SetLinkError::Count(parts.len()));
    }
    parts
        .iter()
        .enumerate()
        .map(|(index, p)| decode_link(p).map_err(|error| SetLinkError::Network { index, error }))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nets(k: usize) -> Vec<(Config, Network)> {
        (0..k)
            .map(|i| {
                let mut cfg = Config::default();
                cfg.model.hidden = 8;
                cfg.train.val_trials = 4;
                cfg.seed = 10 + i as u64;
                let net = Network::init(&cfg.model, cfg.seed);
                (cfg, net)
            })
            .collect()
    }

    #[test]
    fn set_round_trips_in_order() {
        let set = nets(4);
        let refs: Vec<_> = set.iter().map(|(c, n)| (c, n, 7u64)).collect();
        let frag = encode_set_link(LinkKind::Exact, &refs).unwrap();
        assert!(frag.starts_with("set=RkZM"), "{frag}");
        assert_eq!(frag.matches('.').count(), 3);
        let url = super::super::share_url("http://127.0.0.1:8080/", &frag);
        for text in [
            url.clone(),
            format!("#{frag}"),
            frag.clone(),
            format!("see {url}."),
        ] {
            assert!(has_set_link(&text), "{text}");
            let d = decode_set_link(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(d.len(), 4);
            for (got, (cfg, net)) in d.iter().zip(&set) {
                assert_eq!(got.network.as_ref(), Some(net));
                assert_eq!(got.config.seed, cfg.seed);
                assert_eq!(got.steps, 7);
            }
        }
        // An ordinary link is not a set link (and "asset=" is not "set=").
        let one = encode_link(LinkKind::Exact, &set[0].0, &set[0].1, 1);
        assert!(!has_set_link(&one));
        assert!(!has_set_link("http://x/#asset=abc"));
        assert_eq!(decode_set_link(&one), Err(SetLinkError::NotASetLink));
    }

    #[test]
    fn damage_names_the_network() {
        let set = nets(3);
        let refs: Vec<_> = set.iter().map(|(c, n)| (c, n, 1u64)).collect();
        let frag = encode_set_link(LinkKind::Exact, &refs).unwrap();
        // Flip one character inside the second payload.
        let second = frag.find('.').unwrap() + 40;
        let mut bytes = frag.into_bytes();
        bytes[second] = if bytes[second] == b'A' { b'B' } else { b'A' };
        let damaged = String::from_utf8(bytes).unwrap();
        match decode_set_link(&damaged) {
            Err(e @ SetLinkError::Network { index: 1, .. }) => {
                assert!(
                    e.to_string().starts_with("network 2 of the set link"),
                    "{e}"
                )
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(decode_set_link("#set="), Err(SetLinkError::Count(0)));
        assert_eq!(decode_set_link("#set=..."), Err(SetLinkError::Count(0)));
        let nine = nets(9);
        let refs: Vec<_> = nine.iter().map(|(c, n)| (c, n, 1u64)).collect();
        assert_eq!(
            encode_set_link(LinkKind::Exact, &refs),
            Err(SetLinkError::Count(9))
        );
    }
}
