//! The lab page (wasm only): reads the controls, talks to the worker through the
//! protocol, keeps the received data, and redraws changed panels once per animation frame.
//!
//! **Architecture Invariant:** the page never trains and never computes anything heavier
//! than drawing; all of that is the worker's. Every event handler returns quickly.

use crate::draw;
use crate::form::{self, Change, FormValues};
use crate::protocol::{self, Command, Event, Snapshot, WireNetwork};
use crate::snapshot;
use flipflop_core::{Config, Preset};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
#[path = "fixed_page.rs"]
mod fixed_page;
#[path = "live_page.rs"]
mod live_page;
#[path = "share_page.rs"]
mod share_page;

use web_sys::{
    Document, ErrorEvent, HtmlButtonElement, HtmlCanvasElement, HtmlElement, HtmlInputElement,
    HtmlSelectElement, MessageEvent, Window, Worker, WorkerOptions, WorkerType,
};

/// Inputs of the form, by element id, in [`FormValues`] order (after the preset select).
const INPUT_IDS: [&str; 7] = ["hidden", "bits", "lr", "batch", "seed", "alpha", "noise"];
/// Crashes within this window count towards giving up on restarting.
const CRASH_WINDOW_MS: f64 = 30_000.0;
const MAX_CRASHES: usize = 3;

struct Elements {
    preset: HtmlSelectElement,
    inputs: Vec<HtmlInputElement>,
    train: HtmlButtonElement,
    step: HtmlButtonElement,
    reset: HtmlButtonElement,
    step_count: HtmlElement,
    loss_value: HtmlElement,
    accuracy_value: HtmlElement,
    speed: HtmlElement,
    elapsed: HtmlElement,
    radius: HtmlElement,
    params: HtmlElement,
    status: HtmlElement,
    error: HtmlElement,
    bench: HtmlElement,
    loss_chart: HtmlCanvasElement,
    matrix: HtmlCanvasElement,
    spectrum: HtmlCanvasElement,
    traces: HtmlCanvasElement,
}

fn by_id<T: JsCast>(doc: &Document, id: &str) -> Result<T, JsValue> {
    doc.get_element_by_id(id)
        .ok_or_else(|| JsValue::from_str(&format!("index.html lacks #{id}")))?
        .dyn_into::<T>()
        .map_err(|_| JsValue::from_str(&format!("#{id} has the wrong element type")))
}

impl Elements {
    fn find(doc: &Document) -> Result<Self, JsValue> {
        Ok(Self {
            preset: by_id(doc, "preset")?,
            inputs: INPUT_IDS
                .iter()
                .map(|id| by_id(doc, id))
                .collect::<Result<_, _>>()?,
            train: by_id(doc, "train")?,
            step: by_id(doc, "step")?,
            reset: by_id(doc, "reset")?,
            step_count: by_id(doc, "step-count")?,
            loss_value: by_id(doc, "loss-value")?,
            accuracy_value: by_id(doc, "accuracy-value")?,
            speed: by_id(doc, "speed")?,
            elapsed: by_id(doc, "elapsed")?,
            radius: by_id(doc, "radius")?,
            params: by_id(doc, "params")?,
            status: by_id(doc, "status")?,
            error: by_id(doc, "error")?,
            bench: by_id(doc, "bench-output")?,
            loss_chart: by_id(doc, "loss-chart")?,
            matrix: by_id(doc, "matrix")?,
            spectrum: by_id(doc, "spectrum")?,
            traces: by_id(doc, "traces")?,
        })
    }

    fn read_form(&self) -> FormValues {
        let v = |i: usize| self.inputs[i].value();
        FormValues {
            preset: self.preset.value(),
            hidden: v(0),
            bits: v(1),
            lr: v(2),
            batch: v(3),
            seed: v(4),
            alpha: v(5),
            noise: v(6),
        }
    }

