//! The page's state as plain Rust, tested natively: the form's field table and its
//! validation, storage records, plot data, fixed-point markers and words, the live-play
//! simulation, and the share panel's helpers. No DOM here.

pub mod compare;
pub mod export;
pub mod fields;
pub mod fixed;
pub mod form;
pub mod gates;
pub mod notes;
pub mod play;
pub mod plotdata;
pub mod share;
pub mod storage;
pub mod sweep;
pub mod taskplay;
pub mod tour;
