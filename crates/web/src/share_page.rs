//! The page's share, open, save, import and export controls (wasm only; a child module of
//! `page`, so it works on the page's `App` directly). The pure logic lives in
//! [`crate::share`] and [`crate::storage`]; heavy work (encoding a compact link, decoding a
//! link, importing a file) is the worker's.
//!
//! **Architecture Invariant:** user-supplied text (names, file names, link contents, error
//! messages quoting them) reaches the DOM only through `textContent` and attribute values,
//! never as HTML.
//!
//! Load priority at page start: a `#net=` link, then the autosaved network, then the
//! pre-trained file. Whatever is adopted sets `App::adopted`, so a later, lower-priority
//! source (the pre-trained file arriving by fetch) must leave it alone.

use super::{on, App, Shared};
use crate::protocol::{Bytes, Command, Event, WireNetwork};
use crate::{share, storage};
use flipflop_formats::{export, import, link, netfile};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{
    Blob, BlobPropertyBag, Document, Element, File, HtmlAnchorElement, HtmlButtonElement,
    HtmlCanvasElement, HtmlElement, HtmlInputElement, HtmlSelectElement, Url,
};

/// Autosave at most this often while training (it also saves on pause, on solved, after a
/// Step and on pagehide).
const AUTOSAVE_EVERY_MS: f64 = 10_000.0;

/// The controls of the share panel and the autosave bookkeeping.
pub(super) struct ShareState {
    kind: HtmlSelectElement,
    pub(super) share: HtmlButtonElement,
    link: HtmlInputElement,
    length: HtmlElement,
    copy: HtmlButtonElement,
    file: HtmlInputElement,
    exports: HtmlElement,
    save_name: HtmlInputElement,
    save: HtmlButtonElement,
    saved_list: HtmlElement,
    saved_empty: HtmlElement,
    last_autosave: f64,
    /// A storage failure was already reported (report it once, not on every snapshot).
    autosave_failed: bool,
    /// A link is being opened at page start with no network behind it yet: if it fails,
    /// start fresh seeded weights.
    fresh_if_link_fails: bool,
}

impl ShareState {
    pub(super) fn find(doc: &Document) -> Result<Self, JsValue> {
        use super::by_id;
        Ok(Self {
            kind: by_id(doc, "share-kind")?,
            share: by_id(doc, "share")?,
            link: by_id(doc, "share-link")?,
            length: by_id(doc, "share-length")?,
            copy: by_id(doc, "copy-link")?,
            file: by_id(doc, "import-file")?,
            exports: by_id(doc, "export-buttons")?,
            save_name: by_id(doc, "save-name")?,
            save: by_id(doc, "save-net")?,
            saved_list: by_id(doc, "saved-list")?,
            saved_empty: by_id(doc, "saved-empty")?,
            last_autosave: f64::NEG_INFINITY,
            autosave_failed: false,
            fresh_if_link_fails: false,
        })
    }
}

/// Whether the page's whole address holds a share link, also when a mail or chat tool wrote
/// its `#` as `%23` or wrapped it in a redirector (then it is not in `location.hash`): the
/// worker decodes the same text with `flipflop_formats::link::decode_link`.
fn fragment_has_link(href: &str) -> bool {
    link::has_link(href)
}

impl App {
    /// Chooses the network at page start: `#net=` link > autosave > (pre-trained, by the
    /// caller when `adopted` stays false) > fresh seeded weights.
    pub(super) fn initial_load(&mut self) {
        let hash = self.window.location().href().unwrap_or_default();
        let restored = self.restore_autosave();
        if fragment_has_link(&hash) {
            // The link wins when it decodes; if not, the autosave stays (or fresh weights
            // come). No fresh network is built meanwhile: one `Init` only.
            self.adopted = true;
            self.share.fresh_if_link_fails = !restored;
            self.set_status("Opening the shared network…");
            self.send(Command::OpenLink { text: hash });
        } else if !restored {
            self.reinit();
        }
        self.render_saved();
    }