    fn write_form(&self, f: &FormValues) {
        self.preset.set_value(&f.preset);
        for (input, value) in self.inputs.iter().zip([
            &f.hidden, &f.bits, &f.lr, &f.batch, &f.seed, &f.alpha, &f.noise,
        ]) {
            input.set_value(value);
            let _ = input.remove_attribute("aria-invalid");
        }
    }
}

#[derive(Default)]
struct Dirty {
    loss: bool,
    matrix: bool,
    spectrum: bool,
    traces: bool,
    text: bool,
}

impl Dirty {
    fn all() -> Self {
        Self {
            loss: true,
            matrix: true,
            spectrum: true,
            traces: true,
            text: true,
        }
    }
}

/// Shortest time between two redraws of the loss chart.
const LOSS_REDRAW_MS: f64 = 200.0;

struct App {
    window: Window,
    doc: Document,
    els: Elements,
    worker: Option<Worker>,
    ready: bool,
    queue: Vec<Command>,
    /// Events from before the last `Init` are stale until its `Initialized` arrives.
    init_gate: protocol::InitGate,
    config: Config,
    preset: Preset,
    running: bool,
    step: u64,
    n_params: usize,
    losses: Vec<(u64, f32)>,
    metrics: Vec<(u64, f32, f32)>,
    snapshot: Option<Box<Snapshot>>,
    speed: f64,
    elapsed_ms: f64,
    lr_now: f32,
    solved: Option<(u64, f64)>,
    crashes: Vec<f64>,
    dirty: Dirty,
    frame_pending: bool,
    last_loss_draw: f64,
    frame_cb: Option<js_sys::Function>,
    bench: bool,
    /// Share, save, import and export controls (`share_page.rs`).
    share: share_page::ShareState,
    /// A network from a link, a file or the autosave was adopted (or a link is being
    /// opened): lower-priority sources such as the pre-trained file must not replace it.
    adopted: bool,
    /// The memory-state cube and live play (`live_page.rs`).
    live: live_page::LiveState,
    /// Fixed points on the cube (`fixed_page.rs`).
    fixed: fixed_page::FixedState,
}

type Shared = Rc<RefCell<App>>;

impl App {
    fn now(&self) -> f64 {
        self.window
            .performance()
            .map_or_else(js_sys::Date::now, |p| p.now())
    }

    fn send(&mut self, cmd: Command) {
        match (&self.worker, self.ready) {
            (Some(w), true) => {
                if let Err(e) = w.post_message(&JsValue::from_str(&protocol::encode(&cmd))) {
                    self.show_error(&format!("Could not reach the training worker: {e:?}"));
                }
            }
            _ => self.queue.push(cmd),
        }
    }

    fn show_error(&self, message: &str) {
        self.els.error.set_text_content(Some(message));
    }

    fn clear_error(&self) {
        self.els.error.set_text_content(None);
    }

    fn set_status(&self, message: &str) {
        self.els.status.set_text_content(Some(message));
    }

    fn request_frame(&mut self) {
        if self.frame_pending {
            return;
        }
        if let Some(cb) = &self.frame_cb {
            if self.window.request_animation_frame(cb).is_ok() {
                self.frame_pending = true;
            }
        }
    }

    /// Discards the data of the current run and asks the worker for a fresh network.
    fn reinit(&mut self) {
        self.clear_run();
        self.send_init(None, 0);
    }

    /// Adopts a network made elsewhere (a share link, an imported file, the autosave, a
    /// saved entry, the pre-trained file): the controls show its config and the worker
    /// continues from its weights at step `steps`. `network: None` (a recipe link) starts
    /// from the config's seeded initial weights.
    pub(crate) fn adopt_network(
        &mut self,
        config: Config,
        network: Option<WireNetwork>,
        steps: u64,
    ) {
        self.preset = crate::share::preset_for(&config);
        self.els
            .write_form(&form::form_from_config(&config, self.preset));
        self.config = config;
        self.adopted = true;
        self.clear_run();
        self.step = steps;
        self.send_init(network, steps);
    }

