//! Tasks: what a network is trained to do, one trial distribution per task.
//!
//! A task (the [`Task`] trait, in the manner of PsychRNN and NeuroGym) gives, per trial,
//! inputs `x`, targets `y` and a loss mask `m` over time, all `trial_len × channels`; it
//! scores outputs by its own accuracy rule, names its channels, labels the time steps of
//! its analysis trial with the conditions the analyses group by, and names the paper it
//! comes from. The loss the trainer minimises is the masked mean squared error
//! `L = Σ m (z - y)² / Σ m`.
//!
//! Which task a configuration trains is [`TaskConfig::kind`], a [`TaskKind`]; the registry
//! is [`TaskKind::build`], the one place a new task is added. Tasks: the flip-flop of
//! Jarne (2024) ([`flipflop`]) with its memory-state test set ([`cube`]), and four
//! cognitive tasks that share one time base, fixation input, two choice outputs, loss mask
//! and accuracy rule ([`cognitive`]): perceptual decision making ([`perceptual_dm`]),
//! context-dependent decision making ([`context_dm`]), parametric working memory
//! ([`parametric_wm`]) and delayed match-to-sample with two items ([`match_two`]); their
//! options are in [`options`], their starting configurations in [`presets`].

use crate::rng::SeedRng;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::sync::Arc;

mod batch;
pub mod cognitive;
mod config;
pub mod context_dm;
pub mod cube;
pub mod flipflop;
pub mod match_two;
pub mod options;
pub mod parametric_wm;
pub mod perceptual_dm;
pub mod presets;

pub use batch::Batch;
pub use config::{TaskConfig, MAX_BITS};
pub use context_dm::ContextDm;
pub use cube::{cube_set, state_name, state_signs, CubeSet, CUBE_FIRST_ONSET, CUBE_PERIOD};
pub use flipflop::{trial, FlipFlop, Pulse, Trial};
pub use match_two::MatchTwoItems;
pub use options::{
    ContextDmOptions, MatchTwoItemsOptions, ParametricWmOptions, PerceptualDmOptions,
};
pub use parametric_wm::ParametricWm;
pub use perceptual_dm::PerceptualDm;

/// A task: a trial distribution, a scoring rule and the labels the analyses use.
///
/// Layouts: a [`Batch`] is time-major, `x[(t · B + b) · inputs + i]`, `y` and the mask
/// likewise with `outputs`. Every random draw comes from the generator passed in, so the
/// same seed gives the same trials on every platform.
pub trait Task: fmt::Debug + Send + Sync {
    /// The registry entry this task was built from.
    fn kind(&self) -> TaskKind;
    /// Where the task comes from, e.g. `"Jarne (2024), ..."`.
    fn source(&self) -> &'static str;
    /// Input channels.
    fn inputs(&self) -> usize;
    /// Output channels.
    fn outputs(&self) -> usize;
    /// Name of input channel `i` (`i < inputs()`), for axes and legends.
    fn input_name(&self, i: usize) -> String;
    /// Name of output channel `o` (`o < outputs()`).
    fn output_name(&self, o: usize) -> String;
    /// Time steps of a trial.
    fn trial_len(&self) -> usize;
    /// Fills `batch` (reusing its buffers: no allocation once they have the size) with
    /// `trials` fresh trials drawn from `rng`: inputs, targets and, when the task masks
    /// some steps out of the loss, the mask (an empty mask means all ones).
    fn fill(&self, batch: &mut Batch, trials: usize, rng: &mut SeedRng);
    /// The task's accuracy rule on network outputs `z` (laid out like `batch.y`): a fraction
    /// in [0, 1], 1 when nothing is scored.
    fn accuracy(&self, z: &[f32], batch: &Batch) -> f32;
    /// The analysis trial (noiseless) and the condition of each of its steps (`None` where
    /// no condition holds yet); `None` for tasks whose analyses are not built on one (the
    /// flip-flop's state-space analyses need it; see [`TaskKind::has_cube_set`]).
    fn condition_set(&self) -> Option<CubeSet>;
    /// Number of distinct conditions; a condition is `0..conditions()`.
    fn conditions(&self) -> usize;
    /// Human-readable name of a condition.
    fn condition_name(&self, c: u32) -> String;
}

/// The registry of tasks. Adding a task: a variant here, its parameters in [`TaskConfig`]
/// (serde defaults, so older configurations keep decoding), and its arm in
/// [`TaskKind::build`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskKind {
    /// The flip-flop task of Jarne (2024): remember the sign of the latest pulse per channel.
    #[default]
    FlipFlop,
    /// Perceptual decision making (Britten et al. 1992): which evidence stream is stronger.
    PerceptualDm,
    /// Context-dependent decision making (Mante et al. 2013): the cued modality decides.
    ContextDm,
    /// Parametric working memory (Romo et al. 1999): is f1 > f2 after a delay?
    ParametricWm,
    /// Delayed match-to-sample with two items and a cue (after Freedman & Assad 2006).
    MatchTwoItems,
}

