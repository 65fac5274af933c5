use super::*;
use flipflop_core::{Config, ModelConfig};

fn cfg(kind: TaskKind) -> TaskConfig {
    Config::for_task(kind).task
}

/// A hand-wired perceptual-decision network: unit 0 integrates (right − left) evidence
/// (self-weight 1, input weights ±1, α 0.2), output "right" reads +h0 and "left" −h0, so its
/// choice is the sign of the coherence.
fn integrator() -> Network {
    let c = ModelConfig {
        hidden: 2,
        channels: Some([3, 2]),
        alpha: 0.2,
        ..ModelConfig::default()
    };
    let mut net = Network::zeros(&c);
    net.w_rec[0] = 1.0;
    net.w_in[1] = -1.0; // unit 0 ← evidence left
    net.w_in[2] = 1.0; // unit 0 ← evidence right
    net.w_out[0] = -1.0; // choose left ← −h0
    net.w_out[2] = 1.0; // choose right ← +h0
    net
}

fn controls(f: impl FnOnce(&mut Controls)) -> Controls {
    let mut c = default_controls(&cfg(TaskKind::PerceptualDm));
    f(&mut c);
    c
}

/// The controls give the condition the task's generator takes, in every task; values out
/// of the task's ranges are refused with a message naming the control and the range.
#[test]
fn compose_reads_the_controls_and_checks_the_ranges() {
    let dm = cfg(TaskKind::PerceptualDm);
    assert_eq!(coherence_limit(&dm), 51.2);
    assert_eq!(
        compose(&dm, &controls(|c| c.coherence = "-12.8".into())),
        Ok(Composed::Perceptual(DmTrial {
            coherence: -12.8,
            right: false
        }))
    );
    let e = compose(&dm, &controls(|c| c.coherence = "60".into())).unwrap_err();
    assert!(e.contains("Coherence") && e.contains("51.2"), "{e}");
    let e = compose(&dm, &controls(|c| c.coherence = "abc".into())).unwrap_err();
    assert!(e.contains("enter a number"), "{e}");
    assert!(compose(&dm, &controls(|c| c.coherence = "NaN".into())).is_err());

    let cx = cfg(TaskKind::ContextDm);
    let got = compose(
        &cx,
        &controls(|c| {
            c.context = "1".into();
            c.motion = "10".into();
            c.colour = "-3".into();
        }),
    );
    assert_eq!(
        got,
        Ok(Composed::Context(ContextTrial {
            context: 1,
            motion: 10.0,
            colour: -3.0,
            right: false
        }))
    );
    assert!(compose(&cx, &controls(|c| c.motion = "11".into())).is_err());
    assert!(compose(&cx, &controls(|c| c.context = "2".into())).is_err());

    let wm = cfg(TaskKind::ParametricWm);
    let ok = |f1: &str, f2: &str, d: &str| {
        compose(
            &wm,
            &controls(|c| {
                c.f1 = f1.into();
                c.f2 = f2.into();
                c.delay = d.into();
            }),
        )
    };
    assert_eq!(
        ok("14", "22", "2000"),
        Ok(Composed::Parametric(WmTrial {
            f1: 14,
            f2: 22,
            delay_ms: 2000
        }))
    );
    for (f1, f2, d, word) in [
        ("9", "22", "2000", "f1"),
        ("14", "35", "2000", "f2"),
        ("14.5", "22", "2000", "whole"),
        ("18", "18", "2000", "differ"),
        ("14", "22", "500", "Delay"),
        ("14", "22", "1010", "multiple"),
    ] {
        let e = ok(f1, f2, d).unwrap_err();
        assert!(e.contains(word), "{f1} {f2} {d}: {e}");
    }

    let mt = cfg(TaskKind::MatchTwoItems);
    let got = compose(
        &mt,
        &controls(|c| {
            c.sample1 = "3".into();
            c.sample2 = "1".into();
            c.cue = "1".into();
            c.test = "1".into();
        }),
    );
    assert_eq!(
        got,
        Ok(Composed::Match(MatchTrial {
            samples: [2, 0],
            cue: 1,
            test: 0
        }))
    );
    let e = compose(&mt, &controls(|c| c.sample2 = "1".into())).unwrap_err();
    assert!(e.contains("differ"), "{e}");
    assert!(compose(&mt, &controls(|c| c.test = "5".into())).is_err());
    assert!(compose(&cfg(TaskKind::FlipFlop), &Controls::default()).is_err());
}

