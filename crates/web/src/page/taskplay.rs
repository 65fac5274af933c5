//! Live play for the cognitive tasks (issue 16): the "Play a trial" panel. The student
//! composes one trial with the controls of the current task (`#tp-*`), the page's copy of
//! the network (from the latest [`Event::Snapshot`]) runs it, and the panel draws it on
//! `#tp-trace` and says the choice in `#tp-verdict`. It re-runs when a control changes,
//! when a new snapshot arrives (so the student watches a training network learn), and on
//! "Run trial" (which also draws fresh noise when the noise box is ticked). All the logic
//! is in `state::taskplay`; drawing in `view::taskplay`.
//!
//! Test hooks on `#tp-verdict`: `data-choice` (the answer's name), `data-correct`
//! (`true`/`false`/`none`), `data-runs` (trials run so far) and `data-step` (the network's
//! step).

use super::context::Cx;
use super::dom::{by_id, on};
use super::{act, Component, Shared};
use crate::protocol::Event;
use crate::state::taskplay::{self, Controls, Played};
use crate::view::{charts, taskplay as draw};
use flipflop_core::task::TaskConfig;
use flipflop_core::{Network, TaskKind};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{
    Document, HtmlButtonElement, HtmlCanvasElement, HtmlElement, HtmlInputElement,
    HtmlSelectElement,
};

/// Ids of the controls, in the order of [`Controls`]'s fields.
const IDS: [&str; 11] = [
    "tp-coherence",
    "tp-context",
    "tp-motion",
    "tp-colour",
    "tp-f1",
    "tp-f2",
    "tp-delay",
    "tp-sample1",
    "tp-sample2",
    "tp-cue",
    "tp-test",
];

/// The panel's elements and state.
pub struct TaskPlay {
    doc: Document,
    canvas: HtmlCanvasElement,
    verdict: HtmlElement,
    message: HtmlElement,
    legend: HtmlElement,
    noise: HtmlInputElement,
    net: Option<(Network, u64)>,
    /// The task the controls' ranges were set for.
    ranges_for: Option<TaskConfig>,
    played: Option<Played>,
    /// Seed of the next noisy trial (advanced by "Run trial").
    seed: u64,
    runs: u64,
    dirty: bool,
}

/// The value of a control (an input or a select), empty when it is missing.
fn value(doc: &Document, id: &str) -> String {
    let Some(el) = doc.get_element_by_id(id) else {
        return String::new();
    };
    if let Some(i) = el.dyn_ref::<HtmlInputElement>() {
        i.value()
    } else if let Some(s) = el.dyn_ref::<HtmlSelectElement>() {
        s.value()
    } else {
        String::new()
    }
}

fn set_value(doc: &Document, id: &str, v: &str) {
    if let Some(el) = doc.get_element_by_id(id) {
        if let Some(i) = el.dyn_ref::<HtmlInputElement>() {
            i.set_value(v);
        } else if let Some(s) = el.dyn_ref::<HtmlSelectElement>() {
            s.set_value(v);
        }
    }
}

fn set_range(doc: &Document, id: &str, min: &str, max: &str) {
    if let Some(el) = doc.get_element_by_id(id) {
        let _ = el.set_attribute("min", min);
        let _ = el.set_attribute("max", max);
    }
}

impl TaskPlay {
    /// Finds the panel's elements.
    pub fn find(doc: &Document) -> Result<Self, JsValue> {
        for id in IDS {
            let _: HtmlElement = by_id(doc, id)?;
        }
        Ok(Self {
            doc: doc.clone(),
            canvas: by_id(doc, "tp-trace")?,
            verdict: by_id(doc, "tp-verdict")?,
            message: by_id(doc, "tp-message")?,
            legend: by_id(doc, "tp-legend")?,
            noise: by_id(doc, "tp-noise")?,
            net: None,
            ranges_for: None,
            played: None,
            seed: 1,
            runs: 0,
            dirty: false,
        })
    }

    fn controls(&self) -> Controls {
        let v: Vec<String> = IDS.iter().map(|id| value(&self.doc, id)).collect();
        Controls {
            coherence: v[0].clone(),
            context: v[1].clone(),
            motion: v[2].clone(),
            colour: v[3].clone(),
            f1: v[4].clone(),
            f2: v[5].clone(),
            delay: v[6].clone(),
            sample1: v[7].clone(),
            sample2: v[8].clone(),
            cue: v[9].clone(),
            test: v[10].clone(),
        }
    }

