//! Low-dimensional pictures of the hidden activity: truncated SVD and PCA through the Gram
//! matrix and a capped symmetric eigensolver.

use super::AnalysisError;
use nalgebra::{DMatrix, SymmetricEigen};
use serde::{Deserialize, Serialize};

/// How the hidden activity is decomposed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decomposition {
    /// Uncentred truncated SVD (the paper's, like sklearn's `TruncatedSVD`): `H = U Σ Vᵀ`,
    /// axes are the top right singular vectors, the centre is 0 and fraction `i` is the share
    /// of energy `σ_i² / Σ_j σ_j² = σ_i² / ‖H‖_F²`. (sklearn's
    /// `TruncatedSVD.explained_variance_ratio_` is a different number: the variance over time
    /// of each coordinate `H v_i` over the total variance of `H`.)
    Svd,
    /// Centred PCA: the same on `H - 1 μᵀ` with `μ` the mean state over time, so fraction `i`
    /// is the explained-variance ratio `λ_i / Σ_j λ_j` of the covariance.
    Pca,
}

/// The top-k principal directions of a data matrix and the data projected onto them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Projection {
    /// Which decomposition produced it.
    pub method: Decomposition,
    /// Rows of the data (time steps).
    pub rows: usize,
    /// Columns of the data (hidden units N).
    pub dim: usize,
    /// Components kept, `min(k, dim)`.
    pub k: usize,
    /// `rows × k` row-major: `coords[t, i] = (h_t - centre) · axis_i`.
    pub coords: Vec<f32>,
    /// `k × dim` row-major orthonormal axes, each signed so that its largest-|loading| entry
    /// (the first such on ties) is positive, so pictures do not flip between recomputations.
    pub axes: Vec<f32>,
    /// `dim`: the mean state for PCA, zeros for SVD.
    pub centre: Vec<f32>,
    /// `k` fractions of the total energy (SVD) or variance (PCA), decreasing; their sum is ≤ 1.
    /// All zero when the (centred) data are all zero.
    pub fractions: Vec<f64>,
}

impl Projection {
    /// Projects one state `h` (length `dim`) onto the axes: `out[i] = (h - centre) · axis_i`.
    /// `out` must have length `k`. Used by live play for a state not in the data.
    pub fn project(&self, h: &[f32], out: &mut [f32]) {
        for (i, o) in out.iter_mut().enumerate().take(self.k) {
            let axis = &self.axes[i * self.dim..(i + 1) * self.dim];
            let mut acc = 0.0f64;
            for ((a, x), c) in axis.iter().zip(h).zip(&self.centre) {
                acc += *a as f64 * (*x as f64 - *c as f64);
            }
            *o = acc as f32;
        }
    }
}

/// Rows converted to f64 per chunk when accumulating the Gram matrix (bounds the scratch memory).
const GRAM_CHUNK: usize = 256;