    /// Adopts the autosaved network, if there is a usable one.
    fn restore_autosave(&mut self) -> bool {
        let Some(text) = storage::get(storage::AUTOSAVE_KEY) else {
            return false;
        };
        let parsed = serde_json::from_str::<storage::Autosave>(&text)
            .map_err(|e| e.to_string())
            .and_then(|a| storage::unpack_net(&a.net).map(|f| (a, f)));
        match parsed {
            Ok((a, f)) => {
                self.adopt_network(
                    f.config,
                    Some(WireNetwork::from_network(&f.network)),
                    f.steps,
                );
                self.losses = a.losses;
                self.metrics = a.metrics;
                self.set_status(&format!(
                    "Restored your network from this browser (step {}, saved {} UTC).",
                    f.steps,
                    storage::format_date(a.saved_at_ms)
                ));
                true
            }
            Err(e) => {
                self.show_error(&format!(
                    "The network autosaved in this browser could not be restored ({e}); starting afresh."
                ));
                false
            }
        }
    }

    /// Called for every snapshot: autosaves when the network is at rest, or every
    /// [`AUTOSAVE_EVERY_MS`] while training.
    pub(super) fn autosave_after_snapshot(&mut self) {
        let due = self.now() - self.share.last_autosave >= AUTOSAVE_EVERY_MS;
        if !self.running || due {
            self.autosave();
        }
    }

    /// Writes the current network and its history to browser storage.
    pub(super) fn autosave(&mut self) {
        if self.bench {
            return;
        }
        let Some(s) = &self.snapshot else { return };
        let Ok(net) = s.network.to_network() else {
            return;
        };
        let record = storage::Autosave {
            net: storage::pack_net(&self.config, &net, s.step),
            losses: storage::thin(&self.losses, storage::MAX_HISTORY),
            metrics: storage::thin(&self.metrics, storage::MAX_HISTORY),
            saved_at_ms: js_sys::Date::now(),
        };
        let text = serde_json::to_string(&record).unwrap_or_default();
        self.share.last_autosave = self.now();
        match storage::set(storage::AUTOSAVE_KEY, &text) {
            Ok(()) => self.share.autosave_failed = false,
            Err(e) if !self.share.autosave_failed => {
                self.share.autosave_failed = true;
                self.show_error(&format!("Could not autosave the network: {e}."));
            }
            Err(_) => {}
        }
    }

    /// Handles the worker's answers to `EncodeLink`, `OpenLink` and `Import`.
    pub(super) fn on_share_event(&mut self, ev: Event) {
        match ev {
            Event::Link {
                kind,
                fragment,
                step,
            } => {
                let href = self.window.location().href().unwrap_or_default();
                let url = link::share_url(&href, &fragment);
                self.share.link.set_value(&url);
                let chars = url.chars().count();
                let _ = self.share.link.set_attribute("data-kind", &kind);
                let _ = self
                    .share
                    .link
                    .set_attribute("data-step", &step.to_string());
                self.share
                    .length
                    .set_text_content(Some(&format!("({kind}, step {step}: {chars} characters)")));
                let _ = self
                    .share
                    .length
                    .set_attribute("data-chars", &chars.to_string());
                self.share.share.set_disabled(false);
                self.share.link.select();
            }
            Event::Loaded {
                origin,
                what,
                config,
                network,
                steps,
            } => {
                self.clear_error();
                self.share.fresh_if_link_fails = false;
                let from_link = origin == share::ORIGIN_LINK;
                let (n, seed) = (config.model.hidden, config.seed);
                let recipe = network.is_none();
                self.adopt_network(*config, network, if recipe { 0 } else { steps });
                let msg = match (from_link, recipe) {
                    (true, true) => format!(
                        "Opened a recipe link: the settings and seed {seed} are filled in (N {n}). \
                         Press Train to train it again ({steps} steps in the original)."
                    ),
                    (true, false) => {
                        format!("Opened the {what} link: N {n}, {steps} steps trained, seed {seed}.")
                    }
                    (false, _) => format!(
                        "Imported {origin:?} ({what}): N {n}, {steps} steps trained. Press Train to continue training it."
                    ),
                };
                self.set_status(&msg);
                if from_link {
                    // Drop the fragment so that a reload shows the autosaved (possibly further
                    // trained) network instead of reopening the link.
                    self.drop_fragment();
                }
            }
            Event::LoadFailed { message, .. } => {
                self.set_status("");
                if std::mem::take(&mut self.share.fresh_if_link_fails) {
                    self.reinit();
                }
                self.show_error(&message);
            }
            _ => {}
        }
    }

