//! The lab page (wasm only): one component per panel, each owning its elements and state;
//! the [`App`] only routes worker events and animation frames to them and carries out what
//! they ask for through the shared context ([`Cx`]: commands for the worker, adopting a
//! network, exports).
//!
//! Entry points: a click enters through a listener from a component's `wire` (or
//! [`start`]) that calls [`act`]; a worker message enters in [`App::on_event`]; a frame in
//! [`App::draw`]. All three end in [`App::settle`], which sends the commands the
//! components queued and carries out their requests.
//!
//! **Architecture Invariant:** the page never trains and never computes anything heavier
//! than drawing; all of that is the worker's. Every event handler returns quickly.
//! Components talk only through [`Cx`], never through each other's fields.

mod charts;
mod compare;
mod context;
mod controls;
mod dom;
mod export;
mod fixed;
mod link;
mod live;
mod notes;
mod picture;
mod pretrained;
mod share;
mod statespace;
mod sweep;
mod taskplay;
mod tour;
mod undo;

use crate::protocol::{self, Command, Event};
use context::{Adoption, Cx, Out, Request, Run};
use dom::on;
use flipflop_core::{Config, Preset};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{ErrorEvent, MessageEvent};

/// What every panel implements; the App calls these and nothing else routes between panels.
trait Component {
    /// A worker event the gate admitted (the run in `cx` has already taken it in).
    fn on_event(&mut self, _ev: &Event, _cx: &mut Cx) {}
    /// Another network replaces the current one: forget what belonged to the old one.
    fn on_new_network(&mut self, _cx: &mut Cx) {}
    /// One animation frame at `now` ms; returns whether the next frame is needed too.
    fn frame(&mut self, _now: f64, _cx: &mut Cx) -> bool {
        false
    }
}

/// The page: the shared context, the worker link, and the panels.
struct App {
    cx: Cx,
    link: link::WorkerLink,
    controls: controls::Controls,
    charts: charts::Charts,
    live: live::Live,
    fixed: fixed::FixedPanel,
    share: share::SharePanel,
    tour: tour::TourPanel,
    undo: undo::UndoBar,
    notes: notes::Notes,
    compare: compare::CompareView,
    picture: picture::PicturePanel,
    taskplay: taskplay::TaskPlay,
    statespace: statespace::StateSpacePanel,
    sweep: sweep::SweepView,
    frame_pending: bool,
    /// When the last animation frame ran (ms, the clock of [`Cx::now`]).
    last_frame: f64,
    frame_cb: Option<js_sys::Function>,
    /// When the latest timer for [`Cx::redraw_at`] fires (`None`: no timer pending).
    wake_due: Option<f64>,
    wake_cb: Option<js_sys::Function>,
}

type Shared = Rc<RefCell<App>>;

/// Runs `f` on the App (if it is not busy) and then [`App::settle`]: the way every DOM
/// listener enters.
fn act(app: &Shared, f: impl FnOnce(&mut App)) {
    if let Ok(mut a) = app.try_borrow_mut() {
        f(&mut a);
        a.settle();
    }
}

impl App {
    fn send(&mut self, cmd: Command) {
        if let Err(e) = self.link.send(cmd) {
            self.cx.show_error(&e);
        }
    }

    /// Sends the queued commands and carries out the requests, in the order they were made
    /// (a request may queue more: a few rounds at most), then asks for a frame if needed.
    fn settle(&mut self) {
        for _ in 0..8 {
            let outbox = std::mem::take(&mut self.cx.outbox);
            if outbox.is_empty() {
                break;
            }
            for out in outbox {
                match out {
                    Out::Command(cmd) => self.send(*cmd),
                    Out::Request(Request::Adopt(a)) => self.adopt(*a),
                    Out::Request(Request::Reinit) => {
                        self.new_network();
                        self.send_init(None, 0, None);
                    }
                    Out::Request(Request::Export(what)) => self.export(&what),
                }
            }
        }
        if std::mem::take(&mut self.cx.frame_wanted) {
            self.request_frame();
        }
        if let Some(at) = self.cx.wake_at.take() {
            self.wake(at);
        }
    }