    /// Asks the worker for a trainer of the current config (from `network`, or seeded weights)
    /// under a new generation; events are stale until its `Initialized`.
    fn send_init(&mut self, network: Option<WireNetwork>, base_step: u64) {
        let generation = self.init_gate.begin();
        self.send(Command::Init {
            config: self.config.clone(),
            network,
            base_step,
            generation,
        });
    }

    /// Forgets the current run's data (losses, metrics, snapshot) before an `Init`.
    fn clear_run(&mut self) {
        self.fixed_clear();
        self.live_forget();
        self.losses.clear();
        self.metrics.clear();
        self.snapshot = None;
        self.solved = None;
        self.step = 0;
        self.speed = 0.0;
        self.elapsed_ms = 0.0;
        self.running = false;
        self.lr_now = self.config.train.lr;
        self.set_status("");
        let _ = self.els.status.remove_attribute("data-solved-step");
        let _ = self.els.status.remove_attribute("data-solved-ms");
        self.dirty = Dirty::all();
        self.last_loss_draw = f64::NEG_INFINITY;
        self.request_frame();
    }

    fn on_event(&mut self, ev: Event) {
        if !self.init_gate.admit(&ev) {
            return;
        }
        match ev {
            Event::Ready { kernels } => {
                self.ready = true;
                // Which worker build runs (tests and benchmarks read it).
                let _ = self.els.status.set_attribute("data-kernels", &kernels);
                for cmd in std::mem::take(&mut self.queue) {
                    self.send(cmd);
                }
            }
            Event::Initialized { n_params, step, .. } => {
                self.n_params = n_params;
                self.step = step;
                self.running = false;
                self.dirty.text = true;
            }
            Event::Running { running, reason } => {
                self.running = running;
                // What the worker confirmed (the button text may run ahead of it).
                let _ = self
                    .els
                    .train
                    .set_attribute("data-worker-running", &running.to_string());
                if let Some(r) = reason {
                    self.set_status(&format!("Stopped: {r}."));
                }
                if !running {
                    self.autosave();
                }
                self.dirty.text = true;
            }
            Event::Progress {
                step,
                losses,
                lr,
                steps_per_sec,
                elapsed_ms,
                ..
            } => {
                if let Some(first) = losses.first() {
                    while self.losses.last().is_some_and(|l| l.0 >= first.0) {
                        self.losses.pop();
                    }
                }
                self.losses.extend(losses);
                self.step = step;
                self.lr_now = lr;
                self.speed = steps_per_sec;
                self.elapsed_ms = elapsed_ms;
                self.dirty.loss = true;
                self.dirty.text = true;
            }
            Event::Metrics {
                step,
                mse,
                bit_accuracy,
                solved,
                elapsed_ms,
            } => {
                while self.metrics.last().is_some_and(|m| m.0 >= step) {
                    self.metrics.pop();
                }
                self.metrics.push((step, mse, bit_accuracy));
                if solved && self.solved.is_none() {
                    self.solved = Some((step, elapsed_ms));
                    self.set_status(&format!(
                        "Solved at step {step} after {:.1} s of training (held-out accuracy {:.1} %, MSE {mse:.3}).",
                        elapsed_ms / 1000.0,
                        bit_accuracy * 100.0
                    ));
                    let _ = self
                        .els
                        .status
                        .set_attribute("data-solved-step", &step.to_string());
                    let _ = self
                        .els
                        .status
                        .set_attribute("data-solved-ms", &format!("{elapsed_ms:.0}"));
                    self.autosave();
                }
                self.dirty.loss = true;
                self.dirty.text = true;
            }
            Event::Snapshot(s) => {
                // Fingerprints for tests (bit-identical to native Rust for the same seed).
                let (weights, trials) = snapshot::fingerprints(&s);
                let _ = self.els.matrix.set_attribute("data-weights-fp", &weights);
                let _ = self.els.matrix.set_attribute("data-trials-fp", &trials);
                let _ = self
                    .els
                    .matrix
                    .set_attribute("data-fp-step", &s.step.to_string());
                self.live_on_snapshot(&s);
                self.snapshot = Some(s);
                self.autosave_after_snapshot();
                (self.dirty.matrix, self.dirty.spectrum, self.dirty.traces) = (true, true, true);
                self.dirty.text = true;
            }
            Event::Cube(c) => self.live_on_cube(*c),
            Event::BenchStep { step_ms } => {
                let mut sorted = step_ms.clone();
                sorted.sort_by(f64::total_cmp);
                let median = sorted.get(sorted.len() / 2).copied().unwrap_or(f64::NAN);
                let json = format!(
                    "{{\"step_ms\":{},\"median_ms\":{median:.2}}}",
                    serde_json::to_string(&step_ms).unwrap_or_default()
                );
                self.els.bench.set_text_content(Some(&json));
                let _ = self.els.bench.set_attribute("data-done", "true");
            }
            ev @ (Event::Link { .. } | Event::Loaded { .. } | Event::LoadFailed { .. }) => {
                self.on_share_event(ev);
            }
            ev @ (Event::FixedPointProgress { .. }
            | Event::FixedPoints(_)
            | Event::FixedPointsCancelled { .. }) => self.on_fixed_event(ev),
            Event::Error { message } => {
                self.share.share.set_disabled(false);
                self.show_error(&message);
            }
        }
        self.request_frame();
    }

