//! What the comparison table shows per network: the spectrum of `W_rec` (Fig. 5) and the
//! fixed-point topology.

use super::{topology, CompareError, Topology};
use crate::analysis::{eigenvalues, spectral_radius};
use crate::fixedpoints::FixedPoint;
use crate::model::Network;
use serde::{Deserialize, Serialize};

/// One network's row of the comparison.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NetworkSummary {
    /// Hidden units N.
    pub hidden: usize,
    /// Largest eigenvalue modulus of `W_rec`.
    pub spectral_radius: f64,
    /// Eigenvalues of `W_rec` with `|λ| > 1`, `[re, im]`, by decreasing modulus (the
    /// outliers of Fig. 5 that the paper links to the memories).
    pub outside_unit_circle: Vec<[f64; 2]>,
    /// The fixed-point topology ([`topology()`]).
    pub topology: Topology,
}

/// Summarises `net` given the fixed points found for it (see [`crate::fixedpoints`]).
///
/// # Errors
/// [`CompareError::Analysis`] when the spectrum of `W_rec` cannot be computed.
pub fn summarise(net: &Network, points: &[FixedPoint]) -> Result<NetworkSummary, CompareError> {
    let n = net.config.hidden;
    let eigs = eigenvalues(&net.w_rec[..n * n], n)?;
    Ok(NetworkSummary {
        hidden: n,
        spectral_radius: spectral_radius(&eigs),
        outside_unit_circle: eigs
            .iter()
            .filter(|z| z[0].hypot(z[1]) > 1.0)
            .copied()
            .collect(),
        topology: topology(points, net.config.bits),
    })
}
