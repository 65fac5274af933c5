//! The one message protocol between the page and the training worker.
//!
//! **Architecture Invariant:** this module is the only place that knows the wire format.
//! Page → worker messages are [`Command`]s, worker → page messages are [`Event`]s; both are
//! JSON strings made by [`encode`] and read back by [`decode_command`] / [`decode_event`].
//! Every message carries [`PROTOCOL_VERSION`]; a mismatch is an error, never a guess.
//! Large float arrays (W_rec, traces) travel as base64 of little-endian f32 ([`F32s`]),
//! which keeps a snapshot of a 128-unit network at ~90 kB and JSON parsing trivial.
//!
//! Core and formats types are converted to wire types by hand ([`wire`], [`kinds`]): no core
//! type derives its wire form, so a change in the core's internals never silently changes
//! what crosses the boundary.
//!
//! Every event that belongs to a network carries the `generation` of the `Init` that built
//! it (errors included); [`InitGate`] drops those of a network the page has replaced.

pub mod check;
pub mod compare;
mod gate;
pub mod kinds;
pub mod sweep;
mod wire;

pub use check::{CheckOutcome, CheckReply, CheckRequest};
pub use compare::{CompareData, CompareNet, ComparedNet, SetNet};
pub use gate::InitGate;
pub use kinds::{Format, LinkKind, Origin};
pub use sweep::{Cell, ColumnKind, SweepColumn, SweepData, SweepRun};
pub use wire::{
    Bytes, CubeData, F32s, FixedPointsData, GateSpectrum, Snapshot, Spectrum, TaskPicture, Trace,
    WireAdam, WireCondition, WireCurve, WireNetwork, WireProjection, WireStateSpace,
};

use flipflop_core::fixedpoints::FixedPointOptions;
use flipflop_core::Config;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Bumped whenever a variant or a field changes meaning.
/// 3: generations on every network event, typed link kinds, formats and origins.
/// 4: the optimiser state travels (`Init::optimiser`, [`Event::Optimiser`]).
/// 5: the Compare view's `Compare` and `OpenSetLink`.
/// 6: `Snapshot::gates`, the spectrum of each gate's recurrent block (GRU and LSTM).
/// 7: the cognitive tasks: [`Event::TaskPicture`], traces with inputs, outputs and mask.
/// 8: the Sweep view: [`Command::OpenSweep`], [`Event::Sweep`] and [`Event::SweepFailed`].
/// 9: [`TaskPicture::state_space`], and `FindFixedPoints` searches the cognitive tasks too.
/// 11: `Event::Metrics::confirmed`; `solved` only once a passing check is confirmed;
/// `Event::Progress::reports_ms`, the part of the training time spent on reports.
/// 12: [`CheckRequest`] and [`CheckReply`], the training worker's messages to and from its
/// checking worker.
pub const PROTOCOL_VERSION: u32 = 12;

/// The network a held-out check said solved, with the configuration it was trained under at
/// that step (the learning rate as it was then: a rate changed live since does not come
/// with it).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CheckedNetwork {
    /// The weights checked.
    pub network: WireNetwork,
    /// The trainer's configuration at the checked step.
    pub config: Config,
}

/// Metrics of the confirmation that decides "solved" (`flipflop_core::train::Check`).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Confirmation {
    /// Mean squared error on the confirmation trials.
    pub mse: f32,
    /// The task's accuracy on them.
    pub bit_accuracy: f32,
    /// Trials scored.
    pub trials: usize,
}

