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
            Kind::Toggle { .. } | Kind::List { .. } => {
                unreachable!("toggles were skipped; lists are task options")
            }
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

/// Each task option has its input in index.html with the table's type, range, step,
/// default and message, inside a `.field` shown only for its task.
#[test]
fn index_html_has_every_task_option() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../index.html");
    let html = std::fs::read_to_string(path).expect("index.html next to the workspace");
    for t in &TASK_FIELDS {
        let f = &t.field;
        let attrs = element_attrs(&html, "input", f.id)
            .unwrap_or_else(|| panic!("index.html has no <input id=\"{}\">", f.id));
        assert_eq!(attr(&attrs, "name"), Some(f.id), "{}: name", f.id);
        let list = matches!(f.kind, Kind::List { .. });
        let want_type = if list { "text" } else { "number" };
        assert_eq!(attr(&attrs, "type"), Some(want_type), "{}: type", f.id);
        if !list {
            assert!(
                attr(&attrs, "min").is_some_and(|v| same_number(v, f.min)),
                "{}",
                f.id
            );
            let max = f.max.expect("task options are bounded");
            assert!(
                attr(&attrs, "max").is_some_and(|v| same_number(v, max)),
                "{}",
                f.id
            );
            assert_eq!(attr(&attrs, "step"), Some(f.step), "{}: step", f.id);
        }
        assert_eq!(
            attr(&attrs, "value").map(str::to_string),
            Some(f.default_text()),
            "{}: the task's default",
            f.id
        );
        let described = format!("{}-message", f.id);
        assert_eq!(attr(&attrs, "aria-describedby"), Some(described.as_str()));
        assert!(label_text(&html, f.id)
            .unwrap_or_default()
            .starts_with(f.label));
        // The wrapper just before the input names the task.
        let at = html.find(&format!("id=\"{}\"", f.id)).unwrap();
        let wrapper = html[..at].rfind("<div class=\"field\"").unwrap();
        let open = &html[wrapper..wrapper + html[wrapper..].find('>').unwrap()];
        assert!(
            open.contains(&format!("data-task=\"{}\"", t.task.key())),
            "{}: {open}",
            f.id
        );
    }
    // The task select offers every task, keyed as the core keys them.
    for kind in flipflop_core::TaskKind::ALL {
        assert!(
            html.contains(&format!("<option value=\"{}\"", kind.key())),
            "{kind:?}"
        );
    }
}

/// Each task option's ends pass the core's validation on its task's preset and one step
/// beyond fails it (the longest delay is checked with the shortest at its minimum).
#[test]
fn task_option_ranges_are_the_cores() {
    use flipflop_core::task::TaskKind;
    for t in &TASK_FIELDS {
        let f = &t.field;
        let mut base = Config::for_task(t.task);
        base.task.parametric_wm.delay_min_ms = 100;
        base.task.parametric_wm.delay_max_ms = 6000;
        let max = f.max.expect("bounded");
        let (step, whole) = match f.kind {
            Kind::Whole { .. } => (20.0, true),
            _ => (max * 0.01, false),
        };
        for (v, ok) in [(f.min, true), (max, true), (max + step, false)] {
            let mut cfg = base.clone();
            let text = plain(v).replace(',', "");
            match f.apply(&mut cfg, &text) {
                Ok(()) => assert_eq!(cfg.validate().is_ok(), ok, "{} = {text}", f.id),
                Err(e) => assert!(!ok, "{} = {text}: {e}", f.id),
            }
        }
        // Below the minimum: refused by the form (or by the core when the form lets it by).
        let below = f.min - if whole { 20.0 } else { 0.01 };
        if below >= 0.0 || !whole {
            let mut cfg = base.clone();
            let refused = f.apply(&mut cfg, &below.to_string()).is_err() || cfg.validate().is_err();
            assert!(refused, "{} takes {below}", f.id);
        }
        assert_eq!(by_core_name(f.core[0]).map(|g| g.id), Some(f.id));
        assert_ne!(t.task, TaskKind::FlipFlop);
    }
}

/// Coherence lists: commas or spaces, every value in range, 1 to 12 values.
#[test]
fn coherence_lists_are_read_and_checked() {
    let f = &task_field("pdm-coherences").unwrap().field;
    let mut cfg = Config::for_task(flipflop_core::TaskKind::PerceptualDm);
    f.apply(&mut cfg, " 0, 5 ,10 20").unwrap();
    assert_eq!(
        cfg.task.perceptual_dm.coherences,
        vec![0.0, 5.0, 10.0, 20.0]
    );
    assert_eq!(f.text(&cfg), "0, 5, 10, 20");
    let bad = [
        ("", "Coherences: “” is not a list of 1 to 12 numbers"),
        ("5, 101", "Coherences: “101” is out of range: give 1 to 12 numbers, separated by commas, each between 0 and 100."),
        ("5, x", "Coherences: “x” is not a number"),
        ("-1", "Coherences: “-1” is out of range"),
        ("1 2 3 4 5 6 7 8 9 10 11 12 13", "Coherences: “1 2 3 4 5 6 7 8 9 10 11 12 13” is not a list"),
    ];
    for (text, want) in bad {
        let before = cfg.clone();
        let e = f.apply(&mut cfg, text).unwrap_err();
        assert!(e.starts_with(want), "{text}: {e}");
        assert_eq!(cfg, before, "unchanged on error");
    }
}