    fn update_text(&self) {
        let e = &self.els;
        e.step_count.set_text_content(Some(&self.step.to_string()));
        e.loss_value.set_text_content(Some(
            &self.losses.last().map_or("–".into(), |l| fmt_loss(l.1)),
        ));
        e.accuracy_value.set_text_content(Some(
            &self
                .metrics
                .last()
                .map_or("–".into(), |m| format!("{:.1} %", m.2 as f64 * 100.0)),
        ));
        e.speed.set_text_content(Some(&if self.speed > 0.0 {
            format!("{:.0}", self.speed)
        } else {
            "–".into()
        }));
        e.elapsed
            .set_text_content(Some(&format!("{:.1} s", self.elapsed_ms / 1000.0)));
        e.radius.set_text_content(Some(
            &self
                .snapshot
                .as_ref()
                .filter(|s| s.spectrum_error.is_none())
                .map_or("–".into(), |s| format!("{:.3}", s.spectral_radius)),
        ));
        e.params.set_text_content(Some(&self.n_params.to_string()));
        e.train
            .set_text_content(Some(if self.running { "Pause" } else { "Train" }));
        let _ = e
            .train
            .set_attribute("aria-pressed", if self.running { "true" } else { "false" });
    }

    /// One animation frame: the text, then at most one chart (the first that is due), so
    /// that no frame does more than one chart's worth of drawing; the rest wait for the next
    /// frames. The loss chart is redrawn at most every [`LOSS_REDRAW_MS`].
    fn draw(&mut self) {
        self.frame_pending = false;
        let animating = self.live_frame();
        if std::mem::take(&mut self.dirty.text) {
            self.update_text();
        }
        let now = self.now();
        let loss_due = self.dirty.loss && now - self.last_loss_draw >= LOSS_REDRAW_MS;
        if self.dirty.matrix || self.dirty.spectrum || self.dirty.traces {
            self.draw_snapshot_panel();
        } else if loss_due {
            self.dirty.loss = false;
            self.last_loss_draw = now;
            if let Err(e) = draw::loss_chart(&self.els.loss_chart, &self.losses, &self.metrics) {
                draw::log_failure("the loss chart", &e);
            }
        }
        let d = &self.dirty;
        if animating || d.loss || d.matrix || d.spectrum || d.traces || d.text {
            self.request_frame();
        }
    }

