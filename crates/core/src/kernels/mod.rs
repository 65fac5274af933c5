//! Matrix kernels of the training step, one implementation per instruction-set tier.
//!
//! The step needs three kinds of products:
//!
//! - `a_b`: `C (+)= A B` for a block of rows of `A` (`rows × k`) and a fixed `k × n` matrix `B`
//!   (W_recᵀ in the forward pass, W_rec in BPTT). These run once per time step, ~700 times
//!   per training step, always with the same `B`; so `B` is packed once per step (`pack`)
//!   into column panels that the micro-kernel streams with aligned full-width loads.
//! - `at_b`: `C (+)= Dᵀ H` summed over many rows (∂W_rec, ∂W_out, ∂W_in): the rows are
//!   taken in chunks small enough that a chunk of `H` stays close while every tile of `C`
//!   runs over it. For ∂W_rec (16 rows of `C` or more) a chunk's `Dᵀ` is copied and its
//!   `H` packed into `a_b`'s panels, and `a_b`'s tiles make the same sums (bit for bit)
//!   faster than tiles reading `H`'s rows in place.
//! - `readout`: `Z = H W_outᵀ + b_out`, `K ≤ 8` dot products per row.
//!
//! With AVX-512 a last vector holding only 1–4 of a panel's columns (N = 100: 6 full
//! vectors and 4 columns) would waste 12–15 of its 16 lanes in every FMA; `a_b` stores those
//! columns for 4 rows of B in one vector instead, and `at_b` computes them transposed.
//!
//! The same packed kernels are written once over a vector type and instantiated for
//! AVX-512 and AVX2 (x86-64) and for WebAssembly's simd128 (the browser). [`Avx512`] and
//! [`Avx2`] are tokens that exist only once the CPU is known to have the features; their
//! kernels use FMA. The simd128 tier multiplies and adds (two roundings, the same on every
//! host), or, in the worker build with relaxed SIMD, uses `f32x4.relaxed_madd` (fused where
//! the CPU has FMA, which is every x86-64 since 2013 and every 64-bit ARM). [`Portable`]
//! (x86-64 CPUs without AVX2, other targets, and the tests' reference) calls
//! [`crate::math::gemm`]. Sums round differently per tier, never less exactly.
//!
//! Files: `portable.rs` (the portable tier), `vector.rs` (the `Vector` trait, the panel
//! layout, `pack`, prefetch), `ab.rs` (`a_b` and `readout` over `Vector`), `atb.rs`
//! (`at_b`), `macros.rs` (shape dispatch and `tier_kernels!`, which makes a tier from a
//! vector type), one file per instruction set (`avx512.rs`, `avx2.rs`, `simd128.rs`:
//! its vector type and tier token), and `tests.rs` (every tier against naive products).

/// The kernels one tier provides. The element-wise work of the step is the same code for
/// every tier (compiled for the tier's instruction set by `train`'s `dispatch!`).
pub(crate) trait Tier: Copy {
    /// Rows per block of the per-step loops: the product of a block and its element-wise
    /// work run back to back while the block's rows are in L1. The whole batch (one GEMM
    /// call per step) for the portable tier.
    const BLOCK: usize;
    /// Portable: ∂W_out and ∂W_in are summed row by row in the backward pass and ∂W_rec by
    /// one GEMM over all of D afterwards. Otherwise all three are summed by [`Tier::at_b`]
    /// at each time step, while that step's blocks are still in cache, and BPTT keeps only
    /// two time blocks of G/D (a ring) instead of all of them.
    const ROW_GRADS: bool;

    /// `z[r] = b_out + W_out h[r]` for every row `r`: `z` is `rows × K`, `h` is `rows × n`,
    /// `w_out` is `K × n`, all row-major.
    fn readout<const K: usize>(
        self,
        z: &mut [f32],
        h: &[f32],
        n: usize,
        w_out: &[f32],
        b_out: &[f32],
    );

    /// Prepares `B` for [`Tier::a_b`]: `B = wᵀ` if `transpose`, else `w` (`w` is `n × n`
    /// row-major). Resizes `dst` only when its length changes.
    fn pack(self, dst: &mut Vec<f32>, w: &[f32], n: usize, transpose: bool);

    /// `c = (accumulate ? c : 0) + a B` for `rows` rows: `a` is `rows × n`, `c` is `rows × n`,
    /// both row-major with row stride `n`; `B` (`n × n`) was prepared by [`Tier::pack`] into
    /// `packed` from `w` and `transpose` (the portable tier reads `w` itself). The cache
    /// lines of `ahead` are fetched a few at a time during the product (a hint, for data
    /// used soon after: the misses overlap the arithmetic instead of stalling later).
    #[allow(clippy::too_many_arguments)]
    fn a_b(
        self,
        a: &[f32],
        rows: usize,
        n: usize,
        packed: &[f32],
        w: &[f32],
        transpose: bool,
        accumulate: bool,
        c: &mut [f32],
        ahead: &[f32],
    );

    /// `c = (accumulate ? c : 0) + Σ_s d[s]ᵀ h[s]` over `rows` rows `s`: `d` is `rows × m`
    /// with row stride `ldd`, `h` is `rows × n` with row stride `ldh`, `c` is `m × n`
    /// row-major (row stride `n`).
    #[allow(clippy::too_many_arguments)]
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
    );

    /// [`Tier::at_b`] without the packed path of the vector tiers (the same sums, bit
    /// for bit: the tests check it).
    #[cfg(test)]
    #[allow(clippy::too_many_arguments)]
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
        self.at_b(rows, d, ldd, m, h, ldh, n, accumulate, c)
    }
}

/// Rows of `D` and `H` per chunk of the SIMD tiers' `at_b`: a chunk of `H` (≤ 7 vectors
/// per row) stays close (mostly L1) while every tile of `C` runs over it. Measured on the
/// reference workload (128 rows per call): 64 beats 32 and 128 (7.1 vs 7.6 and 10.5 ms
/// per training step's ∂W_rec). BPTT also sums ∂W_rec over windows of time steps of about
/// this many rows (`train::bptt`), so that small batches fill a chunk.
pub(crate) const AT_B_CHUNK: usize = 64;

// The packed kernels are written once over a vector type; these macros instantiate them.
#[cfg(any(
    target_arch = "x86_64",
    all(target_arch = "wasm32", target_feature = "simd128")
))]
#[macro_use]
mod macros;

mod portable;
// The browser build's training uses simd128; there the portable tier serves the tests only.
#[cfg_attr(
    all(target_arch = "wasm32", target_feature = "simd128"),
    allow(unused_imports)
)]
pub(crate) use portable::Portable;

#[cfg(any(
    target_arch = "x86_64",
    all(target_arch = "wasm32", target_feature = "simd128")
))]
mod ab;
#[cfg(any(
    target_arch = "x86_64",
    all(target_arch = "wasm32", target_feature = "simd128")
))]
mod atb;
#[cfg(any(
    target_arch = "x86_64",
    all(target_arch = "wasm32", target_feature = "simd128")
))]
mod vector;

#[cfg(target_arch = "x86_64")]
mod avx2;
#[cfg(target_arch = "x86_64")]
mod avx512;
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod simd128;

#[cfg(target_arch = "x86_64")]
pub(crate) use avx2::Avx2;
#[cfg(target_arch = "x86_64")]
pub(crate) use avx512::Avx512;
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub(crate) use simd128::Simd128;

#[cfg(test)]
mod tests;
