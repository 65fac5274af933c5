//! BPTT of the GRU (both Keras variants, sigmoid and Keras 2's hard sigmoid) and of the LSTM
//! (f32, packed-panel kernels) against central finite differences of an independent naive
//! f64 implementation of the same loss, on every parameter; and the batched forward pass
//! against `Network::run`.

use flipflop_core::model::{CellKind, GateActivation, ModelConfig, Network};
use flipflop_core::rng::{Purpose, SeedRng};
use flipflop_core::task::{Batch, TaskConfig};
use flipflop_core::train::{forward, loss_and_grad, Workspace};

fn gate(a: GateActivation, x: f64) -> f64 {
    match a {
        GateActivation::Sigmoid => 1.0 / (1.0 + (-x).exp()),
        GateActivation::HardSigmoidKeras2 => (0.2 * x + 0.5).clamp(0.0, 1.0),
        GateActivation::HardSigmoidKeras3 => (x / 6.0 + 0.5).clamp(0.0, 1.0),
    }
}

/// Row `r` of the row-major `w` (`cols` columns) times `v`.
fn row_dot(w: &[f64], r: usize, cols: usize, v: &[f64]) -> f64 {
    w[r * cols..(r + 1) * cols]
        .iter()
        .zip(v)
        .map(|(a, b)| a * b)
        .sum()
}

/// Naive f64 loss `Σ m (z - y)² / Σ m` of a GRU or LSTM with parameters `p`.
fn loss_f64(cfg: &ModelConfig, p: &[Vec<f64>; 5], batch: &Batch, mask: Option<&[f32]>) -> f64 {
    let (n, k) = (cfg.hidden, cfg.bits);
    let [w_in, w_rec, b_rec, w_out, b_out] = p;
    let bias = |i: usize| if cfg.rec_bias { b_rec[i] } else { 0.0 };
    let sig = |x: f64| gate(cfg.recurrent_activation, x);
    let (mut sum, mut den) = (0.0, 0.0);
    for b in 0..batch.batch {
        let (mut h, mut c) = (vec![0.0f64; n], vec![0.0f64; n]);
        for t in 0..batch.trial_len {
            let x: Vec<f64> = batch.x[(t * batch.batch + b) * k..][..k]
                .iter()
                .map(|v| *v as f64)
                .collect();
            // Input and recurrent parts of every gate row.
            let xin = |r: usize| row_dot(w_in, r, k, &x);
            let rec = |r: usize, v: &[f64]| row_dot(w_rec, r, n, v);
            let hn: Vec<f64> = match cfg.cell {
                CellKind::Gru if cfg.reset_after => {
                    let u = |r: usize| rec(r, &h) + bias(3 * n + r);
                    (0..n)
                        .map(|i| {
                            let z = sig(xin(i) + bias(i) + u(i));
                            let r = sig(xin(n + i) + bias(n + i) + u(n + i));
                            let cand = (xin(2 * n + i) + bias(2 * n + i) + r * u(2 * n + i)).tanh();
                            z * h[i] + (1.0 - z) * cand
                        })
                        .collect()
                }
                CellKind::Gru => {
                    let r: Vec<f64> = (0..n)
                        .map(|i| sig(xin(n + i) + bias(n + i) + rec(n + i, &h)))
                        .collect();
                    let rh: Vec<f64> = (0..n).map(|i| r[i] * h[i]).collect();
                    (0..n)
                        .map(|i| {
                            let z = sig(xin(i) + bias(i) + rec(i, &h));
                            let cand =
                                (xin(2 * n + i) + bias(2 * n + i) + rec(2 * n + i, &rh)).tanh();
                            z * h[i] + (1.0 - z) * cand
                        })
                        .collect()
                }
                _ => {
                    let pre = |r: usize| xin(r) + bias(r) + rec(r, &h);
                    (0..n)
                        .map(|i| {
                            let (ig, fg) = (sig(pre(i)), sig(pre(n + i)));
                            let (gg, og) = (pre(2 * n + i).tanh(), sig(pre(3 * n + i)));
                            c[i] = fg * c[i] + ig * gg;
                            og * c[i].tanh()
                        })
                        .collect()
                }
            };
            h = hn;
            for (o, bo) in b_out.iter().enumerate() {
                let z = bo + row_dot(w_out, o, n, &h);
                let idx = (t * batch.batch + b) * k + o;
                let m = mask.map_or(1.0, |m| m[idx] as f64);
                let d = z - batch.y[idx] as f64;
                sum += m * d * d;
                den += m;
            }
        }
    }
    sum / den
}

