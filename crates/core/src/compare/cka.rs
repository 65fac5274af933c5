//! Linear centred kernel alignment (Kornblith, Norouzi, Lee & Hinton 2019, "Similarity of
//! neural network representations revisited", Eq. 5 with linear kernels):
//!
//! ```text
//! Xc = X − 1 μ_Xᵀ,  Yc = Y − 1 μ_Yᵀ            (m × p and m × q, rows corresponding)
//! CKA(X, Y) = ‖Ycᵀ Xc‖_F² / (‖Xcᵀ Xc‖_F · ‖Ycᵀ Yc‖_F)                     ∈ [0, 1]
//! ```
//!
//! This is HSIC of the two linear Gram matrices `Xc Xcᵀ`, `Yc Ycᵀ`, normalised; computed in
//! feature space (the identity `tr(K L) = ‖Yᵀ X‖_F²` for `K = X Xᵀ`, `L = Y Yᵀ`), so the cost is
//! `O(m·p·q)` and `p ≠ q` needs nothing special. It is invariant to orthogonal transforms and
//! isotropic scaling of either set (not to general invertible linear maps). The distance is
//! `1 − CKA`.

use super::{centre_columns, CompareError};
use nalgebra::DMatrix;

/// Linear CKA of `X` (`m × p`) and `Y` (`m × q`) (see the module docs), in `[0, 1]`.
///
/// # Errors
/// [`CompareError::RowMismatch`], [`CompareError::Shape`] for an empty matrix,
/// [`CompareError::NonFinite`], or [`CompareError::Constant`] when a set of states does not
/// vary (its Gram matrix is zero).
pub fn linear_cka(x: &DMatrix<f64>, y: &DMatrix<f64>) -> Result<f64, CompareError> {
    super::check_pair(x, y)?;
    let (mut xc, mut yc) = (x.clone(), y.clone());
    centre_columns(&mut xc);
    centre_columns(&mut yc);
    let xx = xc.transpose() * &xc;
    let yy = yc.transpose() * &yc;
    let (nx, ny) = (xx.norm(), yy.norm());
    if nx == 0.0 || ny == 0.0 {
        return Err(CompareError::Constant);
    }
    let cross = yc.transpose() * &xc;
    let hsic = cross.norm_squared();
    Ok((hsic / (nx * ny)).clamp(0.0, 1.0))
}

/// `1 − CKA(X, Y)` ([`linear_cka`]): 0 for the same representation up to rotation and scale.
///
/// # Errors
/// As [`linear_cka`].
pub fn cka_distance(x: &DMatrix<f64>, y: &DMatrix<f64>) -> Result<f64, CompareError> {
    Ok(1.0 - linear_cka(x, y)?)
}
