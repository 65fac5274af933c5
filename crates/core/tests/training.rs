//! Adam against a hand computation, divergence handling, determinism, a small network
//! that learns a 1-bit flip-flop, and changing the training-trial length of a running trainer
//! (the curriculum lever of the recipe search, issue 18).

use flipflop_core::train::{Adam, TrainConfig};
use flipflop_core::{Config, ModelConfig, Network, TaskConfig, TrainError, Trainer};

#[test]
fn adam_two_steps_by_hand() {
    let cfg = ModelConfig {
        hidden: 2,
        bits: 1,
        ..ModelConfig::default()
    };
    let mut net = Network::zeros(&cfg);
    net.w_rec = vec![1.0, -2.0, 0.5, 0.0];
    let mut grads = Network::zeros(&cfg);
    grads.w_rec = vec![0.1, -0.2, 0.0, 4.0];
    let tc = TrainConfig {
        lr: 0.01,
        decay: 0.5,
        beta1: 0.9,
        beta2: 0.999,
        eps: 1e-8,
        ..TrainConfig::default()
    };
    let mut adam = Adam::new(&net);
    adam.update(&tc, &mut net, &grads, 1.0);
    // Step 1: m = 0.1 g, v = 0.001 g², m̂ = g, v̂ = g², so p -= lr · g / (|g| + eps) ≈ lr · sign(g).
    let want1 = [
        1.0 - 0.01 * 0.1 / (0.1 + 1e-8),
        -2.0 + 0.01 * 0.2 / (0.2 + 1e-8),
        0.5,
        0.0 - 0.01 * 4.0 / (4.0 + 1e-8),
    ];
    for (p, w) in net.w_rec.iter().zip(want1) {
        assert!((*p as f64 - w).abs() < 1e-7, "{p} vs {w}");
    }
    // Step 2 with gradient 2g: lr_2 = 0.01 / (1 + 0.5 · 1) (inverse-time decay).
    grads.w_rec.iter_mut().for_each(|g| *g *= 2.0);
    adam.update(&tc, &mut net, &grads, 1.0);
    let lr2 = 0.01 / 1.5;
    for (i, g1) in [0.1f64, -0.2, 0.0, 4.0].into_iter().enumerate() {
        let g2 = 2.0 * g1;
        let m = 0.9 * (0.1 * g1) + 0.1 * g2;
        let v = 0.999 * (0.001 * g1 * g1) + 0.001 * g2 * g2;
        let mh = m / (1.0 - 0.81);
        let vh = v / (1.0 - 0.999f64 * 0.999);
        let want = want1[i] - lr2 * mh / (vh.sqrt() + 1e-8);
        assert!(
            (net.w_rec[i] as f64 - want).abs() < 1e-6,
            "[{i}] {} vs {want}",
            net.w_rec[i]
        );
    }
    // Parameters without a gradient did not move; b_rec is frozen when the model has none.
    assert_eq!(adam.t, 2);
}

#[test]
fn clipping_shrinks_the_first_update() {
    let mut c = Config::default();
    c.model.hidden = 8;
    c.train.batch = 2;
    c.train.train_trial_len = 30;
    c.train.clip = 0.0;
    let mut free = Trainer::new(c.clone()).unwrap();
    c.train.clip = 1e-12; // far below eps: Adam's step becomes tiny
    let mut clipped = Trainer::new(c).unwrap();
    let w0 = free.network().w_rec.clone();
    let ev = free.step().unwrap();
    clipped.step().unwrap();
    assert!(ev.grad_norm > 1e-3);
    let moved = |net: &Network| {
        net.w_rec
            .iter()
            .zip(&w0)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f32, f32::max)
    };
    assert!(
        moved(free.iterate()) > 1e-4,
        "unclipped step moves by about lr"
    );
    assert!(
        moved(clipped.iterate()) < 1e-6,
        "clipped step is much smaller: {}",
        moved(clipped.iterate())
    );
}

