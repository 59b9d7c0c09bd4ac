//! Files to briefs: format detection, decoding, and the parts every format shares.
//!
//! Parsing is pure: bytes in, briefs and diagnostics out. It never panics and
//! never drops text that is not known boilerplate.

mod csv;
pub mod fields;
mod html;
mod json;
mod markdown;
mod record;
mod text;

use std::collections::BTreeSet;
use std::path::Path;

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use crate::brief::Brief;
use crate::dates::{DateError, DateOrder};

pub use fields::FieldMap;
pub use text::Parts;

/// The source formats `briefs` reads, chosen by file extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Markdown,
    Json,
    JsonLines,
    Csv,
    Tsv,
    Html,
}

/// The extensions read, for messages.
pub const EXTENSIONS: &str = ".txt, .md, .json, .jsonl, .ndjson, .csv, .tsv, .html, .htm";

impl Format {
    pub fn from_path(path: &Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "txt" | "text" => Some(Format::Text),
            "md" | "markdown" => Some(Format::Markdown),
            "json" => Some(Format::Json),
            "jsonl" | "ndjson" => Some(Format::JsonLines),
            "csv" => Some(Format::Csv),
            "tsv" | "tab" => Some(Format::Tsv),
            "html" | "htm" | "xhtml" => Some(Format::Html),
            _ => None,
        }
    }
}

/// How files are read: the user's column mappings and date order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ParseOptions {
    #[serde(default)]
    pub fields: FieldMap,
    #[serde(default)]
    pub date_order: Option<DateOrder>,
}

impl ParseOptions {
    /// True for the defaults (nothing to remember).
    pub fn is_default(&self) -> bool {
        *self == ParseOptions::default()
    }
}

/// Dates of a file that could not be read: counted, the first one kept for
/// the file's one warning line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BadDates {
    pub count: usize,
    /// Where and what the first one was.
    pub first: Option<(String, String)>,
    /// Some were day/month figures that an order would settle.
    pub ambiguous: bool,
}

impl BadDates {
    pub fn add(&mut self, where_: &str, raw: &str, err: DateError) {
        self.count += 1;
        self.ambiguous |= err == DateError::Ambiguous;
        if self.first.is_none() {
            self.first = Some((where_.to_string(), raw.to_string()));
        }
    }

    fn merge(&mut self, other: &BadDates) {
        self.count += other.count;
        self.ambiguous |= other.ambiguous;
        if self.first.is_none() {
            self.first = other.first.clone();
        }
    }

    /// The file's one warning line.
    fn warning(&self, display_path: &str) -> Option<String> {
        let (where_, raw) = self.first.as_ref()?;
        let at = if where_ == display_path {
            String::new()
        } else {
            format!(" at {where_}")
        };
        let hint = if self.ambiguous {
            "; day and month could be either way round: give --date-order dmy or mdy"
        } else {
            ""
        };
        Some(if self.count == 1 {
            format!("{display_path}: date `{raw}`{at} not understood; left out{hint}")
        } else {
            format!(
                "{display_path}: {} dates not understood, the first `{raw}`{at}; left out{hint}",
                self.count
            )
        })
    }
}

/// Something in a file that was not turned into a brief, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skip {
    /// The file, or `file:line` for one record of a JSON Lines file.
    pub what: String,
    pub reason: String,
}

/// What a file parsed into.
#[derive(Debug, Default)]
pub struct ParsedFile {
    pub briefs: Vec<Brief>,
    /// Problems that did not stop parsing (lossy decoding, ignored fields).
    pub warnings: Vec<String>,
    pub skipped: Vec<Skip>,
    /// Dates not understood (one warning line per file says which).
    pub bad_dates: BadDates,
    /// Record columns (CSV, JSON) that fill no brief field and held text.
    pub ignored_fields: BTreeSet<String>,
}

