//! Fixed and slow points on the cube (issue 6): what the overlay draws and what the page
//! says about each point. Plain Rust, tested natively; the worker finds the points
//! (`flipflop_core::fixedpoints`), `view::cube` paints the [`Marker`]s and `page::fixed`
//! wires the controls.

use crate::protocol::{FixedPointsData, WireProjection};
use flipflop_core::fixedpoints::FixedPoint;

/// Half-length of a saddle's unstable-direction segment, in units of the unit eigenvector
/// times the cube frame's scale (so its drawn length shows how much of the direction lies
/// in the three components shown).
pub const SEGMENT: f32 = 0.25;
/// A readout component this close to zero leaves its bit undecided: the targets are ±1, and
/// the task scores a bit by its sign, so |z| < 0.5 is nearer to "no answer" (0) than to
/// either memory; such a bit is named `?`, never given a sign it barely has.
pub const UNDECIDED: f32 = 0.5;

/// What a point is, for drawing and for words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A fixed point whose Jacobian eigenvalues all lie inside the unit circle.
    Stable,
    /// A fixed point with at least one unstable direction (a saddle, or a source).
    Unstable,
    /// Not a fixed point: q is small but above the fixed-point tolerance.
    Slow,
}

impl Kind {
    /// The kind of `p`.
    pub fn of(p: &FixedPoint) -> Self {
        if !p.fixed {
            Kind::Slow
        } else if p.stable {
            Kind::Stable
        } else {
            Kind::Unstable
        }
    }

    /// A short name (also the `data-kind` of list items and details).
    pub fn name(self) -> &'static str {
        match self {
            Kind::Stable => "stable",
            Kind::Unstable => "saddle",
            Kind::Slow => "slow",
        }
    }
}

/// One point as the cube draws it, in data coordinates of the shown projection.
#[derive(Clone, Debug, PartialEq)]
pub struct Marker {
    /// Index into the result's points.
    pub index: usize,
    /// Its kind.
    pub kind: Kind,
    /// Position.
    pub pos: [f32; 3],
    /// Ends of the unstable-direction segment (saddles with a real leading eigenvalue).
    pub segment: Option<([f32; 3], [f32; 3])>,
    /// The memory state of its readout signs (bit j set iff output j > 0).
    pub state: u32,
}

/// The memory state whose signs `nearest_memory` holds (bit j set iff `+1`).
pub fn state_of(p: &FixedPoint) -> u32 {
    p.nearest_memory
        .iter()
        .take(32)
        .enumerate()
        .filter(|(_, s)| **s > 0)
        .fold(0u32, |acc, (j, _)| acc | 1 << j)
}

