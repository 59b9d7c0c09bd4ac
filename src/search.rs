//! Query → ranked passages with snippets, and counts of everything matched.
//! Returns data; formatting is `output`'s job.

use std::cmp::{Ordering, Reverse};
use std::collections::{BinaryHeap, HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, Result};
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::Column;
use tantivy::fastfield::FacetReader;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::{Facet, IndexRecordOption, TantivyDocument, Value};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{
    DocAddress, DocId, IndexReader, ReloadPolicy, Score, SegmentOrdinal, SegmentReader, Term,
};

use crate::brief::{brief_key, Brief, Section};
use crate::query::{self, HighlightPlan};
use crate::schema::{self, Fields, ACTORS_COLUMN, BRIEF_KEY_COLUMN, SECTION_COLUMN};
use crate::snippet::{self, Snippet};
use crate::store::Store;

/// How much of a title's own score lifts the other passages of its brief.
const TITLE_LIFT: f32 = 0.3;

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
    analyzer: TextAnalyzer,
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
            analyzer: schema::analyzer(),
        })
    }

    pub fn fields(&self) -> &Fields {
        &self.store.fields
    }

    pub fn search(&self, request: &SearchRequest) -> Result<SearchResults> {
        let started = Instant::now();
        let dir = self.store.dir.as_path();
        let fields = &self.store.fields;
        let compiled = query::compile(fields, &self.analyzer, &request.query)?;
        let searcher = self.reader.searcher();

        let title_lift = self.title_scores(&searcher, &compiled.title_terms)?;
        let collector = PassageCollector {
            want: request.offset + request.limit,
            per_brief: request.per_brief,
            sections: section_mask(&request.sections),
            title_lift: Arc::new(title_lift),
            facets: request.facets,
        };
        let query = self.with_actor_filter(compiled.query, request)?;
        let collected = searcher
            .search(query.as_ref(), &collector)
            .map_err(|e| crate::store::damaged(dir, &crate::store::one_line(&e)))?;

        let mut analyzer = self.analyzer.clone();
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
            let text = doc
                .get_first(fields.text)
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_string();
            let ordinal = doc
                .get_first(fields.ordinal)
                .and_then(|v| v.as_u64())
                .unwrap_or(1);
            let brief = match briefs.get(&candidate.brief_key) {
                Some(brief) => brief.clone(),
                None => {
                    let brief = load_brief_by_key(&searcher, fields, dir, candidate.brief_key)?
                        .unwrap_or_default();
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
        Ok(SearchResults {
            hits,
            passages: collected.passages,
            briefs: collected.briefs,
            facets: request.facets.then(|| sorted_counts(collected.facets)),
            elapsed_ms: started.elapsed().as_secs_f64() * 1000.0,
        })
    }

    /// Adds the actor filter to a query: every actor required, or any.
    fn with_actor_filter(
        &self,
        query: Box<dyn Query>,
        request: &SearchRequest,
    ) -> Result<Box<dyn Query>> {
        if request.actors.is_empty() {
            return Ok(query);
        }
        let field = if request.actor_in_passage {
            self.store.fields.passage_actors
        } else {
            self.store.fields.actors
        };
        let mut terms: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for path in &request.actors {
            let facet = Facet::from_text(path).map_err(|_| {
                crate::query::QueryError(format!(
                    "`{path}` is not an actor path like /country/Iran"
                ))
            })?;
            let term: Box<dyn Query> = Box::new(TermQuery::new(
                Term::from_facet(field, &facet),
                IndexRecordOption::Basic,
            ));
            terms.push((
                if request.any_actor {
                    Occur::Should
                } else {
                    Occur::Must
                },
                term,
            ));
        }
        let filter: Box<dyn Query> = Box::new(BooleanQuery::new(terms));
        // The filter selects; it adds nothing to the score.
        let filter: Box<dyn Query> = Box::new(BoostQuery::new(filter, 0.0));
        Ok(Box::new(BooleanQuery::new(vec![
            (Occur::Must, query),
            (Occur::Must, filter),
        ])))
    }

    /// Actor counts in distinct briefs over the whole index.
    pub fn all_actor_counts(&self) -> Result<Vec<ActorCount>> {
        let dir = self.store.dir.as_path();
        let searcher = self.reader.searcher();
        let counts = searcher
            .search(&tantivy::query::AllQuery, &BriefActorCounts)
            .map_err(|e| crate::store::damaged(dir, &crate::store::one_line(&e)))?;
        Ok(sorted_counts(counts))
    }

    /// Title score per brief key, for briefs whose title holds a query word.
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
                (Occur::Should, q)
            })
            .collect();
        let query = BooleanQuery::new(clauses);
        searcher
            .search(&query, &KeyScores)
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
            let text = doc
                .get_first(fields.text)
                .and_then(|v| v.as_str())
                .unwrap_or_default();
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

