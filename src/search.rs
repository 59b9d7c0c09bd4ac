//! Query → ranked passages with snippets, and counts of everything matched.
//! Returns data; formatting is `output`'s job.

use std::collections::HashMap;
use std::ops::Bound;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use anyhow::{Context, Result};
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, RangeQuery, TermQuery};
use tantivy::schema::{Facet, IndexRecordOption, TantivyDocument, Value};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{DocAddress, IndexReader, ReloadPolicy, Term};

use crate::brief::{brief_key, Brief, Section};
use crate::collect::{
    brief_actor_counts, section_mask, BriefRecord, ByBrief, KeyMap, PassageCollector,
};
use crate::query::{self, HighlightPlan};
use crate::schema::{
    self, Fields, BRIEF_KEY_COLUMN, BRIEF_RECORD, RECORD_OFFSET_COLUMN, SECTION_COLUMN,
};
use crate::snippet::{self, Snippet};
use crate::store::Store;

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
    /// The passage itself must name the actors, not just its brief.
    pub actor_in_passage: bool,
    /// Count the actors of the matching briefs.
    pub facets: bool,
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
            actor_in_passage: false,
            facets: false,
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
}

impl Hit {
    pub fn label(&self) -> String {
        self.section.label(self.ordinal)
    }
}

/// A page of hits, and how many passages and briefs matched in all.
#[derive(Debug, Clone)]
pub struct SearchResults {
    pub hits: Vec<Hit>,
    pub passages: u64,
    pub briefs: u64,
    /// Actor counts over the matching briefs, when asked for.
    pub facets: Option<Vec<ActorCount>>,
    pub elapsed_ms: f64,
}

