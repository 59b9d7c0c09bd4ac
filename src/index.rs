//! `briefs index`: walk corpora, parse changed files, write their passages,
//! commit atomically, and keep the manifest that makes the next run
//! incremental.
//!
//! The index mirrors the corpora named in a run: new files are added,
//! changed files replaced, files no longer there removed. Each commit records
//! (in tantivy's commit payload) the manifest that describes exactly what the
//! commit holds, so a killed run leaves the previous commit intact and the
//! next run picks up where the last commit stopped. All documents of a file
//! are added between two commits, so no brief is ever half-indexed.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result};
use rustc_hash::FxHashSet;
use serde::{Deserialize, Serialize};
use tantivy::indexer::{IndexWriterOptions, LogMergePolicy};
use tantivy::schema::TantivyDocument;
use tantivy::{IndexWriter, Term};
use walkdir::WalkDir;

use crate::actors::{self, Gazetteer, PassageActors};
use crate::brief::{brief_key, fnv1a, Brief, Section};
use crate::budget::{self, BoundedMerges, Gate, QueuedDoc};
use crate::parse::{self, Format, ParseOptions, Skip};
use crate::schema::{PASSAGE_ACTOR_MASK, SCHEMA_VERSION};
use crate::store::{self, Payload, Store};
use crate::tokenizer::FIRST_VALUE;

/// What `briefs index` was asked to do.
#[derive(Debug, Clone)]
pub struct IndexConfig {
    /// Corpora to add or re-sync; none: every corpus the index remembers
    /// (`corpus/` for a new index).
    pub corpora: Vec<PathBuf>,
    /// Remembered corpora to remove, with their briefs.
    pub forget: Vec<PathBuf>,
    pub index_dir: PathBuf,
    pub rebuild: bool,
    pub threads: usize,
    pub memory_mb: usize,
    /// Draw a progress bar on stderr.
    pub progress: bool,
    /// Commit after this many bytes of parsed input.
    pub commit_every_bytes: u64,
    /// A gazetteer file of the user's (the `data/actors.toml` format) that
    /// adds or overrides actors. The index keeps a copy and uses it on later
    /// runs until another file is given or the index is rebuilt.
    pub actors_file: Option<PathBuf>,
    /// Skip actor recognition (faster; briefs get no actors).
    pub no_actors: bool,
    /// Column mappings and date order (`--field`, `--date-order`); `None`
    /// when none was given: the index's remembered ones are used.
    pub parse: Option<ParseOptions>,
}

/// What a run did, for the summary.
#[derive(Debug, Default)]
pub struct IndexReport {
    pub files_seen: usize,
    pub files_parsed: usize,
    pub added: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub removed: usize,
    pub passages_written: usize,
    pub passages_total: usize,
    pub briefs_total: usize,
    pub bytes_read: u64,
    pub skipped: Vec<Skip>,
    pub warnings: Vec<String>,
    /// Dates that could not be read, over all files.
    pub bad_dates: usize,
    /// Record columns that filled no brief field, over all files.
    pub ignored_fields: BTreeSet<String>,
    /// The column mappings and date order the run read files with.
    pub parse: ParseOptions,
    pub elapsed: Duration,
    pub commits: usize,
    /// The corpora this run read (as the index remembers them).
    pub synced: Vec<String>,
    /// Remembered corpora this run left as they were.
    pub kept: Vec<String>,
    /// Corpora removed by `--forget`: name, briefs and files removed.
    pub forgotten: Vec<(String, usize, usize)>,
    /// False when nothing changed and the current generation stays.
    pub switched: bool,
    /// Old generations left on disk because a reader still had them open.
    pub generations_kept: usize,
}

/// One indexed file, as the manifest remembers it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
struct FileEntry {
    /// The corpus (as remembered) the file belongs to; `None` in manifests
    /// written before corpora were remembered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    corpus: Option<String>,
    size: u64,
    mtime_ns: u128,
    hash: u64,
    /// The [`brief_key`]s of the file's briefs (manifests written before
    /// keys were kept list the ids, read as their keys).
    #[serde(deserialize_with = "brief_keys")]
    briefs: Vec<u64>,
    passages: usize,
}

impl FileEntry {
    /// Whether `file` is the file this entry was made from, by size and
    /// modification time (unchanged, so not read again).
    fn same_file(&self, file: &Found) -> bool {
        self.size == file.size && self.mtime_ns == file.mtime_ns
    }
}

/// A manifest's list of briefs: keys, or ids (older manifests).
fn brief_keys<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<u64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum KeyOrId {
        Key(u64),
        Id(String),
    }
    let items: Vec<KeyOrId> = Vec::deserialize(d)?;
    Ok(items
        .into_iter()
        .map(|item| match item {
            KeyOrId::Key(key) => key,
            KeyOrId::Id(id) => brief_key(&id),
        })
        .collect())
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Manifest {
    files: BTreeMap<String, FileEntry>,
    /// Fingerprint of the gazetteer the actors were extracted with: when it
    /// changes, every file is parsed again.
    #[serde(default)]
    gazetteer: u64,
    /// The `--field` mappings and `--date-order` files were read with;
    /// later runs use them until others are given.
    #[serde(default, skip_serializing_if = "ParseOptions::is_default")]
    parse: ParseOptions,
    /// The corpora the index mirrors.
    #[serde(default)]
    corpora: Vec<Corpus>,
}

/// A corpus the index remembers: the name files are listed under (the
/// path as first given) and where it is (absolute), so that `briefs index`
/// finds it again from any folder.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
struct Corpus {
    name: String,
    path: PathBuf,
}

impl Corpus {
    fn named(root: &Path) -> Corpus {
        Corpus {
            name: clean_root(root),
            path: absolute(root),
        }
    }

    fn shown(&self) -> String {
        store::display_dir(Path::new(&self.name))
    }
}