impl ParsedFile {
    fn skip(what: &str, reason: impl Into<String>) -> ParsedFile {
        ParsedFile {
            skipped: vec![Skip {
                what: what.to_string(),
                reason: reason.into(),
            }],
            ..ParsedFile::default()
        }
    }
}

/// Parses a file from disk, for `briefs parse`. The id is the file stem.
pub fn parse_path(path: &Path, options: &ParseOptions) -> Result<ParsedFile> {
    let bytes =
        std::fs::read(path).with_context(|| format!("failed to read {}", path.display()))?;
    let format = Format::from_path(path).unwrap_or(Format::Text);
    let display = path.display().to_string();
    let id_base = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| display.clone());
    Ok(parse_bytes(&display, &id_base, format, &bytes, options))
}

/// Parses the bytes of one file.
///
/// `display_path` names the file in briefs and messages; `id_base` is the
/// stable id of a text brief (the path relative to the corpus root, without
/// extension) and the prefix of record ids in JSON archives (`base#id`).
pub fn parse_bytes(
    display_path: &str,
    id_base: &str,
    format: Format,
    bytes: &[u8],
    options: &ParseOptions,
) -> ParsedFile {
    let (content, note) = decode(bytes, display_path);
    if content.trim().is_empty() {
        return ParsedFile::skip(display_path, "empty file");
    }
    if content.contains('\0') {
        return ParsedFile::skip(display_path, "binary file (contains NUL bytes)");
    }
    let mut parsed = match format {
        Format::Json | Format::JsonLines => json::parse(
            display_path,
            id_base,
            &content,
            format == Format::JsonLines,
            options,
        ),
        Format::Csv | Format::Tsv => csv::parse(
            display_path,
            id_base,
            &content,
            format == Format::Tsv,
            options,
        ),
        Format::Text | Format::Markdown | Format::Html => {
            let mut bad_dates = BadDates::default();
            let parts = match format {
                Format::Markdown => markdown::parse(&content, options.date_order),
                Format::Html => {
                    let page = html::parse(&content, display_path, options);
                    bad_dates = page.bad_dates;
                    page.parts
                }
                _ => text::parse(&content, options.date_order),
            };
            if let Some((raw, err)) = &parts.unread_date {
                bad_dates.add(display_path, raw, *err);
            }
            let mut brief = parts.into_brief(id_base, display_path);
            if brief.date.is_none() {
                brief.date = date_from_file_name(id_base);
            }
            let mut parsed = if brief.is_empty() {
                ParsedFile::skip(display_path, "no text besides boilerplate")
            } else {
                ParsedFile {
                    briefs: vec![brief],
                    ..ParsedFile::default()
                }
            };
            parsed.bad_dates = bad_dates;
            parsed
        }
    };
    for brief in &mut parsed.briefs {
        brief.body = split_long_paragraphs(std::mem::take(&mut brief.body));
    }
    if let Some(warning) = parsed.bad_dates.warning(display_path) {
        parsed.warnings.push(warning);
    }
    if let Some(note) = note {
        parsed.warnings.insert(0, note);
    }
    parsed
}

