//! The wire form of the Compare view's messages: the networks the page hands over for a
//! comparison ([`CompareNet`]), the networks a set link holds ([`SetNet`]) and the result
//! ([`CompareData`]). Each field is copied by hand from the core's `compare` types in
//! `crate::worker::compare`, so their internals never silently change the wire.

use super::{CubeData, F32s, WireNetwork};
use flipflop_core::fixedpoints::FixedPoint;
use flipflop_core::Config;
use serde::{Deserialize, Serialize};

/// One network of a comparison, as the page holds it after training and a fixed-point
/// search.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CompareNet {
    /// Its configuration (the task must be the same for all networks of a comparison).
    pub config: Box<Config>,
    /// Its weights.
    pub network: WireNetwork,
    /// Steps trained (carried into the set link).
    pub steps: u64,
    /// The fixed and slow points found for it (empty: no search, the topology is empty).
    pub points: Vec<FixedPoint>,
}

/// One network of a decoded set link.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SetNet {
    /// Its configuration.
    pub config: Box<Config>,
    /// Its weights.
    pub network: WireNetwork,
    /// Steps trained.
    pub steps: u64,
}

/// One row of the comparison: the spectrum, the fixed-point topology and the cube of one
/// network.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ComparedNet {
    /// Hidden units N.
    pub hidden: usize,
    /// Largest eigenvalue modulus of `W_rec`.
    pub spectral_radius: f64,
    /// Eigenvalues of `W_rec` with `|λ| > 1`, `[re, im]`.
    pub outside_unit_circle: Vec<[f64; 2]>,
    /// Stable fixed points.
    pub stable: usize,
    /// Saddles as `(unstable directions, count)`, ascending.
    pub saddles: Vec<(usize, usize)>,
    /// Marginal fixed points (an eigenvalue on the unit circle).
    pub marginal: usize,
    /// Slow points.
    pub slow: usize,
    /// Names of the memories held by a stable point (e.g. `"+1 -1 +1"`).
    pub held: Vec<String>,
    /// Names of the memories no stable point holds.
    pub missing: Vec<String>,
    /// Longest slowest time constant over the stable points, time steps (0: none).
    pub slowest_tau: f64,
    /// Eigenvalues of the Jacobian at each stable point, `[re, im]`.
    pub stable_spectra: Vec<Vec<[f64; 2]>>,
    /// Whether the readout reports the right memory at every memory-state centroid.
    pub readout_agrees: bool,
    /// The cube set in the network's own top-3 SVD components (unaligned, as in the paper).
    pub cube: CubeData,
    /// The same coordinates (`rows × 3`) rotated onto the first network's cube by orthogonal
    /// Procrustes on the memory-state centroids (the first network's are its own).
    pub aligned: F32s,
    /// Procrustes distance of the centroids to the first network's (0 for the first).
    pub centroid_distance: f64,
}

/// The result of a comparison of `K` networks.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CompareData {
    /// Procrustes shape distance of the probe states, `K × K`.
    pub procrustes: Vec<Vec<f64>>,
    /// `1 − linear CKA` of the probe states, `K × K`.
    pub cka: Vec<Vec<f64>>,
    /// 2-D classical MDS of the Procrustes distances, one point per network.
    pub mds: Vec<[f64; 2]>,
    /// Rows of the probe (cube-set steps with a memory state).
    pub probe_steps: usize,
    /// Per network, in order.
    pub networks: Vec<ComparedNet>,
    /// The fragment `set=…` (without `#`) of a compact set link of these networks.
    pub set_link: String,
}
