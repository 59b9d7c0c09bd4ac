//! Query → ranked passages with snippets, and counts of everything matched.
//! Returns data; formatting is `output`'s job.
//!
//! A search has two steps. Briefs are matched and ranked by the evidence of
//! the whole brief (the compiled query over one document per brief, each
//! section a field with its own statistics). Then the passages of the best
//! briefs that hold the query's units are scored on their own (BM25 of the
//! passage against passages of its section), the ones that together cover
//! the query are chosen up to the per-brief cap, and each hit's score is its
//! brief's, scaled by how its passage compares with the brief's best one:
//! the best passage of a brief carries the brief's score, so a brief about
//! the query leads with its best passage, ahead of an incidental mention in
//! a brief about something else.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use anyhow::Result;
use serde::Serialize;
use tantivy::query::{
    Bm25StatisticsProvider, BooleanQuery, BoostQuery, FuzzyTermQuery, Occur, Query, TermQuery,
};
use tantivy::schema::{Facet, IndexRecordOption};
use tantivy::tokenizer::{TextAnalyzer, TokenStream};
use tantivy::{DocAddress, DocSet, IndexReader, ReloadPolicy, Term};

use crate::brief::{Brief, PassageId, Section};
use crate::collect::{
    brief_actor_counts, BriefCollector, Matched, PassageActorFilter, Proximity, TopBrief,
};
use crate::query::{self, CompiledQuery, HighlightPlan, Unit};
use crate::schema::{self, Fields, PASSAGE_ACTOR_MASK};
use crate::snippet::{self, Snippet};
use crate::store::Store;
use crate::when::{self, By, DateRange};

/// The order of a search's hits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sort {
    /// Best first (briefs by their score, then their passages).
    #[default]
    Relevance,
    /// Oldest brief first; briefs of one day by relevance; undated last.
    Date,
    /// Newest brief first (`-date`); briefs of one day by relevance;
    /// undated last.
    DateDesc,
}

impl Sort {
    pub fn name(self) -> &'static str {
        match self {
            Sort::Relevance => "relevance",
            Sort::Date => "date",
            Sort::DateDesc => "-date",
        }
    }

    pub fn from_name(name: &str) -> Option<Sort> {
        match name {
            "relevance" | "score" => Some(Sort::Relevance),
            "date" | "+date" => Some(Sort::Date),
            "-date" => Some(Sort::DateDesc),
            _ => None,
        }
    }

    /// An order named by the user, or the one-line error the CLI and the
    /// HTTP API give for an unknown name.
    pub fn parse(value: &str) -> Result<Sort, String> {
        Sort::from_name(value).ok_or_else(|| {
            format!("unknown order `{value}`; valid orders are relevance, date (oldest first), -date (newest first)")
        })
    }
}

/// A search as the user asked for it.
#[derive(Debug, Clone)]
pub struct SearchRequest {
    pub query: String,
    pub limit: usize,
    pub offset: usize,
    /// Empty: every section.
    pub sections: Vec<Section>,
    /// Most passages one brief contributes; 0 = no cap.
    pub per_brief: usize,
    /// Actor facet paths (`/country/Iran`) the brief (or passage) must
    /// involve: all of them, or any with `any_actor`.
    pub actors: Vec<String>,
    pub any_actor: bool,
    /// More brief-level actor filters: the brief must involve at least one
    /// actor of every group (any within a group, all between groups), on
    /// top of `actors`.
    pub actor_groups: Vec<Vec<String>>,
    /// The passage itself must name the actors, not just its brief.
    pub actor_in_passage: bool,
    /// Count the actors of the matching briefs.
    pub facets: bool,
    /// Say why each hit ranks where it does.
    pub explain: bool,
    /// Only briefs dated within (`--since`, `--until`); briefs without a
    /// date are then left out and counted apart.
    pub dates: DateRange,
    pub sort: Sort,
    /// Suggest a corrected query when a word is not in the index or few
    /// briefs match.
    pub suggest: bool,
    /// Count every matching brief's passages instead of estimating their
    /// number from a sample where thousands of briefs match.
    pub exact_counts: bool,
}

impl SearchRequest {
    /// A plain search: first page, three passages a brief, no filters.
    pub fn new(query: &str) -> SearchRequest {
        SearchRequest {
            query: query.to_string(),
            limit: 10,
            offset: 0,
            sections: Vec::new(),
            per_brief: 3,
            actors: Vec::new(),
            any_actor: false,
            actor_groups: Vec::new(),
            actor_in_passage: false,
            facets: false,
            explain: false,
            dates: DateRange::default(),
            sort: Sort::Relevance,
            suggest: false,
            exact_counts: false,
        }
    }
}

/// How many matching briefs involve an actor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActorCount {
    /// The facet path, `/country/Iran`.
    pub actor: String,
    pub briefs: u64,
}

impl ActorCount {
    /// `country` of `/country/Iran`.
    pub fn kind(&self) -> &str {
        self.actor
            .trim_start_matches('/')
            .split('/')
            .next()
            .unwrap_or("")
    }

    /// `Iran` of `/country/Iran`.
    pub fn name(&self) -> &str {
        self.actor.rsplit('/').next().unwrap_or("")
    }
}

/// Highest count first, then by name.
fn sorted_counts(counts: HashMap<String, u64>) -> Vec<ActorCount> {
    let mut out: Vec<ActorCount> = counts
        .into_iter()
        .map(|(actor, briefs)| ActorCount { actor, briefs })
        .collect();
    out.sort_by(|a, b| b.briefs.cmp(&a.briefs).then_with(|| a.actor.cmp(&b.actor)));
    out
}

use crate::bm25f::{B, K1};
/// A hit's score is its brief's times `HIT_FLOOR + (1 - HIT_FLOOR) * p / best`,
/// where `p` is its passage's score and `best` the brief's best passage's.
const HIT_FLOOR: f32 = 0.5;

/// One ranked passage.
#[derive(Debug, Clone)]
pub struct Hit {
    pub rank: usize,
    pub score: f32,
    pub brief_id: String,
    pub path: String,
    pub title: Option<String>,
    pub source: Option<String>,
    pub date: Option<String>,
    pub section: Section,
    pub ordinal: u64,
    pub text: String,
    pub snippet: Snippet,
    pub actors: Vec<String>,
    /// Matching passages of this brief not shown because of the per-brief
    /// cap (`--per-brief 0` or `briefs show ID` reaches them).
    pub more: usize,
    pub explain: Option<Explain>,
}

