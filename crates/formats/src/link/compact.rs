//! The compact body: every weight as a quantised offset from a base, or losslessly (see the
//! layout in the [module docs](super)).

use super::{
    config_json, parse_config, Decoded, LinkError, LinkKind, COMPACT_COARSEST_STEP,
    COMPACT_MAX_ACCURACY_CHANGE, COMPACT_MAX_RADIUS_CHANGE, COMPACT_RUNGS, TENSORS,
};
use crate::netfile;
use flipflop_core::analysis::{eigenvalues, spectral_radius};
use flipflop_core::config::Config;
use flipflop_core::model::Network;
use flipflop_core::train::{evaluate_task, validation_set, Workspace};

/// Bytes of the compact header before the config JSON.
pub(super) const HEADER_BYTES: usize = 25;

/// CRC-32 of the weights as f32 LE in netfile order.
fn weights_crc(net: &Network) -> u32 {
    let mut h = crc32fast::Hasher::new();
    for p in net.params() {
        for w in p {
            h.update(&w.to_le_bytes());
        }
    }
    h.finalize()
}

fn zigzag(k: i64) -> u64 {
    ((k << 1) ^ (k >> 63)) as u64
}

fn unzigzag(z: u64) -> i64 {
    ((z >> 1) as i64) ^ -((z & 1) as i64)
}

fn put_varint(out: &mut Vec<u8>, mut z: u64) {
    while z >= 0x80 {
        out.push((z as u8 & 0x7f) | 0x80);
        z >>= 7;
    }
    out.push(z as u8);
}

/// Reads one varint of at most 5 bytes (32 bits) at `*at`.
fn get_varint(b: &[u8], at: &mut usize) -> Result<u64, LinkError> {
    let mut z = 0u64;
    for shift in 0..5 {
        let Some(&byte) = b.get(*at) else {
            return Err(LinkError::Malformed("the weights end early"));
        };
        *at += 1;
        z |= ((byte & 0x7f) as u64) << (7 * shift);
        if byte & 0x80 == 0 {
            return Ok(z);
        }
    }
    Err(LinkError::Malformed("a weight code is longer than 5 bytes"))
}

/// One tensor quantised with step `q` against `base`: appends the varint codes and writes
/// the rebuilt values. `q = 0` stores the f32 bits, or with `bit_offsets` their integer offset
/// from the base's bits (small when the weights are near the base). Returns false when a code would exceed
/// ±2³⁰ (so that every code fits a 5-byte varint); the caller then tries a finer rung.
fn quantise(
    w: &[f32],
    base: &[f32],
    q: f32,
    bit_offsets: bool,
    codes: &mut Vec<u8>,
    rebuilt: &mut [f32],
) -> bool {
    for ((w, b), r) in w.iter().zip(base).zip(rebuilt.iter_mut()) {
        if q == 0.0 {
            if bit_offsets {
                put_varint(codes, zigzag(w.to_bits() as i64 - b.to_bits() as i64));
            } else {
                put_varint(codes, w.to_bits() as u64);
            }
            *r = *w;
            continue;
        }
        let k = ((*w - *b) / q).round();
        // Also false for NaN: a code out of range or not a number needs a finer rung.
        if k.is_nan() || k.abs() >= (1u32 << 30) as f32 {
            return false;
        }
        let k = k as i64;
        put_varint(codes, zigzag(k));
        *r = rebuild(*b, k, q);
    }
    true
}

/// `w₀ + k·q` in f32, exactly as the decoder computes it.
fn rebuild(base: f32, k: i64, q: f32) -> f32 {
    base + (k as f32) * q
}

/// The base network for `base` (0 zeros, 1 and 2 seeded init).
fn base_network(config: &Config, base: u8) -> Network {
    if base >= 1 {
        Network::init(&config.model, config.seed)
    } else {
        Network::zeros(&config.model)
    }
}

