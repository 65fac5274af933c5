//! The training controls: the form (from the field table), Train / Step / Reset, the
//! readouts, and the benchmark output. Invalid values are marked on their field
//! (`aria-invalid` and a message the input's `aria-describedby` points at) and never
//! applied; training on the last applied settings says so. Reset and settings that need a
//! new network never ask first: they act, and the undo bar (`page::undo`) brings the
//! trained network back with one click.

use super::context::{Cx, Request};
use super::dom::{by_id, set_flag};
use super::Component;
use crate::protocol::{Command, Confirmation, Event};
use crate::state::fields::{FIELDS, TASK_FIELDS};
use crate::state::form::{self, Change, FormError, FormValues};
use crate::state::notes;
use crate::worker::snapshot;
use flipflop_core::model::CellKind;
use flipflop_core::{Config, Preset};
use wasm_bindgen::JsCast;
use wasm_bindgen::JsValue;
use web_sys::{Document, HtmlButtonElement, HtmlElement, HtmlInputElement, HtmlSelectElement};

/// The text of a field's input: its value, or `1`/`0` for a checkbox (a toggle field).
fn input_text(input: &HtmlInputElement) -> String {
    if input.type_() == "checkbox" {
        if input.checked() { "1" } else { "0" }.to_string()
    } else {
        input.value()
    }
}

/// Shows `text` in a field's input (a checkbox is checked by `1`).
fn set_input_text(input: &HtmlInputElement, text: &str) {
    if input.type_() == "checkbox" {
        input.set_checked(text == "1");
    } else {
        input.set_value(text);
    }
}

/// The form and buttons of the "Network and training" panel.
pub struct Controls {
    preset: HtmlSelectElement,
    /// The cell selector (vanilla, GRU, LSTM) and its one-line note.
    pub(super) cell: HtmlSelectElement,
    cell_note: HtmlElement,
    /// The inputs of [`FIELDS`], in order.
    pub(super) inputs: Vec<HtmlInputElement>,
    messages: Vec<HtmlElement>,
    /// The task select.
    pub(super) task: HtmlSelectElement,
    /// The inputs of [`TASK_FIELDS`], in order, and their messages.
    pub(super) task_inputs: Vec<HtmlInputElement>,
    task_messages: Vec<HtmlElement>,
    pub(super) train: HtmlButtonElement,
    pub(super) step: HtmlButtonElement,
    pub(super) reset: HtmlButtonElement,
    step_count: HtmlElement,
    loss_value: HtmlElement,
    accuracy_value: HtmlElement,
    speed: HtmlElement,
    elapsed: HtmlElement,
    radius: HtmlElement,
    params: HtmlElement,
    bench: HtmlElement,
    /// The form holds a value that was not applied (the first such field's error).
    invalid: Option<FormError>,
    text_dirty: bool,
}

impl Controls {
    /// Finds the controls and shows the default preset.
    pub fn find(doc: &Document) -> Result<Self, JsValue> {
        let c = Self {
            preset: by_id(doc, "preset")?,
            cell: by_id(doc, "cell")?,
            cell_note: by_id(doc, "cell-note")?,
            inputs: FIELDS
                .iter()
                .map(|f| by_id(doc, f.id))
                .collect::<Result<_, _>>()?,
            messages: FIELDS
                .iter()
                .map(|f| by_id(doc, &format!("{}-message", f.id)))
                .collect::<Result<_, _>>()?,
            task: by_id(doc, "task")?,
            task_inputs: TASK_FIELDS
                .iter()
                .map(|t| by_id(doc, t.field.id))
                .collect::<Result<_, _>>()?,
            task_messages: TASK_FIELDS
                .iter()
                .map(|t| by_id(doc, &format!("{}-message", t.field.id)))
                .collect::<Result<_, _>>()?,
            train: by_id(doc, "train")?,
            step: by_id(doc, "step")?,
            reset: by_id(doc, "reset")?,
            step_count: by_id(doc, "step-count")?,
            loss_value: by_id(doc, "loss-value")?,
            accuracy_value: by_id(doc, "accuracy-value")?,
            speed: by_id(doc, "speed")?,
            elapsed: by_id(doc, "elapsed")?,
            radius: by_id(doc, "radius")?,
            params: by_id(doc, "params")?,
            bench: by_id(doc, "bench-output")?,
            invalid: None,
            text_dirty: true,
        };
        for (input, f) in c.inputs.iter().zip(&FIELDS) {
            input.set_title(f.help);
        }
        for (input, t) in c.task_inputs.iter().zip(&TASK_FIELDS) {
            input.set_title(t.field.help);
        }
        c.show_config(&Config::preset(Preset::Default), Preset::Default);
        Ok(c)
    }

