//! The table against the core's ranges and against index.html.

use super::*;

/// The attributes of the first `<tag … id="id" …>` in `html`, as (name, value) pairs.
fn element_attrs(html: &str, tag: &str, id: &str) -> Option<Vec<(String, String)>> {
    let needle = format!("id=\"{id}\"");
    let mut from = 0;
    while let Some(start) = html[from..].find(&format!("<{tag} ")).map(|i| i + from) {
        let end = start + html[start..].find('>')?;
        let inner = &html[start + tag.len() + 1..end];
        if inner.contains(&needle) {
            let mut attrs = Vec::new();
            let mut rest = inner;
            while let Some(eq) = rest.find("=\"") {
                let name = rest[..eq].trim().rsplit(' ').next()?.to_string();
                let after = &rest[eq + 2..];
                let close = after.find('"')?;
                attrs.push((name, after[..close].to_string()));
                rest = &after[close + 1..];
            }
            return Some(attrs);
        }
        from = end;
    }
    None
}

/// The text of the `<input … id="id" …>` tag.
fn input_tag<'a>(html: &'a str, id: &str) -> &'a str {
    let at = html.find(&format!("id=\"{id}\"")).expect("the input");
    let start = html[..at].rfind('<').expect("its tag");
    &html[start..at + html[at..].find('>').expect("its end")]
}

fn attr<'a>(attrs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    attrs
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

/// The text of `<label for="id">…</label>` with tags removed.
fn label_text(html: &str, id: &str) -> Option<String> {
    let start = html.find(&format!("<label for=\"{id}\">"))?;
    let end = start + html[start..].find("</label>")?;
    let mut text = String::new();
    let mut in_tag = false;
    for ch in html[start..end].chars() {
        match ch {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    Some(text.trim().to_string())
}

fn same_number(a: &str, b: f64) -> bool {
    a.parse::<f64>()
        .is_ok_and(|v| (v - b).abs() <= 1e-12 * b.abs().max(1.0))
}

#[test]
fn index_html_matches_the_table() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../index.html");
    let html = std::fs::read_to_string(path).expect("index.html next to the workspace");
    for f in &FIELDS {
        let attrs = element_attrs(&html, "input", f.id)
            .unwrap_or_else(|| panic!("index.html has no <input id=\"{}\">", f.id));
        assert_eq!(attr(&attrs, "name"), Some(f.id), "{}: name", f.id);
        if let Kind::Toggle { .. } = f.kind {
            // A checkbox, checked exactly when the default preset has it on.
            assert_eq!(attr(&attrs, "type"), Some("checkbox"), "{}: type", f.id);
            let tag = input_tag(&html, f.id);
            assert_eq!(
                tag.split_whitespace().any(|w| w == "checked"),
                f.default_text() == "1",
                "{}: checked in index.html vs the default preset",
                f.id
            );
            continue;
        }
        assert_eq!(attr(&attrs, "type"), Some("number"), "{}: type", f.id);
        assert!(
            attr(&attrs, "min").is_some_and(|v| same_number(v, f.min)),
            "{}: min {:?} in index.html, {} in the table",
            f.id,
            attr(&attrs, "min"),
            f.min
        );
        match f.max {
            Some(max) => assert!(
                attr(&attrs, "max").is_some_and(|v| same_number(v, max)),
                "{}: max {:?} in index.html, {max} in the table",
                f.id,
                attr(&attrs, "max")
            ),
            None => assert_eq!(attr(&attrs, "max"), None, "{}: max", f.id),
        }
        assert_eq!(attr(&attrs, "step"), Some(f.step), "{}: step", f.id);
        assert_eq!(
            attr(&attrs, "value").map(str::to_string),
            Some(f.default_text()),
            "{}: the default preset's value",
            f.id
        );
        let described = format!("{}-message", f.id);
        assert_eq!(
            attr(&attrs, "aria-describedby"),
            Some(described.as_str()),
            "{}: points at its message",
            f.id
        );
        assert!(
            element_attrs(&html, "span", &described).is_some(),
            "{}: index.html has its message element #{described}",
            f.id
        );
        let label = label_text(&html, f.id).unwrap_or_default();
        assert!(
            label.starts_with(f.label),
            "{}: label {label:?} should start with {:?}",
            f.id,
            f.label
        );
    }
}

/// The table's ranges are the core's: the ends pass `Config::validate`, one step beyond
/// fails it, so the form never promises what the core refuses or refuses what it takes.
#[test]
fn ranges_are_the_cores() {
    for f in &FIELDS {
        if let Kind::Toggle { .. } = f.kind {
            continue; // on and off are both valid; there is no beyond
        }
        // Dale's fraction means something only with Dale's law on.
        let base = if f.id == "excitatory" {
            Config::preset(Preset::Dale)
        } else {
            Config::preset(Preset::Default)
        };
        let mut cfg = base.clone();
        f.apply(&mut cfg, &plain(f.min).replace(',', "")).unwrap();
        assert!(cfg.validate().is_ok(), "{} at its minimum", f.id);
        if let Some(max) = f.max {
            let mut cfg = base.clone();
            f.apply(&mut cfg, &plain(max).replace(',', "")).unwrap();
            assert!(cfg.validate().is_ok(), "{} at its maximum", f.id);
        }
        let below = f.min
            - if f.step == "1" {
                1.0
            } else {
                f.min.max(1e-9) * 0.5
            };
        let mut cfg = base.clone();
        let set_anyway = |cfg: &mut Config, v: f64| match f.kind {
            Kind::Whole { set, .. } => set(cfg, v.max(0.0) as u64),
            Kind::Real { set, .. } => set(cfg, v as f32),
            Kind::Toggle { .. } => unreachable!("toggles were skipped"),
        };
        if below >= 0.0 || matches!(f.kind, Kind::Real { .. }) {
            set_anyway(&mut cfg, below);
            assert!(
                cfg.validate().is_err(),
                "{}: the core takes {below}, below the table's minimum",
                f.id
            );
        }
        if let Some(max) = f.max {
            let above = max + if f.step == "1" { 1.0 } else { max * 0.01 };
            let mut cfg = base.clone();
            set_anyway(&mut cfg, above);
            assert!(
                cfg.validate().is_err(),
                "{}: the core takes {above}, above the table's maximum",
                f.id
            );
        }
    }
}

#[test]
fn plain_numbers() {
    let cases = [
        (1024.0, "1,024"),
        (2.0, "2"),
        (1e-7, "0.0000001"),
        (0.001, "0.001"),
        (1_000_000.0, "1,000,000"),
        (-1500.0, "-1,500"),
    ];
    for (v, want) in cases {
        assert_eq!(plain(v), want);
    }
}

#[test]
fn every_field_has_a_core_name_and_help() {
    for f in &FIELDS {
        assert!(!f.help.is_empty() && !f.core.is_empty(), "{}", f.id);
        assert_eq!(field(f.id).map(|g| g.id), Some(f.id));
        for c in f.core {
            assert_eq!(by_core_name(c).map(|g| g.id), Some(f.id));
        }
    }
}
