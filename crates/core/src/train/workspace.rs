//! The buffers of one batch shape, reused across steps.

/// Buffers for one batch shape; reused across steps.
#[derive(Clone, Debug, Default)]
pub struct Workspace {
    pub(super) trial_len: usize,
    pub(super) batch: usize,
    pub(super) hidden: usize,
    pub(super) channels: usize,
    /// `(T + 1) · B · N`: block 0 is the zero initial state, block t+1 is H_t.
    pub(super) h: Vec<f32>,
    /// `T · B · N`: A_t, then R_t = tanh(A_t); empty when α = 1 (then R_t is H_t).
    pub(super) r: Vec<f32>,
    /// `T · B · N`, or a ring of two windows of steps (`2 · window · B · N`, at most
    /// `T · B · N`) when the kernels sum ∂W_rec over windows: G_t, then D_t.
    pub(super) g: Vec<f32>,
    /// `T · B · outputs`: Z, then dZ.
    pub(super) z: Vec<f32>,
    /// W_inᵀ (`inputs × N`), for the input projection.
    pub(super) w_in_t: Vec<f32>,
    /// ∂W_inᵀ accumulator (`inputs × N`).
    pub(super) gw_in_t: Vec<f32>,
    /// W_recᵀ packed for the forward products (empty for the portable tier).
    pub(super) w_fwd: Vec<f32>,
    /// W_rec packed for the backward products (empty for the portable tier).
    pub(super) w_bwd: Vec<f32>,
    /// The buffers of the gated cells (GRU, LSTM; empty for the vanilla cell).
    pub(super) gated: super::gated::Buffers,
}

impl Workspace {
    pub(super) fn shape(
        &mut self,
        trial_len: usize,
        batch: usize,
        hidden: usize,
        bits: usize,
        leaky: bool,
    ) {
        if (self.trial_len, self.batch, self.hidden, self.channels)
            == (trial_len, batch, hidden, bits)
            && self.r.is_empty() != leaky
        {
            return;
        }
        *self = Self {
            trial_len,
            batch,
            hidden,
            channels: bits,
            ..Self::default()
        };
        let bn = batch * hidden;
        self.h = vec![0.0; (trial_len + 1) * bn];
        // Without leak R_t = H_t, so R is not stored separately.
        self.r = if leaky {
            vec![0.0; trial_len * bn]
        } else {
            Vec::new()
        };
        // Sized by the backward pass (`g_blocks`).
        self.g = Vec::new();
        self.z = vec![0.0; trial_len * batch * bits];
    }

    /// Network outputs of the last forward pass, time-major `T · B · outputs`
    /// (overwritten by `dZ` after a gradient computation).
    pub fn outputs(&self) -> &[f32] {
        &self.z
    }

    /// Hidden states of the last forward pass, time-major `T · B · N`.
    pub fn hidden(&self) -> &[f32] {
        &self.h[self.batch * self.hidden..]
    }
}
