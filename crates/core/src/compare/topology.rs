//! A network's fixed-point topology, the part of the solution that Maheswaranathan et al.
//! (2019) found shared across networks: how many stable points and saddles, which memories
//! the stable points hold, and how slowly the state relaxes onto each of them.
//!
//! The points come from [`crate::fixedpoints`] (run it first, e.g.
//! [`crate::fixedpoints::search_from_cube_set`]). At a stable point the slowest eigenvalue of
//! the Jacobian of the discrete map, `|λ_1| < 1`, sets the slowest time constant of the
//! relaxation, `δh_t ∝ |λ_1|^t = exp(−t/τ)`:
//!
//! ```text
//! τ = −1 / ln |λ_1|        (time steps; +∞ when |λ_1| = 1, 0 when λ_1 = 0)
//! ```

use crate::fixedpoints::FixedPoint;
use crate::task::state_name;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One stable fixed point in the topology summary.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StablePoint {
    /// The memory its readout reports (bit `j` set iff channel `j` reads +1).
    pub memory: u32,
    /// The same as text, channel 0 first (e.g. `"+1 -1 +1"`).
    pub name: String,
    /// `|λ_1|`, the largest eigenvalue modulus of the Jacobian there.
    pub max_modulus: f64,
    /// Slowest time constant `τ = −1 / ln |λ_1|`, in time steps (see the module docs).
    pub slowest_tau: f64,
}

/// The fixed-point topology of one network.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Topology {
    /// Stable fixed points (every Jacobian eigenvalue inside the unit circle).
    pub stable: usize,
    /// Saddles (fixed points with unstable directions) by their number of unstable
    /// directions: `saddles[&i]` points have `i` eigenvalues outside the unit circle.
    pub saddles: BTreeMap<usize, usize>,
    /// Fixed points neither stable nor saddles (an eigenvalue on the unit circle, or a
    /// spectrum the solver could not compute).
    pub marginal: usize,
    /// Slow points (q above the fixed-point tolerance).
    pub slow: usize,
    /// Every stable point, by memory then by `τ` (longest first).
    pub stable_points: Vec<StablePoint>,
    /// The memories held by at least one stable point, ascending.
    pub held_memories: Vec<u32>,
    /// Their names, in the same order.
    pub held_names: Vec<String>,
    /// Memory states of the task (`2^bits`) that no stable point holds.
    pub missing_memories: Vec<u32>,
}

impl Topology {
    /// Total saddles, whatever their index.
    pub fn saddle_count(&self) -> usize {
        self.saddles.values().sum()
    }
}

/// The memory a readout sign pattern names (+1 on channel `j` sets bit `j`).
fn memory_of(signs: &[i8]) -> u32 {
    signs
        .iter()
        .enumerate()
        .fold(0, |m, (j, s)| if *s > 0 { m | (1 << j) } else { m })
}

/// Summarises fixed points found by [`crate::fixedpoints`] for a task with `bits` channels.
pub fn topology(points: &[FixedPoint], bits: usize) -> Topology {
    let mut saddles = BTreeMap::new();
    let (mut stable, mut marginal, mut slow) = (0, 0, 0);
    let mut stable_points = Vec::new();
    for p in points {
        if !p.fixed {
            slow += 1;
        } else if p.stable {
            stable += 1;
            let max_modulus = p
                .eigenvalues
                .iter()
                .map(|z| z[0].hypot(z[1]))
                .fold(0.0f64, f64::max);
            let slowest_tau = if max_modulus <= 0.0 {
                0.0
            } else {
                -1.0 / max_modulus.ln()
            };
            let memory = memory_of(&p.nearest_memory);
            stable_points.push(StablePoint {
                memory,
                name: state_name(memory, bits),
                max_modulus,
                slowest_tau,
            });
        } else if p.unstable_dims > 0 {
            *saddles.entry(p.unstable_dims).or_insert(0) += 1;
        } else {
            marginal += 1;
        }
    }
    stable_points.sort_by(|a, b| {
        a.memory
            .cmp(&b.memory)
            .then(b.slowest_tau.total_cmp(&a.slowest_tau))
    });
    let mut held_memories: Vec<u32> = stable_points.iter().map(|p| p.memory).collect();
    held_memories.dedup();
    let missing_memories = (0..1u32 << bits)
        .filter(|m| !held_memories.contains(m))
        .collect();
    Topology {
        stable,
        saddles,
        marginal,
        slow,
        held_names: held_memories.iter().map(|m| state_name(*m, bits)).collect(),
        held_memories,
        missing_memories,
        stable_points,
    }
}
