//! Finding a link in text that mail, chat and office tools have been through: the one cleaning
//! step that the page (with `location.href`) and the CLI (with its argument) both use.
//!
//! What is undone, and why each step is unambiguous (a payload is base64url, `A–Z a–z 0–9 - _`
//! only, so no character removed here can belong to it):
//!
//! | what tools do | what is done here |
//! |---|---|
//! | soft hyphens, zero-width spaces and joiners, byte-order marks inserted by wrapping | removed everywhere |
//! | `#` → `%23`, `=` → `%3D`, a redirector's `?url=<encoded link>` (mail "safe links"), done up to [`MAX_PERCENT_LAYERS`] times | `%XX` decoded layer by layer; `&amp;` read as `&` |
//! | line breaks, no-break and other spaces inserted inside the link | skipped inside the payload, and remembered as *breaks* |
//! | the link inside quotes, brackets or parentheses, followed by `.` `,` `)` `>` … | the payload ends at the first character that is neither base64url nor a space |
//!
//! Spaces are the one ambiguous case: a space inside the payload may be wrapping (keep going)
//! or the end of the link followed by words (stop). [`super::decode_link`] tries the whole run
//! first and then each break from the last, and keeps the first whose container checksum
//! matches, so the checksum decides, not a guess.

use super::{LinkError, FRAGMENT_KEY, MAX_LINK_CHARS};

/// Percent-encoding layers undone at most (a link inside a redirector inside a redirector is
/// two; nothing real does more than three).
pub const MAX_PERCENT_LAYERS: usize = 4;

/// Longest text examined, in bytes: a whole mail around the longest link.
pub const MAX_TEXT_BYTES: usize = 4 * MAX_LINK_CHARS;

/// Lengths at which common tools cut text (characters): URL limits of old browsers and servers
/// (2,083, 2,048, 4,096, 8,192), chat message limits (2,000, 4,000, 40,000), spreadsheet cells
/// and hyperlinks (255, 32,767), and powers of two that buffers use.
pub const KNOWN_CUTS: [usize; 20] = [
    255, 256, 1000, 1024, 2000, 2047, 2048, 2083, 4000, 4095, 4096, 8000, 8191, 8192, 16384, 32767,
    32768, 40000, 65535, 65536,
];

/// A link found in a text.
#[derive(Clone, Debug, PartialEq)]
pub struct Found {
    /// The payload: base64url characters only, everything ignorable removed.
    pub payload: String,
    /// Payload lengths at which spaces or line breaks were skipped (ascending): the places the
    /// link may really have ended.
    pub breaks: Vec<usize>,
    /// Characters of the link as found, from the start of its address (or of `net=`, or of the
    /// bare payload) to the end of the payload, spaces excluded.
    pub link_chars: usize,
    /// Percent-encoding layers undone.
    pub layers: usize,
    /// The character that ended the payload when more payload-like text follows it directly
    /// (`(position in the payload, character)`): a damaged link, unless a shorter run verifies.
    pub stray: Option<(usize, char)>,
}

impl Found {
    /// The common cut length that this link's length matches, if any.
    pub fn known_cut(&self) -> Option<usize> {
        [self.link_chars, self.payload.len()]
            .into_iter()
            .find(|n| KNOWN_CUTS.contains(n))
    }
}

fn is_payload_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}

/// Characters that wrapping inserts and that are never part of a link or of words around it.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}' | '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{180E}'
    )
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// Whether the text holds a `%XX` escape.
fn has_escape(t: &str) -> bool {
    let b = t.as_bytes();
    b.windows(3)
        .any(|w| w[0] == b'%' && hex(w[1]).is_some() && hex(w[2]).is_some())
}

