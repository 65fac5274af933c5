//! The Sweep view (issue 17): a sweep made by `flipflop sweep`, opened as a zip of its folder
//! or as `summary.csv` with network files. The files go to the training worker
//! (`Command::OpenSweep`), which reads them and answers with the table (`Event::Sweep`) or a
//! message (`Event::SweepFailed`, shown in the view's status line; nothing else changes).
//! The view shows a sortable table of runs, a scatter plot of any two numeric columns, and
//! sends the ticked runs' networks to the Compare view.
//!
//! The state (sort, axes, selection) is [`crate::state::sweep`]; the plot is
//! [`crate::view::sweep`]; listeners and exports are [`wire`]. Test hooks: `data-state` on
//! `#sweep` (`empty`, `opening`, `open`), `data-rows` and `data-sort` (`COLUMN:asc|desc`) on
//! the table, `data-points`, `data-x`, `data-y` on the plot, `data-count` on the ticked count.

pub mod wire;

use super::{Component, Cx};
use crate::protocol::{ColumnKind, Event, SweepData};
use crate::state::sweep::{cell_text, Axis, SweepState};
use crate::view::{charts, sweep as plot};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Document, HtmlCanvasElement, HtmlElement, HtmlSelectElement};

/// The view's elements.
struct Els {
    section: HtmlElement,
    status: HtmlElement,
    table: HtmlElement,
    x: HtmlSelectElement,
    y: HtmlSelectElement,
    plot: HtmlCanvasElement,
    count: HtmlElement,
}

/// The Sweep view.
pub struct SweepView {
    els: Els,
    doc: Document,
    state: Option<SweepState>,
    plot_dirty: bool,
}

impl SweepView {
    /// Finds the view's elements.
    pub fn find(doc: &Document) -> Result<Self, JsValue> {
        use super::dom::by_id;
        Ok(Self {
            els: Els {
                section: by_id(doc, "sweep")?,
                status: by_id(doc, "sweep-status")?,
                table: by_id(doc, "sweep-table")?,
                x: by_id(doc, "sweep-x")?,
                y: by_id(doc, "sweep-y")?,
                plot: by_id(doc, "sweep-plot")?,
                count: by_id(doc, "sweep-selected")?,
            },
            doc: doc.clone(),
            state: None,
            plot_dirty: false,
        })
    }

    /// Shows `text` in the view's status line.
    pub fn status(&self, text: &str) {
        self.els.status.set_text_content(Some(text));
    }

    fn set_state(&self, state: &str) {
        let _ = self.els.section.set_attribute("data-state", state);
    }

    /// The chosen files were read: the worker opens them.
    pub fn open(&mut self, files: Vec<(String, Vec<u8>)>, cx: &mut Cx) {
        let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
        self.status(&format!("Opening {}…", names.join(", ")));
        self.set_state("opening");
        let files = files
            .into_iter()
            .map(|(n, b)| (n, crate::protocol::Bytes(b)))
            .collect();
        cx.send(crate::protocol::Command::OpenSweep { files });
    }

    fn adopt(&mut self, data: SweepData, cx: &mut Cx) {
        let state = SweepState::new(data);
        self.status(&state.summary());
        self.fill_axes(&state);
        self.state = Some(state);
        self.render_table();
        self.set_state("open");
        self.plot_dirty = true;
        cx.redraw();
    }

    /// The axis selects: every numeric column, the state's choice selected.
    fn fill_axes(&self, s: &SweepState) {
        for (select, axis) in [(&self.els.x, Axis::X), (&self.els.y, Axis::Y)] {
            select.set_text_content(None);
            for c in s.numeric_columns() {
                if let Ok(o) = self.doc.create_element("option") {
                    let _ = o.set_attribute("value", &c.to_string());
                    o.set_text_content(Some(&s.data.columns[c].name));
                    let _ = select.append_child(&o);
                }
            }
            select.set_value(&s.axis(axis).to_string());
        }
    }

