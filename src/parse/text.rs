//! Plain-text briefs in the archive format: title, lede, caption, Key
//! Takeaways, Strategic Analysis, publisher stamp, body, page chrome.
//!
//! The parser reads line by line with a small state machine. Sections are
//! recognised by their headings; a section runs until the next heading or
//! publisher stamp. A file with no structural marker at all (no heading,
//! stamp, page chrome, list under a heading or front matter) is plain prose:
//! every paragraph becomes body.

use crate::brief::Brief;
use crate::dates::{self, DateError, DateOrder};

/// The parts of one brief before it gets an id and a path.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Parts {
    pub title: Option<String>,
    pub summary: Option<String>,
    pub caption: Option<String>,
    pub takeaways: Vec<String>,
    pub analysis: Option<String>,
    pub body: Vec<String>,
    pub source: Option<String>,
    pub date: Option<String>,
    pub url: Option<String>,
    /// A `Date:` line whose value is not a date we can read (kept as text).
    pub unread_date: Option<(String, DateError)>,
}

impl Parts {
    pub fn into_brief(self, id: &str, path: &str) -> Brief {
        Brief {
            id: id.to_string(),
            path: path.to_string(),
            title: self.title,
            summary: self.summary,
            caption: self.caption,
            takeaways: self.takeaways,
            analysis: self.analysis,
            body: self.body,
            source: self.source,
            date: self.date,
            url: self.url,
            actors: Vec::new(),
        }
    }
}

/// Headings that open the Key Takeaways list.
const TAKEAWAY_HEADINGS: &[&str] = &["key takeaways", "key takeaway", "takeaways", "key points"];
/// Headings that open the editorial analysis.
const ANALYSIS_HEADINGS: &[&str] = &[
    "strategic analysis",
    "analysis",
    "editor's analysis",
    "editorial analysis",
    "strategic assessment",
];
/// Generic headings that open the body; dropped, as they say nothing.
const BODY_HEADINGS: &[&str] = &[
    "body",
    "details",
    "full story",
    "full text",
    "story",
    "article",
    "report",
    "in detail",
];
/// Page chrome and desk headings: whole lines that are never text.
const CHROME: &[&str] = &[
    "editor's",
    "editors",
    "desk",
    "editor's desk",
    "editors' desk",
    "share article",
    "share this article",
    "share",
    "related articles",
    "related",
    "📰",
    "no related articles found",
    "read more",
    "advertisement",
];

/// A line with a bullet or number in front of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Marker {
    /// `•`, `-`, `*` and friends: the text may carry a glued number.
    Symbol,
    /// `1.` or `1)`: the number is already gone.
    Numbered,
    /// A line in a takeaways section with no marker at all.
    Plain,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Heading {
    Takeaways,
    Analysis,
    /// A known generic body heading ("Details"): dropped.
    Body,
}

/// Lines that belong to the publisher stamp block without naming the
/// publisher: they end the analysis like the stamp does.
const STAMP_LINES: &[&str] = &["strategic insight", "editorial"];

