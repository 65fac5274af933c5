//! The vector type the packed kernels are written over, the panel layout of a packed
//! matrix (`pack`), and the software prefetch the kernels spread through their loops.

/// One SIMD register of f32 lanes: the few operations the kernels need.
///
/// Every method is `unsafe`: it may only run on a CPU with the type's features (the
/// kernels are called only through a tier token, which proves that), and the pointer
/// methods read or write `LANES` (or `lanes`/the masked) floats at `p`, which the caller
/// guarantees are inside its slices.
pub(super) trait Vector: Copy {
    const LANES: usize;
    /// A lane mask selecting the first `lanes` lanes (`lanes <= LANES`).
    type Mask: Copy;
    unsafe fn mask(lanes: usize) -> Self::Mask;
    unsafe fn zero() -> Self;
    unsafe fn splat(p: *const f32) -> Self;
    unsafe fn load(p: *const f32) -> Self;
    /// Loads the masked lanes, zero elsewhere; reads nothing outside the mask.
    unsafe fn load_masked(p: *const f32, m: Self::Mask) -> Self;
    unsafe fn store(self, p: *mut f32);
    /// Stores the masked lanes only.
    unsafe fn store_masked(self, p: *mut f32, m: Self::Mask);
    /// `self * b + c`, one rounding.
    unsafe fn fma(self, b: Self, c: Self) -> Self;
    /// The sum of the lanes.
    unsafe fn hsum(self) -> f32;
    /// Vector registers of the instruction set.
    const REGS: usize;
    /// Whether [`a_b`] may store a panel's last vector as a thin tail (≤ 4 columns,
    /// 4 rows of B per vector), which needs the two methods below.
    const THIN: bool;
    /// The 4 floats at `p` repeated in every group of 4 lanes (`THIN` only).
    unsafe fn bcast_quad(p: *const f32) -> Self;
    /// The sums of the 4 groups of 4 lanes (`THIN` only).
    unsafe fn quad_sums(self) -> [f32; 4];
}

/// Offset (in floats) of the first 64-byte aligned element of `v` (0 if `v` is empty).
#[inline(always)]
pub(super) fn aligned_start(v: &[f32]) -> usize {
    let off = v.as_ptr().align_offset(64);
    if off < 16 {
        off
    } else {
        0
    }
}

/// Column panels of an `n`-column matrix for `lanes`-wide vectors: the `⌈n / L⌉`
/// vectors split into `⌈vectors / nv⌉` panels as evenly as possible (N 128 with 7-vector
/// panels: 4 + 4, not 7 + 1). Yields each panel's first column and columns; only the
/// last panel can end in a partial vector.
pub(super) fn panels(n: usize, lanes: usize, nv: usize) -> impl Iterator<Item = (usize, usize)> {
    let vectors = n.div_ceil(lanes);
    let count = vectors.div_ceil(nv);
    let (base, extra) = (vectors / count.max(1), vectors % count.max(1));
    (0..count).scan(0usize, move |j0, c| {
        let start = *j0;
        let width = (base + usize::from(c < extra)) * lanes;
        *j0 += width;
        Some((start, width.min(n - start)))
    })
}

/// How a panel of `cols` columns is stored: `nvf` full vectors per row of B, and with
/// `thin` its last `cols - nvf L` (1 to 4) columns as a thin tail, the tail columns of 4
/// consecutive rows of B in one vector (`[c 4 + q] = B[4 g + q][tail + c]`) after those
/// 4 rows' full vectors. A tail of 4 columns then costs 1 FMA per 4 rows instead of 4.
#[inline(always)]
pub(super) fn panel_shape(cols: usize, lanes: usize, thin_ok: bool) -> (usize, bool) {
    let nv = cols.div_ceil(lanes);
    if thin_ok && lanes == 16 && nv >= 2 && cols - (nv - 1) * lanes <= 4 {
        (nv - 1, true)
    } else {
        (nv, false)
    }
}

/// Floats a panel takes for `k` rows of B.
#[inline(always)]
pub(super) fn panel_len(k: usize, lanes: usize, nvf: usize, thin: bool) -> usize {
    if thin {
        k.div_ceil(4) * (4 * nvf * lanes + lanes)
    } else {
        k * nvf * lanes
    }
}