    /// The shared context and every panel, borrowed apart (panels get `cx`, never each other).
    fn parts(&mut self) -> (&mut Cx, [&mut dyn Component; 13]) {
        let App {
            cx,
            controls,
            charts,
            live,
            fixed,
            share,
            tour,
            undo,
            notes,
            compare,
            picture,
            taskplay,
            statespace,
            sweep,
            ..
        } = self;
        (
            cx,
            [
                controls, charts, live, fixed, share, tour, undo, notes, compare, picture,
                taskplay, statespace, sweep,
            ],
        )
    }

    /// Every panel forgets the current network (before an `Init`).
    fn new_network(&mut self) {
        self.cx.run.clear();
        let (cx, panels) = self.parts();
        for c in panels {
            c.on_new_network(cx);
        }
        self.cx.redraw();
    }

    /// Asks the worker for a trainer of the current config (from `network`, or seeded
    /// weights) under a new generation; events are stale until its answer. With
    /// `optimiser` (saved with the network) training continues exactly; without, the worker
    /// warm-starts Adam.
    fn send_init(
        &mut self,
        network: Option<protocol::WireNetwork>,
        base_step: u64,
        optimiser: Option<protocol::WireAdam>,
    ) {
        let generation = self.link.gate.begin();
        let config = self.cx.run.config.clone();
        self.send(Command::Init {
            config: Box::new(config),
            network,
            base_step,
            optimiser,
            generation,
        });
    }

    /// Adopts a network made elsewhere (a share link, an imported file, the autosave, a
    /// saved entry, the pre-trained file): the controls show its config and the worker
    /// continues from its weights at step `steps`.
    fn adopt(&mut self, a: Adoption) {
        self.cx.run.preset = crate::state::share::preset_for(&a.config);
        self.cx.run.config = a.config;
        self.cx.adopted = true;
        // Another network replaces the one a Reset offered to bring back.
        self.cx.clear_undo();
        self.new_network();
        self.cx.run.step = a.steps;
        self.cx.run.opened = Some(a.status.clone());
        if let Some((losses, metrics)) = a.history {
            self.cx.run.losses = losses;
            self.cx.run.metrics = metrics;
        }
        if a.pretrained {
            self.cx.run.solved = Some((a.steps, 0.0));
            let _ = self
                .cx
                .status_element()
                .set_attribute("data-pretrained", "true");
        }
        self.cx.set_status(&a.status);
        self.send_init(a.network, a.steps, a.optimiser);
    }

    /// Asks for an animation frame. While training runs, frames come at most one per
    /// [`live::TRAINING_FRAME_MS`] (the cube's pace; not while the user drags the cube):
    /// the counters and charts that each slice's progress marks dirty wait for the cube's
    /// next frame instead of making frames of their own (issue 18: every frame the page
    /// renders takes CPU from the training threads on a two-core machine).
    fn request_frame(&mut self) {
        if self.frame_pending {
            return;
        }
        let due = self.last_frame + live::TRAINING_FRAME_MS;
        if self.cx.run.running && !self.live.dragging() && self.cx.now() < due {
            self.wake(due);
            return;
        }
        if let Some(cb) = &self.frame_cb {
            if self.cx.window.request_animation_frame(cb).is_ok() {
                self.frame_pending = true;
            }
        }
    }

    /// Sets a timer for [`Cx::redraw_at`] unless a frame, or a timer no later than `at`,
    /// is already due (the panel that asked asks again from that frame if it is still
    /// early). An earlier ask sets its own timer; the later one then only asks for a
    /// frame more.
    fn wake(&mut self, at: f64) {
        if self.frame_pending || self.wake_due.is_some_and(|due| due <= at + 1.0) {
            return;
        }
        let delay = (at - self.cx.now()).clamp(0.0, 1_000.0).ceil() as i32;
        if let Some(cb) = &self.wake_cb {
            if self
                .cx
                .window
                .set_timeout_with_callback_and_timeout_and_arguments_0(cb, delay)
                .is_ok()
            {
                self.wake_due = Some(at);
            }
        }
    }

