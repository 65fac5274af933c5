//! Live play for the cognitive tasks (issue 16): the student composes one trial's
//! condition (a signed coherence; a context and two coherences; f1, f2 and the delay; two
//! samples, a cue and a test), the page's copy of the network runs it, and the lab draws
//! the inputs and outputs over time with the task's periods marked and says what the
//! network chose.
//!
//! The trial is the task's own ([`PerceptualDm::fill_with`] and its siblings), so it is
//! exactly a training trial of that condition; noise is off unless asked for (then drawn
//! from a seeded stream). One trial is `trial_len × (N² + N·inputs)` multiply-adds
//! (60–230 steps): well under a millisecond at N 128. Plain Rust, tested natively; the
//! page (`page::taskplay`) reads the controls and draws through `view::taskplay`.

use flipflop_core::rng::{Purpose, SeedRng};
use flipflop_core::task::cognitive::{steps, CHOICE_0, CHOICE_1, DT_MS, FIXATION};
use flipflop_core::task::context_dm::{self, ContextTrial};
use flipflop_core::task::match_two::{self, MatchTrial, ITEMS};
use flipflop_core::task::parametric_wm::{self, WmTrial, F_MAX, F_MIN};
use flipflop_core::task::perceptual_dm::{self, DmTrial};
use flipflop_core::task::{
    Batch, ContextDm, MatchTwoItems, ParametricWm, PerceptualDm, TaskConfig, TaskKind,
};
use flipflop_core::Network;

/// The controls' values as the page reads them (text of the inputs and selects); only the
/// ones of the current task are read.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Controls {
    /// Perceptual: signed coherence in % (positive = right).
    pub coherence: String,
    /// Context: `"0"` motion or `"1"` colour.
    pub context: String,
    /// Context: signed motion coherence in %.
    pub motion: String,
    /// Context: signed colour coherence in %.
    pub colour: String,
    /// Parametric: f1 in Hz.
    pub f1: String,
    /// Parametric: f2 in Hz.
    pub f2: String,
    /// Parametric: the delay in ms.
    pub delay: String,
    /// Match: the first sample (item 1–4).
    pub sample1: String,
    /// Match: the second sample (item 1–4).
    pub sample2: String,
    /// Match: `"0"` the cue points at the first sample, `"1"` at the second.
    pub cue: String,
    /// Match: the test item (1–4).
    pub test: String,
}

/// One composed trial: the condition of the current task.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Composed {
    /// Perceptual decision making.
    Perceptual(DmTrial),
    /// Context-dependent decision making.
    Context(ContextTrial),
    /// Parametric working memory.
    Parametric(WmTrial),
    /// Match-to-sample with two items.
    Match(MatchTrial),
}

/// The largest |signed coherence| the controls accept for a decision task: the largest of
/// the task's coherence levels (what it was trained on).
pub fn coherence_limit(cfg: &TaskConfig) -> f32 {
    let list = match cfg.kind {
        TaskKind::ContextDm => &cfg.context_dm.coherences,
        _ => &cfg.perceptual_dm.coherences,
    };
    list.iter().copied().fold(0.0, f32::max)
}

fn number(what: &str, text: &str) -> Result<f32, String> {
    match text.trim().parse::<f32>() {
        Ok(v) if v.is_finite() => Ok(v),
        _ => Err(format!("{what}: enter a number (got \"{}\")", text.trim())),
    }
}

fn coherence(what: &str, text: &str, limit: f32) -> Result<f32, String> {
    let v = number(what, text)?;
    if v.abs() > limit + 1e-4 {
        return Err(format!(
            "{what} must be between −{limit} and {limit} % (the task's largest coherence); got {v}"
        ));
    }
    Ok(v)
}

fn whole(what: &str, text: &str, lo: i64, hi: i64, unit: &str) -> Result<usize, String> {
    let v = number(what, text)?;
    if v.fract() != 0.0 || (v as i64) < lo || (v as i64) > hi {
        return Err(format!(
            "{what} must be a whole number from {lo} to {hi}{unit}; got {v}"
        ));
    }
    Ok(v as usize)
}