/// The top `k` components of the row-major `rows × dim` matrix `data`.
///
/// Computed in f64 from the `dim × dim` Gram matrix `C = Xᵀ X` (X = data, centred for PCA),
/// accumulated over chunks of rows: its eigenvalues are `λ_i = σ_i²` and its eigenvectors the
/// right singular vectors `v_i` of X. Then `fraction_i = λ_i / tr(C) = σ_i² / ‖X‖_F²` and
/// `coords = X V_k`. Memory is `O(dim²)` whatever the number of rows; time `O(rows·dim² + dim³)`.
pub fn top_components(
    data: &[f32],
    rows: usize,
    dim: usize,
    k: usize,
    method: Decomposition,
) -> Result<Projection, AnalysisError> {
    if rows == 0 || dim == 0 || data.len() != rows * dim {
        return Err(AnalysisError::Shape {
            len: data.len(),
            rows,
            dim,
        });
    }
    if data.iter().any(|v| !v.is_finite()) {
        return Err(AnalysisError::NonFinite);
    }
    let k = k.min(dim);
    let mut centre = vec![0.0f64; dim];
    if method == Decomposition::Pca {
        for row in data.chunks_exact(dim) {
            for (c, x) in centre.iter_mut().zip(row) {
                *c += *x as f64;
            }
        }
        centre.iter_mut().for_each(|c| *c /= rows as f64);
    }
    // C = Σ_chunks Xcᵀ Xc. A row-major chunk of r rows read column-major is Xcᵀ (dim × r).
    let mut gram = DMatrix::<f64>::zeros(dim, dim);
    let mut buf = Vec::with_capacity(GRAM_CHUNK.min(rows) * dim);
    for chunk in data.chunks(GRAM_CHUNK * dim) {
        buf.clear();
        for row in chunk.chunks_exact(dim) {
            buf.extend(row.iter().zip(&centre).map(|(x, c)| *x as f64 - c));
        }
        let xt = DMatrix::from_column_slice(dim, chunk.len() / dim, &buf);
        gram.gemm(1.0, &xt, &xt.transpose(), 1.0);
    }
    let total = gram.trace();
    let max_iter = 1000 + 100 * dim;
    let eig = SymmetricEigen::try_new(gram, f64::EPSILON, max_iter).ok_or(
        AnalysisError::SymmetricNoConvergence {
            n: dim,
            iterations: max_iter,
        },
    )?;
    let mut order: Vec<usize> = (0..dim).collect();
    order.sort_by(|a, b| {
        eig.eigenvalues[*b]
            .total_cmp(&eig.eigenvalues[*a])
            .then(a.cmp(b))
    });

    let mut axes = vec![0.0f64; k * dim];
    let mut fractions = vec![0.0f64; k];
    for (i, &j) in order.iter().take(k).enumerate() {
        let axis = &mut axes[i * dim..(i + 1) * dim];
        for (a, v) in axis.iter_mut().zip(eig.eigenvectors.column(j).iter()) {
            *a = *v;
        }
        fix_sign(axis);
        // Eigenvalues of a PSD matrix can come out as tiny negatives from rounding.
        fractions[i] = if total > 0.0 {
            eig.eigenvalues[j].max(0.0) / total
        } else {
            0.0
        };
    }
    let mut coords = vec![0.0f32; rows * k];
    for (row, out) in data
        .chunks_exact(dim)
        .zip(coords.chunks_exact_mut(k.max(1)))
    {
        for (i, o) in out.iter_mut().enumerate() {
            let axis = &axes[i * dim..(i + 1) * dim];
            *o = row
                .iter()
                .zip(&centre)
                .zip(axis)
                .map(|((x, c), a)| (*x as f64 - c) * a)
                .sum::<f64>() as f32;
        }
    }
    Ok(Projection {
        method,
        rows,
        dim,
        k,
        coords,
        axes: axes.iter().map(|v| *v as f32).collect(),
        centre: centre.iter().map(|v| *v as f32).collect(),
        fractions,
    })
}

/// Makes the largest-|entry| component of `v` positive. Entries within a relative 1e-6 of the
/// largest count as ties and the first of them decides, so rounding noise cannot flip an axis.
fn fix_sign(v: &mut [f64]) {
    let max = v.iter().fold(0.0f64, |m, x| m.max(x.abs()));
    let lead = v
        .iter()
        .find(|x| x.abs() >= max * (1.0 - 1e-6))
        .copied()
        .unwrap_or(0.0);
    if lead < 0.0 {
        v.iter_mut().for_each(|x| *x = -*x);
    }
}

#[cfg(test)]
#[allow(clippy::needless_range_loop)] // index loops mirror the maths in these checks
mod tests {
    use super::*;

    /// Walsh–Hadamard sign sequence `j` at time `t`: `(-1)^popcount(t & j)`, period 8. For
    /// `j = 1..=7` these have zero mean and are mutually orthogonal over any multiple of 8 rows.
    fn walsh(t: usize, j: usize) -> f64 {
        if (t & j & 7).count_ones().is_multiple_of(2) {
            1.0
        } else {
            -1.0
        }
    }

    /// Known directions (orthonormal, in R^6, first five coordinates) and their scales.
    fn known_directions() -> (Vec<[f64; 6]>, [f64; 4]) {
        let r2 = std::f64::consts::FRAC_1_SQRT_2;
        let dirs = vec![
            [r2, r2, 0.0, 0.0, 0.0, 0.0],
            [-r2, r2, 0.0, 0.0, 0.0, 0.0],
            [0.0, 0.0, 0.6, -0.8, 0.0, 0.0],
            [0.0, 0.0, 0.0, 0.0, 1.0, 0.0],
        ];
        (dirs, [3.0, 2.0, 1.0, 0.5])
    }

