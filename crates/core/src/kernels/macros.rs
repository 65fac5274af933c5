//! Macros that instantiate the packed kernels for run-time shapes (`by_tile!`, `by_tile4!`,
//! `by_tail!`) and that generate one tier's entry points and `Tier` impl (`tier_kernels!`).

/// Calls `$f::<$v, MR, NV>($args)` for runtime `$mr` in 1..=3 and `$nv` in 1..=7.
macro_rules! by_tile {
    ($f:ident, $v:ty, $mr:expr, $nv:expr, ($($arg:expr),*)) => {
        match ($mr, $nv) {
            (3, 7) => $f::<$v, 3, 7>($($arg),*),
            (3, 6) => $f::<$v, 3, 6>($($arg),*),
            (3, 5) => $f::<$v, 3, 5>($($arg),*),
            (3, 4) => $f::<$v, 3, 4>($($arg),*),
            (3, 3) => $f::<$v, 3, 3>($($arg),*),
            (3, 2) => $f::<$v, 3, 2>($($arg),*),
            (3, 1) => $f::<$v, 3, 1>($($arg),*),
            (2, 7) => $f::<$v, 2, 7>($($arg),*),
            (2, 6) => $f::<$v, 2, 6>($($arg),*),
            (2, 5) => $f::<$v, 2, 5>($($arg),*),
            (2, 4) => $f::<$v, 2, 4>($($arg),*),
            (2, 3) => $f::<$v, 2, 3>($($arg),*),
            (2, 2) => $f::<$v, 2, 2>($($arg),*),
            (2, 1) => $f::<$v, 2, 1>($($arg),*),
            (1, 7) => $f::<$v, 1, 7>($($arg),*),
            (1, 6) => $f::<$v, 1, 6>($($arg),*),
            (1, 5) => $f::<$v, 1, 5>($($arg),*),
            (1, 4) => $f::<$v, 1, 4>($($arg),*),
            (1, 3) => $f::<$v, 1, 3>($($arg),*),
            (1, 2) => $f::<$v, 1, 2>($($arg),*),
            (1, 1) => $f::<$v, 1, 1>($($arg),*),
            _ => unreachable!("tile shape"),
        }
    };
}

/// As `by_tile!`, and also `$mr` = 4 with `$nv` in 1..=6.
macro_rules! by_tile4 {
    ($f:ident, $v:ty, $mr:expr, $nv:expr, ($($arg:expr),*)) => {
        match ($mr, $nv) {
            (4, 6) => $f::<$v, 4, 6>($($arg),*),
            (4, 5) => $f::<$v, 4, 5>($($arg),*),
            (4, 4) => $f::<$v, 4, 4>($($arg),*),
            (4, 3) => $f::<$v, 4, 3>($($arg),*),
            (4, 2) => $f::<$v, 4, 2>($($arg),*),
            (4, 1) => $f::<$v, 4, 1>($($arg),*),
            (mr, nv) => by_tile!($f, $v, mr, nv, ($($arg),*)),
        }
    };
}

/// Calls `atb_tail::<$v, W, NVI>($args)` for runtime `$w` and `$nvi` in 1..=4.
macro_rules! by_tail {
    ($v:ty, $w:expr, $nvi:expr, ($($arg:expr),*)) => {
        match ($w, $nvi) {
            (4, 4) => atb_tail::<$v, 4, 4>($($arg),*),
            (4, 3) => atb_tail::<$v, 4, 3>($($arg),*),
            (4, 2) => atb_tail::<$v, 4, 2>($($arg),*),
            (4, 1) => atb_tail::<$v, 4, 1>($($arg),*),
            (3, 4) => atb_tail::<$v, 3, 4>($($arg),*),
            (3, 3) => atb_tail::<$v, 3, 3>($($arg),*),
            (3, 2) => atb_tail::<$v, 3, 2>($($arg),*),
            (3, 1) => atb_tail::<$v, 3, 1>($($arg),*),
            (2, 4) => atb_tail::<$v, 2, 4>($($arg),*),
            (2, 3) => atb_tail::<$v, 2, 3>($($arg),*),
            (2, 2) => atb_tail::<$v, 2, 2>($($arg),*),
            (2, 1) => atb_tail::<$v, 2, 1>($($arg),*),
            (1, 4) => atb_tail::<$v, 1, 4>($($arg),*),
            (1, 3) => atb_tail::<$v, 1, 3>($($arg),*),
            (1, 2) => atb_tail::<$v, 1, 2>($($arg),*),
            (1, 1) => atb_tail::<$v, 1, 1>($($arg),*),
            _ => unreachable!("tail shape"),
        }
    };
}

