//! The memory-state cube: the hidden activity on the cube set in its top three components
//! (paper Figs. 6–7), drawn in 3-D with perspective, coloured by memory state, plus the
//! live-play state as a moving point with a trail.
//!
//! The geometry (camera, normalisation, state centroids, palette) is plain Rust and tested
//! natively; [`draw`] (wasm only) paints it with the canvas 2-D context — a few dozen paths
//! per frame, so it can run at the display's frame rate while the worker trains.

use crate::protocol::{CubeData, WireProjection};
use crate::view::paint::Painter;

/// Okabe–Ito palette (colour-blind safe), one colour per memory state for up to 8 states.
pub const OKABE_ITO: [&str; 8] = [
    "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#000000",
];
/// Steps after a state switch that count as transient (not used for centroids).
pub const TRANSIENT: usize = 15;
/// Auto-rotation speed, radians per second.
pub const SPIN: f64 = 0.25;
/// Initial camera angles (radians).
pub const YAW0: f64 = 0.6;
/// See [`YAW0`].
pub const PITCH0: f64 = 0.35;
/// Camera distance in units of the normalised half-extent (smaller = stronger perspective).
const DISTANCE: f64 = 4.0;

/// The colour of memory state `s` among `2^bits` states: Okabe–Ito up to 8 states, then hues
/// spread by the golden angle.
pub fn state_colour(s: u32, bits: usize) -> String {
    if bits <= 3 {
        OKABE_ITO[(s as usize) % 8].to_string()
    } else {
        let hue = (s as f64 * 137.508) % 360.0;
        format!("hsl({hue:.0}, 70%, 45%)")
    }
}

/// Camera orientation: yaw about the vertical axis, then pitch.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct View {
    /// Radians.
    pub yaw: f64,
    /// Radians, kept within ±1.5.
    pub pitch: f64,
}

impl Default for View {
    fn default() -> Self {
        Self {
            yaw: YAW0,
            pitch: PITCH0,
        }
    }
}

impl View {
    /// Orbits by a pointer drag of (`dx`, `dy`) CSS pixels on a canvas `size` pixels wide.
    pub fn drag(&mut self, dx: f64, dy: f64, size: f64) {
        let k = std::f64::consts::PI / size.max(50.0);
        self.yaw += dx * k;
        self.pitch = (self.pitch + dy * k).clamp(-1.5, 1.5);
    }

    /// A normalised point `p` (components 1, 2, 3 in about [-1, 1]) on the screen: `(x, y)`
    /// in units of the half-size of the view (y up), and the perspective scale (bigger =
    /// nearer). Component 1 is drawn left–right, 3 up–down and 2 into the screen at yaw 0.
    pub fn screen(&self, p: [f64; 3]) -> (f64, f64, f64) {
        let (sy, cy) = self.yaw.sin_cos();
        let (sp, cp) = self.pitch.sin_cos();
        // Yaw about the vertical (component-3) axis.
        let x1 = cy * p[0] - sy * p[1];
        let z1 = sy * p[0] + cy * p[1];
        let y1 = p[2];
        // Pitch about the screen's horizontal axis.
        let y2 = cp * y1 - sp * z1;
        let z2 = sp * y1 + cp * z1;
        let s = DISTANCE / (DISTANCE + z2).max(0.5);
        (x1 * s, y2 * s, s)
    }
}

/// Maps a projection's coordinates into about [-1, 1]³: centred on the middle of the
/// bounding box of the labelled steps, one scale for all three axes (so shapes are kept).
#[derive(Clone, Debug, PartialEq)]
pub struct Frame {
    /// Data-space centre.
    pub centre: [f32; 3],
    /// Data units per normalised unit.
    pub scale: f32,
}

impl Frame {
    /// The frame of `p` (falls back to the unit frame for empty or degenerate data).
    pub fn of(p: &WireProjection) -> Self {
        let mut lo = [f32::INFINITY; 3];
        let mut hi = [f32::NEG_INFINITY; 3];
        if p.is_consistent() && p.k == 3 {
            for row in p.coords.0.chunks_exact(3) {
                if row.iter().all(|v| v.is_finite()) {
                    for i in 0..3 {
                        lo[i] = lo[i].min(row[i]);
                        hi[i] = hi[i].max(row[i]);
                    }
                }
            }
        }
        if !lo[0].is_finite() {
            return Self {
                centre: [0.0; 3],
                scale: 1.0,
            };
        }
        let centre = [0, 1, 2].map(|i| (lo[i] + hi[i]) / 2.0);
        let half = (0..3).map(|i| (hi[i] - lo[i]) / 2.0).fold(0.0f32, f32::max);
        Self {
            centre,
            scale: if half > 1e-12 { half } else { 1.0 },
        }
    }

