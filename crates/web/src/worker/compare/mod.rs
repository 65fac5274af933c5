//! The Compare view's work in the worker: comparing a set of networks
//! (`flipflop_core::compare`: probe states, Procrustes and CKA distances, MDS, topology, cube
//! alignment) and opening a set link (`flipflop_formats::link::set`). Pure functions from a
//! command's contents to one event; every failure is a [`Event::CompareFailed`] or
//! [`Event::LoadFailed`] with a message for a person, never a panic.

use crate::protocol::{
    CompareData, CompareNet, ComparedNet, CubeData, Event, F32s, Origin, SetNet, WireNetwork,
    WireProjection,
};
use crate::view::cube::centroids;
use flipflop_core::analysis::cube_activity;
use flipflop_core::compare::{self, align};
use flipflop_core::task::state_name;
use flipflop_core::{Config, Network};
use flipflop_formats::link::set::{decode_set_link, encode_set_link, MAX_SET_NETWORKS};
use flipflop_formats::link::LinkKind;

/// Compares `nets` into [`Event::Compared`], or [`Event::CompareFailed`] saying why not.
pub fn run(nets: Vec<CompareNet>) -> Event {
    match compare_all(nets) {
        Ok(data) => Event::Compared {
            data: Box::new(data),
        },
        Err(message) => Event::CompareFailed { message },
    }
}

/// Decodes a set link into [`Event::SetLoaded`], or [`Event::LoadFailed`] naming the
/// network that cannot be opened.
pub fn open_set_link(text: &str) -> Event {
    let fail = |message: String| Event::LoadFailed {
        origin: Origin::Link,
        message,
    };
    match decode_set_link(text) {
        Err(e) => fail(format!(
            "This set link cannot be opened: {e}. Nothing was changed."
        )),
        Ok(decoded) => {
            let mut networks = Vec::with_capacity(decoded.len());
            for (i, d) in decoded.into_iter().enumerate() {
                let Some(net) = d.network else {
                    return fail(format!(
                        "Network {} of the set link is a recipe without weights; a set link \
                         holds trained networks. Nothing was changed.",
                        i + 1
                    ));
                };
                networks.push(SetNet {
                    network: WireNetwork::from_network(&net),
                    config: Box::new(d.config),
                    steps: d.steps,
                });
            }
            Event::SetLoaded { networks }
        }
    }
}

/// One network's weights and its cube, checked.
struct Prepared {
    config: Config,
    net: Network,
    cube: CubeData,
    /// Memory-state centroids in its own top-3 SVD components.
    centroids: Vec<Option<[f32; 3]>>,
}

fn prepare(i: usize, n: &CompareNet) -> Result<Prepared, String> {
    let who = |e: String| format!("network {}: {e}", i + 1);
    let net = n.network.to_network().map_err(|e| who(e.to_string()))?;
    if net.config != n.config.model {
        return Err(who("the weights do not match the configuration".into()));
    }
    let task = &n.config.task;
    let act = cube_activity(&net, task).map_err(|e| who(e.to_string()))?;
    let svd = WireProjection::from_projection(&act.svd);
    let cents = centroids(&svd, &act.state, task.bits);
    Ok(Prepared {
        config: (*n.config).clone(),
        net,
        centroids: cents,
        cube: CubeData {
            step: n.steps,
            bits: task.bits,
            state: act.state,
            pca: WireProjection::from_projection(&act.pca),
            svd,
        },
    })
}

/// The rows (memory states) both networks visit, as two `m × 3` row-major arrays.
fn common_centroids(a: &[Option<[f32; 3]>], b: &[Option<[f32; 3]>]) -> (Vec<f32>, Vec<f32>) {
    let (mut x, mut y) = (Vec::new(), Vec::new());
    for (p, q) in a.iter().zip(b) {
        if let (Some(p), Some(q)) = (p, q) {
            x.extend_from_slice(p);
            y.extend_from_slice(q);
        }
    }
    (x, y)
}

fn compare_all(nets: Vec<CompareNet>) -> Result<CompareData, String> {
    if nets.is_empty() || nets.len() > MAX_SET_NETWORKS {
        return Err(format!(
            "a comparison takes 1 to {MAX_SET_NETWORKS} networks, not {}",
            nets.len()
        ));
    }
    let prepared = nets
        .iter()
        .enumerate()
        .map(|(i, n)| prepare(i, n))
        .collect::<Result<Vec<_>, _>>()?;
    let probes: Vec<_> = prepared
        .iter()
        .map(|p| compare::probe(&p.net, &p.config.task))
        .collect();
    let text = |e: compare::CompareError| e.to_string();
    let d = compare::distances(&probes).map_err(text)?;
    let mds = compare::classical_mds(&d.procrustes).map_err(text)?;
    let reference = &prepared[0].centroids;
    let mut rows = Vec::with_capacity(nets.len());
    for (i, (p, n)) in prepared.iter().zip(&nets).enumerate() {
        let s =
            compare::summarise(&p.net, &n.points).map_err(|e| format!("network {}: {e}", i + 1))?;
        let (aligned, centroid_distance) = if i == 0 {
            (p.cube.svd.coords.0.clone(), 0.0)
        } else {
            let (x, y) = common_centroids(reference, &p.centroids);
            let al = align(&x, &y, x.len() / 3, 3, 3)
                .map_err(|e| format!("aligning the cube of network {}: {e}", i + 1))?;
            (al.apply(&p.cube.svd.coords.0), al.distance)
        };
        let t = &s.topology;
        let bits = p.config.task.bits;
        rows.push(ComparedNet {
            hidden: s.hidden,
            spectral_radius: s.spectral_radius,
            outside_unit_circle: s.outside_unit_circle.clone(),
            stable: t.stable,
            saddles: t.saddles.iter().map(|(k, v)| (*k, *v)).collect(),
            marginal: t.marginal,
            slow: t.slow,
            held: t.held_names.clone(),
            missing: t
                .missing_memories
                .iter()
                .map(|m| state_name(*m, bits))
                .collect(),
            slowest_tau: t
                .stable_points
                .iter()
                .map(|s| s.slowest_tau)
                .fold(0.0, f64::max),
            stable_spectra: n
                .points
                .iter()
                .filter(|q| q.fixed && q.stable)
                .map(|q| q.eigenvalues.clone())
                .collect(),
            readout_agrees: probes[i].readout_agrees.iter().all(|a| *a),
            cube: p.cube.clone(),
            aligned: F32s(aligned),
            centroid_distance,
        });
    }
    let members: Vec<(&Config, &Network, u64)> = prepared
        .iter()
        .zip(&nets)
        .map(|(p, n)| (&p.config, &p.net, n.steps))
        .collect();
    let set_link = encode_set_link(LinkKind::Compact, &members).map_err(|e| e.to_string())?;
    Ok(CompareData {
        procrustes: d.procrustes,
        cka: d.cka,
        mds,
        probe_steps: probes.first().map_or(0, |p| p.rows()),
        networks: rows,
        set_link,
    })
}

#[cfg(test)]
mod tests;
