//! The step-at-a-time trainer, its events and held-out metrics.

use super::adam::{global_norm, Adam, WARM_START_BATCHES};
use super::bptt::loss_and_grad;
use super::check::{confirm_metrics, Check, CONFIRM_CHUNKS};
use super::forward::forward;
use super::readout::{ReadoutFit, READOUT_FIT_BATCHES};
use super::shares::{loss_and_grad_shared, ShareJob, SharePool, Threads};
use super::workspace::Workspace;
use crate::config::Config;
use crate::error::{ConfigError, TrainError};
use crate::model::Network;
use crate::rng::{Purpose, SeedRng};
use crate::task::flipflop::sign_accuracy;
use crate::task::{self, Batch, Task, TaskConfig};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// What one training step reports.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct StepEvent {
    /// Steps taken so far, this one included.
    pub step: u64,
    /// Training loss of the batch (before the update).
    pub loss: f32,
    /// Gradient global norm (before clipping).
    pub grad_norm: f32,
    /// Learning rate used.
    pub lr: f32,
}

/// Held-out metrics.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    /// Mean squared error over all steps, trials and outputs (masked as the task's loss).
    pub mse: f32,
    /// The task's accuracy rule ([`Task::accuracy`]); flip-flop: the fraction of
    /// (trial, step, bit) with target ≠ 0 where sign(z) = target.
    pub bit_accuracy: f32,
    /// Trials evaluated.
    pub trials: usize,
}

impl Metrics {
    /// The lab's "solved" rule: bit accuracy ≥ 99 % and MSE ≤ 0.05.
    pub fn solved(&self) -> bool {
        self.bit_accuracy >= 0.99 && self.mse <= 0.05
    }
}

/// Metrics of `net` on a flip-flop `batch` (uses `ws` for the forward pass).
pub fn evaluate(net: &Network, batch: &Batch, ws: &mut Workspace) -> Metrics {
    let mse = forward(net, batch, batch.mask(), ws);
    Metrics {
        mse,
        bit_accuracy: sign_accuracy(&ws.z, &batch.y),
        trials: batch.batch,
    }
}

/// Metrics of `net` on `batch`, scored by `task`'s accuracy rule.
pub fn evaluate_task(task: &dyn Task, net: &Network, batch: &Batch, ws: &mut Workspace) -> Metrics {
    let mse = forward(net, batch, batch.mask(), ws);
    Metrics {
        mse,
        bit_accuracy: task.accuracy(&ws.z, batch),
        trials: batch.batch,
    }
}

/// Trains one network a step at a time; owns its weights, optimiser state and trial streams.
#[derive(Clone, Debug)]
pub struct Trainer {
    config: Config,
    net: Network,
    grads: Network,
    adam: Adam,
    ws: Workspace,
    val_ws: Workspace,
    batch: Batch,
    val: Batch,
    /// The trial buffer of the confirmation chunks ([`Trainer::confirm`]).
    confirm_batch: Batch,
    /// The task of the training trials (truncated to `train_trial_len`).
    task: Arc<dyn Task>,
    rng: SeedRng,
    last_loss: Option<f32>,
    backup: (Network, Adam),
    /// Steps taken by this trainer (Adam's `t` may start higher when resuming).
    steps_taken: u64,
    /// Resumed without a saved optimiser state: warm-start Adam at the first step, as if
    /// trained for this many steps.
    pending_warm: Option<u64>,
    /// One job per gradient share (`TrainConfig::shares`; empty for one share).
    jobs: Vec<ShareJob>,
    /// Native threads [`Trainer::step`] runs the shares on (1 = the calling thread).
    threads: usize,
    /// The least-squares readout (`TrainConfig::readout_fit`): its trial stream, trials,
    /// forward-pass workspace and buffers.
    readout: Readout,
    /// The moving average of the weights (`TrainConfig::ema_momentum` > 0), else `None`:
    /// then the network is `net` itself.
    average: Option<Network>,
}

/// The state of the least-squares readout fits ([`super::readout`]).
#[derive(Clone, Debug)]
struct Readout {
    rng: SeedRng,
    batch: Batch,
    ws: Workspace,
    fit: ReadoutFit,
    /// Fits that replaced the readout, and fits skipped (singular or empty).
    done: u64,
    skipped: u64,
}

impl Trainer {
    /// A fresh network from `config` (seeded init), or a config error naming the field.
    pub fn new(config: Config) -> Result<Self, ConfigError> {
        config.validate()?;
        let net = Network::init(&config.model, config.seed);
        Ok(Self::with_network(config, net))
    }