    fn draw_snapshot_panel(&mut self) {
        let Some(s) = &self.snapshot else {
            for c in [&self.els.matrix, &self.els.spectrum, &self.els.traces] {
                draw::clear(c);
            }
            (self.dirty.matrix, self.dirty.spectrum, self.dirty.traces) = (false, false, false);
            return;
        };
        let (canvas, result, name) = if std::mem::take(&mut self.dirty.matrix) {
            (&self.els.matrix, draw::matrix(&self.els.matrix, s), "W_rec")
        } else if std::mem::take(&mut self.dirty.spectrum) {
            (
                &self.els.spectrum,
                draw::spectrum(&self.els.spectrum, s, self.fixed.jacobian_spectrum()),
                "the spectrum",
            )
        } else if std::mem::take(&mut self.dirty.traces) {
            (
                &self.els.traces,
                draw::traces(&self.els.traces, s),
                "the traces",
            )
        } else {
            return;
        };
        match result {
            Ok(()) => {
                let _ = canvas.set_attribute("data-step", &s.step.to_string());
            }
            Err(e) => draw::log_failure(name, &e),
        }
    }

    /// The form changed (`source` = id of the control).
    fn on_form_change(&mut self, source: &str) {
        let mut values = self.els.read_form();
        let preset = form::preset_of(&values);
        let base = if source == "preset" {
            let mut cfg = Config::preset(preset);
            cfg.seed = self.config.seed;
            values = form::form_from_config(&cfg, preset);
            self.els.write_form(&values);
            cfg
        } else {
            self.config.clone()
        };
        let cfg = match form::config_from_form(&base, &values) {
            Ok(cfg) => cfg,
            Err(msg) => {
                self.mark_invalid(source);
                self.show_error(&format!("{msg} Not applied: the network is unchanged."));
                return;
            }
        };
        for input in &self.els.inputs {
            let _ = input.remove_attribute("aria-invalid");
        }
        self.clear_error();
        match form::classify(&self.config, &cfg) {
            Change::Nothing => {}
            Change::LearningRate(lr) => {
                self.config = cfg;
                self.send(Command::SetLr { lr });
            }
            Change::Rebuild => {
                let discard = self.step == 0
                    || self
                        .window
                        .confirm_with_message(
                            "This change needs a new network: the trained one will be discarded. Continue?",
                        )
                        .unwrap_or(false);
                if !discard {
                    self.els
                        .write_form(&form::form_from_config(&self.config, self.preset));
                    self.set_status("Change cancelled: the trained network was kept.");
                    return;
                }
                self.config = cfg;
                self.preset = preset;
                self.reinit();
            }
        }
    }

    fn mark_invalid(&self, source: &str) {
        if let Some(i) = INPUT_IDS.iter().position(|id| *id == source) {
            let _ = self.els.inputs[i].set_attribute("aria-invalid", "true");
        }
    }

    fn on_reset(&mut self) {
        let values = self.els.read_form();
        match form::config_from_form(&self.config, &values) {
            Ok(cfg) => {
                self.clear_error();
                self.config = cfg;
                self.preset = form::preset_of(&values);
                self.reinit();
            }
            Err(msg) => self.show_error(&format!("{msg} Not applied: the network is unchanged.")),
        }
    }

    fn on_train(&mut self) {
        if self.running {
            self.send(Command::Pause);
            self.running = false;
        } else {
            self.send(Command::Start);
            self.running = true;
        }
        self.dirty.text = true;
        self.request_frame();
    }
}

fn fmt_loss(v: f32) -> String {
    if !v.is_finite() {
        format!("{v}")
    } else if v >= 0.01 {
        format!("{v:.4}")
    } else {
        format!("{v:.3e}")
    }
}

