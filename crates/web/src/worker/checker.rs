//! The checking worker: held-out checks off the training thread.
//!
//! Where the browser lets the training worker start a nested worker (every browser the lab
//! supports; no cross-origin isolation needed), the training worker starts one more copy of
//! its own build, named [`CHECKER_NAME`], which runs [`CheckService`] instead of a session.
//! While training runs, the [`Session`](super::Session) sends it the weights of a step
//! (a [`CheckRequest`]) whenever it is idle and enough steps have passed ([`check_interval`]:
//! 25, 50 or 100 as the last result was close to the rule, near or far), and
//! turns each [`CheckReply`] into the `Event::Metrics` the page would have had from an
//! inline check of that step: the same numbers (`flipflop_core::train::HeldOut`, tested
//! against `Trainer::check`), the same verdict.
//!
//! Why: a check of the default preset costs about 4.5 training steps and its confirmation
//! four more. On the training thread they were paced to 4.5 % of its time, one check about
//! every 130 steps; but training is not monotone near the threshold (a network passes at
//! one step and fails 50 steps later), so sparse checks miss the windows in which it passes:
//! natively, checks every 130 steps took seeds 1–5 to solved in 3,250, 1,950, 2,600, 2,600,
//! 1,950 steps against 1,800, 1,900, 2,500, 1,650, 1,750 with checks every 25 (BENCHMARKS.md,
//! "Checks on their own thread"). On their own thread the checks leave the training thread
//! (in the browser, over two A/B runs of seeds 1–5, the median time to solved fell by about
//! 7 %, from 72.4 to 67.0 s).
//!
//! Without a checking worker (it failed to start, or stopped answering for
//! [`CHECKER_TIMEOUT_MS`]) the session checks inline, paced as before.

use crate::protocol::{self, CheckOutcome, CheckReply, CheckRequest, Confirmation, ProtocolError};
use flipflop_core::task::{presets, TaskKind};
use flipflop_core::train::HeldOut;

/// The name a checking worker is started with; [`super::start`] checks it.
pub const CHECKER_NAME: &str = "flipflop-check";
/// Fewest optimiser steps between two checks sent to the checking worker while the last
/// result was close to the task's rule (`flipflop_core::task::presets::close_to_solved`),
/// and before the first result.
pub const CHECK_EVERY_STEPS: u64 = 25;
/// Fewest optimiser steps between two checks while the last result was near the rule
/// (`presets::near_solved`) but not close.
pub const CHECK_EVERY_STEPS_NEAR: u64 = 50;
/// Fewest optimiser steps between two checks while the last result was far from the rule
/// (a check of the default preset costs about 4.5 steps: 4.5 % of a core instead of 18 %).
pub const CHECK_EVERY_STEPS_FAR: u64 = 100;
/// A check unanswered this long (ms) switches the session back to inline checks (a check of
/// the default preset takes about 0.1 s, with its confirmation about 0.5 s).
pub const CHECKER_TIMEOUT_MS: f64 = 30_000.0;

/// Fewest steps from a check with results `mse` and `accuracy` (task `kind`) to the next:
/// [`CHECK_EVERY_STEPS`] when close to the rule, [`CHECK_EVERY_STEPS_NEAR`] when near,
/// [`CHECK_EVERY_STEPS_FAR`] otherwise. The checks share the machine with the training
/// (on 2 cores, with the page's drawing), so they are dense only where they can pass.
pub fn check_interval(kind: TaskKind, mse: f32, accuracy: f32) -> u64 {
    if presets::close_to_solved(kind, mse, accuracy) {
        CHECK_EVERY_STEPS
    } else if presets::near_solved(kind, mse, accuracy) {
        CHECK_EVERY_STEPS_NEAR
    } else {
        CHECK_EVERY_STEPS_FAR
    }
}

/// The checking worker's state: the held-out check of the last configuration it was asked
/// about (trials drawn once, workspaces reused while one network trains).
#[derive(Default)]
pub struct CheckService {
    key: String,
    held: Option<HeldOut>,
}

impl CheckService {
    /// Answers one request (text as [`protocol::encode`] makes it) with the encoded
    /// [`CheckReply`], or the protocol error of an unreadable request (nothing to echo).
    pub fn answer(
        &mut self,
        text: &str,
        clock: &mut dyn FnMut() -> f64,
    ) -> Result<String, ProtocolError> {
        let req = protocol::decode_check_request(text)?;
        let t0 = clock();
        let outcome = self.check(&req);
        Ok(protocol::encode(&CheckReply {
            generation: req.generation,
            step: req.step,
            elapsed_ms: req.elapsed_ms,
            outcome,
            cost_ms: clock() - t0,
        }))
    }

