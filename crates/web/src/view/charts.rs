//! Drawing the four panels onto their canvases (wasm only). Called once per animation
//! frame at most, and only for the panels whose data changed.

use crate::protocol::Snapshot;
use crate::state::gates;
use crate::state::plotdata::{diverging, robust_limit, thin_log};
use crate::view::canvas::MeasuredCanvas;
use crate::view::paint::Painter;
use crate::view::scale;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement};

const FONT: &str = "system-ui, sans-serif";
const TRAIN: RGBColor = RGBColor(31, 119, 180);
const HELD_OUT: RGBColor = RGBColor(214, 39, 40);
const ACCURACY: RGBColor = RGBColor(44, 160, 44);
const INPUT: RGBColor = RGBColor(150, 180, 215);
const TARGET: RGBColor = RGBColor(40, 40, 40);
/// |λ| above this counts as outside the unit circle (orthogonal initial weights sit at
/// 1 ± 1e-6; this keeps rounding from colouring them).
const OUTSIDE: f64 = 1.0 + 1e-3;
const GRID: RGBColor = RGBColor(225, 225, 225);
/// Jacobian eigenvalues at a fixed point (Okabe–Ito reddish purple).
const JACOBIAN: RGBColor = RGBColor(204, 121, 167);

/// `text` broken at spaces into lines of at most `width` characters (longer words stand alone).
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for word in text.split_whitespace() {
        match lines.last_mut() {
            Some(l) if l.chars().count() + 1 + word.chars().count() <= width => {
                l.push(' ');
                l.push_str(word);
            }
            _ => lines.push(word.to_string()),
        }
    }
    lines
}

fn err<E: std::fmt::Debug>(e: E) -> String {
    format!("{e:?}")
}

/// The window's device pixel ratio, clamped (see [`scale::clamp_dpr`]).
pub fn device_ratio() -> f64 {
    scale::clamp_dpr(web_sys::window().map_or(1.0, |w| w.device_pixel_ratio()))
}

/// Sizes the canvas backing store to its CSS box times the device pixel ratio and returns
/// the drawing scale, device pixels per design pixel ([`scale::drawing_scale`]): labels and
/// strokes grow with the canvas. Resizing clears the canvas, so it only happens on change.
pub fn fit(canvas: &HtmlCanvasElement) -> f64 {
    let dpr = device_ratio();
    let css_w = canvas.client_width() as f64;
    let (w, h) = scale::backing_size(css_w, canvas.client_height() as f64, dpr);
    if canvas.width() != w {
        canvas.set_width(w);
    }
    if canvas.height() != h {
        canvas.set_height(h);
    }
    scale::drawing_scale(css_w, dpr)
}

/// A canvas ready to paint: sized by [`fit`], with its 2-D context, backing-store width and
/// height in device pixels and the drawing scale. `None` while the canvas is hidden (no CSS
/// width) or has no 2-D context: there is nothing to draw on.
pub fn prepare(canvas: &HtmlCanvasElement) -> Option<(CanvasRenderingContext2d, f64, f64, f64)> {
    if canvas.client_width() <= 0 {
        return None;
    }
    let dpr = fit(canvas);
    let ctx = context(canvas).ok()?;
    Some((ctx, canvas.width() as f64, canvas.height() as f64, dpr))
}

/// Blanks a canvas (no data yet).
pub fn clear(canvas: &HtmlCanvasElement) {
    fit(canvas);
    if let Ok(ctx) = context(canvas) {
        ctx.clear_rect(0.0, 0.0, canvas.width() as f64, canvas.height() as f64);
    }
}

/// Training loss (per step), held-out MSE (log axis, left) and held-out bit accuracy
/// (linear axis, right).
pub fn loss_chart(
    canvas: &HtmlCanvasElement,
    losses: &[(u64, f32)],
    metrics: &[(u64, f32, f32)],
) -> Result<(), String> {
    let dpr = fit(canvas);
    let backend = MeasuredCanvas::new(canvas).ok_or("no 2d context")?;
    loss_chart_on(backend.into_drawing_area(), dpr, losses, metrics, false)
}