fn absolute(path: &Path) -> PathBuf {
    path.canonicalize()
        .or_else(|_| std::path::absolute(path))
        .unwrap_or_else(|_| path.to_path_buf())
}

/// The corpus of a new index when none is named.
pub const DEFAULT_CORPUS: &str = "corpus";

/// Valid `--memory` values, in MB.
pub const MEMORY_MB_RANGE: std::ops::RangeInclusive<usize> = 32..=65_536;
/// Valid `--threads` values.
pub const THREADS_RANGE: std::ops::RangeInclusive<usize> = 1..=64;

/// Refuses a budget the run could not keep, before anything is touched.
pub fn check_budget(threads: usize, memory_mb: usize) -> Result<()> {
    if !MEMORY_MB_RANGE.contains(&memory_mb) {
        anyhow::bail!(
            "--memory {memory_mb} is out of range: give {} to {} MB",
            MEMORY_MB_RANGE.start(),
            MEMORY_MB_RANGE.end()
        );
    }
    if !THREADS_RANGE.contains(&threads) {
        anyhow::bail!(
            "--threads {threads} is out of range: give {} to {}",
            THREADS_RANGE.start(),
            THREADS_RANGE.end()
        );
    }
    Ok(())
}

/// A run stopped by SIGINT (Ctrl-C); the index is as it was.
#[derive(Debug)]
pub struct Interrupted(pub PathBuf);

impl std::fmt::Display for Interrupted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "interrupted: the index at {} is as it was",
            store::display_dir(&self.0)
        )
    }
}

impl std::error::Error for Interrupted {}

static INTERRUPTED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// From now on, the first Ctrl-C asks the run to stop at the next file
/// (the new generation is then removed); a second one ends the process.
fn catch_interrupts() {
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    INSTALLED.call_once(|| {
        let _ = ctrlc::set_handler(|| {
            if INTERRUPTED.swap(true, std::sync::atomic::Ordering::SeqCst) {
                std::process::exit(130);
            }
        });
    });
}

fn check_interrupt(dir: &Path) -> Result<()> {
    if INTERRUPTED.load(std::sync::atomic::Ordering::SeqCst) {
        return Err(Interrupted(dir.to_path_buf()).into());
    }
    Ok(())
}

/// The index writer's default memory budget, in MB.
pub const DEFAULT_MEMORY_MB: usize = 256;

/// By default, commit after this many bytes of parsed input, so that a
/// killed run on a large archive loses little work.
pub const COMMIT_EVERY_BYTES: u64 = 64 << 20;

/// A file the walk found.
struct Found {
    /// The name of its corpus.
    corpus: String,
    path: PathBuf,
    display: String,
    id_base: String,
    format: Format,
    size: u64,
    mtime_ns: u128,
}

/// What a run's record of briefs and files holds at most, sized before the
/// run so that the budget can pay for it: the manifest's keys (8 bytes a
/// brief), the set of keys in use (about 9 to 18 bytes a brief, allocated
/// once), the old keys of the file being read again, and each file's entry.
#[derive(Debug)]
struct Records {
    /// The most briefs each found file can hold (0 for a file that is
    /// unchanged by size and time, whose briefs the manifest holds).
    most: Vec<usize>,
    /// The most keys in use at once.
    keys: usize,
    /// The bytes of the files to parse (those not unchanged).
    to_read: u64,
    /// The bytes of all of it.
    bytes: u64,
}

/// What a file's entry costs besides its path (the walk's record of it, the
/// manifest's, the set of files seen), a generous round figure.
const FILE_RECORD_BYTES: usize = 320;

impl Records {
    fn plan(manifest: &Manifest, found: &[Found], reextract: bool) -> Records {
        let existing: usize = manifest.files.values().map(|e| e.briefs.len()).sum();
        let held: usize = manifest.files.values().map(|e| e.briefs.capacity()).sum();
        let mut most = Vec::with_capacity(found.len());
        let mut largest_old = 0;
        let mut to_read = 0;
        for file in found {
            let old = manifest.files.get(&file.display);
            if !reextract && old.is_some_and(|o| o.same_file(file)) {
                most.push(0);
            } else {
                most.push(most_briefs(file));
                largest_old = largest_old.max(old.map_or(0, |o| o.briefs.len()));
                to_read += file.size;
            }
        }
        let new: usize = most.iter().sum();
        let keys = existing + new;
        let files: usize = found
            .iter()
            .map(|f| FILE_RECORD_BYTES + 3 * f.display.len() + f.id_base.len())
            .chain(manifest.files.keys().map(|p| FILE_RECORD_BYTES + p.len()))
            .sum();
        let bytes = key_set_bytes(keys) + 8 * (held + new + largest_old) + files;
        Records {
            most,
            keys,
            to_read,
            bytes: bytes as u64,
        }
    }
}

/// The bytes of an `FxHashSet<u64>` made with room for `keys` (hashbrown's
/// buckets: a power of two at most 7/8 full, 8 bytes and a control byte
/// each).
fn key_set_bytes(keys: usize) -> usize {
    let buckets = match keys {
        0..4 => 4,
        4..8 => 8,
        _ => (keys.saturating_mul(8) / 7).next_power_of_two(),
    };
    buckets * 9 + 16
}

/// The most briefs a file can hold: a line each for JSON Lines, CSV and
/// TSV (a record takes at least one), an object each for JSON, one for the
/// other formats. A file that cannot be read counts one (it is reported
/// when it is read).
fn most_briefs(file: &Found) -> usize {
    let wanted = match file.format {
        Format::JsonLines | Format::Csv | Format::Tsv => b'\n',
        Format::Json => b'{',
        Format::Text | Format::Markdown | Format::Html => return 1,
    };
    let Ok(mut reader) = std::fs::File::open(&file.path) else {
        return 1;
    };
    let mut buffer = vec![0u8; 1 << 16];
    let mut count = 1;
    loop {
        match reader.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => count += buffer[..n].iter().filter(|&&b| b == wanted).count(),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => break,
        }
    }
    count
}

