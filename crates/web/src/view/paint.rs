//! One drawing vocabulary for the hand-drawn panels (cube, held-out trials, live-play trace,
//! W_rec): the few canvas 2-D operations they use, as a [`Painter`] trait implemented by the
//! browser's canvas context (on screen, PNG export) and by [`Svg`] (vector export). The panels
//! drawn with plotters (loss chart, spectrum) use plotters' own SVG backend instead.

use std::fmt::Write;

/// The canvas 2-D operations the panels use. Coordinates in device pixels, y down.
pub trait Painter {
    /// Fill colour (any CSS colour).
    fn fill_style(&mut self, css: &str);
    /// Stroke colour (any CSS colour).
    fn stroke_style(&mut self, css: &str);
    /// Stroke width.
    fn line_width(&mut self, w: f64);
    /// CSS font shorthand, e.g. `12px system-ui, sans-serif`.
    fn font(&mut self, css: &str);
    /// A filled rectangle.
    fn fill_rect(&mut self, x: f64, y: f64, w: f64, h: f64);
    /// A stroked rectangle.
    fn stroke_rect(&mut self, x: f64, y: f64, w: f64, h: f64);
    /// Starts a new path.
    fn begin_path(&mut self);
    /// Starts a sub-path.
    fn move_to(&mut self, x: f64, y: f64);
    /// A straight segment.
    fn line_to(&mut self, x: f64, y: f64);
    /// A circular arc from angle `a0` to `a1` (radians, clockwise on screen), as a new
    /// sub-path.
    fn arc(&mut self, x: f64, y: f64, r: f64, a0: f64, a1: f64);
    /// Strokes the current path.
    fn stroke(&mut self);
    /// Fills the current path.
    fn fill(&mut self);
    /// Text with its baseline at `y`.
    fn fill_text(&mut self, text: &str, x: f64, y: f64);
    /// The width `text` takes in the current font.
    fn text_width(&mut self, text: &str) -> f64;
    /// An `n × n` RGBA image (row-major), scaled without smoothing into a square.
    fn cells(&mut self, rgba: &[u8], n: usize, x: f64, y: f64, size: f64);
}

/// An SVG document built from [`Painter`] calls.
#[derive(Debug)]
pub struct Svg {
    width: f64,
    height: f64,
    body: String,
    fill: String,
    stroke: String,
    line_width: f64,
    font: String,
    path: String,
}

/// Escapes text for SVG content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if (c as u32) < 0x20 && c != '\t' && c != '\n' => {}
            c => out.push(c),
        }
    }
    out
}

/// A number with at most two decimals and no trailing zeros.
fn num(v: f64) -> String {
    if !v.is_finite() {
        return "0".into();
    }
    let s = format!("{v:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".into()
    } else {
        s.to_string()
    }
}

impl Svg {
    /// An empty `width × height` document.
    pub fn new(width: f64, height: f64) -> Self {
        Self {
            width,
            height,
            body: String::new(),
            fill: "#000".into(),
            stroke: "#000".into(),
            line_width: 1.0,
            font: "10px sans-serif".into(),
            path: String::new(),
        }
    }

    /// The finished document.
    pub fn finish(self) -> String {
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" \
             width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\">\n{body}</svg>\n",
            w = num(self.width),
            h = num(self.height),
            body = self.body
        )
    }

    fn stroke_attrs(&self) -> String {
        format!(
            "fill=\"none\" stroke=\"{}\" stroke-width=\"{}\" stroke-linecap=\"round\" stroke-linejoin=\"round\"",
            escape(&self.stroke),
            num(self.line_width)
        )
    }
}

