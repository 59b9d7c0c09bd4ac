//! A user's query string to what the searcher needs: the tantivy query that
//! selects and ranks *briefs* (one document each, a field per section), the
//! query's units (words, prefixes, phrases, each with the sections it may
//! match in) by which passages are matched and scored, and the plan for
//! highlighting (terms, prefixes, whole phrases).
//!
//! The syntax is tantivy's, over the whole brief: all words must match by
//! default, anywhere in the brief (each word in any section; `title:Mosul
//! body:civilians` in those sections); a phrase and `"…"~N` match within one
//! passage; `-word` excludes the brief. A word's score is the sum of its
//! BM25 in each section's field, weighted by section, each field with its
//! own length statistics; besides, a brief gains where the words of the
//! query stand together (exactly, or within a few words) in one passage.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::Result;
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, DisjunctionMaxQuery, EmptyQuery, Occur, PhrasePrefixQuery,
    PhraseQuery, Query, RegexQuery, TermQuery, TermSetQuery,
};
use tantivy::query_grammar::Occur as GrammarOccur;
use tantivy::query_grammar::{Delimiter, UserInputAst, UserInputLeaf, UserInputLiteral};
use tantivy::schema::Field;
use tantivy::schema::IndexRecordOption;
use tantivy::tokenizer::{TextAnalyzer, TokenStream};
use tantivy::Term;

use crate::bm25f::Bm25fQuery;
use crate::brief::Section;
use crate::schema::{self, Fields};

/// Extra score for briefs whose words stand next to each other, in order,
/// in one passage.
const ADJACENT_BOOST: f32 = 0.5;
/// Extra score for briefs whose words stand within `NEAR_SLOP` positions
/// in one passage.
const NEAR_BOOST: f32 = 0.25;
pub const NEAR_SLOP: u32 = 6;

/// The weight of a word's match in each section, in `Section::ALL` order: a
/// title names the subject of the brief, a lede summarises it, a caption
/// describes a picture.
pub const SECTION_WEIGHTS: [f32; 6] = [1.0, 1.0, 0.5, 1.0, 1.0, 1.0];

/// The weight of matches in one section.
pub fn section_weight(section: Section) -> f32 {
    let i = Section::ALL.iter().position(|&s| s == section).unwrap_or(5);
    SECTION_WEIGHTS[i]
}

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

/// One thing the query looks for, by which passages match: a word, a
/// prefix, or a phrase (its words with their offsets, and its slop), in the
/// sections where it may match.
#[derive(Debug, Clone, PartialEq)]
pub struct Unit {
    pub words: Vec<(usize, String)>,
    pub slop: u32,
    pub prefix: bool,
    pub sections: Vec<Section>,
}

impl Unit {
    /// How a person reads it: `missil`, `nucl*`, `"nuclear talk"~2`.
    pub fn display(&self) -> String {
        let words: Vec<&str> = self.words.iter().map(|(_, w)| w.as_str()).collect();
        match (words.len(), self.prefix) {
            (1, true) => format!("{}*", words[0]),
            (1, false) => words[0].to_string(),
            (_, _) if self.slop > 0 => format!("\"{}\"~{}", words.join(" "), self.slop),
            _ => format!("\"{}\"", words.join(" ")),
        }
    }
}

/// A compiled query.
pub struct CompiledQuery {
    /// Selects and ranks briefs.
    pub query: Box<dyn Query>,
    /// What passages are matched by, positive only, without repeats.
    pub units: Vec<Unit>,
    /// Highlighting per section.
    pub plans: BTreeMap<Section, HighlightPlan>,
    /// The searched sections, and the words whose standing together lifts
    /// a brief.
    pub sections: Vec<Section>,
    pub bare_words: Vec<String>,
}

