//! A training step allocates nothing of its own once its buffers have their size: fresh
//! trials, forward, BPTT, clipping, Adam and the divergence guard all run on reused memory.
//! The one exception is the GEMM library's packing scratch (the `gemm` crate allocates it
//! per call); allocations made while `math::IN_GEMM` is set are counted apart. A counting
//! allocator lives in this binary only, which therefore holds a single test.

use flipflop_core::math::IN_GEMM;
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

struct Counting;
static OURS: AtomicUsize = AtomicUsize::new(0);
static LIBRARY: AtomicUsize = AtomicUsize::new(0);

fn count() {
    if IN_GEMM.load(Ordering::Relaxed) {
        LIBRARY.fetch_add(1, Ordering::Relaxed);
    } else {
        OURS.fetch_add(1, Ordering::Relaxed);
    }
}

// SAFETY: forwards to the system allocator; only counts calls.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        count();
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, n: usize) -> *mut u8 {
        count();
        unsafe { System.realloc(p, l, n) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn training_steps_allocate_nothing_of_their_own() {
    // The third case splits each batch into gradient shares (run on this thread).
    for (alpha, rec_bias, bits, shares) in [
        (1.0f32, false, 3usize, 1),
        (0.5, true, 2, 1),
        (1.0, false, 3, 3),
    ] {
        let mut c = flipflop_core::Config::default();
        c.model.hidden = 32;
        c.model.alpha = alpha;
        c.model.rec_bias = rec_bias;
        c.set_bits(bits);
        c.train.batch = 4;
        c.train.train_trial_len = 60;
        c.train.shares = shares;
        let mut t = flipflop_core::Trainer::new(c).expect("valid");
        t.step().expect("finite"); // warm-up: buffers take their size
        t.step().expect("finite");
        let (ours, lib) = (
            OURS.load(Ordering::Relaxed),
            LIBRARY.load(Ordering::Relaxed),
        );
        for _ in 0..5 {
            t.step().expect("finite");
        }
        let ours = OURS.load(Ordering::Relaxed) - ours;
        let lib = LIBRARY.load(Ordering::Relaxed) - lib;
        eprintln!(
            "alpha {alpha}: 5 steps, {ours} allocations of ours, {lib} inside the GEMM library"
        );
        assert_eq!(
            ours, 0,
            "alpha {alpha}, bias {rec_bias}, {shares} shares: {ours} allocations in 5 steps"
        );
    }
}
