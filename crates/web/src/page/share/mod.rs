//! The share panel: share links, copy, import (file picker and drop), export buttons, the
//! saved-networks list, and the autosave. The pure logic lives in [`crate::state::share`]
//! and [`crate::state::storage`]; heavy work (encoding a compact link, decoding a link,
//! importing a file) is the worker's.
//!
//! **Architecture Invariant:** user-supplied text (names, file names, link contents, error
//! messages quoting them) reaches the DOM only through `textContent` and attribute values,
//! never as HTML.
//!
//! Load priority at page start: a `#net=` link, then the autosaved network, then the
//! pre-trained file. Whatever is adopted sets `Cx::adopted`, so a later, lower-priority
//! source (the pre-trained file arriving by fetch) must leave it alone.

mod solved;

use super::context::{Adoption, Cx, Request};
use super::dom::{by_id, closest_with, on, then2};
use super::{act, Component, Shared};
use crate::protocol::{Bytes, Command, Event, Format, Origin, WireAdam, WireNetwork};
use crate::state::storage;
use flipflop_formats::{import, link};
use wasm_bindgen::prelude::*;
use web_sys::{
    Document, File, HtmlButtonElement, HtmlElement, HtmlInputElement, HtmlSelectElement,
};

/// Autosave at most this often while training (it also saves on pause, on solved, after a
/// Step and on pagehide).
const AUTOSAVE_EVERY_MS: f64 = 10_000.0;

/// The share panel's controls and the autosave bookkeeping.
pub struct SharePanel {
    kind: HtmlSelectElement,
    share: HtmlButtonElement,
    link: HtmlInputElement,
    length: HtmlElement,
    warning: HtmlElement,
    copy: HtmlButtonElement,
    file: HtmlInputElement,
    exports: HtmlElement,
    save_name: HtmlInputElement,
    save: HtmlButtonElement,
    saved_list: HtmlElement,
    saved_empty: HtmlElement,
    /// "Go back to the solved network", shown when training wrecked a solved network.
    restore: HtmlButtonElement,
    /// Step and time (ms) the kept solved network was last written.
    kept: Option<(u64, f64)>,
    /// The configuration of the last check, if it said solved (`None` after one that did
    /// not): a network is kept once its settings held it solved at two checks in a row.
    solved_under: Option<flipflop_core::Config>,
    last_autosave: f64,
    /// A storage failure was already reported (report it once, not on every snapshot).
    autosave_failed: bool,
    /// A link is being opened at page start with no network behind it yet: if it fails,
    /// start fresh seeded weights.
    fresh_if_link_fails: bool,
}

/// Whether the page's whole address holds a share link, also when a mail or chat tool wrote
/// its `#` as `%23` or wrapped it in a redirector (then it is not in `location.hash`): the
/// worker decodes the same text with `flipflop_formats::link::decode_link`.
///
/// An address whose fragment names a link that cannot be read (`#net=<garbage>`) counts too:
/// the worker's decoder then says what is wrong with it, instead of the page ignoring it.
fn fragment_has_link(href: &str) -> bool {
    let names_one = href.split_once('#').is_some_and(|(_, fragment)| {
        fragment
            .split('&')
            .any(|e| e.trim_start().starts_with(link::FRAGMENT_KEY) && e.contains('='))
    });
    names_one || link::has_link(href)
}

impl SharePanel {
    /// Finds the controls.
    pub fn find(doc: &Document) -> Result<Self, JsValue> {
        Ok(Self {
            kind: by_id(doc, "share-kind")?,
            share: by_id(doc, "share")?,
            link: by_id(doc, "share-link")?,
            length: by_id(doc, "share-length")?,
            warning: by_id(doc, "share-warning")?,
            copy: by_id(doc, "copy-link")?,
            file: by_id(doc, "import-file")?,
            exports: by_id(doc, "export-buttons")?,
            save_name: by_id(doc, "save-name")?,
            save: by_id(doc, "save-net")?,
            saved_list: by_id(doc, "saved-list")?,
            saved_empty: by_id(doc, "saved-empty")?,
            restore: by_id(doc, "restore-solved")?,
            kept: None,
            solved_under: None,
            last_autosave: f64::NEG_INFINITY,
            autosave_failed: false,
            fresh_if_link_fails: false,
        })
    }

