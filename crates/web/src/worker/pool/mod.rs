//! The browser half of gradient shares (`flipflop_core::train::shares`): a pool of helper
//! workers that compute shares of each step's batch in parallel with the training worker.
//!
//! Where the page is cross-origin isolated (so `SharedArrayBuffer` exists) and the network
//! has `shares` ≥ 2, the training worker (the lead) starts `min(hardwareConcurrency,
//! shares) − 1` helpers: nested workers of the same build, named
//! [`HELPER_NAME`](web::HELPER_NAME), which run a helper loop instead of a session. Per step
//! the lead writes the weights and each helper's trials into one shared buffer
//! ([`layout`]), bumps a generation counter (`Atomics.store` + `notify`) and runs its own
//! share; helpers blocked in `Atomics.wait` run theirs and write loss and gradient back.
//! The lead waits with a timeout: a helper that does not answer gets its share computed
//! by the lead and the pool is switched off (one console warning). Helpers that have not
//! loaded yet are not waited for: the lead computes their shares. Every share is the same
//! `ShareJob::run` on the same numbers, so training is bit-identical on any number of threads.
//!
//! The helpers' wasm memories are their own (stable Rust: no shared wasm memory); only the
//! buffer is shared.

pub mod layout;
#[cfg(target_arch = "wasm32")]
mod web;
#[cfg(target_arch = "wasm32")]
pub use web::{helper_start, WebPool, HELPER_NAME};
