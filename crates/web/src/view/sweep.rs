//! The Sweep view's scatter plot onto any [`Painter`] (canvas on screen and PNG, SVG for
//! export): one column against another, one mark per run; solved runs as filled blue
//! circles, the others as open vermilion squares (told apart by shape as well as colour),
//! runs ticked for the Compare view ringed in black. Plain Rust, tested with the SVG painter.

use crate::state::sweep::{number_text, Point};
use crate::view::paint::Painter;

const FONT: &str = "system-ui, sans-serif";
/// Okabe–Ito blue (solved) and vermilion (not solved).
pub const SOLVED: &str = "#0072B2";
/// Colour of runs not solved.
pub const UNSOLVED: &str = "#D55E00";

/// About `n` round tick values (1, 2 or 5 × 10^k apart) covering `lo..=hi`.
pub fn ticks(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    if !(lo.is_finite() && hi.is_finite()) || hi <= lo || n == 0 {
        return vec![lo];
    }
    let raw = (hi - lo) / n as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    let first = (lo / step).ceil();
    let last = (hi / step).floor();
    // At most a few dozen: `step ≥ (hi − lo) / n`.
    (first as i64..=last as i64)
        .map(|k| k as f64 * step)
        .collect()
}

/// The plotted range of `values`: their span with 6 % padding, or ±1 around a single value.
pub fn range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
        (a.min(v), b.max(v))
    });
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    if hi - lo < 1e-12 * lo.abs().max(1.0) {
        let d = (lo.abs() * 0.1).max(1e-3);
        return (lo - d, hi + d);
    }
    let pad = (hi - lo) * 0.06;
    (lo - pad, hi + pad)
}

/// Draws `points` (`x_label` across, `y_label` up) on a `w × h` device-pixel area at drawing
/// scale `dpr`. Returns the number of marks drawn.
pub fn paint_scatter<P: Painter>(
    ctx: &mut P,
    w: f64,
    h: f64,
    dpr: f64,
    x_label: &str,
    y_label: &str,
    points: &[Point],
) -> usize {
    ctx.fill_style("#fff");
    ctx.fill_rect(0.0, 0.0, w, h);
    let font = 11.0 * dpr;
    ctx.font(&format!("{font}px {FONT}"));
    let (left, right, top, bottom) = (54.0 * dpr, 14.0 * dpr, 26.0 * dpr, 36.0 * dpr);
    let (pw, ph) = ((w - left - right).max(10.0), (h - top - bottom).max(10.0));
    let (x0, x1) = range(points.iter().map(|p| p.x));
    let (y0, y1) = range(points.iter().map(|p| p.y));
    let to_x = |x: f64| left + (x - x0) / (x1 - x0) * pw;
    let to_y = |y: f64| top + (1.0 - (y - y0) / (y1 - y0)) * ph;
    // Grid and tick labels.
    ctx.line_width(dpr);
    for t in ticks(x0, x1, 6) {
        ctx.stroke_style("#e6e6e6");
        ctx.begin_path();
        ctx.move_to(to_x(t), top);
        ctx.line_to(to_x(t), top + ph);
        ctx.stroke();
        ctx.fill_style("#333");
        let label = number_text(t);
        let tw = ctx.text_width(&label);
        ctx.fill_text(&label, to_x(t) - tw / 2.0, top + ph + font + 3.0 * dpr);
    }
    for t in ticks(y0, y1, 5) {
        ctx.stroke_style("#e6e6e6");
        ctx.begin_path();
        ctx.move_to(left, to_y(t));
        ctx.line_to(left + pw, to_y(t));
        ctx.stroke();
        ctx.fill_style("#333");
        let label = number_text(t);
        let tw = ctx.text_width(&label);
        ctx.fill_text(&label, left - tw - 4.0 * dpr, to_y(t) + font / 3.0);
    }
    ctx.stroke_style("#888");
    ctx.stroke_rect(left, top, pw, ph);
    ctx.fill_style("#222");
    let tw = ctx.text_width(x_label);
    ctx.fill_text(x_label, left + (pw - tw) / 2.0, h - 6.0 * dpr);
    ctx.fill_text(y_label, 6.0 * dpr, font + 2.0 * dpr);
    // Legend, top right.
    let r = 4.0 * dpr;
    let mut lx = w - right;
    for (solved, name) in [(false, "not solved"), (true, "solved")] {
        lx -= ctx.text_width(name) + 4.0 * r;
        mark(ctx, lx, font * 0.65, r, solved);
        ctx.fill_style("#222");
        ctx.fill_text(name, lx + 2.0 * r, font);
        lx -= 2.0 * r;
    }
    // Unsolved first, so solved marks are on top; the ring of a ticked run last.
    let mut drawn = 0;
    for solved in [false, true] {
        for p in points.iter().filter(|p| p.solved == solved) {
            mark(ctx, to_x(p.x), to_y(p.y), r, solved);
            drawn += 1;
        }
    }
    ctx.stroke_style("#000");
    ctx.line_width(1.5 * dpr);
    for p in points.iter().filter(|p| p.selected) {
        ctx.begin_path();
        ctx.arc(to_x(p.x), to_y(p.y), 2.2 * r, 0.0, std::f64::consts::TAU);
        ctx.stroke();
    }
    drawn
}

