//! Eigenvalues of a real square matrix (W_rec, or the Jacobian at a fixed point), with a
//! bounded amount of work.
//!
//! The solver is nalgebra's real Schur decomposition (Hessenberg reduction, then Francis
//! double-shift QR) through `Schur::try_new`, which stops after a given number of QR
//! iterations. Its shifts are the eigenvalues of the trailing 2 × 2 block, and it has no
//! exceptional shifts: on a cyclic permutation (a "ring", every eigenvalue of modulus 1) that
//! block is `[[0, 0], [1, 0]]`, the shifts are 0, a QR step maps the permutation to itself and
//! the iteration never deflates. (nalgebra's `complex_eigenvalues` runs it without a cap, which
//! is why `analyze` hung on such networks.) So each attempt is capped at
//! [`QR_ITERS_PER_EIGENVALUE`] `· max(n, 10)` iterations (LAPACK's `dlahqr` budget), and when
//! the cap is hit the next attempt works on an orthogonally similar matrix, which has the same
//! eigenvalues but generic shifts:
//!
//! 1. `M` itself;
//! 2. `P M P` with `P = I - 2 v vᵀ / vᵀv` a Householder reflection along a fixed dense `v`;
//! 3. `P M P + σ I` (then `σ` is subtracted from every eigenvalue) with `σ = ‖M‖_F / (2√n)`
//!    (half the RMS row norm), which also splits eigenvalues of equal modulus.
//!
//! An attempt's answer is accepted only if its eigenvalues are finite and reproduce the two
//! invariants `Σ λ = tr M` and `Σ λ² = tr M²` to `1e-7 n` relative to `‖M‖_F` and `‖M‖_F²`
//! (a backward-stable answer meets them to about `n ε`). If no attempt passes, the answer is
//! [`AnalysisError::EigenNoConvergence`]. Total work is at most three Schur decompositions,
//! `O(n³)` each.

use super::AnalysisError;
use nalgebra::{DMatrix, DVector, Schur};

/// QR iterations allowed per attempt, per eigenvalue (with at least 10 eigenvalues' worth).
pub const QR_ITERS_PER_EIGENVALUE: usize = 30;

/// Attempts before giving up (see the module doc).
const ATTEMPTS: usize = 3;

/// Eigenvalues of a row-major `n × n` matrix as `[re, im]` pairs (computed in f64), sorted by
/// decreasing modulus (ties: larger real part, then larger imaginary part, first).
///
/// Errors: [`AnalysisError::Shape`] if `w.len() != n²`; [`AnalysisError::NonFiniteEntry`]
/// naming the first NaN or infinite entry; [`AnalysisError::EigenNoConvergence`] if no attempt
/// converged (see the module doc). An empty matrix (`n = 0`) has no eigenvalues.
pub fn eigenvalues(w: &[f32], n: usize) -> Result<Vec<[f64; 2]>, AnalysisError> {
    if w.len() != n * n {
        return Err(AnalysisError::Shape {
            len: w.len(),
            rows: n,
            dim: n,
        });
    }
    eigenvalues_of(DMatrix::from_row_iterator(
        n,
        n,
        w.iter().map(|v| *v as f64),
    ))
}

/// Eigenvalues of a square f64 matrix, as [`eigenvalues`] (same order and errors; a
/// non-square matrix is a [`AnalysisError::Shape`] error).
pub fn eigenvalues_of(m: DMatrix<f64>) -> Result<Vec<[f64; 2]>, AnalysisError> {
    let n = m.nrows();
    if m.ncols() != n {
        return Err(AnalysisError::Shape {
            len: m.len(),
            rows: n,
            dim: n,
        });
    }
    // Column-major storage: index k is (k % n, k / n).
    if let Some(k) = m.iter().position(|v| !v.is_finite()) {
        return Err(AnalysisError::NonFiniteEntry {
            row: k % n,
            col: k / n,
            value: m[k],
        });
    }
    let amax = m.amax();
    if n == 0 {
        return Ok(Vec::new());
    }
    if amax == 0.0 {
        return Ok(vec![[0.0, 0.0]; n]);
    }
    // Work on M / amax (entries in [-1, 1]): the invariants below cannot overflow, and the
    // eigenvalues scale back exactly (amax is applied to each one at the end).
    let m = m / amax;
    let cap = QR_ITERS_PER_EIGENVALUE * n.max(10);
    let invariants = Invariants::of(&m);
    for attempt in 0..ATTEMPTS {
        let (a, shift) = similar(&m, attempt);
        let Some(schur) = Schur::try_new(a, f64::EPSILON, cap) else {
            continue;
        };
        let ev: Vec<[f64; 2]> = schur
            .complex_eigenvalues()
            .iter()
            .map(|z| [z.re - shift, z.im])
            .collect();
        if invariants.hold(&ev) {
            let mut ev: Vec<[f64; 2]> = ev.iter().map(|z| [z[0] * amax, z[1] * amax]).collect();
            ev.sort_by(|a, b| {
                modulus(*b)
                    .total_cmp(&modulus(*a))
                    .then(b[0].total_cmp(&a[0]))
                    .then(b[1].total_cmp(&a[1]))
            });
            return Ok(ev);
        }
    }
    Err(AnalysisError::EigenNoConvergence {
        n,
        iterations: cap,
        attempts: ATTEMPTS,
    })
}

