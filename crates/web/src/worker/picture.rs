//! The picture each cognitive task is known for, computed in the worker from the current
//! network and sent as one [`TaskPicture`]: the psychometric curve with its fitted logistic
//! (perceptual decision making; one curve per context for the context task), the accuracy
//! per (f1, f2) pair (parametric working memory) and per condition (match-to-sample). The
//! analyses are the core's (`flipflop_core::analysis::psychometric`); this module picks the
//! trial counts and converts to wire types.

use crate::protocol::{TaskPicture, WireCondition, WireCurve, WireStateSpace};
use flipflop_core::analysis::psychometric::{self, ConditionAccuracy, Curve};
use flipflop_core::task::{ContextDm, MatchTwoItems, ParametricWm, PerceptualDm, TaskKind};
use flipflop_core::{Config, Network};

/// Fresh noisy trials per coherence of a psychometric curve (about 440 trials for the
/// perceptual task's 11 signed levels, 2 × 6 × 32 for the context task's).
pub const CURVE_TRIALS: usize = 32;
/// Fresh trials per condition of the memory tasks (10 pairs, 6 conditions).
pub const CONDITION_TRIALS: usize = 24;

fn wire_curve(c: Curve) -> WireCurve {
    WireCurve {
        context: c.context,
        coherence: c.points.iter().map(|p| p.coherence).collect(),
        p_right: c.points.iter().map(|p| p.p_right).collect(),
        trials: c.points.first().map_or(0, |p| p.trials),
        bias: c.fit.bias,
        slope: c.fit.slope,
    }
}

fn wire_condition(c: ConditionAccuracy) -> WireCondition {
    WireCondition {
        pair: c.f1.zip(c.f2),
        condition: c.condition,
        accuracy: c.accuracy,
        trials: c.trials,
    }
}

/// The picture of `net` (trained on `cfg`'s task) at `step`; `None` for the flip-flop,
/// whose picture is the cube. The trials come from the seeded `Other` stream of `cfg.seed`
/// (the same trials at every step, so the picture changes only with the network).
pub fn build(net: &Network, cfg: &Config, step: u64) -> Option<TaskPicture> {
    let (task, seed) = (&cfg.task, cfg.seed);
    let (curves, conditions) = match task.kind {
        TaskKind::FlipFlop => return None,
        TaskKind::PerceptualDm => {
            let t = PerceptualDm::new(task.perceptual_dm.clone());
            let c = psychometric::perceptual_curve(net, &t, CURVE_TRIALS, seed);
            (vec![wire_curve(c)], Vec::new())
        }
        TaskKind::ContextDm => {
            let t = ContextDm::new(task.context_dm.clone());
            let cs = psychometric::context_curves(net, &t, CURVE_TRIALS, seed);
            (cs.into_iter().map(wire_curve).collect(), Vec::new())
        }
        TaskKind::ParametricWm => {
            let t = ParametricWm::new(task.parametric_wm.clone());
            let a = psychometric::pair_accuracy(net, &t, CONDITION_TRIALS, seed);
            (Vec::new(), a.into_iter().map(wire_condition).collect())
        }
        TaskKind::MatchTwoItems => {
            let t = MatchTwoItems::new(task.match_two_items.clone());
            let a = psychometric::match_accuracy(net, &t, CONDITION_TRIALS, seed);
            (Vec::new(), a.into_iter().map(wire_condition).collect())
        }
    };
    let mut pic = TaskPicture {
        step,
        task: task.kind.key().to_string(),
        curves,
        conditions,
        summary: String::new(),
        state_space: flipflop_core::analysis::task_state_space(net, task)
            .ok()
            .map(|s| WireStateSpace::from_core(&s)),
    };
    pic.summary = summary(&pic);
    Some(pic)
}

