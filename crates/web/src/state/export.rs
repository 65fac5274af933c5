//! What the export buttons offer, as types: the panels ([`Panel`], by canvas id) and the
//! export formats ([`Export`], by the buttons' `data-export` value), with file names and
//! MIME types. Tested natively against index.html's buttons.

/// A picture panel, named by its canvas id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Panel {
    /// Loss and accuracy (`loss-chart`).
    LossChart,
    /// W_rec (`matrix`).
    Matrix,
    /// Eigenvalues (`spectrum`).
    Spectrum,
    /// Held-out trials (`traces`).
    Traces,
    /// The memory-state cube (`cube`).
    Cube,
    /// The live-play trace (`play-trace`).
    PlayTrace,
}

/// Every panel.
pub const PANELS: [Panel; 6] = [
    Panel::LossChart,
    Panel::Matrix,
    Panel::Spectrum,
    Panel::Traces,
    Panel::Cube,
    Panel::PlayTrace,
];

impl Panel {
    /// The canvas id.
    pub fn id(self) -> &'static str {
        match self {
            Panel::LossChart => "loss-chart",
            Panel::Matrix => "matrix",
            Panel::Spectrum => "spectrum",
            Panel::Traces => "traces",
            Panel::Cube => "cube",
            Panel::PlayTrace => "play-trace",
        }
    }

    /// The panel with canvas id `id`.
    pub fn from_id(id: &str) -> Option<Self> {
        PANELS.into_iter().find(|p| p.id() == id)
    }
}

/// One export button.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Export {
    /// Weights as numpy npz.
    Npz,
    /// Weights and config as JSON.
    Json,
    /// The network file.
    Net,
    /// The loss history as CSV.
    LossCsv,
    /// The live-play trace as CSV.
    PlayCsv,
    /// A panel as PNG (as shown).
    Png(Panel),
    /// A panel as SVG.
    Svg(Panel),
}

impl Export {
    /// Reads a `data-export` value: `npz`, `json`, `net`, `csv`, `play-csv`, `png:<panel>`,
    /// `svg:<panel>`.
    pub fn parse(attr: &str) -> Option<Self> {
        if let Some(id) = attr.strip_prefix("png:") {
            return Panel::from_id(id).map(Export::Png);
        }
        if let Some(id) = attr.strip_prefix("svg:") {
            return Panel::from_id(id).map(Export::Svg);
        }
        match attr {
            "npz" => Some(Export::Npz),
            "json" => Some(Export::Json),
            "net" => Some(Export::Net),
            "csv" => Some(Export::LossCsv),
            "play-csv" => Some(Export::PlayCsv),
            _ => None,
        }
    }

    /// The `data-export` value [`Export::parse`] reads.
    pub fn attr(self) -> String {
        match self {
            Export::Npz => "npz".into(),
            Export::Json => "json".into(),
            Export::Net => "net".into(),
            Export::LossCsv => "csv".into(),
            Export::PlayCsv => "play-csv".into(),
            Export::Png(p) => format!("png:{}", p.id()),
            Export::Svg(p) => format!("svg:{}", p.id()),
        }
    }

    /// MIME type of the download.
    pub fn mime(self) -> &'static str {
        match self {
            Export::Npz | Export::Net => "application/octet-stream",
            Export::Json => "application/json",
            Export::LossCsv | Export::PlayCsv => "text/csv",
            Export::Png(_) => "image/png",
            Export::Svg(_) => "image/svg+xml",
        }
    }

    /// The download's file name: `stem` is `flipflop-N<hidden>-step<step>` for data,
    /// pictures are named by panel and `step`.
    pub fn file_name(self, stem: &str, step: u64) -> String {
        match self {
            Export::Npz => format!("{stem}.npz"),
            Export::Json => format!("{stem}.json"),
            Export::Net => format!("{stem}.net"),
            Export::LossCsv => format!("{stem}-loss.csv"),
            Export::PlayCsv => format!("{stem}-live-play.csv"),
            Export::Png(p) => format!("flipflop-{}-step{step}.png", p.id()),
            Export::Svg(p) => format!("flipflop-{}-step{step}.svg", p.id()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_button_in_index_html_is_a_known_export() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../index.html");
        let html = std::fs::read_to_string(path).expect("index.html next to the workspace");
        let values: Vec<&str> = html
            .split("data-export=\"")
            .skip(1)
            .filter_map(|rest| rest.split('"').next())
            .collect();
        assert_eq!(values.len(), 5 + 2 * PANELS.len(), "{values:?}");
        for v in values {
            let e = Export::parse(v).unwrap_or_else(|| panic!("unknown data-export {v:?}"));
            assert_eq!(e.attr(), v);
        }
        for p in PANELS {
            assert!(
                html.contains(&format!("<canvas id=\"{}\"", p.id())),
                "{p:?}"
            );
        }
    }

    #[test]
    fn names_and_types() {
        let cases = [
            (
                Export::Npz,
                "flipflop-N128-step5.npz",
                "application/octet-stream",
            ),
            (Export::LossCsv, "flipflop-N128-step5-loss.csv", "text/csv"),
            (
                Export::PlayCsv,
                "flipflop-N128-step5-live-play.csv",
                "text/csv",
            ),
            (
                Export::Svg(Panel::Cube),
                "flipflop-cube-step5.svg",
                "image/svg+xml",
            ),
            (
                Export::Png(Panel::Matrix),
                "flipflop-matrix-step5.png",
                "image/png",
            ),
        ];
        for (e, name, mime) in cases {
            assert_eq!(
                (e.file_name("flipflop-N128-step5", 5).as_str(), e.mime()),
                (name, mime)
            );
        }
        assert_eq!(Export::parse("png:nowhere"), None);
        assert_eq!(Export::parse("exe"), None);
    }
}
