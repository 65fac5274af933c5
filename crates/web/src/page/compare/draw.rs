//! Drawing the Compare view: the grids of canvases (one figure per network), the progress
//! list, the distance matrices and the topology table (HTML, with the numbers also in
//! `data-*` attributes for tests), the MDS map and the overlaid Jacobian spectra (plotters).
//! Text goes into the DOM with `textContent` only.

use super::{wire, Els, Shared};
use crate::protocol::{CompareData, CubeData, F32s};
use crate::state::compare::{matrix_attr, saddles_text, Member};
use crate::state::gates;
use crate::view::canvas::MeasuredCanvas;
use crate::view::{charts, cube};
use flipflop_core::model::CellKind;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use wasm_bindgen::JsCast;
use web_sys::{
    CanvasRenderingContext2d, Document, Element, HtmlCanvasElement, HtmlElement, HtmlSelectElement,
};

const FONT: &str = "system-ui, sans-serif";

/// One colour per network (Okabe–Ito, as the cube's states).
fn colour(i: usize) -> RGBColor {
    const C: [RGBColor; 8] = [
        RGBColor(0, 114, 178),
        RGBColor(213, 94, 0),
        RGBColor(0, 158, 115),
        RGBColor(204, 121, 167),
        RGBColor(230, 159, 0),
        RGBColor(86, 180, 233),
        RGBColor(0, 0, 0),
        RGBColor(240, 228, 66),
    ];
    C[i % 8]
}

fn doc() -> Option<Document> {
    web_sys::window()?.document()
}

fn el(doc: &Document, tag: &str) -> Option<Element> {
    doc.create_element(tag).ok()
}

/// Replaces the figures of `grid` by one canvas per label (`kind`: `spectrum` or `cube`;
/// cubes get the drag listeners that rotate all of them).
pub fn grid(grid: &HtmlElement, kind: &str, labels: &[String], app: Option<&Shared>) {
    grid.set_text_content(None);
    let _ = grid.set_attribute("data-drawn", "0");
    let Some(doc) = doc() else { return };
    for (i, label) in labels.iter().enumerate() {
        let (Some(fig), Some(canvas), Some(cap)) = (
            el(&doc, "figure"),
            el(&doc, "canvas"),
            el(&doc, "figcaption"),
        ) else {
            return;
        };
        let what = if kind == "cube" {
            "Memory-state cube"
        } else {
            "Eigenvalues of a recurrent matrix"
        };
        let _ = canvas.set_attribute("role", "img");
        let _ = canvas.set_attribute(
            "aria-label",
            &format!("{what} of network {} ({label})", i + 1),
        );
        let _ = canvas.set_attribute("data-index", &i.to_string());
        cap.set_text_content(Some(&format!("{} · {label}", i + 1)));
        let _ = fig.append_child(&canvas);
        let _ = fig.append_child(&cap);
        let _ = grid.append_child(&fig);
        if kind == "cube" {
            if let (Some(app), Ok(c)) = (app, canvas.dyn_into::<HtmlCanvasElement>()) {
                wire::drag(app, &c);
            }
        }
    }
}

fn canvases(grid: &HtmlElement) -> Vec<HtmlCanvasElement> {
    let Ok(list) = grid.query_selector_all("canvas") else {
        return Vec::new();
    };
    (0..list.length())
        .filter_map(|i| list.item(i)?.dyn_into().ok())
        .collect()
}

/// The progress list: one line per network.
pub fn progress(list: &HtmlElement, members: &[Member]) {
    list.set_text_content(None);
    let Some(doc) = doc() else { return };
    for m in members {
        if let Some(li) = el(&doc, "li") {
            li.set_text_content(Some(&m.progress()));
            let _ = li.set_attribute("data-step", &m.step.to_string());
            let _ = li.set_attribute("data-solved", &m.solved_at.is_some().to_string());
            let _ = list.append_child(&li);
        }
    }
    let done = members
        .iter()
        .filter(|m| m.phase == crate::state::compare::Phase::Done)
        .count();
    let _ = list.set_attribute("data-done", &done.to_string());
}

