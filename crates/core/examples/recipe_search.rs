//! Searches training recipes for the vanilla default preset (issue 18, "fewer FLOPs to
//! solved"): trains one seed until solved with a held-out check every `every` steps on the
//! preset's 128 full-length trials, then scores the solved network on 512 trials drawn with a
//! seed never used in training, and prints one JSON line (step solved at, GFLOP of training
//! and checks counted as the CLI counts them, the fresh-seed metrics).
//!
//! `recipe_search SEED MAX_STEPS [KEY=VALUE ...]`; keys (omitted = the default preset):
//! - `lr=` peak learning rate; `decay=` inverse-time decay after the warm-up,
//!   `lr_s = lr / (1 + decay · s)`; `warmup=` steps of a linear warm-up (`lr · s / warmup`);
//! - `cos=H` cosine from `lr` down to `lr_min=` over steps `warmup..H` (then `lr_min`),
//!   instead of the inverse-time decay;
//! - `drop_acc=A drop=F`: multiply the rate by `F` once a check reaches bit accuracy `A`;
//! - `len0=L len_acc=A`: train on `L`-step trials until a check reaches accuracy `A`
//!   (`len_step=S`: or until step `S`), then on the preset's 200;
//! - `gain=` recurrent gain, `hidden=`, `batch=`, `clip=`, `len=` (training-trial length),
//!   `every=` (steps between checks, 100), `val=` (held-out trials, 128), `win=` / `wout=`
//!   (factors on the initial W_in / W_out), `ls=` (steps between least-squares readout
//!   fits), `ema=` (momentum of the weight average, 0 = off), `trace=1` (per-check
//!   diagnosis on stderr).

use flipflop_core::model::Network;
use flipflop_core::train::validation_set;
use flipflop_core::{Config, Trainer};
use std::collections::BTreeMap;
use std::time::Instant;

const KEYS: [&str; 23] = [
    "lr", "decay", "warmup", "cos", "lr_min", "drop_acc", "drop", "len0", "len_acc", "len_step",
    "gain", "hidden", "batch", "clip", "len", "every", "val", "trace", "win", "wout", "beta2",
    "ls", "ema",
];