impl Hit {
    pub fn label(&self) -> String {
        self.section.label(self.ordinal)
    }
}

/// Why a hit ranks where it does.
#[derive(Debug, Clone, Serialize)]
pub struct Explain {
    /// The brief's score: the sum of `brief_terms`.
    pub brief_score: f32,
    /// The brief's rank among the matching briefs.
    pub brief_rank: usize,
    pub brief_terms: Vec<Contribution>,
    /// The passage's own score: the sum of `passage_terms`.
    pub passage_score: f32,
    /// The best passage score in this brief.
    pub best_passage_score: f32,
    pub passage_terms: Vec<Contribution>,
    /// How the hit's score is made of the two.
    pub formula: String,
}

/// What one unit of the query adds in one section.
#[derive(Debug, Clone, Serialize)]
pub struct Contribution {
    /// The word (stemmed), `prefix*`, `"phrase"` or `near:"words"~6`.
    pub what: String,
    /// The section, or for a word's BM25F the sections it is found in
    /// (`title+body`).
    pub section: String,
    pub score: f32,
    /// Occurrences (in the passage, for passage terms).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tf: Option<u32>,
}

/// Byte ranges to highlight in each part of a brief, in the shape of the
/// brief's own JSON object (`takeaways` and `body` one list per item).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct BriefHighlights {
    pub title: Vec<[usize; 2]>,
    pub summary: Vec<[usize; 2]>,
    pub caption: Vec<[usize; 2]>,
    pub takeaways: Vec<Vec<[usize; 2]>>,
    pub analysis: Vec<[usize; 2]>,
    pub body: Vec<Vec<[usize; 2]>>,
}

/// A page of hits, and how many passages and briefs matched in all.
#[derive(Debug, Clone)]
pub struct SearchResults {
    pub hits: Vec<Hit>,
    /// Passages that hold a match (a word, a prefix's word or a whole
    /// phrase) in the matching briefs, all of them: counted, or estimated
    /// from a sample of the briefs where many match (`passages_exact`).
    pub passages: u64,
    pub passages_exact: bool,
    /// Matching briefs, all of them.
    pub briefs: u64,
    /// Actor counts over the matching briefs, when asked for.
    pub facets: Option<Vec<ActorCount>>,
    /// Matching briefs by year (first day of the year, briefs), with the
    /// facets.
    pub years: Option<Vec<(i64, u64)>>,
    /// Briefs that match but have no date: left out by a date filter, or
    /// (with the facets, without a filter) counted in `briefs` but in no
    /// year. `None` when neither applies.
    pub undated: Option<u64>,
    /// The date filter in effect (`--since`, `--until` and `date:`).
    pub dates: DateRange,
    /// Lines about how the query was understood, for stderr.
    pub notes: Vec<String>,
    /// A corrected query that finds more, when one was asked for and found.
    pub suggestion: Option<Suggestion>,
    pub elapsed_ms: f64,
}

/// The index's statistics for BM25, each asked of the segments once per
/// search: the words of a query are asked for by its BM25F, its title
/// lift, its phrases and the proximity bound, in every section.
struct CachedStats<'a> {
    searcher: &'a tantivy::Searcher,
    docs: std::cell::Cell<Option<u64>>,
    tokens: std::cell::RefCell<HashMap<tantivy::schema::Field, u64>>,
    freqs: std::cell::RefCell<HashMap<Term, u64>>,
}

impl<'a> CachedStats<'a> {
    fn new(searcher: &'a tantivy::Searcher) -> CachedStats<'a> {
        CachedStats {
            searcher,
            docs: std::cell::Cell::new(None),
            tokens: Default::default(),
            freqs: Default::default(),
        }
    }
}

impl Bm25StatisticsProvider for CachedStats<'_> {
    fn total_num_tokens(&self, field: tantivy::schema::Field) -> tantivy::Result<u64> {
        if let Some(&n) = self.tokens.borrow().get(&field) {
            return Ok(n);
        }
        let n = self.searcher.total_num_tokens(field)?;
        self.tokens.borrow_mut().insert(field, n);
        Ok(n)
    }

    fn total_num_docs(&self) -> tantivy::Result<u64> {
        if let Some(n) = self.docs.get() {
            return Ok(n);
        }
        let n = self.searcher.total_num_docs()?;
        self.docs.set(Some(n));
        Ok(n)
    }

    fn doc_freq(&self, term: &Term) -> tantivy::Result<u64> {
        if let Some(&n) = self.freqs.borrow().get(term) {
            return Ok(n);
        }
        let n = self.searcher.doc_freq(term)?;
        self.freqs.borrow_mut().insert(term.clone(), n);
        Ok(n)
    }
}

/// "Did you mean": a corrected query and what it finds.
#[derive(Debug, Clone, PartialEq)]
pub struct Suggestion {
    pub query: String,
    /// Counted only when the corrected query finds at most
    /// `SUGGESTION_PASSAGE_COUNT_BRIEFS` briefs (cheap to read then).
    pub passages: Option<u64>,
    pub briefs: u64,
}

/// A query's matches in one brief: each matching passage with byte ranges
/// into its text.
#[derive(Debug, Clone, Default)]
pub struct BriefMatches {
    pub passages: Vec<(PassageId, Vec<[usize; 2]>)>,
    pub notes: Vec<String>,
}

/// Matching briefs per period.
#[derive(Debug, Clone)]
pub struct Timeline {
    pub by: By,
    /// Every period from the first matching brief's to the last's: its
    /// first day and its number of briefs.
    pub periods: Vec<(i64, u64)>,
    /// Matching briefs, dated or not (undated ones are in no period).
    pub briefs: u64,
    pub undated: u64,
    pub dates: DateRange,
    pub notes: Vec<String>,
    pub elapsed_ms: f64,
}

/// The briefs a request matches, with the date filter applied.
struct Matching<'s> {
    collected: crate::collect::Collected,
    /// The BM25 statistics the search asked for, for the passages' idf.
    bm25_stats: CachedStats<'s>,
    dates: DateRange,
    /// Matching briefs without a date, left out by the date filter.
    excluded_undated: Option<u64>,
}

/// Per section, the number of passages and of their words, over the index:
/// a passage's length is compared with passages of its own section.
#[derive(Debug, Clone, Default)]
struct SectionStats {
    generation: u64,
    passages: [u64; 6],
    words: [u64; 6],
}

impl SectionStats {
    /// Whether any brief of the index has the section.
    fn has(&self, section: Section) -> bool {
        self.passages[section_index(section)] > 0
    }