/// Fig. 5: every network's spectrum on the same axes (the largest radius of all). Gated
/// networks show the recurrent block of the gate chosen in `#cmp-gate` (refilled here from
/// the cells compared, [`gates::compare_options`]); `#cmp-spectra-note` says which matrix each
/// panel shows ([`gates::compare_note`]), and each canvas carries it in `data-matrix`.
pub fn spectra(grid: &HtmlElement, members: &[Member]) {
    let cells: Vec<CellKind> = members.iter().map(|m| m.config.model.cell).collect();
    let gate = doc().map_or(0, |d| gate_choice(&d, &cells));
    let reach = members
        .iter()
        .filter_map(|m| m.snapshot.as_ref())
        .map(|s| s.spectrum(gates::clamp(s.network.config.cell, gate)).1 * 1.1)
        .fold(1.25, f64::max);
    let mut drawn = 0;
    for (i, (canvas, m)) in canvases(grid).iter().zip(members).enumerate() {
        let Some(snap) = &m.snapshot else { continue };
        let cell = snap.network.config.cell;
        let shown = gates::matrix_name(cell, gates::clamp(cell, gate));
        let dpr = charts::fit(canvas);
        let Some(backend) = MeasuredCanvas::new(canvas) else {
            continue;
        };
        match charts::spectrum_within(backend.into_drawing_area(), dpr, snap, gate, None, reach) {
            Ok(()) => {
                drawn += 1;
                let rho = snap.spectrum(gates::clamp(cell, gate)).1;
                let _ = canvas.set_attribute("data-radius", &format!("{rho:.6}"));
                let _ = canvas.set_attribute("data-step", &snap.step.to_string());
                let _ = canvas.set_attribute("data-matrix", &shown);
                let _ = canvas.set_attribute(
                    "aria-label",
                    &format!("Eigenvalues of {shown} of network {}", i + 1),
                );
            }
            Err(e) => charts::log_failure("compare spectrum", &e),
        }
    }
    let _ = grid.set_attribute("data-drawn", &drawn.to_string());
}

/// Fills `#cmp-gate` with the options for `cells` (only when they changed, keeping the
/// choice where it still exists), shows it only for gated networks, writes the note, and
/// returns the chosen block index (0 when there is no choice).
fn gate_choice(doc: &Document, cells: &[CellKind]) -> usize {
    let options = gates::compare_options(cells);
    let (Some(field), Some(select), Some(note)) = (
        doc.get_element_by_id("cmp-gate-field"),
        doc.get_element_by_id("cmp-gate")
            .and_then(|e| e.dyn_into::<HtmlSelectElement>().ok()),
        doc.get_element_by_id("cmp-spectra-note"),
    ) else {
        return 0;
    };
    let current: Vec<String> = (0..select.length())
        .filter_map(|i| select.item(i))
        .filter_map(|o| o.text_content())
        .collect();
    if current != options {
        let keep = select.selected_index().max(0) as usize;
        select.set_text_content(None);
        for (i, text) in options.iter().enumerate() {
            if let Some(o) = el(doc, "option") {
                let _ = o.set_attribute("value", &i.to_string());
                o.set_text_content(Some(text));
                let _ = select.append_child(&o);
            }
        }
        select.set_selected_index(if keep < options.len() { keep as i32 } else { 0 });
    }
    let _ = field.toggle_attribute_with_force("hidden", options.is_empty());
    let gate = if options.is_empty() {
        0
    } else {
        select.selected_index().max(0) as usize
    };
    note.set_text_content(Some(&gates::compare_note(cells, gate)));
    gate
}

