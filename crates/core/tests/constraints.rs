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
    let task = short_task(20);
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

// ---- Dale's law, sparse masks, and their combinations ----

use flipflop_core::analysis::eigenvalues;
use flipflop_core::model::{Dale, Sparsity};
use flipflop_core::Preset;

/// Every constraint at once: 75 % excitatory units, excitatory readout, non-negative inputs,
/// a sparse mask and no self-connections.
fn everything(n: usize, density: f32) -> Constraints {
    let c = Constraints {
        no_self_connections: true,
        dale: Some(Dale {
            excitatory: 0.75,
            readout: true,
            positive_inputs: true,
            unbalanced: false,
        }),
        sparsity: Some(Sparsity { density, seed: 5 }),
    };
    c.validate(n).expect("a valid constraint");
    c
}

/// Checks, entry by entry and without the library's own `holds`, that a network satisfies
/// `c`: one sign per column of W_rec (+ for the first `e` units, - for the rest), zeros
/// where the mask says so and on the diagonal, W_in ≥ 0, W_out zero on inhibitory columns.
fn assert_constrained(net: &Network, c: &Constraints, what: &str) {
    let n = net.config.hidden;
    let e = c.excitatory_units(n);
    let mask = c.mask(n);
    for i in 0..n {
        for j in 0..n {
            let w = net.w_rec[i * n + j];
            if mask[i * n + j] == 0.0 || i == j {
                assert_eq!(w, 0.0, "{what}: W_rec[{i},{j}] masked");
            } else if j < e {
                assert!(
                    w >= 0.0,
                    "{what}: W_rec[{i},{j}] = {w} in an excitatory column"
                );
            } else {
                assert!(
                    w <= 0.0,
                    "{what}: W_rec[{i},{j}] = {w} in an inhibitory column"
                );
            }
        }
    }
    assert!(net.w_in.iter().all(|w| *w >= 0.0), "{what}: W_in");
    for row in net.w_out.chunks_exact(n) {
        assert!(row[e..].iter().all(|w| *w == 0.0), "{what}: W_out");
    }
    assert!(c.holds_network(net), "{what}: holds_network");
}

#[test]
fn every_constraint_holds_after_every_step_and_the_free_weights_train() {
    let n = 16;
    let mut cfg = small_config(true);
    cfg.model.constraints = everything(n, 0.5);
    let c = cfg.model.constraints.clone();
    let mut t = Trainer::new(cfg).unwrap();
    let start = t.network().clone();
    assert_constrained(&start, &c, "init");
    let mask = c.mask(n);
    let kept = mask.iter().filter(|m| **m == 1.0).count();
    assert!(
        (n * (n - 1) * 3 / 10..=n * (n - 1) * 7 / 10).contains(&kept),
        "density 0.5 kept {kept} of {}",
        n * (n - 1)
    );
    for s in 1..=40 {
        t.step().unwrap();
        assert_constrained(t.network(), &c, &format!("step {s}"));
    }
    let w = &t.network().w_rec;
    let moved = (0..n * n).filter(|p| w[*p] != start.w_rec[*p]).count();
    assert!(
        moved >= kept * 9 / 10,
        "{moved} of {kept} kept weights trained"
    );
    // Each column keeps one sign, and both kinds of column are present.
    let e = c.excitatory_units(n);
    assert_eq!(e, 12);
    assert!((0..n).any(|i| w[i * n] > 0.0) && (0..n).any(|i| w[i * n + n - 1] < 0.0));
}

