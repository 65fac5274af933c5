//! `C (+)= Σ_s D[s]ᵀ H[s]`, the weight-gradient sums of BPTT (∂W_rec, ∂W_in, ∂W_out),
//! written once over [`Vector`].

use super::ab::ab_tile;
use super::vector::*;
use super::AT_B_CHUNK;

/// `MR × NV` tile of `C (+)= Σ_s D[s]ᵀ H[s]` over `rows` rows: `D` columns at `d`
/// (stride `ldd`, the tile's `MR` rows of C), `H` columns at `h` (stride `ldh`, `cols`
/// valid columns, `cols > (NV - 1) L`), `C` at `c` (stride `ldc`).
///
/// # Safety
/// The CPU has `V`'s features; the pointers cover the ranges above.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub(super) unsafe fn atb_tile<V: Vector, const MR: usize, const NV: usize>(
    rows: usize,
    d: *const f32,
    ldd: usize,
    h: *const f32,
    ldh: usize,
    c: *mut f32,
    ldc: usize,
    cols: usize,
    accumulate: bool,
) {
    // SAFETY: guaranteed by the caller; the last vector of each H and C row is accessed
    // through a mask of its valid lanes.
    unsafe {
        let last = V::mask(cols - (NV - 1) * V::LANES);
        let mut acc = [[V::zero(); NV]; MR];
        if accumulate {
            for (r, acc_r) in acc.iter_mut().enumerate() {
                for (v, x) in acc_r.iter_mut().enumerate() {
                    let p = c.add(r * ldc + v * V::LANES);
                    *x = if v + 1 < NV {
                        V::load(p)
                    } else {
                        V::load_masked(p, last)
                    };
                }
            }
        }
        let (mut dp, mut hp) = (d, h);
        for _ in 0..rows {
            let hv: [V; NV] = core::array::from_fn(|v| {
                let p = hp.add(v * V::LANES);
                if v + 1 < NV {
                    V::load(p)
                } else {
                    V::load_masked(p, last)
                }
            });
            for (r, acc_r) in acc.iter_mut().enumerate() {
                let x = V::splat(dp.add(r));
                for (y, hv) in acc_r.iter_mut().zip(&hv) {
                    *y = x.fma(*hv, *y);
                }
            }
            dp = dp.add(ldd);
            hp = hp.add(ldh);
        }
        for (r, acc_r) in acc.iter().enumerate() {
            for (v, x) in acc_r.iter().enumerate() {
                let p = c.add(r * ldc + v * V::LANES);
                if v + 1 < NV {
                    x.store(p)
                } else {
                    x.store_masked(p, last)
                }
            }
        }
    }
}
/// `C[i][c] += Σ_s H[s][c] D[s][i]` for the `W` (≤ 4) columns at `h`/`c` and the `mi`
/// rows `i` of C at `c` (`NVI` vectors along `i`, read from D's rows at `d`), over
/// `rows` rows `s`: the thin last columns of [`at_b_with`], transposed so that the vectors
/// run along the long side.
///
/// # Safety
/// The CPU has `V`'s features; the pointers cover the ranges above.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub(super) unsafe fn atb_tail<V: Vector, const W: usize, const NVI: usize>(
    rows: usize,
    d: *const f32,
    ldd: usize,
    h: *const f32,
    ldh: usize,
    c: *mut f32,
    ldc: usize,
    mi: usize,
) {
    // SAFETY: guaranteed by the caller; the last vector along i is masked.
    unsafe {
        let l = V::LANES;
        let last = V::mask(mi - (NVI - 1) * l);
        let mut acc = [[V::zero(); NVI]; W];
        let (mut dp, mut hp) = (d, h);
        for _ in 0..rows {
            let dv: [V; NVI] = core::array::from_fn(|v| {
                if v + 1 < NVI {
                    V::load(dp.add(v * l))
                } else {
                    V::load_masked(dp.add(v * l), last)
                }
            });
            for (cc, acc_c) in acc.iter_mut().enumerate() {
                let x = V::splat(hp.add(cc));
                for (y, dv) in acc_c.iter_mut().zip(&dv) {
                    *y = x.fma(*dv, *y);
                }
            }
            dp = dp.add(ldd);
            hp = hp.add(ldh);
        }
        let mut buf = [0.0f32; 16];
        for (cc, acc_c) in acc.iter().enumerate() {
            for (v, x) in acc_c.iter().enumerate() {
                x.store(buf.as_mut_ptr());
                for (lane, s) in buf.iter().take((mi - v * l).min(l)).enumerate() {
                    *c.add((v * l + lane) * ldc + cc) += s;
                }
            }
        }
    }
}
/// Rows of `C` (columns of `D`) from which [`at_b_with`] takes the packed path: ∂W_rec
/// (N × N), not ∂W_out and ∂W_in (K × N: a handful of rows, not worth packing `H`).
const PACKED_MIN_M: usize = 16;

