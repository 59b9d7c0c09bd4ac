//! The one tantivy schema of a briefs index, and its typed field handles.
//!
//! An index holds one document per brief. Each section has its own text
//! field (`title`, `summary`, `caption`, `takeaways`, `analysis`, `body`),
//! so that every field has its own length statistics and a field query
//! (`takeaways:missiles`) needs no filter; takeaways and body paragraphs are
//! the values of a multi-valued field, each on its own stride of positions
//! (`tokenizer::PASSAGE_STRIDE`), so that a match's position names its
//! passage and no phrase spans two passages. The section fields are indexed
//! only: the brief itself (all its texts) is stored once, as JSON.

use tantivy::schema::{
    Field, IndexRecordOption, NumericOptions, Schema, TextFieldIndexing, TextOptions, STORED,
    STRING,
};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::Index;

use crate::brief::Section;
use crate::tokenizer::WordTokenizer;

/// Bumped whenever the schema or the tokenizer changes the bytes of an index.
pub const SCHEMA_VERSION: u32 = 10;

/// The analyzer of every text field: words, lower case, accents folded,
/// English stems.
pub const TOKENIZER: &str = "briefs_en";

/// Typed handles to every field.
#[derive(Clone, Debug)]
pub struct Fields {
    /// One indexed text field per section, in `Section::ALL` order.
    sections: [Field; 6],
    /// `brief::brief_key` of the brief id (indexed, fast).
    pub brief_key: Field,
    /// The brief id (indexed as one token, stored).
    pub brief_id: Field,
    /// The whole brief (`Brief`, texts included) as JSON, stored.
    pub brief_json: Field,
    /// The brief's actors (facet paths such as `/country/Iran`, one term
    /// each): filters and counts read their postings.
    pub actors: Field,
    /// The actors each passage names: one value per (passage, actor), the
    /// passage's `brief::PassageId` in the top 16 bits and the low 48 bits
    /// of `actors::path_key` of the actor's path (fast).
    pub passage_actors: Field,
    /// The brief's date as days since 1970-01-01, when it has one (fast).
    pub date: Field,
    /// How many passages each section of the brief has (`shape_value`),
    /// for the passage statistics of each section (fast).
    pub shape: Field,
}

