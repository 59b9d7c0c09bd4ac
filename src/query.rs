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
use std::ops::Bound;

use anyhow::Result;
use tantivy::query::{
    AllQuery, Bm25StatisticsProvider, Bm25Weight, BooleanQuery, BoostQuery, EmptyQuery, Occur,
    PhrasePrefixQuery, PhraseQuery, Query, RangeQuery, TermQuery, TermSetQuery,
};
use tantivy::query_grammar::Occur as GrammarOccur;
use tantivy::query_grammar::{
    Delimiter, UserInputAst, UserInputBound, UserInputLeaf, UserInputLiteral,
};
use tantivy::schema::Field;
use tantivy::schema::IndexRecordOption;
use tantivy::tokenizer::{TextAnalyzer, TokenStream};
use tantivy::Term;

use crate::bm25f::Bm25fQuery;
use crate::brief::Section;
use crate::schema::{self, Fields};
use crate::when::{self, DateRange};

/// The query-language field of a brief's date (`date:2026-02`,
/// `date:[2026-01-01 TO 2026-03-31]`, `date:>=2026-02`).
pub const DATE_FIELD: &str = "date";

/// A `word~N` matches words within this many edits at most.
pub const MAX_FUZZY_DISTANCE: u32 = 2;

/// The words the index holds within `distance` edits of an analysed word,
/// most frequent first (the word itself among them when it is there).
pub type Vocabulary<'a> = &'a dyn Fn(&str, u32) -> Vec<String>;

/// Extra score for briefs whose words stand next to each other, in order,
/// in one passage.
const ADJACENT_BOOST: f32 = 0.5;
/// Extra score for briefs whose words stand within `NEAR_SLOP` positions
/// in one passage.
const NEAR_BOOST: f32 = 0.25;
pub const NEAR_SLOP: u32 = 6;
/// The proximity clauses: each slop with its boost.
const PROXIMITY: [(u32, f32); 2] = [(0, ADJACENT_BOOST), (NEAR_SLOP, NEAR_BOOST)];

/// Weight of a word's BM25 in the title field alone, with the titles' own
/// statistics (idf among titles, length against other titles), added to
/// the brief's BM25F for each bare word of the query its title holds. In
/// BM25F a title word is one more occurrence, saturated together with the
/// body's, so a brief *named* for the query gains little over one that
/// mentions it; this gives the title its own, saturating channel, as
/// Lucene's multi-field BM25 does. Measured on the judged Reuters test
/// (scripts/eval-relevance, 57 topics): MAP@100 0.406 -> 0.422, nDCG@10
/// 0.798 -> 0.799; 0.25 and 1.0 give 0.417 and 0.423, each half of the
/// topics gains on its own.
pub const TITLE_LIFT: f32 = 0.5;

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
    /// What briefs gain where the words of the query stand together, added
    /// to `query`'s score: for each clause, its boost times the best score
    /// of its phrase among the sections (none for fewer than two words).
    pub proximity: Vec<ProximityClause>,
    /// What passages are matched by, positive only, without repeats.
    pub units: Vec<Unit>,
    /// Highlighting per section.
    pub plans: BTreeMap<Section, HighlightPlan>,
    /// The searched sections, and the words whose standing together lifts
    /// a brief.
    pub sections: Vec<Section>,
    pub bare_words: Vec<String>,
    /// The dates every match must fall in (`date:` clauses that every
    /// match must meet); open when the query has none.
    pub dates: DateRange,
    /// What was understood differently from how it was written (an
    /// unknown `word:` searched as text), one line each, for stderr.
    pub notes: Vec<String>,
    /// The plain words of the query as written (not negated, not quoted,
    /// not prefixes or fuzzy), with their analysed form and sections: what
    /// a spelling suggestion may replace.
    pub words: Vec<QueryWord>,
}

