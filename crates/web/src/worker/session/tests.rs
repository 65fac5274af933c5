//! The worker's policy, natively: a fake clock that advances 1 ms per reading drives the
//! session, and the events it produces are checked.

use super::*;
use crate::protocol::{Bytes, Origin};
use flipflop_core::Preset;

/// A small, quick network: N 8, 2 bits, short trials, a budget of 10 steps.
fn small() -> Config {
    let mut cfg = Config::preset(Preset::Default);
    cfg.model.hidden = 8;
    cfg.set_bits(2);
    cfg.task.trial_len = 120;
    cfg.train.train_trial_len = 0;
    cfg.train.batch = 2;
    cfg.train.val_trials = 4;
    cfg.train.max_steps = 10;
    cfg
}

/// A clock in ms that moves `dt` per reading.
fn clock(dt: f64) -> impl FnMut() -> f64 {
    let mut t = 0.0;
    move || {
        t += dt;
        t
    }
}

fn init(generation: u32) -> Command {
    init_with(small(), generation)
}

/// `Init` of a fresh network of `config`.
fn init_with(config: Config, generation: u32) -> Command {
    Command::Init {
        config: Box::new(config),
        network: None,
        base_step: 0,
        optimiser: None,
        generation,
    }
}

fn names(events: &[Event]) -> Vec<&'static str> {
    events
        .iter()
        .map(|e| match e {
            Event::Ready { .. } => "Ready",
            Event::Threads { .. } => "Threads",
            Event::Initialized { .. } => "Initialized",
            Event::Running { .. } => "Running",
            Event::Progress { .. } => "Progress",
            Event::Metrics { .. } => "Metrics",
            Event::Snapshot { .. } => "Snapshot",
            Event::Cube { .. } => "Cube",
            Event::TaskPicture { .. } => "TaskPicture",
            Event::BenchStep { .. } => "BenchStep",
            Event::Link { .. } => "Link",
            Event::Optimiser { .. } => "Optimiser",
            Event::Loaded { .. } => "Loaded",
            Event::LoadFailed { .. } => "LoadFailed",
            Event::FixedPointProgress { .. } => "FixedPointProgress",
            Event::FixedPoints { .. } => "FixedPoints",
            Event::FixedPointsCancelled { .. } => "FixedPointsCancelled",
            Event::Error { .. } => "Error",
            Event::Compared { .. } => "Compared",
            Event::CompareFailed { .. } => "CompareFailed",
            Event::SetLoaded { .. } => "SetLoaded",
            Event::Sweep { .. } => "Sweep",
            Event::SweepFailed { .. } => "SweepFailed",
        })
        .collect()
}

/// Ticks until the session has nothing to do (at most `max` ticks); all events.
fn run(s: &mut Session, c: Clock, max: usize) -> Vec<Event> {
    let mut all = Vec::new();
    for _ in 0..max {
        if !s.wants_tick() {
            break;
        }
        s.tick(c);
        all.extend(s.drain());
    }
    all
}

#[test]
fn init_reports_everything_under_its_generation() {
    let mut s = Session::new();
    let mut c = clock(1.0);
    s.handle(init(7), &mut c);
    let ev = s.drain();
    assert_eq!(names(&ev), ["Initialized", "Metrics", "Snapshot", "Cube"]);
    assert!(ev.iter().all(|e| e.generation() == Some(7)), "{ev:?}");
    assert!(!s.wants_tick());
}

