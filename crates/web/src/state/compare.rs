//! The Compare view's bookkeeping as plain Rust (tested natively): the `K` networks of a
//! comparison and where each stands ([`Member`], [`Phase`]), which waits for a worker
//! ([`next_queued`]) and how many workers run at once ([`worker_count`]), the form's limits
//! ([`read_count`], [`read_steps`]), and the table and matrices as text ([`table_csv`],
//! [`matrix_attr`]).
//!
//! Each network goes Queued → Training (fresh networks only) → Searching (its fixed points)
//! → Done, or Failed with a message; the comparison is made once every network is Done.

use crate::protocol::{CompareData, Snapshot, WireNetwork};
use flipflop_core::fixedpoints::FixedPoint;
use flipflop_core::Config;
use std::fmt::Write as _;

/// Most networks in one comparison (the set link's limit).
pub const MAX_NETWORKS: usize = flipflop_formats::link::MAX_SET_NETWORKS;
/// Networks trained by default.
pub const DEFAULT_NETWORKS: usize = 4;
/// Most optimiser steps one network of the Compare view may train.
pub const MAX_STEPS: u64 = 1_000_000;

/// Where one network of the comparison stands.
#[derive(Clone, Debug, PartialEq)]
pub enum Phase {
    /// Waiting for a free worker.
    Queued,
    /// Training in a worker (until solved or the step budget).
    Training,
    /// Its fixed points are being searched.
    Searching,
    /// Trained and searched: ready to compare.
    Done,
    /// Something went wrong; the message says what.
    Failed(String),
}

/// Where a network of the comparison came from.
#[derive(Clone, Debug, PartialEq)]
pub enum Source {
    /// Trained here from the recipe with this seed.
    Seed(u64),
    /// Loaded (a saved entry, a link, a file, a set link): its label and weights.
    Loaded {
        /// For the table, e.g. `"link"` or the file's name.
        label: String,
        /// The weights (boxed: they are most of the variant's size).
        network: Box<WireNetwork>,
        /// Steps it was trained.
        steps: u64,
    },
}

/// One network of the comparison.
#[derive(Clone, Debug)]
pub struct Member {
    /// Its configuration (the recipe with its own seed, or the loaded one).
    pub config: Config,
    /// Where it came from.
    pub source: Source,
    /// Where it stands.
    pub phase: Phase,
    /// Last step reported.
    pub step: u64,
    /// Last training loss reported.
    pub loss: Option<f32>,
    /// Step at which the lab's "solved" rule first held.
    pub solved_at: Option<u64>,
    /// The latest snapshot (weights and spectrum).
    pub snapshot: Option<Snapshot>,
    /// Its fixed points, once searched.
    pub points: Option<Vec<FixedPoint>>,
}

impl Member {
    /// A network to train from `recipe` with `seed` and a budget of `steps`.
    pub fn seeded(recipe: &Config, seed: u64, steps: u64) -> Self {
        let mut config = recipe.clone();
        config.seed = seed;
        config.train.max_steps = steps;
        Self::new(config, Source::Seed(seed))
    }

    /// A network loaded from elsewhere (not trained further).
    pub fn loaded(config: Config, label: String, network: WireNetwork, steps: u64) -> Self {
        Self::new(
            config,
            Source::Loaded {
                label,
                network: Box::new(network),
                steps,
            },
        )
    }

    fn new(config: Config, source: Source) -> Self {
        Self {
            config,
            source,
            phase: Phase::Queued,
            step: 0,
            loss: None,
            solved_at: None,
            snapshot: None,
            points: None,
        }
    }

    /// Its name in the table: `seed 3`, or the loaded network's label.
    pub fn label(&self) -> String {
        match &self.source {
            Source::Seed(s) => format!("seed {s}"),
            Source::Loaded { label, .. } => label.clone(),
        }
    }

    /// One line of progress for a person.
    pub fn progress(&self) -> String {
        let loss = self
            .loss
            .map_or(String::new(), |l| format!(", loss {l:.4}"));
        let solved = match self.solved_at {
            Some(s) => format!(", solved at step {s}"),
            None => String::new(),
        };
        let what = match &self.phase {
            Phase::Queued => "waiting for a worker".to_string(),
            Phase::Training => format!("training, step {}{loss}{solved}", self.step),
            Phase::Searching => format!("step {}{loss}{solved}; finding fixed points", self.step),
            Phase::Done => format!("step {}{loss}{solved}; done", self.step),
            Phase::Failed(m) => format!("failed: {m}"),
        };
        format!("{}: {what}", self.label())
    }
}

/// Workers to run at once for `networks` networks on a machine reporting `concurrency`
/// logical processors (`navigator.hardwareConcurrency`; 0 when unknown counts as 1).
pub fn worker_count(networks: usize, concurrency: usize) -> usize {
    networks.min(concurrency.max(1)).max(1)
}

/// The first network still waiting for a worker.
pub fn next_queued(members: &[Member]) -> Option<usize> {
    members.iter().position(|m| m.phase == Phase::Queued)
}

/// Whether every network is done (and there is at least one).
pub fn all_done(members: &[Member]) -> bool {
    !members.is_empty() && members.iter().all(|m| m.phase == Phase::Done)
}

/// The number-of-networks field: an integer from 1 to [`MAX_NETWORKS`].
///
/// # Errors
/// A message naming the range.
pub fn read_count(text: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(k) if (1..=MAX_NETWORKS).contains(&k) => Ok(k),
        _ => Err(format!(
            "Networks: give a whole number from 1 to {MAX_NETWORKS} (got \"{}\").",
            text.trim()
        )),
    }
}