/// Page → worker.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum Command {
    /// Build a trainer from `config` (replacing any other). With `network`, continue from
    /// those weights; `base_step` is then added to the step numbers the worker reports.
    Init {
        /// The configuration (boxed: it is most of the variant's size).
        config: Box<Config>,
        /// Weights to continue from, or `None` for the seeded initial weights.
        network: Option<WireNetwork>,
        /// Steps already taken by `network`.
        base_step: u64,
        /// The optimiser state saved with `network` (autosave, undo): training continues
        /// exactly. Without it (or when it does not fit), Adam is warm-started from
        /// `base_step` (`Trainer::resume`).
        #[serde(default)]
        optimiser: Option<WireAdam>,
        /// The page's count of `Init`s sent; every later event about the network carries it
        /// (even when this `Init` fails and the old network stays).
        generation: u32,
    },
    /// Train continuously until `Pause`, the step budget (counted from this `Start`), or an
    /// error.
    Start,
    /// Stop after the current slice.
    Pause,
    /// Take exactly `count` optimiser steps, then report everything (metrics and snapshot).
    Step {
        /// Steps to take (1 to 10,000).
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
    /// Encode a share link of the current network; answered by [`Event::Link`]. A compact
    /// link takes a fraction of a second.
    EncodeLink {
        /// The kind of link.
        #[serde(with = "kinds::link_kind")]
        kind: LinkKind,
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
    /// Compare 1 to 8 networks of the same task (the Compare view): distances, MDS map,
    /// topology, aligned cubes and their set link; answered by [`Event::Compared`] or
    /// [`Event::CompareFailed`]. The trainer is untouched.
    Compare {
        /// The networks, in order (the first is the reference of the cube alignment).
        networks: Vec<CompareNet>,
    },
    /// Decode a set link (`#set=…`); answered by [`Event::SetLoaded`] or
    /// [`Event::LoadFailed`]. The trainer is untouched.
    OpenSetLink {
        /// The link text.
        text: String,
    },
    /// Open a sweep made by `flipflop sweep` (the Sweep view): one zip of its folder, or its
    /// `summary.csv` with any of its network files; answered by [`Event::Sweep`] or
    /// [`Event::SweepFailed`]. The trainer is untouched.
    OpenSweep {
        /// The chosen files: name (as text) and contents.
        files: Vec<(String, Bytes)>,
    },
}

/// Worker → page. Variants with a `generation` belong to the network of that `Init`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum Event {
    /// The worker's wasm has loaded; commands sent before this are lost.
    Ready {
        /// The training kernels of the build the browser loaded (`simd128`, or
        /// `simd128 + relaxed FMA` where the browser has relaxed SIMD).
        kernels: String,
    },
    /// The threads that computed the last training step (1, or 1 + the helper workers
    /// that took a gradient share); sent when it changes.
    Threads {
        /// Threads of the last step, the training worker included.
        threads: usize,
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
        /// The network's generation.
        generation: u32,
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
        /// Training speed over the last slices, steps per second.
        steps_per_sec: f64,
        /// Time spent training since `Init` (pauses excluded), ms.
        elapsed_ms: f64,
        /// The part of `elapsed_ms` continuous training spent on held-out checks, snapshots
        /// and cube updates, ms (issue 18: at most about a tenth).
        reports_ms: f64,
        /// Whether held-out checks run on the checking worker, off the training thread
        /// (then `reports_ms` leaves them out).
        #[serde(default)]
        checks_off_thread: bool,
        /// The network's generation.
        generation: u32,
    },
    /// Held-out metrics (every few dozen steps).
    Metrics {
        /// Step at which they were taken.
        step: u64,
        /// Mean squared error on the held-out trials.
        mse: f32,
        /// Fraction of non-zero targets matched in sign.
        bit_accuracy: f32,
        /// The lab's verdict (`flipflop_core::train::Check::solved`): these metrics pass the
        /// task's rule (`flipflop_core::task::presets::solved`: for the flip-flop accuracy
        /// ≥ 99 % and MSE ≤ 0.05, for the other tasks their accuracy threshold) and so does
        /// the confirmation on fresh trials (`confirmed`).
        solved: bool,
        /// The confirmation of a passing check: metrics on 4 × the held-out trials from a
        /// stream used neither for training nor for the check; `None` when the check failed.
        confirmed: Option<Confirmation>,
        /// The weights checked and their configuration, when `solved`: the page keeps them
        /// as the kept solved network (with the checks on the checking worker, no snapshot
        /// of this step need ever reach the page). `None` when not solved (and in older
        /// messages).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        network: Option<Box<CheckedNetwork>>,
        /// Training time so far, ms.
        elapsed_ms: f64,
        /// The network's generation.
        generation: u32,
    },
    /// The weights and what the panels draw from them (a few times per second).
    Snapshot {
        /// The snapshot (boxed: it is large).
        snapshot: Box<Snapshot>,
        /// The network's generation.
        generation: u32,
    },
    /// The network's hidden activity on the cube set in its top-3 components (after
    /// `Init`, after `Step`, and during training at most about once per second).
    Cube {
        /// The components.
        cube: Box<CubeData>,
        /// The network's generation.
        generation: u32,
    },
    /// The picture of a cognitive task (instead of the cube, which only the flip-flop has),
    /// at the same times as the cube.
    TaskPicture {
        /// The picture (boxed: it is large).
        picture: Box<TaskPicture>,
        /// The network's generation.
        generation: u32,
    },
    /// Result of a `BenchStep`.
    BenchStep {
        /// Wall time of each timed step, ms.
        step_ms: Vec<f64>,
    },
    /// A share link of the current network (after `EncodeLink`).
    Link {
        /// The kind of link.
        #[serde(with = "kinds::link_kind")]
        kind: LinkKind,
        /// The fragment `net=…` (without `#`).
        fragment: String,
        /// Steps trained of the network it holds.
        step: u64,
        /// The network's generation.
        generation: u32,
    },
    /// The optimiser state of the network at `step`, sent whenever training stops (pause,
    /// budget, a `Step` done), so the page can keep it with the network.
    Optimiser {
        /// Step of the network it belongs to.
        step: u64,
        /// Adam's moments and counter (boxed: as large as two networks).
        state: Box<WireAdam>,
        /// The network's generation.
        generation: u32,
    },
    /// A link or a file was decoded (after `OpenLink` / `Import`).
    Loaded {
        /// Where it came from.
        origin: Origin,
        /// What it was: the link kind or the file format.
        format: Format,
        /// The root configuration (boxed: it is large).
        config: Box<Config>,
        /// The weights (boxed: they are large); `None` for a recipe link.
        network: Option<Box<WireNetwork>>,
        /// Steps trained (a recipe: steps to train).
        steps: u64,
    },
    /// A link or a file could not be used; nothing was changed.
    LoadFailed {
        /// Where it came from.
        origin: Origin,
        /// What is wrong, for a person.
        message: String,
    },
    /// A fixed-point search advanced.
    FixedPointProgress {
        /// Step of the network searched.
        step: u64,
        /// Fraction done, 0..=1.
        fraction: f32,
        /// The network's generation.
        generation: u32,
    },
    /// A fixed-point search finished.
    FixedPoints {
        /// The points.
        data: Box<FixedPointsData>,
        /// The network's generation.
        generation: u32,
    },
    /// A fixed-point search stopped before the end (cancelled, or the network was replaced).
    FixedPointsCancelled {
        /// Why, for a person.
        reason: String,
        /// The generation of the network that was searched.
        generation: u32,
    },
    /// The result of a `Compare`.
    Compared {
        /// Distances, map, rows and the set link (boxed: it is large).
        data: Box<CompareData>,
    },
    /// A `Compare` could not be made (e.g. networks of different tasks); nothing changed.
    CompareFailed {
        /// What is wrong, for a person.
        message: String,
    },
    /// The networks of a set link (after `OpenSetLink`), in order.
    SetLoaded {
        /// The networks.
        networks: Vec<SetNet>,
    },
    /// An opened sweep (after `OpenSweep`).
    Sweep {
        /// Its table and network files (boxed: it is large).
        data: Box<SweepData>,
    },
    /// The files of an `OpenSweep` are not a sweep the lab can open; nothing changed.
    SweepFailed {
        /// What is wrong or missing, for a person.
        message: String,
    },
    /// Something went wrong; the current network is unchanged.
    Error {
        /// What happened, for a person.
        message: String,
        /// The generation of the network the worker holds (after a failed `Init`, that
        /// `Init`'s generation: the old network carries on under it).
        generation: u32,
    },
}

