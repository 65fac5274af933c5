//! The live-play trace: the last [`HISTORY`] steps of inputs and outputs per bit.

use crate::state::play::{Play, HISTORY};

/// Draws the last [`HISTORY`] steps: one row per bit (at most four), input pulses as light
/// bars, the output as a line, the ±1 levels dashed.
#[cfg(target_arch = "wasm32")]
pub fn draw(
    canvas: &web_sys::HtmlCanvasElement,
    ctx: &web_sys::CanvasRenderingContext2d,
    play: &Play,
) {
    let dpr = crate::view::charts::fit(canvas);
    // `dpr` here and below: device pixels per design pixel (see crate::view::scale).
    let (w, h) = (canvas.width() as f64, canvas.height() as f64);
    paint(&mut ctx.clone(), w, h, dpr, play);
}

/// [`draw`] onto any [`Painter`](crate::view::paint::Painter) of `w × h` device pixels.
pub fn paint(ctx: &mut impl crate::view::paint::Painter, w: f64, h: f64, dpr: f64, play: &Play) {
    ctx.fill_style("#fff");
    ctx.fill_rect(0.0, 0.0, w, h);
    let bits = play.bits().min(4);
    if bits == 0 {
        return;
    }
    let left = 34.0 * dpr;
    let row_h = h / bits as f64;
    let dx = (w - left) / HISTORY as f64;
    let x0 = w - dx * play.history.len() as f64;
    ctx.font(&format!("{}px system-ui, sans-serif", (11.0 * dpr).round()));
    for b in 0..bits {
        let top = b as f64 * row_h;
        let mid = top + row_h / 2.0;
        let amp = row_h * 0.38;
        // Levels ±1 and 0.
        ctx.stroke_style("#ddd");
        ctx.line_width(dpr);
        ctx.begin_path();
        for level in [-1.0, 0.0, 1.0] {
            ctx.move_to(left, mid - level * amp);
            ctx.line_to(w, mid - level * amp);
        }
        ctx.stroke();
        ctx.fill_style("#5a5a60");
        // Bits are numbered from 1 on the page (the held-out trials, the Set/Reset rows).
        ctx.fill_text(&format!("bit {}", b + 1), 2.0 * dpr, mid + 4.0 * dpr);
        // Inputs as bars.
        ctx.fill_style("rgba(86,180,233,0.55)");
        for (i, s) in play.history.iter().enumerate() {
            let v = s.x[b].clamp(-1.5, 1.5) as f64;
            if v.abs() > 1e-3 {
                let x = x0 + i as f64 * dx;
                let y = mid - v * amp;
                ctx.fill_rect(x, y.min(mid), dx.max(1.0), (y - mid).abs());
            }
        }
        // Output as a line.
        ctx.stroke_style("#d55e00");
        ctx.line_width(2.0 * dpr);
        ctx.begin_path();
        for (i, s) in play.history.iter().enumerate() {
            let x = x0 + i as f64 * dx;
            let v = s.z[b];
            let y = mid
                - if v.is_finite() {
                    v.clamp(-1.5, 1.5)
                } else {
                    0.0
                } as f64
                    * amp;
            if i == 0 {
                ctx.move_to(x, y);
            } else {
                ctx.line_to(x, y);
            }
        }
        ctx.stroke();
    }
}
