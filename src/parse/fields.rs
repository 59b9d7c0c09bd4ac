//! One mapping of record field names to brief fields, for CSV and JSON.
//!
//! The common names are understood without configuration (`headline` is a
//! title, `text` and `content` are the body, `published_at` is the date ...);
//! `--field NAME=COLUMN` maps any other column to a brief field. Names are
//! compared case-insensitively, with spaces and dashes read as `_`
//! (`Publish Date` is `publish_date`).

use std::fmt;

use serde::{Deserialize, Serialize};

/// A brief field a record's column can fill.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Target {
    Id,
    Title,
    Summary,
    Caption,
    Takeaways,
    Analysis,
    Body,
    Date,
    Url,
    Source,
}

impl Target {
    pub const ALL: [Target; 10] = [
        Target::Id,
        Target::Title,
        Target::Summary,
        Target::Caption,
        Target::Takeaways,
        Target::Analysis,
        Target::Body,
        Target::Date,
        Target::Url,
        Target::Source,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Target::Id => "id",
            Target::Title => "title",
            Target::Summary => "summary",
            Target::Caption => "caption",
            Target::Takeaways => "takeaways",
            Target::Analysis => "analysis",
            Target::Body => "body",
            Target::Date => "date",
            Target::Url => "url",
            Target::Source => "source",
        }
    }

    pub fn from_name(name: &str) -> Option<Target> {
        let key = normalize_key(name);
        Target::ALL
            .into_iter()
            .find(|t| t.name() == key)
            .or(match key.as_str() {
                "lede" => Some(Target::Summary),
                "text" => Some(Target::Body),
                "takeaway" => Some(Target::Takeaways),
                _ => None,
            })
    }

    /// The column names understood without `--field`, best first.
    pub fn aliases(self) -> &'static [&'static str] {
        match self {
            Target::Id => &["id", "article_id", "story_id", "doc_id", "guid", "uuid"],
            Target::Title => &["title", "headline", "heading", "head"],
            Target::Summary => &[
                "summary",
                "lede",
                "standfirst",
                "subtitle",
                "subheadline",
                "description",
                "dek",
                "abstract",
                "teaser",
            ],
            Target::Caption => &["caption", "image_caption", "photo_caption"],
            Target::Takeaways => &["takeaways", "key_takeaways", "key_points"],
            Target::Analysis => &["analysis", "strategic_analysis"],
            Target::Body => &[
                "body",
                "text",
                "content",
                "article",
                "full_text",
                "article_text",
                "body_text",
                "story",
            ],
            Target::Date => &[
                "date",
                "published",
                "publish_date",
                "published_at",
                "pubdate",
                "pub_date",
                "publication_date",
                "published_date",
                "date_published",
                "datetime",
            ],
            Target::Url => &["url", "link", "permalink", "web_url", "canonical_url"],
            Target::Source => &[
                "source",
                "publisher",
                "outlet",
                "publication",
                "site_name",
                "source_name",
            ],
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// `Publish Date` → `publish_date`.
pub fn normalize_key(key: &str) -> String {
    key.trim()
        .trim_start_matches('\u{feff}')
        .chars()
        .map(|c| match c {
            ' ' | '-' | '.' => '_',
            c => c.to_ascii_lowercase(),
        })
        .collect()
}

/// The user's mappings (`--field NAME=COLUMN`), on top of the built-in names.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FieldMap {
    /// (brief field, normalized column), in the order given.
    pub explicit: Vec<(Target, String)>,
}

impl FieldMap {
    /// Reads one `NAME=COLUMN`.
    pub fn add_arg(&mut self, arg: &str) -> Result<(), String> {
        let fields: Vec<&str> = Target::ALL.iter().map(|t| t.name()).collect();
        let Some((name, column)) = arg.split_once('=') else {
            return Err(format!(
                "--field `{arg}` is not NAME=COLUMN: write e.g. --field body=story_text (NAME is one of {})",
                fields.join(", ")
            ));
        };
        let Some(target) = Target::from_name(name) else {
            return Err(format!(
                "--field {arg}: `{}` is not a brief field; use one of {}",
                name.trim(),
                fields.join(", ")
            ));
        };
        let column = normalize_key(column);
        if column.is_empty() {
            return Err(format!(
                "--field {arg}: the column name is empty: write e.g. --field {target}=my_column"
            ));
        }
        self.explicit.push((target, column));
        Ok(())
    }

    pub fn is_empty(&self) -> bool {
        self.explicit.is_empty()
    }

    /// Which of a record's columns fill which field. `keys` are the record's
    /// column names as they stand.
    pub fn resolve(&self, keys: &[&str]) -> Resolved {
        let normalized: Vec<String> = keys.iter().map(|k| normalize_key(k)).collect();
        let mut used = vec![false; keys.len()];
        let mut columns: Vec<(Target, Vec<usize>)> = Vec::new();
        // The user's mappings first: they take their columns away from the
        // built-in names.
        for target in Target::ALL {
            let wanted: Vec<&String> = self
                .explicit
                .iter()
                .filter(|(t, _)| *t == target)
                .map(|(_, c)| c)
                .collect();
            if wanted.is_empty() {
                continue;
            }
            let mut found = Vec::new();
            for column in wanted {
                for (i, key) in normalized.iter().enumerate() {
                    if key == column && !used[i] {
                        used[i] = true;
                        found.push(i);
                    }
                }
            }
            columns.push((target, found));
        }
        for target in Target::ALL {
            if columns.iter().any(|(t, _)| *t == target) {
                continue;
            }
            let mut found = Vec::new();
            for alias in target.aliases() {
                for (i, key) in normalized.iter().enumerate() {
                    if key == alias && !used[i] {
                        used[i] = true;
                        found.push(i);
                    }
                }
            }
            columns.push((target, found));
        }
        columns.sort_by_key(|(t, _)| *t);
        let ignored = (0..keys.len()).filter(|&i| !used[i]).collect();
        Resolved { columns, ignored }
    }

    /// Mapped columns that none of these keys match, for a warning.
    pub fn missing<'a>(&'a self, keys: &[&str]) -> Vec<&'a (Target, String)> {
        let normalized: Vec<String> = keys.iter().map(|k| normalize_key(k)).collect();
        self.explicit
            .iter()
            .filter(|(_, c)| !normalized.contains(c))
            .collect()
    }
}

