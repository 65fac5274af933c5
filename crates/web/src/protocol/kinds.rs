//! The small vocabularies of the protocol as enums, with their wire names written out by
//! hand: kinds of link, what a loaded network was, and where it came from.

use flipflop_formats::import::ImportFormat;
pub use flipflop_formats::link::LinkKind;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Serde for [`LinkKind`] as its name (`exact`, `compact`, `recipe`); the formats crate
/// stays free of serde for it.
pub mod link_kind {
    use super::*;

    /// Writes the kind's name.
    pub fn serialize<S: Serializer>(kind: &LinkKind, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(kind.name())
    }

    /// Reads a name; an unknown name is an error naming the known ones.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<LinkKind, D::Error> {
        let text = String::deserialize(d)?;
        LinkKind::parse(&text).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "unknown link kind {text:?} (known: exact, compact, recipe)"
            ))
        })
    }
}

/// What a loaded network was: a kind of link or a file format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// A share link of this kind.
    Link(LinkKind),
    /// An imported file of this format.
    File(ImportFormat),
}

const FILE_FORMATS: [ImportFormat; 4] = [
    ImportFormat::KerasHdf5,
    ImportFormat::Npz,
    ImportFormat::Json,
    ImportFormat::NetFile,
];

impl Format {
    /// The wire name: the link kind's name or the file format's (`keras-hdf5`, `npz`,
    /// `json`, `net`); the two sets do not overlap.
    pub fn name(self) -> &'static str {
        match self {
            Format::Link(k) => k.name(),
            Format::File(f) => f.name(),
        }
    }

    /// Reads [`Format::name`].
    pub fn parse(s: &str) -> Option<Self> {
        LinkKind::parse(s).map(Format::Link).or_else(|| {
            FILE_FORMATS
                .into_iter()
                .find(|f| f.name() == s)
                .map(Format::File)
        })
    }
}

impl Serialize for Format {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for Format {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Format::parse(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown format {text:?}")))
    }
}

/// Where a network the page adopts came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "from", content = "name", rename_all = "snake_case")]
pub enum Origin {
    /// A share link (the address's `#net=…`).
    Link,
    /// A file the user imported; its name, as plain text.
    File(String),
    /// The network autosaved in this browser.
    Autosave,
    /// An entry of the saved-networks list; its name.
    Saved(String),
    /// The pre-trained network shipped with the page.
    Pretrained,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_names_round_trip_and_do_not_overlap() {
        let all: Vec<Format> = [LinkKind::Exact, LinkKind::Compact, LinkKind::Recipe]
            .into_iter()
            .map(Format::Link)
            .chain(FILE_FORMATS.into_iter().map(Format::File))
            .collect();
        for f in &all {
            assert_eq!(Format::parse(f.name()), Some(*f));
        }
        let mut names: Vec<&str> = all.iter().map(|f| f.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), all.len());
        assert_eq!(Format::parse("tiny"), None);
    }
}
