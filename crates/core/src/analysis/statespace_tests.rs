use super::*;
use crate::fixedpoints::FixedPointOptions;
use crate::fixedpoints::{holding_input, search_on_task, with_constant_input};
use crate::model::{CellKind, ModelConfig};
use crate::task::cognitive::evidence;
use crate::Config;

fn task(kind: TaskKind) -> TaskConfig {
    Config::for_task(kind).task
}

/// A hand-wired perceptual-decision network: unit 0 integrates (right − left) evidence
/// (self-weight 1, α 0.2), unit 1 copies the fixation input, unit 2 is idle; "right" reads
/// +h0, "left" −h0.
fn integrator() -> Network {
    let c = ModelConfig {
        hidden: 3,
        channels: Some([3, 2]),
        alpha: 0.2,
        ..ModelConfig::default()
    };
    let mut net = Network::zeros(&c);
    net.w_rec[0] = 1.0;
    net.w_in[1] = -1.0;
    net.w_in[2] = 1.0;
    net.w_in[3] = 1.0; // unit 1 ← fixation
    net.w_out[0] = -1.0;
    net.w_out[3] = 1.0;
    net
}

/// One noiseless trial per condition with its label and correct choice, as the module's
/// table says: counts, labels within the names, the perceptual trials' evidence exact.
#[test]
fn analysis_trials_cover_the_conditions() {
    assert!(analysis_trials(&task(TaskKind::FlipFlop)).is_none());
    for (kind, trials, names) in [
        (TaskKind::PerceptualDm, 11, 11),
        (TaskKind::ContextDm, 72, 4),
        (TaskKind::ParametricWm, 10, 7),
        (TaskKind::MatchTwoItems, 96, 6),
    ] {
        let a = analysis_trials(&task(kind)).unwrap();
        assert_eq!(a.batch.batch, trials, "{kind:?}");
        assert_eq!(a.names.len(), names, "{kind:?}");
        assert_eq!(a.label.len(), trials);
        assert_eq!(a.choice.len(), trials);
        assert!(a.label.iter().all(|l| (*l as usize) < names), "{kind:?}");
        // Every label is used.
        for l in 0..names as u32 {
            assert!(a.label.contains(&l), "{kind:?} label {l}");
        }
        assert_eq!(a, analysis_trials(&task(kind)).unwrap(), "deterministic");
    }
    let a = analysis_trials(&task(TaskKind::PerceptualDm)).unwrap();
    assert_eq!(a.names[0], "−51.2 %");
    assert_eq!(a.names[5], "0 %");
    assert_eq!(a.names[10], "+51.2 %");
    assert_eq!(
        (a.choice[0], a.choice[5], a.choice[10]),
        (Some(0), None, Some(1))
    );
    // The first trial's stimulus: evidence right = evidence(−51.2), no noise.
    let x = trial_inputs(&a.batch, 0);
    assert_eq!(x[10 * 3 + 2], evidence(-51.2));
    assert_eq!(x[10 * 3 + 1], evidence(51.2));
}

/// A network under a constant input steps exactly like its bias-shifted copy under input
/// zero, for every cell (the identity the task's fixed-point search rests on).
#[test]
fn constant_input_is_absorbed_into_the_bias() {
    for cell in [CellKind::Vanilla, CellKind::Gru, CellKind::Lstm] {
        for reset_after in [true, false] {
            let c = ModelConfig {
                hidden: 6,
                channels: Some([3, 2]),
                alpha: if cell == CellKind::Vanilla { 0.2 } else { 1.0 },
                cell,
                reset_after,
                rec_bias: true,
                ..ModelConfig::default()
            };
            let net = Network::init(&c, 5);
            let x = [1.0, 0.3, -0.7];
            let held = with_constant_input(&net, &x);
            let size = cell.state_size(6);
            let mut rng = SeedRng::new(9, Purpose::Other);
            let mut a: Vec<f32> = (0..size).map(|_| 0.5 * rng.normal() as f32).collect();
            let mut b = a.clone();
            let mut scratch = vec![0.0; cell.scratch_size(6)];
            for _ in 0..5 {
                net.step(&mut a, &x, &mut scratch);
                held.step(&mut b, &[0.0; 3], &mut scratch);
            }
            for (u, v) in a.iter().zip(&b) {
                assert!(
                    (u - v).abs() < 1e-5,
                    "{cell:?} {reset_after}: {a:?} vs {b:?}"
                );
            }
        }
    }
    assert_eq!(holding_input(3), vec![1.0, 0.0, 0.0]);
}

/// On the integrator, trajectories of opposite coherences end on opposite sides of PC1, in
/// order of coherence; the fixation-only dynamics have a line of slow points along unit 0,
/// and the search finds points there with q below the bound. The flip-flop is refused.
#[test]
fn state_space_of_an_integrator() {
    let cfg = task(TaskKind::PerceptualDm);
    let net = integrator();
    let s = task_state_space(&net, &cfg).unwrap();
    assert_eq!((s.trials, s.trial_len, s.go_step), (11, 60, 45));
    assert_eq!(s.pca.rows, 11 * 60);
    let end = |b: usize| s.pca.coords[(b * s.trial_len + s.trial_len - 1) * 3];
    let ends: Vec<f32> = (0..11).map(end).collect();
    assert!(ends[0] * ends[10] < 0.0, "{ends:?}");
    let sign = ends[10].signum();
    assert!(
        ends.windows(2).all(|w| sign * (w[1] - w[0]) > 0.0),
        "{ends:?}"
    );
    let err = task_state_space(&net, &task(TaskKind::FlipFlop)).unwrap_err();
    assert!(err.to_string().contains("cube"), "{err}");

    let opts = FixedPointOptions {
        starts: 16,
        ..FixedPointOptions::default()
    };
    let points = search_on_task(&net, &cfg, opts.clone(), 3).unwrap().run();
    // Under the holding input the fixed point is h = (0, tanh 1): unit 1 holds the
    // fixation input (with input zero it would be 0).
    let fixed = points
        .iter()
        .find(|p| p.fixed && p.state[0].abs() < 1e-2)
        .unwrap_or_else(|| panic!("no fixed point at h0 = 0: {points:?}"));
    assert!((fixed.state[1] - 1f32.tanh()).abs() < 1e-4, "{fixed:?}");
    assert!(points.iter().all(|p| p.q < opts.slow_q), "{points:?}");
    assert!(search_on_task(&net, &task(TaskKind::FlipFlop), opts, 3).is_err());
}
