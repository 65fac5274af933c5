//! Constraints on the weights: the hook where biological structure goes.
//!
//! A constraint maps the trained parameters to the effective ones the dynamics use,
//! `W_eff = c(W)`, and the gradient follows by the chain rule, `∂L/∂W = (∂c/∂W)ᵀ ∂L/∂W_eff`.
//! The members, all optional and combinable:
//!
//! - `no_self_connections`: `W_eff = W ⊙ (1 - I)` (no unit feeds itself).
//! - `sparsity`: `W_eff = W ⊙ M` with a fixed 0/1 mask of density `p`, drawn entry by entry
//!   (row-major, `M_ij = 1` when a uniform draw is below `p`) from the stream of its own seed,
//!   so files and links store the seed, never the bits.
//! - `dale` (Dale's law; Dale 1935, in the form of Eccles 1954: a neuron releases the same
//!   transmitter at all its synapses): the first `round(f N)` units are excitatory, the rest
//!   inhibitory, `D = diag(d)`, `d_j = ±1`, and `W_eff = |W| D`. In our column convention
//!   (`h_t = … W_rec h_{t-1}`, column `j` holds unit `j`'s outgoing weights) every column has
//!   one sign. Options: readout from excitatory units only (`W_out` columns of inhibitory
//!   units are zero) and non-negative input weights (`W_in,eff = |W_in|`).
//!
//! Together: `W_eff = (|W| D) ⊙ M ⊙ (1 - I)`, so
//! `∂L/∂W_ij = sgn(W_ij) d_j M_ij [i ≠ j] ∂L/∂W_eff,ij` (see [`Constraints::chain_grad`]).
//!
//! **The stored weights are the effective ones.** The loss depends on a Dale weight only
//! through `|W_ij|`, so `W` and `W D`-signed `|W|` give the same network; the network keeps
//! the representative whose signs are `D` (for which `|W| D = W`), with masked entries at
//! zero. [`Constraints::project_network`] makes weights so after initialisation, loading
//! and every optimiser step (an Adam step on that representative followed by the projection
//! is an Adam step on `W` followed by `c`, up to the sign frame of the moments of an entry
//! that crossed zero). Hence the fast kernels, the analyses, the fixed-point finder, files,
//! links and exports read the stored matrices as they are, with no extra buffer.

use crate::error::ConfigError;
use crate::rng::{Purpose, SeedRng};
use serde::{Deserialize, Serialize};

mod apply;

/// Smallest excitatory fraction and density (and 1 minus the largest excitatory fraction).
pub const MIN_FRACTION: f64 = 0.01;

/// Default fraction of excitatory units (cortex: about 80 %).
pub const DEFAULT_EXCITATORY: f32 = 0.8;

/// Constraints on the weights (default: none).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Constraints {
    /// No self-connections: the diagonal of W_rec is zero and stays zero.
    #[serde(skip_serializing_if = "is_false")]
    pub no_self_connections: bool,
    /// Dale's law (none when absent; left out when serialising none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dale: Option<Dale>,
    /// A fixed sparse connectivity mask on W_rec (none when absent).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sparsity: Option<Sparsity>,
}

/// Dale's law: each unit excitatory or inhibitory, one sign per column of W_rec.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Dale {
    /// Fraction of excitatory units, in [0.01, 0.99]; units `0..round(f N)` are excitatory (so
    /// every matrix is already ordered E first). Default 0.8.
    pub excitatory: f32,
    /// Readout from excitatory units only: W_out's columns of inhibitory units are zero.
    #[serde(skip_serializing_if = "is_false")]
    pub readout: bool,
    /// Non-negative input weights: `W_in,eff = |W_in|`.
    #[serde(skip_serializing_if = "is_false")]
    pub positive_inputs: bool,
    /// Start unbalanced: inhibitory weights are not scaled up to cancel the excitatory ones
    /// (the start the lab shows for contrast: one outlier eigenvalue; default false).
    #[serde(skip_serializing_if = "is_false")]
    pub unbalanced: bool,
}

impl Default for Dale {
    fn default() -> Self {
        Self {
            excitatory: DEFAULT_EXCITATORY,
            readout: false,
            positive_inputs: false,
            unbalanced: false,
        }
    }
}

/// A fixed random connectivity mask on W_rec.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Sparsity {
    /// Probability that a connection exists, in [0.01, 1].
    pub density: f32,
    /// Seed of the mask's stream (the mask is regenerated from it, never stored).
    pub seed: u64,
}