/// Brief keys are FNV hashes and facet ordinals small integers: one
/// multiplication spreads both, where SipHash would hash them again.
#[derive(Default, Clone, Copy)]
struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

type KeyMap<V> = HashMap<u64, V, BuildHasherDefault<KeyHasher>>;
type KeySet = HashSet<u64, BuildHasherDefault<KeyHasher>>;

fn section_mask(sections: &[Section]) -> u64 {
    if sections.is_empty() {
        return Section::ALL.iter().fold(0, |m, s| m | 1 << s.code());
    }
    sections.iter().fold(0, |m, s| m | 1 << s.code())
}

fn columns(segment: &SegmentReader) -> tantivy::Result<(Column<u64>, Column<u64>)> {
    let fast = segment.fast_fields();
    Ok((fast.u64(SECTION_COLUMN)?, fast.u64(BRIEF_KEY_COLUMN)?))
}

/// A candidate passage.
#[derive(Debug, Clone, Copy)]
struct Candidate {
    score: Score,
    brief_key: u64,
    section: Section,
    address: DocAddress,
}

impl Candidate {
    /// Higher score first; ties broken by position in the index, for a
    /// stable order.
    fn rank_cmp(&self, other: &Self) -> Ordering {
        other
            .score
            .total_cmp(&self.score)
            .then_with(|| self.address.cmp(&other.address))
    }
}

struct Ranked(Candidate);

impl PartialEq for Ranked {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Ranked {}
impl PartialOrd for Ranked {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Ranked {
    /// Better candidates are greater.
    fn cmp(&self, other: &Self) -> Ordering {
        other.0.rank_cmp(&self.0)
    }
}

/// What the passage collector gathers.
struct Collected {
    passages: u64,
    briefs: u64,
    facets: HashMap<String, u64>,
    /// The best `want` candidates, best first, at most `per_brief` a brief.
    top: Vec<Candidate>,
}

/// Collects passages: counts all matches (passages and distinct briefs),
/// applies the section filter and the title lift, and keeps the best
/// candidates with at most `per_brief` passages a brief.
struct PassageCollector {
    want: usize,
    per_brief: usize,
    sections: u64,
    title_lift: Arc<KeyMap<f32>>,
    /// Count the actors of each matching brief once.
    facets: bool,
}

struct SegmentPassages {
    segment: SegmentOrdinal,
    section: Column<u64>,
    brief_key: Column<u64>,
    want: usize,
    per_brief: usize,
    sections: u64,
    title_lift: Arc<KeyMap<f32>>,
    passages: u64,
    /// With a per-brief cap: each brief's best passages.
    by_brief: KeyMap<Vec<Candidate>>,
    /// Without a cap: a min-heap of the best `want`.
    heap: BinaryHeap<Reverse<Ranked>>,
    seen_briefs: KeySet,
    /// With facets: the segment's actor column and counts by ordinal. All
    /// passages of a brief are in one segment, so counting a brief at its
    /// first passage in the segment counts it once.
    actors: Option<FacetReader>,
    actor_counts: KeyMap<u64>,
}

struct SegmentFruit {
    passages: u64,
    by_brief: KeyMap<Vec<Candidate>>,
    heap: Vec<Candidate>,
    seen_briefs: KeySet,
    facets: HashMap<String, u64>,
}

/// The segment's reader of the brief actors facet, if any document of the
/// segment has one.
fn actor_reader(segment: &SegmentReader) -> tantivy::Result<Option<FacetReader>> {
    Ok(segment
        .fast_fields()
        .str(ACTORS_COLUMN)?
        .map(FacetReader::new))
}

/// Facet ordinals and their counts to facet paths.
fn facet_names(reader: &FacetReader, counts: KeyMap<u64>) -> HashMap<String, u64> {
    let mut out = HashMap::with_capacity(counts.len());
    let mut facet = Facet::root();
    for (ord, n) in counts {
        if reader.facet_from_ord(ord, &mut facet).is_ok() {
            *out.entry(facet.to_path_string()).or_insert(0) += n;
        }
    }
    out
}

impl Collector for PassageCollector {
    type Fruit = Collected;
    type Child = SegmentPassages;

