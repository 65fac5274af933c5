//! Comparing realizations (`flipflop_core::compare`).
//!
//! - Every measure against values computed by numpy along independent routes
//!   (`tests/data/compare/fixture.json`, written by `make_fixture.py` next to it).
//! - The same dynamical system written differently is the same network: permuting the hidden
//!   units and flipping the sign of some of them (`W_rec → P S W_rec S Pᵀ`, `W_in → P S W_in`,
//!   `b_rec → P S b_rec`, `W_out → W_out S Pᵀ`; tanh is odd) gives distance < 1e-4 on every
//!   measure and the same topology (stable points, held memories, time constants, the
//!   saddle indices found); networks from different seeds are clearly farther apart.

use flipflop_core::compare::{
    align, cka_distance, classical_mds, distances, linear_cka, probe, procrustes_distance,
    summarise, topology, CompareError,
};
use flipflop_core::fixedpoints::{search_from_cube_set, FixedPointOptions};
use flipflop_core::{Network, TaskConfig};
use flipflop_formats::netfile;
use nalgebra::DMatrix;
use serde_json::Value;

fn data_path(rel: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

fn load(rel: &str) -> (Network, TaskConfig) {
    let path = data_path(rel);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let f = netfile::decode(&bytes).unwrap();
    (f.network, f.config.task)
}

fn fixture() -> Value {
    let text = std::fs::read_to_string(data_path("tests/data/compare/fixture.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn mat(v: &Value) -> DMatrix<f64> {
    let rows: Vec<Vec<f64>> = serde_json::from_value(v.clone()).unwrap();
    DMatrix::from_fn(rows.len(), rows[0].len(), |i, j| rows[i][j])
}

fn rows(m: &DMatrix<f64>) -> Vec<f32> {
    (0..m.nrows())
        .flat_map(|i| (0..m.ncols()).map(move |j| (i, j)))
        .map(|(i, j)| m[(i, j)] as f32)
        .collect()
}

#[test]
fn procrustes_and_cka_match_numpy() {
    let f = fixture();
    for (k, pair) in f["pairs"].as_array().unwrap().iter().enumerate() {
        let (x, y) = (mat(&pair["x"]), mat(&pair["y"]));
        let want_p = pair["procrustes"].as_f64().unwrap();
        let want_c = pair["cka"].as_f64().unwrap();
        let p = procrustes_distance(&x, &y).unwrap();
        let c = linear_cka(&x, &y).unwrap();
        assert!(
            (p - want_p).abs() < 1e-9,
            "pair {k}: procrustes {p} vs {want_p}"
        );
        assert!((c - want_c).abs() < 1e-9, "pair {k}: cka {c} vs {want_c}");
        // Symmetric, and the distance forms.
        assert!((procrustes_distance(&y, &x).unwrap() - p).abs() < 1e-12);
        assert!((cka_distance(&y, &x).unwrap() - (1.0 - c)).abs() < 1e-12);
        // Clearly between the extremes, so the comparison means something.
        assert!(
            p > 0.1 && p < 1.3 && c > 0.1 && c < 0.95,
            "pair {k}: {p} {c}"
        );
    }
}

#[test]
fn mds_matches_numpy_up_to_reflection() {
    let f = fixture();
    for (k, case) in f["mds"].as_array().unwrap().iter().enumerate() {
        let d: Vec<Vec<f64>> = serde_json::from_value(case["d"].clone()).unwrap();
        let want: Vec<Vec<f64>> = serde_json::from_value(case["coords"].clone()).unwrap();
        let got = classical_mds(&d).unwrap();
        assert_eq!(got.len(), want.len());
        for axis in 0..2 {
            // numpy's eigenvector sign is arbitrary: match it on the largest coordinate.
            let lead = (0..want.len())
                .max_by(|a, b| want[*a][axis].abs().total_cmp(&want[*b][axis].abs()))
                .unwrap();
            let s = (got[lead][axis] * want[lead][axis]).signum();
            for (g, w) in got.iter().zip(&want) {
                assert!(
                    (s * g[axis] - w[axis]).abs() < 1e-9,
                    "case {k} axis {axis}: {got:?} vs {want:?}"
                );
            }
        }
    }
}

#[test]
fn mds_rejects_what_is_not_a_distance_matrix() {
    let cases: Vec<(Vec<Vec<f64>>, &str)> = vec![
        (vec![vec![0.0, 1.0], vec![1.0]], "row 2 has 1 entries"),
        (vec![vec![0.0, 1.0], vec![]], "row 2 has 0 entries"),
        (vec![vec![0.0, 1.0], vec![2.0, 0.0]], "differ"),
        (vec![vec![1.0, 1.0], vec![1.0, 0.0]], "diagonal entry 1"),
        (vec![vec![0.0, f64::NAN], vec![f64::NAN, 0.0]], "NaN"),
        (vec![vec![0.0, -1.0], vec![-1.0, 0.0]], "-1"),
    ];
    for (d, want) in cases {
        match classical_mds(&d) {
            Err(e @ CompareError::NotADistanceMatrix(_)) => {
                assert!(e.to_string().contains(want), "{e} lacks {want:?}")
            }
            other => panic!("{d:?}: {other:?}"),
        }
    }
    assert_eq!(classical_mds(&[]).unwrap(), Vec::<[f64; 2]>::new());
    assert_eq!(classical_mds(&[vec![0.0]]).unwrap(), vec![[0.0, 0.0]]);
    // Two points at distance 2: at ±1 on the first axis.
    let two = classical_mds(&[vec![0.0, 2.0], vec![2.0, 0.0]]).unwrap();
    assert!((two[0][0].abs() - 1.0).abs() < 1e-12 && (two[0][0] + two[1][0]).abs() < 1e-12);
}

#[test]
fn measures_reject_bad_input() {
    let x = DMatrix::from_fn(6, 3, |i, j| (i * 3 + j) as f64 * 0.37 % 1.0);
    let short = DMatrix::from_fn(5, 3, |i, j| (i + j) as f64);
    let flat = DMatrix::from_element(6, 2, 0.5);
    let mut bad = x.clone();
    bad[(2, 1)] = f64::INFINITY;
    for (y, want) in [
        (&short, CompareError::RowMismatch { left: 6, right: 5 }),
        (&flat, CompareError::Constant),
        (&bad, CompareError::NonFinite),
    ] {
        assert_eq!(procrustes_distance(&x, y), Err(want.clone()));
        assert_eq!(linear_cka(&x, y), Err(want));
    }
}

#[test]
fn align_recovers_a_rotation_reflection_and_shift() {
    let f = fixture();
    let x = mat(&f["pairs"][0]["x"]); // 10 × 4
                                      // Y = X Q + t with Q orthogonal (a rotation in the 0-1 plane and a reflection of axis 3),
                                      // written in 5 columns (the last all zero, so widths differ).
    let (c, s) = (0.6f64, 0.8f64);
    let q = DMatrix::from_row_slice(
        4,
        5,
        &[
            c, -s, 0.0, 0.0, 0.0, //
            s, c, 0.0, 0.0, 0.0, //
            0.0, 0.0, 1.0, 0.0, 0.0, //
            0.0, 0.0, 0.0, -1.0, 0.0,
        ],
    );
    let mut y = &x * q;
    for mut row in y.row_iter_mut() {
        row[0] += 3.0;
        row[2] -= 1.5;
    }
    let a = align(&rows(&x), &rows(&y), 10, 4, 5).unwrap();
    assert!(a.distance < 1e-6, "{}", a.distance);
    let back = a.apply(&rows(&y));
    for (b, want) in back.iter().zip(rows(&x)) {
        assert!((b - want).abs() < 1e-5, "{b} vs {want}");
    }
    // An unrelated set is not aligned to distance 0, and the rotation stays orthonormal.
    let other = mat(&f["pairs"][0]["y"]); // 10 × 3
    let a = align(&rows(&x), &rows(&other), 10, 4, 3).unwrap();
    assert!(a.distance > 0.1);
    for i in 0..3 {
        for j in 0..3 {
            let d: f64 = (0..4)
                .map(|k| a.rotation[i * 4 + k] * a.rotation[j * 4 + k])
                .sum();
            assert!((d - if i == j { 1.0 } else { 0.0 }).abs() < 1e-9);
        }
    }
    assert!(matches!(
        align(&[1.0; 7], &rows(&other), 10, 4, 3),
        Err(CompareError::Shape { len: 7, .. })
    ));
}

/// The network with hidden units permuted by `perm` (new unit `i` is old unit `perm[i]`) and
/// the sign of old unit `u` flipped where `flip[u]`.
fn permuted(net: &Network, perm: &[usize], flip: &[bool]) -> Network {
    let n = net.config.hidden;
    let ki = net.config.inputs();
    let ko = net.config.outputs();
    let sign = |u: usize| if flip[u] { -1.0f32 } else { 1.0 };
    let mut out = net.clone();
    for i in 0..n {
        let (pi, si) = (perm[i], sign(perm[i]));
        for (j, &pj) in perm.iter().enumerate() {
            out.w_rec[i * n + j] = si * sign(pj) * net.w_rec[pi * n + pj];
        }
        for c in 0..ki {
            out.w_in[i * ki + c] = si * net.w_in[pi * ki + c];
        }
        out.b_rec[i] = si * net.b_rec[pi];
        for o in 0..ko {
            out.w_out[o * n + i] = net.w_out[o * n + pi] * si;
        }
    }
    out
}

/// A fixed permutation with sign flips of `n` units (no unit left in place).
fn shuffle(n: usize) -> (Vec<usize>, Vec<bool>) {
    let perm = (0..n).map(|i| (i * 37 + 11) % n).collect::<Vec<_>>();
    let mut seen = perm.clone();
    seen.sort_unstable();
    assert_eq!(
        seen,
        (0..n).collect::<Vec<_>>(),
        "37 must be coprime to {n}"
    );
    let flip = (0..n).map(|u| u % 3 != 1).collect();
    (perm, flip)
}

#[test]
fn permuted_and_sign_flipped_network_is_the_same_network() {
    let (net, task) = load("tests/data/seed2_5000.net");
    let (other, _) = load("../../web/assets/pretrained.net");
    let (perm, flip) = shuffle(net.config.hidden);
    let twin = permuted(&net, &perm, &flip);
    assert_ne!(twin.w_rec, net.w_rec);

    let probes = [
        probe(&net, &task),
        probe(&twin, &task),
        probe(&other, &task),
    ];
    assert!(
        probes[0].readout_agrees.iter().all(|a| *a),
        "seed 2 is solved"
    );
    let d = distances(&probes).unwrap();
    eprintln!("procrustes {:?}\ncka {:?}", d.procrustes, d.cka);
    for m in [&d.procrustes, &d.cka] {
        for (i, row) in m.iter().enumerate() {
            assert_eq!(row[i], 0.0);
            for (j, d) in row.iter().enumerate() {
                assert_eq!(*d, m[j][i]);
            }
        }
        assert!(m[0][1] < 1e-4, "twin: {}", m[0][1]);
        // A different realization: clearly farther, by orders of magnitude.
        assert!(m[0][2] > 1e-2 && m[0][2] > 100.0 * m[0][1], "other: {m:?}");
        assert!((m[1][2] - m[0][2]).abs() < 1e-4);
    }
    // The centroids align to each other with distance ~0 too (Fig. 7's alignment).
    let (c0, c1) = (&probes[0].centroids, &probes[1].centroids);
    let n = net.config.hidden;
    let a = align(c0, c1, 1 << task.bits, n, n).unwrap();
    assert!(a.distance < 1e-4, "{}", a.distance);
    let back = a.apply(c1);
    let err = back
        .iter()
        .zip(c0)
        .fold(0.0f32, |m, (a, b)| m.max((a - b).abs()));
    assert!(err < 1e-4, "{err}");

    // Same topology: spectral radius, outliers, stable points, saddles, held memories, τ.
    let opts = FixedPointOptions::default();
    let pts = search_from_cube_set(&net, &task, opts.clone(), 1).run();
    let twin_pts = search_from_cube_set(&twin, &task, opts, 1).run();
    let (s, t) = (
        summarise(&net, &pts).unwrap(),
        summarise(&twin, &twin_pts).unwrap(),
    );
    eprintln!("{s:?}\n{t:?}");
    assert!((s.spectral_radius - t.spectral_radius).abs() < 1e-5);
    assert_eq!(s.outside_unit_circle.len(), t.outside_unit_circle.len());
    let (a, b) = (&s.topology, &t.topology);
    assert_eq!(a.stable, b.stable);
    // The saddles are found from sampled starts whose noise is drawn per unit index, so the
    // permuted network's search starts elsewhere and may find one more or one fewer saddle
    // of a given index (measured: 3 vs 4 with 3 unstable directions, 2 vs 1 with 14). The
    // indices found are the same; the counts are a property of the search, not the network.
    assert_eq!(
        a.saddles.keys().collect::<Vec<_>>(),
        b.saddles.keys().collect::<Vec<_>>()
    );
    assert!(a.saddle_count().abs_diff(b.saddle_count()) <= 2);
    assert_eq!(a.held_memories, b.held_memories);
    assert_eq!(a.held_memories.len(), 8, "seed 2 holds every memory");
    assert!(a.missing_memories.is_empty());
    for (p, q) in a.stable_points.iter().zip(&b.stable_points) {
        assert_eq!(p.memory, q.memory);
        assert!((p.slowest_tau - q.slowest_tau).abs() < 1e-3 * p.slowest_tau.max(1.0));
        assert!(p.max_modulus < 1.0 && p.slowest_tau > 0.0);
    }
}

#[test]
fn networks_of_different_width_compare_and_different_tasks_do_not() {
    let (net, task) = load("tests/data/seed2_5000.net");
    let mut cfg = net.config.clone();
    cfg.hidden = 24;
    let small = Network::init(&cfg, 9);
    let d = distances(&[probe(&net, &task), probe(&small, &task)]).unwrap();
    for m in [&d.procrustes, &d.cka] {
        assert!(m[0][1] > 1e-2 && m[0][1] <= 2f64.sqrt() + 1e-12, "{m:?}");
    }
    let mut two_bits = task.clone();
    two_bits.bits = 2;
    let mut cfg2 = cfg.clone();
    cfg2.bits = 2;
    let small2 = Network::init(&cfg2, 9);
    let err = distances(&[probe(&net, &task), probe(&small2, &two_bits)]).unwrap_err();
    assert!(matches!(
        err,
        CompareError::DifferentProbes { index: 1, .. }
    ));
    assert!(err.to_string().contains("2 bits, not 3"), "{err}");
}

#[test]
fn topology_counts_points_by_kind() {
    use flipflop_core::fixedpoints::FixedPoint;
    let point = |fixed, stable, unstable_dims, modulus: f64, memory: Vec<i8>| FixedPoint {
        state: vec![0.0; 2],
        q: 0.0,
        fixed,
        stable,
        unstable_dims,
        eigenvalues: vec![[modulus, 0.0], [0.1, 0.0]],
        unstable_direction: None,
        readout: vec![0.0; 2],
        nearest_memory: memory,
    };
    let pts = vec![
        point(true, true, 0, 0.9, vec![1, -1]),
        point(true, true, 0, (-0.1f64).exp(), vec![-1, -1]),
        point(true, true, 0, 0.5, vec![1, -1]),
        point(true, false, 1, 1.2, vec![1, 1]),
        point(true, false, 1, 1.1, vec![1, 1]),
        point(true, false, 2, 1.3, vec![1, 1]),
        point(false, true, 0, 0.99, vec![1, 1]),
    ];
    let t = topology(&pts, 2);
    assert_eq!(
        (t.stable, t.slow, t.marginal, t.saddle_count()),
        (3, 1, 0, 3)
    );
    assert_eq!(t.saddles.get(&1), Some(&2));
    assert_eq!(t.saddles.get(&2), Some(&1));
    assert_eq!(t.held_memories, vec![0, 1]);
    assert_eq!(t.held_names, vec!["-1 -1", "+1 -1"]);
    assert_eq!(t.missing_memories, vec![2, 3]);
    // τ = −1/ln|λ|: exactly 10 steps for |λ| = e^−0.1; memory 1's slower point first.
    assert!((t.stable_points[0].slowest_tau - 10.0).abs() < 1e-9);
    assert_eq!(t.stable_points[1].memory, 1);
    assert!((t.stable_points[1].slowest_tau - (-1.0 / 0.9f64.ln())).abs() < 1e-12);
    assert!(t.stable_points[1].slowest_tau > t.stable_points[2].slowest_tau);
}
