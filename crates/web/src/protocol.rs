//! The one message protocol between the page and the training worker.
//!
//! **Architecture Invariant:** this module is the only place that knows the wire format.
//! Page → worker messages are [`Command`]s, worker → page messages are [`Event`]s; both are
//! JSON strings made by [`encode`] and read back by [`decode_command`] / [`decode_event`].
//! Every message carries [`PROTOCOL_VERSION`]; a mismatch is an error, never a guess.
//! Large float arrays (W_rec, traces) travel as base64 of little-endian f32 ([`F32s`]),
//! which keeps a snapshot of a 128-unit network at ~90 kB and JSON parsing trivial.
//!
//! Core types are converted to wire types by hand here ([`WireNetwork`]), so a change in
//! the core's internals never silently changes what crosses the boundary.

use base64::Engine;
use flipflop_core::fixedpoints::{FixedPoint, FixedPointOptions};
use flipflop_core::{Config, Network};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Bumped whenever a variant or a field changes meaning.
pub const PROTOCOL_VERSION: u32 = 2;

/// Page → worker.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum Command {
    /// Build a trainer from `config` (replacing any other). With `network`, continue from
    /// those weights (used to restart a crashed worker from its last snapshot); `base_step`
    /// is then added to the step numbers the worker reports.
    Init {
        /// The configuration.
        config: Config,
        /// Weights to continue from, or `None` for the seeded initial weights.
        network: Option<WireNetwork>,
        /// Steps already taken by `network`.
        base_step: u64,
        /// The page's count of `Init`s sent, echoed in [`Event::Initialized`] so the page
        /// can tell the answer to its latest `Init` from that to an earlier one still in
        /// flight.
        generation: u32,
    },
    /// Train continuously until `Pause`, the step budget, or an error.
    Start,
    /// Stop after the current slice.
    Pause,
    /// Take exactly `count` steps, then report everything (metrics and snapshot).
    Step {
        /// Steps to take.
        count: u32,
    },
    /// Change the learning rate from the next step on (training continues).
    SetLr {
        /// New base learning rate.
        lr: f32,
    },
    /// Time training steps of `config` (warm-up, then `repeats` timed steps) and report
    /// them in a [`Event::BenchStep`]; the current trainer is untouched.
    BenchStep {
        /// The workload.
        config: Config,
        /// Untimed steps first.
        warmup: u32,
        /// Timed steps.
        repeats: u32,
    },
    /// Test hook: makes the worker panic, to exercise crash recovery end to end.
    DebugCrash,
    /// Encode a share link of the current network (`kind`: `exact`, `compact` or `recipe`);
    /// answered by [`Event::Link`]. A compact link takes a fraction of a second.
    EncodeLink {
        /// The kind of link.
        kind: String,
    },
    /// Decode a share link (a URL, a fragment or a bare payload); answered by
    /// [`Event::Loaded`] or [`Event::LoadFailed`]. The trainer is untouched: the page adopts
    /// the network with `Init`.
    OpenLink {
        /// The link text.
        text: String,
    },
    /// Import a file (Keras HDF5, npz, JSON, network file); answered like `OpenLink`.
    Import {
        /// The file's name (shown in messages, as text).
        name: String,
        /// Its contents.
        bytes: Bytes,
    },
    /// Search the fixed and slow points of the current network (starts sampled from its
    /// cube-set activity), in slices between training slices; answered by
    /// [`Event::FixedPointProgress`] and then [`Event::FixedPoints`]. A new search replaces
    /// one in progress.
    FindFixedPoints {
        /// Tolerances and budgets (`FixedPointOptions::default()` for the lab).
        options: FixedPointOptions,
    },
    /// Stop a fixed-point search; answered by [`Event::FixedPointsCancelled`].
    CancelFixedPoints,
}

