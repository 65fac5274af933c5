//! The page side of the memory-state cube and live play (a child module of `page`, so it
//! extends `App`): the controls, the per-frame simulation and drawing, and the pre-trained
//! network fetched at first load.
//!
//! Per animation frame: live play advances `elapsed × speed` steps (at most
//! [`MAX_STEPS_PER_FRAME`]), the cube turns a little, and both canvases are redrawn — well
//! under a millisecond of work at N 128. The cube's components come from the worker
//! ([`Event::Cube`](crate::protocol::Event)); the page only projects single states onto them.

use super::{by_id, on, App, Shared};
use crate::cube::{self, Scene, View};
use crate::play::{self, Play};
use crate::protocol::{CubeData, Snapshot, WireNetwork};
use std::collections::VecDeque;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{
    CanvasRenderingContext2d, Document, Element, HtmlButtonElement, HtmlCanvasElement, HtmlElement,
    HtmlInputElement, HtmlSelectElement, KeyboardEvent, PointerEvent, Response,
};

/// Where Trunk puts the shipped network (`web/assets/pretrained.net`, `make pretrained`).
pub(super) const PRETRAINED_URL: &str = "assets/pretrained.net";
/// Cap on live-play steps per frame (a slow frame must not snowball).
const MAX_STEPS_PER_FRAME: f64 = 600.0;
/// Steps of the live state's tail on the cube.
const TRAIL: usize = 40;
/// Longest frame interval counted (ms): after a hidden tab, play resumes, not races.
const MAX_FRAME_MS: f64 = 100.0;

/// One bit's output display.
struct BitOut {
    out: Element,
    lamp: Element,
    value: Element,
}

pub(super) struct LiveState {
    cube_canvas: HtmlCanvasElement,
    cube_ctx: Option<CanvasRenderingContext2d>,
    method: HtmlSelectElement,
    spin: HtmlInputElement,
    variance: HtmlElement,
    legend: HtmlElement,
    bits_box: HtmlElement,
    memory: HtmlElement,
    speed_input: HtmlInputElement,
    speed_value: HtmlElement,
    pause: HtmlButtonElement,
    noise: HtmlInputElement,
    trace_canvas: HtmlCanvasElement,
    trace_ctx: Option<CanvasRenderingContext2d>,
    outs: Vec<BitOut>,
    legend_bits: usize,
    scene: Option<Scene>,
    view: View,
    drag: Option<(i32, f64, f64)>,
    reduced_motion: bool,
    play: Play,
    paused: bool,
    speed: f64,
    acc: f64,
    trail: VecDeque<Vec<f32>>,
    last_frame: Option<f64>,
    /// Something changed that the next frame must draw even when nothing animates.
    dirty: bool,
    /// `?fresh` in the URL: start from seeded weights, not the pre-trained network.
    pub(super) fresh: bool,
}

fn context(c: &HtmlCanvasElement) -> Option<CanvasRenderingContext2d> {
    c.get_context("2d").ok().flatten()?.dyn_into().ok()
}

impl LiveState {
    pub(super) fn find(doc: &Document) -> Result<Self, JsValue> {
        let cube_canvas: HtmlCanvasElement = by_id(doc, "cube")?;
        let trace_canvas: HtmlCanvasElement = by_id(doc, "play-trace")?;
        let window = web_sys::window().ok_or("no window")?;
        let reduced_motion = window
            .match_media("(prefers-reduced-motion: reduce)")
            .ok()
            .flatten()
            .is_some_and(|m| m.matches());
        let search = window.location().search().unwrap_or_default();
        let speed_input: HtmlInputElement = by_id(doc, "play-speed")?;
        let speed = speed_input.value().parse::<f64>().unwrap_or(60.0);
        let spin: HtmlInputElement = by_id(doc, "cube-spin")?;
        if reduced_motion {
            spin.set_checked(false);
        }
        Ok(Self {
            cube_ctx: context(&cube_canvas),
            cube_canvas,
            method: by_id(doc, "cube-method")?,
            spin,
            variance: by_id(doc, "cube-variance")?,
            legend: by_id(doc, "cube-legend")?,
            bits_box: by_id(doc, "play-bits")?,
            memory: by_id(doc, "memory-state")?,
            speed_input,
            speed_value: by_id(doc, "play-speed-value")?,
            pause: by_id(doc, "play-pause")?,
            noise: by_id(doc, "play-noise")?,
            trace_ctx: context(&trace_canvas),
            trace_canvas,
            outs: Vec::new(),
            legend_bits: 0,
            scene: None,
            view: View::default(),
            drag: None,
            reduced_motion,
            play: Play::new(1),
            paused: false,
            speed: speed.clamp(1.0, 600.0),
            acc: 0.0,
            trail: VecDeque::with_capacity(TRAIL),
            last_frame: None,
            dirty: true,
            fresh: search.contains("fresh"),
        })
    }

