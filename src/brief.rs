//! The data model: a `Brief`, its sections, and the `Passage`s it is searched by.

use serde::{Deserialize, Serialize};

/// One brief as the parser sees it and as the index stores it.
///
/// Field names are a contract: `briefs parse --json` and `briefs show --json`
/// print exactly this object.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Brief {
    pub id: String,
    pub path: String,
    pub title: Option<String>,
    pub summary: Option<String>,
    pub caption: Option<String>,
    pub takeaways: Vec<String>,
    pub analysis: Option<String>,
    pub body: Vec<String>,
    pub source: Option<String>,
    pub date: Option<String>,
    pub url: Option<String>,
    pub actors: Vec<String>,
}

/// The parts of a brief that are searched and returned on their own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Section {
    Title,
    Summary,
    Caption,
    Takeaway,
    Analysis,
    Body,
}

impl Section {
    pub const ALL: [Section; 6] = [
        Section::Title,
        Section::Summary,
        Section::Caption,
        Section::Takeaway,
        Section::Analysis,
        Section::Body,
    ];

    /// The name used in JSON output and with `--section`.
    pub fn name(self) -> &'static str {
        match self {
            Section::Title => "title",
            Section::Summary => "summary",
            Section::Caption => "caption",
            Section::Takeaway => "takeaway",
            Section::Analysis => "analysis",
            Section::Body => "body",
        }
    }

    /// The field name used in queries (`takeaways:missiles`).
    pub fn query_field(self) -> &'static str {
        match self {
            Section::Takeaway => "takeaways",
            other => other.name(),
        }
    }

    /// Accepts the section name, the query field name and a few plurals.
    /// A section named by the user, or the one-line error the CLI and the
    /// HTTP API give for an unknown name.
    pub fn parse(value: &str) -> Result<Section, String> {
        Section::from_name(value).ok_or_else(|| {
            let names: Vec<&str> = Section::ALL.iter().map(|s| s.name()).collect();
            format!(
                "unknown section `{value}`; valid sections are {}",
                names.join(", ")
            )
        })
    }

    pub fn from_name(name: &str) -> Option<Section> {
        let lower = name.trim().to_ascii_lowercase();
        let section = match lower.as_str() {
            "title" | "titles" => Section::Title,
            "summary" | "summaries" | "lede" => Section::Summary,
            "caption" | "captions" => Section::Caption,
            "takeaway" | "takeaways" => Section::Takeaway,
            "analysis" => Section::Analysis,
            "body" => Section::Body,
            _ => return None,
        };
        Some(section)
    }

    /// A small stable number, stored in the index.
    pub fn code(self) -> u64 {
        match self {
            Section::Title => 0,
            Section::Summary => 1,
            Section::Caption => 2,
            Section::Takeaway => 3,
            Section::Analysis => 4,
            Section::Body => 5,
        }
    }

    pub fn from_code(code: u64) -> Option<Section> {
        Section::ALL.into_iter().find(|s| s.code() == code)
    }

    /// How a person reads the place of a passage: "Key Takeaway 3", "Body ¶2".
    pub fn label(self, ordinal: u64) -> String {
        match self {
            Section::Title => "Title".to_string(),
            Section::Summary => "Summary".to_string(),
            Section::Caption => "Caption".to_string(),
            Section::Takeaway => format!("Key Takeaway {ordinal}"),
            Section::Analysis => "Strategic Analysis".to_string(),
            Section::Body => format!("Body ¶{ordinal}"),
        }
    }
}

/// Where a passage stands in its brief's document: its section and its value
/// in that section's field (0 for the one value of a single-valued section,
/// ordinal - 1 for takeaways and body paragraphs), packed in 16 bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PassageId(pub u16);

impl PassageId {
    /// Values past this share the last id (a brief of over 8,000 paragraphs).
    pub const MAX_VALUE: u32 = (1 << 13) - 1;

    pub fn new(section: Section, value: u32) -> PassageId {
        PassageId(((section.code() as u16) << 13) | value.min(Self::MAX_VALUE) as u16)
    }

    pub fn section(self) -> Section {
        Section::from_code(u64::from(self.0 >> 13)).unwrap_or(Section::Body)
    }

    /// The 1-based ordinal of the passage in its section.
    pub fn ordinal(self) -> u64 {
        u64::from(self.0 & Self::MAX_VALUE as u16) + 1
    }
}

/// One searchable unit of a brief. Ordinals count from 1 within a section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Passage<'a> {
    pub section: Section,
    pub ordinal: u64,
    pub text: &'a str,
}

