//! The pool itself (wasm only): helper workers and the `SharedArrayBuffer` they share with
//! the training worker (the lead). See the module doc of [`super`].

use super::layout::{self, Layout, CMD, CMD_RELEASE, DONE, GEN, MASKED, READY, TRIALS};
use flipflop_core::train::shares::{Serial, ShareJob, SharePool};
use flipflop_core::{ModelConfig, Network};
use js_sys::{Array, Atomics, Float32Array, Int32Array, Reflect, SharedArrayBuffer};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent, Worker, WorkerOptions, WorkerType};

/// The name a helper worker is started with; [`crate::worker::start`] checks it.
pub const HELPER_NAME: &str = "flipflop-share";
/// Most helper workers (the lead makes the threads one more).
const MAX_HELPERS: usize = 7;
/// Longest wait for a helper's share, ms, before the lead computes it itself and stops
/// using the pool (a share of the default preset takes tens of ms).
const TIMEOUT_MS: f64 = 10_000.0;

/// The buffer of one layout and its two views.
struct Buffer {
    layout: Layout,
    sab: SharedArrayBuffer,
    ints: Int32Array,
    floats: Float32Array,
    /// Whether each helper was sent this buffer.
    sent: Vec<bool>,
    model: String,
}

impl Buffer {
    fn new(layout: Layout, model: &ModelConfig) -> Self {
        let sab = SharedArrayBuffer::new((layout.total_words() * 4) as u32);
        Self {
            ints: Int32Array::new(&sab),
            floats: Float32Array::new(&sab),
            sab,
            sent: vec![false; layout.helpers],
            model: serde_json::to_string(model).unwrap_or_default(),
            layout,
        }
    }

    fn load(&self, i: usize) -> i32 {
        Atomics::load(&self.ints, i as u32).unwrap_or(0)
    }

    fn store(&self, i: usize, v: i32) {
        let _ = Atomics::store(&self.ints, i as u32, v);
    }

    /// Tells the helpers blocked on this buffer to return to their event loop.
    fn release(&self) {
        self.store(CMD, CMD_RELEASE);
        self.store(GEN, self.load(GEN).wrapping_add(1));
        let _ = Atomics::notify(&self.ints, GEN as u32);
    }

    fn message(&self, h: usize) -> Array {
        let l = &self.layout;
        let shape = [
            h,
            l.helpers,
            l.params,
            l.trial_len,
            l.inputs,
            l.outputs,
            l.max_trials,
        ];
        let msg = Array::new();
        msg.push(&self.sab);
        msg.push(&JsValue::from_str(&self.model));
        for v in shape {
            msg.push(&JsValue::from_f64(v as f64));
        }
        msg
    }
}

/// Runs gradient shares on helper workers started on demand (when the browser is
/// cross-origin isolated), the rest serially on the lead. Results equal [`Serial`]'s bit for
/// bit: every share is [`ShareJob::run`] on the same numbers.
pub struct WebPool {
    /// The lead's own script address (helpers load the same build).
    url: String,
    /// Helpers the browser lets us use (hardware threads − 1, at most [`MAX_HELPERS`]).
    max_helpers: usize,
    helpers: Vec<Worker>,
    /// Set when helper `h` has loaded its wasm and can take a buffer.
    alive: Rc<RefCell<Vec<bool>>>,
    buf: Option<Buffer>,
    /// Off after a helper failed to answer in time.
    broken: bool,
    /// Threads of the last step (lead included); the shell reports changes.
    threads: Rc<Cell<usize>>,
    scratch: Vec<f32>,
}

impl WebPool {
    /// A pool for this worker, or `None` where the page is not cross-origin isolated (no
    /// `SharedArrayBuffer`) or the machine has one hardware thread.
    pub fn new(scope: &DedicatedWorkerGlobalScope, threads: Rc<Cell<usize>>) -> Option<Self> {
        let isolated = Reflect::get(scope, &"crossOriginIsolated".into())
            .ok()
            .and_then(|v| v.as_bool())
            .unwrap_or(false);
        let cores = Reflect::get(scope, &"navigator".into())
            .and_then(|n| Reflect::get(&n, &"hardwareConcurrency".into()))
            .ok()
            .and_then(|v| v.as_f64())
            .unwrap_or(1.0) as usize;
        let url = Reflect::get(scope, &"location".into())
            .and_then(|l| Reflect::get(&l, &"href".into()))
            .ok()
            .and_then(|v| v.as_string())?;
        (isolated && cores >= 2).then(|| Self {
            url,
            max_helpers: (cores - 1).min(MAX_HELPERS),
            helpers: Vec::new(),
            alive: Rc::new(RefCell::new(Vec::new())),
            buf: None,
            broken: false,
            threads,
            scratch: Vec::new(),
        })
    }

