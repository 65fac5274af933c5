//! Keeping networks in the browser: the autosaved current network (with its loss history)
//! and the user's list of saved networks, in `localStorage` as JSON text.
//!
//! A network is stored as the bytes of its network file (`flipflop_formats::netfile`: config,
//! seed, steps, weights, CRC-32) in base64, i.e. exactly what an exact link holds, so a
//! stored network reopens bit-identical and a damaged entry is detected, not half-loaded.
//! The records and their (de)serialisation are plain Rust, tested natively; the
//! `localStorage` calls are wasm only and turn every failure (storage disabled, quota
//! exceeded) into a message.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use flipflop_core::train::Adam;
use flipflop_core::{Config, Network};
use flipflop_formats::netfile::{self, NetFile};
use serde::{Deserialize, Serialize};

/// `localStorage` key of the autosaved current network.
pub const AUTOSAVE_KEY: &str = "flipflop-lab/autosave/v1";
/// `localStorage` key of the saved-networks list.
pub const SAVED_KEY: &str = "flipflop-lab/saved/v1";
/// `localStorage` key of the last solved network (kept when training wrecks it).
pub const SOLVED_KEY: &str = "flipflop-lab/solved/v1";
/// Loss-history points kept in the autosave (older ones are thinned evenly).
pub const MAX_HISTORY: usize = 4000;
/// Longest name kept for a saved network (characters).
pub const MAX_NAME_CHARS: usize = 80;

/// The autosaved state of the page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Autosave {
    /// Network file bytes, base64.
    pub net: String,
    /// `(step, training loss)`.
    pub losses: Vec<(u64, f32)>,
    /// `(step, held-out MSE, bit accuracy)`.
    pub metrics: Vec<(u64, f32, f32)>,
    /// When it was saved (ms since the epoch).
    pub saved_at_ms: f64,
}

/// The last network that met the solved rule, kept apart from the autosave so that a
/// learning rate that wrecks it (or any later training) cannot overwrite it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KeptSolved {
    /// The network and its history, as autosaved.
    pub save: Autosave,
    /// Its step.
    pub step: u64,
    /// Its held-out bit accuracy.
    pub accuracy: f32,
}

/// What to do with the kept solved network after a held-out check.
#[derive(Clone, Debug, PartialEq)]
pub enum SolvedAction {
    /// Nothing to do.
    Nothing,
    /// The current network is solved: keep it (once its snapshot of this step is there).
    Keep,
    /// The run was solved and is not any more: offer to go back to the kept network.
    OfferBack {
        /// Step of the kept network.
        step: u64,
        /// Its accuracy.
        accuracy: f32,
    },
}

/// The decision after a held-out check: `solved_now` is the check's verdict, `run_was_solved`
/// whether this run met the rule before, `kept` the network kept so far.
pub fn solved_action(
    solved_now: bool,
    run_was_solved: bool,
    kept: Option<&KeptSolved>,
) -> SolvedAction {
    match (solved_now, run_was_solved, kept) {
        (true, _, _) => SolvedAction::Keep,
        (false, true, Some(k)) => SolvedAction::OfferBack {
            step: k.step,
            accuracy: k.accuracy,
        },
        _ => SolvedAction::Nothing,
    }
}

/// Whether a network a check called solved at `step`, trained under `config`, becomes the
/// kept solved network: `kept` is the step and time (ms) of the one kept last, `solved_under`
/// the configuration of the previous check if it said solved. The first is kept at once;
/// after that only one whose configuration also held the previous check solved (a rate
/// changed live that wrecks the network within a check never replaces the network kept
/// before it), another step than the kept one, at most every `every_ms` while `running`.
pub fn keep_due(
    kept: Option<(u64, f64)>,
    solved_under: Option<&Config>,
    config: &Config,
    step: u64,
    running: bool,
    now: f64,
    every_ms: f64,
) -> bool {
    match kept {
        None => true,
        Some((kept_step, at)) => {
            solved_under == Some(config) && kept_step != step && (!running || now - at >= every_ms)
        }
    }
}

/// Reads the kept solved network (`None` when absent or damaged).
pub fn parse_kept(text: Option<&str>) -> Option<KeptSolved> {
    serde_json::from_str(text?).ok()
}

/// One entry of the saved-networks list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SavedNet {
    /// The user's name for it (plain text, never HTML).
    pub name: String,
    /// When it was saved (ms since the epoch).
    pub saved_at_ms: f64,
    /// Held-out bit accuracy at saving, if measured.
    pub accuracy: Option<f32>,
    /// Steps trained.
    pub step: u64,
    /// Hidden units.
    pub hidden: usize,
    /// Network file bytes, base64.
    pub net: String,
}

/// A network as stored: its network file in base64.
pub fn pack_net(config: &Config, net: &Network, steps: u64) -> String {
    pack_net_with(config, net, steps, None)
}

