//! A line attractor appears as a chain of slow points (issue 16): a hand-built network of the
//! perceptual decision task whose dynamics under the task's holding input have an
//! approximate line attractor, searched like a trained one ([`search_on_task`]).

use super::*;
use crate::analysis::{top_components, Decomposition};
use crate::model::ModelConfig;
use crate::task::{TaskConfig, TaskKind};

const N: usize = 16;
/// Weight of the fixation input along the line, cancelled by the bias.
const BETA: f32 = 0.5;

/// The unit vector of the line: entries ±1/4.
fn line() -> Vec<f32> {
    (0..N)
        .map(|i| if i % 3 == 0 { -0.25 } else { 0.25 })
        .collect()
}

/// `W_rec = u uᵀ`, inputs `[fixation, left, right]` weighted `[β u, -k u, k u]`, bias
/// `-β u`, readout `[-u; u]`, α 0.2. Under the holding input (fixation on, bias cancelled)
/// the state `h = c u` moves by `α (tanh(c u) - c u)`, about `-α c³ Σ u_i⁴ / 3` along `u`:
/// `q(c u) = ½ α² Σ (tanh(c u_i) - c u_i)² ≈ α² c⁶ / 4608 < 1e-6` for |c| < 0.7, and the
/// one exact fixed point is c = 0. Off the line W_rec is zero, so states fall onto it at
/// rate α. The evidence (right − left = 3.2 s / 100 at signed coherence s) moves c by about
/// `α k (3.2 s / 100)` a step: over the 40 stimulus steps, c ≈ 0.66 at s = 51.2 %. The choice
/// readout `z_right - z_left = 2 u·h = 2c` lies along the line. Without the fixation input
/// the bias `-β u` drives every state to one fixed point at c ≈ -2.6.
fn line_net() -> Network {
    let cfg = ModelConfig {
        hidden: N,
        bits: 2,
        channels: Some([3, 2]),
        alpha: 0.2,
        rec_bias: true,
        ..ModelConfig::default()
    };
    let mut net = Network::zeros(&cfg);
    let u = line();
    let k = 0.05f32;
    for i in 0..N {
        for j in 0..N {
            net.w_rec[i * N + j] = u[i] * u[j];
        }
        net.w_in[i * 3..i * 3 + 3].copy_from_slice(&[BETA * u[i], -k * u[i], k * u[i]]);
        net.b_rec[i] = -BETA * u[i];
        net.w_out[i] = -u[i];
        net.w_out[N + i] = u[i];
    }
    net
}

fn along(h: &[f32]) -> f32 {
    h.iter().zip(line()).map(|(a, b)| a * b).sum()
}

/// The search on the perceptual task finds at least five slow points spread along the line
/// on both sides of its fixed point (the choice readout of either sign, |2c| ≥ 0.6), all on
/// it (its first principal component explains ≥ 90 % of their variance and is the line).
/// It fails if the polish dragged the line's points onto its fixed point (the chain then
/// huddles within |c| < 0.02 of it: what the search did before slow candidates that Newton
/// crawls away from were kept), if the holding input were left out (the bias alone has one
/// fixed point: checked below), or if the points were scattered off the line.
#[test]
fn a_line_attractor_appears_as_a_chain_of_slow_points() {
    let net = line_net();
    let task = TaskConfig {
        kind: TaskKind::PerceptualDm,
        ..TaskConfig::default()
    };
    let opts = FixedPointOptions::default();
    let pts = search_on_task(&net, &task, opts.clone(), 1)
        .expect("a search")
        .run();
    let slow: Vec<&FixedPoint> = pts.iter().filter(|p| !p.fixed).collect();
    assert!(
        slow.len() >= 5,
        "{} slow points of {}",
        slow.len(),
        pts.len()
    );
    assert!(pts.iter().all(|p| p.q < opts.slow_q));
    let data: Vec<f32> = pts.iter().flat_map(|p| p.state.clone()).collect();
    let pca = top_components(&data, pts.len(), N, 1, Decomposition::Pca).expect("a PCA");
    assert!(pca.fractions[0] >= 0.9, "PC1 explains {:?}", pca.fractions);
    let cos = along(&pca.axes[..N]).abs();
    assert!(cos > 0.99, "PC1 is not the line: |cos| {cos}");
    let z: Vec<f32> = slow.iter().map(|p| p.readout[1] - p.readout[0]).collect();
    for (p, z) in slow.iter().zip(&z) {
        assert!((z - 2.0 * along(&p.state)).abs() < 1e-4, "{z} off the line");
    }
    let (lo, hi) = z
        .iter()
        .fold((0.0f32, 0.0f32), |(l, h), z| (l.min(*z), h.max(*z)));
    assert!(
        lo <= -0.6 && hi >= 0.6,
        "the chain spans z {lo}..{hi}: {z:?}"
    );

    // The same network without the holding input: one fixed point, no chain.
    let mut rng = SeedRng::new(1, crate::rng::Purpose::Other);
    let starts: Vec<f32> = pts.iter().flat_map(|p| p.state.clone()).collect();
    let bare = FixedPointSearch::new(&net, &starts, opts, &mut rng).run();
    assert_eq!(bare.len(), 1, "{bare:?}");
    assert!(bare[0].fixed && bare[0].stable && along(&bare[0].state) < -2.0);
}