/// A plain word of the query, as written and analysed.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryWord {
    pub written: String,
    pub analysed: String,
    pub sections: Vec<Section>,
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
                Some(prefix_query(field, &unit.words[0].1))
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
    for (word, query) in title_lift(fields, &compiled.sections, &compiled.bare_words) {
        out.push((format!("title-lift:{word}"), vec![Section::Title], query));
    }
    let words = compiled.bare_words.join(" ");
    for (i, &section) in compiled.sections.iter().enumerate() {
        for clause in &compiled.proximity {
            let what = match clause.slop {
                0 => format!("together:\"{words}\""),
                slop => format!("near:\"{words}\"~{slop}"),
            };
            let query = BoostQuery::new(clause.phrases[i].box_clone(), clause.boost);
            out.push((what, vec![section], Box::new(query)));
        }
    }
    out
}

/// One proximity clause: its slop, its boost, and its phrase of the bare
/// words in each searched section (in `CompiledQuery::sections` order).
pub struct ProximityClause {
    pub slop: u32,
    pub boost: f32,
    pub phrases: Vec<Box<dyn Query>>,
}

impl ProximityClause {
    /// Whether the phrase of `words` words occurs in a section no more
    /// often than the rarest of its words there; else no more often than
    /// the most frequent: tantivy counts a phrase of three words or more
    /// with slop by its last word's positions, which can outnumber the
    /// rarest word's.
    pub fn by_rarest(&self, words: usize) -> bool {
        self.slop == 0 || words <= 2
    }
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
    query_fields().join(", ")
}

/// Makes everyday queries parse: an apostrophe inside a word (`Israel's`,
/// `Israel’s`) is not a quote, so it becomes a typographic one, which the
/// analyzer splits on like the text's own apostrophes; curly and low double
/// quotes pasted from documents (`“nuclear talks”`) are straight quotes, and
/// curly single quotes outside words are straight single quotes; control
/// characters (pasted escape codes, tabs, newlines) are spaces.
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
            match c {
                '\'' | '’' | '‘' | '‚' | '‛' if inside_word => '’',
                '’' | '‘' | '‚' | '‛' => '\'',
                '“' | '”' | '„' | '‟' | '″' => '"',
                c if c.is_control() => ' ',
                c => c,
            }
        })
        .collect()
}

/// The field names of the query language.
fn query_fields() -> Vec<&'static str> {
    let mut names: Vec<&str> = Section::ALL.iter().map(|s| s.query_field()).collect();
    names.push(DATE_FIELD);
    names
}

/// Edits (insertions, deletions, substitutions, swaps of neighbours) from
/// `a` to `b`, by character.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut rows = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in rows.iter_mut().enumerate() {
        row[0] = i;
    }
    rows[0] = (0..=b.len()).collect();
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (rows[i - 1][j] + 1)
                .min(rows[i][j - 1] + 1)
                .min(rows[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(rows[i - 2][j - 2] + 1);
            }
            rows[i][j] = best;
        }
    }
    rows[a.len()][b.len()]
}

/// Whether `name` looks like a misspelt field name (`tittle`, `Titel`).
fn near_field(name: &str) -> bool {
    let lower = name.to_lowercase();
    let allowed = if lower.chars().count() <= 5 { 1 } else { 2 };
    query_fields()
        .iter()
        .any(|f| edit_distance(&lower, f) <= allowed)
}

/// Forgives `word:` where `word` is no field: a clock time (`10:30`), a URL
/// (`http://…`), a label (`Note:`) is searched as text, and a note says so.
/// A field name in capitals (`Title:`) is the field. A near miss of a field
/// name (`tittle:`) is left for the parser to reject with the field names.
pub fn forgive_fields(text: &str) -> (String, Vec<String>) {
    let mut out = String::with_capacity(text.len() + 8);
    let mut notes = Vec::new();
    let mut in_quotes = false;
    let mut token = String::new();
    let flush = |token: &mut String, out: &mut String, notes: &mut Vec<String>| {
        if !token.is_empty() {
            out.push_str(&forgive_token(token, notes));
            token.clear();
        }
    };
    for c in text.chars() {
        if c == '"' {
            in_quotes = !in_quotes;
        }
        if c.is_whitespace() && !in_quotes {
            flush(&mut token, &mut out, &mut notes);
            out.push(c);
        } else {
            token.push(c);
        }
    }
    flush(&mut token, &mut out, &mut notes);
    (out, notes)
}

