//! BM25F for one word over a brief's section fields: the word's occurrences
//! in each section, weighted by section and normalised by that section's
//! length against the same section's average over the index, are summed
//! before BM25's saturation, with one idf for the brief as a whole
//! (Robertson, Zaragoza and Taylor 2004, "Simple BM25 extension to
//! multiple weighted fields"). Summing a BM25 per field instead saturates
//! each field apart and gives a word that is rare in one field (a title) a
//! large idf there, so a word repeated across sections or a rare title word
//! would outweigh a brief that is about the query.

use tantivy::fieldnorm::FieldNormReader;
use tantivy::postings::{Postings, SegmentPostings};
use tantivy::query::{EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocId, DocSet, Score, SegmentReader, Term, TERMINATED};

/// BM25's saturation and length normalisation.
pub const K1: Score = 1.2;
pub const B: Score = 0.5;

/// BM25's idf of a word found in `df` of `n` documents.
pub fn idf(df: u64, n: u64) -> Score {
    let (df, n) = (df as Score, n.max(1) as Score);
    (1.0 + (n - df + 0.5) / (df + 0.5)).ln()
}

/// One analysed word over several fields, each with its weight.
#[derive(Clone, Debug)]
pub struct Bm25fQuery {
    word: String,
    fields: Vec<(Field, Score)>,
}

impl Bm25fQuery {
    pub fn new(word: &str, fields: Vec<(Field, Score)>) -> Bm25fQuery {
        Bm25fQuery {
            word: word.to_string(),
            fields,
        }
    }
}

impl Query for Bm25fQuery {
    fn weight(&self, scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        let mut fields = Vec::with_capacity(self.fields.len());
        let mut idf_value = 1.0;
        match scoring {
            EnableScoring::Enabled {
                statistics_provider: stats,
                ..
            } => {
                let n = stats.total_num_docs()?.max(1);
                // A brief holds the word when any section does; the section
                // where it is most common is the closest count of those.
                let mut df = 0;
                for &(field, weight) in &self.fields {
                    let term = Term::from_field_text(field, &self.word);
                    df = df.max(stats.doc_freq(&term)?);
                    let average = stats.total_num_tokens(field)? as Score / n as Score;
                    fields.push((term, weight, average.max(1.0)));
                }
                idf_value = idf(df, n);
            }
            EnableScoring::Disabled { .. } => {
                for &(field, weight) in &self.fields {
                    fields.push((Term::from_field_text(field, &self.word), weight, 1.0));
                }
            }
        }
        Ok(Box::new(Bm25fWeight {
            fields,
            idf: idf_value,
        }))
    }

    fn query_terms<'a>(&'a self, _visitor: &mut dyn FnMut(&'a Term, bool)) {}
}

struct Bm25fWeight {
    /// Each field's term, weight and average length.
    fields: Vec<(Term, Score, Score)>,
    idf: Score,
}

impl Bm25fWeight {
    fn segment_scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Bm25fScorer> {
        let mut parts = Vec::new();
        for (term, weight, average) in &self.fields {
            let inverted = reader.inverted_index(term.field())?;
            if let Some(postings) = inverted.read_postings(term, IndexRecordOption::WithFreqs)? {
                let norms = reader.get_fieldnorms_reader(term.field())?;
                parts.push(Part {
                    postings,
                    norms,
                    weight: *weight,
                    average: *average,
                });
            }
        }
        let mut scorer = Bm25fScorer {
            parts,
            doc: TERMINATED,
            factor: boost * self.idf * (K1 + 1.0),
        };
        scorer.doc = scorer.min_doc();
        Ok(scorer)
    }
}

impl Weight for Bm25fWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        Ok(Box::new(self.segment_scorer(reader, boost)?))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let mut scorer = self.segment_scorer(reader, 1.0)?;
        if scorer.seek(doc) != doc {
            return Err(tantivy::TantivyError::InvalidArgument(format!(
                "document #({doc}) does not match"
            )));
        }
        let mut explanation = Explanation::new("BM25F", scorer.score());
        explanation.add_const("idf", self.idf);
        Ok(explanation)
    }
}

