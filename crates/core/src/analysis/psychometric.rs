//! The pictures the cognitive tasks are known for: the psychometric curve of the decision
//! tasks (P(choose right) against signed coherence, with a fitted logistic; per context for
//! the context-dependent task, as in Mante et al. 2013, Fig. 1), the accuracy per (f1, f2)
//! pair of parametric working memory (Romo et al. 1999) and the accuracy per condition of
//! match-to-sample.
//!
//! Each runs the network on fresh noisy trials of every condition (`trials` per condition,
//! from the seeded `Other` stream of `seed`), in chunks of at most [`CHUNK`] trials, and reads
//! the choice by the tasks' rule (the larger output at the last step; see
//! [`crate::task::cognitive`]).

use crate::model::Network;
use crate::rng::{Purpose, SeedRng};
use crate::task::cognitive::{choice, CHOICE_1};
use crate::task::context_dm::{ContextTrial, CONTEXTS};
use crate::task::match_two::{MatchTrial, ITEMS};
use crate::task::parametric_wm::WmTrial;
use crate::task::perceptual_dm::DmTrial;
use crate::task::{Batch, ContextDm, MatchTwoItems, ParametricWm, PerceptualDm};
use crate::train::{forward, Workspace};
use serde::{Deserialize, Serialize};

/// Most trials run in one forward pass (bounds the workspace: `T · CHUNK · N` floats).
pub const CHUNK: usize = 256;

/// One point of a psychometric curve.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PsychPoint {
    /// Signed coherence in % (of the cued modality for the context task); positive favours
    /// "right".
    pub coherence: f32,
    /// The context (`"motion"` or `"colour"`) for the context task.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
    /// Fraction of trials on which the network chose "right".
    pub p_right: f32,
    /// Trials run.
    pub trials: usize,
}

/// The logistic `P(right | c) = 1 / (1 + exp(-(bias + slope · c)))`, `c` in %.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Logistic {
    /// Intercept (a bias towards "right" when positive).
    pub bias: f64,
    /// Slope per % coherence.
    pub slope: f64,
}

impl Logistic {
    /// P(right) at coherence `c` (%).
    pub fn at(&self, c: f64) -> f64 {
        1.0 / (1.0 + (-(self.bias + self.slope * c)).exp())
    }
}

/// A psychometric curve and its logistic fit.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Curve {
    /// The context, for the context task.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
    /// Points in increasing coherence.
    pub points: Vec<PsychPoint>,
    /// Maximum-likelihood logistic fit to the points.
    pub fit: Logistic,
}

/// Maximum-likelihood fit of a [`Logistic`] to `(c, k right of n)` data: Newton's method on
/// the binomial log-likelihood with a small ridge (1e-6) so that perfectly separated data
/// give a steep but finite slope; at most 100 iterations, each step at most 10 in size.
pub fn fit_logistic(data: &[(f64, usize, usize)]) -> Logistic {
    let (mut a, mut b) = (0.0f64, 0.0f64);
    for _ in 0..100 {
        let (mut ga, mut gb) = (-1e-6 * a, -1e-6 * b);
        let (mut haa, mut hab, mut hbb) = (1e-6, 0.0, 1e-6);
        for &(c, k, n) in data {
            let p = 1.0 / (1.0 + (-(a + b * c)).exp());
            let n = n as f64;
            let r = k as f64 - n * p;
            ga += r;
            gb += r * c;
            let w = n * p * (1.0 - p);
            haa += w;
            hab += w * c;
            hbb += w * c * c;
        }
        let det = haa * hbb - hab * hab;
        if !(det.is_finite() && det > 0.0) {
            break;
        }
        let mut da = (hbb * ga - hab * gb) / det;
        let mut db = (haa * gb - hab * ga) / det;
        let size = da.abs().max(db.abs());
        if size > 10.0 {
            da *= 10.0 / size;
            db *= 10.0 / size;
        }
        a += da;
        b += db;
        if size < 1e-10 {
            break;
        }
    }
    Logistic { bias: a, slope: b }
}

/// Runs `net` on the trials `fill` writes for `conds` (in chunks) and returns each trial's
/// choice.
fn choices<C: Copy>(
    net: &Network,
    conds: &[C],
    rng: &mut SeedRng,
    mut fill: impl FnMut(&mut Batch, &[C], &mut SeedRng),
) -> Vec<usize> {
    let (mut batch, mut ws) = (Batch::default(), Workspace::default());
    let mut out = Vec::with_capacity(conds.len());
    for chunk in conds.chunks(CHUNK) {
        fill(&mut batch, chunk, rng);
        forward(net, &batch, None, &mut ws);
        out.extend((0..chunk.len()).map(|b| choice(ws.outputs(), &batch, b)));
    }
    out
}

