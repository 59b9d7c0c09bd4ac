//! The collectors of a search: ranked passages with a per-brief cap and
//! counts (passages, distinct briefs, actors), title scores by brief, the
//! brief document of a key, and actor counts over all briefs.

use std::cmp::{Ordering, Reverse};
use std::collections::{BinaryHeap, HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::Column;
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{
    DocAddress, DocId, DocSet, Score, Searcher, SegmentOrdinal, SegmentReader, TERMINATED,
};

use crate::brief::Section;
use crate::schema::{BRIEF_KEY_COLUMN, SECTION_COLUMN};

/// How much of a title's own score lifts the other passages of its brief.
const TITLE_LIFT: f32 = 0.3;

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

pub(crate) type KeyMap<V> = HashMap<u64, V, BuildHasherDefault<KeyHasher>>;
pub(crate) type KeySet = HashSet<u64, BuildHasherDefault<KeyHasher>>;

pub(crate) fn section_mask(sections: &[Section]) -> u64 {
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
pub(crate) struct Candidate {
    pub(crate) score: Score,
    pub(crate) brief_key: u64,
    pub(crate) section: Section,
    pub(crate) address: DocAddress,
}

impl Candidate {
    /// Higher score first. Ties are broken by brief (its key, a hash of the
    /// id) and then by place in the brief, never by which segment a passage
    /// landed in: the order is the same after every re-index.
    fn rank_cmp(&self, other: &Self) -> Ordering {
        other
            .score
            .total_cmp(&self.score)
            .then_with(|| self.brief_key.cmp(&other.brief_key))
            .then_with(|| self.section.cmp(&other.section))
            .then_with(|| self.address.cmp(&other.address))
    }
}

pub(crate) struct Ranked(Candidate);

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
pub(crate) struct Collected {
    pub(crate) passages: u64,
    /// The keys of every brief with a matching passage.
    pub(crate) briefs: KeySet,
    /// The best `want` candidates, best first, at most `per_brief` a brief.
    pub(crate) top: Vec<Candidate>,
}

/// Collects passages: counts all matches (passages and distinct briefs),
/// applies the section and brief filters and the title lift, and keeps the
/// best candidates with at most `per_brief` passages a brief.
pub(crate) struct PassageCollector {
    pub(crate) want: usize,
    pub(crate) per_brief: usize,
    pub(crate) sections: u64,
    pub(crate) title_lift: Arc<KeyMap<f32>>,
    /// Only passages of these briefs (those involving the asked actors).
    pub(crate) briefs: Option<Arc<KeySet>>,
}

pub(crate) struct SegmentPassages {
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
    briefs: Option<Arc<KeySet>>,
}

pub(crate) struct SegmentFruit {
    passages: u64,
    by_brief: KeyMap<Vec<Candidate>>,
    heap: Vec<Candidate>,
    seen_briefs: KeySet,
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
            briefs: self.briefs.clone(),
        })
    }

    fn requires_scoring(&self) -> bool {
        true
    }

    fn merge_fruits(&self, fruits: Vec<SegmentFruit>) -> tantivy::Result<Collected> {
        let mut passages = 0;
        let mut briefs = KeySet::default();
        let mut all: Vec<Candidate> = Vec::new();
        let mut by_brief: KeyMap<Vec<Candidate>> = KeyMap::default();
        for fruit in fruits {
            passages += fruit.passages;
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
            briefs,
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
        if self
            .briefs
            .as_ref()
            .is_some_and(|b| !b.contains(&brief_key))
        {
            return;
        }
        self.passages += 1;
        self.seen_briefs.insert(brief_key);
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
        SegmentFruit {
            passages: self.passages,
            by_brief: self.by_brief,
            heap: self.heap.into_iter().map(|Reverse(Ranked(c))| c).collect(),
            seen_briefs: self.seen_briefs,
        }
    }
}

/// Collects, by brief key, the score of every matching document of one
/// section code: title passages (their scores lift their briefs), or brief
/// documents (the briefs that involve the asked actors).
pub(crate) struct ByBrief {
    pub(crate) section: u64,
    pub(crate) scoring: bool,
}

pub(crate) struct SegmentByBrief {
    wanted: u64,
    section: Column<u64>,
    brief_key: Column<u64>,
    scores: KeyMap<f32>,
}

impl Collector for ByBrief {
    type Fruit = KeyMap<f32>;
    type Child = SegmentByBrief;

    fn for_segment(
        &self,
        _: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<SegmentByBrief> {
        let (section, brief_key) = columns(reader)?;
        Ok(SegmentByBrief {
            wanted: self.section,
            section,
            brief_key,
            scores: KeyMap::default(),
        })
    }

    fn requires_scoring(&self) -> bool {
        self.scoring
    }

    fn merge_fruits(&self, fruits: Vec<KeyMap<f32>>) -> tantivy::Result<KeyMap<f32>> {
        Ok(fruits.into_iter().flatten().collect())
    }
}

impl SegmentCollector for SegmentByBrief {
    type Fruit = KeyMap<f32>;

    fn collect(&mut self, doc: DocId, score: Score) {
        if self.section.first(doc) == Some(self.wanted) {
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
pub(crate) struct BriefRecord;

pub(crate) struct SegmentBriefRecord {
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
