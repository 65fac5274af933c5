//! Gradient shares: a batch's gradient computed as a weighted sum of the gradients of
//! contiguous groups of its trials, so that the groups can run on several threads (native
//! threads here, the browser's workers through its own [`SharePool`]).
//!
//! The loss of a batch is `L = Σ m (z - y)² / Σ m` (see [`super::forward`]). Splitting the
//! trials into shares `s` with mask sums `M_s` (`M = Σ_s M_s`) and share losses `L_s`:
//!
//! ```text
//! L = Σ_s (M_s / M) L_s,      ∇L = Σ_s (M_s / M) ∇L_s
//! ```
//!
//! exactly (the constraint chain rule is linear in the gradient, so it commutes with the
//! sum). In floating point the sum differs from the one-share gradient by rounding only. The
//! shares are summed in their order, whatever thread computed each, so a given
//! `TrainConfig::shares` gives bit-identical training on one thread or many.

use super::bptt::loss_and_grad;
use super::workspace::Workspace;
use crate::model::{ModelConfig, Network};
use crate::task::Batch;

/// Largest number of shares (`TrainConfig::shares`).
pub const MAX_SHARES: usize = 64;

/// One share of a batch: its trials, the buffers of its pass, its gradient and loss.
#[derive(Clone, Debug)]
pub struct ShareJob {
    /// The share's trials (`trial_len · trials · channels`, time-major as [`Batch`]).
    pub batch: Batch,
    /// The buffers of the share's forward and backward pass.
    pub ws: Workspace,
    /// The gradient of the share's own loss `L_s` (set by [`ShareJob::run`]).
    pub grads: Network,
    /// The share's loss `L_s` (set by [`ShareJob::run`]).
    pub loss: f32,
    /// The share's weight `M_s / M` in the batch's loss and gradient.
    pub weight: f32,
}

impl ShareJob {
    /// An empty share for networks of `model`'s shapes.
    pub fn new(model: &ModelConfig) -> Self {
        Self {
            batch: Batch::default(),
            ws: Workspace::default(),
            grads: Network::zeros(model),
            loss: 0.0,
            weight: 0.0,
        }
    }

    /// Computes the loss and gradient of the share's trials for `net` (of the shapes the job
    /// was made for; it must satisfy its constraints, as every network a trainer holds does).
    pub fn run(&mut self, net: &Network) {
        self.loss = loss_and_grad(
            net,
            &self.batch,
            self.batch.mask(),
            &mut self.ws,
            &mut self.grads,
        );
    }
}

/// Runs share jobs. Every implementation must leave each job as [`ShareJob::run`] would;
/// which thread runs which job is its own business.
pub trait SharePool {
    /// Runs `job.run(net)` for every job.
    fn run(&mut self, net: &Network, jobs: &mut [ShareJob]);
}

/// Runs the jobs one after the other on the calling thread.
#[derive(Clone, Copy, Debug, Default)]
pub struct Serial;

impl SharePool for Serial {
    fn run(&mut self, net: &Network, jobs: &mut [ShareJob]) {
        for job in jobs {
            job.run(net);
        }
    }
}

/// Runs the jobs on up to `threads` scoped native threads (the calling thread is one of
/// them), contiguous groups of jobs per thread. One thread (or one job) runs serially.
/// In WebAssembly without threads this is always serial.
#[derive(Clone, Copy, Debug)]
pub struct Threads(pub usize);

impl SharePool for Threads {
    fn run(&mut self, net: &Network, jobs: &mut [ShareJob]) {
        let threads = self.0.clamp(1, jobs.len().max(1));
        if threads == 1 || cfg!(target_family = "wasm") {
            return Serial.run(net, jobs);
        }
        let per = jobs.len().div_ceil(threads);
        std::thread::scope(|scope| {
            let mut groups = jobs.chunks_mut(per);
            let mine = groups.next();
            for group in groups {
                scope.spawn(move || Serial.run(net, group));
            }
            if let Some(group) = mine {
                Serial.run(net, group);
            }
        });
    }
}