/// Fig. 7: every network's cube with the shared camera, aligned to the first or not.
pub fn cubes(grid: &HtmlElement, data: &CompareData, view: &cube::View, aligned: bool) {
    let mut drawn = 0;
    for (canvas, n) in canvases(grid).iter().zip(&data.networks) {
        let mut cube_data: CubeData = n.cube.clone();
        if aligned && n.aligned.0.len() == cube_data.svd.coords.0.len() {
            cube_data.svd.coords = F32s(n.aligned.0.clone());
        }
        let scene = cube::Scene::new(cube_data, false);
        let Some(ctx) = canvas
            .get_context("2d")
            .ok()
            .flatten()
            .and_then(|c| c.dyn_into::<CanvasRenderingContext2d>().ok())
        else {
            continue;
        };
        cube::draw(
            canvas,
            &ctx,
            Some(&scene),
            view,
            &Default::default(),
            &[],
            None,
        );
        drawn += 1;
    }
    let _ = grid.set_attribute("data-drawn", &drawn.to_string());
    let _ = grid.set_attribute("data-aligned", &aligned.to_string());
}

/// Blanks the matrices, table and plots (a new set of networks).
pub fn clear_results(els: &Els) {
    els.matrices.set_text_content(None);
    els.table.set_text_content(None);
    els.cubes.set_text_content(None);
    let _ = els.cubes.set_attribute("data-drawn", "0");
    charts::clear(&els.mds);
    charts::clear(&els.jacobian);
}

/// Everything drawn from a comparison except the cubes' pictures (drawn each frame they
/// change): the cube grid's canvases, the matrices, the table, the map and the Jacobians.
pub fn results(els: &Els, data: &CompareData, labels: &[String], app: Option<&Shared>) {
    grid(&els.cubes, "cube", labels, app);
    els.matrices.set_text_content(None);
    if let Some(doc) = doc() {
        for (measure, title, m) in [
            (
                "procrustes",
                "Procrustes shape distance (0 to √2)",
                &data.procrustes,
            ),
            ("cka", "1 − linear CKA (0 to 1)", &data.cka),
        ] {
            if let Some(t) = matrix_table(&doc, measure, title, labels, m) {
                let _ = els.matrices.append_child(&t);
            }
        }
        topology_table(&doc, &els.table, data, labels);
    }
    if let Err(e) = mds_map(&els.mds, data, labels) {
        charts::log_failure("compare map", &e);
    }
    if let Err(e) = jacobians(&els.jacobian, data) {
        charts::log_failure("compare jacobians", &e);
    }
}

fn cell(doc: &Document, tag: &str, text: &str) -> Option<Element> {
    let c = el(doc, tag)?;
    c.set_text_content(Some(text));
    Some(c)
}

fn row(doc: &Document, cells: &[(&str, String)]) -> Option<Element> {
    let tr = el(doc, "tr")?;
    for (tag, text) in cells {
        let c = cell(doc, tag, text)?;
        if *tag == "th" {
            let _ = c.set_attribute("scope", "row");
        }
        let _ = tr.append_child(&c);
    }
    Some(tr)
}

/// A `K × K` matrix as a table, shaded by value, with the numbers in `data-matrix`.
fn matrix_table(
    doc: &Document,
    measure: &str,
    title: &str,
    labels: &[String],
    m: &[Vec<f64>],
) -> Option<Element> {
    let t = el(doc, "table")?;
    let _ = t.set_attribute("data-measure", measure);
    let _ = t.set_attribute("data-testid", &format!("cmp-matrix-{measure}"));
    let _ = t.set_attribute("data-matrix", &matrix_attr(m));
    let cap = cell(doc, "caption", title)?;
    let _ = t.append_child(&cap);
    let mut head = vec![("th", "network".to_string())];
    head.extend((1..=labels.len()).map(|j| ("th", j.to_string())));
    let head = row(doc, &head)?;
    if let Ok(list) = head.query_selector_all("th") {
        for i in 0..list.length() {
            if let Some(c) = list.item(i).and_then(|n| n.dyn_into::<Element>().ok()) {
                let _ = c.set_attribute("scope", "col");
            }
        }
    }
    let _ = t.append_child(&head);
    let max = m.iter().flatten().fold(1e-12f64, |a, v| a.max(*v));
    for (i, r) in m.iter().enumerate() {
        let tr = el(doc, "tr")?;
        let th = cell(
            doc,
            "th",
            &format!("{} · {}", i + 1, labels.get(i).map_or("", String::as_str)),
        )?;
        let _ = th.set_attribute("scope", "row");
        let _ = tr.append_child(&th);
        for v in r {
            let td = cell(doc, "td", &format!("{v:.3}"))?;
            // Lighter = closer; dark text stays readable (lightness ≥ 72 %).
            let light = 100.0 - 28.0 * (v / max).clamp(0.0, 1.0);
            let _ = td.set_attribute("style", &format!("background: hsl(210, 60%, {light:.0}%)"));
            let _ = tr.append_child(&td);
        }
        let _ = t.append_child(&tr);
    }
    Some(t)
}

