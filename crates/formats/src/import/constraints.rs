//! The constraints of an npz network, rebuilt from the arrays `flipflop export --npz` writes
//! beside the weights (see [`crate::export`]): `ei (N)`, each unit's sign; `mask (N, N)`, 1
//! where W_rec may be non-zero; and, for a sparse mask, `mask_density` (0-d) and `mask_seed`
//! (4), the seed as four 16-bit parts, least significant first (float32 holds each exactly).
//!
//! What is rebuilt:
//! - Dale's law when `ei` has a -1: the lab orders excitatory units first, so `ei` must be
//!   `+1 … +1 -1 … -1`; every column of W_rec must carry its unit's sign. Its options are
//!   read off the weights: readout from excitatory units only when W_out's inhibitory columns
//!   are all exactly 0, non-negative inputs when W_in has no negative entry.
//! - No self-connections when the mask's diagonal is 0 (and no sparse mask explains it).
//! - A sparse mask when the mask has zeros off the diagonal: only as the mask of its seed
//!   (the lab regenerates masks, it never stores their bits), so `mask_density` and
//!   `mask_seed` must be present and regenerate exactly `mask`.
//!
//! Anything else (interleaved signs, a weight against its sign or its mask, a hand-made
//! mask) is refused with the reason, so that an imported network never trains under other
//! constraints than the file states. Without `ei` and `mask` the network is unconstrained.

use super::ImportError;
use flipflop_core::model::{Constraints, Dale, Sparsity};

/// An optional array: its shape and row-major values.
pub(super) type Array<'a> = Option<(&'a [usize], &'a [f32])>;

/// The arrays the constraints are rebuilt from (all optional).
pub(super) struct Arrays<'a> {
    /// `ei (N)`.
    pub ei: Array<'a>,
    /// `mask (N, N)`.
    pub mask: Array<'a>,
    /// `mask_density` (0-d or (1)).
    pub density: Array<'a>,
    /// `mask_seed (4)`.
    pub seed: Array<'a>,
}

/// The weights the constraints must hold for: `w_in (N × k)`, `w_rec (N × N)`, `w_out
/// (k × N)`, row-major in the lab's orientation.
pub(super) struct Weights<'a> {
    pub w_in: &'a [f32],
    pub w_rec: &'a [f32],
    pub w_out: &'a [f32],
}

fn refuse(why: String) -> ImportError {
    ImportError::Unsupported(format!(
        "npz constraints: {why}; remove 'ei' and 'mask' from the file to import the weights \
         without constraints"
    ))
}

fn shape_error(tensor: &str, expected: Vec<usize>, found: &[usize]) -> ImportError {
    ImportError::Shape {
        tensor: tensor.into(),
        expected,
        found: found.to_vec(),
    }
}

