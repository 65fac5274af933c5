//! The state space of a cognitive task (issue 16), the cube's generalisation: the network's
//! hidden trajectories on the task's noiseless analysis trials, one per condition, their top
//! three principal components, and a condition label per trajectory to colour them by
//! (choice and coherence for the decision tasks, context and choice for Mante's, f1 for
//! Romo's, cue and match for match-to-sample).
//!
//! The analysis trials ([`analysis_trials`]) are the task's own trials (its `fill_with`)
//! with the noise off:
//!
//! | task            | trials                                              | label            |
//! |-----------------|-----------------------------------------------------|------------------|
//! | perceptual-dm   | each signed coherence ±c of the options (0 once)    | signed coherence |
//! | context-dm      | 2 contexts × ±c motion × ±c colour                  | context, choice  |
//! | parametric-wm   | the 10 (f1, f2) pairs at the middle delay           | f1               |
//! | match-two-items | every two different samples × cue × test item (96)  | cue, match kind  |
//!
//! The fixed and slow points that go with this picture come from
//! [`crate::fixedpoints::search_on_task`], started from states on these trajectories.

use super::projection::{top_components, Decomposition, Projection};
use super::AnalysisError;
use crate::fixedpoints::state_trajectory;
use crate::model::Network;
use crate::rng::{Purpose, SeedRng};
use crate::task::cognitive::{CHOICE_0, CHOICE_1, DT_MS};
use crate::task::context_dm::{ContextTrial, CONTEXTS};
use crate::task::match_two::{MatchTrial, ITEMS};
use crate::task::parametric_wm::WmTrial;
use crate::task::perceptual_dm::DmTrial;
use crate::task::{
    Batch, ContextDm, MatchTwoItems, ParametricWm, PerceptualDm, Task, TaskConfig, TaskKind,
};
use serde::{Deserialize, Serialize};

/// The analysis trials of a task: a noiseless batch, one trial per condition, and each
/// trial's label and correct choice.
#[derive(Clone, Debug, PartialEq)]
pub struct AnalysisTrials {
    /// The trials (time-major, as every [`Batch`]).
    pub batch: Batch,
    /// Label of each trial, an index into `names`.
    pub label: Vec<u32>,
    /// The labels' names, in the order the legend lists them.
    pub names: Vec<String>,
    /// Correct choice of each trial (output index), `None` where there is none (zero
    /// coherence of the decisive stream).
    pub choice: Vec<Option<u8>>,
}

/// Formats a signed coherence for a label ("−12.8 %", "0 %", "+12.8 %").
fn signed(c: f32) -> String {
    if c > 0.0 {
        format!("+{c} %")
    } else if c < 0.0 {
        format!("−{} %", -c)
    } else {
        "0 %".to_string()
    }
}

fn pick(right: bool) -> u8 {
    if right {
        CHOICE_1 as u8
    } else {
        CHOICE_0 as u8
    }
}

/// The signed coherences ±c of `list` in increasing order, zero once.
fn signed_levels(list: &[f32]) -> Vec<f32> {
    let mut v: Vec<f32> = list
        .iter()
        .flat_map(|&c| [c, -c])
        .filter(|c| c.is_finite())
        .collect();
    v.sort_by(f32::total_cmp);
    v.dedup_by(|a, b| a == b || (*a == 0.0 && *b == 0.0));
    v
}

/// The analysis trials of the task of `cfg` (table in the module doc); `None` for the
/// flip-flop, whose state space is the cube set's.
pub fn analysis_trials(cfg: &TaskConfig) -> Option<AnalysisTrials> {
    let mut rng = SeedRng::new(0, Purpose::Other);
    let mut batch = Batch::default();
    let (label, names, choice) = match cfg.kind {
        TaskKind::FlipFlop => return None,
        TaskKind::PerceptualDm => {
            let mut o = cfg.perceptual_dm.clone();
            o.noise_sd = 0.0;
            let levels = signed_levels(&o.coherences);
            let conds: Vec<DmTrial> = levels
                .iter()
                .map(|&c| DmTrial {
                    coherence: c,
                    right: c > 0.0,
                })
                .collect();
            PerceptualDm::new(o).fill_with(&mut batch, &conds, &mut rng);
            (
                (0..conds.len() as u32).collect(),
                levels.iter().map(|&c| signed(c)).collect(),
                conds
                    .iter()
                    .map(|c| (c.coherence != 0.0).then(|| pick(c.right)))
                    .collect(),
            )
        }
        TaskKind::ContextDm => {
            let mut o = cfg.context_dm.clone();
            o.noise_sd = 0.0;
            let levels = signed_levels(&o.coherences);
            let mut conds = Vec::new();
            for context in 0..2 {
                for &motion in &levels {
                    for &colour in &levels {
                        let cued = if context == 0 { motion } else { colour };
                        conds.push(ContextTrial {
                            context,
                            motion,
                            colour,
                            right: cued > 0.0,
                        });
                    }
                }
            }
            ContextDm::new(o).fill_with(&mut batch, &conds, &mut rng);
            let names = CONTEXTS
                .iter()
                .flat_map(|c| [format!("{c}, left"), format!("{c}, right")])
                .collect();
            (
                conds
                    .iter()
                    .map(|c| 2 * c.context as u32 + u32::from(c.right))
                    .collect(),
                names,
                conds
                    .iter()
                    .map(|c| (c.cued() != 0.0).then(|| pick(c.right)))
                    .collect(),
            )
        }
        TaskKind::ParametricWm => {
            let mut o = cfg.parametric_wm.clone();
            o.noise_sd = 0.0;
            let mid = (o.delay_min_ms + o.delay_max_ms) / 2;
            let delay_ms = mid - mid % DT_MS;
            let pairs = ParametricWm::pairs();
            let mut f1s: Vec<u32> = pairs.iter().map(|p| p.0).collect();
            f1s.sort_unstable();
            f1s.dedup();
            let conds: Vec<WmTrial> = pairs
                .iter()
                .map(|&(f1, f2)| WmTrial { f1, f2, delay_ms })
                .collect();
            ParametricWm::new(o).fill_with(&mut batch, &conds, &mut rng);
            (
                conds
                    .iter()
                    .map(|c| f1s.iter().position(|f| *f == c.f1).unwrap_or(0) as u32)
                    .collect(),
                f1s.iter().map(|f| format!("f1 {f} Hz")).collect(),
                conds.iter().map(|c| Some(pick(c.f1 < c.f2))).collect(),
            )
        }
        TaskKind::MatchTwoItems => {
            let mut o = cfg.match_two_items.clone();
            o.noise_sd = 0.0;
            let mut conds = Vec::new();
            for a in 0..ITEMS {
                for b in (0..ITEMS).filter(|b| *b != a) {
                    for cue in 0..2 {
                        for test in 0..ITEMS {
                            conds.push(MatchTrial {
                                samples: [a, b],
                                cue,
                                test,
                            });
                        }
                    }
                }
            }
            let task = MatchTwoItems::new(o);
            task.fill_with(&mut batch, &conds, &mut rng);
            (
                conds.iter().map(|c| c.condition()).collect(),
                (0..task.conditions() as u32)
                    .map(|c| task.condition_name(c))
                    .collect(),
                conds.iter().map(|c| Some(pick(!c.is_match()))).collect(),
            )
        }
    };
    Some(AnalysisTrials {
        batch,
        label,
        names,
        choice,
    })
}