/// A record's columns sorted by the brief field they fill.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// For each field, the indices of its columns, best first.
    columns: Vec<(Target, Vec<usize>)>,
    /// Columns that fill no field.
    pub ignored: Vec<usize>,
}

impl Resolved {
    pub fn columns(&self, target: Target) -> &[usize] {
        self.columns
            .iter()
            .find(|(t, _)| *t == target)
            .map(|(_, c)| c.as_slice())
            .unwrap_or(&[])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_names_without_configuration() {
        let keys = [
            "Headline",
            "Text",
            "Publish Date",
            "link",
            "publisher",
            "article_id",
            "category",
            "Description",
        ];
        let r = FieldMap::default().resolve(&keys);
        assert_eq!(r.columns(Target::Title), &[0]);
        assert_eq!(r.columns(Target::Body), &[1]);
        assert_eq!(r.columns(Target::Date), &[2]);
        assert_eq!(r.columns(Target::Url), &[3]);
        assert_eq!(r.columns(Target::Source), &[4]);
        assert_eq!(r.columns(Target::Id), &[5]);
        assert_eq!(r.columns(Target::Summary), &[7]);
        assert_eq!(r.ignored, vec![6]);
    }

    #[test]
    fn user_mappings_win_and_take_their_column() {
        let mut map = FieldMap::default();
        map.add_arg("body=Story Text").unwrap();
        map.add_arg("summary=text").unwrap();
        let keys = ["title", "story_text", "text", "notes"];
        let r = map.resolve(&keys);
        assert_eq!(r.columns(Target::Body), &[1]);
        assert_eq!(r.columns(Target::Summary), &[2]);
        assert_eq!(r.ignored, vec![3]);
        // Two names for one field: both, in the order of the aliases.
        let r = FieldMap::default().resolve(&["summary", "title", "lede"]);
        assert_eq!(r.columns(Target::Summary), &[0, 2]);
    }

    #[test]
    fn bad_field_arguments_are_refused_with_the_fix() {
        let mut map = FieldMap::default();
        assert!(map.add_arg("body").unwrap_err().contains("NAME=COLUMN"));
        let err = map.add_arg("footnote=x").unwrap_err();
        assert!(err.contains("title") && err.contains("body"), "{err}");
        assert!(map.add_arg("body=").unwrap_err().contains("empty"));
        assert!(map.is_empty());
    }
}