impl Event {
    /// The generation of the network this event belongs to; `None` for events about no
    /// network (`Ready`, `Threads`, `BenchStep`, `Loaded`, `LoadFailed`, and the Compare view's).
    pub fn generation(&self) -> Option<u32> {
        match self {
            Event::Ready { .. }
            | Event::Threads { .. }
            | Event::BenchStep { .. }
            | Event::Loaded { .. }
            | Event::LoadFailed { .. }
            | Event::Compared { .. }
            | Event::CompareFailed { .. }
            | Event::SetLoaded { .. }
            | Event::Sweep { .. }
            | Event::SweepFailed { .. } => None,
            Event::Initialized { generation, .. }
            | Event::Running { generation, .. }
            | Event::Progress { generation, .. }
            | Event::Metrics { generation, .. }
            | Event::Snapshot { generation, .. }
            | Event::Cube { generation, .. }
            | Event::TaskPicture { generation, .. }
            | Event::Optimiser { generation, .. }
            | Event::Link { generation, .. }
            | Event::FixedPointProgress { generation, .. }
            | Event::FixedPoints { generation, .. }
            | Event::FixedPointsCancelled { generation, .. }
            | Event::Error { generation, .. } => Some(*generation),
        }
    }
}

/// Why a message or a wire value could not be used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProtocolError {
    /// Not JSON of the expected shape.
    Unreadable(String),
    /// Sent by another version of the page or worker.
    Version {
        /// The version in the message.
        got: u32,
    },
    /// A message that is not text at all.
    NotText,
    /// A weight array whose length does not match the architecture.
    Shape {
        /// Which array (`w_rec`, …).
        array: &'static str,
        /// Values received.
        got: usize,
        /// Values the architecture needs.
        expected: usize,
    },
}

