//! Analyses the lab shows: the spectrum of W_rec and the low-dimensional picture of the
//! hidden activity on the cube set.

use nalgebra::DMatrix;

/// Eigenvalues of a row-major `n × n` matrix as `[re, im]` pairs (computed in f64 by
/// nalgebra's real Schur decomposition), sorted by decreasing modulus.
pub fn eigenvalues(w: &[f32], n: usize) -> Vec<[f64; 2]> {
    assert_eq!(w.len(), n * n, "eigenvalues: expected an n × n matrix");
    let m = DMatrix::from_row_iterator(n, n, w.iter().map(|v| *v as f64));
    let mut ev: Vec<[f64; 2]> = m.complex_eigenvalues().iter().map(|c| [c.re, c.im]).collect();
    ev.sort_by(|a, b| modulus(*b).total_cmp(&modulus(*a)));
    ev
}

fn modulus(z: [f64; 2]) -> f64 {
    z[0].hypot(z[1])
}

/// Spectral radius: the largest eigenvalue modulus (0 for an empty list).
pub fn spectral_radius(eigs: &[[f64; 2]]) -> f64 {
    eigs.iter().map(|z| modulus(*z)).fold(0.0, f64::max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotation_and_diagonal_have_known_spectra() {
        // 2-D rotation by 90° scaled by 1.5: eigenvalues ±1.5i.
        let ev = eigenvalues(&[0.0, -1.5, 1.5, 0.0], 2);
        assert_eq!(ev.len(), 2);
        for z in &ev {
            assert!(z[0].abs() < 1e-12 && (z[1].abs() - 1.5).abs() < 1e-12, "{z:?}");
        }
        assert!((spectral_radius(&ev) - 1.5).abs() < 1e-12);
        // Upper triangular: eigenvalues are the diagonal.
        let ev = eigenvalues(&[2.0, 7.0, 1.0, 0.0, -3.0, 4.0, 0.0, 0.0, 0.5], 3);
        let re: Vec<f64> = ev.iter().map(|z| z[0]).collect();
        assert!((re[0] + 3.0).abs() < 1e-9 && (re[1] - 2.0).abs() < 1e-9 && (re[2] - 0.5).abs() < 1e-9);
    }

    #[test]
    fn orthogonal_init_spectrum_on_unit_circle() {
        let cfg = crate::ModelConfig { hidden: 50, ..Default::default() };
        let net = crate::Network::init(&cfg, 2);
        for z in eigenvalues(&net.w_rec, 50) {
            assert!((modulus(z) - 1.0).abs() < 1e-4);
        }
    }
}