    /// The live state's recent path in the shown projection's coordinates, oldest first.
    fn projected_trail(&self) -> VecDeque<[f32; 3]> {
        let Some(scene) = &self.scene else {
            return VecDeque::new();
        };
        let p = scene.projection();
        self.trail
            .iter()
            .map(|h| {
                let mut c = [0.0f32; 3];
                p.project(h, &mut c);
                c
            })
            .collect()
    }

    /// Rebuilds the per-bit Set/Reset buttons and output lamps for `bits` bits.
    fn build_bits(&mut self, doc: &Document, bits: usize) {
        let mut html = String::new();
        for b in 0..bits.min(play::MAX_BITS) {
            let (set, reset) = (play::SET_KEYS[b], play::RESET_KEYS[b]);
            html.push_str(&format!(
                "<div class=\"bit-row\" role=\"group\" aria-label=\"Bit {b}\">\
                 <span class=\"bit-name\">Bit {b}</span>\
                 <button type=\"button\" data-testid=\"bit-{b}-set\" data-bit=\"{b}\" data-sign=\"1\" \
                 aria-keyshortcuts=\"{set}\">Set +1 <kbd>{set}</kbd></button>\
                 <button type=\"button\" data-testid=\"bit-{b}-reset\" data-bit=\"{b}\" data-sign=\"-1\" \
                 aria-keyshortcuts=\"{reset}\">Reset −1 <kbd>{reset}</kbd></button>\
                 <span class=\"bit-out\" data-testid=\"output-bit-{b}\" data-value=\"0\" \
                 title=\"Output of bit {b}\"><span class=\"lamp\" data-on=\"mid\"></span>\
                 <span class=\"value\">0.00</span></span></div>"
            ));
        }
        self.bits_box.set_inner_html(&html);
        self.outs = (0..bits.min(play::MAX_BITS))
            .filter_map(|b| {
                let out = doc
                    .query_selector(&format!("[data-testid=output-bit-{b}]"))
                    .ok()??;
                let lamp = out.query_selector(".lamp").ok()??;
                let value = out.query_selector(".value").ok()??;
                Some(BitOut { out, lamp, value })
            })
            .collect();
    }

    /// Legend and variance line for the shown scene.
    fn describe_scene(&mut self) {
        let Some(scene) = &self.scene else {
            return;
        };
        let bits = scene.data.bits;
        if self.legend_bits != bits {
            self.legend_bits = bits;
            let html = if bits <= 4 {
                (0..1u32 << bits)
                    .map(|s| {
                        format!(
                            "<li><span class=\"swatch\" style=\"background:{}\"></span>{}</li>",
                            cube::state_colour(s, bits),
                            flipflop_core::task::state_name(s, bits)
                        )
                    })
                    .collect::<String>()
            } else {
                format!(
                    "<li>{} memory states: colours by hue (named in the live-play line)</li>",
                    1u32 << bits.min(8)
                )
            };
            self.legend.set_inner_html(&html);
        }
        let p = scene.projection();
        let parts: Vec<String> = p
            .fractions
            .iter()
            .enumerate()
            .map(|(i, f)| format!("{} {}: {:.1} %", scene.method(), i + 1, f * 100.0))
            .collect();
        let what = if scene.pca { "variance" } else { "energy" };
        let total: f64 = p.fractions.iter().sum();
        self.variance.set_text_content(Some(&format!(
            "Share of the {what} per axis — {} (together {:.1} %). Network at step {}.",
            parts.join(", "),
            total * 100.0,
            scene.data.step
        )));
    }