impl Painter for Svg {
    fn fill_style(&mut self, css: &str) {
        self.fill = css.to_string();
    }
    fn stroke_style(&mut self, css: &str) {
        self.stroke = css.to_string();
    }
    fn line_width(&mut self, w: f64) {
        self.line_width = w;
    }
    fn font(&mut self, css: &str) {
        self.font = css.to_string();
    }
    fn fill_rect(&mut self, x: f64, y: f64, w: f64, h: f64) {
        let _ = writeln!(
            self.body,
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"/>",
            num(x),
            num(y),
            num(w),
            num(h),
            escape(&self.fill)
        );
    }
    fn stroke_rect(&mut self, x: f64, y: f64, w: f64, h: f64) {
        let _ = writeln!(
            self.body,
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" {}/>",
            num(x),
            num(y),
            num(w),
            num(h),
            self.stroke_attrs()
        );
    }
    fn begin_path(&mut self) {
        self.path.clear();
    }
    fn move_to(&mut self, x: f64, y: f64) {
        let _ = write!(self.path, "M{} {}", num(x), num(y));
    }
    fn line_to(&mut self, x: f64, y: f64) {
        let _ = write!(self.path, "L{} {}", num(x), num(y));
    }
    fn arc(&mut self, x: f64, y: f64, r: f64, a0: f64, a1: f64) {
        let sweep = (a1 - a0).clamp(0.0, std::f64::consts::TAU);
        let at = |a: f64| (x + r * a.cos(), y + r * a.sin());
        let (sx, sy) = at(a0);
        let _ = write!(self.path, "M{} {}", num(sx), num(sy));
        // A full circle is two half arcs (one SVG arc cannot end where it starts).
        let pieces = if sweep > std::f64::consts::PI { 2 } else { 1 };
        for k in 1..=pieces {
            let (ex, ey) = at(a0 + sweep * k as f64 / pieces as f64);
            let _ = write!(
                self.path,
                "A{r} {r} 0 0 1 {} {}",
                num(ex),
                num(ey),
                r = num(r)
            );
        }
    }
    fn stroke(&mut self) {
        if !self.path.is_empty() {
            let _ = writeln!(
                self.body,
                "<path d=\"{}\" {}/>",
                self.path,
                self.stroke_attrs()
            );
        }
    }
    fn fill(&mut self) {
        if !self.path.is_empty() {
            let _ = writeln!(
                self.body,
                "<path d=\"{}\" fill=\"{}\"/>",
                self.path,
                escape(&self.fill)
            );
        }
    }
    fn fill_text(&mut self, text: &str, x: f64, y: f64) {
        let _ = writeln!(
            self.body,
            "<text x=\"{}\" y=\"{}\" fill=\"{}\" style=\"font: {}\">{}</text>",
            num(x),
            num(y),
            escape(&self.fill),
            escape(&self.font),
            escape(text)
        );
    }
    fn text_width(&mut self, text: &str) -> f64 {
        // No layout engine here: an average glyph is about 0.55 em wide in a sans font.
        let px = self
            .font
            .split("px")
            .next()
            .and_then(|v| v.trim().parse::<f64>().ok())
            .unwrap_or(10.0);
        0.55 * px * text.chars().count() as f64
    }
    fn cells(&mut self, rgba: &[u8], n: usize, x: f64, y: f64, size: f64) {
        if n == 0 || rgba.len() != n * n * 4 {
            return;
        }
        let href = cells_png_href(rgba, n);
        match href {
            Some(href) => {
                let _ = writeln!(
                    self.body,
                    "<image x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" preserveAspectRatio=\"none\" \
                     style=\"image-rendering: pixelated\" href=\"{}\"/>",
                    num(x),
                    num(y),
                    num(size),
                    num(size),
                    escape(&href)
                );
            }
            None => {
                // One rectangle per cell (natively, where no PNG encoder is at hand).
                let c = size / n as f64;
                for (i, px) in rgba.chunks_exact(4).enumerate() {
                    let _ = writeln!(
                        self.body,
                        "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"rgb({},{},{})\"/>",
                        num(x + (i % n) as f64 * c),
                        num(y + (i / n) as f64 * c),
                        num(c),
                        num(c),
                        px[0],
                        px[1],
                        px[2]
                    );
                }
            }
        }
    }
}

/// A PNG data URL of the cells, made by the browser's canvas (wasm only).
#[cfg(target_arch = "wasm32")]
fn cells_png_href(rgba: &[u8], n: usize) -> Option<String> {
    let canvas = cells_canvas(rgba, n)?;
    canvas.to_data_url().ok()
}

#[cfg(not(target_arch = "wasm32"))]
fn cells_png_href(_rgba: &[u8], _n: usize) -> Option<String> {
    None
}

/// An `n × n` offscreen canvas holding the cells.
#[cfg(target_arch = "wasm32")]
fn cells_canvas(rgba: &[u8], n: usize) -> Option<web_sys::HtmlCanvasElement> {
    use wasm_bindgen::{Clamped, JsCast};
    let doc = web_sys::window()?.document()?;
    let off: web_sys::HtmlCanvasElement = doc.create_element("canvas").ok()?.dyn_into().ok()?;
    off.set_width(n as u32);
    off.set_height(n as u32);
    let ctx: web_sys::CanvasRenderingContext2d = off.get_context("2d").ok()??.dyn_into().ok()?;
    let image =
        web_sys::ImageData::new_with_u8_clamped_array_and_sh(Clamped(rgba), n as u32, n as u32)
            .ok()?;
    ctx.put_image_data(&image, 0.0, 0.0).ok()?;
    Some(off)
}