    fn drop_fragment(&self) {
        let loc = self.window.location();
        let url = format!(
            "{}{}",
            loc.pathname().unwrap_or_default(),
            loc.search().unwrap_or_default()
        );
        if let Ok(h) = self.window.history() {
            let _ = h.replace_state_with_url(&JsValue::NULL, "", Some(&url));
        }
    }

    fn on_share(&mut self) {
        let kind = self.share.kind.value();
        self.share.share.set_disabled(true);
        self.share.link.set_value("");
        self.share
            .length
            .set_text_content(Some("(making the link…)"));
        let _ = self.share.length.remove_attribute("data-chars");
        // The button comes back with the answer (or with an error event).
        self.send(Command::EncodeLink { kind });
    }

    fn on_copy(&mut self) {
        let text = self.share.link.value();
        if text.is_empty() {
            self.show_error("Press Share first: there is no link to copy yet.");
            return;
        }
        self.share.link.select();
        let promise = self.window.navigator().clipboard().write_text(&text);
        let status = self.els.status.clone();
        let ok = Closure::once_into_js(move |_v: JsValue| {
            status.set_text_content(Some("Link copied to the clipboard."));
        });
        let status = self.els.status.clone();
        let fail = Closure::once_into_js(move |_e: JsValue| {
            status.set_text_content(Some(
                "The browser did not allow copying: the link is selected, press Ctrl+C (⌘C).",
            ));
        });
        then2(&promise, &ok, &fail);
    }

    fn on_hash_change(&mut self) {
        let hash = self.window.location().href().unwrap_or_default();
        if fragment_has_link(&hash) {
            self.set_status("Opening the shared network…");
            self.send(Command::OpenLink { text: hash });
        }
    }

    fn current(&self) -> Option<(flipflop_core::Network, u64)> {
        let s = self.snapshot.as_ref()?;
        s.network.to_network().ok().map(|n| (n, s.step))
    }

    fn on_export(&mut self, what: &str) {
        if let Some(id) = what.strip_prefix("png:") {
            return self.export_png(id);
        }
        if let Some(id) = what.strip_prefix("svg:") {
            return self.export_svg(id);
        }
        let stem = self
            .current()
            .map(|(n, s)| format!("flipflop-N{}-step{s}", n.config.hidden))
            .unwrap_or_else(|| "flipflop".into());
        let made: Result<(Vec<u8>, &str, &str), String> = match (what, self.current()) {
            ("csv", _) => Ok((
                share::history_csv(&self.losses, &self.metrics).into_bytes(),
                "text/csv",
                "csv",
            )),
            ("play-csv", _) => Ok((self.live_csv().into_bytes(), "text/csv", "csv")),
            (_, None) => Err("No network yet: nothing to export.".into()),
            ("npz", Some((n, _))) => export::npz_bytes(&n)
                .map(|b| (b, "application/octet-stream", "npz"))
                .map_err(|e| e.to_string()),
            ("json", Some((n, s))) => export::json_bytes(&self.config, &n, s)
                .map(|b| (b, "application/json", "json"))
                .map_err(|e| e.to_string()),
            ("net", Some((n, s))) => Ok((
                netfile::encode(&self.config, &n, s),
                "application/octet-stream",
                "net",
            )),
            _ => Err(format!("Unknown export {what:?}.")),
        };
        let result = made.and_then(|(bytes, mime, ext)| {
            let name = if what == "csv" {
                format!("{stem}-loss.csv")
            } else if what == "play-csv" {
                format!("{stem}-live-play.csv")
            } else {
                format!("{stem}.{ext}")
            };
            bytes_blob(&bytes, mime)
                .and_then(|b| download(&self.window, &self.doc, &b, &name))
                .map_err(|e| format!("The browser refused the download: {e:?}"))
        });
        if let Err(e) = result {
            self.show_error(&e);
        }
    }

