//! Measures the confirming check (issue 18): trains one seed of the default preset with a
//! held-out check every `EVERY` steps (the CLI's 25 by default) and prints one JSON line:
//! the step at which the routine check (128 trials) first passed ("before": where training
//! used to stop) and the step at which a check was first confirmed (`Trainer::check`:
//! "after"), with the metrics of the routine check and of the confirmation, and both
//! networks scored on 1,024 full-length trials drawn with seed 1,000,000 + SEED (a seed
//! never used in training nor in any check).
//!
//! `confirm_check SEED [MAX_STEPS=6000] [EVERY=25]`, e.g.
//! `cargo build --release -p flipflop-core --example confirm_check`, then
//! `nice -n 10 target/release/examples/confirm_check 1`.

use flipflop_core::task::presets::solved;
use flipflop_core::train::{evaluate_task, validation_set, Metrics, Workspace};
use flipflop_core::{task, Config, Trainer};
use std::time::Instant;

/// Seeds of the fresh trials: 1,000,000 + the training seed (as the recipe search).
const FRESH_OFFSET: u64 = 1_000_000;
/// Fresh trials per network.
const FRESH_TRIALS: usize = 1024;

fn arg(i: usize, default: u64) -> u64 {
    std::env::args().nth(i).map_or(default, |s| {
        s.parse().unwrap_or_else(|_| {
            eprintln!("usage: confirm_check SEED [MAX_STEPS] [EVERY]: '{s}' is not a number");
            std::process::exit(2)
        })
    })
}

fn json(m: &Metrics) -> String {
    format!(
        "{{\"mse\":{:.5},\"acc\":{:.5},\"trials\":{}}}",
        m.mse, m.bit_accuracy, m.trials
    )
}

fn main() {
    let (seed, max_steps, every) = (arg(1, 1), arg(2, 6000), arg(3, 25).max(1));
    let cfg = Config {
        seed,
        ..Config::default()
    };
    let fresh_set = validation_set(&cfg.task, FRESH_OFFSET + seed, FRESH_TRIALS);
    let full = task::build(&cfg.task);
    let mut ws = Workspace::default();
    let kind = cfg.task.kind;
    let mut t = Trainer::new(cfg).unwrap_or_else(|e| {
        eprintln!("{e}");
        std::process::exit(2)
    });
    let start = Instant::now();
    let mut before: Option<(u64, Metrics, Metrics)> = None; // step, routine, fresh
    let (mut confirms, mut refused) = (0u32, 0u32);
    let mut after = None;
    for s in 1..=max_steps {
        if let Err(e) = t.step() {
            eprintln!("step {s}: {e}");
            break;
        }
        if s % every != 0 {
            continue;
        }
        let c = t.check();
        if c.confirmed.is_some() {
            confirms += 1;
            if before.is_none() {
                let f = evaluate_task(&*full, t.network(), &fresh_set, &mut ws);
                before = Some((s, c.metrics, f));
            }
            if !c.solved {
                refused += 1;
            }
        }
        if c.solved {
            after = Some((s, c));
            break;
        }
    }
    let fresh = evaluate_task(&*full, t.network(), &fresh_set, &mut ws);
    let b = before.map_or("null".into(), |(s, m, f)| {
        format!(
            "{{\"step\":{s},\"check\":{},\"fresh\":{},\"fresh_solved\":{}}}",
            json(&m),
            json(&f),
            solved(kind, &f)
        )
    });
    let a = after.map_or("null".into(), |(s, c)| {
        format!(
            "{{\"step\":{s},\"check\":{},\"confirm\":{},\"fresh\":{},\"fresh_solved\":{}}}",
            json(&c.metrics),
            c.confirmed.as_ref().map_or("null".into(), json),
            json(&fresh),
            solved(kind, &fresh)
        )
    });
    println!(
        "{{\"seed\":{seed},\"every\":{every},\"before\":{b},\"after\":{a},\"confirmations\":{confirms},\"refused\":{refused},\"seconds\":{:.1}}}",
        start.elapsed().as_secs_f64()
    );
}
