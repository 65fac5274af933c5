//! The memory-state cube and live play: the controls, the per-frame simulation and
//! drawing. Per animation frame, live play advances `elapsed × speed` steps (at most
//! [`MAX_STEPS_PER_FRAME`]), the cube turns a little, and both canvases are redrawn — well
//! under a millisecond of work at N 128. The cube's components come from the worker
//! ([`Event::Cube`]); the page only projects single states onto them. Fixed-point markers
//! come from the shared overlay (`Cx::overlay`).

use super::context::Cx;
use super::dom::{by_id, on, set_flag};
use super::{act, Component, Shared};
use crate::protocol::Event;
use crate::state::play::{self, Play};
use crate::view::cube::{self, Scene, View};
use crate::view::trace;
use std::collections::VecDeque;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{
    CanvasRenderingContext2d, Document, Element, HtmlButtonElement, HtmlCanvasElement, HtmlElement,
    HtmlInputElement, HtmlSelectElement, KeyboardEvent, PointerEvent,
};

/// Cap on live-play steps per frame (a slow frame must not snowball).
const MAX_STEPS_PER_FRAME: f64 = 600.0;
/// Steps of the live state's tail on the cube.
const TRAIL: usize = 40;
/// Longest frame interval counted (ms): after a hidden tab, play resumes, not races.
const MAX_FRAME_MS: f64 = 100.0;
/// Shortest time between two drawings of the cube and the live trace while the worker
/// trains, ms (20 a second instead of every animation frame; play and spin keep their
/// speed). In headless Chromium on a 2-core machine, drawing both at 60 frames a second kept
/// the page's main thread busy 93 % of the time during training (28 % with live play paused
/// and the spin off), and the worker took about a fifth fewer steps (issue 18).
pub const TRAINING_FRAME_MS: f64 = 50.0;

/// One bit's output display.
struct BitOut {
    out: Element,
    lamp: Element,
    value: Element,
}

/// The cube panel and live play.
pub struct Live {
    cube_canvas: HtmlCanvasElement,
    cube_ctx: Option<CanvasRenderingContext2d>,
    method: HtmlSelectElement,
    spin: HtmlInputElement,
    variance: HtmlElement,
    legend: HtmlElement,
    bits_box: HtmlElement,
    /// The one-line key prompt over the Set/Reset rows.
    prompt: HtmlElement,
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
    /// When the cube and trace were last drawn (page clock, ms).
    last_draw: f64,
    /// Something changed that the next drawing must show even when nothing animates.
    dirty: bool,
    /// The overlay revision the cube last showed.
    overlay_seen: u64,
}

fn context(c: &HtmlCanvasElement) -> Option<CanvasRenderingContext2d> {
    c.get_context("2d").ok().flatten()?.dyn_into().ok()
}

impl Live {
    /// Whether the user is dragging the cube (it then draws every frame, training or not).
    pub fn dragging(&self) -> bool {
        self.drag.is_some()
    }