    fn average(&self, section: Section) -> f32 {
        let i = section_index(section);
        if self.passages[i] == 0 {
            return 1.0;
        }
        (self.words[i] as f32 / self.passages[i] as f32).max(1.0)
    }
}

/// An analyzer taken from a `Searcher`'s pool.
struct AnalyzerGuard<'a> {
    pool: &'a Mutex<Vec<TextAnalyzer>>,
    analyzer: Option<TextAnalyzer>,
}

impl std::ops::Deref for AnalyzerGuard<'_> {
    type Target = TextAnalyzer;
    fn deref(&self) -> &TextAnalyzer {
        self.analyzer.as_ref().expect("present until dropped")
    }
}

impl std::ops::DerefMut for AnalyzerGuard<'_> {
    fn deref_mut(&mut self) -> &mut TextAnalyzer {
        self.analyzer.as_mut().expect("present until dropped")
    }
}

impl Drop for AnalyzerGuard<'_> {
    fn drop(&mut self) {
        if let Some(analyzer) = self.analyzer.take() {
            self.pool
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .push(analyzer);
        }
    }
}

fn section_index(section: Section) -> usize {
    Section::ALL.iter().position(|&s| s == section).unwrap_or(5)
}

/// An open index, ready to answer many queries.
pub struct Searcher {
    store: Store,
    reader: IndexReader,
    /// Kept across queries: each remembers the analysed form of the words
    /// it has seen, which makes re-analysing passages for snippets cheap.
    /// A pool, so that searches on several threads run side by side.
    analyzers: Mutex<Vec<TextAnalyzer>>,
    stats: Mutex<Option<Arc<SectionStats>>>,
}

impl Searcher {
    pub fn new(store: Store) -> Result<Searcher> {
        let reader = store
            .index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(|e| crate::store::damaged(&store.dir, &crate::store::one_line(&e)))?;
        Ok(Searcher {
            store,
            reader,
            analyzers: Mutex::new(vec![schema::analyzer()]),
            stats: Mutex::new(None),
        })
    }