    /// Data coordinates → normalised.
    pub fn norm(&self, c: &[f32]) -> [f64; 3] {
        [0, 1, 2].map(|i| ((c.get(i).copied().unwrap_or(0.0) - self.centre[i]) / self.scale) as f64)
    }
}

/// Per memory state, the mean of its steps' coordinates, leaving out the first
/// [`TRANSIENT`] steps after every switch; `None` for a state with no such step.
pub fn centroids(p: &WireProjection, state: &[Option<u32>], bits: usize) -> Vec<Option<[f32; 3]>> {
    let n_states = 1usize << bits.min(8);
    let mut sum = vec![[0.0f64; 3]; n_states];
    let mut count = vec![0usize; n_states];
    if !p.is_consistent() || p.k != 3 || state.len() != p.rows {
        return vec![None; n_states];
    }
    let mut since = 0usize;
    for t in 0..p.rows {
        since = if t > 0 && state[t] == state[t - 1] {
            since + 1
        } else {
            0
        };
        let Some(s) = state[t] else { continue };
        let s = s as usize;
        if s >= n_states || since < TRANSIENT {
            continue;
        }
        for (acc, c) in sum[s].iter_mut().zip(&p.coords.0[t * 3..t * 3 + 3]) {
            *acc += *c as f64;
        }
        count[s] += 1;
    }
    sum.iter()
        .zip(&count)
        .map(|(s, &c)| (c > 0).then(|| s.map(|v| (v / c as f64) as f32)))
        .collect()
}

/// Everything the cube panel draws from one [`CubeData`] and one choice of decomposition.
pub struct Scene {
    /// The data.
    pub data: CubeData,
    /// Whether the PCA (else the SVD) picture is shown.
    pub pca: bool,
    /// Normalisation of the shown projection.
    pub frame: Frame,
    /// State centroids of the shown projection.
    pub centroids: Vec<Option<[f32; 3]>>,
}

impl Scene {
    /// Prepares `data` for drawing with `pca` or the SVD.
    pub fn new(data: CubeData, pca: bool) -> Self {
        let p = if pca { &data.pca } else { &data.svd };
        let frame = Frame::of(p);
        let centroids = centroids(p, &data.state, data.bits);
        Self {
            frame,
            centroids,
            pca,
            data,
        }
    }

    /// The projection shown.
    pub fn projection(&self) -> &WireProjection {
        if self.pca {
            &self.data.pca
        } else {
            &self.data.svd
        }
    }

    /// "SVD" or "PCA".
    pub fn method(&self) -> &'static str {
        if self.pca {
            "PCA"
        } else {
            "SVD"
        }
    }
}

/// Draws the scene: axes through the centre, cube edges between the centroids of states one
/// bit apart, the trajectory coloured by memory state, the state labels, the fixed points
/// (`markers`, with `selected` ringed), and the live state (`trail`, oldest first, in data
/// coordinates of the shown projection) as a point with a tail. Returns where each marker
/// was drawn, as `(index, x, y)` in CSS pixels of the canvas (for hit tests).
#[cfg(target_arch = "wasm32")]
pub fn draw(
    canvas: &web_sys::HtmlCanvasElement,
    ctx: &web_sys::CanvasRenderingContext2d,
    scene: Option<&Scene>,
    view: &View,
    trail: &std::collections::VecDeque<[f32; 3]>,
    markers: &[crate::state::fixed::Marker],
    selected: Option<usize>,
) -> Vec<(usize, f64, f64)> {
    let scale = crate::view::charts::fit(canvas);
    let ratio = crate::view::charts::device_ratio();
    let (w, h) = (canvas.width() as f64, canvas.height() as f64);
    let mut positions = paint(
        &mut ctx.clone(),
        w,
        h,
        scale,
        scene,
        view,
        trail,
        markers,
        selected,
    );
    for p in &mut positions {
        (p.1, p.2) = (p.1 / ratio, p.2 / ratio);
    }
    positions
}

