//! Flip-Flop Lab in the browser: the page and the training worker, thin glue over
//! `flipflop-core` and `flipflop-formats`.
//!
//! - [`protocol`]: the one message protocol between page and worker (typed, versioned).
//! - [`worker`]: the worker's [`worker::Session`] (all its policy, tested natively) and the
//!   web-sys shell around it (wasm only).
//! - [`state`]: the page's pure state (form table, storage records, plot data, fixed-point
//!   markers, live-play simulation), tested natively.
//! - [`view`]: drawing (a painter vocabulary for canvas and SVG, the charts, the cube).
//! - `page` (wasm only): DOM wiring, one component per panel.
#![warn(missing_docs)]

pub mod protocol;
pub mod state;
pub mod view;
pub mod worker;

#[cfg(target_arch = "wasm32")]
pub mod page;