/// The steps-per-network field: an integer from 1 to [`MAX_STEPS`].
///
/// # Errors
/// A message naming the range.
pub fn read_steps(text: &str) -> Result<u64, String> {
    match text.trim().parse::<u64>() {
        Ok(s) if (1..=MAX_STEPS).contains(&s) => Ok(s),
        _ => Err(format!(
            "Steps per network: give a whole number from 1 to {MAX_STEPS} (got \"{}\").",
            text.trim()
        )),
    }
}

/// A matrix as text for a `data-*` attribute: rows separated by `;`, values by `,`, with 6
/// decimals (what the E2E test reads back).
pub fn matrix_attr(m: &[Vec<f64>]) -> String {
    m.iter()
        .map(|r| {
            r.iter()
                .map(|v| format!("{v:.6}"))
                .collect::<Vec<_>>()
                .join(",")
        })
        .collect::<Vec<_>>()
        .join(";")
}

/// Quotes a CSV field when it needs it (RFC 4180).
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// The saddles of a row as text: `2 (1×1, 1×2)`: the count, then count × unstable
/// directions.
pub fn saddles_text(saddles: &[(usize, usize)]) -> String {
    let total: usize = saddles.iter().map(|(_, c)| c).sum();
    if total == 0 {
        return "0".into();
    }
    let parts: Vec<String> = saddles.iter().map(|(k, c)| format!("{c}×{k}")).collect();
    format!("{total} ({})", parts.join(", "))
}

/// The topology table and both distance matrices as CSV: one row per network (`labels` in
/// order), then a blank line and each matrix with a header row.
pub fn table_csv(labels: &[String], data: &CompareData) -> String {
    let mut out = String::from(
        "network,hidden,spectral_radius,eigenvalues_outside_unit_circle,stable_points,\
         saddles,saddles_by_unstable_dims,marginal,slow_points,memories_held,memories_missing,\
         slowest_tau_steps,readout_agrees\n",
    );
    for (label, n) in labels.iter().zip(&data.networks) {
        let by: Vec<String> = n.saddles.iter().map(|(k, c)| format!("{k}:{c}")).collect();
        let _ = writeln!(
            out,
            "{},{},{:.6},{},{},{},{},{},{},{},{},{:.3},{}",
            csv_field(label),
            n.hidden,
            n.spectral_radius,
            n.outside_unit_circle.len(),
            n.stable,
            n.saddles.iter().map(|(_, c)| c).sum::<usize>(),
            csv_field(&by.join(" ")),
            n.marginal,
            n.slow,
            csv_field(&n.held.join("; ")),
            csv_field(&n.missing.join("; ")),
            n.slowest_tau,
            n.readout_agrees,
        );
    }
    for (title, m) in [
        ("procrustes_distance", &data.procrustes),
        ("one_minus_linear_cka", &data.cka),
    ] {
        let _ = write!(out, "\n{title}");
        for l in labels {
            let _ = write!(out, ",{}", csv_field(l));
        }
        out.push('\n');
        for (l, row) in labels.iter().zip(m.iter()) {
            let _ = write!(out, "{}", csv_field(l));
            for v in row {
                let _ = write!(out, ",{v:.6}");
            }
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use flipflop_core::Preset;

    #[test]
    fn seeded_members_take_the_recipe_with_their_own_seed_and_budget() {
        let recipe = Config::preset(Preset::Default);
        let m = Member::seeded(&recipe, 7, 40);
        assert_eq!(m.config.seed, 7);
        assert_eq!(m.config.train.max_steps, 40);
        assert_eq!(m.config.model, recipe.model);
        assert_eq!(m.label(), "seed 7");
        assert!(m.progress().contains("waiting"));
    }

    #[test]
    fn workers_are_capped_by_the_machine_and_the_queue_runs_in_order() {
        assert_eq!(worker_count(4, 2), 2);
        assert_eq!(worker_count(4, 16), 4);
        assert_eq!(worker_count(4, 0), 1);
        let recipe = Config::preset(Preset::Default);
        let mut ms: Vec<Member> = (0..3).map(|s| Member::seeded(&recipe, s, 5)).collect();
        assert_eq!(next_queued(&ms), Some(0));
        ms[0].phase = Phase::Training;
        assert_eq!(next_queued(&ms), Some(1));
        assert!(!all_done(&ms));
        ms.iter_mut().for_each(|m| m.phase = Phase::Done);
        assert!(all_done(&ms));
        assert!(!all_done(&[]));
    }

    #[test]
    fn form_values_out_of_range_are_refused_with_the_range() {
        assert_eq!(read_count(" 4 "), Ok(4));
        assert!(read_count("9").unwrap_err().contains("1 to 8"));
        assert!(read_count("0").is_err());
        assert!(read_count("two").is_err());
        assert_eq!(read_steps("300"), Ok(300));
        assert!(read_steps("0").is_err());
        assert!(read_steps("-3").is_err());
    }

    #[test]
    fn matrices_and_the_table_read_back_as_text() {
        let m = vec![vec![0.0, 0.25], vec![0.25, 0.0]];
        assert_eq!(matrix_attr(&m), "0.000000,0.250000;0.250000,0.000000");
        assert_eq!(saddles_text(&[]), "0");
        assert_eq!(saddles_text(&[(1, 3), (2, 1)]), "4 (3×1, 1×2)");
        assert_eq!(csv_field("a,\"b\""), "\"a,\"\"b\"\"\"");
    }
}
