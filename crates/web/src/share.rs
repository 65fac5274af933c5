//! Sharing, opening and importing networks, and the CSV export: the pure half, tested
//! natively. The worker calls [`encode`], [`open_link`] and [`import_file`]; the page calls
//! [`history_csv`] and [`preset_for`]. All decoding is `flipflop_core`'s (`link`, `import`);
//! this module only turns its results and errors into protocol events and text.
//!
//! **Architecture Invariant:** nothing here produces HTML. Names and messages are plain
//! text; the page puts them into the DOM with `textContent` only.

use crate::protocol::{Event, WireNetwork};
use flipflop_formats::import;
use flipflop_formats::link::{self, LinkKind};
use flipflop_core::{Config, Network, Preset};

/// Where a [`Event::Loaded`] from a link came from.
pub const ORIGIN_LINK: &str = "link";

/// The fragment `net=…` of a share link of `kind` (`exact`, `compact`, `recipe`).
pub fn encode(kind: &str, config: &Config, net: &Network, steps: u64) -> Result<String, String> {
    let kind = LinkKind::parse(kind)
        .ok_or_else(|| format!("unknown link kind {kind:?} (known: exact, compact, recipe)"))?;
    Ok(link::encode_link(kind, config, net, steps))
}

/// Decodes a link into [`Event::Loaded`], or [`Event::LoadFailed`] with the core's message.
pub fn open_link(text: &str) -> Event {
    match link::decode_link(text) {
        Ok(d) => Event::Loaded {
            origin: ORIGIN_LINK.into(),
            what: d.kind.name().into(),
            config: Box::new(d.config),
            network: d.network.as_ref().map(WireNetwork::from_network),
            steps: d.steps,
        },
        Err(e) => Event::LoadFailed {
            origin: ORIGIN_LINK.into(),
            message: format!("This link cannot be opened: {e}. The current network is unchanged."),
        },
    }
}

/// Imports a file's bytes into [`Event::Loaded`] (`what` = the format), or
/// [`Event::LoadFailed`] naming the file.
pub fn import_file(name: String, bytes: &[u8]) -> Event {
    match import::import(bytes) {
        Ok(imp) => Event::Loaded {
            origin: name,
            what: imp.format.name().into(),
            network: Some(WireNetwork::from_network(&imp.network)),
            config: Box::new(imp.config),
            steps: imp.steps,
        },
        Err(e) => {
            let message =
                format!("Could not import {name:?}: {e}. The current network is unchanged.");
            Event::LoadFailed {
                origin: name,
                message,
            }
        }
    }
}

/// The preset whose form best describes `config` (the form shows the preset's name; every
/// field is shown as is).
pub fn preset_for(config: &Config) -> Preset {
    let paper = Config::preset(Preset::Paper);
    if config.model.hidden == paper.model.hidden && config.train.batch == paper.train.batch {
        Preset::Paper
    } else {
        Preset::Default
    }
}