/// The memory a point holds, named truthfully from its readout: per bit `+1` (z ≥
/// [`UNDECIDED`]), `-1` (z ≤ −[`UNDECIDED`]) or `?` (undecided, between memories), e.g.
/// `-1 ? -1`. Bits beyond the readout are left out.
pub fn point_name(p: &FixedPoint, bits: usize) -> String {
    p.readout
        .iter()
        .take(bits)
        .map(|z| {
            if *z >= UNDECIDED {
                "+1"
            } else if *z <= -UNDECIDED {
                "-1"
            } else {
                "?"
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The hidden units `h` of a point's state for a projection of `dim` units: the state
/// itself (vanilla, GRU: N floats), or its first half (LSTM: `[h; c]`, 2N floats); `None`
/// for any other length.
pub fn h_part(state: &[f32], dim: usize) -> Option<&[f32]> {
    (state.len() == dim || state.len() == 2 * dim).then(|| &state[..dim])
}

/// Markers of every point on projection `p`, whose frame has `scale` data units per
/// normalised unit, placed by their `h` ([`h_part`]: an LSTM's points show where their h
/// part is). Points of the wrong dimension are left out.
pub fn markers(data: &FixedPointsData, p: &WireProjection, scale: f32) -> Vec<Marker> {
    let mut out = Vec::with_capacity(data.points.len());
    for (index, pt) in data.points.iter().enumerate() {
        let Some(h) = h_part(&pt.state, p.dim) else {
            continue;
        };
        let mut pos = [0.0f32; 3];
        p.project(h, &mut pos);
        let segment = pt.unstable_direction.as_ref().and_then(|d| {
            let d = h_part(d, p.dim)?;
            // The projection is affine, so the segment is pos ± L · (axes · d).
            let mut dir = [0.0f32; 3];
            for (i, o) in dir.iter_mut().enumerate().take(p.k.min(3)) {
                let axis = &p.axes.0[i * p.dim..(i + 1) * p.dim];
                *o = axis.iter().zip(d).map(|(a, v)| a * v).sum();
            }
            let l = SEGMENT * scale;
            Some((
                [0, 1, 2].map(|i| pos[i] - l * dir[i]),
                [0, 1, 2].map(|i| pos[i] + l * dir[i]),
            ))
        });
        out.push(Marker {
            index,
            kind: Kind::of(pt),
            pos,
            segment,
            state: state_of(pt),
        });
    }
    out
}

/// Counts for the summary line: (stable, unstable, slow).
pub fn counts(data: &FixedPointsData) -> (usize, usize, usize) {
    let mut c = (0, 0, 0);
    for p in &data.points {
        match Kind::of(p) {
            Kind::Stable => c.0 += 1,
            Kind::Unstable => c.1 += 1,
            Kind::Slow => c.2 += 1,
        }
    }
    c
}

/// Distinct memory states held by stable fixed points.
pub fn stable_states(data: &FixedPointsData) -> usize {
    let mut seen: Vec<u32> = data
        .points
        .iter()
        .filter(|p| Kind::of(p) == Kind::Stable)
        .map(state_of)
        .collect();
    seen.sort_unstable();
    seen.dedup();
    seen.len()
}

/// The summary line under the cube.
pub fn summary(data: &FixedPointsData, bits: usize) -> String {
    let (stable, unstable, slow) = counts(data);
    if data.points.is_empty() {
        return format!(
            "No fixed or slow points found at step {} ({:.1} s).",
            data.step,
            data.ms / 1000.0
        );
    }
    let held = stable_states(data);
    let memories = 1usize << bits.min(16);
    let mut s = format!(
        "Step {}: {stable} stable fixed point{}, {unstable} unstable (saddles){} — {held} of \
         {memories} memory states held by a stable point ({:.1} s).",
        data.step,
        if stable == 1 { "" } else { "s" },
        if slow > 0 {
            format!(", {slow} slow point{}", if slow == 1 { "" } else { "s" })
        } else {
            String::new()
        },
        data.ms / 1000.0
    );
    if held < memories && stable + unstable > 0 {
        s.push_str(
            " Memories without a stable point are held only by slow dynamics; train longer and \
             search again.",
        );
    }
    s
}

/// Signed two-decimal numbers, e.g. `(+0.22, −1.10)`.
fn signed_list(v: &[f32]) -> String {
    let parts: Vec<String> = v
        .iter()
        .map(|x| {
            if *x < 0.0 {
                format!("−{:.2}", -x)
            } else {
                format!("+{x:.2}")
            }
        })
        .collect();
    format!("({})", parts.join(", "))
}

/// Largest eigenvalue modulus.
pub fn largest_modulus(p: &FixedPoint) -> f64 {
    p.eigenvalues
        .iter()
        .map(|z| z[0].hypot(z[1]))
        .fold(0.0, f64::max)
}

/// A short label for the list of points.
pub fn label(i: usize, p: &FixedPoint, bits: usize) -> String {
    let kind = match Kind::of(p) {
        Kind::Stable => "stable".to_string(),
        Kind::Unstable => format!(
            "saddle, {} unstable dir{}",
            p.unstable_dims,
            if p.unstable_dims == 1 { "." } else { "s." }
        ),
        Kind::Slow => "slow point".to_string(),
    };
    format!(
        "#{} {kind} · {} · q {:.0e}",
        i + 1,
        point_name(p, bits.min(p.nearest_memory.len())),
        p.q
    )
}

/// Everything the details box says about point `i`.
pub fn details(i: usize, p: &FixedPoint, bits: usize) -> String {
    let n_bits = bits.min(p.nearest_memory.len());
    let name = point_name(p, n_bits);
    let rho = largest_modulus(p);
    let what = match Kind::of(p) {
        Kind::Stable => format!(
            "Stable fixed point: every Jacobian eigenvalue lies inside the unit circle \
             (largest |λ| = {rho:.3}), so nearby states fall back to it — a memory."
        ),
        Kind::Unstable => format!(
            "Unstable fixed point (a saddle): {} of its Jacobian eigenvalues lie outside the \
             unit circle (largest |λ| = {rho:.3}); the state leaves it along {} and stays near \
             it along the others.{}",
            p.unstable_dims,
            if p.unstable_dims == 1 {
                "that one direction"
            } else {
                "those directions"
            },
            if p.unstable_direction.is_some() {
                " The line through it on the cube is its leading unstable direction."
            } else {
                " Its leading unstable eigenvalues are a complex pair (a rotation), so no line \
                 is drawn."
            }
        ),
        Kind::Slow => format!(
            "Slow point: not a fixed point (q above the tolerance), but the state moves very \
             little per step here (largest Jacobian |λ| = {rho:.3})."
        ),
    };
    let undecided: Vec<String> = p
        .readout
        .iter()
        .enumerate()
        .filter(|(_, z)| z.abs() < UNDECIDED)
        .map(|(j, _)| (j + 1).to_string())
        .collect();
    let nearest = match undecided.as_slice() {
        [] => format!("memory state {name}"),
        [one] => format!(
            "memory state {name}, with bit {one} undecided (|z| < {UNDECIDED}): between memories"
        ),
        [first @ .., last] => format!(
            "memory state {name}, with bits {} and {last} undecided (|z| < {UNDECIDED}): \
             between memories",
            first.join(", ")
        ),
    };
    format!(
        "#{}: {what} q = {:.2e}. Readout z = {}: nearest {nearest}.",
        i + 1,
        p.q,
        signed_list(&p.readout)
    )
}

/// The marker nearest (`x`, `y`) within `radius`, from `(index, x, y)` screen positions.
pub fn hit(positions: &[(usize, f64, f64)], x: f64, y: f64, radius: f64) -> Option<usize> {
    positions
        .iter()
        .map(|&(i, px, py)| (i, (px - x).hypot(py - y)))
        .filter(|(_, d)| *d <= radius)
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(i, _)| i)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::F32s;
    use flipflop_core::fixedpoints::FixedPointOptions;

    fn point(state: Vec<f32>, fixed: bool, stable: bool, readout: Vec<f32>) -> FixedPoint {
        FixedPoint {
            nearest_memory: readout
                .iter()
                .map(|z| if *z > 0.0 { 1 } else { -1 })
                .collect(),
            state,
            q: if fixed { 1e-30 } else { 1e-7 },
            fixed,
            stable,
            unstable_dims: usize::from(!stable),
            eigenvalues: vec![[if stable { 0.9 } else { 1.2 }, 0.0], [0.1, 0.2]],
            unstable_direction: (!stable).then(|| vec![0.0, 1.0]),
            readout,
        }
    }

    fn data() -> FixedPointsData {
        FixedPointsData {
            step: 4000,
            ms: 1500.0,
            options: FixedPointOptions::default(),
            points: vec![
                point(vec![1.0, 0.0], true, true, vec![1.0, -1.0]),
                point(vec![-1.0, 0.0], true, true, vec![-1.0, -1.0]),
                point(vec![0.0, 0.5], true, false, vec![0.1, -1.0]),
                point(vec![0.0, 0.9], false, true, vec![0.8, 0.9]),
            ],
        }
    }

    /// 2-D states, projection onto (x, y, 0) shifted by the centre (0.5, 0).
    fn projection() -> WireProjection {
        WireProjection {
            rows: 0,
            dim: 2,
            k: 3,
            coords: F32s(vec![]),
            axes: F32s(vec![1.0, 0.0, 0.0, 1.0, 0.0, 0.0]),
            centre: F32s(vec![0.5, 0.0]),
            fractions: vec![0.5, 0.3, 0.2],
        }
    }

    #[test]
    fn markers_project_points_and_saddle_segments() {
        let m = markers(&data(), &projection(), 2.0);
        assert_eq!(m.len(), 4);
        assert_eq!(m[0].pos, [0.5, 0.0, 0.0]);
        assert_eq!(m[0].kind, Kind::Stable);
        assert_eq!(m[0].state, 0b01);
        assert_eq!(m[1].state, 0b00);
        assert_eq!(m[2].kind, Kind::Unstable);
        // Direction (0, 1) → second component, half-length 0.25 · 2.
        let (a, b) = m[2].segment.unwrap();
        assert!((a[1] - (0.5 - 0.5)).abs() < 1e-6 && (b[1] - 1.0).abs() < 1e-6);
        assert_eq!(m[3].kind, Kind::Slow);
        assert!(m[0].segment.is_none());
        // A point of another dimension is skipped, not a panic.
        let mut d = data();
        d.points[1].state = vec![1.0];
        assert_eq!(markers(&d, &projection(), 1.0).len(), 3);
        // An LSTM's points hold [h; c]: they sit where their h part projects, and so does
        // a saddle's segment.
        let mut lstm = data();
        for p in &mut lstm.points {
            p.state.extend([7.0, -7.0]);
            if let Some(dir) = p.unstable_direction.as_mut() {
                dir.extend([5.0, 5.0]);
            }
        }
        assert_eq!(markers(&lstm, &projection(), 2.0), m);
        assert_eq!(h_part(&[1.0, 2.0, 3.0], 2), None);
    }

    #[test]
    fn summary_counts_kinds_and_memories() {
        let s = summary(&data(), 2);
        assert!(s.contains("2 stable fixed points"), "{s}");
        assert!(s.contains("1 unstable"), "{s}");
        assert!(s.contains("1 slow point"), "{s}");
        assert!(s.contains("2 of 4 memory states"), "{s}");
        assert!(s.contains("slow dynamics"), "{s}");
        assert_eq!(counts(&data()), (2, 1, 1));
    }

    #[test]
    fn details_name_kind_q_and_nearest_memory() {
        let d = data();
        let saddle = details(2, &d.points[2], 2);
        assert!(
            saddle.starts_with("#3: Unstable fixed point (a saddle)"),
            "{saddle}"
        );
        assert!(saddle.contains("largest |λ| = 1.200"), "{saddle}");
        assert!(saddle.contains("q = 1.00e-30"), "{saddle}");
        assert!(
            saddle.contains("memory state ? -1, with bit 1 undecided"),
            "{saddle}"
        );
        assert!(saddle.contains("(+0.10, −1.00)"), "{saddle}");
        let stable = details(0, &d.points[0], 2);
        assert!(stable.contains("Stable fixed point") && stable.contains("memory state +1 -1."));
        assert!(details(3, &d.points[3], 2).starts_with("#4: Slow point"));
        assert_eq!(
            label(2, &d.points[2], 2),
            "#3 saddle, 1 unstable dir. · ? -1 · q 1e-30"
        );
    }

    /// A bit whose readout is near zero is `?`, not the sign it barely has (threshold
    /// [`UNDECIDED`] = 0.5, inclusive on the decided side).
    #[test]
    fn point_names_are_truthful() {
        let cases: &[(&[f32], &str)] = &[
            (&[-1.0, 1.0, -1.0], "-1 +1 -1"),
            (&[-0.98, 0.03, -1.02], "-1 ? -1"),
            (&[-0.98, -0.2, -1.02], "-1 ? -1"),
            (&[0.5, -0.5, 0.49], "+1 -1 ?"),
            (&[0.0, 0.0, 0.0], "? ? ?"),
        ];
        for (readout, want) in cases {
            let p = point(vec![0.0, 0.0], true, false, readout.to_vec());
            assert_eq!(point_name(&p, 3), *want, "{readout:?}");
            assert!(label(0, &p, 3).contains(want), "{readout:?}");
        }
        let p = point(vec![0.0, 0.0], true, true, vec![0.9, -0.9, 0.1]);
        assert_eq!(point_name(&p, 2), "+1 -1", "only the task's bits");
    }

    #[test]
    fn hit_picks_the_nearest_marker_within_reach() {
        let pos = [(0, 10.0, 10.0), (1, 14.0, 10.0), (2, 100.0, 100.0)];
        assert_eq!(hit(&pos, 13.0, 10.0, 8.0), Some(1));
        assert_eq!(hit(&pos, 50.0, 50.0, 8.0), None);
        assert_eq!(hit(&[], 0.0, 0.0, 8.0), None);
    }
}
