//! Share links carry the biological constraints (issue 15): a network trained under Dale's
//! law with a sparse mask and no self-connections comes back from its exact, compact and
//! recipe links with the same constraints (the mask from its seed), and its weights still
//! satisfy them.

use flipflop_core::model::{Dale, Sparsity};
use flipflop_core::train::{evaluate, validation_set, Workspace};
use flipflop_core::{Config, Network, Preset, TrainConfig, Trainer};
use flipflop_formats::link::{decode_link, encode_link, LinkKind};

/// Dale's law (75 % excitatory, excitatory readout, non-negative inputs), density 0.5 from
/// seed 11, no self-connections; N 24, trained 300 steps on short trials.
fn constrained() -> (Config, Network) {
    let mut cfg = Config::preset(Preset::Dale);
    cfg.seed = 4;
    cfg.model.hidden = 24;
    cfg.train.train_trial_len = 60;
    cfg.train.val_trials = 32;
    let c = &mut cfg.model.constraints;
    c.dale = Some(Dale {
        excitatory: 0.75,
        readout: true,
        positive_inputs: true,
        unbalanced: false,
    });
    c.sparsity = Some(Sparsity {
        density: 0.5,
        seed: 11,
    });
    c.no_self_connections = true;
    let mut t = Trainer::new(cfg.clone()).unwrap();
    for _ in 0..300 {
        t.step().unwrap();
    }
    (cfg, t.network().clone())
}

#[test]
fn links_carry_dale_density_and_no_self_connections() {
    let (cfg, net) = constrained();
    let c = &cfg.model.constraints;
    let n = cfg.model.hidden;
    assert!(c.holds_network(&net));
    // The trained weights are not the seeded start (the link has something to carry).
    assert_ne!(net.w_rec, Network::init(&cfg.model, cfg.seed).w_rec);
    let mask = c.mask(n);
    for kind in [LinkKind::Exact, LinkKind::Compact] {
        let link = encode_link(kind, &cfg, &net, 300);
        let d = decode_link(&link).unwrap();
        assert_eq!(d.kind, kind);
        assert_eq!(
            d.config, cfg,
            "{kind:?}: the configuration with its constraints"
        );
        let back = d.network.unwrap();
        assert!(
            c.holds_network(&back),
            "{kind:?}: constraints hold after decoding"
        );
        // Zeros exactly where the mask (regenerated from its seed) and the diagonal say.
        for (p, m) in mask.iter().enumerate() {
            if *m == 0.0 {
                assert_eq!(back.w_rec[p], 0.0, "{kind:?}: W_rec[{p}] is masked");
            }
        }
        if kind == LinkKind::Exact {
            assert_eq!(back, net, "exact link: bit-identical weights");
        } else {
            let max = back
                .w_rec
                .iter()
                .zip(&net.w_rec)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0, f32::max);
            assert!(max < 2.5e-3, "compact link: max W_rec change {max}");
            let val = validation_set(&cfg.task, cfg.seed, 64);
            let mut ws = Workspace::default();
            let a = evaluate(&net, &val, &mut ws).mse;
            let b = evaluate(&back, &val, &mut ws).mse;
            assert!((a - b).abs() < 1e-3, "compact link: MSE {a} -> {b}");
        }
    }
    // A recipe link carries the configuration alone: training again from it starts from the
    // same constrained weights.
    let d = decode_link(&encode_link(LinkKind::Recipe, &cfg, &net, 300)).unwrap();
    assert_eq!(d.config, cfg);
    assert_eq!(
        Network::init(&d.config.model, d.config.seed),
        Network::init(&cfg.model, cfg.seed)
    );
}

/// A recipe link made from the Dale preset as it was before its retuning (80 % excitatory,
/// leak 0.5, lr 6e-4, decay 1e-4; N 16, seed 3, 1 step; made with `flipflop train --preset
/// dale --hidden 16 --seed 3 --steps 1` and `flipflop link NET --kind recipe` at 1f0c2f4)
/// still means that configuration: links carry the whole configuration, never a preset's
/// name, so retuning a preset cannot change what an existing link trains.
#[test]
fn a_recipe_of_the_earlier_dale_preset_still_means_its_settings() {
    const OLD: &str = "http://127.0.0.1:8080/#net=RkZMAVL3AQAAXVHRTsMwDIRf8XNAbcfG1p-JvCZbDVlSJQY2Vf137GYSaHlp7hyfz9fnp3pmKN476DcGGMsn9DMciUslMmGwwUdBb42B6SsUb3_I8Qh9J4TzAW_1GhNJrYhS89oaOFEubFMsnu2FRKBtHki8Qn84GBk_pOjsGSfo3-URj5TvsG0EfxCzz9Bv1YCNya4qOmbzcBYDlySWdIeRnFPf7c787YNhGlE7twayH-yRUAonlK0qQZFEGVLmMZ1TxACVP-O6wqtYELOFs2DVnMFh8Pr114EYOeWb6u-XZdH41rYZQlayaZqdRjbg7Q4lp6NnbBUe6r1b75qLn2RA61_2UkAexrrLEGi6O1nl7b9_1GlckqstXJsNfEttfaGwE1u_iYCO8A";
    let d = decode_link(OLD).unwrap();
    assert_eq!(d.kind, LinkKind::Recipe);
    assert_eq!(d.steps, 1);
    let c = &d.config;
    assert_eq!((c.seed, c.model.hidden, c.model.bits), (3, 16, 3));
    assert_eq!(c.model.alpha, 0.5);
    assert_eq!(
        c.model.constraints.dale,
        Some(Dale {
            excitatory: 0.8,
            ..Dale::default()
        })
    );
    assert_eq!((c.train.lr, c.train.decay), (6e-4, 1e-4));
    assert_eq!(
        c.train,
        TrainConfig {
            lr: 6e-4,
            max_steps: 1, // `--steps 1`
            ..TrainConfig::default()
        }
    );
    // The preset of today differs, and a link made from it carries today's values.
    let mut now = Config::preset(Preset::Dale);
    now.seed = 3;
    now.model.hidden = 16;
    assert_ne!(&now, c);
    let net = Network::init(&now.model, now.seed);
    let back = decode_link(&encode_link(LinkKind::Recipe, &now, &net, 1)).unwrap();
    assert_eq!(back.config, now);
}