/// The signed coherences of a curve: `±c` for every level, 0 once, increasing.
fn signed_levels(levels: &[f32]) -> Vec<f32> {
    let mut v: Vec<f32> = levels.iter().flat_map(|&c| [-c.abs(), c.abs()]).collect();
    v.sort_by(|a, b| a.total_cmp(b));
    v.dedup_by(|a, b| *a == *b);
    // One zero, printed as 0 rather than -0.
    v.iter_mut().filter(|c| **c == 0.0).for_each(|c| *c = 0.0);
    v
}

fn curve(context: Option<String>, levels: &[f32], trials: usize, right: &[usize]) -> Curve {
    let points: Vec<PsychPoint> = levels
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            let k = right[i * trials..(i + 1) * trials]
                .iter()
                .filter(|&&r| r == CHOICE_1)
                .count();
            PsychPoint {
                coherence: c,
                context: context.clone(),
                p_right: k as f32 / trials.max(1) as f32,
                trials,
            }
        })
        .collect();
    let data: Vec<(f64, usize, usize)> = points
        .iter()
        .map(|p| {
            (
                p.coherence as f64,
                (p.p_right * p.trials as f32).round() as usize,
                p.trials,
            )
        })
        .collect();
    Curve {
        context,
        fit: fit_logistic(&data),
        points,
    }
}

/// The psychometric curve of `net` on the perceptual task: P(right) at every signed
/// coherence of `task`'s options, `trials` trials each.
pub fn perceptual_curve(net: &Network, task: &PerceptualDm, trials: usize, seed: u64) -> Curve {
    let levels = signed_levels(&task.opts.coherences);
    let mut rng = SeedRng::new(seed, Purpose::Other);
    let conds: Vec<DmTrial> = levels
        .iter()
        .flat_map(|&c| {
            (0..trials).map(move |i| DmTrial {
                coherence: c,
                right: if c == 0.0 { i % 2 == 1 } else { c > 0.0 },
            })
        })
        .collect();
    let right = choices(net, &conds, &mut rng, |b, c, r| task.fill_with(b, c, r));
    curve(None, &levels, trials, &right)
}

/// The psychometric curves of `net` on the context task, one per context: P(right) against
/// the cued modality's signed coherence, `trials` trials each, with the other modality's
/// coherence drawn at random (level and sign) from the options.
pub fn context_curves(net: &Network, task: &ContextDm, trials: usize, seed: u64) -> Vec<Curve> {
    let levels = signed_levels(&task.opts.coherences);
    let mut rng = SeedRng::new(seed, Purpose::Other);
    let n = task.opts.coherences.len() as u32;
    let mut out = Vec::new();
    for (context, name) in CONTEXTS.iter().enumerate() {
        let mut conds = Vec::with_capacity(levels.len() * trials);
        for &c in &levels {
            for i in 0..trials {
                let other = task.opts.coherences[rng.int_inclusive(0, n - 1) as usize];
                let other = if rng.next_u32() & 1 == 1 {
                    other
                } else {
                    -other
                };
                let (motion, colour) = if context == 0 { (c, other) } else { (other, c) };
                conds.push(ContextTrial {
                    context,
                    motion,
                    colour,
                    right: if c == 0.0 { i % 2 == 1 } else { c > 0.0 },
                });
            }
        }
        let right = choices(net, &conds, &mut rng, |b, c, r| task.fill_with(b, c, r));
        out.push(curve(Some(name.to_string()), &levels, trials, &right));
    }
    out
}

/// Accuracy on one condition.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConditionAccuracy {
    /// The condition, e.g. `"f1 18 Hz, f2 10 Hz"` or `"cue first, match"`.
    pub condition: String,
    /// First frequency (Hz), for the working-memory task.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub f1: Option<u32>,
    /// Second frequency (Hz), for the working-memory task.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub f2: Option<u32>,
    /// Fraction correct.
    pub accuracy: f32,
    /// Trials run.
    pub trials: usize,
}

fn accuracy_of(hits: impl Iterator<Item = bool>, trials: usize) -> f32 {
    hits.filter(|&h| h).count() as f32 / trials.max(1) as f32
}