    fn read_form(&self) -> FormValues {
        FormValues {
            preset: self.preset.value(),
            values: self.inputs.iter().map(input_text).collect(),
            task: self.task.value(),
            options: self.task_inputs.iter().map(input_text).collect(),
        }
    }

    fn write_form(&mut self, f: &FormValues) {
        self.write_values(f);
        self.unmark();
    }

    fn write_values(&self, f: &FormValues) {
        self.preset.set_value(&f.preset);
        for (input, value) in self.inputs.iter().zip(&f.values) {
            set_input_text(input, value);
        }
        self.task.set_value(&f.task);
        for (input, value) in self.task_inputs.iter().zip(&f.options) {
            set_input_text(input, value);
        }
        show_task(&self.task.owner_document(), form::task_of(f).key());
    }

    /// Every input with its message element: the fields', then the task options'.
    fn all_inputs(&self) -> impl Iterator<Item = (&HtmlInputElement, &HtmlElement)> {
        let fields = self.inputs.iter().zip(&self.messages);
        fields.chain(self.task_inputs.iter().zip(&self.task_messages))
    }

    /// The cell selector shows `cell`; the fields only the vanilla cell has are disabled
    /// for GRU and LSTM, with the reason under the selector.
    fn show_cell(&self, cell: CellKind) {
        self.cell.set_value(cell.key());
        for (input, f) in self.inputs.iter().zip(&FIELDS) {
            if form::VANILLA_ONLY.contains(&f.id) {
                input.set_disabled(cell.is_gated());
            }
        }
        let note = form::cell_note(cell);
        self.cell_note.set_text_content(Some(note));
        self.cell_note.set_hidden(note.is_empty());
    }

    /// The form shows `cfg` under `preset` (and nothing is marked invalid).
    pub fn show_config(&self, cfg: &Config, preset: Preset) {
        self.show_cell(cfg.model.cell);
        self.write_values(&form::form_from_config(cfg, preset));
        for (input, msg) in self.all_inputs() {
            let _ = input.remove_attribute("aria-invalid");
            msg.set_text_content(None);
        }
    }

    fn unmark(&mut self) {
        self.invalid = None;
        for (input, msg) in self.all_inputs() {
            let _ = input.remove_attribute("aria-invalid");
            msg.set_text_content(None);
        }
    }

    fn mark(&mut self, err: FormError) {
        let ids = FIELDS.iter().chain(TASK_FIELDS.iter().map(|t| &t.field));
        if let Some(i) = ids.map(|f| Some(f.id)).position(|id| id == err.field) {
            let (input, msg) = self.all_inputs().nth(i).expect("one input per field");
            set_flag(input, "aria-invalid", true);
            msg.set_text_content(Some(&err.message));
        }
        self.invalid = Some(err);
    }

    /// The form changed (`source` = id of the control).
    pub fn on_form_change(&mut self, source: &str, cx: &mut Cx) {
        let mut values = self.read_form();
        let mut preset = form::preset_of(&values);
        let base = if source == "preset" {
            let mut cfg = Config::preset(preset);
            cfg.seed = cx.run.config.seed;
            values = form::form_from_config(&cfg, preset);
            self.write_form(&values);
            self.show_cell(cfg.model.cell);
            cfg
        } else if source == "cell" {
            // A new cell starts from its preset: the form shows it, then applies as usual.
            match form::config_for_cell(&self.cell.value(), cx.run.config.seed) {
                Ok(cfg) => {
                    preset = Preset::Default;
                    values = form::form_from_config(&cfg, preset);
                    self.write_form(&values);
                    self.show_cell(cfg.model.cell);
                    cfg
                }
                Err(err) => {
                    cx.show_error(&err.message);
                    self.show_cell(cx.run.config.model.cell);
                    return;
                }
            }
        } else if source == "task" {
            // Another task is another architecture: start from its preset (the tasks other
            // than the flip-flop train the vanilla cell).
            let cfg = form::task_switch(&cx.run.config, form::task_of(&values));
            values = form::form_from_config(&cfg, Preset::Default);
            self.write_form(&values);
            self.show_cell(cfg.model.cell);
            cfg
        } else {
            cx.run.config.clone()
        };
        let cfg = match form::config_from_form(&base, &values) {
            Ok(cfg) => cfg,
            Err(err) => {
                cx.show_error(&format!(
                    "{} Not applied: the network is unchanged.",
                    err.message
                ));
                self.unmark();
                self.mark(err);
                return;
            }
        };
        self.unmark();
        cx.clear_error();
        match form::classify(&cx.run.config, &cfg) {
            Change::Nothing => {}
            Change::LearningRate(lr) => {
                cx.run.config = cfg;
                cx.send(Command::SetLr { lr });
            }
            Change::Rebuild => {
                // No dialog: the trained network can be brought back from the undo bar.
                let task = cfg.task.kind != cx.run.config.task.kind;
                cx.offer_undo(if task {
                    "New network for the task, from its preset."
                } else {
                    "New network for the changed settings."
                });
                cx.run.config = cfg;
                cx.run.preset = form::preset_of(&values);
                cx.request(Request::Reinit);
            }
        }
    }