/// The constraints of an `n`-unit network stated by `a`, checked against `w`.
///
/// Errors: [`ImportError::Shape`] for arrays of the wrong shape, [`ImportError::Unsupported`]
/// for values the lab cannot keep as constraints or weights that break them.
pub(super) fn rebuild(
    n: usize,
    a: &Arrays<'_>,
    w: &Weights<'_>,
) -> Result<Constraints, ImportError> {
    let mut c = Constraints::default();
    if let Some((shape, ei)) = a.ei {
        if shape != [n] {
            return Err(shape_error("ei", vec![n], shape));
        }
        if let Some(i) = ei.iter().position(|s| *s != 1.0 && *s != -1.0) {
            return Err(refuse(format!("ei[{i}] is {}, expected +1 or -1", ei[i])));
        }
        let e = ei.iter().filter(|s| **s > 0.0).count();
        if e < n {
            if let Some(i) = ei[e..].iter().position(|s| *s > 0.0) {
                return Err(refuse(format!(
                    "unit {} is excitatory after inhibitory unit {}: the lab orders \
                     excitatory units first (reorder the units so that ei is +1 … +1 -1 … -1)",
                    e + i,
                    ei[..e].iter().position(|s| *s < 0.0).unwrap_or(0)
                )));
            }
            for p in 0..n * n {
                let (i, j) = (p / n, p % n);
                if w.w_rec[p] * ei[j] < 0.0 {
                    return Err(refuse(format!(
                        "W_rec[{i}, {j}] = {} has the wrong sign for unit {j} (ei[{j}] = {}): \
                         the weights break the Dale's law the file states",
                        w.w_rec[p], ei[j]
                    )));
                }
            }
            let k = w.w_out.len() / n.max(1);
            c.dale = Some(Dale {
                excitatory: (e as f64 / n as f64) as f32,
                readout: k > 0
                    && w.w_out
                        .chunks_exact(n)
                        .all(|r| r[e..].iter().all(|v| *v == 0.0)),
                positive_inputs: w.w_in.iter().all(|v| *v >= 0.0),
                unbalanced: false,
            });
        }
    }
    if let Some((shape, mask)) = a.mask {
        if shape != [n, n] {
            return Err(shape_error("mask", vec![n, n], shape));
        }
        if let Some(p) = mask.iter().position(|m| *m != 0.0 && *m != 1.0) {
            return Err(refuse(format!(
                "mask[{}, {}] is {}, expected 0 or 1",
                p / n,
                p % n,
                mask[p]
            )));
        }
        if let Some(p) = (0..n * n).find(|p| mask[*p] == 0.0 && w.w_rec[*p] != 0.0) {
            return Err(refuse(format!(
                "W_rec[{}, {}] = {} where the mask is 0",
                p / n,
                p % n,
                w.w_rec[p]
            )));
        }
        let diagonal_zero = n > 1 && (0..n).all(|i| mask[i * n + i] == 0.0);
        let off_diagonal_zero = (0..n * n).any(|p| p / n != p % n && mask[p] == 0.0);
        if off_diagonal_zero {
            c.sparsity = Some(sparsity(a)?);
        }
        // The diagonal is its own option only when the sparse mask does not explain it.
        let candidates = [false, true];
        let fits = candidates
            .into_iter()
            .filter(|no_self| !no_self || diagonal_zero)
            .find(|no_self| {
                let mut t = c.clone();
                t.no_self_connections = *no_self;
                t.mask(n) == mask
            });
        match fits {
            Some(no_self) => c.no_self_connections = no_self,
            None => {
                return Err(refuse(
                    "'mask' is not the mask its mask_density and mask_seed regenerate (the lab \
                     keeps sparse masks as a seed, so it cannot keep a hand-made one)"
                        .into(),
                ))
            }
        }
    }
    Ok(c)
}

/// The sparse mask's density and seed from `mask_density` and `mask_seed`.
fn sparsity(a: &Arrays<'_>) -> Result<Sparsity, ImportError> {
    let missing = || {
        refuse(
            "'mask' has zeros off the diagonal but the file has no 'mask_density' and \
             'mask_seed' (the lab keeps sparse masks as a seed, so it cannot keep a \
             hand-made one)"
                .into(),
        )
    };
    let (dshape, density) = a.density.ok_or_else(missing)?;
    let (sshape, seed) = a.seed.ok_or_else(missing)?;
    if !(dshape.is_empty() || dshape == [1]) {
        return Err(shape_error("mask_density", vec![], dshape));
    }
    if sshape != [4] {
        return Err(shape_error("mask_seed", vec![4], sshape));
    }
    let mut s = 0u64;
    for (i, part) in seed.iter().enumerate() {
        if !(part.fract() == 0.0 && (0.0..65536.0).contains(part)) {
            return Err(refuse(format!(
                "mask_seed[{i}] is {part}, expected a whole number from 0 to 65535"
            )));
        }
        s |= (*part as u64) << (16 * i);
    }
    Ok(Sparsity {
        density: density[0],
        seed: s,
    })
}

/// `seed` as the four 16-bit parts `mask_seed` stores, least significant first.
pub fn seed_parts(seed: u64) -> [f32; 4] {
    [0, 1, 2, 3].map(|i| ((seed >> (16 * i)) & 0xFFFF) as f32)
}

#[cfg(test)]
mod tests {
    use super::*;

    const N: usize = 3;