    /// Chooses the network at page start: `#net=` link > autosave > (pre-trained, by the
    /// caller when `adopted` stays false) > fresh seeded weights.
    pub fn initial_load(&mut self, cx: &mut Cx) {
        let hash = cx.window.location().href().unwrap_or_default();
        let restored = self.restore_autosave(cx);
        if fragment_has_link(&hash) {
            // The link wins when it decodes; if not, the autosave stays (or fresh weights
            // come). No fresh network is built meanwhile: one `Init` only.
            cx.adopted = true;
            self.fresh_if_link_fails = !restored;
            cx.set_status("Opening the shared network…");
            cx.send(Command::OpenLink { text: hash });
        } else if !restored {
            cx.request(Request::Reinit);
        }
        self.render_saved(cx);
    }

    /// Adopts the autosaved network, if there is a usable one.
    fn restore_autosave(&mut self, cx: &mut Cx) -> bool {
        let Some(text) = storage::get(storage::AUTOSAVE_KEY) else {
            return false;
        };
        let parsed = serde_json::from_str::<storage::Autosave>(&text)
            .map_err(|e| e.to_string())
            .and_then(|a| storage::unpack_net_with(&a.net).map(|f| (a, f)));
        match parsed {
            Ok((a, (f, optimiser))) => {
                let status = format!(
                    "Restored your network from this browser (step {}, saved {} UTC).",
                    f.steps,
                    storage::format_date(a.saved_at_ms)
                );
                cx.adopted = true;
                cx.request(Request::Adopt(Box::new(Adoption {
                    network: Some(WireNetwork::from_network(&f.network)),
                    config: f.config,
                    steps: f.steps,
                    status,
                    history: Some((a.losses, a.metrics)),
                    pretrained: false,
                    // Training continues exactly where it stopped (else a warm start).
                    optimiser: optimiser.as_ref().map(WireAdam::from_adam),
                })));
                true
            }
            Err(e) => {
                cx.show_error(&format!(
                    "The network autosaved in this browser could not be restored ({e}); starting afresh."
                ));
                false
            }
        }
    }

    /// Writes the current network and its history to browser storage.
    pub fn autosave(&mut self, cx: &Cx) {
        if cx.bench {
            return;
        }
        let Some(s) = &cx.run.snapshot else { return };
        let Ok(net) = s.network.to_network() else {
            return;
        };
        // The optimiser state goes with the weights when the worker sent that step's.
        let adam = cx.run.optimiser_at(s.step).and_then(|o| o.to_adam(&net));
        let record = storage::Autosave {
            net: storage::pack_net_with(&cx.run.config, &net, s.step, adam.as_ref()),
            losses: storage::thin(&cx.run.losses, storage::MAX_HISTORY),
            metrics: storage::thin(&cx.run.metrics, storage::MAX_HISTORY),
            saved_at_ms: js_sys::Date::now(),
        };
        let text = serde_json::to_string(&record).unwrap_or_default();
        self.last_autosave = cx.now();
        match storage::set(storage::AUTOSAVE_KEY, &text) {
            Ok(()) => self.autosave_failed = false,
            Err(e) if !self.autosave_failed => {
                self.autosave_failed = true;
                cx.show_error(&format!("Could not autosave the network: {e}."));
            }
            Err(_) => {}
        }
    }

    fn on_link(&mut self, kind: link::LinkKind, fragment: &str, step: u64, cx: &Cx) {
        let href = cx.window.location().href().unwrap_or_default();
        let url = link::share_url(&href, fragment);
        self.link.set_value(&url);
        let chars = url.chars().count();
        // Long links get cut by chat and mail tools: say so, and what to send instead.
        match link::length_warning(kind, chars) {
            Some(w) => {
                self.warning
                    .set_text_content(Some(&capitalised(&w.to_string())));
                self.warning.set_hidden(false);
            }
            None => {
                self.warning.set_text_content(None);
                self.warning.set_hidden(true);
            }
        }
        let kind = kind.name();
        let _ = self.link.set_attribute("data-kind", kind);
        let _ = self.link.set_attribute("data-step", &step.to_string());
        self.length
            .set_text_content(Some(&format!("({kind}, step {step}: {chars} characters)")));
        let _ = self.length.set_attribute("data-chars", &chars.to_string());
        self.share.set_disabled(false);
        self.link.select();
    }

