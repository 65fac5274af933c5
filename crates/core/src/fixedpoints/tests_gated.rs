//! The search on gated cells: constructed GRU and LSTM networks whose fixed points are known
//! in closed form, and a random LSTM whose points must be fixed points of the cell's own step.

use super::*;
use crate::model::{CellKind, GateActivation, ModelConfig};
use crate::rng::Purpose;

/// Root of `x = g(x)` in (0.3, 1) by bisection (`g(x) > x` below the root).
fn root(g: impl Fn(f64) -> f64) -> f64 {
    let (mut lo, mut hi) = (0.3f64, 1.0f64);
    for _ in 0..100 {
        let mid = 0.5 * (lo + hi);
        if g(mid) > mid {
            lo = mid
        } else {
            hi = mid
        }
    }
    lo
}

fn one_unit(cell: CellKind, reset_after: bool, act: GateActivation) -> Network {
    let cfg = ModelConfig {
        hidden: 1,
        bits: 1,
        cell,
        rec_bias: true,
        reset_after,
        recurrent_activation: act,
        ..ModelConfig::default()
    };
    let mut net = Network::zeros(&cfg);
    net.w_out = vec![1.0];
    net
}

/// A one-unit GRU whose hard-sigmoid gates are saturated by their biases (z = 0, r = 1
/// exactly), so that `h ← tanh(2h)`: fixed points 0 (F' = 2) and ±h* (F' = 2(1 - h*²)).
fn gru_tanh2(reset_after: bool) -> Network {
    let mut net = one_unit(
        CellKind::Gru,
        reset_after,
        GateActivation::HardSigmoidKeras2,
    );
    net.w_rec = vec![0.0, 0.0, 2.0];
    net.b_rec[0] = -10.0;
    net.b_rec[1] = 10.0;
    net
}

fn run(net: &Network, starts: &[f32]) -> Vec<FixedPoint> {
    let opts = FixedPointOptions {
        start_noise: 0.0,
        ..Default::default()
    };
    let mut pts =
        FixedPointSearch::new(net, starts, opts, &mut SeedRng::new(1, Purpose::Other)).run();
    pts.sort_by(|a, b| a.state[0].total_cmp(&b.state[0]));
    pts
}

#[test]
fn gru_with_saturated_gates_has_the_three_points_of_tanh_2h() {
    let hs = root(|x| (2.0 * x).tanh());
    for reset_after in [true, false] {
        let net = gru_tanh2(reset_after);
        let starts: Vec<f32> = (-10..=10).map(|i| i as f32 * 0.1).collect();
        let pts = run(&net, &starts);
        assert_eq!(pts.len(), 3, "reset_after {reset_after}: {pts:?}");
        for (p, (h, stable)) in pts.iter().zip([(-hs, true), (0.0, false), (hs, true)]) {
            assert!((p.state[0] as f64 - h).abs() < 1e-6, "{p:?}");
            assert_eq!(p.stable, stable, "{p:?}");
            assert!(p.fixed);
            let slope = 2.0 * (1.0 - h * h);
            assert!((p.eigenvalues[0][0] - slope).abs() < 1e-6, "{p:?}");
        }
        assert_eq!(pts[1].unstable_dims, 1);
        assert_eq!(pts[0].nearest_memory, vec![-1]);
    }
}

#[test]
fn lstm_points_live_on_the_joint_state() {
    // i = o = 1, f = 0 exactly (saturated hard sigmoids): c ← tanh(2h), h ← tanh(c).
    // Fixed points (0, 0) and ±(h*, c*) with h* = tanh(tanh(2h*)), c* = tanh(2h*); the
    // Jacobian over [h; c] is [[2(1-c*²)(1-h*²), 0], [2(1-c*²), 0]]: eigenvalues 0 and
    // 2(1-c*²)(1-h*²).
    let mut net = one_unit(CellKind::Lstm, true, GateActivation::HardSigmoidKeras3);
    net.w_rec = vec![0.0, 0.0, 2.0, 0.0];
    net.b_rec = vec![10.0, -10.0, 0.0, 10.0];
    let hs = root(|x| (2.0 * x).tanh().tanh());
    let cs = (2.0 * hs).tanh();
    let starts: Vec<f32> = (-10..=10)
        .flat_map(|i| [i as f32 * 0.1, i as f32 * 0.07])
        .collect();
    let pts = run(&net, &starts);
    assert_eq!(pts.len(), 3, "{pts:?}");
    let want = [(-hs, -cs, true), (0.0, 0.0, false), (hs, cs, true)];
    for (p, (h, c, stable)) in pts.iter().zip(want) {
        assert_eq!(p.state.len(), 2, "a point of an LSTM is [h; c]");
        assert!((p.state[0] as f64 - h).abs() < 1e-6, "{p:?}");
        assert!((p.state[1] as f64 - c).abs() < 1e-6, "{p:?}");
        assert_eq!(p.stable, stable);
        let lead = 2.0 * (1.0 - c * c) * (1.0 - h * h);
        assert!((p.eigenvalues[0][0] - lead).abs() < 1e-6, "{p:?}");
        assert!(p.eigenvalues[1][0].hypot(p.eigenvalues[1][1]) < 1e-9);
        // The readout sees h only.
        assert!((p.readout[0] as f64 - h).abs() < 1e-6);
    }
    let dir = pts[1]
        .unstable_direction
        .as_ref()
        .expect("the saddle's direction");
    assert_eq!(dir.len(), 2);
}

#[test]
fn every_point_of_a_random_lstm_is_a_fixed_point_of_its_step() {
    let cfg = ModelConfig {
        hidden: 6,
        bits: 2,
        cell: CellKind::Lstm,
        rec_bias: true,
        rec_gain: 2.5,
        ..ModelConfig::default()
    };
    let net = Network::init(&cfg, 5);
    let mut rng = SeedRng::new(3, Purpose::Other);
    let starts: Vec<f32> = (0..64 * 12).map(|_| 0.8 * rng.normal() as f32).collect();
    let search = FixedPointSearch::new(&net, &starts, FixedPointOptions::default(), &mut rng)
        .with_settle_starts(&starts[..8 * 12]);
    let pts = search.run();
    assert!(pts.iter().any(|p| p.fixed), "{pts:?}");
    let mut scratch = vec![0.0; cfg.cell.scratch_size(6)];
    for p in pts.iter().filter(|p| p.fixed) {
        let mut s = p.state.clone();
        net.step(&mut s, &[0.0, 0.0], &mut scratch);
        for (a, b) in s.iter().zip(&p.state) {
            assert!((a - b).abs() < 1e-5, "{p:?}");
        }
        let s64: Vec<f64> = p.state.iter().map(|v| *v as f64).collect();
        let j = jacobian(&net, &s64);
        assert_eq!(j.nrows(), 12);
    }
    // Simulation settles on a stable point: the search must list it.
    let stable: Vec<&FixedPoint> = pts.iter().filter(|p| p.stable).collect();
    assert!(!stable.is_empty(), "{pts:?}");
}
