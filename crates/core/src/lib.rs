//! Flip-Flop Lab core: the flip-flop task of Jarne (2024), a vanilla RNN trained by exact
//! BPTT and Adam, and the analyses the lab shows. Pure computation: no web, no I/O.
//!
//! Modules by role: [`task`] (the [`Task`] trait, its registry [`TaskKind`], the flip-flop
//! and its memory-state test set), [`model`] (configuration, [`CellKind`], [`Constraints`],
//! weights and the single-state step), [`train`] (forward pass, BPTT, a plain reference
//! BPTT, Adam, the [`Trainer`]), `kernels` (the matrix products of the step, one file per
//! instruction set), [`analysis`] and [`fixedpoints`] (what the page shows), [`compare`] (several
//! realizations side by side), [`config`]
//! (the root configuration a share link stores), [`rng`] (the seeded streams).
#![warn(missing_docs)]

// Unit tests built for wasm32 (kernels, tiers) run in headless Chromium like the
// integration tests.
#[cfg(all(test, target_arch = "wasm32"))]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

pub mod analysis;
pub mod compare;
pub mod config;
pub mod error;
pub mod fixedpoints;
mod kernels;
pub mod math;
pub mod model;
pub mod rng;
pub mod task;
pub mod train;

pub use config::{Config, Preset};
pub use error::{ConfigError, TrainError};
pub use model::{CellKind, Constraints, GateActivation, ModelConfig, Network, RecInit};
pub use task::{Batch, Task, TaskConfig, TaskKind};
pub use train::{Metrics, StepEvent, TrainConfig, Trainer, Workspace};
