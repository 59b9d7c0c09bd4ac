//! Files to briefs: format detection, decoding, and the parts every format shares.
//!
//! Parsing is pure: bytes in, briefs and diagnostics out. It never panics and
//! never drops text that is not known boilerplate.

mod json;
mod markdown;
mod text;

use std::path::Path;

use anyhow::{Context, Result};

use crate::brief::Brief;

pub use text::Parts;

/// The source formats `briefs` reads, chosen by file extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Markdown,
    Json,
    JsonLines,
}

impl Format {
    pub fn from_path(path: &Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "txt" | "text" => Some(Format::Text),
            "md" | "markdown" => Some(Format::Markdown),
            "json" => Some(Format::Json),
            "jsonl" | "ndjson" => Some(Format::JsonLines),
            _ => None,
        }
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
pub fn parse_path(path: &Path) -> Result<ParsedFile> {
    let bytes =
        std::fs::read(path).with_context(|| format!("failed to read {}", path.display()))?;
    let format = Format::from_path(path).unwrap_or(Format::Text);
    let display = path.display().to_string();
    let id_base = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| display.clone());
    Ok(parse_bytes(&display, &id_base, format, &bytes))
}

/// Parses the bytes of one file.
///
/// `display_path` names the file in briefs and messages; `id_base` is the
/// stable id of a text brief (the path relative to the corpus root, without
/// extension) and the prefix of record ids in JSON archives (`base#id`).
pub fn parse_bytes(display_path: &str, id_base: &str, format: Format, bytes: &[u8]) -> ParsedFile {
    let (content, warning) = decode(bytes, display_path);
    if content.trim().is_empty() {
        return ParsedFile::skip(display_path, "empty file");
    }
    if content.contains('\0') {
        return ParsedFile::skip(display_path, "binary file (contains NUL bytes)");
    }
    let mut parsed = match format {
        Format::Json | Format::JsonLines => {
            json::parse(display_path, id_base, &content, format == Format::JsonLines)
        }
        Format::Text | Format::Markdown => {
            let parts = if format == Format::Markdown {
                markdown::parse(&content)
            } else {
                text::parse(&content)
            };
            let mut brief = parts.into_brief(id_base, display_path);
            if brief.date.is_none() {
                brief.date = date_from_file_name(id_base);
            }
            if brief.is_empty() {
                ParsedFile::skip(display_path, "no text besides boilerplate")
            } else {
                ParsedFile {
                    briefs: vec![brief],
                    ..ParsedFile::default()
                }
            }
        }
    };
    for brief in &mut parsed.briefs {
        brief.body = split_long_paragraphs(std::mem::take(&mut brief.body));
    }
    if let Some(warning) = warning {
        parsed.warnings.insert(0, warning);
    }
    parsed
}

/// Records of a JSON Lines file parsed as they are read, a batch at a time,
/// so that a file of any size needs memory for one batch only. Returns the
/// file's content hash (`brief::fnv1a` of its bytes) and its size.
pub fn stream_json_lines<R: std::io::BufRead>(
    display_path: &str,
    id_base: &str,
    mut reader: R,
    mut each: impl FnMut(ParsedFile) -> Result<()>,
) -> Result<(u64, u64)> {
    const BATCH: usize = 512;
    let mut hash = crate::brief::FNV_OFFSET;
    let mut bytes_read = 0u64;
    let mut line = Vec::new();
    let mut batch = ParsedFile::default();
    let mut lossy_warned = false;
    let mut any_text = false;
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
                if !lossy_warned {
                    batch.warnings.push(not_utf8(display_path));
                    lossy_warned = true;
                }
                String::from_utf8_lossy(bytes)
            }
        };
        let text = text.trim_end_matches(['\n', '\r']);
        any_text |= !text.trim().is_empty();
        json::parse_line(&mut batch, display_path, id_base, line_no, text);
        if batch.briefs.len() + batch.skipped.len() >= BATCH {
            for brief in &mut batch.briefs {
                brief.body = split_long_paragraphs(std::mem::take(&mut brief.body));
            }
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

/// Bytes to text: strips a BOM, decodes UTF-16 with a BOM, decodes invalid
/// UTF-8 lossily (with a warning naming the file), and makes line ends `\n`.
fn decode(bytes: &[u8], display_path: &str) -> (String, Option<String>) {
    let (text, warning) = if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        lossy_utf8(rest, display_path)
    } else if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        (utf16(rest, u16::from_le_bytes), None)
    } else if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        (utf16(rest, u16::from_be_bytes), None)
    } else {
        lossy_utf8(bytes, display_path)
    };
    let text = if text.contains('\r') {
        text.replace("\r\n", "\n").replace('\r', "\n")
    } else {
        text
    };
    (text, warning)
}

fn lossy_utf8(bytes: &[u8], display_path: &str) -> (String, Option<String>) {
    match std::str::from_utf8(bytes) {
        Ok(s) => (s.to_string(), None),
        Err(_) => (
            String::from_utf8_lossy(bytes).into_owned(),
            Some(not_utf8(display_path)),
        ),
    }
}