    /// A panel as SVG: the plotters charts through plotters' SVG backend, the hand-drawn
    /// panels through [`crate::paint::Svg`], at the canvas's CSS size.
    fn export_svg(&mut self, id: &str) {
        let size = self.doc.get_element_by_id(id).map(|e| {
            (
                e.client_width().max(1) as u32,
                e.client_height().max(1) as u32,
            )
        });
        let Some((w, h)) = size else {
            return self.show_error(&format!("No panel {id:?} to export."));
        };
        let snap = self.snapshot.as_deref();
        let made: Result<String, String> = match (id, snap) {
            ("cube" | "play-trace", _) => self
                .live_svg(id)
                .ok_or_else(|| format!("No panel {id:?} to export.")),
            ("loss-chart", _) => crate::draw::plotters_svg(w, h, |root| {
                crate::draw::loss_chart_on(root, 1.0, &self.losses, &self.metrics)
            }),
            (_, None) => Err("No network yet: nothing to export.".into()),
            ("spectrum", Some(s)) => crate::draw::plotters_svg(w, h, |root| {
                crate::draw::spectrum_on(root, 1.0, s, self.fixed.jacobian_spectrum())
            }),
            ("matrix", Some(s)) => {
                let mut svg = crate::paint::Svg::new(w as f64, h as f64);
                crate::draw::paint_matrix(&mut svg, w as f64, h as f64, 1.0, s)
                    .map(|_| svg.finish())
            }
            ("traces", Some(s)) => {
                let mut svg = crate::paint::Svg::new(w as f64, h as f64);
                crate::draw::paint_traces(&mut svg, w as f64, h as f64, 1.0, s);
                Ok(svg.finish())
            }
            _ => Err(format!("No panel {id:?} to export.")),
        };
        let name = format!("flipflop-{id}-step{}.svg", self.step);
        let result = made.and_then(|text| {
            bytes_blob(text.as_bytes(), "image/svg+xml")
                .and_then(|b| download(&self.window, &self.doc, &b, &name))
                .map_err(|e| format!("The browser refused the download: {e:?}"))
        });
        if let Err(e) = result {
            self.show_error(&format!("Could not export the picture: {e}"));
        }
    }

    /// A panel as PNG, encoded synchronously (`toDataURL`) so that the download starts
    /// inside the click that asked for it (an asynchronous `toBlob` callback runs outside the
    /// user's gesture, and Chromium may hold such a download back).
    fn export_png(&mut self, id: &str) {
        let Some(canvas) = self
            .doc
            .get_element_by_id(id)
            .and_then(|e| e.dyn_into::<HtmlCanvasElement>().ok())
        else {
            return self.show_error(&format!("No panel {id:?} to export."));
        };
        let name = format!("flipflop-{id}-step{}.png", self.step);
        let done = canvas.to_data_url_with_type("image/png").and_then(|url| {
            let a: HtmlAnchorElement = self.doc.create_element("a")?.dyn_into()?;
            a.set_href(&url);
            a.set_download(&name);
            a.click();
            Ok(())
        });
        if let Err(e) = done {
            self.show_error(&format!("Could not export the picture: {e:?}"));
        }
    }

    fn on_save(&mut self) {
        let Some((net, step)) = self.current() else {
            return self.show_error("No network yet: nothing to save.");
        };
        let mut name = storage::clean_name(&self.share.save_name.value());
        if name.is_empty() {
            name = format!("N {} · step {step}", net.config.hidden);
        }
        let (mut list, _) = storage::parse_saved(storage::get(storage::SAVED_KEY).as_deref());
        list.push(storage::SavedNet {
            name,
            saved_at_ms: js_sys::Date::now(),
            accuracy: self.metrics.last().map(|m| m.2),
            step,
            hidden: net.config.hidden,
            net: storage::pack_net(&self.config, &net, step),
        });
        match self.write_saved(&list) {
            Ok(()) => {
                self.share.save_name.set_value("");
                self.set_status("Saved in this browser.");
            }
            Err(e) => self.show_error(&format!("Could not save the network: {e}.")),
        }
        self.render_saved();
    }

    fn write_saved(&self, list: &[storage::SavedNet]) -> Result<(), String> {
        let text = serde_json::to_string(list).map_err(|e| e.to_string())?;
        storage::set(storage::SAVED_KEY, &text)
    }

