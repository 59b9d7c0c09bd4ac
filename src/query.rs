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
    AllQuery, BooleanQuery, BoostQuery, Occur, PhrasePrefixQuery, PhraseQuery, Query, RegexQuery,
    TermQuery, TermSetQuery,
};
use tantivy::query_grammar::Occur as GrammarOccur;
use tantivy::query_grammar::{Delimiter, UserInputAst, UserInputLeaf, UserInputLiteral};
use tantivy::schema::Field;
use tantivy::schema::IndexRecordOption;
use tantivy::tokenizer::{TextAnalyzer, TokenStream};
use tantivy::Term;

use crate::brief::Section;
use crate::schema::{self, Fields};

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
/// splits on like the text's own apostrophes; control characters (pasted
/// escape codes, tabs, newlines) are spaces.
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
            } else if c.is_control() {
                ' '
            } else {
                c
            }
        })
        .collect()
}

pub fn compile(fields: &Fields, analyzer: &TextAnalyzer, text: &str) -> Result<CompiledQuery> {
    let normalized = normalize(text);
    let text = normalized.as_str();
    if text.trim().is_empty() {
        return Err(
            QueryError("the query is empty: give at least one word to look for".into()).into(),
        );
    }
    let ast = tantivy::query_grammar::parse_query(text).map_err(|_| syntax_error(text))?;
    check_fields(&ast)?;

    let builder = Builder {
        fields,
        analyzer: analyzer.clone(),
        prefix_analyzer: schema::prefix_analyzer(),
    };
    let main = match builder.build(&ast)? {
        Some(query) if has_positive(&ast) => query,
        _ => {
            return Err(QueryError(
                "the query only excludes words: add at least one word to look for".into(),
            )
            .into())
        }
    };

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
    let reported = errors.first().filter(|e| e.pos > 0 && e.pos <= text.len());
    // Where the lenient parser cannot say, the first word whose addition
    // breaks the query is the place.
    let position = match reported {
        Some(e) => e.pos,
        None => first_breaking_word(text),
    };
    let column = text[..position.min(text.len())].chars().count() + 1;
    let word = text[position.min(text.len())..]
        .split_whitespace()
        .next()
        .unwrap_or("");
    let quotes = text.matches('"').count();
    let opens = text.matches('(').count();
    let closes = text.matches(')').count();
    let option_hint;
    let hint = if word.starts_with("--") {
        option_hint =
            format!("`{word}` looks like an option: give options outside the query's quotes");
        option_hint.as_str()
    } else if quotes % 2 == 1 {
        "close the quote, or search the words without quotes"
    } else if opens != closes {
        "balance the parentheses"
    } else {
        "put the words in quotes, or escape special characters (: ^ ~ * ( ) [ ] { } \" -) with a backslash"
    };
    let detail = reported
        .map(|e| format!(" ({})", e.message.replace("\\\"", "\"")))
        .unwrap_or_default();
    QueryError(format!(
        "query syntax error at column {column}{detail}: {hint}"
    ))
    .into()
}

/// The byte offset of the first word after which the query no longer
/// parses (0 when even the first word does not).
fn first_breaking_word(text: &str) -> usize {
    let starts: Vec<usize> = text
        .char_indices()
        .filter(|&(i, c)| {
            !c.is_whitespace() && (i == 0 || text[..i].ends_with(char::is_whitespace))
        })
        .map(|(i, _)| i)
        .collect();
    for (k, &start) in starts.iter().enumerate() {
        let end = starts.get(k + 1).copied().unwrap_or(text.len());
        if tantivy::query_grammar::parse_query(&text[..end]).is_err() {
            return start;
        }
    }
    0
}

/// True when the query holds something to look for, not only exclusions.
fn has_positive(ast: &UserInputAst) -> bool {
    match ast {
        UserInputAst::Clause(clauses) => clauses
            .iter()
            .any(|(occur, sub)| !matches!(occur, Some(GrammarOccur::MustNot)) && has_positive(sub)),
        UserInputAst::Boost(inner, _) => has_positive(inner),
        UserInputAst::Leaf(_) => true,
    }
}

/// A word with a trailing `*` (`nucl*`): a prefix, whether or not the
/// grammar marked it.
fn is_prefix(lit: &UserInputLiteral) -> bool {
    lit.prefix || (lit.delimiter == Delimiter::None && lit.phrase.ends_with('*'))
}

/// Builds the tantivy query from the parsed query, with tantivy's meaning
/// (all words required by default, `OR`, `-`, `+`, phrases with slop, field
/// prefixes) and real prefix search for `word*`.
struct Builder<'a> {
    fields: &'a Fields,
    analyzer: TextAnalyzer,
    prefix_analyzer: TextAnalyzer,
}

