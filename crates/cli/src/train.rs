//! `flipflop train`: trains from a preset and writes a network file.

use crate::args::{self, config_error, usage, CliError};
use flipflop_core::model::{Dale, Sparsity, MAX_HIDDEN};
use flipflop_core::train::shares::MAX_SHARES;
use flipflop_core::train::{Check, CONFIRM_CHUNKS};
use flipflop_core::{
    CellKind, Config, ConfigError, Metrics, ModelConfig, Preset, TaskKind, Trainer,
};
use flipflop_formats::netfile;
use serde_json::json;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::time::Instant;

/// Floating-point operations of one least-squares readout fit (`train::readout`) during
/// training on `batch` trials of `steps` steps: the forward pass of its
/// `READOUT_FIT_BATCHES × batch` trials ([`forward_flops`]) and `2 · rows · (N + 1)²` for each
/// Gram matrix (one for the flip-flop; one per output for a task with a loss mask).
pub fn readout_fit_flops(model: &ModelConfig, batch: usize, steps: usize, grams: usize) -> f64 {
    let trials = flipflop_core::train::READOUT_FIT_BATCHES * batch;
    let rows = (trials * steps) as f64;
    let d = model.hidden as f64 + 1.0;
    forward_flops(model, trials, steps) + grams as f64 * 2.0 * rows * d * d
}

/// Floating-point operations of one training step on `batch` trials of `steps` steps, counting
/// a multiply-add as 2 and only the matrix products (elementwise work is O(N), not O(N²)),
/// with `G` gate blocks (vanilla 1, GRU 3, LSTM 4): forward `2GN² + 2GNk + 2Nk` per
/// trial-step (recurrence, input, readout), backward `4GN² + 2GNk + 4Nk` (`D W_rec`,
/// `∂W_rec`, `∂W_in`, `dZ W_out`, `∂W_out`), so `6GN² + 4GNk + 6Nk` in all (vanilla
/// `6N² + 10Nk`).
pub fn train_step_flops(model: &ModelConfig, batch: usize, steps: usize) -> f64 {
    let (n, k) = (
        model.hidden as f64,
        (model.inputs() + model.outputs()) as f64 / 2.0,
    );
    let g = model.cell.gates() as f64;
    (batch * steps) as f64 * (6.0 * g * n * n + 4.0 * g * n * k + 6.0 * n * k)
}

/// Floating-point operations of a forward pass (`2GN² + 2GNk + 2Nk` per trial-step), as above.
pub fn forward_flops(model: &ModelConfig, batch: usize, steps: usize) -> f64 {
    let (n, k) = (
        model.hidden as f64,
        (model.inputs() + model.outputs()) as f64 / 2.0,
    );
    let g = model.cell.gates() as f64;
    (batch * steps) as f64 * (2.0 * g * n * n + 2.0 * g * n * k + 2.0 * n * k)
}

/// Seeds are any u64.
pub const SEED_RANGE: &str = "0..=18446744073709551615";

/// The parsed `train` options (also built by `flipflop sweep` from a grid point).
pub(crate) struct Options {
    /// `None`: the default preset, or the Dale preset with `--dale`.
    preset: Option<Preset>,
    /// `--cell`: start from that cell's preset (`Config::cell_preset`).
    cell: Option<CellKind>,
    seed: Option<u64>,
    hidden: Option<usize>,
    bits: Option<usize>,
    lr: Option<f64>,
    batch: Option<usize>,
    clip: Option<f64>,
    trial_len: Option<usize>,
    /// `--readout-fit K`: the least-squares readout every K steps (0 = off).
    readout_fit: Option<u64>,
    /// `--ema-momentum M`: the network is the moving average of the weights (0 = off).
    ema_momentum: Option<f64>,
    steps: Option<u64>,
    until_solved: bool,
    max_seconds: Option<f64>,
    eval_every: u64,
    out: Option<PathBuf>,
    /// `--dale E_FRACTION`.
    dale: Option<f64>,
    dale_readout: bool,
    dale_inputs: bool,
    density: Option<f64>,
    /// `--mask-seed S` (default: the run's seed).
    mask_seed: Option<u64>,
    no_autapses: bool,
    /// `--task`: start from that task's preset.
    task: Option<TaskKind>,
    /// Task options (`--coherences`, `--stimulus-ms`, `--noise-sd`, `--delay-min-ms`,
    /// `--delay-max-ms`, `--delay-ms`), applied to the selected task.
    coherences: Option<Vec<f32>>,
    stimulus_ms: Option<usize>,
    noise_sd: Option<f64>,
    delay_min_ms: Option<usize>,
    delay_max_ms: Option<usize>,
    delay_ms: Option<usize>,
    /// `--shares K`: gradient shares per step (`TrainConfig::shares`).
    shares: Option<usize>,
    /// `--threads T`: native threads for the shares (and `T` shares unless `--shares`).
    threads: Option<usize>,
}