/// Records of a JSON Lines file parsed as they are read, a batch at a time,
/// so that a file of any size needs memory for one batch only. Returns the
/// file's content hash (`brief::fnv1a` of its bytes) and its size. A file
/// in UTF-16 (by its byte order mark) is read whole instead.
pub fn stream_json_lines<R: std::io::BufRead>(
    display_path: &str,
    id_base: &str,
    mut reader: R,
    options: &ParseOptions,
    mut each: impl FnMut(ParsedFile) -> Result<()>,
) -> Result<(u64, u64)> {
    const BATCH: usize = 512;
    let start = reader
        .fill_buf()
        .with_context(|| format!("failed to read {display_path}"))?;
    if start.starts_with(&[0xFF, 0xFE]) || start.starts_with(&[0xFE, 0xFF]) {
        let mut bytes = Vec::new();
        reader
            .read_to_end(&mut bytes)
            .with_context(|| format!("failed to read {display_path}"))?;
        each(parse_bytes(
            display_path,
            id_base,
            Format::JsonLines,
            &bytes,
            options,
        ))?;
        return Ok((crate::brief::fnv1a(&bytes), bytes.len() as u64));
    }
    let mut hash = crate::brief::FNV_OFFSET;
    let mut bytes_read = 0u64;
    let mut line = Vec::new();
    let mut batch = ParsedFile::default();
    let mut noted = false;
    let mut any_text = false;
    let mut bad_dates = BadDates::default();
    for line_no in 1.. {
        line.clear();
        let n = reader
            .read_until(b'\n', &mut line)
            .with_context(|| format!("failed to read {display_path}"))?;
        if n == 0 {
            break;
        }
        bytes_read += n as u64;
        hash = crate::brief::fnv1a_update(hash, &line);
        let mut bytes = line.as_slice();
        if line_no == 1 {
            bytes = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
        }
        let text = match std::str::from_utf8(bytes) {
            Ok(text) => std::borrow::Cow::Borrowed(text),
            Err(_) => {
                if !noted {
                    batch.warnings.push(not_utf8(display_path));
                    noted = true;
                }
                encoding_rs::WINDOWS_1252
                    .decode_without_bom_handling(bytes)
                    .0
            }
        };
        let text = text.trim_end_matches(['\n', '\r']);
        any_text |= !text.trim().is_empty();
        json::parse_line(&mut batch, display_path, id_base, line_no, text, options);
        if batch.briefs.len() + batch.skipped.len() >= BATCH {
            for brief in &mut batch.briefs {
                brief.body = split_long_paragraphs(std::mem::take(&mut brief.body));
            }
            bad_dates.merge(&batch.bad_dates);
            each(std::mem::take(&mut batch))?;
        }
    }
    if !any_text {
        batch.skipped.push(Skip {
            what: display_path.to_string(),
            reason: "empty file".to_string(),
        });
    }
    for brief in &mut batch.briefs {
        brief.body = split_long_paragraphs(std::mem::take(&mut brief.body));
    }
    bad_dates.merge(&batch.bad_dates);
    if let Some(warning) = bad_dates.warning(display_path) {
        batch.warnings.push(warning);
    }
    each(batch)?;
    Ok((hash, bytes_read))
}

/// A body paragraph longer than this is cut into passages of about
/// `PASSAGE_TARGET` bytes, at sentence ends where possible: one passage is
/// what a hit shows and what a snippet re-reads.
const LONG_PARAGRAPH: usize = 16 * 1024;
const PASSAGE_TARGET: usize = 4 * 1024;

fn split_long_paragraphs(paragraphs: Vec<String>) -> Vec<String> {
    if paragraphs.iter().all(|p| p.len() <= LONG_PARAGRAPH) {
        return paragraphs;
    }
    let mut out = Vec::with_capacity(paragraphs.len());
    for paragraph in paragraphs {
        if paragraph.len() <= LONG_PARAGRAPH {
            out.push(paragraph);
            continue;
        }
        let mut rest = paragraph.as_str();
        while rest.len() > PASSAGE_TARGET * 2 {
            let mut limit = PASSAGE_TARGET;
            while !rest.is_char_boundary(limit) {
                limit -= 1;
            }
            let window = &rest[..limit];
            let cut = window
                .rfind(". ")
                .map(|i| i + 1)
                .filter(|&i| i >= PASSAGE_TARGET / 2)
                .or_else(|| window.rfind(char::is_whitespace).filter(|&i| i > 0))
                .unwrap_or(limit);
            out.push(rest[..cut].trim().to_string());
            rest = rest[cut..].trim_start();
        }
        if !rest.trim().is_empty() {
            out.push(rest.trim().to_string());
        }
    }
    out
}