fn forgive_token(token: &str, notes: &mut Vec<String>) -> String {
    let lead_len = token.len() - token.trim_start_matches(['+', '-', '(']).len();
    let (lead, rest) = token.split_at(lead_len);
    let trail_len = rest.len() - rest.trim_end_matches(')').len();
    let (core, trail) = rest.split_at(rest.len() - trail_len);
    let Some(colon) = core.find(':') else {
        return token.to_string();
    };
    let name = &core[..colon];
    let special = |c: char| "\"'()[]{}^~*\\<>=!".contains(c);
    if name.is_empty() || name.contains(special) {
        return token.to_string();
    }
    let fields = query_fields();
    if fields.contains(&name) {
        return token.to_string();
    }
    let lower = name.to_lowercase();
    if fields.contains(&lower.as_str()) {
        return format!("{lead}{lower}{}{trail}", &core[colon..]);
    }
    if near_field(name) {
        return token.to_string();
    }
    let after = &core[colon + 1..];
    let text = if after.is_empty() {
        name.to_string()
    } else if after.starts_with(['"', '(', '[', '{', '>', '<']) {
        format!("{name} {after}")
    } else {
        format!("\"{}\"", core.replace(['"', '\\'], " "))
    };
    notes.push(format!(
        "`{name}:` is not a field, so `{core}` is searched as text (fields are {})",
        query_fields().join(", ")
    ));
    format!("{lead}{text}{trail}")
}

/// Compiles a query over the given sections (none: it matches nothing, as
/// a section no brief has); fuzzy words
/// (`missles~1`) become the index's words within that many edits, from
/// `vocabulary`.
pub fn compile_with(
    fields: &Fields,
    analyzer: &TextAnalyzer,
    text: &str,
    sections: &[Section],
    vocabulary: Vocabulary<'_>,
) -> Result<CompiledQuery> {
    let normalized = normalize(text);
    if normalized.trim().is_empty() {
        return Err(
            QueryError("the query is empty: give at least one word to look for".into()).into(),
        );
    }
    let (forgiven, notes) = forgive_fields(&normalized);
    let text = forgiven.as_str();
    let ast = tantivy::query_grammar::parse_query(text).map_err(|_| syntax_error(text))?;
    check_fields(&ast)?;
    let (ast, dates) = take_dates(ast)?;
    let sections: Vec<Section> = Section::ALL
        .into_iter()
        .filter(|s| sections.contains(s))
        .collect();

    let builder = Builder {
        fields,
        analyzer: analyzer.clone(),
        prefix_analyzer: schema::prefix_analyzer(),
        sections: &sections,
        vocabulary,
    };
    let main = match &ast {
        // Only dates: every brief of those dates.
        None => Box::new(AllQuery) as Box<dyn Query>,
        Some(ast) => match builder.build(ast)? {
            Some(query) if has_positive(ast) => query,
            _ if has_positive(ast) => {
                return Err(QueryError(
                    "the query has no words: give at least one word to look for (punctuation alone is not searched)".into(),
                )
                .into())
            }
            _ => {
                return Err(QueryError(
                    "the query only excludes words: add at least one word to look for".into(),
                )
                .into())
            }
        },
    };

    let mut walk = Walk {
        analyzer: analyzer.clone(),
        plans: BTreeMap::new(),
        units: Vec::new(),
        bare_words: Vec::new(),
        words: Vec::new(),
        sections: &sections,
        vocabulary,
    };
    if let Some(ast) = &ast {
        walk.visit(ast, false);
    }
    let Walk {
        plans,
        units,
        bare_words,
        words,
        ..
    } = walk;

    let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, main)];
    let mut proximity: Vec<ProximityClause> = Vec::new();
    if bare_words.len() >= 2 {
        for (slop, boost) in PROXIMITY {
            let phrases: Vec<Box<dyn Query>> = sections
                .iter()
                .map(|&section| {
                    let phrase = phrase_query(fields.section_field(section), &bare_words, slop);
                    Box::new(phrase) as Box<dyn Query>
                })
                .collect();
            proximity.push(ProximityClause {
                slop,
                boost,
                phrases,
            });
        }
    }
    for (_, lift) in title_lift(fields, &sections, &bare_words) {
        clauses.push((Occur::Should, lift));
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
        proximity,
        units,
        plans,
        sections,
        bare_words,
        dates,
        notes,
        words,
    })
}