    fn update_outputs(&self) {
        let z = self.play.outputs();
        for (o, v) in self.outs.iter().zip(z) {
            let v = if v.is_finite() { *v } else { 0.0 };
            let _ = o.out.set_attribute("data-value", &format!("{v:.4}"));
            o.value.set_text_content(Some(&format!("{v:+.2}")));
            let on = if v >= play::DECIDED {
                "true"
            } else if v <= -play::DECIDED {
                "false"
            } else {
                "mid"
            };
            let _ = o.lamp.set_attribute("data-on", on);
        }
        self.memory
            .set_text_content(Some(&if self.play.bits() == 0 {
                "–".to_string()
            } else {
                self.play.state_name()
            }));
        let _ = self
            .memory
            .set_attribute("data-step", &self.play.step.to_string());
    }
}

impl App {
    /// New weights from the worker: live play switches to them (keeping its state when the
    /// shape is unchanged).
    pub(super) fn live_on_snapshot(&mut self, s: &Snapshot) {
        let Ok(net) = s.network.to_network() else {
            return;
        };
        let bits = net.config.bits;
        let task = self.config.task.clone();
        let restarted = self.live.play.set_network(net, &task);
        if restarted || self.live.outs.len() != bits.min(play::MAX_BITS) {
            self.live.trail.clear();
            let doc = self.doc.clone();
            self.live.build_bits(&doc, bits);
            self.live.update_outputs();
        }
        self.live.dirty = true;
    }

    /// Another network is being adopted (reset, link, file, pre-trained): live play restarts
    /// from a settled state with its first snapshot instead of carrying the old state over.
    pub(super) fn live_forget(&mut self) {
        self.live.play.forget();
    }

    /// Asks the next frame to redraw the cube (e.g. the fixed points changed).
    pub(super) fn live_redraw(&mut self) {
        self.live.dirty = true;
    }

    /// The cube (`cube`) or the live-play trace (`play-trace`) as an SVG document, drawn as
    /// on screen at the canvas's CSS size.
    pub(super) fn live_svg(&self, id: &str) -> Option<String> {
        let l = &self.live;
        let canvas = if id == "cube" {
            &l.cube_canvas
        } else {
            &l.trace_canvas
        };
        let (w, h) = (
            canvas.client_width().max(1) as f64,
            canvas.client_height().max(1) as f64,
        );
        let mut svg = crate::paint::Svg::new(w, h);
        match id {
            "cube" => {
                let markers = self.fixed.markers(l.scene.as_ref());
                cube::paint(
                    &mut svg,
                    w,
                    h,
                    1.0,
                    l.scene.as_ref(),
                    &l.view,
                    &l.projected_trail(),
                    &markers,
                    self.fixed.selected(),
                );
            }
            "play-trace" => play::paint_trace(&mut svg, w, h, 1.0, &l.play),
            _ => return None,
        }
        Some(svg.finish())
    }

    /// The live-play trace as CSV (see [`play::trace_csv`]).
    pub(super) fn live_csv(&self) -> String {
        play::trace_csv(&self.live.play)
    }

    /// Whether the user is orbiting the cube.
    pub(super) fn live_dragging(&self) -> bool {
        self.live.drag.is_some()
    }

    /// New cube components from the worker.
    pub(super) fn live_on_cube(&mut self, data: CubeData) {
        let pca = self.live.method.value() == "pca";
        self.fixed_on_new_step(data.step);
        self.live.scene = Some(Scene::new(data, pca));
        self.live.describe_scene();
        self.live.dirty = true;
    }

    fn live_press(&mut self, bit: usize, sign: f32) {
        self.live.play.press(bit, sign);
        self.live.dirty = true;
        self.request_frame();
    }

