//! Round trips of every message and the gate's rules.

use super::*;
use flipflop_core::fixedpoints::FixedPoint;
use flipflop_core::{Network, Preset, Trainer};
use flipflop_formats::import::ImportFormat;

fn snapshot() -> Snapshot {
    let mut cfg = Config::preset(Preset::Default);
    cfg.model.hidden = 6;
    let net = Network::init(&cfg.model, 3);
    Snapshot {
        step: 7,
        network: WireNetwork::from_network(&net),
        eigenvalues: vec![[1.0, 0.5], [1.0, -0.5], [-0.25, 0.0]],
        spectral_radius: 1.118,
        spectrum_error: None,
        traces: vec![Trace {
            trial_len: 2,
            inputs: 1,
            outputs: 1,
            x: F32s(vec![1.0, -0.0]),
            y: F32s(vec![0.0, 1.0]),
            z: F32s(vec![f32::MIN_POSITIVE, 3.5e-7]),
            mask: F32s(vec![0.0, 1.0]),
        }],
        gates: Vec::new(),
    }
}

fn cube_data() -> CubeData {
    let mut cfg = Config::preset(Preset::Default);
    cfg.model.hidden = 8;
    let net = Network::init(&cfg.model, 3);
    let act = flipflop_core::analysis::cube_activity(&net, &cfg.task).unwrap();
    CubeData {
        step: 3,
        bits: 3,
        state: act.state.clone(),
        svd: WireProjection::from_projection(&act.svd),
        pca: WireProjection::from_projection(&act.pca),
    }
}

#[test]
fn wire_projection_projects_like_the_core() {
    let mut cfg = Config::preset(Preset::Default);
    cfg.model.hidden = 8;
    let net = Network::init(&cfg.model, 3);
    let act = flipflop_core::analysis::cube_activity(&net, &cfg.task).unwrap();
    let wire = WireProjection::from_projection(&act.pca);
    assert!(wire.is_consistent());
    let h: Vec<f32> = (0..8).map(|i| (i as f32 * 0.3).sin()).collect();
    let (mut a, mut b) = ([0.0f32; 3], [0.0f32; 3]);
    act.pca.project(&h, &mut a);
    wire.project(&h, &mut b);
    for (x, y) in a.iter().zip(&b) {
        assert!((x - y).abs() < 1e-5, "{a:?} {b:?}");
    }
    // A state of the wrong length projects to zeros, never panics.
    wire.project(&h[..5], &mut b);
    assert_eq!(b, [0.0; 3]);
}

#[test]
fn every_command_round_trips() {
    let cfg = Config::preset(Preset::Paper);
    let net = WireNetwork::from_network(&Network::init(&cfg.model, 1));
    let commands = vec![
        Command::Init {
            config: Box::new(cfg.clone()),
            network: None,
            base_step: 0,
            optimiser: None,
            generation: 1,
        },
        Command::Init {
            config: Box::new(cfg.clone()),
            network: Some(net),
            base_step: 1200,
            optimiser: None,
            generation: 2,
        },
        Command::Start,
        Command::Pause,
        Command::Step { count: 1 },
        Command::SetLr { lr: 1.5e-3 },
        Command::BenchStep {
            config: cfg,
            warmup: 2,
            repeats: 5,
        },
        Command::DebugCrash,
        Command::EncodeLink {
            kind: LinkKind::Compact,
        },
        Command::OpenLink {
            text: "https://x/#net=RkZM".into(),
        },
        Command::Import {
            name: "<img src=x>.h5".into(),
            bytes: Bytes(vec![0x89, b'H', b'D', b'F', 0, 255]),
        },
        Command::FindFixedPoints {
            options: FixedPointOptions::default(),
        },
        Command::CancelFixedPoints,
    ];
    for c in commands {
        let text = encode(&c);
        assert_eq!(decode_command(&text), Ok(c), "{text:.200}");
    }
}

