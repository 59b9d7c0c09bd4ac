//! How a `--memory` budget is shared by an indexing run: tantivy's
//! in-memory segments, the documents waiting for the indexing threads, and
//! the segments merged while the run goes on.

use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::Duration;

use tantivy::index::{SegmentComponent, SegmentMeta};
use tantivy::indexer::{LogMergePolicy, MergeCandidate, MergePolicy};
use tantivy::schema::document::Document;
use tantivy::schema::TantivyDocument;

/// tantivy's least memory per indexing thread, in MB (it refuses less).
pub const MIN_MB_PER_THREAD: usize = 15;

/// Bytes to parse per indexing thread, at least (see [`plan`]).
pub const BYTES_PER_THREAD: u64 = 4 << 20;

/// The whole budget each indexing thread needs, in MB: its share of
/// tantivy's segments, and about as much again besides (the arenas of its
/// segment while written out, the documents it holds). Measured on Reuters
/// x10 at `--memory 64`: two threads peaked 46 MB over the budget.
pub const BUDGET_MB_PER_THREAD: usize = 64;

/// How a run spends its budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plan {
    /// Indexing threads.
    pub threads: usize,
    /// tantivy's in-memory segments, all threads together, in MB.
    pub writer_mb: usize,
    /// Documents built and not yet taken by an indexing thread, in bytes.
    pub queue_bytes: usize,
    /// Segment files one merge may read, in bytes (they are mapped, and
    /// count in the process's memory while merged).
    pub merge_bytes: u64,
}

/// The share of each part of a `--memory` budget. tantivy's segments get
/// half: a thread writing its segment out needs about as much again while
/// its next one fills. The queue of documents gets a sixteenth (a few
/// thousand briefs at the default), merges read at most a quarter. Each
/// indexing thread needs [`BUDGET_MB_PER_THREAD`] of the whole budget
/// (and tantivy at least [`MIN_MB_PER_THREAD`]), so a small budget means
/// fewer threads.
///
/// The run's record of its briefs (`records` bytes: their keys, about 20
/// to 30 bytes a brief) is paid for from tantivy's half, which must keep
/// what one thread needs: a budget that cannot hold it is refused with
/// the least that would. (Taking it from the merges' quarter instead does
/// not bound the run: merges seldom read their whole quarter at the
/// moment the segments are fullest, so what they would give up was not
/// being spent.)
///
/// A small run also gets fewer threads: one per [`BYTES_PER_THREAD`] of
/// the `to_read` bytes it parses, since each thread costs its own table of
/// terms and segment (a few MB) however little it indexes.
pub fn plan(threads: usize, memory_mb: usize, records: u64, to_read: u64) -> anyhow::Result<Plan> {
    let records_mb = usize::try_from(records.div_ceil(1 << 20)).unwrap_or(usize::MAX);
    // tantivy's half less the record must leave one thread's least (a run
    // with nothing to record is never refused here).
    let least = records_mb
        .saturating_add(MIN_MB_PER_THREAD)
        .saturating_mul(2);
    if records_mb > 0 && memory_mb < least {
        anyhow::bail!(
            "--memory {memory_mb} is too small for this run: the keys of its briefs take {records_mb} MB of it; give --memory {least} or more"
        );
    }
    let writer_mb = (memory_mb / 2 - records_mb).max(MIN_MB_PER_THREAD);
    let by_size = 1 + usize::try_from(to_read / BYTES_PER_THREAD).unwrap_or(usize::MAX);
    let most = (writer_mb / MIN_MB_PER_THREAD)
        .min(memory_mb / BUDGET_MB_PER_THREAD)
        .min(by_size);
    let threads = threads.clamp(1, most.max(1));
    Ok(Plan {
        threads,
        writer_mb,
        queue_bytes: (memory_mb << 20) / 16,
        merge_bytes: ((memory_mb as u64) << 20) / 4,
    })
}

/// How long a document waits for room in the queue before it is sent
/// anyway: an indexing thread that failed takes no more documents, and
/// tantivy reports its failure only to the next `add_document`.
const PATIENCE: Duration = Duration::from_secs(1);

/// Bytes of documents in flight between the parser and the indexing
/// threads: tantivy's own queue holds up to 10,000 documents whatever
/// their size.
#[derive(Debug)]
pub struct Gate {
    used: Mutex<usize>,
    freed: Condvar,
    limit: usize,
}

impl Gate {
    pub fn new(limit: usize) -> Arc<Gate> {
        Arc::new(Gate {
            used: Mutex::new(0),
            freed: Condvar::new(),
            limit,
        })
    }

    /// Waits until `bytes` more fit (one document always does).
    pub fn admit(self: &Arc<Self>, bytes: usize) -> Permit {
        let used = self.used.lock().unwrap_or_else(PoisonError::into_inner);
        let (mut used, _) = self
            .freed
            .wait_timeout_while(used, PATIENCE, |used| {
                *used > 0 && *used + bytes > self.limit
            })
            .unwrap_or_else(PoisonError::into_inner);
        *used += bytes;
        Permit {
            gate: Arc::clone(self),
            bytes,
        }
    }
}

/// Room for one document in the queue, given back when the document is
/// dropped (by the indexing thread, once it has indexed it).
#[derive(Debug)]
pub struct Permit {
    gate: Arc<Gate>,
    bytes: usize,
}

impl Drop for Permit {
    fn drop(&mut self) {
        let mut used = self
            .gate
            .used
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        *used = used.saturating_sub(self.bytes);
        drop(used);
        self.gate.freed.notify_one();
    }
}

