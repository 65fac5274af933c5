//! The data the worker sends, in wire form: weights, projections, traces and fixed points,
//! with float arrays as base64 of little-endian f32 ([`F32s`]). Each type is copied from or
//! to its core type by hand here, so a change in the core's internals never silently changes
//! what crosses the boundary.

use super::ProtocolError;
use base64::Engine;
use flipflop_core::fixedpoints::{FixedPoint, FixedPointOptions};
use flipflop_core::train::Adam;
use flipflop_core::Network;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Everything the connectivity, spectrum and trace panels need.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    /// Step of these weights.
    pub step: u64,
    /// All weights (W_rec is `network.w_rec`, row-major N × N).
    pub network: WireNetwork,
    /// Eigenvalues of W_rec as `[re, im]`, by decreasing modulus.
    pub eigenvalues: Vec<[f64; 2]>,
    /// Largest eigenvalue modulus.
    pub spectral_radius: f64,
    /// Why the spectrum could not be computed (then `eigenvalues` is empty and the panel
    /// shows this message in its place).
    #[serde(default)]
    pub spectrum_error: Option<String>,
    /// A few held-out trials run through the network.
    pub traces: Vec<Trace>,
    /// Gated cells: the spectrum of each gate's recurrent block, in the cell's gate order
    /// (GRU z, r, h̃; LSTM i, f, c, o; see `crate::state::gates`), and then the top-level
    /// `eigenvalues`, `spectral_radius` and `spectrum_error` are those of the first gate.
    /// Empty for the vanilla cell (its one W_rec is the top level).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub gates: Vec<GateSpectrum>,
}

/// The eigenvalues of one gate's recurrent block `W_rec,g` (rows `g·N .. (g+1)·N` of W_rec).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GateSpectrum {
    /// Eigenvalues as `[re, im]`, by decreasing modulus.
    pub eigenvalues: Vec<[f64; 2]>,
    /// Largest eigenvalue modulus.
    pub spectral_radius: f64,
    /// Why they could not be computed (then `eigenvalues` is empty).
    #[serde(default)]
    pub error: Option<String>,
}

/// The spectrum a panel shows: eigenvalues, spectral radius, and the error in their place.
pub type Spectrum<'a> = (&'a [[f64; 2]], f64, Option<&'a str>);

impl Snapshot {
    /// The spectrum of gate `gate`'s recurrent block (gated cells), or of W_rec (vanilla,
    /// or a gate the snapshot does not have).
    pub fn spectrum(&self, gate: usize) -> Spectrum<'_> {
        match self.gates.get(gate) {
            Some(g) => (&g.eigenvalues, g.spectral_radius, g.error.as_deref()),
            None => (
                &self.eigenvalues,
                self.spectral_radius,
                self.spectrum_error.as_deref(),
            ),
        }
    }

    /// Gate `gate`'s recurrent block of W_rec (`N × N`, row-major), or W_rec itself for the
    /// vanilla cell; `None` when the weights do not have that block.
    pub fn rec_block(&self, gate: usize) -> Option<&[f32]> {
        let n = self.network.config.hidden;
        let gates = self.network.config.cell.gates();
        if gate >= gates {
            return None;
        }
        self.network.w_rec.0.get(gate * n * n..(gate + 1) * n * n)
    }
}

/// What the cube panel and live play need: the cube set's memory states and the top-3
/// components of the hidden activity both ways (see `flipflop_core::analysis::cube_activity`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CubeData {
    /// Step of the weights these were computed from.
    pub step: u64,
    /// Bits of the task.
    pub bits: usize,
    /// Memory state of each time step of the cube set (`None` before the first response).
    pub state: Vec<Option<u32>>,
    /// Uncentred SVD (the paper's cube).
    pub svd: WireProjection,
    /// Centred PCA.
    pub pca: WireProjection,
}

/// The result of a fixed-point search.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FixedPointsData {
    /// Step of the network searched.
    pub step: u64,
    /// Worker time the search took, ms.
    pub ms: f64,
    /// Options it ran with.
    pub options: FixedPointOptions,
    /// Fixed points first, then slow points, each group by increasing q.
    pub points: Vec<FixedPoint>,
}

/// The wire form of `flipflop_core::analysis::Projection` (3 components).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WireProjection {
    /// Rows (time steps).
    pub rows: usize,
    /// Hidden units N.
    pub dim: usize,
    /// Components k.
    pub k: usize,
    /// `rows × k` coordinates.
    pub coords: F32s,
    /// `k × dim` axes.
    pub axes: F32s,
    /// `dim` centre (zeros for SVD).
    pub centre: F32s,
    /// Fraction of energy (SVD) or variance (PCA) per component.
    pub fractions: Vec<f64>,
}

