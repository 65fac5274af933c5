//! The files and links people actually send (`tests/data/cases/`, from the project's shared
//! cases, with their README saying what is right for each), and the variants of each kind:
//! every one opens to the weights of `small.npz`, or is refused with its specific reason.

use flipflop_core::Network;
use flipflop_formats::import::{import, ImportError, ImportFormat};
use flipflop_formats::link::{decode_link, LinkError, LinkKind};
use std::path::PathBuf;

fn data(dir: &str, file: &str) -> Vec<u8> {
    let p: PathBuf = [env!("CARGO_MANIFEST_DIR"), "tests", "data", dir, file]
        .iter()
        .collect();
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn text(dir: &str, file: &str) -> String {
    String::from_utf8(data(dir, file)).unwrap()
}

/// Bit patterns of every parameter: "same weights" means bit for bit.
fn bits(net: &Network) -> Vec<u32> {
    net.params()
        .iter()
        .flat_map(|p| p.iter().map(|v| v.to_bits()))
        .collect()
}

fn reference() -> Network {
    import(&data("cases", "small.npz")).unwrap().network
}

#[test]
fn small_npz_is_the_reference() {
    let imp = import(&data("cases", "small.npz")).unwrap();
    assert_eq!(imp.format, ImportFormat::Npz);
    assert_eq!((imp.network.config.hidden, imp.network.config.bits), (6, 3));
}

#[test]
fn npz_as_numpy_writes_it_imports_the_same_weights() {
    let want = bits(&reference());
    for (dir, file) in [
        ("cases", "fortran_order.npz"),
        ("cases", "big_endian.npz"),
        ("npz", "small_f64.npz"),
        ("npz", "small_compressed.npz"),
        ("npz", "small_extra.npz"),
        ("npz", "small_fortran_f64_be.npz"),
    ] {
        let imp = import(&data(dir, file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(bits(&imp.network), want, "{file}");
    }
}

#[test]
fn json_with_a_bom_crlf_or_utf16_imports_the_same_weights() {
    let want = bits(&reference());
    let bom = data("cases", "small_bom.json");
    assert!(bom.starts_with(b"\xef\xbb\xbf"), "the case has its BOM");
    let plain = String::from_utf8(bom[3..].to_vec()).unwrap();
    let crlf = plain.replace('\n', "\r\n").replace(',', ",\r\n");
    let utf16 = |be: bool, text: &str| -> Vec<u8> {
        let mut out = if be {
            vec![0xfe, 0xff]
        } else {
            vec![0xff, 0xfe]
        };
        for u in text.encode_utf16() {
            out.extend_from_slice(&if be { u.to_be_bytes() } else { u.to_le_bytes() });
        }
        out
    };
    for (what, bytes) in [
        ("utf-8 bom", bom.clone()),
        ("crlf", crlf.clone().into_bytes()),
        (
            "bom + crlf",
            [&b"\xef\xbb\xbf"[..], crlf.as_bytes()].concat(),
        ),
        ("utf-16 le", utf16(false, &plain)),
        ("utf-16 be", utf16(true, &crlf)),
    ] {
        let imp = import(&bytes).unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(imp.format, ImportFormat::Json, "{what}");
        assert_eq!(bits(&imp.network), want, "{what}");
    }
    // UTF-16 cut in the middle of a code unit: a clear message, not a panic.
    let mut odd = utf16(false, &plain);
    odd.pop();
    let e = import(&odd).unwrap_err().to_string();
    assert!(e.contains("odd number of bytes"), "{e}");
}

#[test]
fn psychrnn_weights_are_refused_naming_what_was_recognised() {
    let e = import(&data("cases", "psychrnn_weights.npz")).unwrap_err();
    assert!(matches!(e, ImportError::Unsupported(_)), "{e:?}");
    let m = e.to_string();
    for words in [
        "PsychRNN",
        "Dale_rec",
        "rec_connectivity",
        "ReLU",
        "tanh",
        "not imported",
    ] {
        assert!(m.contains(words), "'{m}' lacks '{words}'");
    }
}

#[test]
fn mangled_links_of_small_open_the_same_network() {
    let clean = text("cases", "link_percent_encoded.txt").replace("%23", "#");
    let want = decode_link(&clean).unwrap();
    assert_eq!(want.kind, LinkKind::Compact);
    // The compact link of small.npz keeps its weights within the quantiser's bounds.
    let reference = reference();
    let net = want.network.as_ref().unwrap();
    let worst = bits(net)
        .iter()
        .zip(bits(&reference))
        .map(|(a, b)| (f32::from_bits(*a) - f32::from_bits(b)).abs())
        .fold(0.0f32, f32::max);
    assert!(worst < 1e-2, "compact weights differ by {worst}");
    for file in [
        "link_percent_encoded.txt",
        "link_in_parentheses.txt",
        "link_nbsp_wrapped.txt",
    ] {
        let d = decode_link(&text("cases", file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(d, want, "{file}");
    }
}

#[test]
fn a_recipe_for_2_pow_62_steps_is_refused_at_once() {
    let t0 = std::time::Instant::now();
    let e = decode_link(&text("cases", "recipe_2pow62_steps.txt")).unwrap_err();
    assert!(t0.elapsed().as_secs_f64() < 1.0);
    let LinkError::Config(c) = &e else {
        panic!("{e:?}")
    };
    assert_eq!(c.field, "steps");
    assert_eq!(c.value, (1u64 << 62).to_string());
    assert_eq!(c.allowed, "0..=10000000");
    let m = e.to_string();
    assert!(
        m.contains("steps = 4611686018427387904") && m.contains("0..=10000000"),
        "{m}"
    );
}