#[test]
fn constrained_gradients_match_finite_differences() {
    // Dale (with its options), a sparse mask and no self-connections, through the f64
    // reference: first the reference's own chain rule against central differences of its
    // loss, at weights of every sign (not projected), then the fast gradient at projected
    // weights against the reference.
    let mut cfg = ModelConfig {
        hidden: 7,
        bits: 2,
        alpha: 0.7,
        rec_bias: true,
        rec_gain: 1.2,
        ..ModelConfig::default()
    };
    cfg.constraints = everything(7, 0.6);
    let task = short_task(18);
    let batch = Batch::generate(&task, 3, &mut SeedRng::new(8, Purpose::Train));
    // Free (signed) weights: the constraint map must do all the work.
    let mut free = Network::init(
        &ModelConfig {
            constraints: Constraints::default(),
            ..cfg.clone()
        },
        8,
    );
    free.config = cfg.clone();
    let mut r = SeedRng::new(8, Purpose::Other);
    free.b_rec
        .iter_mut()
        .for_each(|v| *v = r.uniform(-0.3, 0.3) as f32);
    let want = reference::loss_and_grad(&free, &batch, None);
    let eps = 1e-4f32;
    let mut checked = 0;
    for (t, name) in [(0usize, "W_in"), (1, "W_rec"), (3, "W_out")] {
        for p in 0..want.grads[t].len() {
            let at = |d: f32| {
                let mut m = free.clone();
                m.params_mut()[t][p] += d;
                reference::loss_and_grad(&m, &batch, None).loss
            };
            let w0 = free.params()[t][p];
            if w0.abs() < 10.0 * eps {
                continue; // |w| has a kink at 0
            }
            let fd = (at(eps) - at(-eps)) / (2.0 * eps as f64);
            let got = want.grads[t][p];
            assert!(
                (fd - got).abs() <= 2e-3 * fd.abs().max(1e-2),
                "{name}[{p}]: fd {fd} vs reference {got}"
            );
            checked += 1;
        }
    }
    assert!(checked > 50, "{checked} entries checked");
    // Masked, diagonal and inhibitory-readout entries have no gradient at all.
    let n = 7;
    let mask = cfg.constraints.mask(n);
    assert!((0..n * n)
        .filter(|p| mask[*p] == 0.0)
        .all(|p| want.grads[1][p] == 0.0));
    // The fast gradient at projected weights equals the reference's.
    let mut net = free.clone();
    cfg.constraints.project_network(&mut net);
    let want = reference::loss_and_grad(&net, &batch, None);
    let mut g = Network::zeros(&cfg);
    let loss = loss_and_grad(&net, &batch, None, &mut Workspace::default(), &mut g);
    assert!((loss as f64 - want.loss).abs() <= 1e-5 * want.loss);
    for (i, (w, got)) in want.grads.iter().zip(g.params()).enumerate() {
        let scale = w.iter().fold(0.0f64, |m, x| m.max(x.abs()));
        for (a, b) in w.iter().zip(got) {
            assert!(
                (a - *b as f64).abs() <= 2e-4 * scale + 1e-9,
                "tensor {i}: {a} vs {b}"
            );
        }
    }
}

/// Largest and second-largest eigenvalue moduli of W_rec.
fn top_two(net: &Network) -> (f64, f64) {
    let n = net.config.hidden;
    let e = eigenvalues(&net.w_rec, n).unwrap();
    let m = |z: [f64; 2]| z[0].hypot(z[1]);
    (m(e[0]), m(e[1]))
}

#[test]
fn balanced_dale_start_has_no_outlier_eigenvalue_and_an_unbalanced_one_has_one() {
    for seed in [1u64, 2, 3] {
        let mut cfg = ModelConfig {
            hidden: 100,
            ..ModelConfig::default()
        };
        cfg.constraints.dale = Some(Dale::default());
        let net = Network::init(&cfg, seed);
        let n = 100;
        // Every row sums to zero, and the radius is the gain asked for, on W_eff.
        for row in net.w_rec.chunks_exact(n) {
            let s: f64 = row.iter().map(|v| *v as f64).sum();
            let scale: f64 = row.iter().map(|v| v.abs() as f64).sum();
            assert!(s.abs() <= 1e-5 * scale, "row sum {s}");
        }
        // No outlier: the largest eigenvalue is the edge of the bulk, with many others near
        // it (the balanced bulk is not a perfect disc at this size, so no finer test).
        let e = eigenvalues(&net.w_rec, n).unwrap();
        let (l1, l2) = top_two(&net);
        assert!((l1 - 1.0).abs() < 1e-4, "seed {seed}: radius {l1}");
        let near = e.iter().filter(|z| z[0].hypot(z[1]) >= 0.5 * l1).count();
        assert!(
            l2 >= 0.7 * l1 && near >= 10,
            "seed {seed}: balanced start: |λ2| {l2}, {near} within half the radius"
        );
        // Unbalanced: the mean input makes one real eigenvalue stand far out of the bulk.
        cfg.constraints.dale.as_mut().unwrap().unbalanced = true;
        let net = Network::init(&cfg, seed);
        let e = eigenvalues(&net.w_rec, n).unwrap();
        let (l1, l2) = top_two(&net);
        assert!((l1 - 1.0).abs() < 1e-4, "seed {seed}: radius {l1}");
        assert!(
            e[0][1].abs() < 1e-9 && e[0][0] > 0.0,
            "the outlier is real and positive"
        );
        assert!(
            l2 < 0.2 * l1,
            "seed {seed}: unbalanced start: |λ1| {l1}, |λ2| {l2}"
        );
    }
}

