//! What the components share: the current run (the model of the page, updated from the
//! worker's events before any component sees them), the fixed-point overlay the cube and
//! the spectrum draw, the status and error lines, and the outbox of commands and requests
//! the App carries out after each call. Components never reach into each other's fields;
//! everything one needs from another goes through here.

use super::dom::by_id;
use crate::protocol::{Command, Event, FixedPointsData, Snapshot, WireAdam, WireNetwork};
use crate::state::fixed::{self, Marker};
use crate::view::cube::Scene;
use flipflop_core::{Config, Preset};
use std::cell::RefCell;
use wasm_bindgen::JsValue;
use web_sys::{Document, HtmlElement, Window};

/// The current network's run as the worker reported it.
pub struct Run {
    /// The configuration the network was built from (the last applied form values).
    pub config: Config,
    /// The preset the form shows.
    pub preset: Preset,
    /// Whether the worker trains (or was just asked to).
    pub running: bool,
    /// Step number of the network.
    pub step: u64,
    /// Trainable parameters.
    pub n_params: usize,
    /// `(step, training loss)`.
    pub losses: Vec<(u64, f32)>,
    /// `(step, held-out MSE, bit accuracy)`.
    pub metrics: Vec<(u64, f32, f32)>,
    /// The latest snapshot.
    pub snapshot: Option<Box<Snapshot>>,
    /// Steps per second.
    pub speed: f64,
    /// Training time, ms.
    pub elapsed_ms: f64,
    /// The part of `elapsed_ms` the worker spent on reports while training, ms.
    pub reports_ms: f64,
    /// Held-out checks run on the worker's checking worker (last `Progress`).
    pub checks_off_thread: bool,
    /// Learning rate of the last step.
    pub lr_now: f32,
    /// `(step, training ms)` at which the run was first solved.
    pub solved: Option<(u64, f64)>,
    /// The event being handled made the run solved for the first time.
    pub newly_solved: bool,
    /// The verdict of the latest held-out check.
    pub last_solved: Option<bool>,
    /// The latest optimiser state the worker sent, with the step it belongs to (kept with
    /// the network by the autosave, the `.net` export and Reset's undo).
    pub optimiser: Option<(u64, WireAdam)>,
    /// What the status said when this network was opened (link, file, storage), until it
    /// is trained here: the held-out verdict is added to it instead of replacing it.
    pub opened: Option<String>,
    /// Steps were taken on this network in this page.
    pub trained_here: bool,
}

impl Run {
    /// A run of `config` with nothing trained yet.
    pub fn new(config: Config, preset: Preset) -> Self {
        Self {
            lr_now: config.train.lr,
            config,
            preset,
            running: false,
            step: 0,
            n_params: 0,
            losses: Vec::new(),
            metrics: Vec::new(),
            snapshot: None,
            speed: 0.0,
            elapsed_ms: 0.0,
            reports_ms: 0.0,
            checks_off_thread: false,
            solved: None,
            newly_solved: false,
            last_solved: None,
            optimiser: None,
            opened: None,
            trained_here: false,
        }
    }

    /// Forgets the data of the current network (same config).
    pub fn clear(&mut self) {
        let (config, preset) = (self.config.clone(), self.preset);
        *self = Self::new(config, preset);
    }

    /// Takes in an event (already admitted by the gate).
    pub fn absorb(&mut self, ev: &Event) {
        self.newly_solved = false;
        match ev {
            Event::Initialized { n_params, step, .. } => {
                self.n_params = *n_params;
                self.step = *step;
                self.running = false;
            }
            Event::Running { running, .. } => self.running = *running,
            Event::Progress {
                step,
                losses,
                lr,
                steps_per_sec,
                elapsed_ms,
                reports_ms,
                checks_off_thread,
                ..
            } => {
                if let Some(first) = losses.first() {
                    while self.losses.last().is_some_and(|l| l.0 >= first.0) {
                        self.losses.pop();
                    }
                }
                self.losses.extend_from_slice(losses);
                self.trained_here |= !losses.is_empty();
                self.step = *step;
                self.lr_now = *lr;
                self.speed = *steps_per_sec;
                self.elapsed_ms = *elapsed_ms;
                self.reports_ms = *reports_ms;
                self.checks_off_thread = *checks_off_thread;
            }
            Event::Metrics {
                step,
                mse,
                bit_accuracy,
                solved,
                elapsed_ms,
                ..
            } => {
                while self.metrics.last().is_some_and(|m| m.0 >= *step) {
                    self.metrics.pop();
                }
                self.metrics.push((*step, *mse, *bit_accuracy));
                self.last_solved = Some(*solved);
                if *solved && self.solved.is_none() {
                    self.solved = Some((*step, *elapsed_ms));
                    self.newly_solved = true;
                }
            }
            Event::Snapshot { snapshot, .. } => self.snapshot = Some(snapshot.clone()),
            Event::Optimiser { step, state, .. } => {
                self.optimiser = Some((*step, (**state).clone()));
            }
            _ => {}
        }
    }