    /// Starts helpers up to `wanted` (they report when loaded).
    fn spawn(&mut self, wanted: usize) {
        while self.helpers.len() < wanted.min(self.max_helpers) {
            let h = self.helpers.len();
            let opts = WorkerOptions::new();
            opts.set_type(WorkerType::Module);
            opts.set_name(HELPER_NAME);
            let worker = match Worker::new_with_options(&self.url, &opts) {
                Ok(w) => w,
                Err(e) => {
                    web_sys::console::warn_2(&"flipflop: no helper worker:".into(), &e);
                    self.max_helpers = self.helpers.len();
                    return;
                }
            };
            self.alive.borrow_mut().push(false);
            let alive = self.alive.clone();
            let on_hello = Closure::<dyn FnMut(MessageEvent)>::new(move |_e: MessageEvent| {
                if let Some(a) = alive.borrow_mut().get_mut(h) {
                    *a = true;
                }
            });
            worker.set_onmessage(Some(on_hello.as_ref().unchecked_ref()));
            on_hello.forget();
            self.helpers.push(worker);
        }
    }

    /// The buffer for `layout`, replacing (and releasing) one of another layout; sends it
    /// to the helpers that are loaded and have not got it yet.
    fn buffer(&mut self, layout: Layout, net: &Network) -> &mut Buffer {
        if self.buf.as_ref().is_some_and(|b| b.layout != layout) {
            if let Some(old) = self.buf.take() {
                old.release();
            }
        }
        let buf = self
            .buf
            .get_or_insert_with(|| Buffer::new(layout, &net.config));
        let alive = self.alive.borrow();
        for h in 0..layout.helpers {
            if !buf.sent[h] && alive.get(h).copied().unwrap_or(false) {
                buf.sent[h] = self.helpers[h].post_message(&buf.message(h)).is_ok();
            }
        }
        buf
    }

    fn fall_back(&mut self, net: &Network, jobs: &mut [ShareJob]) {
        self.threads.set(1);
        Serial.run(net, jobs);
    }
}

impl SharePool for WebPool {
    fn run(&mut self, net: &Network, jobs: &mut [ShareJob]) {
        let helpers = self.max_helpers.min(jobs.len().saturating_sub(1));
        if self.broken || helpers == 0 {
            return self.fall_back(net, jobs);
        }
        self.spawn(helpers);
        let first = &jobs[0].batch;
        let layout = Layout {
            helpers,
            params: layout::param_count(net),
            trial_len: first.trial_len,
            inputs: first.inputs,
            outputs: first.outputs,
            max_trials: jobs.iter().map(|j| j.batch.batch).max().unwrap_or(0),
        };
        let mut scratch = std::mem::take(&mut self.scratch);
        let buf = self.buffer(layout, net);
        // Helper h takes job h + 1 when it is ready; the lead runs the others.
        let ready: Vec<bool> = (0..helpers)
            .map(|h| buf.load(layout.helper_word(h, READY)) == 1)
            .collect();
        if !ready.iter().any(|&r| r) {
            self.scratch = scratch;
            return self.fall_back(net, jobs);
        }
        scratch.clear();
        layout::pack_network(net, &mut scratch);
        buf.floats
            .subarray(
                layout.weights() as u32,
                (layout.weights() + layout.params) as u32,
            )
            .copy_from(&scratch);
        for h in 0..helpers {
            let mut trials = 0;
            if ready[h] {
                scratch.clear();
                let masked = layout::pack_batch(&jobs[h + 1].batch, &mut scratch);
                let at = layout.trials(h) as u32;
                buf.floats
                    .subarray(at, at + scratch.len() as u32)
                    .copy_from(&scratch);
                buf.store(layout.helper_word(h, MASKED), i32::from(masked));
                trials = jobs[h + 1].batch.batch as i32;
            }
            buf.store(layout.helper_word(h, TRIALS), trials);
        }
        let gen = buf.load(GEN).wrapping_add(1);
        buf.store(GEN, gen);
        let _ = Atomics::notify(&buf.ints, GEN as u32);
        // The lead's share, and any the helpers do not take.
        for (i, job) in jobs.iter_mut().enumerate() {
            if i == 0 || i > helpers || !ready[i - 1] {
                job.run(net);
            }
        }
        let now = || js_sys::Date::now();
        let deadline = now() + TIMEOUT_MS;
        let mut used = 1;
        let mut failed = false;
        for h in (0..helpers).filter(|&h| ready[h]) {
            let done = layout.helper_word(h, DONE);
            loop {
                let d = buf.load(done);
                if d == gen || failed {
                    break;
                }
                let left = deadline - now();
                if left <= 0.0 {
                    failed = true;
                    break;
                }
                let _ = Atomics::wait_with_timeout(&buf.ints, done as u32, d, left);
            }
            let job = &mut jobs[h + 1];
            if buf.load(done) != gen {
                job.run(net);
                continue;
            }
            scratch.resize(1 + layout.params, 0.0);
            let at = layout.loss(h) as u32;
            buf.floats
                .subarray(at, at + 1 + layout.params as u32)
                .copy_to(&mut scratch);
            job.loss = scratch[0];
            layout::unpack_network(&scratch[1..], &mut job.grads);
            used += 1;
        }
        self.scratch = scratch;
        if failed {
            web_sys::console::warn_1(
                &"Flip-Flop Lab: a helper worker did not answer in time; training goes on in one thread."
                    .into(),
            );
            self.broken = true;
            if let Some(b) = self.buf.take() {
                b.release();
            }
            for w in self.helpers.drain(..) {
                w.terminate();
            }
            used = 1;
        }
        self.threads.set(used);
    }
}

