//! The undo bar near the training controls: after Reset (or a setting that needs a new
//! network) it says what happened and offers to bring the replaced network back with one
//! click — the same weights, optimiser state, step and loss history ([`Cx::offer_undo`]) —
//! instead of asking first with a blocking dialog.

use super::context::{Cx, Request};
use super::dom::by_id;
use super::Component;
use wasm_bindgen::JsValue;
use web_sys::{Document, HtmlButtonElement, HtmlElement};

/// `#undo-bar`, its message and its buttons.
pub struct UndoBar {
    bar: HtmlElement,
    message: HtmlElement,
    /// "Undo".
    pub(super) undo: HtmlButtonElement,
    /// "Dismiss".
    pub(super) dismiss: HtmlButtonElement,
    /// The offer revision on screen.
    shown: u64,
}

impl UndoBar {
    /// Finds the bar.
    pub fn find(doc: &Document) -> Result<Self, JsValue> {
        Ok(Self {
            bar: by_id(doc, "undo-bar")?,
            message: by_id(doc, "undo-message")?,
            undo: by_id(doc, "undo")?,
            dismiss: by_id(doc, "undo-dismiss")?,
            shown: 0,
        })
    }

    /// Undo: adopt the replaced network again.
    pub fn on_undo(&mut self, cx: &mut Cx) {
        let Some(offer) = cx.undo.take() else {
            return;
        };
        cx.undo_revision += 1;
        cx.adopted = true;
        cx.request(Request::Adopt(Box::new(offer.restore)));
        cx.redraw();
    }

    /// Dismiss: the replaced network is gone for good.
    pub fn on_dismiss(&mut self, cx: &mut Cx) {
        cx.clear_undo();
    }
}

/// The offer stays until Undo, Dismiss, or another network is adopted (`App::adopt`); a
/// second Reset of a trained network replaces it with the newer one.
impl Component for UndoBar {
    fn frame(&mut self, _now: f64, cx: &mut Cx) -> bool {
        if self.shown != cx.undo_revision {
            self.shown = cx.undo_revision;
            match &cx.undo {
                Some(offer) => {
                    self.message.set_text_content(Some(&offer.message));
                    let _ = self
                        .bar
                        .set_attribute("data-step", &offer.restore.steps.to_string());
                    self.bar.set_hidden(false);
                }
                None => {
                    self.message.set_text_content(None);
                    let _ = self.bar.remove_attribute("data-step");
                    self.bar.set_hidden(true);
                }
            }
        }
        false
    }
}