/// The loss chart's three lines, as its legend names them.
pub const LOSS_LEGEND: [(&str, RGBColor); 3] = [
    ("training loss", TRAIN),
    ("held-out loss", HELD_OUT),
    ("held-out accuracy (right axis)", ACCURACY),
];

/// [`loss_chart`] onto any plotters drawing area (the canvas, or an export) at `dpr` device
/// pixels per design pixel; with `legend`, a strip on top names the lines (exports carry
/// it; on the page the legend is HTML under the canvas).
pub fn loss_chart_on<DB: DrawingBackend>(
    root: DrawingArea<DB, plotters::coord::Shift>,
    dpr: f64,
    losses: &[(u64, f32)],
    metrics: &[(u64, f32, f32)],
    legend: bool,
) -> Result<(), String> {
    root.fill(&WHITE).map_err(err)?;
    let root = if legend {
        let strip = (22.0 * dpr) as u32;
        let mut x = (8.0 * dpr) as i32;
        let y = (strip / 2) as i32;
        let font = TextStyle::from((FONT, 12.0 * dpr).into_font());
        for (name, colour) in LOSS_LEGEND {
            let line = (18.0 * dpr) as i32;
            root.draw(&PathElement::new(
                vec![(x, y), (x + line, y)],
                colour.stroke_width((2.0 * dpr).max(1.0) as u32),
            ))
            .map_err(err)?;
            let label = font.pos(Pos::new(HPos::Left, VPos::Center));
            root.draw(&Text::new(name, (x + line + (5.0 * dpr) as i32, y), label))
                .map_err(err)?;
            let (tw, _) = root.estimate_text_size(name, &font).map_err(err)?;
            x += line + (5.0 * dpr) as i32 + tw as i32 + (16.0 * dpr) as i32;
        }
        root.margin(strip, 0, 0, 0)
    } else {
        root
    };
    let train = thin_log(losses, 600);
    let last_step = losses
        .last()
        .map_or(0, |p| p.0)
        .max(metrics.last().map_or(0, |m| m.0));
    let x_max = last_step.max(50);
    let values = train
        .iter()
        .map(|p| p.1)
        .chain(metrics.iter().map(|m| m.1))
        .filter(|v| v.is_finite() && *v > 0.0);
    let (lo, hi) = values.fold((f32::INFINITY, 0.0f32), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    let (lo, hi) = if lo.is_finite() && hi > 0.0 {
        (lo * 0.7, hi * 1.4)
    } else {
        (1e-3, 2.0)
    };
    let (lo, hi) = (lo.max(1e-7), hi.max(lo * 10.0));
    // Plotted as log10(loss) on a linear axis, labelled with the loss itself: this gives
    // evenly spaced ticks even when the range spans less than a decade.
    let (lo, hi) = (lo.log10(), hi.log10());
    let lg = |v: f32| v.max(1e-30).log10();
    let font = 12.0 * dpr;
    let mut chart = ChartBuilder::on(&root)
        .margin(6.0 * dpr)
        .x_label_area_size(40.0 * dpr)
        .y_label_area_size(56.0 * dpr)
        .right_y_label_area_size(44.0 * dpr)
        .build_cartesian_2d(0u64..x_max, lo..hi)
        .map_err(err)?
        .set_secondary_coord(0u64..x_max, 0f32..1f32);
    chart
        .configure_mesh()
        .light_line_style(GRID)
        .bold_line_style(GRID)
        .x_labels(5)
        .y_labels(8)
        .x_desc("training step")
        .y_desc("loss (MSE, log)")
        .label_style((FONT, font))
        .y_label_formatter(&|v| fmt_tick(10f32.powf(*v)))
        .draw()
        .map_err(err)?;
    chart
        .configure_secondary_axes()
        .y_desc("bit accuracy")
        .y_labels(5)
        .label_style((FONT, font))
        .draw()
        .map_err(err)?;
    let stroke = (1.5 * dpr) as u32;
    chart
        .draw_series(LineSeries::new(
            train.iter().map(|p| (p.0, lg(p.1))),
            TRAIN.stroke_width(stroke.max(1)),
        ))
        .map_err(err)?;
    chart
        .draw_series(LineSeries::new(
            metrics.iter().map(|m| (m.0, lg(m.1))),
            HELD_OUT.stroke_width(stroke.max(2)),
        ))
        .map_err(err)?;
    chart
        .draw_secondary_series(LineSeries::new(
            metrics.iter().map(|m| (m.0, m.2)),
            ACCURACY.stroke_width(stroke.max(2)),
        ))
        .map_err(err)?;
    // A line needs two points: the first held-out check (or the only one, of a network
    // trained elsewhere) is drawn as dots.
    if metrics.len() < 3 {
        let r = (3.5 * dpr) as u32;
        chart
            .draw_series(
                metrics
                    .iter()
                    .map(|m| Circle::new((m.0, lg(m.1)), r, HELD_OUT.filled())),
            )
            .map_err(err)?;
        chart
            .draw_secondary_series(
                metrics
                    .iter()
                    .map(|m| Circle::new((m.0, m.2), r, ACCURACY.filled())),
            )
            .map_err(err)?;
    }
    if losses.is_empty() {
        let (lines, size) = if last_step > 0 {
            (
                vec![
                    format!("Trained for {last_step} steps before it came here:"),
                    "no loss history. Train continues it.".to_string(),
                ],
                13.0,
            )
        } else {
            (vec!["Press Train or Step".to_string()], 16.0)
        };
        // Centred over the plotting area (between the two axes' label areas), so that it
        // never runs over an axis.
        let (cw, ch) = root.dim_in_pixel();
        let x = (cw as f64 + (56.0 - 44.0) * dpr) / 2.0;
        let font = TextStyle::from((FONT, size * dpr).into_font())
            .pos(Pos::new(HPos::Center, VPos::Center));
        for (i, line) in lines.iter().enumerate() {
            let y = ch as f64 * 0.4 + (size + 5.0) * dpr * i as f64;
            root.draw(&Text::new(
                line.as_str(),
                (x as i32, y as i32),
                font.clone(),
            ))
            .map_err(err)?;
        }
    }
    root.present().map_err(err)
}

/// Tick labels of the log axis: two significant digits, plain down to 0.001.
fn fmt_tick(v: f32) -> String {
    if (0.001..100.0).contains(&v) {
        let digits = (-(v.log10().floor()) as i32 + 1).max(0) as usize;
        format!("{v:.digits$}")
    } else {
        format!("{v:.1e}")
    }
}

fn context(canvas: &HtmlCanvasElement) -> Result<CanvasRenderingContext2d, String> {
    canvas
        .get_context("2d")
        .map_err(err)?
        .ok_or("no 2d context")?
        .dyn_into::<CanvasRenderingContext2d>()
        .map_err(|_| "not a 2d context".to_string())
}

/// W_rec as a heat map (one pixel per weight, scaled without smoothing), with a colour bar;
/// for a GRU or LSTM, the recurrent block of gate `gate` (`crate::state::gates`).
pub fn matrix(canvas: &HtmlCanvasElement, snap: &Snapshot, gate: usize) -> Result<(), String> {
    let dpr = fit(canvas);
    let mut ctx = context(canvas)?;
    let (w, h) = (canvas.width() as f64, canvas.height() as f64);
    paint_matrix(&mut ctx, w, h, dpr, snap, gate)
}

/// [`matrix`] onto any [`Painter`] of `w × h` device pixels.
pub fn paint_matrix(
    ctx: &mut impl Painter,
    w: f64,
    h: f64,
    dpr: f64,
    snap: &Snapshot,
    gate: usize,
) -> Result<(), String> {
    ctx.fill_style("#fff");
    ctx.fill_rect(0.0, 0.0, w, h);
    let n = snap.network.config.hidden;
    let cell = snap.network.config.cell;
    let gate = gates::clamp(cell, gate);
    let wrec = snap.rec_block(gate).unwrap_or_default();
    if n == 0 || wrec.len() != n * n {
        return Err("W_rec has the wrong size".into());
    }
    let limit = robust_limit(wrec);
    let mut rgba = vec![255u8; n * n * 4];
    for (px, v) in rgba.chunks_exact_mut(4).zip(wrec) {
        let c = diverging(*v, limit);
        px[..3].copy_from_slice(&c);
    }
    let font = 12.0 * dpr;
    let bar_w = 14.0 * dpr;
    let label_w = 52.0 * dpr;
    let top = 22.0 * dpr;
    let left = 6.0 * dpr;
    let size = (w - left - bar_w - label_w - 12.0 * dpr)
        .min(h - top - 6.0 * dpr)
        .max(10.0);
    ctx.cells(&rgba, n, left, top, size);
    ctx.stroke_style("#888");
    ctx.line_width(dpr);
    ctx.stroke_rect(left, top, size, size);
    // Dale's law: units are ordered excitatory first; a line marks where the inhibitory
    // columns (and, for the rows they feed, the inhibitory units' inputs) begin.
    let constraints = &snap.network.config.constraints;
    if constraints.dale.is_some() {
        let e = constraints.excitatory_units(n);
        let at = size * e as f64 / n as f64;
        ctx.stroke_style("#000");
        ctx.line_width(2.0 * dpr);
        ctx.begin_path();
        ctx.move_to(left + at, top);
        ctx.line_to(left + at, top + size);
        ctx.move_to(left, top + at);
        ctx.line_to(left + size, top + at);
        ctx.stroke();
        ctx.line_width(dpr);
    }
    ctx.fill_style("#222");
    ctx.font(&format!("{font}px {FONT}"));
    let ei = match constraints.dale {
        Some(_) => {
            let e = constraints.excitatory_units(n);
            format!("  E {e} | I {}", n - e)
        }
        None => String::new(),
    };
    ctx.fill_text(
        &format!(
            "{}  ({n} × {n}, row = to, column = from)  step {}{ei}",
            gates::matrix_name(cell, gate),
            snap.step
        ),
        left,
        15.0 * dpr,
    );
    // Colour bar: top = +limit, bottom = -limit.
    let bx = left + size + 10.0 * dpr;
    let rows = 128;
    let row_h = size / rows as f64;
    for r in 0..rows {
        let v = limit * (1.0 - 2.0 * (r as f32 + 0.5) / rows as f32);
        let [cr, cg, cb] = diverging(v, limit);
        ctx.fill_style(&format!("rgb({cr},{cg},{cb})"));
        ctx.fill_rect(bx, top + r as f64 * row_h, bar_w, row_h + 0.5);
    }
    ctx.stroke_rect(bx, top, bar_w, size);
    ctx.fill_style("#222");
    let tx = bx + bar_w + 4.0 * dpr;
    ctx.fill_text(&format!("+{}", fmt_short(limit)), tx, top + font);
    ctx.fill_text("0", tx, top + size / 2.0 + font / 3.0);
    ctx.fill_text(&format!("−{}", fmt_short(limit)), tx, top + size);
    Ok(())
}

fn fmt_short(v: f32) -> String {
    if v >= 0.01 {
        format!("{v:.2}")
    } else {
        format!("{v:.1e}")
    }
}

/// Eigenvalues of W_rec (of gate `gate`'s recurrent block for GRU and LSTM) in the complex
/// plane, the unit circle, and a dashed circle at the spectral radius; with `jacobian` (point
/// `i` of a fixed-point search), also the eigenvalues of the Jacobian of the dynamics (of the
/// full state update for gated cells) at that point, as open triangles. The panel says which.
pub fn spectrum(
    canvas: &HtmlCanvasElement,
    snap: &Snapshot,
    gate: usize,
    jacobian: Option<(usize, &flipflop_core::fixedpoints::FixedPoint)>,
) -> Result<(), String> {
    let dpr = fit(canvas);
    let backend = MeasuredCanvas::new(canvas).ok_or("no 2d context")?;
    spectrum_on(backend.into_drawing_area(), dpr, snap, gate, jacobian)?;
    let _ = canvas.set_attribute(
        "data-jacobian",
        &jacobian.map_or(String::new(), |(i, _)| i.to_string()),
    );
    Ok(())
}

/// [`spectrum`] onto any plotters drawing area (the canvas, or an SVG export).
pub fn spectrum_on<DB: DrawingBackend>(
    root: DrawingArea<DB, plotters::coord::Shift>,
    dpr: f64,
    snap: &Snapshot,
    gate: usize,
    jacobian: Option<(usize, &flipflop_core::fixedpoints::FixedPoint)>,
) -> Result<(), String> {
    spectrum_within(root, dpr, snap, gate, jacobian, 0.0)
}

/// [`spectrum_on`] with both axes reaching at least `±at_least` (the Compare view draws
/// every network's spectrum on the same axes).
pub fn spectrum_within<DB: DrawingBackend>(
    root: DrawingArea<DB, plotters::coord::Shift>,
    dpr: f64,
    snap: &Snapshot,
    gate: usize,
    jacobian: Option<(usize, &flipflop_core::fixedpoints::FixedPoint)>,
    at_least: f64,
) -> Result<(), String> {
    root.fill(&WHITE).map_err(err)?;
    let cell = snap.network.config.cell;
    let gate = gates::clamp(cell, gate);
    let (eigenvalues, rho, error) = snap.spectrum(gate);
    if let Some(message) = error {
        // The solver gave up (see flipflop_core::analysis::spectrum): say so in its place.
        let font = (FONT, 12.0 * dpr).into_font().color(&HELD_OUT);
        let chars = ((root.dim_in_pixel().0 as f64 / (6.5 * dpr)) as usize).max(20);
        for (i, line) in wrap(message, chars).iter().enumerate() {
            let y = ((6.0 + 16.0 * i as f64) * dpr) as i32;
            root.draw(&Text::new(
                line.clone(),
                ((6.0 * dpr) as i32, y),
                font.clone(),
            ))
            .map_err(err)?;
        }
        return root.present().map_err(err);
    }
    let jac_rho = jacobian.map_or(0.0, |(_, p)| crate::state::fixed::largest_modulus(p));
    let r = (rho.max(jac_rho) * 1.1).max(1.25).max(at_least);
    let font = 12.0 * dpr;
    let (cw, ch) = root.dim_in_pixel();
    // Keep the plane square: pad the wider side.
    let extra = 60.0 * dpr;
    let side = (cw as f64 - extra).min(ch as f64 - extra).max(10.0);
    let pad_x = ((cw as f64 - extra - side) / 2.0).max(0.0) as u32;
    let area = root.margin(0, 0, pad_x, pad_x);
    let mut chart = ChartBuilder::on(&area)
        .margin(6.0 * dpr)
        .x_label_area_size(42.0 * dpr)
        .y_label_area_size(52.0 * dpr)
        .build_cartesian_2d(-r..r, -r..r)
        .map_err(err)?;
    chart
        .configure_mesh()
        .light_line_style(WHITE)
        .bold_line_style(GRID)
        .x_labels(5)
        .y_labels(5)
        .x_desc("Re λ")
        .y_desc("Im λ")
        .label_style((FONT, font))
        .draw()
        .map_err(err)?;
    let circle = |rad: f64| {
        (0..=240).map(move |i| {
            let t = i as f64 / 240.0 * std::f64::consts::TAU;
            (rad * t.cos(), rad * t.sin())
        })
    };
    chart
        .draw_series(LineSeries::new(
            circle(1.0),
            BLACK.stroke_width(dpr.max(1.0) as u32),
        ))
        .map_err(err)?;
    chart
        .draw_series(DashedLineSeries::new(
            circle(rho),
            (6.0 * dpr) as i32,
            (4.0 * dpr) as i32,
            HELD_OUT.stroke_width(dpr.max(1.0) as u32),
        ))
        .map_err(err)?;
    let dot = (2.5 * dpr) as i32;
    chart
        .draw_series(eigenvalues.iter().map(|z| {
            let outside = z[0].hypot(z[1]) > OUTSIDE;
            let colour = if outside { HELD_OUT } else { TRAIN };
            Circle::new((z[0], z[1]), dot.max(2), colour.filled())
        }))
        .map_err(err)?;
    if let Some((i, p)) = jacobian {
        let size = (4.0 * dpr) as i32;
        chart
            .draw_series(p.eigenvalues.iter().map(|z| {
                TriangleMarker::new(
                    (z[0], z[1]),
                    size.max(3),
                    JACOBIAN.stroke_width(dpr.max(1.0) as u32),
                )
            }))
            .map_err(err)?;
        let of = if cell.is_gated() {
            format!(" of the full update of {}", gates::state_name(cell))
        } else {
            String::new()
        };
        let (k, unstable) = (i + 1, p.unstable_dims);
        let note = longest_fitting(
            &root,
            (FONT, font),
            12.0 * dpr,
            [
                format!("△ Jacobian{of} at fixed point #{k}: largest |λ| = {jac_rho:.3}, {unstable} outside"),
                format!("△ Jacobian at #{k}: max |λ| = {jac_rho:.3}, {unstable} outside"),
                format!("△ #{k}: max |λ| = {jac_rho:.3}"),
            ],
        );
        root.draw(&Text::new(
            note,
            ((6.0 * dpr) as i32, (20.0 * dpr) as i32),
            (FONT, font).into_font().color(&JACOBIAN),
        ))
        .map_err(err)?;
    }
    let outside = eigenvalues
        .iter()
        .filter(|z| z[0].hypot(z[1]) > OUTSIDE)
        .count();
    // Gated cells: which gate's block the dots are.
    let (of, short) = if cell.is_gated() {
        let name = gates::matrix_name(cell, gate);
        (format!("● {name}: ρ"), format!("● {name}: ρ"))
    } else {
        ("spectral radius ρ".to_string(), "ρ".to_string())
    };
    let step = snap.step;
    let title = longest_fitting(
        &root,
        (FONT, font),
        12.0 * dpr,
        [
            format!("{of} = {rho:.3} · {outside} outside the unit circle · step {step}"),
            format!("{short} = {rho:.3} · {outside} outside the unit circle · step {step}"),
            format!("{short} = {rho:.3} · {outside} outside · step {step}"),
            format!("{short} = {rho:.3} · {outside} outside"),
        ],
    );
    root.draw(&Text::new(
        title,
        ((6.0 * dpr) as i32, (4.0 * dpr) as i32),
        (FONT, font),
    ))
    .map_err(err)?;
    root.present().map_err(err)
}

/// The first of `texts` (longest first) that fits the area's width less `margin` pixels in
/// `font`, else the last: small canvases (the Compare view's grid, a phone) get a shorter
/// title instead of a clipped one.
fn longest_fitting<DB: DrawingBackend, const K: usize>(
    root: &DrawingArea<DB, plotters::coord::Shift>,
    font: (&str, f64),
    margin: f64,
    texts: [String; K],
) -> String {
    let room = root.dim_in_pixel().0 as f64 - margin;
    let style = TextStyle::from(font.into_font());
    let mut texts = texts.into_iter();
    let mut last = String::new();
    for text in texts.by_ref() {
        match root.estimate_text_size(&text, &style) {
            Ok((w, _)) if f64::from(w) <= room => return text,
            _ => last = text,
        }
    }
    last
}

/// Like the paper's Fig. 3: one column per held-out trial, one row per bit (at most 4):
/// input pulses, target, and the network's output. For a task with a loss mask (the
/// cognitive tasks) the first row overlays every input channel and each further row is one
/// output, with the steps the loss ignores shaded grey. Drawn with plain canvas paths (one
/// path per line, at most one point per pixel) to keep the frame short.
pub fn traces(canvas: &HtmlCanvasElement, snap: &Snapshot) -> Result<(), String> {
    let dpr = fit(canvas);
    let mut ctx = context(canvas)?;
    let (w, h) = (canvas.width() as f64, canvas.height() as f64);
    paint_traces(&mut ctx, w, h, dpr, snap);
    Ok(())
}

/// [`traces`] onto any [`Painter`] of `w × h` device pixels.
pub fn paint_traces<P: Painter>(ctx: &mut P, w: f64, h: f64, dpr: f64, snap: &Snapshot) {
    ctx.fill_style("#fff");
    ctx.fill_rect(0.0, 0.0, w, h);
    let Some(first) = snap.traces.first() else {
        return;
    };
    // Flip-flop: one row per bit, inputs and outputs of that bit together. Masked tasks:
    // a row of inputs, then one row per output.
    let masked = !first.mask.0.is_empty();
    let rows = if masked {
        1 + first.outputs.min(4)
    } else {
        first.inputs.min(first.outputs).min(4)
    };
    let (lo, hi) = if masked { (-0.3f32, 1.3) } else { (-1.6, 1.6) };
    let cols = snap.traces.len();
    let font = 11.0 * dpr;
    ctx.font(&format!("{font}px {FONT}"));
    // Legend.
    let legend_h = 20.0 * dpr;
    let mut x = 4.0 * dpr;
    for (name, colour) in [
        ("input", INPUT),
        ("target", TARGET),
        ("network output", HELD_OUT),
    ] {
        ctx.stroke_style(&css(colour));
        ctx.line_width(2.0 * dpr);
        ctx.begin_path();
        ctx.move_to(x, legend_h / 2.0);
        ctx.line_to(x + 16.0 * dpr, legend_h / 2.0);
        ctx.stroke();
        ctx.fill_style("#222");
        ctx.fill_text(name, x + 20.0 * dpr, legend_h / 2.0 + font / 3.0);
        x += 20.0 * dpr + ctx.text_width(name) + 14.0 * dpr;
    }
    if masked {
        ctx.fill_style("#dcdcdc");
        ctx.fill_rect(x, legend_h / 2.0 - 5.0 * dpr, 16.0 * dpr, 10.0 * dpr);
        ctx.fill_style("#222");
        ctx.fill_text("not scored", x + 20.0 * dpr, legend_h / 2.0 + font / 3.0);
    }
    let gap = 6.0 * dpr;
    let cell_w = (w - gap * (cols as f64 + 1.0)) / cols as f64;
    let cell_h = (h - legend_h - gap * (rows as f64 + 1.0)) / rows as f64;
    let title_h = font + 3.0 * dpr;
    for col in 0..cols {
        let tr = &snap.traces[col];
        let (len, ni, no) = (tr.trial_len, tr.inputs, tr.outputs);
        if len < 2
            || tr.x.0.len() < len * ni
            || tr.y.0.len() < len * no
            || (masked && tr.mask.0.len() < len)
        {
            continue;
        }
        for row in 0..rows {
            let x0 = gap + col as f64 * (cell_w + gap);
            let y0 = legend_h + gap + row as f64 * (cell_h + gap);
            let title = match (masked, row) {
                (false, _) => format!("trial {} · bit {}", col + 1, row + 1),
                (true, 0) => format!("trial {} · inputs", col + 1),
                (true, r) => format!("trial {} · output {r}", col + 1),
            };
            ctx.fill_style("#222");
            ctx.fill_text(&title, x0, y0 + font);
            let (py, ph) = (y0 + title_h, (cell_h - title_h).max(4.0));
            ctx.fill_style("#fafafa");
            ctx.fill_rect(x0, py, cell_w, ph);
            let to_x = |t: usize| x0 + t as f64 / (len - 1) as f64 * cell_w;
            let to_y = |v: f32| {
                let f = (v.clamp(lo, hi) - lo) / (hi - lo);
                py + ph - dpr - f as f64 * (ph - 2.0 * dpr)
            };
            if masked {
                // Grey over each run of unscored steps.
                ctx.fill_style("#dcdcdc");
                let mut t = 0;
                while t < len {
                    let end = (t..len).find(|&u| tr.mask.0[u] != 0.0).unwrap_or(len);
                    if end > t {
                        let x1 = to_x(end.min(len - 1));
                        ctx.fill_rect(to_x(t), py, (x1 - to_x(t)).max(dpr), ph);
                    }
                    t = end + 1;
                }
            }
            ctx.stroke_style("#e1e1e1");
            ctx.line_width(dpr);
            ctx.begin_path();
            ctx.move_to(x0, to_y(0.0));
            ctx.line_to(x0 + cell_w, to_y(0.0));
            ctx.stroke();
            let stride = (len as f64 / cell_w.max(1.0)).ceil().max(1.0) as usize;
            // One line: channel `ch` of `values` (`per_step` channels per step).
            let line = |ctx: &mut P,
                        values: &[f32],
                        ch: usize,
                        per_step: usize,
                        colour: RGBColor,
                        wd: f64| {
                ctx.stroke_style(&css(colour));
                ctx.line_width(wd);
                ctx.begin_path();
                ctx.move_to(to_x(0), to_y(values[ch]));
                for t in (stride..len).step_by(stride) {
                    ctx.line_to(to_x(t), to_y(values[t * per_step + ch]));
                }
                ctx.stroke();
            };
            let has_z = tr.z.0.len() >= len * no;
            match (masked, row) {
                (false, bit) => {
                    line(ctx, &tr.x.0, bit, ni, INPUT, 1.2 * dpr);
                    line(ctx, &tr.y.0, bit, no, TARGET, 1.2 * dpr);
                    if has_z {
                        line(ctx, &tr.z.0, bit, no, HELD_OUT, 1.8 * dpr);
                    }
                }
                (true, 0) => (0..ni).for_each(|i| line(ctx, &tr.x.0, i, ni, INPUT, 1.2 * dpr)),
                (true, r) => {
                    line(ctx, &tr.y.0, r - 1, no, TARGET, 1.2 * dpr);
                    if has_z {
                        line(ctx, &tr.z.0, r - 1, no, HELD_OUT, 1.8 * dpr);
                    }
                }
            }
        }
    }
}

fn css(c: RGBColor) -> String {
    format!("rgb({},{},{})", c.0, c.1, c.2)
}

/// Renders a plotters chart of `w × h` pixels to an SVG document.
pub fn plotters_svg(
    w: u32,
    h: u32,
    chart: impl FnOnce(DrawingArea<SVGBackend<'_>, plotters::coord::Shift>) -> Result<(), String>,
) -> Result<String, String> {
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (w, h)).into_drawing_area();
        chart(root)?;
    }
    Ok(out)
}

/// Reports a drawing failure on the console (drawing never stops training).
pub fn log_failure(panel: &str, e: &str) {
    web_sys::console::warn_1(&JsValue::from_str(&format!(
        "flipflop: drawing {panel} failed: {e}"
    )));
}
