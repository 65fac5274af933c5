//! The Sweep view's listeners: the file input and its drop zone (files read here, opened in
//! the worker), header clicks and checkboxes (delegated on the table), the axis selects,
//! "Compare selected" (the ticked networks go to the Compare view as files, as its own file
//! input sends them: nothing is trained again) and the plot's PNG and SVG exports.

use super::super::dom::{by_id, closest_with, on, then2};
use super::super::{act, App, Shared};
use crate::state::sweep::Axis;
use flipflop_formats::sweep::MAX_INPUT_BYTES;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{DragEvent, File, FileList, HtmlAnchorElement, HtmlElement, HtmlInputElement};

/// A file's name and contents.
type NamedBytes = (String, Vec<u8>);

/// Reads every file of `list`, then hands them to the view (in the list's order).
fn read_files(app: &Shared, list: FileList) {
    let files: Vec<File> = (0..list.length()).filter_map(|i| list.get(i)).collect();
    if files.is_empty() {
        return;
    }
    let total: f64 = files.iter().map(|f| f.size()).sum();
    if total > MAX_INPUT_BYTES as f64 {
        return act(app, |a| {
            a.sweep.status(&format!(
                "These files hold {:.0} MB, more than the lab opens ({} MB): choose summary.csv \
                 with only the network files you want to compare.",
                total / 1e6,
                MAX_INPUT_BYTES >> 20
            ))
        });
    }
    let n = files.len();
    let got: Rc<RefCell<Vec<Option<NamedBytes>>>> = Rc::new(RefCell::new(vec![None; n]));
    let failed = Rc::new(RefCell::new(false));
    for (i, f) in files.into_iter().enumerate() {
        let name = f.name();
        let (a, g, fl) = (app.clone(), got.clone(), failed.clone());
        let ok = Closure::once_into_js(move |buf: JsValue| {
            let bytes = js_sys::Uint8Array::new(&buf).to_vec();
            let done = {
                let mut g = g.borrow_mut();
                g[i] = Some((name, bytes));
                g.iter().all(Option::is_some) && !*fl.borrow()
            };
            if done {
                let files: Vec<(String, Vec<u8>)> = g.borrow_mut().drain(..).flatten().collect();
                act(&a, |app| app.sweep.open(files, &mut app.cx));
            }
        });
        let (a, fl) = (app.clone(), failed.clone());
        let name = f.name();
        let fail = Closure::once_into_js(move |e: JsValue| {
            *fl.borrow_mut() = true;
            act(&a, |app| {
                app.sweep
                    .status(&format!("{name:?} could not be read: {e:?}"))
            });
        });
        then2(&f.array_buffer(), &ok, &fail);
    }
}

/// "Compare selected": the ticked runs' network files replace the Compare view's networks;
/// the Compare view then finds their fixed points and compares them.
fn compare_selected(app: &mut App) {
    match app.sweep.for_compare() {
        Ok(nets) => {
            let k = nets.len();
            app.compare.clear();
            for (name, bytes) in nets {
                app.compare.import(name, bytes);
            }
            app.sweep.status(&format!(
                "Sent {k} networks to the Compare view: it finds their fixed points, then compares \
                 them (nothing is trained again)."
            ));
            if let Some(c) = app.cx.doc.get_element_by_id("compare") {
                c.scroll_into_view();
            }
        }
        Err(e) => app.sweep.status(&e),
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

fn export(app: &mut App, svg: bool) {
    let v = &app.sweep;
    if v.state.is_none() {
        return v.status("Nothing to export yet: open a sweep first.");
    }
    let (url, name) = if svg {
        let Some(doc) = v.svg() else {
            return;
        };
        let url = format!(
            "data:image/svg+xml;charset=utf-8,{}",
            String::from(js_sys::encode_uri_component(&doc))
        );
        (url, "flipflop-sweep.svg")
    } else {
        match v.canvas().to_data_url_with_type("image/png") {
            Ok(u) => (u, "flipflop-sweep.png"),
            Err(e) => return v.status(&format!("Could not export the plot: {e:?}")),
        }
    };
    match download(&url, name) {
        Ok(()) => v.status(&format!("Exported {name}: see your browser's downloads.")),
        Err(e) => v.status(&format!("The browser refused the download: {e:?}")),
    }
}

/// Wires the view.
pub fn wire(app: &Shared) -> Result<(), JsValue> {
    let doc = app.borrow().cx.doc.clone();
    let file: HtmlInputElement = by_id(&doc, "sweep-file")?;
    let (a, input) = (app.clone(), file.clone());
    on(&file, "change", move |_e: web_sys::Event| {
        if let Some(list) = input.files() {
            read_files(&a, list);
        }
        input.set_value("");
    })?;
    // The drop zone takes its files before the page's own drop handler (which imports one
    // network into the training panel) can see them.
    let zone: HtmlElement = by_id(&doc, "sweep-drop")?;
    let z = zone.clone();
    on(&zone, "dragover", move |e: DragEvent| {
        e.prevent_default();
        e.stop_propagation();
        let _ = z.class_list().add_1("dragging");
    })?;
    let z = zone.clone();
    on(&zone, "dragleave", move |_e: DragEvent| {
        let _ = z.class_list().remove_1("dragging");
    })?;
    let (a, z) = (app.clone(), zone.clone());
    on(&zone, "drop", move |e: DragEvent| {
        e.prevent_default();
        e.stop_propagation();
        let _ = z.class_list().remove_1("dragging");
        if let Some(list) = e.data_transfer().and_then(|d| d.files()) {
            read_files(&a, list);
        }
    })?;
    let table: HtmlElement = by_id(&doc, "sweep-table")?;
    let a = app.clone();
    on(&table, "click", move |e: web_sys::Event| {
        let Some(col) = closest_with(&e, "data-col")
            .and_then(|el| el.get_attribute("data-col"))
            .and_then(|c| c.parse::<usize>().ok())
        else {
            return;
        };
        act(&a, |app| app.sweep.on_sort(col));
    })?;
    let a = app.clone();
    on(&table, "change", move |e: web_sys::Event| {
        let Some(run) = closest_with(&e, "data-tick")
            .and_then(|el| el.get_attribute("data-tick"))
            .and_then(|c| c.parse::<usize>().ok())
        else {
            return;
        };
        act(&a, |app| app.sweep.on_tick(run, &mut app.cx));
    })?;
    for (id, axis) in [("sweep-x", Axis::X), ("sweep-y", Axis::Y)] {
        let select: HtmlElement = by_id(&doc, id)?;
        let a = app.clone();
        on(&select, "change", move |_e: web_sys::Event| {
            act(&a, |app| app.sweep.on_axis(axis, &mut app.cx))
        })?;
    }
    let click = |id: &str, f: fn(&mut App)| -> Result<(), JsValue> {
        let a = app.clone();
        let b: HtmlElement = by_id(&doc, id)?;
        on(&b, "click", move |_e: web_sys::Event| act(&a, f))
    };
    click("sweep-compare", compare_selected)?;
    click("sweep-png", |a| export(a, false))?;
    click("sweep-svg", |a| export(a, true))?;
    Ok(())
}
