//! Fixed and slow points of a cognitive task's network (issue 16), from the same search as
//! the flip-flop's, started on the task's own trajectories.
//!
//! The dynamics searched are those under the task's holding input: the fixation input on
//! and every stimulus off, `x̄ = e_fixation` (what the network sees in a delay and before
//! the stimulus). A constant input only shifts each gate's pre-activation by `W_in x̄`, so
//! the search runs on a copy of the network whose bias absorbs it,
//! `b̄ = b_rec + W_in x̄` on the first `G·N` entries (for a GRU with `reset_after`, its
//! input bias `b_x`), with the autonomous map of [`super`]: `F̄(h) = F(h, x̄)`. Points are
//! states of the original network; their eigenvalues are those of `∂F(h, x̄)/∂h`.
//!
//! Starts are sampled from the states of every analysis trial
//! ([`crate::analysis::statespace`]), and the settle runs start where each trial's
//! fixation ends (the network holding its evidence or memory, just before the go signal).
//! Line attractors (Mante et al. 2013) appear as chains of slow points.

use super::{sample_starts, FixedPointOptions, FixedPointSearch};
use crate::analysis::statespace::{analysis_trials, trial_states};
use crate::analysis::AnalysisError;
use crate::model::Network;
use crate::rng::{Purpose, SeedRng};
use crate::task::cognitive::FIXATION;
use crate::task::TaskConfig;

/// A copy of `net` whose dynamics under input zero are `net`'s under the constant input
/// `x` (length inputs): `b_rec[k] += Σ_j W_in[k, j] x_j` for the `G·N` input rows.
pub fn with_constant_input(net: &Network, x: &[f32]) -> Network {
    let mut out = net.clone();
    let ki = net.config.inputs();
    let rows = net.config.gate_rows();
    for (k, b) in out.b_rec.iter_mut().enumerate().take(rows) {
        let row = &net.w_in[k * ki..(k + 1) * ki];
        *b += row.iter().zip(x).map(|(w, v)| w * v).sum::<f32>();
    }
    out.config.rec_bias = true;
    out
}

/// The holding input of a cognitive task: fixation on, every other channel off.
pub fn holding_input(inputs: usize) -> Vec<f32> {
    let mut x = vec![0.0; inputs];
    if let Some(v) = x.get_mut(FIXATION) {
        *v = 1.0;
    }
    x
}

/// The search for the task of `cfg` (module doc): `opts.starts` starts sampled from the
/// analysis trials' states with the `Other` stream of `seed`, settle runs from the last
/// fixation step of each trial, under the holding input. Errors with
/// [`AnalysisError::NoConditions`] for the flip-flop (its search is
/// [`super::search_from_cube_set`]) and [`AnalysisError::Shape`] when the network's inputs
/// are not the task's.
pub fn search_on_task(
    net: &Network,
    cfg: &TaskConfig,
    opts: FixedPointOptions,
    seed: u64,
) -> Result<FixedPointSearch, AnalysisError> {
    let trials = analysis_trials(cfg).ok_or(AnalysisError::NoConditions {
        task: cfg.kind.cli_name(),
    })?;
    let ki = net.config.inputs();
    if trials.batch.inputs != ki {
        return Err(AnalysisError::Shape {
            len: ki,
            rows: 1,
            dim: trials.batch.inputs,
        });
    }
    let size = net.config.cell.state_size(net.config.hidden);
    let states = trial_states(net, &trials);
    let batch = &trials.batch;
    let go = (0..batch.trial_len)
        .find(|&t| batch.x[t * batch.batch * ki + FIXATION] == 0.0)
        .unwrap_or(batch.trial_len);
    let held: Vec<f32> = (0..batch.batch)
        .flat_map(|b| {
            let row = b * batch.trial_len + go.saturating_sub(1);
            states[row * size..(row + 1) * size].to_vec()
        })
        .collect();
    let mut rng = SeedRng::new(seed, Purpose::Other);
    let starts = sample_starts(&states, size, opts.starts, &mut rng);
    let held_net = with_constant_input(net, &holding_input(ki));
    Ok(FixedPointSearch::new(&held_net, &starts, opts, &mut rng).with_settle_starts(&held))
}