#[test]
fn init_resets_the_run_and_cancels_a_search() {
    let mut s = Session::new();
    let mut c = clock(1.0);
    s.handle(init(1), &mut c);
    s.handle(Command::Step { count: 3 }, &mut c);
    s.handle(Command::Start, &mut c);
    s.handle(
        Command::FindFixedPoints {
            options: FixedPointOptions::default(),
        },
        &mut c,
    );
    s.drain();
    let mut cfg = small();
    cfg.seed = 2;
    let net = WireNetwork::from_network(Trainer::new(cfg.clone()).unwrap().network());
    s.handle(
        Command::Init {
            config: Box::new(cfg),
            network: Some(net),
            base_step: 500,
            optimiser: None,
            generation: 2,
        },
        &mut c,
    );
    let ev = s.drain();
    assert_eq!(
        names(&ev),
        [
            "FixedPointsCancelled",
            "Running",
            "Initialized",
            "Metrics",
            "Snapshot",
            "Cube"
        ]
    );
    assert!(matches!(ev[1], Event::Running { running: false, .. }));
    assert!(matches!(ev[2], Event::Initialized { step: 500, .. }));
    assert!(ev.iter().all(|e| e.generation() == Some(2)));
    assert!(!s.wants_tick(), "neither training nor searching");
    // Step numbers continue from the base step; elapsed time starts again.
    s.handle(Command::Step { count: 1 }, &mut c);
    match &s.drain()[0] {
        Event::Progress {
            step,
            losses,
            elapsed_ms,
            ..
        } => {
            assert_eq!((*step, losses.len()), (501, 1), "old losses were dropped");
            assert!(*elapsed_ms < 100.0, "{elapsed_ms}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_failed_init_keeps_the_network_under_the_new_generation() {
    let mut s = Session::new();
    let mut c = clock(1.0);
    s.handle(init(1), &mut c);
    s.drain();
    let mut bad = small();
    bad.model.hidden = 0;
    s.handle(
        Command::Init {
            config: Box::new(bad),
            network: None,
            base_step: 0,
            optimiser: None,
            generation: 2,
        },
        &mut c,
    );
    let ev = s.drain();
    match &ev[..] {
        [Event::Error {
            message,
            generation: 2,
        }] => assert!(message.contains("unchanged"), "{message}"),
        other => panic!("{other:?}"),
    }
    s.handle(Command::Step { count: 1 }, &mut c);
    let ev = s.drain();
    assert!(
        matches!(
            ev[0],
            Event::Progress {
                step: 1,
                generation: 2,
                ..
            }
        ),
        "{ev:?}"
    );
}

#[test]
fn step_takes_exactly_count_steps_and_reports_everything() {
    let mut s = Session::new();
    let mut c = clock(1.0);
    s.handle(init(1), &mut c);
    s.drain();
    s.handle(Command::Step { count: 4 }, &mut c);
    let ev = s.drain();
    assert_eq!(
        names(&ev),
        ["Progress", "Metrics", "Snapshot", "Cube", "Optimiser"]
    );
    match &ev[0] {
        Event::Progress { step, losses, .. } => {
            assert_eq!(*step, 4);
            assert_eq!(losses.iter().map(|l| l.0).collect::<Vec<_>>(), [1, 2, 3, 4]);
        }
        other => panic!("{other:?}"),
    }
    // A count of 0 still takes one step (1 to 10,000).
    s.handle(Command::Step { count: 0 }, &mut c);
    assert!(matches!(s.drain()[0], Event::Progress { step: 5, .. }));
}

#[test]
fn training_stops_at_the_budget_and_each_start_gets_a_fresh_one() {
    let mut s = Session::new();
    let mut c = clock(1.0);
    s.handle(init(1), &mut c);
    s.drain();
    for round in 1..=3u64 {
        s.handle(Command::Start, &mut c);
        assert!(s.wants_tick());
        let ev = run(&mut s, &mut c, 1000);
        assert!(!s.wants_tick(), "round {round}: stopped by itself");
        assert_eq!(
            s.step_no(),
            10 * round,
            "round {round}: the whole budget, no more"
        );
        let stop = ev
            .iter()
            .rev()
            .find(|e| matches!(e, Event::Running { .. }))
            .unwrap();
        match stop {
            Event::Running {
                running: false,
                reason: Some(r),
                ..
            } => assert!(r.contains("step budget of 10 steps"), "{r}"),
            other => panic!("{other:?}"),
        }
        // The last report is of the last step.
        assert!(ev
            .iter()
            .any(|e| matches!(e, Event::Metrics { step, .. } if *step == 10 * round)));
    }
}

#[test]
fn slices_are_bounded_by_time_and_pause_stops_them() {
    let mut s = Session::new();
    let mut c = clock(1.0);
    let mut cfg = small();
    cfg.train.max_steps = 1_000_000;
    s.handle(
        Command::Init {
            config: Box::new(cfg),
            network: None,
            base_step: 0,
            optimiser: None,
            generation: 1,
        },
        &mut c,
    );
    s.handle(Command::Start, &mut c);
    s.drain();
    let mut steps = Vec::new();
    for _ in 0..5 {
        let before = s.step_no();
        s.tick(&mut c);
        steps.push(s.step_no() - before);
        s.drain();
    }
    // One clock reading per step: a slice of SLICE_MS takes about SLICE_MS steps.
    assert!(
        steps.iter().all(|&n| n >= 1 && n <= SLICE_MS as u64),
        "{steps:?}"
    );
    assert!(s.wants_tick());
    s.handle(Command::Pause, &mut c);
    // Stopped: the reports of the step it stopped at (those not already sent for it), then
    // Adam's state.
    let ev = s.drain();
    let n = names(&ev);
    assert!(
        matches!(
            ev[..],
            [
                Event::Running {
                    running: false,
                    reason: None,
                    ..
                },
                ..,
                Event::Optimiser { .. }
            ]
        ) && n.contains(&"Snapshot")
            && n.contains(&"Cube"),
        "{n:?}"
    );
    let at = s.step_no();
    for e in &ev {
        match e {
            Event::Metrics { step, .. } => assert_eq!(*step, at),
            Event::Snapshot { snapshot, .. } => assert_eq!(snapshot.step, at),
            Event::Cube { cube, .. } => assert_eq!(cube.step, at),
            _ => {}
        }
    }
    assert!(!s.wants_tick());
    let at = s.step_no();
    s.tick(&mut c);
    assert_eq!(s.step_no(), at, "a stray tick after Pause trains nothing");
}

#[test]
fn throttles_space_metrics_snapshots_and_cubes() {
    let mut s = Session::new();
    let mut c = clock(1.0);
    let mut cfg = small();
    cfg.train.max_steps = 400;
    s.handle(
        Command::Init {
            config: Box::new(cfg),
            network: None,
            base_step: 0,
            optimiser: None,
            generation: 1,
        },
        &mut c,
    );
    s.drain();
    s.handle(Command::Start, &mut c);
    let ev = run(&mut s, &mut c, 10_000);
    let metric_steps: Vec<u64> = ev
        .iter()
        .filter_map(|e| match e {
            Event::Metrics { step, .. } => Some(*step),
            _ => None,
        })
        .collect();
    // Every metric but the budget's last one comes ≥ 25 steps after the previous.
    let n = metric_steps.len();
    assert!(n >= 3, "{metric_steps:?}");
    for w in metric_steps[..n - 1].windows(2) {
        assert!(w[1] - w[0] >= METRICS_MIN_STEPS, "{metric_steps:?}");
    }
    let count = |name| names(&ev).iter().filter(|n| **n == name).count();
    let progress = count("Progress");
    assert!(count("Snapshot") < progress, "snapshots are throttled");
    assert!(
        count("Cube") < count("Snapshot"),
        "cubes are rarer than snapshots"
    );
    // The time the reports took is counted, and it is part of the training time.
    let (reports_ms, elapsed_ms) = ev
        .iter()
        .rev()
        .find_map(|e| match e {
            Event::Progress {
                reports_ms,
                elapsed_ms,
                ..
            } => Some((*reports_ms, *elapsed_ms)),
            _ => None,
        })
        .expect("progress events");
    assert!(
        reports_ms > 0.0 && reports_ms < elapsed_ms,
        "{reports_ms} of {elapsed_ms} ms"
    );
}

#[test]
fn fixed_point_search_runs_in_slices_between_training() {
    let mut s = Session::new();
    let mut c = clock(1.0);
    s.handle(init(3), &mut c);
    s.handle(Command::Step { count: 2 }, &mut c);
    s.drain();
    let options = FixedPointOptions {
        starts: 8,
        descent_iters: 60,
        ..FixedPointOptions::default()
    };
    s.handle(Command::FindFixedPoints { options }, &mut c);
    let ev = s.drain();
    assert!(matches!(
        ev[..],
        [Event::FixedPointProgress {
            step: 2,
            fraction: 0.0,
            generation: 3
        }]
    ));
    assert!(s.wants_tick());
    let ev = run(&mut s, &mut c, 10_000);
    let last = ev.last().unwrap();
    match last {
        Event::FixedPoints { data, generation } => {
            assert_eq!((data.step, *generation), (2, 3));
            assert!(data.ms > 0.0);
        }
        other => panic!("{other:?}"),
    }
    let fractions: Vec<f32> = ev
        .iter()
        .filter_map(|e| match e {
            Event::FixedPointProgress { fraction, .. } => Some(*fraction),
            _ => None,
        })
        .collect();
    assert!(fractions.windows(2).all(|w| w[0] <= w[1]), "{fractions:?}");
    assert!(!s.wants_tick());
}

#[test]
fn cancel_stops_a_search_and_bad_options_start_none() {
    let mut s = Session::new();
    let mut c = clock(1.0);
    s.handle(init(1), &mut c);
    s.drain();
    s.handle(
        Command::FindFixedPoints {
            options: FixedPointOptions::default(),
        },
        &mut c,
    );
    s.tick(&mut c);
    s.drain();
    s.handle(Command::CancelFixedPoints, &mut c);
    assert!(matches!(
        &s.drain()[..],
        [Event::FixedPointsCancelled { reason, .. }] if reason == "cancelled"
    ));
    assert!(!s.wants_tick());
    // Cancelling nothing says nothing.
    s.handle(Command::CancelFixedPoints, &mut c);
    assert!(s.drain().is_empty());
    let bad = FixedPointOptions {
        starts: 0,
        ..FixedPointOptions::default()
    };
    s.handle(Command::FindFixedPoints { options: bad }, &mut c);
    assert!(matches!(&s.drain()[..], [Event::Error { message, .. }] if message.contains("starts")));
    assert!(!s.wants_tick());
}

/// Table: commands that must fail with a message and change nothing.
#[test]
fn bad_commands_are_errors_and_change_nothing() {
    let mut fresh = Session::new();
    let mut c = clock(1.0);
    for cmd in [
        Command::Start,
        Command::Step { count: 1 },
        Command::EncodeLink {
            kind: LinkKind::Exact,
        },
        Command::FindFixedPoints {
            options: FixedPointOptions::default(),
        },
    ] {
        fresh.handle(cmd.clone(), &mut c);
        match &fresh.drain()[..] {
            [Event::Error {
                message,
                generation: 0,
            }] => assert!(message.starts_with("No network yet"), "{cmd:?}: {message}"),
            other => panic!("{cmd:?}: {other:?}"),
        }
        assert!(!fresh.wants_tick());
    }
    let mut s = Session::new();
    s.handle(init(4), &mut c);
    s.drain();
    let lr = s.trainer().unwrap().config().train.lr;
    s.handle(Command::SetLr { lr: 5.0 }, &mut c);
    assert!(
        matches!(&s.drain()[..], [Event::Error { generation: 4, message }] if message.contains("unchanged"))
    );
    assert_eq!(s.trainer().unwrap().config().train.lr, lr);
    s.handle(Command::SetLr { lr: 1e-3 }, &mut c);
    assert!(s.drain().is_empty());
    assert_eq!(s.trainer().unwrap().config().train.lr, 1e-3);
}

#[test]
fn links_and_files_answer_without_touching_the_network() {
    let mut s = Session::new();
    let mut c = clock(1.0);
    s.handle(init(1), &mut c);
    s.handle(Command::Step { count: 2 }, &mut c);
    s.drain();
    s.handle(
        Command::EncodeLink {
            kind: LinkKind::Exact,
        },
        &mut c,
    );
    let fragment = match &s.drain()[..] {
        [Event::Link {
            kind: LinkKind::Exact,
            fragment,
            step: 2,
            generation: 1,
        }] => fragment.clone(),
        other => panic!("{other:?}"),
    };
    s.handle(Command::OpenLink { text: fragment }, &mut c);
    assert!(matches!(
        &s.drain()[..],
        [Event::Loaded {
            origin: Origin::Link,
            steps: 2,
            ..
        }]
    ));
    s.handle(
        Command::Import {
            name: "x.npz".into(),
            bytes: Bytes(b"PK nonsense".to_vec()),
        },
        &mut c,
    );
    assert!(
        matches!(&s.drain()[..], [Event::LoadFailed { origin: Origin::File(n), .. }] if n == "x.npz")
    );
    assert_eq!(s.step_no(), 2);
}

#[test]
fn bench_times_the_requested_steps_only() {
    let mut s = Session::new();
    let mut c = clock(1.0);
    s.handle(
        Command::BenchStep {
            config: small(),
            warmup: 1,
            repeats: 3,
        },
        &mut c,
    );
    match &s.drain()[..] {
        [Event::BenchStep { step_ms }] => assert_eq!(step_ms.len(), 3),
        other => panic!("{other:?}"),
    }
    assert!(
        s.trainer().is_none(),
        "the session's own trainer is untouched"
    );
}

/// The optimiser state goes out when training stops, and an `Init` with it continues Adam
/// exactly; an `Init` without it warm-starts (no state until the first step).
#[test]
fn the_optimiser_state_goes_out_and_comes_back() {
    let mut s = Session::new();
    let mut c = clock(1.0);
    s.handle(init(1), &mut c);
    s.handle(Command::Step { count: 3 }, &mut c);
    let ev = s.drain();
    let Some(Event::Optimiser { step, state, .. }) = ev.last() else {
        panic!("{:?}", names(&ev));
    };
    assert_eq!((*step, state.t), (3, 3));
    let state = (**state).clone();
    let net = s.trainer().unwrap().network().clone();
    // Pausing a running session sends it too; pausing a paused one does not.
    s.handle(Command::Pause, &mut c);
    assert!(!names(&s.drain()).contains(&"Optimiser"));
    // Back with the state: Adam is the one saved.
    s.handle(
        Command::Init {
            config: Box::new(small()),
            network: Some(WireNetwork::from_network(&net)),
            base_step: 3,
            optimiser: Some(state.clone()),
            generation: 2,
        },
        &mut c,
    );
    s.drain();
    let adam = s.trainer().unwrap().optimiser().unwrap();
    assert_eq!(WireAdam::from_adam(adam), state);
    // Without it: a warm start at the first step, Adam's clock at the base step.
    s.handle(
        Command::Init {
            config: Box::new(small()),
            network: Some(WireNetwork::from_network(&net)),
            base_step: 300,
            optimiser: None,
            generation: 3,
        },
        &mut c,
    );
    s.drain();
    assert!(s.trainer().unwrap().optimiser().is_none());
    s.handle(Command::Start, &mut c);
    s.tick(&mut c);
    s.handle(Command::Pause, &mut c);
    let ev = s.drain();
    match ev.last() {
        Some(Event::Optimiser { step, state, .. }) => {
            assert!(*step > 300);
            assert_eq!(state.t, *step, "Adam's clock continues from the base step");
        }
        _ => panic!("{:?}", names(&ev)),
    }
}

/// A GRU and an LSTM train in the worker, their snapshots carry a spectrum per gate, and
/// every kind of link (and the autosave's network file) carries the cell back.
#[test]
fn gated_networks_train_and_links_carry_the_cell() {
    use flipflop_core::model::CellKind;
    for cell in [CellKind::Gru, CellKind::Lstm] {
        let mut cfg = Config::cell_preset(cell);
        let base = small();
        (cfg.model.hidden, cfg.task, cfg.model.bits) = (8, base.task.clone(), 2);
        cfg.train.batch = 2;
        cfg.train.val_trials = 4;
        cfg.train.train_trial_len = 0;
        let mut s = Session::new();
        let mut c = clock(1.0);
        s.handle(
            Command::Init {
                config: Box::new(cfg.clone()),
                network: None,
                base_step: 0,
                optimiser: None,
                generation: 1,
            },
            &mut c,
        );
        s.handle(Command::Step { count: 2 }, &mut c);
        let events = s.drain();
        let snap = events
            .iter()
            .find_map(|e| match e {
                Event::Snapshot { snapshot, .. } => Some(snapshot),
                _ => None,
            })
            .expect("a snapshot");
        let cube = events
            .iter()
            .find_map(|e| match e {
                Event::Cube { cube, .. } => Some(cube.clone()),
                _ => None,
            })
            .expect("a cube after Step");
        assert_eq!(snap.gates.len(), cell.gates(), "{cell:?}");
        assert!(snap.gates.iter().all(|g| g.error.is_none()));
        for kind in [LinkKind::Exact, LinkKind::Compact, LinkKind::Recipe] {
            s.handle(Command::EncodeLink { kind }, &mut c);
            let fragment = match &s.drain()[..] {
                [Event::Link { fragment, .. }] => fragment.clone(),
                other => panic!("{cell:?} {kind:?}: {other:?}"),
            };
            s.handle(Command::OpenLink { text: fragment }, &mut c);
            match &s.drain()[..] {
                [Event::Loaded { config, .. }] => {
                    assert_eq!(config.model.cell, cell, "{kind:?}");
                    assert_eq!(**config, cfg, "{cell:?} {kind:?}");
                }
                other => panic!("{cell:?} {kind:?}: {other:?}"),
            }
        }
        // Fixed points of the full state: an LSTM's carry [h; c] (2N numbers), and the
        // cube's markers sit at their h part.
        let options = FixedPointOptions {
            starts: 8,
            descent_iters: 60,
            ..FixedPointOptions::default()
        };
        s.handle(Command::FindFixedPoints { options }, &mut c);
        let events = run(&mut s, &mut c, 10_000);
        let data = match events.last() {
            Some(Event::FixedPoints { data, .. }) => data,
            other => panic!("{cell:?}: {other:?}"),
        };
        assert!(!data.points.is_empty(), "{cell:?}: points found");
        let n = 8;
        for p in &data.points {
            assert_eq!(p.state.len(), cell.state_size(n), "{cell:?}");
            assert_eq!(p.eigenvalues.len(), cell.state_size(n), "{cell:?}");
        }
        let markers = crate::state::fixed::markers(data, &cube.pca, 1.0);
        assert_eq!(
            markers.len(),
            data.points.len(),
            "{cell:?}: every point on the cube"
        );
        let t = s.trainer().unwrap();
        let text = crate::state::storage::pack_net(t.config(), t.network(), 2);
        let back = crate::state::storage::unpack_net(&text).unwrap();
        assert_eq!(back.config.model.cell, cell);
        assert_eq!(&back.network, t.network());
    }
}

/// A cognitive task trains in the worker: its picture comes where the flip-flop's cube
/// would with its state space by condition, its held-out traces carry its channels and loss
/// mask, and a fixed-point search starts from its trajectories and ends with points.
#[test]
fn a_cognitive_task_gets_its_picture_traces_and_no_cube() {
    use flipflop_core::TaskKind;
    let mut cfg = Config::for_task(TaskKind::PerceptualDm);
    cfg.model.hidden = 8;
    cfg.train.batch = 2;
    cfg.train.val_trials = 4;
    cfg.train.max_steps = 3;
    let mut s = Session::new();
    let mut c = clock(1.0);
    s.handle(
        Command::Init {
            config: Box::new(cfg),
            network: None,
            base_step: 0,
            optimiser: None,
            generation: 1,
        },
        &mut c,
    );
    let ev = s.drain();
    let n = names(&ev);
    assert!(n.contains(&"TaskPicture") && !n.contains(&"Cube"), "{n:?}");
    assert!(!n.contains(&"Error"), "{ev:?}");
    let snap = ev.iter().find_map(|e| match e {
        Event::Snapshot { snapshot, .. } => Some(snapshot),
        _ => None,
    });
    let tr = &snap.expect("a snapshot").traces[0];
    let len = tr.trial_len;
    assert_eq!((tr.inputs, tr.outputs, len), (3, 2, 60));
    assert_eq!(
        (tr.x.0.len(), tr.y.0.len(), tr.z.0.len()),
        (3 * len, 2 * len, 2 * len)
    );
    // pycog's layout: fixation (5 steps) scored, stimulus (40) free, decision (15) scored.
    let mask: Vec<f32> = tr.mask.0.clone();
    assert_eq!(mask.len(), len);
    assert!(mask[..5].iter().all(|&m| m > 0.0), "{mask:?}");
    assert!(mask[5..45].iter().all(|&m| m == 0.0), "{mask:?}");
    assert!(mask[45..].iter().all(|&m| m > 0.0), "{mask:?}");
    // The state space by condition travels with the picture: 11 trajectories of 60 steps.
    let ss = ev
        .iter()
        .find_map(|e| match e {
            Event::TaskPicture { picture, .. } => picture.state_space.clone(),
            _ => None,
        })
        .expect("a state space");
    assert!(ss.is_consistent());
    assert_eq!((ss.trials, ss.trial_len, ss.names.len()), (11, 60, 11));
    // The fixed-point search starts from the task's trajectories and ends with points.
    let options = FixedPointOptions {
        starts: 8,
        descent_iters: 60,
        ..FixedPointOptions::default()
    };
    s.handle(Command::FindFixedPoints { options }, &mut c);
    let ev = s.drain();
    assert!(
        matches!(ev.last(), Some(Event::FixedPointProgress { .. })),
        "{ev:?}"
    );
    let ev = run(&mut s, &mut c, 10_000);
    assert!(
        matches!(ev.last(), Some(Event::FixedPoints { data, .. }) if !data.points.is_empty()),
        "{ev:?}"
    );
    assert!(!s.wants_tick());
    s.handle(Command::Step { count: 2 }, &mut c);
    let n = names(&s.drain()).join(" ");
    assert!(n.contains("Metrics") && n.contains("TaskPicture"), "{n}");
}

/// `Metrics.solved` is the confirmed verdict: a network that always makes the same choice
/// passes the routine check wherever the one held-out trial wants that choice, but is
/// solved only where four confirmation trials agree; the event carries the confirmation of
/// every passing check and matches the core's `check_network` seed by seed.
#[test]
fn metrics_are_solved_only_on_a_confirmed_pass() {
    use flipflop_core::train::check_network;
    use flipflop_core::{Network, TaskKind};
    let mut refused = 0;
    for seed in 1..=24 {
        let mut cfg = Config::for_task(TaskKind::PerceptualDm);
        cfg.seed = seed;
        cfg.model.hidden = 8;
        cfg.train.val_trials = 1;
        // Zero weights: both outputs 0, a tie, always choice 0.
        let net = Network::zeros(&cfg.model);
        let want = check_network(&cfg.task, &net, seed, 1);
        let mut s = Session::new();
        let mut c = clock(1.0);
        s.handle(
            Command::Init {
                config: Box::new(cfg),
                network: Some(WireNetwork::from_network(&net)),
                base_step: 0,
                optimiser: None,
                generation: 1,
            },
            &mut c,
        );
        let (solved, confirmed) = s
            .drain()
            .into_iter()
            .find_map(|e| match e {
                Event::Metrics {
                    solved, confirmed, ..
                } => Some((solved, confirmed)),
                _ => None,
            })
            .expect("metrics after Init");
        assert_eq!(solved, want.solved, "seed {seed}");
        assert_eq!(
            confirmed.map(|c| (c.mse, c.bit_accuracy, c.trials)),
            want.confirmed.map(|c| (c.mse, c.bit_accuracy, c.trials)),
            "seed {seed}"
        );
        refused += (confirmed.is_some() && !solved) as u32;
    }
    assert!(
        refused > 0,
        "no passing check was refused: the test proves nothing"
    );
}

/// Ticks (at most 100 times) until the session has a check request for its checking worker.
fn next_request(s: &mut Session, c: Clock) -> Option<CheckRequest> {
    for _ in 0..100 {
        s.tick(c);
        s.drain();
        if let Some(r) = s.take_check_requests().pop() {
            return Some(r);
        }
    }
    None
}

/// A session of `small()` (generation `generation`, a step budget it never reaches) training
/// continuously with a checking worker.
fn training_with_checker(generation: u32, c: Clock) -> Session {
    let mut s = Session::new();
    let mut cfg = small();
    cfg.train.max_steps = 1_000_000;
    s.handle(init_with(cfg, generation), c);
    s.drain();
    s.enable_checker();
    s.handle(Command::Start, c);
    s
}

/// The checking worker's reply to `req`: metrics `mse` and `bit_accuracy`, and `solved`.
fn reply_to(req: &CheckRequest, mse: f32, bit_accuracy: f32, solved: bool) -> CheckReply {
    CheckReply {
        generation: req.generation,
        step: req.step,
        elapsed_ms: 0.0,
        outcome: Ok(crate::protocol::CheckOutcome {
            mse,
            bit_accuracy,
            solved,
            confirmed: None,
        }),
        cost_ms: 0.0,
    }
}

/// The spacing of the next check follows the last reply: 50 steps after a result near the
/// rule (flip-flop MSE 0.08), 25 after one close to it (0.055), 100 after one far (0.3).
#[test]
fn the_next_check_is_spaced_by_the_last_reply() {
    use crate::worker::checker::{
        CHECK_EVERY_STEPS, CHECK_EVERY_STEPS_FAR, CHECK_EVERY_STEPS_NEAR,
    };
    // A slow clock: a slice of training ends after a step or two, so gaps are exact.
    let mut c = clock(50.0);
    let mut s = training_with_checker(3, &mut c);
    let mut req = next_request(&mut s, &mut c).expect("a first request");
    for (mse, every) in [
        (0.08, CHECK_EVERY_STEPS_NEAR),
        (0.055, CHECK_EVERY_STEPS),
        (0.3, CHECK_EVERY_STEPS_FAR),
        (0.08, CHECK_EVERY_STEPS_NEAR),
    ] {
        s.on_check_reply(reply_to(&req, mse, 0.999, false));
        let next = next_request(&mut s, &mut c).expect("a next request");
        let gap = next.step - req.step;
        assert!(
            gap >= every && gap < every + 10,
            "after MSE {mse}: {gap} steps, want {every}"
        );
        req = next;
    }
}

/// A reply that says solved carries the weights that were checked (the page keeps them as
/// the kept solved network; training has moved on by the time the reply comes, and no
/// snapshot of that step need ever reach the page); a reply that does not, carries none.
#[test]
fn a_solved_reply_carries_the_weights_that_were_checked() {
    let mut c = clock(50.0);
    let mut s = training_with_checker(3, &mut c);
    for solved in [false, true] {
        let req = next_request(&mut s, &mut c).expect("a request");
        // Training goes on while the checking worker works.
        let ev = run(&mut s, &mut c, 20);
        let later = ev.iter().rev().find_map(|e| match e {
            Event::Snapshot { snapshot, .. } => Some(snapshot.network.clone()),
            _ => None,
        });
        s.on_check_reply(reply_to(&req, 0.04, 0.995, solved));
        let (step, network) = s
            .drain()
            .into_iter()
            .find_map(|e| match e {
                Event::Metrics { step, network, .. } => Some((step, network)),
                _ => None,
            })
            .expect("the reply's metrics");
        assert_eq!(step, req.step);
        if solved {
            let got = network.expect("a solved check carries its weights");
            assert_eq!(got.network, req.network, "the weights of the checked step");
            assert_eq!(got.config, req.config, "and their configuration");
            let later = later.expect("a snapshot while the check was out");
            assert_ne!(
                got.network, later,
                "not the weights training has reached since"
            );
        } else {
            assert!(network.is_none(), "an unsolved check carries no weights");
        }
    }
}

/// With a checking worker, continuous training sends a check every `CHECK_EVERY_STEPS`
/// steps at most and never two at once, checks nothing inline, and each reply becomes the
/// `Metrics` of its step, exactly the inline check of those weights; a reply about a
/// replaced network is dropped; a failed check and a silent worker fall back to inline
/// checks.
#[test]
fn checks_go_to_the_checking_worker_while_training() {
    use crate::worker::checker::{
        CheckService, CHECKER_TIMEOUT_MS, CHECK_EVERY_STEPS, CHECK_EVERY_STEPS_FAR,
        CHECK_EVERY_STEPS_NEAR,
    };
    let mut s = Session::new();
    let mut c = clock(1.0);
    let mut cfg = small();
    cfg.train.max_steps = 1_000_000;
    s.handle(init_with(cfg.clone(), 3), &mut c);
    s.drain();
    s.enable_checker();
    s.handle(Command::Start, &mut c);
    let mut service = CheckService::default();
    let mut sent = Vec::new();
    let mut metrics = Vec::new();
    for _ in 0..120 {
        s.tick(&mut c);
        for e in s.drain() {
            if let Event::Metrics { step, mse, .. } = e {
                metrics.push((step, mse));
            }
        }
        let reqs = s.take_check_requests();
        assert!(reqs.len() <= 1, "one check in flight at most");
        for req in reqs {
            // The inline check of the same weights, for comparison.
            let net = req.network.to_network().expect("weights");
            let want = flipflop_core::train::check_network(&cfg.task, &net, cfg.seed, 4);
            sent.push((req.step, want.metrics.mse));
            let text = service
                .answer(&protocol::encode(&req), &mut || 0.0)
                .expect("readable");
            s.on_check_reply(protocol::decode_check_reply(&text).expect("reply"));
        }
    }
    for e in s.drain() {
        if let Event::Metrics { step, mse, .. } = e {
            metrics.push((step, mse));
        }
    }
    assert!(sent.len() >= 3, "{sent:?}");
    // The first check 25 steps after Init; then 25 after a result close to the rule (MSE
    // ≤ 0.06 for the flip-flop), 50 after one near it (≤ 0.1), 100 after one far from it.
    assert!(
        sent[0].0 >= CHECK_EVERY_STEPS && sent[0].0 < CHECK_EVERY_STEPS_FAR,
        "{sent:?}"
    );
    for w in sent.windows(2) {
        let every = if w[0].1 <= 0.06 {
            CHECK_EVERY_STEPS
        } else if w[0].1 <= 0.1 {
            CHECK_EVERY_STEPS_NEAR
        } else {
            CHECK_EVERY_STEPS_FAR
        };
        assert!(w[1].0 >= w[0].0 + every, "{sent:?}");
        assert!(w[1].0 < w[0].0 + every + 100, "no long gaps: {sent:?}");
    }
    assert_eq!(metrics, sent, "every reply and nothing else, in order");

    // A reply about an earlier network is dropped; the next request goes out.
    let stale = next_request(&mut s, &mut c);
    s.handle(init_with(cfg.clone(), 4), &mut c);
    s.handle(Command::Start, &mut c);
    s.drain();
    let text = service
        .answer(&protocol::encode(&stale.expect("a request")), &mut || 0.0)
        .expect("readable");
    s.on_check_reply(protocol::decode_check_reply(&text).expect("reply"));
    assert!(s
        .drain()
        .iter()
        .all(|e| !matches!(e, Event::Metrics { .. })));

    // A check the worker could not make: back to inline checks, which report by themselves.
    let req = next_request(&mut s, &mut c).expect("a request");
    s.on_check_reply(CheckReply {
        generation: req.generation,
        step: req.step,
        elapsed_ms: 0.0,
        outcome: Err("broken".into()),
        cost_ms: 0.0,
    });
    assert!(!s.checker_enabled());
    let ev = run(&mut s, &mut c, 200);
    assert!(ev.iter().any(|e| matches!(e, Event::Metrics { .. })));
    assert!(s.take_check_requests().is_empty());

    // A worker that never answers is given up after the timeout.
    s.enable_checker();
    let mut slow = clock(CHECKER_TIMEOUT_MS / 20.0);
    let mut asked = 0;
    for _ in 0..200 {
        s.tick(&mut slow);
        s.drain();
        asked += s.take_check_requests().len();
        if !s.checker_enabled() {
            break;
        }
    }
    assert_eq!(asked, 1, "one unanswered request, then none");
    assert!(!s.checker_enabled(), "given up after the timeout");
}

/// A Pause while a check is in flight checks the paused step inline at once; the late reply
/// about the earlier step is dropped, so the page's last metrics stay those of the network
/// it shows.
#[test]
fn a_pause_checks_inline_and_drops_the_late_reply() {
    use crate::worker::checker::CheckService;
    let mut c = clock(1.0);
    let mut s = training_with_checker(5, &mut c);
    let req = next_request(&mut s, &mut c).expect("a request");
    // Train on past the requested step, then pause.
    s.tick(&mut c);
    s.handle(Command::Pause, &mut c);
    let paused = s.step_no();
    assert!(paused > req.step);
    let inline: Vec<u64> = s
        .drain()
        .into_iter()
        .filter_map(|e| match e {
            Event::Metrics { step, .. } => Some(step),
            _ => None,
        })
        .collect();
    assert_eq!(inline, vec![paused], "the paused step, checked inline");
    let text = CheckService::default()
        .answer(&protocol::encode(&req), &mut || 0.0)
        .expect("readable");
    s.on_check_reply(protocol::decode_check_reply(&text).expect("reply"));
    assert!(s
        .drain()
        .iter()
        .all(|e| !matches!(e, Event::Metrics { .. })));
    assert!(s.checker_enabled(), "a late reply is no failure");
}
