//! The GRU and LSTM cells: configuration bytes, shapes (Keras' parameter counts), Keras'
//! initialisation, and `Network::step`/`run` against an independent f64 transcription of
//! Keras' equations (keras/src/layers/rnn/gru.py, lstm.py), for both GRU variants and the
//! three gate activations.

use flipflop_core::model::{CellKind, GateActivation, ModelConfig, Network};
use flipflop_core::rng::{Purpose, SeedRng};
use flipflop_core::Config;

fn gated(cell: CellKind, hidden: usize, bits: usize) -> ModelConfig {
    ModelConfig {
        hidden,
        bits,
        cell,
        rec_bias: true,
        ..ModelConfig::default()
    }
}

#[test]
fn vanilla_configs_keep_their_bytes() {
    let json = serde_json::to_string(&Config::default()).unwrap();
    for key in ["cell", "reset_after", "recurrent_activation", "forget_bias"] {
        assert!(!json.contains(key), "{key} in {json}");
    }
    let old: ModelConfig = serde_json::from_str(r#"{"hidden": 9, "bits": 2}"#).unwrap();
    assert_eq!(old.cell, CellKind::Vanilla);
    assert!(old.reset_after);
    assert_eq!(old.recurrent_activation, GateActivation::Sigmoid);
    assert_eq!(old.forget_bias, 1.0);
}

#[test]
fn gated_configs_round_trip_and_name_their_options() {
    let mut cfg = gated(CellKind::Gru, 5, 3);
    cfg.reset_after = false;
    cfg.recurrent_activation = GateActivation::HardSigmoidKeras2;
    let json = serde_json::to_string(&cfg).unwrap();
    assert!(json.contains(r#""cell":"gru""#), "{json}");
    assert!(json.contains(r#""reset_after":false"#), "{json}");
    assert!(
        json.contains(r#""recurrent_activation":"hard_sigmoid_keras2""#),
        "{json}"
    );
    assert_eq!(serde_json::from_str::<ModelConfig>(&json).unwrap(), cfg);
    cfg.validate().unwrap();
    let lstm = serde_json::to_string(&gated(CellKind::Lstm, 5, 3)).unwrap();
    assert!(lstm.contains(r#""cell":"lstm""#) && !lstm.contains("reset_after"));
}

#[test]
fn options_of_other_cells_are_refused_by_name() {
    let cases: [(ModelConfig, &str); 5] = [
        (
            ModelConfig {
                alpha: 0.5,
                ..gated(CellKind::Gru, 5, 3)
            },
            "alpha",
        ),
        (
            ModelConfig {
                reset_after: false,
                ..gated(CellKind::Lstm, 5, 3)
            },
            "reset_after",
        ),
        (
            ModelConfig {
                recurrent_activation: GateActivation::HardSigmoidKeras3,
                ..ModelConfig::default()
            },
            "recurrent_activation",
        ),
        (
            {
                let mut c = gated(CellKind::Lstm, 5, 3);
                c.constraints.no_self_connections = true;
                c
            },
            "constraints",
        ),
        (
            ModelConfig {
                forget_bias: 3.0,
                ..gated(CellKind::Gru, 5, 3)
            },
            "forget_bias",
        ),
    ];
    for (cfg, field) in cases {
        let e = cfg.validate().unwrap_err();
        assert_eq!(e.field, field, "{e}");
        assert!(e.to_string().contains(cfg.cell.key()), "{e}");
    }
}

#[test]
fn shapes_and_parameter_counts_are_keras() {
    // Keras 3: GRU(5) on 3 inputs has 45 + 75 + 30 weights, LSTM(5) 60 + 100 + 20; Dense(3) 18.
    let gru = gated(CellKind::Gru, 5, 3);
    let net = Network::init(&gru, 1);
    assert_eq!(
        (net.w_in.len(), net.w_rec.len(), net.b_rec.len()),
        (45, 75, 30)
    );
    assert_eq!(gru.n_params(), 150 + 18);
    let gru2 = ModelConfig {
        reset_after: false,
        ..gru
    };
    assert_eq!(gru2.n_params(), 45 + 75 + 15 + 18);
    let lstm = gated(CellKind::Lstm, 5, 3);
    assert_eq!(lstm.n_params(), 180 + 18);
    assert_eq!(
        lstm.n_weights(),
        Network::zeros(&lstm)
            .params()
            .iter()
            .map(|p| p.len())
            .sum::<usize>()
    );
    let no_bias = ModelConfig {
        rec_bias: false,
        ..lstm
    };
    assert_eq!(no_bias.n_params(), 160 + 18);
}

#[test]
fn keras_initialisation() {
    let (n, k) = (6, 3);
    for cell in [CellKind::Gru, CellKind::Lstm] {
        let cfg = gated(cell, n, k);
        let net = Network::init(&cfg, 7);
        let g = cell.gates() * n;
        // recurrent_kernel (N × G·N) has orthonormal rows: W_rec = its transpose has
        // orthonormal columns.
        for a in 0..n {
            for b in 0..n {
                let d: f64 = (0..g)
                    .map(|r| net.w_rec[r * n + a] as f64 * net.w_rec[r * n + b] as f64)
                    .sum();
                let want = if a == b { 1.0 } else { 0.0 };
                assert!((d - want).abs() < 1e-5, "{cell:?} ({a},{b}) = {d}");
            }
        }
        let lim = (6.0f32 / (k + g) as f32).sqrt();
        assert!(net.w_in.iter().all(|v| v.abs() <= lim));
        assert!(net.w_in.iter().any(|v| v.abs() > 0.7 * lim));
        let ones = if cell == CellKind::Lstm {
            n..2 * n
        } else {
            0..0
        };
        for (i, b) in net.b_rec.iter().enumerate() {
            assert_eq!(
                *b,
                if ones.contains(&i) { 1.0 } else { 0.0 },
                "{cell:?} b[{i}]"
            );
        }
        assert_eq!(net, Network::init(&cfg, 7));
    }
}

/// The LSTM's `forget_bias` (the LSTM preset's 3 instead of Keras' 1) sets the forget block
/// of b_rec and nothing else: every other weight is the Keras-initialised network's of the
/// same seed. It is kept in the configuration's bytes; out of [0, 10] it is refused by name.
#[test]
fn lstm_forget_bias_sets_the_forget_block_only() {
    let n = 6;
    let keras = Network::init(&gated(CellKind::Lstm, n, 3), 7);
    let cfg = ModelConfig {
        forget_bias: 3.0,
        ..gated(CellKind::Lstm, n, 3)
    };
    cfg.validate().unwrap();
    let net = Network::init(&cfg, 7);
    assert_eq!(
        (&net.w_in, &net.w_rec, &net.w_out, &net.b_out),
        (&keras.w_in, &keras.w_rec, &keras.w_out, &keras.b_out)
    );
    for (i, (b, k)) in net.b_rec.iter().zip(&keras.b_rec).enumerate() {
        let want = if (n..2 * n).contains(&i) { 3.0 } else { *k };
        assert_eq!(*b, want, "b[{i}]");
    }
    let json = serde_json::to_string(&cfg).unwrap();
    assert!(json.contains(r#""forget_bias":3.0"#), "{json}");
    assert_eq!(serde_json::from_str::<ModelConfig>(&json).unwrap(), cfg);
    let e = ModelConfig {
        forget_bias: -1.0,
        ..cfg
    }
    .validate()
    .unwrap_err();
    assert_eq!(e.field, "forget_bias", "{e}");
    assert_eq!(
        Config::cell_preset(CellKind::Lstm).model.forget_bias,
        flipflop_core::config::LSTM_FORGET_BIAS
    );
}

/// Keras' weights (kernel `in × G·N`, recurrent_kernel `N × G·N`, bias) from ours.
struct Keras {
    kernel: Vec<Vec<f64>>,
    recurrent: Vec<Vec<f64>>,
    bias: Vec<Vec<f64>>,
}

fn keras(net: &Network) -> Keras {
    let (n, k) = (net.config.hidden, net.config.inputs());
    let g = net.config.gate_rows();
    let kernel = (0..k)
        .map(|j| (0..g).map(|c| net.w_in[c * k + j] as f64).collect())
        .collect();
    let recurrent = (0..n)
        .map(|j| (0..g).map(|c| net.w_rec[c * n + j] as f64).collect())
        .collect();
    let bias = net
        .b_rec
        .chunks(g)
        .map(|r| r.iter().map(|v| *v as f64).collect())
        .collect();
    Keras {
        kernel,
        recurrent,
        bias,
    }
}

fn act(a: GateActivation, x: f64) -> f64 {
    match a {
        GateActivation::Sigmoid => 1.0 / (1.0 + (-x).exp()),
        GateActivation::HardSigmoidKeras2 => (0.2 * x + 0.5).clamp(0.0, 1.0),
        GateActivation::HardSigmoidKeras3 => ((x + 3.0).clamp(0.0, 6.0)) / 6.0,
    }
}

/// `v · m[:, cols]` for a row vector `v` and a row-major matrix given by rows.
fn dot(v: &[f64], m: &[Vec<f64>], cols: std::ops::Range<usize>) -> Vec<f64> {
    cols.map(|c| v.iter().zip(m).map(|(x, row)| x * row[c]).sum())
        .collect()
}

/// Keras' `GRUCell.call` and `LSTMCell.call` (implementation 1), in f64, one trial.
fn keras_run(net: &Network, x: &[f32], trial_len: usize) -> Vec<f64> {
    let (n, k) = (net.config.hidden, net.config.inputs());
    let w = keras(net);
    let sig = |v: f64| act(net.config.recurrent_activation, v);
    let (mut h, mut c) = (vec![0.0f64; n], vec![0.0f64; n]);
    let mut hs = Vec::new();
    for t in 0..trial_len {
        let xt: Vec<f64> = x[t * k..(t + 1) * k].iter().map(|v| *v as f64).collect();
        let b = |row: usize, i: usize| w.bias[row][i];
        match net.config.cell {
            CellKind::Gru => {
                let x_z = dot(&xt, &w.kernel, 0..n);
                let x_r = dot(&xt, &w.kernel, n..2 * n);
                let x_h = dot(&xt, &w.kernel, 2 * n..3 * n);
                let rec_z = dot(&h, &w.recurrent, 0..n);
                let rec_r = dot(&h, &w.recurrent, n..2 * n);
                let ra = net.config.reset_after;
                let z: Vec<f64> = (0..n)
                    .map(|i| sig(x_z[i] + b(0, i) + rec_z[i] + if ra { b(1, i) } else { 0.0 }))
                    .collect();
                let r: Vec<f64> = (0..n)
                    .map(|i| {
                        sig(x_r[i] + b(0, n + i) + rec_r[i] + if ra { b(1, n + i) } else { 0.0 })
                    })
                    .collect();
                let rec_h: Vec<f64> = if ra {
                    let u = dot(&h, &w.recurrent, 2 * n..3 * n);
                    (0..n).map(|i| r[i] * (u[i] + b(1, 2 * n + i))).collect()
                } else {
                    let rh: Vec<f64> = (0..n).map(|i| r[i] * h[i]).collect();
                    dot(&rh, &w.recurrent, 2 * n..3 * n)
                };
                let hh: Vec<f64> = (0..n)
                    .map(|i| (x_h[i] + b(0, 2 * n + i) + rec_h[i]).tanh())
                    .collect();
                h = (0..n).map(|i| z[i] * h[i] + (1.0 - z[i]) * hh[i]).collect();
            }
            CellKind::Lstm => {
                let xk = dot(&xt, &w.kernel, 0..4 * n);
                let hr = dot(&h, &w.recurrent, 0..4 * n);
                let zz: Vec<f64> = (0..4 * n).map(|j| xk[j] + hr[j] + b(0, j)).collect();
                for i in 0..n {
                    let (ig, fg) = (sig(zz[i]), sig(zz[n + i]));
                    let (gg, og) = (zz[2 * n + i].tanh(), sig(zz[3 * n + i]));
                    c[i] = fg * c[i] + ig * gg;
                    h[i] = og * c[i].tanh();
                }
            }
            CellKind::Vanilla => unreachable!(),
        }
        hs.extend_from_slice(&h);
    }
    hs
}

#[test]
fn step_is_keras() {
    let (n, k, tl) = (5, 3, 9);
    let mut rng = SeedRng::new(3, Purpose::Other);
    let x: Vec<f32> = (0..tl * k).map(|_| rng.uniform(-1.5, 1.5) as f32).collect();
    let variants = [
        (CellKind::Gru, true, GateActivation::Sigmoid),
        (CellKind::Gru, false, GateActivation::HardSigmoidKeras2),
        (CellKind::Gru, true, GateActivation::HardSigmoidKeras3),
        (CellKind::Gru, false, GateActivation::Sigmoid),
        (CellKind::Lstm, true, GateActivation::Sigmoid),
        (CellKind::Lstm, true, GateActivation::HardSigmoidKeras2),
    ];
    for (seed, (cell, reset_after, recurrent_activation)) in variants.into_iter().enumerate() {
        let cfg = ModelConfig {
            reset_after,
            recurrent_activation,
            rec_gain: 1.5,
            ..gated(cell, n, k)
        };
        cfg.validate().unwrap();
        let mut net = Network::init(&cfg, seed as u64);
        // Every bias entry distinct, so a misplaced block shows.
        net.b_rec
            .iter_mut()
            .for_each(|b| *b = rng.uniform(-0.8, 0.8) as f32);
        let (hs, zs) = net.run(&x, tl);
        let want = keras_run(&net, &x, tl);
        for (i, (a, b)) in hs.iter().zip(&want).enumerate() {
            assert!(
                (*a as f64 - b).abs() < 2e-6,
                "{cell:?} reset_after {reset_after} {recurrent_activation:?}: h[{i}] {a} vs {b}"
            );
        }
        assert!(zs.iter().all(|z| z.is_finite()));
        assert!(want.iter().any(|v| v.abs() > 0.05));
    }
}