#[test]
fn same_seed_same_weights_and_reset_replays() {
    let mut c = Config::default();
    c.model.hidden = 12;
    c.train.batch = 4;
    c.train.train_trial_len = 40;
    let mut a = Trainer::new(c.clone()).unwrap();
    let mut b = Trainer::new(c.clone()).unwrap();
    for _ in 0..5 {
        assert_eq!(a.step().unwrap(), b.step().unwrap());
    }
    assert_eq!(a.network(), b.network());
    c.seed = 2;
    let mut d = Trainer::new(c).unwrap();
    assert_ne!(
        d.step().unwrap().loss,
        Trainer::new(a.config().clone())
            .unwrap()
            .step()
            .unwrap()
            .loss
    );
}

#[test]
fn divergence_is_reported_and_weights_kept() {
    let mut c = Config::default();
    c.model.hidden = 8;
    c.train.batch = 2;
    c.train.train_trial_len = 30;
    let mut t = Trainer::new(c).unwrap();
    t.step().unwrap();
    let mut bad = t.network().clone();
    bad.w_rec[3] = f32::NAN;
    let good = t.network().clone();
    let mut t2 = Trainer::with_network(t.config().clone(), bad.clone());
    match t2.step() {
        Err(TrainError::Diverged { step, .. }) => assert_eq!(step, 1),
        other => panic!("expected divergence, got {other:?}"),
    }
    assert!(
        t2.network().w_rec[3].is_nan(),
        "weights are left as they were, not changed"
    );
    assert_eq!(t2.steps_done(), 0);
    // The good trainer is unaffected.
    assert_eq!(t.network(), &good);
    let msg = TrainError::Diverged {
        step: 7,
        loss: f32::NAN,
    }
    .to_string();
    assert!(msg.contains("step 7") && msg.contains("last good weights"));
}

#[test]
fn config_errors_name_the_field() {
    let mut c = Config::default();
    c.model.hidden = 0;
    let e = Trainer::new(c).unwrap_err();
    assert_eq!(e.field, "hidden");
    assert!(e.to_string().contains("2..=1024"), "{e}");
    let mut c = Config::default();
    c.train.lr = f32::NAN;
    assert_eq!(Trainer::new(c).unwrap_err().field, "lr");
    let mut c = Config::default();
    c.model.bits = 2;
    assert_eq!(Trainer::new(c).unwrap_err().field, "model.bits");
}

/// A 1-bit flip-flop with 16 units learns to hold its bit (short trials, small delay).
#[test]
fn small_network_solves_one_bit() {
    let task = TaskConfig {
        bits: 1,
        ..TaskConfig::default()
    };
    let mut c = Config {
        seed: 3,
        task,
        model: ModelConfig {
            hidden: 16,
            bits: 1,
            ..ModelConfig::default()
        },
        train: TrainConfig {
            lr: 3e-3,
            batch: 16,
            clip: 1.0,
            train_trial_len: 200,
            val_trials: 64,
            ..TrainConfig::default()
        },
    };
    c.train.max_steps = 3000;
    let mut t = Trainer::new(c).unwrap();
    let mut solved_at = None;
    for s in 1..=3000u64 {
        t.step().unwrap();
        if s % 100 == 0 && t.evaluate().solved() {
            solved_at = Some(s);
            break;
        }
    }
    let m = t.evaluate();
    assert!(solved_at.is_some(), "not solved: {m:?}");
    eprintln!("1-bit N16 solved at step {solved_at:?}: {m:?}");
}

// The curriculum lever (was tests/recipe.rs: one test binary fewer to compile and link).

/// A small vanilla configuration (cheap: N 16, batch 4).
fn small_for_curriculum(train_trial_len: usize) -> Config {
    let mut c = Config::default();
    c.model.hidden = 16;
    c.train.batch = 4;
    c.train.train_trial_len = train_trial_len;
    c
}

#[test]
fn switching_the_trial_len_equals_starting_with_it() {
    // Switched before the first step, a trainer takes exactly the steps of one configured
    // with that length from the start (same trial stream, same optimiser).
    let mut a = Trainer::new(small_for_curriculum(200)).unwrap();
    a.set_train_trial_len(120).unwrap();
    let mut b = Trainer::new(small_for_curriculum(120)).unwrap();
    for _ in 0..3 {
        assert_eq!(a.step().unwrap(), b.step().unwrap());
    }
    assert_eq!(a.network(), b.network());
    assert_eq!(a.task().trial_len(), 120);
    assert_eq!(a.config().train.train_trial_len, 120);
    // The held-out trials stay full length.
    assert_eq!(a.validation().trial_len, 340);
    // 0 and anything past the task's length mean the whole trial.
    a.set_train_trial_len(0).unwrap();
    assert_eq!(a.task().trial_len(), 340);
    a.set_train_trial_len(1_000).unwrap();
    assert_eq!(a.task().trial_len(), 340);
}