std::thread_local! {
    /// [`at_b_packed`]'s buffers (`Dᵀ` of a chunk, `H` of a chunk packed), kept per thread
    /// so that a training step does not allocate after its first.
    static PACKED: core::cell::RefCell<(Vec<f32>, Vec<f32>)> =
        const { core::cell::RefCell::new((Vec::new(), Vec::new())) };
}

/// [`at_b_with`] as `a_b`'s product: `C (+)= (Dᵀ) H` with `Dᵀ` of a chunk of rows copied
/// (`m × rows`, row-major) and the chunk of `H` packed into `a_b`'s column panels, then
/// `a_b`'s tiles run over them with `k` = the chunk's rows. Each element of `C` gets the
/// same fused multiply-adds in the same order as [`atb_tile`]'s (bit for bit the same
/// sums), but the tiles read `H` from contiguous panels instead of rows 4N bytes apart:
/// measured on ∂W_rec at N 128 (16-64 rows per call; `kernel_throughput` in the tests),
/// 14-18 GFLOP/s with `atb_tile` against 19-28 with the panels, in V8's simd128 and with
/// AVX2 alike.
/// Panels must all be whole (no thin tail); `c` already holds what is accumulated on.
///
/// # Safety
/// The CPU has `V`'s features; `d` and `h` hold `rows` rows of strides `ldd ≥ m`,
/// `ldh ≥ n`; `c` holds `m × n`.
#[cfg_attr(target_arch = "wasm32", inline(never))]
#[cfg_attr(not(target_arch = "wasm32"), inline(always))]
#[allow(clippy::too_many_arguments)]
unsafe fn at_b_packed<V: Vector, const MR: usize, const NV: usize>(
    rows: usize,
    d: &[f32],
    ldd: usize,
    m: usize,
    h: &[f32],
    ldh: usize,
    n: usize,
    c: &mut [f32],
) {
    let l = V::LANES;
    // Taken out of the thread-local for the product (a closure would not be compiled
    // with the tier's instruction set) and put back after.
    let (mut dt, mut hp) = PACKED.with(|b| core::mem::take(&mut *b.borrow_mut()));
    for s0 in (0..rows).step_by(AT_B_CHUNK) {
        let k = (rows - s0).min(AT_B_CHUNK);
        if dt.len() < m * k {
            dt.resize(m * k, 0.0);
        }
        for s in 0..k {
            let row = &d[(s0 + s) * ldd..][..m];
            for (i, x) in row.iter().enumerate() {
                dt[i * k + s] = *x;
            }
        }
        let plen: usize = panels(n, l, NV)
            .map(|(_, cols)| k * cols.div_ceil(l) * l)
            .sum();
        if hp.len() < plen {
            hp.resize(plen, 0.0);
        }
        let mut off = 0;
        for (j0, cols) in panels(n, l, NV) {
            let width = cols.div_ceil(l) * l;
            for s in 0..k {
                let src = &h[(s0 + s) * ldh + j0..][..cols];
                let dst = &mut hp[off + s * width..][..width];
                dst[..cols].copy_from_slice(src);
                dst[cols..].fill(0.0);
            }
            off += k * width;
        }
        let mut off = 0;
        for (j0, cols) in panels(n, l, NV) {
            let nv = cols.div_ceil(l);
            let panel = &hp[off..off + k * nv * l];
            off += k * nv * l;
            let mut i0 = 0;
            while i0 < m {
                let mr = tile_rows(m - i0, MR);
                // SAFETY: the tile reads rows i0..i0+mr of `dt` (k columns each, inside
                // dt[..m k]), the panel's k rows of nv vectors (inside `panel`), and
                // updates C rows i0..i0+mr < m, columns j0..j0+cols ≤ n (the last
                // vector masked; inside c[..m n], asserted by the caller `at_b_with`).
                unsafe {
                    let ap = dt.as_ptr().add(i0 * k);
                    let cp = c.as_mut_ptr().add(i0 * n + j0);
                    by_tile!(
                        ab_tile,
                        V,
                        mr,
                        nv,
                        (
                            k,
                            ap,
                            k,
                            panel.as_ptr(),
                            cp,
                            n,
                            cols,
                            true,
                            Prefetch::none()
                        )
                    )
                };
                i0 += mr;
            }
        }
    }
    PACKED.with(|b| *b.borrow_mut() = (dt, hp));
}