/// Attempt `k`'s matrix (orthogonally similar to `m`, plus a multiple of I) and its shift.
fn similar(m: &DMatrix<f64>, k: usize) -> (DMatrix<f64>, f64) {
    if k == 0 {
        return (m.clone(), 0.0);
    }
    let n = m.nrows();
    // A fixed dense direction with distinct entries (fractional parts of multiples of the
    // golden ratio, in [1, 2)): no random draw, so the answer is reproducible.
    let v = DVector::from_iterator(
        n,
        (0..n).map(|i| 1.0 + ((i + 1) as f64 * 0.618_033_988_749_894_9).fract()),
    );
    let p = DMatrix::identity(n, n) - (&v * v.transpose()) * (2.0 / v.norm_squared());
    let mut a = &p * m * &p;
    let shift = if k >= 2 {
        0.5 * m.norm() / (n as f64).sqrt()
    } else {
        0.0
    };
    for i in 0..n {
        a[(i, i)] += shift;
    }
    (a, shift)
}

/// `tr M`, `tr M²` and `‖M‖_F` of the matrix whose eigenvalues are sought.
struct Invariants {
    trace: f64,
    trace_sq: f64,
    norm: f64,
    n: usize,
}

impl Invariants {
    fn of(m: &DMatrix<f64>) -> Self {
        let n = m.nrows();
        let mut trace_sq = 0.0;
        for i in 0..n {
            for j in 0..n {
                trace_sq += m[(i, j)] * m[(j, i)];
            }
        }
        Self {
            trace: m.trace(),
            trace_sq,
            norm: m.norm(),
            n,
        }
    }

    /// `Σ λ = tr M` and `Σ λ² = tr M²` within `1e-7 n ‖M‖_F` and `1e-7 n ‖M‖_F²`.
    fn hold(&self, ev: &[[f64; 2]]) -> bool {
        if ev.len() != self.n || ev.iter().flatten().any(|v| !v.is_finite()) {
            return false;
        }
        let tol = 1e-7 * self.n as f64;
        let (mut sum_re, mut sum_im, mut sq_re, mut sq_im) = (0.0, 0.0, 0.0, 0.0);
        for z in ev {
            sum_re += z[0];
            sum_im += z[1];
            sq_re += z[0] * z[0] - z[1] * z[1];
            sq_im += 2.0 * z[0] * z[1];
        }
        (sum_re - self.trace).abs() <= tol * self.norm
            && sum_im.abs() <= tol * self.norm
            && (sq_re - self.trace_sq).abs() <= tol * self.norm * self.norm
            && sq_im.abs() <= tol * self.norm * self.norm
    }
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
    use std::f64::consts::TAU;

    /// A square matrix built block by block, with its exact eigenvalues.
    struct Case {
        name: &'static str,
        n: usize,
        /// Row-major entries.
        w: Vec<f32>,
        /// The exact eigenvalues (any order).
        want: Vec<[f64; 2]>,
        /// Allowed distance of each computed eigenvalue from its exact one, relative to the
        /// largest |entry|.
        tol: f64,
    }

    impl Case {
        fn new(name: &'static str) -> Self {
            Self {
                name,
                n: 0,
                w: Vec::new(),
                want: Vec::new(),
                tol: 1e-6,
            }
        }

        /// Appends the block `b` (row-major `k × k`) on the diagonal, with eigenvalues `ev`.
        fn block(mut self, k: usize, b: &[f64], ev: Vec<[f64; 2]>) -> Self {
            let n = self.n + k;
            let mut w = vec![0.0f32; n * n];
            for i in 0..self.n {
                w[i * n..i * n + self.n].copy_from_slice(&self.w[i * self.n..(i + 1) * self.n]);
            }
            for i in 0..k {
                for j in 0..k {
                    w[(self.n + i) * n + self.n + j] = b[i * k + j] as f32;
                }
            }
            self.n = n;
            self.w = w;
            self.want.extend(ev);
            self
        }

