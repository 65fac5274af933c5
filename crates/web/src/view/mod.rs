//! Drawing: one [`paint::Painter`] vocabulary for canvas and SVG, the plotters charts
//! (loss, spectrum; on [`canvas::MeasuredCanvas`], which measures text without a page
//! layout) and hand-drawn panels (W_rec, trials) in [`charts`] (wasm only), the
//! cube in [`cube`], the live-play trace in [`trace`]; how large to draw
//! them for the canvas's size in [`scale`]. Drawing reads state; it never
//! changes it.

#[cfg(target_arch = "wasm32")]
pub mod canvas;
#[cfg(target_arch = "wasm32")]
pub mod charts;
pub mod cube;
pub mod paint;
pub mod picture;
pub mod scale;
pub mod statespace;
pub mod sweep;
pub mod taskplay;
pub mod trace;
