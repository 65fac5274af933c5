//! The training worker: owns the [`Trainer`], trains in time slices so that commands
//! (Pause, SetLr…) get through between slices, and streams [`Event`]s to the page.
//!
//! **Architecture Invariant:** the worker never panics on anything the page sends; a bad
//! command becomes an [`Event::Error`] and leaves the trainer as it was. (The one exception
//! is the `DebugCrash` test hook.)

use crate::protocol::{self, Command, Event, WireNetwork};
use crate::snapshot;
use flipflop_core::fixedpoints::{self, FixedPointOptions, FixedPointSearch, Phase};
use flipflop_core::{Config, Trainer};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{DedicatedWorkerGlobalScope, MessageChannel, MessageEvent};

/// Training time per slice before yielding to the event loop.
const SLICE_MS: f64 = 40.0;
/// Shortest time between snapshots.
const SNAPSHOT_MIN_MS: f64 = 250.0;
/// Fewest steps between held-out evaluations.
const METRICS_MIN_STEPS: u64 = 25;
/// Shortest time between cube recomputations during training.
const CUBE_MIN_MS: f64 = 1000.0;
/// Fixed-point search time per slice before yielding (training slices alternate with it).
const FP_SLICE_MS: f64 = 30.0;
/// Shortest time between fixed-point progress events.
const FP_PROGRESS_MS: f64 = 100.0;

/// A fixed-point search in progress.
struct FpJob {
    search: FixedPointSearch,
    /// Step of the network searched.
    step: u64,
    options: FixedPointOptions,
    /// Worker time spent on it so far, ms.
    spent_ms: f64,
    last_progress_at: f64,
}

struct State {
    scope: DedicatedWorkerGlobalScope,
    /// Posting to this port schedules the next slice (no 4 ms timer clamping).
    tick_port: web_sys::MessagePort,
    tick_pending: bool,
    trainer: Option<Trainer>,
    base_step: u64,
    running: bool,
    pending_losses: Vec<(u64, f32)>,
    last: Option<flipflop_core::StepEvent>,
    /// Worker time spent on training (steps, evaluations, snapshots) in finished slices.
    elapsed_ms: f64,
    /// Start of the slice in progress, if any.
    slice_start: Option<f64>,
    speed: f64,
    last_metrics_step: u64,
    last_metrics_at: f64,
    metrics_cost_ms: f64,
    last_snapshot_at: f64,
    snapshot_cost_ms: f64,
    last_cube_at: f64,
    cube_cost_ms: f64,
    /// Step of the network the last `Event::Cube` was computed from.
    last_cube_step: Option<u64>,
    fp: Option<FpJob>,
}

fn now(scope: &DedicatedWorkerGlobalScope) -> f64 {
    scope
        .performance()
        .map(|p| p.now())
        .unwrap_or_else(js_sys::Date::now)
}

impl State {
    fn post(&self, event: &Event) {
        let text = protocol::encode(event);
        if let Err(e) = self.scope.post_message(&JsValue::from_str(&text)) {
            web_sys::console::error_2(&"flipflop worker: postMessage failed".into(), &e);
        }
    }

    fn error(&self, message: impl Into<String>) {
        self.post(&Event::Error {
            message: message.into(),
        });
    }

    /// Training time so far, including the slice in progress.
    fn elapsed_now(&self) -> f64 {
        self.elapsed_ms + self.slice_start.map_or(0.0, |t0| now(&self.scope) - t0)
    }

    fn step_no(&self) -> u64 {
        self.base_step + self.trainer.as_ref().map_or(0, |t| t.steps_done())
    }

    fn schedule(&mut self) {
        if !self.tick_pending {
            self.tick_pending = true;
            if self.tick_port.post_message(&JsValue::NULL).is_err() {
                self.tick_pending = false;
            }
        }
    }

    fn set_running(&mut self, running: bool, reason: Option<String>) {
        if self.running != running || reason.is_some() {
            self.running = running;
            self.post(&Event::Running { running, reason });
        }
        if running {
            self.schedule();
        }
    }

