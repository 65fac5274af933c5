//! Continuing to train a solved network never damages it: the shipped pre-trained network
//! (`web/assets/pretrained.net`, saved without an optimiser state) resumed with a warm-started
//! Adam keeps its held-out accuracy, where a restarted Adam loses several points in one step;
//! and a network file carries the optimiser state exactly.

use flipflop_core::train::Adam;
use flipflop_core::Trainer;
use flipflop_formats::netfile::{self, NetFile};
use std::path::PathBuf;

fn pretrained() -> NetFile {
    let p: PathBuf = [
        env!("CARGO_MANIFEST_DIR"),
        "..",
        "..",
        "web",
        "assets",
        "pretrained.net",
    ]
    .iter()
    .collect();
    let bytes = std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    netfile::decode(&bytes).unwrap()
}

fn accuracy(t: &mut Trainer) -> f32 {
    t.evaluate().bit_accuracy
}

#[test]
fn warm_started_adam_keeps_a_solved_network_solved() {
    let f = pretrained();
    let mut before = Trainer::resume(f.config.clone(), f.network.clone(), f.steps, None);
    let acc0 = accuracy(&mut before);
    assert!(acc0 >= 0.99, "the shipped network is solved: {acc0}");

    // What the page did before: a fresh Adam (t = 0, zero moments) takes a sign-like step.
    let mut fresh = Trainer::with_network(f.config.clone(), f.network.clone());
    fresh.step().unwrap();
    let acc_fresh = accuracy(&mut fresh);
    eprintln!("held-out accuracy: shipped {acc0}, one step of a fresh Adam {acc_fresh}");
    assert!(
        acc_fresh < 0.99,
        "a restarted Adam damages the network (this test must be able to fail): {acc_fresh}"
    );

    // Resumed without a state: warm start. One step, then 20.
    let mut warm = Trainer::resume(f.config.clone(), f.network.clone(), f.steps, None);
    assert!(
        warm.optimiser().is_none(),
        "the warm start waits for the first step"
    );
    let ev = warm.step().unwrap();
    assert_eq!(ev.step, 1, "steps are counted from the resume");
    let lr_fresh = f.config.train.lr;
    assert!(
        ev.lr < lr_fresh || f.config.train.decay == 0.0,
        "the lr decay continues from step {} ({} vs {lr_fresh})",
        f.steps,
        ev.lr
    );
    let acc1 = accuracy(&mut warm);
    let adam = warm.optimiser().unwrap();
    assert_eq!(
        adam.t,
        f.steps.max(Adam::warm_start_min_t(&f.config.train)) + 1
    );
    for _ in 1..20 {
        warm.step().unwrap();
    }
    let acc20 = accuracy(&mut warm);
    eprintln!("warm start: after 1 step {acc1}, after 20 steps {acc20}");
    assert!(acc1 >= 0.99, "one step keeps it solved: {acc1}");
    assert!(acc20 >= 0.99, "twenty steps keep it solved: {acc20}");
    assert_eq!(warm.steps_done(), 20);
}

#[test]
fn the_optimiser_state_travels_in_the_network_file() {
    let f = pretrained();
    let mut t = Trainer::resume(f.config.clone(), f.network.clone(), f.steps, None);
    for _ in 0..3 {
        t.step().unwrap();
    }
    let adam = t.optimiser().unwrap().clone();
    let steps = f.steps + t.steps_done();
    let bytes = netfile::encode_with_optimiser(t.config(), t.network(), steps, Some(&adam));
    assert_eq!(bytes[8..12], netfile::VERSION.to_le_bytes());
    let (back, state) = netfile::decode_with_optimiser(&bytes).unwrap();
    assert_eq!(back.network, *t.network());
    assert_eq!(back.steps, steps);
    assert_eq!(
        state.as_ref(),
        Some(&adam),
        "moments and counter bit for bit"
    );
    // Readers that want only the network open it too.
    assert_eq!(netfile::decode(&bytes).unwrap(), back);

    // Resumed from the state, Adam carries on exactly: the same state is in use.
    let resumed = Trainer::resume(back.config.clone(), back.network.clone(), steps, state);
    assert_eq!(resumed.optimiser(), Some(&adam));

    // Without a state the file is version 1, byte for byte what `encode` writes.
    let plain = netfile::encode_with_optimiser(t.config(), t.network(), steps, None);
    assert_eq!(plain, netfile::encode(t.config(), t.network(), steps));
    assert_eq!(plain[8..12], netfile::VERSION_PLAIN.to_le_bytes());
    assert_eq!(netfile::decode_with_optimiser(&plain).unwrap().1, None);

    // A damaged section is refused with a reason, never half-used.
    let reseal = |b: &mut Vec<u8>| {
        let body = b.len() - 4;
        let crc = crc32fast::hash(&b[..body]);
        b[body..].copy_from_slice(&crc.to_le_bytes());
    };
    let v_last = bytes.len() - 8; // the last second moment
    let mut negative = bytes.clone();
    negative[v_last..v_last + 4].copy_from_slice(&(-1.0f32).to_le_bytes());
    reseal(&mut negative);
    let e = netfile::decode(&negative).unwrap_err();
    assert!(matches!(e, netfile::FormatError::Optimiser(_)), "{e:?}");
    assert!(e.to_string().contains("optimiser"), "{e}");
    let mut truncated = bytes.clone();
    truncated.truncate(bytes.len() - 12);
    reseal(&mut truncated);
    assert!(matches!(
        netfile::decode(&truncated).unwrap_err(),
        netfile::FormatError::Truncated { .. }
    ));
}