/// The periods cover the trial exactly, in order, and agree with the task's own trial: the
/// decision starts where the fixation input goes off, and the stimulus channels are on in
/// the stimulus periods and off elsewhere (noiseless).
#[test]
fn periods_match_the_tasks_trials() {
    let net_for = |kind: TaskKind| {
        let c = Config::for_task(kind);
        Network::zeros(&c.model)
    };
    let cases: [(TaskKind, &[&str], usize); 4] = [
        (TaskKind::PerceptualDm, &["stimulus"], 1),
        (TaskKind::ContextDm, &["stimulus"], 1),
        (TaskKind::ParametricWm, &["f1", "f2"], 1),
        (
            TaskKind::MatchTwoItems,
            &["sample 1", "sample 2", "test"],
            1,
        ),
    ];
    for (kind, stim, ch) in cases {
        let task = cfg(kind);
        let mut ctl = default_controls(&task);
        ctl.delay = "1500".into();
        let trial = compose(&task, &ctl).unwrap();
        let p = play(&net_for(kind), &task, &trial, None).unwrap();
        let ps = &p.periods;
        assert_eq!(ps[0].start, 0, "{kind:?}");
        assert!(ps.windows(2).all(|w| w[0].end == w[1].start), "{kind:?}");
        assert_eq!(ps.last().unwrap().end, p.trial_len, "{kind:?}");
        let decision = ps.iter().find(|q| q.name == "decision").unwrap();
        for t in 0..p.trial_len {
            assert_eq!(fixating(&p, t), t < decision.start, "{kind:?} step {t}");
            let shown = p.x[t * p.inputs + ch] != 0.0
                || (kind == TaskKind::MatchTwoItems
                    && (1..5).any(|i| p.x[t * p.inputs + i] != 0.0));
            let inside = ps
                .iter()
                .any(|q| stim.contains(&q.name) && (q.start..q.end).contains(&t));
            assert_eq!(shown, inside, "{kind:?} step {t}");
        }
    }
}

/// A network that integrates the evidence chooses by the coherence's sign, and the verdict
/// says so in words with both outputs; zero coherence has no right answer; a network of
/// another task is refused, not run.
#[test]
fn play_runs_the_network_and_the_verdict_follows_the_choice() {
    let dm = cfg(TaskKind::PerceptualDm);
    let net = integrator();
    let run = |coh: &str| {
        let t = compose(&dm, &controls(|c| c.coherence = coh.into())).unwrap();
        play(&net, &dm, &t, None).unwrap()
    };
    let right = run("25.6");
    assert_eq!(right.choice, 1);
    assert_eq!(right.correct, Some(1));
    assert!(
        right.verdict.starts_with("Chose right, "),
        "{}",
        right.verdict
    );
    assert!(right.verdict.ends_with("at the last step: correct."));
    let left = run("-25.6");
    assert_eq!(left.choice, 0);
    assert!(left.verdict.starts_with("Chose left, "), "{}", left.verdict);
    assert_eq!(run("0").correct, None);
    assert!(run("0").verdict.contains("no answer is right"));
    // The output traces are the network's: z_right = h0 = −z_left, nonzero after evidence.
    let t = right.trial_len - 1;
    assert!(right.z[t * 2 + 1] > 0.1);
    assert!((right.z[t * 2] + right.z[t * 2 + 1]).abs() < 1e-6);
    // Noise from a seed: reproducible, and different from the noiseless trial.
    let tr = compose(&dm, &controls(|_| {})).unwrap();
    let a = play(&net, &dm, &tr, Some(7)).unwrap();
    assert_eq!(a, play(&net, &dm, &tr, Some(7)).unwrap());
    assert_ne!(a.x, play(&net, &dm, &tr, None).unwrap().x);

    let wm = cfg(TaskKind::ParametricWm);
    let t = compose(&wm, &default_controls(&wm)).unwrap();
    let e = play(&Network::zeros(&Config::default().model), &wm, &t, None).unwrap_err();
    assert!(e.contains("inputs"), "{e}");
    assert!(play(&net, &cfg(TaskKind::ContextDm), &tr, None).is_err());
}

/// The sentences, from the outputs at the last step.
#[test]
fn verdict_sentences() {
    let cases = [
        (
            TaskKind::PerceptualDm,
            [0.04, 0.93],
            Some(1),
            "Chose right, 0.93 vs 0.04 at the last step: correct.",
        ),
        (
            TaskKind::ParametricWm,
            [0.8, 0.3],
            Some(1),
            "Chose f1 > f2, 0.80 vs 0.30 at the last step: wrong, the answer is f1 < f2.",
        ),
        (
            TaskKind::MatchTwoItems,
            [0.2, 0.9],
            Some(1),
            "Chose non-match, 0.90 vs 0.20 at the last step: correct.",
        ),
        (
            TaskKind::ContextDm,
            [0.5, 0.5],
            None,
            "Chose left, 0.50 vs 0.50 at the last step; at zero coherence no answer is right.",
        ),
    ];
    for (kind, z, c, want) in cases {
        assert_eq!(verdict(kind, z, c), want);
    }
    assert!(verdict(TaskKind::PerceptualDm, [f32::NAN, 0.0], Some(0)).contains("diverged"));
}
