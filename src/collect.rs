//! The collector of a search: every matching brief counted, with the
//! passages that hold the query's units (read from the positions of its
//! words: each passage has its own stride of positions), and the best
//! briefs kept with those passages; and actor counts over briefs.

use std::cmp::{Ordering, Reverse};
use std::collections::{BinaryHeap, HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::Column;
use tantivy::fieldnorm::FieldNormReader;
use tantivy::postings::{Postings, SegmentPostings};
use tantivy::query::{Bm25StatisticsProvider, Bm25Weight, EnableScoring, Scorer, Weight};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::SeekDangerResult;
use tantivy::{
    DocAddress, DocId, DocSet, Score, Searcher, SegmentOrdinal, SegmentReader, Term, TERMINATED,
};

use crate::brief::{PassageId, Section};
use crate::query::{self, CompiledQuery, Unit};
use crate::schema::{
    Fields, BRIEF_KEY_COLUMN, DATE_COLUMN, PASSAGE_ACTORS_COLUMN, PASSAGE_ACTOR_MASK,
};
use crate::search::Sort;
use crate::tokenizer::PASSAGE_STRIDE;

/// A prefix matches passages through at most this many of its words in one
/// segment (the brief query itself expands it fully).
const MAX_PREFIX_TERMS: usize = 64;

/// Passages are counted exactly in the first `SAMPLE_HEAD` matching briefs
/// of a segment, then in one brief of every `SAMPLE_STRIDE`, and estimated
/// for the others from those, unless exact counts are asked for: reading
/// every match's positions only to count its passages was most of the
/// time of a query with thousands of matching briefs.
const SAMPLE_HEAD: u64 = 256;
const SAMPLE_STRIDE: u64 = 16;

/// The extra score of briefs whose words stand together
/// (`CompiledQuery::proximity`), asked of a brief only when it could enter
/// the best, with what bounds it.
pub(crate) struct Proximity {
    clauses: Vec<ClauseWeights>,
    /// Each section's field, the words, and their phrase's BM25 weight:
    /// what bounds a brief's proximity (`query::proximity_sections`).
    sections: Vec<(Field, Vec<Term>, Bm25Weight)>,
}

/// A proximity clause's boost, whether its phrase is bounded by its rarest
/// word (`ProximityClause::by_rarest`), and its phrase in each section.
struct ClauseWeights {
    boost: Score,
    by_rarest: bool,
    phrases: Vec<Box<dyn Weight>>,
}

impl Proximity {
    /// The weights of `compiled`'s proximity, `None` without one.
    pub(crate) fn new(
        compiled: &CompiledQuery,
        fields: &Fields,
        stats: &dyn Bm25StatisticsProvider,
        searcher: &Searcher,
    ) -> tantivy::Result<Option<Proximity>> {
        if compiled.proximity.is_empty() {
            return Ok(None);
        }
        let mut clauses = Vec::new();
        for clause in &compiled.proximity {
            let mut phrases = Vec::new();
            for phrase in &clause.phrases {
                let scoring = EnableScoring::enabled_from_statistics_provider(stats, searcher);
                phrases.push(phrase.weight(scoring)?);
            }
            clauses.push(ClauseWeights {
                boost: clause.boost,
                by_rarest: clause.by_rarest(compiled.bare_words.len()),
                phrases,
            });
        }
        let sections = query::proximity_sections(stats, fields, compiled)?;
        Ok(Some(Proximity { clauses, sections }))
    }
}

/// The words of a proximity phrase in one section of one segment, with
/// their frequencies only: a brief's phrase there occurs no more often
/// than its rarest word (or its most frequent, see `by_rarest`).
struct SectionWords {
    postings: Vec<SegmentPostings>,
    norms: FieldNormReader,
    weight: Bm25Weight,
}

/// A proximity phrase's scorer in one segment, asked only of some briefs:
/// `seek_danger` checks a brief's positions without going on to the next
/// brief that holds the phrase, as `seek` would.
struct PhraseAt {
    scorer: Box<dyn Scorer>,
    /// No brief before this one holds the phrase.
    next: DocId,
}

/// A proximity clause in one segment: its phrase's scorer in each section.
struct ClauseAt {
    boost: Score,
    by_rarest: bool,
    phrases: Vec<PhraseAt>,
}

/// The proximity of one segment.
struct SegmentProximity {
    clauses: Vec<ClauseAt>,
    /// The sections where every word occurs in this segment.
    sections: Vec<SectionWords>,
}

impl SegmentProximity {
    fn new(proximity: &Proximity, reader: &SegmentReader) -> tantivy::Result<SegmentProximity> {
        let mut clauses = Vec::new();
        for clause in &proximity.clauses {
            let mut phrases = Vec::new();
            for weight in &clause.phrases {
                let scorer = weight.scorer(reader, 1.0)?;
                let next = scorer.doc();
                phrases.push(PhraseAt { scorer, next });
            }
            clauses.push(ClauseAt {
                boost: clause.boost,
                by_rarest: clause.by_rarest,
                phrases,
            });
        }
        let mut sections = Vec::new();
        'sections: for (field, terms, weight) in &proximity.sections {
            let inverted = reader.inverted_index(*field)?;
            let mut postings = Vec::new();
            for term in terms {
                match inverted.read_postings(term, IndexRecordOption::WithFreqs)? {
                    Some(p) => postings.push(p),
                    None => continue 'sections,
                }
            }
            sections.push(SectionWords {
                postings,
                norms: reader.get_fieldnorms_reader(*field)?,
                weight: weight.clone(),
            });
        }
        Ok(SegmentProximity { clauses, sections })
    }

    /// The most `doc` can gain: for each clause, in each section where the
    /// brief holds every word, its phrase's score at the frequency of the
    /// rarest word there (or of the most frequent, see `by_rarest`), the
    /// best section's with the clause's boost. Calls come in increasing
    /// order of `doc`.
    fn bound(&mut self, doc: DocId) -> Score {
        let (mut by_rarest, mut by_commonest): (Score, Score) = (0.0, 0.0);
        'sections: for section in &mut self.sections {
            let (mut rarest, mut commonest) = (u32::MAX, 0);
            for postings in &mut section.postings {
                if postings.doc() < doc {
                    postings.seek(doc);
                }
                if postings.doc() != doc {
                    continue 'sections;
                }
                rarest = rarest.min(postings.term_freq());
                commonest = commonest.max(postings.term_freq());
            }
            let norm = section.norms.fieldnorm_id(doc);
            by_rarest = by_rarest.max(section.weight.score(norm, rarest));
            by_commonest = by_commonest.max(section.weight.score(norm, commonest));
        }
        let bound: Score = self
            .clauses
            .iter()
            .map(|c| c.boost * if c.by_rarest { by_rarest } else { by_commonest })
            .sum();
        // Room for the rounding of sums in another order.
        bound * 1.001
    }

    /// What `doc` gains: each clause's best phrase score, boosted. Calls
    /// come in increasing order of `doc`.
    fn score(&mut self, doc: DocId) -> Score {
        let mut total = 0.0;
        for clause in &mut self.clauses {
            let mut best: Score = 0.0;
            for phrase in clause.phrases.iter_mut() {
                if doc < phrase.next {
                    continue;
                }
                match phrase.scorer.seek_danger(doc) {
                    SeekDangerResult::Found => {
                        best = best.max(phrase.scorer.score());
                        phrase.next = doc + 1;
                    }
                    SeekDangerResult::SeekLowerBound(next) => phrase.next = next,
                }
            }
            total += best * clause.boost;
        }
        total
    }
}

