//! The network file (NET): a versioned, self-describing binary holding the full root
//! [`Config`] (seed included), the steps trained, the weights and, optionally, the state of
//! the optimiser that trained them. Pure bytes in and out; the caller does the I/O.
//!
//! Layout (all integers little-endian):
//!
//! ```text
//! offset  size  field
//!      0     8  magic  b"FFLABNET"
//!      8     4  format version (u32): 1 without, 2 with the optimiser section
//!     12     4  L = length of the config JSON in bytes (u32, ≤ MAX_CONFIG_BYTES)
//!     16     8  steps trained (u64)
//!     24     8  W = number of weights (u64, ≤ MAX_WEIGHTS)
//!     32     L  the root Config as UTF-8 JSON (its `model` is the network's architecture)
//!   32+L   4·W  weights as f32 LE, in order W_in (N×bits), W_rec (N×N), b_rec (N),
//!               W_out (bits×N), b_out (bits), each row-major (a GRU or LSTM: G·N rows
//!               in W_in, W_rec and b_rec's length `ModelConfig::bias_len`; see
//!               `flipflop_core::model::cell`)
//!  32+L+4W  …   version 2 only, the optimiser section (Adam, same tensor order as the
//!               weights; see `flipflop_core::train::Adam`):
//!                 4  b"ADAM"
//!                 8  t, Adam's step counter (u64, ≤ MAX_STEPS_TRAINED)
//!               4·W  first moments m (f32 LE)
//!               4·W  second moments v (f32 LE, finite, ≥ 0)
//!        end-4   4  CRC-32 (IEEE, as zlib's crc32) of every byte before it
//! ```
//!
//! A file without an optimiser state is written as version 1, byte for byte what earlier
//! versions wrote (links embed these bytes), so old readers still open it; a version 2 file
//! lets training continue exactly where it stopped ([`decode_with_optimiser`]). Readers that
//! only want the network ([`decode`]) accept both versions.
//!
//! `b_rec` is always stored (zeros when the model has no recurrent bias), so
//! `W = N·bits + N² + N + bits·N + bits`.
//!
//! Decoding never trusts a size before checking it: the header's sizes are bounded, the total
//! length must match them exactly, the checksum must match, and the config must validate
//! (N ≤ 1024, bits ≤ 8) and agree with W before any weight buffer is allocated.

use flipflop_core::config::Config;
use flipflop_core::error::ConfigError;
use flipflop_core::model::{ModelConfig, Network, MAX_HIDDEN};
use flipflop_core::task::MAX_BITS;
use flipflop_core::train::Adam;
use std::fmt;

/// The first eight bytes of every NET file.
pub const MAGIC: [u8; 8] = *b"FFLABNET";
/// The newest format version this code writes (files with an optimiser section); it reads
/// versions `1..=VERSION`.
pub const VERSION: u32 = 2;
/// The version of files without an optimiser section.
pub const VERSION_PLAIN: u32 = 1;
/// The tag that opens the optimiser section.
pub const OPTIMISER_TAG: [u8; 4] = *b"ADAM";
/// Largest config JSON accepted.
pub const MAX_CONFIG_BYTES: usize = 1 << 20;
/// Largest weight count accepted: the largest allowed network (an LSTM, N = 1024, 8 bits: four
/// gate blocks in W_in, W_rec and b_rec; see `ModelConfig::n_weights`).
pub const MAX_WEIGHTS: usize = 4 * (MAX_HIDDEN * MAX_BITS + MAX_HIDDEN * MAX_HIDDEN + MAX_HIDDEN)
    + MAX_BITS * MAX_HIDDEN
    + MAX_BITS;
/// Bytes before the config JSON.
pub const HEADER_BYTES: usize = 32;
/// Bytes of the trailing checksum.
pub const CHECKSUM_BYTES: usize = 4;
/// No valid NET file is larger than this; callers may refuse to read bigger files.
pub const MAX_FILE_BYTES: usize =
    HEADER_BYTES + MAX_CONFIG_BYTES + 12 * MAX_WEIGHTS + 12 + CHECKSUM_BYTES;