/// Quantises the whole network with `q_rec` (W_rec) and `q_rec / 4` (the rest).
fn attempt(
    net: &Network,
    base: &Network,
    q_rec: f32,
    bit_offsets: bool,
) -> Option<(Vec<u8>, Network)> {
    let q_io = q_rec / 4.0;
    let mut codes = Vec::new();
    let mut rebuilt = Network::zeros(&net.config);
    let steps = [q_io, q_rec, q_io, q_io, q_io];
    for (((w, b), r), q) in net
        .params()
        .iter()
        .zip(base.params())
        .zip(rebuilt.params_mut())
        .zip(steps)
    {
        if !quantise(w, b, q, bit_offsets, &mut codes, r) {
            return None;
        }
    }
    // Rounding may push a small Dale weight across zero: back onto the constraints (which
    // only brings it nearer to the true weight); the decoder does the same.
    net.config.constraints.project_network(&mut rebuilt);
    Some((codes, rebuilt))
}

pub(super) fn encode(config: &Config, net: &Network, steps: u64) -> Vec<u8> {
    // Base: the seeded initial weights when W_rec is nearer to them than to zero.
    let init = Network::init(&config.model, config.seed);
    let dist = |b: &[f32]| -> f64 {
        net.w_rec
            .iter()
            .zip(b)
            .map(|(w, b)| ((*w - *b) as f64).powi(2))
            .sum()
    };
    let zeros = Network::zeros(&config.model);
    let (base_id, base) = if dist(&init.w_rec) < dist(&zeros.w_rec) {
        (1u8, init)
    } else {
        (0u8, zeros)
    };
    let chosen = if config.validate().is_ok() && net.is_finite() {
        search(config, net, &base)
    } else {
        None
    };
    let (q_rec, codes, rebuilt, base_id) = match chosen {
        Some((q, codes, rebuilt)) => (q, codes, rebuilt, base_id),
        None => {
            // Lossless fallback: with the seeded base, each weight's bits as an offset from the
            // initial weight's bits (base 2: few significant bits when training moved the
            // weights a little); else the f32 bits themselves.
            let offsets = base_id == 1;
            let (codes, rebuilt) =
                attempt(net, &base, 0.0, offsets).unwrap_or_else(|| (Vec::new(), net.clone()));
            (0.0, codes, rebuilt, if offsets { 2 } else { base_id })
        }
    };
    let json = config_json(config);
    let mut out = Vec::with_capacity(HEADER_BYTES + json.len() + codes.len());
    out.extend_from_slice(&(json.len() as u32).to_le_bytes());
    out.extend_from_slice(&steps.to_le_bytes());
    out.push(base_id);
    out.extend_from_slice(&q_rec.to_le_bytes());
    out.extend_from_slice(&(q_rec / 4.0).to_le_bytes());
    out.extend_from_slice(&weights_crc(&rebuilt).to_le_bytes());
    out.extend_from_slice(&json);
    out.extend_from_slice(&codes);
    out
}

/// Walks the ladder from the coarsest step; returns the first rung that keeps the bounds.
fn search(config: &Config, net: &Network, base: &Network) -> Option<(f32, Vec<u8>, Network)> {
    let n = net.config.hidden;
    // No spectrum (weights the solver cannot handle): no compact form, the lossless one.
    let rho = spectral_radius(&eigenvalues(&net.w_rec, n).ok()?);
    let val = validation_set(&config.task, config.seed, config.train.val_trials);
    let mut ws = Workspace::default();
    // The task's own accuracy rule (the flip-flop's sign rule, the others' final choice).
    let task = flipflop_core::task::build(&config.task);
    let acc = evaluate_task(&*task, net, &val, &mut ws).bit_accuracy as f64;
    let mut q = COMPACT_COARSEST_STEP;
    for _ in 0..COMPACT_RUNGS {
        if let Some((codes, rebuilt)) = attempt(net, base, q, false) {
            let rho_q = eigenvalues(&rebuilt.w_rec, n).map(|e| spectral_radius(&e));
            if rebuilt.is_finite()
                && rho_q.is_ok_and(|r| (r - rho).abs() <= COMPACT_MAX_RADIUS_CHANGE)
            {
                let acc_q = evaluate_task(&*task, &rebuilt, &val, &mut ws).bit_accuracy as f64;
                if (acc_q - acc).abs() <= COMPACT_MAX_ACCURACY_CHANGE {
                    return Some((q, codes, rebuilt));
                }
            }
        }
        q *= 0.840_896_4; // 2^(-1/4)
    }
    None
}