/// Bytes to text, with a note when the file was not UTF-8. A byte order
/// mark says the encoding (UTF-8, UTF-16 LE or BE) and is dropped; bytes
/// that are not valid UTF-8 are read as Windows-1252, the superset of
/// Latin-1 that Western archives were saved in (`encoding_rs`). Line ends
/// become `\n`.
fn decode(bytes: &[u8], display_path: &str) -> (String, Option<String>) {
    let (text, note) = match encoding_rs::Encoding::for_bom(bytes) {
        Some((encoding, bom)) if encoding != encoding_rs::UTF_8 => {
            let (text, _) = encoding.decode_without_bom_handling(&bytes[bom..]);
            (
                text.into_owned(),
                Some(format!(
                    "{display_path}: note: read as {} (byte order mark)",
                    encoding.name()
                )),
            )
        }
        Some((_, bom)) => utf8_or_1252(&bytes[bom..], display_path),
        None => utf8_or_1252(bytes, display_path),
    };
    let text = if text.contains('\r') {
        text.replace("\r\n", "\n").replace('\r', "\n")
    } else {
        text
    };
    (text, note)
}

fn utf8_or_1252(bytes: &[u8], display_path: &str) -> (String, Option<String>) {
    match std::str::from_utf8(bytes) {
        Ok(s) => (s.to_string(), None),
        Err(_) => (
            encoding_rs::WINDOWS_1252
                .decode_without_bom_handling(bytes)
                .0
                .into_owned(),
            Some(not_utf8(display_path)),
        ),
    }
}

fn not_utf8(display_path: &str) -> String {
    format!("{display_path}: note: not UTF-8; read as Windows-1252 (Latin-1)")
}

