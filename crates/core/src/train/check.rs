//! The "solved" decision: a routine held-out check, confirmed on fresh trials.
//!
//! Training stops ("solved") at the first held-out check that passes the task's rule
//! ([`presets::solved`]). The routine check scores the same `val_trials` trials of the
//! seed's `Validation` stream every time and training stops at the first pass, so it
//! stops where that sample happens to be kind: of ten default-preset networks called
//! solved on 128 trials, two had MSE 0.0502 on 512 fresh trials (BENCHMARKS.md, "Fewer
//! FLOPs to solved"). So a passing check is confirmed on
//! [`CONFIRM_CHUNKS`] × `val_trials` further trials from the seed's `Confirm` stream, which
//! neither training nor the routine check draws from, and only a network that passes both
//! ([`presets::confirms`] on the confirmation) is called solved.
//!
//! The confirmation trials are the same at every check of a seed (the stream restarts), so
//! a result can be reproduced; they are drawn and scored a chunk of `val_trials` trials at a
//! time in the held-out workspace, so memory stays what the routine check needs (the default
//! preset: hidden states of 128 trials × 341 × 128 floats ≈ 22 MB, not the ≈ 90 MB of 512
//! trials at once, which matters in the browser). The chunk metrics are merged exactly:
//! each chunk's MSE weighted by the loss-mask sum it was averaged over, each chunk's
//! accuracy by the entries or trials its task's rule scored.

use super::trainer::{evaluate_task, validation_set, Metrics};
use super::workspace::Workspace;
use crate::model::Network;
use crate::rng::{Purpose, SeedRng};
use crate::task::{self, presets, Batch, Task, TaskConfig, TaskKind};
use serde::{Deserialize, Serialize};

/// Chunks of `val_trials` trials in one confirmation: 4, i.e. 512 trials for the default
/// preset's 128. A confirmation costs as much as four routine checks (the default preset:
/// ≈ 6.0 GFLOP, about 18 training steps) and runs only when a routine check passes.
pub const CONFIRM_CHUNKS: usize = 4;

/// The outcome of one held-out check.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Check {
    /// Metrics on the routine held-out trials (`val_trials` of the `Validation` stream).
    pub metrics: Metrics,
    /// Metrics on the confirmation trials ([`CONFIRM_CHUNKS`] × `val_trials` of the
    /// `Confirm` stream); computed only when `metrics` pass the task's rule.
    pub confirmed: Option<Metrics>,
    /// The lab's verdict: the routine check passes [`presets::solved`] and the confirmation
    /// passes [`presets::confirms`].
    pub solved: bool,
}

impl Check {
    /// Decides from routine `metrics`, running `confirm` only when they pass.
    pub fn decide(kind: TaskKind, metrics: Metrics, confirm: impl FnOnce() -> Metrics) -> Check {
        if !presets::solved(kind, &metrics) {
            return Check {
                metrics,
                confirmed: None,
                solved: false,
            };
        }
        let c = confirm();
        Check {
            metrics,
            confirmed: Some(c),
            solved: presets::confirms(kind, &c),
        }
    }
}

/// Sums of chunk metrics, weighted as the chunks were averaged.
#[derive(Clone, Copy, Debug, Default)]
struct Tally {
    /// Σ mse · loss weight.
    sq: f64,
    /// Σ loss weight (mask sum, or entries without a mask).
    entries: f64,
    /// Σ accuracy · accuracy weight.
    hits: f64,
    /// Σ accuracy weight (what the task's rule scored).
    scored: f64,
    trials: usize,
}

impl Tally {
    fn add(&mut self, task: &dyn Task, batch: &Batch, m: &Metrics) {
        let entries = loss_weight(batch);
        let scored = accuracy_weight(task.kind(), batch);
        self.sq += m.mse as f64 * entries;
        self.entries += entries;
        self.hits += m.bit_accuracy as f64 * scored;
        self.scored += scored;
        self.trials += m.trials;
    }

    /// The merged metrics; as [`super::forward`] and the accuracy rules do for one batch,
    /// MSE 0 when nothing was in the loss and accuracy 1 when nothing was scored.
    fn metrics(&self) -> Metrics {
        Metrics {
            mse: if self.entries > 0.0 {
                (self.sq / self.entries) as f32
            } else {
                0.0
            },
            bit_accuracy: if self.scored > 0.0 {
                (self.hits / self.scored) as f32
            } else {
                1.0
            },
            trials: self.trials,
        }
    }
}

/// The denominator of the batch's loss `Σ m (z - y)² / Σ m`: the mask sum, or the number
/// of target entries (`trial_len · trials · outputs`) without a mask.
fn loss_weight(batch: &Batch) -> f64 {
    match batch.mask() {
        Some(m) => m.iter().map(|&m| m as f64).sum(),
        None => batch.y.len() as f64,
    }
}

