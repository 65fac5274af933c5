//! The cognitive tasks train natively at a small size (inputs ≠ outputs through the
//! channel-dispatched kernels), and a solved decision network has the psychometric curve the
//! task is known for. Small networks and shortened periods keep each test cheap.

use flipflop_core::analysis::psychometric::{
    context_curves, match_accuracy, pair_accuracy, perceptual_curve, Curve,
};
use flipflop_core::analysis::task_state_space;
use flipflop_core::fixedpoints::{search_on_task, FixedPointOptions};
use flipflop_core::task::presets::solved;
use flipflop_core::task::{ContextDm, MatchTwoItems, ParametricWm, PerceptualDm};
use flipflop_core::{Config, Metrics, TaskKind, Trainer};

/// Trains `cfg` until its held-out check (every 25 steps) is solved or `max` steps pass.
fn train(cfg: Config, max: u64) -> (Trainer, u64, Metrics) {
    let kind = cfg.task.kind;
    let mut t = Trainer::new(cfg).expect("valid config");
    loop {
        t.step().expect("no divergence");
        let step = t.steps_done();
        if step.is_multiple_of(25) || step >= max {
            let m = t.evaluate();
            if solved(kind, &m) || step >= max {
                return (t, step, m);
            }
        }
    }
}

fn small(kind: TaskKind, hidden: usize) -> Config {
    let mut c = Config::for_task(kind);
    c.model.hidden = hidden;
    c.train.val_trials = 200;
    c
}

/// A curve is monotone (within sampling noise), near certain at its strongest coherence
/// and near chance at zero.
fn check_curve(c: &Curve) {
    let pts = &c.points;
    for w in pts.windows(2) {
        assert!(w[1].p_right >= w[0].p_right - 0.04, "not monotone: {pts:?}");
    }
    let (first, last) = (&pts[0], &pts[pts.len() - 1]);
    assert!(last.p_right >= 0.95 && first.p_right <= 0.05, "{pts:?}");
    if let Some(zero) = pts.iter().find(|p| p.coherence == 0.0) {
        assert!((zero.p_right - 0.5).abs() <= 0.1, "{pts:?}");
    }
    assert!(c.fit.slope > 0.0, "{:?}", c.fit);
}

#[test]
fn perceptual_dm_solves_with_a_psychometric_curve() {
    let cfg = small(TaskKind::PerceptualDm, 32);
    let opts = cfg.task.perceptual_dm.clone();
    let (t, steps, m) = train(cfg, 1500);
    assert!(solved(TaskKind::PerceptualDm, &m), "{steps} steps: {m:?}");
    let curve = perceptual_curve(t.network(), &PerceptualDm::new(opts), 400, 7);
    assert_eq!(curve.points.len(), 11);
    check_curve(&curve);
    check_state_space(t.network(), &t.config().task);
}

/// The state space of a solved decision network: the trajectories of the strongest left and
/// right evidence end on opposite sides of PC1, and the search under the fixation input
/// (started on the trajectories) finds points with q below the slow-point bound.
fn check_state_space(net: &flipflop_core::Network, task: &flipflop_core::TaskConfig) {
    let s = task_state_space(net, task).expect("a state space");
    let end = |b: usize| s.pca.coords[(b * s.trial_len + s.trial_len - 1) * 3];
    let (left, right) = (end(0), end(s.trials - 1));
    assert_eq!((s.choice[0], s.choice[s.trials - 1]), (Some(0), Some(1)));
    assert!(
        left * right < 0.0,
        "PC1 at the end: left {left}, right {right}"
    );
    let opts = FixedPointOptions {
        starts: 32,
        ..FixedPointOptions::default()
    };
    let points = search_on_task(net, task, opts.clone(), 1)
        .expect("a search")
        .run();
    assert!(!points.is_empty());
    assert!(points.iter().all(|p| p.q < opts.slow_q), "{points:?}");
}

#[test]
fn context_dm_solves_and_follows_the_context() {
    let mut cfg = small(TaskKind::ContextDm, 32);
    cfg.task.context_dm.stimulus_ms = 400;
    cfg.task.context_dm.coherences = vec![5.0, 15.0, 50.0];
    let opts = cfg.task.context_dm.clone();
    let (t, steps, m) = train(cfg, 3000);
    assert!(solved(TaskKind::ContextDm, &m), "{steps} steps: {m:?}");
    let curves = context_curves(t.network(), &ContextDm::new(opts), 200, 7);
    assert_eq!(curves.len(), 2);
    for c in &curves {
        check_curve(c);
    }
}

#[test]
fn parametric_wm_solves_every_pair() {
    let mut cfg = small(TaskKind::ParametricWm, 32);
    cfg.task.parametric_wm.delay_min_ms = 200;
    cfg.task.parametric_wm.delay_max_ms = 600;
    let opts = cfg.task.parametric_wm.clone();
    let (t, steps, m) = train(cfg, 3000);
    assert!(solved(TaskKind::ParametricWm, &m), "{steps} steps: {m:?}");
    let table = pair_accuracy(t.network(), &ParametricWm::new(opts), 100, 7);
    assert_eq!(table.len(), 10);
    assert!(table.iter().all(|p| p.accuracy >= 0.8), "{table:?}");
}

#[test]
fn match_two_items_solves_every_condition() {
    let mut cfg = small(TaskKind::MatchTwoItems, 48);
    cfg.task.match_two_items.delay_ms = 100;
    let opts = cfg.task.match_two_items.clone();
    let (t, steps, m) = train(cfg, 3000);
    assert!(solved(TaskKind::MatchTwoItems, &m), "{steps} steps: {m:?}");
    let table = match_accuracy(t.network(), &MatchTwoItems::new(opts), 100, 7);
    assert_eq!(table.len(), 6);
    assert!(table.iter().all(|c| c.accuracy >= 0.8), "{table:?}");
}

/// Not a test: the measurement behind BENCHMARKS.md "Tasks" (each task's preset, seeds 1–3,
/// steps and seconds until the held-out check every 25 steps is solved, at most 90 s each).
/// Run: `cargo test -p flipflop-core --test tasks -- --ignored --nocapture presets` (the
/// test profile is opt-level 3).
#[test]
#[ignore]
fn presets_steps_to_solved() {
    for kind in TaskKind::ALL.into_iter().skip(1) {
        for seed in 1..=3 {
            let mut cfg = Config::for_task(kind);
            cfg.seed = seed;
            let max = cfg.train.max_steps;
            let mut t = Trainer::new(cfg).expect("valid preset");
            let start = std::time::Instant::now();
            let (mut m, mut solved_at) = (None, None);
            while t.steps_done() < max && start.elapsed().as_secs_f64() < 90.0 {
                t.step().expect("no divergence");
                if t.steps_done().is_multiple_of(25) {
                    let e = t.evaluate();
                    m = Some(e);
                    if solved(kind, &e) {
                        solved_at = Some(t.steps_done());
                        break;
                    }
                }
            }
            println!(
                "{} seed {seed}: solved at {solved_at:?} steps, {:.1} s, last check {m:?}",
                kind.cli_name(),
                start.elapsed().as_secs_f64()
            );
        }
    }
}