    /// An analyzer of the pool (a new one when all are in use), given back
    /// when the guard drops.
    fn analyzer(&self) -> AnalyzerGuard<'_> {
        let pooled = self
            .analyzers
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .pop();
        AnalyzerGuard {
            pool: &self.analyzers,
            analyzer: Some(pooled.unwrap_or_else(schema::analyzer)),
        }
    }

    fn damaged(&self, err: &tantivy::TantivyError) -> anyhow::Error {
        crate::store::damaged(&self.store.dir, &crate::store::one_line(err))
    }

    /// Compiles the request's query, fuzzy words expanded from the index.
    fn compile(
        &self,
        searcher: &tantivy::Searcher,
        analyzer: &TextAnalyzer,
        request: &SearchRequest,
    ) -> Result<CompiledQuery> {
        let fields = &self.store.fields;
        // Only the sections some brief has: the others match nothing.
        let stats = self.stats(searcher)?;
        let sections: Vec<Section> = if request.sections.is_empty() {
            Section::ALL.to_vec()
        } else {
            request.sections.clone()
        }
        .into_iter()
        .filter(|&s| stats.has(s))
        .collect();
        let vocabulary = |word: &str, distance: u32| {
            similar_terms(searcher, fields, &sections, word, distance)
                .into_iter()
                .map(|(term, _)| term)
                .collect()
        };
        query::compile_with(fields, analyzer, &request.query, &sections, &vocabulary)
    }

    /// Runs the compiled query with the request's filters: the best `want`
    /// briefs, counts, and the dates when asked for.
    fn matching<'s>(
        &self,
        searcher: &'s tantivy::Searcher,
        request: &SearchRequest,
        compiled: &CompiledQuery,
        want: usize,
        keep_dates: bool,
        count_passages: bool,
    ) -> Result<Matching<'s>> {
        let fields = &self.store.fields;
        let base: Box<dyn Query> = match self.actor_filter(request)? {
            Some(filter) => Box::new(BooleanQuery::new(vec![
                (Occur::Must, compiled.query.box_clone()),
                (Occur::Must, Box::new(BoostQuery::new(filter, 0.0))),
            ])),
            None => compiled.query.box_clone(),
        };
        let dates = request.dates.intersect(compiled.dates);
        let passage_actors = (request.actor_in_passage && !request.actors.is_empty()).then(|| {
            Arc::new(PassageActorFilter {
                keys: request
                    .actors
                    .iter()
                    .map(|p| crate::actors::path_key(p) & PASSAGE_ACTOR_MASK)
                    .collect(),
                any: request.any_actor,
            })
        });
        // Every part of the query asks for the same words' statistics.
        let stats = CachedStats::new(searcher);
        let proximity = match want > 0 {
            true => Proximity::new(compiled, fields, &stats, searcher)
                .map_err(|e| self.damaged(&e))?
                .map(Arc::new),
            false => None,
        };
        let collector = BriefCollector {
            want,
            exact_counts: request.exact_counts,
            proximity,
            units: Arc::new(compiled.units.clone()),
            fields: fields.clone(),
            passage_actors,
            keep_keys: request.facets,
            sort: request.sort,
            keep_dates,
            count_passages,
        };
        if !dates.is_set() {
            let collected = searcher
                .search_with_statistics_provider(base.as_ref(), &collector, &stats)
                .map_err(|e| self.damaged(&e))?;
            return Ok(Matching {
                collected,
                bm25_stats: stats,
                dates,
                excluded_undated: None,
            });
        }
        // A fast-field range on the date column, intersected with the query.
        let filtered = BooleanQuery::new(vec![
            (Occur::Must, base.box_clone()),
            (
                Occur::Must,
                Box::new(BoostQuery::new(query::date_query(fields, dates), 0.0)),
            ),
        ]);
        let collected = searcher
            .search_with_statistics_provider(&filtered, &collector, &stats)
            .map_err(|e| self.damaged(&e))?;
        // The briefs the filter leaves out for having no date at all.
        let undated = BooleanQuery::new(vec![
            (Occur::Must, base),
            (
                Occur::MustNot,
                query::date_query(fields, DateRange::default()),
            ),
        ]);
        let counter = BriefCollector {
            want: 0,
            keep_keys: false,
            keep_dates: false,
            count_passages: false,
            ..collector
        };
        let excluded = searcher
            .search(&undated, &counter)
            .map_err(|e| self.damaged(&e))?;
        Ok(Matching {
            collected,
            bm25_stats: stats,
            dates,
            excluded_undated: Some(excluded.briefs),
        })
    }

    /// Matching briefs per period (`briefs timeline`).
    pub fn timeline(&self, request: &SearchRequest, by: By) -> Result<Timeline> {
        let started = Instant::now();
        let searcher = self.reader.searcher();
        let analyzer = self.analyzer();
        let compiled = self.compile(&searcher, &analyzer, request)?;
        let matching = self.matching(&searcher, request, &compiled, 0, true, false)?;
        let collected = matching.collected;
        Ok(Timeline {
            by,
            periods: when::bucket(&collected.dates, by),
            briefs: collected.briefs,
            undated: matching.excluded_undated.unwrap_or(collected.undated),
            dates: matching.dates,
            notes: compiled.notes,
            elapsed_ms: started.elapsed().as_secs_f64() * 1000.0,
        })
    }

    pub fn search(&self, request: &SearchRequest) -> Result<SearchResults> {
        let started = Instant::now();
        let fields = &self.store.fields;
        let mut analyzer = self.analyzer();
        let searcher = self.reader.searcher();
        let compiled = self.compile(&searcher, &analyzer, request)?;
        let want = request.offset + request.limit;
        let matching = self.matching(&searcher, request, &compiled, want, request.facets, true)?;
        let collected = matching.collected;

        let stats = self.stats(&searcher)?;
        let scorer = PassageScorer::new(
            &searcher,
            &matching.bm25_stats,
            fields,
            &compiled.units,
            &stats,
        );
        // The briefs are read from the store best first, and only while one
        // can still place a passage among the first `want`: a passage scores
        // at most its brief's score, and ties go to the earlier brief.
        let mut briefs: Vec<Brief> = Vec::new();
        let mut candidates: Vec<(f32, usize, usize, Chosen)> = Vec::new();
        let mut scores: Vec<f32> = Vec::new();
        for (brief_rank, top) in collected.top.iter().enumerate() {
            if candidates.len() >= want {
                let full = match request.sort {
                    Sort::Relevance => {
                        scores.clear();
                        scores.extend(candidates.iter().map(|c| c.0));
                        let (_, nth, _) =
                            scores.select_nth_unstable_by(want - 1, |a, b| b.total_cmp(a));
                        *nth >= top.score
                    }
                    // By date, every passage of a brief comes after those of
                    // the briefs before it.
                    Sort::Date | Sort::DateDesc => true,
                };
                if full {
                    break;
                }
            }
            let brief = self.store.brief_at(&searcher, top.address)?;
            for (order, chosen) in scorer
                .choose(&brief, top, request.per_brief)
                .into_iter()
                .enumerate()
            {
                let score = top.score * (HIT_FLOOR + (1.0 - HIT_FLOOR) * chosen.relative);
                candidates.push((score, brief_rank, order, chosen));
            }
            briefs.push(brief);
        }
        // Highest score first; ties by brief rank, then the brief's order.
        // By date: the briefs' order, each brief's passages together.
        candidates.sort_by(|a, b| {
            let by_score = b.0.total_cmp(&a.0);
            match request.sort {
                Sort::Relevance => by_score.then_with(|| a.1.cmp(&b.1)),
                Sort::Date | Sort::DateDesc => a.1.cmp(&b.1).then(by_score),
            }
            .then_with(|| a.2.cmp(&b.2))
        });
        let mut hits = Vec::new();
        for (i, (score, brief_rank, _, chosen)) in candidates
            .into_iter()
            .skip(request.offset)
            .take(request.limit)
            .enumerate()
        {
            let brief = &briefs[brief_rank];
            let text = brief
                .passages()
                .into_iter()
                .find(|p| p.id() == chosen.passage)
                .map(|p| p.text.to_string())
                .unwrap_or_default();
            let section = chosen.passage.section();
            let plan = compiled
                .plans
                .get(&section)
                .cloned()
                .unwrap_or_else(HighlightPlan::default);
            let snippet = snippet::snippet(&mut analyzer, &plan, &text);
            let explain = if request.explain {
                let top = &collected.top[brief_rank];
                Some(self.explain(&searcher, &compiled, top, brief_rank, &chosen)?)
            } else {
                None
            };
            hits.push(Hit {
                rank: request.offset + i + 1,
                score,
                brief_id: brief.id.clone(),
                path: brief.path.clone(),
                title: brief.title.clone(),
                source: brief.source.clone(),
                date: brief.date.clone(),
                section,
                ordinal: chosen.passage.ordinal(),
                text,
                snippet,
                actors: brief.actors.clone(),
                more: chosen.more,
                explain,
            });
        }
        let facets = if request.facets {
            let counts = brief_actor_counts(&searcher, fields.actors, Some(&collected.keys))
                .map_err(|e| self.damaged(&e))?;
            Some(sorted_counts(counts))
        } else {
            None
        };
        let years = request
            .facets
            .then(|| when::bucket(&collected.dates, By::Year));
        let undated = match matching.excluded_undated {
            Some(n) => Some(n),
            None => request.facets.then_some(collected.undated),
        };
        drop(analyzer);
        let suggestion = match request.suggest {
            true => self.suggestion(&searcher, request, &compiled, collected.briefs)?,
            false => None,
        };
        Ok(SearchResults {
            hits,
            passages: collected.passages,
            passages_exact: collected.passages_exact,
            briefs: collected.briefs,
            facets,
            years,
            undated,
            dates: matching.dates,
            notes: compiled.notes,
            suggestion,
            elapsed_ms: started.elapsed().as_secs_f64() * 1000.0,
        })
    }

    /// "Did you mean": when a word of the query is not in the index, or the
    /// query finds fewer than `FEW_BRIEFS` briefs, each such word (absent,
    /// or far rarer than a near spelling) is replaced by the nearest word of
    /// the index (`near_terms`), ten times as frequent at least, written as
    /// the archive writes it; the corrected query is suggested when it
    /// finds more briefs.
    fn suggestion(
        &self,
        searcher: &tantivy::Searcher,
        request: &SearchRequest,
        compiled: &CompiledQuery,
        found: u64,
    ) -> Result<Option<Suggestion>> {
        let fields = &self.store.fields;
        let freq = |word: &str, sections: &[Section]| {
            sections
                .iter()
                .map(|&s| {
                    let term = Term::from_field_text(fields.section_field(s), word);
                    searcher.doc_freq(&term).unwrap_or(0)
                })
                .max()
                .unwrap_or(0)
        };
        let few = found < FEW_BRIEFS;
        let mut corrected = request.query.clone();
        let mut changed = false;
        let dfs: Vec<u64> = compiled
            .words
            .iter()
            .map(|word| freq(&word.analysed, &word.sections))
            .collect();
        // Words the index lacks are the typos; only where there is none are
        // the rare words of a query that finds few briefs looked at, and
        // then within one edit only (a word the archive holds is seldom a
        // misspelling two edits away).
        let absent = dfs.contains(&0);
        for (word, &df) in compiled.words.iter().zip(&dfs) {
            // A replacement must be ten times as frequent: none can be
            // where that is more than every brief.
            if (df > 0 && (absent || !few)) || df.saturating_mul(10) > searcher.num_docs() {
                continue;
            }
            let written = word.written.to_lowercase();
            let similar = near_terms(searcher, fields, &word.sections, &word.analysed, df == 0);
            let mut candidates: Vec<(usize, u64, String)> = similar
                .into_iter()
                .filter(|(term, n)| *term != word.analysed && *n >= (df * 10).max(1))
                .filter(|(term, _)| term.chars().any(char::is_alphabetic))
                .map(|(term, n)| {
                    // Near both the stem and the word as written: the
                    // stem of `coffe` is `coff`, one edit from `off`
                    // and from `coffe` (coffee), but `coffe` is
                    // written as typed.
                    let near = query::edit_distance(&word.analysed, &term)
                        + query::edit_distance(&written, &term);
                    (near, n, term)
                })
                .collect();
            // Nearest first, then the most frequent.
            candidates.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| b.1.cmp(&a.1)));
            let Some((_, _, term)) = candidates.into_iter().next() else {
                continue;
            };
            let Some(surface) = self.surface_form(searcher, word, &term)? else {
                continue;
            };
            if let Some(replaced) = replace_word(&corrected, &word.written, &surface) {
                corrected = replaced;
                changed = true;
            }
        }
        if !changed {
            return Ok(None);
        }
        let check = SearchRequest {
            query: corrected.clone(),
            limit: 0,
            offset: 0,
            facets: false,
            explain: false,
            suggest: false,
            ..request.clone()
        };
        // Briefs first, without reading positions (cheap however common
        // the words); passages only where few briefs make that cheap too.
        let Ok(briefs) = self.count_briefs(searcher, &check) else {
            return Ok(None);
        };
        if briefs <= found {
            return Ok(None);
        }
        let passages = match briefs <= SUGGESTION_PASSAGE_COUNT_BRIEFS {
            true => {
                let exact = SearchRequest {
                    exact_counts: true,
                    ..check.clone()
                };
                self.search(&exact).ok().map(|r| r.passages)
            }
            false => None,
        };
        Ok(Some(Suggestion {
            query: corrected,
            passages,
            briefs,
        }))
    }

    /// The briefs a request matches, counted without reading passages.
    fn count_briefs(&self, searcher: &tantivy::Searcher, request: &SearchRequest) -> Result<u64> {
        let analyzer = self.analyzer();
        let compiled = self.compile(searcher, &analyzer, request)?;
        let matching = self.matching(searcher, request, &compiled, 0, false, false)?;
        Ok(matching.collected.briefs)
    }

    /// How the archive writes an indexed word (`missil` → `missiles`): its
    /// spelling in a brief that holds it, the nearest to what the user wrote.
    fn surface_form(
        &self,
        searcher: &tantivy::Searcher,
        word: &query::QueryWord,
        term: &str,
    ) -> Result<Option<String>> {
        let fields = &self.store.fields;
        let written = word.written.to_lowercase();
        for &section in &word.sections {
            let query = TermQuery::new(
                Term::from_field_text(fields.section_field(section), term),
                IndexRecordOption::Basic,
            );
            let top = searcher
                .search(
                    &query,
                    &tantivy::collector::TopDocs::with_limit(SURFACE_BRIEFS).order_by_score(),
                )
                .map_err(|e| self.damaged(&e))?;
            let mut analyzer = schema::analyzer();
            let mut best: Option<(usize, String)> = None;
            for &(_, address) in &top {
                let brief = self.store.brief_at(searcher, address)?;
                for passage in brief.passages().iter().filter(|p| p.section == section) {
                    let mut stream = analyzer.token_stream(passage.text);
                    while stream.advance() {
                        let token = stream.token();
                        if token.text != term {
                            continue;
                        }
                        let surface =
                            passage.text[token.offset_from..token.offset_to].to_lowercase();
                        let distance = query::edit_distance(&written, &surface);
                        if best.as_ref().is_none_or(|(d, _)| distance < *d) {
                            best = Some((distance, surface));
                        }
                    }
                }
            }
            if let Some((_, surface)) = best {
                // Capitalised as the user wrote it.
                let capital = word.written.chars().next().is_some_and(char::is_uppercase);
                let mut chars = surface.chars();
                return Ok(Some(match (capital, chars.next()) {
                    (true, Some(first)) => first.to_uppercase().chain(chars).collect(),
                    _ => surface,
                }));
            }
        }
        Ok(None)
    }

    /// Why a hit ranks where it does: its brief's score by unit and
    /// section (each scored alone on the brief's document), and its
    /// passage's.
    fn explain(
        &self,
        searcher: &tantivy::Searcher,
        compiled: &CompiledQuery,
        top: &TopBrief,
        brief_rank: usize,
        chosen: &Chosen,
    ) -> Result<Explain> {
        let fields = &self.store.fields;
        let mut brief_terms = Vec::new();
        for (what, sections, query) in query::explain_parts(fields, compiled) {
            let score = score_of(query.as_ref(), searcher, top.address).filter(|v| *v > 0.0);
            let Some(score) = score else { continue };
            // The sections where the part is found, for a word over several.
            let found: Vec<&str> = if sections.len() == 1 {
                vec![sections[0].name()]
            } else {
                let word = what.trim_end_matches('*');
                sections
                    .iter()
                    .filter(|&&s| {
                        let term = Term::from_field_text(fields.section_field(s), word);
                        score_of(
                            &TermQuery::new(term, IndexRecordOption::Basic),
                            searcher,
                            top.address,
                        )
                        .is_some()
                    })
                    .map(|s| s.name())
                    .collect()
            };
            brief_terms.push(Contribution {
                what,
                section: found.join("+"),
                score,
                tf: None,
            });
        }
        brief_terms.sort_by(|a, b| b.score.total_cmp(&a.score));
        // Standing together counts in the best section only.
        let mut seen = std::collections::HashSet::new();
        brief_terms.retain(|c| {
            !(c.what.starts_with("together:") || c.what.starts_with("near:"))
                || seen.insert(c.what.clone())
        });
        Ok(Explain {
            brief_score: top.score,
            brief_rank: brief_rank + 1,
            brief_terms,
            passage_score: chosen.score,
            best_passage_score: chosen.best,
            passage_terms: chosen.terms.clone(),
            formula: format!(
                "hit = brief × ({HIT_FLOOR} + {} × passage / best passage) = {:.3} × ({HIT_FLOOR} + {} × {:.3} / {:.3})",
                1.0 - HIT_FLOOR,
                top.score,
                1.0 - HIT_FLOOR,
                chosen.score,
                chosen.best
            ),
        })
    }

    /// Passage counts and words per section over the whole index, computed
    /// once per index generation.
    fn stats(&self, searcher: &tantivy::Searcher) -> Result<Arc<SectionStats>> {
        let generation = searcher.generation().generation_id();
        let mut cached = self
            .stats
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(stats) = cached.as_ref().filter(|s| s.generation == generation) {
            return Ok(stats.clone());
        }
        let fields = &self.store.fields;
        let mut stats = SectionStats {
            generation,
            ..SectionStats::default()
        };
        // Each segment's passages per section: from the record the last
        // indexing run left (see `store::PASSAGE_SUMS`), else from its
        // shapes, one value per brief (9% of a query process on Reuters x10).
        let recorded = crate::store::read_passage_sums(&self.store.files);
        for segment in searcher.segment_readers() {
            let sums = match recorded.get(&segment.segment_id().uuid_string()) {
                Some(sums) => *sums,
                None => schema::segment_passages(segment).map_err(|e| self.damaged(&e))?,
            };
            for (total, count) in stats.passages.iter_mut().zip(sums) {
                *total += count;
            }
        }
        // A section no brief has has no words, and no postings to open
        // (opening a segment's missing field builds tantivy's empty term
        // dictionary, a tenth of a query process).
        for (i, &section) in Section::ALL.iter().enumerate() {
            if stats.passages[i] == 0 {
                continue;
            }
            let field = fields.section_field(section);
            for segment in searcher.segment_readers() {
                let inverted = segment
                    .inverted_index(field)
                    .map_err(|e| self.damaged(&e))?;
                stats.words[i] += inverted.total_num_tokens();
            }
        }
        let stats = Arc::new(stats);
        *cached = Some(stats.clone());
        Ok(stats)
    }

    /// The brief documents that carry the asked actors: every actor
    /// required, or any.
    fn actor_filter(&self, request: &SearchRequest) -> Result<Option<Box<dyn Query>>> {
        let mut groups: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        if !request.actors.is_empty() {
            let occur = if request.any_actor {
                Occur::Should
            } else {
                Occur::Must
            };
            groups.push((Occur::Must, self.actor_terms(&request.actors, occur)?));
        }
        for group in request.actor_groups.iter().filter(|g| !g.is_empty()) {
            groups.push((Occur::Must, self.actor_terms(group, Occur::Should)?));
        }
        Ok(match groups.len() {
            0 => None,
            1 => groups.pop().map(|(_, query)| query),
            _ => Some(Box::new(BooleanQuery::new(groups))),
        })
    }

    /// Brief documents carrying the actor paths, combined by `occur`.
    fn actor_terms(&self, paths: &[String], occur: Occur) -> Result<Box<dyn Query>> {
        let field = self.store.fields.actors;
        let mut terms: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for path in paths {
            Facet::from_text(path).map_err(|_| {
                crate::query::QueryError(format!(
                    "`{path}` is not an actor path like /country/Iran"
                ))
            })?;
            terms.push((
                occur,
                Box::new(TermQuery::new(
                    Term::from_field_text(field, path),
                    IndexRecordOption::Basic,
                )),
            ));
        }
        Ok(Box::new(BooleanQuery::new(terms)))
    }

    /// Where `query` matches each part of `brief`: byte ranges into the
    /// title, summary, caption, each takeaway, the analysis and each body
    /// paragraph, as a reader of the whole brief sees them highlighted.
    pub fn brief_highlights(&self, brief: &Brief, query: &str) -> Result<BriefHighlights> {
        let matches = self.brief_matches(brief, query)?;
        let mut out = BriefHighlights {
            takeaways: vec![Vec::new(); brief.takeaways.len()],
            body: vec![Vec::new(); brief.body.len()],
            ..BriefHighlights::default()
        };
        for (id, ranges) in matches.passages {
            let at = (id.ordinal() as usize).saturating_sub(1);
            let slot = match id.section() {
                Section::Title => Some(&mut out.title),
                Section::Summary => Some(&mut out.summary),
                Section::Caption => Some(&mut out.caption),
                Section::Analysis => Some(&mut out.analysis),
                Section::Takeaway => out.takeaways.get_mut(at),
                Section::Body => out.body.get_mut(at),
            };
            if let Some(slot) = slot {
                *slot = ranges;
            }
        }
        Ok(out)
    }

    /// Actor counts in distinct briefs over the whole index.
    pub fn all_actor_counts(&self) -> Result<Vec<ActorCount>> {
        let searcher = self.reader.searcher();
        let counts = brief_actor_counts(&searcher, self.store.fields.actors, None)
            .map_err(|e| self.damaged(&e))?;
        Ok(sorted_counts(counts))
    }

    /// One brief by id, as indexed.
    pub fn brief(&self, id: &str) -> Result<Option<Brief>> {
        let searcher = self.reader.searcher();
        let fields = &self.store.fields;
        let query = TermQuery::new(
            Term::from_field_text(fields.brief_id, id),
            IndexRecordOption::Basic,
        );
        let found = searcher
            .search(
                &query,
                &tantivy::collector::TopDocs::with_limit(1).order_by_score(),
            )
            .map_err(|e| self.damaged(&e))?;
        match found.first() {
            Some((_, address)) => self.store.brief_at(&searcher, *address).map(Some),
            None => Ok(None),
        }
    }

    /// Where a query matches in each passage of a brief (`show --query`):
    /// byte ranges into the passage's text, for the passages that match,
    /// and the notes on how the query was understood.
    pub fn brief_matches(&self, brief: &Brief, query: &str) -> Result<BriefMatches> {
        let searcher = self.reader.searcher();
        let mut analyzer = self.analyzer();
        let request = SearchRequest::new(query);
        let compiled = self.compile(&searcher, &analyzer, &request)?;
        let mut passages = Vec::new();
        for passage in brief.passages() {
            let Some(plan) = compiled.plans.get(&passage.section) else {
                continue;
            };
            let ranges = snippet::matches(&mut analyzer, plan, passage.text);
            if !ranges.is_empty() {
                passages.push((passage.id(), ranges));
            }
        }
        Ok(BriefMatches {
            passages,
            notes: compiled.notes,
        })
    }

    /// Every brief of the index, in no particular order, through `each`.
    pub fn for_each_brief(&self, mut each: impl FnMut(Brief) -> Result<()>) -> Result<()> {
        let searcher = self.reader.searcher();
        for (ord, segment) in searcher.segment_readers().iter().enumerate() {
            let alive = segment.alive_bitset();
            for doc in 0..segment.max_doc() {
                if alive.is_some_and(|a| !a.is_alive(doc)) {
                    continue;
                }
                each(
                    self.store
                        .brief_at(&searcher, DocAddress::new(ord as u32, doc))?,
                )?;
            }
        }
        Ok(())
    }

    /// Ids of briefs whose id contains `needle`, for "did you mean".
    pub fn similar_ids(&self, needle: &str, limit: usize) -> Result<Vec<String>> {
        let searcher = self.reader.searcher();
        let field = self.store.fields.brief_id;
        let lower = needle.to_lowercase();
        let mut out = Vec::new();
        for segment in searcher.segment_readers() {
            let inverted = segment
                .inverted_index(field)
                .map_err(|e| anyhow::anyhow!(crate::store::one_line(&e)))?;
            let alive = segment.alive_bitset();
            let mut stream = inverted
                .terms()
                .stream()
                .map_err(|e| anyhow::anyhow!(e.to_string()))?;
            while stream.advance() {
                let key = String::from_utf8_lossy(stream.key()).into_owned();
                // Never the id just rejected, nor the ids of deleted briefs
                // that the segment's terms still hold.
                if key == needle || !key.to_lowercase().contains(&lower) || out.contains(&key) {
                    continue;
                }
                let mut postings = inverted
                    .read_postings_from_terminfo(stream.value(), IndexRecordOption::Basic)
                    .map_err(|e| anyhow::anyhow!(e.to_string()))?;
                let mut live = false;
                let mut doc = postings.doc();
                while doc != tantivy::TERMINATED {
                    if alive.is_none_or(|a| a.is_alive(doc)) {
                        live = true;
                        break;
                    }
                    doc = postings.advance();
                }
                if live {
                    out.push(key);
                    if out.len() >= limit {
                        return Ok(out);
                    }
                }
            }
        }
        Ok(out)
    }
}