/// The entry points of one tier's kernels and its [`Tier`] impl: vector type `$v`,
/// tiles of `$mr` rows and panels of `$nv` vectors, each kernel compiled as its own
/// function with `$attr` (x86-64: the tier's `target_feature`; wasm: out of line).
///
/// Sound because a value of the tier type exists only where its instruction set runs:
/// x86-64 tokens come from run-time detection, and a wasm build with simd128 does not
/// load in a browser without it.
macro_rules! tier_kernels {
    ($tier:ident, $v:ty, $mr:literal, $nv:literal, #[$attr:meta]) => {
        impl Tier for $tier {
            const BLOCK: usize = 24;
            const ROW_GRADS: bool = false;

            #[inline(always)]
            #[allow(unused_unsafe)]
            fn readout<const K: usize>(
                self,
                z: &mut [f32],
                h: &[f32],
                n: usize,
                w_out: &[f32],
                b_out: &[f32],
            ) {
                #[$attr]
                fn kernel<const K: usize>(
                    z: &mut [f32],
                    h: &[f32],
                    n: usize,
                    w: &[f32],
                    b: &[f32],
                ) {
                    // SAFETY: see the macro (the tier's instruction set runs here).
                    unsafe { readout::<$v, K>(z, h, n, w, b) }
                }
                // SAFETY: as above (`self` is the token).
                unsafe { kernel::<K>(z, h, n, w_out, b_out) }
            }

            fn pack(self, dst: &mut Vec<f32>, w: &[f32], n: usize, transpose: bool) {
                pack(dst, w, n, transpose, <$v>::LANES, $nv, <$v>::THIN);
            }

            #[inline(always)]
            #[allow(unused_unsafe)]
            fn a_b(
                self,
                a: &[f32],
                rows: usize,
                n: usize,
                packed: &[f32],
                _w: &[f32],
                _transpose: bool,
                accumulate: bool,
                c: &mut [f32],
                ahead: &[f32],
            ) {
                #[$attr]
                fn kernel(
                    a: &[f32],
                    rows: usize,
                    n: usize,
                    packed: &[f32],
                    acc: bool,
                    c: &mut [f32],
                    ahead: &[f32],
                ) {
                    // SAFETY: see the macro.
                    unsafe { a_b::<$v, $mr, $nv>(a, rows, n, packed, acc, c, ahead) }
                }
                // SAFETY: as above.
                unsafe { kernel(a, rows, n, packed, accumulate, c, ahead) }
            }

            #[inline(always)]
            #[allow(unused_unsafe)]
            fn at_b(
                self,
                rows: usize,
                d: &[f32],
                ldd: usize,
                m: usize,
                h: &[f32],
                ldh: usize,
                n: usize,
                accumulate: bool,
                c: &mut [f32],
            ) {
                // SAFETY: as above (`self` is the token).
                unsafe { at_b_kernel(rows, d, ldd, m, h, ldh, n, accumulate, c, true) }
            }

            #[cfg(test)]
            #[allow(unused_unsafe)]
            fn at_b_unpacked(
                self,
                rows: usize,
                d: &[f32],
                ldd: usize,
                m: usize,
                h: &[f32],
                ldh: usize,
                n: usize,
                accumulate: bool,
                c: &mut [f32],
            ) {
                // SAFETY: as above (`self` is the token).
                unsafe { at_b_kernel(rows, d, ldd, m, h, ldh, n, accumulate, c, false) }
            }
        }

        /// The tier's `at_b` (`allow_packed`: see `at_b_with`), compiled for its
        /// instruction set.
        #[$attr]
        #[allow(clippy::too_many_arguments)]
        fn at_b_kernel(
            rows: usize,
            d: &[f32],
            ldd: usize,
            m: usize,
            h: &[f32],
            ldh: usize,
            n: usize,
            acc: bool,
            c: &mut [f32],
            allow_packed: bool,
        ) {
            // SAFETY: see the macro (a value of the tier exists only where its instruction
            // set runs, and this function is called only through one).
            unsafe { at_b_with::<$v, $mr, $nv>(rows, d, ldd, m, h, ldh, n, acc, c, allow_packed) }
        }
    };
}