/// An open index, ready to answer many queries.
pub struct Searcher {
    store: Store,
    reader: IndexReader,
    /// Kept across queries: it remembers the analysed form of the words it
    /// has seen, which makes re-analysing passages for snippets cheap.
    analyzer: Mutex<TextAnalyzer>,
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
            analyzer: Mutex::new(schema::analyzer()),
        })
    }

    pub fn search(&self, request: &SearchRequest) -> Result<SearchResults> {
        let started = Instant::now();
        let dir = self.store.dir.as_path();
        let fields = &self.store.fields;
        let mut analyzer = self
            .analyzer
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let compiled = query::compile(fields, &analyzer, &request.query)?;
        let searcher = self.reader.searcher();

        let title_lift = self.title_scores(&searcher, &compiled.title_terms)?;
        // Actors of a brief live on its brief document: the passages of the
        // briefs that involve them are kept by key. Actors a passage names
        // itself live on the passage, and filter the query.
        let (query, briefs) = match self.actor_filter(request)? {
            Some(filter) if request.actor_in_passage => {
                let filter: Box<dyn Query> = Box::new(BoostQuery::new(filter, 0.0));
                let query: Box<dyn Query> = Box::new(BooleanQuery::new(vec![
                    (Occur::Must, compiled.query),
                    (Occur::Must, filter),
                ]));
                (query, None)
            }
            Some(filter) => {
                let keys = searcher
                    .search(
                        filter.as_ref(),
                        &ByBrief {
                            section: BRIEF_RECORD,
                            scoring: false,
                        },
                    )
                    .map_err(|e| crate::store::damaged(dir, &crate::store::one_line(&e)))?;
                (compiled.query, Some(Arc::new(keys.into_keys().collect())))
            }
            None => (compiled.query, None),
        };
        let collector = PassageCollector {
            want: request.offset + request.limit,
            per_brief: request.per_brief,
            sections: section_mask(&request.sections),
            title_lift: Arc::new(title_lift),
            briefs,
        };
        let collected = searcher
            .search(query.as_ref(), &collector)
            .map_err(|e| crate::store::damaged(dir, &crate::store::one_line(&e)))?;

        let mut briefs: KeyMap<Brief> = KeyMap::default();
        let mut hits = Vec::new();
        for (i, candidate) in collected
            .top
            .iter()
            .skip(request.offset)
            .take(request.limit)
            .enumerate()
        {
            let doc: TantivyDocument = searcher
                .doc(candidate.address)
                .map_err(|e| crate::store::damaged(dir, &crate::store::one_line(&e)))?;
            let text = fields.passage_text(&doc).to_string();
            let ordinal = doc
                .get_first(fields.ordinal)
                .and_then(|v| v.as_u64())
                .unwrap_or(1);
            let brief = match briefs.get(&candidate.brief_key) {
                Some(brief) => brief.clone(),
                None => {
                    let brief = match record_of(&searcher, candidate.address, candidate.brief_key) {
                        Some(record) => brief_at(&searcher, fields, record)?,
                        None => load_brief_by_key(&searcher, fields, dir, candidate.brief_key)?
                            .unwrap_or_default(),
                    };
                    briefs.insert(candidate.brief_key, brief.clone());
                    brief
                }
            };
            let plan = compiled
                .plans
                .get(&candidate.section)
                .cloned()
                .unwrap_or_else(HighlightPlan::default);
            let snippet = snippet::snippet(&mut analyzer, &plan, &text);
            hits.push(Hit {
                rank: request.offset + i + 1,
                score: candidate.score,
                brief_id: brief.id,
                path: brief.path,
                title: brief.title,
                source: brief.source,
                date: brief.date,
                section: candidate.section,
                ordinal,
                text,
                snippet,
                actors: brief.actors,
            });
        }
        let facets = if request.facets {
            let counts =
                brief_actor_counts(&searcher, self.store.fields.actors, Some(&collected.briefs))
                    .map_err(|e| crate::store::damaged(dir, &crate::store::one_line(&e)))?;
            Some(sorted_counts(counts))
        } else {
            None
        };
        Ok(SearchResults {
            hits,
            passages: collected.passages,
            briefs: collected.briefs.len() as u64,
            facets,
            elapsed_ms: started.elapsed().as_secs_f64() * 1000.0,
        })
    }

    /// The documents that carry the asked actors (brief documents, or with
    /// `actor_in_passage` passages): every actor required, or any.
    fn actor_filter(&self, request: &SearchRequest) -> Result<Option<Box<dyn Query>>> {
        if request.actors.is_empty() {
            return Ok(None);
        }
        let field = if request.actor_in_passage {
            self.store.fields.passage_actors
        } else {
            self.store.fields.actors
        };
        let occur = if request.any_actor {
            Occur::Should
        } else {
            Occur::Must
        };
        let mut terms: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for path in &request.actors {
            Facet::from_text(path).map_err(|_| {
                crate::query::QueryError(format!(
                    "`{path}` is not an actor path like /country/Iran"
                ))
            })?;
            let query: Box<dyn Query> = if request.actor_in_passage {
                let key = Term::from_field_u64(field, crate::actors::path_key(path));
                Box::new(RangeQuery::new(
                    Bound::Included(key.clone()),
                    Bound::Included(key),
                ))
            } else {
                Box::new(TermQuery::new(
                    Term::from_field_text(field, path),
                    IndexRecordOption::Basic,
                ))
            };
            terms.push((occur, query));
        }
        Ok(Some(Box::new(BooleanQuery::new(terms))))
    }

    /// Actor counts in distinct briefs over the whole index.
    pub fn all_actor_counts(&self) -> Result<Vec<ActorCount>> {
        let dir = self.store.dir.as_path();
        let searcher = self.reader.searcher();
        let counts = brief_actor_counts(&searcher, self.store.fields.actors, None)
            .map_err(|e| crate::store::damaged(dir, &crate::store::one_line(&e)))?;
        Ok(sorted_counts(counts))
    }

    /// Title score per brief key, for briefs whose title holds every word
    /// of the query (a title that names the whole subject lifts the brief;
    /// one common word in a title is weak evidence, and costly to score).
    fn title_scores(&self, searcher: &tantivy::Searcher, terms: &[String]) -> Result<KeyMap<f32>> {
        if terms.is_empty() {
            return Ok(KeyMap::default());
        }
        let dir = self.store.dir.as_path();
        let field = self.store.fields.section_field(Section::Title);
        let clauses: Vec<(Occur, Box<dyn Query>)> = terms
            .iter()
            .map(|t| {
                let q: Box<dyn Query> = Box::new(TermQuery::new(
                    Term::from_field_text(field, t),
                    IndexRecordOption::WithFreqs,
                ));
                (Occur::Must, q)
            })
            .collect();
        let query = BooleanQuery::new(clauses);
        searcher
            .search(
                &query,
                &ByBrief {
                    section: Section::Title.code(),
                    scoring: true,
                },
            )
            .map_err(|e| crate::store::damaged(dir, &crate::store::one_line(&e)))
    }

    /// One brief by id, as indexed.
    pub fn brief(&self, id: &str) -> Result<Option<Brief>> {
        let dir = self.store.dir.as_path();
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
            .map_err(|e| crate::store::damaged(dir, &crate::store::one_line(&e)))?;
        let Some((_, address)) = found.first() else {
            return Ok(None);
        };
        let mut brief = brief_at(&searcher, fields, *address)?;
        // The section texts live in the passages.
        let query = TermQuery::new(
            Term::from_field_u64(fields.brief_key, brief_key(&brief.id)),
            IndexRecordOption::Basic,
        );
        let addresses = searcher
            .search(&query, &tantivy::collector::DocSetCollector)
            .map_err(|e| crate::store::damaged(dir, &crate::store::one_line(&e)))?;
        let mut passages: Vec<(Section, u64, String)> = Vec::new();
        for address in addresses {
            let doc: TantivyDocument = searcher
                .doc(address)
                .map_err(|e| crate::store::damaged(dir, &crate::store::one_line(&e)))?;
            let section = doc.get_first(fields.section).and_then(|v| v.as_u64());
            let Some(section) = section.and_then(Section::from_code) else {
                continue;
            };
            let ordinal = doc
                .get_first(fields.ordinal)
                .and_then(|v| v.as_u64())
                .unwrap_or(1);
            let text = fields.passage_text(&doc);
            passages.push((section, ordinal, text.to_string()));
        }
        passages.sort();
        for (section, _, text) in passages {
            match section {
                Section::Title => brief.title = Some(text),
                Section::Summary => brief.summary = Some(text),
                Section::Caption => brief.caption = Some(text),
                Section::Takeaway => brief.takeaways.push(text),
                Section::Analysis => brief.analysis = Some(text),
                Section::Body => brief.body.push(text),
            }
        }
        Ok(Some(brief))
    }

    /// Ids of briefs whose id contains `needle`, for "did you mean".
    pub fn similar_ids(&self, needle: &str, limit: usize) -> Result<Vec<String>> {
        let searcher = self.reader.searcher();
        let field = self.store.fields.brief_id;
        let needle = needle.to_lowercase();
        let mut out = Vec::new();
        for segment in searcher.segment_readers() {
            let inverted = segment
                .inverted_index(field)
                .map_err(|e| anyhow::anyhow!(crate::store::one_line(&e)))?;
            let mut stream = inverted
                .terms()
                .stream()
                .map_err(|e| anyhow::anyhow!(e.to_string()))?;
            while stream.advance() {
                let key = String::from_utf8_lossy(stream.key()).into_owned();
                if key.to_lowercase().contains(&needle) && !out.contains(&key) {
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

/// The brief document of a passage, from the passage's `record_offset`,
/// checked against the brief key; `None` sends the caller to a search.
fn record_of(searcher: &tantivy::Searcher, passage: DocAddress, key: u64) -> Option<DocAddress> {
    let segment = searcher.segment_reader(passage.segment_ord);
    let fast = segment.fast_fields();
    let offset = fast.u64(RECORD_OFFSET_COLUMN).ok()?.first(passage.doc_id)?;
    let doc = passage.doc_id.checked_sub(u32::try_from(offset).ok()?)?;
    let is_record = fast.u64(SECTION_COLUMN).ok()?.first(doc) == Some(BRIEF_RECORD);
    let same_brief = fast.u64(BRIEF_KEY_COLUMN).ok()?.first(doc) == Some(key);
    (is_record && same_brief).then(|| DocAddress::new(passage.segment_ord, doc))
}

fn load_brief_by_key(
    searcher: &tantivy::Searcher,
    fields: &Fields,
    dir: &std::path::Path,
    key: u64,
) -> Result<Option<Brief>> {
    let query = TermQuery::new(
        Term::from_field_u64(fields.brief_key, key),
        IndexRecordOption::Basic,
    );
    let found = searcher
        .search(&query, &BriefRecord)
        .map_err(|e| crate::store::damaged(dir, &crate::store::one_line(&e)))?;
    match found {
        Some(address) => brief_at(searcher, fields, address).map(Some),
        None => Ok(None),
    }
}

/// The brief document's metadata, as a brief without section texts.
fn brief_at(searcher: &tantivy::Searcher, fields: &Fields, address: DocAddress) -> Result<Brief> {
    let doc: TantivyDocument = searcher
        .doc(address)
        .context("failed to read a brief from the index")?;
    let json = doc
        .get_first(fields.brief_meta)
        .and_then(|v| v.as_str())
        .unwrap_or("{}");
    serde_json::from_str(json)
        .context("a brief stored in the index is unreadable: run `briefs index --rebuild`")
}