#[test]
fn a_bad_trial_len_is_refused_and_changes_nothing() {
    let mut t = Trainer::new(small_for_curriculum(100)).unwrap();
    let err = t.set_train_trial_len(50_000).unwrap_err();
    assert_eq!(err.field, "train_trial_len");
    assert_eq!(t.task().trial_len(), 100);
    assert_eq!(t.config().train.train_trial_len, 100);
}

// The moving average of the weights (`TrainConfig::ema_momentum`, issue 18).

/// `small_for_curriculum(100)` with the weights averaged at momentum `m`.
fn small_averaged(m: f32) -> Config {
    let mut c = small_for_curriculum(100);
    c.train.ema_momentum = m;
    c
}

#[test]
fn the_average_follows_the_iterate_and_does_not_change_training() {
    // Averaging only reads Adam's weights: the iterate, the losses and the optimiser are
    // those of the same run without it, bit for bit, and the network is the average
    // w̄ ← m w̄ + (1 − m) w computed by hand from the iterates, starting at the initial weights.
    let m = 0.9f32;
    let mut plain = Trainer::new(small_averaged(0.0)).unwrap();
    let mut avg = Trainer::new(small_averaged(m)).unwrap();
    assert_eq!(plain.network(), plain.iterate());
    assert_eq!(avg.network(), avg.iterate());
    let mut want = plain.network().clone();
    for _ in 0..6 {
        assert_eq!(plain.step().unwrap(), avg.step().unwrap());
        assert_eq!(plain.iterate(), avg.iterate());
        for (a, w) in want.params_mut().into_iter().zip(plain.network().params()) {
            for (a, w) in a.iter_mut().zip(w) {
                *a = m * *a + (1.0 - m) * w;
            }
        }
        assert_eq!(avg.network(), &want);
    }
    assert_eq!(plain.optimiser(), avg.optimiser());
    assert_ne!(avg.network(), avg.iterate(), "the average lags the iterate");
    // Checks score the average, not the iterate.
    let mut ws = flipflop_core::Workspace::default();
    let val = avg.validation().clone();
    let of_avg = flipflop_core::train::evaluate(&want, &val, &mut ws);
    assert_eq!(avg.evaluate(), of_avg);
    assert_ne!(avg.evaluate(), plain.evaluate());
}

#[test]
fn the_average_keeps_dales_signs() {
    // A convex combination of weights that obey Dale's law obeys it too.
    let mut c = Config::preset(flipflop_core::Preset::Dale);
    c.model.hidden = 16;
    c.train.batch = 4;
    c.train.train_trial_len = 100;
    c.train.lr = 0.05;
    c.train.ema_momentum = 0.5;
    let mut t = Trainer::new(c.clone()).unwrap();
    for _ in 0..5 {
        t.step().unwrap();
    }
    let mut projected = t.network().clone();
    c.model.constraints.project_network(&mut projected);
    assert_eq!(t.network(), &projected);
    assert_ne!(t.network(), t.iterate());
}

#[test]
fn ema_momentum_is_range_checked_and_omitted_from_json_when_off() {
    for bad in [-0.1f32, 1.0, f32::NAN] {
        let mut c = Config::default();
        c.train.ema_momentum = bad;
        let err = Trainer::new(c).unwrap_err();
        assert_eq!(err.field, "ema_momentum", "{bad}");
    }
    // Off, the field is not written, and a config without it reads as off: older links and
    // files train as they did.
    let mut c = Config::default();
    c.train.ema_momentum = 0.0;
    let text = serde_json::to_string(&c).unwrap();
    assert!(!text.contains("ema_momentum"), "{text}");
    let back: Config = serde_json::from_str(&text).unwrap();
    assert_eq!(back.train.ema_momentum, 0.0);
    // The default preset averages.
    assert_eq!(
        Config::default().train.ema_momentum,
        flipflop_core::train::DEFAULT_EMA_MOMENTUM
    );
}
