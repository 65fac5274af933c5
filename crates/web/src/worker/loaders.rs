//! Encoding share links and reading links and files, for the worker: the formats crate
//! does the work (`flipflop_formats::{link, import}`); this module only turns its results
//! and errors into protocol events and text.
//!
//! **Architecture Invariant:** nothing here produces HTML. Names and messages are plain
//! text; the page puts them into the DOM with `textContent` only.

use crate::protocol::{Event, Format, Origin, WireNetwork};
use flipflop_core::{Config, Network};
use flipflop_formats::import;
use flipflop_formats::link::{self, LinkKind};

/// The fragment `net=…` of a share link of `kind`.
pub fn encode(kind: LinkKind, config: &Config, net: &Network, steps: u64) -> String {
    link::encode_link(kind, config, net, steps)
}

/// Decodes a link into [`Event::Loaded`], or [`Event::LoadFailed`] with the formats
/// crate's message.
pub fn open_link(text: &str) -> Event {
    match link::decode_link(text) {
        Ok(d) => Event::Loaded {
            origin: Origin::Link,
            format: Format::Link(d.kind),
            network: d
                .network
                .as_ref()
                .map(|n| Box::new(WireNetwork::from_network(n))),
            config: Box::new(d.config),
            steps: d.steps,
        },
        Err(e) => Event::LoadFailed {
            origin: Origin::Link,
            message: format!("This link cannot be opened: {e}. The current network is unchanged."),
        },
    }
}

/// Imports a file's bytes into [`Event::Loaded`], or [`Event::LoadFailed`] naming the file.
pub fn import_file(name: String, bytes: &[u8]) -> Event {
    match import::import(bytes) {
        Ok(imp) => Event::Loaded {
            origin: Origin::File(name),
            format: Format::File(imp.format),
            network: Some(Box::new(WireNetwork::from_network(&imp.network))),
            config: Box::new(imp.config),
            steps: imp.steps,
        },
        Err(e) => {
            let message =
                format!("Could not import {name:?}: {e}. The current network is unchanged.");
            Event::LoadFailed {
                origin: Origin::File(name),
                message,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flipflop_core::{Preset, Trainer};
    use flipflop_formats::import::ImportFormat;

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
        let frag = encode(LinkKind::Exact, &cfg, &net, 1);
        assert!(frag.starts_with("net=RkZM"), "{frag:.20}");
        match open_link(&format!("https://lab/#{frag}")) {
            Event::Loaded {
                origin,
                format,
                network: Some(w),
                steps,
                config,
            } => {
                assert_eq!(
                    (origin, format, steps),
                    (Origin::Link, Format::Link(LinkKind::Exact), 1)
                );
                assert_eq!(w.to_network().unwrap(), net);
                assert_eq!(config.seed, cfg.seed);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn recipe_has_no_network() {
        let (cfg, net) = trained();
        let frag = encode(LinkKind::Recipe, &cfg, &net, 9);
        assert!(matches!(
            open_link(&frag),
            Event::Loaded {
                network: None,
                steps: 9,
                ..
            }
        ));
    }

    /// Table: damaged links and what the message must say.
    #[test]
    fn bad_links_give_specific_messages() {
        let (cfg, net) = trained();
        let good = encode(LinkKind::Exact, &cfg, &net, 1);
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
            Event::Loaded {
                format: Format::File(ImportFormat::Json),
                ..
            }
        ));
        let name = "<img src=x onerror=window.__pwned=1>.h5";
        match import_file(name.into(), b"\x89HDF garbage") {
            Event::LoadFailed { origin, message } => {
                assert_eq!(origin, Origin::File(name.into()));
                assert!(message.contains("Could not import"), "{message}");
            }
            other => panic!("{other:?}"),
        }
    }

    /// A Keras GRU and LSTM import through the page's path, and their networks survive the
    /// wire (gate blocks, a GRU's two biases, the cell in the config).
    #[test]
    fn gated_keras_files_import_and_cross_the_wire() {
        let files: [&[u8]; 2] = [
            include_bytes!("../../../formats/tests/data/keras/gated/keras3_gru.keras"),
            include_bytes!("../../../formats/tests/data/keras/gated/keras2_lstm.h5"),
        ];
        for bytes in files {
            let want = flipflop_formats::import::import(bytes).unwrap().network;
            assert!(want.config.cell.is_gated());
            match import_file("m.h5".into(), bytes) {
                Event::Loaded {
                    network: Some(w),
                    config,
                    ..
                } => {
                    assert_eq!(w.to_network().unwrap(), want);
                    assert_eq!(config.model.cell, want.config.cell);
                }
                other => panic!("{other:?}"),
            }
        }
    }
}
