//! Orthogonal Procrustes: the rotation that best maps one set of points onto another
//! (Schönemann 1966, "A generalized solution of the orthogonal Procrustes problem"), and the
//! shape distance it leaves (Williams, Kunz, Kornblith & Linderman 2021, "Generalized shape
//! metrics on neural representations", the Procrustes metric with α = 1).
//!
//! For `X` (`m × p`) and `Y` (`m × q`) with corresponding rows:
//!
//! ```text
//! X̃ = (X − 1 μ_Xᵀ) / ‖X − 1 μ_Xᵀ‖_F,   Ỹ likewise                     (centre, unit Frobenius norm)
//! Ỹᵀ X̃ = U Σ Vᵀ  (thin SVD, q × p)
//! R = U Vᵀ  minimises ‖X̃ − Ỹ R‖_F over all R with orthonormal columns  (Schönemann 1966)
//! d(X, Y) = min_R ‖X̃ − Ỹ R‖_F = sqrt(max(0, 2 − 2 Σ_i σ_i))              ∈ [0, √2]
//! ```
//!
//! When `p ≠ q` this is the same as padding the narrower matrix with zero columns to the
//! width of the other and minimising over square orthogonal `R` (Williams et al. 2021, §2):
//! the padded cross-product has the same non-zero singular values. `d` is a metric on shapes;
//! it is 0 exactly when `Y` is `X` up to translation, scale and an orthogonal transform (e.g.
//! permuting hidden units and flipping their signs). We use this chordal form rather than the
//! angular `arccos(Σσ)` of Williams et al.; both are monotone in the nuclear norm `Σσ`.

use super::{centre_columns, matrix, CompareError};
use nalgebra::{DMatrix, SVD};
use serde::{Deserialize, Serialize};

/// Centres the columns and scales to unit Frobenius norm; `None` when nothing varies.
fn normalise(x: &DMatrix<f64>) -> Option<DMatrix<f64>> {
    let mut x = x.clone();
    centre_columns(&mut x);
    let norm = x.norm();
    (norm > 0.0 && norm.is_finite()).then(|| x / norm)
}

fn svd(
    m: DMatrix<f64>,
    vectors: bool,
) -> Result<SVD<f64, nalgebra::Dyn, nalgebra::Dyn>, CompareError> {
    let iterations = 1000 + 100 * m.nrows().max(m.ncols());
    SVD::try_new(m, vectors, vectors, f64::EPSILON, iterations).ok_or(CompareError::NoConvergence {
        what: "the cross-product of the two sets of states (Procrustes)",
        iterations,
    })
}

/// The Procrustes shape distance `d(X, Y) = sqrt(max(0, 2 − 2 ‖Ỹᵀ X̃‖_*))` between `X`
/// (`m × p`) and `Y` (`m × q`), rows corresponding (see the module docs). Symmetric, in
/// `[0, √2]`; `p` and `q` may differ.
///
/// # Errors
/// [`CompareError::RowMismatch`], [`CompareError::Shape`] for an empty matrix,
/// [`CompareError::NonFinite`], [`CompareError::Constant`] when a matrix has the same row
/// everywhere (no shape), or a solver that did not converge.
pub fn procrustes_distance(x: &DMatrix<f64>, y: &DMatrix<f64>) -> Result<f64, CompareError> {
    super::check_pair(x, y)?;
    let (xn, yn) = (
        normalise(x).ok_or(CompareError::Constant)?,
        normalise(y).ok_or(CompareError::Constant)?,
    );
    // The smaller of the two cross-products has the same singular values.
    let m = if xn.ncols() <= yn.ncols() {
        xn.transpose() * &yn
    } else {
        yn.transpose() * &xn
    };
    let nuclear: f64 = svd(m, false)?.singular_values.iter().sum();
    Ok((2.0 - 2.0 * nuclear).max(0.0).sqrt())
}

/// The best rotation of one set of points onto a reference: `aligned = (Y − 1 μ_Yᵀ) R + 1 μ_Xᵀ`
/// (`R` from the module docs, without the scaling, so sizes are kept).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Alignment {
    /// Columns of the moving set `q`.
    pub from_dim: usize,
    /// Columns of the reference `p`.
    pub to_dim: usize,
    /// `q × p` row-major, orthonormal columns when `q ≥ p` (rows when `q < p`).
    pub rotation: Vec<f64>,
    /// `q`: column means of the moving set.
    pub from_mean: Vec<f64>,
    /// `p`: column means of the reference.
    pub to_mean: Vec<f64>,
    /// The Procrustes shape distance of the two sets ([`procrustes_distance`]).
    pub distance: f64,
}

impl Alignment {
    /// Maps points of the moving space (row-major, `q` each) into the reference space
    /// (`p` each): `(y − μ_Y) R + μ_X`. A trailing partial row is ignored.
    pub fn apply(&self, points: &[f32]) -> Vec<f32> {
        let (q, p) = (self.from_dim, self.to_dim);
        let mut out = Vec::with_capacity(points.len() / q.max(1) * p);
        for y in points.chunks_exact(q.max(1)) {
            for c in 0..p {
                let mut acc = self.to_mean[c];
                for (r, (v, m)) in y.iter().zip(&self.from_mean).enumerate() {
                    acc += (*v as f64 - m) * self.rotation[r * p + c];
                }
                out.push(acc as f32);
            }
        }
        out
    }
}

/// Aligns `moving` (`m × q` row-major) to `reference` (`m × p` row-major), rows
/// corresponding (e.g. the memory-state centroids projected on each network's top-3 axes):
/// `R = U Vᵀ` from the thin SVD `Ỹᵀ X̃ = U Σ Vᵀ` (Schönemann 1966). `R` may include a
/// reflection: the orthogonal group, as for the distance.
///
/// # Errors
/// As [`procrustes_distance`]; [`CompareError::Shape`] when a length is not `m × p` / `m × q`.
pub fn align(
    reference: &[f32],
    moving: &[f32],
    rows: usize,
    p: usize,
    q: usize,
) -> Result<Alignment, CompareError> {
    let (x, y) = (matrix(reference, rows, p)?, matrix(moving, rows, q)?);
    super::check_pair(&x, &y)?;
    let mean = |m: &DMatrix<f64>| -> Vec<f64> {
        m.column_iter()
            .map(|c| c.sum() / m.nrows() as f64)
            .collect()
    };
    let (xn, yn) = (
        normalise(&x).ok_or(CompareError::Constant)?,
        normalise(&y).ok_or(CompareError::Constant)?,
    );
    let s = svd(yn.transpose() * &xn, true)?;
    let nuclear: f64 = s.singular_values.iter().sum();
    let (Some(u), Some(v_t)) = (s.u, s.v_t) else {
        return Err(CompareError::NoConvergence {
            what: "the singular vectors (Procrustes)",
            iterations: 0,
        });
    };
    let r = u * v_t; // q × p
    let rotation = (0..q)
        .flat_map(|i| (0..p).map(move |j| (i, j)))
        .map(|(i, j)| r[(i, j)])
        .collect();
    Ok(Alignment {
        from_dim: q,
        to_dim: p,
        rotation,
        from_mean: mean(&y),
        to_mean: mean(&x),
        distance: (2.0 - 2.0 * nuclear).max(0.0).sqrt(),
    })
}
