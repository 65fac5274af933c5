//! Recurrent cells: the update `s_t = f(s_{t-1}, x_t)` of a network's state, and their
//! weight layout.
//!
//! # The cells (column convention, `⊙` elementwise, `σ` the gate activation)
//!
//! **Vanilla** (the paper's leaky tanh cell; Keras `SimpleRNN` when α = 1), state `h`:
//!
//! ```text
//! h_t = (1 - α) h_{t-1} + α tanh(W_rec h_{t-1} + W_in x_t + b_rec)
//! ```
//!
//! **GRU** (Keras `GRU`, Cho et al. 2014), state `h`, gate blocks `[z | r | h̃]`:
//!
//! ```text
//! reset_after = true  (Keras 3 and tf.keras default; b_rec = [b_x | b_h], 2 · 3N floats):
//!   a = W_in x_t + b_x,   u = W_rec h_{t-1} + b_h                (each 3N, blocks z, r, h̃)
//!   z = σ(a_z + u_z),  r = σ(a_r + u_r),  h̃ = tanh(a_h̃ + r ⊙ u_h̃)
//! reset_after = false (standalone Keras 2.3's default, the paper's; b_rec = b, 3N floats):
//!   z = σ(W_in,z x_t + W_rec,z h_{t-1} + b_z),  r = σ(W_in,r x_t + W_rec,r h_{t-1} + b_r)
//!   h̃ = tanh(W_in,h̃ x_t + W_rec,h̃ (r ⊙ h_{t-1}) + b_h̃)
//! both:
//!   h_t = z ⊙ h_{t-1} + (1 - z) ⊙ h̃
//! ```
//!
//! **LSTM** (Keras `LSTM`, Hochreiter & Schmidhuber 1997 with a forget gate), state
//! `[h; c]`, gate blocks `[i | f | c | o]`:
//!
//! ```text
//! a = W_in x_t + W_rec h_{t-1} + b_rec                                  (4N)
//! i = σ(a_i),  f = σ(a_f),  g = tanh(a_c),  o = σ(a_o)
//! c_t = f ⊙ c_{t-1} + i ⊙ g,   h_t = o ⊙ tanh(c_t)
//! ```
//!
//! The gate activation `σ` is the model's [`GateActivation`] (Keras' `recurrent_activation`):
//! the logistic sigmoid by default, or one of Keras' two hard sigmoids for old files.
//! Candidate and output activations are tanh (Keras' default `activation`). Gated cells
//! have no leak (α = 1) and no constraints.
//!
//! # Layout, and the mapping to Keras' weights
//!
//! With `G` = [`CellKind::gates`] (1, 3, 4) blocks of `N` rows, gate `g` occupying rows
//! `g·N .. (g+1)·N`, in the order above:
//!
//! | tensor  | shape        | Keras weight                  | mapping                                         |
//! |---------|--------------|-------------------------------|-------------------------------------------------|
//! | `w_in`  | `G·N × in`   | `kernel` (`in × G·N`)         | `w_in[(g·N+i)·in + j] = kernel[j, g·N+i]`       |
//! | `w_rec` | `G·N × N`    | `recurrent_kernel` (`N × G·N`)| `w_rec[(g·N+i)·N + j] = recurrent_kernel[j, g·N+i]` |
//! | `b_rec` | `B`          | `bias` (`G·N`, or `(2, 3N)`)  | `b_rec[k] = bias.flat[k]` (row-major)           |
//! | `w_out` | `out × N`    | Dense `kernel` (`N × out`)    | transpose                                       |
//! | `b_out` | `out`        | Dense `bias`                  | as is                                           |
//!
//! So `w_in` and `w_rec` are Keras' kernels transposed (columns `[z|r|h̃]` / `[i|f|c|o]`
//! become row blocks), and `b_rec` is Keras' bias as stored. `B` =
//! [`crate::model::ModelConfig::bias_len`]: `G·N`, except a GRU with `reset_after`, whose
//! bias is Keras' `(2, 3N)`: first the input bias `b_x` (3N), then the recurrent bias `b_h`
//! (3N). A model without a recurrent bias (`rec_bias` false, Keras `use_bias=False`) keeps
//! `b_rec` at that length, all zeros. The state has [`CellKind::state_size`] floats whose
//! first `N` are the hidden units `h` the readout sees (an LSTM's cell state `c` follows).
//!
//! The training kernels are specialised per cell: they dispatch on the kind once per call,
//! at the top of the step, never inside the loops.

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
    /// Keras' gated recurrent unit: gates `[z | r | h̃]`, state `h`.
    Gru,
    /// Keras' long short-term memory: gates `[i | f | c | o]`, state `[h; c]`.
    Lstm,
}

impl CellKind {
    /// Every cell the lab has.
    pub const ALL: [CellKind; 3] = [CellKind::Vanilla, CellKind::Gru, CellKind::Lstm];