    /// Finds the panel's elements.
    pub fn find(doc: &Document) -> Result<Self, JsValue> {
        let cube_canvas: HtmlCanvasElement = by_id(doc, "cube")?;
        let trace_canvas: HtmlCanvasElement = by_id(doc, "play-trace")?;
        let window = web_sys::window().ok_or("no window")?;
        let reduced_motion = window
            .match_media("(prefers-reduced-motion: reduce)")
            .ok()
            .flatten()
            .is_some_and(|m| m.matches());
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
            prompt: by_id(doc, "play-prompt")?,
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
            last_draw: f64::NEG_INFINITY,
            dirty: true,
            overlay_seen: 0,
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
            // Bits are numbered from 1 wherever a person reads them (`n`); the test ids and
            // data attributes keep the 0-based index (`b`).
            let n = b + 1;
            html.push_str(&format!(
                "<div class=\"bit-row\" role=\"group\" aria-label=\"Bit {n}\">\
                 <span class=\"bit-name\">Bit {n}</span>\
                 <button type=\"button\" data-testid=\"bit-{b}-set\" data-bit=\"{b}\" data-sign=\"1\" \
                 aria-keyshortcuts=\"{set}\">Set +1 <kbd>{set}</kbd></button>\
                 <button type=\"button\" data-testid=\"bit-{b}-reset\" data-bit=\"{b}\" data-sign=\"-1\" \
                 aria-keyshortcuts=\"{reset}\">Reset −1 <kbd>{reset}</kbd></button>\
                 <span class=\"bit-out\" data-testid=\"output-bit-{b}\" data-value=\"0\" \
                 title=\"Output of bit {n}\"><span class=\"lamp\" data-on=\"mid\"></span>\
                 <span class=\"value\">0.00</span></span></div>"
            ));
        }
        self.bits_box.set_inner_html(&html);
        self.prompt.set_inner_html(&play::key_prompt_html(bits));
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

impl Live {
    fn press(&mut self, bit: usize, sign: f32, cx: &mut Cx) {
        self.play.press(bit, sign);
        let count = cx.last_press.map_or(0, |p| p.0) + 1;
        cx.last_press = Some((count, bit, sign));
        self.dirty = true;
        cx.redraw();
    }

    /// Paints the cube (`cube`) or the live-play trace (`play-trace`) as on screen onto `p`
    /// (`w × h` device pixels at `scale` device pixels per design pixel): the exports.
    /// Returns false for any other id.
    pub fn paint_panel(
        &self,
        id: &str,
        p: &mut impl crate::view::paint::Painter,
        w: f64,
        h: f64,
        scale: f64,
        cx: &Cx,
    ) -> bool {
        match id {
            "cube" => {
                let markers = cx.overlay.markers(self.scene.as_ref());
                cube::paint(
                    p,
                    w,
                    h,
                    scale,
                    self.scene.as_ref(),
                    &self.view,
                    &self.projected_trail(),
                    &markers,
                    cx.overlay.selected,
                );
                true
            }
            "play-trace" => {
                trace::paint(p, w, h, scale, &self.play);
                true
            }
            _ => false,
        }
    }

    /// Both canvases again at the next frame (the window was resized).
    pub fn redraw_all(&mut self) {
        self.dirty = true;
    }

    /// The live-play trace as CSV (see [`play::trace_csv`]).
    pub fn csv(&self) -> String {
        play::trace_csv(&self.play)
    }

    fn on_snapshot(&mut self, s: &crate::protocol::Snapshot, cx: &Cx) {
        let Ok(net) = s.network.to_network() else {
            return;
        };
        let bits = net.config.bits;
        let restarted = self.play.set_network(net, &cx.run.config.task);
        if restarted || self.outs.len() != bits.min(play::MAX_BITS) {
            self.trail.clear();
            self.build_bits(&cx.doc, bits);
            self.update_outputs();
        }
        self.dirty = true;
    }

    fn set_method(&mut self, pca: bool) {
        if let Some(scene) = self.scene.take() {
            self.scene = Some(Scene::new(scene.data, pca));
        }
        self.describe_scene();
        self.dirty = true;
    }
}

impl Component for Live {
    fn on_event(&mut self, ev: &Event, cx: &mut Cx) {
        match ev {
            Event::Snapshot { snapshot, .. } => self.on_snapshot(snapshot, cx),
            Event::Cube { cube, .. } => {
                let pca = self.method.value() == "pca";
                self.scene = Some(Scene::new((**cube).clone(), pca));
                self.describe_scene();
                self.dirty = true;
            }
            _ => return,
        }
        cx.redraw();
    }

    /// Another network is being adopted (reset, link, file, pre-trained): live play restarts
    /// from a settled state with its first snapshot instead of carrying the old state over.
    fn on_new_network(&mut self, _cx: &mut Cx) {
        self.play.forget();
    }

