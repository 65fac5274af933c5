//! Numeric kernels: a portable tanh and a safe GEMM wrapper (`gemm` natively,
//! `matrixmultiply` in WebAssembly).

/// tanh(x) in f32 from basic IEEE operations only, so it gives the same bits natively and in
/// WebAssembly (the platform `tanhf` differs between libms).
///
/// With `y = -2|x|` (clamped to |x| <= 9, where tanh rounds to ±1), `e^y - 1` is computed as
/// `2^k (r p(r)) + (2^k - 1)` with `k = round(y / ln 2)`, `r = y - k ln 2` (Cody–Waite split)
/// and `p(r) = (e^r - 1) / r` as its degree-6 Taylor polynomial (|r| <= ln2/2, relative
/// error < 2e-8). Then `tanh|x| = -(e^y - 1) / (2 + (e^y - 1))`, which has no cancellation
/// near 0. Max error about 2 ulp. NaN stays NaN.
#[inline(always)]
pub fn tanh(x: f32) -> f32 {
    const LOG2E: f32 = core::f32::consts::LOG2_E;
    #[allow(clippy::excessive_precision)] // 355/512, exact in f32: the Cody–Waite high part
    const LN2_HI: f32 = 0.693_359_375;
    const LN2_LO: f32 = -2.121_944_4e-4;
    const ROUND: f32 = 12_582_912.0; // 1.5 * 2^23: adding and subtracting rounds to an integer
    let ax = x.abs();
    let ax = if ax > 9.0 { 9.0 } else { ax };
    let y = -2.0 * ax;
    let kr = y * LOG2E + ROUND;
    let k = kr - ROUND;
    // k is an integer in [-26, 0]; its value sits in the low mantissa bits of kr.
    let ki = kr.to_bits() as i32 - ROUND.to_bits() as i32;
    let r = (y - k * LN2_HI) - k * LN2_LO;
    let p = 1.0
        + r * (0.5
            + r * (1.0 / 6.0
                + r * (1.0 / 24.0 + r * (1.0 / 120.0 + r * (1.0 / 720.0 + r * (1.0 / 5040.0))))));
    let s = f32::from_bits(((ki + 127) as u32) << 23);
    let em1 = s * (r * p) + (s - 1.0);
    let t = -em1 / (2.0 + em1);
    f32::from_bits(t.to_bits() | (x.to_bits() & 0x8000_0000))
}

/// `dst[i] = tanh(src[i])`.
#[inline(always)]
pub fn tanh_slice(dst: &mut [f32], src: &[f32]) {
    for (d, s) in dst.iter_mut().zip(src) {
        *d = tanh(*s);
    }
}

/// `v[i] = tanh(v[i])`.
#[inline(always)]
pub fn tanh_in_place(v: &mut [f32]) {
    for d in v.iter_mut() {
        *d = tanh(*d);
    }
}

/// A strided view of a matrix in a slice: element (i, j) is `data[i * rs + j * cs]`.
#[derive(Clone, Copy)]
pub struct View<'a> {
    /// Backing data.
    pub data: &'a [f32],
    /// Rows.
    pub rows: usize,
    /// Columns.
    pub cols: usize,
    /// Row stride.
    pub rs: usize,
    /// Column stride.
    pub cs: usize,
}

impl<'a> View<'a> {
    /// Row-major `rows × cols`.
    pub fn rm(data: &'a [f32], rows: usize, cols: usize) -> Self {
        Self {
            data,
            rows,
            cols,
            rs: cols,
            cs: 1,
        }
    }
    /// The transpose of a row-major `rows × cols` matrix (so this view is `cols × rows`).
    pub fn rm_t(data: &'a [f32], rows: usize, cols: usize) -> Self {
        Self {
            data,
            rows: cols,
            cols: rows,
            rs: 1,
            cs: cols,
        }
    }
    fn fits(&self) -> bool {
        self.rows == 0
            || self.cols == 0
            || (self.rows - 1) * self.rs + (self.cols - 1) * self.cs < self.data.len()
    }
}

/// True while the GEMM library runs (a relaxed flag; two stores per call). Lets the
/// allocation test tell the library's packing scratch from allocations of our own.
#[doc(hidden)]
pub static IN_GEMM: core::sync::atomic::AtomicBool = core::sync::atomic::AtomicBool::new(false);