/// Runs `briefs index`: builds a new generation beside the current one and
/// switches to it at the end; on any failure the index stays as it was.
pub fn run(config: &IndexConfig) -> Result<IndexReport> {
    check_budget(config.threads, config.memory_mb)?;
    for root in &config.corpora {
        std::fs::metadata(root).with_context(|| unreadable_corpus(root))?;
    }
    let dir = &config.index_dir;
    let existed = dir.exists();
    let result = run_locked(config);
    if result.is_err() && !existed {
        // A first run that failed leaves no folder behind.
        store::remove_empty(dir);
    }
    result
}

fn unreadable_corpus(root: &Path) -> String {
    format!(
        "cannot read the corpus {}: give a folder of briefs (default: corpus/)",
        root.display()
    )
}

fn run_locked(config: &IndexConfig) -> Result<IndexReport> {
    let started = Instant::now();
    let mut report = IndexReport::default();
    // A second writer stops here at once.
    let lock = store::lock_for_writing(&config.index_dir)?;
    crate::checkpoint::reached("locked");
    catch_interrupts();
    store::remove_stale(&config.index_dir, &lock, "removing-stale")?;
    let (store, mut manifest, generation) = open_or_create(config, &lock)?;
    crate::checkpoint::reached("generation-ready");
    let corpora_before = manifest.corpora.clone();
    let (sync, forget) = plan_corpora(config, &mut manifest)?;
    let custom_actors = custom_actors(config, &store)?;
    let gazetteer = gazetteer(custom_actors.as_deref())?;
    if !config.no_actors {
        gazetteer.prepare_matcher();
    }
    // What the actors were extracted with; 0 without extraction, so that
    // switching extraction on or off reads every file again.
    let fingerprint = if config.no_actors {
        0
    } else {
        fnv1a(
            format!(
                "{}{}",
                actors::BUILTIN_TOML,
                custom_actors.as_deref().unwrap_or("")
            )
            .as_bytes(),
        )
    };
    // Files read with other column mappings or date order are read again.
    let options = config
        .parse
        .clone()
        .unwrap_or_else(|| manifest.parse.clone());
    let fingerprint = if options.is_default() {
        fingerprint
    } else {
        fingerprint ^ fnv1a(format!("{options:?}").as_bytes())
    };
    report.parse = options.clone();
    manifest.parse = options.clone();
    let reextract = manifest.gazetteer != fingerprint;
    manifest.gazetteer = fingerprint;
    let mut dirty = config.rebuild || manifest.corpora != corpora_before;
    let mut forgotten_keys = Vec::new();
    for corpus in &forget {
        let files: Vec<String> = manifest
            .files
            .iter()
            .filter(|(_, e)| e.corpus.as_deref() == Some(corpus.name.as_str()))
            .map(|(path, _)| path.clone())
            .collect();
        let mut briefs = 0;
        for path in &files {
            if let Some(entry) = manifest.files.remove(path) {
                briefs += entry.briefs.len();
                forgotten_keys.extend(entry.briefs);
            }
        }
        report.forgotten.push((corpus.shown(), briefs, files.len()));
        dirty = true;
    }
    report.synced = sync.iter().map(Corpus::shown).collect();
    report.kept = manifest
        .corpora
        .iter()
        .filter(|c| !sync.contains(c))
        .map(Corpus::shown)
        .collect();
    let found = walk(&sync, &config.index_dir, &mut report)?;
    report.files_seen = found.len() + report.skipped.len();
    check_interrupt(&config.index_dir)?;
    crate::checkpoint::reached("walked");

    // The run's record of its briefs and files (their keys in the manifest,
    // the set of keys in use) is paid for from the budget, sized before
    // the run from what the files can hold at most.
    let records = Records::plan(&manifest, &found, reextract);
    let plan = budget::plan(
        config.threads,
        config.memory_mb,
        records.bytes,
        records.to_read,
    )?;
    let writer_options = IndexWriterOptions::builder()
        .num_worker_threads(plan.threads)
        .memory_budget_per_thread((plan.writer_mb << 20) / plan.threads)
        .num_merge_threads(1)
        .build();
    let mut writer: IndexWriter<QueuedDoc> = store
        .index
        .writer_with_options(writer_options)
        .map_err(|e| match e {
            tantivy::TantivyError::LockFailure(..) => anyhow::anyhow!(
                "the index at {} is being updated by another process: wait for it to finish, then run `briefs index` again",
                store::display_dir(&config.index_dir)
            ),
            other => anyhow::anyhow!(
                "failed to open the index at {} for writing: {}",
                store::display_dir(&config.index_dir),
                store::one_line(&other)
            ),
        })?;
    writer.set_merge_policy(Box::new(BoundedMerges {
        inner: merge_policy(),
        dir: store.files.clone(),
        max_bytes: plan.merge_bytes,
    }));
    let gate = Gate::new(plan.queue_bytes);
    for key in forgotten_keys {
        writer.delete_term(Term::from_field_u64(store.fields.brief_key, key));
    }

    let progress = Progress::new(config.progress, found.iter().map(|f| f.size).sum());
    let mut seen: HashSet<String> = HashSet::with_capacity(found.len());
    // The keys of every brief in the index, to give a repeated id a fresh
    // one (8 bytes a brief, not the ids), with room for every key the run
    // can hold, so that it never grows.
    let mut keys_in_use: FxHashSet<u64> =
        FxHashSet::with_capacity_and_hasher(records.keys, Default::default());
    keys_in_use.extend(
        manifest
            .files
            .values()
            .flat_map(|e| e.briefs.iter().copied()),
    );
    let mut bytes_since_commit = 0u64;
    for (file, &most) in found.iter().zip(&records.most) {
        check_interrupt(&config.index_dir)?;
        seen.insert(file.display.clone());
        let old = manifest.files.get(&file.display);
        if let Some(old) = old.filter(|o| !reextract && o.same_file(file)) {
            report.unchanged += old.briefs.len();
            progress.advance(file.size);
            continue;
        }
        // Sorted, for lookups by binary search: 8 bytes a key, no set.
        let mut old_keys: Vec<u64> = old.map(|o| o.briefs.clone()).unwrap_or_default();
        old_keys.sort_unstable();
        let (old_hash, old_len) = old.map_or((None, 0), |o| (Some(o.hash), o.briefs.len()));
        let mut entry = FileEntry {
            corpus: Some(file.corpus.clone()),
            size: file.size,
            mtime_ns: file.mtime_ns,
            hash: 0,
            briefs: Vec::with_capacity(most),
            passages: 0,
        };
        let content = match read_source(file) {
            Ok(content) => content,
            Err(err) => {
                report.skipped.push(Skip {
                    what: file.display.clone(),
                    reason: format!("unreadable ({err})"),
                });
                progress.advance(file.size);
                continue;
            }
        };
        // A file read whole whose content did not change is not parsed again.
        if let Source::Whole(bytes) = &content {
            report.bytes_read += bytes.len() as u64;
            entry.hash = fnv1a(bytes);
            if !reextract && old_hash == Some(entry.hash) {
                report.unchanged += old_len;
                if let Some(same) = manifest.files.get_mut(&file.display) {
                    same.corpus = Some(file.corpus.clone());
                    same.size = file.size;
                    same.mtime_ns = file.mtime_ns;
                }
                dirty = true;
                progress.advance(file.size);
                continue;
            }
        }
        report.files_parsed += 1;
        for &key in &old_keys {
            writer.delete_term(Term::from_field_u64(store.fields.brief_key, key));
            keys_in_use.remove(&key);
        }
        let updated_before = report.updated;
        let mut ingest = Ingest {
            writer: &writer,
            store: &store,
            gazetteer: (!config.no_actors).then_some(&gazetteer),
            display: &file.display,
            gate: &gate,
            old_keys: &old_keys,
            keys_in_use: &mut keys_in_use,
            report: &mut report,
            entry: &mut entry,
        };
        match content {
            Source::Whole(bytes) => {
                ingest.add(parse::parse_bytes(
                    &file.display,
                    &file.id_base,
                    file.format,
                    &bytes,
                    &options,
                ))?;
            }
            Source::Stream(reader) => {
                let (hash, bytes) = parse::stream_json_lines(
                    &file.display,
                    &file.id_base,
                    reader,
                    &options,
                    |parsed| ingest.add(parsed),
                )?;
                ingest.entry.hash = hash;
                ingest.report.bytes_read += bytes;
            }
        }
        // Each old key is taken again at most once (keys in use are
        // unique), each time counted as an update.
        report.removed += old_keys.len() - (report.updated - updated_before);
        report.passages_written += entry.passages;
        manifest.files.insert(file.display.clone(), entry);
        dirty = true;
        progress.advance(file.size);
        if report.files_parsed == 1 {
            crate::checkpoint::reached("first-file");
        }

        bytes_since_commit += file.size;
        if bytes_since_commit >= config.commit_every_bytes {
            commit(&mut writer, &store, &manifest, custom_actors.as_deref())?;
            report.commits += 1;
            bytes_since_commit = 0;
            crate::checkpoint::reached("intermediate-commit");
        }
    }
    check_interrupt(&config.index_dir)?;

    // Files of the corpora read in this run that are no longer there.
    let synced: HashSet<&str> = sync.iter().map(|c| c.name.as_str()).collect();
    let gone: Vec<String> = manifest
        .files
        .iter()
        .filter(|(path, e)| {
            !seen.contains(*path) && e.corpus.as_deref().is_some_and(|c| synced.contains(c))
        })
        .map(|(path, _)| path.clone())
        .collect();
    for path in gone {
        if let Some(entry) = manifest.files.remove(&path) {
            for &key in &entry.briefs {
                writer.delete_term(Term::from_field_u64(store.fields.brief_key, key));
            }
            report.removed += entry.briefs.len();
            dirty = true;
        }
    }
    progress.finish();

    let payload = store::read_payload(&store.index)?;
    let actors_changed = payload.as_ref().and_then(|p| p.actors_file.clone())
        != custom_actors.as_deref().map(actors_file_name);
    let changed = dirty || reextract || actors_changed || payload.is_none();
    if changed {
        crate::checkpoint::reached("before-commit");
        commit(&mut writer, &store, &manifest, custom_actors.as_deref())?;
        report.commits += 1;
        crate::checkpoint::reached("committed");
    }
    writer.wait_merging_threads().map_err(|e| {
        anyhow::anyhow!("failed to finish merging segments: {}", store::one_line(&e))
    })?;
    crate::checkpoint::reached("merged");
    check_interrupt(&config.index_dir)?;
    if changed {
        // A cache for queries: a run that cannot write it has still indexed.
        if let Err(e) = store::write_passage_sums(&store) {
            report.warnings.push(format!(
                "could not record the passage counts of the index's segments ({e:#}): queries will count them"
            ));
        }
        generation.publish()?;
        report.switched = true;
        crate::checkpoint::reached("published");
        report.generations_kept = store::remove_stale(&config.index_dir, &lock, "removing-old")?;
        crate::checkpoint::reached("cleaned");
    }

    report.briefs_total = manifest.files.values().map(|e| e.briefs.len()).sum();
    report.passages_total = manifest.files.values().map(|e| e.passages).sum();
    report.elapsed = started.elapsed();
    Ok(report)
}