/// Decodes every `%XX` once (invalid UTF-8 that results is replaced, never fatal).
fn percent_decode(t: &str) -> String {
    let b = t.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                out.push(h << 4 | l);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Where `pat` (ASCII) occurs in `t` with any whitespace between its characters (wrapping may
/// break a key too), at most `max` times: `(byte of its first character, byte after it)`.
fn find_spaced(t: &str, pat: &str, max: usize) -> Vec<(usize, usize)> {
    let pat = pat.as_bytes();
    let mut found = Vec::new();
    // Last `pat.len()` non-space characters seen: (byte position, byte), ASCII only.
    let mut window: std::collections::VecDeque<(usize, char)> =
        std::collections::VecDeque::with_capacity(pat.len());
    for (i, c) in t.char_indices() {
        if c.is_whitespace() {
            continue;
        }
        if window.len() == pat.len() {
            window.pop_front();
        }
        window.push_back((i, c));
        if window.len() == pat.len() && window.iter().zip(pat).all(|((_, c), p)| *c == *p as char) {
            found.push((window[0].0, i + c.len_utf8()));
            if found.len() == max {
                break;
            }
        }
    }
    found
}

/// Where the payload starts: after the first `net=` at a word start whose value begins like a
/// payload (`RkZM`), else after the first `net=` at a word start, else at a bare payload
/// `RkZM…` at a word start. `None` when there is neither. Returns `(start of the key or of
/// the bare payload, start of the payload)`.
fn payload_start(t: &str) -> Option<(usize, usize)> {
    let key = format!("{FRAGMENT_KEY}=");
    let word_start = |i: usize| {
        t[..i]
            .chars()
            .next_back()
            .is_none_or(|c| !(is_payload_char(c) || c == '.'))
    };
    let mut first = None;
    for (at, value) in find_spaced(t, &key, 64) {
        if !word_start(at) {
            continue;
        }
        let rest: String = t[value..]
            .chars()
            .filter(|c| !c.is_whitespace())
            .take(4)
            .collect();
        if rest == "RkZM" {
            return Some((at, value));
        }
        first.get_or_insert((at, value));
    }
    if first.is_some() {
        return first;
    }
    find_spaced(t, "RkZM", 64)
        .into_iter()
        .map(|(i, _)| i)
        .find(|&i| word_start(i))
        .map(|i| (i, i))
}

/// Where the link's address starts, given where its `net=` or payload starts: the scheme of an
/// address ending right there (`http…://…#net=`), else `at` itself.
fn link_start(t: &str, at: usize) -> usize {
    let before = &t[..at];
    let token_start = before
        .rfind(|c: char| c.is_whitespace() || "\"'<>()[]{}".contains(c))
        .map_or(0, |i| {
            i + before[i..].chars().next().map_or(1, char::len_utf8)
        });
    let token = &before[token_start..];
    match token.find("://") {
        Some(s) => {
            let scheme = token[..s]
                .char_indices()
                .rev()
                .find(|(_, c)| !c.is_ascii_alphanumeric())
                .map_or(0, |(i, c)| i + c.len_utf8());
            token_start + scheme
        }
        None => at,
    }
}

/// Why a text without a recognisable link is not one.
fn not_a_link(t: &str) -> LinkError {
    let t = t.trim();
    if t.is_empty() {
        return LinkError::NotALink("the text is empty");
    }
    if t.starts_with('{') || t.starts_with('[') {
        return LinkError::WrongText(
            "it is JSON (the contents of a file?); import it as a file instead",
        );
    }
    if t.starts_with("\u{89}HDF") || t.starts_with("PK") || t.starts_with("FFLABNET") {
        return LinkError::WrongText("it is the contents of a file; import the file instead");
    }
    if t.contains("://") || t.starts_with("www.") {
        return if t.contains('#') {
            LinkError::NotALink("the address's '#' part has no 'net=' entry")
        } else {
            LinkError::NotALink(
                "the address has no '#net=…' part: it was cut off before the network, or it is \
                 the address of the page, not a share link",
            )
        };
    }
    LinkError::NotALink("the text holds no share link (a share link contains '#net=RkZM…')")
}

/// Finds the link in `text` (see the module docs for what is undone).
///
/// # Errors
/// [`LinkError::TooLong`] for text or payload beyond the limits, [`LinkError::EncodedTooOften`],
/// [`LinkError::NotALink`] / [`LinkError::WrongText`] when no link is there.
pub fn find_link(text: &str) -> Result<Found, LinkError> {
    if text.len() > MAX_TEXT_BYTES {
        return Err(LinkError::TooLong {
            chars: text.len(),
            max: MAX_LINK_CHARS,
        });
    }
    let mut t: String = text.chars().filter(|c| !is_invisible(*c)).collect();
    let mut layers = 0;
    while has_escape(&t) && layers < MAX_PERCENT_LAYERS {
        // Encoded wrapping characters (`%C2%AD`) appear only now: removed again.
        t = percent_decode(&t)
            .chars()
            .filter(|c| !is_invisible(*c))
            .collect();
        layers += 1;
    }
    if layers == MAX_PERCENT_LAYERS && (t.contains("%23") || t.contains("%25")) {
        return Err(LinkError::EncodedTooOften { layers: layers + 1 });
    }
    let t = t.replace("&amp;", "&");
    let Some((key_at, start)) = payload_start(&t) else {
        // A bare payload that does not start like ours (no '=', '#' or address): let the
        // decoder say what it is.
        let trimmed = t.trim();
        let bare = !trimmed.is_empty()
            && !trimmed.contains("://")
            && trimmed
                .chars()
                .all(|c| is_payload_char(c) || c.is_whitespace());
        if bare {
            return scan(
                &t,
                trimmed.as_ptr() as usize - t.as_ptr() as usize,
                0,
                layers,
            );
        }
        return Err(not_a_link(&t));
    };
    let head = t[link_start(&t, key_at)..start]
        .chars()
        .filter(|c| !c.is_whitespace())
        .count();
    scan(&t, start, head, layers)
}

/// Reads the payload from byte `start` of `t`.
fn scan(t: &str, start: usize, head: usize, layers: usize) -> Result<Found, LinkError> {
    let mut payload = String::new();
    let mut breaks = Vec::new();
    let mut stray = None;
    let mut chars = t[start..].chars().peekable();
    while let Some(c) = chars.next() {
        if is_payload_char(c) {
            if payload.len() >= MAX_LINK_CHARS {
                return Err(LinkError::TooLong {
                    chars: payload.len() + 1,
                    max: MAX_LINK_CHARS,
                });
            }
            payload.push(c);
        } else if c.is_whitespace() {
            if !payload.is_empty() && breaks.last() != Some(&payload.len()) {
                breaks.push(payload.len());
            }
        } else {
            if chars.peek().is_some_and(|n| is_payload_char(*n)) {
                stray = Some((payload.len(), c));
            }
            break;
        }
    }
    if breaks.last() == Some(&payload.len()) {
        breaks.pop();
    }
    if payload.is_empty() {
        return Err(match stray {
            Some((position, found)) => LinkError::BadCharacter { position, found },
            None => LinkError::NotALink("the link has no payload after 'net='"),
        });
    }
    Ok(Found {
        link_chars: head + payload.len(),
        payload,
        breaks,
        layers,
        stray,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_is_found_through_what_tools_do() {
        let p = "RkZMAUNfAgAA";
        for text in [
            format!("http://x/#net={p}"),
            format!("http://x/%23net%3D{p}"),
            format!("http://x/%2523net%253D{p}"),
            format!("(http://x/#net={p})."),
            format!("\"http://x/#net={p}\","),
            format!("<http://x/#net={p}>"),
            format!("[link](http://x/#net={p})"),
            format!("https://eur01.safelinks.protection.outlook.com/?url=http%3A%2F%2Fx%2F%23net%3D{p}&amp;data=05%7C01"),
            format!("https://www.google.com/url?q=http://x/%23net%3D{p}&sa=D&source=editors"),
            "http://x/#net=RkZM\u{00AD}AUNf\u{200B}AgAA".to_string(),
        ] {
            let f = find_link(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(f.payload, p, "{text}");
            assert!(f.breaks.is_empty(), "{text}");
        }
        let f = find_link("http://x/#net=RkZMAU\u{a0}\nNfAgAA\nBest, Ann").unwrap();
        assert_eq!(f.payload, "RkZMAUNfAgAABest");
        assert_eq!(f.breaks, vec![6, 12]);
        assert_eq!(f.link_chars, "http://x/#net=".len() + 16);
        let f = find_link("see http://x/%2523net%253DRkZMAA").unwrap();
        assert_eq!((f.layers, f.link_chars), (2, "http://x/#net=RkZMAA".len()));
        assert_eq!(find_link("net=RkZM+abc").unwrap().stray, Some((4, '+')));
    }

    #[test]
    fn text_without_a_link_says_what_it_is() {
        for (text, words) in [
            ("", "empty"),
            ("{\"W_in\": []}", "JSON"),
            ("http://127.0.0.1:8080/", "no '#net=…' part"),
            ("http://127.0.0.1:8080/#seed=1", "no 'net=' entry"),
            ("see you tomorrow!", "holds no share link"),
        ] {
            let e = find_link(text).unwrap_err().to_string();
            assert!(e.contains(words), "{text}: {e}");
        }
        let layered = "http://x/%25252525252523net=RkZM";
        assert!(matches!(
            find_link(layered),
            Err(LinkError::EncodedTooOften { .. })
        ));
    }
}
