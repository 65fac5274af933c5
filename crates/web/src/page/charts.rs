//! The chart panels: loss and accuracy, W_rec, its eigenvalues (with the selected fixed
//! point's Jacobian spectrum from the overlay), and the held-out trials. Each frame draws
//! at most one of them (the first that is due), so that no frame does more than one chart's
//! worth of drawing; the loss chart is redrawn at most every [`LOSS_REDRAW_MS`].

use super::context::Cx;
use super::dom::by_id;
use super::Component;
use crate::protocol::Event;
use crate::view::charts;
use wasm_bindgen::JsValue;
use web_sys::{Document, HtmlCanvasElement};

/// Shortest time between two redraws of the loss chart, ms.
const LOSS_REDRAW_MS: f64 = 200.0;

#[derive(Default)]
struct Dirty {
    loss: bool,
    matrix: bool,
    spectrum: bool,
    traces: bool,
}

impl Dirty {
    fn all() -> Self {
        Self {
            loss: true,
            matrix: true,
            spectrum: true,
            traces: true,
        }
    }

    fn any(&self) -> bool {
        self.loss || self.matrix || self.spectrum || self.traces
    }
}

/// The four chart canvases.
pub struct Charts {
    loss_chart: HtmlCanvasElement,
    matrix: HtmlCanvasElement,
    spectrum: HtmlCanvasElement,
    traces: HtmlCanvasElement,
    dirty: Dirty,
    last_loss_draw: f64,
    /// The overlay revision last looked at.
    overlay_seen: u64,
    /// The spectrum on screen shows a Jacobian spectrum.
    jacobian_shown: bool,
}

impl Charts {
    /// Finds the canvases.
    pub fn find(doc: &Document) -> Result<Self, JsValue> {
        Ok(Self {
            loss_chart: by_id(doc, "loss-chart")?,
            matrix: by_id(doc, "matrix")?,
            spectrum: by_id(doc, "spectrum")?,
            traces: by_id(doc, "traces")?,
            dirty: Dirty::default(),
            last_loss_draw: f64::NEG_INFINITY,
            overlay_seen: 0,
            jacobian_shown: false,
        })
    }

    /// Everything again (the window was resized).
    pub fn redraw_all(&mut self) {
        self.dirty = Dirty::all();
        self.last_loss_draw = f64::NEG_INFINITY;
    }

    fn draw_snapshot_panel(&mut self, cx: &Cx) {
        let Some(s) = &cx.run.snapshot else {
            for c in [&self.matrix, &self.spectrum, &self.traces] {
                charts::clear(c);
            }
            (self.dirty.matrix, self.dirty.spectrum, self.dirty.traces) = (false, false, false);
            return;
        };
        let (canvas, result, name) = if std::mem::take(&mut self.dirty.matrix) {
            (&self.matrix, charts::matrix(&self.matrix, s), "W_rec")
        } else if std::mem::take(&mut self.dirty.spectrum) {
            self.jacobian_shown = cx.overlay.jacobian_spectrum().is_some();
            (
                &self.spectrum,
                charts::spectrum(&self.spectrum, s, cx.overlay.jacobian_spectrum()),
                "the spectrum",
            )
        } else if std::mem::take(&mut self.dirty.traces) {
            (&self.traces, charts::traces(&self.traces, s), "the traces")
        } else {
            return;
        };
        match result {
            Ok(()) => {
                let _ = canvas.set_attribute("data-step", &s.step.to_string());
            }
            Err(e) => charts::log_failure(name, &e),
        }
    }
}

impl Component for Charts {
    fn on_event(&mut self, ev: &Event, cx: &mut Cx) {
        match ev {
            Event::Progress { .. } | Event::Metrics { .. } => self.dirty.loss = true,
            Event::Snapshot { .. } => {
                (self.dirty.matrix, self.dirty.spectrum, self.dirty.traces) = (true, true, true);
            }
            _ => return,
        }
        cx.redraw();
    }

    fn on_new_network(&mut self, cx: &mut Cx) {
        self.redraw_all();
        cx.redraw();
    }

    fn frame(&mut self, now: f64, cx: &mut Cx) -> bool {
        if cx.overlay.revision != self.overlay_seen {
            self.overlay_seen = cx.overlay.revision;
            if cx.overlay.jacobian || self.jacobian_shown {
                self.dirty.spectrum = true;
            }
        }
        let loss_due = self.dirty.loss && now - self.last_loss_draw >= LOSS_REDRAW_MS;
        if self.dirty.matrix || self.dirty.spectrum || self.dirty.traces {
            self.draw_snapshot_panel(cx);
        } else if loss_due {
            self.dirty.loss = false;
            self.last_loss_draw = now;
            if let Err(e) = charts::loss_chart(&self.loss_chart, &cx.run.losses, &cx.run.metrics) {
                charts::log_failure("the loss chart", &e);
            }
        }
        self.dirty.any()
    }
}