#[test]
fn the_mask_comes_from_its_seed() {
    let c = |seed, density| Constraints {
        sparsity: Some(Sparsity { density, seed }),
        ..Constraints::default()
    };
    let n = 50;
    assert_eq!(c(3, 0.2).mask(n), c(3, 0.2).mask(n));
    assert_ne!(c(3, 0.2).mask(n), c(4, 0.2).mask(n));
    let kept = |m: Vec<f32>| m.iter().filter(|v| **v == 1.0).count() as f64 / (n * n) as f64;
    for p in [0.1f32, 0.5, 0.9] {
        assert!(
            (kept(c(3, p).mask(n)) - p as f64).abs() < 0.03,
            "density {p}"
        );
    }
    assert!(c(3, 1.0).mask(n).iter().all(|v| *v == 1.0));
    // The diagonal option does not move the rest of the mask.
    let mut d = c(3, 0.5);
    d.no_self_connections = true;
    let (a, b) = (c(3, 0.5).mask(n), d.mask(n));
    assert!((0..n * n).all(|p| p / n == p % n || a[p] == b[p]));
    assert!((0..n).all(|i| b[i * n + i] == 0.0));
}

#[test]
fn out_of_range_constraints_are_refused_with_the_field_and_the_range() {
    let mut cfg = Config::default();
    for (f, ok) in [
        (0.8f32, true),
        (0.01, true),
        (0.99, true),
        (0.0, false),
        (1.0, false),
        (-0.1, false),
        (1.5, false),
        (f32::NAN, false),
        (0.005, false),
    ] {
        cfg.model.constraints.dale = Some(Dale {
            excitatory: f,
            ..Dale::default()
        });
        let r = cfg.validate();
        assert_eq!(r.is_ok(), ok, "excitatory {f}: {r:?}");
        if let Err(e) = r {
            assert_eq!(e.field, "dale.excitatory");
            assert!(e.allowed.contains("0.01 to 0.99"), "{}", e.allowed);
        }
    }
    cfg.model.constraints.dale = None;
    for (p, ok) in [
        (1.0f32, true),
        (0.01, true),
        (0.005, false),
        (0.0, false),
        (1.01, false),
        (f32::INFINITY, false),
    ] {
        cfg.model.constraints.sparsity = Some(Sparsity {
            density: p,
            seed: 1,
        });
        let r = cfg.validate();
        assert_eq!(r.is_ok(), ok, "density {p}: {r:?}");
        if let Err(e) = r {
            assert_eq!(e.field, "sparsity.density");
        }
    }
    // A fraction in range that leaves no inhibitory unit in a small network.
    cfg.model.constraints.sparsity = None;
    cfg.model.hidden = 10;
    cfg.model.constraints.dale = Some(Dale {
        excitatory: 0.97,
        ..Dale::default()
    });
    let e = cfg.validate().unwrap_err();
    assert!(
        e.allowed.contains("one inhibitory") && e.allowed.contains("10 of 10"),
        "{}",
        e.allowed
    );
    // A refused configuration trains nothing.
    cfg.model.constraints.sparsity = Some(Sparsity {
        density: 0.0,
        seed: 1,
    });
    assert!(Trainer::new(cfg).is_err());
}

#[test]
fn constrained_configurations_round_trip_and_leave_no_trace_when_off() {
    let mut cfg = Config::preset(Preset::Dale);
    cfg.model.constraints.sparsity = Some(Sparsity {
        density: 0.3,
        seed: 9,
    });
    let json = serde_json::to_string(&cfg).unwrap();
    assert!(
        json.contains(
            r#""constraints":{"dale":{"excitatory":0.5},"sparsity":{"density":0.3,"seed":9}}"#
        ),
        "{json}"
    );
    assert_eq!(serde_json::from_str::<Config>(&json).unwrap(), cfg);
    assert_eq!(Preset::parse("dale"), Some(Preset::Dale));
    // The default preset still spells no constraint at all.
    assert!(!serde_json::to_string(&Config::default())
        .unwrap()
        .contains("dale"));
}

/// The Dale preset's recipe (half the units excitatory, balanced start, leak 0.5, lr 1e-3
/// with decay 1e-3) solves the 1-bit task at a small size within seconds.
#[test]
fn the_dale_preset_solves_at_a_small_size() {
    let mut c = Config::preset(Preset::Dale);
    c.set_bits(1);
    c.model.hidden = 32;
    c.seed = 2;
    c.train.val_trials = 64;
    let c0 = c.model.constraints.clone();
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
    assert!(c0.holds_network(t.network()));
    eprintln!("Dale preset, 1 bit, N 32: solved at step {solved_at:?}: {m:?}");
}

/// A short 2-bit flip-flop trial (pulses of 3 steps, onsets early) for gradient checks.
fn short_task(trial_len: usize) -> TaskConfig {
    TaskConfig {
        bits: 2,
        trial_len,
        pulse_width: 3,
        delay: 2,
        first_onset_min: 1,
        first_onset_max: 4,
        second_gap: 5,
        third_gap: 6,
        jitter: 3,
        ..TaskConfig::default()
    }
}