    /// A message from the worker.
    fn on_event(&mut self, ev: Event) {
        if !self.link.gate.admit(&ev) {
            return;
        }
        match &ev {
            Event::Ready { kernels } => {
                // Which worker build runs (tests and benchmarks read it).
                let _ = self
                    .cx
                    .status_element()
                    .set_attribute("data-kernels", kernels);
                let _ = self.cx.status_element().set_attribute("data-threads", "1");
                if let Err(e) = self.link.on_ready() {
                    self.cx.show_error(&e);
                }
            }
            Event::Threads { threads } => {
                // Threads of the last training step (tests and benchmarks read it).
                let _ = self
                    .cx
                    .status_element()
                    .set_attribute("data-threads", &threads.to_string());
            }
            Event::Error { message, .. } => self.cx.show_error(message),
            _ => {}
        }
        self.cx.run.absorb(&ev);
        let (cx, panels) = self.parts();
        for c in panels {
            c.on_event(&ev, cx);
        }
        self.settle();
    }

    /// One animation frame: every panel draws what changed.
    fn draw(&mut self) {
        self.frame_pending = false;
        let now = self.cx.now();
        self.last_frame = now;
        let mut again = false;
        let (cx, panels) = self.parts();
        for c in panels {
            again |= c.frame(now, cx);
        }
        if again {
            self.cx.redraw();
        }
        self.settle();
    }
}

fn spawn_worker(app: &Shared) -> Result<(), JsValue> {
    let worker = app.borrow_mut().link.spawn()?;
    let a = app.clone();
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
        let parsed = e
            .data()
            .as_string()
            .ok_or(protocol::ProtocolError::NotText)
            .and_then(|t| protocol::decode_event(&t));
        let Ok(mut app) = a.try_borrow_mut() else {
            return;
        };
        match parsed {
            Ok(ev) => app.on_event(ev),
            Err(err) => app
                .cx
                .show_error(&format!("Unreadable message from the worker: {err}")),
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
    Ok(())
}

/// The worker died: show it, and start a new one from the last snapshot's weights.
fn on_crash(app: &Shared, what: &str) {
    let resume = {
        let Ok(mut a) = app.try_borrow_mut() else {
            return;
        };
        let now = a.cx.now();
        let (restart, crashes) = a.link.crashed(now);
        a.cx.run.running = false;
        a.controls.touch();
        a.cx.redraw();
        if !restart {
            a.cx.show_error(&format!(
                "The training worker crashed ({what}) {crashes} times in a row; it was not restarted. Reload the page."
            ));
            a.settle();
            return;
        }
        let (network, base_step) = match &a.cx.run.snapshot {
            Some(s) => (Some(s.network.clone()), s.step),
            None => (None, 0),
        };
        let msg = match base_step {
            0 => format!("The training worker crashed ({what}). It was restarted with a fresh network."),
            s => format!(
                "The training worker crashed ({what}). It was restarted from the last snapshot (step {s})."
            ),
        };
        // The optimiser state of that step when the worker sent it, else a warm start.
        let optimiser = a.cx.run.optimiser_at(base_step).cloned();
        a.cx.show_error(&msg);
        a.send_init(network, base_step, optimiser);
        a.settle();
        true
    };
    if resume {
        if let Err(e) = spawn_worker(app) {
            act(app, |a| {
                a.cx.show_error(&format!(
                    "The training worker could not be restarted: {e:?}"
                ))
            });
        }
    }
}

fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        web_sys::console::error_1(&format!("flipflop page panicked: {info}").into());
    }));
}