/// Brief keys are FNV hashes and facet ordinals small integers: one
/// multiplication spreads both, where SipHash would hash them again.
#[derive(Default, Clone, Copy)]
pub(crate) struct KeyHasher(u64);

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

pub(crate) type KeySet = HashSet<u64, BuildHasherDefault<KeyHasher>>;

/// A unit's match in one passage: how often it occurs there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Matched {
    pub(crate) passage: PassageId,
    pub(crate) unit: u16,
    pub(crate) tf: u32,
}

/// A matching brief among the best.
#[derive(Debug, Clone)]
pub(crate) struct TopBrief {
    /// What the sort orders by first, smaller first: 0 by relevance, the
    /// date (or minus it) by date, undated briefs last.
    pub(crate) sort_key: i64,
    pub(crate) score: Score,
    pub(crate) brief_key: u64,
    pub(crate) address: DocAddress,
    /// Its matched passages, by passage then unit.
    pub(crate) matched: Vec<Matched>,
}

impl TopBrief {
    /// The sort's order (by date or not), then higher score first; ties by
    /// brief key (a hash of the id), never by which segment a brief landed
    /// in: the order is the same after every re-index, so pages are stable.
    fn rank_cmp(&self, other: &Self) -> Ordering {
        rank_order(
            (self.sort_key, self.score, self.brief_key),
            (other.sort_key, other.score, other.brief_key),
        )
    }
}

