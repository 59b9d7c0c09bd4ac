//! A user's query string to what the searcher needs: the tantivy query that
//! selects and ranks passages, the terms that lift briefs whose title
//! matches, and the plan for highlighting (terms, prefixes, whole phrases).
//!
//! The syntax is tantivy's. All words must match by default; besides BM25,
//! a passage gains when the words of the query stand together (exactly, or
//! within a few words) so that a phrase-like match outranks scattered words.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::Result;
use tantivy::query::{
    BooleanQuery, BoostQuery, Occur, PhraseQuery, Query, QueryParser, QueryParserError,
};
use tantivy::query_grammar::{Delimiter, UserInputAst, UserInputLeaf, UserInputLiteral};
use tantivy::schema::Field;
use tantivy::tokenizer::{TextAnalyzer, TokenStream};
use tantivy::{Index, Term};

use crate::brief::Section;
use crate::schema::Fields;

/// Extra score for passages whose words stand next to each other, in order.
const ADJACENT_BOOST: f32 = 1.0;
/// Extra score for passages whose words stand within `NEAR_SLOP` positions.
const NEAR_BOOST: f32 = 0.5;
const NEAR_SLOP: u32 = 6;

/// What to highlight in passages of one section.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct HighlightPlan {
    /// Single analysed terms (stems).
    pub terms: BTreeSet<String>,
    /// Analysed prefixes (`nucl*`).
    pub prefixes: BTreeSet<String>,
    /// Phrases as analysed terms, each with its slop.
    pub phrases: Vec<(Vec<String>, u32)>,
}

/// A compiled query.
pub struct CompiledQuery {
    /// Selects and ranks passages.
    pub query: Box<dyn Query>,
    /// Analysed positive terms, to look up in titles.
    pub title_terms: Vec<String>,
    /// Highlighting per section.
    pub plans: BTreeMap<Section, HighlightPlan>,
}

/// A query the user must fix; the message says how.
#[derive(Debug)]
pub struct QueryError(pub String);

impl std::fmt::Display for QueryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for QueryError {}

fn valid_fields() -> String {
    Section::ALL
        .iter()
        .map(|s| s.query_field())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Makes everyday queries parse: an apostrophe inside a word (`Israel's`)
/// is not a quote, so it becomes a typographic one, which the analyzer
/// splits on like the text's own apostrophes.
pub fn normalize(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    chars
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            let inside_word = i > 0
                && i + 1 < chars.len()
                && chars[i - 1].is_alphanumeric()
                && chars[i + 1].is_alphanumeric();
            if c == '\'' && inside_word {
                '’'
            } else {
                c
            }
        })
        .collect()
}

pub fn compile(
    index: &Index,
    fields: &Fields,
    analyzer: &TextAnalyzer,
    text: &str,
) -> Result<CompiledQuery> {
    let normalized = normalize(text);
    let text = normalized.as_str();
    if text.trim().is_empty() {
        return Err(
            QueryError("the query is empty: give at least one word to look for".into()).into(),
        );
    }
    let ast = tantivy::query_grammar::parse_query(text).map_err(|_| syntax_error(text))?;
    check_fields(&ast)?;

    let mut parser = QueryParser::for_index(index, fields.section_fields());
    parser.set_conjunction_by_default();
    let main = parser
        .parse_query(text)
        .map_err(|e| parser_error(text, e))?;

    let mut walk = Walk {
        analyzer: analyzer.clone(),
        plans: BTreeMap::new(),
        title_terms: Vec::new(),
        bare_words: Vec::new(),
    };
    walk.visit(&ast, false);

    let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, main)];
    if walk.bare_words.len() >= 2 {
        for section in Section::ALL {
            let field = fields.section_field(section);
            for (slop, boost) in [(0, ADJACENT_BOOST), (NEAR_SLOP, NEAR_BOOST)] {
                let phrase = phrase_query(field, &walk.bare_words, slop);
                clauses.push((
                    Occur::Should,
                    Box::new(BoostQuery::new(Box::new(phrase), boost)),
                ));
            }
        }
    }
    let query: Box<dyn Query> = if clauses.len() == 1 {
        clauses
            .pop()
            .map(|(_, q)| q)
            .unwrap_or_else(|| Box::new(BooleanQuery::new(vec![])))
    } else {
        Box::new(BooleanQuery::new(clauses))
    };
    let mut title_terms = walk.title_terms;
    title_terms.sort();
    title_terms.dedup();
    Ok(CompiledQuery {
        query,
        title_terms,
        plans: walk.plans,
    })
}