    fn handle(&mut self, cmd: Command) {
        match cmd {
            Command::Init {
                config,
                network,
                base_step,
                generation,
            } => self.init(config, network, base_step, generation),
            Command::Start => {
                if self.trainer.is_none() {
                    return self.error("No network yet: the worker has not been initialised.");
                }
                self.set_running(true, None);
            }
            Command::Pause => self.set_running(false, None),
            Command::Step { count } => {
                if self.running {
                    self.set_running(false, None);
                }
                self.slice_start = Some(now(&self.scope));
                let ok = self.train_steps(count.clamp(1, 10_000) as usize, f64::INFINITY);
                self.flush_progress();
                if ok {
                    self.metrics();
                }
                self.snapshot();
                self.cube();
                self.end_slice();
            }
            Command::SetLr { lr } => {
                if let Some(t) = self.trainer.as_mut() {
                    if let Err(e) = t.set_lr(lr) {
                        let msg = format!("Learning rate: {e}. The network is unchanged.");
                        self.error(msg);
                    }
                }
            }
            Command::BenchStep {
                config,
                warmup,
                repeats,
            } => self.bench(config, warmup, repeats),
            Command::DebugCrash => panic!("DebugCrash requested by the page (test hook)"),
            Command::EncodeLink { kind } => self.encode_link(&kind),
            Command::OpenLink { text } => self.open_link(&text),
            Command::Import { name, bytes } => self.import(name, &bytes.0),
            Command::FindFixedPoints { options } => self.find_fixed_points(options),
            Command::CancelFixedPoints => self.cancel_fixed_points("cancelled"),
        }
    }

    /// Starts a search on the current network (replacing one in progress); it runs in
    /// slices from [`State::tick`], alternating with training.
    fn find_fixed_points(&mut self, options: FixedPointOptions) {
        if let Err(e) = options.validate() {
            return self.error(format!("Fixed-point search: {e}. Nothing was started."));
        }
        let step = self.step_no();
        if self.trainer.is_none() {
            return self.error("No network yet: the worker has not been initialised.");
        }
        // The page draws the points on the cube of the same step: send it if it is older.
        if self.last_cube_step != Some(step) {
            self.cube();
        }
        let Some(t) = self.trainer.as_ref() else {
            return;
        };
        let search = fixedpoints::search_from_cube_set(
            t.network(),
            &t.config().task,
            options.clone(),
            t.config().seed,
        );
        self.fp = Some(FpJob {
            search,
            step,
            options,
            spent_ms: 0.0,
            last_progress_at: f64::NEG_INFINITY,
        });
        self.post(&Event::FixedPointProgress {
            step,
            fraction: 0.0,
        });
        self.schedule();
    }

    fn cancel_fixed_points(&mut self, reason: &str) {
        if self.fp.take().is_some() {
            self.post(&Event::FixedPointsCancelled {
                reason: reason.to_string(),
            });
        }
    }

    /// Up to [`FP_SLICE_MS`] of fixed-point search; posts progress, then the result.
    fn fp_slice(&mut self) {
        let t0 = now(&self.scope);
        let Some(job) = self.fp.as_mut() else { return };
        let mut phase = job.search.phase();
        while phase != Phase::Done && now(&self.scope) - t0 < FP_SLICE_MS {
            phase = job.search.advance();
        }
        let t1 = now(&self.scope);
        job.spent_ms += t1 - t0;
        if phase != Phase::Done {
            if t1 - job.last_progress_at >= FP_PROGRESS_MS {
                job.last_progress_at = t1;
                let event = Event::FixedPointProgress {
                    step: job.step,
                    fraction: job.search.progress(),
                };
                self.post(&event);
            }
            return;
        }
        let Some(job) = self.fp.take() else { return };
        // Points with non-finite numbers cannot cross the JSON wire; a diverged network has
        // none worth showing.
        let points: Vec<_> = job
            .search
            .results()
            .into_iter()
            .filter(|p| {
                p.q.is_finite()
                    && p.state.iter().chain(&p.readout).all(|v| v.is_finite())
                    && p.eigenvalues.iter().flatten().all(|v| v.is_finite())
            })
            .collect();
        let ms = job.spent_ms + (now(&self.scope) - t1);
        self.post(&Event::FixedPoints(Box::new(protocol::FixedPointsData {
            step: job.step,
            ms,
            options: job.options,
            points,
        })));
    }

    fn init(
        &mut self,
        config: Config,
        network: Option<WireNetwork>,
        base_step: u64,
        generation: u32,
    ) {
        let trainer = match network {
            None => Trainer::new(config).map_err(|e| format!("{e}")),
            Some(w) => match (config.validate(), w.to_network()) {
                (Err(e), _) => Err(format!("{e}")),
                (_, Err(e)) => Err(format!("the saved weights are unusable: {e}")),
                (Ok(()), Ok(net)) if net.config != config.model => {
                    Err("the saved weights do not match the configuration".to_string())
                }
                (Ok(()), Ok(net)) => Ok(Trainer::with_network(config, net)),
            },
        };
        match trainer {
            Err(e) => self.error(format!(
                "Could not build the network: {e}. The network is unchanged."
            )),
            Ok(t) => {
                self.cancel_fixed_points("the network was replaced");
                let n_params = t.config().model.n_params();
                self.trainer = Some(t);
                self.base_step = base_step;
                self.pending_losses.clear();
                self.last = None;
                self.elapsed_ms = 0.0;
                self.slice_start = None;
                self.speed = 0.0;
                self.last_metrics_step = base_step;
                self.set_running(false, None);
                self.post(&Event::Initialized {
                    n_params,
                    step: base_step,
                    generation,
                });
                self.metrics();
                self.snapshot();
                self.cube();
            }
        }
    }