/// A date at the start of a file name: `2026-02-03-oman-talks` → 2026-02-03.
fn date_from_file_name(id_base: &str) -> Option<String> {
    let name = id_base.rsplit('/').next().unwrap_or(id_base);
    let prefix = name.get(..10)?;
    prefix
        .bytes()
        .all(|b| b.is_ascii_digit() || b == b'-')
        .then(|| crate::dates::normalize(prefix, None))
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_bytes(path: &str, id: &str, format: Format, bytes: &[u8]) -> ParsedFile {
        super::parse_bytes(path, id, format, bytes, &ParseOptions::default())
    }

    #[test]
    fn date_comes_from_a_dated_file_name() {
        let parsed = parse_bytes(
            "c/2026-02-03-talks.txt",
            "2026-02-03-talks",
            Format::Text,
            b"Some prose that is a whole paragraph of body text.",
        );
        assert_eq!(parsed.briefs[0].date.as_deref(), Some("2026-02-03"));
    }

    #[test]
    fn empty_and_binary_files_are_skipped_with_a_reason() {
        let parsed = parse_bytes("e.txt", "e", Format::Text, b"  \n\n ");
        assert!(parsed.briefs.is_empty());
        assert_eq!(parsed.skipped[0].reason, "empty file");
        let parsed = parse_bytes("b.txt", "b", Format::Text, b"ab\0\x01cd");
        assert!(parsed.skipped[0].reason.contains("binary"));
    }

    #[test]
    fn latin1_is_read_as_windows_1252_with_a_note() {
        let parsed = parse_bytes(
            "bad.txt",
            "bad",
            Format::Text,
            b"Caf\xe9 talks resume in Montr\xe9al at \x80 5 a head.",
        );
        assert_eq!(
            parsed.briefs[0].body,
            vec!["Caf\u{e9} talks resume in Montr\u{e9}al at \u{20ac} 5 a head."]
        );
        assert!(parsed.warnings[0].contains("bad.txt"));
        assert!(parsed.warnings[0].contains("Windows-1252"));
    }

    #[test]
    fn streamed_json_lines_match_the_whole_file_parse() {
        let content = "\u{feff}{\"id\":\"a\",\"title\":\"A\",\"body\":\"One.\\n\\nTwo.\"}\r\n\nnot json\n{\"id\":\"b\",\"title\":\"B\"}";
        let whole = parse_bytes("w.jsonl", "w", Format::JsonLines, content.as_bytes());
        let mut streamed = ParsedFile::default();
        let (hash, size) = stream_json_lines(
            "w.jsonl",
            "w",
            content.as_bytes(),
            &ParseOptions::default(),
            |mut p| {
                streamed.briefs.append(&mut p.briefs);
                streamed.skipped.append(&mut p.skipped);
                Ok(())
            },
        )
        .unwrap();
        assert_eq!(streamed.briefs, whole.briefs);
        assert_eq!(streamed.skipped, whole.skipped);
        assert_eq!(hash, crate::brief::fnv1a(content.as_bytes()));
        assert_eq!(size, content.len() as u64);
        assert_eq!(whole.briefs.len(), 2);
    }

    #[test]
    fn very_long_paragraphs_become_several_passages_and_lose_nothing() {
        let sentence = "Ministers met again in Geneva to discuss the text. ";
        let huge = sentence.repeat(2000);
        let parts = split_long_paragraphs(vec!["short".into(), huge.clone()]);
        assert_eq!(parts[0], "short");
        assert!(parts.len() > 10);
        assert!(parts[1..].iter().all(|p| p.len() <= PASSAGE_TARGET * 2));
        assert!(parts[1].ends_with('.'));
        let words: usize = parts[1..]
            .iter()
            .map(|p| p.split_whitespace().count())
            .sum();
        assert_eq!(words, huge.split_whitespace().count());
        // No whitespace at all: cut at character boundaries.
        let blob = "é".repeat(20_000);
        let parts = split_long_paragraphs(vec![blob.clone()]);
        assert_eq!(parts.concat(), blob);
    }

    /// A brief of our own in the archive layout, with CRLF line ends and a
    /// UTF-8 byte order mark, as Windows tools save it.
    #[test]
    fn crlf_and_a_utf8_bom_parse_like_the_plain_file() {
        let plain = "Quito Hosts Andean Water Talks\n\nPeru and Ecuador met over a shared river basin.\n\nKey Takeaways\n\n  • 1Both sides agreed on data sharing.\n  • 2A second round is due in May.\n\nEditor's\nDesk\n\nStrategic Analysis\n\nWater is the quiet driver of Andean diplomacy.\n\nChina Daily Brief Editorial\nStrategic Insight\nChina Daily Brief\n\nThe talks ran for two days.\n\nShare Article\n";
        let windows = format!("\u{feff}{}", plain.replace('\n', "\r\n"));
        let a = parse_bytes("a.txt", "a", Format::Text, plain.as_bytes());
        let b = parse_bytes("a.txt", "a", Format::Text, windows.as_bytes());
        assert_eq!(a.briefs, b.briefs);
        let brief = &b.briefs[0];
        assert_eq!(
            brief.title.as_deref(),
            Some("Quito Hosts Andean Water Talks")
        );
        assert_eq!(brief.takeaways.len(), 2);
        assert_eq!(brief.body, vec!["The talks ran for two days."]);
        assert!(format!("{brief:?}").find(['\r', '\u{feff}']).is_none());
        // A lone CR (old Mac line ends) is a line end too.
        let mac = plain.replace('\n', "\r");
        assert_eq!(
            parse_bytes("a.txt", "a", Format::Text, mac.as_bytes()).briefs,
            a.briefs
        );
    }

    #[test]
    fn utf16_with_bom_is_decoded() {
        let mut bytes = vec![0xFF, 0xFE];
        for unit in "Plain body text.".encode_utf16() {
            bytes.extend_from_slice(&unit.to_le_bytes());
        }
        let parsed = parse_bytes("u.txt", "u", Format::Text, &bytes);
        assert_eq!(parsed.briefs[0].body, vec!["Plain body text."]);
    }
}
