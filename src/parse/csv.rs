//! CSV and TSV archives: a header row, then one story a row.
//!
//! Read with the `csv` crate: quoted fields may hold delimiters, quotes and
//! line breaks. Columns go through the one field mapping (`fields.rs`). A
//! `.csv` whose header has more semicolons than commas is read with `;`
//! (as spreadsheets in many locales save it). A row that cannot be read
//! (a different number of fields than the header) is skipped with its line
//! number, and the rest of the file is read.

use super::record::{self, Cell, Record};
use super::{ParseOptions, ParsedFile, Skip};

/// Parses the text of a CSV (`tab` false) or TSV (`tab` true) file.
pub fn parse(
    display_path: &str,
    id_base: &str,
    content: &str,
    tab: bool,
    options: &ParseOptions,
) -> ParsedFile {
    let mut out = ParsedFile::default();
    let delimiter = if tab { b'\t' } else { sniff(content) };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(true)
        .flexible(false)
        .from_reader(content.as_bytes());
    let headers = match reader.headers() {
        Ok(headers) => headers.clone(),
        Err(err) => {
            out.skipped.push(Skip {
                what: display_path.to_string(),
                reason: format!("unreadable header row ({err})"),
            });
            return out;
        }
    };
    let keys: Vec<&str> = headers.iter().collect();
    if keys.iter().all(|k| k.trim().is_empty()) {
        out.skipped.push(Skip {
            what: display_path.to_string(),
            reason: "no header row".to_string(),
        });
        return out;
    }
    let resolved = options.fields.resolve(&keys);
    for (target, column) in options.fields.missing(&keys) {
        out.warnings.push(format!(
            "{display_path}: --field {target}={column}: no such column (columns: {})",
            keys.join(", ")
        ));
    }
    let mut row = csv::StringRecord::new();
    loop {
        let line = reader.position().line() as usize;
        match reader.read_record(&mut row) {
            Ok(false) => break,
            Ok(true) => {
                let line = row.position().map(|p| p.line() as usize).unwrap_or(line);
                if row.iter().all(|cell| cell.trim().is_empty()) {
                    continue;
                }
                let where_ = format!("{display_path}:{line}");
                let cells: Vec<Cell> = row.iter().map(Cell::Text).collect();
                record::add(
                    &mut out,
                    options,
                    &Record {
                        path: display_path,
                        where_: &where_,
                        id_base,
                        ordinal: line,
                        keys: &keys,
                        cells: &cells,
                        resolved: &resolved,
                    },
                );
            }
            Err(err) => {
                let line = err.position().map(|p| p.line() as usize).unwrap_or(line);
                let reason = match err.kind() {
                    csv::ErrorKind::UnequalLengths {
                        expected_len, len, ..
                    } => {
                        format!("malformed row ({len} fields where the header has {expected_len})")
                    }
                    _ => format!("malformed row ({err})"),
                };
                out.skipped.push(Skip {
                    what: format!("{display_path}:{line}"),
                    reason,
                });
            }
        }
    }
    out
}

/// `;` when the header line has more semicolons than commas, else `,`.
fn sniff(content: &str) -> u8 {
    let header = content.lines().next().unwrap_or("");
    let count = |c: char| header.chars().filter(|&x| x == c).count();
    if count(';') > count(',') {
        b';'
    } else {
        b','
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn csv(content: &str) -> ParsedFile {
        parse("n.csv", "n", content, false, &ParseOptions::default())
    }

    #[test]
    fn rows_become_briefs_through_the_common_names() {
        let out = csv(concat!(
            "article_id,headline,text,publish_date,category\n",
            "a1,Port Strike Ends,\"Dockers voted to return.\n\nShips queued overnight.\",2017-2-7,business\n",
            "a2,\"Talks, Again\",\"She said \"\"no\"\".\",2017/2/8,politics\n",
        ));
        assert_eq!(out.briefs.len(), 2);
        let b = &out.briefs[0];
        assert_eq!(b.id, "n#a1");
        assert_eq!(b.title.as_deref(), Some("Port Strike Ends"));
        assert_eq!(
            b.body,
            vec!["Dockers voted to return.", "Ships queued overnight."]
        );
        assert_eq!(b.date.as_deref(), Some("2017-02-07"));
        assert_eq!(out.briefs[1].title.as_deref(), Some("Talks, Again"));
        assert_eq!(out.briefs[1].body, vec!["She said \"no\"."]);
        assert_eq!(
            out.ignored_fields.iter().collect::<Vec<_>>(),
            vec!["category"]
        );
    }

    #[test]
    fn a_malformed_row_is_reported_by_line_and_the_rest_is_read() {
        let out = csv("title,body\nOne,First body.\nTwo,Second,extra\n\"Three\",\"Third\nbody.\"\nFour,Fourth body.\n");
        let titles: Vec<_> = out
            .briefs
            .iter()
            .map(|b| b.title.clone().unwrap())
            .collect();
        assert_eq!(titles, vec!["One", "Three", "Four"]);
        assert_eq!(out.skipped.len(), 1);
        assert_eq!(out.skipped[0].what, "n.csv:3");
        assert!(
            out.skipped[0].reason.contains("3 fields"),
            "{:?}",
            out.skipped
        );
        // The row after a quoted line break keeps its own line number.
        assert_eq!(out.briefs[2].id, "n#6");
    }

    #[test]
    fn tsv_and_semicolon_csv() {
        let out = parse(
            "t.tsv",
            "t",
            "title\tbody\nA\tText, with a comma.\n",
            true,
            &ParseOptions::default(),
        );
        assert_eq!(out.briefs[0].body, vec!["Text, with a comma."]);
        let out = csv("title;body\nA;Text, with a comma.\n");
        assert_eq!(out.briefs[0].body, vec!["Text, with a comma."]);
    }

    #[test]
    fn mapped_columns_and_missing_ones() {
        let mut options = ParseOptions::default();
        options.fields.add_arg("body=story").unwrap();
        options.fields.add_arg("source=paper").unwrap();
        let out = parse("m.csv", "m", "title,story\nA,The story.\n", false, &options);
        assert_eq!(out.briefs[0].body, vec!["The story."]);
        assert!(
            out.warnings[0].contains("source=paper"),
            "{:?}",
            out.warnings
        );
    }
}