/// Fewer matching briefs than this, and a query's words are checked for
/// near spellings that find more.
pub const FEW_BRIEFS: u64 = 5;

/// A suggestion counts its passages (reading positions) only when its
/// query finds at most this many briefs; above, briefs alone are counted.
pub const SUGGESTION_PASSAGE_COUNT_BRIEFS: u64 = 1_000;

/// How many briefs holding a suggested word are read for its spelling.
const SURFACE_BRIEFS: usize = 4;

/// `query` with the first whole-word `word` replaced by `by`.
fn replace_word(query: &str, word: &str, by: &str) -> Option<String> {
    let mut from = 0;
    while let Some(at) = query[from..].find(word).map(|i| i + from) {
        let end = at + word.len();
        let before = query[..at].chars().next_back();
        let after = query[end..].chars().next();
        let boundary = |c: Option<char>| c.is_none_or(|c| !c.is_alphanumeric());
        if boundary(before) && boundary(after) {
            return Some(format!("{}{by}{}", &query[..at], &query[end..]));
        }
        from = end;
    }
    None
}

/// The words of the index near a word that may be misspelt, cheapest
/// search first: within one edit; else, for words of five letters or more
/// when `two_edits`, within two edits among the words with the same first
/// letter; else within two edits.
fn near_terms(
    searcher: &tantivy::Searcher,
    fields: &Fields,
    sections: &[Section],
    word: &str,
    two_edits: bool,
) -> Vec<(String, u64)> {
    let found = similar_terms_from(searcher, fields, sections, word, 1, false);
    if found.iter().any(|(term, _)| term != word) || word.chars().count() < 5 || !two_edits {
        return found;
    }
    let found = similar_terms_from(searcher, fields, sections, word, 2, true);
    if found.iter().any(|(term, _)| term != word) {
        return found;
    }
    similar_terms_from(searcher, fields, sections, word, 2, false)
}