/// One sentence about `pic`: per curve, P(right) at the strongest coherence each way, at
/// zero, and the fitted slope; for the memory tasks the mean and the worst condition.
pub fn summary(pic: &TaskPicture) -> String {
    let mut parts: Vec<String> = pic
        .curves
        .iter()
        .map(|c| {
            let pct = |i: Option<usize>| i.and_then(|i| c.p_right.get(i)).map(|p| p * 100.0);
            let zero = c.coherence.iter().position(|&x| x == 0.0);
            let mut s = match &c.context {
                Some(name) => format!("{name} context: "),
                None => String::new(),
            };
            if let (Some(lo), Some(hi)) = (pct(Some(0)), pct(c.p_right.len().checked_sub(1))) {
                s += &format!("P(right) {lo:.0} % at the strongest left evidence, {hi:.0} % at the strongest right");
            }
            if let Some(z) = pct(zero) {
                s += &format!(", {z:.0} % at zero");
            }
            s + &format!(" (logistic slope {:.2} per %)", c.slope)
        })
        .collect();
    if !pic.conditions.is_empty() {
        let n = pic.conditions.len() as f32;
        let mean = pic.conditions.iter().map(|r| r.accuracy).sum::<f32>() / n;
        let worst = pic
            .conditions
            .iter()
            .min_by(|a, b| a.accuracy.total_cmp(&b.accuracy));
        let mut s = format!("Mean accuracy over conditions {:.0} %", mean * 100.0);
        if let Some(w) = worst {
            s += &format!("; hardest: {} ({:.0} %)", w.condition, w.accuracy * 100.0);
        }
        parts.push(s);
    }
    if parts.is_empty() {
        return String::new();
    }
    format!(
        "Step {}, {} fresh trials per point: {}.",
        pic.step,
        pic.curves
            .first()
            .map(|c| c.trials)
            .or(pic.conditions.first().map(|r| r.trials))
            .unwrap_or(0),
        parts.join("; ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each cognitive task's picture has its shape: one curve (two for the context task,
    /// named by context) over the signed coherences, or one row per condition, with
    /// fractions in [0, 1]; the flip-flop has none.
    #[test]
    fn each_task_has_its_picture() {
        let flip = Config::for_task(TaskKind::FlipFlop);
        let net = Network::init(&flip.model, 1);
        assert!(build(&net, &flip, 0).is_none());
        // (task, curves, points per curve, conditions)
        let cases = [
            (TaskKind::PerceptualDm, 1, 11, 0),
            (TaskKind::ContextDm, 2, 6, 0),
            (TaskKind::ParametricWm, 0, 0, 10),
            (TaskKind::MatchTwoItems, 0, 0, 6),
        ];
        for (kind, curves, points, conditions) in cases {
            let mut cfg = Config::for_task(kind);
            cfg.model.hidden = 8;
            let net = Network::init(&cfg.model, cfg.seed);
            let p = build(&net, &cfg, 5).expect("a picture");
            assert_eq!((p.step, p.task.as_str()), (5, kind.key()));
            assert_eq!(p.curves.len(), curves, "{kind:?}");
            assert_eq!(p.conditions.len(), conditions, "{kind:?}");
            assert!(p.summary.starts_with("Step 5, "), "{}", p.summary);
            for c in &p.curves {
                assert_eq!(c.coherence.len(), points, "{kind:?}");
                assert_eq!(c.p_right.len(), points);
                assert!(c.coherence.windows(2).all(|w| w[0] < w[1]));
                assert!(c.p_right.iter().all(|p| (0.0..=1.0).contains(p)));
                assert_eq!(c.trials, CURVE_TRIALS);
                assert!(c.bias.is_finite() && c.slope.is_finite());
                assert_eq!(c.context.is_some(), kind == TaskKind::ContextDm);
            }
            for r in &p.conditions {
                assert!((0.0..=1.0).contains(&r.accuracy));
                assert_eq!(r.trials, CONDITION_TRIALS);
                assert_eq!(r.pair.is_some(), kind == TaskKind::ParametricWm);
            }
        }
    }

    #[test]
    fn the_summary_reads_the_curves_and_names_the_hardest_condition() {
        let curve = WireCurve {
            context: Some("motion".into()),
            coherence: vec![-10.0, 0.0, 10.0],
            p_right: vec![0.05, 0.5, 0.95],
            trials: 32,
            bias: 0.0,
            slope: 0.3,
        };
        let mut pic = TaskPicture {
            step: 7,
            task: "context_dm".into(),
            curves: vec![curve],
            conditions: Vec::new(),
            summary: String::new(),
            state_space: None,
        };
        assert_eq!(
            summary(&pic),
            "Step 7, 32 fresh trials per point: motion context: P(right) 5 % at the strongest left evidence, 95 % at the strongest right, 50 % at zero (logistic slope 0.30 per %)."
        );
        let row = |name: &str, accuracy| WireCondition {
            condition: name.into(),
            pair: None,
            accuracy,
            trials: 24,
        };
        pic.curves.clear();
        pic.conditions = vec![row("cue first, match", 1.0), row("cue first, lure", 0.5)];
        assert_eq!(
            summary(&pic),
            "Step 7, 24 fresh trials per point: Mean accuracy over conditions 75 %; hardest: cue first, lure (50 %)."
        );
    }
}