/// Wires the training controls, the window and the test hook.
fn wire_controls(app: &Shared) -> Result<(), JsValue> {
    let (window, train, step, reset, preset, inputs) = {
        let a = app.borrow();
        let c = &a.controls;
        (
            a.cx.window.clone(),
            c.train.clone(),
            c.step.clone(),
            c.reset.clone(),
            a.cx.doc
                .get_element_by_id("preset")
                .ok_or("index.html lacks #preset")?,
            c.inputs.clone(),
        )
    };
    let a = app.clone();
    on(&train, "click", move |_e: web_sys::Event| {
        act(&a, |app| app.controls.on_train(&mut app.cx))
    })?;
    let a = app.clone();
    on(&step, "click", move |_e: web_sys::Event| {
        act(&a, |app| app.controls.on_step(&mut app.cx))
    })?;
    let a = app.clone();
    on(&reset, "click", move |_e: web_sys::Event| {
        act(&a, |app| app.controls.on_reset(&mut app.cx))
    })?;
    let (undo, dismiss) = {
        let a = app.borrow();
        (a.undo.undo.clone(), a.undo.dismiss.clone())
    };
    let a = app.clone();
    on(&undo, "click", move |_e: web_sys::Event| {
        act(&a, |app| app.undo.on_undo(&mut app.cx))
    })?;
    let a = app.clone();
    on(&dismiss, "click", move |_e: web_sys::Event| {
        act(&a, |app| app.undo.on_dismiss(&mut app.cx))
    })?;
    let a = app.clone();
    on(&preset, "change", move |_e: web_sys::Event| {
        act(&a, |app| app.controls.on_form_change("preset", &mut app.cx))
    })?;
    // The cell selector (an architecture change, like the preset) and the gate selector of
    // the connectivity and spectrum panels.
    let (cell, gate) = {
        let a = app.borrow();
        (a.controls.cell.clone(), a.charts.gate.clone())
    };
    let a = app.clone();
    on(&cell, "change", move |_e: web_sys::Event| {
        act(&a, |app| app.controls.on_form_change("cell", &mut app.cx))
    })?;
    let a = app.clone();
    on(&gate, "change", move |_e: web_sys::Event| {
        act(&a, |app| {
            app.charts.on_gate_change(&mut app.cx);
            app.controls.touch();
        })
    })?;
    for (input, field) in inputs.iter().zip(&crate::state::fields::FIELDS) {
        let a = app.clone();
        let id = field.id;
        on(input, "change", move |_e: web_sys::Event| {
            act(&a, |app| app.controls.on_form_change(id, &mut app.cx))
        })?;
    }
    // The task select and the task options (issue 16).
    let (task, task_inputs) = {
        let a = app.borrow();
        (a.controls.task.clone(), a.controls.task_inputs.clone())
    };
    let a = app.clone();
    on(&task, "change", move |_e: web_sys::Event| {
        act(&a, |app| app.controls.on_form_change("task", &mut app.cx))
    })?;
    for (input, t) in task_inputs.iter().zip(&crate::state::fields::TASK_FIELDS) {
        let a = app.clone();
        let id = t.field.id;
        on(input, "change", move |_e: web_sys::Event| {
            act(&a, |app| app.controls.on_form_change(id, &mut app.cx))
        })?;
    }
    // Resizing (a rotated phone, a window dragged to the projector) redraws every canvas at
    // its new size, once the resizing has paused for RESIZE_SETTLE_MS (a drag fires dozens
    // of events); the charts then draw one per frame as always.
    let a = app.clone();
    let redraw = Closure::<dyn FnMut()>::new(move || {
        act(&a, |app| {
            app.charts.redraw_all();
            app.live.redraw_all();
            app.picture.redraw();
            app.taskplay.redraw();
            app.statespace.redraw();
            app.sweep.redraw();
            app.cx.redraw();
        })
    });
    let redraw: js_sys::Function = redraw.into_js_value().unchecked_into();
    let pending = std::rc::Rc::new(std::cell::Cell::new(None::<i32>));
    let w = window.clone();
    on(&window, "resize", move |_e: web_sys::Event| {
        if let Some(id) = pending.take() {
            w.clear_timeout_with_handle(id);
        }
        if let Ok(id) =
            w.set_timeout_with_callback_and_timeout_and_arguments_0(&redraw, RESIZE_SETTLE_MS)
        {
            pending.set(Some(id));
        }
    })?;
    // Debug/test hook: `window.flipflopDebugCrash()` makes the worker panic.
    let a = app.clone();
    let crash = Closure::<dyn FnMut()>::new(move || {
        act(&a, |app| app.cx.send(Command::DebugCrash));
    });
    js_sys::Reflect::set(&window, &"flipflopDebugCrash".into(), crash.as_ref())?;
    crash.forget();
    Ok(())
}