    /// The cell's key, as in configurations (`"vanilla"`, `"gru"`, `"lstm"`).
    pub fn key(self) -> &'static str {
        match self {
            CellKind::Vanilla => "vanilla",
            CellKind::Gru => "gru",
            CellKind::Lstm => "lstm",
        }
    }

    /// Parses a key of [`CellKind::key`].
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.key() == s)
    }

    /// Blocks of `N` rows stacked in `W_in`, `W_rec` and `b_rec` (vanilla 1, GRU 3, LSTM 4).
    pub fn gates(self) -> usize {
        match self {
            CellKind::Vanilla => 1,
            CellKind::Gru => 3,
            CellKind::Lstm => 4,
        }
    }

    /// True for the gated cells (GRU, LSTM).
    pub fn is_gated(self) -> bool {
        self != CellKind::Vanilla
    }

    /// Floats of state for `hidden` units: `h` (vanilla, GRU: `hidden`) or `[h; c]` (LSTM:
    /// `2 · hidden`). The first `hidden` are what the readout sees.
    pub fn state_size(self, hidden: usize) -> usize {
        match self {
            CellKind::Vanilla | CellKind::Gru => hidden,
            CellKind::Lstm => 2 * hidden,
        }
    }

    /// Scratch floats [`Network::step`] needs for `hidden` units: the pre-activations
    /// (vanilla N, LSTM 4N; GRU 6N: the input and the recurrent products apart).
    pub fn scratch_size(self, hidden: usize) -> usize {
        match self {
            CellKind::Gru => 6 * hidden,
            _ => self.gates() * hidden,
        }
    }

    /// True for the default cell (left out when serialising, so configurations of vanilla
    /// networks keep the bytes they had before cells had kinds).
    pub fn is_default(&self) -> bool {
        *self == CellKind::default()
    }
}

/// The activation `σ` of the gates of GRU and LSTM cells (Keras' `recurrent_activation`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GateActivation {
    /// The logistic sigmoid `1 / (1 + e^-x)` (Keras 3's and tf.keras 2's default).
    #[default]
    Sigmoid,
    /// Keras 2's `hard_sigmoid` (standalone Keras ≤ 2.3 and tf.keras ≤ 2.15; standalone
    /// Keras 2.3's default for GRU and LSTM): `clip(0.2 x + 0.5, 0, 1)`.
    HardSigmoidKeras2,
    /// Keras 3's `hard_sigmoid`: `relu6(x + 3) / 6 = clip(x / 6 + 0.5, 0, 1)`.
    HardSigmoidKeras3,
}

impl GateActivation {
    /// Every gate activation.
    pub const ALL: [GateActivation; 3] = [
        GateActivation::Sigmoid,
        GateActivation::HardSigmoidKeras2,
        GateActivation::HardSigmoidKeras3,
    ];

    /// The activation's key, as in configurations.
    pub fn key(self) -> &'static str {
        match self {
            GateActivation::Sigmoid => "sigmoid",
            GateActivation::HardSigmoidKeras2 => "hard_sigmoid_keras2",
            GateActivation::HardSigmoidKeras3 => "hard_sigmoid_keras3",
        }
    }

    /// Parses a key of [`GateActivation::key`].
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.key() == s)
    }

    /// True for the default (left out when serialising).
    pub fn is_default(&self) -> bool {
        *self == GateActivation::default()
    }

    /// `σ(x)`. The sigmoid is computed as `0.5 + 0.5 tanh(x / 2)` with the portable
    /// [`tanh`], so it gives the same bits natively and in WebAssembly.
    #[inline(always)]
    pub fn apply(self, x: f32) -> f32 {
        match self {
            GateActivation::Sigmoid => 0.5 * tanh(0.5 * x) + 0.5,
            GateActivation::HardSigmoidKeras2 => (0.2 * x + 0.5).clamp(0.0, 1.0),
            GateActivation::HardSigmoidKeras3 => (x / 6.0 + 0.5).clamp(0.0, 1.0),
        }
    }

    /// `σ'(x)` from `y = σ(x)`: `y (1 - y)` for the sigmoid; the slope (0.2 or 1/6) where
    /// the hard sigmoids are strictly between 0 and 1, else 0.
    #[inline(always)]
    pub fn derivative_from_output(self, y: f32) -> f32 {
        match self {
            GateActivation::Sigmoid => y * (1.0 - y),
            GateActivation::HardSigmoidKeras2 => hard_slope(y, 0.2),
            GateActivation::HardSigmoidKeras3 => hard_slope(y, 1.0 / 6.0),
        }
    }
}

#[inline(always)]
fn hard_slope(y: f32, slope: f32) -> f32 {
    if y > 0.0 && y < 1.0 {
        slope
    } else {
        0.0
    }
}