        /// A cyclic permutation of `k` states times `s` (`h_{i+1} ← s h_i`): eigenvalues
        /// `s e^{2πij/k}`, all of modulus |s|.
        fn ring(self, k: usize, s: f64) -> Self {
            let mut b = vec![0.0; k * k];
            for i in 0..k {
                b[((i + 1) % k) * k + i] = s;
            }
            let ev = (0..k)
                .map(|j| {
                    let t = TAU * j as f64 / k as f64;
                    [s * t.cos(), s * t.sin()]
                })
                .collect();
            self.block(k, &b, ev)
        }

        /// A nilpotent chain of `k` states (`h_{i+1} ← s h_i`, no wrap-around): all eigenvalues
        /// 0 in a single Jordan block.
        fn chain(self, k: usize, s: f64) -> Self {
            let mut b = vec![0.0; k * k];
            for i in 0..k - 1 {
                b[(i + 1) * k + i] = s;
            }
            self.block(k, &b, vec![[0.0, 0.0]; k])
        }

        /// `r` times the rotation by `theta`: eigenvalues `r e^{±iθ}`.
        fn rotation(self, r: f64, theta: f64) -> Self {
            let (c, s) = (r * theta.cos(), r * theta.sin());
            self.block(2, &[c, -s, s, c], vec![[c, s], [c, -s]])
        }

        /// `v I_k`.
        fn diagonal(self, k: usize, v: f64) -> Self {
            let mut b = vec![0.0; k * k];
            for i in 0..k {
                b[i * k + i] = v;
            }
            self.block(k, &b, vec![[v, 0.0]; k])
        }

        fn tol(mut self, tol: f64) -> Self {
            self.tol = tol;
            self
        }

        /// Checks the computed eigenvalues against the exact ones: each exact one is matched
        /// to its nearest unmatched computed one.
        fn check(&self) {
            let got = eigenvalues(&self.w, self.n).unwrap_or_else(|e| panic!("{}: {e}", self.name));
            assert_eq!(got.len(), self.n, "{}", self.name);
            let amax = self.w.iter().fold(0.0f64, |m, v| m.max(v.abs() as f64));
            let tol = self.tol * amax;
            let mut free: Vec<[f64; 2]> = got.clone();
            for z in &self.want {
                let d = |g: &[f64; 2]| (g[0] - z[0]).hypot(g[1] - z[1]);
                let (k, best) = free
                    .iter()
                    .enumerate()
                    .map(|(k, g)| (k, d(g)))
                    .min_by(|a, b| a.1.total_cmp(&b.1))
                    .unwrap();
                assert!(
                    best <= tol,
                    "{}: exact eigenvalue {z:?} is {best:e} from the nearest computed one \
                     (tolerance {tol:e}); computed {got:?}",
                    self.name
                );
                free.swap_remove(k);
            }
            // Sorted by decreasing modulus.
            assert!(got.windows(2).all(|p| modulus(p[0]) >= modulus(p[1])));
        }
    }

    /// The table: structured matrices on which a QR iteration without exceptional shifts can
    /// stall. Each case is one call bounded by the solver's own iteration cap (no timers).
    fn table() -> Vec<Case> {
        let third = TAU / 3.0;
        // Eigenvalues of a Jordan block of size k are perturbed by about (nε)^(1/k) ‖M‖, so
        // a chain is "right" to working precision when they are that close to 0.
        let jordan = |k: usize| (k as f64 * f64::EPSILON).powf(1.0 / k as f64);
        vec![
            Case::new("ring 10 (the issue's network)").ring(10, 1.0),
            Case::new("ring 10 scaled 0.9").ring(10, 0.9),
            Case::new("ring 10 scaled -3").ring(10, -3.0),
            Case::new("ring 10 scaled 1e30").ring(10, 1e30),
            Case::new("ring 10 scaled 1e-30").ring(10, 1e-30),
            Case::new("ring 10 scaled 3e38 (near f32::MAX)").ring(10, 3e38),
            Case::new("ring 10 scaled 2e-38 (near the smallest normal f32)").ring(10, 2e-38),
            Case::new("ring 3").ring(3, 1.0),
            Case::new("ring 64").ring(64, 1.0),
            Case::new("ring 128").ring(128, 0.99),
            Case::new("rings 4 and 6").ring(4, 1.0).ring(6, 1.0),
            Case::new("nilpotent chain 10")
                .chain(10, 1.0)
                .tol(jordan(10)),
            Case::new("nilpotent chain 40")
                .chain(40, 2.0)
                .tol(jordan(40)),
            Case::new("zero 6").diagonal(6, 0.0),
            Case::new("identity 7").diagonal(7, 1.0),
            Case::new("-2 I 5").diagonal(5, -2.0),
            Case::new("rotation 90° × 1.5").rotation(1.5, TAU / 4.0),
            Case::new("rotations of equal modulus")
                .rotation(1.0, 0.3)
                .rotation(1.0, 1.1)
                .rotation(1.0, third)
                .rotation(1.0, 3.0),
            Case::new("mixture: ring, chain, rotation, diagonal")
                .ring(5, 1.0)
                .chain(3, 1.0)
                .rotation(0.5, 0.7)
                .diagonal(2, 2.0)
                .ring(7, -0.8)
                .tol(jordan(3)),
            Case::new("mixture of huge and tiny blocks")
                .ring(4, 1e20)
                .diagonal(3, 1e-20)
                .rotation(1e19, 1.0),
        ]
    }