    fn check(&mut self, req: &CheckRequest) -> Result<CheckOutcome, String> {
        req.config.validate().map_err(|e| e.to_string())?;
        let net = req.network.to_network().map_err(|e| e.to_string())?;
        if net.config != req.config.model {
            return Err("the weights do not match the configuration".to_string());
        }
        let (task, seed, trials) = (
            &req.config.task,
            req.config.seed,
            req.config.train.val_trials,
        );
        let key = serde_json::to_string(&(task, seed, trials)).unwrap_or_default();
        if self.held.is_none() || key != self.key {
            self.held = Some(HeldOut::new(task, seed, trials));
            self.key = key;
        }
        let held = self.held.as_mut().ok_or("no held-out set")?;
        let check = held.check(&net);
        Ok(CheckOutcome {
            mse: check.metrics.mse,
            bit_accuracy: check.metrics.bit_accuracy,
            solved: check.solved,
            confirmed: check.confirmed.map(|c| Confirmation {
                mse: c.mse,
                bit_accuracy: c.bit_accuracy,
                trials: c.trials,
            }),
        })
    }
}

#[cfg(target_arch = "wasm32")]
pub use web::{checker_start, CheckerLink};

#[cfg(target_arch = "wasm32")]
mod web {
    use super::{CheckService, CHECKER_NAME};
    use js_sys::Reflect;
    use wasm_bindgen::prelude::*;
    use wasm_bindgen::JsCast;
    use web_sys::{DedicatedWorkerGlobalScope, MessageEvent, Worker, WorkerOptions, WorkerType};

    /// The training worker's handle on its checking worker.
    pub struct CheckerLink {
        worker: Worker,
    }