#[test]
fn init_gate_admits_only_the_latest_generation() {
    let init = |generation| Event::Initialized {
        n_params: 100,
        step: 0,
        generation,
    };
    let snap = |generation| Event::Snapshot {
        snapshot: Box::new(snapshot()),
        generation,
    };
    let mut gate = InitGate::default();
    assert!(
        gate.admit(&snap(0)),
        "nothing sent yet: the worker's generation 0 passes"
    );
    // The seeded network's Init, then (before its answer) the pre-trained one's.
    let seeded = gate.begin();
    let pretrained = gate.begin();
    assert_ne!(seeded, pretrained);
    assert!(gate.admit(&Event::Ready {
        kernels: "simd128".into()
    }));
    assert!(!gate.admit(&init(seeded)), "an earlier Init's answer");
    assert!(
        !gate.admit(&snap(seeded)),
        "the seeded network's snapshot is stale"
    );
    assert!(!gate.admit(&Event::Cube {
        cube: Box::new(cube_data()),
        generation: seeded,
    }));
    assert!(gate.awaiting());
    assert!(gate.admit(&init(pretrained)));
    assert!(!gate.awaiting());
    assert!(
        gate.admit(&snap(pretrained)),
        "the pre-trained network's snapshot"
    );
    // A failed Init answers with an error of its generation, which ends the wait.
    let failed = gate.begin();
    assert!(!gate.admit(&snap(pretrained)));
    assert!(gate.admit(&Event::Error {
        message: "bad".into(),
        generation: failed,
    }));
    assert!(!gate.awaiting());
    assert!(
        gate.admit(&snap(failed)),
        "the old network carries on under it"
    );
}

/// The hole of protocol 2: an old network's error ended the wait, so its next `Running`
/// reached the page as if it were the new network's.
#[test]
fn an_old_networks_error_does_not_open_the_gate() {
    let mut gate = InitGate::default();
    let old = gate.begin();
    assert!(gate.admit(&Event::Initialized {
        n_params: 1,
        step: 0,
        generation: old,
    }));
    let new = gate.begin();
    assert!(!gate.admit(&Event::Error {
        message: "diverged".into(),
        generation: old,
    }));
    assert!(gate.awaiting(), "still waiting for the new network");
    assert!(!gate.admit(&Event::Running {
        running: true,
        reason: None,
        generation: old,
    }));
    assert!(gate.admit(&Event::Running {
        running: false,
        reason: None,
        generation: new,
    }));
}

#[test]
fn every_event_round_trips() {
    let events = vec![
        Event::Ready {
            kernels: "simd128 + relaxed FMA".into(),
        },
        Event::Initialized {
            n_params: 16_900,
            step: 0,
            generation: 3,
        },
        Event::Running {
            running: true,
            reason: None,
            generation: 3,
        },
        Event::Running {
            running: false,
            reason: Some("step budget reached".into()),
            generation: 3,
        },
        Event::Progress {
            step: 12,
            losses: vec![(11, 0.5), (12, 0.25)],
            lr: 3e-4,
            grad_norm: 0.7,
            steps_per_sec: 40.5,
            elapsed_ms: 300.0,
            reports_ms: 25.5,
            checks_off_thread: true,
            generation: 3,
        },
        Event::Metrics {
            step: 50,
            mse: 0.04,
            bit_accuracy: 0.995,
            solved: true,
            confirmed: Some(Confirmation {
                mse: 0.046,
                bit_accuracy: 0.994,
                trials: 512,
            }),
            network: Some(Box::new(CheckedNetwork {
                network: WireNetwork::from_network(&Network::init(
                    &flipflop_core::model::ModelConfig {
                        hidden: 4,
                        ..Default::default()
                    },
                    5,
                )),
                config: Config::default(),
            })),
            elapsed_ms: 1e4,
            generation: 3,
        },
        Event::Snapshot {
            snapshot: Box::new(snapshot()),
            generation: 4,
        },
        Event::Cube {
            cube: Box::new(cube_data()),
            generation: 4,
        },
        Event::TaskPicture {
            picture: Box::new(TaskPicture {
                step: 9,
                task: "context_dm".into(),
                curves: vec![WireCurve {
                    context: Some("colour".into()),
                    coherence: vec![-3.0, 0.0, 3.0],
                    p_right: vec![0.125, 0.5, 0.875],
                    trials: 8,
                    bias: -0.25,
                    slope: 0.5,
                }],
                conditions: vec![WireCondition {
                    condition: "f1 18 Hz, f2 10 Hz".into(),
                    pair: Some((18, 10)),
                    accuracy: 0.75,
                    trials: 4,
                }],
                summary: "Step 9.".into(),
                state_space: None,
            }),
            generation: 4,
        },
        Event::BenchStep {
            step_ms: vec![101.5, 99.0],
        },
        Event::FixedPointProgress {
            step: 4000,
            fraction: 0.25,
            generation: 4,
        },
        Event::FixedPoints {
            data: Box::new(FixedPointsData {
                step: 4000,
                ms: 812.5,
                options: FixedPointOptions::default(),
                points: vec![FixedPoint {
                    state: vec![0.5, -0.25],
                    q: 3.5e-31,
                    fixed: true,
                    stable: false,
                    unstable_dims: 1,
                    eigenvalues: vec![[1.5, 0.0], [0.25, -0.125]],
                    unstable_direction: Some(vec![1.0, 0.0]),
                    readout: vec![0.75],
                    nearest_memory: vec![1],
                }],
            }),
            generation: 4,
        },
        Event::FixedPointsCancelled {
            reason: "cancelled".into(),
            generation: 4,
        },
        Event::Error {
            message: "hidden = 0 is out of range".into(),
            generation: 0,
        },
        Event::Link {
            kind: LinkKind::Exact,
            fragment: "net=RkZMAQ".into(),
            step: 300,
            generation: 5,
        },
        Event::Loaded {
            origin: Origin::Link,
            format: Format::Link(LinkKind::Compact),
            config: Box::new(Config::preset(Preset::Default)),
            network: Some(Box::new(snapshot().network)),
            steps: 300,
        },
        Event::Loaded {
            origin: Origin::File("<b>a</b>.json".into()),
            format: Format::File(ImportFormat::Json),
            config: Box::new(Config::preset(Preset::Paper)),
            network: None,
            steps: 0,
        },
        Event::LoadFailed {
            origin: Origin::Link,
            message: "link is truncated".into(),
        },
    ];
    for e in events {
        let text = encode(&e);
        assert_eq!(decode_event(&text), Ok(e), "{text:.200}");
    }
}