/// Most training steps a recipe may ask for: the range of the step budget in the controls
/// (`train.max_steps`, `flipflop train --steps`).
pub const MAX_RECIPE_STEPS: u64 = 10_000_000;
/// Largest "steps trained" counter a file or link may carry: 2⁵³, the largest integer that
/// JavaScript numbers (the page's protocol) hold exactly.
pub const MAX_STEPS_TRAINED: u64 = 1 << 53;
/// Largest number of state floats one batch may need, `(trial_len + 1) · trials · S` f32s
/// with `S` the cell's state size (N; 2N for an LSTM, whose state is `[h; c]`)
/// (2 GiB): the held-out set and the training batch are allocated from config values that a
/// link or file carries, so their product is bounded too. The controls' largest choice (batch
/// 1,024, N 1,024, the default trial length 340) needs 357 M (an LSTM twice that: refused).
pub const MAX_STATE_FLOATS: u64 = 1 << 29;

/// Checks a step count that a link or file carries against `0..=max`.
///
/// # Errors
/// A [`ConfigError`] naming `field`, the value and the allowed range.
pub fn check_steps(field: &'static str, steps: u64, max: u64) -> Result<(), ConfigError> {
    if steps > max {
        return Err(ConfigError {
            field,
            value: steps.to_string(),
            allowed: format!("0..={max}"),
        });
    }
    Ok(())
}

/// Checks a config that came from outside (a file, a link): every field's range as the
/// controls have it ([`Config::validate`]), the step budget as a 64-bit number (the same on
/// 32-bit targets), and the size of the state buffers that training and the held-out
/// evaluation allocate (at most [`MAX_STATE_FLOATS`]).
///
/// # Errors
/// A [`ConfigError`] naming the first field out of range and what is allowed.
pub fn check_config(config: &Config) -> Result<(), ConfigError> {
    check_steps("max_steps", config.train.max_steps, MAX_RECIPE_STEPS)?;
    config.validate()?;
    // Floats of state per unit and time step: an LSTM keeps [h; c], 2N per state.
    let n = config.model.cell.state_size(config.model.hidden) as u64;
    let t = config.task.trial_len as u64;
    let train_t = match config.train.train_trial_len as u64 {
        0 => t,
        l => l,
    };
    for (field, trials, len) in [
        ("val_trials", config.train.val_trials as u64, t),
        ("batch", config.train.batch as u64, train_t),
    ] {
        let states = (len + 1) * trials * n;
        if states > MAX_STATE_FLOATS {
            return Err(ConfigError {
                field,
                value: format!(
                    "{trials} (× {} time steps × {n} state floats = {states} floats)",
                    len + 1
                ),
                allowed: format!("at most {MAX_STATE_FLOATS} state floats, 2 GiB"),
            });
        }
    }
    Ok(())
}

/// Weights stored for a vanilla network of `hidden` units and `bits` bits:
/// `N·k + N² + N + k·N + k` (any cell: `ModelConfig::n_weights`).
pub const fn stored_weights(hidden: usize, bits: usize) -> usize {
    hidden * bits + hidden * hidden + hidden + bits * hidden + bits
}

/// A decoded network file.
#[derive(Clone, Debug, PartialEq)]
pub struct NetFile {
    /// The root configuration (task, model, training, seed); `config.model == network.config`.
    pub config: Config,
    /// The weights.
    pub network: Network,
    /// Optimiser steps the weights have been trained for.
    pub steps: u64,
}