    /// `X = offset · e6ᵀ + Σ_i c_i w_i d_iᵀ` with `rows` (a multiple of 8) rows.
    fn known_data(rows: usize, offset: f64) -> Vec<f32> {
        let (dirs, scales) = known_directions();
        let mut x = vec![0.0f32; rows * 6];
        for t in 0..rows {
            for u in 0..6 {
                let mut v = if u == 5 { offset } else { 0.0 };
                for (i, d) in dirs.iter().enumerate() {
                    v += scales[i] * walsh(t, i + 1) * d[u];
                }
                x[t * 6 + u] = v as f32;
            }
        }
        x
    }

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    #[test]
    fn svd_of_known_directions() {
        // 320 rows: more than one Gram chunk. No offset, so centred and uncentred agree.
        let rows = 320;
        let x = known_data(rows, 0.0);
        let (dirs, c) = known_directions();
        let energy: f64 = c.iter().map(|c| c * c).sum();
        // d_2 = (-r, r): a tie, the first entry decides, so it flips; d_3's largest entry is -0.8.
        let flips = [1.0, -1.0, -1.0];
        for method in [Decomposition::Svd, Decomposition::Pca] {
            let p = top_components(&x, rows, 6, 3, method).unwrap();
            assert_eq!((p.rows, p.dim, p.k), (rows, 6, 3));
            for i in 0..3 {
                assert!(
                    close(p.fractions[i], c[i] * c[i] / energy, 1e-6),
                    "{method:?} {:?}",
                    p.fractions
                );
                // Axis i is ±d_i, signed so its largest-|loading| entry (first on ties) is positive.
                let want: Vec<f64> = dirs[i].iter().map(|v| flips[i] * v).collect();
                for u in 0..6 {
                    assert!(
                        close(p.axes[i * 6 + u] as f64, want[u], 1e-6),
                        "{method:?} axis {i}: {:?}",
                        p.axes
                    );
                }
            }
            // Coordinates: c_i w_i(t), times the axis' sign flip.
            for t in 0..rows {
                for i in 0..3 {
                    let want = flips[i] * c[i] * walsh(t, i + 1);
                    assert!(close(p.coords[t * 3 + i] as f64, want, 1e-5));
                }
            }
            assert!(p.fractions.iter().sum::<f64>() <= 1.0 + 1e-12);
            assert!(p.centre.iter().all(|v| v.abs() < 1e-6));
        }
    }

    #[test]
    fn centring_separates_svd_from_pca() {
        // A constant offset 4 along e6 is the top uncentred direction (energy 16 per row) but
        // carries no variance, so PCA ignores it and finds the centre instead.
        let rows = 64;
        let x = known_data(rows, 4.0);
        let (dirs, c) = known_directions();
        let var: f64 = c.iter().map(|c| c * c).sum();
        let svd = top_components(&x, rows, 6, 3, Decomposition::Svd).unwrap();
        let want_svd = [16.0 / (16.0 + var), 9.0 / (16.0 + var), 4.0 / (16.0 + var)];
        for i in 0..3 {
            assert!(
                close(svd.fractions[i], want_svd[i], 1e-6),
                "{:?}",
                svd.fractions
            );
        }
        assert!(
            close(svd.axes[5] as f64, 1.0, 1e-6),
            "first SVD axis is e6: {:?}",
            &svd.axes[..6]
        );
        assert!(svd
            .coords
            .chunks_exact(3)
            .all(|r| close(r[0] as f64, 4.0, 1e-5)));

        let pca = top_components(&x, rows, 6, 3, Decomposition::Pca).unwrap();
        for i in 0..3 {
            assert!(
                close(pca.fractions[i], c[i] * c[i] / var, 1e-6),
                "{:?}",
                pca.fractions
            );
        }
        let want_centre = [0.0, 0.0, 0.0, 0.0, 0.0, 4.0];
        for u in 0..6 {
            assert!(close(pca.centre[u] as f64, want_centre[u], 1e-6));
            assert!(close(pca.axes[u].abs() as f64, dirs[0][u].abs(), 1e-6));
        }
        assert!(pca.fractions.iter().sum::<f64>() <= 1.0 + 1e-12);
        // Projecting a data row reproduces its coordinates.
        let mut out = [0.0f32; 3];
        for (t, row) in x.chunks_exact(6).enumerate().take(9) {
            for p in [&svd, &pca] {
                p.project(row, &mut out);
                for i in 0..3 {
                    assert!(close(out[i] as f64, p.coords[t * 3 + i] as f64, 1e-5));
                }
            }
        }
    }