/// Worker → page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum Event {
    /// The worker's wasm has loaded; commands sent before this are lost.
    Ready {
        /// The training kernels of the build the browser loaded (`simd128`, or
        /// `simd128 + relaxed FMA` where the browser has relaxed SIMD).
        kernels: String,
    },
    /// A trainer was built (after `Init`).
    Initialized {
        /// Trainable parameters.
        n_params: usize,
        /// Step number of the network (0 for fresh weights).
        step: u64,
        /// The `generation` of the `Init` this answers.
        generation: u32,
    },
    /// Training started (`true`) or stopped (`false`).
    Running {
        /// Whether the worker is now training continuously.
        running: bool,
        /// Why it stopped, when it stopped by itself (e.g. the step budget).
        reason: Option<String>,
    },
    /// Sent after every slice of steps: the losses of each step in the slice.
    Progress {
        /// The last step taken.
        step: u64,
        /// `(step, training loss)` for every step since the previous `Progress`.
        losses: Vec<(u64, f32)>,
        /// Learning rate of the last step (after decay).
        lr: f32,
        /// Gradient norm of the last step (before clipping).
        grad_norm: f32,
        /// Training speed over the last slices.
        steps_per_sec: f64,
        /// Time spent training since `Init` (pauses excluded), ms.
        elapsed_ms: f64,
    },
    /// Held-out metrics (every few dozen steps).
    Metrics {
        /// Step at which they were taken.
        step: u64,
        /// Mean squared error on the held-out trials.
        mse: f32,
        /// Fraction of non-zero targets matched in sign.
        bit_accuracy: f32,
        /// The lab's "solved" rule (accuracy ≥ 99 %, MSE ≤ 0.05).
        solved: bool,
        /// Training time so far, ms.
        elapsed_ms: f64,
    },
    /// The weights and what the panels draw from them (a few times per second).
    Snapshot(Box<Snapshot>),
    /// The network's hidden activity on the cube set in its top-3 components (after
    /// `Init`, after `Step`, and during training at most about once per second).
    Cube(Box<CubeData>),
    /// Result of a `BenchStep`.
    BenchStep {
        /// Wall time of each timed step, ms.
        step_ms: Vec<f64>,
    },
    /// A share link of the current network (after `EncodeLink`).
    Link {
        /// The kind of link.
        kind: String,
        /// The fragment `net=…` (without `#`).
        fragment: String,
        /// Steps trained of the network it holds.
        step: u64,
    },
    /// A link or a file was decoded (after `OpenLink` / `Import`).
    Loaded {
        /// Where it came from: `link` or the file name.
        origin: String,
        /// What it was: the link kind (`exact`, `compact`, `recipe`) or the file format.
        what: String,
        /// The root configuration (boxed: it is large).
        config: Box<Config>,
        /// The weights; `None` for a recipe link.
        network: Option<WireNetwork>,
        /// Steps trained (a recipe: steps to train).
        steps: u64,
    },
    /// A link or a file could not be used; nothing was changed.
    LoadFailed {
        /// Where it came from: `link` or the file name.
        origin: String,
        /// What is wrong, for a person.
        message: String,
    },
    /// A fixed-point search advanced.
    FixedPointProgress {
        /// Step of the network searched.
        step: u64,
        /// Fraction done, 0..=1.
        fraction: f32,
    },
    /// A fixed-point search finished.
    FixedPoints(Box<FixedPointsData>),
    /// A fixed-point search stopped before the end (cancelled, or the network was replaced).
    FixedPointsCancelled {
        /// Why, for a person.
        reason: String,
    },
    /// Something went wrong; the current network is unchanged.
    Error {
        /// What happened, for a person.
        message: String,
    },
}

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

/// One held-out trial: inputs, targets and outputs, each row-major `trial_len × bits`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Trace {
    /// Time steps.
    pub trial_len: usize,
    /// Bits.
    pub bits: usize,
    /// Inputs.
    pub x: F32s,
    /// Targets.
    pub y: F32s,
    /// Network outputs.
    pub z: F32s,
}