impl Builder<'_> {
    fn build(&self, ast: &UserInputAst) -> Result<Option<Box<dyn Query>>> {
        match ast {
            UserInputAst::Clause(clauses) => {
                let mut built: Vec<(Occur, Box<dyn Query>)> = Vec::new();
                for (occur, sub) in clauses {
                    let occur = match occur {
                        Some(GrammarOccur::Should) => Occur::Should,
                        Some(GrammarOccur::MustNot) => Occur::MustNot,
                        Some(GrammarOccur::Must) | None => Occur::Must,
                    };
                    if let Some(query) = self.build(sub)? {
                        built.push((occur, query));
                    }
                }
                Ok(match built.len() {
                    0 => None,
                    1 if built[0].0 != Occur::MustNot => built.pop().map(|(_, q)| q),
                    _ => Some(Box::new(BooleanQuery::new(built))),
                })
            }
            UserInputAst::Boost(inner, boost) => Ok(self.build(inner)?.map(|q| {
                Box::new(BoostQuery::new(q, boost.into_inner() as f32)) as Box<dyn Query>
            })),
            UserInputAst::Leaf(leaf) => self.leaf(leaf),
        }
    }

    fn fields_of(&self, name: Option<&str>) -> Vec<Field> {
        match name.and_then(Section::from_name) {
            Some(section) => vec![self.fields.section_field(section)],
            None => self.fields.section_fields(),
        }
    }

    fn leaf(&self, leaf: &UserInputLeaf) -> Result<Option<Box<dyn Query>>> {
        let per_field: Vec<Box<dyn Query>> = match leaf {
            UserInputLeaf::Literal(lit) => {
                let mut out = Vec::new();
                for field in self.fields_of(lit.field_name.as_deref()) {
                    out.extend(self.literal(field, lit));
                }
                out
            }
            UserInputLeaf::Set { field, elements } => {
                let mut out = Vec::new();
                for f in self.fields_of(field.as_deref()) {
                    let terms: Vec<Term> = elements
                        .iter()
                        .flat_map(|e| analyse(&self.analyzer, e))
                        .map(|(_, t)| Term::from_field_text(f, &t))
                        .collect();
                    if !terms.is_empty() {
                        out.push(Box::new(TermSetQuery::new(terms)) as Box<dyn Query>);
                    }
                }
                out
            }
            UserInputLeaf::All => vec![Box::new(AllQuery) as Box<dyn Query>],
            UserInputLeaf::Range { .. } | UserInputLeaf::Regex { .. } | UserInputLeaf::Exists { .. } => {
                return Err(QueryError(
                    "ranges, regular expressions and field existence are not supported in briefs queries: search words and phrases".into(),
                )
                .into())
            }
        };
        Ok(match per_field.len() {
            0 => None,
            1 => per_field.into_iter().next(),
            _ => Some(Box::new(BooleanQuery::new(
                per_field.into_iter().map(|q| (Occur::Should, q)).collect(),
            ))),
        })
    }

    fn literal(&self, field: Field, lit: &UserInputLiteral) -> Option<Box<dyn Query>> {
        if is_prefix(lit) {
            let words = analyse(&self.prefix_analyzer, lit.phrase.trim_end_matches('*'));
            return match words.as_slice() {
                [] => None,
                [(_, prefix)] => RegexQuery::from_pattern(&format!("{prefix}.*"), field)
                    .ok()
                    .map(|q| Box::new(q) as Box<dyn Query>),
                _ => {
                    let mut terms: Vec<(usize, Term)> =
                        analyse(&self.analyzer, lit.phrase.trim_end_matches('*'))
                            .into_iter()
                            .map(|(pos, t)| (pos, Term::from_field_text(field, &t)))
                            .collect();
                    if let (Some(last), Some((_, prefix))) = (terms.last_mut(), words.last()) {
                        last.1 = Term::from_field_text(field, prefix);
                    }
                    Some(Box::new(PhrasePrefixQuery::new_with_offset(terms)))
                }
            };
        }
        let words = analyse(&self.analyzer, &lit.phrase);
        match words.as_slice() {
            [] => None,
            [(_, word)] => Some(Box::new(TermQuery::new(
                Term::from_field_text(field, word),
                IndexRecordOption::WithFreqs,
            ))),
            _ => {
                let terms = words
                    .iter()
                    .map(|(pos, w)| (*pos, Term::from_field_text(field, w)))
                    .collect();
                Some(Box::new(PhraseQuery::new_with_offset_and_slop(
                    terms, lit.slop,
                )))
            }
        }
    }
}

/// Analysed tokens with their positions.
fn analyse(analyzer: &TextAnalyzer, text: &str) -> Vec<(usize, String)> {
    let mut analyzer = analyzer.clone();
    let mut stream = analyzer.token_stream(text);
    let mut out = Vec::new();
    while stream.advance() {
        let token = stream.token();
        out.push((token.position, token.text.clone()));
    }
    out
}

struct Walk {
    analyzer: TextAnalyzer,
    plans: BTreeMap<Section, HighlightPlan>,
    title_terms: Vec<String>,
    /// Analysed words of unquoted, unfielded positive literals, in order.
    bare_words: Vec<String>,
}

impl Walk {
    /// The analysed words of a text, without positions.
    fn analyse(&self, text: &str) -> Vec<String> {
        analyse(&self.analyzer, text)
            .into_iter()
            .map(|(_, word)| word)
            .collect()
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
        let prefix = is_prefix(lit);
        let words = if prefix {
            analyse(&schema::prefix_analyzer(), lit.phrase.trim_end_matches('*'))
                .into_iter()
                .map(|(_, w)| w)
                .collect()
        } else {
            self.analyse(&lit.phrase)
        };
        if words.is_empty() {
            return;
        }
        if lit.field_name.is_none() && lit.delimiter == Delimiter::None && !prefix {
            self.bare_words.extend(words.iter().cloned());
        }
        self.add(lit.field_name.as_deref(), &words, lit.slop, prefix);
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
        let (_, fields) = schema::build();
        compile(&fields, &schema::analyzer(), text)
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
        let message = err("takeaways:missiles --actor Iran");
        assert!(message.contains("column 20"), "{message}");
        assert!(
            message.contains("`--actor` looks like an option"),
            "{message}"
        );
    }

    #[test]
    fn apostrophes_inside_words_are_not_quotes() {
        assert_eq!(normalize("Israel's 'quoted'"), "Israel’s 'quoted'");
        assert_eq!(normalize("a\u{1b}[31mb\tc"), "a [31mb c");
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
