//! The Compare view's listeners, its workers (each spawned like the training worker, with
//! its messages routed to [`CompareView::on_worker`](super::CompareView::on_worker)), the
//! shared cube drag, and the exports (the table as CSV, the figures as one PNG).

use super::super::dom::{by_id, on, then2};
use super::super::link::WorkerLink;
use super::super::{act, Shared};
use super::CompareView;
use crate::protocol;
use crate::state::compare::{table_csv, Member};
use crate::state::storage;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{
    CanvasRenderingContext2d, ErrorEvent, HtmlAnchorElement, HtmlCanvasElement, HtmlInputElement,
    MessageEvent, PointerEvent,
};

/// Starts worker `slot` of the view into `link`; its messages go to the view.
pub fn spawn(app: &Shared, link: &mut WorkerLink, slot: usize) -> Result<(), JsValue> {
    let worker = link.spawn()?;
    let a = app.clone();
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
        let parsed = e
            .data()
            .as_string()
            .ok_or(protocol::ProtocolError::NotText)
            .and_then(|t| protocol::decode_event(&t));
        act(&a, |app| match parsed {
            Ok(ev) => app.compare.on_worker(slot, ev, &mut app.cx),
            Err(err) => app
                .compare
                .status(&format!("Unreadable message from a compare worker: {err}")),
        });
    });
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    let a = app.clone();
    let on_error = Closure::<dyn FnMut(ErrorEvent)>::new(move |e: ErrorEvent| {
        e.prevent_default();
        let what = e.message();
        act(&a, |app| {
            app.compare.status(&format!(
                "Compare worker {} crashed ({what}); press Clear and try again.",
                slot + 1
            ))
        });
    });
    worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    on_error.forget();
    Ok(())
}

/// Dragging `canvas` (a cube of the grid) rotates every cube.
pub fn drag(app: &Shared, canvas: &HtmlCanvasElement) {
    let a = app.clone();
    let c = canvas.clone();
    let _ = on(canvas, "pointerdown", move |e: PointerEvent| {
        let _ = c.set_pointer_capture(e.pointer_id());
        act(&a, |app| {
            app.compare.drag_from = Some((e.client_x() as f64, e.client_y() as f64))
        });
    });
    let a = app.clone();
    let c = canvas.clone();
    let _ = on(canvas, "pointermove", move |e: PointerEvent| {
        let size = c.client_width() as f64;
        act(&a, |app| {
            let v = &mut app.compare;
            if let Some((x0, y0)) = v.drag_from {
                let (x, y) = (e.client_x() as f64, e.client_y() as f64);
                v.view.drag(x - x0, y - y0, size);
                v.drag_from = Some((x, y));
                v.touch_cubes();
                app.cx.redraw();
            }
        });
    });
    for kind in ["pointerup", "pointercancel"] {
        let a = app.clone();
        let _ = on(canvas, kind, move |_e: PointerEvent| {
            act(&a, |app| app.compare.drag_from = None)
        });
    }
}

/// The saved networks into the select (names as text).
fn fill_saved(v: &CompareView) {
    let select = &v.els.saved;
    while select.length() > 1 {
        select.remove_with_index(1);
    }
    let (list, _) = storage::parse_saved(storage::get(storage::SAVED_KEY).as_deref());
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    for (i, s) in list.iter().enumerate() {
        if let Ok(o) = doc.create_element("option") {
            let _ = o.set_attribute("value", &i.to_string());
            o.set_text_content(Some(&format!(
                "{} (step {}, N {})",
                s.name, s.step, s.hidden
            )));
            let _ = select.append_child(&o);
        }
    }
}

fn add_saved(v: &mut CompareView) {
    let Ok(i) = v.els.saved.value().parse::<usize>() else {
        return;
    };
    v.els.saved.set_value("");
    let (list, _) = storage::parse_saved(storage::get(storage::SAVED_KEY).as_deref());
    let Some(s) = list.get(i) else {
        return v.status("That saved network is gone; the list was refreshed.");
    };
    match storage::unpack_net(&s.net) {
        Ok(f) => v.add_loaded(Member::loaded(
            f.config,
            s.name.clone(),
            protocol::WireNetwork::from_network(&f.network),
            f.steps,
        )),
        Err(e) => v.status(&format!(
            "The saved network {:?} cannot be read: {e}",
            s.name
        )),
    }
}

/// Offers `url` (a data URL) as a download named `name`.
fn download(url: &str, name: &str) -> Result<(), JsValue> {
    let doc = web_sys::window()
        .and_then(|w| w.document())
        .ok_or("no document")?;
    let a: HtmlAnchorElement = doc.create_element("a")?.dyn_into()?;
    a.set_href(url);
    a.set_download(name);
    a.click();
    Ok(())
}

fn export_csv(v: &CompareView) {
    let Some((data, labels)) = v.shown() else {
        return v.status("Nothing to export yet: compare some networks first.");
    };
    let csv = table_csv(labels, data);
    let url = format!(
        "data:text/csv;charset=utf-8,{}",
        String::from(js_sys::encode_uri_component(&csv))
    );
    match download(&url, "flipflop-compare.csv") {
        Ok(()) => v.status("Exported flipflop-compare.csv: see your browser's downloads."),
        Err(e) => v.status(&format!("The browser refused the download: {e:?}")),
    }
}

