use flipflop_core::{Config, Trainer};
use std::time::Instant;
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let seed: u64 = args.get(1).map_or(1, |s| s.parse().unwrap());
    let mut c = Config::default();
    c.seed = seed;
    if let Some(h) = args.get(2) {
        c.model.hidden = h.parse().unwrap();
    }
    if let Some(b) = args.get(3) {
        c.train.batch = b.parse().unwrap();
    }
    if let Some(l) = args.get(4) {
        c.train.lr = l.parse().unwrap();
    }
    if let Some(l) = args.get(5) {
        c.train.train_steps = l.parse().unwrap();
    }
    if let Some(v) = args.get(6) {
        c.train.val_trials = v.parse().unwrap();
    }
    let mut t = Trainer::new(c).unwrap();
    let t0 = Instant::now();
    for s in 1..=6000u64 {
        let ev = t.step().unwrap();
        if s % 100 == 0 {
            let m = t.evaluate();
            eprintln!(
                "{s} loss {:.4} val mse {:.4} acc {:.4} {:.1}s",
                ev.loss,
                m.mse,
                m.bit_accuracy,
                t0.elapsed().as_secs_f64()
            );
            if m.solved() {
                println!(
                    "seed {seed} solved at {s} in {:.1}s",
                    t0.elapsed().as_secs_f64()
                );
                return;
            }
        }
    }
    println!("seed {seed} not solved");
}