    /// One animation frame of the cube and live play; returns whether the next frame must
    /// come too (play running or the cube spinning).
    pub(super) fn live_frame(&mut self) -> bool {
        let now = self.now();
        let selected = self.fixed.selected();
        let l = &mut self.live;
        let dt = l
            .last_frame
            .map_or(0.0, |t| (now - t).clamp(0.0, MAX_FRAME_MS));
        l.last_frame = Some(now);
        let playing = !l.paused && l.play.bits() > 0;
        let spinning = l.spin.checked() && !l.reduced_motion && l.drag.is_none();
        let mut stepped = false;
        if playing {
            l.acc = (l.acc + dt * l.speed / 1000.0).min(MAX_STEPS_PER_FRAME);
            let n = l.acc.floor();
            l.acc -= n;
            for _ in 0..n as usize {
                l.play.advance(1);
                if l.trail.len() == TRAIL {
                    l.trail.pop_front();
                }
                l.trail.push_back(l.play.hidden().to_vec());
                stepped = true;
            }
        }
        if spinning {
            l.view.yaw = (l.view.yaw + cube::SPIN * dt / 1000.0) % std::f64::consts::TAU;
        }
        if stepped || spinning || l.dirty {
            let trail = l.projected_trail();
            if let Some(ctx) = &l.cube_ctx {
                let markers = self.fixed.markers(l.scene.as_ref());
                let positions = cube::draw(
                    &l.cube_canvas,
                    ctx,
                    l.scene.as_ref(),
                    &l.view,
                    &trail,
                    &markers,
                    selected,
                );
                let _ = l
                    .cube_canvas
                    .set_attribute("data-fp-drawn", &markers.len().to_string());
                drop(markers);
                self.fixed.positions = positions;
                if let Some(scene) = &l.scene {
                    let _ = l
                        .cube_canvas
                        .set_attribute("data-step", &scene.data.step.to_string());
                }
            }
        }
        if stepped || l.dirty {
            if let Some(ctx) = &l.trace_ctx {
                play::draw_trace(&l.trace_canvas, ctx, &l.play);
            }
            l.update_outputs();
        }
        l.dirty = false;
        playing || spinning
    }
}

/// Calls `promise.then(ok, fail)`.
fn then2(promise: &js_sys::Promise, ok: &JsValue, fail: &JsValue) {
    let then = js_sys::Reflect::get(promise, &"then".into())
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok());
    if let Some(then) = then {
        let _ = then.call2(promise, ok, fail);
    }
}

fn pretrained_failed(app: &Shared, why: &str) {
    if let Ok(a) = app.try_borrow() {
        a.show_error(&format!(
            "The pre-trained network could not be loaded ({why}); starting from fresh seeded weights instead."
        ));
    }
}

fn adopt_pretrained(app: &Shared, bytes: &[u8]) {
    let file = match flipflop_formats::netfile::decode(bytes) {
        Ok(f) => f,
        Err(e) => return pretrained_failed(app, &e.to_string()),
    };
    let Ok(mut a) = app.try_borrow_mut() else {
        return;
    };
    // A link or the autosave came first, or the user already started: leave it.
    if a.adopted || a.running || a.step != 0 {
        return;
    }
    // The queued fresh network is not needed any more.
    if !a.ready {
        a.queue
            .retain(|c| !matches!(c, crate::protocol::Command::Init { network: None, .. }));
    }
    let (steps, seed) = (file.steps, file.config.seed);
    a.adopt_network(
        file.config,
        Some(WireNetwork::from_network(&file.network)),
        steps,
    );
    a.solved = Some((steps, 0.0));
    a.set_status(&format!(
        "Showing a network pre-trained for {steps} steps (preset default, seed {seed}): play with it \
         below. Train continues training it; Reset starts from fresh seeded weights."
    ));
    let _ = a.els.status.set_attribute("data-pretrained", "true");
}

