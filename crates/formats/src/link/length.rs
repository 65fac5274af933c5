//! How long a link may be before the tools people send it through cut it, and what to do then.
//! The CLI prints the warning; the page's Share dialog shows the same text.

use super::error::thousands;
use super::LinkKind;
use std::fmt;

/// Longest address Chromium-based browsers open (2 MiB); longer links do nothing there.
pub const BROWSER_LIMIT: usize = 2 << 20;
/// Links longer than this are cut by many chat and mail tools and by spreadsheet cells (a few
/// thousand characters: 2,000 to 4,096 in common chat apps and old browsers, 2,083 in Internet
/// Explorer and some Office versions).
pub const CHAT_LIMIT: usize = 2_000;

/// How serious a length is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    /// Browsers open it, but chat and mail tools may cut it.
    MayBeCut,
    /// Longer than browsers open.
    TooLongToOpen,
}

/// A warning about a link's length, with advice. `Display` gives the whole message.
#[derive(Clone, Debug, PartialEq)]
pub struct LengthWarning {
    /// Characters of the whole link (address included).
    pub chars: usize,
    /// The limit it exceeds.
    pub limit: usize,
    /// How serious.
    pub severity: Severity,
    /// The kind of link.
    pub kind: LinkKind,
}

impl fmt::Display for LengthWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.severity {
            Severity::TooLongToOpen => write!(
                f,
                "this link has {} characters, more than browsers open ({} in Chromium-based \
                 browsers); ",
                thousands(self.chars as u64),
                thousands(self.limit as u64)
            )?,
            Severity::MayBeCut => write!(
                f,
                "this link has {} characters: many chat and mail tools cut links after a few \
                 thousand characters (some after {}), and a cut link does not open; ",
                thousands(self.chars as u64),
                thousands(self.limit as u64)
            )?,
        }
        match self.kind {
            LinkKind::Exact => write!(
                f,
                "a compact link is much shorter, a recipe link shorter still (the receiver \
                 retrains the network), or send the network as a file"
            ),
            LinkKind::Compact => write!(
                f,
                "a recipe link is much shorter (the receiver retrains the network), or send \
                 the network as a file"
            ),
            LinkKind::Recipe => write!(f, "send the network as a file instead"),
        }
    }
}

/// The warning for a link of `kind` that has `chars` characters (the whole address), if it is
/// longer than [`CHAT_LIMIT`] (or [`BROWSER_LIMIT`]).
pub fn length_warning(kind: LinkKind, chars: usize) -> Option<LengthWarning> {
    let (limit, severity) = if chars > BROWSER_LIMIT {
        (BROWSER_LIMIT, Severity::TooLongToOpen)
    } else if chars > CHAT_LIMIT {
        (CHAT_LIMIT, Severity::MayBeCut)
    } else {
        return None;
    };
    Some(LengthWarning {
        chars,
        limit,
        severity,
        kind,
    })
}
