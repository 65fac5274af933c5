//! The fixed-point panel: Find / Cancel, the progress and summary, the list of points, the
//! details of the selected one, and the Jacobian-spectrum toggle. The worker searches
//! ([`Command::FindFixedPoints`]); the result and the selection go into the shared overlay
//! (`Cx::overlay`), which the cube and the spectrum draw.

use super::context::Cx;
use super::dom::{by_id, on, set_flag};
use super::{act, Component, Shared};
use crate::protocol::{Command, Event};
use crate::state::fixed;
use flipflop_core::fixedpoints::FixedPointOptions;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{
    Document, Element, HtmlButtonElement, HtmlElement, HtmlInputElement, HtmlProgressElement,
    PointerEvent,
};

/// How near (CSS px) the pointer must come to a marker to select it.
const HIT_RADIUS: f64 = 10.0;

/// The fixed-point controls.
pub struct FixedPanel {
    find: HtmlButtonElement,
    cancel: HtmlButtonElement,
    show: HtmlInputElement,
    progress: HtmlProgressElement,
    summary: HtmlElement,
    list: HtmlElement,
    details: HtmlElement,
    jacobian: HtmlInputElement,
    searching: bool,
}

impl FixedPanel {
    /// Finds the controls.
    pub fn find(doc: &Document) -> Result<Self, JsValue> {
        Ok(Self {
            find: by_id(doc, "fp-find")?,
            cancel: by_id(doc, "fp-cancel")?,
            show: by_id(doc, "fp-show")?,
            progress: by_id(doc, "fp-progress")?,
            summary: by_id(doc, "fp-summary")?,
            list: by_id(doc, "fp-list")?,
            details: by_id(doc, "fp-details")?,
            jacobian: by_id(doc, "jacobian-toggle")?,
            searching: false,
        })
    }

    fn set_searching(&mut self, on: bool) {
        self.searching = on;
        self.find.set_disabled(on);
        self.cancel.set_disabled(!on);
        set_flag(&self.progress, "data-active", on);
        if !on {
            self.progress.set_value(0.0);
        }
    }

    /// Rebuilds the list of points (text only, through the DOM).
    fn build_list(&self, cx: &Cx) {
        self.list.set_text_content(None);
        let Some(data) = &cx.overlay.data else { return };
        let bits = cx.run.config.task.bits;
        for (i, p) in data.points.iter().enumerate() {
            let (Ok(li), Ok(btn)) = (cx.doc.create_element("li"), cx.doc.create_element("button"))
            else {
                continue;
            };
            let _ = btn.set_attribute("type", "button");
            let _ = btn.set_attribute("data-fp", &i.to_string());
            let _ = btn.set_attribute("data-kind", fixed::Kind::of(p).name());
            let _ = btn.set_attribute("aria-pressed", "false");
            btn.set_text_content(Some(&fixed::label(i, p, bits)));
            let _ = li.append_child(&btn);
            let _ = self.list.append_child(&li);
        }
    }

    /// Marks the selected list item and writes the details box.
    fn show_selection(&self, cx: &Cx) {
        let selected = cx.overlay.selected;
        if let Ok(items) = self.list.query_selector_all("button[data-fp]") {
            for k in 0..items.length() {
                if let Some(el) = items.get(k).and_then(|n| n.dyn_into::<Element>().ok()) {
                    let on = el.get_attribute("data-fp").and_then(|v| v.parse().ok()) == selected;
                    set_flag(&el, "aria-pressed", on);
                }
            }
        }
        match cx.overlay.selected_point() {
            Some((i, p)) => {
                let bits = cx.run.config.task.bits;
                self.details
                    .set_text_content(Some(&fixed::details(i, p, bits)));
                let _ = self
                    .details
                    .set_attribute("data-kind", fixed::Kind::of(p).name());
                let _ = self.details.set_attribute("data-index", &i.to_string());
            }
            None => {
                let any = cx
                    .overlay
                    .data
                    .as_ref()
                    .is_some_and(|d| !d.points.is_empty());
                let text = if any {
                    "Hover over or click a marker on the cube, or pick a point from the list, \
                     to see what it is."
                } else {
                    ""
                };
                self.details.set_text_content(Some(text));
                let _ = self.details.remove_attribute("data-kind");
                let _ = self.details.remove_attribute("data-index");
            }
        }
    }

    /// Selects point `i` (or none): details, list, and through the overlay the cube's ring
    /// and the Jacobian spectrum.
    fn select(&mut self, i: Option<usize>, cx: &mut Cx) {
        if cx.overlay.selected == i {
            return;
        }
        cx.overlay.selected = i;
        cx.overlay.touch();
        self.show_selection(cx);
        cx.redraw();
    }

    /// A note for the summary when the network has moved on since the search.
    fn on_new_step(&self, cube_step: u64, cx: &Cx) {
        let Some(data) = &cx.overlay.data else { return };
        let bits = cx.run.config.task.bits;
        let stale = cube_step != data.step;
        set_flag(&self.summary, "data-stale", stale);
        let text = if stale {
            format!(
                "{} The network has changed since (now step {cube_step}); the points are \
                 hidden — find them again.",
                fixed::summary(data, bits)
            )
        } else {
            fixed::summary(data, bits)
        };
        self.summary.set_text_content(Some(&text));
    }