/// What bounds the proximity of `compiled` in each searched section: the
/// section's field, the query's words there, and the BM25 weight of their
/// phrase (tantivy's, as its phrase scorer has it): with each clause's
/// boost, what a brief can gain at most, from its words' frequencies alone
/// (see `ProximityClause::by_rarest`; a phrase's score rises with its
/// frequency).
pub fn proximity_sections(
    stats: &dyn Bm25StatisticsProvider,
    fields: &Fields,
    compiled: &CompiledQuery,
) -> tantivy::Result<Vec<(Field, Vec<Term>, Bm25Weight)>> {
    let mut out = Vec::new();
    if compiled.proximity.is_empty() {
        return Ok(out);
    }
    for &section in &compiled.sections {
        let field = fields.section_field(section);
        let terms: Vec<Term> = compiled
            .bare_words
            .iter()
            .map(|w| Term::from_field_text(field, w))
            .collect();
        let weight = Bm25Weight::for_terms(stats, &terms)?;
        out.push((field, terms, weight));
    }
    Ok(out)
}

/// The title lift of each bare word (once each), when titles are searched:
/// its BM25 in the title field, weighted by `TITLE_LIFT`.
fn title_lift(
    fields: &Fields,
    sections: &[Section],
    bare_words: &[String],
) -> Vec<(String, Box<dyn Query>)> {
    if !sections.contains(&Section::Title) {
        return Vec::new();
    }
    let field = fields.section_field(Section::Title);
    let mut seen = BTreeSet::new();
    bare_words
        .iter()
        .filter(|w| seen.insert(w.as_str()))
        .map(|w| {
            let term = TermQuery::new(
                Term::from_field_text(field, w),
                IndexRecordOption::WithFreqs,
            );
            let lift = BoostQuery::new(Box::new(term), TITLE_LIFT);
            (w.clone(), Box::new(lift) as Box<dyn Query>)
        })
        .collect()
}

/// The briefs holding a word that starts with `prefix` in `field`, every
/// such word of the index (a walk of the term dictionary's range, with no
/// automaton to build), scored as a constant.
fn prefix_query(field: Field, prefix: &str) -> Box<dyn Query> {
    let mut query = PhrasePrefixQuery::new(vec![Term::from_field_text(field, prefix)]);
    query.set_max_expansions(u32::MAX);
    Box::new(query)
}

/// The query selecting briefs dated within `range`.
pub fn date_query(fields: &Fields, range: DateRange) -> Box<dyn Query> {
    let bound = |day: Option<i64>| match day {
        Some(day) => Bound::Included(Term::from_field_i64(fields.date, day)),
        None => Bound::Unbounded,
    };
    match (range.from, range.to) {
        (None, None) => Box::new(RangeQuery::new(
            Bound::Included(Term::from_field_i64(fields.date, i64::MIN)),
            Bound::Unbounded,
        )),
        (from, to) => Box::new(RangeQuery::new(bound(from), bound(to))),
    }
}