impl TaskKind {
    /// Every registered task.
    pub const ALL: [TaskKind; 5] = [
        TaskKind::FlipFlop,
        TaskKind::PerceptualDm,
        TaskKind::ContextDm,
        TaskKind::ParametricWm,
        TaskKind::MatchTwoItems,
    ];

    /// The task's key, as in configurations (`"flip_flop"`).
    pub fn key(self) -> &'static str {
        match self {
            TaskKind::FlipFlop => "flip_flop",
            TaskKind::PerceptualDm => "perceptual_dm",
            TaskKind::ContextDm => "context_dm",
            TaskKind::ParametricWm => "parametric_wm",
            TaskKind::MatchTwoItems => "match_two_items",
        }
    }

    /// The task's name on the command line (`flipflop`, `perceptual-dm`, `context-dm`,
    /// `parametric-wm`, `match-two-items`).
    pub fn cli_name(self) -> &'static str {
        match self {
            TaskKind::FlipFlop => "flipflop",
            TaskKind::PerceptualDm => "perceptual-dm",
            TaskKind::ContextDm => "context-dm",
            TaskKind::ParametricWm => "parametric-wm",
            TaskKind::MatchTwoItems => "match-two-items",
        }
    }

    /// Parses a command-line name or a configuration key.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|k| k.cli_name() == s || k.key() == s)
    }

    /// Whether the task has the flip-flop's memory-state test set, which the state-space
    /// analyses (`analysis`, `fixedpoints`, `compare`) are built on.
    pub fn has_cube_set(self) -> bool {
        self == TaskKind::FlipFlop
    }

    /// The task with these parameters. `cfg` should be valid ([`TaskConfig::validate`]).
    pub fn build(self, cfg: &TaskConfig) -> Arc<dyn Task> {
        match self {
            TaskKind::FlipFlop => Arc::new(FlipFlop::new(cfg.clone())),
            TaskKind::PerceptualDm => Arc::new(PerceptualDm::new(cfg.perceptual_dm.clone())),
            TaskKind::ContextDm => Arc::new(ContextDm::new(cfg.context_dm.clone())),
            TaskKind::ParametricWm => Arc::new(ParametricWm::new(cfg.parametric_wm.clone())),
            TaskKind::MatchTwoItems => Arc::new(MatchTwoItems::new(cfg.match_two_items.clone())),
        }
    }

    /// True for the default task (configurations leave it out when serialising, so that the
    /// bytes of flip-flop configurations are what they were before tasks had kinds).
    pub fn is_default(&self) -> bool {
        *self == TaskKind::default()
    }
}

/// The task `cfg` selects.
pub fn build(cfg: &TaskConfig) -> Arc<dyn Task> {
    cfg.kind.build(cfg)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Purpose;

    /// The registry builds every task, and a built task's batches have its shapes and agree
    /// with `Batch::fill` (the allocation-free path the benches use).
    #[test]
    fn registry_builds_each_kind_with_its_shapes() {
        for kind in TaskKind::ALL {
            let cfg = TaskConfig {
                kind,
                bits: 2,
                trial_len: 80,
                ..TaskConfig::default()
            };
            let task = build(&cfg);
            assert_eq!(task.kind(), kind);
            assert!(!task.source().is_empty());
            let mut a = Batch::default();
            task.fill(&mut a, 5, &mut SeedRng::new(3, Purpose::Train));
            assert_eq!((a.trial_len, a.batch), (task.trial_len(), 5));
            assert_eq!(cfg.channels(), (task.inputs(), task.outputs()));
            assert_eq!(TaskKind::parse(kind.cli_name()), Some(kind));
            assert_eq!((a.inputs, a.outputs), (task.inputs(), task.outputs()));
            let t = task.trial_len();
            assert_eq!(a.x.len(), t * 5 * task.inputs());
            assert_eq!(a.y.len(), t * 5 * task.outputs());
            assert!(a.mask.is_empty() || a.mask.len() == a.y.len());
            let b = Batch::generate(&cfg, 5, &mut SeedRng::new(3, Purpose::Train));
            assert_eq!(a, b, "{kind:?}");
            assert_eq!(task.condition_set().is_some(), kind.has_cube_set());
            if let Some(set) = task.condition_set() {
                assert_eq!(set.state.len(), set.trial.trial_len);
                assert!(set
                    .state
                    .iter()
                    .flatten()
                    .all(|c| (*c as usize) < task.conditions()));
            }
            for c in 0..task.conditions() as u32 {
                assert!(!task.condition_name(c).is_empty());
            }
            for i in 0..task.inputs() {
                assert!(!task.input_name(i).is_empty());
            }
            assert_eq!(
                TaskKind::ALL
                    .iter()
                    .filter(|k| k.key() == kind.key())
                    .count(),
                1
            );
        }
    }
}