impl WireProjection {
    /// Copies a core projection.
    pub fn from_projection(p: &flipflop_core::analysis::Projection) -> Self {
        Self {
            rows: p.rows,
            dim: p.dim,
            k: p.k,
            coords: F32s(p.coords.clone()),
            axes: F32s(p.axes.clone()),
            centre: F32s(p.centre.clone()),
            fractions: p.fractions.clone(),
        }
    }

    /// Whether every array has the length its shape says (checked before any indexing).
    pub fn is_consistent(&self) -> bool {
        self.coords.0.len() == self.rows * self.k
            && self.axes.0.len() == self.k * self.dim
            && self.centre.0.len() == self.dim
            && self.fractions.len() == self.k
    }

    /// Projects one state `h` (length `dim`): `out[i] = (h - centre) · axis_i`; zeros when
    /// the lengths do not match.
    pub fn project(&self, h: &[f32], out: &mut [f32]) {
        out.iter_mut().for_each(|o| *o = 0.0);
        if h.len() != self.dim || !self.is_consistent() {
            return;
        }
        for (i, o) in out.iter_mut().enumerate().take(self.k) {
            let axis = &self.axes.0[i * self.dim..(i + 1) * self.dim];
            let mut acc = 0.0f32;
            for ((a, x), c) in axis.iter().zip(h).zip(&self.centre.0) {
                acc += a * (x - c);
            }
            *o = acc;
        }
    }
}

/// One held-out trial: inputs `trial_len × inputs`, targets and outputs
/// `trial_len × outputs`, row-major, and the loss mask.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Trace {
    /// Time steps.
    pub trial_len: usize,
    /// Input channels (the flip-flop's bits).
    pub inputs: usize,
    /// Output channels.
    pub outputs: usize,
    /// Inputs.
    pub x: F32s,
    /// Targets.
    pub y: F32s,
    /// Network outputs.
    pub z: F32s,
    /// The loss weight of each step (`trial_len` values: 0 where the loss ignores the step;
    /// the cognitive tasks mask whole steps), empty when every step counts.
    pub mask: F32s,
}

/// One psychometric curve: P(right) per signed coherence and the fitted logistic
/// `P(c) = 1 / (1 + exp(-(bias + slope · c)))` (`flipflop_core::analysis::psychometric`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WireCurve {
    /// `motion` or `colour` for the context task.
    pub context: Option<String>,
    /// Signed coherences, %, increasing.
    pub coherence: Vec<f32>,
    /// Fraction of "right" choices at each.
    pub p_right: Vec<f32>,
    /// Trials per coherence.
    pub trials: usize,
    /// The fit's intercept.
    pub bias: f64,
    /// The fit's slope per %.
    pub slope: f64,
}

/// Accuracy on one condition of the working-memory or match-to-sample task.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WireCondition {
    /// The condition in words.
    pub condition: String,
    /// f1 and f2 in Hz, for the working-memory task.
    pub pair: Option<(u32, u32)>,
    /// Fraction correct.
    pub accuracy: f32,
    /// Trials run.
    pub trials: usize,
}

/// The picture a cognitive task is known for, of the network at `step`: psychometric
/// curves (decision tasks; one per context for the context task) or accuracy per condition
/// (the memory tasks).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TaskPicture {
    /// Step of the network.
    pub step: u64,
    /// The task (`TaskKind::key`).
    pub task: String,
    /// Psychometric curves (empty for the memory tasks).
    pub curves: Vec<WireCurve>,
    /// Accuracy per condition (empty for the decision tasks).
    pub conditions: Vec<WireCondition>,
    /// What the picture shows, in a sentence (written in the worker).
    pub summary: String,
    /// The state space by condition (absent when it could not be computed).
    #[serde(default)]
    pub state_space: Option<WireStateSpace>,
}

/// A cognitive task's state space (`flipflop_core::analysis::TaskStateSpace`): the hidden
/// trajectories of its analysis trials in their top three principal components, one label
/// per trajectory.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WireStateSpace {
    /// Steps per trajectory.
    pub trial_len: usize,
    /// Trajectories; trajectory `b` is rows `b·trial_len ..` of the projection.
    pub trials: usize,
    /// Centred PCA of the trajectories (rows `trials × trial_len`).
    pub pca: WireProjection,
    /// Label of each trajectory, an index into `names`.
    pub label: Vec<u32>,
    /// The labels' names, in legend order.
    pub names: Vec<String>,
    /// First step of the decision period.
    pub go_step: usize,
}

impl WireStateSpace {
    /// Copies a core state space.
    pub fn from_core(s: &flipflop_core::analysis::TaskStateSpace) -> Self {
        Self {
            trial_len: s.trial_len,
            trials: s.trials,
            pca: WireProjection::from_projection(&s.pca),
            label: s.label.clone(),
            names: s.names.clone(),
            go_step: s.go_step,
        }
    }

