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

use std::collections::{BTreeMap, HashSet};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use tantivy::indexer::LogMergePolicy;
use tantivy::schema::TantivyDocument;
use tantivy::{IndexWriter, Term};
use walkdir::WalkDir;

use crate::actors::{self, Gazetteer, PassageActors};
use crate::brief::{brief_key, fnv1a, Brief, Section};
use crate::parse::{self, Format, Skip};
use crate::schema::{Fields, PASSAGE_ACTOR_MASK, SCHEMA_VERSION};
use crate::store::{self, Payload, Store};
use crate::tokenizer::FIRST_VALUE;

/// What `briefs index` was asked to do.
#[derive(Debug, Clone)]
pub struct IndexConfig {
    pub corpora: Vec<PathBuf>,
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
    pub elapsed: Duration,
    pub commits: usize,
}

/// One indexed file, as the manifest remembers it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
struct FileEntry {
    size: u64,
    mtime_ns: u128,
    hash: u64,
    briefs: Vec<String>,
    passages: usize,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Manifest {
    files: BTreeMap<String, FileEntry>,
    /// Fingerprint of the gazetteer the actors were extracted with: when it
    /// changes, every file is parsed again.
    #[serde(default)]
    gazetteer: u64,
}

/// The index writer's default memory budget, in MB.
pub const DEFAULT_MEMORY_MB: usize = 256;

/// By default, commit after this many bytes of parsed input, so that a
/// killed run on a large archive loses little work.
pub const COMMIT_EVERY_BYTES: u64 = 64 << 20;

/// A file the walk found.
struct Found {
    path: PathBuf,
    display: String,
    id_base: String,
    format: Format,
    size: u64,
    mtime_ns: u128,
}

pub fn run(config: &IndexConfig) -> Result<IndexReport> {
    let started = Instant::now();
    let mut report = IndexReport::default();
    let (store, mut manifest) = open_or_create(config)?;
    let (threads, writer_mb) = writer_budget(config.threads, config.memory_mb);
    // Take the writer's lock first: a second writer stops at once.
    let mut writer: IndexWriter<TantivyDocument> = store
        .index
        .writer_with_num_threads(threads, writer_mb << 20)
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
    writer.set_merge_policy(Box::new(merge_policy()));
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
    let reextract = manifest.gazetteer != fingerprint;
    manifest.gazetteer = fingerprint;
    let found = walk(config, &mut report)?;
    report.files_seen = found.len() + report.skipped.len();

    let mut dirty = false;
    if config.rebuild {
        writer.delete_all_documents()?;
        manifest.files.clear();
        dirty = true;
    }

    let progress = Progress::new(config.progress, found.iter().map(|f| f.size).sum());
    let mut seen: HashSet<String> = HashSet::with_capacity(found.len());
    let mut ids_in_use: HashSet<String> = manifest
        .files
        .values()
        .flat_map(|e| e.briefs.iter().cloned())
        .collect();
    let mut bytes_since_commit = 0u64;
    for file in &found {
        seen.insert(file.display.clone());
        let old = manifest.files.get(&file.display).cloned();
        if let Some(old) = old.as_ref().filter(|_| !reextract) {
            if old.size == file.size && old.mtime_ns == file.mtime_ns {
                report.unchanged += old.briefs.len();
                progress.advance(file.size);
                continue;
            }
        }
        let old_ids: HashSet<String> = old
            .as_ref()
            .map(|o| o.briefs.iter().cloned().collect())
            .unwrap_or_default();
        let mut entry = FileEntry {
            size: file.size,
            mtime_ns: file.mtime_ns,
            hash: 0,
            briefs: Vec::new(),
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
            if let Some(old) = old.as_ref().filter(|o| !reextract && o.hash == entry.hash) {
                report.unchanged += old.briefs.len();
                let same = FileEntry {
                    size: file.size,
                    mtime_ns: file.mtime_ns,
                    ..old.clone()
                };
                manifest.files.insert(file.display.clone(), same);
                dirty = true;
                progress.advance(file.size);
                continue;
            }
        }
        report.files_parsed += 1;
        for id in &old_ids {
            writer.delete_term(Term::from_field_u64(store.fields.brief_key, brief_key(id)));
            ids_in_use.remove(id);
        }
        let mut ingest = Ingest {
            writer: &writer,
            store: &store,
            gazetteer: (!config.no_actors).then_some(&gazetteer),
            display: &file.display,
            old_ids: &old_ids,
            ids_in_use: &mut ids_in_use,
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
                ))?;
            }
            Source::Stream(reader) => {
                let (hash, bytes) =
                    parse::stream_json_lines(&file.display, &file.id_base, reader, |parsed| {
                        ingest.add(parsed)
                    })?;
                ingest.entry.hash = hash;
                ingest.report.bytes_read += bytes;
            }
        }
        let kept: HashSet<&String> = entry.briefs.iter().collect();
        report.removed += old_ids.iter().filter(|id| !kept.contains(id)).count();
        report.passages_written += entry.passages;
        manifest.files.insert(file.display.clone(), entry);
        dirty = true;
        progress.advance(file.size);

        bytes_since_commit += file.size;
        if bytes_since_commit >= config.commit_every_bytes {
            commit(&mut writer, &store, &manifest, custom_actors.as_deref())?;
            report.commits += 1;
            bytes_since_commit = 0;
        }
    }

    let gone: Vec<String> = manifest
        .files
        .keys()
        .filter(|path| !seen.contains(*path))
        .cloned()
        .collect();
    for path in gone {
        if let Some(entry) = manifest.files.remove(&path) {
            for id in &entry.briefs {
                writer.delete_term(Term::from_field_u64(store.fields.brief_key, brief_key(id)));
            }
            report.removed += entry.briefs.len();
            dirty = true;
        }
    }
    progress.finish();

    let payload = store::read_payload(&store.index)?;
    let actors_changed = payload.as_ref().and_then(|p| p.actors_file.clone())
        != custom_actors.as_deref().map(actors_file_name);
    if dirty || reextract || actors_changed || payload.is_none() {
        commit(&mut writer, &store, &manifest, custom_actors.as_deref())?;
        report.commits += 1;
    }
    writer.wait_merging_threads().map_err(|e| {
        anyhow::anyhow!("failed to finish merging segments: {}", store::one_line(&e))
    })?;

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