/// [`draw`] onto any [`Painter`] of `w × h` device pixels at `dpr` device pixels per design
/// pixel (see [`crate::view::scale`]; the canvas on screen, or an export). Returns the
/// markers' positions in device pixels.
#[allow(clippy::too_many_arguments)]
pub fn paint(
    ctx: &mut impl Painter,
    w: f64,
    h: f64,
    dpr: f64,
    scene: Option<&Scene>,
    view: &View,
    trail: &std::collections::VecDeque<[f32; 3]>,
    markers: &[crate::state::fixed::Marker],
    selected: Option<usize>,
) -> Vec<(usize, f64, f64)> {
    ctx.fill_style("#fff");
    ctx.fill_rect(0.0, 0.0, w, h);
    let Some(scene) = scene else {
        return Vec::new();
    };
    let half = w.min(h) * 0.36;
    let (cx, cy) = (w / 2.0, h / 2.0);
    let to_px = |p: [f64; 3]| {
        let (x, y, s) = view.screen(p);
        (cx + x * half, cy - y * half, s)
    };
    let font = |px: f64| format!("{}px system-ui, sans-serif", (px * dpr).round());
    let p = scene.projection();
    let bits = scene.data.bits;

    // Axes: from the centre along each component, labelled with the variance explained.
    ctx.line_width(dpr);
    ctx.font(&font(11.0));
    for i in 0..3 {
        let mut a = [0.0; 3];
        a[i] = 1.15;
        let mut b = [0.0; 3];
        b[i] = -1.15;
        let (x0, y0, _) = to_px(b);
        let (x1, y1, _) = to_px(a);
        ctx.stroke_style("#b8b8bd");
        ctx.begin_path();
        ctx.move_to(x0, y0);
        ctx.line_to(x1, y1);
        ctx.stroke();
        let frac = p.fractions.get(i).copied().unwrap_or(0.0);
        ctx.fill_style("#5a5a60");
        // Kept inside the canvas (a small canvas would cut off the labels at its edges).
        let label = format!("{} {} ({:.0} %)", scene.method(), i + 1, frac * 100.0);
        let tw = ctx.text_width(&label);
        let lx = (x1 + 3.0 * dpr).min(w - tw - 2.0 * dpr).max(2.0 * dpr);
        // min/max, not clamp: a canvas only a few pixels tall (mid-layout) must not panic.
        let ly = (y1 - 3.0 * dpr).min(h - 3.0 * dpr).max(12.0 * dpr);
        ctx.fill_text(&label, lx, ly);
    }

    // Cube edges between centroids one bit apart.
    let cents: Vec<Option<(f64, f64, f64)>> = scene
        .centroids
        .iter()
        .map(|c| c.map(|c| to_px(scene.frame.norm(&c))))
        .collect();
    ctx.stroke_style("rgba(60,60,70,0.35)");
    ctx.line_width(1.5 * dpr);
    ctx.begin_path();
    for (s, a) in cents.iter().enumerate() {
        for j in 0..bits {
            let t = s ^ (1 << j);
            if t > s {
                if let (Some(a), Some(Some(b))) = (a, cents.get(t)) {
                    ctx.move_to(a.0, a.1);
                    ctx.line_to(b.0, b.1);
                }
            }
        }
    }
    ctx.stroke();

    // Trajectory: one path per run of equal state.
    if p.is_consistent() && p.k == 3 && scene.data.state.len() == p.rows {
        ctx.line_width(1.6 * dpr);
        let mut t = 0;
        while t < p.rows {
            let s = scene.data.state[t];
            let colour = s.map_or_else(|| "#9a9aa0".to_string(), |s| state_colour(s, bits));
            ctx.stroke_style(&colour);
            ctx.begin_path();
            let (run, start) = (t, t.saturating_sub(1));
            for u in start..p.rows {
                if u > run && scene.data.state[u] != s {
                    break;
                }
                let (x, y, _) = to_px(scene.frame.norm(&p.coords.0[u * 3..u * 3 + 3]));
                if u == start {
                    ctx.move_to(x, y);
                } else {
                    ctx.line_to(x, y);
                }
                t = u + 1;
            }
            ctx.stroke();
        }
    }

    // State labels at the centroids (up to 16 states).
    if bits <= 4 {
        ctx.font(&font(12.0));
        for (s, c) in cents.iter().enumerate() {
            if let Some((x, y, _)) = c {
                ctx.fill_style(&state_colour(s as u32, bits));
                ctx.begin_path();
                ctx.arc(*x, *y, 4.0 * dpr, 0.0, std::f64::consts::TAU);
                ctx.fill();
                // The label goes on the side away from the centre, where the cube's own
                // edges and the neighbouring corners' labels are not.
                let name = flipflop_core::task::state_name(s as u32, bits);
                let tw = ctx.text_width(&name);
                let (lx, ly) = label_spot((*x, *y), (cx, cy), tw, 12.0 * dpr);
                // …and inside the canvas.
                let lx = lx.min(w - tw - 2.0 * dpr).max(2.0 * dpr);
                let ly = ly.min(h - 3.0 * dpr).max(12.0 * dpr);
                ctx.fill_style("#1d1d1f");
                ctx.fill_text(&name, lx, ly);
            }
        }
    }

    let positions = draw_markers(ctx, scene, markers, selected, dpr, &to_px);

    // Live state: a fading tail and a ringed point.
    let n = trail.len();
    if n > 0 {
        ctx.line_width(2.5 * dpr);
        let mut prev: Option<(f64, f64)> = None;
        for (i, c) in trail.iter().enumerate() {
            let (x, y, _) = to_px(scene.frame.norm(c));
            if let Some((px, py)) = prev {
                let alpha = 0.1 + 0.8 * i as f64 / n as f64;
                ctx.stroke_style(&format!("rgba(29,29,31,{alpha:.2})"));
                ctx.begin_path();
                ctx.move_to(px, py);
                ctx.line_to(x, y);
                ctx.stroke();
            }
            prev = Some((x, y));
        }
        if let Some((x, y)) = prev {
            ctx.fill_style("#fff");
            ctx.stroke_style("#1d1d1f");
            ctx.line_width(3.0 * dpr);
            ctx.begin_path();
            ctx.arc(x, y, 7.0 * dpr, 0.0, std::f64::consts::TAU);
            ctx.fill();
            ctx.stroke();
        }
    }
    positions
}