/// Per-bit accuracy and where the errors sit: "early" (the target switches within the next
/// 40 steps: the output did not wait for the delay), "late" (it switched within the last 40),
/// or "memory" (anything else). Fractions of the scored (target ≠ 0) entries.
fn diagnose(z: &[f32], b: &flipflop_core::Batch) -> (Vec<f64>, [f64; 3]) {
    let (tl, bb, k) = (b.trial_len, b.batch, b.outputs);
    let y = |t: usize, i: usize, c: usize| b.y[(t * bb + i) * k + c];
    let (mut ok, mut tot) = (vec![0usize; k], vec![0usize; k]);
    let mut kinds = [0usize; 3];
    let mut scored = 0usize;
    for t in 0..tl {
        for i in 0..bb {
            for c in 0..k {
                let yt = y(t, i, c);
                if yt == 0.0 {
                    continue;
                }
                scored += 1;
                tot[c] += 1;
                if z[(t * bb + i) * k + c].signum() == yt {
                    ok[c] += 1;
                    continue;
                }
                let early = (t + 1..(t + 41).min(tl)).any(|u| y(u, i, c) != yt);
                let late = (t.saturating_sub(40)..t).any(|u| y(u, i, c) != yt);
                kinds[if early {
                    0
                } else if late {
                    1
                } else {
                    2
                }] += 1;
            }
        }
    }
    let acc = ok
        .iter()
        .zip(&tot)
        .map(|(o, t)| *o as f64 / (*t).max(1) as f64)
        .collect();
    let s = scored.max(1) as f64;
    (acc, kinds.map(|x| x as f64 / s))
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 2 {
        eprintln!("usage: recipe_search SEED MAX_STEPS [KEY=VALUE ...] (keys: {KEYS:?})");
        std::process::exit(2);
    }
    let seed: u64 = args[0].parse().expect("SEED");
    let max_steps: u64 = args[1].parse().expect("MAX_STEPS");
    let mut o = BTreeMap::new();
    for kv in &args[2..] {
        let Some((k, v)) = kv.split_once('=') else {
            eprintln!("'{kv}' is not KEY=VALUE");
            std::process::exit(2)
        };
        if !KEYS.contains(&k) {
            eprintln!("unknown key '{k}' ({KEYS:?})");
            std::process::exit(2)
        }
        let v: f64 = v.parse().unwrap_or_else(|_| {
            eprintln!("'{kv}': not a number");
            std::process::exit(2)
        });
        o.insert(k, v);
    }
    let get = |k: &str, d: f64| o.get(k).copied().unwrap_or(d);
    let mut c = Config {
        seed,
        ..Config::default()
    };
    c.model.hidden = get("hidden", c.model.hidden as f64) as usize;
    c.model.rec_gain = get("gain", c.model.rec_gain as f64) as f32;
    c.train.batch = get("batch", c.train.batch as f64) as usize;
    c.train.clip = get("clip", c.train.clip as f64) as f32;
    c.train.train_trial_len = get("len", c.train.train_trial_len as f64) as usize;
    c.train.val_trials = get("val", c.train.val_trials as f64) as usize;
    let peak = get("lr", c.train.lr as f64);
    let decay = get("decay", c.train.decay as f64);
    let warmup = get("warmup", 0.0);
    let cos = o.get("cos").copied();
    let lr_min = get("lr_min", 0.0);
    let every = get("every", 100.0) as u64;
    let full_len = c.train.train_trial_len;
    let len0 = o.get("len0").map(|v| *v as usize);
    let len_acc = get("len_acc", 2.0);
    let len_step = get("len_step", f64::INFINITY);
    let (drop_acc, drop) = (get("drop_acc", 2.0), get("drop", 1.0));
    let trace = get("trace", 0.0) > 0.0;
    c.train.beta2 = get("beta2", c.train.beta2 as f64) as f32;
    c.train.readout_fit = get("ls", c.train.readout_fit as f64) as u64;
    c.train.ema_momentum = get("ema", c.train.ema_momentum as f64) as f32;
    let mut tws = flipflop_core::Workspace::default();
    // The schedule runs on the trainer's decay-free rate.
    c.train.decay = 0.0;
    if let Err(e) = c.validate() {
        eprintln!("{e}");
        std::process::exit(2)
    }
    let (n, b, val) = (
        c.model.hidden as f64,
        c.train.batch as f64,
        c.train.val_trials as f64,
    );
    let k = c.model.bits as f64;
    let step_flops = |len: usize| b * len as f64 * (6.0 * n * n + 10.0 * n * k);
    let check_flops = val * c.task.trial_len as f64 * (4.0 * n * k + 2.0 * n * n);
    let mut net = Network::init(&c.model, c.seed);
    let (win, wout) = (get("win", 1.0) as f32, get("wout", 1.0) as f32);
    net.w_in.iter_mut().for_each(|w| *w *= win);
    net.w_out.iter_mut().for_each(|w| *w *= wout);
    let task = c.task.clone();
    let c_fit = c.train.readout_fit;
    let mut t = Trainer::with_network(c, net);
    if let Some(l) = len0 {
        t.set_train_trial_len(l).expect("len0");
    }
    let mut cur_len = len0.unwrap_or(full_len);
    let mut dropped = 1.0;
    let (mut flops, mut checks) = (0.0f64, 0u64);
    let (mut solved, mut last) = (None, (0u64, 0.0f32, f32::NAN));
    let mut switched_at = None;
    let start = Instant::now();
    for s in 1..=max_steps {
        let sf = s as f64;
        let mut lr = peak;
        if warmup > 0.0 && sf < warmup {
            lr *= sf / warmup;
        }
        lr = match cos {
            Some(h) if sf >= warmup => {
                let x = ((sf - warmup) / (h - warmup).max(1.0)).min(1.0);
                lr_min + 0.5 * (peak - lr_min) * (1.0 + (std::f64::consts::PI * x).cos())
            }
            Some(_) => lr,
            None => lr / (1.0 + decay * sf),
        };
        t.set_lr((lr * dropped).max(1e-7) as f32).expect("lr");
        if let Err(e) = t.step() {
            eprintln!("step {s}: {e}");
            break;
        }
        flops += step_flops(cur_len);
        let fit = c_fit;
        if fit > 0 && s.is_multiple_of(fit) {
            // The fit's forward pass and its Gram matrix.
            let fit_trials = flipflop_core::train::READOUT_FIT_BATCHES as f64 * b;
            let rows = fit_trials * cur_len as f64;
            flops += rows * (2.0 * n * n + 2.0 * (n + 1.0) * (n + 1.0));
        }
        if len0.is_some() && cur_len != full_len && sf >= len_step {
            t.set_train_trial_len(full_len).expect("len");
            cur_len = full_len;
            switched_at = Some(s);
        }
        if s % every == 0 {
            let m = t.evaluate();
            checks += 1;
            flops += check_flops;
            last = (s, m.bit_accuracy, m.mse);
            if trace {
                let vb = t.validation().clone();
                flipflop_core::train::forward(t.network(), &vb, None, &mut tws);
                let (bits, kinds) = diagnose(tws.outputs(), &vb);
                // MSE share of entries within 40 steps of a target change.
                let (tl, bb, k) = (vb.trial_len, vb.batch, vb.outputs);
                let (mut near, mut all) = (0.0f64, 0.0f64);
                let z = tws.outputs();
                for tt in 0..tl {
                    for i in 0..bb {
                        for ch in 0..k {
                            let at = |u: usize| vb.y[(u * bb + i) * k + ch];
                            let e = (z[(tt * bb + i) * k + ch] - at(tt)) as f64;
                            all += e * e;
                            let lo = tt.saturating_sub(40);
                            if (lo..(tt + 41).min(tl)).any(|u| at(u) != at(tt)) {
                                near += e * e;
                            }
                        }
                    }
                }
                eprintln!("  mse share near a switch {:.3}", near / all.max(1e-12));
                // Squared error by kind of entry: target 0 (before the first response),
                // waiting (a pulse began < 40 steps ago), settling (target switched < 20
                // steps ago), holding (the rest). Sums / all entries, and counts.
                let mut se = [0.0f64; 4];
                let mut cnt = [0usize; 4];
                for i in 0..bb {
                    for ch in 0..k {
                        let mut last_on: Option<usize> = None;
                        let mut last_sw: Option<usize> = None;
                        for tt in 0..tl {
                            let xv = vb.x[(tt * bb + i) * vb.inputs + ch];
                            let xp = if tt > 0 {
                                vb.x[((tt - 1) * bb + i) * vb.inputs + ch]
                            } else {
                                0.0
                            };
                            if xv.abs() > 0.5 && xp.abs() <= 0.5 {
                                last_on = Some(tt);
                            }
                            let yv = vb.y[(tt * bb + i) * k + ch];
                            if tt > 0 && vb.y[((tt - 1) * bb + i) * k + ch] != yv {
                                last_sw = Some(tt);
                            }
                            let e = (z[(tt * bb + i) * k + ch] - yv) as f64;
                            let kind = if yv == 0.0 {
                                0
                            } else if last_on.is_some_and(|o| tt < o + 40) {
                                1
                            } else if last_sw.is_some_and(|o| tt < o + 20) {
                                2
                            } else {
                                3
                            };
                            se[kind] += e * e;
                            cnt[kind] += 1;
                        }
                    }
                }
                let tot: usize = cnt.iter().sum();
                eprintln!(
                    "  mse parts zero/wait/settle/hold {:.4?} entries {:.3?}",
                    se.map(|v| v / tot as f64),
                    cnt.map(|c| c as f64 / tot as f64)
                );
                eprintln!(
                    "step {s} acc {:.4} mse {:.4} bits {:.3?} early/late/memory {:.3?}",
                    m.bit_accuracy, m.mse, bits, kinds
                );
            }
            if m.solved() {
                solved = Some(s);
                break;
            }
            if len0.is_some() && cur_len != full_len && m.bit_accuracy as f64 >= len_acc {
                t.set_train_trial_len(full_len).expect("len");
                cur_len = full_len;
                switched_at = Some(s);
            }
            if dropped == 1.0 && m.bit_accuracy as f64 >= drop_acc {
                dropped = drop;
            }
        }
    }
    let secs = start.elapsed().as_secs_f64();
    // The solved network on trials drawn with a seed no stream of this run used.
    let fresh = validation_set(&task, 1_000_000 + seed, 512);
    let mut ws = Default::default();
    let f = flipflop_core::train::evaluate(t.network(), &fresh, &mut ws);
    println!(
        "{{\"seed\":{seed},\"opts\":\"{}\",\"solved_at\":{},\"steps\":{},\"acc\":{:.4},\"mse\":{:.4},\"gflop\":{:.0},\"checks\":{checks},\"check_share\":{:.3},\"switched_at\":{},\"fresh_acc\":{:.4},\"fresh_mse\":{:.4},\"fresh_solved\":{},\"seconds\":{secs:.1}}}",
        args[2..].join(" "),
        solved.map_or("null".into(), |s| s.to_string()),
        last.0,
        last.1,
        last.2,
        flops / 1e9,
        checks as f64 * check_flops / flops.max(1.0),
        switched_at.map_or("null".into(), |s: u64| s.to_string()),
        f.bit_accuracy,
        f.mse,
        f.solved(),
    );
}