struct Part {
    postings: SegmentPostings,
    norms: FieldNormReader,
    weight: Score,
    average: Score,
}

/// The union of the word's postings in each field, scored by BM25F.
struct Bm25fScorer {
    parts: Vec<Part>,
    doc: DocId,
    /// boost × idf × (k1 + 1).
    factor: Score,
}

impl Bm25fScorer {
    fn min_doc(&self) -> DocId {
        self.parts
            .iter()
            .map(|p| p.postings.doc())
            .min()
            .unwrap_or(TERMINATED)
    }
}

impl DocSet for Bm25fScorer {
    fn advance(&mut self) -> DocId {
        let doc = self.doc;
        for part in &mut self.parts {
            if part.postings.doc() == doc {
                part.postings.advance();
            }
        }
        self.doc = self.min_doc();
        self.doc
    }

    fn seek(&mut self, target: DocId) -> DocId {
        for part in &mut self.parts {
            if part.postings.doc() < target {
                part.postings.seek(target);
            }
        }
        self.doc = self.min_doc();
        self.doc
    }

    fn doc(&self) -> DocId {
        self.doc
    }

    fn size_hint(&self) -> u32 {
        self.parts
            .iter()
            .map(|p| p.postings.size_hint())
            .sum::<u32>()
    }
}

impl Scorer for Bm25fScorer {
    fn score(&mut self) -> Score {
        let doc = self.doc;
        let mut tf = 0.0;
        for part in &self.parts {
            if part.postings.doc() == doc {
                let length = part.norms.fieldnorm(doc) as Score;
                let norm = 1.0 - B + B * length / part.average;
                tf += part.weight * part.postings.term_freq() as Score / norm;
            }
        }
        self.factor * tf / (tf + K1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::collector::TopDocs;
    use tantivy::schema::{Schema, TEXT};
    use tantivy::{doc, Index};

    #[test]
    fn each_field_is_normalised_by_its_own_average_and_the_idf_is_the_commonest_sections() {
        let mut builder = Schema::builder();
        let title = builder.add_text_field("title", TEXT);
        let body = builder.add_text_field("body", TEXT);
        let index = Index::create_in_ram(builder.build());
        let mut writer: tantivy::IndexWriter = index.writer(15_000_000).unwrap();
        let long: String = (0..50).map(|i| format!("w{i} ")).collect();
        writer
            .add_document(doc!(title => "grain corridor", body => long.clone()))
            .unwrap();
        writer
            .add_document(doc!(title => "a b c d", body => format!("{long} grain")))
            .unwrap();
        writer
            .add_document(doc!(title => "x y z w v u", body => long))
            .unwrap();
        writer.commit().unwrap();
        let searcher = index.reader().unwrap().searcher();
        let query = Bm25fQuery::new("grain", vec![(title, 2.0), (body, 1.0)]);
        let top = searcher
            .search(&query, &TopDocs::with_limit(3).order_by_score())
            .unwrap();
        assert_eq!(top.len(), 2);
        // The word is in one title and one body of three briefs: the idf is
        // that of the field where it is commonest (1 of 3), not a sum.
        let idf = idf(1, 3);
        // Doc 0: a title of 2 words against the titles' average of 4.
        let tf = 2.0 / (1.0 - B + B * 2.0 / 4.0);
        let expected = idf * tf * (K1 + 1.0) / (tf + K1);
        assert_eq!(top[0].1.doc_id, 0);
        assert!(
            (top[0].0 - expected).abs() < 1e-4,
            "{} {expected}",
            top[0].0
        );
        // Doc 1: a body of 51 words against the bodies' average of 50.33.
        // tantivy stores lengths above 40 approximately.
        let stored = searcher
            .segment_reader(0)
            .get_fieldnorms_reader(body)
            .unwrap()
            .fieldnorm(1);
        assert!((48..=54).contains(&stored), "{stored}");
        let tf = 1.0 / (1.0 - B + B * stored as f32 / (151.0 / 3.0));
        let expected = idf * tf * (K1 + 1.0) / (tf + K1);
        assert!(
            (top[1].0 - expected).abs() < 1e-4,
            "{} {expected}",
            top[1].0
        );
    }
}
