//! The training worker: a pure [`Session`] (the policy, tested natively) inside a thin
//! web-sys shell (wasm only) that reads commands from `onmessage`, schedules the session's
//! slices through a `MessageChannel` (no 4 ms timer clamping) and posts its events.
//!
//! **Architecture Invariant:** the worker never panics on anything the page sends; a bad
//! command becomes an [`Event::Error`](crate::protocol::Event) and leaves the trainer as it
//! was. (The one exception is the `DebugCrash` test hook, which the shell handles.)

pub mod checker;
pub mod compare;
pub mod loaders;
pub mod picture;
pub mod pool;
pub mod session;
pub mod snapshot;
pub mod sweep;
pub mod throttle;

pub use session::Session;

#[cfg(target_arch = "wasm32")]
mod shell;
#[cfg(target_arch = "wasm32")]
pub use shell::start;
