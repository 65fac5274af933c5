//! A cognitive task's state space onto any [`Painter`]: the analysis trials' trajectories
//! in their top three principal components, in 3-D with the cube's camera
//! ([`crate::view::cube::View`]), one colour per condition label, each trajectory's end
//! marked, and the fixed and slow points of the task's search (stable filled amber,
//! unstable open, slow grey squares). Plain Rust (tested natively with the SVG painter).

use crate::protocol::WireStateSpace;
use crate::state::fixed::{Kind, Marker};
use crate::view::cube::{Frame, View, OKABE_ITO};
use crate::view::paint::Painter;

const FONT: &str = "system-ui, sans-serif";

/// The colour of label `i` of `n`: for the perceptual task (`diverging`, labels ordered by
/// signed coherence) blues for left, vermilions for right, deeper with the coherence, grey
/// at zero; otherwise the Okabe–Ito palette.
pub fn label_colour(i: usize, n: usize, diverging: bool) -> String {
    if !diverging || n < 2 {
        return OKABE_ITO[i % OKABE_ITO.len()].to_string();
    }
    let m = (n as f64 - 1.0) / 2.0;
    let t = (i as f64 - m) / m;
    if t.abs() < 1e-9 {
        "#8a8a8a".to_string()
    } else {
        let (hue, sat) = if t < 0.0 { (205, 75) } else { (18, 85) };
        let light = 72.0 - 40.0 * t.abs();
        format!("hsl({hue}, {sat}%, {light:.0}%)")
    }
}

/// Whether the task's labels are signed coherences (drawn with [`label_colour`]'s
/// diverging scale).
pub fn diverging(task_key: &str) -> bool {
    task_key == "perceptual_dm"
}

/// The legend as HTML `<li>` items, one per label.
pub fn legend_html(ss: &WireStateSpace, task_key: &str) -> String {
    let div = diverging(task_key);
    ss.names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            format!(
                "<li><span class=\"swatch\" style=\"background:{}\"></span>{}</li>",
                label_colour(i, ss.names.len(), div),
                crate::view::paint::escape(name)
            )
        })
        .collect()
}