    /// An axis select changed.
    pub fn on_axis(&mut self, axis: Axis, cx: &mut Cx) {
        let select = match axis {
            Axis::X => &self.els.x,
            Axis::Y => &self.els.y,
        };
        let Some(s) = &mut self.state else {
            return;
        };
        let Ok(col) = select.value().parse::<usize>() else {
            return;
        };
        match s.set_axis(axis, col) {
            Ok(()) => {
                self.plot_dirty = true;
                cx.redraw();
            }
            Err(e) => self.status(&e),
        }
    }

    /// A header click: sort by that column (again: reverse).
    pub fn on_sort(&mut self, col: usize) {
        if let Some(s) = &mut self.state {
            s.sort_by(col);
            self.render_table();
        }
    }

    /// A row's checkbox changed.
    pub fn on_tick(&mut self, run: usize, cx: &mut Cx) {
        let Some(s) = &mut self.state else {
            return;
        };
        let result = s.toggle(run);
        if let Err(e) = result {
            self.status(&e);
        }
        self.render_ticks();
        self.plot_dirty = true;
        cx.redraw();
    }

    /// The ticked runs' network files for the Compare view, or why not.
    pub fn for_compare(&self) -> Result<Vec<(String, Vec<u8>)>, String> {
        let s = self
            .state
            .as_ref()
            .ok_or("Open a sweep first: a zip of its folder, or its summary.csv.")?;
        Ok(s.for_compare()?
            .into_iter()
            .map(|(n, b)| (n, b.0))
            .collect())
    }

    /// Redraws the plot at the canvas's current size.
    pub fn redraw(&mut self) {
        self.plot_dirty = self.state.is_some();
    }

    /// The table: a header row of sort buttons, one row per run in the sorted order. Text
    /// from the file goes in through `textContent` and attributes only.
    fn render_table(&self) {
        let t = &self.els.table;
        t.set_text_content(None);
        let Some(s) = &self.state else {
            let _ = t.set_attribute("data-rows", "0");
            return;
        };
        let el = |tag: &str| self.doc.create_element(tag).ok();
        let Some(head) = el("tr") else {
            return;
        };
        if let Some(th) = el("th") {
            th.set_text_content(Some("compare"));
            let _ = head.append_child(&th);
        }
        let sort = s.sort();
        for (i, c) in s.data.columns.iter().enumerate() {
            let (Some(th), Some(b)) = (el("th"), el("button")) else {
                continue;
            };
            let _ = th.set_attribute("scope", "col");
            let arrow = match sort {
                Some((col, desc)) if col == i => {
                    let _ = th
                        .set_attribute("aria-sort", if desc { "descending" } else { "ascending" });
                    if desc {
                        " ▼"
                    } else {
                        " ▲"
                    }
                }
                _ => "",
            };
            let _ = b.set_attribute("type", "button");
            let _ = b.set_attribute("data-col", &i.to_string());
            b.set_text_content(Some(&format!("{}{arrow}", c.name)));
            let _ = th.append_child(&b);
            let _ = head.append_child(&th);
        }
        let _ = t.append_child(&head);
        for &r in s.order() {
            let run = &s.data.runs[r];
            let Some(tr) = el("tr") else {
                continue;
            };
            let _ = tr.set_attribute("data-run", &r.to_string());
            if !run.ok {
                let _ = tr.set_attribute("class", "failed");
            }
            if let (Some(td), Some(cb)) = (el("td"), el("input")) {
                let _ = cb.set_attribute("type", "checkbox");
                let _ = cb.set_attribute("data-tick", &r.to_string());
                let label = match (&run.network, &run.network_note) {
                    (Some(_), _) => format!("Compare {}", run.name),
                    (None, Some(n)) => format!("{}: no network ({n})", run.name),
                    (None, None) => format!("{}: no network file", run.name),
                };
                let _ = cb.set_attribute("aria-label", &label);
                let _ = cb.set_attribute("title", &label);
                if run.network.is_none() {
                    let _ = cb.set_attribute("disabled", "");
                }
                let _ = td.append_child(&cb);
                let _ = tr.append_child(&td);
            }
            for (cell, col) in run.cells.iter().zip(&s.data.columns) {
                if let Some(td) = el("td") {
                    td.set_text_content(Some(&cell_text(cell)));
                    if col.kind == ColumnKind::Text {
                        let _ = td.set_attribute("class", "text");
                    }
                    let _ = tr.append_child(&td);
                }
            }
            let _ = t.append_child(&tr);
        }
        let _ = t.set_attribute("data-rows", &s.data.runs.len().to_string());
        let sort_attr = sort.map_or(String::new(), |(c, d)| {
            format!(
                "{}:{}",
                s.data.columns[c].name,
                if d { "desc" } else { "asc" }
            )
        });
        let _ = t.set_attribute("data-sort", &sort_attr);
        self.render_ticks();
    }