/// Whether a leaf is about the date field.
fn is_date_leaf(ast: &UserInputAst) -> bool {
    match ast {
        UserInputAst::Leaf(leaf) => match leaf.as_ref() {
            UserInputLeaf::Literal(lit) => lit.field_name.as_deref() == Some(DATE_FIELD),
            UserInputLeaf::Range { field, .. } => field.as_deref() == Some(DATE_FIELD),
            _ => false,
        },
        _ => false,
    }
}

/// The days a `date:` leaf matches.
fn date_range_of(leaf: &UserInputLeaf) -> Result<DateRange> {
    let span = |text: &str| when::span(text).ok_or_else(|| QueryError(when::bad_date(text)));
    match leaf {
        UserInputLeaf::Literal(lit) => {
            let (from, to) = span(&lit.phrase)?;
            Ok(DateRange {
                from: Some(from),
                to: Some(to),
            })
        }
        UserInputLeaf::Range { lower, upper, .. } => {
            let from = match lower {
                UserInputBound::Inclusive(t) => Some(span(t)?.0),
                UserInputBound::Exclusive(t) => Some(span(t)?.1 + 1),
                UserInputBound::Unbounded => None,
            };
            let to = match upper {
                UserInputBound::Inclusive(t) => Some(span(t)?.1),
                UserInputBound::Exclusive(t) => Some(span(t)?.0 - 1),
                UserInputBound::Unbounded => None,
            };
            Ok(DateRange { from, to })
        }
        _ => Ok(DateRange::default()),
    }
}