/// One vanilla step for a single state: `h ← (1-α) h + α tanh(W_rec h + W_in x + b_rec)`.
/// `h`: N, `x`: inputs, `scratch`: at least N.
pub(super) fn vanilla_step(net: &Network, h: &mut [f32], x: &[f32], scratch: &mut [f32]) {
    let (n, k) = (net.config.hidden, net.config.inputs());
    let alpha = net.config.alpha;
    for (i, out) in scratch.iter_mut().enumerate().take(n) {
        let mut acc = net.b_rec[i] + dot(&net.w_rec[i * n..(i + 1) * n], &h[..n]);
        for (w, xj) in net.w_in[i * k..(i + 1) * k].iter().zip(x) {
            acc += w * xj;
        }
        *out = tanh(acc);
    }
    for (hi, r) in h.iter_mut().zip(scratch.iter()) {
        *hi = (1.0 - alpha) * *hi + alpha * r;
    }
}

/// `out[r] = Σ_j m[r·cols + j] v[j]` for `out.len()` rows of a row-major matrix.
fn matvec(out: &mut [f32], m: &[f32], cols: usize, v: &[f32]) {
    for (o, row) in out.iter_mut().zip(m.chunks_exact(cols)) {
        *o = dot(row, &v[..cols]);
    }
}

/// `Σ_j a[j] b[j]` over `min(a.len(), b.len())` terms, summed in 8 interleaved partial sums
/// (lane `l` takes the terms `j ≡ l mod 8` of the first multiple of 8), combined pairwise,
/// then the tail in order. A fixed order of plain multiplies and adds: the compiler turns the
/// lanes into SIMD (SSE/AVX natively, simd128 in the browser) and every platform gets the
/// same bits. About 4 times the speed of one running sum at N = 128.
#[inline]
pub(crate) fn dot(a: &[f32], b: &[f32]) -> f32 {
    let len = a.len().min(b.len());
    let (a, b) = (&a[..len], &b[..len]);
    let mut lanes = [0.0f32; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let (ta, tb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for l in 0..8 {
            lanes[l] += x[l] * y[l];
        }
    }
    let mut sum = ((lanes[0] + lanes[4]) + (lanes[1] + lanes[5]))
        + ((lanes[2] + lanes[6]) + (lanes[3] + lanes[7]));
    for (x, y) in ta.iter().zip(tb) {
        sum += x * y;
    }
    sum
}

/// One GRU step for a single state `h` (N), input `x`, with `scratch` ≥ 6N: `[a | u]`, the
/// input part `a = W_in x + b_x` and the recurrent part `u` (see the module doc).
pub(super) fn gru_step(net: &Network, h: &mut [f32], x: &[f32], scratch: &mut [f32]) {
    let (n, k) = (net.config.hidden, net.config.inputs());
    let act = net.config.recurrent_activation;
    let (a, rest) = scratch.split_at_mut(3 * n);
    let u = &mut rest[..3 * n];
    matvec(a, &net.w_in, k, x);
    for (ai, b) in a.iter_mut().zip(&net.b_rec[..3 * n]) {
        *ai += b;
    }
    if net.config.reset_after {
        matvec(u, &net.w_rec, n, h);
        for (ui, b) in u.iter_mut().zip(&net.b_rec[3 * n..6 * n]) {
            *ui += b;
        }
        for i in 0..n {
            let z = act.apply(a[i] + u[i]);
            let r = act.apply(a[n + i] + u[n + i]);
            let cand = tanh(a[2 * n + i] + r * u[2 * n + i]);
            // z goes to u[i]: h is still needed until every unit has its gates
            u[i] = z;
            a[2 * n + i] = cand;
        }
    } else {
        matvec(&mut u[..2 * n], &net.w_rec[..2 * n * n], n, h);
        for i in 0..n {
            let z = act.apply(a[i] + u[i]);
            let r = act.apply(a[n + i] + u[n + i]);
            u[i] = z;
            // r ⊙ h into the third block of u, the input of the candidate's product
            u[2 * n + i] = r * h[i];
        }
        let (zr, rh) = u.split_at_mut(2 * n);
        matvec(&mut zr[n..], &net.w_rec[2 * n * n..], n, rh);
        for i in 0..n {
            a[2 * n + i] = tanh(a[2 * n + i] + zr[n + i]);
        }
    }
    for i in 0..n {
        let z = u[i];
        h[i] = z * h[i] + (1.0 - z) * a[2 * n + i];
    }
}

/// One LSTM step for a single state `[h; c]` (2N), input `x`, with `scratch` ≥ 4N.
pub(super) fn lstm_step(net: &Network, s: &mut [f32], x: &[f32], scratch: &mut [f32]) {
    let (n, k) = (net.config.hidden, net.config.inputs());
    let act = net.config.recurrent_activation;
    let a = &mut scratch[..4 * n];
    let (h, c) = s.split_at_mut(n);
    matvec(a, &net.w_in, k, x);
    for (r, ar) in a.iter_mut().enumerate() {
        let row = &net.w_rec[r * n..(r + 1) * n];
        *ar += net.b_rec[r] + dot(row, h);
    }
    for i in 0..n {
        let ig = act.apply(a[i]);
        let fg = act.apply(a[n + i]);
        let g = tanh(a[2 * n + i]);
        let og = act.apply(a[3 * n + i]);
        c[i] = fg * c[i] + ig * g;
        h[i] = og * tanh(c[i]);
    }
}