/// A document with its room in the queue, boxed: tantivy's queue has
/// 10,000 slots of four documents each, allocated and touched up front,
/// which at the unboxed size cost about 2 MB of every run however small.
#[derive(Debug)]
pub struct QueuedDoc(Box<(TantivyDocument, Permit)>);

impl QueuedDoc {
    pub fn new(doc: TantivyDocument, permit: Permit) -> QueuedDoc {
        QueuedDoc(Box::new((doc, permit)))
    }
}

impl Document for QueuedDoc {
    type Value<'a> = <TantivyDocument as Document>::Value<'a>;
    type FieldsValuesIter<'a> = <TantivyDocument as Document>::FieldsValuesIter<'a>;

    fn iter_fields_and_values(&self) -> Self::FieldsValuesIter<'_> {
        let (doc, _permit) = &*self.0;
        doc.iter_fields_and_values()
    }
}

/// A segment's files, as merges read them.
const COMPONENTS: [SegmentComponent; 6] = [
    SegmentComponent::Postings,
    SegmentComponent::Positions,
    SegmentComponent::FastFields,
    SegmentComponent::FieldNorms,
    SegmentComponent::Terms,
    SegmentComponent::Store,
];

/// tantivy's log merge policy with a limit on the bytes one merge reads:
/// of each group it proposes, the smallest segments that fit together
/// (at least two).
#[derive(Debug)]
pub struct BoundedMerges {
    pub inner: LogMergePolicy,
    /// The folder of the segment files.
    pub dir: PathBuf,
    pub max_bytes: u64,
}

impl BoundedMerges {
    fn bytes(&self, segment: &SegmentMeta) -> u64 {
        COMPONENTS
            .iter()
            .map(|c| {
                std::fs::metadata(self.dir.join(segment.relative_path(c.clone())))
                    .map(|m| m.len())
                    .unwrap_or(0)
            })
            .sum()
    }
}

impl MergePolicy for BoundedMerges {
    fn compute_merge_candidates(&self, segments: &[SegmentMeta]) -> Vec<MergeCandidate> {
        let candidates = self.inner.compute_merge_candidates(segments);
        let mut out = Vec::new();
        for MergeCandidate(ids) in candidates {
            let mut sized: Vec<(u64, tantivy::index::SegmentId)> = segments
                .iter()
                .filter(|s| ids.contains(&s.id()))
                .map(|s| (self.bytes(s), s.id()))
                .collect();
            sized.sort();
            let mut total = 0u64;
            let mut chosen = Vec::new();
            for (bytes, id) in sized {
                if total + bytes > self.max_bytes {
                    break;
                }
                total += bytes;
                chosen.push(id);
            }
            if chosen.len() >= 2 {
                out.push(MergeCandidate(chosen));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_writer_gets_half_the_budget_and_enough_per_thread() {
        let threads = |t, mb| {
            let p = plan(t, mb, 0, u64::MAX).unwrap();
            (p.threads, p.writer_mb)
        };
        assert_eq!(threads(2, 256), (2, 128));
        // 64 MB of the whole budget per thread.
        assert_eq!(threads(8, 256), (4, 128));
        assert_eq!(threads(2, 128), (2, 64));
        assert_eq!(threads(2, 64), (1, 32));
        // 20 MB for two threads would be refused by tantivy: one thread.
        assert_eq!(threads(2, 40), (1, 20));
        assert_eq!(threads(4, 1), (1, MIN_MB_PER_THREAD));
        assert_eq!(threads(0, 256), (1, 128));
    }

    #[test]
    fn the_record_of_the_briefs_is_paid_from_the_budget() {
        let mb = 1u64 << 20;
        let p = plan(2, 256, 10 * mb, u64::MAX).unwrap();
        assert_eq!((p.threads, p.writer_mb, p.merge_bytes), (2, 118, 64 * mb));
        // Down to what one thread needs (32 - 15 = 17 MB at 64)...
        let p = plan(2, 64, 17 * mb, u64::MAX).unwrap();
        assert_eq!((p.threads, p.writer_mb, p.merge_bytes), (1, 15, 16 * mb));
        // ... and a part of a megabyte counts whole.
        assert_eq!(plan(1, 64, 1, u64::MAX).unwrap().writer_mb, 31);
        // More is refused with the least budget that would do.
        let err = plan(1, 64, 17 * mb + 1, u64::MAX).unwrap_err().to_string();
        assert!(err.contains("give --memory 66 or more"), "{err}");
        assert!(plan(1, 65, 18 * mb, u64::MAX).is_err());
        assert_eq!(plan(1, 66, 18 * mb, u64::MAX).unwrap().writer_mb, 15);
    }

    #[test]
    fn a_full_gate_waits_for_room() {
        let gate = Gate::new(100);
        let first = gate.admit(80);
        // A document larger than the room left waits; once the first is
        // dropped it goes through.
        let waiter = {
            let gate = Arc::clone(&gate);
            std::thread::spawn(move || gate.admit(50))
        };
        std::thread::sleep(Duration::from_millis(50));
        assert!(!waiter.is_finished());
        drop(first);
        let second = waiter.join().unwrap();
        assert_eq!(*gate.used.lock().unwrap(), 50);
        drop(second);
        assert_eq!(*gate.used.lock().unwrap(), 0);
        // One document always fits.
        let big = gate.admit(1000);
        assert_eq!(*gate.used.lock().unwrap(), 1000);
        drop(big);
    }
}