/// Names accepted by `--task`.
const TASK_NAMES: &str = "flipflop, perceptual-dm, context-dm, parametric-wm or match-two-items";

/// Parses `train`'s options, with every range and combination check; `sweep` feeds it the
/// arguments of each grid point so both commands accept exactly the same values.
pub(crate) fn parse(p: &mut lexopt::Parser) -> Result<Options, CliError> {
    use lexopt::Arg::*;
    let mut o = Options {
        preset: None,
        cell: None,
        seed: None,
        hidden: None,
        bits: None,
        lr: None,
        batch: None,
        clip: None,
        trial_len: None,
        readout_fit: None,
        ema_momentum: None,
        steps: None,
        until_solved: false,
        max_seconds: None,
        eval_every: 25,
        out: None,
        dale: None,
        dale_readout: false,
        dale_inputs: false,
        density: None,
        mask_seed: None,
        no_autapses: false,
        task: None,
        coherences: None,
        stimulus_ms: None,
        noise_sd: None,
        delay_min_ms: None,
        delay_max_ms: None,
        delay_ms: None,
        shares: None,
        threads: None,
    };
    while let Some(arg) = p.next()? {
        match arg {
            Long("preset") => {
                let s = args::text("--preset", p.value()?)?;
                o.preset = Some(Preset::parse(&s).ok_or_else(|| {
                    usage(format!(
                        "--preset must be 'default', 'paper' or 'dale', got '{s}'"
                    ))
                })?);
            }
            Long("cell") => {
                let s = args::text("--cell", p.value()?)?;
                o.cell = Some(CellKind::parse(&s).ok_or_else(|| {
                    usage(format!(
                        "--cell must be 'vanilla', 'gru' or 'lstm', got '{s}'"
                    ))
                })?);
            }
            Long("seed") => o.seed = Some(args::int("--seed", p.value()?, SEED_RANGE)?),
            Long("hidden") => {
                o.hidden = Some(args::int(
                    "--hidden",
                    p.value()?,
                    &format!("2..={MAX_HIDDEN}"),
                )?)
            }
            Long("bits") => o.bits = Some(args::int("--bits", p.value()?, "1..=8")?),
            Long("lr") => o.lr = Some(args::real("--lr", p.value()?, 1e-7, 1.0)?),
            Long("batch") => o.batch = Some(args::int("--batch", p.value()?, "1..=1024")?),
            Long("clip") => o.clip = Some(args::real("--clip", p.value()?, 0.0, 1e6)?),
            Long("readout-fit") => {
                o.readout_fit = Some(args::int("--readout-fit", p.value()?, "0..=1000000")?)
            }
            Long("ema-momentum") => {
                o.ema_momentum = Some(args::real("--ema-momentum", p.value()?, 0.0, 0.9999)?)
            }
            // `--train-steps` is the old name of `--trial-len`, accepted for one release.
            Long("trial-len") | Long("train-steps") => {
                o.trial_len = Some(args::int("--trial-len", p.value()?, "0..=20000")?)
            }
            Long("steps") => o.steps = Some(args::int("--steps", p.value()?, "1..=10000000")?),
            Long("until-solved") => o.until_solved = true,
            Long("shares") => o.shares = Some(args::int("--shares", p.value()?, "1..=64")?),
            Long("threads") => {
                let t: usize = args::int("--threads", p.value()?, "1..=64")?;
                ConfigError::check_int("threads", t, 1, MAX_SHARES)
                    .map_err(|e| config_error(&e))?;
                o.threads = Some(t);
            }
            Long("max-seconds") => {
                o.max_seconds = Some(args::real("--max-seconds", p.value()?, 0.001, 1e7)?)
            }
            Long("eval-every") => {
                let e: u64 = args::int("--eval-every", p.value()?, "1..=1000000")?;
                ConfigError::check_int("eval_every", e as usize, 1, 1_000_000)
                    .map_err(|e| config_error(&e))?;
                o.eval_every = e;
            }
            Long("out") | Short('o') => o.out = Some(args::path(p.value()?)),
            Long("dale") => o.dale = Some(args::real("--dale", p.value()?, 0.01, 0.99)?),
            Long("dale-readout") => o.dale_readout = true,
            Long("dale-inputs") => o.dale_inputs = true,
            Long("density") => o.density = Some(args::real("--density", p.value()?, 0.01, 1.0)?),
            Long("mask-seed") => {
                o.mask_seed = Some(args::int("--mask-seed", p.value()?, SEED_RANGE)?)
            }
            Long("no-autapses") => o.no_autapses = true,
            Long("task") => {
                let s = args::text("--task", p.value()?)?;
                o.task = Some(
                    TaskKind::parse(&s)
                        .ok_or_else(|| usage(format!("--task must be {TASK_NAMES}, got '{s}'")))?,
                );
            }
            Long("coherences") => {
                let s = args::text("--coherences", p.value()?)?;
                let v = s
                    .split(',')
                    .map(|c| c.trim().parse::<f32>())
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|_| {
                        usage(format!(
                            "--coherences must be a comma-separated list of numbers in % \
                             (e.g. 0,3.2,6.4,12.8,25.6,51.2), got '{s}'"
                        ))
                    })?;
                o.coherences = Some(v);
            }
            Long("stimulus-ms") => {
                o.stimulus_ms = Some(args::int("--stimulus-ms", p.value()?, "100..=4000")?)
            }
            Long("noise-sd") => o.noise_sd = Some(args::real("--noise-sd", p.value()?, 0.0, 3.0)?),
            Long("delay-min-ms") => {
                o.delay_min_ms = Some(args::int("--delay-min-ms", p.value()?, "100..=6000")?)
            }
            Long("delay-max-ms") => {
                o.delay_max_ms = Some(args::int("--delay-max-ms", p.value()?, "100..=6000")?)
            }
            Long("delay-ms") => o.delay_ms = Some(args::int("--delay-ms", p.value()?, "0..=4000")?),
            _ => return Err(arg.unexpected().into()),
        }
    }
    let dale_on = o.dale.is_some() || o.preset == Some(Preset::Dale);
    if (o.dale_readout || o.dale_inputs) && !dale_on {
        return Err(usage(
            "--dale-readout and --dale-inputs are options of Dale's law: add --dale E_FRACTION \
             (e.g. --dale 0.8) or --preset dale",
        ));
    }
    let kind = o.task.unwrap_or_default();
    if kind != TaskKind::FlipFlop && (o.preset.is_some() || o.bits.is_some()) {
        return Err(usage(format!(
            "--preset and --bits are the flip-flop's; the {} task starts from its own preset",
            kind.cli_name()
        )));
    }
    let allowed: &[(&str, bool)] = &[
        ("--coherences", o.coherences.is_some()),
        ("--stimulus-ms", o.stimulus_ms.is_some()),
        ("--noise-sd", o.noise_sd.is_some()),
        ("--delay-min-ms", o.delay_min_ms.is_some()),
        ("--delay-max-ms", o.delay_max_ms.is_some()),
        ("--delay-ms", o.delay_ms.is_some()),
    ];
    let takes: &[&str] = match kind {
        TaskKind::FlipFlop => &[],
        TaskKind::PerceptualDm | TaskKind::ContextDm => {
            &["--coherences", "--stimulus-ms", "--noise-sd"]
        }
        TaskKind::ParametricWm => &["--delay-min-ms", "--delay-max-ms", "--noise-sd"],
        TaskKind::MatchTwoItems => &["--delay-ms", "--noise-sd"],
    };
    if let Some((flag, _)) = allowed.iter().find(|(f, set)| *set && !takes.contains(f)) {
        return Err(usage(format!(
            "{flag} is not an option of the {} task (its options: {})",
            kind.cli_name(),
            if takes.is_empty() {
                "none".to_string()
            } else {
                takes.join(", ")
            }
        )));
    }
    if o.mask_seed.is_some() && !o.density.is_some_and(|d| d < 1.0) {
        return Err(usage(
            "--mask-seed seeds the sparse connectivity mask: add --density P below 1 \
             (e.g. --density 0.5)",
        ));
    }
    if o.cell.is_some_and(|c| c.is_gated()) && o.task.is_some_and(|t| t != TaskKind::FlipFlop) {
        return Err(usage(
            "--cell gru|lstm has a preset for the flip-flop task only: other tasks train the \
             vanilla cell for now",
        ));
    }
    if o.cell.is_some_and(|c| c.is_gated())
        && (o.preset.is_some() || o.dale.is_some() || o.density.is_some() || o.no_autapses)
    {
        return Err(usage(
            "--cell gru|lstm starts from that cell's own preset and has no constraints: leave \
             out --preset, --dale, --density and --no-autapses",
        ));
    }
    if o.steps.is_some() && o.until_solved {
        return Err(usage(
            "--steps and --until-solved exclude each other: train K steps, or until solved",
        ));
    }
    Ok(o)
}