/// Why bytes are not a usable network file.
#[derive(Clone, Debug, PartialEq)]
pub enum FormatError {
    /// The file does not start with the NET magic bytes.
    BadMagic,
    /// Fewer bytes than the header declares.
    Truncated {
        /// Bytes needed.
        expected: usize,
        /// Bytes present.
        found: usize,
    },
    /// More bytes than the header declares.
    TrailingBytes {
        /// Bytes expected.
        expected: usize,
        /// Bytes present.
        found: usize,
    },
    /// Version 0 (never written) or a version newer than this program reads.
    UnsupportedVersion {
        /// The version in the file.
        found: u32,
    },
    /// A declared size is beyond what any valid file has.
    TooLarge {
        /// Which size.
        what: &'static str,
        /// The declared value.
        value: u64,
        /// The largest allowed.
        max: u64,
    },
    /// The stored CRC-32 does not match the content.
    Checksum {
        /// Stored in the file.
        stored: u32,
        /// Computed from the content.
        computed: u32,
    },
    /// The config is not valid UTF-8 JSON of a [`Config`].
    ConfigJson(String),
    /// The config parses but a value is out of range.
    Config(ConfigError),
    /// The weight count does not match the config's shapes.
    Shape {
        /// Weights the config implies.
        expected: usize,
        /// Weights in the file.
        found: usize,
    },
    /// A weight is NaN or infinite.
    NonFinite {
        /// The tensor, e.g. `"W_rec"`.
        tensor: &'static str,
        /// Index within it (row-major).
        index: usize,
    },
    /// `b_rec` is non-zero although the model has no recurrent bias.
    UnusedBias,
    /// The optimiser section is damaged (a wrong tag, a step counter out of range, a
    /// non-finite moment or a negative second moment).
    Optimiser(String),
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use FormatError::*;
        match self {
            BadMagic => write!(f, "not a Flip-Flop Lab network file (wrong magic bytes)"),
            Truncated { expected, found } => {
                write!(f, "network file is truncated: {found} bytes, expected {expected}")
            }
            TrailingBytes { expected, found } => {
                write!(f, "network file has trailing data: {found} bytes, expected {expected}")
            }
            UnsupportedVersion { found } if *found > VERSION => write!(
                f,
                "network file format version {found} is newer than this program reads \
                 (1..={VERSION}); update Flip-Flop Lab"
            ),
            UnsupportedVersion { found } => {
                write!(f, "network file format version {found} is invalid (supported: 1..={VERSION})")
            }
            TooLarge { what, value, max } => {
                write!(f, "network file declares {what} = {value}, more than the maximum {max}")
            }
            Checksum { stored, computed } => write!(
                f,
                "network file is corrupted: checksum {computed:08x} does not match the stored {stored:08x}"
            ),
            ConfigJson(e) => write!(f, "network file has an unreadable config: {e}"),
            Config(e) => write!(f, "network file has an invalid config: {e}"),
            Shape { expected, found } => write!(
                f,
                "network file holds {found} weights but its config implies {expected}"
            ),
            NonFinite { tensor, index } => {
                write!(f, "network file has a NaN or infinite weight: {tensor}[{index}]")
            }
            UnusedBias => write!(f, "network file has a non-zero b_rec but model.rec_bias is false"),
            Optimiser(what) => write!(
                f,
                "network file has an unusable optimiser state ({what}); open it with an older \
                 copy of the file or re-export it"
            ),
        }
    }
}

impl std::error::Error for FormatError {}

/// Encodes a network file without an optimiser state (version 1). The config stored is
/// `config` with its `model` replaced by `net.config`, so the file always describes the
/// weights it holds.
pub fn encode(config: &Config, net: &Network, steps: u64) -> Vec<u8> {
    encode_with_optimiser(config, net, steps, None)
}

