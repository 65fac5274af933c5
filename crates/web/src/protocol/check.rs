//! Messages between the training worker and its checking worker (a nested worker of the
//! same build, see `worker::checker`): the training worker sends the weights of one step,
//! the checking worker answers with that step's held-out check. JSON in the same
//! [`super::encode`] envelope as the page's messages.

use super::{Confirmation, WireNetwork};
use flipflop_core::Config;
use serde::{Deserialize, Serialize};

/// Check this network: the weights of `step` of the network built by `Init` `generation`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CheckRequest {
    /// The `Init` generation the network belongs to (echoed in the reply).
    pub generation: u32,
    /// Optimiser step of the weights (echoed in the reply).
    pub step: u64,
    /// Training time up to `step`, ms (echoed: the page shows when it was solved).
    pub elapsed_ms: f64,
    /// The network's whole configuration (task, seed and `val_trials` decide the check).
    pub config: Config,
    /// The weights at `step`.
    pub network: WireNetwork,
}

/// The held-out check of one [`CheckRequest`] (`flipflop_core::train::HeldOut::check`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CheckReply {
    /// As in the request.
    pub generation: u32,
    /// As in the request.
    pub step: u64,
    /// As in the request.
    pub elapsed_ms: f64,
    /// The check, or why there is none (unusable weights or configuration).
    pub outcome: Result<CheckOutcome, String>,
    /// Time the checking worker spent on it, ms.
    pub cost_ms: f64,
}

/// What a check found (the fields of `Event::Metrics`).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct CheckOutcome {
    /// Mean squared error on the held-out trials.
    pub mse: f32,
    /// The task's accuracy on them.
    pub bit_accuracy: f32,
    /// Routine check and confirmation both pass.
    pub solved: bool,
    /// The confirmation, when the routine check passed.
    pub confirmed: Option<Confirmation>,
}