    fn on_saved_click(&mut self, action: &str, index: usize) {
        let (mut list, _) = storage::parse_saved(storage::get(storage::SAVED_KEY).as_deref());
        if index >= list.len() {
            return self.render_saved();
        }
        match action {
            "load" => match storage::unpack_net(&list[index].net) {
                Ok(f) => {
                    self.clear_error();
                    let name = list[index].name.clone();
                    self.adopt_network(f.config, Some(WireNetwork::from_network(&f.network)), f.steps);
                    self.set_status(&format!("Loaded {name:?} (step {}).", f.steps));
                }
                Err(e) => self.show_error(&format!(
                    "This saved network is damaged and cannot be loaded: {e}. The current network is unchanged."
                )),
            },
            "delete" => {
                list.remove(index);
                if let Err(e) = self.write_saved(&list) {
                    self.show_error(&format!("Could not delete: {e}."));
                }
                self.render_saved();
            }
            _ => {}
        }
    }

    /// Rebuilds the saved list from storage, with text nodes only.
    fn render_saved(&self) {
        let (list, problem) = storage::parse_saved(storage::get(storage::SAVED_KEY).as_deref());
        if let Some(p) = problem {
            self.show_error(&p);
        }
        let ul = &self.share.saved_list;
        ul.set_text_content(None);
        self.share.saved_empty.set_hidden(!list.is_empty());
        for (i, e) in list.iter().enumerate() {
            let _ = self.saved_item(ul, i, e);
        }
    }

    fn saved_item(&self, ul: &HtmlElement, i: usize, e: &storage::SavedNet) -> Result<(), JsValue> {
        let li = self.doc.create_element("li")?;
        let _ = li.set_attribute("data-testid", "saved-item");
        let name = self.doc.create_element("span")?;
        name.set_class_name("saved-name");
        name.set_text_content(Some(&e.name));
        let meta = self.doc.create_element("span")?;
        meta.set_class_name("saved-meta");
        meta.set_text_content(Some(&format!(
            "{} UTC · N {} · step {} · accuracy {}",
            storage::format_date(e.saved_at_ms),
            e.hidden,
            e.step,
            e.accuracy
                .map_or("–".into(), |a| format!("{:.1} %", a as f64 * 100.0))
        )));
        li.append_child(&name)?;
        li.append_child(&meta)?;
        for (action, label) in [("load", "Load"), ("delete", "Delete")] {
            let b = self.doc.create_element("button")?;
            b.set_attribute("type", "button")?;
            b.set_attribute("data-action", action)?;
            b.set_attribute("data-index", &i.to_string())?;
            b.set_attribute("aria-label", &format!("{label} {}", e.name))?;
            b.set_text_content(Some(label));
            li.append_child(&b)?;
        }
        ul.append_child(&li)?;
        Ok(())
    }
}

/// `promise.then(ok, fail)` with one-shot JS functions (from `Closure::once_into_js`, which
/// free themselves when called).
fn then2(promise: &js_sys::Promise, ok: &JsValue, fail: &JsValue) {
    let then = js_sys::Reflect::get(promise, &"then".into())
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok());
    if let Some(then) = then {
        let _ = then.call2(promise, ok, fail);
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
    let url = Url::create_object_url_with_blob(blob)?;
    let a: HtmlAnchorElement = doc.create_element("a")?.dyn_into()?;
    a.set_href(&url);
    a.set_download(name);
    a.click();
    // Revoke later: revoking at once can cancel the download in some browsers.
    let revoke = Closure::once_into_js(move || {
        let _ = Url::revoke_object_url(&url);
    });
    window.set_timeout_with_callback_and_timeout_and_arguments_0(revoke.unchecked_ref(), 30_000)?;
    Ok(())
}