    /// The checkboxes and the count follow the state's selection.
    fn render_ticks(&self) {
        let Some(s) = &self.state else {
            return;
        };
        if let Ok(list) = self.els.table.query_selector_all("input[data-tick]") {
            for i in 0..list.length() {
                let Some(cb) = list
                    .item(i)
                    .and_then(|n| n.dyn_into::<web_sys::HtmlInputElement>().ok())
                else {
                    continue;
                };
                let run = cb
                    .get_attribute("data-tick")
                    .and_then(|v| v.parse::<usize>().ok());
                cb.set_checked(run.is_some_and(|r| s.selected().contains(&r)));
            }
        }
        let n = s.selected().len();
        let _ = self.els.count.set_attribute("data-count", &n.to_string());
        self.els
            .count
            .set_text_content(Some(&format!("{n} ticked (2 to 8 with network files)")));
    }

    fn draw_plot(&self) {
        let Some(s) = &self.state else {
            return;
        };
        let canvas = &self.els.plot;
        let Some((mut ctx, w, h, dpr)) = charts::prepare(canvas) else {
            return;
        };
        let (xl, yl) = labels(s);
        let n = plot::paint_scatter(&mut ctx, w, h, dpr, &xl, &yl, &s.points());
        let set = |k: &str, v: &str| {
            let _ = canvas.set_attribute(k, v);
        };
        set("data-points", &n.to_string());
        set("data-x", &xl);
        set("data-y", &yl);
    }

    /// The plot as an SVG document at the canvas's CSS size.
    pub fn svg(&self) -> Option<String> {
        let s = self.state.as_ref()?;
        let (w, h) = (
            self.els.plot.client_width().max(320) as f64,
            self.els.plot.client_height().max(200) as f64,
        );
        let mut svg = crate::view::paint::Svg::new(w, h);
        let (xl, yl) = labels(s);
        let scale = crate::view::scale::drawing_scale(w, 1.0);
        plot::paint_scatter(&mut svg, w, h, scale, &xl, &yl, &s.points());
        Some(svg.finish())
    }

    /// The plot canvas (PNG export).
    fn canvas(&self) -> &HtmlCanvasElement {
        &self.els.plot
    }
}

/// The axis labels: the columns' names.
fn labels(s: &SweepState) -> (String, String) {
    let name = |a| s.data.columns[s.axis(a)].name.clone();
    (name(Axis::X), name(Axis::Y))
}

impl Component for SweepView {
    fn on_event(&mut self, ev: &Event, cx: &mut Cx) {
        match ev {
            Event::Sweep { data } => self.adopt((**data).clone(), cx),
            Event::SweepFailed { message } => {
                // The sweep shown (if any) stays as it was.
                self.status(message);
                self.set_state(if self.state.is_some() {
                    "open"
                } else {
                    "empty"
                });
            }
            _ => {}
        }
    }

    fn frame(&mut self, _now: f64, _cx: &mut Cx) -> bool {
        if std::mem::take(&mut self.plot_dirty) {
            self.draw_plot();
        }
        false
    }
}