/// The words of the searched sections within `distance` edits of `word`
/// (an analysed word), with the number of briefs holding each (its most
/// frequent section's), most frequent first: the term dictionaries walked
/// with a Levenshtein automaton.
pub(crate) fn similar_terms(
    searcher: &tantivy::Searcher,
    fields: &Fields,
    sections: &[Section],
    word: &str,
    distance: u32,
) -> Vec<(String, u64)> {
    similar_terms_from(searcher, fields, sections, word, distance, false)
}

/// `similar_terms`, among the words with the same first letter only when
/// `same_start` (a much smaller walk of the dictionary).
fn similar_terms_from(
    searcher: &tantivy::Searcher,
    fields: &Fields,
    sections: &[Section],
    word: &str,
    distance: u32,
    same_start: bool,
) -> Vec<(String, u64)> {
    // The keys starting with the word's first character: [first, next).
    let start: Option<(Vec<u8>, Vec<u8>)> = word.chars().next().filter(|_| same_start).map(|c| {
        let mut first = [0u8; 4];
        let first = c.encode_utf8(&mut first).as_bytes().to_vec();
        let mut next = first.clone();
        if let Some(last) = next.last_mut() {
            *last = last.saturating_add(1);
        }
        (first, next)
    });
    let mut found: HashMap<String, u64> = HashMap::new();
    let distance = distance.min(query::MAX_FUZZY_DISTANCE) as u8;
    // One automaton for every field and segment (the term's field does not
    // matter to it).
    let Some(&first) = sections.first() else {
        return Vec::new();
    };
    let term = Term::from_field_text(fields.section_field(first), word);
    let Ok(automaton) = FuzzyTermQuery::new(term, distance, true).automaton() else {
        return Vec::new();
    };
    for &section in sections {
        let field = fields.section_field(section);
        let mut in_field: HashMap<String, u64> = HashMap::new();
        for segment in searcher.segment_readers() {
            let Ok(inverted) = segment.inverted_index(field) else {
                continue;
            };
            let mut builder = inverted.terms().search(&automaton);
            if let Some((first, next)) = &start {
                builder = builder.ge(first).lt(next);
            }
            let Ok(mut stream) = builder.into_stream() else {
                continue;
            };
            while stream.advance() {
                let term = String::from_utf8_lossy(stream.key()).into_owned();
                *in_field.entry(term).or_insert(0) += u64::from(stream.value().doc_freq);
            }
        }
        for (term, df) in in_field {
            let best = found.entry(term).or_insert(0);
            *best = (*best).max(df);
        }
    }
    let mut out: Vec<(String, u64)> = found.into_iter().collect();
    out.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    out
}