    /// Continues training `net` that was trained for `trained_steps` steps elsewhere (its
    /// shapes must match `config.model`). With `optimiser` (the state saved with the
    /// network, e.g. in its network file) Adam carries on exactly where it stopped; without
    /// one, or with one that does not fit the network ([`Adam::fits`]), Adam is warm-started
    /// before the first step ([`Adam::warm_start`]: second moments from the gradients of a
    /// few seeded batches, first moments zero, the step counter at `trained_steps`), so that
    /// continuing never takes the sign-like first step of a restarted Adam.
    pub fn resume(
        config: Config,
        net: Network,
        trained_steps: u64,
        optimiser: Option<Adam>,
    ) -> Self {
        let mut t = Self::with_network(config, net);
        match optimiser {
            Some(a) if a.fits(&t.net) => t.adam = a,
            _ => t.pending_warm = Some(trained_steps),
        }
        t
    }

    /// Trains `net` (its shapes must match `config.model`) with a fresh Adam (zero moments,
    /// `t = 0`), as if from its initial weights; use [`Trainer::resume`] to continue a
    /// trained network.
    pub fn with_network(config: Config, mut net: Network) -> Self {
        config.model.constraints.project_network(&mut net);
        let mut train_task = config.task.clone();
        train_task.trial_len = config.training_trial_len();
        let val = validation_set(&config.task, config.seed, config.train.val_trials);
        let config_seed = config.seed;
        let shares = config.train.shares.min(config.train.batch);
        let jobs = match shares {
            0 | 1 => Vec::new(),
            k => vec![ShareJob::new(&net.config); k],
        };
        let average = (config.train.ema_momentum > 0.0).then(|| net.clone());
        Self {
            average,
            jobs,
            threads: 1,
            grads: Network::zeros(&net.config),
            adam: Adam::new(&net),
            ws: Workspace::default(),
            val_ws: Workspace::default(),
            batch: Batch::default(),
            confirm_batch: Batch::default(),
            rng: SeedRng::new(config.seed, Purpose::Train),
            val,
            task: task::build(&train_task),
            backup: (net.clone(), Adam::new(&net)),
            net,
            config,
            last_loss: None,
            steps_taken: 0,
            pending_warm: None,
            readout: Readout {
                rng: SeedRng::new(config_seed, Purpose::Readout),
                batch: Batch::default(),
                ws: Workspace::default(),
                fit: ReadoutFit::default(),
                done: 0,
                skipped: 0,
            },
        }
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The network trained so far: what is checked, shown, shared and saved. With
    /// `TrainConfig::ema_momentum` > 0 the moving average of the weights, else the
    /// optimiser's current weights ([`Trainer::iterate`]).
    pub fn network(&self) -> &Network {
        self.average.as_ref().unwrap_or(&self.net)
    }

    /// The optimiser's current weights (Adam's iterate, which the gradient is taken at); the
    /// same as [`Trainer::network`] unless the weights are averaged.
    pub fn iterate(&self) -> &Network {
        &self.net
    }

    /// Steps taken by this trainer (not counting the steps a resumed network had before).
    pub fn steps_done(&self) -> u64 {
        self.steps_taken
    }

    /// The optimiser state to save with the network, or `None` while a warm start is still
    /// pending (nothing was learnt about the moments yet: a later resume warm-starts again).
    pub fn optimiser(&self) -> Option<&Adam> {
        match self.pending_warm {
            Some(_) => None,
            None => Some(&self.adam),
        }
    }

    /// Warm-starts Adam from [`WARM_START_BATCHES`] batches of the `WarmStart` stream (see
    /// `adam.rs`); the weights are not changed. Uses the gradient buffers, so it allocates
    /// the squared means once.
    fn warm_start(&mut self, trained_steps: u64, pool: &mut dyn SharePool) {
        let mut sq: Vec<Vec<f32>> = self
            .net
            .params()
            .iter()
            .map(|p| vec![0.0; p.len()])
            .collect();
        let mut rng = SeedRng::new(self.config.seed, Purpose::WarmStart);
        let clip = self.config.train.clip;
        let k = WARM_START_BATCHES as f32;
        for _ in 0..WARM_START_BATCHES {
            self.task
                .fill(&mut self.batch, self.config.train.batch, &mut rng);
            self.batch_grad(pool);
            let norm = global_norm(&self.grads);
            let scale = if clip > 0.0 && norm > clip {
                clip / norm
            } else {
                1.0
            };
            for (s, g) in sq.iter_mut().zip(self.grads.params()) {
                for (s, g) in s.iter_mut().zip(g) {
                    let g = g * scale;
                    *s += g * g / k;
                }
            }
        }
        self.adam.warm_start(&self.config.train, trained_steps, &sq);
    }

    /// Runs the gradient shares of later steps on up to `threads` native threads (clamped to
    /// 1..=[`super::shares::MAX_SHARES`]; no more threads than shares are used). The result
    /// does not depend on it: the shares are summed in a fixed order. Without shares
    /// (`TrainConfig::shares` 1) training stays on the calling thread.
    pub fn set_threads(&mut self, threads: usize) {
        self.threads = threads.clamp(1, super::shares::MAX_SHARES);
    }

    /// The native threads set by [`Trainer::set_threads`].
    pub fn threads(&self) -> usize {
        self.threads
    }

    /// Loss and gradient of `self.batch` into `self.grads`: the whole batch at once, or its
    /// shares run by `pool`.
    fn batch_grad(&mut self, pool: &mut dyn SharePool) -> f32 {
        if self.jobs.is_empty() {
            loss_and_grad(
                &self.net,
                &self.batch,
                self.batch.mask(),
                &mut self.ws,
                &mut self.grads,
            )
        } else {
            loss_and_grad_shared(
                &self.net,
                &self.batch,
                &mut self.jobs,
                pool,
                &mut self.grads,
            )
        }
    }

    /// The latest training loss.
    pub fn last_loss(&self) -> Option<f32> {
        self.last_loss
    }

    /// Changes the learning rate from the next step on, keeping everything else.
    pub fn set_lr(&mut self, lr: f32) -> Result<(), ConfigError> {
        ConfigError::check_f64("lr", lr as f64, 1e-7, 1.0)?;
        self.config.train.lr = lr;
        Ok(())
    }

    /// One step: fresh trials, loss and gradient, clipping, Adam. On a non-finite loss,
    /// gradient or result the weights stay as they were and `Diverged` is returned. The
    /// gradient shares, if any, run on the threads of [`Trainer::set_threads`].
    pub fn step(&mut self) -> Result<StepEvent, TrainError> {
        let mut pool = Threads(self.threads);
        self.step_with(&mut pool)
    }

    /// [`Trainer::step`] with the gradient shares run by `pool` (e.g. the browser's workers);
    /// any pool gives the same result. Without shares the pool is not used.
    pub fn step_with(&mut self, pool: &mut dyn SharePool) -> Result<StepEvent, TrainError> {
        if let Some(trained) = self.pending_warm.take() {
            self.warm_start(trained, pool);
        }
        self.task
            .fill(&mut self.batch, self.config.train.batch, &mut self.rng);
        let loss = self.batch_grad(pool);
        let grad_norm = global_norm(&self.grads);
        let step = self.steps_taken + 1;
        if !loss.is_finite() || !grad_norm.is_finite() {
            return Err(TrainError::Diverged { step, loss });
        }
        let clip = self.config.train.clip;
        let scale = if clip > 0.0 && grad_norm > clip {
            clip / grad_norm
        } else {
            1.0
        };
        let lr = self.adam.lr_at(&self.config.train);
        // Keep the weights and moments to fall back on (copy_from reuses the buffers).
        self.backup.0.copy_from(&self.net);
        self.backup.1.copy_from(&self.adam);
        self.adam
            .update(&self.config.train, &mut self.net, &self.grads, scale);
        // Back onto the constraints (Dale's signs; masked entries stay 0 by their zero
        // gradient, so this only reflects Dale weights that crossed zero).
        let constraints = &self.config.model.constraints;
        if !constraints.is_none() {
            constraints.project_network(&mut self.net);
        }
        if !self.net.is_finite() {
            self.net.copy_from(&self.backup.0);
            self.adam.copy_from(&self.backup.1);
            return Err(TrainError::Diverged { step, loss });
        }
        self.last_loss = Some(loss);
        self.steps_taken = step;
        let every = self.config.train.readout_fit;
        if every > 0 && step.is_multiple_of(every) {
            self.fit_readout();
        }
        if let Some(avg) = self.average.as_mut() {
            average_into(avg, &self.net, self.config.train.ema_momentum);
        }
        Ok(StepEvent {
            step,
            loss,
            grad_norm,
            lr,
        })
    }

    /// Replaces W_out and b_out by the least-squares readout of the hidden states of
    /// [`READOUT_FIT_BATCHES`] × `batch` fresh training-length trials of the seed's
    /// `Readout` stream ([`super::readout`]); [`Trainer::step`] calls it every
    /// `TrainConfig::readout_fit` steps. Under Dale's law with an excitatory readout only
    /// the excitatory units are read. A fit that cannot be solved leaves the readout as it
    /// was and is counted ([`Trainer::readout_fits`]).
    pub fn fit_readout(&mut self) {
        let trials = READOUT_FIT_BATCHES * self.config.train.batch;
        let r = &mut self.readout;
        self.task.fill(&mut r.batch, trials, &mut r.rng);
        let n = self.net.config.hidden;
        let constraints = &self.config.model.constraints;
        let units = match constraints.dale {
            Some(d) if d.readout => constraints.excitatory_units(n),
            _ => n,
        };
        match r.fit.fit(&mut self.net, &r.batch, &mut r.ws, units) {
            Ok(()) => r.done += 1,
            Err(_) => r.skipped += 1,
        }
    }

    /// Least-squares readout fits so far: (replaced the readout, skipped).
    pub fn readout_fits(&self) -> (u64, u64) {
        (self.readout.done, self.readout.skipped)
    }

    /// Metrics of [`Trainer::network`] on the held-out trials (fixed per seed, full-length).
    pub fn evaluate(&mut self) -> Metrics {
        let net = self.average.as_ref().unwrap_or(&self.net);
        evaluate_task(&*self.task, net, &self.val, &mut self.val_ws)
    }

    /// Metrics on the confirmation trials: [`CONFIRM_CHUNKS`] × `val_trials` full-length
    /// trials of the seed's `Confirm` stream (the same trials at every call), scored a chunk
    /// of `val_trials` at a time in the held-out workspace, merged exactly (see
    /// [`super::check`]). Costs as much as [`CONFIRM_CHUNKS`] calls of
    /// [`Trainer::evaluate`] (the default preset: ≈ 6.0 GFLOP, ≈ 18 training steps).
    pub fn confirm(&mut self) -> Metrics {
        let task = task::build(&self.config.task);
        confirm_metrics(
            &*task,
            self.average.as_ref().unwrap_or(&self.net),
            self.config.seed,
            self.val.batch,
            CONFIRM_CHUNKS,
            &mut self.confirm_batch,
            &mut self.val_ws,
        )
    }

    /// The held-out check every caller that decides "solved" uses: [`Trainer::evaluate`]
    /// and, only when that passes the task's rule, [`Trainer::confirm`]; solved when both
    /// pass. Why: the routine check scores the same trials every time and training stops at
    /// the first pass, so it stops where that sample is lucky (see [`super::check`]).
    pub fn check(&mut self) -> Check {
        let metrics = self.evaluate();
        let kind = self.config.task.kind;
        Check::decide(kind, metrics, || self.confirm())
    }

    /// The task being trained (its training-trial length).
    pub fn task(&self) -> &dyn Task {
        &*self.task
    }

    /// The held-out trials.
    pub fn validation(&self) -> &Batch {
        &self.val
    }

    /// Trains on the first `len` time steps of each trial from the next step on (0 = the
    /// task's full length; longer than the task = full length), keeping weights, optimiser
    /// and trial stream: the lever of a curriculum on the training-trial length. The
    /// held-out trials stay full length.
    pub fn set_train_trial_len(&mut self, len: usize) -> Result<(), ConfigError> {
        ConfigError::check_int("train_trial_len", len, 0, 20_000)?;
        self.config.train.train_trial_len = len;
        let mut train_task = self.config.task.clone();
        train_task.trial_len = self.config.training_trial_len();
        self.task = task::build(&train_task);
        Ok(())
    }
}

/// `avg ← m · avg + (1 − m) · net`, parameter by parameter (the moving average of
/// `TrainConfig::ema_momentum`). A sign or mask constraint that holds for both holds for the
/// result: it is a convex combination.
fn average_into(avg: &mut Network, net: &Network, m: f32) {
    for (a, w) in avg.params_mut().into_iter().zip(net.params()) {
        for (a, w) in a.iter_mut().zip(w) {
            *a = m * *a + (1.0 - m) * w;
        }
    }
}

/// The held-out set for a seed: `trials` full-length trials from the `Validation` stream.
pub fn validation_set(task: &TaskConfig, seed: u64, trials: usize) -> Batch {
    Batch::generate(task, trials, &mut SeedRng::new(seed, Purpose::Validation))
}
