//! JSON archives: a `.json` file with one record or an array of records, and
//! JSON Lines (`.jsonl`, `.ndjson`) with one record a line.
//!
//! Fields are read through the one mapping of `fields.rs` (`title` or
//! `headline`, `body` or `text` or `content` ..., and `--field`); others are
//! listed as ignored. A record that is not an object, or has no text, is
//! skipped with its reason; a field of the wrong type is ignored with a
//! warning.

use serde_json::Value;

use super::record::{self, kind_of, Cell, Record};
use super::{ParseOptions, ParsedFile, Skip};

pub fn parse(
    display_path: &str,
    id_base: &str,
    content: &str,
    lines: bool,
    options: &ParseOptions,
) -> ParsedFile {
    let mut out = ParsedFile::default();
    if lines {
        for (i, line) in content.lines().enumerate() {
            parse_line(&mut out, display_path, id_base, i + 1, line, options);
        }
        return out;
    }
    match serde_json::from_str::<Value>(content) {
        Ok(Value::Array(values)) => {
            for (i, value) in values.into_iter().enumerate() {
                let where_ = format!("{display_path}[{i}]");
                record(
                    &mut out,
                    display_path,
                    &where_,
                    id_base,
                    i + 1,
                    value,
                    options,
                );
            }
        }
        Ok(value) => record(
            &mut out,
            display_path,
            display_path,
            id_base,
            1,
            value,
            options,
        ),
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
    options: &ParseOptions,
) {
    if line.trim().is_empty() {
        return;
    }
    let where_ = format!("{display_path}:{line_no}");
    match serde_json::from_str::<Value>(line) {
        Ok(value) => record(out, display_path, &where_, id_base, line_no, value, options),
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
    options: &ParseOptions,
) {
    let Value::Object(map) = value else {
        out.skipped.push(Skip {
            what: where_.to_string(),
            reason: format!("record is {}, not an object", kind_of(&value)),
        });
        return;
    };
    let keys: Vec<&str> = map.keys().map(String::as_str).collect();
    let cells: Vec<Cell> = map.values().map(Cell::Json).collect();
    let resolved = options.fields.resolve(&keys);
    record::add(
        out,
        options,
        &Record {
            path,
            where_,
            id_base,
            ordinal,
            keys: &keys,
            cells: &cells,
            resolved: &resolved,
        },
    );
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
        let out = parse("w.jsonl", "w", content, true, &ParseOptions::default());
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
            &ParseOptions::default(),
        );
        assert_eq!(out.briefs.len(), 2);
        assert_eq!(out.briefs[0].summary.as_deref(), Some("L"));
        assert_eq!(out.briefs[0].id, "a#1");
        assert_eq!(out.briefs[1].body, vec!["p1", "p2"]);
        assert_eq!(out.skipped.len(), 1);
        let out = parse(
            "one.json",
            "one",
            r#"{"id":"z","title":"Only"}"#,
            false,
            &ParseOptions::default(),
        );
        assert_eq!(out.briefs[0].id, "one#z");
    }

    #[test]
    fn wrong_types_are_ignored_with_warnings() {
        let out = parse(
            "t.jsonl",
            "t",
            r#"{"title":5,"body":"Text.","takeaways":"a\nb","date":"26-FEB-1987 15:01:01.79"}"#,
            true,
            &ParseOptions::default(),
        );
        let brief = &out.briefs[0];
        assert_eq!(brief.title, None);
        assert_eq!(brief.takeaways, vec!["a", "b"]);
        assert_eq!(brief.date.as_deref(), Some("1987-02-26"));
        assert!(out.warnings[0].contains("`title`"));
    }

    #[test]
    fn records_without_title_or_body_are_skipped() {
        let out = parse(
            "e.jsonl",
            "e",
            r#"{"id":"1","date":"2026-01-01"}"#,
            true,
            &ParseOptions::default(),
        );
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

    #[test]
    fn common_field_names_epoch_dates_and_ignored_fields() {
        let out = parse(
            "n.jsonl",
            "n",
            concat!(
                r#"{"article_id":"x1","headline":"Rail Strike Called Off","text":"Unions accepted the offer.","published_at":1486425600,"source":{"id":"ledger","name":"The Ledger"},"category":"business","views":12}"#,
                "\n",
                r#"{"title":"T","summary":"S","description":"Another standfirst","date":"7/2/2017"}"#,
                "\n",
            ),
            true,
            &ParseOptions::default(),
        );
        let b = &out.briefs[0];
        assert_eq!(b.id, "n#x1");
        assert_eq!(b.title.as_deref(), Some("Rail Strike Called Off"));
        assert_eq!(b.body, vec!["Unions accepted the offer."]);
        assert_eq!(b.date.as_deref(), Some("2017-02-07"));
        assert_eq!(b.source.as_deref(), Some("The Ledger"));
        // Text in a second summary column, and columns of no field.
        assert_eq!(
            out.ignored_fields.iter().collect::<Vec<_>>(),
            vec!["category", "description", "views"]
        );
        assert_eq!(out.briefs[1].date, None);
        assert_eq!(out.bad_dates.count, 1);
        assert!(out.bad_dates.ambiguous);
    }
}