/// `c (+)= Σ_s d[s]ᵀ h[s]` (see [`super::Tier::at_b`]), with the packed path
/// ([`at_b_packed`]) allowed or not (the tests compare the two bit for bit).
///
/// # Safety
/// The CPU has `V`'s features.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub(super) unsafe fn at_b_with<V: Vector, const MR: usize, const NV: usize>(
    rows: usize,
    d: &[f32],
    ldd: usize,
    m: usize,
    h: &[f32],
    ldh: usize,
    n: usize,
    accumulate: bool,
    c: &mut [f32],
    allow_packed: bool,
) {
    if m == 0 || n == 0 {
        return;
    }
    assert!(c.len() >= m * n, "at_b: output too short");
    if !accumulate {
        c[..m * n].fill(0.0);
    }
    if rows == 0 {
        return;
    }
    assert!(ldd >= m && ldh >= n, "at_b: strides");
    assert!(
        d.len() >= (rows - 1) * ldd + m && h.len() >= (rows - 1) * ldh + n,
        "at_b: slices too short"
    );
    let l = V::LANES;
    if allow_packed
        && m >= PACKED_MIN_M
        && panels(n, l, NV).all(|(_, cols)| !panel_shape(cols, l, V::THIN).1)
    {
        // SAFETY: the slices' extents were checked above; the CPU has V's features.
        unsafe { at_b_packed::<V, MR, NV>(rows, d, ldd, m, h, ldh, n, c) };
        return;
    }
    // Tiles of 4 rows when the accumulators (4 nv), the row of h (nv) and the broadcast
    // fit the registers with one to spare (AVX-512 with 6 vectors: 31 of 32; AVX2 keeps
    // 3 rows, measured 15 vs 17-20 ms per ∂W_rec).
    let mr_for = |nv: usize| if nv * 5 + 1 < V::REGS { 4 } else { MR };
    for s0 in (0..rows).step_by(AT_B_CHUNK) {
        let rs = (rows - s0).min(AT_B_CHUNK);
        for (j0, all_cols) in panels(n, l, NV) {
            // A thin last vector (≤ 4 columns) is done transposed, by `atb_tail`,
            // after the tiles.
            let (nvf, thin) = panel_shape(all_cols, l, V::THIN && m >= 16);
            let cols = if thin { nvf * l } else { all_cols };
            let nv = cols.div_ceil(l);
            let mr_max = mr_for(nv);
            let mut i0 = 0;
            while i0 < m {
                let mr = tile_rows(m - i0, mr_max);
                // SAFETY: the tile reads d[s ldd + i0 .. + mr] and h[s ldh + j0 .. + cols]
                // (the partial last vector masked) for s in s0..s0+rs < rows (inside the
                // slices by the assert above), and C rows i0..i0+mr < m, columns
                // j0..j0+cols ≤ n (inside c[..m n]); the CPU has V's features (caller).
                unsafe {
                    by_tile4!(
                        atb_tile,
                        V,
                        mr,
                        nv,
                        (
                            rs,
                            d.as_ptr().add(s0 * ldd + i0),
                            ldd,
                            h.as_ptr().add(s0 * ldh + j0),
                            ldh,
                            c.as_mut_ptr().add(i0 * n + j0),
                            n,
                            cols,
                            true
                        )
                    )
                };
                i0 += mr;
            }
            // The thin last columns, while the chunk's rows are in cache.
            if thin {
                let (jt, tail) = (j0 + cols, all_cols - cols);
                for i0 in (0..m).step_by(4 * l) {
                    let mi = (m - i0).min(4 * l);
                    // SAFETY: reads d[s ldd + i0 .. + mi] (the partial last vector
                    // masked) and h[s ldh + jt .. + tail] for s in s0..s0+rs < rows, and
                    // updates C rows i0..i0+mi < m, columns jt..jt+tail ≤ n: inside the
                    // slices by the asserts above; the CPU has V's features (caller).
                    unsafe {
                        by_tail!(
                            V,
                            tail,
                            mi.div_ceil(l),
                            (
                                rs,
                                d.as_ptr().add(s0 * ldd + i0),
                                ldd,
                                h.as_ptr().add(s0 * ldh + jt),
                                ldh,
                                c.as_mut_ptr().add(i0 * n + jt),
                                n,
                                mi
                            )
                        )
                    };
                }
            }
        }
    }
}
