//! The guided tour: a small non-modal dialog (`#tour`) that walks through the paper's figures
//! on the live network, one step of [`crate::state::tour::STEPS`] at a time. Each step
//! highlights and scrolls to its panel, links the paper's section, and the bit-flip step
//! notices the student's own Set/Reset press (through [`Cx::last_press`]). The place is saved
//! in `localStorage` on every change, so a reload reopens the tour where the student stopped.
//!
//! Keyboard: the header's Tour button opens it and focus moves to its Next button; Enter or
//! Space presses the focused button, Tab moves between them, `n` / → and `p` / ← step while
//! focus is in the tour, and Escape closes it from anywhere (focus returns to the Tour button).

use super::dom::{by_id, on, set_flag};
use super::{act, Component, Cx, Shared};
use crate::state::storage;
use crate::state::tour::{self, Tour, Wait};
use wasm_bindgen::prelude::*;
use web_sys::{
    Document, Element, HtmlAnchorElement, HtmlButtonElement, HtmlElement, KeyboardEvent,
};

/// The tour's elements and place.
pub struct TourPanel {
    open_button: HtmlButtonElement,
    root: HtmlElement,
    count: HtmlElement,
    title: HtmlElement,
    body: HtmlElement,
    task: HtmlElement,
    source: HtmlAnchorElement,
    prev: HtmlButtonElement,
    next: HtmlButtonElement,
    close: HtmlButtonElement,
    place: Tour,
    /// The highlighted panel.
    highlighted: Option<Element>,
    /// Live-play presses already accounted for (only newer ones are noticed).
    presses_seen: u64,
}

impl TourPanel {
    /// Finds the elements and reads the saved place.
    pub fn find(doc: &Document) -> Result<Self, JsValue> {
        Ok(Self {
            open_button: by_id(doc, "tour-open")?,
            root: by_id(doc, "tour")?,
            count: by_id(doc, "tour-count")?,
            title: by_id(doc, "tour-title")?,
            body: by_id(doc, "tour-body")?,
            task: by_id(doc, "tour-task")?,
            source: by_id(doc, "tour-source")?,
            prev: by_id(doc, "tour-prev")?,
            next: by_id(doc, "tour-next")?,
            close: by_id(doc, "tour-close")?,
            place: Tour::parse(storage::get(tour::TOUR_KEY).as_deref()),
            highlighted: None,
            presses_seen: 0,
        })
    }

    fn save(&self) {
        // A refused write only loses the place; the tour itself works on.
        let _ = storage::set(tour::TOUR_KEY, &self.place.format());
    }

    /// Shows the current step (opening the tour), highlights its panel and saves the place;
    /// `focus` moves focus into the tour.
    fn show(&mut self, cx: &Cx, focus: bool) {
        self.place.open = true;
        let step = self.place.current();
        self.count.set_text_content(Some(&self.place.counter()));
        self.title.set_text_content(Some(step.title));
        self.body.set_inner_html(step.body);
        self.source.set_text_content(Some(step.source));
        self.source.set_href(step.url);
        let _ = self.root.set_attribute("data-step", step.name);
        let _ = self.root.remove_attribute("data-noticed");
        let task = match step.wait {
            Wait::PlayPress => "Waiting for your key press…",
            Wait::Nothing => "",
        };
        self.task.set_text_content(Some(task));
        self.task.set_hidden(task.is_empty());
        self.presses_seen = cx.last_press.map_or(0, |p| p.0);
        self.prev.set_disabled(self.place.step == 0);
        self.next.set_text_content(Some(if self.place.is_last() {
            "Finish"
        } else {
            "Next"
        }));
        self.root.set_hidden(false);
        set_flag(&self.open_button, "aria-expanded", true);
        self.highlight(cx, step.target);
        if focus {
            let _ = self.next.focus();
        }
        self.save();
    }

    /// Marks the panel of heading `target` and scrolls it to the top of the window.
    fn highlight(&mut self, cx: &Cx, target: &str) {
        self.unhighlight();
        let panel = cx
            .doc
            .get_element_by_id(target)
            .and_then(|h| h.closest("section, [role=group]").ok().flatten());
        if let Some(p) = panel {
            let _ = p.class_list().add_1("tour-target");
            p.scroll_into_view_with_bool(true);
            self.highlighted = Some(p);
        }
    }