/// Encodes a network file with the optimiser state that trained it (version 2), or without
/// one (`None` or a state whose shapes do not fit `net`: version 1, as [`encode`]).
pub fn encode_with_optimiser(
    config: &Config,
    net: &Network,
    steps: u64,
    optimiser: Option<&Adam>,
) -> Vec<u8> {
    let optimiser = optimiser.filter(|a| a.fits(net));
    let version = match optimiser {
        Some(_) => VERSION,
        None => VERSION_PLAIN,
    };
    let mut config = config.clone();
    config.model = net.config.clone();
    // Serialising plain data (no maps with non-string keys) cannot fail.
    let json = serde_json::to_vec(&config).unwrap_or_default();
    let n_weights: usize = net.params().iter().map(|p| p.len()).sum();
    let section = optimiser.map_or(0, |_| 12 + 8 * n_weights);
    let mut out =
        Vec::with_capacity(HEADER_BYTES + json.len() + 4 * n_weights + section + CHECKSUM_BYTES);
    out.extend_from_slice(&MAGIC);
    out.extend_from_slice(&version.to_le_bytes());
    out.extend_from_slice(&(json.len() as u32).to_le_bytes());
    out.extend_from_slice(&steps.to_le_bytes());
    out.extend_from_slice(&(n_weights as u64).to_le_bytes());
    out.extend_from_slice(&json);
    for p in net.params() {
        for w in p {
            out.extend_from_slice(&w.to_le_bytes());
        }
    }
    if let Some(adam) = optimiser {
        out.extend_from_slice(&OPTIMISER_TAG);
        out.extend_from_slice(&adam.t.to_le_bytes());
        for x in adam.m.iter().chain(&adam.v).flatten() {
            out.extend_from_slice(&x.to_le_bytes());
        }
    }
    let crc = crc32fast::hash(&out);
    out.extend_from_slice(&crc.to_le_bytes());
    out
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    let mut a = [0u8; 4];
    a.copy_from_slice(&b[at..at + 4]);
    u32::from_le_bytes(a)
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(a)
}

/// Decodes and checks a network file (see the module docs for every check); an optimiser
/// section is checked and then dropped.
pub fn decode(bytes: &[u8]) -> Result<NetFile, FormatError> {
    decode_with_optimiser(bytes).map(|(file, _)| file)
}

/// Decodes and checks a network file and its optimiser state (`None` in a version 1 file).
pub fn decode_with_optimiser(bytes: &[u8]) -> Result<(NetFile, Option<Adam>), FormatError> {
    let found = bytes.len();
    // Magic first (a short prefix of the magic is a truncated file, anything else is not ours).
    let m = found.min(MAGIC.len());
    if bytes[..m] != MAGIC[..m] {
        return Err(FormatError::BadMagic);
    }
    if found < HEADER_BYTES + CHECKSUM_BYTES {
        return Err(FormatError::Truncated {
            expected: HEADER_BYTES + CHECKSUM_BYTES,
            found,
        });
    }
    let version = u32_at(bytes, 8);
    if version == 0 || version > VERSION {
        return Err(FormatError::UnsupportedVersion { found: version });
    }
    let json_len = u32_at(bytes, 12) as usize;
    let steps = u64_at(bytes, 16);
    let n_weights = u64_at(bytes, 24);
    if json_len > MAX_CONFIG_BYTES {
        return Err(FormatError::TooLarge {
            what: "config length",
            value: json_len as u64,
            max: MAX_CONFIG_BYTES as u64,
        });
    }
    if n_weights > MAX_WEIGHTS as u64 {
        return Err(FormatError::TooLarge {
            what: "weight count",
            value: n_weights,
            max: MAX_WEIGHTS as u64,
        });
    }
    let n_weights = n_weights as usize; // ≤ MAX_WEIGHTS, so it fits and the sum below cannot overflow
    let section = if version >= 2 { 12 + 8 * n_weights } else { 0 };
    let expected = HEADER_BYTES + json_len + 4 * n_weights + section + CHECKSUM_BYTES;
    if found < expected {
        return Err(FormatError::Truncated { expected, found });
    }
    if found > expected {
        return Err(FormatError::TrailingBytes { expected, found });
    }
    let body = expected - CHECKSUM_BYTES;
    let stored = u32_at(bytes, body);
    let computed = crc32fast::hash(&bytes[..body]);
    if stored != computed {
        return Err(FormatError::Checksum { stored, computed });
    }
    let json = &bytes[HEADER_BYTES..HEADER_BYTES + json_len];
    let config: Config =
        serde_json::from_slice(json).map_err(|e| FormatError::ConfigJson(e.to_string()))?;
    check_config(&config).map_err(FormatError::Config)?;
    check_steps("steps trained", steps, MAX_STEPS_TRAINED).map_err(FormatError::Config)?;
    let want = config.model.n_weights();
    if want != n_weights {
        return Err(FormatError::Shape {
            expected: want,
            found: n_weights,
        });
    }
    let w_end = HEADER_BYTES + json_len + 4 * n_weights;
    let network = read_weights(&config.model, &bytes[HEADER_BYTES + json_len..w_end])?;
    let optimiser = match section {
        0 => None,
        _ => Some(read_optimiser(&network, &bytes[w_end..body])?),
    };
    let file = NetFile {
        config,
        network,
        steps,
    };
    Ok((file, optimiser))
}

