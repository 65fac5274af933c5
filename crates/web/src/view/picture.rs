//! The decision tasks' psychometric curves onto any [`Painter`]: P(right) against signed
//! coherence, one colour per curve (per context for the context task), the measured points
//! as dots and the fitted logistic as a line. Plain Rust (tested natively with the SVG
//! painter).

use crate::protocol::{TaskPicture, WireCurve};
use crate::view::paint::Painter;

const FONT: &str = "system-ui, sans-serif";
/// Curve colours (Okabe–Ito blue and vermilion).
const COLOURS: [&str; 2] = ["#0072B2", "#D55E00"];

/// The logistic of curve `c` at coherence `x` (%).
pub fn fitted(c: &WireCurve, x: f64) -> f64 {
    1.0 / (1.0 + (-(c.bias + c.slope * x)).exp())
}

/// Draws the curves of `pic` on a `w × h` device-pixel area at drawing scale `dpr`.
/// Nothing but the frame when `pic` has no curve.
pub fn paint_curves<P: Painter>(ctx: &mut P, w: f64, h: f64, dpr: f64, pic: &TaskPicture) {
    ctx.fill_style("#fff");
    ctx.fill_rect(0.0, 0.0, w, h);
    let font = 11.0 * dpr;
    ctx.font(&format!("{font}px {FONT}"));
    let (left, right, top, bottom) = (44.0 * dpr, 12.0 * dpr, 22.0 * dpr, 30.0 * dpr);
    let (pw, ph) = ((w - left - right).max(10.0), (h - top - bottom).max(10.0));
    let span = pic
        .curves
        .iter()
        .flat_map(|c| c.coherence.iter())
        .fold(1.0f64, |m, &c| m.max((c as f64).abs()));
    let to_x = |c: f64| left + (c / span + 1.0) / 2.0 * pw;
    let to_y = |p: f64| top + (1.0 - p) * ph;
    // Axes and grid: P = 0, 0.5, 1 and coherence -span, 0, +span.
    ctx.stroke_style("#e1e1e1");
    ctx.line_width(dpr);
    for p in [0.0, 0.5, 1.0] {
        ctx.begin_path();
        ctx.move_to(left, to_y(p));
        ctx.line_to(left + pw, to_y(p));
        ctx.stroke();
    }
    ctx.begin_path();
    ctx.move_to(to_x(0.0), top);
    ctx.line_to(to_x(0.0), top + ph);
    ctx.stroke();
    ctx.fill_style("#222");
    for p in [0.0, 0.5, 1.0] {
        let label = format!("{p}");
        let tw = ctx.text_width(&label);
        ctx.fill_text(&label, left - tw - 4.0 * dpr, to_y(p) + font / 3.0);
    }
    for c in [-span, 0.0, span] {
        // As the options write it (51.2, not the f64 of an f32: 51.20000076…).
        let label = format!("{}", c as f32);
        let tw = ctx.text_width(&label);
        ctx.fill_text(&label, to_x(c) - tw / 2.0, top + ph + font + 2.0 * dpr);
    }
    let xlabel = "signed coherence (%), left ← → right";
    let tw = ctx.text_width(xlabel);
    ctx.fill_text(xlabel, left + (pw - tw) / 2.0, h - 4.0 * dpr);
    ctx.fill_text("P(right)", 4.0 * dpr, font);
    // Curves, with a legend entry each.
    let mut lx = left + 60.0 * dpr;
    for (i, c) in pic.curves.iter().enumerate() {
        let colour = COLOURS[i % COLOURS.len()];
        ctx.stroke_style(colour);
        ctx.line_width(2.0 * dpr);
        ctx.begin_path();
        let steps = 80;
        for s in 0..=steps {
            let x = -span + 2.0 * span * s as f64 / steps as f64;
            let (px, py) = (to_x(x), to_y(fitted(c, x)));
            if s == 0 {
                ctx.move_to(px, py);
            } else {
                ctx.line_to(px, py);
            }
        }
        ctx.stroke();
        ctx.fill_style(colour);
        for (&x, &p) in c.coherence.iter().zip(&c.p_right) {
            ctx.begin_path();
            ctx.arc(
                to_x(x as f64),
                to_y(p as f64),
                3.5 * dpr,
                0.0,
                std::f64::consts::TAU,
            );
            ctx.fill();
        }
        let name = match &c.context {
            Some(ctxname) => format!("context: {ctxname}"),
            None => "network".to_string(),
        };
        ctx.fill_rect(lx, font / 2.0 - 1.0 * dpr, 14.0 * dpr, 3.0 * dpr);
        ctx.fill_style("#222");
        ctx.fill_text(&name, lx + 18.0 * dpr, font);
        lx += 18.0 * dpr + ctx.text_width(&name) + 16.0 * dpr;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::view::paint::Svg;

    fn curve(context: Option<&str>) -> WireCurve {
        WireCurve {
            context: context.map(str::to_string),
            coherence: vec![-10.0, 0.0, 10.0],
            p_right: vec![0.05, 0.5, 0.95],
            trials: 32,
            bias: 0.0,
            slope: 0.3,
        }
    }

    /// The curve's logistic is the core's formula; every point is drawn as a dot and each
    /// curve has its colour and legend entry.
    #[test]
    fn curves_draw_points_fit_and_legend() {
        let c = curve(None);
        assert_eq!(fitted(&c, 0.0), 0.5);
        assert!((fitted(&c, 10.0) - 1.0 / (1.0 + (-3.0f64).exp())).abs() < 1e-12);
        let pic = TaskPicture {
            step: 7,
            task: "context_dm".into(),
            curves: vec![curve(Some("motion")), curve(Some("colour"))],
            conditions: Vec::new(),
            summary: String::new(),
            state_space: None,
        };
        let mut svg = Svg::new(400.0, 200.0);
        paint_curves(&mut svg, 400.0, 200.0, 1.0, &pic);
        let out = svg.finish();
        for colour in COLOURS {
            assert!(out.contains(colour), "{colour}");
        }
        assert!(out.contains("context: motion") && out.contains("context: colour"));
        // Axis ends as the options write them.
        let mut svg = Svg::new(400.0, 200.0);
        let mut odd = pic.clone();
        odd.curves[0].coherence = vec![-51.2, 0.0, 51.2];
        paint_curves(&mut svg, 400.0, 200.0, 1.0, &odd);
        let out = svg.finish();
        assert!(
            out.contains(">51.2</text>") && out.contains(">-51.2</text>"),
            "{out}"
        );
        // Six dots (three per curve), each a filled full circle of two arcs.
        let dots = out
            .lines()
            .filter(|l| l.contains("A3.5 3.5") && l.contains("fill="))
            .count();
        assert_eq!(dots, 6, "{out}");
    }
}