    fn unhighlight(&mut self) {
        if let Some(p) = self.highlighted.take() {
            let _ = p.class_list().remove_1("tour-target");
        }
    }

    /// Hides the tour, keeping its place; focus returns to the Tour button if it was inside.
    fn hide(&mut self, cx: &Cx) {
        let had_focus = cx
            .doc
            .active_element()
            .is_some_and(|e| self.root.contains(Some(&e)));
        self.place.open = false;
        self.root.set_hidden(true);
        set_flag(&self.open_button, "aria-expanded", false);
        self.unhighlight();
        if had_focus {
            let _ = self.open_button.focus();
        }
        self.save();
    }

    fn on_next(&mut self, cx: &Cx) {
        self.place.next();
        if self.place.open {
            self.show(cx, false);
        } else {
            // Finished: closed and rewound (saved as such).
            self.hide(cx);
        }
    }

    fn on_prev(&mut self, cx: &Cx) {
        self.place.prev();
        self.show(cx, false);
        if self.place.step == 0 {
            // Back is now disabled: keep focus in the tour.
            let _ = self.next.focus();
        }
    }

    /// Reopens the tour where the student stopped if it was open when the page was left.
    pub fn resume(&mut self, cx: &Cx) {
        if self.place.open {
            self.show(cx, false);
        }
    }
}

impl Component for TourPanel {
    fn frame(&mut self, _now: f64, cx: &mut Cx) -> bool {
        let Some((count, bit, sign)) = cx.last_press else {
            return false;
        };
        if count > self.presses_seen {
            self.presses_seen = count;
            if self.place.open && self.place.current().wait == Wait::PlayPress {
                self.task.set_text_content(Some(&tour::noticed(bit, sign)));
                let _ = self.root.set_attribute("data-noticed", "true");
            }
        }
        false
    }
}

/// Wires the Tour button, the tour's buttons and its keys.
pub fn wire(app: &Shared) -> Result<(), JsValue> {
    let (doc, open, root, prev, next, close) = {
        let a = app.borrow();
        let t = &a.tour;
        (
            a.cx.doc.clone(),
            t.open_button.clone(),
            t.root.clone(),
            t.prev.clone(),
            t.next.clone(),
            t.close.clone(),
        )
    };
    let a = app.clone();
    on(&open, "click", move |_e: web_sys::Event| {
        act(&a, |app| {
            if app.tour.place.open {
                app.tour.hide(&app.cx);
            } else {
                app.tour.show(&app.cx, true);
            }
        })
    })?;
    let a = app.clone();
    on(&next, "click", move |_e: web_sys::Event| {
        act(&a, |app| app.tour.on_next(&app.cx))
    })?;
    let a = app.clone();
    on(&prev, "click", move |_e: web_sys::Event| {
        act(&a, |app| app.tour.on_prev(&app.cx))
    })?;
    let a = app.clone();
    on(&close, "click", move |_e: web_sys::Event| {
        act(&a, |app| app.tour.hide(&app.cx))
    })?;
    // Stepping keys while focus is in the tour (elsewhere the arrows turn the cube).
    let a = app.clone();
    on(&root, "keydown", move |e: KeyboardEvent| {
        if e.ctrl_key() || e.meta_key() || e.alt_key() {
            return;
        }
        let forward = match e.key().as_str() {
            "n" | "N" | "ArrowRight" => true,
            "p" | "P" | "ArrowLeft" => false,
            _ => return,
        };
        e.prevent_default();
        act(&a, |app| {
            if forward {
                app.tour.on_next(&app.cx);
            } else {
                app.tour.on_prev(&app.cx);
            }
            // Stepping by key keeps focus in the tour (Prev may just have been disabled).
            if app.tour.place.open {
                let _ = app.tour.next.focus();
            }
        });
    })?;
    // Escape closes the tour wherever focus is.
    let a = app.clone();
    on(&doc, "keydown", move |e: KeyboardEvent| {
        if e.key() != "Escape" {
            return;
        }
        act(&a, |app| {
            if app.tour.place.open {
                app.tour.hide(&app.cx);
            }
        });
    })?;
    let a = app.clone();
    act(&a, |app| app.tour.resume(&app.cx));
    Ok(())
}
