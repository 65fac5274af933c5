//! What mail, chat and office tools do to links, applied at random (seeded) to valid links:
//! every mangled link opens the same network, and every damaged one (cut off, a character
//! changed) gives its specific error, never another network and never a panic.
//!
//! `FLIPFLOP_MANGLE_CASES=1000000 cargo test -p flipflop-formats --test mangle` runs a longer
//! campaign (default: 10,000 mangled links and 2,000 damaged ones, enough to hit every kind of
//! mangling hundreds of times; the long campaign is a benchmark-length run, not a test).

use flipflop_core::rng::{Purpose, SeedRng};
use flipflop_core::{Config, Network};
use flipflop_formats::link::{decode_link, encode_link, share_url, Decoded, LinkError, LinkKind};
use std::path::PathBuf;

fn cases(default: u64) -> u64 {
    std::env::var("FLIPFLOP_MANGLE_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

/// Valid links: the golden exact, compact and recipe links of two networks, and the shared
/// cases' compact link of `small.npz`.
fn links() -> Vec<(String, Decoded)> {
    let read = |parts: &[&str]| -> String {
        let mut p: PathBuf = [env!("CARGO_MANIFEST_DIR"), "tests", "data"]
            .iter()
            .collect();
        p.extend(parts);
        std::fs::read_to_string(&p).unwrap().trim().to_string()
    };
    let mut out = Vec::new();
    for name in ["default", "paper"] {
        for kind in ["exact.txt", "compact.txt", "recipe.txt"] {
            out.push(read(&["golden", name, kind]));
        }
    }
    out.push(read(&["cases", "link_percent_encoded.txt"]).replace("%23", "#"));
    out.into_iter()
        .map(|l| {
            let d = decode_link(&l).unwrap();
            (l, d)
        })
        .collect()
}

fn pick<'a, T>(rng: &mut SeedRng, items: &'a [T]) -> &'a T {
    &items[rng.int_inclusive(0, items.len() as u32 - 1) as usize]
}