fn le_u32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

pub(super) fn decode(body: &[u8]) -> Result<Decoded, LinkError> {
    if body.len() < HEADER_BYTES {
        return Err(LinkError::Malformed("the compact header is cut short"));
    }
    let json_len = le_u32(body, 0) as usize;
    let mut s = [0u8; 8];
    s.copy_from_slice(&body[4..12]);
    let steps = u64::from_le_bytes(s);
    netfile::check_steps("steps trained", steps, netfile::MAX_STEPS_TRAINED)
        .map_err(LinkError::Config)?;
    let base_id = body[12];
    let q_rec = f32::from_bits(le_u32(body, 13));
    let q_io = f32::from_bits(le_u32(body, 17));
    let crc = le_u32(body, 21);
    if base_id > 2 || (base_id == 2 && (q_rec != 0.0 || q_io != 0.0)) {
        return Err(LinkError::Malformed("unknown base for the weights"));
    }
    let steps_ok = |q: f32| q.is_finite() && q >= 0.0;
    if !steps_ok(q_rec) || !steps_ok(q_io) {
        return Err(LinkError::Malformed(
            "a quantisation step is negative or not finite",
        ));
    }
    if json_len > body.len() - HEADER_BYTES {
        return Err(LinkError::Malformed("the config is cut short"));
    }
    let json_end = HEADER_BYTES + json_len;
    let config = parse_config(&body[HEADER_BYTES..json_end])?;
    // Validated: N ≤ 1024, bits ≤ 8. Each weight takes at least one byte, so a body too short
    // for the shapes is refused before the base network is built.
    let count = config.model.n_weights();
    if body.len() - json_end < count {
        return Err(LinkError::Malformed("the weights end early"));
    }
    let base = base_network(&config, base_id);
    let mut net = Network::zeros(&config.model);
    let mut at = json_end;
    let steps_by_tensor = [q_io, q_rec, q_io, q_io, q_io];
    for (((name, dst), b), q) in TENSORS
        .iter()
        .zip(net.params_mut())
        .zip(base.params())
        .zip(steps_by_tensor)
    {
        for (index, (d, b)) in dst.iter_mut().zip(b).enumerate() {
            let z = get_varint(body, &mut at)?;
            let w = if q == 0.0 {
                let bits = if base_id == 2 {
                    u32::try_from(b.to_bits() as i64 + unzigzag(z)).ok()
                } else {
                    u32::try_from(z).ok()
                };
                let bits = bits.ok_or(LinkError::Malformed(
                    "a lossless weight has more than 32 bits",
                ))?;
                f32::from_bits(bits)
            } else {
                rebuild(*b, unzigzag(z), q)
            };
            if !w.is_finite() {
                return Err(LinkError::NonFinite {
                    tensor: name,
                    index,
                });
            }
            *d = w;
        }
    }
    if at != body.len() {
        return Err(LinkError::Malformed("extra bytes after the weights"));
    }
    if !config.model.rec_bias && net.b_rec.iter().any(|b| *b != 0.0) {
        return Err(LinkError::Malformed(
            "non-zero b_rec but model.rec_bias is false",
        ));
    }
    config.model.constraints.project_network(&mut net);
    if weights_crc(&net) != crc {
        return Err(LinkError::RebuildMismatch);
    }
    Ok(Decoded {
        kind: LinkKind::Compact,
        config,
        network: Some(net),
        steps,
    })
}