    #[test]
    fn axes_do_not_depend_on_row_order_or_sign() {
        let rows = 48;
        let x = known_data(rows, 1.5);
        let mut rev: Vec<f32> = x.chunks_exact(6).rev().flatten().copied().collect();
        let a = top_components(&x, rows, 6, 3, Decomposition::Pca).unwrap();
        let b = top_components(&rev, rows, 6, 3, Decomposition::Pca).unwrap();
        rev.iter_mut().for_each(|v| *v = -*v);
        let c = top_components(&rev, rows, 6, 3, Decomposition::Pca).unwrap();
        for ((p, q), r) in a.axes.iter().zip(&b.axes).zip(&c.axes) {
            assert!((p - q).abs() < 1e-6 && (p - r).abs() < 1e-6);
        }
    }

    #[test]
    fn degenerate_inputs() {
        // All-zero data: fractions 0, still orthonormal axes, no panic.
        let p = top_components(&[0.0; 40], 10, 4, 3, Decomposition::Svd).unwrap();
        assert_eq!(p.fractions, vec![0.0; 3]);
        assert!(p.coords.iter().all(|v| *v == 0.0));
        assert_orthonormal(&p.axes, 3, 4);
        // Fewer dimensions than components: k = dim; a single row.
        let p = top_components(&[3.0, 4.0], 1, 2, 3, Decomposition::Svd).unwrap();
        assert_eq!(p.k, 2);
        assert!(close(p.fractions[0], 1.0, 1e-12) && close(p.fractions[1], 0.0, 1e-12));
        assert!(close(p.coords[0] as f64, 5.0, 1e-6));
        // Errors.
        assert_eq!(
            top_components(&[1.0; 5], 2, 3, 3, Decomposition::Pca),
            Err(AnalysisError::Shape {
                len: 5,
                rows: 2,
                dim: 3
            })
        );
        assert_eq!(
            top_components(&[f32::NAN; 6], 2, 3, 3, Decomposition::Pca),
            Err(AnalysisError::NonFinite)
        );
    }

    fn assert_orthonormal(axes: &[f32], k: usize, dim: usize) {
        for i in 0..k {
            for j in 0..k {
                let d: f64 = (0..dim)
                    .map(|u| axes[i * dim + u] as f64 * axes[j * dim + u] as f64)
                    .sum();
                assert!(
                    close(d, if i == j { 1.0 } else { 0.0 }, 1e-5),
                    "({i},{j}) = {d}"
                );
            }
        }
    }

    #[test]
    fn cube_activity_of_a_network() {
        let task = crate::TaskConfig::default();
        let cfg = crate::ModelConfig {
            hidden: 24,
            ..Default::default()
        };
        let net = crate::Network::init(&cfg, 5);
        let a = crate::analysis::cube_activity(&net, &task).unwrap();
        let cube = crate::task::cube_set(&task);
        assert_eq!(a.trial_len, cube.trial.trial_len);
        assert_eq!(a.state, cube.state);
        for p in [&a.svd, &a.pca] {
            assert_eq!((p.rows, p.dim, p.k), (a.trial_len, 24, 3));
            assert_eq!(p.coords.len(), a.trial_len * 3);
            assert_orthonormal(&p.axes, 3, 24);
            assert!(p.fractions.windows(2).all(|w| w[0] >= w[1]));
            let s: f64 = p.fractions.iter().sum();
            assert!(s > 0.0 && s <= 1.0 + 1e-12, "{s}");
        }
        assert_eq!(a.svd.method, Decomposition::Svd);
        assert!(a.svd.centre.iter().all(|c| *c == 0.0));
        assert!(a.pca.centre.iter().any(|c| *c != 0.0));
        // Deterministic: the same network gives bit-identical pictures.
        assert_eq!(crate::analysis::cube_activity(&net, &task).unwrap(), a);
    }
}