impl fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProtocolError::Unreadable(e) => write!(f, "unreadable message: {e}"),
            ProtocolError::Version { got } => write!(
                f,
                "protocol version {got} received, {PROTOCOL_VERSION} expected (reload the page)"
            ),
            ProtocolError::NotText => write!(f, "a message that is not protocol text"),
            ProtocolError::Shape {
                array,
                got,
                expected,
            } => write!(f, "{array} has {got} values, expected {expected}"),
        }
    }
}

impl std::error::Error for ProtocolError {}

#[derive(Serialize, Deserialize)]
struct Envelope<T> {
    v: u32,
    msg: T,
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

fn decode<T: for<'de> Deserialize<'de>>(text: &str) -> Result<T, ProtocolError> {
    #[derive(Deserialize)]
    struct Version {
        v: u32,
    }
    let unreadable = |e: serde_json::Error| ProtocolError::Unreadable(e.to_string());
    let version: Version = serde_json::from_str(text).map_err(unreadable)?;
    if version.v != PROTOCOL_VERSION {
        return Err(ProtocolError::Version { got: version.v });
    }
    let env: Envelope<T> = serde_json::from_str(text).map_err(unreadable)?;
    Ok(env.msg)
}

/// Reads a command sent by the page.
pub fn decode_command(text: &str) -> Result<Command, ProtocolError> {
    decode(text)
}

/// Reads an event sent by the worker.
pub fn decode_event(text: &str) -> Result<Event, ProtocolError> {
    decode(text)
}

/// Reads a check request sent by the training worker to its checking worker.
pub fn decode_check_request(text: &str) -> Result<CheckRequest, ProtocolError> {
    decode(text)
}

/// Reads a checking worker's reply.
pub fn decode_check_reply(text: &str) -> Result<CheckReply, ProtocolError> {
    decode(text)
}

#[cfg(test)]
mod tests;
