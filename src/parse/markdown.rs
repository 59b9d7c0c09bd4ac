//! Markdown briefs: optional front matter (`title`, `date`, `source`, `url`,
//! `summary`, `caption`), `# Title`, `## Key Takeaways`, `- item`,
//! `## Strategic Analysis`; inline marks are removed before the text parser
//! reads the lines.

use super::text::{self, Parts};
use crate::dates::{self, DateOrder};

/// Parses a Markdown brief (already decoded, line ends `\n`).
pub fn parse(content: &str, order: Option<DateOrder>) -> Parts {
    let (known, body, has_front_matter) = match split_front_matter(content) {
        Some((front, body)) => (read_front_matter(front, order), body, true),
        None => (Parts::default(), content, false),
    };
    let cleaned: String = body
        .lines()
        .map(strip_inline)
        .collect::<Vec<_>>()
        .join("\n");
    text::parse_with(&cleaned, known, has_front_matter, order)
}

/// `---\nkey: value\n---\nrest` → (`key: value`, `rest`).
fn split_front_matter(content: &str) -> Option<(&str, &str)> {
    let rest = content.strip_prefix("---\n")?;
    let mut offset = 0;
    for line in rest.split_inclusive('\n') {
        if line.trim_end() == "---" {
            return Some((&rest[..offset], &rest[offset + line.len()..]));
        }
        offset += line.len();
    }
    None
}

fn read_front_matter(front: &str, order: Option<DateOrder>) -> Parts {
    let mut parts = Parts::default();
    for line in front.lines() {
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim().trim_matches(|c| c == '"' || c == '\'').trim();
        if value.is_empty() {
            continue;
        }
        let value = value.to_string();
        match key.trim().to_ascii_lowercase().as_str() {
            "title" => parts.title = Some(value),
            "date" | "published" => match dates::parse_date(&value, order) {
                Ok(date) => parts.date = Some(dates::format_date(date)),
                Err(err) => parts.unread_date = Some((value, err)),
            },
            "source" | "publisher" => parts.source = Some(value),
            "url" | "link" => parts.url = Some(value),
            "summary" | "lede" | "description" => parts.summary = Some(value),
            "caption" | "image_caption" => parts.caption = Some(value),
            _ => {}
        }
    }
    parts
}

/// Removes inline Markdown: `**bold**`, `__bold__`, `` `code` ``, and turns
/// `[text](url)` into `text`. An image line `![alt](src)` is left whole for
/// the text parser, which reads it as the caption.
fn strip_inline(line: &str) -> String {
    if line.trim_start().starts_with("![") {
        return line.to_string();
    }
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(open) = rest.find('[') {
        let Some(close) = rest[open..].find("](").map(|i| open + i) else {
            break;
        };
        let Some(end) = rest[close..].find(')').map(|i| close + i) else {
            break;
        };
        out.push_str(&rest[..open]);
        out.push_str(&rest[open + 1..close]);
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out.replace("**", "").replace("__", "").replace('`', "")
}

#[cfg(test)]
mod tests {
    use super::*;

    const MD_BRIEF: &str = "---
date: 2026-05-14
source: Meridian Policy Review
---
# Manila Reinforces Second Thomas Shoal Outpost

Philippine boats resupplied the grounded ship despite **water cannon** fire.

![Coast guard vessels near a reef](img/shoal.jpg)

## Key Takeaways

- The resupply reached the outpost after a four-hour standoff.
- Washington restated its treaty commitment.

## Strategic Analysis

Manila is testing how far [Beijing](https://example.org) will go.

## Details

Body paragraph one.

Body paragraph two.
";

    #[test]
    fn markdown_brief_with_front_matter() {
        let p = parse(MD_BRIEF, None);
        assert_eq!(
            p.title.as_deref(),
            Some("Manila Reinforces Second Thomas Shoal Outpost")
        );
        assert_eq!(p.date.as_deref(), Some("2026-05-14"));
        assert_eq!(p.source.as_deref(), Some("Meridian Policy Review"));
        assert_eq!(
            p.summary.as_deref(),
            Some("Philippine boats resupplied the grounded ship despite water cannon fire.")
        );
        assert_eq!(
            p.caption.as_deref(),
            Some("Coast guard vessels near a reef")
        );
        assert_eq!(p.takeaways.len(), 2);
        assert_eq!(
            p.analysis.as_deref(),
            Some("Manila is testing how far Beijing will go.")
        );
        assert_eq!(p.body, vec!["Body paragraph one.", "Body paragraph two."]);
    }

    #[test]
    fn markdown_without_front_matter_and_unknown_headings() {
        let p = parse("# Title\n\nLede.\n\n## Background\n\nOlder events.\n", None);
        assert_eq!(p.title.as_deref(), Some("Title"));
        assert_eq!(p.summary.as_deref(), Some("Lede."));
        assert_eq!(p.body, vec!["Background", "Older events."]);
    }

    #[test]
    fn unterminated_front_matter_is_text() {
        // The `---` is a rule, the date line is still read, nothing is lost.
        let p = parse("---\ndate: 2026-01-01\nno end\n", None);
        assert_eq!(p.date.as_deref(), Some("2026-01-01"));
        assert_eq!(p.title.as_deref(), Some("no end"));
    }
}
