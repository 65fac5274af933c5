//! Sentences about the network on screen (the words are `state::notes`): the plateau note
//! under the loss chart (`#plateau-note`, shown only while the run sits on the plateau), and
//! the eigenvalue count the spectrum's help quotes (`#spectrum-outside`).

use super::context::Cx;
use super::dom::by_id;
use super::Component;
use crate::protocol::Event;
use crate::state::notes;
use wasm_bindgen::JsValue;
use web_sys::{Document, HtmlElement};

/// The two sentences.
pub struct Notes {
    plateau: HtmlElement,
    outside: HtmlElement,
}

impl Notes {
    /// Finds the elements.
    pub fn find(doc: &Document) -> Result<Self, JsValue> {
        Ok(Self {
            plateau: by_id(doc, "plateau-note")?,
            outside: by_id(doc, "spectrum-outside")?,
        })
    }

    fn show_plateau(&self, cx: &Cx) {
        // The plateau is the flip-flop's (the decision tasks level off near 80 % by design).
        let on = cx.run.config.task.kind.has_cube_set() && notes::on_plateau(&cx.run.metrics);
        match cx.run.metrics.last().filter(|_| on) {
            Some(m) => {
                self.plateau
                    .set_text_content(Some(&notes::plateau_sentence(m.2)));
                self.plateau.set_hidden(false);
            }
            None => {
                self.plateau.set_hidden(true);
                self.plateau.set_text_content(None);
            }
        }
    }
}

impl Component for Notes {
    fn on_event(&mut self, ev: &Event, cx: &mut Cx) {
        match ev {
            Event::Metrics { .. } => self.show_plateau(cx),
            Event::Snapshot { snapshot: s, .. } => {
                // The spectrum panel's: of the chosen gate's block for GRU and LSTM.
                let (eigenvalues, _, error) = s.spectrum(cx.gate);
                let text = match error {
                    None => notes::spectrum_sentence(eigenvalues, s.step),
                    Some(_) => String::new(),
                };
                self.outside.set_text_content(Some(&text));
                let _ = self.outside.set_attribute(
                    "data-outside",
                    &notes::outside_count(eigenvalues).to_string(),
                );
            }
            _ => {}
        }
    }

    fn on_new_network(&mut self, cx: &mut Cx) {
        self.show_plateau(cx);
        self.outside.set_text_content(None);
    }
}
