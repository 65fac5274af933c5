//! Searches training settings for the GRU and LSTM presets: trains one configuration until
//! solved (checks every 25 steps) and prints one JSON line with the step it was solved at,
//! the time per training step (steps only, checks excluded) and the total wall time. Used to
//! pick `Config::cell_preset` (BENCHMARKS.md, "GRU and LSTM").
//!
//! `gated_search CELL HIDDEN LR BATCH TRIAL_LEN MAX_STEPS SEED [BITS [DECAY [CLIP]]]`, e.g.
//! `target/release/examples/gated_search lstm 32 2e-2 16 200 3000 1 3 1e-3 1`; the omitted
//! options keep the cell preset's values (DECAY: inverse-time decay of the learning rate,
//! `lr_t = lr / (1 + DECAY · t)`; CLIP: global-norm gradient clipping, 0 = off).
//!
//! Options `KEY=VALUE` anywhere after the positional arguments: `beta1=` and `beta2=` (Adam),
//! `fbias=` (an LSTM's initial forget-gate bias, `ModelConfig::forget_bias`), `warmup=` (steps of a linear learning-rate warm-up: step `s`
//! uses `lr · min(1, s / warmup)` before the decay).

use flipflop_core::model::{CellKind, Network};
use flipflop_core::{Config, Trainer};
use std::time::Instant;

fn main() {
    let (kv, a): (Vec<String>, Vec<String>) =
        std::env::args().skip(1).partition(|s| s.contains('='));
    let mut opts = std::collections::BTreeMap::new();
    for o in &kv {
        let (k, v) = o.split_once('=').unwrap_or_default();
        let Ok(v) = v.parse::<f64>() else {
            eprintln!("option '{o}' is not KEY=NUMBER");
            std::process::exit(2)
        };
        if !["beta1", "beta2", "fbias", "warmup"].contains(&k) {
            eprintln!("unknown option '{k}' (beta1, beta2, fbias, warmup)");
            std::process::exit(2)
        }
        opts.insert(k.to_string(), v);
    }
    if a.len() < 7 {
        eprintln!(
            "usage: gated_search CELL HIDDEN LR BATCH TRIAL_LEN MAX_STEPS SEED [BITS [DECAY [CLIP]]]"
        );
        std::process::exit(2);
    }
    let num = |i: usize| -> f64 {
        a[i].parse().unwrap_or_else(|_| {
            eprintln!("argument {} ('{}') is not a number", i + 1, a[i]);
            std::process::exit(2)
        })
    };
    let Some(cell) = CellKind::parse(&a[0]) else {
        eprintln!("CELL must be vanilla, gru or lstm");
        std::process::exit(2)
    };
    let mut c = Config::cell_preset(cell);
    c.model.hidden = num(1) as usize;
    c.train.lr = num(2) as f32;
    c.train.batch = num(3) as usize;
    c.train.train_trial_len = num(4) as usize;
    let max_steps = num(5) as u64;
    c.seed = num(6) as u64;
    if a.len() > 7 {
        c.set_bits(num(7) as usize);
    }
    if a.len() > 8 {
        c.train.decay = num(8) as f32;
    }
    if a.len() > 9 {
        c.train.clip = num(9) as f32;
    }
    if let Some(b) = opts.get("beta1") {
        c.train.beta1 = *b as f32;
    }
    if let Some(b) = opts.get("beta2") {
        c.train.beta2 = *b as f32;
    }
    if let Some(b) = opts.get("fbias") {
        c.model.forget_bias = *b as f32;
    }
    if let Err(e) = c.validate() {
        eprintln!("{e}");
        std::process::exit(2)
    }
    let net = Network::init(&c.model, c.seed);
    let lr = c.train.lr;
    let warmup = opts.get("warmup").copied().unwrap_or(0.0);
    let mut t = Trainer::with_network(c, net);
    let start = Instant::now();
    let (mut stepping, mut taken) = (0.0f64, 0u64);
    let mut solved = None;
    let mut last = None;
    for s in 1..=max_steps {
        if warmup > 0.0 && (s as f64) <= warmup + 1.0 {
            let f = (s as f64 / warmup).min(1.0) as f32;
            t.set_lr(lr * f).expect("warm-up rate in range");
        }
        let t0 = Instant::now();
        let r = t.step();
        stepping += t0.elapsed().as_secs_f64();
        taken += 1;
        if let Err(e) = r {
            eprintln!("step {s}: {e}");
            break;
        }
        if s % 25 == 0 {
            let m = t.evaluate();
            last = Some((s, m.bit_accuracy, m.mse));
            if m.solved() {
                solved = Some(s);
                break;
            }
        }
    }
    let secs = start.elapsed().as_secs_f64();
    let (steps, acc, mse) = last.unwrap_or((0, 0.0, f32::NAN));
    println!(
        "{{\"args\":{:?},\"solved_at\":{},\"steps\":{steps},\"accuracy\":{acc},\"mse\":{mse},\"ms_per_step\":{:.2},\"seconds\":{secs:.1}}}",
        a.iter().chain(&kv).cloned().collect::<Vec<_>>().join(" "),
        solved.map_or("null".to_string(), |s| s.to_string()),
        1e3 * stepping / taken.max(1) as f64
    );
}