/// The constraint flags on top of the preset: `--dale` sets the excitatory fraction (and
/// turns Dale's law on), `--dale-readout`/`--dale-inputs` its options, `--density` a sparse
/// mask seeded by `--mask-seed` (default: the run's seed), `--no-autapses` a zero diagonal. Ranges were checked while
/// parsing; the core's validation checks the rest (e.g. one unit of each kind).
fn apply_constraints(o: &Options, cfg: &mut Config) {
    let c = &mut cfg.model.constraints;
    if let Some(f) = o.dale {
        c.dale.get_or_insert_with(Dale::default).excitatory = f as f32;
    }
    if let Some(d) = c.dale.as_mut() {
        d.readout |= o.dale_readout;
        d.positive_inputs |= o.dale_inputs;
    }
    if let Some(p) = o.density {
        c.sparsity = (p < 1.0).then_some(Sparsity {
            density: p as f32,
            seed: o.mask_seed.or(o.seed).unwrap_or(cfg.seed),
        });
    }
    c.no_self_connections |= o.no_autapses;
}

/// The task options on top of the task's preset (only the selected task's were accepted by
/// `parse`; the core's validation checks their ranges).
fn apply_task_options(o: &Options, cfg: &mut Config) {
    let t = &mut cfg.task;
    match t.kind {
        TaskKind::FlipFlop => {}
        TaskKind::PerceptualDm => {
            let p = &mut t.perceptual_dm;
            if let Some(c) = &o.coherences {
                p.coherences.clone_from(c);
            }
            p.stimulus_ms = o.stimulus_ms.unwrap_or(p.stimulus_ms);
            p.noise_sd = o.noise_sd.map_or(p.noise_sd, |v| v as f32);
        }
        TaskKind::ContextDm => {
            let p = &mut t.context_dm;
            if let Some(c) = &o.coherences {
                p.coherences.clone_from(c);
            }
            p.stimulus_ms = o.stimulus_ms.unwrap_or(p.stimulus_ms);
            p.noise_sd = o.noise_sd.map_or(p.noise_sd, |v| v as f32);
        }
        TaskKind::ParametricWm => {
            let p = &mut t.parametric_wm;
            p.delay_min_ms = o.delay_min_ms.unwrap_or(p.delay_min_ms);
            p.delay_max_ms = o.delay_max_ms.unwrap_or(p.delay_max_ms);
            p.noise_sd = o.noise_sd.map_or(p.noise_sd, |v| v as f32);
        }
        TaskKind::MatchTwoItems => {
            let p = &mut t.match_two_items;
            p.delay_ms = o.delay_ms.unwrap_or(p.delay_ms);
            p.noise_sd = o.noise_sd.map_or(p.noise_sd, |v| v as f32);
        }
    }
}