/// Fetches and adopts the shipped pre-trained network (unless something else was adopted
/// by the time it arrives); a failure is shown and the fresh network stays.
pub(super) fn fetch_pretrained(app: &Shared) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let a = app.clone();
    let on_bytes = Closure::once_into_js(move |buf: JsValue| {
        let bytes = js_sys::Uint8Array::new(&buf).to_vec();
        adopt_pretrained(&a, &bytes);
    });
    let a = app.clone();
    let on_fail = Closure::once_into_js(move |e: JsValue| {
        pretrained_failed(&a, &e.as_string().unwrap_or_else(|| format!("{e:?}")));
    });
    let a = app.clone();
    let fail2 = on_fail.clone();
    let on_response = Closure::once_into_js(move |r: JsValue| {
        let Ok(resp) = r.dyn_into::<Response>() else {
            return pretrained_failed(&a, "not an HTTP response");
        };
        if !resp.ok() {
            return pretrained_failed(&a, &format!("HTTP {} for {PRETRAINED_URL}", resp.status()));
        }
        match resp.array_buffer() {
            Ok(p) => then2(&p, &on_bytes, &fail2),
            Err(e) => pretrained_failed(&a, &format!("{e:?}")),
        }
    });
    then2(
        &window.fetch_with_str(PRETRAINED_URL),
        &on_response,
        &on_fail,
    );
}

/// Whether a key press belongs to a text field (so shortcuts must not take it).
fn typing(doc: &Document) -> bool {
    doc.active_element().is_some_and(|e| {
        matches!(e.tag_name().as_str(), "INPUT" | "SELECT" | "TEXTAREA")
            || e.dyn_ref::<HtmlElement>()
                .is_some_and(|h| h.is_content_editable())
    })
}

