//! Recurrent cells: the update `h_t = f(h_{t-1}, x_t)` of a network's state.
//!
//! Today one cell, the paper's vanilla (leaky) tanh cell:
//!
//! ```text
//! h_t = (1 - α) h_{t-1} + α tanh(W_rec h_{t-1} + W_in x_t + b_rec)
//! ```
//!
//! Shapes are laid out so that gated cells fit without changing callers: a cell has
//! [`CellKind::gates`] blocks of `N` rows stacked in `W_in` (`gates·N × inputs`), `W_rec`
//! (`gates·N × N`) and `b_rec` (`gates·N`), e.g. `[z | r | h̃]` for a GRU and `[i | f | c | o]`
//! for an LSTM, and a state of [`CellKind::state_size`] floats whose first `N` are the
//! hidden units `h` the readout sees (an LSTM's cell state `c` would follow them). The
//! training kernels are specialised per cell: they dispatch on the kind once per call, at
//! the top of the step, never inside the loops.

use super::Network;
use crate::math::tanh;
use serde::{Deserialize, Serialize};

/// The kind of recurrent cell.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CellKind {
    /// The vanilla leaky tanh cell of the paper (Keras `SimpleRNN` when α = 1).
    #[default]
    Vanilla,
}

impl CellKind {
    /// Every cell the lab has.
    pub const ALL: [CellKind; 1] = [CellKind::Vanilla];

    /// The cell's key, as in configurations (`"vanilla"`).
    pub fn key(self) -> &'static str {
        match self {
            CellKind::Vanilla => "vanilla",
        }
    }

    /// Blocks of `N` rows stacked in `W_in`, `W_rec` and `b_rec` (vanilla: 1).
    pub fn gates(self) -> usize {
        match self {
            CellKind::Vanilla => 1,
        }
    }

    /// Floats of state for `hidden` units (vanilla: `hidden`, the `h` the readout sees).
    pub fn state_size(self, hidden: usize) -> usize {
        match self {
            CellKind::Vanilla => hidden,
        }
    }

    /// Scratch floats [`Network::step`] needs for `hidden` units (the pre-activations).
    pub fn scratch_size(self, hidden: usize) -> usize {
        self.gates() * hidden
    }

    /// True for the default cell (left out when serialising, so configurations of vanilla
    /// networks keep the bytes they had before cells had kinds).
    pub fn is_default(&self) -> bool {
        *self == CellKind::default()
    }
}

/// One vanilla step for a single state: `h ← (1-α) h + α tanh(W_rec h + W_in x + b_rec)`.
/// `h`: N, `x`: inputs, `scratch`: at least N.
pub(super) fn vanilla_step(net: &Network, h: &mut [f32], x: &[f32], scratch: &mut [f32]) {
    let (n, k) = (net.config.hidden, net.config.inputs());
    let alpha = net.config.alpha;
    for (i, out) in scratch.iter_mut().enumerate().take(n) {
        let row = &net.w_rec[i * n..(i + 1) * n];
        let mut acc = net.b_rec[i];
        for (w, hj) in row.iter().zip(h.iter()) {
            acc += w * hj;
        }
        for (w, xj) in net.w_in[i * k..(i + 1) * k].iter().zip(x) {
            acc += w * xj;
        }
        *out = tanh(acc);
    }
    for (hi, r) in h.iter_mut().zip(scratch.iter()) {
        *hi = (1.0 - alpha) * *hi + alpha * r;
    }
}
