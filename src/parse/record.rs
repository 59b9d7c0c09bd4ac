//! Records to briefs: a JSON object or a CSV row, read through the one field
//! mapping (`fields.rs`). Shared by the JSON and CSV parsers.

use serde_json::Value;

use super::fields::{Resolved, Target};
use super::{BadDates, ParseOptions, ParsedFile, Skip};
use crate::brief::Brief;
use crate::dates;

/// One value of a record.
#[derive(Debug, Clone, Copy)]
pub enum Cell<'a> {
    Text(&'a str),
    Json(&'a Value),
}

impl Cell<'_> {
    fn is_blank(&self) -> bool {
        match self {
            Cell::Text(s) => s.trim().is_empty(),
            Cell::Json(Value::String(s)) => s.trim().is_empty(),
            Cell::Json(Value::Null) => true,
            Cell::Json(Value::Array(a)) => a.iter().all(|v| Cell::Json(v).is_blank()),
            Cell::Json(_) => false,
        }
    }
}

pub fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Where a record is and what it may fill.
pub struct Record<'a> {
    pub path: &'a str,
    /// `file:line` or `file[3]`, for messages.
    pub where_: &'a str,
    pub id_base: &'a str,
    /// The record's id when it has none: its line or its position.
    pub ordinal: usize,
    pub keys: &'a [&'a str],
    pub cells: &'a [Cell<'a>],
    pub resolved: &'a Resolved,
}

/// Turns a record into a brief (or a skip) in `out`; columns that fill no
/// field, and text in a second column of a one-value field, are added to
/// `out.ignored_fields`.
pub fn add(out: &mut ParsedFile, options: &ParseOptions, record: &Record) {
    let mut reader = Reader {
        record,
        warnings: &mut out.warnings,
        ignored: &mut out.ignored_fields,
    };
    let record_id = reader
        .single(Target::Id)
        .map(|(_, id)| id)
        .unwrap_or_else(|| record.ordinal.to_string());
    let date = match reader.date_cell() {
        Some(cell) => read_date(cell, options, &mut out.bad_dates, record.where_),
        None => None,
    };
    let brief = Brief {
        id: format!("{}#{record_id}", record.id_base),
        path: record.path.to_string(),
        title: reader.single(Target::Title).map(|(_, t)| t),
        summary: reader.single(Target::Summary).map(|(_, t)| t),
        caption: reader.single(Target::Caption).map(|(_, t)| t),
        takeaways: reader.list(Target::Takeaways),
        analysis: {
            let analysis = reader.paragraphs(Target::Analysis);
            (!analysis.is_empty()).then(|| analysis.join("\n\n"))
        },
        body: reader.paragraphs(Target::Body),
        source: reader.single(Target::Source).map(|(_, t)| t),
        date,
        url: reader.single(Target::Url).map(|(_, t)| t),
        actors: Vec::new(),
    };
    for &i in &record.resolved.ignored {
        if !record.cells[i].is_blank() {
            reader.ignore(i);
        }
    }
    if brief.is_empty() {
        out.skipped.push(Skip {
            what: record.where_.to_string(),
            reason: "record has no text (no title and no body)".to_string(),
        });
        return;
    }
    out.briefs.push(brief);
}

fn read_date(
    cell: Cell,
    options: &ParseOptions,
    bad: &mut BadDates,
    where_: &str,
) -> Option<String> {
    let (raw, parsed) = match cell {
        Cell::Json(Value::Number(n)) => {
            // Epoch seconds or milliseconds, as in a string: 9 to 13 digits.
            let date = n
                .as_i64()
                .filter(|v| (100_000_000..10_000_000_000_000).contains(&v.unsigned_abs()))
                .and_then(dates::from_epoch);
            (n.to_string(), date.ok_or(dates::DateError::Unknown))
        }
        Cell::Json(Value::String(s)) => (
            s.trim().to_string(),
            dates::parse_date(s, options.date_order),
        ),
        Cell::Text(s) => (
            s.trim().to_string(),
            dates::parse_date(s, options.date_order),
        ),
        Cell::Json(other) => (other.to_string(), Err(dates::DateError::Unknown)),
    };
    match parsed {
        Ok(date) => Some(dates::format_date(date)),
        Err(err) => {
            bad.add(where_, &raw, err);
            None
        }
    }
}