    /// Whether the shapes agree (checked before any drawing indexes them).
    pub fn is_consistent(&self) -> bool {
        self.pca.is_consistent()
            && self.pca.k == 3
            && self.pca.rows == self.trials * self.trial_len
            && self.label.len() == self.trials
            && self.label.iter().all(|l| (*l as usize) < self.names.len())
    }
}

/// The wire form of [`Network`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WireNetwork {
    /// Architecture.
    pub config: flipflop_core::ModelConfig,
    /// G·N × bits (G gate blocks of the cell; vanilla 1).
    pub w_in: F32s,
    /// G·N × N, row = target unit.
    pub w_rec: F32s,
    /// `ModelConfig::bias_len` (vanilla N).
    pub b_rec: F32s,
    /// bits × N.
    pub w_out: F32s,
    /// bits.
    pub b_out: F32s,
}

impl WireNetwork {
    /// Copies the weights out of a core network.
    pub fn from_network(net: &Network) -> Self {
        Self {
            config: net.config.clone(),
            w_in: F32s(net.w_in.clone()),
            w_rec: F32s(net.w_rec.clone()),
            b_rec: F32s(net.b_rec.clone()),
            w_out: F32s(net.w_out.clone()),
            b_out: F32s(net.b_out.clone()),
        }
    }

    /// Back to a core network, checking every shape against the architecture.
    ///
    /// # Errors
    /// [`ProtocolError::Shape`] naming the first array whose length does not match.
    pub fn to_network(&self) -> Result<Network, ProtocolError> {
        let n = self.config.hidden;
        let (i, o) = (self.config.inputs(), self.config.outputs());
        let check = |name: &'static str, v: &F32s, len: usize| {
            if v.0.len() == len {
                Ok(())
            } else {
                Err(ProtocolError::Shape {
                    array: name,
                    got: v.0.len(),
                    expected: len,
                })
            }
        };
        // Gated cells stack their gate blocks: G·N rows, and b_rec of the cell's length.
        let g = self.config.gate_rows();
        check("w_in", &self.w_in, g * i)?;
        check("w_rec", &self.w_rec, g * n)?;
        check("b_rec", &self.b_rec, self.config.bias_len())?;
        check("w_out", &self.w_out, o * n)?;
        check("b_out", &self.b_out, o)?;
        Ok(Network {
            config: self.config.clone(),
            w_in: self.w_in.0.clone(),
            w_rec: self.w_rec.0.clone(),
            b_rec: self.b_rec.0.clone(),
            w_out: self.w_out.0.clone(),
            b_out: self.b_out.0.clone(),
        })
    }
}

/// The wire form of Adam's state ([`Adam`]): one moment array per weight tensor, in the
/// network's tensor order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WireAdam {
    /// Adam's step counter.
    pub t: u64,
    /// First moments.
    pub m: Vec<F32s>,
    /// Second moments.
    pub v: Vec<F32s>,
}

impl WireAdam {
    /// Copies the state out of the core optimiser.
    pub fn from_adam(a: &Adam) -> Self {
        Self {
            t: a.t,
            m: a.m.iter().map(|x| F32s(x.clone())).collect(),
            v: a.v.iter().map(|x| F32s(x.clone())).collect(),
        }
    }

    /// Back to the core optimiser, or `None` when it does not fit `net` ([`Adam::fits`]:
    /// shapes, finite moments, v ≥ 0).
    pub fn to_adam(&self, net: &Network) -> Option<Adam> {
        let a = Adam {
            m: self.m.iter().map(|x| x.0.clone()).collect(),
            v: self.v.iter().map(|x| x.0.clone()).collect(),
            t: self.t,
        };
        a.fits(net).then_some(a)
    }
}

/// A float array that serialises as base64 of its little-endian bytes (bit-exact).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct F32s(pub Vec<f32>);

impl Serialize for F32s {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut bytes = Vec::with_capacity(self.0.len() * 4);
        for v in &self.0 {
            bytes.extend_from_slice(&v.to_le_bytes());
        }
        s.serialize_str(&base64::engine::general_purpose::STANDARD.encode(bytes))
    }
}

impl<'de> Deserialize<'de> for F32s {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(text.as_bytes())
            .map_err(serde::de::Error::custom)?;
        if bytes.len() % 4 != 0 {
            return Err(serde::de::Error::custom(
                "f32 array: byte length is not a multiple of 4",
            ));
        }
        Ok(F32s(
            bytes
                .chunks_exact(4)
                .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect(),
        ))
    }
}

/// Raw bytes that serialise as base64 (files sent to the worker for import).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Bytes(pub Vec<u8>);

impl Serialize for Bytes {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&base64::engine::general_purpose::STANDARD.encode(&self.0))
    }
}

impl<'de> Deserialize<'de> for Bytes {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        base64::engine::general_purpose::STANDARD
            .decode(text.as_bytes())
            .map(Bytes)
            .map_err(serde::de::Error::custom)
    }
}