/// The denominator of task `kind`'s accuracy rule on `batch`: the flip-flop scores every
/// (trial, step, bit) with target ≠ 0 ([`crate::task::flipflop::sign_accuracy`]); the
/// cognitive tasks score one choice per trial ([`crate::task::cognitive::choice_accuracy`]).
fn accuracy_weight(kind: TaskKind, batch: &Batch) -> f64 {
    match kind {
        TaskKind::FlipFlop => batch.y.iter().filter(|&&y| y != 0.0).count() as f64,
        TaskKind::PerceptualDm
        | TaskKind::ContextDm
        | TaskKind::ParametricWm
        | TaskKind::MatchTwoItems => {
            if batch.trial_len == 0 {
                0.0
            } else {
                batch.batch as f64
            }
        }
    }
}

/// Metrics of `net` on `chunks × chunk` full-length trials of `task` drawn from the
/// `(seed, Confirm)` stream, scored a chunk at a time in `ws` with `batch` as the trial
/// buffer (both reshaped to `chunk` trials once, then reused), merged exactly as if scored
/// at once (to f32 rounding). The same arguments always give the same trials.
///
/// `task` must be the full-length task (not the truncated training trials). Cost: the
/// forward pass of `chunks × chunk` trials; memory: one chunk's.
pub fn confirm_metrics(
    task: &dyn Task,
    net: &Network,
    seed: u64,
    chunk: usize,
    chunks: usize,
    batch: &mut Batch,
    ws: &mut Workspace,
) -> Metrics {
    let mut rng = SeedRng::new(seed, Purpose::Confirm);
    let mut tally = Tally::default();
    for _ in 0..chunks {
        task.fill(batch, chunk, &mut rng);
        let m = evaluate_task(task, net, batch, ws);
        tally.add(task, batch, &m);
    }
    tally.metrics()
}

/// The check training does, on a network outside a trainer (`flipflop eval`, sweeps):
/// routine metrics on `trials` trials of the `(seed, Validation)` stream and, when they
/// pass, the confirmation on [`CONFIRM_CHUNKS`] × `trials` trials of `(seed, Confirm)`.
/// With the network's own seed and `val_trials` this is exactly [`super::Trainer::check`].
pub fn check_network(task_cfg: &TaskConfig, net: &Network, seed: u64, trials: usize) -> Check {
    HeldOut::new(task_cfg, seed, trials).check(net)
}

/// The held-out check of one configuration, kept for many networks: the routine trials
/// drawn once, the workspaces reused. This is how a check runs away from the trainer (the
/// browser's checking worker, which checks the training worker's weights while it trains
/// on): [`HeldOut::check`] of a trainer's network gives exactly [`super::Trainer::check`]'s
/// result when built from the trainer's task, seed and `val_trials`.
pub struct HeldOut {
    task: std::sync::Arc<dyn Task>,
    kind: TaskKind,
    seed: u64,
    val: Batch,
    confirm_batch: Batch,
    ws: Workspace,
}

impl HeldOut {
    /// The check of `task_cfg` (full-length trials) for `seed` on `trials` routine trials.
    /// Cost: drawing the `trials` routine trials (no forward pass).
    pub fn new(task_cfg: &TaskConfig, seed: u64, trials: usize) -> Self {
        Self {
            task: task::build(task_cfg),
            kind: task_cfg.kind,
            seed,
            val: validation_set(task_cfg, seed, trials),
            confirm_batch: Batch::default(),
            ws: Workspace::default(),
        }
    }