    fn on_loaded(&mut self, origin: &Origin, format: Format, ev: &Event, cx: &mut Cx) {
        let Event::Loaded {
            config,
            network,
            steps,
            ..
        } = ev
        else {
            return;
        };
        cx.clear_error();
        self.fresh_if_link_fails = false;
        let (n, seed, steps) = (config.model.hidden, config.seed, *steps);
        let recipe = network.is_none();
        let what = format.name();
        let status = match (origin, recipe) {
            (Origin::Link, true) => format!(
                "Opened a recipe link: the settings and seed {seed} are filled in (N {n}). \
                 Press Train to train it again ({steps} steps in the original)."
            ),
            (Origin::Link, false) => {
                format!("Opened the {what} link: N {n}, {steps} steps trained, seed {seed}.")
            }
            (Origin::File(name), _) => format!(
                "Imported {name:?} ({what}): N {n}, {steps} steps trained. Press Train to continue training it."
            ),
            (other, _) => format!("Loaded a network ({other:?}): N {n}, {steps} steps trained."),
        };
        cx.adopted = true;
        cx.request(Request::Adopt(Box::new(Adoption {
            config: (**config).clone(),
            network: network.as_deref().cloned(),
            steps: if recipe { 0 } else { steps },
            status,
            history: None,
            pretrained: false,
            optimiser: None,
        })));
        if *origin == Origin::Link {
            // Drop the fragment so that a reload shows the autosaved (possibly further
            // trained) network instead of reopening the link.
            self.drop_fragment(cx);
        }
    }

    fn drop_fragment(&self, cx: &Cx) {
        let loc = cx.window.location();
        let url = format!(
            "{}{}",
            loc.pathname().unwrap_or_default(),
            loc.search().unwrap_or_default()
        );
        if let Ok(h) = cx.window.history() {
            let _ = h.replace_state_with_url(&JsValue::NULL, "", Some(&url));
        }
    }

    fn on_share(&mut self, cx: &mut Cx) {
        let Some(kind) = link::LinkKind::parse(&self.kind.value()) else {
            return cx.show_error("Choose a kind of link first.");
        };
        self.share.set_disabled(true);
        self.link.set_value("");
        self.length.set_text_content(Some("(making the link…)"));
        self.warning.set_hidden(true);
        let _ = self.length.remove_attribute("data-chars");
        // The button comes back with the answer (or with an error event).
        cx.send(Command::EncodeLink { kind });
    }

    fn on_copy(&mut self, cx: &mut Cx) {
        let text = self.link.value();
        if text.is_empty() {
            return cx.show_error("Press Share first: there is no link to copy yet.");
        }
        self.link.select();
        let promise = cx.window.navigator().clipboard().write_text(&text);
        let status = cx.status_element().clone();
        let ok = Closure::once_into_js(move |_v: JsValue| {
            status.set_text_content(Some("Link copied to the clipboard."));
        });
        let status = cx.status_element().clone();
        let fail = Closure::once_into_js(move |_e: JsValue| {
            status.set_text_content(Some(
                "The browser did not allow copying: the link is selected, press Ctrl+C (⌘C).",
            ));
        });
        then2(&promise, &ok, &fail);
    }

    fn on_hash_change(&mut self, cx: &mut Cx) {
        let hash = cx.window.location().href().unwrap_or_default();
        if fragment_has_link(&hash) {
            cx.set_status("Opening the shared network…");
            cx.send(Command::OpenLink { text: hash });
        }
    }