/// Reads a file and sends it to the worker for import (bytes never touch the DOM).
fn import_file(app: &Shared, file: File) {
    let name = file.name();
    if file.size() > import::MAX_IMPORT_BYTES as f64 {
        if let Ok(a) = app.try_borrow() {
            a.show_error(&format!(
                "Could not import {name:?}: it is {:.0} MB, larger than any importable network \
                 ({} MB at most). The current network is unchanged.",
                file.size() / 1e6,
                import::MAX_IMPORT_BYTES >> 20
            ));
        }
        return;
    }
    if let Ok(a) = app.try_borrow() {
        a.set_status(&format!("Importing {name:?}…"));
    }
    let a = app.clone();
    let n = name.clone();
    let ok = Closure::once_into_js(move |buf: JsValue| {
        let bytes = js_sys::Uint8Array::new(&buf).to_vec();
        if let Ok(mut app) = a.try_borrow_mut() {
            app.send(Command::Import {
                name: n,
                bytes: Bytes(bytes),
            });
        }
    });
    let a = app.clone();
    let fail = Closure::once_into_js(move |e: JsValue| {
        if let Ok(app) = a.try_borrow() {
            app.show_error(&format!(
                "Could not read {name:?}: {e:?}. The current network is unchanged."
            ));
        }
    });
    then2(&file.array_buffer(), &ok, &fail);
}

/// The closest element (from the event target up) that has `attr`.
fn closest_with(e: &web_sys::Event, attr: &str) -> Option<Element> {
    e.target()?
        .dyn_into::<Element>()
        .ok()?
        .closest(&format!("[{attr}]"))
        .ok()
        .flatten()
}

/// Wires the share panel, `hashchange`, `pagehide`, drag and drop.
pub(super) fn wire(app: &Shared) -> Result<(), JsValue> {
    let (window, doc, share, copy, kind, file, exports, save, list) = {
        let a = app.borrow();
        let s = &a.share;
        (
            a.window.clone(),
            a.doc.clone(),
            s.share.clone(),
            s.copy.clone(),
            s.kind.clone(),
            s.file.clone(),
            s.exports.clone(),
            s.save.clone(),
            s.saved_list.clone(),
        )
    };
    super::listen(&share, "click", app, App::on_share)?;
    super::listen(&copy, "click", app, App::on_copy)?;
    super::listen(&kind, "change", app, |a| {
        a.share.link.set_value("");
        a.share.length.set_text_content(None);
    })?;
    super::listen(&save, "click", app, App::on_save)?;
    super::listen(&window, "hashchange", app, App::on_hash_change)?;
    super::listen(&window, "pagehide", app, App::autosave)?;
    let a = app.clone();
    on(&exports, "click", move |e: web_sys::Event| {
        let Some(what) =
            closest_with(&e, "data-export").and_then(|el| el.get_attribute("data-export"))
        else {
            return;
        };
        if let Ok(mut app) = a.try_borrow_mut() {
            app.on_export(&what);
        }
    })?;
    let a = app.clone();
    on(&list, "click", move |e: web_sys::Event| {
        let Some(el) = closest_with(&e, "data-action") else {
            return;
        };
        let action = el.get_attribute("data-action").unwrap_or_default();
        let Some(index) = el.get_attribute("data-index").and_then(|i| i.parse().ok()) else {
            return;
        };
        if let Ok(mut app) = a.try_borrow_mut() {
            app.on_saved_click(&action, index);
        }
    })?;
    let a = app.clone();
    let input = file.clone();
    on(&file, "change", move |_e: web_sys::Event| {
        if let Some(f) = input.files().and_then(|l| l.get(0)) {
            import_file(&a, f);
        }
        input.set_value("");
    })?;
    let body = doc.body().ok_or("no body")?;
    let b = body.clone();
    on(&window, "dragover", move |e: web_sys::DragEvent| {
        e.prevent_default();
        let _ = b.class_list().add_1("dragging");
    })?;
    let b = body.clone();
    on(&window, "dragleave", move |_e: web_sys::DragEvent| {
        let _ = b.class_list().remove_1("dragging");
    })?;
    let a = app.clone();
    on(&window, "drop", move |e: web_sys::DragEvent| {
        e.prevent_default();
        let _ = body.class_list().remove_1("dragging");
        if let Some(f) = e
            .data_transfer()
            .and_then(|d| d.files())
            .and_then(|l| l.get(0))
        {
            import_file(&a, f);
        }
    })?;
    Ok(())
}