/// One run's mark: a filled circle (solved) or an open square (not solved).
fn mark<P: Painter>(ctx: &mut P, x: f64, y: f64, r: f64, solved: bool) {
    if solved {
        ctx.fill_style(SOLVED);
        ctx.begin_path();
        ctx.arc(x, y, r, 0.0, std::f64::consts::TAU);
        ctx.fill();
    } else {
        ctx.stroke_style(UNSOLVED);
        ctx.line_width(r / 2.5);
        ctx.stroke_rect(x - r, y - r, 2.0 * r, 2.0 * r);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::view::paint::Svg;

    fn p(run: usize, x: f64, y: f64, solved: bool, selected: bool) -> Point {
        Point {
            run,
            x,
            y,
            solved,
            selected,
        }
    }

    #[test]
    fn round_ticks_cover_the_range() {
        assert_eq!(
            ticks(0.0, 1.0, 5),
            [0.0, 0.2, 0.4, 0.6000000000000001, 0.8, 1.0]
        );
        assert_eq!(ticks(7.0, 13.0, 6), [7.0, 8.0, 9.0, 10.0, 11.0, 12.0, 13.0]);
        assert_eq!(ticks(3.0, 3.0, 5), [3.0]);
        assert_eq!(ticks(f64::NAN, 1.0, 5).len(), 1);
        assert_eq!(range([2.0, 2.0].into_iter()), (1.8, 2.2));
        assert_eq!(range(std::iter::empty()), (0.0, 1.0));
    }

    /// Every point is drawn once, solved as filled circles and the others as open squares in
    /// their colours, ticked runs ringed; labels are escaped text.
    #[test]
    fn marks_tell_solved_from_unsolved() {
        let pts = [
            p(0, 8.0, 0.5, false, false),
            p(1, 12.0, 0.99, true, true),
            p(2, 12.0, 1.0, true, false),
        ];
        let mut svg = Svg::new(500.0, 300.0);
        let n = paint_scatter(&mut svg, 500.0, 300.0, 1.0, "hidden", "accuracy <%>", &pts);
        assert_eq!(n, 3);
        let out = svg.finish();
        let filled = out
            .lines()
            .filter(|l| l.contains("<path") && l.contains(&format!("fill=\"{SOLVED}\"")))
            .count();
        let squares = out
            .lines()
            .filter(|l| l.contains("<rect") && l.contains(&format!("stroke=\"{UNSOLVED}\"")))
            .count();
        // The legend draws one of each too.
        assert_eq!((filled, squares), (3, 2), "{out}");
        let rings = out
            .lines()
            .filter(|l| l.contains("<path") && l.contains("stroke=\"#000\""))
            .count();
        assert_eq!(rings, 1);
        assert!(out.contains(">hidden</text>") && out.contains("accuracy &lt;%&gt;"));
    }
}