fn phrase_query(field: Field, words: &[String], slop: u32) -> PhraseQuery {
    let terms = words
        .iter()
        .enumerate()
        .map(|(i, w)| (i, Term::from_field_text(field, w)))
        .collect();
    PhraseQuery::new_with_offset_and_slop(terms, slop)
}

/// Rejects `field:` prefixes other than the section fields.
fn check_fields(ast: &UserInputAst) -> Result<()> {
    match ast {
        UserInputAst::Clause(clauses) => clauses.iter().try_for_each(|(_, a)| check_fields(a)),
        UserInputAst::Boost(inner, _) => check_fields(inner),
        UserInputAst::Leaf(leaf) => {
            let field = match leaf.as_ref() {
                UserInputLeaf::Literal(lit) => lit.field_name.as_deref(),
                UserInputLeaf::Range { field, .. }
                | UserInputLeaf::Set { field, .. }
                | UserInputLeaf::Regex { field, .. } => field.as_deref(),
                UserInputLeaf::Exists { field } => Some(field.as_str()),
                UserInputLeaf::All => None,
            };
            match field {
                Some(name) if Section::ALL.iter().all(|s| s.query_field() != name) => {
                    Err(QueryError(format!(
                        "unknown field `{name}:` in the query; valid fields are {} (or put the words in quotes)",
                        valid_fields()
                    ))
                    .into())
                }
                _ => Ok(()),
            }
        }
    }
}

fn syntax_error(text: &str) -> anyhow::Error {
    let (_, errors) = tantivy::query_grammar::parse_query_lenient(text);
    let position = errors.first().map(|e| e.pos).unwrap_or(0);
    let column = text[..position.min(text.len())].chars().count() + 1;
    let quotes = text.matches('"').count();
    let opens = text.matches('(').count();
    let closes = text.matches(')').count();
    let hint = if quotes % 2 == 1 {
        "close the quote, or search the words without quotes"
    } else if opens != closes {
        "balance the parentheses"
    } else {
        "put the words in quotes, or escape special characters (: ^ ~ * ( ) [ ] { } \" -) with a backslash"
    };
    let detail = errors
        .first()
        .map(|e| format!(" ({})", e.message))
        .unwrap_or_default();
    QueryError(format!(
        "query syntax error at column {column}{detail}: {hint}"
    ))
    .into()
}

fn parser_error(text: &str, err: QueryParserError) -> anyhow::Error {
    match err {
        QueryParserError::SyntaxError(_) => syntax_error(text),
        QueryParserError::FieldDoesNotExist(name) => QueryError(format!(
            "unknown field `{name}:` in the query; valid fields are {}",
            valid_fields()
        ))
        .into(),
        QueryParserError::AllButQueryForbidden => {
            QueryError("the query only excludes words: add at least one word to look for".into())
                .into()
        }
        other => QueryError(format!("the query cannot be run: {other}")).into(),
    }
}

struct Walk {
    analyzer: TextAnalyzer,
    plans: BTreeMap<Section, HighlightPlan>,
    title_terms: Vec<String>,
    /// Analysed words of unquoted, unfielded positive literals, in order.
    bare_words: Vec<String>,
}

impl Walk {
    fn analyse(&mut self, text: &str) -> Vec<String> {
        let mut stream = self.analyzer.token_stream(text);
        let mut out = Vec::new();
        while stream.advance() {
            out.push(stream.token().text.clone());
        }
        out
    }

