//! The state space of a cognitive task (issue 16), in the cube panel's place: the analysis
//! trials' trajectories in their top three principal components, coloured by condition with
//! a legend (`#ss-legend`), and the fixed and slow points of the task's search ("Find fixed
//! and slow points", the same search and overlay as the cube's). The trajectories come with
//! the worker's [`Event::TaskPicture`]; drag the canvas (or focus it and use the arrow keys)
//! to orbit.
//!
//! Test hooks on `#ss-canvas`: `data-trajectories`, `data-step` and `data-fp-drawn`.

use super::context::Cx;
use super::dom::{by_id, on};
use super::{act, Component, Shared};
use crate::protocol::{Command, Event, WireStateSpace};
use crate::state::fixed;
use crate::view::cube::{Frame, View};
use crate::view::{charts, statespace as draw};
use flipflop_core::fixedpoints::FixedPointOptions;
use wasm_bindgen::JsValue;
use web_sys::{
    Document, HtmlButtonElement, HtmlCanvasElement, HtmlElement, KeyboardEvent, PointerEvent,
};

/// The panel's elements and the state space on screen.
pub struct StateSpacePanel {
    canvas: HtmlCanvasElement,
    legend: HtmlElement,
    summary: HtmlElement,
    find: HtmlButtonElement,
    fp_summary: HtmlElement,
    /// The state space, its step and its task's key.
    data: Option<(WireStateSpace, u64, String)>,
    view: View,
    drag: Option<(i32, f64, f64)>,
    overlay_seen: u64,
    dirty: bool,
}

impl StateSpacePanel {
    /// Finds the elements.
    pub fn find(doc: &Document) -> Result<Self, JsValue> {
        Ok(Self {
            canvas: by_id(doc, "ss-canvas")?,
            legend: by_id(doc, "ss-legend")?,
            summary: by_id(doc, "ss-summary")?,
            find: by_id(doc, "ss-find")?,
            fp_summary: by_id(doc, "ss-fp-summary")?,
            data: None,
            view: View::default(),
            drag: None,
            overlay_seen: 0,
            dirty: false,
        })
    }

    /// Redraws at the canvas's current size (after a resize).
    pub fn redraw(&mut self) {
        self.dirty = true;
    }

    fn draw(&self, cx: &Cx) {
        let Some((ss, step, key)) = &self.data else {
            return;
        };
        let markers = match &cx.overlay.data {
            Some(d) if cx.overlay.show && d.step == *step => {
                fixed::markers(d, &ss.pca, Frame::of(&ss.pca).scale)
            }
            _ => Vec::new(),
        };
        let _ = self
            .canvas
            .set_attribute("data-trajectories", &ss.trials.to_string());
        let _ = self.canvas.set_attribute("data-step", &step.to_string());
        let _ = self
            .canvas
            .set_attribute("data-fp-drawn", &markers.len().to_string());
        if let Some((mut ctx, w, h, dpr)) = charts::prepare(&self.canvas) {
            draw::paint(&mut ctx, w, h, dpr, ss, key, &self.view, &markers);
        }
    }

    fn on_find(&mut self, cx: &mut Cx) {
        // The points belong to the network on screen: training pauses for them.
        if cx.run.running {
            cx.send(Command::Pause);
        }
        self.find.set_disabled(true);
        self.fp_summary
            .set_text_content(Some("Searching the fixed and slow points…"));
        cx.send(Command::FindFixedPoints {
            options: FixedPointOptions::default(),
        });
    }
}

