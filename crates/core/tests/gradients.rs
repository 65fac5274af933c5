//! The BPTT gradient (f32, GEMM-based) against central finite differences of an independent,
//! naive f64 implementation of the same loss, for every parameter.

use flipflop_core::rng::{Purpose, SeedRng};
use flipflop_core::task::{Batch, TaskConfig};
use flipflop_core::train::{loss_and_grad, Workspace};
use flipflop_core::{ModelConfig, Network};

/// Naive f64 loss: mean over (t, b, k) of mask · (z - y)², divided by Σ mask.
fn loss_f64(net: &Network, p: &[Vec<f64>; 5], batch: &Batch, mask: Option<&[f32]>) -> f64 {
    let (n, k) = (net.config.hidden, net.config.bits);
    let alpha = net.config.alpha as f64;
    let [w_in, w_rec, b_rec, w_out, b_out] = p;
    let (mut sum, mut den) = (0.0, 0.0);
    for b in 0..batch.batch {
        let mut h = vec![0.0f64; n];
        for t in 0..batch.trial_len {
            let x = &batch.x[(t * batch.batch + b) * k..][..k];
            let mut hn = vec![0.0f64; n];
            for i in 0..n {
                let mut a = if net.config.rec_bias { b_rec[i] } else { 0.0 };
                for j in 0..n {
                    a += w_rec[i * n + j] * h[j];
                }
                for j in 0..k {
                    a += w_in[i * k + j] * x[j] as f64;
                }
                hn[i] = (1.0 - alpha) * h[i] + alpha * a.tanh();
            }
            h = hn;
            for o in 0..k {
                let mut z = b_out[o];
                for j in 0..n {
                    z += w_out[o * n + j] * h[j];
                }
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

fn check(alpha: f32, rec_bias: bool, with_mask: bool, seed: u64) {
    let bits = 2;
    let cfg = ModelConfig {
        hidden: 7,
        bits,
        alpha,
        rec_bias,
        rec_gain: 1.2,
        ..ModelConfig::default()
    };
    let mut net = Network::init(&cfg, seed);
    // Non-zero biases so their gradients are exercised.
    let mut r = SeedRng::new(seed, Purpose::Other);
    if rec_bias {
        net.b_rec
            .iter_mut()
            .for_each(|v| *v = r.uniform(-0.3, 0.3) as f32);
    }
    net.b_out
        .iter_mut()
        .for_each(|v| *v = r.uniform(-0.3, 0.3) as f32);
    let task = TaskConfig {
        bits,
        trial_len: 30,
        pulse_width: 3,
        delay: 2,
        first_onset_min: 1,
        first_onset_max: 5,
        second_gap: 6,
        third_gap: 7,
        jitter: 3,
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

    let mut ws = Workspace::default();
    let mut grads = Network::zeros(&cfg);
    let loss = loss_and_grad(&net, &batch, mask.as_deref(), &mut ws, &mut grads);

    let p64: [Vec<f64>; 5] = net.params().map(|p| p.iter().map(|v| *v as f64).collect());
    let l64 = loss_f64(&net, &p64, &batch, mask.as_deref());
    assert!(
        (loss as f64 - l64).abs() < 1e-5 * l64.max(1.0),
        "loss {loss} vs {l64}"
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
            let fd = (loss_f64(&net, &plus, &batch, mask.as_deref())
                - loss_f64(&net, &minus, &batch, mask.as_deref()))
                / (2.0 * eps);
            let fd = if pi == 2 && !rec_bias { 0.0 } else { fd };
            let an = grads.params()[pi][idx] as f64;
            let tol = 2e-4 * gmax + 1e-3 * fd.abs();
            assert!(
                (an - fd).abs() <= tol,
                "alpha {alpha} bias {rec_bias} mask {with_mask}: d{name}[{idx}] analytic {an} vs fd {fd}"
            );
        }
    }
}

#[test]
fn gradients_alpha_one_no_bias() {
    check(1.0, false, false, 1);
}

#[test]
fn gradients_alpha_one_with_bias() {
    check(1.0, true, false, 2);
}

#[test]
fn gradients_leaky_no_bias() {
    check(0.3, false, false, 3);
}

#[test]
fn gradients_leaky_with_bias_and_mask() {
    check(0.6, true, true, 4);
}

#[test]
fn gradients_alpha_one_with_mask() {
    check(1.0, false, true, 5);
}
