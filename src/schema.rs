//! The one tantivy schema of a briefs index, and its typed field handles.
//!
//! An index holds two kinds of documents. A *passage* document is one
//! searchable unit: its text is indexed in the field of its section (so that
//! `takeaways:missiles` needs no filter) and stored once. A *brief* document
//! carries the brief's metadata and actors (its texts are rebuilt from its
//! passages for display and `briefs show`) and no indexed text, so it never
//! matches a text query. Both carry the brief's key.

use tantivy::schema::Value;
use tantivy::schema::{
    Field, IndexRecordOption, NumericOptions, Schema, TextFieldIndexing, TextOptions, STORED,
    STRING,
};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{Index, TantivyDocument};

use crate::brief::Section;
use crate::tokenizer::WordTokenizer;

/// Bumped whenever the schema or the tokenizer changes the bytes of an index.
pub const SCHEMA_VERSION: u32 = 9;

/// The analyzer of every text field: words, lower case, accents folded,
/// English stems.
pub const TOKENIZER: &str = "briefs_en";

/// The `section` value of a brief document.
pub const BRIEF_RECORD: u64 = 15;

/// Typed handles to every field.
#[derive(Clone, Debug)]
pub struct Fields {
    /// One indexed text field per section, in `Section::ALL` order.
    sections: [Field; 6],
    /// Section code (fast), or `BRIEF_RECORD` on a brief document.
    pub section: Field,
    /// The passage's 1-based ordinal in its section (stored).
    pub ordinal: Field,
    /// `brief::brief_key` of the brief id (indexed, fast).
    pub brief_key: Field,
    /// The brief id (indexed as one token, stored) on brief documents.
    pub brief_id: Field,
    /// The brief without its section texts (id, path, title, source, date,
    /// url, actors) as JSON, stored on brief documents; the texts are stored
    /// once, in the passages.
    pub brief_meta: Field,
    /// The brief's actors (facet paths such as `/country/Iran`, one term
    /// each), on the brief document only: a passage filter by brief actor
    /// goes through the keys of the matching briefs, and actor counts read
    /// the postings of each path.
    pub actors: Field,
    /// The actors a passage itself names, on passage documents, each as the
    /// `actors::path_key` of its facet path.
    pub passage_actors: Field,
    /// On a passage: how many documents before it its brief document is.
    /// A brief's documents are added as one batch, so they are contiguous in
    /// one segment, and a hit finds its brief without a search.
    pub record_offset: Field,
}

impl Fields {
    pub fn section_field(&self, section: Section) -> Field {
        let index = Section::ALL
            .iter()
            .position(|&s| s == section)
            .unwrap_or_default();
        self.sections[index]
    }

    /// A passage document's text: the one value of its section's field,
    /// which is both indexed and stored.
    pub fn passage_text<'a>(&self, doc: &'a TantivyDocument) -> &'a str {
        self.sections
            .iter()
            .find_map(|&field| doc.get_first(field).and_then(|v| v.as_str()))
            .unwrap_or_default()
    }

    pub fn section_fields(&self) -> Vec<Field> {
        self.sections.to_vec()
    }

    /// The section a text field belongs to, if it is one.
    pub fn section_of(&self, field: Field) -> Option<Section> {
        self.sections
            .iter()
            .position(|&f| f == field)
            .map(|i| Section::ALL[i])
    }
}

/// Names of the fast-field columns, for collectors.
pub const SECTION_COLUMN: &str = "section";
pub const BRIEF_KEY_COLUMN: &str = "brief_key";
pub const RECORD_OFFSET_COLUMN: &str = "record_offset";

/// Builds the schema and its field handles.
pub fn build() -> (Schema, Fields) {
    let mut builder = Schema::builder();
    let text_options = TextOptions::default()
        .set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(TOKENIZER)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        )
        .set_stored();
    let sections =
        Section::ALL.map(|s| builder.add_text_field(s.query_field(), text_options.clone()));
    let section = builder.add_u64_field(
        SECTION_COLUMN,
        NumericOptions::default().set_fast().set_stored(),
    );
    let ordinal = builder.add_u64_field("ordinal", STORED);
    let brief_key = builder.add_u64_field(
        BRIEF_KEY_COLUMN,
        NumericOptions::default().set_indexed().set_fast(),
    );
    let brief_id = builder.add_text_field("brief_id", STRING | STORED);
    let brief_meta = builder.add_text_field("brief_meta", STORED);
    // One plain term per path: no facet ancestors, no column.
    let actors = builder.add_text_field("actors", STRING);
    // Only ever filtered on, never counted: a column of eight-byte keys,
    // written in order at indexing time (no term dictionary to grow), read
    // by a range filter over the candidates of a query.
    let passage_actors =
        builder.add_u64_field("passage_actors", NumericOptions::default().set_fast());
    let record_offset =
        builder.add_u64_field(RECORD_OFFSET_COLUMN, NumericOptions::default().set_fast());
    let fields = Fields {
        sections,
        section,
        ordinal,
        brief_key,
        brief_id,
        brief_meta,
        actors,
        passage_actors,
        record_offset,
    };
    (builder.build(), fields)
}

/// The field handles of an opened index, checked against this build's schema.
pub fn fields_of(index: &Index) -> anyhow::Result<Fields> {
    let (expected, fields) = build();
    if index.schema() != expected {
        anyhow::bail!("the index was written with another schema");
    }
    Ok(fields)
}

/// The analyzer shared by indexing, query parsing and snippets: words, lower
/// case, accents folded, English stems (see `tokenizer`).
pub fn analyzer() -> TextAnalyzer {
    TextAnalyzer::from(WordTokenizer::new(true))
}

/// The analyzer of `word*` prefixes: like `analyzer` but without stemming,
/// since a prefix is not a word.
pub fn prefix_analyzer() -> TextAnalyzer {
    TextAnalyzer::from(WordTokenizer::new(false))
}

/// Registers our analyzer on an index (tokenizers are not persisted).
pub fn register_tokenizers(index: &Index) {
    index.tokenizers().register(TOKENIZER, analyzer());
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::tokenizer::TokenStream;

    fn tokens(text: &str) -> Vec<String> {
        let mut analyzer = analyzer();
        let mut stream = analyzer.token_stream(text);
        let mut out = Vec::new();
        while stream.advance() {
            out.push(stream.token().text.clone());
        }
        out
    }

    #[test]
    fn analyzer_stems_lowercases_and_folds() {
        assert_eq!(tokens("Talks TALKED"), vec!["talk", "talk"]);
        assert_eq!(tokens("Israel’s Türkiye"), vec!["israel", "s", "turkiy"]);
        assert_eq!(tokens("U.S.–Iran"), vec!["u", "s", "iran"]);
    }

    #[test]
    fn every_section_has_its_own_field() {
        let (schema, fields) = build();
        for section in Section::ALL {
            let field = fields.section_field(section);
            assert_eq!(schema.get_field_name(field), section.query_field());
            assert_eq!(fields.section_of(field), Some(section));
        }
    }
}