/// The order of (sort key, score, brief key) triples: better first.
fn rank_order(a: (i64, Score, u64), b: (i64, Score, u64)) -> Ordering {
    a.0.cmp(&b.0)
        .then_with(|| b.1.total_cmp(&a.1))
        .then_with(|| a.2.cmp(&b.2))
}

/// Whether a brief of this sort key and score ranks before `worst`, its
/// key read (`brief_key`) only on a tie, as `rank_order` orders them.
fn beats(key: i64, score: Score, brief_key: &dyn Fn() -> u64, worst: &TopBrief) -> bool {
    match key
        .cmp(&worst.sort_key)
        .then_with(|| worst.score.total_cmp(&score))
    {
        Ordering::Less => true,
        Ordering::Greater => false,
        Ordering::Equal => brief_key() < worst.brief_key,
    }
}

/// Whether a brief would enter a full heap of the best: it beats the worst
/// there.
fn enters(
    heap: &BinaryHeap<Reverse<Ranked>>,
    key: i64,
    score: Score,
    brief_key: &dyn Fn() -> u64,
) -> bool {
    heap.peek()
        .is_none_or(|Reverse(worst)| beats(key, score, brief_key, &worst.0))
}

/// The sort key of a brief with this date under `sort`.
fn sort_key(sort: Sort, date: Option<i64>) -> i64 {
    match (sort, date) {
        (Sort::Relevance, _) => 0,
        (_, None) => i64::MAX,
        (Sort::Date, Some(day)) => day,
        (Sort::DateDesc, Some(day)) => -day,
    }
}

struct Ranked(TopBrief);

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
    /// Better briefs are greater.
    fn cmp(&self, other: &Self) -> Ordering {
        other.0.rank_cmp(&self.0)
    }
}

/// Passages must name these actors (`--actor-in passage`): every one of
/// them in one passage, or any with `any`. Keys are masked path keys.
#[derive(Debug, Clone)]
pub(crate) struct PassageActorFilter {
    pub(crate) keys: Vec<u64>,
    pub(crate) any: bool,
}

/// What the collector gathers.
pub(crate) struct Collected {
    pub(crate) briefs: u64,
    pub(crate) passages: u64,
    /// Whether `passages` was counted brief by brief, not estimated.
    pub(crate) passages_exact: bool,
    /// The keys of every matching brief, when asked for (actor counts).
    pub(crate) keys: KeySet,
    /// The best `want` briefs, best first.
    pub(crate) top: Vec<TopBrief>,
    /// The dates of every matching dated brief, when asked for.
    pub(crate) dates: Vec<i64>,
    /// Matching briefs without a date.
    pub(crate) undated: u64,
}