    fn sections_of(field: Option<&str>) -> Vec<Section> {
        match field {
            None => Section::ALL.to_vec(),
            Some(name) => Section::from_name(name).into_iter().collect(),
        }
    }

    fn visit(&mut self, ast: &UserInputAst, negated: bool) {
        match ast {
            UserInputAst::Clause(clauses) => {
                for (occur, sub) in clauses {
                    let neg =
                        negated ^ matches!(occur, Some(tantivy::query_grammar::Occur::MustNot));
                    self.visit(sub, neg);
                }
            }
            UserInputAst::Boost(inner, _) => self.visit(inner, negated),
            UserInputAst::Leaf(leaf) if !negated => match leaf.as_ref() {
                UserInputLeaf::Literal(lit) => self.literal(lit),
                UserInputLeaf::Set { field, elements } => {
                    for element in elements {
                        let words = self.analyse(element);
                        self.add(field.as_deref(), &words, 0, false);
                    }
                }
                _ => {}
            },
            UserInputAst::Leaf(_) => {}
        }
    }

    fn literal(&mut self, lit: &UserInputLiteral) {
        let words = self.analyse(&lit.phrase);
        if words.is_empty() {
            return;
        }
        if lit.field_name.is_none() && lit.delimiter == Delimiter::None && !lit.prefix {
            self.bare_words.extend(words.iter().cloned());
        }
        self.add(lit.field_name.as_deref(), &words, lit.slop, lit.prefix);
    }

    fn add(&mut self, field: Option<&str>, words: &[String], slop: u32, prefix: bool) {
        self.title_terms.extend(words.iter().cloned());
        for section in Self::sections_of(field) {
            let plan = self.plans.entry(section).or_default();
            match words {
                [] => {}
                [one] if prefix => {
                    plan.prefixes.insert(one.clone());
                }
                [one] => {
                    plan.terms.insert(one.clone());
                }
                many => plan.phrases.push((many.to_vec(), slop)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema;

    fn compiled(text: &str) -> Result<CompiledQuery> {
        let (schema, fields) = schema::build();
        let index = Index::create_in_ram(schema);
        schema::register_tokenizers(&index);
        compile(&index, &fields, &schema::analyzer(), text)
    }

    fn err(text: &str) -> String {
        match compiled(text) {
            Ok(_) => panic!("{text} should fail"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn plans_hold_terms_and_whole_phrases_not_negated_words() {
        let q = compiled(r#""nuclear talks" Iran -Israel"#).unwrap();
        let body = &q.plans[&Section::Body];
        assert_eq!(body.terms, BTreeSet::from(["iran".to_string()]));
        assert_eq!(
            body.phrases,
            vec![(vec!["nuclear".to_string(), "talk".to_string()], 0)]
        );
        assert!(!q.title_terms.contains(&"israel".to_string()));
    }

    #[test]
    fn fielded_words_only_plan_their_section() {
        let q = compiled("takeaways:missiles").unwrap();
        assert!(q.plans[&Section::Takeaway].terms.contains("missil"));
        assert!(!q.plans.contains_key(&Section::Body));
    }

    #[test]
    fn unknown_field_names_the_valid_ones() {
        let message = err("foo:bar");
        assert!(message.contains("unknown field `foo:`"), "{message}");
        assert!(message.contains("takeaways"), "{message}");
    }

    #[test]
    fn syntax_errors_say_where_and_what_to_do() {
        let message = err(r#"talks AND (iran"#);
        assert!(message.contains("column"), "{message}");
    }

    #[test]
    fn apostrophes_inside_words_are_not_quotes() {
        assert_eq!(normalize("Israel's 'quoted'"), "Israel’s 'quoted'");
        let q = compiled("Israel's options").unwrap();
        assert_eq!(
            q.plans[&Section::Body].phrases,
            vec![(vec!["israel".to_string(), "s".to_string()], 0)]
        );
    }

    #[test]
    fn only_negative_or_empty() {
        assert!(err("-iran").contains("only excludes"));
        assert!(err("   ").contains("empty"));
    }
}
