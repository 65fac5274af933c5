//! Gradient shares against the whole-batch gradient, and training on threads.

use super::*;
use crate::config::{Config, Preset};
use crate::model::{CellKind, Dale};
use crate::rng::{Purpose, SeedRng};
use crate::task::{self, TaskKind};
use crate::train::Trainer;

#[test]
fn share_ranges_tile_the_batch_evenly() {
    for (batch, shares) in [(16, 1), (16, 3), (5, 5), (7, 2), (64, 64), (9, 4)] {
        let ranges: Vec<_> = (0..shares).map(|s| share_range(batch, shares, s)).collect();
        assert_eq!(ranges[0].start, 0, "{batch}/{shares}");
        assert_eq!(ranges[shares - 1].end, batch, "{batch}/{shares}");
        for w in ranges.windows(2) {
            assert_eq!(w[0].end, w[1].start, "{batch}/{shares}: {ranges:?}");
        }
        let lens: Vec<usize> = ranges.iter().map(|r| r.len()).collect();
        let (lo, hi) = (lens.iter().min().unwrap(), lens.iter().max().unwrap());
        assert!(hi - lo <= 1 && *lo >= 1, "{batch}/{shares}: {lens:?}");
    }
}

/// A small config of `kind` and `cell` (N 12, 6 trials of 40 steps).
fn small(kind: TaskKind, cell: CellKind) -> Config {
    let mut c = Config::for_task(kind);
    c.model.cell = cell;
    c.model.hidden = 12;
    c.task.trial_len = 40;
    c.train.batch = 6;
    c.train.train_trial_len = 0;
    c
}

fn whole_and_shared(c: &Config, batch: &Batch, shares: usize) -> ((f32, Network), (f32, Network)) {
    let net = Network::init(&c.model, c.seed);
    let mut g1 = Network::zeros(&net.config);
    let l1 = loss_and_grad(
        &net,
        batch,
        batch.mask(),
        &mut Workspace::default(),
        &mut g1,
    );
    let mut jobs = vec![ShareJob::new(&net.config); shares];
    let mut g2 = Network::zeros(&net.config);
    let l2 = loss_and_grad_shared(&net, batch, &mut jobs, &mut Threads(2), &mut g2);
    ((l1, g1), (l2, g2))
}

fn assert_close(what: &str, (l1, g1): &(f32, Network), (l2, g2): &(f32, Network)) {
    assert!(
        (l1 - l2).abs() <= 1e-5 * l1.abs(),
        "{what}: loss {l1} vs {l2}"
    );
    for (i, (a, b)) in g1.params().iter().zip(g2.params()).enumerate() {
        let scale = a.iter().fold(0.0f32, |m, x| m.max(x.abs()));
        // (b_rec's is zero for a network without the recurrent bias: the flip-flop's.)
        assert!(i == 2 || scale > 0.0, "{what}: tensor {i} has no gradient");
        for (x, y) in a.iter().zip(b.iter()) {
            assert!(
                (x - y).abs() <= 1e-4 * scale,
                "{what}: tensor {i}: {x} vs {y}"
            );
        }
    }
}

#[test]
fn shared_gradient_is_the_whole_batch_gradient() {
    let mut dale = small(TaskKind::FlipFlop, CellKind::Vanilla);
    dale.model.constraints.dale = Some(Dale::default());
    let cases = [
        ("flip-flop", small(TaskKind::FlipFlop, CellKind::Vanilla), 3),
        ("flip-flop, Dale", dale, 4),
        ("flip-flop GRU", small(TaskKind::FlipFlop, CellKind::Gru), 2),
        (
            "flip-flop LSTM",
            small(TaskKind::FlipFlop, CellKind::Lstm),
            6,
        ),
        (
            "perceptual-dm (mask)",
            small(TaskKind::PerceptualDm, CellKind::Vanilla),
            4,
        ),
        // More shares than trials: one trial each.
        (
            "flip-flop, 9 shares",
            small(TaskKind::FlipFlop, CellKind::Vanilla),
            9,
        ),
    ];
    for (what, c, shares) in cases {
        c.validate().unwrap();
        let mut batch = Batch::default();
        task::build(&c.task).fill(
            &mut batch,
            c.train.batch,
            &mut SeedRng::new(3, Purpose::Train),
        );
        let (whole, shared) = whole_and_shared(&c, &batch, shares);
        assert_close(what, &whole, &shared);
    }
}

