//! The shipped pre-trained network (`web/assets/pretrained.net`, `make pretrained`) holds
//! three bits: on the cube set its eight memory states form eight separated clusters in
//! the top-3 SVD space, it solves held-out trials, and (Sussillo & Barak's picture) each
//! cluster holds a stable fixed point, with saddles between them.
//!
//! A step counts as settled when its target state has held for [`SETTLE`] steps and no input
//! pulse has come since the target switched (the network starts moving with the next pulse,
//! before its target switches).

use flipflop_core::analysis::{cube_activity, CubeActivity};
use flipflop_core::fixedpoints::{search_from_cube_set, FixedPointOptions};
use flipflop_core::task::cube_set;
use flipflop_core::Trainer;
use flipflop_formats::netfile::{self, NetFile};

/// Steps after a state switch that are transients and do not count.
const SETTLE: usize = 15;

fn shipped() -> NetFile {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../web/assets/pretrained.net");
    let bytes = std::fs::read(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (run `make pretrained`)", path.display()));
    netfile::decode(&bytes).unwrap()
}

fn dist2(a: &[f32], b: &[f64; 3]) -> f64 {
    a.iter().zip(b).map(|(x, c)| (*x as f64 - c).powi(2)).sum()
}

/// `(step, state)` of the cube set's settled steps: labelled, at least [`SETTLE`] steps after
/// the last switch and before the next pulse.
fn settled_steps(act: &CubeActivity, task: &flipflop_core::TaskConfig) -> Vec<(usize, usize)> {
    let x = cube_set(task).trial.x;
    let bits = task.bits;
    let mut settled = Vec::new();
    let mut since = 0;
    let mut pulsed = false;
    for t in 0..act.trial_len {
        since = if t > 0 && act.state[t] == act.state[t - 1] {
            since + 1
        } else {
            0
        };
        if since == 0 {
            pulsed = false;
        }
        pulsed |= x[t * bits..(t + 1) * bits].iter().any(|v| *v != 0.0);
        if let Some(s) = act.state[t] {
            if since >= SETTLE && !pulsed {
                settled.push((t, s as usize));
            }
        }
    }
    settled
}

#[test]
fn eight_states_form_eight_separated_clusters_in_the_svd_cube() {
    let file = shipped();
    assert_eq!(file.config.task.bits, 3);
    let act = cube_activity(&file.network, &file.config.task).unwrap();
    let p = &act.svd;
    assert_eq!((p.rows, p.k), (act.trial_len, 3));
    let settled = settled_steps(&act, &file.config.task);
    let mut sum = [[0.0f64; 3]; 8];
    let mut count = [0usize; 8];
    for &(t, s) in &settled {
        for (acc, c) in sum[s].iter_mut().zip(&p.coords[t * 3..t * 3 + 3]) {
            *acc += *c as f64;
        }
        count[s] += 1;
    }
    assert!(
        count.iter().all(|&c| c > 0),
        "every state reached: {count:?}"
    );
    let centroids: Vec<[f64; 3]> = sum
        .iter()
        .zip(&count)
        .map(|(s, &c)| s.map(|v| v / c as f64))
        .collect();
    let mut worst = f64::INFINITY;
    for &(t, s) in &settled {
        let row = &p.coords[t * 3..t * 3 + 3];
        let own = dist2(row, &centroids[s]);
        for (o, c) in centroids.iter().enumerate() {
            if o != s {
                let other = dist2(row, c);
                assert!(
                    own < other,
                    "step {t} (state {s}) is nearer state {o}'s centroid"
                );
                worst = worst.min(other.sqrt() - own.sqrt());
            }
        }
    }
    assert!(worst > 0.0, "margin {worst}");
    // The top three axes carry most of the activity.
    assert!(p.fractions.iter().sum::<f64>() > 0.5, "{:?}", p.fractions);
}

#[test]
fn shipped_network_solves_held_out_trials() {
    let file = shipped();
    let mut trainer = Trainer::with_network(file.config, file.network);
    let m = trainer.evaluate();
    assert!(
        m.bit_accuracy >= 0.99,
        "held-out bit accuracy {}",
        m.bit_accuracy
    );
    assert!(m.solved(), "{m:?}");
    assert!(file.steps > 0);
}

#[test]
fn every_memory_cluster_holds_a_stable_fixed_point_with_saddles_between() {
    let file = shipped();
    let (net, task) = (&file.network, &file.config.task);
    let n = net.config.hidden;
    let opts = FixedPointOptions::default();
    let points = search_from_cube_set(net, task, opts.clone(), 1).run();
    // Cluster centroids in the full N-dimensional state space.
    let act = cube_activity(net, task).unwrap();
    let (h, _) = net.run(&cube_set(task).trial.x, act.trial_len);
    let mut centroid = vec![vec![0.0f64; n]; 8];
    let mut count = [0usize; 8];
    for (t, s) in settled_steps(&act, task) {
        for (c, v) in centroid[s].iter_mut().zip(&h[t * n..(t + 1) * n]) {
            *c += *v as f64;
        }
        count[s] += 1;
    }
    for (c, k) in centroid.iter_mut().zip(count) {
        c.iter_mut().for_each(|v| *v /= k as f64);
    }
    let nearest_cluster = |p: &[f32]| {
        (0..8)
            .min_by(|&a, &b| {
                let d = |s: usize| -> f64 {
                    centroid[s]
                        .iter()
                        .zip(p)
                        .map(|(c, v)| (c - *v as f64).powi(2))
                        .sum()
                };
                d(a).total_cmp(&d(b))
            })
            .unwrap()
    };
    let signs = |s: usize| -> Vec<i8> {
        (0..3)
            .map(|j| if s >> j & 1 == 1 { 1 } else { -1 })
            .collect()
    };
    for s in 0..8 {
        assert!(
            points.iter().any(|p| p.fixed
                && p.stable
                && p.nearest_memory == signs(s)
                && nearest_cluster(&p.state) == s),
            "no stable fixed point in state {s}'s cluster; found {:?}",
            points
                .iter()
                .map(|p| (p.stable, p.unstable_dims, &p.nearest_memory))
                .collect::<Vec<_>>()
        );
    }
    // Saddles between memories: unstable points whose readout leaves at least one bit
    // undecided (|z| < 0.5) while the others are held.
    let saddles = points
        .iter()
        .filter(|p| p.fixed && !p.stable && p.readout.iter().filter(|z| z.abs() < 0.5).count() == 1)
        .count();
    assert!(saddles >= 4, "{saddles} saddles between memories");
    // Every reported fixed point really is one.
    for p in points.iter().filter(|p| p.fixed) {
        assert!(p.q < opts.tol_q, "q {}", p.q);
        let h64: Vec<f64> = p.state.iter().map(|v| *v as f64).collect();
        assert!(flipflop_core::fixedpoints::q_f64(net, &h64) < 1e-10);
    }
    let stable = points.iter().filter(|p| p.stable).count();
    eprintln!(
        "shipped network: {} points, {stable} stable, {} unstable, {saddles} saddles between memories",
        points.len(),
        points.len() - stable
    );
}