    /// Says that training goes on with the last applied settings when the form shows a
    /// value that was not applied.
    fn warn_if_stale(&self, cx: &Cx) {
        if let Some(err) = &self.invalid {
            cx.show_error(&format!(
                "{} Not applied: training goes on with the settings last applied.",
                err.message
            ));
        }
    }

    /// Train / Pause.
    pub fn on_train(&mut self, cx: &mut Cx) {
        if cx.run.running {
            cx.send(Command::Pause);
            cx.run.running = false;
        } else {
            self.warn_if_stale(cx);
            cx.send(Command::Start);
            cx.run.running = true;
        }
        self.text_dirty = true;
        cx.redraw();
    }

    /// One optimiser step.
    pub fn on_step(&mut self, cx: &mut Cx) {
        self.warn_if_stale(cx);
        cx.send(Command::Step { count: 1 });
    }

    /// Reset: a fresh network of the form's settings.
    pub fn on_reset(&mut self, cx: &mut Cx) {
        let values = self.read_form();
        match form::config_from_form(&cx.run.config, &values) {
            Ok(cfg) => {
                self.unmark();
                cx.clear_error();
                cx.offer_undo("Network reset.");
                cx.run.config = cfg;
                cx.run.preset = form::preset_of(&values);
                cx.request(Request::Reinit);
            }
            Err(err) => {
                cx.show_error(&format!(
                    "{} Not applied: the network is unchanged.",
                    err.message
                ));
                self.unmark();
                self.mark(err);
            }
        }
    }

    fn update_text(&self, cx: &Cx) {
        let r = &cx.run;
        self.step_count.set_text_content(Some(&r.step.to_string()));
        self.loss_value
            .set_text_content(Some(&r.losses.last().map_or("–".into(), |l| fmt_loss(l.1))));
        self.accuracy_value.set_text_content(Some(
            &r.metrics
                .last()
                .map_or("–".into(), |m| format!("{:.1} %", m.2 as f64 * 100.0)),
        ));
        self.speed.set_text_content(Some(&if r.speed > 0.0 {
            format!("{:.0}", r.speed)
        } else {
            "–".into()
        }));
        // Share of training time the worker's reports took (benchmarks read it).
        if r.elapsed_ms > 0.0 {
            let share = r.reports_ms / r.elapsed_ms;
            let _ = self
                .speed
                .set_attribute("data-report-share", &format!("{share:.3}"));
            // Where the held-out checks run (tests and benchmarks read it).
            let checks = if r.checks_off_thread {
                "worker"
            } else {
                "inline"
            };
            let _ = self.speed.set_attribute("data-checks", checks);
            let _ = self
                .speed
                .set_attribute("data-checks-done", &r.metrics.len().to_string());
            let title = if r.checks_off_thread {
                format!(
                    "Training speed. Held-out checks run on a second thread; snapshots and cube updates took {:.0} % of the training time.",
                    share * 100.0
                )
            } else {
                format!(
                    "Training speed. Held-out checks, snapshots and cube updates took {:.0} % of the training time.",
                    share * 100.0
                )
            };
            let _ = self.speed.set_attribute("title", &title);
        }
        self.elapsed
            .set_text_content(Some(&format!("{:.1} s", r.elapsed_ms / 1000.0)));
        self.radius.set_text_content(Some(
            &r.snapshot
                .as_ref()
                .map(|s| s.spectrum(cx.gate))
                .filter(|s| s.2.is_none())
                .map_or("–".into(), |s| format!("{:.3}", s.1)),
        ));
        self.params.set_text_content(Some(&r.n_params.to_string()));
        self.train
            .set_text_content(Some(if r.running { "Pause" } else { "Train" }));
        set_flag(&self.train, "aria-pressed", r.running);
    }

