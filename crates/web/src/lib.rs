//! Flip-Flop Lab in the browser: the page and the training worker, thin glue over
//! `flipflop-core`.
//!
//! The protocol, the form logic and the plotting helpers are plain Rust and tested natively;
//! everything that touches the DOM or the worker scope compiles for wasm32 only.
#![warn(missing_docs)]

pub mod cube;
pub mod fixed;
pub mod form;
pub mod paint;
pub mod play;
pub mod plotdata;
pub mod protocol;
pub mod share;
pub mod snapshot;
pub mod storage;

#[cfg(target_arch = "wasm32")]
mod draw;
#[cfg(target_arch = "wasm32")]
pub mod page;
#[cfg(target_arch = "wasm32")]
pub mod worker;