#[derive(Debug, PartialEq)]
enum Line<'a> {
    Blank,
    /// A Markdown `# Title`.
    DocTitle(&'a str),
    Heading(Heading),
    /// A Markdown heading we do not know: kept as a body paragraph.
    OtherHeading(&'a str),
    Chrome,
    /// `X Editorial`: the publisher stamp, naming the source X.
    Stamp(&'a str),
    /// `Strategic Insight`: part of the stamp block, naming no source.
    StampTail,
    Meta(Meta, &'a str),
    Caption(&'a str),
    Item(Marker, &'a str),
    Text(&'a str),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Meta {
    Date,
    Source,
    Url,
}

/// Lower-cases a line for heading lookups: no Markdown marks, no trailing
/// colon, straight apostrophes.
fn heading_key(line: &str) -> String {
    line.trim()
        .trim_start_matches('#')
        .trim()
        .trim_matches(|c| c == '*' || c == '_')
        .trim()
        .trim_end_matches(':')
        .trim()
        .replace(['’', '‘'], "'")
        .to_lowercase()
}

fn classify(raw: &str) -> Line<'_> {
    let line = raw.trim();
    if line.is_empty() {
        return Line::Blank;
    }
    let key = heading_key(line);
    if TAKEAWAY_HEADINGS.contains(&key.as_str()) {
        return Line::Heading(Heading::Takeaways);
    }
    if ANALYSIS_HEADINGS.contains(&key.as_str()) {
        return Line::Heading(Heading::Analysis);
    }
    if CHROME.contains(&key.as_str()) {
        return Line::Chrome;
    }
    if STAMP_LINES.contains(&key.as_str()) {
        return Line::StampTail;
    }
    if is_rule(line) {
        return Line::Blank;
    }
    if let Some(rest) = line.strip_prefix('#') {
        let level = 1 + rest.chars().take_while(|&c| c == '#').count();
        let text = rest.trim_start_matches('#');
        if text.starts_with(char::is_whitespace) && level <= 6 {
            let text = text.trim();
            if text.is_empty() {
                return Line::Chrome;
            }
            if level == 1 {
                return Line::DocTitle(text);
            }
            if BODY_HEADINGS.contains(&key.as_str()) {
                return Line::Heading(Heading::Body);
            }
            return Line::OtherHeading(text);
        }
    }
    if let Some(source) = stamp_source(line) {
        return Line::Stamp(source);
    }
    if let Some((meta, value)) = meta_line(line) {
        return Line::Meta(meta, value);
    }
    if let Some(alt) = image_alt(line) {
        return Line::Caption(alt);
    }
    if let Some((marker, text)) = list_item(line) {
        return Line::Item(marker, text);
    }
    Line::Text(line)
}

/// A Markdown rule: `---`, `***`, `___`, `===`.
fn is_rule(line: &str) -> bool {
    let compact: Vec<char> = line.chars().filter(|c| !c.is_whitespace()).collect();
    compact.len() >= 3
        && ['-', '*', '_', '='].contains(&compact[0])
        && compact.iter().all(|&c| c == compact[0])
}

/// `China Daily Brief Editorial` → `China Daily Brief`.
fn stamp_source(line: &str) -> Option<&str> {
    let source = line.strip_suffix(" Editorial")?.trim();
    looks_like_a_name(source).then_some(source)
}

/// A publisher's name: a few words, capitalised, no sentence punctuation.
fn looks_like_a_name(text: &str) -> bool {
    let words: Vec<&str> = text.split_whitespace().collect();
    (1..=6).contains(&words.len())
        && text.len() <= 60
        && words
            .iter()
            .all(|w| w.starts_with(|c: char| c.is_uppercase() || c.is_ascii_digit() || c == '&'))
        && !text.ends_with(['.', ',', ';', ':', '!', '?'])
}

fn meta_line(line: &str) -> Option<(Meta, &str)> {
    let (key, value) = line.split_once(':')?;
    let value = value.trim();
    if value.is_empty() || line.len() > 200 {
        return None;
    }
    let meta = match key.trim().to_ascii_lowercase().as_str() {
        "date" | "published" | "dated" => Meta::Date,
        "source" | "publisher" => Meta::Source,
        "url" | "link" => Meta::Url,
        _ => return None,
    };
    Some((meta, value))
}

/// `![alt](src)` on a line of its own, or `Caption: ...` / `Photo: ...`.
fn image_alt(line: &str) -> Option<&str> {
    if let Some(rest) = line.strip_prefix("![") {
        let (alt, tail) = rest.split_once("](")?;
        if tail.ends_with(')') && !alt.trim().is_empty() {
            return Some(alt.trim());
        }
        return None;
    }
    let (key, value) = line.split_once(':')?;
    let is_caption = matches!(
        key.trim().to_ascii_lowercase().as_str(),
        "caption" | "photo" | "image" | "picture"
    );
    (is_caption && !value.trim().is_empty()).then(|| value.trim())
}

const BULLETS: &[char] = &['•', '◦', '▪', '▫', '‣', '·', '●', '○', '■', '□', '➢', '►'];
const ASCII_BULLETS: &[char] = &['-', '*', '+', '–', '—'];

fn list_item(line: &str) -> Option<(Marker, &str)> {
    let first = line.chars().next()?;
    if BULLETS.contains(&first) {
        return Some((Marker::Symbol, line[first.len_utf8()..].trim()));
    }
    if ASCII_BULLETS.contains(&first) {
        let rest = &line[first.len_utf8()..];
        if rest.starts_with(char::is_whitespace) && !rest.trim().is_empty() {
            return Some((Marker::Symbol, rest.trim()));
        }
        return None;
    }
    let digits = line.chars().take_while(char::is_ascii_digit).count();
    if (1..=3).contains(&digits) {
        let rest = &line[digits..];
        let after = rest.strip_prefix('.').or_else(|| rest.strip_prefix(')'))?;
        if after.starts_with(char::is_whitespace) && !after.trim().is_empty() {
            return Some((Marker::Numbered, after.trim()));
        }
    }
    None
}

/// Strips the item numbers that archives glue to the text (`• 1The U.S.`).
///
/// The rule: a list is "glued" when every item starts with its own 1-based
/// ordinal, and either the list has two or more items or the character after
/// the ordinal is not a digit. In a glued list exactly the ordinal is removed
/// from each item, so item 2 written `22026 will ...` keeps "2026 will ...",
/// and a list whose items do not all carry their ordinals ("2026 will ..." as
/// the text of a `-` bullet) is left alone.
fn strip_glued_numbers(items: &mut [(Marker, String)]) {
    let candidates: Vec<usize> = items
        .iter()
        .enumerate()
        .filter(|(_, (m, _))| *m != Marker::Numbered)
        .map(|(i, _)| i)
        .collect();
    if candidates.is_empty() {
        return;
    }
    let all_glued = candidates
        .iter()
        .all(|&i| items[i].1.starts_with(&(i + 1).to_string()));
    if !all_glued {
        return;
    }
    // Every candidate starts with its ordinal (ASCII digits), so slicing
    // after it stays on a character boundary.
    let single_ok = candidates.len() > 1 || {
        let i = candidates[0];
        let ordinal = (i + 1).to_string();
        !items[i].1[ordinal.len()..].starts_with(|c: char| c.is_ascii_digit())
    };
    if !single_ok {
        return;
    }
    for &i in &candidates {
        let ordinal = (i + 1).to_string();
        let rest = items[i].1[ordinal.len()..].trim_start();
        let rest = rest
            .strip_prefix(['.', ')', ':'])
            .map(str::trim_start)
            .unwrap_or(rest);
        if !rest.is_empty() {
            items[i].1 = rest.to_string();
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Zone {
    Header,
    Takeaways,
    Analysis,
    Body,
}

/// What the open paragraph is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Open {
    Para,
    Item(Marker),
}

/// A line longer than this ends its paragraph: the file holds one paragraph
/// a line rather than hard-wrapped prose.
const UNWRAPPED_LINE: usize = 150;

#[derive(Default)]
struct Builder {
    zone: Option<Zone>,
    structured: bool,
    doc_title: Option<String>,
    header: Vec<String>,
    items: Vec<(Marker, String)>,
    list_has_markers: bool,
    analysis: Vec<String>,
    body: Vec<String>,
    explicit_caption: Option<String>,
    source: Option<String>,
    date: Option<String>,
    url: Option<String>,
    /// A section (takeaways, analysis, stamp) came after the header.
    sections_after_header: bool,
    open: Option<(Open, String)>,
    last_line_len: usize,
    /// The first line was taken as the title, but the next line followed it
    /// directly: in plain prose, that was a wrapped first paragraph.
    first_line_continued: bool,
    /// Just after a publisher stamp, where the publisher's name repeats.
    after_stamp: bool,
    /// The length of the second line when it followed the first directly.
    second_line_len: usize,
    date_order: Option<DateOrder>,
    unread_date: Option<(String, DateError)>,
}

impl Builder {
    fn zone(&self) -> Zone {
        self.zone.unwrap_or(Zone::Header)
    }

    fn flush(&mut self) {
        let Some((open, text)) = self.open.take() else {
            return;
        };
        match (open, self.zone()) {
            (Open::Item(marker), Zone::Takeaways) => self.items.push((marker, text)),
            (Open::Item(_), Zone::Header) => {
                self.zone = Some(Zone::Body);
                self.body.push(text);
            }
            (Open::Item(_), Zone::Analysis) => self.analysis.push(text),
            (Open::Item(_), Zone::Body) => self.body.push(text),
            (Open::Para, Zone::Header) => self.header.push(text),
            (Open::Para, Zone::Takeaways) => {
                if self.list_has_markers {
                    self.zone = Some(Zone::Body);
                    self.body.push(text);
                } else {
                    self.items.push((Marker::Plain, text));
                }
            }
            (Open::Para, Zone::Analysis) => self.analysis.push(text),
            (Open::Para, Zone::Body) => self.body.push(text),
        }
    }

    fn enter(&mut self, zone: Zone) {
        self.flush();
        self.structured = true;
        if zone != Zone::Body {
            self.sections_after_header = true;
        }
        if zone == Zone::Takeaways {
            self.list_has_markers = false;
        }
        self.zone = Some(zone);
    }

    fn text_line(&mut self, text: &str) {
        // In the header, the very first line is the title on its own.
        let first_line = self.zone() == Zone::Header
            && self.doc_title.is_none()
            && self.header.is_empty()
            && self.open.is_none();
        if self.zone() == Zone::Header
            && self.header.len() == 1
            && self.open.is_none()
            && self.doc_title.is_none()
            && self.last_line_len > 0
        {
            self.first_line_continued = true;
            self.second_line_len = text.len();
        }
        // Unmarked takeaways are one a line.
        let one_a_line = self.zone() == Zone::Takeaways && !self.list_has_markers;
        match &mut self.open {
            Some((Open::Para, buf)) if self.last_line_len <= UNWRAPPED_LINE && !one_a_line => {
                buf.push(' ');
                buf.push_str(text);
            }
            Some((Open::Item(_), buf)) => {
                buf.push(' ');
                buf.push_str(text);
            }
            _ => {
                self.flush();
                self.open = Some((Open::Para, text.to_string()));
            }
        }
        if first_line || one_a_line {
            self.flush();
        }
    }

    fn line(&mut self, raw: &str) {
        let line = classify(raw);
        match line {
            Line::Blank => self.flush(),
            Line::DocTitle(title) => {
                self.flush();
                self.structured = true;
                if self.doc_title.is_none() && self.header.is_empty() {
                    self.doc_title = Some(title.to_string());
                } else if self.doc_title.as_deref() != Some(title) {
                    self.body.push(title.to_string());
                }
            }
            Line::Heading(Heading::Takeaways) => self.enter(Zone::Takeaways),
            Line::Heading(Heading::Analysis) => self.enter(Zone::Analysis),
            Line::Heading(Heading::Body) => self.enter(Zone::Body),
            Line::OtherHeading(text) => {
                self.enter(Zone::Body);
                self.body.push(text.to_string());
            }
            Line::Chrome => {
                self.flush();
                self.structured = true;
            }
            Line::Stamp(source) => {
                self.enter(Zone::Body);
                self.after_stamp = true;
                self.sections_after_header = true;
                self.source.get_or_insert_with(|| source.to_string());
            }
            Line::StampTail => {
                self.enter(Zone::Body);
                self.after_stamp = true;
                self.sections_after_header = true;
            }
            Line::Meta(meta, value) if self.zone() == Zone::Header => {
                self.flush();
                self.structured = true;
                let slot = match meta {
                    Meta::Date => {
                        match dates::parse_date(value, self.date_order) {
                            Ok(date) => {
                                self.date.get_or_insert(dates::format_date(date));
                            }
                            Err(err) => {
                                self.unread_date.get_or_insert((value.to_string(), err));
                                self.text_line(raw.trim());
                            }
                        }
                        return;
                    }
                    Meta::Source => &mut self.source,
                    Meta::Url => &mut self.url,
                };
                slot.get_or_insert_with(|| value.to_string());
            }
            Line::Caption(alt) if self.explicit_caption.is_none() => {
                self.flush();
                self.structured = true;
                self.explicit_caption = Some(alt.to_string());
            }
            Line::Item(marker, text) => {
                self.flush();
                if self.zone() == Zone::Takeaways {
                    self.list_has_markers = true;
                }
                self.open = Some((Open::Item(marker), text.to_string()));
            }
            Line::Text(text) => {
                // The publisher's name under its stamp: repeated, or the
                // only name the stamp block gives.
                let repeated = self.after_stamp
                    && match self.source.as_deref() {
                        Some(source) => source == text,
                        None => looks_like_a_name(text),
                    };
                if repeated && self.source.is_none() {
                    self.source = Some(text.to_string());
                }
                self.after_stamp = false;
                if repeated {
                    self.flush();
                } else {
                    self.text_line(text);
                }
            }
            Line::Meta(..) | Line::Caption(_) => self.text_line(raw.trim()),
        }
        self.last_line_len = raw.trim().len();
    }

    fn finish(mut self) -> Parts {
        self.flush();
        let mut parts = Parts {
            source: self.source,
            date: self.date,
            url: self.url,
            unread_date: self.unread_date,
            ..Parts::default()
        };
        let mut header = self.header.into_iter();
        if !self.structured {
            let mut body: Vec<String> = header.chain(self.body).collect();
            let first_is_title = body.len() >= 2
                && looks_like_a_headline(&body[0])
                && (!self.first_line_continued || body[0].len() * 5 < self.second_line_len * 3);
            if first_is_title {
                parts.title = Some(body.remove(0));
            } else if self.first_line_continued && body.len() >= 2 {
                let second = body.remove(1);
                body[0] = format!("{} {second}", body[0]);
            }
            parts.body = body;
            return parts;
        }
        parts.title = self.doc_title.or_else(|| header.next());
        parts.summary = header.next();
        let mut rest: Vec<String> = header.collect();
        parts.caption = self.explicit_caption;
        if parts.caption.is_none()
            && self.sections_after_header
            && rest.first().is_some_and(|c| c.len() <= 300)
        {
            parts.caption = Some(rest.remove(0));
        }
        rest.extend(self.body);
        parts.body = rest;
        strip_glued_numbers(&mut self.items);
        parts.takeaways = self.items.into_iter().map(|(_, t)| t).collect();
        if !self.analysis.is_empty() {
            parts.analysis = Some(self.analysis.join("\n\n"));
        }
        parts
    }
}

/// The first line of a file without brief structure is its title when it
/// reads as a headline: at most 120 characters and 20 words, holding a
/// letter, not starting with a lower-case word (`iTunes` is fine, `the` is
/// not), and not ending in a full stop (`...` is fine), comma, colon or
/// semicolon. (The caller also asks that more text follows, and that a
/// line following it directly is much longer, unlike hard-wrapped prose.)
fn looks_like_a_headline(line: &str) -> bool {
    let line = line.trim();
    let first_word = line.split_whitespace().next().unwrap_or("");
    let lower_start =
        first_word.starts_with(char::is_lowercase) && !first_word.chars().any(char::is_uppercase);
    let full_stop = line.ends_with('.') && !line.ends_with("...");
    line.chars().count() <= 120
        && line.split_whitespace().count() <= 20
        && line.chars().any(char::is_alphabetic)
        && !lower_start
        && !full_stop
        && !line.ends_with([',', ':', ';'])
}

/// Parses a plain-text brief (already decoded, line ends `\n`); `order`
/// settles dates such as `7/2/2017`.
pub fn parse(content: &str, order: Option<DateOrder>) -> Parts {
    let mut builder = Builder {
        date_order: order,
        ..Builder::default()
    };
    for raw in content.lines() {
        builder.line(raw);
    }
    builder.finish()
}

/// Parses the text after Markdown front matter; `known` holds what the
/// front matter said (it wins over what the text says).
pub(super) fn parse_with(
    content: &str,
    known: Parts,
    structured: bool,
    order: Option<DateOrder>,
) -> Parts {
    let mut builder = Builder {
        date_order: order,
        structured,
        doc_title: known.title,
        source: known.source,
        date: known.date,
        url: known.url,
        explicit_caption: known.caption,
        unread_date: known.unread_date,
        ..Builder::default()
    };
    for raw in content.lines() {
        builder.line(raw);
    }
    let mut parts = builder.finish();
    if let Some(summary) = known.summary {
        if let Some(lede) = parts.summary.replace(summary) {
            parts.body.insert(0, lede);
        }
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A brief of our own in the archive's exact layout.
    const ARCHIVE_BRIEF: &str = "Ankara Offers to Host Black Sea Grain Talks as Kyiv and Moscow Trade Strikes

Turkey has offered to host a new round of talks on Black Sea shipping, as drone attacks on ports threaten the corridor. Kyiv welcomed the offer; Moscow said it would study it.

Bulk carriers waiting at anchor off the Bosphorus at dawn.

Key Takeaways

  • 1Turkey offered Istanbul as the venue for talks on safe passage for grain ships.
  • 2Ukraine accepted in principle, while Russia asked for sanctions relief on fertiliser exports.
  • 3Insurers raised war-risk premiums for the third time this quarter.

Editor's
Desk

Strategic Analysis

Ankara is using its control of the straits to stay indispensable to both sides. The offer costs it little and buys standing with Brussels and Moscow alike.

China Daily Brief Editorial
Strategic Insight
China Daily Brief

Turkish officials said the talks could open within two weeks if both delegations agree on an agenda.

Ukrainian grain exports fell by a fifth last month after strikes on Odesa's port facilities.

In short, the corridor survives on diplomacy as much as on naval escorts.

Share Article

Related Articles

📰
No related articles found
";

    #[test]
    fn archive_layout_splits_into_every_part() {
        let p = parse(ARCHIVE_BRIEF, None);
        assert_eq!(
            p.title.as_deref(),
            Some("Ankara Offers to Host Black Sea Grain Talks as Kyiv and Moscow Trade Strikes")
        );
        assert!(p
            .summary
            .as_deref()
            .unwrap()
            .starts_with("Turkey has offered"));
        assert_eq!(
            p.caption.as_deref(),
            Some("Bulk carriers waiting at anchor off the Bosphorus at dawn.")
        );
        assert_eq!(
            p.takeaways,
            vec![
                "Turkey offered Istanbul as the venue for talks on safe passage for grain ships.",
                "Ukraine accepted in principle, while Russia asked for sanctions relief on fertiliser exports.",
                "Insurers raised war-risk premiums for the third time this quarter.",
            ]
        );
        assert!(p
            .analysis
            .as_deref()
            .unwrap()
            .starts_with("Ankara is using"));
        assert_eq!(p.source.as_deref(), Some("China Daily Brief"));
        assert_eq!(p.body.len(), 3);
        assert!(p.body[0].starts_with("Turkish officials"));
        assert!(p.body[2].starts_with("In short"));
        let all = format!("{p:?}");
        for chrome in [
            "Editor's",
            "Desk\"",
            "Strategic Analysis",
            "Strategic Insight",
            "Editorial",
            "Share Article",
            "Related Articles",
            "📰",
            "No related",
        ] {
            assert!(!all.contains(chrome), "{chrome} leaked into {all}");
        }
    }

    #[test]
    fn missing_takeaways_analysis_and_caption() {
        let text = "Sudan Truce Talks Stall in Jeddah\n\nMediators paused the talks after both sides accused the other of violations.\n\nChina Daily Brief Editorial\nStrategic Insight\nChina Daily Brief\n\nThe army said it would not return until the RSF left residential areas.\n\nAid agencies warned of famine in Darfur.\n\nShare Article\n";
        let p = parse(text, None);
        assert_eq!(
            p.title.as_deref(),
            Some("Sudan Truce Talks Stall in Jeddah")
        );
        assert!(p.summary.as_deref().unwrap().starts_with("Mediators"));
        assert_eq!(p.caption, None);
        assert!(p.takeaways.is_empty());
        assert_eq!(p.analysis, None);
        assert_eq!(p.body.len(), 2);
        assert_eq!(p.source.as_deref(), Some("China Daily Brief"));
    }

    #[test]
    fn no_caption_when_lede_is_followed_by_takeaways() {
        let text = "Title Here\n\nThe lede sentence.\n\nKey Takeaways\n\n  • 1One.\n  • 2Two.\n";
        let p = parse(text, None);
        assert_eq!(p.caption, None);
        assert_eq!(p.summary.as_deref(), Some("The lede sentence."));
        assert_eq!(p.takeaways, vec!["One.", "Two."]);
    }

    #[test]
    fn sections_in_another_order() {
        let text = "Title\n\nLede.\n\nStrategic Analysis\n\nThe analysis comes first here.\n\nKey Takeaways\n\n- First point.\n- Second point.\n\nBody after the list.\n";
        let p = parse(text, None);
        assert_eq!(
            p.analysis.as_deref(),
            Some("The analysis comes first here.")
        );
        assert_eq!(p.takeaways, vec!["First point.", "Second point."]);
        assert_eq!(p.body, vec!["Body after the list."]);
    }

    #[test]
    fn every_bullet_style() {
        for (bullets, expected) in [
            ("• Alpha.\n• Beta.", vec!["Alpha.", "Beta."]),
            ("- Alpha.\n- Beta.", vec!["Alpha.", "Beta."]),
            ("* Alpha.\n* Beta.", vec!["Alpha.", "Beta."]),
            ("1. Alpha.\n2. Beta.", vec!["Alpha.", "Beta."]),
            ("1) Alpha.\n2) Beta.", vec!["Alpha.", "Beta."]),
            ("  • 1Alpha.\n  • 2Beta.", vec!["Alpha.", "Beta."]),
            ("•1 Alpha.\n•2 Beta.", vec!["Alpha.", "Beta."]),
        ] {
            let text =
                format!("T\n\nLede.\n\nKey Takeaways\n\n{bullets}\n\nStrategic Analysis\n\nA.\n");
            assert_eq!(parse(&text, None).takeaways, expected, "bullets: {bullets}");
        }
    }

    #[test]
    fn glued_numbers_beyond_nine() {
        let items: String = (1..=12)
            .map(|i| format!("  • {i}The point number {i}.\n"))
            .collect();
        let text = format!("T\n\nLede.\n\nKey Takeaways\n\n{items}\nStrategic Analysis\n\nA.\n");
        let p = parse(&text, None);
        assert_eq!(p.takeaways.len(), 12);
        assert_eq!(p.takeaways[9], "The point number 10.");
        assert_eq!(p.takeaways[11], "The point number 12.");
    }

    #[test]
    fn a_takeaway_that_starts_with_a_year_keeps_it() {
        // Glued list: item 2 is "2026 will ...", written "22026 will ...".
        let text = "T\n\nLede.\n\nKey Takeaways\n\n  • 1Talks resume.\n  • 22026 will test the truce.\n  • 3Oil eases.\n";
        assert_eq!(
            parse(text, None).takeaways,
            vec!["Talks resume.", "2026 will test the truce.", "Oil eases."]
        );
        // Not glued: the items do not carry their ordinals, nothing is stripped.
        let text = "T\n\nLede.\n\nKey Takeaways\n\n- 2026 will test the truce.\n- Oil eases.\n";
        assert_eq!(
            parse(text, None).takeaways,
            vec!["2026 will test the truce.", "Oil eases."]
        );
        // A single glued item followed by a digit is not a glued number.
        let text = "T\n\nLede.\n\nKey Takeaways\n\n• 1990 was the last time.\n";
        assert_eq!(parse(text, None).takeaways, vec!["1990 was the last time."]);
    }

    #[test]
    fn a_list_that_is_not_glued_is_never_sliced() {
        // Found by the property test: multi-byte text where an ordinal was
        // expected.
        let text = "T\n\nLede.\n\nKey Takeaways\n\n• ’“”\n";
        assert_eq!(parse(text, None).takeaways, vec!["’“”"]);
    }

    #[test]
    fn unmarked_takeaways_are_one_a_line() {
        let text =
            "T\n\nLede.\n\nKey Takeaways\nFirst point.\nSecond point.\n\nStrategic Analysis\nA.\n";
        assert_eq!(
            parse(text, None).takeaways,
            vec!["First point.", "Second point."]
        );
    }

    #[test]
    fn no_structure_means_all_body_under_a_headline() {
        let text =
            "Short opening line\n\nA paragraph of prose about ports.\n\nAnother paragraph.\n";
        let p = parse(text, None);
        assert_eq!(p.title.as_deref(), Some("Short opening line"));
        assert_eq!(p.summary, None);
        assert_eq!(
            p.body,
            vec!["A paragraph of prose about ports.", "Another paragraph."]
        );
        // A first paragraph that is a sentence is not a title.
        let text = "Ports reopened on Monday.\n\nAnother paragraph.\n";
        let p = parse(text, None);
        assert_eq!(p.title, None);
        assert_eq!(p.body.len(), 2);
        // Nor is the only paragraph.
        assert_eq!(parse("Just a line\n", None).title, None);
        // Headlines as archives write them.
        for headline in [
            "$1m payoff for former Shell boss",
            "iTunes now selling charity song",
            "Rivals of the cheapest laptop...",
            "\u{a3}1.8m fine for broadcaster",
            "Why did the talks fail?",
        ] {
            let p = parse(&format!("{headline}\n\nThe story.\n"), None);
            assert_eq!(p.title.as_deref(), Some(headline));
        }
        for not_headline in ["the talks failed", "Talks failed.", "In short:"] {
            let p = parse(&format!("{not_headline}\n\nThe story.\n"), None);
            assert_eq!(p.title, None, "{not_headline}");
        }
    }

    #[test]
    fn a_headline_followed_directly_by_its_story() {
        let text = "Ad sales lift media group profit\nQuarterly profits at the media group rose by a tenth in the three months to December, helped by advertising.\n\nIts shares rose.\n";
        let p = parse(text, None);
        assert_eq!(p.title.as_deref(), Some("Ad sales lift media group profit"));
        assert_eq!(p.body.len(), 2);
        // Hard-wrapped prose: the first line is as long as the next.
        let text = "Dredging of the main channel restarted on Monday after\na pause of two years, the port authority said on Tuesday.\n\nMore.\n";
        let p = parse(text, None);
        assert_eq!(p.title, None);
        assert!(
            p.body[0].starts_with("Dredging of the main channel restarted on Monday after a pause")
        );
    }

    #[test]
    fn hard_wrapped_paragraphs_are_joined() {
        let text = "A paragraph that was\nwrapped by an editor\nat short widths.\n\nNext one.\n";
        assert_eq!(
            parse(text, None).body,
            vec![
                "A paragraph that was wrapped by an editor at short widths.",
                "Next one."
            ]
        );
    }

    #[test]
    fn curly_quotes_in_headings_and_text() {
        let text = "Title\n\n“Quoted” lede.\n\nKey Takeaways\n\n• 1Israel’s view.\n\nEditor’s\nDesk\n\nStrategic Analysis\n\nIt’s fragile.\n";
        let p = parse(text, None);
        assert_eq!(p.summary.as_deref(), Some("“Quoted” lede."));
        assert_eq!(p.takeaways, vec!["Israel’s view."]);
        assert_eq!(p.analysis.as_deref(), Some("It’s fragile."));
        assert!(p.body.is_empty());
    }

    #[test]
    fn meta_lines_in_the_header() {
        let text =
            "Title\nDate: 2026-03-04\nSource: Gulf Monitor\n\nLede.\n\nKey Takeaways\n\n- One.\n";
        let p = parse(text, None);
        assert_eq!(p.date.as_deref(), Some("2026-03-04"));
        assert_eq!(p.source.as_deref(), Some("Gulf Monitor"));
        assert_eq!(p.summary.as_deref(), Some("Lede."));
    }

    #[test]
    fn a_stamp_block_without_its_editorial_line_still_names_the_source() {
        let text = "T\n\nLede.\n\nStrategic Analysis\n\nThe analysis.\n\nStrategic Insight\nGulf Monitor\n\nBody one.\n";
        let p = parse(text, None);
        assert_eq!(p.analysis.as_deref(), Some("The analysis."));
        assert_eq!(p.source.as_deref(), Some("Gulf Monitor"));
        assert_eq!(p.body, vec!["Body one."]);
        // A sentence after the block is body, not a source.
        let text = "T\n\nLede.\n\nStrategic Analysis\n\nA.\n\nStrategic Insight\n\nThe body starts here.\n";
        let p = parse(text, None);
        assert_eq!(p.source, None);
        assert_eq!(p.body, vec!["The body starts here."]);
    }

    #[test]
    fn unknown_text_is_never_dropped() {
        let text = "T\n\nLede.\n\nKey Takeaways\n\n- One.\n\nEditor's\nDesk\n\nStrategic Analysis\n\nA.\n\nSomething Editorial\nStrategic Insight\nSomething\n\nBody one.\n\nBody two.\n";
        let p = parse(text, None);
        assert_eq!(p.source.as_deref(), Some("Something"));
        assert_eq!(p.body, vec!["Body one.", "Body two."]);
    }
}