/// Segments with more live documents than this are never merged.
const MERGE_MAX_DOCS: usize = 100_000;

/// tantivy's log merge policy, limited to small segments. A bulk run flushes
/// segments of a few hundred thousand passages (at the default budget) that
/// are left as they are: merging them again and again grows the process by
/// the mapped size of the segments being merged (peak RSS 754 MB on Reuters
/// x30 with tantivy's default policy, 327 MB with this one) and costs time
/// (19.5 s against 15.8 s), while queries are as fast over 12 segments as
/// over 5. The small segments of incremental runs, and big ones that updates
/// have mostly deleted, are still merged, eight at a time.
fn merge_policy() -> LogMergePolicy {
    let mut policy = LogMergePolicy::default();
    policy.set_max_docs_before_merge(MERGE_MAX_DOCS);
    policy
}

/// A file's content: read whole, or open for streaming.
enum Source {
    Whole(Vec<u8>),
    Stream(std::io::BufReader<std::fs::File>),
}

/// JSON Lines are streamed (a batch of records at a time); other files are
/// read whole, so that an unchanged content can be recognised by its hash.
fn read_source(file: &Found) -> std::io::Result<Source> {
    if file.format == Format::JsonLines {
        let f = std::fs::File::open(&file.path)?;
        Ok(Source::Stream(std::io::BufReader::with_capacity(
            1 << 20,
            f,
        )))
    } else {
        std::fs::read(&file.path).map(Source::Whole)
    }
}

