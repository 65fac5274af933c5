//! Pure helpers for the panels: the diverging colour map, robust colour limits, and
//! thinning long series for drawing. No DOM; tested natively.

/// Diverging blue–white–red colour (ColorBrewer RdBu, reversed so that positive is red)
/// for `v` in `[-limit, limit]`; 0 is white, values beyond the limit saturate.
pub fn diverging(v: f32, limit: f32) -> [u8; 3] {
    // RdBu_r anchors at t = -1, -0.5, 0, 0.5, 1.
    const ANCHORS: [[f32; 3]; 5] = [
        [5.0, 48.0, 97.0],
        [67.0, 147.0, 195.0],
        [247.0, 247.0, 247.0],
        [214.0, 96.0, 77.0],
        [103.0, 0.0, 31.0],
    ];
    let t = if limit > 0.0 && v.is_finite() {
        (v / limit).clamp(-1.0, 1.0)
    } else {
        0.0
    };
    let pos = (t + 1.0) * 2.0; // 0..=4
    let i = (pos.floor() as usize).min(3);
    let f = pos - i as f32;
    let (a, b) = (ANCHORS[i], ANCHORS[i + 1]);
    let mix = |k: usize| (a[k] + (b[k] - a[k]) * f).round().clamp(0.0, 255.0) as u8;
    [mix(0), mix(1), mix(2)]
}

/// The colour limit for a weight matrix: the 99th percentile of |w| (so a few large
/// weights do not wash out the rest), at least 1e-6.
pub fn robust_limit(w: &[f32]) -> f32 {
    let mut a: Vec<f32> = w
        .iter()
        .filter(|v| v.is_finite())
        .map(|v| v.abs())
        .collect();
    if a.is_empty() {
        return 1e-6;
    }
    let k = ((a.len() as f64 * 0.99) as usize).min(a.len() - 1);
    let (_, kth, _) = a.select_nth_unstable_by(k, f32::total_cmp);
    kth.max(1e-6)
}

/// At most `max_points` points of `(step, value)`: consecutive points are averaged in
/// equal-size buckets (geometric mean, as the loss is drawn on a log axis). The last
/// point is always kept as it is, so the chart ends on the latest value.
pub fn thin_log(points: &[(u64, f32)], max_points: usize) -> Vec<(u64, f32)> {
    let max_points = max_points.max(2);
    if points.len() <= max_points {
        return points.to_vec();
    }
    let bucket = points.len().div_ceil(max_points - 1);
    let body = &points[..points.len() - 1];
    let mut out: Vec<(u64, f32)> = body
        .chunks(bucket)
        .map(|c| {
            let mean_ln =
                c.iter().map(|p| (p.1.max(1e-30) as f64).ln()).sum::<f64>() / c.len() as f64;
            (c[c.len() / 2].0, mean_ln.exp() as f32)
        })
        .collect();
    if let Some(last) = points.last() {
        out.push(*last);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_map_is_centred_and_symmetric() {
        let cases: &[(f32, [u8; 3])] = &[
            (0.0, [247, 247, 247]),
            (1.0, [103, 0, 31]),
            (5.0, [103, 0, 31]),
            (-1.0, [5, 48, 97]),
            (-9.0, [5, 48, 97]),
            (f32::NAN, [247, 247, 247]),
        ];
        for (v, want) in cases {
            assert_eq!(diverging(*v, 1.0), *want, "{v}");
        }
        // positive is reddish, negative bluish, at every magnitude
        for i in 1..=20 {
            let v = i as f32 / 20.0;
            let p = diverging(v, 1.0);
            let n = diverging(-v, 1.0);
            assert!(p[0] > p[2] && n[2] > n[0], "{v}: {p:?} {n:?}");
        }
        assert_eq!(diverging(0.3, 0.0), [247, 247, 247]);
    }

    #[test]
    fn limit_ignores_outliers() {
        let mut w = vec![0.1f32; 1000];
        w[0] = 50.0;
        w[1] = f32::NAN;
        assert_eq!(robust_limit(&w), 0.1);
        assert_eq!(robust_limit(&[]), 1e-6);
        assert_eq!(robust_limit(&[0.0; 4]), 1e-6);
    }

    #[test]
    fn thinning_keeps_shape_and_last_point() {
        let pts: Vec<(u64, f32)> = (1..=10_000).map(|s| (s, 1.0 / s as f32)).collect();
        let t = thin_log(&pts, 500);
        assert!(t.len() <= 500, "{}", t.len());
        assert_eq!(t.last(), pts.last());
        assert!(t.windows(2).all(|w| w[0].0 < w[1].0 && w[0].1 >= w[1].1));
        assert_eq!(thin_log(&pts[..10], 500), pts[..10].to_vec());
    }
}