/// Reads the optimiser section (`12 + 8·W` bytes, checked by the caller).
fn read_optimiser(net: &Network, raw: &[u8]) -> Result<Adam, FormatError> {
    if raw[..4] != OPTIMISER_TAG {
        return Err(FormatError::Optimiser(
            "the section does not start with ADAM".into(),
        ));
    }
    let t = u64_at(raw, 4);
    if t > MAX_STEPS_TRAINED {
        return Err(FormatError::Optimiser(format!(
            "step counter {t} is beyond {MAX_STEPS_TRAINED}"
        )));
    }
    let mut adam = Adam::new(net);
    adam.t = t;
    let mut words = raw[12..]
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]));
    for (name, moments) in [("m", &mut adam.m), ("v", &mut adam.v)] {
        for (index, x) in moments.iter_mut().flatten().enumerate() {
            let w = words.next().unwrap_or(f32::NAN);
            if !w.is_finite() || (name == "v" && w < 0.0) {
                return Err(FormatError::Optimiser(format!(
                    "moment {name}[{index}] = {w} is not a finite{} number",
                    if name == "v" { ", non-negative" } else { "" }
                )));
            }
            *x = w;
        }
    }
    Ok(adam)
}

/// Reads the weights (exactly `model.n_weights()` f32s, checked by the caller).
fn read_weights(model: &ModelConfig, raw: &[u8]) -> Result<Network, FormatError> {
    const NAMES: [&str; 5] = ["W_in", "W_rec", "b_rec", "W_out", "b_out"];
    let mut net = Network::zeros(model);
    let mut words = raw
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]));
    for (name, p) in NAMES.iter().zip(net.params_mut()) {
        for (index, (dst, w)) in p.iter_mut().zip(&mut words).enumerate() {
            if !w.is_finite() {
                return Err(FormatError::NonFinite {
                    tensor: name,
                    index,
                });
            }
            *dst = w;
        }
    }
    if !model.rec_bias && net.b_rec.iter().any(|b| *b != 0.0) {
        return Err(FormatError::UnusedBias);
    }
    Ok(net)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> (Config, Network) {
        let mut cfg = Config {
            seed: 42,
            ..Config::default()
        };
        cfg.model.hidden = 7;
        cfg.set_bits(2);
        cfg.model.rec_bias = true;
        cfg.model.alpha = 0.3;
        let mut net = Network::init(&cfg.model, cfg.seed);
        net.b_rec
            .iter_mut()
            .enumerate()
            .for_each(|(i, b)| *b = i as f32 * 0.25 - 0.5);
        net.b_out = vec![0.125, -3.5e-7];
        (cfg, net)
    }

    #[test]
    fn state_memory_counts_the_lstm_cell_state() {
        // N 1024, batch 1024, trial_len 340: 357 M floats for h alone (allowed), 714 M for an
        // LSTM's [h; c] (over the 2 GiB bound, and named as the batch's fault).
        let mut cfg = Config::cell_preset(flipflop_core::model::CellKind::Lstm);
        cfg.model.hidden = 1024;
        cfg.train.batch = 1024;
        cfg.train.train_trial_len = 340;
        cfg.task.trial_len = 340;
        cfg.train.val_trials = 16;
        let err = check_config(&cfg).unwrap_err();
        assert_eq!(err.field, "batch", "{err}");
        assert!(err.value.contains("2048 state floats"), "{err}");
        cfg.train.batch = 512;
        assert_eq!(check_config(&cfg), Ok(()));
        let mut gru = cfg.clone();
        gru.model.cell = flipflop_core::model::CellKind::Gru;
        gru.model.forget_bias = 1.0; // the LSTM preset's forget bias is an LSTM-only option
        gru.train.batch = 1024;
        assert_eq!(check_config(&gru), Ok(()));
    }

    /// Rewrites the checksum after a deliberate edit, so later checks are reached.
    fn reseal(b: &mut [u8]) {
        let body = b.len() - 4;
        let crc = crc32fast::hash(&b[..body]);
        b[body..].copy_from_slice(&crc.to_le_bytes());
    }

    #[test]
    fn round_trip_is_exact() {
        let (cfg, net) = sample();
        let bytes = encode(&cfg, &net, 1234);
        assert_eq!(&bytes[..8], b"FFLABNET");
        assert_eq!(bytes.len(), {
            let json = serde_json::to_vec(&cfg).unwrap().len();
            HEADER_BYTES + json + 4 * stored_weights(7, 2) + 4
        });
        let f = decode(&bytes).unwrap();
        assert_eq!(f.config, cfg);
        assert_eq!(f.network, net);
        assert_eq!(f.steps, 1234);
        // Presets round-trip too (paper: N 400, default).
        for p in [flipflop_core::Preset::Default, flipflop_core::Preset::Paper] {
            let c = Config::preset(p);
            let n = Network::init(&c.model, 3);
            let f = decode(&encode(&c, &n, 0)).unwrap();
            assert_eq!((f.config, f.network), (c, n));
        }
    }

    #[test]
    fn stored_config_describes_the_weights() {
        let (mut cfg, net) = sample();
        cfg.model.hidden = 99; // disagrees with net; the network's own architecture is stored
        let f = decode(&encode(&cfg, &net, 0)).unwrap();
        assert_eq!(f.config.model, net.config);
    }

    #[test]
    fn rejections() {
        let (cfg, net) = sample();
        let good = encode(&cfg, &net, 5);
        let json_len = u32_at(&good, 12) as usize;
        let w0 = HEADER_BYTES + json_len; // first weight byte
        type Edit = Box<dyn Fn(&mut Vec<u8>)>;
        type Expect = Box<dyn Fn(&FormatError) -> bool>;
        let cases: Vec<(&str, Edit, Expect)> = vec![
            (
                "wrong magic",
                Box::new(|b| b[0] = b'X'),
                Box::new(|e| *e == FormatError::BadMagic),
            ),
            (
                "empty",
                Box::new(|b| b.clear()),
                Box::new(|e| matches!(e, FormatError::Truncated { found: 0, .. })),
            ),
            (
                "magic only",
                Box::new(|b| b.truncate(8)),
                Box::new(|e| matches!(e, FormatError::Truncated { .. })),
            ),
            (
                "truncated",
                Box::new(|b| b.truncate(b.len() - 1)),
                Box::new(|e| matches!(e, FormatError::Truncated { .. })),
            ),
            (
                "trailing",
                Box::new(|b| b.push(0)),
                Box::new(|e| matches!(e, FormatError::TrailingBytes { .. })),
            ),
            (
                "newer version",
                Box::new(|b| b[8..12].copy_from_slice(&3u32.to_le_bytes())),
                Box::new(|e| *e == FormatError::UnsupportedVersion { found: 3 }),
            ),
            (
                "version 0",
                Box::new(|b| b[8..12].copy_from_slice(&0u32.to_le_bytes())),
                Box::new(|e| *e == FormatError::UnsupportedVersion { found: 0 }),
            ),
            (
                "absurd weight count",
                Box::new(|b| b[24..32].copy_from_slice(&u64::MAX.to_le_bytes())),
                Box::new(|e| {
                    matches!(
                        e,
                        FormatError::TooLarge {
                            what: "weight count",
                            ..
                        }
                    )
                }),
            ),
            (
                "absurd config length",
                Box::new(|b| b[12..16].copy_from_slice(&u32::MAX.to_le_bytes())),
                Box::new(|e| {
                    matches!(
                        e,
                        FormatError::TooLarge {
                            what: "config length",
                            ..
                        }
                    )
                }),
            ),
            (
                "flipped weight bit",
                Box::new(move |b| b[w0 + 5] ^= 0x10),
                Box::new(|e| matches!(e, FormatError::Checksum { .. })),
            ),
            (
                "NaN weight",
                Box::new(move |b| {
                    b[w0 + 8..w0 + 12].copy_from_slice(&f32::NAN.to_le_bytes());
                    reseal(b);
                }),
                Box::new(|e| {
                    *e == FormatError::NonFinite {
                        tensor: "W_in",
                        index: 2,
                    }
                }),
            ),
            (
                "infinite bias",
                Box::new(move |b| {
                    let at = b.len() - 8;
                    b[at..at + 4].copy_from_slice(&f32::INFINITY.to_le_bytes());
                    reseal(b);
                }),
                Box::new(|e| {
                    *e == FormatError::NonFinite {
                        tensor: "b_out",
                        index: 1,
                    }
                }),
            ),
        ];
        for (name, edit, ok) in cases {
            let mut b = good.clone();
            edit(&mut b);
            match decode(&b) {
                Err(e) => {
                    assert!(ok(&e), "{name}: unexpected error {e:?}");
                    assert!(!e.to_string().is_empty());
                }
                Ok(_) => panic!("{name}: accepted"),
            }
        }
    }

    /// Builds a file by hand from a config JSON and a weight list (checksum correct).
    fn handmade(json: &str, weights: &[f32]) -> Vec<u8> {
        let mut b = Vec::new();
        b.extend_from_slice(&MAGIC);
        b.extend_from_slice(&VERSION_PLAIN.to_le_bytes());
        b.extend_from_slice(&(json.len() as u32).to_le_bytes());
        b.extend_from_slice(&0u64.to_le_bytes());
        b.extend_from_slice(&(weights.len() as u64).to_le_bytes());
        b.extend_from_slice(json.as_bytes());
        weights
            .iter()
            .for_each(|w| b.extend_from_slice(&w.to_le_bytes()));
        b.extend_from_slice(&[0; 4]);
        reseal(&mut b);
        b
    }

    #[test]
    fn config_rejections() {
        // Unreadable JSON.
        let e = decode(&handmade("{not json", &[])).unwrap_err();
        assert!(matches!(e, FormatError::ConfigJson(_)), "{e:?}");
        // Out-of-range hidden size: rejected by validation before any weight is read.
        let e = decode(&handmade(r#"{"model":{"hidden":100000}}"#, &[])).unwrap_err();
        assert!(
            matches!(&e, FormatError::Config(c) if c.field == "hidden"),
            "{e:?}"
        );
        assert!(e.to_string().contains("hidden"));
        let e = decode(&handmade(r#"{"task":{"bits":9},"model":{"bits":9}}"#, &[])).unwrap_err();
        assert!(
            matches!(&e, FormatError::Config(c) if c.field == "bits"),
            "{e:?}"
        );
        // Shapes not matching the config: N 2, 1 bit needs 2+4+2+2+1 = 11 weights.
        let json = r#"{"task":{"bits":1},"model":{"hidden":2,"bits":1}}"#;
        let e = decode(&handmade(json, &[0.5; 10])).unwrap_err();
        assert_eq!(
            e,
            FormatError::Shape {
                expected: 11,
                found: 10
            }
        );
        assert!(decode(&handmade(json, &[0.0; 11])).is_ok());
        // A non-zero b_rec (indices 6, 7, after W_in 2 and W_rec 4) without rec_bias.
        let mut w = [0.0f32; 11];
        w[6] = 1.0;
        assert_eq!(
            decode(&handmade(json, &w)).unwrap_err(),
            FormatError::UnusedBias
        );
    }

    #[test]
    fn messages_are_actionable() {
        let e = FormatError::UnsupportedVersion { found: 7 };
        assert!(e.to_string().contains("newer"), "{e}");
        let e = FormatError::Checksum {
            stored: 1,
            computed: 2,
        };
        assert!(e.to_string().contains("corrupted"), "{e}");
        assert!(FormatError::BadMagic
            .to_string()
            .contains("not a Flip-Flop Lab network file"));
    }
}
