//! Classical multidimensional scaling (Torgerson 1952, "Multidimensional scaling: I. Theory
//! and method"; Gower 1966): points in the plane whose distances approximate a `K × K`
//! distance matrix `D`.
//!
//! ```text
//! B = −½ J D⁽²⁾ J,   J = I − 1 1ᵀ / K,   D⁽²⁾ = (d_ij²)       (double centring)
//! B = Σ_i λ_i v_i v_iᵀ,  λ_1 ≥ λ_2 ≥ …                        (symmetric eigendecomposition)
//! x_k = ( √max(λ_1, 0) v_1k,  √max(λ_2, 0) v_2k )
//! ```
//!
//! When `D` is Euclidean in two dimensions the map reproduces it exactly; otherwise it is the
//! best rank-2 fit of `B`. The map is centred at the origin; each axis is signed so that its
//! largest-|coordinate| (the first on ties) is positive, so it does not flip between runs.

use super::CompareError;
use nalgebra::{DMatrix, SymmetricEigen};

/// The 2-D classical MDS map of the `K × K` distance matrix `d` (rows of a square, symmetric
/// matrix with a zero diagonal and finite non-negative entries): `K` points `[x, y]`.
/// `K = 1` gives the origin; `K = 0` nothing.
///
/// # Errors
/// [`CompareError::NotADistanceMatrix`] naming what is wrong, or
/// [`CompareError::NoConvergence`].
pub fn classical_mds(d: &[Vec<f64>]) -> Result<Vec<[f64; 2]>, CompareError> {
    let k = d.len();
    let bad = |why: String| -> Result<Vec<[f64; 2]>, CompareError> {
        Err(CompareError::NotADistanceMatrix(why))
    };
    if let Some((i, row)) = d.iter().enumerate().find(|(_, r)| r.len() != k) {
        return bad(format!("row {} has {} entries, not {k}", i + 1, row.len()));
    }
    for (i, row) in d.iter().enumerate() {
        for (j, v) in row.iter().enumerate() {
            if !v.is_finite() || *v < 0.0 {
                return bad(format!("entry ({}, {}) is {v}", i + 1, j + 1));
            }
            if i == j && *v != 0.0 {
                return bad(format!("diagonal entry {} is {v}, not 0", i + 1));
            }
            let t = d[j][i];
            if (v - t).abs() > 1e-9 * (1.0 + v.abs()) {
                return bad(format!(
                    "entries ({}, {}) = {v} and ({}, {}) = {t} differ",
                    i + 1,
                    j + 1,
                    j + 1,
                    i + 1
                ));
            }
        }
    }
    if k == 0 {
        return Ok(Vec::new());
    }
    let sq = DMatrix::from_fn(k, k, |i, j| d[i][j] * d[i][j]);
    let row_mean: Vec<f64> = (0..k).map(|i| sq.row(i).sum() / k as f64).collect();
    let all_mean = row_mean.iter().sum::<f64>() / k as f64;
    // B_ij = −½ (d²_ij − r_i − r_j + r̄): the double centring written out.
    let b = DMatrix::from_fn(k, k, |i, j| {
        -0.5 * (sq[(i, j)] - row_mean[i] - row_mean[j] + all_mean)
    });
    let iterations = 1000 + 100 * k;
    let eig = SymmetricEigen::try_new(b, f64::EPSILON, iterations).ok_or(
        CompareError::NoConvergence {
            what: "the centred distance matrix (MDS)",
            iterations,
        },
    )?;
    let mut order: Vec<usize> = (0..k).collect();
    order.sort_by(|a, b| {
        eig.eigenvalues[*b]
            .total_cmp(&eig.eigenvalues[*a])
            .then(a.cmp(b))
    });
    let mut out = vec![[0.0f64; 2]; k];
    for (axis, &e) in order.iter().take(2).enumerate() {
        let scale = eig.eigenvalues[e].max(0.0).sqrt();
        let mut col: Vec<f64> = eig
            .eigenvectors
            .column(e)
            .iter()
            .map(|v| v * scale)
            .collect();
        let max = col.iter().fold(0.0f64, |m, x| m.max(x.abs()));
        let lead = col
            .iter()
            .find(|x| x.abs() >= max * (1.0 - 1e-6))
            .copied()
            .unwrap_or(0.0);
        if lead < 0.0 {
            col.iter_mut().for_each(|x| *x = -*x);
        }
        for (p, v) in out.iter_mut().zip(col) {
            p[axis] = v;
        }
    }
    Ok(out)
}