/// Floats of a packed `n × n` B.
pub(super) fn packed_len(n: usize, lanes: usize, nv: usize, thin_ok: bool) -> usize {
    panels(n, lanes, nv)
        .map(|(_, cols)| {
            let (nvf, thin) = panel_shape(cols, lanes, thin_ok);
            panel_len(n, lanes, nvf, thin)
        })
        .sum()
}

/// Packs `B` (`B[p][j] = w[j n + p]` if `transpose`, else `w[p n + j]`, `n × n`) panel
/// after panel (see [`panels`], [`panel_shape`]), zero-padded, starting at the first
/// 64-byte aligned float of `dst`. A normal panel holds, for each `p`, its full
/// vectors of row `p`.
pub(super) fn pack(
    dst: &mut Vec<f32>,
    w: &[f32],
    n: usize,
    transpose: bool,
    lanes: usize,
    nv: usize,
    thin_ok: bool,
) {
    let w = &w[..n * n];
    let len = packed_len(n, lanes, nv, thin_ok) + 16;
    if dst.len() != len {
        dst.clear();
        dst.resize(len, 0.0);
    }
    let start = aligned_start(dst);
    let out = &mut dst[start..start + len - 16];
    let b = |p: usize, j: usize| {
        if p >= n || j >= n {
            0.0
        } else if transpose {
            w[j * n + p]
        } else {
            w[p * n + j]
        }
    };
    let mut off = 0;
    for (j0, cols) in panels(n, lanes, nv) {
        let (nvf, thin) = panel_shape(cols, lanes, thin_ok);
        let plen = panel_len(n, lanes, nvf, thin);
        let panel = &mut out[off..off + plen];
        off += plen;
        let width = nvf * lanes;
        if !thin {
            for (p, row) in panel.chunks_exact_mut(width).enumerate() {
                for (l, o) in row.iter_mut().enumerate() {
                    *o = b(p, j0 + l);
                }
            }
            continue;
        }
        for (g, group) in panel.chunks_exact_mut(4 * width + lanes).enumerate() {
            let (full, tail) = group.split_at_mut(4 * width);
            for (q, row) in full.chunks_exact_mut(width).enumerate() {
                for (l, o) in row.iter_mut().enumerate() {
                    *o = b(4 * g + q, j0 + l);
                }
            }
            for (i, o) in tail.iter_mut().enumerate() {
                *o = b(4 * g + i % 4, j0 + width + i / 4);
            }
        }
    }
}

/// Rows of the next tile: `mr` while at least `mr` remain, except that `mr + 1` rows
/// left become two tiles of about half rather than `mr` and a single row.
#[inline(always)]
pub(super) fn tile_rows(left: usize, mr: usize) -> usize {
    if left == mr + 1 && mr >= 3 {
        left / 2
    } else {
        left.min(mr)
    }
}
/// Up to `count` cache lines of a slice, from its line `first` on, to prefetch one at a
/// time from inside a kernel's loop (spread out, so that the misses overlap the FMAs
/// instead of filling the line-fill buffers all at once).
#[derive(Clone, Copy)]
pub(super) struct Prefetch<'a> {
    data: &'a [f32],
    first: usize,
    count: usize,
}

impl<'a> Prefetch<'a> {
    pub(super) fn new(data: &'a [f32], first: usize, count: usize) -> Self {
        Prefetch { data, first, count }
    }

    pub(super) fn none() -> Self {
        Prefetch {
            data: &[],
            first: 0,
            count: 0,
        }
    }

    /// Fetches line `i` of this share, if it has one.
    #[inline(always)]
    pub(super) fn line(self, i: usize) {
        if i < self.count {
            let idx = ((self.first + i) * 16).min(self.data.len().saturating_sub(1));
            if let Some(x) = self.data.get(idx) {
                // SAFETY: a prefetch never faults and changes nothing the program can
                // observe; the address is that of a valid reference.
                #[cfg(target_arch = "x86_64")]
                unsafe {
                    use core::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
                    _mm_prefetch::<_MM_HINT_T0>((x as *const f32).cast())
                }
                // WebAssembly has no prefetch.
                #[cfg(not(target_arch = "x86_64"))]
                let _ = x;
            }
        }
    }
}