    fn weights(w_rec: &[f32]) -> Weights<'_> {
        Weights {
            w_in: &[0.5, -0.5, 0.1],
            w_rec,
            w_out: &[0.2, 0.3, 0.4],
        }
    }

    fn arrays<'a>(ei: &'a [f32], mask: Option<&'a [f32]>) -> Arrays<'a> {
        Arrays {
            ei: Some((&[N], ei)),
            mask: mask.map(|m| (&[N, N][..], m)),
            density: None,
            seed: None,
        }
    }

    fn message(e: ImportError) -> String {
        e.to_string()
    }

    #[test]
    fn signs_and_diagonal_are_rebuilt() {
        // Columns 0, 1 excitatory, column 2 inhibitory, zero diagonal.
        let w = [0.0, 0.2, -0.3, 0.1, 0.0, -0.1, 0.4, 0.5, 0.0];
        let mask = [0.0, 1.0, 1.0, 1.0, 0.0, 1.0, 1.0, 1.0, 0.0];
        let c = rebuild(N, &arrays(&[1.0, 1.0, -1.0], Some(&mask)), &weights(&w)).unwrap();
        let d = c.dale.unwrap();
        assert_eq!(c.excitatory_units(N), 2);
        assert!(!d.readout && !d.positive_inputs);
        assert!(c.no_self_connections && c.sparsity.is_none());
        assert!(c.holds(&w, N));
        // All +1 (what the export writes without Dale's law) is no Dale's law.
        let c = rebuild(N, &arrays(&[1.0; 3], None), &weights(&w)).unwrap();
        assert!(c.is_none());
    }

    #[test]
    fn what_cannot_be_kept_is_refused_with_the_reason() {
        let w = [0.0, 0.2, -0.3, 0.1, 0.0, -0.1, 0.4, 0.5, 0.0];
        let interleaved =
            message(rebuild(N, &arrays(&[1.0, -1.0, 1.0], None), &weights(&w)).unwrap_err());
        assert!(
            interleaved.contains("excitatory units first"),
            "{interleaved}"
        );
        let wrong = [0.0, -0.2, -0.3, 0.1, 0.0, -0.1, 0.4, 0.5, 0.0];
        let sign =
            message(rebuild(N, &arrays(&[1.0, 1.0, -1.0], None), &weights(&wrong)).unwrap_err());
        assert!(
            sign.contains("W_rec[0, 1]") && sign.contains("wrong sign"),
            "{sign}"
        );
        let half = message(rebuild(N, &arrays(&[1.0, 0.5, -1.0], None), &weights(&w)).unwrap_err());
        assert!(half.contains("ei[1] is 0.5"), "{half}");
        // Zeros off the diagonal without a seed: a hand-made mask.
        let mask = [0.0, 0.0, 1.0, 1.0, 0.0, 1.0, 1.0, 1.0, 0.0];
        let w0 = [0.0, 0.0, -0.3, 0.1, 0.0, -0.1, 0.4, 0.5, 0.0];
        let hand = message(
            rebuild(N, &arrays(&[1.0, 1.0, -1.0], Some(&mask)), &weights(&w0)).unwrap_err(),
        );
        assert!(hand.contains("mask_seed"), "{hand}");
        // A weight where the mask says no connection.
        let off =
            message(rebuild(N, &arrays(&[1.0, 1.0, -1.0], Some(&mask)), &weights(&w)).unwrap_err());
        assert!(
            off.contains("W_rec[0, 1] = 0.2 where the mask is 0"),
            "{off}"
        );
        let short = Arrays {
            ei: Some((&[2], &[1.0, 1.0])),
            ..arrays(&[], None)
        };
        let bad_shape = rebuild(N, &short, &weights(&w)).unwrap_err();
        assert!(matches!(bad_shape, ImportError::Shape { .. }));
    }

    #[test]
    fn seed_parts_round_trip() {
        for seed in [0, 1, 65535, 65536, 0xDEAD_BEEF_CAFE_F00D, u64::MAX] {
            let parts = seed_parts(seed);
            let back = Arrays {
                ei: None,
                mask: None,
                density: Some((&[], &[0.5])),
                seed: Some((&[4], &parts)),
            };
            assert_eq!(sparsity(&back).unwrap().seed, seed);
        }
    }
}