/// tantivy's least memory per indexing thread, in MB (it refuses less).
const MIN_MB_PER_THREAD: usize = 15;

/// How many indexing threads, and how many MB for tantivy's in-memory
/// segments, under a `--memory` budget for the whole run. The segments get
/// half: measured on Reuters x10, the rest of the process (documents queued
/// for the indexing threads, a segment being written out while the next one
/// fills, the allocator's cached pages) takes about as much again, so peak
/// RSS stays near the budget. Each thread needs at least
/// `MIN_MB_PER_THREAD`, so a small budget means fewer threads.
fn writer_budget(threads: usize, memory_mb: usize) -> (usize, usize) {
    let writer_mb = (memory_mb / 2).max(MIN_MB_PER_THREAD);
    let threads = threads.clamp(1, (writer_mb / MIN_MB_PER_THREAD).max(1));
    (threads, writer_mb)
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
    writer: &'a IndexWriter<TantivyDocument>,
    store: &'a Store,
    gazetteer: Option<&'a Gazetteer>,
    display: &'a str,
    old_ids: &'a HashSet<String>,
    ids_in_use: &'a mut HashSet<String>,
    report: &'a mut IndexReport,
    entry: &'a mut FileEntry,
}

impl Ingest<'_> {
    fn add(&mut self, mut parsed: parse::ParsedFile) -> Result<()> {
        self.report.warnings.append(&mut parsed.warnings);
        self.report.skipped.append(&mut parsed.skipped);
        for mut brief in parsed.briefs {
            if !self.ids_in_use.insert(brief.id.clone()) {
                let unique = unique_id(&brief.id, self.ids_in_use);
                self.report.warnings.push(format!(
                    "{}: brief id `{}` is already used; indexed as `{unique}`",
                    self.display, brief.id
                ));
                brief.id = unique;
                self.ids_in_use.insert(brief.id.clone());
            }
            if self.old_ids.contains(&brief.id) {
                self.report.updated += 1;
            } else {
                self.report.added += 1;
            }
            let passage_actors = self
                .gazetteer
                .map(|gazetteer| (gazetteer.annotate(&mut brief), gazetteer));
            self.entry.passages += add_brief(
                self.writer,
                &self.store.dir,
                &self.store.fields,
                &brief,
                passage_actors.as_ref(),
            )?;
            self.entry.briefs.push(brief.id);
        }
        Ok(())
    }
}

/// Opens the index (creating it when missing, or starting over on
/// `--rebuild` when the old one cannot be read) and loads its manifest.
fn open_or_create(config: &IndexConfig) -> Result<(Store, Manifest)> {
    let dir = &config.index_dir;
    if !store::has_index(dir) {
        return Ok((store::create(dir)?, Manifest::default()));
    }
    // Opening a reader opens every segment: a missing or truncated file
    // shows here, before anything is written.
    let opened = store::open(dir).and_then(|store| match store.index.reader() {
        Ok(_) => Ok(store),
        Err(e) => Err(store::damaged(dir, &store::one_line(&e))),
    });
    match opened {
        Ok(store) if config.rebuild => Ok((store, Manifest::default())),
        Ok(store) => {
            let manifest = load_manifest(&store)?;
            Ok((store, manifest))
        }
        Err(_) if config.rebuild => {
            store::wipe(dir)?;
            Ok((store::create(dir)?, Manifest::default()))
        }
        Err(err) => Err(err),
    }
}

