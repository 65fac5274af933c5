//! The W_rec constraint hook with its first member, `no_self_connections`, and the
//! configuration fields that select task, cell and constraints.

use flipflop_core::model::{CellKind, Constraints, ModelConfig, Network};
use flipflop_core::rng::{Purpose, SeedRng};
use flipflop_core::task::{Batch, TaskConfig, TaskKind};
use flipflop_core::train::{loss_and_grad, reference, Workspace};
use flipflop_core::{Config, Trainer};

fn small_config(no_self: bool) -> Config {
    let mut cfg = Config::default();
    cfg.model.hidden = 16;
    cfg.model.constraints.no_self_connections = no_self;
    cfg.task.trial_len = 60;
    cfg.train.train_trial_len = 40;
    cfg.train.batch = 4;
    cfg.train.val_trials = 4;
    cfg.train.lr = 1e-2;
    cfg
}

#[test]
fn no_self_connections_keep_a_zero_diagonal_through_training() {
    let mut t = Trainer::new(small_config(true)).unwrap();
    let n = 16;
    let start = t.network().clone();
    assert!((0..n).all(|i| start.w_rec[i * n + i] == 0.0), "init");
    for _ in 0..30 {
        t.step().unwrap();
    }
    let w = &t.network().w_rec;
    assert!(
        (0..n).all(|i| w[i * n + i] == 0.0),
        "diagonal after 30 steps"
    );
    let moved = (0..n * n).filter(|p| w[*p] != start.w_rec[*p]).count();
    assert_eq!(moved, n * n - n, "every off-diagonal weight trains");
    // Without the constraint the same seed trains the diagonal too.
    let mut free = Trainer::new(small_config(false)).unwrap();
    free.step().unwrap();
    assert!((0..n).any(|i| free.network().w_rec[i * n + i] != 0.0));
}

#[test]
fn no_self_connections_gradient_matches_finite_differences() {
    let mut cfg = ModelConfig {
        hidden: 6,
        bits: 2,
        alpha: 0.6,
        rec_bias: true,
        rec_gain: 1.3,
        ..ModelConfig::default()
    };
    cfg.constraints.no_self_connections = true;
    let net = Network::init(&cfg, 4);
    let task = TaskConfig {
        bits: 2,
        trial_len: 20,
        pulse_width: 3,
        delay: 2,
        first_onset_min: 1,
        first_onset_max: 4,
        second_gap: 5,
        third_gap: 6,
        jitter: 3,
        ..TaskConfig::default()
    };
    let batch = Batch::generate(&task, 3, &mut SeedRng::new(4, Purpose::Train));
    let mut g = Network::zeros(&cfg);
    loss_and_grad(&net, &batch, None, &mut Workspace::default(), &mut g);
    // The f64 loss of the constrained network (W_eff = W ⊙ (1 - I)), by central differences.
    let n = 6;
    let eps = 1e-4f32;
    for p in 0..n * n {
        let mut plus = net.clone();
        plus.w_rec[p] += eps;
        let mut minus = net.clone();
        minus.w_rec[p] -= eps;
        let lp = reference::loss_and_grad(&plus, &batch, None).loss;
        let lm = reference::loss_and_grad(&minus, &batch, None).loss;
        let fd = (lp - lm) / (2.0 * eps as f64);
        let got = g.w_rec[p] as f64;
        if p / n == p % n {
            assert_eq!(fd, 0.0, "the loss does not depend on a diagonal weight");
            assert_eq!(got, 0.0, "diagonal gradient");
        } else {
            assert!(
                (fd - got).abs() <= 2e-3 * fd.abs().max(1e-2),
                "W_rec[{p}]: fd {fd} vs {got}"
            );
        }
    }
}

#[test]
fn configurations_without_kind_cell_or_constraints_decode_to_the_defaults() {
    // A configuration as every file and link before these fields spelled it.
    let old =
        r#"{"seed":7,"task":{"bits":2,"steps":120},"model":{"hidden":20,"bits":2},"train":{}}"#;
    let cfg: Config = serde_json::from_str(old).unwrap();
    assert_eq!(cfg.task.kind, TaskKind::FlipFlop);
    assert_eq!(cfg.model.cell, CellKind::Vanilla);
    assert_eq!(cfg.model.constraints, Constraints::default());
    assert_eq!(cfg.task.trial_len, 120);
    // The defaults are left out when encoding, so flip-flop configurations keep their bytes.
    let json = serde_json::to_string(&Config::default()).unwrap();
    for key in ["\"kind\"", "\"cell\"", "\"constraints\""] {
        assert!(!json.contains(key), "{key} in {json}");
    }
    // A constrained configuration round-trips.
    let c = small_config(true);
    let json = serde_json::to_string(&c).unwrap();
    assert!(json.contains("\"no_self_connections\":true"), "{json}");
    assert_eq!(serde_json::from_str::<Config>(&json).unwrap(), c);
}