    /// Sets the controls' ranges from the task's options and their values to the task's
    /// defaults (a new task or new options).
    fn set_ranges(&mut self, task: &TaskConfig) {
        let lim = taskplay::coherence_limit(task);
        for id in ["tp-coherence", "tp-motion", "tp-colour"] {
            set_range(&self.doc, id, &format!("{}", -lim), &format!("{lim}"));
        }
        let o = &task.parametric_wm;
        set_range(
            &self.doc,
            "tp-delay",
            &o.delay_min_ms.to_string(),
            &o.delay_max_ms.to_string(),
        );
        let d = taskplay::default_controls(task);
        let vals = [
            &d.coherence,
            &d.context,
            &d.motion,
            &d.colour,
            &d.f1,
            &d.f2,
            &d.delay,
            &d.sample1,
            &d.sample2,
            &d.cue,
            &d.test,
        ];
        for (id, v) in IDS.iter().zip(vals) {
            set_value(&self.doc, id, v);
        }
        self.show_values();
        self.ranges_for = Some(task.clone());
    }

    /// The numbers next to the sliders.
    fn show_values(&self) {
        for id in ["tp-coherence", "tp-motion", "tp-colour"] {
            if let Some(out) = self.doc.get_element_by_id(&format!("{id}-value")) {
                out.set_text_content(Some(&value(&self.doc, id)));
            }
        }
    }

    /// Composes and runs the trial, then shows it; a bad control value shows its message and
    /// leaves the last trial on screen.
    fn run(&mut self, cx: &Cx) {
        let task = &cx.run.config.task;
        if task.kind == TaskKind::FlipFlop {
            return;
        }
        if self.ranges_for.as_ref() != Some(task) {
            self.set_ranges(task);
        }
        self.show_values();
        let trial = match taskplay::compose(task, &self.controls()) {
            Ok(t) => t,
            Err(e) => {
                self.message.set_text_content(Some(&e));
                return;
            }
        };
        let Some((net, step)) = &self.net else {
            self.message.set_text_content(None);
            self.verdict
                .set_text_content(Some("Waiting for the network…"));
            return;
        };
        let noise = self.noise.checked().then_some(self.seed);
        match taskplay::play(net, task, &trial, noise) {
            Ok(p) => {
                self.message.set_text_content(None);
                self.runs += 1;
                let v = &self.verdict;
                v.set_text_content(Some(&p.verdict));
                let _ = v.set_attribute("data-choice", taskplay::answers(p.kind)[p.choice]);
                let correct = match p.correct {
                    Some(c) => (c == p.choice).to_string(),
                    None => "none".into(),
                };
                let _ = v.set_attribute("data-correct", &correct);
                let _ = v.set_attribute("data-runs", &self.runs.to_string());
                let _ = v.set_attribute("data-step", &step.to_string());
                self.legend.set_inner_html(&draw::input_legend_html(&p));
                self.played = Some(p);
                self.draw();
            }
            Err(e) => {
                self.message.set_text_content(Some(&e));
            }
        }
    }

    fn draw(&self) {
        let Some(p) = &self.played else {
            return;
        };
        if let Some((mut ctx, w, h, dpr)) = charts::prepare(&self.canvas) {
            draw::paint(&mut ctx, w, h, dpr, p);
        }
    }

    /// Redraws at the canvas's current size (after a resize).
    pub fn redraw(&mut self) {
        self.dirty = true;
    }
}

impl Component for TaskPlay {
    fn on_event(&mut self, ev: &Event, cx: &mut Cx) {
        if let Event::Snapshot { snapshot, .. } = ev {
            if let Ok(net) = snapshot.network.to_network() {
                self.net = Some((net, snapshot.step));
                self.dirty = true;
                cx.redraw();
            }
        }
    }

    fn on_new_network(&mut self, _cx: &mut Cx) {
        self.net = None;
        self.played = None;
        self.dirty = true;
        let _ = self.verdict.set_attribute("data-choice", "");
        self.verdict.set_text_content(Some("–"));
    }

    fn frame(&mut self, _now: f64, cx: &mut Cx) -> bool {
        if std::mem::take(&mut self.dirty) {
            self.run(cx);
        }
        false
    }
}

/// Wires the controls: any change re-runs the trial; "Run trial" re-runs it with fresh noise.
pub fn wire(app: &Shared) -> Result<(), JsValue> {
    let doc = app.borrow().cx.doc.clone();
    let form: HtmlElement = by_id(&doc, "tp-form")?;
    for kind in ["input", "change"] {
        let a = app.clone();
        on(&form, kind, move |_e: web_sys::Event| {
            act(&a, |app| {
                app.taskplay.dirty = true;
                app.cx.redraw();
            });
        })?;
    }
    let run: HtmlButtonElement = by_id(&doc, "tp-run")?;
    let a = app.clone();
    on(&run, "click", move |_e: web_sys::Event| {
        act(&a, |app| {
            app.taskplay.seed = app.taskplay.seed.wrapping_add(1);
            app.taskplay.dirty = true;
            app.cx.redraw();
        });
    })?;
    Ok(())
}