fn topology_table(doc: &Document, table: &HtmlElement, data: &CompareData, labels: &[String]) {
    table.set_text_content(None);
    let _ = table.set_attribute("data-rows", &data.networks.len().to_string());
    let head = [
        "Network",
        "N",
        "Spectral radius",
        "|λ| > 1",
        "Stable points",
        "Saddles (count × unstable dims)",
        "Memories held by stable points",
        "Slowest τ (steps)",
    ];
    let cells: Vec<(&str, String)> = head.iter().map(|h| ("th", h.to_string())).collect();
    if let Some(tr) = row(doc, &cells) {
        // Column headers.
        if let Ok(list) = tr.query_selector_all("th") {
            for i in 0..list.length() {
                if let Some(c) = list.item(i).and_then(|n| n.dyn_into::<Element>().ok()) {
                    let _ = c.set_attribute("scope", "col");
                }
            }
        }
        let _ = table.append_child(&tr);
    }
    let bits_total = |n: &crate::protocol::ComparedNet| n.held.len() + n.missing.len();
    for (i, n) in data.networks.iter().enumerate() {
        let label = format!("{} · {}", i + 1, labels.get(i).map_or("", String::as_str));
        let held = if n.held.is_empty() {
            format!("0 of {}", bits_total(n))
        } else {
            format!(
                "{} of {}: {}",
                n.held.len(),
                bits_total(n),
                n.held.join(", ")
            )
        };
        let cells = [
            ("th", label),
            ("td", n.hidden.to_string()),
            ("td", format!("{:.3}", n.spectral_radius)),
            ("td", n.outside_unit_circle.len().to_string()),
            ("td", n.stable.to_string()),
            ("td", saddles_text(&n.saddles)),
            ("td", held),
            ("td", format!("{:.1}", n.slowest_tau)),
        ];
        if let Some(tr) = row(doc, &cells) {
            let _ = tr.set_attribute("data-radius", &format!("{:.6}", n.spectral_radius));
            let _ = tr.set_attribute("data-stable", &n.stable.to_string());
            let _ = table.append_child(&tr);
        }
    }
}

fn err<E: std::fmt::Debug>(e: E) -> String {
    format!("{e:?}")
}

/// The MDS map of the Procrustes distances: one labelled dot per network.
pub fn mds_map(
    canvas: &HtmlCanvasElement,
    data: &CompareData,
    labels: &[String],
) -> Result<(), String> {
    let dpr = charts::fit(canvas);
    let backend = MeasuredCanvas::new(canvas).ok_or("no 2d context")?;
    draw_mds(backend.into_drawing_area(), dpr, data, labels)
}