/// Why training stopped.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stop {
    Steps,
    Solved,
    Time,
    Diverged,
}

impl Stop {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Stop::Steps => "steps",
            Stop::Solved => "solved",
            Stop::Time => "time",
            Stop::Diverged => "diverged",
        }
    }
}

/// Progress on stderr: a self-overwriting line on a terminal, else one line per check.
struct Progress {
    /// `false`: print nothing (each run of a sweep).
    enabled: bool,
    tty: bool,
    last_draw: Option<Instant>,
    budget: u64,
}

impl Progress {
    fn line(&self, step: u64, loss: f32, m: Option<&Metrics>, secs: f64) -> String {
        let acc = m.map_or("   -  ".to_string(), |m| {
            format!("{:5.1}%", 100.0 * m.bit_accuracy)
        });
        format!(
            "step {step:>7}/{}  loss {loss:.4}  accuracy {acc}  {secs:7.1} s",
            self.budget
        )
    }

    fn step(&mut self, step: u64, loss: f32, m: Option<&Metrics>, secs: f64) {
        if !self.enabled
            || !self.tty
            || self
                .last_draw
                .is_some_and(|t| t.elapsed().as_secs_f64() < 0.1)
        {
            return;
        }
        self.last_draw = Some(Instant::now());
        let mut e = std::io::stderr().lock();
        let _ = write!(e, "\r{}", self.line(step, loss, m, secs));
        let _ = e.flush();
    }