/// The score one query alone gives a document, if it matches it (tantivy's
/// own `explain` of a phrase can fail an assertion when the phrase's first
/// match lies past the document).
fn score_of(query: &dyn Query, searcher: &tantivy::Searcher, address: DocAddress) -> Option<f32> {
    let weight = query
        .weight(tantivy::query::EnableScoring::enabled_from_searcher(
            searcher,
        ))
        .ok()?;
    let segment = searcher.segment_reader(address.segment_ord);
    let mut scorer = weight.scorer(segment, 1.0).ok()?;
    if scorer.doc() < address.doc_id {
        scorer.seek(address.doc_id);
    }
    (scorer.doc() == address.doc_id).then(|| scorer.score())
}

/// A passage chosen to show for a brief.
#[derive(Debug, Clone)]
struct Chosen {
    passage: PassageId,
    /// Its own score, the brief's best passage score, and the ratio.
    score: f32,
    best: f32,
    relative: f32,
    /// Matching passages of the brief beyond those chosen.
    more: usize,
    terms: Vec<Contribution>,
}

/// Scores passages of a brief against their own section.
struct PassageScorer<'a> {
    units: &'a [Unit],
    stats: &'a SectionStats,
    /// idf by unit.
    idf: BTreeMap<u16, f32>,
}