/// [`mds_map`] onto any plotters area.
pub fn draw_mds<DB: DrawingBackend>(
    root: DrawingArea<DB, plotters::coord::Shift>,
    dpr: f64,
    data: &CompareData,
    labels: &[String],
) -> Result<(), String> {
    root.fill(&WHITE).map_err(err)?;
    let reach = data
        .mds
        .iter()
        .flat_map(|p| [p[0].abs(), p[1].abs()])
        .fold(1e-6, f64::max)
        * 1.3;
    let mut chart = ChartBuilder::on(&root)
        .caption("MDS map (Procrustes distances)", (FONT, 13.0 * dpr))
        .margin(8.0 * dpr)
        .x_label_area_size(30.0 * dpr)
        .y_label_area_size(44.0 * dpr)
        .build_cartesian_2d(-reach..reach, -reach..reach)
        .map_err(err)?;
    chart
        .configure_mesh()
        .light_line_style(WHITE)
        .x_labels(5)
        .y_labels(5)
        .label_style((FONT, 11.0 * dpr))
        .draw()
        .map_err(err)?;
    // Each label sits beside its dot, never on it: to the left on the right half (so none
    // leaves the plot), and below instead of above when an earlier dot lies close by.
    let gap = 8.0 * dpr;
    for (i, p) in data.mds.iter().enumerate() {
        let c = colour(i);
        let crowded = data.mds[..i]
            .iter()
            .any(|q| (q[0] - p[0]).hypot(q[1] - p[1]) < 0.2 * reach);
        let (h, dx) = if p[0] > 0.0 {
            (HPos::Right, -gap)
        } else {
            (HPos::Left, gap)
        };
        let (v, dy) = if crowded {
            (VPos::Top, 0.5 * gap)
        } else {
            (VPos::Bottom, -0.5 * gap)
        };
        let text = format!("{} {}", i + 1, labels.get(i).map_or("", String::as_str));
        chart
            .draw_series(std::iter::once(
                EmptyElement::at((p[0], p[1]))
                    + Circle::new((0, 0), (5.0 * dpr) as i32, c.filled())
                    + Text::new(
                        text,
                        (dx as i32, dy as i32),
                        (FONT, 12.0 * dpr).into_font().color(&c).pos(Pos::new(h, v)),
                    ),
            ))
            .map_err(err)?;
    }
    root.present().map_err(err)
}

/// Jacobian eigenvalues at every stable point of every network, one colour per network,
/// with the unit circle.
pub fn jacobians(canvas: &HtmlCanvasElement, data: &CompareData) -> Result<(), String> {
    let dpr = charts::fit(canvas);
    let backend = MeasuredCanvas::new(canvas).ok_or("no 2d context")?;
    draw_jacobians(backend.into_drawing_area(), dpr, data)
}

/// [`jacobians`] onto any plotters area.
pub fn draw_jacobians<DB: DrawingBackend>(
    root: DrawingArea<DB, plotters::coord::Shift>,
    dpr: f64,
    data: &CompareData,
) -> Result<(), String> {
    root.fill(&WHITE).map_err(err)?;
    let r = 1.15;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            "Jacobian eigenvalues at the stable points",
            (FONT, 13.0 * dpr),
        )
        .margin(8.0 * dpr)
        .x_label_area_size(30.0 * dpr)
        .y_label_area_size(44.0 * dpr)
        .build_cartesian_2d(-r..r, -r..r)
        .map_err(err)?;
    chart
        .configure_mesh()
        .light_line_style(WHITE)
        .x_labels(5)
        .y_labels(5)
        .x_desc("Re λ")
        .y_desc("Im λ")
        .label_style((FONT, 11.0 * dpr))
        .draw()
        .map_err(err)?;
    let circle = (0..=240).map(|i| {
        let t = i as f64 / 240.0 * std::f64::consts::TAU;
        (t.cos(), t.sin())
    });
    chart
        .draw_series(LineSeries::new(
            circle,
            BLACK.stroke_width(dpr.max(1.0) as u32),
        ))
        .map_err(err)?;
    for (i, n) in data.networks.iter().enumerate() {
        let c = colour(i);
        let dots = n
            .stable_spectra
            .iter()
            .flatten()
            .filter(|z| z[0].abs() <= r && z[1].abs() <= r);
        chart
            .draw_series(dots.map(|z| Circle::new((z[0], z[1]), (2.5 * dpr) as i32, c.filled())))
            .map_err(err)?
            .label(format!("network {}", i + 1))
            .legend(move |(x, y)| Circle::new((x, y), 4, c.filled()));
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font((FONT, 11.0 * dpr))
        .draw()
        .map_err(err)?;
    root.present().map_err(err)
}