/// A network as stored with the optimiser state that trained it (the autosave: training
/// continues exactly after a reload), in a version 2 network file.
pub fn pack_net_with(
    config: &Config,
    net: &Network,
    steps: u64,
    optimiser: Option<&Adam>,
) -> String {
    STANDARD.encode(netfile::encode_with_optimiser(
        config, net, steps, optimiser,
    ))
}

/// Reads a stored network back (every check of the network file applies).
pub fn unpack_net(text: &str) -> Result<NetFile, String> {
    unpack_net_with(text).map(|(f, _)| f)
}

/// Reads a stored network and its optimiser state (`None` when stored without one).
pub fn unpack_net_with(text: &str) -> Result<(NetFile, Option<Adam>), String> {
    let bytes = STANDARD
        .decode(text.as_bytes())
        .map_err(|_| "the stored network is not valid base64".to_string())?;
    netfile::decode_with_optimiser(&bytes).map_err(|e| e.to_string())
}

/// Keeps at most `max` points, evenly thinned, always keeping the last one.
pub fn thin<T: Clone>(points: &[T], max: usize) -> Vec<T> {
    if points.len() <= max || max < 2 {
        return points.to_vec();
    }
    let stride = points.len().div_ceil(max - 1);
    let mut out: Vec<T> = points.iter().step_by(stride).cloned().collect();
    if points.len() % stride != 1 {
        if let Some(last) = points.last() {
            out.push(last.clone());
        }
    }
    out
}

/// A name as kept: trimmed, control characters removed, at most [`MAX_NAME_CHARS`].
pub fn clean_name(name: &str) -> String {
    name.chars()
        .filter(|c| !c.is_control())
        .take(MAX_NAME_CHARS)
        .collect::<String>()
        .trim()
        .to_string()
}

/// Parses the saved list; a damaged list reads as empty plus a message.
pub fn parse_saved(text: Option<&str>) -> (Vec<SavedNet>, Option<String>) {
    match text {
        None => (Vec::new(), None),
        Some(t) => match serde_json::from_str(t) {
            Ok(list) => (list, None),
            Err(e) => (
                Vec::new(),
                Some(format!(
                    "The saved-networks list in this browser is damaged ({e}); it was ignored."
                )),
            ),
        },
    }
}

/// Date and time `YYYY-MM-DD HH:MM` (UTC) of a timestamp in ms since the epoch.
pub fn format_date(ms: f64) -> String {
    if !ms.is_finite() || ms < 0.0 {
        return "–".into();
    }
    let secs = (ms / 1000.0) as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil from days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}",
        rem / 3600,
        rem % 3600 / 60
    )
}

#[cfg(target_arch = "wasm32")]
mod web {
    use wasm_bindgen::JsValue;

    fn storage() -> Result<web_sys::Storage, String> {
        web_sys::window()
            .and_then(|w| w.local_storage().ok().flatten())
            .ok_or_else(|| {
                "browser storage is not available (private mode or disabled)".to_string()
            })
    }

    /// Reads a key (`None` when absent or storage is unavailable).
    pub fn get(key: &str) -> Option<String> {
        storage().ok()?.get_item(key).ok().flatten()
    }

    /// Writes a key; a full storage gives a message naming the size.
    pub fn set(key: &str, value: &str) -> Result<(), String> {
        storage()?.set_item(key, value).map_err(|e: JsValue| {
            let name = js_sys::Reflect::get(&e, &"name".into())
                .ok()
                .and_then(|n| n.as_string())
                .unwrap_or_default();
            if name.contains("Quota") {
                format!(
                    "browser storage is full ({} kB needed); delete saved networks to make room",
                    value.len() / 1024
                )
            } else {
                format!("browser storage refused the write ({name})")
            }
        })
    }

    /// Removes a key (ignored when storage is unavailable).
    pub fn remove(key: &str) {
        if let Ok(s) = storage() {
            let _ = s.remove_item(key);
        }
    }
}

#[cfg(target_arch = "wasm32")]
pub use web::{get, remove, set};

#[cfg(test)]
mod tests {
    use super::*;
    use flipflop_core::Preset;

    #[test]
    fn a_solved_network_is_kept_once_its_settings_held_two_checks() {
        let c = Config::default();
        let mut fast = c.clone();
        fast.train.lr = 0.05;
        // kept (step, time), settings of the previous solved check, settings now, step,
        // running, now; at most one write per 2 s while running.
        let due = |kept, under, config, step, running, now| {
            keep_due(kept, under, config, step, running, now, 2_000.0)
        };
        // The first solved network of a page: at once.
        assert!(due(None, None, &fast, 10, true, 0.0));
        // The same settings held the previous check solved: kept, 2 s after the last.
        assert!(due(Some((10, 0.0)), Some(&c), &c, 60, true, 2_500.0));
        assert!(!due(Some((10, 0.0)), Some(&c), &c, 60, true, 1_500.0));
        assert!(due(Some((10, 0.0)), Some(&c), &c, 60, false, 1_500.0));
        assert!(!due(Some((60, 0.0)), Some(&c), &c, 60, false, 9_000.0));
        // A rate changed live: its first solved check does not replace the kept network,
        // nor does one after a check that failed; its second in a row does.
        assert!(!due(Some((10, 0.0)), Some(&c), &fast, 85, true, 9_000.0));
        assert!(!due(Some((10, 0.0)), None, &fast, 85, true, 9_000.0));
        assert!(due(Some((10, 0.0)), Some(&fast), &fast, 110, true, 9_000.0));
    }