/// The condition the controls describe for the task of `cfg`, range-checked against the
/// task's options: coherences within ±[`coherence_limit`], frequencies whole Hz in
/// 10..=34 and different, the delay a multiple of 20 ms within the task's delay range,
/// items 1–4 with two different samples. A message that says what to change otherwise; the
/// flip-flop has no composed trials.
pub fn compose(cfg: &TaskConfig, c: &Controls) -> Result<Composed, String> {
    match cfg.kind {
        TaskKind::FlipFlop => Err("the flip-flop has its own live play".to_string()),
        TaskKind::PerceptualDm => {
            let coherence = coherence("Coherence", &c.coherence, coherence_limit(cfg))?;
            Ok(Composed::Perceptual(DmTrial {
                coherence,
                right: coherence > 0.0,
            }))
        }
        TaskKind::ContextDm => {
            let limit = coherence_limit(cfg);
            let context = whole("Context", &c.context, 0, 1, "")?;
            let motion = coherence("Motion coherence", &c.motion, limit)?;
            let colour = coherence("Colour coherence", &c.colour, limit)?;
            let cued = if context == 0 { motion } else { colour };
            Ok(Composed::Context(ContextTrial {
                context,
                motion,
                colour,
                right: cued > 0.0,
            }))
        }
        TaskKind::ParametricWm => {
            let (lo, hi) = (F_MIN as i64, F_MAX as i64);
            let f1 = whole("f1", &c.f1, lo, hi, " Hz")? as u32;
            let f2 = whole("f2", &c.f2, lo, hi, " Hz")? as u32;
            if f1 == f2 {
                return Err(format!(
                    "f1 and f2 must differ (both are {f1} Hz): the task asks which is higher"
                ));
            }
            let o = &cfg.parametric_wm;
            let (dlo, dhi) = (o.delay_min_ms as i64, o.delay_max_ms as i64);
            let delay_ms = whole("Delay", &c.delay, dlo, dhi, " ms")?;
            if delay_ms % DT_MS != 0 {
                return Err(format!(
                    "Delay must be a multiple of {DT_MS} ms (one time step); got {delay_ms}"
                ));
            }
            Ok(Composed::Parametric(WmTrial { f1, f2, delay_ms }))
        }
        TaskKind::MatchTwoItems => {
            let top = ITEMS as i64;
            let a = whole("Sample 1", &c.sample1, 1, top, "")? - 1;
            let b = whole("Sample 2", &c.sample2, 1, top, "")? - 1;
            if a == b {
                return Err(format!(
                    "The two samples must differ (both are item {}), as in the task",
                    a + 1
                ));
            }
            let cue = whole("Cue", &c.cue, 0, 1, "")?;
            let test = whole("Test", &c.test, 1, top, "")? - 1;
            Ok(Composed::Match(MatchTrial {
                samples: [a, b],
                cue,
                test,
            }))
        }
    }
}

/// A period of a trial: steps `start..end`, named for the marks on the trace.
#[derive(Clone, Debug, PartialEq)]
pub struct Period {
    /// First step.
    pub start: usize,
    /// One past the last step.
    pub end: usize,
    /// Its name ("fixation", "stimulus", "f1", "delay", "cue", "decision", …).
    pub name: &'static str,
}

/// The periods of `trial` under the task of `cfg`, in order, covering every step once: the
/// layouts of the task modules (`perceptual_dm`, `context_dm`, `parametric_wm`, `match_two`).
pub fn periods(cfg: &TaskConfig, trial: &Composed) -> Vec<Period> {
    let mut out = Vec::new();
    let mut at = 0;
    let mut push = |len: usize, name: &'static str| {
        out.push(Period {
            start: at,
            end: at + len,
            name,
        });
        at += len;
    };
    match trial {
        Composed::Perceptual(_) => {
            push(steps(perceptual_dm::FIXATION_MS), "fixation");
            push(steps(cfg.perceptual_dm.stimulus_ms), "stimulus");
            push(steps(perceptual_dm::DECISION_MS), "decision");
        }
        Composed::Context(_) => {
            push(steps(context_dm::FIXATION_MS), "fixation");
            push(steps(cfg.context_dm.stimulus_ms), "stimulus");
            push(steps(context_dm::DECISION_MS), "decision");
        }
        Composed::Parametric(t) => {
            let o = &cfg.parametric_wm;
            let delay = t.delay_ms.clamp(o.delay_min_ms, o.delay_max_ms);
            push(
                steps(parametric_wm::FIXATION_MS + o.delay_max_ms - delay),
                "fixation",
            );
            push(steps(parametric_wm::STIMULUS_MS), "f1");
            push(steps(delay), "delay");
            push(steps(parametric_wm::STIMULUS_MS), "f2");
            push(steps(parametric_wm::DECISION_MS), "decision");
        }
        Composed::Match(_) => {
            let w = steps(match_two::ITEM_MS);
            push(steps(match_two::FIXATION_MS), "fixation");
            push(w, "sample 1");
            push(w, "gap");
            push(w, "sample 2");
            push(steps(cfg.match_two_items.delay_ms), "delay");
            push(w, "cue");
            push(w, "test");
            push(steps(match_two::DECISION_MS), "decision");
        }
    }
    out
}

