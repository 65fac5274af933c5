//! Measures the confirming check (issue 18): trains one seed of the default preset with a
//! held-out check every `EVERY` steps (the CLI's 25 by default) and prints one JSON line:
//! the step at which the routine check (128 trials) first passed ("before": where training
//! used to stop) and the step at which a check was first confirmed (`Trainer::check`:
//! "after"), with the metrics of the routine check and of the confirmation, and both
//! networks scored on 1,024 full-length trials drawn with seed 1,000,000 + SEED (a seed
//! never used in training nor in any check). With `STOP_MSE` below 0.05 training goes on
//! until a confirmation also has MSE ≤ STOP_MSE, and every confirmation is listed with its
//! fresh-trial metrics ("log"), so one run shows what a margin on the confirmation would
//! cost and buy.
//!
//! `confirm_check SEED [MAX_STEPS=6000] [EVERY=25] [STOP_MSE=0.05]`, e.g.
//! `cargo build --release -p flipflop-core --example confirm_check`, then
//! `nice -n 10 target/release/examples/confirm_check 1`; `GAIN=1.05` sets the initial
//! recurrent gain.

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
    let stop_mse: f32 = std::env::args().nth(4).map_or(0.05, |s| {
        s.parse().unwrap_or_else(|_| {
            eprintln!("STOP_MSE: '{s}' is not a number");
            std::process::exit(2)
        })
    });
    let mut cfg = Config {
        seed,
        ..Config::default()
    };
    // GAIN=g sets the recurrent gain of the initial W_rec (the preset's otherwise).
    if let Some(g) = std::env::var("GAIN").ok().and_then(|g| g.parse().ok()) {
        cfg.model.rec_gain = g;
    }
    let fresh_set = validation_set(&cfg.task, FRESH_OFFSET + seed, FRESH_TRIALS);
    let full = task::build(&cfg.task);
    let mut ws = Workspace::default();
    let kind = cfg.task.kind;
    let mut t = Trainer::new(cfg).unwrap_or_else(|e| {
        eprintln!("{e}");
        std::process::exit(2)
    });
    let start = Instant::now();
    // Every confirmation (a routine check that passed), with its network's fresh metrics.
    let mut log: Vec<(bool, String)> = Vec::new();
    let mut stopped = None;
    for s in 1..=max_steps {
        if let Err(e) = t.step() {
            eprintln!("step {s}: {e}");
            break;
        }
        if s % every != 0 {
            continue;
        }
        let c = t.check();
        let Some(conf) = c.confirmed else { continue };
        let f = evaluate_task(&*full, t.network(), &fresh_set, &mut ws);
        log.push((
            c.solved,
            format!(
                "{{\"step\":{s},\"check\":{},\"confirm\":{},\"solved\":{},\"fresh\":{},\"fresh_solved\":{}}}",
                json(&c.metrics),
                json(&conf),
                c.solved,
                json(&f),
                solved(kind, &f)
            ),
        ));
        if c.solved && conf.mse <= stop_mse {
            stopped = Some(s);
            break;
        }
    }
    let before = log.first().map_or("null", |e| &e.1);
    let after = log.iter().find(|e| e.0).map_or("null", |e| &e.1);
    let all: Vec<&str> = log.iter().map(|e| e.1.as_str()).collect();
    println!(
        "{{\"seed\":{seed},\"every\":{every},\"stop_mse\":{stop_mse},\"before\":{before},\"after\":{after},\"stopped\":{},\"log\":[{}],\"seconds\":{:.1}}}",
        stopped.map_or("null".into(), |s| s.to_string()),
        all.join(","),
        start.elapsed().as_secs_f64()
    );
}