impl Passage<'_> {
    pub fn id(&self) -> PassageId {
        PassageId::new(self.section, self.ordinal.saturating_sub(1) as u32)
    }
}

impl Brief {
    /// The passages of the brief in reading order.
    pub fn passages(&self) -> Vec<Passage<'_>> {
        let mut out = Vec::new();
        for (section, text) in [
            (Section::Title, &self.title),
            (Section::Summary, &self.summary),
            (Section::Caption, &self.caption),
        ] {
            if let Some(text) = text.as_deref().filter(|t| !t.trim().is_empty()) {
                out.push(Passage {
                    section,
                    ordinal: 1,
                    text,
                });
            }
        }
        for (i, text) in self.takeaways.iter().enumerate() {
            out.push(Passage {
                section: Section::Takeaway,
                ordinal: i as u64 + 1,
                text,
            });
        }
        if let Some(text) = self.analysis.as_deref().filter(|t| !t.trim().is_empty()) {
            out.push(Passage {
                section: Section::Analysis,
                ordinal: 1,
                text,
            });
        }
        for (i, text) in self.body.iter().enumerate() {
            out.push(Passage {
                section: Section::Body,
                ordinal: i as u64 + 1,
                text,
            });
        }
        out
    }

    /// True when the brief holds no searchable text at all.
    pub fn is_empty(&self) -> bool {
        self.passages().is_empty()
    }

    /// What to show for the brief when it has no title: its file name.
    pub fn display_title(&self) -> String {
        match &self.title {
            Some(title) => title.clone(),
            None => self.id.rsplit('/').next().unwrap_or(&self.id).to_string(),
        }
    }
}

/// Days since 1970-01-01 of a `YYYY-MM-DD` date (proleptic Gregorian).
pub fn date_days(date: &str) -> Option<i64> {
    let mut parts = date.splitn(3, '-');
    let year: i64 = parts.next()?.parse().ok()?;
    let month: i64 = parts.next()?.parse().ok()?;
    let day: i64 = parts.next()?.get(..2)?.parse().ok()?;
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    Some(crate::when::days_from_civil(year, month, day))
}

/// A stable 64-bit key for a brief id (FNV-1a), used to group passages.
pub fn brief_key(id: &str) -> u64 {
    fnv1a(id.as_bytes())
}

/// FNV-1a over bytes: stable across runs, platforms and Rust versions.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    fnv1a_update(FNV_OFFSET, bytes)
}

/// The FNV-1a hash of nothing, to start a streamed hash from.
pub const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

/// Continues an FNV-1a hash over more bytes.
pub fn fnv1a_update(mut hash: u64, bytes: &[u8]) -> u64 {
    for &b in bytes {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passages_follow_reading_order_and_skip_missing_parts() {
        let brief = Brief {
            id: "x".into(),
            title: Some("T".into()),
            summary: None,
            caption: Some("  ".into()),
            takeaways: vec!["a".into(), "b".into()],
            analysis: Some("an".into()),
            body: vec!["p1".into()],
            ..Brief::default()
        };
        let got: Vec<(Section, u64)> = brief
            .passages()
            .iter()
            .map(|p| (p.section, p.ordinal))
            .collect();
        assert_eq!(
            got,
            vec![
                (Section::Title, 1),
                (Section::Takeaway, 1),
                (Section::Takeaway, 2),
                (Section::Analysis, 1),
                (Section::Body, 1)
            ]
        );
    }

    #[test]
    fn section_names_round_trip() {
        for s in Section::ALL {
            assert_eq!(Section::from_name(s.name()), Some(s));
            assert_eq!(Section::from_name(s.query_field()), Some(s));
            assert_eq!(Section::from_code(s.code()), Some(s));
        }
        assert_eq!(Section::Takeaway.label(3), "Key Takeaway 3");
        assert_eq!(Section::Body.label(2), "Body ¶2");
    }

    #[test]
    fn dates_count_days_from_1970() {
        assert_eq!(date_days("1970-01-01"), Some(0));
        assert_eq!(date_days("2000-03-01"), Some(11_017));
        assert_eq!(date_days("1987-02-26"), Some(6_265));
        assert_eq!(date_days("2026-13-01"), None);
        assert_eq!(date_days("soon"), None);
    }

    #[test]
    fn brief_key_is_stable() {
        assert_eq!(brief_key("a"), 0xaf63_dc4c_8601_ec8c);
    }
}