#[test]
fn unknown_link_kinds_are_unreadable() {
    let v = PROTOCOL_VERSION;
    let text = format!("{{\"v\":{v},\"msg\":{{\"type\":\"EncodeLink\",\"kind\":\"tiny\"}}}}");
    let err = decode_command(&text).unwrap_err().to_string();
    assert!(err.contains("unknown link kind \"tiny\""), "{err}");
    // Wire names stay the readable ones.
    let text = encode(&Command::EncodeLink {
        kind: LinkKind::Recipe,
    });
    assert!(text.contains("\"kind\":\"recipe\""), "{text}");
}

#[test]
fn floats_are_bit_exact_and_compact() {
    let v: Vec<f32> = (0..1000).map(|i| (i as f32 * 0.37).sin() / 3.0).collect();
    let text = serde_json::to_string(&F32s(v.clone())).unwrap();
    assert!(text.len() < 4 * 1000 * 4 / 3 + 8, "{}", text.len());
    let back: F32s = serde_json::from_str(&text).unwrap();
    assert!(back
        .0
        .iter()
        .zip(&v)
        .all(|(a, b)| a.to_bits() == b.to_bits()));
}

#[test]
fn wire_network_round_trips_and_checks_shapes() {
    let cfg = Config::preset(Preset::Default);
    let trainer = Trainer::new(cfg).unwrap();
    let wire = WireNetwork::from_network(trainer.network());
    assert_eq!(&wire.to_network().unwrap(), trainer.network());
    let mut bad = wire;
    bad.w_rec.0.pop();
    assert_eq!(
        bad.to_network().unwrap_err(),
        ProtocolError::Shape {
            array: "w_rec",
            got: 128 * 128 - 1,
            expected: 128 * 128
        }
    );
}

#[test]
fn bad_messages_are_errors_not_panics() {
    let v = PROTOCOL_VERSION;
    let cases = [
        (String::new(), "unreadable"),
        (format!("{{\"v\":{v}}}"), "unreadable"),
        (
            "{\"v\":99,\"msg\":{\"type\":\"Start\"}}".to_string(),
            "protocol version 99",
        ),
        (
            format!("{{\"v\":{v},\"msg\":{{\"type\":\"Launch\"}}}}"),
            "unreadable",
        ),
        (
            format!("{{\"v\":{v},\"msg\":{{\"type\":\"SetLr\",\"lr\":\"fast\"}}}}"),
            "unreadable",
        ),
        (
            format!("{{\"v\":{v},\"msg\":{{\"type\":\"Snapshot\",\"step\":1}}}}"),
            "unreadable",
        ),
    ];
    for (text, want) in cases {
        let text = text.as_str();
        let err = decode_command(text)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        let err_ev = decode_event(text)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            err.contains(want) || err_ev.contains(want),
            "{text}: {err} / {err_ev}"
        );
    }
}