/// Trial `b` of a time-major batch as a row-major `trial_len × inputs` input (what
/// [`Network::run`] takes).
pub fn trial_inputs(batch: &Batch, b: usize) -> Vec<f32> {
    let (bs, ni) = (batch.batch, batch.inputs);
    let mut x = Vec::with_capacity(batch.trial_len * ni);
    for t in 0..batch.trial_len {
        let at = (t * bs + b) * ni;
        x.extend_from_slice(&batch.x[at..at + ni]);
    }
    x
}

/// The network's full states on every analysis trial from a zero state, trial-major:
/// trajectory `b` is rows `b·trial_len .. (b+1)·trial_len` of a `(trials·trial_len) × S`
/// matrix, `S` the cell's state size (`[h; c]` for an LSTM).
pub fn trial_states(net: &Network, trials: &AnalysisTrials) -> Vec<f32> {
    let batch = &trials.batch;
    let size = net.config.cell.state_size(net.config.hidden);
    let mut out = Vec::with_capacity(batch.batch * batch.trial_len * size);
    for b in 0..batch.batch {
        out.extend(state_trajectory(
            net,
            &trial_inputs(batch, b),
            batch.trial_len,
        ));
    }
    out
}

/// A task's state space: the trajectories' top three principal components and their labels.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TaskStateSpace {
    /// Steps per trajectory.
    pub trial_len: usize,
    /// Number of trajectories.
    pub trials: usize,
    /// Centred PCA of the hidden activity `H` (`(trials·trial_len) × N`, trial-major); its
    /// `coords` are the trajectories in the top `min(3, N)` components.
    pub pca: Projection,
    /// Label of each trajectory, an index into `names`.
    pub label: Vec<u32>,
    /// The labels' names.
    pub names: Vec<String>,
    /// Correct choice of each trajectory (output index), `None` where there is none.
    pub choice: Vec<Option<u8>>,
    /// First step of the decision period (where the fixation input goes off).
    pub go_step: usize,
}

/// The state space of `net` on the task of `cfg` (module doc): runs every analysis trial
/// from a zero state and decomposes the hidden activity by centred PCA, keeping 3
/// components. Cost: `trials · trial_len` network steps plus one `N × N` eigensolve (60
/// trials of 60 steps to 96 of 95; milliseconds at N 64).
///
/// Errors: [`AnalysisError::NoConditions`] for the flip-flop (its state space is the cube,
/// [`super::cube_activity`]); the eigensolver's otherwise.
pub fn task_state_space(net: &Network, cfg: &TaskConfig) -> Result<TaskStateSpace, AnalysisError> {
    let trials = analysis_trials(cfg).ok_or(AnalysisError::NoConditions {
        task: cfg.kind.cli_name(),
    })?;
    let (n, size) = (
        net.config.hidden,
        net.config.cell.state_size(net.config.hidden),
    );
    let states = trial_states(net, &trials);
    let rows = states.len() / size.max(1);
    let h: Vec<f32> = if size == n {
        states
    } else {
        states.chunks(size).flat_map(|s| s[..n].to_vec()).collect()
    };
    let batch = &trials.batch;
    let go_step = (0..batch.trial_len)
        .find(|&t| batch.x[t * batch.batch * batch.inputs] == 0.0)
        .unwrap_or(batch.trial_len);
    Ok(TaskStateSpace {
        trial_len: batch.trial_len,
        trials: batch.batch,
        pca: top_components(&h, rows, n, 3, Decomposition::Pca)?,
        label: trials.label,
        names: trials.names,
        choice: trials.choice,
        go_step,
    })
}

#[cfg(test)]
#[path = "statespace_tests.rs"]
mod tests;