struct Reader<'r, 'a> {
    record: &'r Record<'a>,
    warnings: &'r mut Vec<String>,
    ignored: &'r mut std::collections::BTreeSet<String>,
}

impl<'a> Reader<'_, 'a> {
    fn ignore(&mut self, i: usize) {
        self.ignored.insert(self.record.keys[i].trim().to_string());
    }

    fn wrong_type(&mut self, i: usize, expected: &str, got: &Value) {
        self.warnings.push(format!(
            "{}: field `{}` is {}, expected {expected}; ignored",
            self.record.where_,
            self.record.keys[i],
            kind_of(got)
        ));
    }

    /// A cell as one line of text: strings, numbers (where `numbers`: ids), and an object's
    /// `name` (`"source": {"name": "..."}`).
    fn text_of(&mut self, i: usize, numbers: bool) -> Option<String> {
        match self.record.cells[i] {
            Cell::Text(s) => clean(s),
            Cell::Json(Value::String(s)) => clean(s),
            Cell::Json(Value::Null) => None,
            Cell::Json(Value::Number(n)) if numbers => Some(n.to_string()),
            Cell::Json(Value::Object(map)) => match map.get("name") {
                Some(Value::String(s)) => clean(s),
                _ => {
                    let v = Value::Object(map.clone());
                    self.wrong_type(i, "a string", &v);
                    None
                }
            },
            Cell::Json(other) => {
                self.wrong_type(i, "a string", other);
                None
            }
        }
    }

    /// The first non-empty column of a one-value field; text in the others
    /// is reported as ignored.
    fn single(&mut self, target: Target) -> Option<(usize, String)> {
        let columns = self.record.resolved.columns(target).to_vec();
        let numbers = target == Target::Id;
        let mut chosen: Option<(usize, String)> = None;
        for i in columns {
            match &chosen {
                None => chosen = self.text_of(i, numbers).map(|t| (i, t)),
                Some((_, text)) => {
                    if let Some(other) = self.text_of(i, numbers) {
                        if &other != text {
                            self.ignore(i);
                        }
                    }
                }
            }
        }
        chosen
    }

    fn date_cell(&mut self) -> Option<Cell<'a>> {
        let columns = self.record.resolved.columns(Target::Date).to_vec();
        let mut chosen = None;
        for i in columns {
            let cell = self.record.cells[i];
            if cell.is_blank() {
                continue;
            }
            if chosen.is_none() {
                chosen = Some(cell);
            } else {
                self.ignore(i);
            }
        }
        chosen
    }

    /// Items of a list field: an array's strings, or a string's lines; from
    /// every column mapped to the field, in order.
    fn list(&mut self, target: Target) -> Vec<String> {
        self.strings(target, "an array of strings", |s| {
            s.lines().filter_map(clean).collect()
        })
    }

    /// Paragraphs of a text field: a string split on blank lines and
    /// indented line starts, or an array's strings; from every column mapped
    /// to the field, in order.
    fn paragraphs(&mut self, target: Target) -> Vec<String> {
        self.strings(
            target,
            "a string or an array of strings",
            super::json::split_paragraphs,
        )
    }

    /// The strings of every column mapped to `target`, in order: a string
    /// cut by `split`, an array's strings each as one item; anything else
    /// is a warning that names what was `expected`.
    fn strings(
        &mut self,
        target: Target,
        expected: &str,
        split: impl Fn(&str) -> Vec<String>,
    ) -> Vec<String> {
        let mut out = Vec::new();
        for i in self.record.resolved.columns(target).to_vec() {
            match self.record.cells[i] {
                Cell::Text(s) => out.extend(split(s)),
                Cell::Json(Value::String(s)) => out.extend(split(s)),
                Cell::Json(Value::Null) => {}
                Cell::Json(Value::Array(items)) => {
                    for item in items {
                        match item {
                            Value::String(s) => out.extend(clean(s)),
                            Value::Null => {}
                            other => self.wrong_type(i, expected, other),
                        }
                    }
                }
                Cell::Json(other) => self.wrong_type(i, expected, other),
            }
        }
        out
    }
}

fn clean(s: &str) -> Option<String> {
    let trimmed = s.trim();
    (!trimmed.is_empty()).then(|| trimmed.to_string())
}