/// The trial range of share `s` of `shares` over `batch` trials: as even as possible, the
/// first `batch % shares` shares one trial longer.
pub fn share_range(batch: usize, shares: usize, s: usize) -> std::ops::Range<usize> {
    let (q, r) = (batch / shares, batch % shares);
    let start = s * q + s.min(r);
    start..start + q + usize::from(s < r)
}

/// Copies trials `range` of `batch` into `out` (reusing its buffers), mask included.
pub fn copy_trials(batch: &Batch, range: std::ops::Range<usize>, out: &mut Batch) {
    let (b, ki, ko) = (batch.batch, batch.inputs, batch.outputs);
    let n = range.len();
    out.reshape(batch.trial_len, n, ki, ko);
    if !batch.mask.is_empty() {
        out.mask.resize(batch.trial_len * n * ko, 0.0);
    }
    for t in 0..batch.trial_len {
        let (src, dst) = ((t * b + range.start) * ki, t * n * ki);
        out.x[dst..dst + n * ki].copy_from_slice(&batch.x[src..src + n * ki]);
        let (src, dst) = ((t * b + range.start) * ko, t * n * ko);
        out.y[dst..dst + n * ko].copy_from_slice(&batch.y[src..src + n * ko]);
        if !batch.mask.is_empty() {
            out.mask[dst..dst + n * ko].copy_from_slice(&batch.mask[src..src + n * ko]);
        }
    }
}

/// Splits `batch` into `jobs.len()` shares ([`share_range`]; at most one per trial, so with
/// more jobs than trials the last ones get none) and sets each job's trials and weight
/// `M_s / M`. Returns how many jobs have trials.
pub fn split(batch: &Batch, jobs: &mut [ShareJob]) -> usize {
    let used = jobs.len().min(batch.batch).max(1);
    let mut sums = [0.0f64; MAX_SHARES];
    for (s, job) in jobs.iter_mut().take(used).enumerate() {
        copy_trials(batch, share_range(batch.batch, used, s), &mut job.batch);
        sums[s] = match job.batch.mask() {
            Some(m) => m.iter().map(|&v| v as f64).sum(),
            None => (job.batch.y.len()) as f64,
        };
    }
    let total: f64 = sums[..used].iter().sum();
    for (job, sum) in jobs.iter_mut().zip(sums).take(used) {
        // A batch whose mask is all zero has no loss to weigh: equal weights (its loss is
        // NaN either way, which the trainer reports as a divergence).
        job.weight = if total > 0.0 {
            (sum / total) as f32
        } else {
            1.0 / used as f32
        };
    }
    used
}

/// The batch's loss and gradient from its first `used` jobs (already run): `grads` is set to
/// `Σ_s w_s ∇L_s`, summed in share order; returns `Σ_s w_s L_s`.
pub fn reduce(jobs: &[ShareJob], used: usize, grads: &mut Network) -> f32 {
    let mut loss = 0.0f32;
    for g in grads.params_mut() {
        g.fill(0.0);
    }
    for job in &jobs[..used] {
        let w = job.weight;
        loss += w * job.loss;
        for (g, s) in grads.params_mut().into_iter().zip(job.grads.params()) {
            for (g, s) in g.iter_mut().zip(s) {
                *g += w * s;
            }
        }
    }
    loss
}

/// Loss and gradient of `batch` in `jobs.len()` shares run by `pool` (see the module doc),
/// written into `grads` (the network's shapes). One job is [`loss_and_grad`] on the whole
/// batch, bit for bit.
pub fn loss_and_grad_shared(
    net: &Network,
    batch: &Batch,
    jobs: &mut [ShareJob],
    pool: &mut dyn SharePool,
    grads: &mut Network,
) -> f32 {
    let used = split(batch, jobs);
    pool.run(net, &mut jobs[..used]);
    reduce(jobs, used, grads)
}

#[cfg(test)]
#[path = "shares_tests.rs"]
mod tests;
