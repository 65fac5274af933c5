//! A composed cognitive-task trial onto any [`Painter`]: the inputs over time (top), the
//! network's two outputs with their targets dashed where the loss scores them (bottom),
//! and the task's periods as alternating bands named along the top. Plain Rust (tested
//! natively with the SVG painter).

use crate::state::taskplay::{answers, Played};
use crate::view::paint::Painter;

const FONT: &str = "system-ui, sans-serif";
/// Input colours (Okabe–Ito), fixation first in grey.
const INPUT_COLOURS: [&str; 7] = [
    "#999999", "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9",
];
/// Output colours: choice 0 blue, choice 1 vermilion.
const OUTPUT_COLOURS: [&str; 2] = ["#0072B2", "#D55E00"];

/// Draws `played` on a `w × h` device-pixel area at drawing scale `dpr`.
pub fn paint<P: Painter>(ctx: &mut P, w: f64, h: f64, dpr: f64, played: &Played) {
    ctx.fill_style("#fff");
    ctx.fill_rect(0.0, 0.0, w, h);
    let font = 11.0 * dpr;
    ctx.font(&format!("{font}px {FONT}"));
    let (left, right, top, bottom) = (60.0 * dpr, 8.0 * dpr, 34.0 * dpr, 8.0 * dpr);
    let pw = (w - left - right).max(10.0);
    let ph = (h - top - bottom).max(10.0);
    let gap = 10.0 * dpr;
    let in_h = (ph - gap) * 0.5;
    let out_top = top + in_h + gap;
    let out_h = ph - in_h - gap;
    let n = played.trial_len.max(1) as f64;
    let to_x = |t: f64| left + t / n * pw;

    // Period bands and names.
    for (i, p) in played.periods.iter().enumerate() {
        let (x0, x1) = (to_x(p.start as f64), to_x(p.end as f64));
        ctx.fill_style(if i % 2 == 0 { "#f3f3f6" } else { "#ffffff" });
        ctx.fill_rect(x0, top, x1 - x0, ph);
        ctx.fill_style("#444");
        let tw = ctx.text_width(p.name);
        let label = if tw <= x1 - x0 + 2.0 * dpr {
            p.name
        } else {
            ""
        };
        ctx.fill_text(label, (x0 + x1 - tw) / 2.0, top - 6.0 * dpr);
    }
    ctx.fill_style("#222");
    ctx.fill_text("inputs", 4.0 * dpr, top + in_h / 2.0 + font / 3.0);
    ctx.fill_text("outputs", 4.0 * dpr, out_top + out_h / 2.0 + font / 3.0);

    // Inputs: scaled to the largest value shown (at least 1).
    let ni = played.inputs.max(1);
    let peak = played
        .x
        .iter()
        .filter(|v| v.is_finite())
        .fold(1.0f32, |m, v| m.max(v.abs())) as f64;
    let in_y = |v: f64| top + in_h * (1.0 - (v / peak).clamp(-0.05, 1.0) * 0.92);
    for i in 0..ni {
        ctx.stroke_style(INPUT_COLOURS[i % INPUT_COLOURS.len()]);
        ctx.line_width(if i == 0 { 1.0 } else { 1.8 } * dpr);
        ctx.begin_path();
        for t in 0..played.trial_len {
            let v = played.x.get(t * ni + i).copied().unwrap_or(0.0);
            let v = if v.is_finite() { v as f64 } else { 0.0 };
            let (xa, xb, y) = (to_x(t as f64), to_x(t as f64 + 1.0), in_y(v));
            if t == 0 {
                ctx.move_to(xa, y);
            } else {
                ctx.line_to(xa, y);
            }
            ctx.line_to(xb, y);
        }
        ctx.stroke();
    }

    // Outputs on 0..1.2, targets dashed (short segments) where scored.
    let out_y = |v: f64| out_top + out_h * (1.0 - (v / 1.2).clamp(-0.1, 1.05));
    ctx.stroke_style("#ddd");
    ctx.line_width(dpr);
    ctx.begin_path();
    for level in [0.0, 1.0] {
        ctx.move_to(left, out_y(level));
        ctx.line_to(left + pw, out_y(level));
    }
    ctx.stroke();
    for (o, colour) in OUTPUT_COLOURS.iter().enumerate() {
        ctx.stroke_style(colour);
        ctx.line_width(dpr);
        ctx.begin_path();
        for t in 0..played.trial_len {
            let at = t * 2 + o;
            if played.mask.get(at).copied().unwrap_or(0.0) > 0.0 && t % 2 == 0 {
                let y = out_y(played.y[at] as f64);
                ctx.move_to(to_x(t as f64), y);
                ctx.line_to(to_x(t as f64 + 1.0), y);
            }
        }
        ctx.stroke();
        ctx.line_width(2.2 * dpr);
        ctx.begin_path();
        for t in 0..played.trial_len {
            let v = played.z.get(t * 2 + o).copied().unwrap_or(0.0);
            let y = out_y(if v.is_finite() { v as f64 } else { 0.0 });
            let x = to_x(t as f64 + 0.5);
            if t == 0 {
                ctx.move_to(x, y);
            } else {
                ctx.line_to(x, y);
            }
        }
        ctx.stroke();
    }

    // Legend: the two outputs, at the top left.
    let names = answers(played.kind);
    let mut x = left;
    for (o, colour) in OUTPUT_COLOURS.iter().enumerate() {
        ctx.fill_style(colour);
        ctx.fill_rect(x, 6.0 * dpr, 10.0 * dpr, 3.0 * dpr);
        ctx.fill_style("#222");
        let label = format!("output “{}”", names[o]);
        ctx.fill_text(&label, x + 13.0 * dpr, 11.0 * dpr);
        x += 13.0 * dpr + ctx.text_width(&label) + 12.0 * dpr;
    }
}

/// The input channels' colours and names as legend HTML (`<li>` items), for the list under
/// the canvas.
pub fn input_legend_html(played: &Played) -> String {
    played
        .input_names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            format!(
                "<li><span class=\"swatch\" style=\"background:{}\"></span>{}</li>",
                INPUT_COLOURS[i % INPUT_COLOURS.len()],
                crate::view::paint::escape(name)
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::taskplay::{compose, default_controls, play};
    use crate::view::paint::Svg;
    use flipflop_core::{Config, Network, TaskKind};

    /// Every task's trial draws its period names, both outputs and every input; the input
    /// legend names each channel once.
    #[test]
    fn draws_periods_outputs_and_inputs() {
        for kind in [
            TaskKind::PerceptualDm,
            TaskKind::ContextDm,
            TaskKind::ParametricWm,
            TaskKind::MatchTwoItems,
        ] {
            let c = Config::for_task(kind);
            let trial = compose(&c.task, &default_controls(&c.task)).unwrap();
            let p = play(&Network::zeros(&c.model), &c.task, &trial, None).unwrap();
            let mut svg = Svg::new(800.0, 300.0);
            paint(&mut svg, 800.0, 300.0, 1.0, &p);
            let out = svg.finish();
            assert!(out.contains(">decision<"), "{kind:?}");
            let middle = match kind {
                TaskKind::PerceptualDm | TaskKind::ContextDm => ">stimulus<",
                _ => ">delay<",
            };
            assert!(out.contains(middle), "{kind:?}");
            for colour in OUTPUT_COLOURS.iter().chain(&INPUT_COLOURS[..p.inputs]) {
                assert!(out.contains(colour), "{kind:?} {colour}");
            }
            let legend = input_legend_html(&p);
            assert_eq!(legend.matches("<li>").count(), p.inputs);
            assert!(legend.contains("fixation"));
        }
    }
}