/// A matched passage of one brief, scored, before the choice.
struct Scored {
    id: PassageId,
    score: f32,
    /// The query units it holds.
    units: Vec<u16>,
    terms: Vec<Contribution>,
    /// Its place in the brief.
    order: usize,
}

impl<'a> PassageScorer<'a> {
    fn new(
        searcher: &tantivy::Searcher,
        freqs: &dyn Bm25StatisticsProvider,
        fields: &Fields,
        units: &'a [Unit],
        stats: &'a SectionStats,
    ) -> PassageScorer<'a> {
        let briefs = searcher.num_docs();
        let mut idf = BTreeMap::new();
        for (u, unit) in units.iter().enumerate() {
            // The brief query's idf: of the word in the brief as a whole
            // (the section where it is most common), summed over a phrase.
            let value = if unit.prefix {
                1.0
            } else {
                unit.words
                    .iter()
                    .map(|(_, w)| {
                        let df = unit
                            .sections
                            .iter()
                            .map(|&s| {
                                let term = Term::from_field_text(fields.section_field(s), w);
                                freqs.doc_freq(&term).unwrap_or(0)
                            })
                            .max()
                            .unwrap_or(0);
                        crate::bm25f::idf(df, briefs)
                    })
                    .sum()
            };
            idf.insert(u as u16, value);
        }
        PassageScorer { units, stats, idf }
    }

    /// The passages of `brief` to show: those that together cover the
    /// query's units first, then the best-scoring, up to `cap` (0: all),
    /// best first.
    fn choose(&self, brief: &Brief, top: &TopBrief, cap: usize) -> Vec<Chosen> {
        let passages = brief.passages();
        let mut scored: Vec<Scored> = Vec::new();
        for group in top.matched.chunk_by(|a, b| a.passage == b.passage) {
            let id = group[0].passage;
            let Some((order, passage)) = passages.iter().enumerate().find(|(_, p)| p.id() == id)
            else {
                continue;
            };
            let (score, terms) = self.score(passage.section, passage.text, group);
            let units = group.iter().map(|m| m.unit).collect();
            scored.push(Scored {
                id,
                score,
                units,
                terms,
                order,
            });
        }
        if self.units.is_empty() {
            // A query without words (`*`) matches each brief as a whole:
            // it is shown from its start.
            scored = passages
                .iter()
                .enumerate()
                .map(|(order, p)| Scored {
                    id: p.id(),
                    score: 0.0,
                    units: Vec::new(),
                    terms: Vec::new(),
                    order,
                })
                .collect();
        }
        let total = scored.len();
        let best = scored
            .iter()
            .map(|s| s.score)
            .fold(0.0f32, f32::max)
            .max(f32::MIN_POSITIVE);
        let cap = if cap == 0 { total } else { cap.min(total) };
        let mut covered: Vec<u16> = Vec::new();
        let mut chosen: Vec<Chosen> = Vec::new();
        while chosen.len() < cap {
            let pick = scored
                .iter()
                .enumerate()
                .max_by(|(_, a), (_, b)| {
                    let new_a = a.units.iter().filter(|u| !covered.contains(u)).count();
                    let new_b = b.units.iter().filter(|u| !covered.contains(u)).count();
                    new_a
                        .cmp(&new_b)
                        .then_with(|| a.score.total_cmp(&b.score))
                        .then_with(|| b.order.cmp(&a.order))
                })
                .map(|(i, _)| i);
            let Some(i) = pick else { break };
            let Scored {
                id: passage,
                score,
                units,
                terms,
                ..
            } = scored.swap_remove(i);
            covered.extend(units);
            chosen.push(Chosen {
                passage,
                score,
                best,
                relative: score / best,
                more: 0,
                terms,
            });
        }
        chosen.sort_by(|a, b| b.score.total_cmp(&a.score));
        let more = total - chosen.len();
        for c in &mut chosen {
            c.more = more;
        }
        chosen
    }

    /// BM25 of one passage: each unit's occurrences there, its idf in the
    /// section, the passage's length against its section's average, and
    /// the section's weight.
    fn score(&self, section: Section, text: &str, matched: &[Matched]) -> (f32, Vec<Contribution>) {
        let length = crate::tokenizer::count_words(text) as f32;
        let norm = 1.0 - B + B * length / self.stats.average(section);
        let weight = query::section_weight(section);
        let mut total = 0.0;
        let mut terms = Vec::new();
        for m in matched {
            let idf = self.idf.get(&m.unit).copied().unwrap_or(1.0);
            let tf = m.tf as f32;
            let score = weight * idf * tf * (K1 + 1.0) / (tf + K1 * norm);
            total += score;
            terms.push(Contribution {
                what: self.units[m.unit as usize].display(),
                section: section.name().to_string(),
                score,
                tf: Some(m.tf),
            });
        }
        (total, terms)
    }
}