    /// Routine metrics of `net` and, when they pass the task's rule, its confirmation
    /// (see the module docs). `net` must have the task's channels (checked by
    /// `Config::validate` for a trainer's network).
    pub fn check(&mut self, net: &Network) -> Check {
        let metrics = evaluate_task(&*self.task, net, &self.val, &mut self.ws);
        let (task, seed, trials) = (&*self.task, self.seed, self.val.batch);
        let (batch, ws) = (&mut self.confirm_batch, &mut self.ws);
        Check::decide(self.kind, metrics, || {
            confirm_metrics(task, net, seed, trials, CONFIRM_CHUNKS, batch, ws)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::train::Trainer;

    /// A small flip-flop configuration: 2 bits, N 24, trials of 60 steps.
    fn small_flipflop(seed: u64) -> Config {
        let mut c = Config {
            seed,
            ..Config::default()
        };
        c.set_bits(2);
        c.model.hidden = 24;
        c.task.trial_len = 60;
        c.train.val_trials = 8;
        c.validate().expect("valid");
        c
    }

    /// The trials of `batch`, each as the bytes of its inputs over time (a trial's identity).
    fn trials(batch: &Batch) -> Vec<Vec<u32>> {
        let (b, k) = (batch.batch, batch.inputs);
        (0..b)
            .map(|i| {
                (0..batch.trial_len)
                    .flat_map(|t| batch.x[(t * b + i) * k..(t * b + i + 1) * k].iter())
                    .map(|v| v.to_bits())
                    .collect()
            })
            .collect()
    }

    /// The confirmation scores exactly the trials of the seed's `Confirm` stream (so it draws
    /// from that stream and no other), and none of them is a training or routine held-out
    /// trial of the same seed.
    #[test]
    fn confirmation_trials_come_from_their_own_stream() {
        let c = small_flipflop(5);
        let task = task::build(&c.task);
        let net = Network::init(&c.model, c.seed);
        let (chunk, chunks) = (c.train.val_trials, CONFIRM_CHUNKS);
        let drawn = |purpose, n| Batch::generate(&c.task, n, &mut SeedRng::new(c.seed, purpose));
        let confirm = drawn(Purpose::Confirm, chunk * chunks);
        let mut ws = Workspace::default();
        let whole = evaluate_task(&*task, &net, &confirm, &mut ws);
        let mut t = Trainer::with_network(c.clone(), net);
        assert_eq!(t.confirm(), whole);
        // Training draws batches of `batch` trials from one stream: these are its first 8.
        let train = drawn(Purpose::Train, 8 * c.train.batch);
        let val = validation_set(&c.task, c.seed, chunk);
        let used: Vec<Vec<u32>> = trials(&train).into_iter().chain(trials(&val)).collect();
        let fresh = trials(&confirm);
        assert_eq!(fresh.len(), chunk * chunks);
        for (i, tr) in fresh.iter().enumerate() {
            assert!(
                !used.contains(tr),
                "confirmation trial {i} was also drawn elsewhere"
            );
        }
    }

    /// Chunked scoring merges exactly for every task (masked MSE, per-entry and per-trial
    /// accuracy): 2 × 16 and 4 × 8 trials give the metrics of the same 32 trials at once.
    #[test]
    fn chunks_merge_to_the_metrics_of_one_batch() {
        for kind in TaskKind::ALL {
            let mut c = if kind == TaskKind::FlipFlop {
                small_flipflop(2)
            } else {
                Config::for_task(kind)
            };
            c.model.hidden = 24;
            let task = task::build(&c.task);
            let net = Network::init(&c.model, 9);
            let all = Batch::generate(&c.task, 32, &mut SeedRng::new(c.seed, Purpose::Confirm));
            let mut ws = Workspace::default();
            let whole = evaluate_task(&*task, &net, &all, &mut ws);
            for (chunk, chunks) in [(16, 2), (8, 4)] {
                let mut b = Batch::default();
                let m = confirm_metrics(&*task, &net, c.seed, chunk, chunks, &mut b, &mut ws);
                assert_eq!(m.trials, 32, "{kind:?}");
                let close = |a: f32, b: f32| (a - b).abs() <= 2e-6 * b.abs().max(1e-3);
                assert!(
                    close(m.mse, whole.mse),
                    "{kind:?} {chunk}: {m:?} vs {whole:?}"
                );
                assert!(
                    close(m.bit_accuracy, whole.bit_accuracy),
                    "{kind:?} {chunk}: {m:?} vs {whole:?}"
                );
            }
        }
    }

    /// One `HeldOut`, kept while a trainer trains (its workspaces reused across networks),
    /// decides each network exactly as `Trainer::check` does: the browser's checking worker
    /// relies on it to report the training worker's verdicts.
    #[test]
    fn a_kept_held_out_check_equals_the_trainers() {
        let c = small_flipflop(3);
        let mut held = HeldOut::new(&c.task, c.seed, c.train.val_trials);
        let mut t = Trainer::new(c).expect("valid");
        for _ in 0..4 {
            for _ in 0..3 {
                t.step().expect("finite");
            }
            assert_eq!(held.check(t.network()), t.check());
        }
    }

    /// A network that always makes the same choice passes a routine check of one trial
    /// whose answer is that choice, and fails the confirmation on four more: it is not
    /// solved. `Trainer::check` and `check_network` decide alike.
    #[test]
    fn a_lucky_routine_check_is_not_solved() {
        let mut refused = 0;
        for seed in 1..=40 {
            let mut c = Config::for_task(TaskKind::PerceptualDm);
            c.seed = seed;
            c.model.hidden = 8;
            c.train.val_trials = 1;
            // Zero weights and biases: both outputs 0, a tie, so always choice 0.
            let net = Network::zeros(&c.model);
            let check = check_network(&c.task, &net, seed, 1);
            let mut t = Trainer::with_network(c.clone(), net);
            assert_eq!(t.check(), check, "seed {seed}");
            let passed = presets::solved(c.task.kind, &check.metrics);
            assert_eq!(passed, check.confirmed.is_some(), "seed {seed}");
            if let Some(conf) = check.confirmed {
                assert_eq!(conf.trials, CONFIRM_CHUNKS);
                assert_eq!(check.solved, presets::confirms(c.task.kind, &conf));
                if !check.solved {
                    refused += 1;
                }
            } else {
                assert!(!check.solved);
            }
        }
        assert!(refused >= 5, "only {refused} lucky checks refused");
    }
}