/// The parts of a compiled query's score, each alone as a query, with the
/// sections it searches: every word as its BM25F over its sections, every
/// prefix and phrase in each section (weighted as in the brief query), and
/// the closeness of the bare words. For `--explain`.
pub fn explain_parts(
    fields: &Fields,
    compiled: &CompiledQuery,
) -> Vec<(String, Vec<Section>, Box<dyn Query>)> {
    let mut out: Vec<(String, Vec<Section>, Box<dyn Query>)> = Vec::new();
    for unit in &compiled.units {
        if unit.words.len() == 1 && !unit.prefix {
            let weighted = unit
                .sections
                .iter()
                .map(|&s| (fields.section_field(s), section_weight(s)))
                .collect();
            let query = Bm25fQuery::new(&unit.words[0].1, weighted);
            out.push((unit.display(), unit.sections.clone(), Box::new(query)));
            continue;
        }
        for &section in &unit.sections {
            let field = fields.section_field(section);
            let query: Option<Box<dyn Query>> = if unit.prefix {
                RegexQuery::from_pattern(&format!("{}.*", unit.words[0].1), field)
                    .ok()
                    .map(|q| Box::new(q) as Box<dyn Query>)
            } else {
                let terms = unit
                    .words
                    .iter()
                    .map(|(p, w)| (*p, Term::from_field_text(field, w)))
                    .collect();
                Some(Box::new(PhraseQuery::new_with_offset_and_slop(
                    terms, unit.slop,
                )))
            };
            if let Some(query) = query {
                let weighted = BoostQuery::new(query, section_weight(section));
                out.push((unit.display(), vec![section], Box::new(weighted)));
            }
        }
    }
    if compiled.bare_words.len() >= 2 {
        let words = compiled.bare_words.join(" ");
        for &section in &compiled.sections {
            let field = fields.section_field(section);
            for (slop, boost) in [(0, ADJACENT_BOOST), (NEAR_SLOP, NEAR_BOOST)] {
                let phrase = phrase_query(field, &compiled.bare_words, slop);
                let what = if slop == 0 {
                    format!("together:\"{words}\"")
                } else {
                    format!("near:\"{words}\"~{slop}")
                };
                let query = BoostQuery::new(Box::new(phrase), boost);
                out.push((what, vec![section], Box::new(query)));
            }
        }
    }
    out
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

/// Compiles a query over the given sections (all when empty).
pub fn compile(
    fields: &Fields,
    analyzer: &TextAnalyzer,
    text: &str,
    sections: &[Section],
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
    let sections: Vec<Section> = if sections.is_empty() {
        Section::ALL.to_vec()
    } else {
        Section::ALL
            .into_iter()
            .filter(|s| sections.contains(s))
            .collect()
    };

    let builder = Builder {
        fields,
        analyzer: analyzer.clone(),
        prefix_analyzer: schema::prefix_analyzer(),
        sections: &sections,
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
        units: Vec::new(),
        bare_words: Vec::new(),
        sections: &sections,
    };
    walk.visit(&ast, false);
    let Walk {
        plans,
        units,
        bare_words,
        ..
    } = walk;

    let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, main)];
    if bare_words.len() >= 2 {
        // The best section where the words stand together counts, once.
        for (slop, boost) in [(0, ADJACENT_BOOST), (NEAR_SLOP, NEAR_BOOST)] {
            let phrases: Vec<Box<dyn Query>> = sections
                .iter()
                .map(|&section| {
                    let phrase = phrase_query(fields.section_field(section), &bare_words, slop);
                    Box::new(phrase) as Box<dyn Query>
                })
                .collect();
            let best = DisjunctionMaxQuery::new(phrases);
            clauses.push((
                Occur::Should,
                Box::new(BoostQuery::new(Box::new(best), boost)),
            ));
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
    drop(builder);
    Ok(CompiledQuery {
        query,
        units,
        plans,
        sections,
        bare_words,
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
    /// The sections searched (`--section`, or all).
    sections: &'a [Section],
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

    /// The sections a leaf searches, each with its weight: the one it
    /// names, or every searched section; none when it names a section
    /// outside `--section`.
    fn fields_of(&self, name: Option<&str>) -> Vec<(Field, f32)> {
        sections_of(name, self.sections)
            .into_iter()
            .map(|s| (self.fields.section_field(s), section_weight(s)))
            .collect()
    }

    fn leaf(&self, leaf: &UserInputLeaf) -> Result<Option<Box<dyn Query>>> {
        let per_field: Vec<Box<dyn Query>> = match leaf {
            UserInputLeaf::Literal(lit) => {
                let fields = self.fields_of(lit.field_name.as_deref());
                if fields.is_empty() {
                    return Ok(Some(Box::new(EmptyQuery)));
                }
                if !is_prefix(lit) {
                    if let [(_, word)] = analyse(&self.analyzer, &lit.phrase).as_slice() {
                        return Ok(Some(Box::new(Bm25fQuery::new(word, fields))));
                    }
                }
                let mut out = Vec::new();
                for (field, weight) in fields {
                    out.extend(
                        self.literal(field, lit)
                            .map(|q| Box::new(BoostQuery::new(q, weight)) as Box<dyn Query>),
                    );
                }
                out
            }
            UserInputLeaf::Set { field, elements } => {
                let mut out = Vec::new();
                for (f, _) in self.fields_of(field.as_deref()) {
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

/// The sections a leaf naming `name` (or none) searches among `searched`.
fn sections_of(name: Option<&str>, searched: &[Section]) -> Vec<Section> {
    match name {
        None => searched.to_vec(),
        Some(name) => Section::from_name(name)
            .filter(|s| searched.contains(s))
            .into_iter()
            .collect(),
    }
}

struct Walk<'a> {
    analyzer: TextAnalyzer,
    plans: BTreeMap<Section, HighlightPlan>,
    units: Vec<Unit>,
    /// Analysed words of unquoted, unfielded positive literals, in order.
    bare_words: Vec<String>,
    sections: &'a [Section],
}

impl Walk<'_> {
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
                        let words = analyse(&self.analyzer, element);
                        self.add(field.as_deref(), words, 0, false);
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
        } else {
            analyse(&self.analyzer, &lit.phrase)
        };
        if words.is_empty() {
            return;
        }
        if lit.field_name.is_none() && lit.delimiter == Delimiter::None && !prefix {
            self.bare_words.extend(words.iter().map(|(_, w)| w.clone()));
        }
        self.add(lit.field_name.as_deref(), words, lit.slop, prefix);
    }

    fn add(&mut self, field: Option<&str>, words: Vec<(usize, String)>, slop: u32, prefix: bool) {
        let sections = sections_of(field, self.sections);
        if sections.is_empty() || words.is_empty() {
            return;
        }
        // A prefix of several words is a phrase whose last word is a prefix:
        // passages are matched by its first words as a phrase.
        let (words, prefix) = match (prefix, words.len()) {
            (true, n) if n > 1 => (words[..n - 1].to_vec(), false),
            _ => (words, prefix),
        };
        let slop = if words.len() > 1 { slop } else { 0 };
        let plain: Vec<String> = words.iter().map(|(_, w)| w.clone()).collect();
        for &section in &sections {
            let plan = self.plans.entry(section).or_default();
            match plain.as_slice() {
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
        // Offsets relative to the first word.
        let first = words[0].0;
        let unit = Unit {
            words: words.into_iter().map(|(p, w)| (p - first, w)).collect(),
            slop,
            prefix,
            sections,
        };
        match self
            .units
            .iter_mut()
            .find(|u| u.words == unit.words && u.slop == unit.slop && u.prefix == unit.prefix)
        {
            Some(same) => {
                for s in unit.sections {
                    if !same.sections.contains(&s) {
                        same.sections.push(s);
                    }
                }
                same.sections.sort();
            }
            None => self.units.push(unit),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema;

    fn compiled(text: &str) -> Result<CompiledQuery> {
        let (_, fields) = schema::build();
        compile(&fields, &schema::analyzer(), text, &[])
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
        let units: Vec<String> = q.units.iter().map(Unit::display).collect();
        assert_eq!(units, vec!["\"nuclear talk\"", "iran"]);
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