impl Default for Sparsity {
    fn default() -> Self {
        Self {
            density: 1.0,
            seed: 1,
        }
    }
}

fn is_false(b: &bool) -> bool {
    !*b
}

impl Constraints {
    /// True when nothing is constrained (left out when serialising, so configurations
    /// without constraints keep their bytes).
    pub fn is_none(&self) -> bool {
        *self == Constraints::default()
    }

    /// True: a stored network that went through [`Constraints::project_network`] already
    /// holds the effective matrices (see the module doc).
    pub fn stored_is_effective(&self) -> bool {
        true
    }

    /// Checks the ranges for a network of `hidden` units: the excitatory fraction in
    /// [[`MIN_FRACTION`], `1 - MIN_FRACTION`] with at least one unit of each kind, the
    /// density in [[`MIN_FRACTION`], 1].
    pub fn validate(&self, hidden: usize) -> Result<(), ConfigError> {
        if let Some(d) = &self.dale {
            check_fraction(
                "dale.excitatory",
                d.excitatory,
                MIN_FRACTION,
                1.0 - MIN_FRACTION,
            )?;
            let e = excitatory_units(d.excitatory, hidden);
            if e == 0 || e >= hidden {
                return Err(ConfigError {
                    field: "dale.excitatory",
                    value: d.excitatory.to_string(),
                    allowed: format!(
                        "a fraction that leaves at least one excitatory and one inhibitory \
                         unit among {hidden} (this one makes {e} of {hidden} excitatory)"
                    ),
                });
            }
        }
        if let Some(s) = &self.sparsity {
            check_fraction("sparsity.density", s.density, MIN_FRACTION, 1.0)?;
        }
        Ok(())
    }

    /// Number of excitatory units among `n` (`n` when Dale's law is off).
    pub fn excitatory_units(&self, n: usize) -> usize {
        self.dale.map_or(n, |d| excitatory_units(d.excitatory, n))
    }

    /// The sign of each unit's outgoing weights, `ei` (length `n`): +1 excitatory, -1
    /// inhibitory; all +1 without Dale's law.
    pub fn unit_signs(&self, n: usize) -> Vec<f32> {
        let e = self.excitatory_units(n);
        (0..n).map(|j| if j < e { 1.0 } else { -1.0 }).collect()
    }

    /// The 0/1 connectivity mask of W_rec (`n × n`, row-major): the sparse mask times
    /// `1 - I` when self-connections are off; all ones without either.
    pub fn mask(&self, n: usize) -> Vec<f32> {
        let mut m = vec![0.0f32; n * n];
        self.for_each_entry(n, |p, keep| m[p] = if keep { 1.0 } else { 0.0 });
        m
    }

    /// Calls `f(p, kept)` for every entry `p = i n + j` of an `n × n` W_rec, in row-major
    /// order, without allocating (the mask is regenerated from its seed).
    pub(crate) fn for_each_entry(&self, n: usize, mut f: impl FnMut(usize, bool)) {
        let mut rng = self
            .sparsity
            .filter(|s| s.density < 1.0)
            .map(|s| (SeedRng::new(s.seed, Purpose::Mask), s.density as f64));
        for i in 0..n {
            for j in 0..n {
                let mut keep = !(self.no_self_connections && i == j);
                if let Some((r, p)) = rng.as_mut() {
                    // One draw per entry, kept or not, so the mask does not depend on the
                    // diagonal option.
                    keep &= (r.next_u32() as f64) < *p * 4_294_967_296.0;
                }
                f(i * n + j, keep);
            }
        }
    }
}

/// `v` in `[lo, hi]` compared in f32 (the fields are f32, so `0.01` itself passes), with the
/// value and range written as a person would.
fn check_fraction(field: &'static str, v: f32, lo: f64, hi: f64) -> Result<(), ConfigError> {
    if v.is_finite() && v >= lo as f32 && v <= hi as f32 {
        return Ok(());
    }
    Err(ConfigError {
        field,
        value: v.to_string(),
        allowed: format!("{lo} to {hi}"),
    })
}

/// `round(f n)`, the number of excitatory units.
fn excitatory_units(f: f32, n: usize) -> usize {
    ((f as f64 * n as f64).round().max(0.0) as usize).min(n)
}