/// `C = alpha A B + beta C` with C row-major `A.rows × B.cols` in `c` (row stride = B.cols).
/// Panics (a programming error, never user input) if the shapes do not fit the slices.
pub fn gemm(alpha: f32, a: View<'_>, b: View<'_>, beta: f32, c: &mut [f32]) {
    let (m, k, n) = (a.rows, a.cols, b.cols);
    assert_eq!(b.rows, k, "gemm: inner dimensions differ");
    assert!(a.fits() && b.fits(), "gemm: view exceeds its slice");
    assert!(c.len() >= m * n, "gemm: output too small");
    if m == 0 || n == 0 {
        return;
    }
    IN_GEMM.store(true, core::sync::atomic::Ordering::Relaxed);
    // SAFETY: the asserts above guarantee every index the kernel touches is inside the
    // slices; `c` is borrowed mutably and cannot alias `a` or `b`.
    #[cfg(not(target_arch = "wasm32"))]
    unsafe {
        // gemm computes dst = alpha·dst + beta·lhs·rhs (names swapped relative to BLAS).
        // The f32 kernel the `gemm` crate's generic entry point would pick.
        gemm_f32::gemm::f32::get_gemm_fn()(
            m,
            n,
            k,
            c.as_mut_ptr(),
            1,
            n as isize,
            beta != 0.0,
            a.data.as_ptr(),
            a.cs as isize,
            a.rs as isize,
            b.data.as_ptr(),
            b.cs as isize,
            b.rs as isize,
            beta,
            alpha,
            false,
            false,
            false,
            gemm_common::Parallelism::None,
        );
    }
    #[cfg(target_arch = "wasm32")]
    unsafe {
        matrixmultiply::sgemm(
            m,
            k,
            n,
            alpha,
            a.data.as_ptr(),
            a.rs as isize,
            a.cs as isize,
            b.data.as_ptr(),
            b.rs as isize,
            b.cs as isize,
            beta,
            c.as_mut_ptr(),
            n as isize,
            1,
        );
    }
    IN_GEMM.store(false, core::sync::atomic::Ordering::Relaxed);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tanh_matches_f64_reference() {
        let mut worst = 0.0f64;
        let mut x = -12.0f32;
        while x < 12.0 {
            let got = tanh(x) as f64;
            let want = (x as f64).tanh();
            let ulp = (want.abs() as f32).max(f32::MIN_POSITIVE);
            let ulp = (f32::from_bits(ulp.to_bits() + 1) - ulp) as f64;
            worst = worst.max((got - want).abs() / ulp);
            x += 0.000_37;
        }
        assert!(worst <= 3.0, "worst error {worst} ulp");
        for x in [0.0f32, 1e-30, -1e-30, 1e-6, -0.3, 20.0, -20.0, f32::MAX] {
            let want = (x as f64).tanh();
            assert!(
                (tanh(x) as f64 - want).abs() <= 1e-7 * want.abs().max(1e-30),
                "{x}"
            );
        }
        assert!(tanh(f32::NAN).is_nan());
        assert_eq!(tanh(-0.0).to_bits(), (-0.0f32).to_bits());
    }

    #[test]
    fn gemm_against_naive() {
        let (m, k, n) = (5, 7, 3);
        let a: Vec<f32> = (0..m * k).map(|i| (i as f32 * 0.37).sin()).collect();
        let b: Vec<f32> = (0..k * n).map(|i| (i as f32 * 0.11).cos()).collect();
        let mut c = vec![1.0f32; m * n];
        gemm(2.0, View::rm(&a, m, k), View::rm(&b, k, n), 0.5, &mut c);
        for i in 0..m {
            for j in 0..n {
                let want: f32 =
                    0.5 + 2.0 * (0..k).map(|p| a[i * k + p] * b[p * n + j]).sum::<f32>();
                assert!((c[i * n + j] - want).abs() < 1e-5);
            }
        }
        // transposed view: (B^T) is n x k
        let mut d = vec![0.0f32; m * m];
        gemm(1.0, View::rm(&a, m, k), View::rm_t(&a, m, k), 0.0, &mut d);
        for i in 0..m {
            let want: f32 = (0..k).map(|p| a[i * k + p] * a[i * k + p]).sum();
            assert!((d[i * m + i] - want).abs() < 1e-5);
        }
    }
}