/// The wire form of [`Network`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WireNetwork {
    /// Architecture.
    pub config: flipflop_core::ModelConfig,
    /// N × bits.
    pub w_in: F32s,
    /// N × N, row = target unit.
    pub w_rec: F32s,
    /// N.
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
    pub fn to_network(&self) -> Result<Network, String> {
        let (n, k) = (self.config.hidden, self.config.bits);
        let check = |name: &str, v: &F32s, len: usize| {
            if v.0.len() == len {
                Ok(())
            } else {
                Err(format!("{name} has {} values, expected {len}", v.0.len()))
            }
        };
        check("w_in", &self.w_in, n * k)?;
        check("w_rec", &self.w_rec, n * n)?;
        check("b_rec", &self.b_rec, n)?;
        check("w_out", &self.w_out, k * n)?;
        check("b_out", &self.b_out, k)?;
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

#[derive(Serialize, Deserialize)]
struct Envelope<T> {
    v: u32,
    msg: T,
}

/// The page's side of the `Init` handshake: which worker events still belong to a network
/// the page has replaced. Every `Init` gets a new generation that the worker echoes in
/// [`Event::Initialized`]; until the latest one's answer arrives, events about training,
/// snapshots, cubes and fixed points are stale — including those of an earlier `Init` still
/// in flight (the seeded network, when the pre-trained file arrives right after `Ready`).
#[derive(Debug, Default)]
pub struct InitGate {
    generation: u32,
    awaiting: bool,
}

impl InitGate {
    /// An `Init` is about to be sent: its generation. Events are stale until its answer.
    pub fn begin(&mut self) -> u32 {
        self.generation = self.generation.wrapping_add(1);
        self.awaiting = true;
        self.generation
    }

    /// Whether an `Init` is still unanswered.
    pub fn awaiting(&self) -> bool {
        self.awaiting
    }

    /// Whether the page should act on `ev` (an answer to the latest `Init` ends the wait).
    pub fn admit(&mut self, ev: &Event) -> bool {
        match ev {
            Event::Initialized { generation, .. } => {
                if *generation == self.generation {
                    self.awaiting = false;
                    true
                } else {
                    false
                }
            }
            // A failed `Init` answers with an error (and the old network stays).
            Event::Error { .. } => {
                self.awaiting = false;
                true
            }
            Event::Ready { .. }
            | Event::Link { .. }
            | Event::Loaded { .. }
            | Event::LoadFailed { .. } => true,
            _ => !self.awaiting,
        }
    }
}

/// Serialises a command or an event with the protocol version.
pub fn encode<T: Serialize>(msg: &T) -> String {
    // Serialising these types cannot fail: every map key is a string and no custom
    // serialiser returns an error.
    serde_json::to_string(&Envelope {
        v: PROTOCOL_VERSION,
        msg,
    })
    .unwrap_or_default()
}

fn decode<T: for<'de> Deserialize<'de>>(text: &str) -> Result<T, String> {
    #[derive(Deserialize)]
    struct Version {
        v: u32,
    }
    let version: Version =
        serde_json::from_str(text).map_err(|e| format!("unreadable message: {e}"))?;
    if version.v != PROTOCOL_VERSION {
        return Err(format!(
            "protocol version {} received, {} expected (reload the page)",
            version.v, PROTOCOL_VERSION
        ));
    }
    let env: Envelope<T> =
        serde_json::from_str(text).map_err(|e| format!("unreadable message: {e}"))?;
    Ok(env.msg)
}

/// Reads a command sent by the page.
pub fn decode_command(text: &str) -> Result<Command, String> {
    decode(text)
}

/// Reads an event sent by the worker.
pub fn decode_event(text: &str) -> Result<Event, String> {
    decode(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use flipflop_core::{Preset, Trainer};

    fn snapshot() -> Snapshot {
        let mut cfg = Config::preset(Preset::Default);
        cfg.model.hidden = 6;
        let net = Network::init(&cfg.model, 3);
        Snapshot {
            step: 7,
            network: WireNetwork::from_network(&net),
            eigenvalues: vec![[1.0, 0.5], [1.0, -0.5], [-0.25, 0.0]],
            spectral_radius: 1.118,
            spectrum_error: None,
            traces: vec![Trace {
                trial_len: 2,
                bits: 1,
                x: F32s(vec![1.0, -0.0]),
                y: F32s(vec![0.0, 1.0]),
                z: F32s(vec![f32::MIN_POSITIVE, 3.5e-7]),
            }],
        }
    }

    fn cube_data() -> CubeData {
        let mut cfg = Config::preset(Preset::Default);
        cfg.model.hidden = 8;
        let net = Network::init(&cfg.model, 3);
        let act = flipflop_core::analysis::cube_activity(&net, &cfg.task).unwrap();
        CubeData {
            step: 3,
            bits: 3,
            state: act.state.clone(),
            svd: WireProjection::from_projection(&act.svd),
            pca: WireProjection::from_projection(&act.pca),
        }
    }

    #[test]
    fn wire_projection_projects_like_the_core() {
        let mut cfg = Config::preset(Preset::Default);
        cfg.model.hidden = 8;
        let net = Network::init(&cfg.model, 3);
        let act = flipflop_core::analysis::cube_activity(&net, &cfg.task).unwrap();
        let wire = WireProjection::from_projection(&act.pca);
        assert!(wire.is_consistent());
        let h: Vec<f32> = (0..8).map(|i| (i as f32 * 0.3).sin()).collect();
        let (mut a, mut b) = ([0.0f32; 3], [0.0f32; 3]);
        act.pca.project(&h, &mut a);
        wire.project(&h, &mut b);
        for (x, y) in a.iter().zip(&b) {
            assert!((x - y).abs() < 1e-5, "{a:?} {b:?}");
        }
        // A state of the wrong length projects to zeros, never panics.
        wire.project(&h[..5], &mut b);
        assert_eq!(b, [0.0; 3]);
    }

    #[test]
    fn every_command_round_trips() {
        let cfg = Config::preset(Preset::Paper);
        let net = WireNetwork::from_network(&Network::init(&cfg.model, 1));
        let commands = vec![
            Command::Init {
                config: cfg.clone(),
                network: None,
                base_step: 0,
                generation: 1,
            },
            Command::Init {
                config: cfg.clone(),
                network: Some(net),
                base_step: 1200,
                generation: 2,
            },
            Command::Start,
            Command::Pause,
            Command::Step { count: 1 },
            Command::SetLr { lr: 1.5e-3 },
            Command::BenchStep {
                config: cfg,
                warmup: 2,
                repeats: 5,
            },
            Command::DebugCrash,
            Command::EncodeLink {
                kind: "compact".into(),
            },
            Command::OpenLink {
                text: "https://x/#net=RkZM".into(),
            },
            Command::Import {
                name: "<img src=x>.h5".into(),
                bytes: Bytes(vec![0x89, b'H', b'D', b'F', 0, 255]),
            },
            Command::FindFixedPoints {
                options: FixedPointOptions::default(),
            },
            Command::CancelFixedPoints,
        ];
        for c in commands {
            let text = encode(&c);
            assert_eq!(decode_command(&text), Ok(c), "{text:.200}");
        }
    }

    #[test]
    fn init_gate_waits_for_the_answer_to_the_latest_init() {
        let init = |generation| Event::Initialized {
            n_params: 100,
            step: 0,
            generation,
        };
        let snap = Event::Snapshot(Box::new(snapshot()));
        let mut gate = InitGate::default();
        assert!(gate.admit(&snap), "nothing pending: events pass");
        // The seeded network's Init, then (before its answer) the pre-trained one's.
        let seeded = gate.begin();
        let pretrained = gate.begin();
        assert_ne!(seeded, pretrained);
        assert!(gate.admit(&Event::Ready {
            kernels: "simd128".into()
        }));
        assert!(!gate.admit(&init(seeded)), "an earlier Init's answer");
        assert!(!gate.admit(&snap), "the seeded network's snapshot is stale");
        assert!(!gate.admit(&Event::Cube(Box::new(cube_data()))));
        assert!(gate.awaiting());
        assert!(gate.admit(&init(pretrained)));
        assert!(!gate.awaiting());
        assert!(gate.admit(&snap), "the pre-trained network's snapshot");
        // A failed Init answers with an error, which ends the wait.
        gate.begin();
        assert!(!gate.admit(&snap));
        assert!(gate.admit(&Event::Error {
            message: "bad".into()
        }));
        assert!(gate.admit(&snap));
    }

    #[test]
    fn every_event_round_trips() {
        let events = vec![
            Event::Ready {
                kernels: "simd128 + relaxed FMA".into(),
            },
            Event::Initialized {
                n_params: 16_900,
                step: 0,
                generation: 3,
            },
            Event::Running {
                running: true,
                reason: None,
            },
            Event::Running {
                running: false,
                reason: Some("step budget reached".into()),
            },
            Event::Progress {
                step: 12,
                losses: vec![(11, 0.5), (12, 0.25)],
                lr: 3e-4,
                grad_norm: 0.7,
                steps_per_sec: 40.5,
                elapsed_ms: 300.0,
            },
            Event::Metrics {
                step: 50,
                mse: 0.04,
                bit_accuracy: 0.995,
                solved: true,
                elapsed_ms: 1e4,
            },
            Event::Snapshot(Box::new(snapshot())),
            Event::Cube(Box::new(cube_data())),
            Event::BenchStep {
                step_ms: vec![101.5, 99.0],
            },
            Event::FixedPointProgress {
                step: 4000,
                fraction: 0.25,
            },
            Event::FixedPoints(Box::new(FixedPointsData {
                step: 4000,
                ms: 812.5,
                options: FixedPointOptions::default(),
                points: vec![FixedPoint {
                    state: vec![0.5, -0.25],
                    q: 3.5e-31,
                    fixed: true,
                    stable: false,
                    unstable_dims: 1,
                    eigenvalues: vec![[1.5, 0.0], [0.25, -0.125]],
                    unstable_direction: Some(vec![1.0, 0.0]),
                    readout: vec![0.75],
                    nearest_memory: vec![1],
                }],
            })),
            Event::FixedPointsCancelled {
                reason: "cancelled".into(),
            },
            Event::Error {
                message: "hidden = 0 is out of range".into(),
            },
            Event::Link {
                kind: "exact".into(),
                fragment: "net=RkZMAQ".into(),
                step: 300,
            },
            Event::Loaded {
                origin: "link".into(),
                what: "compact".into(),
                config: Box::new(Config::preset(Preset::Default)),
                network: Some(snapshot().network),
                steps: 300,
            },
            Event::Loaded {
                origin: "a.json".into(),
                what: "recipe".into(),
                config: Box::new(Config::preset(Preset::Paper)),
                network: None,
                steps: 0,
            },
            Event::LoadFailed {
                origin: "link".into(),
                message: "link is truncated".into(),
            },
        ];
        for e in events {
            let text = encode(&e);
            assert_eq!(decode_event(&text), Ok(e), "{text:.200}");
        }
    }

    #[test]
    fn floats_are_bit_exact_and_compact() {
        let v: Vec<f32> = (0..1000).map(|i| (i as f32 * 0.37).sin() / 3.0).collect();
        let text = serde_json::to_string(&F32s(v.clone())).unwrap();
        assert!(text.len() < 4 * 1000 * 4 / 3 + 8, "{}", text.len());
        let back: F32s = serde_json::from_str(&text).unwrap();
        assert!(back
            .0
            .iter()
            .zip(&v)
            .all(|(a, b)| a.to_bits() == b.to_bits()));
    }

    #[test]
    fn wire_network_round_trips_and_checks_shapes() {
        let cfg = Config::preset(Preset::Default);
        let trainer = Trainer::new(cfg).unwrap();
        let wire = WireNetwork::from_network(trainer.network());
        assert_eq!(&wire.to_network().unwrap(), trainer.network());
        let mut bad = wire;
        bad.w_rec.0.pop();
        assert!(bad.to_network().unwrap_err().contains("w_rec"));
    }

    #[test]
    fn bad_messages_are_errors_not_panics() {
        let v = PROTOCOL_VERSION;
        let cases = [
            (String::new(), "unreadable"),
            (format!("{{\"v\":{v}}}"), "unreadable"),
            (
                "{\"v\":99,\"msg\":{\"type\":\"Start\"}}".to_string(),
                "protocol version 99",
            ),
            (
                format!("{{\"v\":{v},\"msg\":{{\"type\":\"Launch\"}}}}"),
                "unreadable",
            ),
            (
                format!("{{\"v\":{v},\"msg\":{{\"type\":\"SetLr\",\"lr\":\"fast\"}}}}"),
                "unreadable",
            ),
            (
                format!("{{\"v\":{v},\"msg\":{{\"type\":\"Snapshot\",\"step\":1}}}}"),
                "unreadable",
            ),
        ];
        for (text, want) in cases {
            let text = text.as_str();
            let err = decode_command(text).err().unwrap_or_default();
            let err_ev = decode_event(text).err().unwrap_or_default();
            assert!(
                err.contains(want) || err_ev.contains(want),
                "{text}: {err} / {err_ev}"
            );
        }
    }
}