fn load_manifest(store: &Store) -> Result<Manifest> {
    let Some(Payload {
        manifest: Some(name),
        ..
    }) = store::read_payload(&store.index)?
    else {
        return Ok(Manifest::default());
    };
    let path = store.dir.join(&name);
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
    writer: &mut IndexWriter<TantivyDocument>,
    store: &Store,
    manifest: &Manifest,
    custom_actors: Option<&str>,
) -> Result<()> {
    let stamp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let name = format!("briefs-manifest-{stamp:032}.json");
    let path = store.dir.join(&name);
    let write = || -> std::io::Result<()> {
        let mut file = std::fs::File::create(&path)?;
        serde_json::to_writer(&mut std::io::BufWriter::new(&mut file), manifest)?;
        file.flush()?;
        file.sync_all()
    };
    if let Err(e) = write() {
        let _ = std::fs::remove_file(&path);
        return Err(io_failure(&store.dir, &e));
    }
    let actors_name = custom_actors.map(actors_file_name);
    if let (Some(text), Some(actors_name)) = (custom_actors, &actors_name) {
        let actors_path = store.dir.join(actors_name);
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
        .map_err(|e| write_failure(&store.dir, &e))?;
    prepared.set_payload(&payload);
    prepared
        .commit()
        .map_err(|e| write_failure(&store.dir, &e))?;
    if let Ok(entries) = std::fs::read_dir(&store.dir) {
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
    writer: &IndexWriter<TantivyDocument>,
    dir: &Path,
    fields: &Fields,
    brief: &Brief,
    passage_actors: Option<&(PassageActors, &Gazetteer)>,
) -> Result<usize> {
    let json = serde_json::to_string(brief)?;
    // Sized to its content: tantivy's default reserves 1 KB, and up to
    // 10,000 documents wait in its queue.
    let mut doc = TantivyDocument::with_capacity(2 * json.len() + 256);
    let passages = brief.passages();
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
        .add_document(doc)
        .map_err(|e| write_failure(dir, &e))?;
    Ok(passages.len())
}

/// Why writing the index failed, as one line. tantivy's worker threads
/// report only that they stopped; a small probe write finds the cause
/// (a full disk, most often).
fn write_failure(dir: &Path, err: &tantivy::TantivyError) -> anyhow::Error {
    let probe = dir.join(".briefs-space-probe");
    let result = std::fs::write(&probe, vec![0u8; 1 << 20]);
    let _ = std::fs::remove_file(&probe);
    match result {
        Err(io) => io_failure(dir, &io),
        Ok(()) => anyhow::anyhow!(
            "failed to write the index at {}: {}; the previous index is intact",
            store::display_dir(dir),
            store::one_line(err)
        ),
    }
}

fn io_failure(dir: &Path, err: &std::io::Error) -> anyhow::Error {
    anyhow::anyhow!(
        "cannot write the index at {}: {err}; the previous index is intact: free some space, then run `briefs index` again",
        store::display_dir(dir)
    )
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
    std::fs::read_to_string(store.dir.join(&name))
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

fn unique_id(id: &str, in_use: &HashSet<String>) -> String {
    (2..)
        .map(|n| format!("{id}~{n}"))
        .find(|candidate| !in_use.contains(candidate))
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
fn walk(config: &IndexConfig, report: &mut IndexReport) -> Result<Vec<Found>> {
    let index_canon = config.index_dir.canonicalize().ok();
    let mut found = Vec::new();
    for root in &config.corpora {
        let meta = std::fs::metadata(root).with_context(|| {
            format!(
                "cannot read the corpus {}: give a folder of briefs (default: corpus/)",
                root.display()
            )
        })?;
        let root_display = clean_root(root);
        if meta.is_file() {
            match Format::from_path(root) {
                Some(format) => found.push(Found {
                    path: root.clone(),
                    display: root_display.clone(),
                    id_base: root
                        .file_stem()
                        .map(|s| s.to_string_lossy().into_owned())
                        .unwrap_or_else(|| root_display.clone()),
                    format,
                    size: meta.len(),
                    mtime_ns: mtime_ns(&meta),
                }),
                None => report.skipped.push(Skip {
                    what: root_display,
                    reason: "not a brief file (.txt, .md, .json, .jsonl, .ndjson)".into(),
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
                    reason: "not a brief file (.txt, .md, .json, .jsonl, .ndjson)".into(),
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
    fn the_writer_gets_half_the_budget_and_enough_per_thread() {
        assert_eq!(writer_budget(2, 256), (2, 128));
        assert_eq!(writer_budget(8, 256), (8, 128));
        // 20 MB for two threads would be refused by tantivy: one thread.
        assert_eq!(writer_budget(2, 40), (1, 20));
        assert_eq!(writer_budget(4, 1), (1, MIN_MB_PER_THREAD));
        assert_eq!(writer_budget(0, 256), (1, 128));
    }

    #[test]
    fn roots_are_cleaned_for_display() {
        assert_eq!(clean_root(Path::new("./corpus/")), "corpus");
        assert_eq!(clean_root(Path::new("corpus")), "corpus");
        assert_eq!(clean_root(Path::new(".")), ".");
        assert_eq!(clean_root(Path::new("/a/b/")), "/a/b");
    }

    #[test]
    fn unique_ids_get_a_suffix() {
        let in_use: HashSet<String> = ["x".to_string(), "x~2".to_string()].into();
        assert_eq!(unique_id("x", &in_use), "x~3");
    }
}
