//! Exports (the export buttons): data files from the current run, pictures of the panels
//! (PNG at twice the CSS size, SVG), each announced in the export status line.
//! These span panels (the cube's SVG is live play's, the spectrum's reads the fixed-point
//! overlay), so they run on the App, which owns every component.

use super::App;
use crate::state::export::{Export, Panel};
use crate::state::share;
use crate::view::{charts, paint, scale};
use flipflop_formats::{export, netfile};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{
    Blob, BlobPropertyBag, CanvasRenderingContext2d, Document, HtmlAnchorElement, HtmlCanvasElement,
};

/// Device pixels per CSS pixel of exported PNGs: sharp on slides and prints.
const PNG_RATIO: f64 = 2.0;

impl App {
    /// Carries out the export button `attr` (its `data-export` value) and says in the export
    /// status line which file it made (or why it could not).
    pub(super) fn export(&mut self, attr: &str) {
        let Some(what) = Export::parse(attr) else {
            return self.cx.show_error(&format!("Unknown export {attr:?}."));
        };
        let result = match what {
            Export::Png(panel) => self.export_png(panel),
            Export::Svg(panel) => self
                .export_svg(panel)
                .map_err(|e| format!("Could not export the picture: {e}")),
            data => self.export_data(data),
        };
        let status = self.cx.doc.get_element_by_id("export-status");
        match result {
            Ok((name, message)) => {
                if let Some(el) = status {
                    el.set_text_content(Some(&message));
                    let _ = el.set_attribute("data-file", &name);
                    let _ = el.remove_attribute("data-failed");
                }
            }
            Err(e) => {
                if let Some(el) = status {
                    el.set_text_content(Some(&e));
                    let _ = el.set_attribute("data-failed", "true");
                }
                self.cx.show_error(&e);
            }
        }
    }

    /// Returns the file name and the status line.
    fn export_data(&self, what: Export) -> Result<(String, String), String> {
        let run = &self.cx.run;
        let current = run.current();
        let stem = current
            .as_ref()
            .map(|(n, s)| format!("flipflop-N{}-step{s}", n.config.hidden))
            .unwrap_or_else(|| "flipflop".into());
        let bytes: Vec<u8> = match (what, &current) {
            (Export::LossCsv, _) => share::history_csv(&run.losses, &run.metrics).into_bytes(),
            (Export::PlayCsv, _) => self.live.csv().into_bytes(),
            (_, None) => return Err("No network yet: nothing to export.".into()),
            (Export::Npz, Some((n, _))) => export::npz_bytes(n).map_err(|e| e.to_string())?,
            (Export::Json, Some((n, s))) => {
                export::json_bytes(&run.config, n, *s).map_err(|e| e.to_string())?
            }
            (Export::Net, Some((n, s))) => {
                // With the optimiser state of this step when there is one (version 2 file).
                let adam = run.optimiser_at(*s).and_then(|o| o.to_adam(n));
                netfile::encode_with_optimiser(&run.config, n, *s, adam.as_ref())
            }
            (Export::Png(_) | Export::Svg(_), _) => return Err("Not a data export.".into()),
        };
        let name = what.file_name(&stem, run.step);
        bytes_blob(&bytes, what.mime())
            .and_then(|b| download(&self.cx.window, &self.cx.doc, &b, &name))
            .map_err(|e| format!("The browser refused the download: {e:?}"))?;
        let message = export_message(&name, &size_text(bytes.len()));
        Ok((name, message))
    }

    /// The CSS size of panel `id`'s canvas.
    fn panel_size(&self, id: &str) -> Result<(f64, f64), String> {
        self.cx
            .doc
            .get_element_by_id(id)
            .map(|e| {
                (
                    e.client_width().max(1) as f64,
                    e.client_height().max(1) as f64,
                )
            })
            .ok_or_else(|| format!("no panel {id:?}"))
    }

    /// A panel as SVG: the plotters charts through plotters' SVG backend, the hand-drawn
    /// panels through [`paint::Svg`], at the canvas's CSS size and with its text as large as
    /// on screen. Returns the file name and the status line.
    fn export_svg(&self, panel: Panel) -> Result<(String, String), String> {
        let cx = &self.cx;
        let id = panel.id();
        let (w, h) = self.panel_size(id)?;
        let scale = scale::drawing_scale(w, 1.0);
        let snap = cx.run.snapshot.as_deref();
        let (wu, hu) = (w as u32, h as u32);
        let text = match (panel, snap) {
            (Panel::Cube | Panel::PlayTrace, _) => {
                let mut svg = paint::Svg::new(w, h);
                if !self.live.paint_panel(id, &mut svg, w, h, scale, cx) {
                    return Err(format!("no panel {id:?}"));
                }
                svg.finish()
            }
            (Panel::LossChart, _) => charts::plotters_svg(wu, hu, |root| {
                charts::loss_chart_on(root, scale, &cx.run.losses, &cx.run.metrics, true)
            })?,
            (_, None) => return Err("no network yet: nothing to export".into()),
            (Panel::Spectrum, Some(s)) => charts::plotters_svg(wu, hu, |root| {
                charts::spectrum_on(root, scale, s, cx.gate, cx.overlay.jacobian_spectrum())
            })?,
            (Panel::Matrix, Some(s)) => {
                let mut svg = paint::Svg::new(w, h);
                charts::paint_matrix(&mut svg, w, h, scale, s, cx.gate)?;
                svg.finish()
            }
            (Panel::Traces, Some(s)) => {
                let mut svg = paint::Svg::new(w, h);
                charts::paint_traces(&mut svg, w, h, scale, s);
                svg.finish()
            }
        };
        let name = Export::Svg(panel).file_name("", cx.run.step);
        bytes_blob(text.as_bytes(), "image/svg+xml")
            .and_then(|b| download(&cx.window, &cx.doc, &b, &name))
            .map_err(|e| format!("the browser refused the download: {e:?}"))?;
        let message = export_message(&name, &format!("vector, {wu} × {hu}"));
        Ok((name, message))
    }