    fn on_save(&mut self, cx: &mut Cx) {
        let Some((net, step)) = cx.run.current() else {
            return cx.show_error("No network yet: nothing to save.");
        };
        let mut name = storage::clean_name(&self.save_name.value());
        if name.is_empty() {
            name = format!("N {} · step {step}", net.config.hidden);
        }
        let (mut list, _) = storage::parse_saved(storage::get(storage::SAVED_KEY).as_deref());
        list.push(storage::SavedNet {
            name,
            saved_at_ms: js_sys::Date::now(),
            accuracy: cx.run.metrics.last().map(|m| m.2),
            step,
            hidden: net.config.hidden,
            net: storage::pack_net(&cx.run.config, &net, step),
        });
        match write_saved(&list) {
            Ok(()) => {
                self.save_name.set_value("");
                cx.set_status("Saved in this browser.");
            }
            Err(e) => cx.show_error(&format!("Could not save the network: {e}.")),
        }
        self.render_saved(cx);
    }

    fn on_saved_click(&mut self, action: &str, index: usize, cx: &mut Cx) {
        let (mut list, _) = storage::parse_saved(storage::get(storage::SAVED_KEY).as_deref());
        if index >= list.len() {
            return self.render_saved(cx);
        }
        match action {
            "load" => match storage::unpack_net(&list[index].net) {
                Ok(f) => {
                    cx.clear_error();
                    let name = list[index].name.clone();
                    cx.request(Request::Adopt(Box::new(Adoption {
                        status: format!("Loaded {name:?} (step {}).", f.steps),
                        network: Some(WireNetwork::from_network(&f.network)),
                        config: f.config,
                        steps: f.steps,
                        history: None,
                        pretrained: false,
                        optimiser: None,
                    })));
                    cx.adopted = true;
                }
                Err(e) => cx.show_error(&format!(
                    "This saved network is damaged and cannot be loaded: {e}. The current network is unchanged."
                )),
            },
            "delete" => {
                list.remove(index);
                if let Err(e) = write_saved(&list) {
                    cx.show_error(&format!("Could not delete: {e}."));
                }
                self.render_saved(cx);
            }
            _ => {}
        }
    }

    /// Rebuilds the saved list from storage, with text nodes only.
    fn render_saved(&self, cx: &Cx) {
        let (list, problem) = storage::parse_saved(storage::get(storage::SAVED_KEY).as_deref());
        if let Some(p) = problem {
            cx.show_error(&p);
        }
        let ul = &self.saved_list;
        ul.set_text_content(None);
        self.saved_empty.set_hidden(!list.is_empty());
        for (i, e) in list.iter().enumerate() {
            let _ = saved_item(&cx.doc, ul, i, e);
        }
    }
}

impl Component for SharePanel {
    fn on_new_network(&mut self, _cx: &mut Cx) {
        self.restore.set_hidden(true);
        self.solved_under = None;
    }

    fn on_event(&mut self, ev: &Event, cx: &mut Cx) {
        match ev {
            Event::Link {
                kind,
                fragment,
                step,
                ..
            } => self.on_link(*kind, fragment, *step, cx),
            Event::Loaded { origin, format, .. } => self.on_loaded(origin, *format, ev, cx),
            Event::LoadFailed { message, .. } => {
                cx.set_status("");
                if std::mem::take(&mut self.fresh_if_link_fails) {
                    cx.request(Request::Reinit);
                }
                cx.show_error(message);
            }
            // An error answers whatever was pending (the App shows it): the Share button
            // comes back.
            Event::Error { .. } => self.share.set_disabled(false),
            Event::Running { running: false, .. } => self.autosave(cx),
            // Sent when training stops, after the events above: save again with it, so a
            // reload continues training exactly.
            Event::Optimiser { .. } => self.autosave(cx),
            Event::Metrics {
                step,
                solved,
                bit_accuracy,
                network,
                ..
            } => {
                self.after_check(*solved, cx);
                match network.as_deref().filter(|_| *solved) {
                    Some(checked) => self.keep_solved(cx, *step, checked, *bit_accuracy),
                    None => self.solved_under = None,
                }
                if cx.run.newly_solved {
                    self.autosave(cx);
                }
            }
            Event::Snapshot { .. } => {
                let due = cx.now() - self.last_autosave >= AUTOSAVE_EVERY_MS;
                if !cx.run.running || due {
                    self.autosave(cx);
                }
            }
            _ => {}
        }
    }
}

fn write_saved(list: &[storage::SavedNet]) -> Result<(), String> {
    let text = serde_json::to_string(list).map_err(|e| e.to_string())?;
    storage::set(storage::SAVED_KEY, &text)
}