    fn for_segment(
        &self,
        segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<SegmentPassages> {
        let (section, brief_key) = columns(reader)?;
        Ok(SegmentPassages {
            segment,
            section,
            brief_key,
            want: self.want,
            per_brief: self.per_brief,
            sections: self.sections,
            title_lift: self.title_lift.clone(),
            passages: 0,
            by_brief: KeyMap::default(),
            heap: BinaryHeap::new(),
            seen_briefs: KeySet::default(),
            actors: if self.facets {
                actor_reader(reader)?
            } else {
                None
            },
            actor_counts: KeyMap::default(),
        })
    }

    fn requires_scoring(&self) -> bool {
        true
    }

    fn merge_fruits(&self, fruits: Vec<SegmentFruit>) -> tantivy::Result<Collected> {
        let mut passages = 0;
        let mut briefs = KeySet::default();
        let mut facets: HashMap<String, u64> = HashMap::new();
        let mut all: Vec<Candidate> = Vec::new();
        let mut by_brief: KeyMap<Vec<Candidate>> = KeyMap::default();
        for fruit in fruits {
            passages += fruit.passages;
            for (name, n) in fruit.facets {
                *facets.entry(name).or_insert(0) += n;
            }
            briefs.extend(fruit.seen_briefs);
            all.extend(fruit.heap);
            for (key, mut list) in fruit.by_brief {
                by_brief.entry(key).or_default().append(&mut list);
            }
        }
        for (_, mut list) in by_brief {
            list.sort_by(Candidate::rank_cmp);
            list.truncate(self.per_brief);
            all.extend(list);
        }
        if all.len() > self.want && self.want > 0 {
            all.select_nth_unstable_by(self.want - 1, Candidate::rank_cmp);
        }
        all.truncate(self.want);
        all.sort_by(Candidate::rank_cmp);
        Ok(Collected {
            passages,
            briefs: briefs.len() as u64,
            facets,
            top: all,
        })
    }
}

impl SegmentCollector for SegmentPassages {
    type Fruit = SegmentFruit;

    fn collect(&mut self, doc: DocId, score: Score) {
        let Some(code) = self.section.first(doc) else {
            return;
        };
        if code >= 64 || self.sections & (1 << code) == 0 {
            return;
        }
        let Some(section) = Section::from_code(code) else {
            return;
        };
        let brief_key = self.brief_key.first(doc).unwrap_or_default();
        self.passages += 1;
        if self.seen_briefs.insert(brief_key) {
            if let Some(actors) = &self.actors {
                for ord in actors.facet_ords(doc) {
                    *self.actor_counts.entry(ord).or_insert(0) += 1;
                }
            }
        }
        let lift = if section == Section::Title {
            0.0
        } else {
            self.title_lift.get(&brief_key).copied().unwrap_or(0.0) * TITLE_LIFT
        };
        let candidate = Candidate {
            score: score + lift,
            brief_key,
            section,
            address: DocAddress::new(self.segment, doc),
        };
        if self.want == 0 {
            return;
        }
        if self.per_brief == 0 {
            if self.heap.len() < self.want {
                self.heap.push(Reverse(Ranked(candidate)));
            } else if let Some(Reverse(worst)) = self.heap.peek() {
                if candidate.rank_cmp(&worst.0) == Ordering::Less {
                    self.heap.pop();
                    self.heap.push(Reverse(Ranked(candidate)));
                }
            }
            return;
        }
        let list = self.by_brief.entry(brief_key).or_default();
        if list.len() < self.per_brief {
            list.push(candidate);
        } else if let Some((worst_i, worst)) =
            list.iter().enumerate().max_by(|a, b| a.1.rank_cmp(b.1))
        {
            if candidate.rank_cmp(worst) == Ordering::Less {
                list[worst_i] = candidate;
            }
        }
    }