/// Collects briefs: counts every match (briefs, and their passages that
/// hold a unit), and keeps the best `want` briefs with their passages.
#[derive(Clone)]
pub(crate) struct BriefCollector {
    pub(crate) want: usize,
    pub(crate) units: Arc<Vec<Unit>>,
    pub(crate) fields: Fields,
    pub(crate) passage_actors: Option<Arc<PassageActorFilter>>,
    pub(crate) keep_keys: bool,
    pub(crate) sort: Sort,
    /// Keep the date of every matching brief (timelines).
    pub(crate) keep_dates: bool,
    /// Count the matching passages (read from positions). Without it, and
    /// with `want` 0 and no passage-actor filter, only briefs are counted
    /// (`passages` stays 0): no positions are read and nothing is scored.
    pub(crate) count_passages: bool,
    /// Count every matching brief's passages, never estimate them.
    pub(crate) exact_counts: bool,
    /// The proximity score, added to the briefs that could enter the best.
    pub(crate) proximity: Option<Arc<Proximity>>,
}

impl BriefCollector {
    /// Whether each matching brief's passages must be read.
    fn reads_passages(&self) -> bool {
        self.count_passages || self.want > 0 || self.passage_actors.is_some()
    }
}

/// One unit's postings in one section's field of one segment.
struct UnitPostings {
    unit: u16,
    section: Section,
    /// Its words' postings with their offsets in the unit; a prefix has one
    /// entry per expanded word, any of which matches.
    words: Vec<(u32, SegmentPostings)>,
    phrase: bool,
    slop: u32,
}

pub(crate) struct SegmentBriefs {
    segment: SegmentOrdinal,
    brief_key: Column<u64>,
    passage_actor_column: Option<Column<u64>>,
    filter: Option<Arc<PassageActorFilter>>,
    postings: Vec<UnitPostings>,
    /// The segment's proximity, asked of the briefs that could enter.
    proximity: Option<SegmentProximity>,
    /// Passages are counted in a sample of the briefs (see `SAMPLE_HEAD`).
    estimate: bool,
    /// Briefs past the head of the sample, those of them whose passages
    /// were counted, and the passages they hold.
    tail_briefs: u64,
    tail_sampled: u64,
    tail_passages: u64,
    /// For a query without words (`*`), which matches briefs as a whole:
    /// the column of their passage counts.
    shape: Option<Column<u64>>,
    want: usize,
    keep_keys: bool,
    sort: Sort,
    /// The date column, read when sorting by date or keeping dates.
    date: Option<Column<i64>>,
    keep_dates: bool,
    dates: Vec<i64>,
    undated: u64,
    briefs: u64,
    passages: u64,
    keys: KeySet,
    heap: BinaryHeap<Reverse<Ranked>>,
    /// Scratch buffers, reused from one brief to the next.
    matched: Vec<Matched>,
    positions: Vec<Vec<u32>>,
    allowed: Vec<PassageId>,
}

impl Collector for BriefCollector {
    type Fruit = Collected;
    type Child = SegmentBriefs;