    fn check(&mut self, step: u64, loss: f32, c: &Check, secs: f64) {
        let m = &c.metrics;
        if !self.enabled {
        } else if self.tty {
            self.last_draw = None;
            self.step(step, loss, Some(m), secs);
        } else {
            let confirmed = c.confirmed.map_or(String::new(), |f| {
                format!(
                    "  confirmation on {} trials: accuracy {:.1}%  mse {:.4}",
                    f.trials,
                    100.0 * f.bit_accuracy,
                    f.mse
                )
            });
            eprintln!(
                "{}  mse {:.4}{confirmed}",
                self.line(step, loss, Some(m), secs),
                m.mse
            );
        }
    }

    fn finish(&self) {
        if self.enabled && self.tty {
            eprintln!();
        }
    }
}

/// What to train and when to stop: the validated config and the stopping rule.
pub(crate) struct Plan {
    pub cfg: Config,
    /// The preset name `train` reports (cell, task or flip-flop preset).
    pub preset: &'static str,
    pub until_solved: bool,
    pub max_seconds: Option<f64>,
    pub eval_every: u64,
    /// Native threads the gradient shares run on (`--threads`; 1 by default, as in sweeps).
    pub threads: usize,
}

/// Builds the config `o` describes (preset, task options, constraints, overrides) and
/// validates it with the core's range checks.
pub(crate) fn plan(o: &Options) -> Result<Plan, CliError> {
    let preset = o.preset.unwrap_or(if o.dale.is_some() {
        Preset::Dale
    } else {
        Preset::Default
    });
    let kind = o.task.unwrap_or_default();
    let mut cfg = match o.cell {
        Some(cell) if cell.is_gated() => Config::cell_preset(cell),
        _ if kind != TaskKind::FlipFlop => Config::for_task(kind),
        _ => Config::preset(preset),
    };
    apply_task_options(o, &mut cfg);
    apply_constraints(o, &mut cfg);
    if let Some(s) = o.seed {
        cfg.seed = s;
    }
    if let Some(n) = o.hidden {
        cfg.model.hidden = n;
    }
    if let Some(b) = o.bits {
        cfg.set_bits(b);
    }
    if let Some(lr) = o.lr {
        cfg.train.lr = lr as f32;
    }
    if let Some(b) = o.batch {
        cfg.train.batch = b;
    }
    if let Some(c) = o.clip {
        cfg.train.clip = c as f32;
    }
    if let Some(t) = o.trial_len {
        cfg.train.train_trial_len = t;
    }
    if let Some(k) = o.readout_fit {
        cfg.train.readout_fit = k;
    }
    if let Some(m) = o.ema_momentum {
        cfg.train.ema_momentum = m as f32;
    }
    if let Some(k) = o.shares.or(o.threads) {
        cfg.train.shares = k;
    }
    if let Some(k) = o.steps {
        // Range-check in u64 before the core's usize check (which cannot see values > usize::MAX).
        ConfigError::check_int(
            "max_steps",
            k.min(usize::MAX as u64) as usize,
            1,
            10_000_000,
        )
        .map_err(|e| config_error(&e))?;
        cfg.train.max_steps = k;
    }
    cfg.validate().map_err(|e| config_error(&e))?;
    Ok(Plan {
        preset: match o.cell {
            Some(c) if c.is_gated() => c.key(),
            _ if kind != TaskKind::FlipFlop => kind.cli_name(),
            _ => preset.key(),
        },
        cfg,
        until_solved: o.until_solved,
        max_seconds: o.max_seconds,
        eval_every: o.eval_every,
        threads: o.threads.unwrap_or(1),
    })
}