    #[test]
    fn packed_networks_reopen_bit_identical_and_damage_is_detected() {
        let mut cfg = Config::preset(Preset::Default);
        cfg.model.hidden = 10;
        let net = Network::init(&cfg.model, 4);
        let text = pack_net(&cfg, &net, 42);
        let back = unpack_net(&text).unwrap();
        assert_eq!((back.network, back.steps), (net, 42));
        let mut bad = text.into_bytes();
        let k = bad.len() / 2;
        bad[k] = if bad[k] == b'A' { b'B' } else { b'A' };
        assert!(unpack_net(std::str::from_utf8(&bad).unwrap()).is_err());
        assert!(unpack_net("%%%").unwrap_err().contains("base64"));
    }

    #[test]
    fn the_autosave_keeps_the_optimiser_state() {
        let mut cfg = Config::preset(Preset::Default);
        cfg.model.hidden = 6;
        let net = Network::init(&cfg.model, 4);
        let mut adam = Adam::new(&net);
        adam.t = 77;
        adam.m[1][3] = -0.25;
        adam.v[1][3] = 1.5e-6;
        let text = pack_net_with(&cfg, &net, 77, Some(&adam));
        let (back, state) = unpack_net_with(&text).unwrap();
        assert_eq!(
            (back.network, back.steps, state),
            (net.clone(), 77, Some(adam))
        );
        // Without a state: the old bytes, and no state back.
        assert_eq!(
            pack_net_with(&cfg, &net, 77, None),
            pack_net(&cfg, &net, 77)
        );
        assert_eq!(unpack_net_with(&pack_net(&cfg, &net, 77)).unwrap().1, None);
    }

    #[test]
    fn thinning_keeps_ends_and_bound() {
        let v: Vec<u32> = (0..10_001).collect();
        let t = thin(&v, 4000);
        assert!(t.len() <= 4000, "{}", t.len());
        assert_eq!((t[0], *t.last().unwrap()), (0, 10_000));
        assert_eq!(thin(&v[..5], 10), v[..5].to_vec());
    }

    #[test]
    fn names_are_cleaned_text() {
        assert_eq!(clean_name("  a\u{0}b\n "), "ab");
        assert_eq!(clean_name(&"x".repeat(500)).len(), MAX_NAME_CHARS);
        let payload = "<img src=x onerror=window.__pwned=1>";
        assert_eq!(
            clean_name(payload),
            payload,
            "kept as text, shown with textContent"
        );
    }

    #[test]
    fn saved_list_round_trips_and_damage_is_a_message() {
        let e = SavedNet {
            name: "<b>n</b>".into(),
            saved_at_ms: 0.0,
            accuracy: Some(0.99),
            step: 3,
            hidden: 128,
            net: "AAAA".into(),
        };
        let text = serde_json::to_string(&vec![e.clone()]).unwrap();
        assert_eq!(parse_saved(Some(&text)), (vec![e], None));
        let (list, msg) = parse_saved(Some("[{"));
        assert!(list.is_empty() && msg.unwrap().contains("damaged"));
        assert_eq!(parse_saved(None), (Vec::new(), None));
    }

    /// Table: (solved now, run was solved, something kept, expected action).
    #[test]
    fn a_wrecked_network_offers_the_kept_one_and_never_replaces_it() {
        let kept = KeptSolved {
            save: Autosave {
                net: "AAAA".into(),
                losses: vec![(1, 0.5)],
                metrics: vec![(1, 0.01, 0.999)],
                saved_at_ms: 0.0,
            },
            step: 5000,
            accuracy: 0.999,
        };
        let back = SolvedAction::OfferBack {
            step: 5000,
            accuracy: 0.999,
        };
        let cases = [
            (true, false, None, SolvedAction::Keep),
            (true, true, Some(&kept), SolvedAction::Keep),
            (false, true, Some(&kept), back),
            (false, false, Some(&kept), SolvedAction::Nothing),
            (false, true, None, SolvedAction::Nothing),
        ];
        for (now, was, k, want) in cases {
            assert_eq!(
                solved_action(now, was, k),
                want,
                "{now} {was} {}",
                k.is_some()
            );
        }
        let text = serde_json::to_string(&kept).unwrap();
        assert_eq!(parse_kept(Some(&text)), Some(kept));
        assert_eq!(parse_kept(Some("{")), None);
        assert_eq!(parse_kept(None), None);
    }

    #[test]
    fn dates() {
        assert_eq!(format_date(0.0), "1970-01-01 00:00");
        assert_eq!(format_date(1_795_870_800_000.0), "2026-11-28 13:00");
        assert_eq!(format_date(f64::NAN), "–");
    }
}