/// Draws `ss` on a `w × h` device-pixel area at drawing scale `dpr`, seen from `view`, with
/// the fixed-point `markers` (positions in the projection's coordinates). Nothing but the
/// background when `ss` is inconsistent.
#[allow(clippy::too_many_arguments)]
pub fn paint<P: Painter>(
    ctx: &mut P,
    w: f64,
    h: f64,
    dpr: f64,
    ss: &WireStateSpace,
    task_key: &str,
    view: &View,
    markers: &[Marker],
) {
    ctx.fill_style("#fff");
    ctx.fill_rect(0.0, 0.0, w, h);
    if !ss.is_consistent() {
        return;
    }
    let frame = Frame::of(&ss.pca);
    let half = 0.42 * w.min(h);
    let (cx, cy) = (w / 2.0, h / 2.0);
    let to_screen = |c: &[f32]| {
        let (x, y, s) = view.screen(frame.norm(c));
        (cx + x * half, cy - y * half, s)
    };
    // Axes through the frame's centre, ±1 normalised, labelled.
    ctx.stroke_style("#d0d0d6");
    ctx.line_width(dpr);
    ctx.font(&format!("{}px {FONT}", (11.0 * dpr).round()));
    for axis in 0..3 {
        let mut a = frame.centre;
        let mut b = frame.centre;
        a[axis] -= frame.scale;
        b[axis] += frame.scale;
        let (pa, pb) = (to_screen(&a), to_screen(&b));
        ctx.begin_path();
        ctx.move_to(pa.0, pa.1);
        ctx.line_to(pb.0, pb.1);
        ctx.stroke();
        ctx.fill_style("#6b6b73");
        ctx.fill_text(&format!("PC{}", axis + 1), pb.0 + 3.0 * dpr, pb.1);
    }
    let div = diverging(task_key);
    let n_labels = ss.names.len();
    let coords = &ss.pca.coords.0;
    for b in 0..ss.trials {
        let colour = label_colour(ss.label[b] as usize, n_labels, div);
        ctx.stroke_style(&colour);
        ctx.line_width(1.6 * dpr);
        ctx.begin_path();
        for t in 0..ss.trial_len {
            let r = (b * ss.trial_len + t) * 3;
            let (x, y, _) = to_screen(&coords[r..r + 3]);
            if t == 0 {
                ctx.move_to(x, y);
            } else {
                ctx.line_to(x, y);
            }
        }
        ctx.stroke();
        // The trajectory's end (the choice) as a dot.
        let r = (b * ss.trial_len + ss.trial_len - 1) * 3;
        let (x, y, s) = to_screen(&coords[r..r + 3]);
        ctx.fill_style(&colour);
        ctx.begin_path();
        ctx.arc(x, y, 3.0 * dpr * s, 0.0, std::f64::consts::TAU);
        ctx.fill();
    }
    for m in markers {
        let (x, y, s) = to_screen(&m.pos);
        let r = 5.0 * dpr * s;
        ctx.line_width(1.5 * dpr);
        match m.kind {
            Kind::Stable => {
                // As the legend's key: amber, outlined.
                ctx.fill_style("#E69F00");
                ctx.stroke_style("#1d1d1f");
                ctx.begin_path();
                ctx.arc(x, y, r, 0.0, std::f64::consts::TAU);
                ctx.fill();
                ctx.stroke();
            }
            Kind::Unstable => {
                ctx.fill_style("#fff");
                ctx.stroke_style("#1d1d1f");
                ctx.begin_path();
                ctx.arc(x, y, r, 0.0, std::f64::consts::TAU);
                ctx.fill();
                ctx.stroke();
            }
            Kind::Slow => {
                ctx.stroke_style("#6b6b73");
                ctx.stroke_rect(x - r * 0.8, y - r * 0.8, r * 1.6, r * 1.6);
            }
        }
    }
    // The variance line.
    ctx.fill_style("#444");
    let parts: Vec<String> = ss
        .pca
        .fractions
        .iter()
        .enumerate()
        .map(|(i, f)| format!("PC{} {:.0} %", i + 1, f * 100.0))
        .collect();
    ctx.fill_text(
        &format!("variance: {}", parts.join(", ")),
        6.0 * dpr,
        h - 6.0 * dpr,
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::view::paint::Svg;
    use flipflop_core::analysis::task_state_space;
    use flipflop_core::{Config, Network, TaskKind};

    /// The colour scale: grey at zero coherence, blue for left, vermilion for right, the
    /// palette otherwise.
    #[test]
    fn colours() {
        assert_eq!(label_colour(5, 11, true), "#8a8a8a");
        assert!(label_colour(0, 11, true).starts_with("hsl(205"));
        assert!(label_colour(10, 11, true).starts_with("hsl(18"));
        assert_ne!(label_colour(9, 11, true), label_colour(10, 11, true));
        assert_eq!(label_colour(1, 4, false), OKABE_ITO[1]);
    }

    /// Every trajectory is drawn in its label's colour, one legend item per label; an
    /// inconsistent state space draws nothing but the background.
    #[test]
    fn draws_each_trajectory_and_the_legend() {
        for kind in [TaskKind::PerceptualDm, TaskKind::ContextDm] {
            let c = Config::for_task(kind);
            let net = Network::init(&c.model, 1);
            let core = task_state_space(&net, &c.task).unwrap();
            let ss = WireStateSpace::from_core(&core);
            let mut svg = Svg::new(400.0, 400.0);
            paint(
                &mut svg,
                400.0,
                400.0,
                1.0,
                &ss,
                kind.key(),
                &View::default(),
                &[],
            );
            let out = svg.finish();
            assert!(out.matches("<path").count() >= ss.trials, "{kind:?}");
            for i in 0..ss.names.len() {
                let colour = label_colour(i, ss.names.len(), diverging(kind.key()));
                assert!(out.contains(&colour), "{kind:?} {colour}");
            }
            assert!(out.contains(">PC1<"));
            let legend = legend_html(&ss, kind.key());
            assert_eq!(legend.matches("<li>").count(), ss.names.len());
            let mut bad = ss.clone();
            bad.label.pop();
            let mut svg = Svg::new(100.0, 100.0);
            paint(
                &mut svg,
                100.0,
                100.0,
                1.0,
                &bad,
                kind.key(),
                &View::default(),
                &[],
            );
            assert!(!svg.finish().contains("<path"));
        }
    }
}
