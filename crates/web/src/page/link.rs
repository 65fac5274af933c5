//! The page's end of the worker: spawning it, queueing commands until it is ready, the
//! `Init` generations ([`InitGate`]), and restarting it after a crash.

use crate::protocol::{self, Command, InitGate};
use wasm_bindgen::prelude::*;
use web_sys::{Worker, WorkerOptions, WorkerType};

/// Crashes within this window count towards giving up on restarting, ms.
pub const CRASH_WINDOW_MS: f64 = 30_000.0;
/// Restarts allowed within [`CRASH_WINDOW_MS`].
pub const MAX_CRASHES: usize = 3;

/// The worker as the page sees it.
#[derive(Default)]
pub struct WorkerLink {
    worker: Option<Worker>,
    ready: bool,
    queue: Vec<Command>,
    /// Events from before the last `Init` are stale until its answer.
    pub gate: InitGate,
    crashes: Vec<f64>,
}

impl WorkerLink {
    /// Starts a module worker through `worker_loader.js` (which picks the relaxed-SIMD build
    /// where the browser has it). Benchmark switches on the page pass on to the worker:
    /// `?kernels=simd128` forces the plain build, `?checks=inline` keeps the held-out checks
    /// on the training thread (no checking worker).
    pub fn spawn(&mut self) -> Result<Worker, JsValue> {
        let opts = WorkerOptions::new();
        opts.set_type(WorkerType::Module);
        let search = web_sys::window()
            .and_then(|w| w.location().search().ok())
            .unwrap_or_default();
        let switches: Vec<&str> = ["kernels=simd128", "checks=inline"]
            .into_iter()
            .filter(|s| search.contains(s))
            .collect();
        let url = if switches.is_empty() {
            "./worker_loader.js".to_string()
        } else {
            format!("./worker_loader.js?{}", switches.join("&"))
        };
        let worker = Worker::new_with_options(&url, &opts)?;
        self.worker = Some(worker.clone());
        self.ready = false;
        Ok(worker)
    }

    /// Sends `cmd`, or queues it until `Ready`.
    pub fn send(&mut self, cmd: Command) -> Result<(), String> {
        match (&self.worker, self.ready) {
            (Some(w), true) => w
                .post_message(&JsValue::from_str(&protocol::encode(&cmd)))
                .map_err(|e| format!("Could not reach the training worker: {e:?}")),
            _ => {
                self.queue.push(cmd);
                Ok(())
            }
        }
    }

    /// The worker is ready: sends what was queued.
    pub fn on_ready(&mut self) -> Result<(), String> {
        self.ready = true;
        for cmd in std::mem::take(&mut self.queue) {
            self.send(cmd)?;
        }
        Ok(())
    }

    /// Drops a queued `Init` of fresh seeded weights (the pre-trained network replaces it).
    pub fn drop_queued_fresh_init(&mut self) {
        if !self.ready {
            self.queue
                .retain(|c| !matches!(c, Command::Init { network: None, .. }));
        }
    }

    /// The worker died at `now`: terminates it and says whether to restart (fewer than
    /// [`MAX_CRASHES`] crashes in [`CRASH_WINDOW_MS`]) and how many there were.
    pub fn crashed(&mut self, now: f64) -> (bool, usize) {
        if let Some(w) = self.worker.take() {
            w.terminate();
        }
        self.crashes.retain(|t| now - t < CRASH_WINDOW_MS);
        self.crashes.push(now);
        self.queue.clear();
        (self.crashes.len() <= MAX_CRASHES, self.crashes.len())
    }
}