#[cfg(target_arch = "wasm32")]
impl Painter for web_sys::CanvasRenderingContext2d {
    fn fill_style(&mut self, css: &str) {
        self.set_fill_style_str(css);
    }
    fn stroke_style(&mut self, css: &str) {
        self.set_stroke_style_str(css);
    }
    fn line_width(&mut self, w: f64) {
        self.set_line_width(w);
    }
    fn font(&mut self, css: &str) {
        self.set_font(css);
    }
    fn fill_rect(&mut self, x: f64, y: f64, w: f64, h: f64) {
        web_sys::CanvasRenderingContext2d::fill_rect(self, x, y, w, h);
    }
    fn stroke_rect(&mut self, x: f64, y: f64, w: f64, h: f64) {
        web_sys::CanvasRenderingContext2d::stroke_rect(self, x, y, w, h);
    }
    fn begin_path(&mut self) {
        web_sys::CanvasRenderingContext2d::begin_path(self);
    }
    fn move_to(&mut self, x: f64, y: f64) {
        web_sys::CanvasRenderingContext2d::move_to(self, x, y);
    }
    fn line_to(&mut self, x: f64, y: f64) {
        web_sys::CanvasRenderingContext2d::line_to(self, x, y);
    }
    fn arc(&mut self, x: f64, y: f64, r: f64, a0: f64, a1: f64) {
        // A new sub-path, as the SVG painter does (no line from the previous point).
        web_sys::CanvasRenderingContext2d::move_to(self, x + r * a0.cos(), y + r * a0.sin());
        let _ = web_sys::CanvasRenderingContext2d::arc(self, x, y, r, a0, a1);
    }
    fn stroke(&mut self) {
        web_sys::CanvasRenderingContext2d::stroke(self);
    }
    fn fill(&mut self) {
        web_sys::CanvasRenderingContext2d::fill(self);
    }
    fn fill_text(&mut self, text: &str, x: f64, y: f64) {
        let _ = web_sys::CanvasRenderingContext2d::fill_text(self, text, x, y);
    }
    fn text_width(&mut self, text: &str) -> f64 {
        self.measure_text(text).map_or(0.0, |m| m.width())
    }
    fn cells(&mut self, rgba: &[u8], n: usize, x: f64, y: f64, size: f64) {
        if let Some(off) = cells_canvas(rgba, n) {
            self.set_image_smoothing_enabled(false);
            let _ = self.draw_image_with_html_canvas_element_and_dw_and_dh(&off, x, y, size, size);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn svg_records_shapes_text_and_styles() {
        let mut s = Svg::new(100.0, 50.0);
        s.fill_style("#fff");
        s.fill_rect(0.0, 0.0, 100.0, 50.0);
        s.stroke_style("#d55e00");
        s.line_width(2.0);
        s.begin_path();
        s.move_to(1.0, 2.5);
        s.line_to(10.0, 20.126);
        s.stroke();
        s.fill_style("red");
        s.begin_path();
        s.arc(50.0, 25.0, 5.0, 0.0, std::f64::consts::TAU);
        s.fill();
        s.font("12px system-ui, sans-serif");
        s.fill_text("q < 1e-12 & \"x\"", 3.0, 4.0);
        let doc = s.finish();
        assert!(doc.starts_with("<?xml") && doc.trim_end().ends_with("</svg>"));
        assert!(doc.contains("viewBox=\"0 0 100 50\""));
        assert!(doc.contains("<rect x=\"0\" y=\"0\" width=\"100\" height=\"50\" fill=\"#fff\"/>"));
        assert!(doc.contains(
            "<path d=\"M1 2.5L10 20.13\" fill=\"none\" stroke=\"#d55e00\" stroke-width=\"2\""
        ));
        // A full circle: two half arcs.
        assert!(
            doc.contains("<path d=\"M55 25A5 5 0 0 1 45 25A5 5 0 0 1 55 25\" fill=\"red\"/>"),
            "{doc}"
        );
        assert!(doc.contains(">q &lt; 1e-12 &amp; &quot;x&quot;</text>"));
        assert!(doc.contains("style=\"font: 12px system-ui, sans-serif\""));
    }

    #[test]
    fn svg_cells_natively_are_one_rect_each_and_bad_sizes_draw_nothing() {
        let mut s = Svg::new(10.0, 10.0);
        s.cells(
            &[255, 0, 0, 255, 0, 0, 255, 255, 0, 0, 0, 255, 1, 2, 3, 255],
            2,
            0.0,
            0.0,
            10.0,
        );
        s.cells(&[0; 7], 2, 0.0, 0.0, 10.0);
        let doc = s.finish();
        assert_eq!(doc.matches("<rect").count(), 4);
        assert!(doc.contains("x=\"5\" y=\"5\" width=\"5\" height=\"5\" fill=\"rgb(1,2,3)\""));
    }

    #[test]
    fn text_injection_is_escaped() {
        assert_eq!(
            escape("<script>'&'</script>"),
            "&lt;script&gt;&#39;&amp;&#39;&lt;/script&gt;"
        );
    }
}