    fn frame(&mut self, now: f64, cx: &mut Cx) -> bool {
        let dt = self
            .last_frame
            .map_or(0.0, |t| (now - t).clamp(0.0, MAX_FRAME_MS));
        self.last_frame = Some(now);
        if cx.overlay.revision != self.overlay_seen {
            self.overlay_seen = cx.overlay.revision;
            self.dirty = true;
        }
        let playing = !self.paused && self.play.bits() > 0;
        let spinning = self.spin.checked() && !self.reduced_motion && self.drag.is_none();
        if spinning {
            self.view.yaw = (self.view.yaw + cube::SPIN * dt / 1000.0) % std::f64::consts::TAU;
        }
        if playing {
            self.acc = (self.acc + dt * self.speed / 1000.0).min(MAX_STEPS_PER_FRAME);
            let n = self.acc.floor();
            self.acc -= n;
            for _ in 0..n as usize {
                self.play.advance(1);
                if self.trail.len() == TRAIL {
                    self.trail.pop_front();
                }
                self.trail.push_back(self.play.hidden().to_vec());
                // A step not drawn in this frame is drawn at the next drawing.
                self.dirty = true;
            }
        }
        // While training runs, drawing waits its turn (unless the user drags the cube).
        let draw_due =
            !cx.run.running || self.drag.is_some() || now - self.last_draw >= TRAINING_FRAME_MS;
        if !draw_due {
            // Wait for the due time on a timer: asking for every frame in between made the
            // page commit 60 frames a second while drawing 20.
            if playing || spinning || self.dirty {
                cx.redraw_at(self.last_draw + TRAINING_FRAME_MS);
            }
            return false;
        }
        self.last_draw = now;
        if spinning || self.dirty {
            let trail = self.projected_trail();
            if let Some(ctx) = &self.cube_ctx {
                let markers = cx.overlay.markers(self.scene.as_ref());
                let positions = cube::draw(
                    &self.cube_canvas,
                    ctx,
                    self.scene.as_ref(),
                    &self.view,
                    &trail,
                    &markers,
                    cx.overlay.selected,
                );
                let _ = self
                    .cube_canvas
                    .set_attribute("data-fp-drawn", &markers.len().to_string());
                cx.overlay.positions = positions;
                if let Some(scene) = &self.scene {
                    let _ = self
                        .cube_canvas
                        .set_attribute("data-step", &scene.data.step.to_string());
                }
            }
        }
        if self.dirty {
            if let Some(ctx) = &self.trace_ctx {
                trace::draw(&self.trace_canvas, ctx, &self.play);
            }
            self.update_outputs();
        }
        self.dirty = false;
        let more = playing || spinning;
        if more && cx.run.running && self.drag.is_none() {
            cx.redraw_at(now + TRAINING_FRAME_MS);
            return false;
        }
        more
    }
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
pub fn wire(app: &Shared) -> Result<(), JsValue> {
    let (doc, bits_box, canvas, method, spin, speed, pause, noise) = {
        let a = app.borrow();
        let l = &a.live;
        (
            a.cx.doc.clone(),
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
        if let (Some(bit), Some(sign)) = (bit, sign) {
            act(&a, |app| app.live.press(bit, sign, &mut app.cx));
        }
    })?;

    // Keyboard shortcuts; arrows orbit the cube when it has focus.
    let a = app.clone();
    let d = doc.clone();
    on(&doc, "keydown", move |e: KeyboardEvent| {
        if e.ctrl_key() || e.meta_key() || e.alt_key() || e.repeat() || typing(&d) {
            return;
        }
        let key = e.key().to_lowercase();
        let on_cube = d.active_element().is_some_and(|el| el.id() == "cube");
        act(&a, |app| {
            let l = &mut app.live;
            let bits = l.play.bits();
            let set = play::SET_KEYS.iter().take(bits).position(|k| *k == key);
            let reset = play::RESET_KEYS.iter().take(bits).position(|k| *k == key);
            if let Some(b) = set {
                e.prevent_default();
                l.press(b, 1.0, &mut app.cx);
            } else if let Some(b) = reset {
                e.prevent_default();
                l.press(b, -1.0, &mut app.cx);
            } else if on_cube {
                let step = 0.15;
                let (dy, dp) = match key.as_str() {
                    "arrowleft" => (-step, 0.0),
                    "arrowright" => (step, 0.0),
                    "arrowup" => (0.0, -step),
                    "arrowdown" => (0.0, step),
                    _ => return,
                };
                e.prevent_default();
                l.view.yaw += dy;
                l.view.pitch = (l.view.pitch + dp).clamp(-1.5, 1.5);
                l.dirty = true;
                app.cx.redraw();
            }
        });
    })?;

    // Orbit by dragging (mouse, pen and touch alike).
    let a = app.clone();
    let c = canvas.clone();
    on(&canvas, "pointerdown", move |e: PointerEvent| {
        act(&a, |app| {
            let _ = c.set_pointer_capture(e.pointer_id());
            app.live.drag = Some((e.pointer_id(), e.client_x() as f64, e.client_y() as f64));
            app.cx.overlay.dragging = true;
            e.prevent_default();
        });
    })?;
    let a = app.clone();
    let c = canvas.clone();
    on(&canvas, "pointermove", move |e: PointerEvent| {
        act(&a, |app| {
            let l = &mut app.live;
            let Some((id, x, y)) = l.drag else {
                return;
            };
            if id != e.pointer_id() {
                return;
            }
            let (nx, ny) = (e.client_x() as f64, e.client_y() as f64);
            let size = c.client_width() as f64;
            l.view.drag(nx - x, ny - y, size);
            l.drag = Some((id, nx, ny));
            l.dirty = true;
            app.cx.redraw();
        });
    })?;
    for kind in ["pointerup", "pointercancel", "lostpointercapture"] {
        let a = app.clone();
        on(&canvas, kind, move |_e: PointerEvent| {
            act(&a, |app| {
                app.live.drag = None;
                app.cx.overlay.dragging = false;
                app.cx.redraw();
            });
        })?;
    }

    let a = app.clone();
    on(&reset_view, "click", move |_e: web_sys::Event| {
        act(&a, |app| {
            app.live.view = View::default();
            app.live.dirty = true;
            app.cx.redraw();
        });
    })?;
    let a = app.clone();
    let m = method.clone();
    on(&method, "change", move |_e: web_sys::Event| {
        let pca = m.value() == "pca";
        act(&a, |app| {
            app.live.set_method(pca);
            app.cx.redraw();
        });
    })?;
    let a = app.clone();
    on(&spin, "change", move |_e: web_sys::Event| {
        act(&a, |app| {
            app.live.dirty = true;
            app.cx.redraw();
        });
    })?;
    let a = app.clone();
    let s = speed.clone();
    on(&speed, "input", move |_e: web_sys::Event| {
        let Ok(v) = s.value().parse::<f64>() else {
            return;
        };
        if !v.is_finite() {
            return;
        }
        act(&a, |app| {
            let l = &mut app.live;
            l.speed = v.clamp(1.0, 600.0);
            l.speed_value
                .set_text_content(Some(&format!("{:.0}", l.speed)));
        });
    })?;
    let a = app.clone();
    on(&pause, "click", move |_e: web_sys::Event| {
        act(&a, |app| {
            let l = &mut app.live;
            l.paused = !l.paused;
            l.pause
                .set_text_content(Some(if l.paused { "Play" } else { "Pause" }));
            set_flag(&l.pause, "aria-pressed", l.paused);
            l.dirty = true;
            app.cx.redraw();
        });
    })?;
    let a = app.clone();
    let n = noise.clone();
    on(&noise, "change", move |_e: web_sys::Event| {
        act(&a, |app| app.live.play.noise_on = n.checked());
    })?;
    Ok(())
}