fn check(cfg: ModelConfig, with_mask: bool, seed: u64) {
    cfg.validate().unwrap();
    let bits = cfg.bits;
    let mut net = Network::init(&cfg, seed);
    let mut r = SeedRng::new(seed, Purpose::Other);
    if cfg.rec_bias {
        net.b_rec
            .iter_mut()
            .for_each(|v| *v += r.uniform(-0.3, 0.3) as f32);
    }
    net.b_out
        .iter_mut()
        .for_each(|v| *v = r.uniform(-0.3, 0.3) as f32);
    let task = TaskConfig {
        bits,
        trial_len: 6,
        pulse_width: 2,
        delay: 1,
        first_onset_min: 0,
        first_onset_max: 2,
        second_gap: 2,
        third_gap: 3,
        jitter: 1,
        ..TaskConfig::default()
    };
    let batch = Batch::generate(&task, 3, &mut SeedRng::new(seed, Purpose::Train));
    let mask: Option<Vec<f32>> = with_mask.then(|| {
        (0..batch.y.len())
            .map(|i| {
                if i % 3 == 0 {
                    0.0
                } else {
                    1.0 + (i % 2) as f32
                }
            })
            .collect()
    });
    let what = format!(
        "{:?} reset_after {} {:?} bias {} mask {with_mask}",
        cfg.cell, cfg.reset_after, cfg.recurrent_activation, cfg.rec_bias
    );

    let mut ws = Workspace::default();
    // The batched forward pass gives Network::run's hidden states.
    forward(&net, &batch, mask.as_deref(), &mut ws);
    let (n, b) = (cfg.hidden, batch.batch);
    for trial in 0..b {
        let x: Vec<f32> = (0..batch.trial_len)
            .flat_map(|t| batch.x[(t * b + trial) * bits..][..bits].to_vec())
            .collect();
        let (hs, _) = net.run(&x, batch.trial_len);
        for t in 0..batch.trial_len {
            for i in 0..n {
                let fast = ws.hidden()[(t * b + trial) * n + i];
                assert!((fast - hs[t * n + i]).abs() < 1e-5, "{what}: h[{t}][{i}]");
            }
        }
    }

    let mut grads = Network::zeros(&cfg);
    let loss = loss_and_grad(&net, &batch, mask.as_deref(), &mut ws, &mut grads);
    let p64: [Vec<f64>; 5] = net.params().map(|p| p.iter().map(|v| *v as f64).collect());
    let l64 = loss_f64(&cfg, &p64, &batch, mask.as_deref());
    assert!(
        (loss as f64 - l64).abs() < 1e-5 * l64.max(1.0),
        "{what}: loss {loss} vs {l64}"
    );

    let names = ["W_in", "W_rec", "b_rec", "W_out", "b_out"];
    let eps = 1e-5;
    let gmax = grads
        .params()
        .iter()
        .flat_map(|g| g.iter())
        .fold(0.0f32, |m, v| m.max(v.abs())) as f64;
    for (pi, name) in names.iter().enumerate() {
        for idx in 0..p64[pi].len() {
            let mut plus = p64.clone();
            plus[pi][idx] += eps;
            let mut minus = p64.clone();
            minus[pi][idx] -= eps;
            let fd = (loss_f64(&cfg, &plus, &batch, mask.as_deref())
                - loss_f64(&cfg, &minus, &batch, mask.as_deref()))
                / (2.0 * eps);
            let an = grads.params()[pi][idx] as f64;
            let tol = 2e-4 * gmax + 1e-3 * fd.abs();
            assert!(
                (an - fd).abs() <= tol,
                "{what}: d{name}[{idx}] analytic {an} vs fd {fd}"
            );
        }
    }
}

fn cfg(cell: CellKind, reset_after: bool, act: GateActivation, rec_bias: bool) -> ModelConfig {
    ModelConfig {
        hidden: 5,
        bits: 2,
        cell,
        reset_after,
        recurrent_activation: act,
        rec_bias,
        rec_gain: 1.3,
        ..ModelConfig::default()
    }
}

#[test]
fn gru_reset_after() {
    check(
        cfg(CellKind::Gru, true, GateActivation::Sigmoid, true),
        false,
        1,
    );
    check(
        cfg(CellKind::Gru, true, GateActivation::Sigmoid, false),
        true,
        2,
    );
}

#[test]
fn gru_reset_before() {
    check(
        cfg(CellKind::Gru, false, GateActivation::Sigmoid, true),
        true,
        3,
    );
    // The paper's Keras 2.3 GRU: reset before the product, hard sigmoid gates.
    check(
        cfg(
            CellKind::Gru,
            false,
            GateActivation::HardSigmoidKeras2,
            true,
        ),
        false,
        4,
    );
}

#[test]
fn lstm() {
    check(
        cfg(CellKind::Lstm, true, GateActivation::Sigmoid, true),
        false,
        5,
    );
    check(
        cfg(
            CellKind::Lstm,
            true,
            GateActivation::HardSigmoidKeras3,
            false,
        ),
        true,
        6,
    );
}
