//! The levers of the recipe search (issue 18): changing the training-trial length of a
//! running trainer (a curriculum on the trial length).

use flipflop_core::{Config, Trainer};

/// A small vanilla configuration (cheap: N 16, batch 4).
fn small(train_trial_len: usize) -> Config {
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
    let mut a = Trainer::new(small(200)).unwrap();
    a.set_train_trial_len(120).unwrap();
    let mut b = Trainer::new(small(120)).unwrap();
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
    let mut t = Trainer::new(small(100)).unwrap();
    let err = t.set_train_trial_len(50_000).unwrap_err();
    assert_eq!(err.field, "train_trial_len");
    assert_eq!(t.task().trial_len(), 100);
    assert_eq!(t.config().train.train_trial_len, 100);
}
