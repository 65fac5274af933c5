//! Share links carry the biological constraints (issue 15): a network trained under Dale's
//! law with a sparse mask and no self-connections comes back from its exact, compact and
//! recipe links with the same constraints (the mask from its seed), and its weights still
//! satisfy them.

use flipflop_core::model::{Dale, Sparsity};
use flipflop_core::train::{evaluate, validation_set, Workspace};
use flipflop_core::{Config, Network, Preset, Trainer};
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
