//! Unit tests of the search on small networks with known fixed points.

use super::*;
use crate::model::ModelConfig;
use crate::rng::Purpose;

fn net_with(w: &[f32], n: usize, alpha: f32) -> Network {
    let cfg = ModelConfig {
        hidden: n,
        bits: 1,
        alpha,
        ..ModelConfig::default()
    };
    let mut net = Network::zeros(&cfg);
    net.w_rec = w.to_vec();
    net.w_out = vec![1.0; n];
    net
}

/// h* = tanh(2 h*), solved by bisection.
fn hstar() -> f64 {
    let (mut lo, mut hi) = (0.5f64, 1.0f64);
    for _ in 0..100 {
        let mid = 0.5 * (lo + hi);
        if (2.0 * mid).tanh() > mid {
            lo = mid
        } else {
            hi = mid
        }
    }
    lo
}

#[test]
fn one_dimensional_bistable_unit() {
    // h <- tanh(2h): fixed points 0 (F' = 2, unstable) and ±h* (F' = 2(1 - h*²) < 1, stable).
    let net = net_with(&[2.0], 1, 1.0);
    let starts: Vec<f32> = (-10..=10).map(|i| i as f32 * 0.1).collect();
    let mut rng = SeedRng::new(1, Purpose::Other);
    let opts = FixedPointOptions {
        start_noise: 0.0,
        ..Default::default()
    };
    let mut pts = FixedPointSearch::new(&net, &starts, opts, &mut rng).run();
    pts.sort_by(|a, b| a.state[0].total_cmp(&b.state[0]));
    assert_eq!(pts.len(), 3, "{pts:?}");
    let hs = hstar();
    let want = [(-hs, true), (0.0, false), (hs, true)];
    for (p, (h, stable)) in pts.iter().zip(want) {
        assert!(
            (p.state[0] as f64 - h).abs() < 1e-6,
            "{} vs {h}",
            p.state[0]
        );
        assert_eq!(p.stable, stable);
        assert!(p.fixed && p.q < 1e-12);
    }
    assert_eq!(pts[1].unstable_dims, 1);
    assert!((pts[1].eigenvalues[0][0] - 2.0).abs() < 1e-9);
    assert!((pts[2].eigenvalues[0][0] - 2.0 * (1.0 - hs * hs)).abs() < 1e-6);
    assert_eq!(pts[0].nearest_memory, vec![-1]);
    assert_eq!(pts[2].nearest_memory, vec![1]);
}

#[test]
fn two_independent_bistable_units_give_nine_points() {
    // diag(2, 2): {-h*, 0, h*}²: 4 stable corners, 4 saddles (1 unstable dim), 1 source (2).
    for alpha in [1.0f32, 0.5] {
        let net = net_with(&[2.0, 0.0, 0.0, 2.0], 2, alpha);
        let mut starts = Vec::new();
        for i in -4..=4 {
            for j in -4..=4 {
                starts.extend_from_slice(&[i as f32 * 0.22, j as f32 * 0.22]);
            }
        }
        let mut rng = SeedRng::new(2, Purpose::Other);
        let opts = FixedPointOptions {
            start_noise: 0.01,
            ..Default::default()
        };
        let pts = FixedPointSearch::new(&net, &starts, opts, &mut rng).run();
        assert_eq!(
            pts.len(),
            9,
            "alpha {alpha}: {:?}",
            pts.iter().map(|p| &p.state).collect::<Vec<_>>()
        );
        let count = |d: usize| pts.iter().filter(|p| p.unstable_dims == d).count();
        assert_eq!((count(0), count(1), count(2)), (4, 4, 1), "alpha {alpha}");
        assert!(pts.iter().all(|p| p.fixed));
        for p in pts.iter().filter(|p| p.unstable_dims == 1) {
            // The unstable direction of a saddle points along the axis whose coordinate is 0.
            let d = p
                .unstable_direction
                .as_ref()
                .expect("real unstable eigenvalue");
            let zero_axis = if p.state[0].abs() < 1e-6 { 0 } else { 1 };
            assert!(
                (d[zero_axis].abs() - 1.0).abs() < 1e-6,
                "{d:?} at {:?}",
                p.state
            );
        }
    }
}

#[test]
fn search_advances_in_bounded_pieces_through_every_phase() {
    let net = net_with(&[2.0, 0.0, 0.0, 2.0], 2, 1.0);
    let starts: Vec<f32> = (0..40).map(|i| (i as f32 * 0.37).sin()).collect();
    let opts = FixedPointOptions {
        descent_iters: 50,
        ..Default::default()
    };
    let mut search = FixedPointSearch::new(
        &net,
        &starts,
        opts.clone(),
        &mut SeedRng::new(4, Purpose::Other),
    );
    let mut seen = vec![search.phase()];
    let mut last = 0.0;
    let mut calls = 0;
    while search.phase() != Phase::Done {
        let phase = search.advance();
        calls += 1;
        assert!(search.progress() >= last, "progress never goes back");
        last = search.progress();
        if seen.last() != Some(&phase) {
            seen.push(phase);
        }
    }
    assert_eq!(
        seen,
        [Phase::Descent, Phase::Polish, Phase::Classify, Phase::Done]
    );
    let points = search.results();
    // One call per descent iteration (+1 to collect), per candidate, per distinct point.
    assert!(calls <= 51 + 20 + points.len(), "{calls} calls");
    let again =
        FixedPointSearch::new(&net, &starts, opts, &mut SeedRng::new(4, Purpose::Other)).run();
    assert_eq!(points, again);
    assert_eq!(search.progress(), 1.0);
}

