//! The kernel tiers against each other.

use super::bptt::loss_and_grad_impl;
use super::forward::forward;
use super::workspace::Workspace;
use crate::kernels::Portable;
use crate::kernels::Tier;
#[cfg(target_arch = "x86_64")]
use crate::kernels::{Avx2, Avx512};
use crate::model::{ModelConfig, Network};
use crate::rng::{Purpose, SeedRng};
use crate::task::{Batch, TaskConfig};

/// Loss and gradient of `net` on `batch` with the kernels of `tier`.
fn grads<S: Tier>(tier: S, net: &Network, batch: &Batch, mask: Option<&[f32]>) -> (f32, Network) {
    let mut ws = Workspace::default();
    let mut g = Network::zeros(&net.config);
    // Twice: the second run reuses the workspace (packed weights, G ring).
    loss_and_grad_impl(tier, net, batch, mask, &mut ws, &mut g);
    let loss = loss_and_grad_impl(tier, net, batch, mask, &mut ws, &mut g);
    (loss, g)
}

fn assert_close(want: &(f32, Network), got: &(f32, Network), what: &str) {
    assert!(
        (want.0 - got.0).abs() <= 1e-5 * want.0.abs(),
        "{what}: loss {} vs {}",
        want.0,
        got.0
    );
    for (i, (w, g)) in want.1.params().iter().zip(got.1.params()).enumerate() {
        let scale = w.iter().fold(0.0f32, |m, x| m.max(x.abs()));
        for (a, b) in w.iter().zip(g) {
            assert!(
                (a - b).abs() <= 1e-4 * scale + 1e-9,
                "{what}: tensor {i}: {a} vs {b}"
            );
        }
    }
}

/// Every kernel tier gives the portable tier's loss and gradient up to f32 rounding, for
/// shapes that exercise partial and thin last vectors, several panels, leak, bias and mask.
#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn kernel_tiers_agree() {
    let cases = [
        (100usize, 1.0f32, false, 3usize, 30usize, false),
        (37, 0.4, true, 2, 7, true),
        (130, 1.0, true, 1, 5, false),
        (260, 0.7, false, 4, 4, true),
        (16, 1.0, false, 8, 3, false),
        // The default preset's batch of 16: ∂W_rec over windows of 4 steps (45 = 11 · 4 + 1).
        (100, 1.0, true, 3, 16, false),
        (48, 0.5, false, 2, 20, true),
    ];
    for (hidden, alpha, rec_bias, bits, trials, masked) in cases {
        let cfg = ModelConfig {
            hidden,
            bits,
            alpha,
            rec_bias,
            rec_gain: 1.1,
            ..ModelConfig::default()
        };
        let mut net = Network::init(&cfg, 5);
        let mut r = SeedRng::new(5, Purpose::Other);
        for v in net.b_rec.iter_mut().chain(net.b_out.iter_mut()) {
            *v = r.uniform(-0.3, 0.3) as f32;
        }
        let task = TaskConfig {
            bits,
            trial_len: 45,
            pulse_width: 3,
            delay: 2,
            first_onset_min: 1,
            first_onset_max: 5,
            second_gap: 6,
            third_gap: 7,
            jitter: 3,
            ..TaskConfig::default()
        };
        let batch = Batch::generate(&task, trials, &mut SeedRng::new(5, Purpose::Train));
        let mask: Vec<f32> = (0..batch.y.len()).map(|i| (i % 3) as f32 * 0.5).collect();
        let mask = masked.then_some(&mask[..]);
        let what = format!("N {hidden}, alpha {alpha}, bits {bits}, batch {trials}");
        let want = grads(Portable, &net, &batch, mask);
        #[cfg(target_arch = "x86_64")]
        {
            if let Some(t) = Avx2::detect() {
                assert_close(
                    &want,
                    &grads(t, &net, &batch, mask),
                    &format!("AVX2, {what}"),
                );
            }
            if let Some(t) = Avx512::detect() {
                assert_close(
                    &want,
                    &grads(t, &net, &batch, mask),
                    &format!("AVX-512, {what}"),
                );
            }
        }
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        assert_close(
            &want,
            &grads(crate::kernels::Simd128, &net, &batch, mask),
            &format!("simd128, {what}"),
        );
        // The forward pass alone leaves the same outputs as the one inside the gradient.
        let mut ws = Workspace::default();
        let loss = forward(&net, &batch, mask, &mut ws);
        assert!(
            (loss - want.0).abs() <= 1e-5 * want.0.abs(),
            "{what}: forward loss"
        );
    }
}

/// Every tier this machine has: the portable one and the best native ones.
fn each_tier(
    net: &Network,
    batch: &Batch,
    mask: Option<&[f32]>,
) -> Vec<(&'static str, (f32, Network))> {
    let mut out = vec![("portable", grads(Portable, net, batch, mask))];
    #[cfg(target_arch = "x86_64")]
    {
        if let Some(t) = Avx2::detect() {
            out.push(("AVX2", grads(t, net, batch, mask)));
        }
        if let Some(t) = Avx512::detect() {
            out.push(("AVX-512", grads(t, net, batch, mask)));
        }
    }
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    out.push(("simd128", grads(crate::kernels::Simd128, net, batch, mask)));
    // The public entry point (best tier, constraints applied).
    let mut ws = Workspace::default();
    let mut g = Network::zeros(&net.config);
    let loss = super::loss_and_grad(net, batch, mask, &mut ws, &mut g);
    out.push(("loss_and_grad", (loss, g)));
    for (_, (_, g)) in out.iter_mut() {
        net.config.constraints.chain_grads(net, g);
    }
    out
}