fn saved_item(
    doc: &Document,
    ul: &HtmlElement,
    i: usize,
    e: &storage::SavedNet,
) -> Result<(), JsValue> {
    let li = doc.create_element("li")?;
    let _ = li.set_attribute("data-testid", "saved-item");
    let name = doc.create_element("span")?;
    name.set_class_name("saved-name");
    name.set_text_content(Some(&e.name));
    let meta = doc.create_element("span")?;
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
        let b = doc.create_element("button")?;
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

/// Reads a file and sends it to the worker for import (bytes never touch the DOM).
fn import_file(app: &Shared, file: File) {
    let name = file.name();
    if file.size() > import::MAX_IMPORT_BYTES as f64 {
        act(app, |a| {
            a.cx.show_error(&format!(
                "Could not import {name:?}: it is {:.0} MB, larger than any importable network \
                 ({} MB at most). The current network is unchanged.",
                file.size() / 1e6,
                import::MAX_IMPORT_BYTES >> 20
            ))
        });
        return;
    }
    act(app, |a| a.cx.set_status(&format!("Importing {name:?}…")));
    let a = app.clone();
    let n = name.clone();
    let ok = Closure::once_into_js(move |buf: JsValue| {
        let bytes = js_sys::Uint8Array::new(&buf).to_vec();
        act(&a, |app| {
            app.cx.send(Command::Import {
                name: n,
                bytes: Bytes(bytes),
            })
        });
    });
    let a = app.clone();
    let fail = Closure::once_into_js(move |e: JsValue| {
        act(&a, |app| {
            app.cx.show_error(&format!(
                "Could not read {name:?}: {e:?}. The current network is unchanged."
            ))
        });
    });
    then2(&file.array_buffer(), &ok, &fail);
}

/// Wires the share panel, `hashchange`, `pagehide`, drag and drop.
pub fn wire(app: &Shared) -> Result<(), JsValue> {
    let (window, doc, share, copy, kind, file, exports, save, list, restore) = {
        let a = app.borrow();
        let s = &a.share;
        (
            a.cx.window.clone(),
            a.cx.doc.clone(),
            s.share.clone(),
            s.copy.clone(),
            s.kind.clone(),
            s.file.clone(),
            s.exports.clone(),
            s.save.clone(),
            s.saved_list.clone(),
            s.restore.clone(),
        )
    };
    let a = app.clone();
    on(&share, "click", move |_e: web_sys::Event| {
        act(&a, |app| app.share.on_share(&mut app.cx))
    })?;
    let a = app.clone();
    on(&copy, "click", move |_e: web_sys::Event| {
        act(&a, |app| app.share.on_copy(&mut app.cx))
    })?;
    let a = app.clone();
    on(&kind, "change", move |_e: web_sys::Event| {
        act(&a, |app| {
            app.share.link.set_value("");
            app.share.length.set_text_content(None);
        })
    })?;
    let a = app.clone();
    on(&restore, "click", move |_e: web_sys::Event| {
        act(&a, |app| app.share.on_restore(&mut app.cx))
    })?;
    let a = app.clone();
    on(&save, "click", move |_e: web_sys::Event| {
        act(&a, |app| app.share.on_save(&mut app.cx))
    })?;
    let a = app.clone();
    on(&window, "hashchange", move |_e: web_sys::Event| {
        act(&a, |app| app.share.on_hash_change(&mut app.cx))
    })?;
    let a = app.clone();
    on(&window, "pagehide", move |_e: web_sys::Event| {
        act(&a, |app| app.share.autosave(&app.cx))
    })?;
    let a = app.clone();
    on(&exports, "click", move |e: web_sys::Event| {
        let Some(what) =
            closest_with(&e, "data-export").and_then(|el| el.get_attribute("data-export"))
        else {
            return;
        };
        act(&a, |app| app.cx.request(Request::Export(what)));
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
        act(&a, |app| {
            app.share.on_saved_click(&action, index, &mut app.cx)
        });
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

/// `text` with its first letter in upper case (the formats crate's messages are clauses).
fn capitalised(text: &str) -> String {
    let mut c = text.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}