    impl CheckerLink {
        /// Starts the checking worker (the same build as `scope`'s); `on_message` gets its
        /// messages: the text "hello" once it has loaded, then encoded replies. `None` where
        /// the browser refuses a nested worker.
        pub fn start(
            scope: &DedicatedWorkerGlobalScope,
            on_message: Box<dyn FnMut(Option<String>)>,
        ) -> Option<Self> {
            let url = Reflect::get(scope, &"location".into())
                .and_then(|l| Reflect::get(&l, &"href".into()))
                .ok()
                .and_then(|v| v.as_string())?;
            let opts = WorkerOptions::new();
            opts.set_type(WorkerType::Module);
            opts.set_name(CHECKER_NAME);
            let worker = match Worker::new_with_options(&url, &opts) {
                Ok(w) => w,
                Err(e) => {
                    web_sys::console::warn_2(&"flipflop: no checking worker:".into(), &e);
                    return None;
                }
            };
            let on_message = std::rc::Rc::new(std::cell::RefCell::new(on_message));
            let m = on_message.clone();
            let on_msg = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
                (m.borrow_mut())(Some(e.data().as_string().unwrap_or_default()));
            });
            worker.set_onmessage(Some(on_msg.as_ref().unchecked_ref()));
            on_msg.forget();
            // A worker that fails (a script error, out of memory) is reported as `None`.
            let on_err = Closure::<dyn FnMut(web_sys::Event)>::new(move |_e: web_sys::Event| {
                (on_message.borrow_mut())(None);
            });
            worker.set_onerror(Some(on_err.as_ref().unchecked_ref()));
            on_err.forget();
            Some(Self { worker })
        }

        /// Sends one encoded request; false if the browser refused it.
        pub fn post(&self, text: &str) -> bool {
            self.worker.post_message(&JsValue::from_str(text)).is_ok()
        }
    }

    /// Entry point of a checking worker: answers each request, then says it is loaded.
    pub fn checker_start(scope: &DedicatedWorkerGlobalScope) -> Result<(), JsValue> {
        let mut service = CheckService::default();
        let s = scope.clone();
        let on_request = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
            let text = e.data().as_string().unwrap_or_default();
            let perf = s.performance();
            let mut clock = || perf.as_ref().map_or_else(js_sys::Date::now, |p| p.now());
            match service.answer(&text, &mut clock) {
                Ok(reply) => {
                    let _ = s.post_message(&JsValue::from_str(&reply));
                }
                Err(err) => web_sys::console::error_1(
                    &format!("flipflop checker: unreadable request: {err}").into(),
                ),
            }
        });
        scope.set_onmessage(Some(on_request.as_ref().unchecked_ref()));
        on_request.forget();
        scope.post_message(&JsValue::from_str("hello"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{encode, WireNetwork};
    use flipflop_core::{Config, Trainer};

    fn small() -> Config {
        let mut c = Config::default();
        c.model.hidden = 16;
        c.task.trial_len = 60;
        c.train.val_trials = 8;
        c.train.train_trial_len = 0;
        c.validate().expect("valid");
        c
    }

    fn request(t: &Trainer, generation: u32, step: u64) -> String {
        encode(&CheckRequest {
            generation,
            step,
            elapsed_ms: 12.5,
            config: t.config().clone(),
            network: WireNetwork::from_network(t.network()),
        })
    }

    /// The service's verdicts are the trainer's own checks, network after network, and
    /// echo what the session needs to place them.
    #[test]
    fn replies_are_the_trainers_checks() {
        let mut t = Trainer::new(small()).expect("valid");
        let mut service = CheckService::default();
        let mut now = 0.0;
        let mut clock = move || {
            now += 1.0;
            now
        };
        for step in 1..=3u64 {
            t.step().expect("finite");
            let text = service
                .answer(&request(&t, 7, step), &mut clock)
                .expect("readable");
            let reply = protocol::decode_check_reply(&text).expect("a reply");
            assert_eq!(
                (reply.generation, reply.step, reply.elapsed_ms),
                (7, step, 12.5)
            );
            let check = t.check();
            let got = reply.outcome.expect("checked");
            assert_eq!(got.mse, check.metrics.mse);
            assert_eq!(got.bit_accuracy, check.metrics.bit_accuracy);
            assert_eq!(got.solved, check.solved);
            assert_eq!(got.confirmed.map(|c| c.mse), check.confirmed.map(|c| c.mse));
            assert!(reply.cost_ms > 0.0);
        }
    }

    /// Checks are dense only where they can pass: every 25 steps close to the rule, 50
    /// near it, 100 far from it, for the flip-flop (by MSE) and the other tasks (by
    /// accuracy, as their rule).
    #[test]
    fn checks_thin_out_away_from_the_rule() {
        let ff = TaskKind::FlipFlop;
        assert_eq!(check_interval(ff, 0.049, 0.999), CHECK_EVERY_STEPS);
        assert_eq!(check_interval(ff, 0.06, 0.99), CHECK_EVERY_STEPS);
        assert_eq!(check_interval(ff, 0.08, 0.999), CHECK_EVERY_STEPS_NEAR);
        assert_eq!(check_interval(ff, 0.1, 0.999), CHECK_EVERY_STEPS_NEAR);
        assert_eq!(check_interval(ff, 0.2, 0.9), CHECK_EVERY_STEPS_FAR);
        let dm = TaskKind::PerceptualDm;
        let acc = presets::solved_accuracy(dm);
        assert_eq!(check_interval(dm, 0.5, acc - 0.01), CHECK_EVERY_STEPS);
        assert_eq!(check_interval(dm, 0.5, acc - 0.05), CHECK_EVERY_STEPS_NEAR);
        assert_eq!(check_interval(dm, 0.5, acc - 0.2), CHECK_EVERY_STEPS_FAR);
        let ordered = CHECK_EVERY_STEPS < CHECK_EVERY_STEPS_NEAR
            && CHECK_EVERY_STEPS_NEAR < CHECK_EVERY_STEPS_FAR;
        assert!(ordered);
    }

    /// Weights that do not fit the configuration are answered with a reason, and an
    /// unreadable request with a protocol error; neither panics.
    #[test]
    fn bad_requests_are_answered_not_panicked_on() {
        let t = Trainer::new(small()).expect("valid");
        let mut other = small();
        other.model.hidden = 8;
        let mut req = protocol::decode_check_request(&request(&t, 1, 1)).expect("ours");
        req.config = other;
        let mut service = CheckService::default();
        let mut clock = || 0.0;
        let text = service.answer(&encode(&req), &mut clock).expect("readable");
        let reply = protocol::decode_check_reply(&text).expect("a reply");
        assert!(reply.outcome.is_err(), "{reply:?}");
        assert!(service.answer("{\"v\":1}", &mut clock).is_err());
        assert!(service.answer("not json", &mut clock).is_err());
    }
}