#[test]
fn options_are_range_checked() {
    assert_eq!(FixedPointOptions::default().validate(), Ok(()));
    let bad = FixedPointOptions {
        starts: 1_000_000,
        ..Default::default()
    };
    assert_eq!(bad.validate().unwrap_err().field, "starts");
    let nan = FixedPointOptions {
        tol_q: f64::NAN,
        ..Default::default()
    };
    assert_eq!(nan.validate().unwrap_err().field, "tol_q");
}

#[test]
fn gradient_of_q_matches_finite_differences() {
    let cfg = ModelConfig {
        hidden: 6,
        bits: 1,
        alpha: 0.7,
        rec_bias: true,
        ..ModelConfig::default()
    };
    let mut net = Network::init(&cfg, 3);
    net.b_rec = vec![0.1, -0.2, 0.05, 0.0, 0.3, -0.1];
    let h0: Vec<f32> = vec![0.3, -0.5, 0.1, 0.7, -0.2, 0.05];
    let mut search = FixedPointSearch::new(
        &net,
        &h0,
        FixedPointOptions {
            start_noise: 0.0,
            descent_lr: 0.0,
            ..Default::default()
        },
        &mut SeedRng::new(1, Purpose::Other),
    );
    search.descent_iteration();
    let a2 = 0.49f64;
    let h64: Vec<f64> = h0.iter().map(|v| *v as f64).collect();
    for i in 0..6 {
        let mut p = h64.clone();
        p[i] += 1e-6;
        let mut m = h64.clone();
        m[i] -= 1e-6;
        let fd = (q_f64(&net, &p) - q_f64(&net, &m)) / 2e-6;
        let an = a2 * search.grad[i] as f64;
        assert!((fd - an).abs() < 1e-5, "[{i}] {an} vs {fd}");
    }
}

#[test]
fn settle_runs_alone_find_the_attractors_they_end_in() {
    // diag(2, 2): runs from one state per quadrant end at the four stable corners (±h*, ±h*);
    // with no descent starts, those are all the search lists, each stable, in few steps.
    let net = net_with(&[2.0, 0.0, 0.0, 2.0], 2, 0.5);
    let held = [0.3f32, 0.2, -0.1, 0.4, -0.5, -0.05, 0.2, -0.6];
    let opts = FixedPointOptions {
        start_noise: 0.0,
        ..Default::default()
    };
    let mut search = FixedPointSearch::new(
        &net,
        &[],
        opts.clone(),
        &mut SeedRng::new(1, Purpose::Other),
    )
    .with_settle_starts(&held);
    assert_eq!(search.phase(), Phase::Settle);
    let mut seen = vec![Phase::Settle];
    while search.phase() != Phase::Done {
        let phase = search.advance();
        if seen.last() != Some(&phase) {
            seen.push(phase);
        }
    }
    assert_eq!(
        seen,
        [
            Phase::Settle,
            Phase::Descent,
            Phase::Polish,
            Phase::Classify,
            Phase::Done
        ]
    );
    assert!(
        search.settle_steps_taken() < opts.settle_steps,
        "the runs stop once still: {}",
        search.settle_steps_taken()
    );
    let hs = hstar();
    let mut pts = search.results();
    pts.sort_by(|a, b| {
        (a.state[0], a.state[1])
            .partial_cmp(&(b.state[0], b.state[1]))
            .unwrap()
    });
    let corners: Vec<(f64, f64)> = vec![(-hs, -hs), (-hs, hs), (hs, -hs), (hs, hs)];
    assert_eq!(pts.len(), 4, "{pts:?}");
    for (p, (x, y)) in pts.iter().zip(corners) {
        assert!(p.fixed && p.stable, "{p:?}");
        assert!((p.state[0] as f64 - x).abs() < 1e-6 && (p.state[1] as f64 - y).abs() < 1e-6);
    }
    // A cap of 0 steps means no runs at all.
    let none = FixedPointSearch::new(
        &net,
        &[],
        FixedPointOptions {
            settle_steps: 0,
            ..opts
        },
        &mut SeedRng::new(1, Purpose::Other),
    )
    .with_settle_starts(&held);
    assert_eq!(none.phase(), Phase::Done);
}

#[test]
fn memory_states_are_the_states_held_before_each_pulse() {
    let task = crate::TaskConfig::default();
    let cube = crate::task::cube_set(&task);
    let n = 3;
    // A fake trajectory whose row t is (t, t, t): the picked rows name their steps.
    let traj: Vec<f32> = (0..cube.trial.trial_len)
        .flat_map(|t| [t as f32; 3])
        .collect();
    let held = memory_states(&cube, &traj, n);
    let steps: Vec<usize> = held.chunks_exact(n).map(|r| r[0] as usize).collect();
    assert_eq!(steps.len(), 2 << task.bits, "{steps:?}");
    let bits = task.bits;
    for &t in &steps {
        assert!(cube.state[t].is_some());
        assert!(cube.trial.x[t * bits..(t + 1) * bits]
            .iter()
            .all(|v| *v == 0.0));
        let last = t + 1 == cube.trial.trial_len;
        assert!(
            last || cube.trial.x[(t + 1) * bits..(t + 2) * bits]
                .iter()
                .any(|v| *v != 0.0)
        );
    }
}
