//! The task's picture (issue 16): the psychometric curves of the decision tasks on
//! `#task-curve`, the accuracy per (f1, f2) pair or per condition of the memory tasks in
//! `#task-table`, and a sentence in `#task-summary`; all from the worker's
//! [`Event::TaskPicture`], drawn at most once per frame. The panel shows only for the
//! cognitive tasks (its `data-task`); test hooks: `data-points` and `data-step` on the
//! canvas, `data-rows` on the table.

use super::context::Cx;
use super::dom::by_id;
use super::Component;
use crate::protocol::{Event, TaskPicture};
use crate::view::{charts, paint, picture};
use wasm_bindgen::JsValue;
use web_sys::{Document, HtmlCanvasElement, HtmlElement};

/// The panel's elements and the last picture.
pub struct PicturePanel {
    canvas: HtmlCanvasElement,
    table: HtmlElement,
    summary: HtmlElement,
    picture: Option<Box<TaskPicture>>,
    dirty: bool,
}

impl PicturePanel {
    /// Finds the elements.
    pub fn find(doc: &Document) -> Result<Self, JsValue> {
        Ok(Self {
            canvas: by_id(doc, "task-curve")?,
            table: by_id(doc, "task-table")?,
            summary: by_id(doc, "task-summary")?,
            picture: None,
            dirty: false,
        })
    }

    /// Redraws at the canvas's current size (after a resize).
    pub fn redraw(&mut self) {
        self.dirty = self.picture.is_some();
    }

    fn draw(&self, pic: &TaskPicture) {
        let points: usize = pic.curves.iter().map(|c| c.coherence.len()).sum();
        let _ = self
            .canvas
            .set_attribute("data-points", &points.to_string());
        let _ = self
            .canvas
            .set_attribute("data-step", &pic.step.to_string());
        if !pic.curves.is_empty() {
            if let Some((mut ctx, w, h, dpr)) = charts::prepare(&self.canvas) {
                picture::paint_curves(&mut ctx, w, h, dpr, pic);
            }
        }
        self.table.set_inner_html(&table_html(pic));
        let _ = self
            .table
            .set_attribute("data-rows", &pic.conditions.len().to_string());
        self.summary.set_text_content(Some(&pic.summary));
    }
}

/// The accuracy table: f1, f2, the right answer and the accuracy per pair (working memory),
/// or condition and accuracy (match-to-sample). Empty for the decision tasks.
fn table_html(pic: &TaskPicture) -> String {
    if pic.conditions.is_empty() {
        return String::new();
    }
    let pairs = pic.conditions.iter().all(|r| r.pair.is_some());
    let mut html = String::from(if pairs {
        "<caption>Accuracy per frequency pair</caption><tr><th>f1 (Hz)</th><th>f2 (Hz)</th><th>answer</th><th>accuracy</th></tr>"
    } else {
        "<caption>Accuracy per condition</caption><tr><th>condition</th><th>accuracy</th></tr>"
    });
    for r in &pic.conditions {
        let acc = format!("{:.0} %", r.accuracy * 100.0);
        html += &match r.pair {
            Some((f1, f2)) if pairs => format!(
                "<tr><td>{f1}</td><td>{f2}</td><td>{}</td><td>{acc}</td></tr>",
                if f1 > f2 { "f1 > f2" } else { "f1 < f2" }
            ),
            _ => format!(
                "<tr><td>{}</td><td>{acc}</td></tr>",
                paint::escape(&r.condition)
            ),
        };
    }
    html
}

impl Component for PicturePanel {
    fn on_event(&mut self, ev: &Event, cx: &mut Cx) {
        if let Event::TaskPicture { picture, .. } = ev {
            self.picture = Some(picture.clone());
            self.dirty = true;
            cx.redraw();
        }
    }

    fn on_new_network(&mut self, _cx: &mut Cx) {
        self.picture = None;
        self.dirty = false;
        self.table.set_inner_html("");
        let _ = self.table.set_attribute("data-rows", "0");
        let _ = self.canvas.set_attribute("data-points", "0");
        self.summary.set_text_content(None);
    }

    fn frame(&mut self, _now: f64, _cx: &mut Cx) -> bool {
        if std::mem::take(&mut self.dirty) {
            if let Some(pic) = &self.picture {
                self.draw(pic);
            }
        }
        false
    }
}
