//! Exports (the export buttons): data files from the current run, pictures of the panels.
//! These span panels (the cube's SVG is live play's, the spectrum's reads the fixed-point
//! overlay), so they run on the App, which owns every component.

use super::App;
use crate::state::export::{Export, Panel};
use crate::state::share;
use crate::view::{charts, paint};
use flipflop_formats::{export, netfile};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Blob, BlobPropertyBag, Document, HtmlAnchorElement, HtmlCanvasElement};

impl App {
    /// Carries out the export button `attr` (its `data-export` value).
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
        if let Err(e) = result {
            self.cx.show_error(&e);
        }
    }

    fn export_data(&self, what: Export) -> Result<(), String> {
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
            (Export::Png(_) | Export::Svg(_), _) => return Ok(()),
        };
        let name = what.file_name(&stem, run.step);
        bytes_blob(&bytes, what.mime())
            .and_then(|b| download(&self.cx.window, &self.cx.doc, &b, &name))
            .map_err(|e| format!("The browser refused the download: {e:?}"))
    }

    /// A panel as SVG: the plotters charts through plotters' SVG backend, the hand-drawn
    /// panels through [`paint::Svg`], at the canvas's CSS size.
    fn export_svg(&self, panel: Panel) -> Result<(), String> {
        let cx = &self.cx;
        let id = panel.id();
        let (w, h) = cx
            .doc
            .get_element_by_id(id)
            .map(|e| {
                (
                    e.client_width().max(1) as u32,
                    e.client_height().max(1) as u32,
                )
            })
            .ok_or_else(|| format!("no panel {id:?}"))?;
        let snap = cx.run.snapshot.as_deref();
        let text = match (panel, snap) {
            (Panel::Cube | Panel::PlayTrace, _) => self
                .live
                .svg(id, cx)
                .ok_or_else(|| format!("no panel {id:?}"))?,
            (Panel::LossChart, _) => charts::plotters_svg(w, h, |root| {
                charts::loss_chart_on(root, 1.0, &cx.run.losses, &cx.run.metrics)
            })?,
            (_, None) => return Err("no network yet: nothing to export".into()),
            (Panel::Spectrum, Some(s)) => charts::plotters_svg(w, h, |root| {
                charts::spectrum_on(root, 1.0, s, cx.overlay.jacobian_spectrum())
            })?,
            (Panel::Matrix, Some(s)) => {
                let mut svg = paint::Svg::new(w as f64, h as f64);
                charts::paint_matrix(&mut svg, w as f64, h as f64, 1.0, s)?;
                svg.finish()
            }
            (Panel::Traces, Some(s)) => {
                let mut svg = paint::Svg::new(w as f64, h as f64);
                charts::paint_traces(&mut svg, w as f64, h as f64, 1.0, s);
                svg.finish()
            }
        };
        let name = Export::Svg(panel).file_name("", cx.run.step);
        bytes_blob(text.as_bytes(), "image/svg+xml")
            .and_then(|b| download(&cx.window, &cx.doc, &b, &name))
            .map_err(|e| format!("the browser refused the download: {e:?}"))
    }

    /// A panel as PNG, encoded synchronously (`toDataURL`) so that the download starts
    /// inside the click that asked for it (an asynchronous `toBlob` callback runs outside the
    /// user's gesture, and Chromium may hold such a download back).
    fn export_png(&self, panel: Panel) -> Result<(), String> {
        let cx = &self.cx;
        let canvas = cx
            .doc
            .get_element_by_id(panel.id())
            .and_then(|e| e.dyn_into::<HtmlCanvasElement>().ok())
            .ok_or_else(|| format!("No panel {:?} to export.", panel.id()))?;
        let name = Export::Png(panel).file_name("", cx.run.step);
        canvas
            .to_data_url_with_type("image/png")
            .and_then(|url| {
                let a: HtmlAnchorElement = cx.doc.create_element("a")?.dyn_into()?;
                a.set_href(&url);
                a.set_download(&name);
                a.click();
                Ok(())
            })
            .map_err(|e| format!("Could not export the picture: {e:?}"))
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