/// Adds what one file parsed into: its briefs (with fresh ids where an id
/// is taken, and their actors) and its diagnostics.
struct Ingest<'a> {
    writer: &'a IndexWriter<QueuedDoc>,
    store: &'a Store,
    gate: &'a Arc<Gate>,
    gazetteer: Option<&'a Gazetteer>,
    display: &'a str,
    /// The keys the file's briefs had before, sorted.
    old_keys: &'a [u64],
    keys_in_use: &'a mut FxHashSet<u64>,
    report: &'a mut IndexReport,
    entry: &'a mut FileEntry,
}

impl Ingest<'_> {
    fn add(&mut self, mut parsed: parse::ParsedFile) -> Result<()> {
        self.report.warnings.append(&mut parsed.warnings);
        self.report.skipped.append(&mut parsed.skipped);
        self.report.bad_dates += parsed.bad_dates.count;
        self.report
            .ignored_fields
            .append(&mut parsed.ignored_fields);
        for mut brief in parsed.briefs {
            if !self.keys_in_use.insert(brief_key(&brief.id)) {
                let unique = unique_id(&brief.id, self.keys_in_use);
                self.report.warnings.push(format!(
                    "{}: brief id `{}` is already used; indexed as `{unique}`",
                    self.display, brief.id
                ));
                brief.id = unique;
                self.keys_in_use.insert(brief_key(&brief.id));
            }
            let key = brief_key(&brief.id);
            if self.old_keys.binary_search(&key).is_ok() {
                self.report.updated += 1;
            } else {
                self.report.added += 1;
            }
            let passage_actors = self
                .gazetteer
                .map(|gazetteer| (gazetteer.annotate(&mut brief), gazetteer));
            self.entry.passages += add_brief(
                self.writer,
                self.store,
                self.gate,
                &brief,
                passage_actors.as_ref(),
            )?;
            self.entry.briefs.push(key);
        }
        Ok(())
    }
}

/// Starts the run's new generation: empty for a new index or `--rebuild`
/// (also when the old index cannot be read), otherwise linked to the
/// current one; and loads the manifest the run starts from.
fn open_or_create(
    config: &IndexConfig,
    lock: &store::WriterLock,
) -> Result<(Store, Manifest, store::NewGeneration)> {
    let dir = &config.index_dir;
    // Opening a reader opens every segment: a missing or truncated file
    // shows here, before anything is written.
    let current = if store::has_index(dir) {
        let opened = store::open(dir).and_then(|store| match store.index.reader() {
            Ok(_) => Ok(store),
            Err(e) => Err(store::damaged(dir, &store::one_line(&e))),
        });
        let loaded = opened.and_then(|store| {
            let manifest = load_manifest(&store)?;
            Ok((store, manifest))
        });
        match loaded {
            Ok(current) => Some(current),
            Err(_) if config.rebuild => None,
            Err(err) => return Err(err),
        }
    } else {
        None
    };
    match current {
        Some((current, manifest)) if !config.rebuild => {
            let generation = store::NewGeneration::begin(dir, Some(&current.files), lock)?;
            drop(current);
            let store = store::open_for_writing(dir, &generation.files)?;
            Ok((store, manifest, generation))
        }
        current => {
            // A rebuild re-reads every corpus the index remembers, with
            // the column mappings and date order it remembers.
            let (corpora, parse) = current
                .map(|(_, m)| (m.corpora, m.parse))
                .unwrap_or_default();
            let generation = store::NewGeneration::begin(dir, None, lock)?;
            let store = store::create(dir, &generation.files)?;
            let manifest = Manifest {
                corpora,
                parse,
                ..Manifest::default()
            };
            Ok((store, manifest, generation))
        }
    }
}