    fn harvest(self) -> SegmentFruit {
        let facets = match &self.actors {
            Some(reader) => facet_names(reader, self.actor_counts),
            None => HashMap::new(),
        };
        SegmentFruit {
            passages: self.passages,
            by_brief: self.by_brief,
            heap: self.heap.into_iter().map(|Reverse(Ranked(c))| c).collect(),
            seen_briefs: self.seen_briefs,
            facets,
        }
    }
}

/// Collects the score of every matching title passage by brief key.
struct KeyScores;

struct SegmentKeyScores {
    section: Column<u64>,
    brief_key: Column<u64>,
    scores: KeyMap<f32>,
}

impl Collector for KeyScores {
    type Fruit = KeyMap<f32>;
    type Child = SegmentKeyScores;

    fn for_segment(
        &self,
        _: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<SegmentKeyScores> {
        let (section, brief_key) = columns(reader)?;
        Ok(SegmentKeyScores {
            section,
            brief_key,
            scores: KeyMap::default(),
        })
    }

    fn requires_scoring(&self) -> bool {
        true
    }

    fn merge_fruits(&self, fruits: Vec<KeyMap<f32>>) -> tantivy::Result<KeyMap<f32>> {
        Ok(fruits.into_iter().flatten().collect())
    }
}

impl SegmentCollector for SegmentKeyScores {
    type Fruit = KeyMap<f32>;

    fn collect(&mut self, doc: DocId, score: Score) {
        if self.section.first(doc) == Some(Section::Title.code()) {
            if let Some(key) = self.brief_key.first(doc) {
                self.scores.insert(key, score);
            }
        }
    }

    fn harvest(self) -> KeyMap<f32> {
        self.scores
    }
}

/// Finds the brief document among the documents of one brief key.
struct BriefRecord;

struct SegmentBriefRecord {
    segment: SegmentOrdinal,
    section: Column<u64>,
    found: Option<DocAddress>,
}

impl Collector for BriefRecord {
    type Fruit = Option<DocAddress>;
    type Child = SegmentBriefRecord;

    fn for_segment(
        &self,
        segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<SegmentBriefRecord> {
        let (section, _) = columns(reader)?;
        Ok(SegmentBriefRecord {
            segment,
            section,
            found: None,
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Option<DocAddress>>) -> tantivy::Result<Option<DocAddress>> {
        Ok(fruits.into_iter().flatten().next())
    }
}

impl SegmentCollector for SegmentBriefRecord {
    type Fruit = Option<DocAddress>;

    fn collect(&mut self, doc: DocId, _: Score) {
        if self.found.is_none() && self.section.first(doc) == Some(crate::schema::BRIEF_RECORD) {
            self.found = Some(DocAddress::new(self.segment, doc));
        }
    }

    fn harvest(self) -> Option<DocAddress> {
        self.found
    }
}

/// Counts the actors of every brief document.
struct BriefActorCounts;

struct SegmentBriefActorCounts {
    section: Column<u64>,
    actors: Option<FacetReader>,
    counts: KeyMap<u64>,
}

impl Collector for BriefActorCounts {
    type Fruit = HashMap<String, u64>;
    type Child = SegmentBriefActorCounts;

    fn for_segment(
        &self,
        _: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<SegmentBriefActorCounts> {
        let (section, _) = columns(reader)?;
        Ok(SegmentBriefActorCounts {
            section,
            actors: actor_reader(reader)?,
            counts: KeyMap::default(),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(
        &self,
        fruits: Vec<HashMap<String, u64>>,
    ) -> tantivy::Result<HashMap<String, u64>> {
        let mut out = HashMap::new();
        for (name, n) in fruits.into_iter().flatten() {
            *out.entry(name).or_insert(0) += n;
        }
        Ok(out)
    }
}

impl SegmentCollector for SegmentBriefActorCounts {
    type Fruit = HashMap<String, u64>;

    fn collect(&mut self, doc: DocId, _: Score) {
        if self.section.first(doc) != Some(crate::schema::BRIEF_RECORD) {
            return;
        }
        if let Some(actors) = &self.actors {
            for ord in actors.facet_ords(doc) {
                *self.counts.entry(ord).or_insert(0) += 1;
            }
        }
    }

    fn harvest(self) -> HashMap<String, u64> {
        match &self.actors {
            Some(reader) => facet_names(reader, self.counts),
            None => HashMap::new(),
        }
    }
}