/// Accuracy of `net` per (f1, f2) pair of the working-memory task (the ten pairs of
/// [`ParametricWm::pairs`]), `trials` trials each with delays drawn from the options.
pub fn pair_accuracy(
    net: &Network,
    task: &ParametricWm,
    trials: usize,
    seed: u64,
) -> Vec<ConditionAccuracy> {
    let mut rng = SeedRng::new(seed, Purpose::Other);
    let pairs = ParametricWm::pairs();
    let mut conds = Vec::with_capacity(pairs.len() * trials);
    for &(f1, f2) in &pairs {
        for _ in 0..trials {
            let delay_ms = task.draw(&mut rng).delay_ms;
            conds.push(WmTrial { f1, f2, delay_ms });
        }
    }
    let got = choices(net, &conds, &mut rng, |b, c, r| task.fill_with(b, c, r));
    pairs
        .iter()
        .enumerate()
        .map(|(i, &(f1, f2))| {
            let want = if f1 > f2 { 0 } else { 1 };
            ConditionAccuracy {
                condition: format!("f1 {f1} Hz, f2 {f2} Hz"),
                f1: Some(f1),
                f2: Some(f2),
                accuracy: accuracy_of(
                    got[i * trials..(i + 1) * trials].iter().map(|&g| g == want),
                    trials,
                ),
                trials,
            }
        })
        .collect()
}

/// Accuracy of `net` per condition of the match-to-sample task (cue first/second × match,
/// lure, new item; see [`MatchTwoItems::condition_name`](crate::task::Task::condition_name)),
/// `trials` trials each with random items.
pub fn match_accuracy(
    net: &Network,
    task: &MatchTwoItems,
    trials: usize,
    seed: u64,
) -> Vec<ConditionAccuracy> {
    use crate::task::Task;
    let mut rng = SeedRng::new(seed, Purpose::Other);
    let mut conds = Vec::with_capacity(6 * trials);
    for cond in 0..6u32 {
        let (cue, kind) = ((cond / 3) as usize, cond % 3);
        for _ in 0..trials {
            let last = ITEMS as u32 - 1;
            let a = rng.int_inclusive(0, last) as usize;
            let b = (a + 1 + rng.int_inclusive(0, last - 1) as usize) % ITEMS;
            let samples = [a, b];
            let test = match kind {
                0 => samples[cue],
                1 => samples[1 - cue],
                // An item that is neither sample.
                _ => {
                    let others: Vec<usize> = (0..ITEMS).filter(|i| !samples.contains(i)).collect();
                    others[rng.int_inclusive(0, others.len() as u32 - 1) as usize]
                }
            };
            conds.push(MatchTrial { samples, cue, test });
        }
    }
    let got = choices(net, &conds, &mut rng, |b, c, r| task.fill_with(b, c, r));
    (0..6u32)
        .map(|cond| {
            let i = cond as usize;
            let want = if cond % 3 == 0 { 0 } else { 1 };
            ConditionAccuracy {
                condition: task.condition_name(cond),
                f1: None,
                f2: None,
                accuracy: accuracy_of(
                    got[i * trials..(i + 1) * trials].iter().map(|&g| g == want),
                    trials,
                ),
                trials,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fit recovers a known logistic from exact expected counts, and stays finite on
    /// perfectly separated data.
    #[test]
    fn logistic_fit_recovers_parameters() {
        let truth = Logistic {
            bias: 0.3,
            slope: 0.15,
        };
        let data: Vec<(f64, usize, usize)> =
            [-40.0, -20.0, -10.0, -5.0, 0.0, 5.0, 10.0, 20.0, 40.0]
                .iter()
                .map(|&c| (c, (truth.at(c) * 1e6).round() as usize, 1_000_000))
                .collect();
        let fit = fit_logistic(&data);
        assert!((fit.bias - 0.3).abs() < 1e-3, "{fit:?}");
        assert!((fit.slope - 0.15).abs() < 1e-4, "{fit:?}");
        let sep = fit_logistic(&[(-1.0, 0, 10), (1.0, 10, 10)]);
        assert!(sep.slope.is_finite() && sep.slope > 5.0, "{sep:?}");
    }

    #[test]
    fn signed_levels_are_symmetric_with_one_zero() {
        let v = signed_levels(&[0.0, 3.2, 12.8]);
        assert_eq!(v, vec![-12.8, -3.2, 0.0, 3.2, 12.8]);
        assert!(v[2].is_sign_positive());
    }
}
