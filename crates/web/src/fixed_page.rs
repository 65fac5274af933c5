//! The page side of fixed points (a child module of `page`, so it extends `App`): the
//! Find/Cancel controls, the progress and summary, the list of points, the details of the
//! selected one, and the Jacobian-spectrum toggle. The worker searches
//! ([`Command::FindFixedPoints`]); `cube::draw` paints the markers that
//! [`FixedState::markers`] computes; the spectrum panel draws the selected point's Jacobian
//! eigenvalues when the toggle is on.

use super::{by_id, on, App, Shared};
use crate::cube::Scene;
use crate::fixed::{self, Marker};
use crate::protocol::{Command, Event, FixedPointsData};
use flipflop_core::fixedpoints::{FixedPoint, FixedPointOptions};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{
    Document, Element, HtmlButtonElement, HtmlElement, HtmlInputElement, HtmlProgressElement,
    PointerEvent,
};

/// How near (CSS px) the pointer must come to a marker to select it.
const HIT_RADIUS: f64 = 10.0;

pub(super) struct FixedState {
    find: HtmlButtonElement,
    cancel: HtmlButtonElement,
    show: HtmlInputElement,
    progress: HtmlProgressElement,
    summary: HtmlElement,
    list: HtmlElement,
    details: HtmlElement,
    /// "Show the Jacobian spectrum at the selected point" (spectrum panel).
    pub(super) jacobian: HtmlInputElement,
    /// The last search's result.
    data: Option<FixedPointsData>,
    searching: bool,
    /// The selected point (index into `data.points`).
    selected: Option<usize>,
    /// Where the markers were drawn last (CSS px), for hit tests.
    pub(super) positions: Vec<(usize, f64, f64)>,
    /// Bumped whenever `data` changes (keys the marker cache).
    generation: u64,
    /// The markers of the last key (result, cube step, PCA or SVD, frame scale) asked for.
    cache: std::cell::RefCell<(MarkerKey, Vec<Marker>)>,
}

type MarkerKey = Option<(u64, u64, bool, u32)>;

impl FixedState {
    pub(super) fn find(doc: &Document) -> Result<Self, JsValue> {
        Ok(Self {
            find: by_id(doc, "fp-find")?,
            cancel: by_id(doc, "fp-cancel")?,
            show: by_id(doc, "fp-show")?,
            progress: by_id(doc, "fp-progress")?,
            summary: by_id(doc, "fp-summary")?,
            list: by_id(doc, "fp-list")?,
            details: by_id(doc, "fp-details")?,
            jacobian: by_id(doc, "jacobian-toggle")?,
            data: None,
            searching: false,
            selected: None,
            positions: Vec::new(),
            generation: 0,
            cache: std::cell::RefCell::new((None, Vec::new())),
        })
    }