/// A finished training run (diverged runs too: `diverged` holds the core's message, and
/// the trainer the last good weights).
pub(crate) struct Outcome {
    pub trainer: Trainer,
    pub steps: u64,
    /// Wall time of training and its held-out checks, seconds.
    pub seconds: f64,
    pub stop: Stop,
    /// The check of the saved weights (its `solved`: the lab's verdict, confirmed).
    pub final_check: Check,
    pub last_loss: f32,
    /// Routine held-out checks run, and confirmations among them (each costs
    /// [`CONFIRM_CHUNKS`] routine checks).
    pub evals: u64,
    pub confirms: u64,
    pub diverged: Option<String>,
}

/// Trains `plan` to its stopping rule; `show_progress` prints progress on stderr. Every
/// held-out check is [`Trainer::check`]: `--until-solved` stops only at a check whose pass
/// was confirmed on fresh trials.
pub(crate) fn train(plan: &Plan, show_progress: bool) -> Result<Outcome, CliError> {
    let cfg = &plan.cfg;
    let budget = cfg.train.max_steps;
    let mut trainer = Trainer::new(cfg.clone()).map_err(|e| config_error(&e))?;
    trainer.set_threads(plan.threads);
    let mut progress = Progress {
        enabled: show_progress,
        tty: std::io::stderr().is_terminal(),
        last_draw: None,
        budget,
    };
    let start = Instant::now();
    let (mut evals, mut confirms) = (0u64, 0u64);
    let mut last: Option<(u64, Check)> = None; // (step, check) of the latest check
    let mut last_loss = f32::NAN;
    let mut stop = Stop::Steps;
    let mut diverged: Option<String> = None;
    while trainer.steps_done() < budget {
        match trainer.step() {
            Ok(ev) => last_loss = ev.loss,
            Err(e) => {
                diverged = Some(e.to_string());
                stop = Stop::Diverged;
                break;
            }
        }
        let step = trainer.steps_done();
        let secs = start.elapsed().as_secs_f64();
        if step % plan.eval_every == 0 {
            let c = trainer.check();
            evals += 1;
            confirms += c.confirmed.is_some() as u64;
            progress.check(step, last_loss, &c, secs);
            last = Some((step, c));
            if plan.until_solved && c.solved {
                stop = Stop::Solved;
                break;
            }
        } else {
            progress.step(step, last_loss, last.as_ref().map(|l| &l.1.metrics), secs);
        }
        if plan.max_seconds.is_some_and(|t| secs >= t) {
            stop = Stop::Time;
            break;
        }
    }
    let seconds = start.elapsed().as_secs_f64();
    // The check of the weights being saved (the latest check, if it was on them).
    let steps = trainer.steps_done();
    let final_check = match last {
        Some((at, c)) if at == steps => c,
        _ => {
            evals += 1;
            let c = trainer.check();
            confirms += c.confirmed.is_some() as u64;
            progress.check(steps, last_loss, &c, seconds);
            c
        }
    };
    progress.finish();
    Ok(Outcome {
        trainer,
        steps,
        seconds,
        stop,
        final_check,
        last_loss,
        evals,
        confirms,
        diverged,
    })
}