/// Which corpora this run reads and which it forgets; updates the
/// remembered list. Unnamed, the run reads every remembered corpus (and a
/// new index `corpus/`); named, only those (added when new); `--rebuild`
/// reads them all. A corpus inside another one is refused: its files would
/// be listed twice.
fn plan_corpora(
    config: &IndexConfig,
    manifest: &mut Manifest,
) -> Result<(Vec<Corpus>, Vec<Corpus>)> {
    let dir = &config.index_dir;
    let mut remembered = manifest.corpora.clone();
    let legacy = remembered.is_empty() && !manifest.files.is_empty();
    let find = |root: &Path, list: &[Corpus]| -> Option<usize> {
        let path = absolute(root);
        let name = clean_root(root);
        list.iter()
            .position(|c| c.path == path)
            .or_else(|| list.iter().position(|c| c.name == name))
    };
    let names = |list: &[Corpus]| -> String {
        if list.is_empty() {
            "none".to_string()
        } else {
            list.iter()
                .map(Corpus::shown)
                .collect::<Vec<_>>()
                .join(", ")
        }
    };
    let mut forget = Vec::new();
    for root in &config.forget {
        match find(root, &remembered) {
            Some(i) => forget.push(remembered.remove(i)),
            None => anyhow::bail!(
                "{} is not a corpus of the index at {} (its corpora: {}): nothing to forget",
                store::display_dir(root),
                store::display_dir(dir),
                names(&manifest.corpora)
            ),
        }
    }
    let mut sync: Vec<Corpus> = Vec::new();
    for root in &config.corpora {
        let corpus = match find(root, &remembered) {
            Some(i) => remembered[i].clone(),
            None => {
                let new = Corpus::named(root);
                for other in remembered.iter().filter(|c| c.path != new.path) {
                    if new.path.starts_with(&other.path) {
                        anyhow::bail!(
                            "{} is inside {}, a corpus of the index at {} already: run `briefs index {}` to update it",
                            new.shown(),
                            other.shown(),
                            store::display_dir(dir),
                            other.name
                        );
                    }
                    if other.path.starts_with(&new.path) {
                        anyhow::bail!(
                            "{} holds {}, a corpus of the index at {} already: forget that one first (`briefs index --forget {}`)",
                            new.shown(),
                            other.shown(),
                            store::display_dir(dir),
                            other.name
                        );
                    }
                }
                remembered.push(new.clone());
                new
            }
        };
        if !sync.contains(&corpus) {
            sync.push(corpus);
        }
    }
    if (config.corpora.is_empty() && config.forget.is_empty()) || config.rebuild {
        if remembered.is_empty() {
            let root = Path::new(DEFAULT_CORPUS);
            std::fs::metadata(root).with_context(|| unreadable_corpus(root))?;
            let corpus = Corpus::named(root);
            remembered.push(corpus.clone());
            sync.push(corpus);
        }
        for corpus in &remembered {
            if !sync.contains(corpus) {
                std::fs::metadata(&corpus.path).with_context(|| {
                    format!(
                        "cannot read {}, a corpus of the index at {}: put it back, or remove its briefs with `briefs index --forget {}`",
                        corpus.shown(),
                        store::display_dir(dir),
                        corpus.name
                    )
                })?;
                sync.push(corpus.clone());
            }
        }
    }
    if legacy {
        // A manifest from before corpora were remembered: its files belong
        // to the corpus they are listed under, or else to the first corpus
        // of this run (which then mirrors it, as runs did then).
        for (path, entry) in manifest.files.iter_mut() {
            if entry.corpus.is_none() {
                entry.corpus = sync
                    .iter()
                    .find(|c| {
                        c.name == "."
                            || path.starts_with(&format!("{}/", c.name))
                            || *path == c.name
                    })
                    .or(sync.first())
                    .map(|c| c.name.clone());
            }
        }
    }
    manifest.corpora = remembered;
    Ok((sync, forget))
}

fn load_manifest(store: &Store) -> Result<Manifest> {
    let Some(Payload {
        manifest: Some(name),
        ..
    }) = store::read_payload(&store.index)?
    else {
        return Ok(Manifest::default());
    };
    let path = store.files.join(&name);
    let text = std::fs::read(&path).map_err(|e| {
        store::damaged(
            &store.dir,
            &format!("its manifest {name} is unreadable: {e}"),
        )
    })?;
    serde_json::from_slice(&text).map_err(|e| {
        store::damaged(
            &store.dir,
            &format!("its manifest {name} is not valid: {e}"),
        )
    })
}