/// The figures as one PNG: the spectra in the first row, the cubes in the second, the map
/// and the Jacobian spectra in the third; each cell as large as the largest canvas.
fn export_png(v: &CompareView) -> Result<(), String> {
    if v.shown().is_none() {
        return Err("Nothing to export yet: compare some networks first.".into());
    }
    let grab = |id: &str| -> Vec<HtmlCanvasElement> {
        let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
            return Vec::new();
        };
        let Some(el) = doc.get_element_by_id(id) else {
            return Vec::new();
        };
        let Ok(list) = el.query_selector_all("canvas") else {
            return Vec::new();
        };
        (0..list.length())
            .filter_map(|i| list.item(i)?.dyn_into().ok())
            .collect()
    };
    let rows = [
        grab("cmp-spectra"),
        grab("cmp-cubes"),
        vec![v.els.mds.clone(), v.els.jacobian.clone()],
    ];
    let cell = rows
        .iter()
        .flatten()
        .map(|c| c.width().max(c.height()))
        .max()
        .unwrap_or(0)
        .max(1);
    let cols = rows.iter().map(Vec::len).max().unwrap_or(1).max(1) as u32;
    let fail = |e: JsValue| format!("Could not export the figures: {e:?}");
    let doc = web_sys::window()
        .and_then(|w| w.document())
        .ok_or("no document")?;
    let off: HtmlCanvasElement = doc
        .create_element("canvas")
        .map_err(fail)?
        .dyn_into()
        .map_err(|_| "no canvas".to_string())?;
    off.set_width(cell * cols);
    off.set_height(cell * rows.len() as u32);
    let ctx: CanvasRenderingContext2d = off
        .get_context("2d")
        .ok()
        .flatten()
        .and_then(|c| c.dyn_into().ok())
        .ok_or("no 2d context")?;
    ctx.set_fill_style_str("#fff");
    ctx.fill_rect(0.0, 0.0, off.width() as f64, off.height() as f64);
    for (r, row) in rows.iter().enumerate() {
        for (c, canvas) in row.iter().enumerate() {
            let (x, y) = ((c as u32 * cell) as f64, (r as u32 * cell) as f64);
            ctx.draw_image_with_html_canvas_element(canvas, x, y)
                .map_err(fail)?;
        }
    }
    let url = off.to_data_url_with_type("image/png").map_err(fail)?;
    download(&url, "flipflop-compare.png").map_err(fail)
}

/// Wires the view's controls.
pub fn wire(app: &Shared) -> Result<(), JsValue> {
    app.borrow_mut().compare.app = Some(app.clone());
    let doc = app.borrow().cx.doc.clone();
    let button = |id: &str| -> Result<web_sys::HtmlElement, JsValue> { by_id(&doc, id) };
    let click = |id: &str, f: fn(&mut super::super::App)| -> Result<(), JsValue> {
        let a = app.clone();
        let b = button(id)?;
        on(&b, "click", move |_e: web_sys::Event| act(&a, f))
    };
    click("cmp-train", |a| a.compare.on_train(&mut a.cx))?;
    click("cmp-stop", |a| a.compare.on_stop())?;
    click("cmp-clear", |a| a.compare.clear())?;
    click("cmp-compare", |a| a.compare.compare())?;
    click("cmp-link-add", |a| {
        let text = a.compare.els.link_text.value();
        a.compare.els.link_text.set_value("");
        a.compare.open_link(&text);
    })?;
    click("cmp-csv", |a| export_csv(&a.compare))?;
    click("cmp-png", |a| {
        let v = &a.compare;
        match export_png(v) {
            Ok(()) => v.status("Exported flipflop-compare.png: see your browser's downloads."),
            Err(e) => v.status(&e),
        }
    })?;
    click("cmp-copy", |a| {
        let text = a.compare.els.set_link.value();
        if text.is_empty() {
            return a
                .compare
                .status("No set link yet: compare some networks first.");
        }
        let _ = a.cx.window.navigator().clipboard().write_text(&text);
        a.compare.status("Set link copied.");
    })?;
    let a = app.clone();
    let b = button("cmp-unaligned")?;
    on(&b, "change", move |_e: web_sys::Event| {
        act(&a, |app| {
            app.compare.touch_cubes();
            app.cx.redraw();
        })
    })?;
    let a = app.clone();
    let b = button("cmp-gate")?;
    on(&b, "change", move |_e: web_sys::Event| {
        act(&a, |app| {
            app.compare.touch_spectra();
            app.cx.redraw();
        })
    })?;
    let a = app.clone();
    let b = button("cmp-saved")?;
    on(&b, "focus", move |_e: web_sys::Event| {
        act(&a, |app| fill_saved(&app.compare))
    })?;
    let a = app.clone();
    let b = button("cmp-saved")?;
    on(&b, "change", move |_e: web_sys::Event| {
        act(&a, |app| add_saved(&mut app.compare))
    })?;
    let a = app.clone();
    let file: HtmlInputElement = by_id(&doc, "cmp-file")?;
    let input = file.clone();
    on(&file, "change", move |_e: web_sys::Event| {
        let Some(f) = input.files().and_then(|l| l.get(0)) else {
            return;
        };
        input.set_value("");
        let name = f.name();
        let b = a.clone();
        let ok = Closure::once_into_js(move |buf: JsValue| {
            let bytes = js_sys::Uint8Array::new(&buf).to_vec();
            act(&b, |app| app.compare.import(name, bytes));
        });
        let b = a.clone();
        let fail = Closure::once_into_js(move |e: JsValue| {
            act(&b, |app| {
                app.compare
                    .status(&format!("The file could not be read: {e:?}"))
            });
        });
        then2(&f.array_buffer(), &ok, &fail);
    })?;
    fill_saved(&app.borrow().compare);
    Ok(())
}