impl Component for StateSpacePanel {
    fn on_event(&mut self, ev: &Event, cx: &mut Cx) {
        match ev {
            Event::TaskPicture { picture, .. } => {
                let Some(ss) = picture.state_space.as_ref().filter(|s| s.is_consistent()) else {
                    return;
                };
                if self.data.as_ref().map(|d| &d.2) != Some(&picture.task) {
                    self.legend
                        .set_inner_html(&draw::legend_html(ss, &picture.task));
                }
                let f = &ss.pca.fractions;
                self.summary.set_text_content(Some(&format!(
                    "{} trajectories (one per condition, no noise) at step {}; the three axes \
                     hold {:.0} % of the variance.",
                    ss.trials,
                    picture.step,
                    f.iter().sum::<f64>() * 100.0
                )));
                self.data = Some((ss.clone(), picture.step, picture.task.clone()));
                self.dirty = true;
                cx.redraw();
            }
            Event::FixedPointProgress { step, fraction, .. } => {
                self.find.set_disabled(true);
                self.fp_summary.set_text_content(Some(&format!(
                    "Searching the fixed and slow points of step {step}… {:.0} %",
                    fraction * 100.0
                )));
            }
            Event::FixedPoints { data, .. } => {
                self.find.set_disabled(false);
                let (stable, unstable, slow) = fixed::counts(data);
                self.fp_summary.set_text_content(Some(&format!(
                    "Step {}: {stable} stable, {unstable} unstable and {slow} slow points \
                     (under the fixation input alone), in {:.1} s.",
                    data.step,
                    data.ms / 1000.0
                )));
                self.dirty = true;
                cx.redraw();
            }
            Event::FixedPointsCancelled { reason, .. } => {
                self.find.set_disabled(false);
                self.fp_summary
                    .set_text_content(Some(&format!("Search stopped: {reason}.")));
            }
            Event::Error { .. } => self.find.set_disabled(false),
            _ => {}
        }
    }

    fn on_new_network(&mut self, _cx: &mut Cx) {
        self.data = None;
        self.legend.set_inner_html("");
        self.summary.set_text_content(None);
        self.fp_summary.set_text_content(None);
        self.find.set_disabled(false);
        let _ = self.canvas.set_attribute("data-trajectories", "0");
        let _ = self.canvas.set_attribute("data-fp-drawn", "0");
    }

    fn frame(&mut self, _now: f64, cx: &mut Cx) -> bool {
        if cx.overlay.revision != self.overlay_seen {
            self.overlay_seen = cx.overlay.revision;
            self.dirty = true;
        }
        if std::mem::take(&mut self.dirty) {
            self.draw(cx);
        }
        false
    }
}

/// Wires the button and the orbiting (drag, arrow keys on the focused canvas).
pub fn wire(app: &Shared) -> Result<(), JsValue> {
    let (find, canvas) = {
        let a = app.borrow();
        (a.statespace.find.clone(), a.statespace.canvas.clone())
    };
    let a = app.clone();
    on(&find, "click", move |_e: web_sys::Event| {
        act(&a, |app| app.statespace.on_find(&mut app.cx));
    })?;
    let a = app.clone();
    let c = canvas.clone();
    on(&canvas, "pointerdown", move |e: PointerEvent| {
        act(&a, |app| {
            let _ = c.set_pointer_capture(e.pointer_id());
            app.statespace.drag = Some((e.pointer_id(), e.client_x() as f64, e.client_y() as f64));
            e.prevent_default();
        });
    })?;
    let a = app.clone();
    let c = canvas.clone();
    on(&canvas, "pointermove", move |e: PointerEvent| {
        act(&a, |app| {
            let p = &mut app.statespace;
            let Some((id, x, y)) = p.drag else {
                return;
            };
            if id != e.pointer_id() {
                return;
            }
            let (nx, ny) = (e.client_x() as f64, e.client_y() as f64);
            p.view.drag(nx - x, ny - y, c.client_width() as f64);
            p.drag = Some((id, nx, ny));
            p.dirty = true;
            app.cx.redraw();
        });
    })?;
    for kind in ["pointerup", "pointercancel", "lostpointercapture"] {
        let a = app.clone();
        on(&canvas, kind, move |_e: PointerEvent| {
            act(&a, |app| app.statespace.drag = None);
        })?;
    }
    let a = app.clone();
    on(&canvas, "keydown", move |e: KeyboardEvent| {
        let step = 0.15;
        let (dy, dp) = match e.key().as_str() {
            "ArrowLeft" => (-step, 0.0),
            "ArrowRight" => (step, 0.0),
            "ArrowUp" => (0.0, -step),
            "ArrowDown" => (0.0, step),
            _ => return,
        };
        e.prevent_default();
        act(&a, |app| {
            let p = &mut app.statespace;
            p.view.yaw += dy;
            p.view.pitch = (p.view.pitch + dp).clamp(-1.5, 1.5);
            p.dirty = true;
            app.cx.redraw();
        });
    })?;
    Ok(())
}