/// Writes the manifest, then commits with a payload naming it; old manifests
/// are removed only after the commit succeeded.
fn commit(
    writer: &mut IndexWriter<QueuedDoc>,
    store: &Store,
    manifest: &Manifest,
    custom_actors: Option<&str>,
) -> Result<()> {
    let stamp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let name = format!("briefs-manifest-{stamp:032}.json");
    let path = store.files.join(&name);
    let write = || -> std::io::Result<()> {
        let mut file = std::fs::File::create(&path)?;
        serde_json::to_writer(&mut std::io::BufWriter::new(&mut file), manifest)?;
        file.flush()?;
        file.sync_all()
    };
    if let Err(e) = write() {
        let _ = std::fs::remove_file(&path);
        return Err(store::cannot_write(&store.dir, &e));
    }
    let actors_name = custom_actors.map(actors_file_name);
    if let (Some(text), Some(actors_name)) = (custom_actors, &actors_name) {
        let actors_path = store.files.join(actors_name);
        if !actors_path.exists() {
            write_synced(&actors_path, text.as_bytes())
                .with_context(|| format!("failed to write {}", actors_path.display()))?;
        }
    }
    let payload = serde_json::to_string(&Payload {
        schema_version: SCHEMA_VERSION,
        manifest: Some(name.clone()),
        actors_file: actors_name.clone(),
    })?;
    let mut prepared = writer
        .prepare_commit()
        .map_err(|e| write_failure(store, &e))?;
    prepared.set_payload(&payload);
    prepared.commit().map_err(|e| write_failure(store, &e))?;
    if let Ok(entries) = std::fs::read_dir(&store.files) {
        for entry in entries.flatten() {
            let other = entry.file_name().to_string_lossy().into_owned();
            let stale_manifest = other.starts_with("briefs-manifest-") && other != name;
            let stale_actors =
                other.starts_with("briefs-actors-") && Some(&other) != actors_name.as_ref();
            if stale_manifest || stale_actors {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
    Ok(())
}

/// Adds one brief as one document: each section's texts indexed in its
/// field (the first value of each field marked, so that the indexing
/// analyzer starts its strides there), the whole brief stored as JSON, its
/// actors, its passages' actors and its date. Returns the number of passages.
fn add_brief(
    writer: &IndexWriter<QueuedDoc>,
    store: &Store,
    gate: &Arc<Gate>,
    brief: &Brief,
    passage_actors: Option<&(PassageActors, &Gazetteer)>,
) -> Result<usize> {
    let fields = &store.fields;
    let json = serde_json::to_string(brief)?;
    let passages = brief.passages();
    // The document is sized to its content (each string is stored with a
    // length of up to 5 bytes, each number in 8), and what it holds is
    // what it takes of the queue's room.
    let passage_actor_count: usize = passage_actors.map_or(0, |(actors, _)| {
        (0..passages.len()).map(|i| actors.of(i).len()).sum()
    });
    let node_bytes = passages.iter().map(|p| p.text.len() + 9).sum::<usize>()
        + brief.actors.iter().map(|a| a.len() + 5).sum::<usize>()
        + passage_actor_count * 8
        + json.len()
        + brief.id.len()
        + 40;
    let values = passages.len() + brief.actors.len() + passage_actor_count + 5;
    let permit = gate.admit(node_bytes + 16 * values + 128);
    let mut doc = TantivyDocument::with_capacity(node_bytes);
    let mut previous: Option<Section> = None;
    let mut counts = [0u64; 6];
    for passage in &passages {
        counts[Section::ALL
            .iter()
            .position(|&s| s == passage.section)
            .unwrap_or(5)] += 1;
        let field = fields.section_field(passage.section);
        if previous != Some(passage.section) {
            let mut text = String::with_capacity(passage.text.len() + 1);
            text.push(FIRST_VALUE);
            text.push_str(passage.text);
            doc.add_text(field, text);
        } else {
            doc.add_text(field, passage.text);
        }
        previous = Some(passage.section);
    }
    doc.add_u64(fields.brief_key, brief_key(&brief.id));
    doc.add_u64(fields.shape, crate::schema::shape_value(counts));
    doc.add_text(fields.brief_id, &brief.id);
    for path in &brief.actors {
        doc.add_text(fields.actors, path);
    }
    if let Some((actors, gazetteer)) = passage_actors {
        for (i, passage) in passages.iter().enumerate() {
            let id = u64::from(passage.id().0) << 48;
            for &actor in actors.of(i) {
                doc.add_u64(
                    fields.passage_actors,
                    id | (gazetteer.path_key(actor) & PASSAGE_ACTOR_MASK),
                );
            }
        }
    }
    if let Some(days) = brief.date.as_deref().and_then(crate::brief::date_days) {
        doc.add_i64(fields.date, days);
    }
    doc.add_text(fields.brief_json, json);
    writer
        .add_document(QueuedDoc::new(doc, permit))
        .map_err(|e| write_failure(store, &e))?;
    Ok(passages.len())
}

/// Why writing the index failed, as one line. tantivy's worker threads
/// report only that they stopped; a small probe write finds the cause
/// (a full disk, most often).
fn write_failure(store: &Store, err: &tantivy::TantivyError) -> anyhow::Error {
    let probe = store.files.join(".briefs-space-probe");
    let result = std::fs::write(&probe, vec![0u8; 1 << 20]);
    let _ = std::fs::remove_file(&probe);
    match result {
        Err(io) => store::cannot_write(&store.dir, &io),
        Ok(()) => anyhow::anyhow!(
            "failed to write the index at {}: {}; the previous index is intact",
            store::display_dir(&store.dir),
            store::one_line(err)
        ),
    }
}

/// The name under which the index keeps a user's actors file.
fn actors_file_name(text: &str) -> String {
    format!("briefs-actors-{:016x}.toml", fnv1a(text.as_bytes()))
}

/// The user's actors file of this run, or the copy the index kept.
fn custom_actors(config: &IndexConfig, store: &Store) -> Result<Option<String>> {
    if let Some(path) = &config.actors_file {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("failed to read the actors file {}", path.display()))?;
        return Ok(Some(text));
    }
    if config.rebuild {
        return Ok(None);
    }
    stored_actors(store)
}

/// The user's actors file the index keeps, if any.
fn stored_actors(store: &Store) -> Result<Option<String>> {
    let Some(name) = store::read_payload(&store.index)?.and_then(|p| p.actors_file) else {
        return Ok(None);
    };
    std::fs::read_to_string(store.files.join(&name))
        .map(Some)
        .map_err(|e| {
            store::damaged(
                &store.dir,
                &format!("its actors file {name} is unreadable: {e}"),
            )
        })
}

/// Whether the index was built with `--no-actors`: its briefs carry no
/// actors, so actor filters, facets and counts have nothing to go on.
pub fn built_without_actors(store: &Store) -> Result<bool> {
    let manifest = load_manifest(store)?;
    Ok(manifest.gazetteer == 0 && !manifest.files.is_empty())
}

/// The error for asking an index built with `--no-actors` about actors.
pub fn no_actors_error(store: &Store, what: &str) -> anyhow::Error {
    anyhow::anyhow!(
        "the index at {} was built with --no-actors, so {what} has no actors to go on: \
         run `briefs index --rebuild` without --no-actors",
        store::display_dir(&store.dir)
    )
}

/// The gazetteer an index was written with: the built-in one and the
/// user's actors file the index keeps, if any.
pub fn gazetteer_of(store: &Store) -> Result<Gazetteer> {
    gazetteer(stored_actors(store)?.as_deref())
}

/// The built-in gazetteer, with the user's file merged in.
pub fn gazetteer(custom: Option<&str>) -> Result<Gazetteer> {
    let mut gazetteer = Gazetteer::builtin();
    if let Some(text) = custom {
        let extra = Gazetteer::from_toml(text).context("the actors file is not valid")?;
        gazetteer.merge(extra)?;
    }
    Ok(gazetteer)
}

fn write_synced(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut file = std::fs::File::create(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

fn unique_id(id: &str, in_use: &FxHashSet<u64>) -> String {
    (2..)
        .map(|n| format!("{id}~{n}"))
        .find(|candidate| !in_use.contains(&brief_key(candidate)))
        .unwrap_or_else(|| id.to_string())
}

/// `./corpus/` → `corpus`; keeps absolute paths absolute.
fn clean_root(root: &Path) -> String {
    let mut out = PathBuf::new();
    for component in root.components() {
        if component != std::path::Component::CurDir {
            out.push(component);
        }
    }
    let s = out.to_string_lossy().replace('\\', "/");
    if s.is_empty() {
        ".".to_string()
    } else {
        s
    }
}

/// Finds the files to index, in a stable order. Hidden entries and the index
/// folder are not walked; symlinks are followed with loop detection; files
/// of other types are reported as skipped.
fn walk(corpora: &[Corpus], index_dir: &Path, report: &mut IndexReport) -> Result<Vec<Found>> {
    let index_canon = index_dir.canonicalize().ok();
    let mut found = Vec::new();
    for corpus in corpora {
        let root = &corpus.path;
        let meta = std::fs::metadata(root).with_context(|| unreadable_corpus(root))?;
        let root_display = corpus.name.clone();
        if meta.is_file() {
            // The file as named: a link `reuters.jsonl` to `full.str` is
            // JSON Lines, and its briefs are `reuters#...`.
            let named = Path::new(&corpus.name);
            let format = Format::from_path(named).or_else(|| Format::from_path(root));
            let stem = match Format::from_path(named) {
                Some(_) => named,
                None => root.as_path(),
            };
            match format {
                Some(format) => found.push(Found {
                    corpus: corpus.name.clone(),
                    path: root.clone(),
                    display: root_display.clone(),
                    id_base: stem
                        .file_stem()
                        .map(|s| s.to_string_lossy().into_owned())
                        .unwrap_or_else(|| root_display.clone()),
                    format,
                    size: meta.len(),
                    mtime_ns: mtime_ns(&meta),
                }),
                None => report.skipped.push(Skip {
                    what: root_display,
                    reason: format!("not a brief file ({})", parse::EXTENSIONS),
                }),
            }
            continue;
        }
        let walker = WalkDir::new(root)
            .follow_links(true)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|entry| {
                if entry.depth() == 0 {
                    return true;
                }
                let hidden = entry.file_name().to_string_lossy().starts_with('.');
                let is_index = entry.file_type().is_dir()
                    && index_canon.is_some()
                    && entry.path().canonicalize().ok() == index_canon;
                !hidden && !is_index
            });
        for entry in walker {
            let entry = match entry {
                Ok(entry) => entry,
                Err(err) => {
                    let what = err
                        .path()
                        .map(|p| p.display().to_string())
                        .unwrap_or_else(|| root_display.clone());
                    let reason = if err.loop_ancestor().is_some() {
                        "symlink loop".to_string()
                    } else if err
                        .io_error()
                        .is_some_and(|e| e.kind() == std::io::ErrorKind::NotFound)
                    {
                        "broken symlink".to_string()
                    } else {
                        format!(
                            "unreadable ({})",
                            err.io_error()
                                .map(|e| e.to_string())
                                .unwrap_or_else(|| err.to_string())
                        )
                    };
                    report.skipped.push(Skip { what, reason });
                    continue;
                }
            };
            if entry.file_type().is_dir() {
                continue;
            }
            let rel = entry
                .path()
                .strip_prefix(root)
                .unwrap_or(entry.path())
                .to_string_lossy()
                .replace('\\', "/");
            let display = if root_display == "." {
                rel.clone()
            } else {
                format!("{}/{rel}", root_display.trim_end_matches('/'))
            };
            if !entry.file_type().is_file() {
                report.skipped.push(Skip {
                    what: display,
                    reason: "not a regular file".into(),
                });
                continue;
            }
            let Some(format) = Format::from_path(entry.path()) else {
                report.skipped.push(Skip {
                    what: display,
                    reason: format!("not a brief file ({})", parse::EXTENSIONS),
                });
                continue;
            };
            let meta = match entry.metadata() {
                Ok(meta) => meta,
                Err(err) => {
                    report.skipped.push(Skip {
                        what: display,
                        reason: format!("unreadable ({err})"),
                    });
                    continue;
                }
            };
            let id_base = match rel.rsplit_once('.') {
                Some((stem, _)) if !stem.is_empty() => stem.to_string(),
                _ => rel.clone(),
            };
            found.push(Found {
                corpus: corpus.name.clone(),
                path: entry.path().to_path_buf(),
                display,
                id_base,
                format,
                size: meta.len(),
                mtime_ns: mtime_ns(&meta),
            });
        }
    }
    Ok(found)
}

fn mtime_ns(meta: &std::fs::Metadata) -> u128 {
    meta.modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map(|d| d.as_nanos())
        .unwrap_or_default()
}

/// A progress bar over input bytes, drawn only when asked (on a terminal).
struct Progress(Option<indicatif::ProgressBar>);

impl Progress {
    fn new(enabled: bool, total: u64) -> Progress {
        if !enabled {
            return Progress(None);
        }
        let bar = indicatif::ProgressBar::new(total);
        let style = indicatif::ProgressStyle::with_template(
            "{spinner} indexing [{bar:30}] {bytes}/{total_bytes} ({bytes_per_sec}, {eta})",
        )
        .map(|s| s.progress_chars("=> "))
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
        bar.set_style(style);
        Progress(Some(bar))
    }

    fn advance(&self, bytes: u64) {
        if let Some(bar) = &self.0 {
            bar.inc(bytes);
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roots_are_cleaned_for_display() {
        assert_eq!(clean_root(Path::new("./corpus/")), "corpus");
        assert_eq!(clean_root(Path::new("corpus")), "corpus");
        assert_eq!(clean_root(Path::new(".")), ".");
        assert_eq!(clean_root(Path::new("/a/b/")), "/a/b");
    }

    #[test]
    fn unique_ids_get_a_suffix() {
        let in_use: FxHashSet<u64> = [brief_key("x"), brief_key("x~2")].into_iter().collect();
        assert_eq!(unique_id("x", &in_use), "x~3");
    }
}