fn spawn_worker(app: &Shared) -> Result<(), JsValue> {
    let opts = WorkerOptions::new();
    opts.set_type(WorkerType::Module);
    // `?kernels=simd128` on the page forces the worker build without relaxed SIMD (for
    // comparing the two; web/worker_loader.js reads it).
    let plain = web_sys::window()
        .and_then(|w| w.location().search().ok())
        .is_some_and(|s| s.contains("kernels=simd128"));
    let url = if plain {
        "./worker_loader.js?kernels=simd128"
    } else {
        "./worker_loader.js"
    };
    let worker = Worker::new_with_options(url, &opts)?;
    let a = app.clone();
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
        let parsed = e.data().as_string().map(|t| protocol::decode_event(&t));
        let Ok(mut app) = a.try_borrow_mut() else {
            return;
        };
        match parsed {
            Some(Ok(ev)) => app.on_event(ev),
            Some(Err(msg)) => app.show_error(&format!("Unreadable message from the worker: {msg}")),
            None => app.show_error("The worker sent a message that is not protocol text."),
        }
    });
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    // Closures live as long as the page; a crashed worker's pair is leaked on purpose
    // (dropping a closure while it runs is not allowed).
    on_message.forget();
    let a = app.clone();
    let on_error = Closure::<dyn FnMut(ErrorEvent)>::new(move |e: ErrorEvent| {
        e.prevent_default();
        on_crash(&a, &e.message());
    });
    worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    on_error.forget();
    let mut a = app.borrow_mut();
    a.worker = Some(worker);
    a.ready = false;
    Ok(())
}

/// The worker died: show it, and start a new one from the last snapshot's weights.
fn on_crash(app: &Shared, what: &str) {
    let resume = {
        let Ok(mut a) = app.try_borrow_mut() else {
            return;
        };
        if let Some(w) = a.worker.take() {
            w.terminate();
        }
        let now = a.now();
        a.crashes.retain(|t| now - t < CRASH_WINDOW_MS);
        a.crashes.push(now);
        a.running = false;
        a.dirty.text = true;
        a.request_frame();
        if a.crashes.len() > MAX_CRASHES {
            a.show_error(&format!(
                "The training worker crashed ({what}) {} times in a row; it was not restarted. Reload the page.",
                a.crashes.len()
            ));
            return;
        }
        let (network, base_step) = match &a.snapshot {
            Some(s) => (Some(s.network.clone()), s.step),
            None => (None, 0),
        };
        let msg = match base_step {
            0 => format!("The training worker crashed ({what}). It was restarted with a fresh network."),
            s => format!(
                "The training worker crashed ({what}). It was restarted from the last snapshot (step {s}); \
                 the optimiser state starts afresh."
            ),
        };
        a.show_error(&msg);
        a.queue.clear();
        let generation = a.init_gate.begin();
        let config = a.config.clone();
        a.queue.push(Command::Init {
            config,
            network,
            base_step,
            generation,
        });
        true
    };
    if resume {
        if let Err(e) = spawn_worker(app) {
            if let Ok(a) = app.try_borrow() {
                a.show_error(&format!(
                    "The training worker could not be restarted: {e:?}"
                ));
            }
        }
    }
}

/// Adds an event listener for the page's lifetime (typed event `E`).
fn on<E: wasm_bindgen::convert::FromWasmAbi + 'static>(
    target: &web_sys::EventTarget,
    kind: &str,
    f: impl FnMut(E) + 'static,
) -> Result<(), JsValue> {
    let cb = Closure::<dyn FnMut(E)>::new(f);
    target.add_event_listener_with_callback(kind, cb.as_ref().unchecked_ref())?;
    cb.forget();
    Ok(())
}

fn listen(
    target: &web_sys::EventTarget,
    kind: &str,
    app: &Shared,
    f: fn(&mut App),
) -> Result<(), JsValue> {
    let a = app.clone();
    let cb = Closure::<dyn FnMut(web_sys::Event)>::new(move |_e: web_sys::Event| {
        if let Ok(mut app) = a.try_borrow_mut() {
            f(&mut app);
        }
    });
    target.add_event_listener_with_callback(kind, cb.as_ref().unchecked_ref())?;
    cb.forget();
    Ok(())
}

fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        web_sys::console::error_1(&format!("flipflop page panicked: {info}").into());
    }));
}