    /// The latest snapshot's network and step.
    pub fn current(&self) -> Option<(flipflop_core::Network, u64)> {
        let s = self.snapshot.as_ref()?;
        s.network.to_network().ok().map(|n| (n, s.step))
    }

    /// The optimiser state of the network at `step`, if the worker sent that one.
    pub fn optimiser_at(&self, step: u64) -> Option<&WireAdam> {
        self.optimiser
            .as_ref()
            .filter(|(s, _)| *s == step)
            .map(|(_, a)| a)
    }

    /// Everything needed to bring this network back (Reset's undo): the last snapshot's
    /// weights, the optimiser state of that step, the loss history; `None` before any
    /// snapshot or for an untrained network (step 0: Reset gives the same one again).
    pub fn undo_point(&self, status: String) -> Option<Adoption> {
        let s = self.snapshot.as_ref()?;
        if s.step == 0 {
            return None;
        }
        Some(Adoption {
            config: self.config.clone(),
            network: Some(s.network.clone()),
            steps: s.step,
            status,
            history: Some((self.losses.clone(), self.metrics.clone())),
            pretrained: false,
            optimiser: self.optimiser_at(s.step).cloned(),
        })
    }
}

/// The fixed-point result as the cube and the spectrum draw it. The fixed-point panel
/// writes it; the cube reads it and writes where it drew the markers; `revision` goes up
/// with every change the pictures must show.
#[derive(Default)]
pub struct Overlay {
    /// The last search's result.
    pub data: Option<FixedPointsData>,
    /// The selected point (index into `data.points`).
    pub selected: Option<usize>,
    /// "Show on the cube" is ticked.
    pub show: bool,
    /// "Show the Jacobian spectrum" is ticked.
    pub jacobian: bool,
    /// Where the cube drew the markers (CSS px), for hit tests.
    pub positions: Vec<(usize, f64, f64)>,
    /// The user is orbiting the cube (hover must not select then).
    pub dragging: bool,
    /// Bumped by every change to what the pictures show.
    pub revision: u64,
    /// The markers of the last key (revision, cube step, PCA or SVD, frame scale).
    cache: RefCell<(MarkerKey, Vec<Marker>)>,
}

type MarkerKey = Option<(u64, u64, bool, u32)>;

impl Overlay {
    /// Marks a change the pictures must show.
    pub fn touch(&mut self) {
        self.revision += 1;
    }

    /// The markers to draw on `scene`: none when hidden, when there is no result, or when
    /// the cube shows another step than the one searched (the network has moved on).
    /// Projected once per result, projection and visibility, not on every frame.
    pub fn markers(&self, scene: Option<&Scene>) -> Vec<Marker> {
        let key = match (scene, &self.data) {
            (Some(scene), Some(data)) if self.show && scene.data.step == data.step => Some((
                self.revision,
                scene.data.step,
                scene.pca,
                scene.frame.scale.to_bits(),
            )),
            _ => None,
        };
        let mut cache = self.cache.borrow_mut();
        if cache.0 != key {
            let markers = match (scene, &self.data, key) {
                (Some(scene), Some(data), Some(_)) => {
                    fixed::markers(data, scene.projection(), scene.frame.scale)
                }
                _ => Vec::new(),
            };
            *cache = (key, markers);
        }
        cache.1.clone()
    }

    /// The selected point, if any.
    pub fn selected_point(&self) -> Option<(usize, &flipflop_core::fixedpoints::FixedPoint)> {
        let i = self.selected?;
        Some((i, self.data.as_ref()?.points.get(i)?))
    }

    /// The selected point's Jacobian eigenvalues when the toggle asks for them.
    pub fn jacobian_spectrum(&self) -> Option<(usize, &flipflop_core::fixedpoints::FixedPoint)> {
        if self.jacobian {
            self.selected_point()
        } else {
            None
        }
    }
}

/// A loss history: `(step, training loss)` and `(step, held-out MSE, bit accuracy)`.
pub type History = (Vec<(u64, f32)>, Vec<(u64, f32, f32)>);

/// A network to adopt, with what to say about it.
pub struct Adoption {
    /// Its configuration.
    pub config: Config,
    /// Its weights (`None`: the config's seeded initial weights, e.g. a recipe link).
    pub network: Option<WireNetwork>,
    /// Steps it was trained.
    pub steps: u64,
    /// The status line after adopting.
    pub status: String,
    /// Loss history to show (the autosave keeps it).
    pub history: Option<History>,
    /// It is the shipped pre-trained network (counts as solved; tests read a flag).
    pub pretrained: bool,
    /// The optimiser state saved with it (autosave, undo); `None`: Adam warm-starts.
    pub optimiser: Option<WireAdam>,
}

/// A network that was replaced by Reset (or a setting that needs a new network) and can be
/// brought back with one click.
pub struct UndoOffer {
    /// What happened, e.g. "Network reset."
    pub message: String,
    /// The network to bring back.
    pub restore: Adoption,
}