/// Percent-encodes every character outside the unreserved set (as a redirector does).
fn encode_all(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Characters that wrapping inserts inside a link.
const INSERTS: [&str; 10] = [
    "\n", "\r\n", " \n", "\u{a0}", "\u{a0}\n", "\u{200b}", "\u{ad}", "\u{2060}", "\u{feff}", "\n  ",
];
/// Brackets and quotes around a link.
const AROUND: [(&str, &str); 9] = [
    ("(", ")"),
    ("[", "]"),
    ("<", ">"),
    ("\"", "\""),
    ("'", "'"),
    ("«", "»"),
    ("“", "”"),
    ("[see](", ")"),
    ("", ""),
];
/// What follows a link in a sentence.
const AFTER: [&str; 10] = ["", ".", ",", ")", ">", ").", "!", "?", ";", "..."];
/// Text around the link in a message.
const PREFIX: [&str; 4] = ["", "Here is my network: ", "Link:\n", "see "];
const SUFFIX: [&str; 5] = [
    "",
    " thanks",
    "\nBest, Ann",
    "\n\n-- \nsent from my phone",
    " (N=12)",
];

/// One mangled version of `link`: some of the operations above, in the order tools apply them.
fn mangle(link: &str, rng: &mut SeedRng) -> String {
    let mut t = link.to_string();
    // Wrapping inserts characters inside the link (after the address, so inside the payload
    // or its key).
    let hash = t.find('#').unwrap_or(0);
    for _ in 0..rng.int_inclusive(0, 4) {
        let at = rng.int_inclusive(hash as u32 + 1, t.len() as u32) as usize;
        if t.is_char_boundary(at) {
            let s: &&str = pick(rng, &INSERTS);
            t.insert_str(at, s);
        }
    }
    // Percent-encoding of '#' and '=' (once, or twice), or a redirector around the whole link.
    match rng.int_inclusive(0, 5) {
        0 => t = t.replacen('#', "%23", 1),
        1 => t = t.replacen('#', "%23", 1).replacen("net=", "net%3D", 1),
        2 => t = t.replacen('#', "%2523", 1).replacen("net=", "net%253D", 1),
        3 => {
            t = format!(
            "https://eur01.safelinks.protection.outlook.com/?url={}&data=05%7C02%7C&amp;reserved=0",
            encode_all(&t)
        )
        }
        4 => {
            t = format!(
                "https://www.google.com/url?q={}&sa=D&source=editors",
                encode_all(&t)
            )
        }
        _ => {}
    }
    let (open, close) = pick(rng, &AROUND);
    format!(
        "{}{open}{t}{close}{}{}",
        pick(rng, &PREFIX),
        pick(rng, &AFTER),
        pick(rng, &SUFFIX)
    )
}

#[test]
fn mangled_links_open_the_same_network() {
    let links = links();
    let mut rng = SeedRng::new(2024, Purpose::Other);
    let n = cases(10_000);
    let t0 = std::time::Instant::now();
    for case in 0..n {
        let (link, want) = pick(&mut rng, &links);
        let text = mangle(link, &mut rng);
        match decode_link(&text) {
            Ok(d) => assert_eq!(&d, want, "case {case}: {text:?}"),
            Err(e) => panic!("case {case}: {e}\n{text:?}"),
        }
    }
    eprintln!("{n} mangled links in {:.1} s", t0.elapsed().as_secs_f64());
}

#[test]
fn damaged_links_say_what_happened() {
    let links = links();
    let mut rng = SeedRng::new(7, Purpose::Other);
    let n = cases(10_000) / 5;
    let (mut cut_as_cut, mut cuts, mut changed_as_changed, mut changes) = (0, 0, 0, 0);
    for case in 0..n {
        let (link, want) = pick(&mut rng, &links);
        let start = link.find("net=").unwrap() + 4 + 8;
        let at = rng.int_inclusive(start as u32, link.len() as u32 - 2) as usize;
        if rng.int_inclusive(0, 1) == 0 {
            // Cut off, possibly followed by what a sentence has.
            let text = format!("{}{}", &link[..at], pick(&mut rng, &AFTER));
            let e = decode_link(&text).expect_err(&text);
            cuts += 1;
            if matches!(e, LinkError::Cut { .. }) {
                cut_as_cut += 1;
            }
            assert!(!e.to_string().is_empty());
        } else {
            // One payload character changed into another payload character.
            let mut b = link.clone().into_bytes();
            let old = b[at];
            b[at] = *pick(&mut rng, b"AQgw-_09azKZ".as_ref());
            let text = String::from_utf8(b).unwrap();
            match decode_link(&text) {
                Ok(d) => assert!(
                    old == text.as_bytes()[at] || &d == want,
                    "case {case}: another network"
                ),
                Err(e) => {
                    changes += 1;
                    if matches!(e, LinkError::Checksum { .. } | LinkError::BadEncoding) {
                        changed_as_changed += 1;
                    }
                }
            }
        }
    }
    eprintln!("cuts diagnosed as cuts: {cut_as_cut}/{cuts}; changes as changes: {changed_as_changed}/{changes}");
    assert!(cut_as_cut * 100 >= cuts * 95, "{cut_as_cut}/{cuts}");
    assert!(
        changed_as_changed * 100 >= changes * 90,
        "{changed_as_changed}/{changes}"
    );
}

#[test]
fn a_link_cut_at_a_common_limit_names_the_limit() {
    // An exact link of N 48 (about 13,000 characters), cut as chat tools do.
    let mut cfg = Config::default();
    cfg.model.hidden = 48;
    let net = Network::init(&cfg.model, 4);
    let link = &share_url(
        "http://127.0.0.1:8080/",
        &encode_link(LinkKind::Exact, &cfg, &net, 0),
    );
    assert!(link.len() > 4096, "{}", link.len());
    for limit in [2048usize, 4096] {
        let e = decode_link(&format!("See {}", &link[..limit])).unwrap_err();
        assert_eq!(
            e,
            LinkError::Cut {
                chars: limit,
                limit: Some(limit)
            }
        );
        let m = e.to_string();
        let shown = flipflop_formats::link::thousands(limit as u64);
        assert!(
            m.contains(&format!("cut off after {shown} characters")),
            "{m}"
        );
    }
    let e = decode_link(&link[..3000]).unwrap_err().to_string();
    assert!(
        e.contains("cut off") && e.contains("3,000 characters"),
        "{e}"
    );
    // Percent-encoded five times over: named as such.
    let mut t = link.replacen('#', "%23", 1);
    for _ in 0..4 {
        t = t.replace('%', "%25");
    }
    let e = decode_link(&t).unwrap_err();
    assert!(
        matches!(e, LinkError::EncodedTooOften { layers: 5 }),
        "{e:?}"
    );
    assert!(e.to_string().contains("percent-encoded 5 times"), "{e}");
}