/// Entry point of the page binary.
pub fn start() -> Result<(), JsValue> {
    install_panic_hook();
    let window = web_sys::window().ok_or("no window")?;
    let doc = window.document().ok_or("no document")?;
    let els = Elements::find(&doc)?;
    let bench = window
        .location()
        .search()
        .unwrap_or_default()
        .contains("bench");
    let config = Config::preset(Preset::Default);
    els.write_form(&form::form_from_config(&config, Preset::Default));
    let app: Shared = Rc::new(RefCell::new(App {
        window: window.clone(),
        share: share_page::ShareState::find(&doc)?,
        live: live_page::LiveState::find(&doc)?,
        fixed: fixed_page::FixedState::find(&doc)?,
        adopted: false,
        doc,
        els,
        worker: None,
        ready: false,
        queue: Vec::new(),
        init_gate: protocol::InitGate::default(),
        lr_now: config.train.lr,
        config,
        preset: Preset::Default,
        running: false,
        step: 0,
        n_params: 0,
        losses: Vec::new(),
        metrics: Vec::new(),
        snapshot: None,
        speed: 0.0,
        elapsed_ms: 0.0,
        solved: None,
        crashes: Vec::new(),
        dirty: Dirty::default(),
        frame_pending: false,
        last_loss_draw: f64::NEG_INFINITY,
        frame_cb: None,
        bench,
    }));

    let a = app.clone();
    let frame = Closure::<dyn FnMut(f64)>::new(move |_t: f64| {
        if let Ok(mut app) = a.try_borrow_mut() {
            app.draw();
        }
    });
    app.borrow_mut().frame_cb = Some(frame.as_ref().unchecked_ref::<js_sys::Function>().clone());
    frame.forget();

    {
        let a = app.borrow();
        let els = &a.els;
        listen(&els.train, "click", &app, App::on_train)?;
        listen(&els.step, "click", &app, |a| {
            a.send(Command::Step { count: 1 })
        })?;
        listen(&els.reset, "click", &app, App::on_reset)?;
        listen(&els.preset, "change", &app, |a| a.on_form_change("preset"))?;
        for (input, id) in els.inputs.iter().zip(INPUT_IDS) {
            let a2 = app.clone();
            let cb = Closure::<dyn FnMut(web_sys::Event)>::new(move |_e: web_sys::Event| {
                if let Ok(mut app) = a2.try_borrow_mut() {
                    app.on_form_change(id);
                }
            });
            input.add_event_listener_with_callback("change", cb.as_ref().unchecked_ref())?;
            cb.forget();
        }
        listen(&a.window, "resize", &app, |a| {
            a.dirty = Dirty::all();
            a.last_loss_draw = f64::NEG_INFINITY;
            a.request_frame();
        })?;
    }
    // Debug/test hook: `window.flipflopDebugCrash()` makes the worker panic.
    {
        let a = app.clone();
        let crash = Closure::<dyn FnMut()>::new(move || {
            if let Ok(mut app) = a.try_borrow_mut() {
                app.send(Command::DebugCrash);
            }
        });
        js_sys::Reflect::set(&window, &"flipflopDebugCrash".into(), crash.as_ref())?;
        crash.forget();
    }

    share_page::wire(&app)?;
    fixed_page::wire(&app)?;
    live_page::wire(&app)?;
    spawn_worker(&app)?;
    let mut a = app.borrow_mut();
    if a.bench {
        a.reinit();
    } else {
        a.initial_load();
        // Neither a link nor the autosave: show the shipped pre-trained network.
        if !a.adopted && !a.live.fresh {
            live_page::fetch_pretrained(&app);
        }
    }
    if a.bench {
        let mut cfg = Config::preset(Preset::Default);
        cfg.set_bits(3);
        cfg.task.trial_len = 350;
        cfg.model.hidden = 100;
        cfg.train.batch = 128;
        cfg.train.train_trial_len = 0;
        let param = |k: &str| -> Option<u32> {
            let search = a.window.location().search().ok()?;
            search
                .trim_start_matches('?')
                .split('&')
                .find_map(|kv| kv.strip_prefix(k)?.strip_prefix('=')?.parse().ok())
        };
        let (warmup, repeats) = (param("warmup").unwrap_or(2), param("repeats").unwrap_or(7));
        a.els.bench.set_hidden(false);
        a.send(Command::BenchStep {
            config: cfg,
            warmup,
            repeats,
        });
    }
    Ok(())
}