    fn on_find(&mut self, cx: &mut Cx) {
        // The points belong to the network on screen: training pauses for them.
        if cx.run.running {
            cx.send(Command::Pause);
        }
        self.set_searching(true);
        self.summary
            .set_text_content(Some("Searching the fixed points…"));
        cx.send(Command::FindFixedPoints {
            options: FixedPointOptions::default(),
        });
    }
}

impl Component for FixedPanel {
    fn on_event(&mut self, ev: &Event, cx: &mut Cx) {
        match ev {
            Event::FixedPointProgress { step, fraction, .. } => {
                if !self.searching {
                    self.set_searching(true);
                }
                self.progress.set_value(*fraction as f64);
                self.summary.set_text_content(Some(&format!(
                    "Searching the fixed points of step {step}… {:.0} %",
                    fraction * 100.0
                )));
            }
            Event::FixedPoints { data, .. } => {
                let bits = cx.run.config.task.bits;
                self.set_searching(false);
                self.summary
                    .set_text_content(Some(&fixed::summary(data, bits)));
                let _ = self
                    .summary
                    .set_attribute("data-step", &data.step.to_string());
                let (stable, unstable, slow) = fixed::counts(data);
                let _ = self
                    .summary
                    .set_attribute("data-counts", &format!("{stable},{unstable},{slow}"));
                cx.overlay.data = Some((**data).clone());
                cx.overlay.selected = None;
                cx.overlay.touch();
                self.build_list(cx);
                self.show_selection(cx);
            }
            Event::FixedPointsCancelled { reason, .. } => {
                self.set_searching(false);
                self.summary
                    .set_text_content(Some(&format!("Search stopped: {reason}.")));
            }
            Event::Cube { cube, .. } => self.on_new_step(cube.step, cx),
            _ => return,
        }
        cx.redraw();
    }

    /// Forgets the last result (the network was replaced).
    fn on_new_network(&mut self, cx: &mut Cx) {
        let o = &mut cx.overlay;
        o.data = None;
        o.selected = None;
        o.positions.clear();
        o.touch();
        self.set_searching(false);
        self.summary.set_text_content(Some(""));
        for attr in ["data-counts", "data-step", "data-stale"] {
            let _ = self.summary.remove_attribute(attr);
        }
        self.build_list(cx);
        self.show_selection(cx);
        cx.redraw();
    }
}

/// Wires the fixed-point controls and the cube's hover/click selection.
pub fn wire(app: &Shared) -> Result<(), JsValue> {
    let (find, cancel, show, list, jacobian, canvas) = {
        let a = app.borrow();
        let f = &a.fixed;
        (
            f.find.clone(),
            f.cancel.clone(),
            f.show.clone(),
            f.list.clone(),
            f.jacobian.clone(),
            by_id::<web_sys::HtmlCanvasElement>(&a.cx.doc, "cube")?,
        )
    };
    let a = app.clone();
    on(&find, "click", move |_e: web_sys::Event| {
        act(&a, |app| app.fixed.on_find(&mut app.cx));
    })?;
    let a = app.clone();
    on(&cancel, "click", move |_e: web_sys::Event| {
        act(&a, |app| app.cx.send(Command::CancelFixedPoints));
    })?;
    let a = app.clone();
    let s = show.clone();
    on(&show, "change", move |_e: web_sys::Event| {
        act(&a, |app| {
            app.cx.overlay.show = s.checked();
            app.cx.overlay.touch();
            app.cx.redraw();
        });
    })?;
    let a = app.clone();
    let j = jacobian.clone();
    on(&jacobian, "change", move |_e: web_sys::Event| {
        act(&a, |app| {
            app.cx.overlay.jacobian = j.checked();
            app.cx.overlay.touch();
            app.cx.redraw();
        });
    })?;
    // The list: click or keyboard focus selects.
    for kind in ["click", "focusin"] {
        let a = app.clone();
        on(&list, kind, move |e: web_sys::Event| {
            let i = e
                .target()
                .and_then(|t| t.dyn_into::<Element>().ok())
                .and_then(|t| t.closest("[data-fp]").ok().flatten())
                .and_then(|b| b.get_attribute("data-fp"))
                .and_then(|v| v.parse::<usize>().ok());
            if let Some(i) = i {
                act(&a, |app| app.fixed.select(Some(i), &mut app.cx));
            }
        })?;
    }
    // Hovering a marker on the cube selects it (not while orbiting); a click on one too.
    for kind in ["pointermove", "click"] {
        let a = app.clone();
        on(&canvas, kind, move |e: PointerEvent| {
            let (x, y) = (e.offset_x() as f64, e.offset_y() as f64);
            act(&a, |app| {
                if app.cx.overlay.dragging {
                    return;
                }
                if let Some(i) = fixed::hit(&app.cx.overlay.positions, x, y, HIT_RADIUS) {
                    app.fixed.select(Some(i), &mut app.cx);
                }
            });
        })?;
    }
    Ok(())
}
