//! The chart panels: loss and accuracy, W_rec, its eigenvalues (with the selected fixed
//! point's Jacobian spectrum from the overlay), and the held-out trials. Each frame draws
//! at most one of them (the first that is due), so that no frame does more than one chart's
//! worth of drawing; the loss chart is redrawn at most every [`LOSS_REDRAW_MS`].

use super::context::Cx;
use super::dom::by_id;
use super::Component;
use crate::protocol::Event;
use crate::state::gates;
use crate::view::charts;
use flipflop_core::model::CellKind;
use wasm_bindgen::JsValue;
use web_sys::{Document, HtmlCanvasElement, HtmlElement, HtmlSelectElement};

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
    /// The gate selector (GRU and LSTM) and its field, hidden for the vanilla cell.
    pub(super) gate: HtmlSelectElement,
    gate_field: HtmlElement,
    /// The cell whose gates the selector lists.
    gate_cell: Option<CellKind>,
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
            gate: by_id(doc, "gate")?,
            gate_field: by_id(doc, "gate-field")?,
            gate_cell: None,
        })
    }

    /// The selector lists the gates of the current network's cell (hidden for the vanilla
    /// cell), keeping the chosen gate where the new cell has it.
    fn show_gates(&mut self, cx: &mut Cx) {
        let cell = cx.run.config.model.cell;
        cx.gate = gates::clamp(cell, cx.gate);
        if self.gate_cell != Some(cell) {
            self.gate_cell = Some(cell);
            self.gate.set_inner_html("");
            for g in 0..gates::names(cell).len() {
                if let Ok(o) = cx.doc.create_element("option") {
                    let _ = o.set_attribute("value", &g.to_string());
                    o.set_text_content(Some(&gates::option_text(cell, g)));
                    let _ = self.gate.append_child(&o);
                }
            }
            self.gate_field.set_hidden(!cell.is_gated());
        }
        self.gate.set_value(&cx.gate.to_string());
    }

    /// The gate selector changed: both panels show the chosen gate's block.
    pub fn on_gate_change(&mut self, cx: &mut Cx) {
        let g = self.gate.value().parse().unwrap_or(0);
        cx.gate = gates::clamp(cx.run.config.model.cell, g);
        (self.dirty.matrix, self.dirty.spectrum) = (true, true);
        cx.redraw();
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
            (
                &self.matrix,
                charts::matrix(&self.matrix, s, cx.gate),
                "W_rec",
            )
        } else if std::mem::take(&mut self.dirty.spectrum) {
            self.jacobian_shown = cx.overlay.jacobian_spectrum().is_some();
            (
                &self.spectrum,
                charts::spectrum(&self.spectrum, s, cx.gate, cx.overlay.jacobian_spectrum()),
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
                let _ = canvas.set_attribute("data-gate", &cx.gate.to_string());
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
        self.show_gates(cx);
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
        if self.dirty.matrix || self.dirty.spectrum || self.dirty.traces {
            return true;
        }
        // A loss chart not due yet waits on a timer, not by asking for every frame.
        if self.dirty.loss {
            cx.redraw_at(self.last_loss_draw + LOSS_REDRAW_MS);
        }
        false
    }
}