/// Takes the `date:` clauses every match must meet out of the query, as one
/// range (a brief without a date then fails them, and is counted as such);
/// `None` when nothing else is left.
fn take_dates(ast: UserInputAst) -> Result<(Option<UserInputAst>, DateRange)> {
    let leaf_range = |ast: &UserInputAst| match ast {
        UserInputAst::Leaf(leaf) => date_range_of(leaf),
        _ => Ok(DateRange::default()),
    };
    if is_date_leaf(&ast) {
        let range = leaf_range(&ast)?;
        return Ok((None, range));
    }
    let UserInputAst::Clause(clauses) = ast else {
        return Ok((Some(ast), DateRange::default()));
    };
    let required = |occur: &Option<GrammarOccur>| matches!(occur, None | Some(GrammarOccur::Must));
    // With OR between clauses, a date clause is one of the alternatives.
    let conjunction = clauses.iter().all(|(occur, _)| required(occur));
    let mut range = DateRange::default();
    let mut rest = Vec::new();
    for (occur, sub) in clauses {
        if conjunction && is_date_leaf(&sub) {
            range = range.intersect(leaf_range(&sub)?);
        } else {
            rest.push((occur, sub));
        }
    }
    Ok(match rest.len() {
        0 => (None, range),
        _ => (Some(UserInputAst::Clause(rest)), range),
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
            let date_ok = matches!(
                leaf.as_ref(),
                UserInputLeaf::Literal(_) | UserInputLeaf::Range { .. }
            );
            match field {
                Some(DATE_FIELD) if date_ok => Ok(()),
                Some(DATE_FIELD) => Err(QueryError(
                    "`date:` takes a date (date:2026-02) or a range (date:[2026-01-01 TO 2026-03-31], date:>=2026-02)".into(),
                )
                .into()),
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

/// A fuzzy word (`missles~1`): an unquoted word with a `~N` (the grammar
/// keeps it in the word), and its edit distance, at most
/// `MAX_FUZZY_DISTANCE`; `word~` is one edit.
fn fuzzy(lit: &UserInputLiteral) -> Option<(&str, u32)> {
    if lit.delimiter != Delimiter::None || is_prefix(lit) {
        return None;
    }
    if lit.slop > 0 {
        return Some((lit.phrase.as_str(), lit.slop.min(MAX_FUZZY_DISTANCE)));
    }
    let (word, distance) = lit.phrase.rsplit_once('~')?;
    let distance: u32 = match distance {
        "" => 1,
        digits => digits.parse().ok()?,
    };
    (!word.is_empty() && distance > 0).then_some((word, distance.min(MAX_FUZZY_DISTANCE)))
}

/// The index's words a fuzzy word stands for: within its distance of the
/// analysed word, at most this many, the most frequent.
const MAX_FUZZY_WORDS: usize = 32;

fn fuzzy_words(
    analyzer: &TextAnalyzer,
    vocabulary: Vocabulary<'_>,
    lit: &UserInputLiteral,
) -> Option<Vec<String>> {
    let (word, distance) = fuzzy(lit)?;
    let words = analyse(analyzer, word);
    let [(_, word)] = words.as_slice() else {
        return None;
    };
    let mut found = vocabulary(word, distance);
    found.truncate(MAX_FUZZY_WORDS);
    Some(found)
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
    vocabulary: Vocabulary<'a>,
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
            UserInputLeaf::Literal(lit) if lit.field_name.as_deref() == Some(DATE_FIELD) => {
                vec![date_query(self.fields, date_range_of(leaf)?)]
            }
            UserInputLeaf::Range { field, .. } if field.as_deref() == Some(DATE_FIELD) => {
                vec![date_query(self.fields, date_range_of(leaf)?)]
            }
            UserInputLeaf::Literal(lit) => {
                let fields = self.fields_of(lit.field_name.as_deref());
                if fields.is_empty() {
                    return Ok(Some(Box::new(EmptyQuery)));
                }
                if let Some(words) = fuzzy_words(&self.analyzer, self.vocabulary, lit) {
                    // Any of the words, each scored as a word.
                    let alternatives: Vec<(Occur, Box<dyn Query>)> = words
                        .iter()
                        .map(|w| {
                            let query = Bm25fQuery::new(w, fields.clone());
                            (Occur::Should, Box::new(query) as Box<dyn Query>)
                        })
                        .collect();
                    return Ok(Some(match alternatives.is_empty() {
                        true => Box::new(EmptyQuery),
                        false => Box::new(BooleanQuery::new(alternatives)),
                    }));
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
                [(_, prefix)] => Some(prefix_query(field, prefix)),
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
    words: Vec<QueryWord>,
    sections: &'a [Section],
    vocabulary: Vocabulary<'a>,
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
        if lit.field_name.as_deref() == Some(DATE_FIELD) {
            return;
        }
        if let Some(words) = fuzzy_words(&self.analyzer, self.vocabulary, lit) {
            for word in words {
                self.add(lit.field_name.as_deref(), vec![(0, word)], 0, false);
            }
            return;
        }
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
        if let ([(_, analysed)], Delimiter::None, false) =
            (words.as_slice(), &lit.delimiter, prefix)
        {
            let sections = sections_of(lit.field_name.as_deref(), self.sections);
            if !sections.is_empty() {
                self.words.push(QueryWord {
                    written: lit.phrase.clone(),
                    analysed: analysed.clone(),
                    sections,
                });
            }
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
        // Every section, fuzzy words looked up as themselves.
        let vocabulary = |word: &str, _| vec![word.to_string()];
        compile_with(
            &fields,
            &schema::analyzer(),
            text,
            &Section::ALL,
            &vocabulary,
        )
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
    fn misspelt_field_names_the_valid_ones() {
        let message = err("tittle:bar");
        assert!(message.contains("unknown field `tittle:`"), "{message}");
        assert!(message.contains("takeaways"), "{message}");
        assert!(message.contains("date"), "{message}");
    }

    #[test]
    fn words_with_colons_that_are_no_field_are_text() {
        let (text, notes) = forgive_fields("talks 10:30");
        assert_eq!(text, "talks \"10:30\"");
        assert_eq!(notes.len(), 1);
        assert!(notes[0].contains("`10:` is not a field"), "{}", notes[0]);
        assert_eq!(
            forgive_fields("(http://x.org/a OR b)").0,
            "(\"http://x.org/a\" OR b)"
        );
        assert_eq!(forgive_fields("Note: talks").0, "Note talks");
        assert_eq!(forgive_fields("-foo:\"a b\"").0, "-foo \"a b\"");
        assert_eq!(forgive_fields("Title:Oman").0, "title:Oman");
        // Fields, near misses of fields, and quoted text are left alone.
        for kept in [
            "title:Oman",
            "date:>=2026",
            "tittle:x",
            "bdy:x",
            "\"a:b\"",
            ":",
            "a\\:b",
        ] {
            assert_eq!(forgive_fields(kept), (kept.to_string(), vec![]), "{kept}");
        }
        let q = compiled("talks 10:30").unwrap();
        assert_eq!(q.notes.len(), 1);
        assert_eq!(
            q.plans[&Section::Body].phrases,
            vec![(vec!["10".to_string(), "30".to_string()], 0)]
        );
    }

    #[test]
    fn curly_quotes_are_quotes() {
        assert_eq!(normalize("“nuclear talks”"), "\"nuclear talks\"");
        assert_eq!(
            normalize("‘nuclear talks’ Israel’s"),
            "'nuclear talks' Israel’s"
        );
        let curly = compiled("“nuclear talks”").unwrap();
        let straight = compiled("\"nuclear talks\"").unwrap();
        assert_eq!(curly.units, straight.units);
    }

    #[test]
    fn punctuation_alone_has_no_words() {
        for q in ["...", "!!!", "—", "…"] {
            assert!(err(q).contains("the query has no words"), "{q}");
        }
    }

    #[test]
    fn fuzzy_words_ask_the_vocabulary() {
        let (_, fields) = schema::build();
        let asked = std::cell::RefCell::new(Vec::new());
        let vocabulary = |word: &str, distance: u32| {
            asked.borrow_mut().push((word.to_string(), distance));
            vec!["missil".to_string(), "missl".to_string()]
        };
        let q = compile_with(
            &fields,
            &schema::analyzer(),
            "missles~1 Iran~5",
            &Section::ALL,
            &vocabulary,
        )
        .unwrap();
        assert_eq!(
            *asked.borrow(),
            vec![
                ("missl".to_string(), 1),
                ("iran".to_string(), 2),
                ("missl".to_string(), 1),
                ("iran".to_string(), 2)
            ]
        );
        let units: Vec<String> = q.units.iter().map(Unit::display).collect();
        assert_eq!(units, vec!["missil", "missl"]);
        assert!(q.plans[&Section::Body].terms.contains("missil"));
        // A phrase's ~N stays its slop; fuzzy words are not suggestion material.
        let q = compiled("\"nuclear talks\"~2 missles~").unwrap();
        assert_eq!(q.units[0].slop, 2);
        assert!(q.words.is_empty());
    }

    #[test]
    fn required_date_clauses_become_the_filter() {
        let day = |s: &str| crate::when::span(s).unwrap();
        let q = compiled("talks date:[2026-01 TO 2026-03]").unwrap();
        assert_eq!(q.dates.from, Some(day("2026-01").0));
        assert_eq!(q.dates.to, Some(day("2026-03").1));
        let q = compiled("talks date:>2026-02 date:<=2026").unwrap();
        assert_eq!(q.dates.from, Some(day("2026-02").1 + 1));
        assert_eq!(q.dates.to, Some(day("2026").1));
        let q = compiled("date:2026-02-05").unwrap();
        assert_eq!(q.dates.from, q.dates.to);
        assert!(q.units.is_empty());
        // An alternative or an exclusion is part of the query, not the filter.
        assert!(!compiled("talks OR date:2026").unwrap().dates.is_set());
        assert!(!compiled("talks -date:2026").unwrap().dates.is_set());
        assert!(err("talks date:soon").contains("`soon` is not a date"));
        assert!(err("talks date:/a.*/").contains("`date:` takes a date"));
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