fn not_utf8(display_path: &str) -> String {
    format!("{display_path}: not valid UTF-8; undecodable bytes were replaced with U+FFFD")
}

fn utf16(bytes: &[u8], decode_unit: fn([u8; 2]) -> u16) -> String {
    let units: Vec<u16> = bytes
        .chunks_exact(2)
        .map(|pair| decode_unit([pair[0], pair[1]]))
        .collect();
    String::from_utf16_lossy(&units)
}

/// A date at the start of a file name: `2026-02-03-oman-talks` → 2026-02-03.
fn date_from_file_name(id_base: &str) -> Option<String> {
    let name = id_base.rsplit('/').next().unwrap_or(id_base);
    let prefix = name.get(..10)?;
    normalize_date(prefix)
}

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

/// Normalises a date to `YYYY-MM-DD`. Accepts ISO dates (with or without a
/// time), `YYYY/MM/DD`, Reuters' `26-FEB-1987 15:01:01.79`, `February 3, 2026`
/// and `3 February 2026`. Returns `None` for anything else.
pub fn normalize_date(raw: &str) -> Option<String> {
    let s = raw.trim();
    let ymd = |y: i64, m: i64, d: i64| -> Option<String> {
        ((1..=12).contains(&m) && (1..=31).contains(&d) && (1000..=9999).contains(&y))
            .then(|| format!("{y:04}-{m:02}-{d:02}"))
    };
    let month_of = |word: &str| -> Option<i64> {
        let lower = word.to_ascii_lowercase();
        let short = lower.get(..3)?;
        MONTHS
            .iter()
            .position(|m| *m == short)
            .map(|i| i as i64 + 1)
    };
    let num = |w: &str| w.parse::<i64>().ok();

    // ISO: 2026-02-03, 2026-02-03T10:00:00Z, 2026/02/03
    if let Some(head) = s.get(..10) {
        let parts: Vec<&str> = head.split(['-', '/']).collect();
        if parts.len() == 3 && parts[0].len() == 4 {
            if let (Some(y), Some(m), Some(d)) = (num(parts[0]), num(parts[1]), num(parts[2])) {
                return ymd(y, m, d);
            }
        }
    }
    let first = s.split_whitespace().next()?;
    // Reuters: 26-FEB-1987 15:01:01.79
    let dashed: Vec<&str> = first.split('-').collect();
    if dashed.len() == 3 {
        if let (Some(d), Some(m), Some(y)) = (num(dashed[0]), month_of(dashed[1]), num(dashed[2])) {
            return ymd(y, m, d);
        }
    }
    // February 3, 2026 / 3 February 2026
    let words: Vec<&str> = s
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|w| !w.is_empty())
        .collect();
    if words.len() >= 3 {
        if let (Some(m), Some(d), Some(y)) = (month_of(words[0]), num(words[1]), num(words[2])) {
            return ymd(y, m, d);
        }
        if let (Some(d), Some(m), Some(y)) = (num(words[0]), month_of(words[1]), num(words[2])) {
            return ymd(y, m, d);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_the_shapes_archives_use() {
        assert_eq!(
            normalize_date("26-FEB-1987 15:01:01.79").as_deref(),
            Some("1987-02-26")
        );
        assert_eq!(normalize_date("2026-06-02").as_deref(), Some("2026-06-02"));
        assert_eq!(
            normalize_date("2026-06-02T10:00:00Z").as_deref(),
            Some("2026-06-02")
        );
        assert_eq!(
            normalize_date("February 3, 2026").as_deref(),
            Some("2026-02-03")
        );
        assert_eq!(normalize_date("3 Feb 2026").as_deref(), Some("2026-02-03"));
        assert_eq!(normalize_date("2026-13-02"), None);
        assert_eq!(normalize_date("yesterday"), None);
        assert_eq!(normalize_date(""), None);
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
    fn invalid_utf8_is_decoded_lossily_with_a_warning() {
        let parsed = parse_bytes("bad.txt", "bad", Format::Text, b"Caf\xe9 talks resume.");
        assert_eq!(parsed.briefs[0].body, vec!["Caf\u{FFFD} talks resume."]);
        assert!(parsed.warnings[0].contains("bad.txt"));
    }

    #[test]
    fn streamed_json_lines_match_the_whole_file_parse() {
        let content = "\u{feff}{\"id\":\"a\",\"title\":\"A\",\"body\":\"One.\\n\\nTwo.\"}\r\n\nnot json\n{\"id\":\"b\",\"title\":\"B\"}";
        let whole = parse_bytes("w.jsonl", "w", Format::JsonLines, content.as_bytes());
        let mut streamed = ParsedFile::default();
        let (hash, size) = stream_json_lines("w.jsonl", "w", content.as_bytes(), |mut p| {
            streamed.briefs.append(&mut p.briefs);
            streamed.skipped.append(&mut p.skipped);
            Ok(())
        })
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