#[test]
fn shares_are_weighted_by_their_mask_sums() {
    // Trial 0 scored at a fifth of its steps: its share weighs less than its trial count says.
    // Weighing shares by trials instead gives a different loss and gradient.
    let c = small(TaskKind::FlipFlop, CellKind::Vanilla);
    let mut batch = Batch::default();
    task::build(&c.task).fill(
        &mut batch,
        c.train.batch,
        &mut SeedRng::new(4, Purpose::Train),
    );
    let (b, ko) = (batch.batch, batch.outputs);
    batch.mask = vec![1.0; batch.y.len()];
    for t in 0..batch.trial_len {
        if t % 5 != 0 {
            batch.mask[t * b * ko..t * b * ko + ko].fill(0.0);
        }
    }
    let (whole, shared) = whole_and_shared(&c, &batch, 2);
    assert_close("uneven mask", &whole, &shared);
    let mut jobs = vec![ShareJob::new(&c.model); 2];
    split(&batch, &mut jobs);
    let (m0, m1) = ((40 * 2 + 8) * ko, 40 * 3 * ko);
    let want = m0 as f32 / (m0 + m1) as f32;
    assert!(
        (jobs[0].weight - want).abs() < 1e-6,
        "{} vs {want}",
        jobs[0].weight
    );
    assert!((jobs[0].weight + jobs[1].weight - 1.0).abs() < 1e-6);
}

#[test]
fn one_share_is_the_whole_batch_bit_for_bit() {
    let c = small(TaskKind::PerceptualDm, CellKind::Vanilla);
    let mut batch = Batch::default();
    task::build(&c.task).fill(
        &mut batch,
        c.train.batch,
        &mut SeedRng::new(5, Purpose::Train),
    );
    let (whole, shared) = whole_and_shared(&c, &batch, 1);
    assert_eq!(whole.0.to_bits(), shared.0.to_bits());
    assert_eq!(whole.1, shared.1);
}

/// Weights after `steps` steps of `c` with shares run on `threads` threads.
fn trained(c: &Config, threads: usize, steps: usize) -> Network {
    let mut t = Trainer::new(c.clone()).unwrap();
    t.set_threads(threads);
    for _ in 0..steps {
        t.step().unwrap();
    }
    t.network().clone()
}

#[test]
fn shares_train_bit_identically_on_any_number_of_threads() {
    let mut c = small(TaskKind::FlipFlop, CellKind::Vanilla);
    c.train.shares = 4;
    c.train.lr = 1e-2;
    let one = trained(&c, 1, 4);
    assert_eq!(one, trained(&c, 3, 4), "1 vs 3 threads");
    assert_eq!(one, trained(&c, 4, 4), "1 vs 4 threads");
    // ... and the same training as without shares, up to rounding.
    c.train.shares = 1;
    let whole = trained(&c, 1, 4);
    assert_ne!(one, whole, "the sum is in another order: not bit-identical");
    for (a, b) in one.params().iter().zip(whole.params()) {
        for (x, y) in a.iter().zip(b.iter()) {
            assert!((x - y).abs() < 1e-4, "{x} vs {y}");
        }
    }
}

#[test]
fn shares_are_range_checked_and_omitted_from_json_at_one() {
    // The default preset has two shares; a config with one (the cells' presets, older
    // files) writes no field, and a missing field reads as one.
    let mut c = Config::preset(Preset::Default);
    assert_eq!(c.train.shares, crate::train::DEFAULT_SHARES);
    let gru = Config::cell_preset(crate::model::CellKind::Gru);
    assert_eq!(gru.train.shares, 1);
    c.train.shares = 1;
    let json = serde_json::to_string(&c).unwrap();
    assert!(!json.contains("shares"), "{json}");
    let mut train = serde_json::to_value(&c.train).unwrap();
    train.as_object_mut().unwrap().remove("shares");
    let read: crate::train::TrainConfig = serde_json::from_value(train).unwrap();
    assert_eq!(read.shares, 1);
    for bad in [0, MAX_SHARES + 1] {
        c.train.shares = bad;
        let err = c.validate().unwrap_err();
        assert_eq!(err.field, "shares", "{err}");
    }
    c.train.shares = 4;
    c.validate().unwrap();
    let json = serde_json::to_string(&c).unwrap();
    assert!(json.contains("\"shares\":4"), "{json}");
    let back: Config = serde_json::from_str(&json).unwrap();
    assert_eq!(back, c);
}