/// The loss history as CSV: one row per step with a training loss or a held-out check,
/// columns `step,train_loss,heldout_mse,bit_accuracy` (empty where there is no value).
pub fn history_csv(losses: &[(u64, f32)], metrics: &[(u64, f32, f32)]) -> String {
    let mut out = String::from("step,train_loss,heldout_mse,bit_accuracy\n");
    let (mut i, mut j) = (0, 0);
    while i < losses.len() || j < metrics.len() {
        let ls = losses.get(i).map(|l| l.0);
        let ms = metrics.get(j).map(|m| m.0);
        let step = match (ls, ms) {
            (Some(a), Some(b)) => a.min(b),
            (Some(a), None) => a,
            (None, Some(b)) => b,
            (None, None) => break,
        };
        let loss = (ls == Some(step)).then(|| {
            i += 1;
            losses[i - 1].1
        });
        let metric = (ms == Some(step)).then(|| {
            j += 1;
            metrics[j - 1]
        });
        out.push_str(&format!(
            "{step},{},{},{}\n",
            loss.map_or(String::new(), |v| v.to_string()),
            metric.map_or(String::new(), |m| m.1.to_string()),
            metric.map_or(String::new(), |m| m.2.to_string()),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use flipflop_core::Trainer;

    fn trained() -> (Config, Network) {
        let mut cfg = Config::preset(Preset::Default);
        cfg.model.hidden = 16;
        let mut t = Trainer::new(cfg.clone()).unwrap();
        t.step().unwrap();
        (cfg, t.network().clone())
    }

    #[test]
    fn exact_link_round_trips_through_events() {
        let (cfg, net) = trained();
        let frag = encode("exact", &cfg, &net, 1).unwrap();
        assert!(frag.starts_with("net=RkZM"), "{frag:.20}");
        match open_link(&format!("https://lab/#{frag}")) {
            Event::Loaded {
                origin,
                what,
                network: Some(w),
                steps,
                config,
            } => {
                assert_eq!(
                    (origin.as_str(), what.as_str(), steps),
                    ("link", "exact", 1)
                );
                assert_eq!(w.to_network().unwrap(), net);
                assert_eq!(config.seed, cfg.seed);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn recipe_has_no_network_and_bad_kinds_are_errors() {
        let (cfg, net) = trained();
        let frag = encode("recipe", &cfg, &net, 9).unwrap();
        assert!(matches!(
            open_link(&frag),
            Event::Loaded {
                network: None,
                steps: 9,
                ..
            }
        ));
        assert!(encode("tiny", &cfg, &net, 0)
            .unwrap_err()
            .contains("unknown link kind"));
    }

    /// Table: damaged links and what the message must say.
    #[test]
    fn bad_links_give_specific_messages() {
        let (cfg, net) = trained();
        let good = encode("exact", &cfg, &net, 1).unwrap();
        let mut flipped = good.clone().into_bytes();
        let k = flipped.len() / 2;
        flipped[k] = if flipped[k] == b'A' { b'B' } else { b'A' };
        let cases = [
            (String::new(), "not a Flip-Flop Lab link"),
            ("https://lab/#other=1".into(), "no 'net=' entry"),
            (good[..good.len() / 2].to_string(), "cut off"),
            (String::from_utf8(flipped).unwrap(), "altered"),
            ("net=<img src=x onerror=alert(1)>".into(), "damaged"),
        ];
        for (text, want) in cases {
            match open_link(&text) {
                Event::LoadFailed { message, .. } => {
                    assert!(message.contains(want), "{text:.40}: {message}");
                    assert!(message.contains("unchanged"), "{message}");
                }
                other => panic!("{text:.40}: {other:?}"),
            }
        }
    }

    #[test]
    fn imports_name_the_file_and_keep_text_as_text() {
        let (cfg, net) = trained();
        let json = flipflop_formats::export::json_bytes(&cfg, &net, 1).unwrap();
        assert!(matches!(
            import_file("n.json".into(), &json),
            Event::Loaded { ref what, .. } if what == "json"
        ));
        let name = "<img src=x onerror=window.__pwned=1>.h5";
        match import_file(name.into(), b"\x89HDF garbage") {
            Event::LoadFailed { origin, message } => {
                assert_eq!(origin, name);
                assert!(message.contains("Could not import"), "{message}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn history_csv_merges_by_step() {
        let csv = history_csv(&[(1, 0.5), (2, 0.25)], &[(0, 0.9, 0.5), (2, 0.2, 0.75)]);
        assert_eq!(
            csv,
            "step,train_loss,heldout_mse,bit_accuracy\n0,,0.9,0.5\n1,0.5,,\n2,0.25,0.2,0.75\n"
        );
    }

    #[test]
    fn preset_for_recognises_the_paper_shape() {
        assert_eq!(preset_for(&Config::preset(Preset::Paper)), Preset::Paper);
        assert_eq!(
            preset_for(&Config::preset(Preset::Default)),
            Preset::Default
        );
    }
}