/// Runs `flipflop train`.
pub fn run(p: &mut lexopt::Parser) -> Result<(), CliError> {
    let o = parse(p)?;
    let out = o
        .out
        .clone()
        .ok_or_else(|| usage("--out NET is required: the file to write the network to"))?;
    // Fail before training, not after, when the output cannot be written.
    let parent = out.parent().filter(|d| !d.as_os_str().is_empty());
    if parent.is_some_and(|d| !d.is_dir()) || out.is_dir() {
        return Err(CliError::Failed(format!(
            "cannot write {}: its folder does not exist or it is a folder",
            out.display()
        )));
    }
    let plan = plan(&o)?;
    let cfg = &plan.cfg;
    let kind = cfg.task.kind;
    let full_len = cfg.task.steps_per_trial();
    let train_len = match cfg.train.train_trial_len {
        _ if kind != TaskKind::FlipFlop => full_len,
        0 => full_len,
        s => s.min(full_len),
    };
    let step_flops = train_step_flops(&cfg.model, cfg.train.batch, train_len);
    let eval_flops_each = forward_flops(&cfg.model, cfg.train.val_trials, full_len);
    let r = train(&plan, true)?;
    let (steps, last_loss) = (r.steps, r.last_loss);
    let (final_metrics, confirmed) = (&r.final_check.metrics, r.final_check.confirmed);

    let bytes = netfile::encode(r.trainer.config(), r.trainer.network(), steps);
    crate::write_atomic(&out, &bytes)?;

    let train_flops = step_flops * steps as f64;
    let checks = r.evals + CONFIRM_CHUNKS as u64 * r.confirms;
    let eval_flops = eval_flops_each * checks as f64;
    let (fitted, skipped) = r.trainer.readout_fits();
    let grams = match kind {
        TaskKind::FlipFlop => 1,
        _ => cfg.model.outputs(),
    };
    let fit_flops = (fitted + skipped) as f64
        * readout_fit_flops(&cfg.model, cfg.train.batch, train_len, grams);
    crate::print_json(&json!({
        "out": out.display().to_string(),
        "preset": plan.preset,
        "task": kind.cli_name(),
        "cell": cfg.model.cell,
        "seed": cfg.seed,
        "hidden": cfg.model.hidden,
        "bits": cfg.model.bits,
        "steps": steps,
        "seconds": r.seconds,
        "stopped": r.stop.name(),
        "solved": r.final_check.solved,
        "final": {
            "bit_accuracy": final_metrics.bit_accuracy,
            "mse": final_metrics.mse,
            "trials": final_metrics.trials,
            "train_loss": if last_loss.is_finite() { json!(last_loss) } else { json!(null) },
        },
        "confirm": confirmed.map(|c| json!({
            "bit_accuracy": c.bit_accuracy,
            "mse": c.mse,
            "trials": c.trials,
        })),
        "confirmations": r.confirms,
        "flops": train_flops + eval_flops + fit_flops,
        "train_flops": train_flops,
        "eval_flops": eval_flops,
        "readout_fits": fitted,
        "readout_fit_flops": fit_flops,
        "flops_per_step": step_flops,
    }))?;
    match r.diverged {
        Some(msg) => Err(CliError::Failed(format!(
            "{msg} The last good weights were saved to {}.",
            out.display()
        ))),
        None => Ok(()),
    }
}