/// The fast loss and gradient (every tier, and the public entry point) equal the plain f64
/// reference BPTT up to f32 rounding: without and with leak, recurrent bias, a loss mask,
/// one and several channels, and no self-connections.
#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn fast_bptt_matches_the_reference() {
    // (hidden, alpha, rec_bias, bits, trials, masked, no_self_connections)
    let cases = [
        (5usize, 1.0f32, false, 1usize, 1usize, false, false),
        (9, 1.0, true, 3, 4, false, false),
        (12, 0.5, false, 2, 3, true, false),
        (17, 0.2, true, 3, 5, true, false),
        (33, 1.0, false, 4, 2, false, true),
        (20, 0.7, true, 2, 3, true, true),
    ];
    for (hidden, alpha, rec_bias, bits, trials, masked, no_self) in cases {
        let mut cfg = ModelConfig {
            hidden,
            bits,
            alpha,
            rec_bias,
            rec_gain: 1.3,
            ..ModelConfig::default()
        };
        cfg.constraints.no_self_connections = no_self;
        let mut net = Network::init(&cfg, 11);
        let mut r = SeedRng::new(11, Purpose::Other);
        if rec_bias {
            net.b_rec
                .iter_mut()
                .for_each(|v| *v = r.uniform(-0.4, 0.4) as f32);
        }
        net.b_out
            .iter_mut()
            .for_each(|v| *v = r.uniform(-0.4, 0.4) as f32);
        let task = TaskConfig {
            bits,
            trial_len: 25,
            pulse_width: 3,
            delay: 2,
            first_onset_min: 1,
            first_onset_max: 4,
            second_gap: 5,
            third_gap: 6,
            jitter: 3,
            ..TaskConfig::default()
        };
        let batch = Batch::generate(&task, trials, &mut SeedRng::new(11, Purpose::Train));
        let mask: Vec<f32> = (0..batch.y.len())
            .map(|i| ((i * 7) % 4) as f32 / 3.0)
            .collect();
        let mask = masked.then_some(&mask[..]);
        let want = super::reference::loss_and_grad(&net, &batch, mask);
        for (tier, (loss, g)) in each_tier(&net, &batch, mask) {
            let what = format!(
                "{tier}, N {hidden}, alpha {alpha}, bits {bits}, mask {masked}, no self {no_self}"
            );
            assert!(
                (loss as f64 - want.loss).abs() <= 1e-5 * want.loss,
                "{what}: loss {loss} vs {}",
                want.loss
            );
            for (i, (w, got)) in want.grads.iter().zip(g.params()).enumerate() {
                let scale = w.iter().fold(0.0f64, |m, x| m.max(x.abs()));
                assert!(
                    scale > 0.0 || (i == 2 && !rec_bias),
                    "{what}: tensor {i} all zero"
                );
                for (a, b) in w.iter().zip(got) {
                    assert!(
                        (a - *b as f64).abs() <= 2e-4 * scale + 1e-9,
                        "{what}: tensor {i}: {a} vs {b}"
                    );
                }
            }
            if no_self {
                assert!(
                    (0..hidden).all(|i| g.w_rec[i * hidden + i] == 0.0),
                    "{what}: diagonal"
                );
            }
        }
    }
}

/// The kernels compiled for inputs ≠ outputs ((3, 2) and (7, 2), the cognitive tasks'
/// channels) give the reference's loss and gradients on those tasks' masked batches.
#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn task_channel_shapes_match_the_reference() {
    use crate::task::{build, TaskKind};
    for (kind, hidden) in [(TaskKind::PerceptualDm, 13), (TaskKind::ContextDm, 10)] {
        let mut task = TaskConfig {
            kind,
            ..TaskConfig::default()
        };
        task.perceptual_dm.stimulus_ms = 100;
        task.context_dm.stimulus_ms = 100;
        let (inputs, outputs) = task.channels();
        assert_ne!(inputs, outputs);
        let cfg = ModelConfig {
            hidden,
            channels: Some([inputs, outputs]),
            alpha: 0.2,
            rec_bias: true,
            ..ModelConfig::default()
        };
        let net = Network::init(&cfg, 3);
        let mut batch = Batch::default();
        build(&task).fill(&mut batch, 3, &mut SeedRng::new(3, Purpose::Train));
        let want = super::reference::loss_and_grad(&net, &batch, batch.mask());
        for (tier, (loss, g)) in each_tier(&net, &batch, batch.mask()) {
            let what = format!("{tier}, {kind:?}");
            assert!(
                (loss as f64 - want.loss).abs() <= 1e-5 * want.loss,
                "{what}: loss {loss} vs {}",
                want.loss
            );
            for (i, (w, got)) in want.grads.iter().zip(g.params()).enumerate() {
                let scale = w.iter().fold(0.0f64, |m, x| m.max(x.abs()));
                assert!(scale > 0.0, "{what}: tensor {i} all zero");
                for (a, b) in w.iter().zip(got) {
                    assert!(
                        (a - *b as f64).abs() <= 2e-4 * scale + 1e-9,
                        "{what}: tensor {i}: {a} vs {b}"
                    );
                }
            }
        }
    }
}