    #[test]
    fn structured_matrices_give_their_eigenvalues_or_a_clean_error() {
        for case in table() {
            case.check();
        }
    }

    #[test]
    fn plain_qr_stalls_on_a_ring_and_the_retries_are_what_solve_it() {
        // The first attempt alone (nalgebra's Schur on the ring itself) hits its cap: this is
        // the hang of the issue, now bounded. The answer above comes from a later attempt.
        let ring = Case::new("ring").ring(10, 1.0);
        let m = DMatrix::from_row_iterator(10, 10, ring.w.iter().map(|v| *v as f64));
        let cap = QR_ITERS_PER_EIGENVALUE * 10;
        assert!(Schur::try_new(m.clone(), f64::EPSILON, cap).is_none());
        let (rotated, shift) = similar(&m, 1);
        assert_eq!(shift, 0.0);
        assert!(Schur::try_new(rotated, f64::EPSILON, cap).is_some());
        let ev = eigenvalues(&ring.w, 10).unwrap();
        assert!(ev.iter().all(|z| (modulus(*z) - 1.0).abs() < 1e-12));
        assert!((spectral_radius(&ev) - 1.0).abs() < 1e-12);
    }

    #[test]
    fn non_finite_entries_are_refused_by_position() {
        for (value, at) in [
            (f32::NAN, (2, 1)),
            (f32::INFINITY, (0, 3)),
            (f32::NEG_INFINITY, (3, 3)),
        ] {
            let mut w = vec![0.5f32; 16];
            w[at.0 * 4 + at.1] = value;
            let err = eigenvalues(&w, 4).unwrap_err();
            match &err {
                AnalysisError::NonFiniteEntry { row, col, value: v } => {
                    assert_eq!((*row, *col), at);
                    assert_eq!(v.is_nan(), value.is_nan());
                }
                other => panic!("{other:?}"),
            }
            let msg = err.to_string();
            assert!(msg.contains(&format!("({}, {})", at.0, at.1)), "{msg}");
            assert!(msg.contains("retrain"), "{msg}");
        }
        assert_eq!(
            eigenvalues(&[1.0; 5], 2),
            Err(AnalysisError::Shape {
                len: 5,
                rows: 2,
                dim: 2
            })
        );
        assert!(matches!(
            eigenvalues_of(DMatrix::zeros(2, 3)),
            Err(AnalysisError::Shape { .. })
        ));
        assert_eq!(eigenvalues(&[], 0), Ok(Vec::new()));
        assert_eq!(eigenvalues(&[-4.0], 1), Ok(vec![[-4.0, 0.0]]));
    }

    #[test]
    fn the_no_convergence_message_says_what_to_do() {
        let msg = AnalysisError::EigenNoConvergence {
            n: 10,
            iterations: 300,
            attempts: 3,
        }
        .to_string();
        assert!(msg.contains("10 × 10") && msg.contains("300") && msg.contains("training steps"));
    }

    #[test]
    fn upper_triangular_gives_its_diagonal() {
        let ev = eigenvalues(&[2.0, 7.0, 1.0, 0.0, -3.0, 4.0, 0.0, 0.0, 0.5], 3).unwrap();
        let re: Vec<f64> = ev.iter().map(|z| z[0]).collect();
        assert!(
            (re[0] + 3.0).abs() < 1e-9 && (re[1] - 2.0).abs() < 1e-9 && (re[2] - 0.5).abs() < 1e-9,
            "{ev:?}"
        );
    }

    #[test]
    fn orthogonal_init_spectrum_on_unit_circle() {
        let cfg = crate::ModelConfig {
            hidden: 50,
            ..Default::default()
        };
        let net = crate::Network::init(&cfg, 2);
        for z in eigenvalues(&net.w_rec, 50).unwrap() {
            assert!((modulus(z) - 1.0).abs() < 1e-4);
        }
    }
}
