//! The worker's web-sys shell: messages in, events out, a tick port for slices. All policy
//! is the [`Session`]'s.

use super::{checker, pool, Session};
use crate::protocol::{self, Command, Event};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{DedicatedWorkerGlobalScope, MessageChannel, MessageEvent, MessagePort};

struct Shell {
    scope: DedicatedWorkerGlobalScope,
    /// Posting to this port schedules the next tick.
    tick_port: MessagePort,
    tick_pending: bool,
    session: Session,
    /// Threads of the last step (set by the pool) and the count last reported.
    threads: Rc<Cell<usize>>,
    reported_threads: usize,
    /// The checking worker (held-out checks off this thread), started at the first Train.
    checker: Option<checker::CheckerLink>,
    checker_tried: bool,
    /// This shell, for the checking worker's callback.
    me: std::rc::Weak<RefCell<Shell>>,
}

/// The worker's clock, ms (`performance.now()`, or the date where there is none).
fn clock(scope: &DedicatedWorkerGlobalScope) -> impl FnMut() -> f64 {
    let scope = scope.clone();
    move || {
        scope
            .performance()
            .map_or_else(js_sys::Date::now, |p| p.now())
    }
}

impl Shell {
    fn post(&self, event: &Event) {
        let text = protocol::encode(event);
        if let Err(e) = self.scope.post_message(&JsValue::from_str(&text)) {
            web_sys::console::error_2(&"flipflop worker: postMessage failed".into(), &e);
        }
    }

    /// Posts the session's events and schedules a tick if it has work.
    fn flush(&mut self) {
        if self.session.running() && !self.checker_tried {
            self.start_checker();
        }
        for req in self.session.take_check_requests() {
            let sent = self
                .checker
                .as_ref()
                .is_some_and(|c| c.post(&protocol::encode(&req)));
            if !sent {
                self.session.disable_checker();
            }
        }
        for event in self.session.drain() {
            self.post(&event);
        }
        if self.threads.get() != self.reported_threads {
            self.reported_threads = self.threads.get();
            self.post(&Event::Threads {
                threads: self.reported_threads,
            });
        }
        if self.session.wants_tick() && !self.tick_pending {
            self.tick_pending = self.tick_port.post_message(&JsValue::NULL).is_ok();
        }
    }

    fn handle(&mut self, cmd: Command) {
        if cmd == Command::DebugCrash {
            panic!("DebugCrash requested by the page (test hook)");
        }
        if matches!(cmd, Command::Init { .. }) {
            // A new network starts on the lead alone (one share never reaches the pool);
            // the pool sets its threads again at its first step.
            self.threads.set(1);
        }
        let mut clock = clock(&self.scope);
        self.session.handle(cmd, &mut clock);
        self.flush();
    }

    /// Starts the checking worker (once; checks stay inline until it says hello), unless
    /// the page asked for inline checks (`?checks=inline`, a benchmark switch).
    fn start_checker(&mut self) {
        self.checker_tried = true;
        let inline = js_sys::Reflect::get(&self.scope, &"location".into())
            .and_then(|l| js_sys::Reflect::get(&l, &"search".into()))
            .ok()
            .and_then(|v| v.as_string())
            .is_some_and(|s| s.contains("checks=inline"));
        if inline {
            return;
        }
        let me = self.me.clone();
        self.checker = checker::CheckerLink::start(
            &self.scope,
            Box::new(move |message| {
                if let Some(sh) = me.upgrade() {
                    if let Ok(mut sh) = sh.try_borrow_mut() {
                        sh.on_checker(message);
                    }
                }
            }),
        );
    }

    /// A message of the checking worker: "hello" when it has loaded, then replies; `None`
    /// when it failed.
    fn on_checker(&mut self, message: Option<String>) {
        match message.as_deref() {
            Some("hello") => self.session.enable_checker(),
            Some(text) => match protocol::decode_check_reply(text) {
                Ok(reply) => self.session.on_check_reply(reply),
                Err(e) => {
                    web_sys::console::warn_1(
                        &format!("flipflop: unreadable check reply ({e}); checking inline").into(),
                    );
                    self.session.disable_checker();
                }
            },
            None => {
                web_sys::console::warn_1(
                    &"flipflop: the checking worker failed; checking inline".into(),
                );
                self.session.disable_checker();
                self.checker = None;
            }
        }
        self.flush();
    }

    fn tick(&mut self) {
        self.tick_pending = false;
        let mut clock = clock(&self.scope);
        self.session.tick(&mut clock);
        self.flush();
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
    if scope.name() == pool::HELPER_NAME {
        return pool::helper_start(&scope);
    }
    if scope.name() == checker::CHECKER_NAME {
        return checker::checker_start(&scope);
    }
    let threads = Rc::new(Cell::new(1));
    let mut session = Session::new();
    if let Some(p) = pool::WebPool::new(&scope, threads.clone()) {
        session.set_pool(Box::new(p));
    }
    let channel = MessageChannel::new()?;
    let shell = Rc::new(RefCell::new(Shell {
        scope: scope.clone(),
        tick_port: channel.port2(),
        tick_pending: false,
        session,
        threads,
        reported_threads: 1,
        checker: None,
        checker_tried: false,
        me: std::rc::Weak::new(),
    }));
    shell.borrow_mut().me = Rc::downgrade(&shell);

    let s = shell.clone();
    let on_tick = Closure::<dyn FnMut(MessageEvent)>::new(move |_e: MessageEvent| {
        if let Ok(mut sh) = s.try_borrow_mut() {
            sh.tick();
        }
    });
    channel
        .port1()
        .set_onmessage(Some(on_tick.as_ref().unchecked_ref()));
    on_tick.forget();

    let s = shell.clone();
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
        let Ok(mut sh) = s.try_borrow_mut() else {
            return;
        };
        let decoded = e
            .data()
            .as_string()
            .ok_or(protocol::ProtocolError::NotText)
            .and_then(|t| protocol::decode_command(&t));
        match decoded {
            Ok(cmd) => sh.handle(cmd),
            Err(err) => {
                let event = Event::Error {
                    message: format!("The worker could not read a command: {err}."),
                    generation: sh.session.generation(),
                };
                sh.post(&event);
            }
        }
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();

    shell.borrow().post(&Event::Ready {
        kernels: flipflop_core::train::kernels().to_string(),
    });
    Ok(())
}