/// A helper's state for one buffer.
struct Helper {
    ints: Int32Array,
    floats: Float32Array,
    layout: Layout,
    h: usize,
    net: Network,
    job: ShareJob,
    scratch: Vec<f32>,
}

impl Helper {
    /// Reads a buffer message ([`Buffer::message`]).
    fn from_message(data: &JsValue) -> Option<Self> {
        let msg: &Array = data.dyn_ref()?;
        let sab = msg.get(0);
        let model: ModelConfig = serde_json::from_str(&msg.get(1).as_string()?).ok()?;
        let n = |i: u32| msg.get(i).as_f64().map(|v| v as usize);
        let layout = Layout {
            helpers: n(3)?,
            params: n(4)?,
            trial_len: n(5)?,
            inputs: n(6)?,
            outputs: n(7)?,
            max_trials: n(8)?,
        };
        Some(Self {
            ints: Int32Array::new(&sab),
            floats: Float32Array::new(&sab),
            h: n(2)?,
            net: Network::zeros(&model),
            job: ShareJob::new(&model),
            layout,
            scratch: Vec::new(),
        })
    }

    fn load(&self, i: usize) -> i32 {
        Atomics::load(&self.ints, i as u32).unwrap_or(0)
    }

    /// Runs the jobs of each new generation until told to release the buffer.
    fn serve(&mut self) {
        let l = self.layout;
        let mut seen = self.load(GEN);
        let _ = Atomics::store(&self.ints, l.helper_word(self.h, READY) as u32, 1);
        loop {
            let _ = Atomics::wait(&self.ints, GEN as u32, seen);
            let gen = self.load(GEN);
            if gen == seen {
                continue;
            }
            seen = gen;
            if self.load(CMD) == CMD_RELEASE {
                return;
            }
            let trials = self.load(l.helper_word(self.h, TRIALS)) as usize;
            if trials > 0 {
                let masked = self.load(l.helper_word(self.h, MASKED)) == 1;
                self.scratch.resize(l.params.max(l.job_words()), 0.0);
                let w = l.weights() as u32;
                self.floats
                    .subarray(w, w + l.params as u32)
                    .copy_to(&mut self.scratch[..l.params]);
                layout::unpack_network(&self.scratch[..l.params], &mut self.net);
                let at = l.trials(self.h) as u32;
                self.floats
                    .subarray(at, at + l.job_words() as u32)
                    .copy_to(&mut self.scratch[..l.job_words()]);
                layout::unpack_batch(&self.scratch, &l, trials, masked, &mut self.job.batch);
                self.job.run(&self.net);
                self.scratch.clear();
                self.scratch.push(self.job.loss);
                layout::pack_network(&self.job.grads, &mut self.scratch);
                let at = l.loss(self.h) as u32;
                self.floats
                    .subarray(at, at + self.scratch.len() as u32)
                    .copy_from(&self.scratch);
            }
            let done = l.helper_word(self.h, DONE) as u32;
            let _ = Atomics::store(&self.ints, done, gen);
            let _ = Atomics::notify(&self.ints, done);
        }
    }
}

/// Entry point of a helper worker: serves each buffer the lead sends, then says it is loaded.
pub fn helper_start(scope: &DedicatedWorkerGlobalScope) -> Result<(), JsValue> {
    let on_buffer =
        Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| match Helper::from_message(
            &e.data(),
        ) {
            Some(mut helper) => helper.serve(),
            None => web_sys::console::error_1(&"flipflop helper: unreadable buffer message".into()),
        });
    scope.set_onmessage(Some(on_buffer.as_ref().unchecked_ref()));
    on_buffer.forget();
    scope.post_message(&JsValue::from_str("hello"))
}