/// The two answers of a task, as the verdict names them (output 0, output 1).
pub fn answers(kind: TaskKind) -> [&'static str; 2] {
    match kind {
        TaskKind::ParametricWm => ["f1 > f2", "f1 < f2"],
        TaskKind::MatchTwoItems => ["match", "non-match"],
        _ => ["left", "right"],
    }
}

/// The correct answer of `trial` (output index), `None` where the task has none (zero
/// coherence of the decisive stream).
pub fn correct(trial: &Composed) -> Option<usize> {
    let pick = |b: bool| if b { CHOICE_1 } else { CHOICE_0 };
    match trial {
        Composed::Perceptual(t) => (t.coherence != 0.0).then(|| pick(t.right)),
        Composed::Context(t) => (t.cued() != 0.0).then(|| pick(t.right)),
        Composed::Parametric(t) => Some(pick(t.f1 < t.f2)),
        Composed::Match(t) => Some(pick(!t.is_match())),
    }
}

/// The verdict in words from the outputs `z` at the last step (the task's accuracy rule:
/// the larger output is the choice, ties to output 0): "Chose right, 0.93 vs 0.04 at the
/// last step: correct." and the like.
pub fn verdict(kind: TaskKind, z_last: [f32; 2], correct: Option<usize>) -> String {
    let names = answers(kind);
    let choice = if z_last[CHOICE_1] > z_last[CHOICE_0] {
        CHOICE_1
    } else {
        CHOICE_0
    };
    if !(z_last[0].is_finite() && z_last[1].is_finite()) {
        return "No choice: the outputs are not finite numbers (the network has diverged)."
            .to_string();
    }
    let head = format!(
        "Chose {}, {:.2} vs {:.2} at the last step",
        names[choice],
        z_last[choice],
        z_last[1 - choice]
    );
    match correct {
        Some(c) if c == choice => format!("{head}: correct."),
        Some(c) => format!("{head}: wrong, the answer is {}.", names[c]),
        None => format!("{head}; at zero coherence no answer is right."),
    }
}

/// A trial the network has run: what the trace draws and the verdict says.
#[derive(Clone, Debug, PartialEq)]
pub struct Played {
    /// The task.
    pub kind: TaskKind,
    /// The condition.
    pub trial: Composed,
    /// Time steps.
    pub trial_len: usize,
    /// Input channels.
    pub inputs: usize,
    /// Inputs, row-major `trial_len × inputs`.
    pub x: Vec<f32>,
    /// Targets, row-major `trial_len × 2`.
    pub y: Vec<f32>,
    /// Loss mask, row-major `trial_len × 2` (1 where the target is scored).
    pub mask: Vec<f32>,
    /// Network outputs, row-major `trial_len × 2`.
    pub z: Vec<f32>,
    /// Input channel names.
    pub input_names: Vec<String>,
    /// The periods, in order.
    pub periods: Vec<Period>,
    /// The choice at the last step (output index).
    pub choice: usize,
    /// The correct answer, if there is one.
    pub correct: Option<usize>,
    /// The verdict sentence ([`verdict`]).
    pub verdict: String,
}

fn fill(task: &TaskConfig, trial: &Composed, batch: &mut Batch, rng: &mut SeedRng) {
    match trial {
        Composed::Perceptual(t) => {
            PerceptualDm::new(task.perceptual_dm.clone()).fill_with(batch, &[*t], rng)
        }
        Composed::Context(t) => {
            ContextDm::new(task.context_dm.clone()).fill_with(batch, &[*t], rng)
        }
        Composed::Parametric(t) => {
            ParametricWm::new(task.parametric_wm.clone()).fill_with(batch, &[*t], rng)
        }
        Composed::Match(t) => {
            MatchTwoItems::new(task.match_two_items.clone()).fill_with(batch, &[*t], rng)
        }
    }
}