    fn solved(
        &self,
        cx: &Cx,
        step: u64,
        m: (f32, f32),
        confirmed: Option<&Confirmation>,
        elapsed_ms: f64,
    ) {
        let (mse, accuracy) = m;
        // What decided it: the held-out check and its confirmation on fresh trials.
        let confirmation = confirmed.map_or(String::new(), |c| {
            format!(
                "; confirmed on {} fresh trials: accuracy {:.1} %, MSE {:.3}",
                c.trials,
                c.bit_accuracy * 100.0,
                c.mse
            )
        });
        match cx.run.opened.as_deref().filter(|_| !cx.run.trained_here) {
            // Opened, not trained here: say what was opened, with the verdict.
            Some(opened) => cx.set_status(&notes::opened_status(opened, true, accuracy, mse)),
            None => cx.set_status(&format!(
                "Solved at step {step} after {:.1} s of training (held-out accuracy {:.1} %, MSE {mse:.3}{confirmation}).",
                elapsed_ms / 1000.0,
                accuracy * 100.0
            )),
        }
        let status = cx.status_element();
        let _ = status.set_attribute("data-solved-step", &step.to_string());
        let _ = status.set_attribute("data-solved-ms", &format!("{elapsed_ms:.0}"));
    }
}

impl Component for Controls {
    fn on_event(&mut self, ev: &Event, cx: &mut Cx) {
        match ev {
            Event::Running {
                running, reason, ..
            } => {
                // What the worker confirmed (the button text may run ahead of it).
                let _ = self
                    .train
                    .set_attribute("data-worker-running", &running.to_string());
                if let Some(r) = reason {
                    cx.set_status(&format!("Stopped: {r}."));
                }
            }
            Event::Metrics {
                step,
                mse,
                bit_accuracy,
                confirmed,
                elapsed_ms,
                ..
            } if cx.run.newly_solved => self.solved(
                cx,
                *step,
                (*mse, *bit_accuracy),
                confirmed.as_ref(),
                *elapsed_ms,
            ),
            Event::Snapshot { snapshot: s, .. } => {
                // Fingerprints for tests (bit-identical to native Rust for the same seed).
                let (weights, trials) = snapshot::fingerprints(s);
                if let Some(matrix) = cx.doc.get_element_by_id("matrix") {
                    let _ = matrix.set_attribute("data-weights-fp", &weights);
                    let _ = matrix.set_attribute("data-trials-fp", &trials);
                    let _ = matrix.set_attribute("data-fp-step", &s.step.to_string());
                    let _ = matrix.set_attribute("data-column-signs", &snapshot::column_signs(s));
                }
                if let Some(spectrum) = cx.doc.get_element_by_id("spectrum") {
                    let ratio = snapshot::outlier_ratio(s);
                    let _ = spectrum.set_attribute("data-outlier", &format!("{ratio:.3}"));
                }
            }
            Event::BenchStep { step_ms } => {
                let mut sorted = step_ms.clone();
                sorted.sort_by(f64::total_cmp);
                let median = sorted.get(sorted.len() / 2).copied().unwrap_or(f64::NAN);
                let json = format!(
                    "{{\"step_ms\":{},\"median_ms\":{median:.2}}}",
                    serde_json::to_string(step_ms).unwrap_or_default()
                );
                self.bench.set_text_content(Some(&json));
                let _ = self.bench.set_attribute("data-done", "true");
            }
            _ => {}
        }
        self.text_dirty = true;
        cx.redraw();
    }

    fn on_new_network(&mut self, cx: &mut Cx) {
        cx.set_status("");
        let status = cx.status_element();
        let _ = status.remove_attribute("data-solved-step");
        let _ = status.remove_attribute("data-solved-ms");
        self.show_config(&cx.run.config, cx.run.preset);
        self.invalid = None;
        self.text_dirty = true;
    }

    fn frame(&mut self, _now: f64, cx: &mut Cx) -> bool {
        if std::mem::take(&mut self.text_dirty) {
            self.update_text(cx);
        }
        false
    }
}

impl Controls {
    /// Shows the benchmark output box.
    pub fn show_bench(&self) {
        self.bench.set_hidden(false);
    }

    /// The running state changed outside an event (e.g. a crash): redraw the text.
    pub fn touch(&mut self) {
        self.text_dirty = true;
    }
}

/// Shows the elements whose `data-task` lists `key` (space-separated task keys) and hides
/// the other `data-task` elements: the task's options, notes and panels; the flip-flop's
/// cube, live play and bits.
pub fn show_task(doc: &Option<Document>, key: &str) {
    let Some(list) = doc
        .as_ref()
        .and_then(|d| d.query_selector_all("[data-task]").ok())
    else {
        return;
    };
    for i in 0..list.length() {
        if let Some(el) = list.item(i).and_then(|n| n.dyn_into::<HtmlElement>().ok()) {
            let tasks = el.get_attribute("data-task").unwrap_or_default();
            el.set_hidden(!tasks.split_whitespace().any(|t| t == key));
        }
    }
}

fn fmt_loss(v: f32) -> String {
    if !v.is_finite() {
        format!("{v}")
    } else if v >= 0.01 {
        format!("{v:.4}")
    } else {
        format!("{v:.3e}")
    }
}
