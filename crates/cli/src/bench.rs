//! `flipflop bench`: the reference workload of issue 2 — one training step (forward + BPTT +
//! Adam) of 128 trials × 350 steps, N = 100, 3 bits, f32, single-threaded.

use crate::args::{self, config_error, CliError};
use crate::train::{forward_flops, train_step_flops};
use flipflop_core::rng::{Purpose, SeedRng};
use flipflop_core::train::{forward, loss_and_grad, Adam, Workspace};
use flipflop_core::{Batch, Config, ConfigError, Network};
use serde_json::json;
use std::time::Instant;

/// Median of `v` (sorted in place; mean of the middle two for an even count).
fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    let m = v.len() / 2;
    if v.is_empty() {
        f64::NAN
    } else if v.len() % 2 == 1 {
        v[m]
    } else {
        0.5 * (v[m - 1] + v[m])
    }
}

/// Times `f` `warmup + reps` times and returns the last `reps` durations in ms.
fn time_ms(warmup: usize, reps: usize, mut f: impl FnMut()) -> Vec<f64> {
    for _ in 0..warmup {
        f();
    }
    (0..reps)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64() * 1e3
        })
        .collect()
}

/// Runs `flipflop bench [--reps R] [--warmup W]`.
pub fn run(p: &mut lexopt::Parser) -> Result<(), CliError> {
    use lexopt::Arg::*;
    let (mut reps, mut warmup) = (10usize, 2usize);
    while let Some(arg) = p.next()? {
        match arg {
            Long("reps") => reps = args::int("--reps", p.value()?, "10..=100000")?,
            Long("warmup") => warmup = args::int("--warmup", p.value()?, "0..=100000")?,
            _ => return Err(arg.unexpected().into()),
        }
    }
    ConfigError::check_int("reps", reps, 10, 100_000).map_err(|e| config_error(&e))?;
    ConfigError::check_int("warmup", warmup, 0, 100_000).map_err(|e| config_error(&e))?;

    let mut cfg = Config::default();
    cfg.task.trial_len = 350;
    cfg.model.hidden = 100;
    cfg.set_bits(3);
    cfg.train.batch = 128;
    cfg.train.train_trial_len = 0;
    cfg.validate().map_err(|e| config_error(&e))?;
    let (b, t) = (cfg.train.batch, cfg.task.trial_len);

    let mut rng = SeedRng::new(cfg.seed, Purpose::Train);
    let mut batch = Batch::generate(&cfg.task, b, &mut rng);
    let mut gen_ms = time_ms(warmup, reps, || batch.fill(&cfg.task, b, &mut rng));
    // A fixed batch for the timed steps.
    let batch = Batch::generate(&cfg.task, b, &mut SeedRng::new(cfg.seed, Purpose::Other));

    let mut net = Network::init(&cfg.model, cfg.seed);
    let mut grads = Network::zeros(&cfg.model);
    let mut adam = Adam::new(&net);
    let mut ws = Workspace::default();
    let mut loss = 0.0f32;
    let mut step_ms = time_ms(warmup, reps, || {
        loss = loss_and_grad(&net, &batch, None, &mut ws, &mut grads);
        adam.update(&cfg.train, &mut net, &grads, 1.0);
    });
    let mut fwd_ms = time_ms(warmup, reps, || {
        loss = forward(&net, &batch, None, &mut ws);
    });

    let step_min = step_ms.iter().copied().fold(f64::INFINITY, f64::min);
    let (step, fwd, gen) = (
        median(&mut step_ms),
        median(&mut fwd_ms),
        median(&mut gen_ms),
    );
    let step_flops = train_step_flops(&cfg.model, b, t);
    let fwd_flops = forward_flops(&cfg.model, b, t);
    crate::print_json(&json!({
        "kernels": flipflop_core::train::kernels(),
        "workload": {
            "trials": b,
            "trial_len": t,
            "hidden": cfg.model.hidden,
            "bits": cfg.model.bits,
            "dtype": "f32",
            "threads": 1,
        },
        "reps": reps,
        "warmup": warmup,
        "train_step_ms": step,
        "train_step_ms_min": step_min,
        "forward_ms": fwd,
        "batch_gen_ms": gen,
        "train_step_gflop": step_flops / 1e9,
        "train_gflops_per_s": step_flops / (step * 1e-3) / 1e9,
        "forward_gflops_per_s": fwd_flops / (fwd * 1e-3) / 1e9,
        "final_loss": loss,
    }))
}