    /// The markers to draw on `scene`: none when hidden, when there is no result, or when
    /// the cube shows another step than the one searched (the network has moved on).
    /// Projected once per result, projection and visibility, not on every frame.
    pub(super) fn markers(&self, scene: Option<&Scene>) -> std::cell::Ref<'_, Vec<Marker>> {
        let key = match (scene, &self.data) {
            (Some(scene), Some(data)) if self.show.checked() && scene.data.step == data.step => {
                Some((
                    self.generation,
                    scene.data.step,
                    scene.pca,
                    scene.frame.scale.to_bits(),
                ))
            }
            _ => None,
        };
        if self.cache.borrow().0 != key {
            let markers = match (scene, &self.data, key) {
                (Some(scene), Some(data), Some(_)) => {
                    fixed::markers(data, scene.projection(), scene.frame.scale)
                }
                _ => Vec::new(),
            };
            *self.cache.borrow_mut() = (key, markers);
        }
        std::cell::Ref::map(self.cache.borrow(), |c| &c.1)
    }

    /// The selected point, if any.
    pub(super) fn selected_point(&self) -> Option<(usize, &FixedPoint)> {
        let i = self.selected?;
        Some((i, self.data.as_ref()?.points.get(i)?))
    }

    /// The selected point's Jacobian eigenvalues when the toggle asks for them.
    pub(super) fn jacobian_spectrum(&self) -> Option<(usize, &FixedPoint)> {
        if self.jacobian.checked() {
            self.selected_point()
        } else {
            None
        }
    }

    pub(super) fn selected(&self) -> Option<usize> {
        self.selected
    }

    fn set_searching(&mut self, on: bool) {
        self.searching = on;
        self.find.set_disabled(on);
        self.cancel.set_disabled(!on);
        let _ = self
            .progress
            .set_attribute("data-active", if on { "true" } else { "false" });
        if !on {
            self.progress.set_value(0.0);
        }
    }

    /// Rebuilds the list of points (text only, through the DOM).
    fn build_list(&self, doc: &Document, bits: usize) {
        self.list.set_text_content(None);
        let Some(data) = &self.data else { return };
        for (i, p) in data.points.iter().enumerate() {
            let (Ok(li), Ok(btn)) = (doc.create_element("li"), doc.create_element("button")) else {
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
    fn show_selection(&self, bits: usize) {
        let items = self.list.query_selector_all("button[data-fp]");
        if let Ok(items) = items {
            for k in 0..items.length() {
                if let Some(el) = items.get(k).and_then(|n| n.dyn_into::<Element>().ok()) {
                    let on =
                        el.get_attribute("data-fp").and_then(|v| v.parse().ok()) == self.selected;
                    let _ = el.set_attribute("aria-pressed", if on { "true" } else { "false" });
                }
            }
        }
        match self.selected_point() {
            Some((i, p)) => {
                self.details
                    .set_text_content(Some(&fixed::details(i, p, bits)));
                let _ = self
                    .details
                    .set_attribute("data-kind", fixed::Kind::of(p).name());
                let _ = self.details.set_attribute("data-index", &i.to_string());
            }
            None => {
                let text = if self.data.as_ref().is_some_and(|d| !d.points.is_empty()) {
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
}

impl App {
    /// Forgets the last result (the network was replaced).
    pub(super) fn fixed_clear(&mut self) {
        let f = &mut self.fixed;
        f.data = None;
        f.generation += 1;
        f.selected = None;
        f.positions.clear();
        f.set_searching(false);
        f.summary.set_text_content(Some(""));
        for attr in ["data-counts", "data-step", "data-stale"] {
            let _ = f.summary.remove_attribute(attr);
        }
        f.build_list(&self.doc, 0);
        f.show_selection(0);
        self.live_redraw();
    }

    pub(super) fn on_fixed_event(&mut self, ev: Event) {
        let bits = self.config.task.bits;
        match ev {
            Event::FixedPointProgress { step, fraction } => {
                let f = &mut self.fixed;
                if !f.searching {
                    f.set_searching(true);
                }
                f.progress.set_value(fraction as f64);
                f.summary.set_text_content(Some(&format!(
                    "Searching the fixed points of step {step}… {:.0} %",
                    fraction * 100.0
                )));
            }
            Event::FixedPoints(data) => {
                let f = &mut self.fixed;
                f.set_searching(false);
                f.summary
                    .set_text_content(Some(&fixed::summary(&data, bits)));
                let _ = f.summary.set_attribute("data-step", &data.step.to_string());
                let (stable, unstable, slow) = fixed::counts(&data);
                let _ = f
                    .summary
                    .set_attribute("data-counts", &format!("{stable},{unstable},{slow}"));
                f.data = Some(*data);
                f.generation += 1;
                f.selected = None;
                f.build_list(&self.doc, bits);
                f.show_selection(bits);
                self.live_redraw();
                if self.fixed.jacobian.checked() {
                    self.dirty.spectrum = true;
                }
            }
            Event::FixedPointsCancelled { reason } => {
                let f = &mut self.fixed;
                f.set_searching(false);
                f.summary
                    .set_text_content(Some(&format!("Search stopped: {reason}.")));
            }
            _ => {}
        }
        self.request_frame();
    }

    /// Selects point `i` (or none): details, list, cube ring, and the Jacobian spectrum.
    fn fixed_select(&mut self, i: Option<usize>) {
        if self.fixed.selected == i {
            return;
        }
        self.fixed.selected = i;
        self.fixed.show_selection(self.config.task.bits);
        self.live_redraw();
        if self.fixed.jacobian.checked() {
            self.dirty.spectrum = true;
        }
        self.request_frame();
    }

    /// A note for the summary when the network has moved on since the search.
    pub(super) fn fixed_on_new_step(&mut self, cube_step: u64) {
        let f = &self.fixed;
        if let Some(data) = &f.data {
            let stale = cube_step != data.step;
            let _ = f
                .summary
                .set_attribute("data-stale", if stale { "true" } else { "false" });
            let text = if stale {
                format!(
                    "{} The network has changed since (now step {cube_step}); the points are \
                     hidden — find them again.",
                    fixed::summary(data, self.config.task.bits)
                )
            } else {
                fixed::summary(data, self.config.task.bits)
            };
            f.summary.set_text_content(Some(&text));
        }
    }
}

/// Wires the fixed-point controls and the cube's hover/click selection.
pub(super) fn wire(app: &Shared) -> Result<(), JsValue> {
    let (find, cancel, show, list, jacobian, canvas) = {
        let a = app.borrow();
        let f = &a.fixed;
        (
            f.find.clone(),
            f.cancel.clone(),
            f.show.clone(),
            f.list.clone(),
            f.jacobian.clone(),
            by_id::<web_sys::HtmlCanvasElement>(&a.doc, "cube")?,
        )
    };
    let a = app.clone();
    on(&find, "click", move |_e: web_sys::Event| {
        if let Ok(mut app) = a.try_borrow_mut() {
            // The points belong to the network on screen: training pauses for them.
            if app.running {
                app.send(Command::Pause);
            }
            app.fixed.set_searching(true);
            app.fixed
                .summary
                .set_text_content(Some("Searching the fixed points…"));
            app.send(Command::FindFixedPoints {
                options: FixedPointOptions::default(),
            });
        }
    })?;
    let a = app.clone();
    on(&cancel, "click", move |_e: web_sys::Event| {
        if let Ok(mut app) = a.try_borrow_mut() {
            app.send(Command::CancelFixedPoints);
        }
    })?;
    let a = app.clone();
    on(&show, "change", move |_e: web_sys::Event| {
        if let Ok(mut app) = a.try_borrow_mut() {
            app.live_redraw();
            app.request_frame();
        }
    })?;
    let a = app.clone();
    on(&jacobian, "change", move |_e: web_sys::Event| {
        if let Ok(mut app) = a.try_borrow_mut() {
            app.dirty.spectrum = true;
            app.request_frame();
        }
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
            if let (Some(i), Ok(mut app)) = (i, a.try_borrow_mut()) {
                app.fixed_select(Some(i));
            }
        })?;
    }
    // Hovering a marker on the cube selects it (not while orbiting); a click on one too.
    for kind in ["pointermove", "click"] {
        let a = app.clone();
        on(&canvas, kind, move |e: PointerEvent| {
            let Ok(mut app) = a.try_borrow_mut() else {
                return;
            };
            if app.live_dragging() {
                return;
            }
            let (x, y) = (e.offset_x() as f64, e.offset_y() as f64);
            if let Some(i) = fixed::hit(&app.fixed.positions, x, y, HIT_RADIUS) {
                app.fixed_select(Some(i));
            }
        })?;
    }
    Ok(())
}