/// Where a label `text_w` wide (font size `font`, device pixels) of the point `p` goes: to
/// the outer side of `p` as seen from the centre `c`, clear of the point's dot. Returns the
/// text's left end and baseline.
fn label_spot(p: (f64, f64), c: (f64, f64), text_w: f64, font: f64) -> (f64, f64) {
    let gap = font / 2.0;
    let x = if p.0 < c.0 {
        p.0 - gap - text_w
    } else {
        p.0 + gap
    };
    let y = if p.1 < c.1 {
        p.1 - gap
    } else {
        p.1 + gap + font * 0.8
    };
    (x, y)
}

/// Fixed points: saddles' unstable directions as dark segments, then stable points as filled
/// discs in their memory state's colour, saddles as open circles, slow points as small open
/// squares; the selected one gets a ring. Returns the positions in device pixels.
fn draw_markers(
    ctx: &mut impl Painter,
    scene: &Scene,
    markers: &[crate::state::fixed::Marker],
    selected: Option<usize>,
    dpr: f64,
    to_px: &dyn Fn([f64; 3]) -> (f64, f64, f64),
) -> Vec<(usize, f64, f64)> {
    use crate::state::fixed::Kind;
    use std::f64::consts::TAU;
    let bits = scene.data.bits;
    ctx.stroke_style("#1d1d1f");
    ctx.line_width(2.0 * dpr);
    for m in markers {
        if let Some((a, b)) = m.segment {
            let (x0, y0, _) = to_px(scene.frame.norm(&a));
            let (x1, y1, _) = to_px(scene.frame.norm(&b));
            ctx.begin_path();
            ctx.move_to(x0, y0);
            ctx.line_to(x1, y1);
            ctx.stroke();
        }
    }
    let mut positions = Vec::with_capacity(markers.len());
    for m in markers {
        let (x, y, _) = to_px(scene.frame.norm(&m.pos));
        positions.push((m.index, x, y));
        ctx.line_width(2.0 * dpr);
        ctx.stroke_style("#1d1d1f");
        ctx.begin_path();
        match m.kind {
            Kind::Stable => {
                ctx.fill_style(&state_colour(m.state, bits));
                ctx.arc(x, y, 6.5 * dpr, 0.0, TAU);
                ctx.fill();
                ctx.stroke();
            }
            Kind::Unstable => {
                ctx.fill_style("#fff");
                ctx.arc(x, y, 5.0 * dpr, 0.0, TAU);
                ctx.fill();
                ctx.stroke();
            }
            Kind::Slow => {
                ctx.stroke_style("#6b6b73");
                ctx.line_width(1.5 * dpr);
                ctx.stroke_rect(x - 3.5 * dpr, y - 3.5 * dpr, 7.0 * dpr, 7.0 * dpr);
            }
        }
        if selected == Some(m.index) {
            ctx.stroke_style("#d55e00");
            ctx.line_width(2.5 * dpr);
            ctx.begin_path();
            ctx.arc(x, y, 11.0 * dpr, 0.0, TAU);
            ctx.stroke();
        }
    }
    positions
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_canvas_a_few_pixels_tall_draws_without_panicking() {
        use crate::view::paint::Svg;
        let scene = Scene::new(
            CubeData {
                step: 1,
                bits: 1,
                state: vec![Some(0), Some(1)],
                svd: projection(vec![0.0, 0.0, 0.0, 1.0, 1.0, 1.0]),
                pca: projection(vec![0.0, 0.0, 0.0, 1.0, 1.0, 1.0]),
            },
            false,
        );
        for (w, h) in [(300.0, 4.0), (3.0, 3.0), (1.0, 300.0)] {
            let mut svg = Svg::new(w, h);
            paint(
                &mut svg,
                w,
                h,
                1.0,
                Some(&scene),
                &View::default(),
                &Default::default(),
                &[],
                None,
            );
            assert!(svg.finish().contains("<text"), "{w} × {h}");
        }
    }

    #[test]
    fn state_labels_go_outwards_from_the_centre() {
        // (point, text left end and baseline) around a centre at (100, 100), text 30 wide,
        // 12 px font: left of the point on the left, below it in the lower half.
        let cases = [
            ((150.0, 60.0), (156.0, 54.0)),
            ((50.0, 60.0), (14.0, 54.0)),
            ((50.0, 140.0), (14.0, 155.6)),
            ((150.0, 140.0), (156.0, 155.6)),
        ];
        for (p, want) in cases {
            let got = label_spot(p, (100.0, 100.0), 30.0, 12.0);
            assert!(
                (got.0 - want.0).abs() < 1e-9 && (got.1 - want.1).abs() < 1e-9,
                "{p:?}: {got:?} ≠ {want:?}"
            );
        }
    }
    use crate::protocol::F32s;

    fn projection(coords: Vec<f32>) -> WireProjection {
        WireProjection {
            rows: coords.len() / 3,
            dim: 1,
            k: 3,
            coords: F32s(coords),
            axes: F32s(vec![1.0, 0.0, 0.0]),
            centre: F32s(vec![0.0]),
            fractions: vec![0.5, 0.3, 0.1],
        }
    }

    #[test]
    fn frame_centres_and_keeps_aspect() {
        let p = projection(vec![0.0, 0.0, 0.0, 4.0, 2.0, 1.0]);
        let f = Frame::of(&p);
        assert_eq!(f.centre, [2.0, 1.0, 0.5]);
        assert_eq!(f.scale, 2.0);
        assert_eq!(f.norm(&[4.0, 2.0, 1.0]), [1.0, 0.5, 0.25]);
        // Degenerate and inconsistent data fall back to the unit frame.
        assert_eq!(Frame::of(&projection(vec![])).scale, 1.0);
        let mut bad = projection(vec![1.0; 6]);
        bad.rows = 5;
        assert_eq!(Frame::of(&bad).centre, [0.0; 3]);
    }

    #[test]
    fn centroids_skip_transients_and_unlabelled_steps() {
        // 1 bit: 20 steps of state 0 at x=1 (first 15 transient, the last 5 at x=3), then
        // 10 steps of state 1 (all transient).
        let mut coords = Vec::new();
        let mut state = Vec::new();
        for t in 0..30 {
            let x = if t < 15 { 1.0 } else { 3.0 };
            coords.extend([x, 0.0, 0.0]);
            state.push(if t < 20 { Some(0) } else { Some(1) });
        }
        state[0] = None;
        let c = centroids(&projection(coords), &state, 1);
        assert_eq!(c, vec![Some([3.0, 0.0, 0.0]), None]);
    }

    #[test]
    fn camera_orbits_and_has_perspective() {
        let v = View {
            yaw: 0.0,
            pitch: 0.0,
        };
        let (x, y, s) = v.screen([1.0, 0.0, 0.0]);
        assert!((x - 1.0).abs() < 1e-12 && y.abs() < 1e-12 && (s - 1.0).abs() < 1e-12);
        // Nearer points (negative depth) look bigger.
        let (_, _, near) = v.screen([0.0, -1.0, 0.0]);
        let (_, _, far) = v.screen([0.0, 1.0, 0.0]);
        assert!(near > 1.0 && far < 1.0);
        let mut d = View::default();
        d.drag(100.0, 0.0, 400.0);
        assert!(d.yaw > YAW0);
        d.drag(0.0, 1e6, 400.0);
        assert_eq!(d.pitch, 1.5);
    }

    #[test]
    fn palette_is_okabe_ito_then_hues() {
        assert_eq!(state_colour(0, 3), "#E69F00");
        assert_eq!(state_colour(7, 3), "#000000");
        assert!(state_colour(9, 4).starts_with("hsl("));
        assert_ne!(state_colour(1, 5), state_colour(2, 5));
    }
}