/// The task of `cfg` without its input noise (the controls' trials are noiseless unless
/// the student asks for noise).
fn quiet(cfg: &TaskConfig) -> TaskConfig {
    let mut t = cfg.clone();
    t.perceptual_dm.noise_sd = 0.0;
    t.context_dm.noise_sd = 0.0;
    t.parametric_wm.noise_sd = 0.0;
    t.match_two_items.noise_sd = 0.0;
    t
}

/// Runs `net` from a zero state on `trial` of the task of `cfg`: noiseless, or with the
/// task's input noise drawn from the `Other` stream of `noise_seed`. Errors (and nothing
/// run) when the trial is not of the configured task or the network's channels are not the
/// task's (a network of another task still showing).
pub fn play(
    net: &Network,
    cfg: &TaskConfig,
    trial: &Composed,
    noise_seed: Option<u64>,
) -> Result<Played, String> {
    let kind = match trial {
        Composed::Perceptual(_) => TaskKind::PerceptualDm,
        Composed::Context(_) => TaskKind::ContextDm,
        Composed::Parametric(_) => TaskKind::ParametricWm,
        Composed::Match(_) => TaskKind::MatchTwoItems,
    };
    if kind != cfg.kind {
        return Err(format!(
            "this trial is of the {} task, the network's is {}",
            kind.cli_name(),
            cfg.kind.cli_name()
        ));
    }
    let task = flipflop_core::task::build(cfg);
    let (ni, no) = (net.config.inputs(), net.config.outputs());
    if (ni, no) != (task.inputs(), task.outputs()) {
        return Err(format!(
            "the network has {ni} inputs and {no} outputs, the {} task {} and {}: wait for \
             the new network",
            kind.cli_name(),
            task.inputs(),
            task.outputs()
        ));
    }
    let run_cfg = if noise_seed.is_some() {
        cfg.clone()
    } else {
        quiet(cfg)
    };
    let mut rng = SeedRng::new(noise_seed.unwrap_or(0), Purpose::Other);
    let mut batch = Batch::default();
    fill(&run_cfg, trial, &mut batch, &mut rng);
    let trial_len = batch.trial_len;
    let (_, z) = net.run(&batch.x, trial_len);
    let last = (trial_len.saturating_sub(1)) * no;
    let z_last = [z[last + CHOICE_0], z[last + CHOICE_1]];
    let correct = correct(trial);
    let choice = usize::from(z_last[CHOICE_1] > z_last[CHOICE_0]);
    Ok(Played {
        kind,
        trial: *trial,
        trial_len,
        inputs: ni,
        input_names: (0..ni).map(|i| task.input_name(i)).collect(),
        periods: periods(cfg, trial),
        choice,
        correct,
        verdict: verdict(kind, z_last, correct),
        x: batch.x,
        y: batch.y,
        mask: batch.mask,
        z,
    })
}

/// The default controls of a task: a moderate condition the network should get right
/// (coherence at about half the task's largest, f1 26 Hz vs f2 18 Hz at the shortest
/// delay, a match with the first sample cued).
pub fn default_controls(cfg: &TaskConfig) -> Controls {
    let half = coherence_limit(cfg) / 2.0;
    let half = (half * 10.0).round() / 10.0;
    Controls {
        coherence: format!("{half}"),
        context: "0".into(),
        motion: format!("{half}"),
        colour: format!("{}", -half),
        f1: "26".into(),
        f2: "18".into(),
        delay: cfg.parametric_wm.delay_min_ms.to_string(),
        sample1: "1".into(),
        sample2: "2".into(),
        cue: "0".into(),
        test: "1".into(),
    }
}

/// Whether the fixation input is on at step `t` of `played` (the go signal is where it
/// turns off).
pub fn fixating(played: &Played, t: usize) -> bool {
    played
        .x
        .get(t * played.inputs + FIXATION)
        .is_some_and(|v| *v > 0.5)
}

#[cfg(test)]
#[path = "taskplay_tests.rs"]
mod tests;