    /// Up to `max_steps` steps or `budget_ms`, whichever first. False on divergence.
    fn train_steps(&mut self, max_steps: usize, budget_ms: f64) -> bool {
        let t0 = now(&self.scope);
        let base = self.base_step;
        let Some(trainer) = self.trainer.as_mut() else {
            self.error("No network yet: the worker has not been initialised.");
            return false;
        };
        for _ in 0..max_steps {
            match trainer.step() {
                Ok(ev) => {
                    self.pending_losses.push((base + ev.step, ev.loss));
                    self.last = Some(ev);
                }
                Err(e) => {
                    let msg = format!("{e}");
                    self.flush_progress();
                    self.error(msg);
                    self.set_running(false, Some("diverged".into()));
                    return false;
                }
            }
            if now(&self.scope) - t0 >= budget_ms {
                break;
            }
        }
        true
    }

    fn flush_progress(&mut self) {
        let Some(last) = self.last else { return };
        if self.pending_losses.is_empty() {
            return;
        }
        let losses = std::mem::take(&mut self.pending_losses);
        self.post(&Event::Progress {
            step: self.base_step + last.step,
            losses,
            lr: last.lr,
            grad_norm: last.grad_norm,
            steps_per_sec: self.speed,
            elapsed_ms: self.elapsed_now(),
        });
    }

    fn end_slice(&mut self) {
        if let Some(t0) = self.slice_start.take() {
            self.elapsed_ms += now(&self.scope) - t0;
        }
    }

    /// One slice of continuous training, then whatever reporting is due.
    fn tick(&mut self) {
        self.tick_pending = false;
        if self.fp.is_some() {
            self.fp_slice();
        }
        if self.running {
            self.slice_start = Some(now(&self.scope));
            self.slice();
            self.end_slice();
        }
        if self.fp.is_some() {
            self.schedule();
        }
    }

    fn slice(&mut self) {
        let t0 = now(&self.scope);
        let before = self.step_no();
        let ok = self.train_steps(usize::MAX, SLICE_MS);
        let t1 = now(&self.scope);
        let done = self.step_no() - before;
        if done > 0 && t1 > t0 {
            let rate = done as f64 * 1000.0 / (t1 - t0);
            self.speed = if self.speed == 0.0 {
                rate
            } else {
                0.8 * self.speed + 0.2 * rate
            };
        }
        self.flush_progress();
        if !ok {
            return;
        }
        // Evaluate when enough steps passed and the evaluation costs under ~20 % of the time.
        let step = self.step_no();
        if step >= self.last_metrics_step + METRICS_MIN_STEPS
            && t1 - self.last_metrics_at >= 4.0 * self.metrics_cost_ms
        {
            self.metrics();
        }
        // Snapshots likewise, at most a few per second.
        if t1 - self.last_snapshot_at >= SNAPSHOT_MIN_MS.max(4.0 * self.snapshot_cost_ms) {
            self.snapshot();
        }
        // The cube (two N × N eigendecompositions) at most once a second and under ~20 %.
        if t1 - self.last_cube_at >= CUBE_MIN_MS.max(4.0 * self.cube_cost_ms) {
            self.cube();
        }
        let max_steps = self
            .trainer
            .as_ref()
            .map_or(0, |t| t.config().train.max_steps);
        if step >= self.base_step + max_steps {
            self.metrics();
            self.snapshot();
            self.cube();
            self.set_running(
                false,
                Some(format!("step budget of {max_steps} steps reached")),
            );
            return;
        }
        if self.running {
            self.schedule();
        }
    }

    fn metrics(&mut self) {
        let t0 = now(&self.scope);
        let step = self.step_no();
        let Some(t) = self.trainer.as_mut() else {
            return;
        };
        let m = t.evaluate();
        let t1 = now(&self.scope);
        self.metrics_cost_ms = t1 - t0;
        self.last_metrics_at = t1;
        self.last_metrics_step = step;
        self.post(&Event::Metrics {
            step,
            mse: m.mse,
            bit_accuracy: m.bit_accuracy,
            solved: m.solved(),
            elapsed_ms: self.elapsed_now(),
        });
    }