impl Fields {
    pub fn section_field(&self, section: Section) -> Field {
        let index = Section::ALL
            .iter()
            .position(|&s| s == section)
            .unwrap_or_default();
        self.sections[index]
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
pub const BRIEF_KEY_COLUMN: &str = "brief_key";
pub const PASSAGE_ACTORS_COLUMN: &str = "passage_actors";
pub const DATE_COLUMN: &str = "date";
pub const SHAPE_COLUMN: &str = "shape";

/// The number of passages of each section (`Section::ALL` order) in one u64:
/// a bit each for the single-valued sections, 16 bits for takeaways, 32 for
/// body paragraphs.
pub fn shape_value(counts: [u64; 6]) -> u64 {
    let one = |n: u64| n.min(1);
    one(counts[0])
        | one(counts[1]) << 1
        | one(counts[2]) << 2
        | one(counts[4]) << 3
        | counts[3].min(0xffff) << 8
        | counts[5].min(0xffff_ffff) << 24
}

/// The counts packed by `shape_value`.
pub fn shape_counts(value: u64) -> [u64; 6] {
    [
        value & 1,
        value >> 1 & 1,
        value >> 2 & 1,
        value >> 8 & 0xffff,
        value >> 3 & 1,
        value >> 24 & 0xffff_ffff,
    ]
}

/// The passages of each section (`Section::ALL` order) over every document
/// of a segment, deleted ones included, from its shapes: a block of values
/// at a time. A segment never changes, so neither does this.
pub fn segment_passages(segment: &tantivy::SegmentReader) -> tantivy::Result<[u64; 6]> {
    let shape = segment.fast_fields().u64(SHAPE_COLUMN)?;
    let mut sums = [0u64; 6];
    let mut values = vec![0u64; 1024];
    let total = u64::from(shape.values.num_vals());
    let mut start = 0;
    while start < total {
        let block = &mut values[..(total - start).min(1024) as usize];
        shape.values.get_range(start, block);
        for &value in block.iter() {
            for (sum, count) in sums.iter_mut().zip(shape_counts(value)) {
                *sum += count;
            }
        }
        start += block.len() as u64;
    }
    Ok(sums)
}

/// The bits of a `passage_actors` value that hold the actor's path key.
pub const PASSAGE_ACTOR_MASK: u64 = (1 << 48) - 1;

/// Builds the schema and its field handles.
pub fn build() -> (Schema, Fields) {
    let mut builder = Schema::builder();
    let text_options = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(TOKENIZER)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    let sections =
        Section::ALL.map(|s| builder.add_text_field(s.query_field(), text_options.clone()));
    let brief_key = builder.add_u64_field(
        BRIEF_KEY_COLUMN,
        NumericOptions::default().set_indexed().set_fast(),
    );
    let brief_id = builder.add_text_field("brief_id", STRING | STORED);
    let brief_json = builder.add_text_field("brief_json", STORED);
    // One plain term per path: no facet ancestors, no column.
    let actors = builder.add_text_field("actors", STRING);
    let passage_actors =
        builder.add_u64_field(PASSAGE_ACTORS_COLUMN, NumericOptions::default().set_fast());
    let date = builder.add_i64_field(
        DATE_COLUMN,
        NumericOptions::default().set_fast().set_indexed(),
    );
    let shape = builder.add_u64_field(SHAPE_COLUMN, NumericOptions::default().set_fast());
    let fields = Fields {
        sections,
        brief_key,
        brief_id,
        brief_json,
        actors,
        passage_actors,
        date,
        shape,
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

/// Registers our analyzer on an index (tokenizers are not persisted): the
/// indexing form, which places each value of a field on its own stride.
pub fn register_tokenizers(index: &Index) {
    index
        .tokenizers()
        .register(TOKENIZER, TextAnalyzer::from(WordTokenizer::indexing()));
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::postings::Postings;
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
    fn shapes_round_trip() {
        for counts in [
            [1, 0, 1, 5, 1, 12],
            [0, 1, 0, 0, 0, 70_000],
            [1, 1, 1, 1, 1, 1],
        ] {
            assert_eq!(shape_counts(shape_value(counts)), counts);
        }
    }

    #[test]
    fn indexing_positions_give_each_value_its_stride() {
        use crate::tokenizer::{FIRST_VALUE, PASSAGE_STRIDE};
        let (schema, fields) = build();
        let index = Index::create_in_ram(schema);
        register_tokenizers(&index);
        let mut writer: tantivy::IndexWriter = index.writer(15_000_000).unwrap();
        let body = fields.section_field(Section::Body);
        let mut doc = tantivy::TantivyDocument::default();
        doc.add_text(body, format!("{FIRST_VALUE}missiles were seen"));
        doc.add_text(body, "");
        doc.add_text(body, "more missiles");
        writer.add_document(doc).unwrap();
        let mut doc = tantivy::TantivyDocument::default();
        doc.add_text(body, format!("{FIRST_VALUE}no match"));
        doc.add_text(body, "the missiles");
        writer.add_document(doc).unwrap();
        writer.commit().unwrap();
        let searcher = index.reader().unwrap().searcher();
        let segment = searcher.segment_reader(0);
        let inverted = segment.inverted_index(body).unwrap();
        let term = tantivy::Term::from_field_text(body, "missil");
        let mut postings = inverted
            .read_postings(&term, IndexRecordOption::WithFreqsAndPositions)
            .unwrap()
            .unwrap();
        let mut positions = Vec::new();
        postings.positions(&mut positions);
        assert_eq!(positions, vec![0, 2 * PASSAGE_STRIDE + 1]);
        tantivy::DocSet::advance(&mut postings);
        postings.positions(&mut positions);
        assert_eq!(positions, vec![PASSAGE_STRIDE + 1]);
        // Token counts are words, not positions.
        let norms = segment.get_fieldnorms_reader(body).unwrap();
        assert_eq!(norms.fieldnorm(0), 5);
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
