//! The shipped pre-trained network (`web/assets/pretrained.net`, `make pretrained`) holds
//! three bits: on the cube set its eight memory states form eight separated clusters in
//! the top-3 SVD space, and it solves held-out trials.
//!
//! A step counts as settled when its target state has held for [`SETTLE`] steps and no input
//! pulse has come since the target switched (the network starts moving with the next pulse,
//! before its target switches).

use flipflop_core::analysis::cube_activity;
use flipflop_core::netfile::{self, NetFile};
use flipflop_core::task::cube_set;
use flipflop_core::Trainer;

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

#[test]
fn eight_states_form_eight_separated_clusters_in_the_svd_cube() {
    let file = shipped();
    assert_eq!(file.config.task.bits, 3);
    let act = cube_activity(&file.network, &file.config.task).unwrap();
    let p = &act.svd;
    assert_eq!((p.rows, p.k), (act.steps, 3));
    // Settled steps: labelled, and at least SETTLE steps after the last switch.
    let x = cube_set(&file.config.task).trial.x;
    let bits = file.config.task.bits;
    let mut settled = Vec::new();
    let mut since = 0;
    let mut pulsed = false;
    for t in 0..act.steps {
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