/// What a component asks the App to do once the current call returns.
pub enum Request {
    /// Adopt a network made elsewhere (link, file, storage, pre-trained).
    Adopt(Box<Adoption>),
    /// Build a fresh network from `run.config` (its seeded weights).
    Reinit,
    /// Export something (`data-export` value of the button).
    Export(String),
}

/// The shared context handed to every component call.
pub struct Cx {
    /// The window.
    pub window: Window,
    /// The document.
    pub doc: Document,
    /// The current run.
    pub run: Run,
    /// Fixed points for the cube and the spectrum.
    pub overlay: Overlay,
    /// `?bench`: the page only benchmarks (no autosave).
    pub bench: bool,
    /// `?fresh`: start from seeded weights, not the pre-trained network.
    pub fresh: bool,
    /// A network from a link, a file or the autosave was adopted (or a link is being
    /// opened): lower-priority sources such as the pre-trained file must not replace it.
    pub adopted: bool,
    /// Some component needs another animation frame.
    pub frame_wanted: bool,
    /// An animation frame wanted at this time (`performance.now()`, ms) and not before:
    /// a panel that draws at a capped rate while training waits on a timer, not by
    /// asking for every frame (each frame commits the page, which costs the worker CPU).
    pub wake_at: Option<f64>,
    /// The latest live-play press as `(presses so far, bit, sign)`: the tour notices it.
    pub last_press: Option<(u64, usize, f32)>,
    /// The network the last Reset replaced, while it can be brought back.
    pub undo: Option<UndoOffer>,
    /// Bumped whenever `undo` changes (the undo bar redraws then).
    pub undo_revision: u64,
    /// The gate whose recurrent block the connectivity and spectrum panels show (GRU and
    /// LSTM; index into `crate::state::gates::names`, 0 for the vanilla cell).
    pub gate: usize,
    status: HtmlElement,
    error: HtmlElement,
    /// Commands and requests, in the order the components made them.
    pub(super) outbox: Vec<Out>,
}

/// One entry of the outbox.
pub enum Out {
    /// A command for the worker (boxed: some are large).
    Command(Box<Command>),
    /// A request to the App.
    Request(Request),
}

impl Cx {
    /// Finds the status and error lines.
    pub fn new(window: Window, doc: Document, run: Run) -> Result<Self, JsValue> {
        let search = window.location().search().unwrap_or_default();
        Ok(Self {
            status: by_id(&doc, "status")?,
            error: by_id(&doc, "error")?,
            bench: search.contains("bench"),
            fresh: search.contains("fresh"),
            window,
            doc,
            run,
            overlay: Overlay {
                show: true,
                ..Overlay::default()
            },
            adopted: false,
            frame_wanted: false,
            wake_at: None,
            last_press: None,
            undo: None,
            undo_revision: 0,
            gate: 0,
            outbox: Vec::new(),
        })
    }

    /// Milliseconds since the page loaded.
    pub fn now(&self) -> f64 {
        self.window
            .performance()
            .map_or_else(js_sys::Date::now, |p| p.now())
    }

    /// Sends a command to the worker (queued until it is ready).
    pub fn send(&mut self, cmd: Command) {
        self.outbox.push(Out::Command(Box::new(cmd)));
    }

    /// Asks the App for something after this call.
    pub fn request(&mut self, r: Request) {
        self.outbox.push(Out::Request(r));
    }

    /// Offers to bring the current network back after it is replaced (nothing to offer for
    /// an untrained one: an earlier offer stays then).
    pub fn offer_undo(&mut self, message: &str) {
        if let Some(restore) = self.run.undo_point(format!(
            "Undone: the network of step {} is back.",
            self.run.snapshot.as_ref().map_or(0, |s| s.step)
        )) {
            self.undo = Some(UndoOffer {
                message: message.to_string(),
                restore,
            });
            self.undo_revision += 1;
            self.redraw();
        }
    }

    /// Drops the undo offer.
    pub fn clear_undo(&mut self) {
        if self.undo.take().is_some() {
            self.undo_revision += 1;
            self.redraw();
        }
    }

    /// Asks for another animation frame.
    pub fn redraw(&mut self) {
        self.frame_wanted = true;
    }

    /// Asks for an animation frame at `at` (ms, the clock of [`Cx::now`]) or later; the
    /// earliest of several asks wins, and a [`Cx::redraw`] before then comes first.
    pub fn redraw_at(&mut self, at: f64) {
        self.wake_at = Some(self.wake_at.map_or(at, |t| t.min(at)));
    }

    /// The status line (tests read attributes on it).
    pub fn status_element(&self) -> &HtmlElement {
        &self.status
    }

    /// Says something in the status line.
    pub fn set_status(&self, message: &str) {
        self.status.set_text_content(Some(message));
    }

    /// Shows an error (an alert region).
    pub fn show_error(&self, message: &str) {
        self.error.set_text_content(Some(message));
    }

    /// Clears the error region.
    pub fn clear_error(&self) {
        self.error.set_text_content(None);
    }
}
