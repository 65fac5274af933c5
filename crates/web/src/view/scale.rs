//! How big to draw: every panel is laid out in "design pixels" for a canvas
//! [`REFERENCE_WIDTH`] CSS pixels wide (a little less than a panel on a 1366 px laptop), and one
//! design pixel is [`drawing_scale`] device pixels. So text, margins and strokes grow with
//! the canvas on a projector, shrink a little on a phone (never below [`MIN_SCALE`], where
//! 12 px labels become 9.6 px), and stay sharp at any device pixel ratio, because the
//! backing store is the CSS size times that ratio ([`backing_size`]).

/// CSS width (px) at which one design pixel is one CSS pixel.
pub const REFERENCE_WIDTH: f64 = 400.0;
/// Smallest design-pixel size in CSS pixels (a 375 px phone's canvases).
pub const MIN_SCALE: f64 = 0.8;
/// Largest design-pixel size in CSS pixels (a 4K projector).
pub const MAX_SCALE: f64 = 3.0;
/// Device pixel ratios outside `1..=MAX_DPR` are clamped (a zoomed-out page would otherwise
/// ask for a backing store many times the screen).
pub const MAX_DPR: f64 = 3.0;

/// The device pixel ratio, clamped to `1..=MAX_DPR` (1 when not a finite number).
pub fn clamp_dpr(dpr: f64) -> f64 {
    if dpr.is_finite() {
        dpr.clamp(1.0, MAX_DPR)
    } else {
        1.0
    }
}

/// Device pixels per design pixel for a canvas `css_width` CSS pixels wide drawn at device
/// pixel ratio `dpr`: `dpr × clamp(css_width / REFERENCE_WIDTH, MIN_SCALE, MAX_SCALE)`.
/// A width that is not a positive finite number counts as [`REFERENCE_WIDTH`].
pub fn drawing_scale(css_width: f64, dpr: f64) -> f64 {
    let w = if css_width.is_finite() && css_width > 0.0 {
        css_width
    } else {
        REFERENCE_WIDTH
    };
    dpr * (w / REFERENCE_WIDTH).clamp(MIN_SCALE, MAX_SCALE)
}

/// The backing store (device pixels) of a canvas of `css_w × css_h` CSS pixels at `dpr`:
/// each side rounded, at least 1.
pub fn backing_size(css_w: f64, css_h: f64, dpr: f64) -> (u32, u32) {
    let side = |v: f64| {
        if v.is_finite() {
            (v * dpr).round().clamp(1.0, 16_384.0) as u32
        } else {
            1
        }
    };
    (side(css_w), side(css_h))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_grows_with_the_canvas_within_bounds() {
        // (CSS width, device pixel ratio, device pixels per design pixel)
        let cases = [
            (400.0, 1.0, 1.0),
            (800.0, 1.0, 2.0),
            (600.0, 2.0, 3.0),
            // A 375 px phone: not below 0.8 CSS px per design pixel.
            (300.0, 1.0, 0.8),
            (300.0, 3.0, 2.4),
            // Past a 4K wall: capped.
            (5000.0, 1.0, 3.0),
            // Not laid out yet.
            (0.0, 2.0, 2.0),
            (f64::NAN, 1.0, 1.0),
        ];
        for (w, dpr, want) in cases {
            let got = drawing_scale(w, dpr);
            assert!(
                (got - want).abs() < 1e-12,
                "{w} px at {dpr}: {got} ≠ {want}"
            );
        }
        // A projector's canvas gets larger labels than a laptop's, at the same ratio.
        assert!(drawing_scale(620.0, 1.0) > drawing_scale(420.0, 1.0) * 1.4);
    }

    #[test]
    fn backing_store_is_css_size_times_ratio() {
        assert_eq!(backing_size(425.0, 239.06, 2.0), (850, 478));
        assert_eq!(backing_size(0.0, 0.2, 1.0), (1, 1));
        assert_eq!(backing_size(f64::INFINITY, 10.0, 1.5), (1, 15));
        assert_eq!(clamp_dpr(0.5), 1.0);
        assert_eq!(clamp_dpr(8.0), MAX_DPR);
        assert_eq!(clamp_dpr(f64::NAN), 1.0);
        assert_eq!(clamp_dpr(1.25), 1.25);
    }
}