    /// A panel as PNG at [`PNG_RATIO`] device pixels per CSS pixel, redrawn for the export
    /// onto an offscreen canvas (the loss chart with its legend), and encoded synchronously
    /// (`toDataURL`) so that the download starts inside the click that asked for it (an
    /// asynchronous `toBlob` callback runs outside the user's gesture, and Chromium may hold
    /// such a download back). Returns the file name and the status line.
    fn export_png(&self, panel: Panel) -> Result<(String, String), String> {
        let cx = &self.cx;
        let id = panel.id();
        let (css_w, css_h) = self.panel_size(id)?;
        let (w, h) = scale::backing_size(css_w, css_h, PNG_RATIO);
        let s = scale::drawing_scale(css_w, PNG_RATIO);
        let fail = |e: JsValue| format!("Could not export the picture: {e:?}");
        let off: HtmlCanvasElement = cx
            .doc
            .create_element("canvas")
            .map_err(fail)?
            .dyn_into()
            .map_err(|_| "Could not export the picture: no canvas".to_string())?;
        off.set_width(w);
        off.set_height(h);
        let (wf, hf) = (w as f64, h as f64);
        let snap = cx.run.snapshot.as_deref();
        let ctx = || -> Result<CanvasRenderingContext2d, String> {
            off.get_context("2d")
                .ok()
                .flatten()
                .and_then(|c| c.dyn_into().ok())
                .ok_or_else(|| "Could not export the picture: no 2d context".to_string())
        };
        let plot = || {
            crate::view::canvas::MeasuredCanvas::new(&off)
                .map(plotters::prelude::IntoDrawingArea::into_drawing_area)
                .ok_or_else(|| "Could not export the picture: no 2d context".to_string())
        };
        match (panel, snap) {
            (Panel::Cube | Panel::PlayTrace, _) => {
                self.live.paint_panel(id, &mut ctx()?, wf, hf, s, cx);
            }
            (Panel::LossChart, _) => {
                charts::loss_chart_on(plot()?, s, &cx.run.losses, &cx.run.metrics, true)?
            }
            (_, None) => return Err("No network yet: nothing to export.".into()),
            (Panel::Spectrum, Some(snap)) => {
                charts::spectrum_on(plot()?, s, snap, cx.gate, cx.overlay.jacobian_spectrum())?
            }
            (Panel::Matrix, Some(snap)) => {
                charts::paint_matrix(&mut ctx()?, wf, hf, s, snap, cx.gate)?
            }
            (Panel::Traces, Some(snap)) => charts::paint_traces(&mut ctx()?, wf, hf, s, snap),
        }
        let name = Export::Png(panel).file_name("", cx.run.step);
        off.to_data_url_with_type("image/png")
            .and_then(|url| {
                let a: HtmlAnchorElement = cx.doc.create_element("a")?.dyn_into()?;
                a.set_href(&url);
                a.set_download(&name);
                a.click();
                Ok(())
            })
            .map_err(fail)?;
        let message = export_message(&name, &format!("{w} × {h} px, 2× for slides"));
        Ok((name, message))
    }
}

/// The export status line: which file the browser was given.
fn export_message(name: &str, what: &str) -> String {
    format!("Exported {name} ({what}): see your browser's downloads.")
}

/// A byte count for people.
fn size_text(bytes: usize) -> String {
    if bytes < 1024 {
        format!("{bytes} B")
    } else if bytes < 1024 * 1024 {
        format!("{:.1} kB", bytes as f64 / 1024.0)
    } else {
        format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
    }
}

fn bytes_blob(bytes: &[u8], mime: &str) -> Result<Blob, JsValue> {
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let opts = BlobPropertyBag::new();
    opts.set_type(mime);
    Blob::new_with_u8_array_sequence_and_options(&parts, &opts)
}

/// Offers `blob` as a download named `name` (object URL + `<a download>`).
fn download(
    window: &web_sys::Window,
    doc: &Document,
    blob: &Blob,
    name: &str,
) -> Result<(), JsValue> {
    let url = web_sys::Url::create_object_url_with_blob(blob)?;
    let a: HtmlAnchorElement = doc.create_element("a")?.dyn_into()?;
    a.set_href(&url);
    a.set_download(name);
    a.click();
    // Revoke later: revoking at once can cancel the download in some browsers.
    let revoke = Closure::once_into_js(move || {
        let _ = web_sys::Url::revoke_object_url(&url);
    });
    window.set_timeout_with_callback_and_timeout_and_arguments_0(revoke.unchecked_ref(), 30_000)?;
    Ok(())
}