    fn for_segment(
        &self,
        segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<SegmentBriefs> {
        let fast = reader.fast_fields();
        let mut postings = Vec::new();
        let units = match self.reads_passages() {
            true => &self.units[..],
            false => &[],
        };
        for (i, unit) in units.iter().enumerate() {
            for &section in &unit.sections {
                let field = self.fields.section_field(section);
                if let Some(words) = unit_postings(reader, field, unit)? {
                    postings.push(UnitPostings {
                        unit: i as u16,
                        section,
                        words,
                        phrase: unit.words.len() > 1,
                        slop: unit.slop,
                    });
                }
            }
        }
        let passage_actor_column = match self.passage_actors {
            Some(_) => Some(fast.u64(PASSAGE_ACTORS_COLUMN)?),
            None => None,
        };
        let proximity = match (&self.proximity, self.want > 0) {
            (Some(p), true) => Some(SegmentProximity::new(p, reader)?),
            _ => None,
        };
        let shape = match self.units.is_empty() && self.reads_passages() {
            true => Some(fast.u64(crate::schema::SHAPE_COLUMN)?),
            false => None,
        };
        let estimate = !self.exact_counts
            && self.count_passages
            && self.passage_actors.is_none()
            && shape.is_none();
        Ok(SegmentBriefs {
            segment,
            proximity,
            estimate,
            tail_briefs: 0,
            tail_sampled: 0,
            tail_passages: 0,
            brief_key: fast.u64(BRIEF_KEY_COLUMN)?,
            passage_actor_column,
            filter: self.passage_actors.clone(),
            postings,
            shape,
            want: self.want,
            keep_keys: self.keep_keys,
            sort: self.sort,
            date: match self.sort != Sort::Relevance || self.keep_dates {
                true => Some(fast.i64(DATE_COLUMN)?),
                false => None,
            },
            keep_dates: self.keep_dates,
            dates: Vec::new(),
            undated: 0,
            briefs: 0,
            passages: 0,
            keys: KeySet::default(),
            heap: BinaryHeap::new(),
            matched: Vec::new(),
            positions: Vec::new(),
            allowed: Vec::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        // Only the kept briefs are ordered by score.
        self.want > 0
    }

    fn merge_fruits(&self, fruits: Vec<Collected>) -> tantivy::Result<Collected> {
        let mut out = Collected {
            briefs: 0,
            passages: 0,
            passages_exact: true,
            keys: KeySet::default(),
            top: Vec::new(),
            dates: Vec::new(),
            undated: 0,
        };
        for fruit in fruits {
            out.briefs += fruit.briefs;
            out.passages += fruit.passages;
            out.passages_exact &= fruit.passages_exact;
            out.dates.extend(fruit.dates);
            out.undated += fruit.undated;
            out.keys.extend(fruit.keys);
            out.top.extend(fruit.top);
        }
        out.top.sort_by(TopBrief::rank_cmp);
        out.top.truncate(self.want);
        if !out.passages_exact {
            out.passages = round_estimate(out.passages);
        }
        Ok(out)
    }
}

/// An estimated count to two significant digits (54,420 -> 54,000): no
/// more is known of it.
fn round_estimate(n: u64) -> u64 {
    let mut unit = 1;
    while n / unit >= 100 {
        unit *= 10;
    }
    (n + unit / 2) / unit * unit
}

/// The postings (with positions) of a unit's words in one field of one
/// segment; `None` when a word of a phrase, or every word of a prefix, is
/// absent there.
fn unit_postings(
    reader: &SegmentReader,
    field: Field,
    unit: &Unit,
) -> tantivy::Result<Option<Vec<(u32, SegmentPostings)>>> {
    let inverted = reader.inverted_index(field)?;
    let option = IndexRecordOption::WithFreqsAndPositions;
    let mut out = Vec::new();
    if unit.prefix {
        let prefix = unit.words[0].1.as_bytes();
        let mut upper = prefix.to_vec();
        // The smallest key above every key that starts with the prefix.
        while let Some(last) = upper.pop() {
            if last < u8::MAX {
                upper.push(last + 1);
                break;
            }
        }
        let mut range = inverted.terms().range().ge(prefix);
        if !upper.is_empty() {
            range = range.lt(&upper);
        }
        let mut stream = range.into_stream()?;
        while stream.advance() && out.len() < MAX_PREFIX_TERMS {
            let postings = inverted.read_postings_from_terminfo(stream.value(), option)?;
            out.push((0, postings));
        }
        return Ok((!out.is_empty()).then_some(out));
    }
    for (offset, word) in &unit.words {
        let term = Term::from_field_text(field, word);
        match inverted.read_postings(&term, option)? {
            Some(postings) => out.push((*offset as u32, postings)),
            None => return Ok(None),
        }
    }
    Ok(Some(out))
}

impl SegmentBriefs {
    /// The passages of `doc` that hold each unit, into `self.matched`.
    fn match_passages(&mut self, doc: DocId) {
        self.matched.clear();
        for up in &mut self.postings {
            if self.positions.len() < up.words.len() {
                self.positions.resize_with(up.words.len(), Vec::new);
            }
            let mut present = 0;
            for (i, (_, postings)) in up.words.iter_mut().enumerate() {
                if postings.doc() < doc {
                    postings.seek(doc);
                }
                self.positions[i].clear();
                if postings.doc() == doc {
                    postings.positions(&mut self.positions[i]);
                    present += 1;
                }
            }
            let section = up.section;
            let unit = up.unit;
            let add = |position: u32, matched: &mut Vec<Matched>| {
                let passage = PassageId::new(section, position / PASSAGE_STRIDE);
                match matched
                    .iter_mut()
                    .rev()
                    .find(|m| m.passage == passage && m.unit == unit)
                {
                    Some(m) => m.tf += 1,
                    None => matched.push(Matched {
                        passage,
                        unit,
                        tf: 1,
                    }),
                }
            };
            if !up.phrase {
                for positions in &self.positions[..up.words.len()] {
                    for &p in positions {
                        add(p, &mut self.matched);
                    }
                }
                continue;
            }
            if present < up.words.len() {
                continue;
            }
            let words = &up.words;
            let positions = &self.positions[..words.len()];
            for &start in &positions[0] {
                if phrase_at(start, words, positions, up.slop) {
                    add(start, &mut self.matched);
                }
            }
        }
        self.matched.sort_unstable_by_key(|m| (m.passage, m.unit));
    }

    /// Keeps only the matched passages that name the asked actors.
    fn filter_by_passage_actors(&mut self, doc: DocId) {
        let (Some(filter), Some(column)) = (&self.filter, &self.passage_actor_column) else {
            return;
        };
        self.allowed.clear();
        let mut named: Vec<(PassageId, u64)> = column
            .values_for_doc(doc)
            .map(|v| (PassageId((v >> 48) as u16), v & PASSAGE_ACTOR_MASK))
            .collect();
        named.sort_unstable();
        let mut i = 0;
        while i < named.len() {
            let passage = named[i].0;
            let mut j = i;
            while j < named.len() && named[j].0 == passage {
                j += 1;
            }
            let keys = &named[i..j];
            let has = |k: &u64| keys.iter().any(|(_, key)| key == k);
            let ok = if filter.any {
                filter.keys.iter().any(has)
            } else {
                filter.keys.iter().all(has)
            };
            if ok {
                self.allowed.push(passage);
            }
            i = j;
        }
        let allowed = &self.allowed;
        self.matched.retain(|m| allowed.contains(&m.passage));
    }
}

/// Whether the phrase's words follow the word at `start` in order, each
/// within the slop left (the same rule as the highlighter's), in one passage.
fn phrase_at(
    start: u32,
    words: &[(u32, SegmentPostings)],
    positions: &[Vec<u32>],
    slop: u32,
) -> bool {
    let mut budget = slop;
    let mut last = start;
    let mut last_offset = words[0].0;
    for (i, (offset, _)) in words.iter().enumerate().skip(1) {
        let expected = last + (offset - last_offset);
        let found = positions[i]
            .iter()
            .copied()
            .find(|&p| p >= expected && p <= expected + budget);
        match found {
            Some(p) if p / PASSAGE_STRIDE == start / PASSAGE_STRIDE => {
                budget -= p - expected;
                last = p;
                last_offset = *offset;
            }
            _ => return false,
        }
    }
    true
}

impl SegmentCollector for SegmentBriefs {
    type Fruit = Collected;

    fn collect(&mut self, doc: DocId, score: Score) {
        // Whether this brief's passages are counted one by one.
        let counted = match self.estimate {
            false => true,
            true if self.briefs < SAMPLE_HEAD => true,
            true => {
                self.tail_briefs += 1;
                (self.tail_briefs - 1).is_multiple_of(SAMPLE_STRIDE)
            }
        };
        if counted {
            self.match_passages(doc);
        }
        if self.filter.is_some() {
            self.filter_by_passage_actors(doc);
            if self.matched.is_empty() {
                return;
            }
        }
        // The brief key breaks ties: read only where one is to be broken.
        let column = &self.brief_key;
        let brief_key = || column.first(doc).unwrap_or_default();
        self.briefs += 1;
        if counted {
            let mut distinct = 0;
            let mut last = None;
            for m in &self.matched {
                if last != Some(m.passage) {
                    distinct += 1;
                    last = Some(m.passage);
                }
            }
            if let Some(shape) = &self.shape {
                let value = shape.first(doc).unwrap_or_default();
                distinct = crate::schema::shape_counts(value).iter().sum();
            }
            match self.estimate && self.tail_briefs > 0 {
                true => {
                    self.tail_sampled += 1;
                    self.tail_passages += distinct;
                }
                false => self.passages += distinct,
            }
        }
        if self.keep_keys {
            self.keys.insert(brief_key());
        }
        let date = self.date.as_ref().and_then(|column| column.first(doc));
        if self.keep_dates {
            match date {
                Some(day) => self.dates.push(day),
                None => self.undated += 1,
            }
        }
        if self.want == 0 {
            return;
        }
        let key = sort_key(self.sort, date);
        let mut score = score;
        if let Some(proximity) = &mut self.proximity {
            // A brief that could not enter the best even with the most
            // proximity can add is not asked for it.
            let full = self.heap.len() >= self.want;
            if full && !enters(&self.heap, key, score + proximity.bound(doc), &brief_key) {
                return;
            }
            score += proximity.score(doc);
        }
        if self.heap.len() >= self.want && !enters(&self.heap, key, score, &brief_key) {
            return;
        }
        let brief_key = brief_key();
        if !counted {
            self.match_passages(doc);
        }
        if self.heap.len() >= self.want {
            self.heap.pop();
        }
        self.heap.push(Reverse(Ranked(TopBrief {
            sort_key: key,
            score,
            brief_key,
            address: DocAddress::new(self.segment, doc),
            matched: self.matched.clone(),
        })));
    }

    fn harvest(self) -> Collected {
        let estimated = match self.tail_sampled {
            0 => 0,
            sampled => {
                let per_brief = self.tail_passages as f64 / sampled as f64;
                (per_brief * self.tail_briefs as f64).round() as u64
            }
        };
        Collected {
            briefs: self.briefs,
            passages: self.passages + estimated,
            passages_exact: self.tail_briefs == self.tail_sampled,
            keys: self.keys,
            top: self.heap.into_iter().map(|Reverse(Ranked(b))| b).collect(),
            dates: self.dates,
            undated: self.undated,
        }
    }
}

/// Actor counts in distinct briefs, read from the postings of each actor
/// path on brief documents: of all briefs, or of those whose keys are in
/// `only`. The work is one step per (brief, actor) pair in the index.
pub(crate) fn brief_actor_counts(
    searcher: &Searcher,
    field: Field,
    only: Option<&KeySet>,
) -> tantivy::Result<HashMap<String, u64>> {
    let mut out: HashMap<String, u64> = HashMap::new();
    for segment in searcher.segment_readers() {
        let alive = segment.alive_bitset();
        let brief_key = segment.fast_fields().u64(BRIEF_KEY_COLUMN)?;
        let inverted = segment.inverted_index(field)?;
        let mut terms = inverted.terms().stream()?;
        while terms.advance() {
            let mut postings =
                inverted.read_postings_from_terminfo(terms.value(), IndexRecordOption::Basic)?;
            let mut briefs = 0;
            let mut doc = postings.doc();
            while doc != TERMINATED {
                let counted = alive.is_none_or(|a| a.is_alive(doc))
                    && only.is_none_or(|keys| {
                        brief_key.first(doc).is_some_and(|key| keys.contains(&key))
                    });
                briefs += u64::from(counted);
                doc = postings.advance();
            }
            if briefs > 0 {
                let path = String::from_utf8_lossy(terms.key()).into_owned();
                *out.entry(path).or_insert(0) += briefs;
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::round_estimate;

    #[test]
    fn estimates_keep_two_significant_digits() {
        assert_eq!(round_estimate(7), 7);
        assert_eq!(round_estimate(99), 99);
        assert_eq!(round_estimate(104), 100);
        assert_eq!(round_estimate(105), 110);
        assert_eq!(round_estimate(1_994), 2_000);
        assert_eq!(round_estimate(54_420), 54_000);
        assert_eq!(round_estimate(995_000), 1_000_000);
    }
}