    fn snapshot(&mut self) {
        let t0 = now(&self.scope);
        let step = self.step_no();
        let Some(t) = self.trainer.as_ref() else {
            return;
        };
        let snap = snapshot::build(t, step);
        self.post(&Event::Snapshot(Box::new(snap)));
        let t1 = now(&self.scope);
        self.snapshot_cost_ms = t1 - t0;
        self.last_snapshot_at = t1;
    }

    /// A share link of the current network (see `crate::share`).
    fn encode_link(&mut self, kind: &str) {
        let step = self.step_no();
        let Some(t) = self.trainer.as_ref() else {
            return self.error("No network yet: nothing to share.");
        };
        match crate::share::encode(kind, t.config(), t.network(), step) {
            Ok(fragment) => self.post(&Event::Link {
                kind: kind.to_string(),
                fragment,
                step,
            }),
            Err(e) => self.error(e),
        }
    }

    fn open_link(&mut self, text: &str) {
        let event = crate::share::open_link(text);
        self.post(&event);
    }

    fn import(&mut self, name: String, bytes: &[u8]) {
        let event = crate::share::import_file(name, bytes);
        self.post(&event);
    }

    /// The cube set run through the current network, both decompositions (an
    /// [`Event::Cube`]); an analysis failure (e.g. a diverged network) is reported as text.
    fn cube(&mut self) {
        let t0 = now(&self.scope);
        let step = self.step_no();
        let Some(t) = self.trainer.as_ref() else {
            return;
        };
        let task = &t.config().task;
        let event = match flipflop_core::analysis::cube_activity(t.network(), task) {
            Ok(act) => Event::Cube(Box::new(protocol::CubeData {
                step,
                bits: task.bits,
                state: act.state,
                svd: protocol::WireProjection::from_projection(&act.svd),
                pca: protocol::WireProjection::from_projection(&act.pca),
            })),
            Err(e) => Event::Error {
                message: format!("The memory-state cube could not be computed: {e}."),
            },
        };
        self.post(&event);
        self.last_cube_step = Some(step);
        let t1 = now(&self.scope);
        self.cube_cost_ms = t1 - t0;
        self.last_cube_at = t1;
    }

    fn bench(&mut self, config: Config, warmup: u32, repeats: u32) {
        let mut trainer = match Trainer::new(config) {
            Ok(t) => t,
            Err(e) => return self.error(format!("Benchmark configuration: {e}")),
        };
        let mut step_ms = Vec::new();
        for i in 0..warmup + repeats.max(1) {
            let t0 = now(&self.scope);
            if let Err(e) = trainer.step() {
                return self.error(format!("Benchmark: {e}"));
            }
            if i >= warmup {
                step_ms.push(now(&self.scope) - t0);
            }
        }
        self.post(&Event::BenchStep { step_ms });
    }
}

fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        web_sys::console::error_1(&format!("flipflop worker panicked: {info}").into());
    }));
}

/// Entry point of the worker binary: wires `onmessage`, then posts `Ready`.
pub fn start() -> Result<(), JsValue> {
    install_panic_hook();
    let scope: DedicatedWorkerGlobalScope = js_sys::global().dyn_into()?;
    let channel = MessageChannel::new()?;
    let state = Rc::new(RefCell::new(State {
        scope: scope.clone(),
        tick_port: channel.port2(),
        tick_pending: false,
        trainer: None,
        base_step: 0,
        running: false,
        pending_losses: Vec::new(),
        last: None,
        elapsed_ms: 0.0,
        slice_start: None,
        speed: 0.0,
        last_metrics_step: 0,
        last_metrics_at: 0.0,
        metrics_cost_ms: 0.0,
        last_snapshot_at: 0.0,
        snapshot_cost_ms: 0.0,
        last_cube_at: 0.0,
        cube_cost_ms: 0.0,
        last_cube_step: None,
        fp: None,
    }));

    let s = state.clone();
    let on_tick = Closure::<dyn FnMut(MessageEvent)>::new(move |_e: MessageEvent| {
        if let Ok(mut st) = s.try_borrow_mut() {
            st.tick();
        }
    });
    channel
        .port1()
        .set_onmessage(Some(on_tick.as_ref().unchecked_ref()));
    on_tick.forget();

    let s = state.clone();
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
        let Ok(mut st) = s.try_borrow_mut() else {
            return;
        };
        match e.data().as_string().map(|t| protocol::decode_command(&t)) {
            Some(Ok(cmd)) => st.handle(cmd),
            Some(Err(msg)) => st.error(format!("The worker could not read a command: {msg}")),
            None => st.error("The worker received a message that is not protocol text."),
        }
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();

    state.borrow().post(&Event::Ready {
        kernels: flipflop_core::train::kernels().to_string(),
    });
    Ok(())
}