/// Wires the cube and live-play controls.
pub(super) fn wire(app: &Shared) -> Result<(), JsValue> {
    let (doc, bits_box, canvas, method, spin, speed, pause, noise) = {
        let a = app.borrow();
        let l = &a.live;
        (
            a.doc.clone(),
            l.bits_box.clone(),
            l.cube_canvas.clone(),
            l.method.clone(),
            l.spin.clone(),
            l.speed_input.clone(),
            l.pause.clone(),
            l.noise.clone(),
        )
    };
    let reset_view: HtmlButtonElement = by_id(&doc, "cube-reset-view")?;

    // Set / Reset buttons (delegated: the rows are rebuilt when the bit count changes).
    let a = app.clone();
    on(&bits_box, "click", move |e: web_sys::Event| {
        let Some(btn) = e
            .target()
            .and_then(|t| t.dyn_into::<Element>().ok())
            .and_then(|t| t.closest("[data-bit]").ok().flatten())
        else {
            return;
        };
        let bit = btn
            .get_attribute("data-bit")
            .and_then(|b| b.parse::<usize>().ok());
        let sign = btn
            .get_attribute("data-sign")
            .and_then(|s| s.parse::<f32>().ok());
        if let (Some(bit), Some(sign), Ok(mut app)) = (bit, sign, a.try_borrow_mut()) {
            app.live_press(bit, sign);
        }
    })?;

    // Keyboard shortcuts; arrows orbit the cube when it has focus.
    let a = app.clone();
    let d = doc.clone();
    on(&doc, "keydown", move |e: KeyboardEvent| {
        if e.ctrl_key() || e.meta_key() || e.alt_key() || e.repeat() || typing(&d) {
            return;
        }
        let Ok(mut app) = a.try_borrow_mut() else {
            return;
        };
        let key = e.key().to_lowercase();
        let bits = app.live.play.bits();
        let set = play::SET_KEYS.iter().take(bits).position(|k| *k == key);
        let reset = play::RESET_KEYS.iter().take(bits).position(|k| *k == key);
        if let Some(b) = set {
            e.prevent_default();
            app.live_press(b, 1.0);
        } else if let Some(b) = reset {
            e.prevent_default();
            app.live_press(b, -1.0);
        } else if d.active_element().is_some_and(|el| el.id() == "cube") {
            let step = 0.15;
            let (dy, dp) = match key.as_str() {
                "arrowleft" => (-step, 0.0),
                "arrowright" => (step, 0.0),
                "arrowup" => (0.0, -step),
                "arrowdown" => (0.0, step),
                _ => return,
            };
            e.prevent_default();
            app.live.view.yaw += dy;
            app.live.view.pitch = (app.live.view.pitch + dp).clamp(-1.5, 1.5);
            app.live.dirty = true;
            app.request_frame();
        }
    })?;

    // Orbit by dragging (mouse, pen and touch alike).
    let a = app.clone();
    let c = canvas.clone();
    on(&canvas, "pointerdown", move |e: PointerEvent| {
        if let Ok(mut app) = a.try_borrow_mut() {
            let _ = c.set_pointer_capture(e.pointer_id());
            app.live.drag = Some((e.pointer_id(), e.client_x() as f64, e.client_y() as f64));
            e.prevent_default();
        }
    })?;
    let a = app.clone();
    let c = canvas.clone();
    on(&canvas, "pointermove", move |e: PointerEvent| {
        let Ok(mut app) = a.try_borrow_mut() else {
            return;
        };
        let Some((id, x, y)) = app.live.drag else {
            return;
        };
        if id != e.pointer_id() {
            return;
        }
        let (nx, ny) = (e.client_x() as f64, e.client_y() as f64);
        let size = c.client_width() as f64;
        app.live.view.drag(nx - x, ny - y, size);
        app.live.drag = Some((id, nx, ny));
        app.live.dirty = true;
        app.request_frame();
    })?;
    for kind in ["pointerup", "pointercancel", "lostpointercapture"] {
        let a = app.clone();
        on(&canvas, kind, move |_e: PointerEvent| {
            if let Ok(mut app) = a.try_borrow_mut() {
                app.live.drag = None;
                app.request_frame();
            }
        })?;
    }

    let a = app.clone();
    on(&reset_view, "click", move |_e: web_sys::Event| {
        if let Ok(mut app) = a.try_borrow_mut() {
            app.live.view = View::default();
            app.live.dirty = true;
            app.request_frame();
        }
    })?;
    let a = app.clone();
    let m = method.clone();
    on(&method, "change", move |_e: web_sys::Event| {
        if let Ok(mut app) = a.try_borrow_mut() {
            let pca = m.value() == "pca";
            if let Some(scene) = app.live.scene.take() {
                app.live.scene = Some(Scene::new(scene.data, pca));
            }
            app.live.describe_scene();
            app.live.dirty = true;
            app.request_frame();
        }
    })?;
    let a = app.clone();
    on(&spin, "change", move |_e: web_sys::Event| {
        if let Ok(mut app) = a.try_borrow_mut() {
            app.live.dirty = true;
            app.request_frame();
        }
    })?;
    let a = app.clone();
    let s = speed.clone();
    on(&speed, "input", move |_e: web_sys::Event| {
        if let Ok(mut app) = a.try_borrow_mut() {
            if let Ok(v) = s.value().parse::<f64>() {
                if v.is_finite() {
                    app.live.speed = v.clamp(1.0, 600.0);
                    let text = format!("{:.0}", app.live.speed);
                    app.live.speed_value.set_text_content(Some(&text));
                }
            }
        }
    })?;
    let a = app.clone();
    on(&pause, "click", move |_e: web_sys::Event| {
        if let Ok(mut app) = a.try_borrow_mut() {
            let l = &mut app.live;
            l.paused = !l.paused;
            l.pause
                .set_text_content(Some(if l.paused { "Play" } else { "Pause" }));
            let _ = l
                .pause
                .set_attribute("aria-pressed", if l.paused { "true" } else { "false" });
            l.dirty = true;
            app.request_frame();
        }
    })?;
    let a = app.clone();
    let n = noise.clone();
    on(&noise, "change", move |_e: web_sys::Event| {
        if let Ok(mut app) = a.try_borrow_mut() {
            app.live.play.noise_on = n.checked();
        }
    })?;
    Ok(())
}
