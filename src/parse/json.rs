//! JSON archives: a `.json` file with one record or an array of records, and
//! JSON Lines (`.jsonl`, `.ndjson`) with one record a line.
//!
//! Known fields: `id`, `title`, `summary` (or `lede`), `caption`, `takeaways`,
//! `analysis`, `body`, `date`, `url`, `source`; others are ignored. A record
//! that is not an object, or has no text, is skipped with its reason; a field
//! of the wrong type is ignored with a warning.

use serde_json::{Map, Value};

use super::{normalize_date, ParsedFile, Skip};
use crate::brief::Brief;

pub fn parse(display_path: &str, id_base: &str, content: &str, lines: bool) -> ParsedFile {
    let mut out = ParsedFile::default();
    if lines {
        for (i, line) in content.lines().enumerate() {
            parse_line(&mut out, display_path, id_base, i + 1, line);
        }
        return out;
    }
    match serde_json::from_str::<Value>(content) {
        Ok(Value::Array(values)) => {
            for (i, value) in values.into_iter().enumerate() {
                let where_ = format!("{display_path}[{i}]");
                record(&mut out, display_path, &where_, id_base, i + 1, value);
            }
        }
        Ok(value) => record(&mut out, display_path, display_path, id_base, 1, value),
        Err(err) => out.skipped.push(Skip {
            what: display_path.to_string(),
            reason: format!("malformed JSON ({err})"),
        }),
    }
    out
}

/// One line of a JSON Lines file (blank lines are skipped silently).
pub fn parse_line(
    out: &mut ParsedFile,
    display_path: &str,
    id_base: &str,
    line_no: usize,
    line: &str,
) {
    if line.trim().is_empty() {
        return;
    }
    let where_ = format!("{display_path}:{line_no}");
    match serde_json::from_str::<Value>(line) {
        Ok(value) => record(out, display_path, &where_, id_base, line_no, value),
        Err(err) => out.skipped.push(Skip {
            what: where_,
            reason: format!("malformed JSON ({err})"),
        }),
    }
}

fn record(
    out: &mut ParsedFile,
    path: &str,
    where_: &str,
    id_base: &str,
    ordinal: usize,
    value: Value,
) {
    let Value::Object(map) = value else {
        out.skipped.push(Skip {
            what: where_.to_string(),
            reason: format!("record is {}, not an object", kind_of(&value)),
        });
        return;
    };
    let mut fields = Fields {
        map: &map,
        where_,
        warnings: &mut out.warnings,
    };
    let record_id = match map.get("id") {
        Some(Value::String(s)) if !s.trim().is_empty() => s.trim().to_string(),
        Some(Value::Number(n)) => n.to_string(),
        _ => ordinal.to_string(),
    };
    let brief = Brief {
        id: format!("{id_base}#{record_id}"),
        path: path.to_string(),
        title: fields.text("title"),
        summary: fields.text("summary").or_else(|| fields.text("lede")),
        caption: fields.text("caption"),
        takeaways: fields.list("takeaways"),
        analysis: fields.paragraphs("analysis").map(|p| p.join("\n\n")),
        body: fields.paragraphs("body").unwrap_or_default(),
        source: fields.text("source"),
        date: fields.date(),
        url: fields.text("url"),
        actors: Vec::new(),
    };
    if brief.is_empty() {
        out.skipped.push(Skip {
            what: where_.to_string(),
            reason: "record has no text (no title and no body)".to_string(),
        });
        return;
    }
    out.briefs.push(brief);
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Typed access to a record's fields; wrong types become warnings.
struct Fields<'a> {
    map: &'a Map<String, Value>,
    where_: &'a str,
    warnings: &'a mut Vec<String>,
}

impl Fields<'_> {
    fn wrong_type(&mut self, key: &str, expected: &str, got: &Value) {
        self.warnings.push(format!(
            "{}: field `{key}` is {}, expected {expected}; ignored",
            self.where_,
            kind_of(got)
        ));
    }

    fn text(&mut self, key: &str) -> Option<String> {
        match self.map.get(key)? {
            Value::String(s) => clean(s),
            Value::Null => None,
            other => {
                self.wrong_type(key, "a string", other);
                None
            }
        }
    }

    /// A list of strings; a single string is split into lines.
    fn list(&mut self, key: &str) -> Vec<String> {
        match self.map.get(key) {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::String(s)) => s.lines().filter_map(clean).collect(),
            Some(Value::Array(items)) => {
                let mut out = Vec::new();
                for item in items {
                    match item {
                        Value::String(s) => out.extend(clean(s)),
                        Value::Null => {}
                        other => {
                            let other = other.clone();
                            self.wrong_type(key, "an array of strings", &other);
                        }
                    }
                }
                out
            }
            Some(other) => {
                self.wrong_type(key, "an array of strings", other);
                Vec::new()
            }
        }
    }

    /// Paragraphs from a string (split on blank lines and indented line
    /// starts) or from an array of strings.
    fn paragraphs(&mut self, key: &str) -> Option<Vec<String>> {
        let paragraphs = match self.map.get(key)? {
            Value::String(s) => split_paragraphs(s),
            Value::Array(_) => self.list(key),
            Value::Null => return None,
            other => {
                self.wrong_type(key, "a string or an array of strings", other);
                return None;
            }
        };
        (!paragraphs.is_empty()).then_some(paragraphs)
    }

    fn date(&mut self) -> Option<String> {
        let raw = self.text("date")?;
        let date = normalize_date(&raw);
        if date.is_none() {
            self.warnings.push(format!(
                "{}: date `{raw}` not understood; left out",
                self.where_
            ));
        }
        date
    }
}