/// Quiet time after the last resize event before the canvases are redrawn, ms.
const RESIZE_SETTLE_MS: i32 = 150;

/// The workload of `?bench` (the reference step of BENCHMARKS.md).
fn bench_config() -> Config {
    let mut cfg = Config::preset(Preset::Default);
    cfg.set_bits(3);
    cfg.task.trial_len = 350;
    cfg.model.hidden = 100;
    cfg.train.batch = 128;
    cfg.train.train_trial_len = 0;
    // The reference step is BPTT + Adam alone, as it was measured before readout fits and
    // the average of the weights.
    cfg.train.readout_fit = 0;
    cfg.train.ema_momentum = 0.0;
    cfg
}

/// Entry point of the page binary.
pub fn start() -> Result<(), JsValue> {
    install_panic_hook();
    let window = web_sys::window().ok_or("no window")?;
    let doc = window.document().ok_or("no document")?;
    let run = Run::new(Config::preset(Preset::Default), Preset::Default);
    let app: Shared = Rc::new(RefCell::new(App {
        controls: controls::Controls::find(&doc)?,
        charts: charts::Charts::find(&doc)?,
        live: live::Live::find(&doc)?,
        fixed: fixed::FixedPanel::find(&doc)?,
        share: share::SharePanel::find(&doc)?,
        tour: tour::TourPanel::find(&doc)?,
        undo: undo::UndoBar::find(&doc)?,
        notes: notes::Notes::find(&doc)?,
        picture: picture::PicturePanel::find(&doc)?,
        taskplay: taskplay::TaskPlay::find(&doc)?,
        statespace: statespace::StateSpacePanel::find(&doc)?,
        compare: compare::CompareView::find(&doc)?,
        sweep: sweep::SweepView::find(&doc)?,
        cx: Cx::new(window.clone(), doc, run)?,
        link: link::WorkerLink::default(),
        frame_pending: false,
        last_frame: f64::NEG_INFINITY,
        frame_cb: None,
        wake_due: None,
        wake_cb: None,
    }));

    let a = app.clone();
    let frame = Closure::<dyn FnMut(f64)>::new(move |_t: f64| {
        if let Ok(mut app) = a.try_borrow_mut() {
            app.draw();
        }
    });
    app.borrow_mut().frame_cb = Some(frame.as_ref().unchecked_ref::<js_sys::Function>().clone());
    frame.forget();
    let a = app.clone();
    let wake = Closure::<dyn FnMut()>::new(move || {
        if let Ok(mut app) = a.try_borrow_mut() {
            app.wake_due = None;
            app.request_frame();
        }
    });
    app.borrow_mut().wake_cb = Some(wake.as_ref().unchecked_ref::<js_sys::Function>().clone());
    wake.forget();

    wire_controls(&app)?;
    share::wire(&app)?;
    fixed::wire(&app)?;
    live::wire(&app)?;
    taskplay::wire(&app)?;
    statespace::wire(&app)?;
    tour::wire(&app)?;
    compare::wire::wire(&app)?;
    sweep::wire::wire(&app)?;
    spawn_worker(&app)?;
    let bench = app.borrow().cx.bench;
    if bench {
        let search = window.location().search().unwrap_or_default();
        let param = |k: &str| -> Option<u32> {
            search
                .trim_start_matches('?')
                .split('&')
                .find_map(|kv| kv.strip_prefix(k)?.strip_prefix('=')?.parse().ok())
        };
        let (warmup, repeats) = (param("warmup").unwrap_or(2), param("repeats").unwrap_or(7));
        act(&app, |a| {
            a.cx.request(Request::Reinit);
            a.controls.show_bench();
            a.cx.send(Command::BenchStep {
                config: bench_config(),
                warmup,
                repeats,
            });
        });
    } else {
        act(&app, |a| a.share.initial_load(&mut a.cx));
        act(&app, |a| a.compare.initial_load(&a.cx));
        // Neither a link nor the autosave: show the shipped pre-trained network.
        let (adopted, fresh) = {
            let a = app.borrow();
            (a.cx.adopted, a.cx.fresh)
        };
        if !adopted && !fresh {
            pretrained::fetch(&app);
        }
    }
    Ok(())
}