fn clean(s: &str) -> Option<String> {
    let trimmed = s.trim();
    (!trimmed.is_empty()).then(|| trimmed.to_string())
}

/// Wire sign-offs that end a story and say nothing.
const SIGN_OFFS: &[&str] = &["reuter", "reuters"];

/// Splits a body string into paragraphs: a blank line or a line that starts
/// indented opens a new paragraph; wrapped lines are joined with spaces.
pub fn split_paragraphs(text: &str) -> Vec<String> {
    let text = text.replace("\r\n", "\n");
    let mut out: Vec<String> = Vec::new();
    let mut current = String::new();
    let flush = |current: &mut String, out: &mut Vec<String>| {
        let para = current.trim();
        if !para.is_empty() {
            out.push(para.to_string());
        }
        current.clear();
    };
    for line in text.lines() {
        let line = line.trim_end_matches(|c: char| c.is_whitespace() || c.is_control());
        if line.trim().is_empty() {
            flush(&mut current, &mut out);
            continue;
        }
        if line.starts_with(char::is_whitespace) {
            flush(&mut current, &mut out);
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(line.trim());
    }
    flush(&mut current, &mut out);
    // A trailing sign-off, alone or glued to the last paragraph.
    if let Some(last) = out.last_mut() {
        let lower = last.to_ascii_lowercase();
        for sign_off in SIGN_OFFS {
            if lower == *sign_off {
                out.pop();
                break;
            }
            if lower.ends_with(&format!(" {sign_off}")) && last.len() > sign_off.len() + 1 {
                let keep = last.len() - sign_off.len();
                last.truncate(keep);
                let trimmed = last.trim_end().to_string();
                *last = trimmed;
                break;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_lines_with_a_malformed_line() {
        let content = concat!(
            r#"{"id":"a1","title":"First","body":"One.\n\nTwo."}"#,
            "\n",
            r#"{"id":"a2","title":"Second","#,
            "\n",
            r#"{"id":7,"title":"Third","takeaways":["x","y"],"extra":{"k":1}}"#,
            "\n",
            "\n",
            r#"["not","an","object"]"#,
            "\n"
        );
        let out = parse("w.jsonl", "w", content, true);
        assert_eq!(out.briefs.len(), 2);
        assert_eq!(out.briefs[0].id, "w#a1");
        assert_eq!(out.briefs[0].body, vec!["One.", "Two."]);
        assert_eq!(out.briefs[1].id, "w#7");
        assert_eq!(out.briefs[1].takeaways, vec!["x", "y"]);
        assert_eq!(out.skipped.len(), 2);
        assert_eq!(out.skipped[0].what, "w.jsonl:2");
        assert!(out.skipped[0].reason.starts_with("malformed JSON"));
        assert_eq!(out.skipped[1].what, "w.jsonl:5");
        assert!(out.skipped[1].reason.contains("array"));
    }

    #[test]
    fn json_array_and_single_record() {
        let out = parse(
            "a.json",
            "a",
            r#"[{"title":"A","lede":"L"},"str",{"body":["p1","p2"]}]"#,
            false,
        );
        assert_eq!(out.briefs.len(), 2);
        assert_eq!(out.briefs[0].summary.as_deref(), Some("L"));
        assert_eq!(out.briefs[0].id, "a#1");
        assert_eq!(out.briefs[1].body, vec!["p1", "p2"]);
        assert_eq!(out.skipped.len(), 1);
        let out = parse("one.json", "one", r#"{"id":"z","title":"Only"}"#, false);
        assert_eq!(out.briefs[0].id, "one#z");
    }

    #[test]
    fn wrong_types_are_ignored_with_warnings() {
        let out = parse(
            "t.jsonl",
            "t",
            r#"{"title":5,"body":"Text.","takeaways":"a\nb","date":"26-FEB-1987 15:01:01.79"}"#,
            true,
        );
        let brief = &out.briefs[0];
        assert_eq!(brief.title, None);
        assert_eq!(brief.takeaways, vec!["a", "b"]);
        assert_eq!(brief.date.as_deref(), Some("1987-02-26"));
        assert!(out.warnings[0].contains("`title`"));
    }

    #[test]
    fn records_without_title_or_body_are_skipped() {
        let out = parse("e.jsonl", "e", r#"{"id":"1","date":"2026-01-01"}"#, true);
        assert!(out.briefs.is_empty());
        assert!(out.skipped[0].reason.starts_with("record has no text"));
    }

    #[test]
    fn wire_body_splits_on_indented_lines_and_drops_the_sign_off() {
        let body = "Showers continued in\nthe cocoa zone.\n    The dry period means\nlate crops.\n Reuter\n\u{3}";
        assert_eq!(
            split_paragraphs(body),
            vec![
                "Showers continued in the cocoa zone.",
                "The dry period means late crops."
            ]
        );
        assert_eq!(
            split_paragraphs("Total 55.8 (33.7).        REUTER\n\u{3}"),
            vec!["Total 55.8 (33.7)."]
        );
    }
}
