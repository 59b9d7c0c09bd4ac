//! The index folder on disk: its generations, open, create, check, and the
//! commit payload that ties each tantivy commit to the schema version and the
//! manifest of indexed files.
//!
//! An index folder holds complete *generations* side by side and a `CURRENT`
//! file naming the one readers open:
//!
//! ```text
//! index/CURRENT                 "gen-000007"
//! index/.briefs-writer.lock     held by the one `briefs index` run
//! index/gen-000007/             a tantivy index, its manifest, its actors file
//! index/gen-000008/             being written by a run; not yet CURRENT
//! ```
//!
//! A run writes a new generation (hard links to the current one's immutable
//! files, then its own segments), and switches `CURRENT` in one atomic
//! rename at the end; a run that fails or is killed leaves `CURRENT` as it
//! was. Readers hold a shared lock on their generation, so that a writer
//! removes an old generation only once nobody reads it.

use std::collections::HashMap;
use std::fmt;
use std::fs::File;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use tantivy::schema::document::{
    DeserializeError, DocumentDeserialize, DocumentDeserializer, ValueDeserialize,
    ValueDeserializer,
};
use tantivy::{Index, TantivyError};

use crate::schema::{self, Fields, SCHEMA_VERSION};

/// Doc-store block size of a new index.
const DOCSTORE_BLOCK_BYTES: usize = 8192;

/// An opened briefs index.
pub struct Store {
    pub index: Index,
    pub fields: Fields,
    /// The index folder as the user named it (for messages).
    pub dir: PathBuf,
    /// The folder holding this generation's files.
    pub files: PathBuf,
    /// A shared lock on the generation while it is read.
    _lease: Option<File>,
}

impl Store {
    /// The brief stored in the document at `address`, read as its stored
    /// texts (no tantivy document is built).
    pub fn brief_at(
        &self,
        searcher: &tantivy::Searcher,
        address: tantivy::DocAddress,
    ) -> Result<crate::brief::Brief> {
        let doc: StoredTexts = searcher
            .doc(address)
            .map_err(|e| damaged(&self.dir, &one_line(&e)))
            .context("failed to read a brief from the index")?;
        let json = doc
            .0
            .iter()
            .find(|(field, _)| *field == self.fields.brief_json)
            .map_or("{}", |(_, text)| text.as_str());
        serde_json::from_str(json)
            .context("a brief stored in the index is unreadable: run `briefs index --rebuild`")
    }
}

/// The stored fields of a brief document (its id and its JSON, both text).
struct StoredTexts(Vec<(tantivy::schema::Field, String)>);

impl DocumentDeserialize for StoredTexts {
    fn deserialize<'de, D>(mut deserializer: D) -> Result<Self, DeserializeError>
    where
        D: DocumentDeserializer<'de>,
    {
        let mut texts = Vec::with_capacity(deserializer.size_hint());
        while let Some((field, StoredText(text))) = deserializer.next_field()? {
            texts.push((field, text));
        }
        Ok(StoredTexts(texts))
    }
}

struct StoredText(String);

impl ValueDeserialize for StoredText {
    fn deserialize<'de, D>(deserializer: D) -> Result<Self, DeserializeError>
    where
        D: ValueDeserializer<'de>,
    {
        deserializer.deserialize_string().map(StoredText)
    }
}

/// The file naming the generation readers open.
const CURRENT: &str = "CURRENT";
/// The lock a writing run holds on the whole index folder.
const WRITER_LOCK: &str = ".briefs-writer.lock";
/// In each generation: readers hold it shared, a writer takes it exclusively
/// before it removes the generation.
const READERS_LOCK: &str = ".briefs-readers.lock";
const GENERATION_PREFIX: &str = "gen-";

/// There is no index in the folder (as opposed to a damaged one).
#[derive(Debug)]
pub struct NoIndex(pub PathBuf);

impl fmt::Display for NoIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "no index at {}: run `briefs index` first",
            display_dir(&self.0)
        )
    }
}

impl std::error::Error for NoIndex {}

/// `index` → `index/`, as people write folders.
pub fn display_dir(dir: &Path) -> String {
    let s = dir.display().to_string();
    if s.ends_with('/') {
        s
    } else {
        format!("{s}/")
    }
}

/// What every commit records in tantivy's `meta.json`.
#[derive(Debug, Serialize, Deserialize)]
pub struct Payload {
    pub schema_version: u32,
    /// File name (in the index folder) of the manifest of indexed files.
    pub manifest: Option<String>,
    /// File name (in the index folder) of the user's actors file in effect.
    #[serde(default)]
    pub actors_file: Option<String>,
}

/// True when the folder holds a complete index: a generation named by
/// `CURRENT`, or an index of the layout before generations.
pub fn has_index(dir: &Path) -> bool {
    dir.join(CURRENT).is_file() || is_legacy(dir)
}

/// An index written before generations: tantivy's files in the folder itself.
fn is_legacy(dir: &Path) -> bool {
    !dir.join(CURRENT).exists() && dir.join("meta.json").is_file()
}

/// The generation `CURRENT` names, if there is one.
pub fn current_generation(dir: &Path) -> Result<Option<String>> {
    match std::fs::read_to_string(dir.join(CURRENT)) {
        Ok(text) => {
            let name = text.trim();
            if generation_number(name).is_none() {
                return Err(damaged(dir, &format!("{CURRENT} names no generation")));
            }
            Ok(Some(name.to_string()))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(damaged(dir, &format!("{CURRENT} is unreadable: {e}"))),
    }
}

/// `gen-000007` → 7.
fn generation_number(name: &str) -> Option<u64> {
    let digits = name.strip_prefix(GENERATION_PREFIX)?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

fn generation_name(number: u64) -> String {
    format!("{GENERATION_PREFIX}{number:06}")
}

/// The one message for an index that cannot be read as it is.
pub fn damaged(dir: &Path, what: &str) -> anyhow::Error {
    anyhow::anyhow!(
        "the index at {} is damaged ({what}): {}",
        display_dir(dir),
        rebuild_hint(dir)
    )
}

fn rebuild_hint(dir: &Path) -> String {
    format!("run `briefs index --rebuild --index {}`", dir.display())
}

/// Opens the index's current generation (or an index of the layout before
/// generations), checking that this build can read it, and holds a shared
/// lock on it while the `Store` lives.
pub fn open(dir: &Path) -> Result<Store> {
    // A writer may switch generations and remove the old one between our
    // reading `CURRENT` and locking it: then read `CURRENT` again.
    for _ in 0..20 {
        let Some(name) = current_generation(dir)? else {
            if is_legacy(dir) {
                return open_generation(dir, dir, None);
            }
            return Err(NoIndex(dir.to_path_buf()).into());
        };
        let files = dir.join(&name);
        let lease = match File::open(files.join(READERS_LOCK)) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if current_generation(dir)?.as_deref() == Some(name.as_str()) {
                    return Err(damaged(dir, &format!("its generation {name} is missing")));
                }
                continue;
            }
            Err(e) => return Err(damaged(dir, &format!("{name} is unreadable: {e}"))),
        };
        match lease.try_lock_shared() {
            Ok(()) => {}
            // Taken exclusively: a writer is removing this old generation.
            Err(std::fs::TryLockError::WouldBlock) => {
                std::thread::sleep(std::time::Duration::from_millis(20));
                continue;
            }
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(damaged(dir, &format!("cannot lock {name}: {e}")))
            }
        }
        if current_generation(dir)?.as_deref() != Some(name.as_str()) {
            continue;
        }
        return open_generation(dir, &files, Some(lease));
    }
    Err(damaged(
        dir,
        "its current generation changed too often while being opened",
    ))
}

/// Opens the tantivy index in `files`; messages name `dir`.
fn open_generation(dir: &Path, files: &Path, lease: Option<File>) -> Result<Store> {
    let damaged = |what: String| damaged(dir, &what);
    let index = Index::open_in_dir(files).map_err(|e| damaged(one_line(&e)))?;
    let payload = read_payload(&index).map_err(|e| damaged(format!("{e:#}")))?;
    match payload {
        Some(p) if p.schema_version == SCHEMA_VERSION => {}
        Some(p) => anyhow::bail!(
            "the index at {} was written by another version of briefs (schema {}, this build reads {}): {}",
            display_dir(dir),
            p.schema_version,
            SCHEMA_VERSION,
            rebuild_hint(dir)
        ),
        // Killed between creating the folder and the first commit: empty.
        None if index.searchable_segment_ids().is_ok_and(|ids| ids.is_empty()) => {}
        None => return Err(damaged("no briefs commit recorded".to_string())),
    }
    let fields = schema::fields_of(&index).map_err(|e| damaged(e.to_string()))?;
    schema::register_tokenizers(&index);
    Ok(Store {
        index,
        fields,
        dir: dir.to_path_buf(),
        files: files.to_path_buf(),
        _lease: lease,
    })
}

/// Opens a generation being written (no lease: the writer's lock covers it).
pub fn open_for_writing(dir: &Path, files: &Path) -> Result<Store> {
    open_generation(dir, files, None)
}

/// Creates a new, empty index in the folder `files`; messages name `dir`.
pub fn create(dir: &Path, files: &Path) -> Result<Store> {
    std::fs::create_dir_all(files)
        .with_context(|| format!("failed to create the index folder {}", files.display()))?;
    let (schema, fields) = schema::build();
    // Small doc-store blocks: a hit reads one passage, and an 8 KB block
    // decompresses in about half the time of the default 16 KB.
    let settings = tantivy::IndexSettings {
        docstore_blocksize: DOCSTORE_BLOCK_BYTES,
        ..tantivy::IndexSettings::default()
    };
    let index = Index::builder()
        .schema(schema)
        .settings(settings)
        .create_in_dir(files)
        .map_err(|e| {
            anyhow::anyhow!(
                "failed to create an index in {}: {}",
                dir.display(),
                one_line(&e)
            )
        })?;
    schema::register_tokenizers(&index);
    // A first, empty commit records the schema version from the start.
    let mut writer: tantivy::IndexWriter<tantivy::TantivyDocument> =
        index.writer_with_num_threads(1, 15_000_000).map_err(|e| {
            anyhow::anyhow!(
                "failed to create an index in {}: {}",
                dir.display(),
                one_line(&e)
            )
        })?;
    let mut prepared = writer.prepare_commit().map_err(|e| {
        anyhow::anyhow!(
            "failed to create an index in {}: {}",
            dir.display(),
            one_line(&e)
        )
    })?;
    prepared.set_payload(&serde_json::to_string(&Payload {
        schema_version: SCHEMA_VERSION,
        manifest: None,
        actors_file: None,
    })?);
    prepared.commit().map_err(|e| {
        anyhow::anyhow!(
            "failed to create an index in {}: {}",
            dir.display(),
            one_line(&e)
        )
    })?;
    drop(writer);
    Ok(Store {
        index,
        fields,
        dir: dir.to_path_buf(),
        files: files.to_path_buf(),
        _lease: None,
    })
}

/// The one writing run's hold on an index folder (released on drop).
pub struct WriterLock {
    _file: File,
}

/// Takes the index folder's writer lock, creating the folder if needed; a
/// second writer stops at once.
pub fn lock_for_writing(dir: &Path) -> Result<WriterLock> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("failed to create the index folder {}", dir.display()))?;
    let path = dir.join(WRITER_LOCK);
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| format!("failed to open {}", path.display()))?;
    match file.try_lock() {
        Ok(()) => Ok(WriterLock { _file: file }),
        Err(std::fs::TryLockError::WouldBlock) => Err(anyhow::anyhow!(
            "the index at {} is being updated by another process: wait for it to finish, then run `briefs index` again",
            display_dir(dir)
        )),
        Err(std::fs::TryLockError::Error(e)) => {
            Err(e).with_context(|| format!("failed to lock {}", path.display()))
        }
    }
}

/// A generation being written beside the current one. Dropped without
/// `publish`, it is removed: the index stays as it was.
pub struct NewGeneration {
    dir: PathBuf,
    name: String,
    pub files: PathBuf,
    published: bool,
}

impl NewGeneration {
    /// Starts the next generation, empty or with hard links to the files
    /// of `base` (tantivy never rewrites a file it has written, and
    /// replaces `meta.json` by renaming a new file over it, so the links
    /// are never written through). Where hard links are not supported, the
    /// files are copied.
    pub fn begin(dir: &Path, base: Option<&Path>, _lock: &WriterLock) -> Result<NewGeneration> {
        let mut number = 0;
        if let Some(current) = current_generation(dir)? {
            number = number.max(generation_number(&current).unwrap_or(0));
        }
        for entry in read_dir(dir)? {
            let name = entry.file_name().to_string_lossy().into_owned();
            number = number.max(generation_number(&name).unwrap_or(0));
        }
        let name = generation_name(number + 1);
        let files = dir.join(&name);
        std::fs::create_dir(&files)
            .with_context(|| format!("failed to create {}", files.display()))?;
        let generation = NewGeneration {
            dir: dir.to_path_buf(),
            name,
            files,
            published: false,
        };
        write_synced(&generation.files.join(READERS_LOCK), b"")
            .map_err(|e| cannot_write(dir, &e))?;
        if let Some(base) = base {
            let legacy = base == dir;
            for entry in read_dir(base)? {
                let name = entry.file_name().to_string_lossy().into_owned();
                let is_file = entry.file_type().is_ok_and(|t| t.is_file());
                let skip = !is_file
                    || name == READERS_LOCK
                    || name.ends_with(".lock")
                    || name.starts_with(".tmp")
                    || (legacy && !is_index_file(&name));
                if skip {
                    continue;
                }
                let to = generation.files.join(&name);
                if std::fs::hard_link(entry.path(), &to).is_err() {
                    std::fs::copy(entry.path(), &to).map_err(|e| cannot_write(dir, &e))?;
                }
                crate::checkpoint::reached("linking");
            }
        }
        Ok(generation)
    }

    /// Makes this generation the one readers open: its files and folder
    /// synced, then `CURRENT` replaced by an atomic rename, then the index
    /// folder synced.
    pub fn publish(mut self) -> Result<()> {
        let dir = self.dir.clone();
        let sync = || -> std::io::Result<()> {
            File::open(&self.files)?.sync_all()?;
            crate::checkpoint::reached("before-switch");
            let pending = dir.join(format!("{CURRENT}.new"));
            write_synced(&pending, format!("{}\n", self.name).as_bytes())?;
            crate::checkpoint::reached("pointer-written");
            std::fs::rename(&pending, dir.join(CURRENT))?;
            crate::checkpoint::reached("switched");
            File::open(&dir)?.sync_all()
        };
        sync().map_err(|e| cannot_write(&dir, &e))?;
        self.published = true;
        Ok(())
    }
}

impl Drop for NewGeneration {
    fn drop(&mut self) {
        if !self.published {
            let _ = std::fs::remove_dir_all(&self.files);
        }
    }
}

/// Removes every generation but the current one that no reader holds (the
/// leftovers of killed runs, generations replaced by a switch), and the
/// files of an index of the layout before generations once a generation
/// replaced it. Returns how many generations were left for a later run
/// because a reader still had them open. `point` names the checkpoint
/// before each removal (for tests).
pub fn remove_stale(dir: &Path, _lock: &WriterLock, point: &str) -> Result<usize> {
    let Some(current) = current_generation(dir)? else {
        return Ok(0);
    };
    let mut kept = 0;
    for entry in read_dir(dir)? {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name == current || generation_number(&name).is_none() {
            continue;
        }
        let path = entry.path();
        // A reader holds the lock shared while it reads the generation; we
        // hold it exclusively while we remove it.
        let _exclusive = match File::open(path.join(READERS_LOCK)) {
            Ok(file) => match file.try_lock() {
                Err(std::fs::TryLockError::WouldBlock) => {
                    kept += 1;
                    continue;
                }
                _ => Some(file),
            },
            Err(_) => None,
        };
        crate::checkpoint::reached(point);
        std::fs::remove_dir_all(&path)
            .with_context(|| format!("failed to remove the old generation {}", path.display()))?;
    }
    wipe(dir)?;
    Ok(kept)
}

/// Removes an index folder a failed first run created, if it holds nothing
/// but the writer's lock.
pub fn remove_empty(dir: &Path) {
    let _ = std::fs::remove_file(dir.join(WRITER_LOCK));
    let _ = std::fs::remove_dir(dir);
}

fn read_dir(dir: &Path) -> Result<Vec<std::fs::DirEntry>> {
    std::fs::read_dir(dir)
        .and_then(|entries| entries.collect::<std::io::Result<Vec<_>>>())
        .with_context(|| format!("failed to read the index folder {}", dir.display()))
}

fn write_synced(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut file = File::create(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// The one message for a write that failed for lack of room or rights.
pub fn cannot_write(dir: &Path, err: &std::io::Error) -> anyhow::Error {
    anyhow::anyhow!(
        "cannot write the index at {}: {err}; the previous index is intact: free some space, then run `briefs index` again",
        display_dir(dir)
    )
}

/// In a generation's folder: each segment's passages per section (by
/// segment id), written after an indexing run's last commit and merges, so
/// that a query process need not sum the shapes of every brief. A cache
/// only: a segment it lacks is summed from the index, a file that cannot be
/// read is ignored, and segments never change, so an entry never goes stale.
pub const PASSAGE_SUMS: &str = "briefs-passages.json";

/// The record of `PASSAGE_SUMS`, empty when there is none or it is unreadable.
pub fn read_passage_sums(files: &Path) -> HashMap<String, [u64; 6]> {
    std::fs::read(files.join(PASSAGE_SUMS))
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_default()
}

/// Writes the record of the index's segments as they are now (a temporary
/// file renamed over the old record, so that a reader never sees half).
pub fn write_passage_sums(store: &Store) -> Result<()> {
    let reader = store
        .index
        .reader_builder()
        .reload_policy(tantivy::ReloadPolicy::Manual)
        .try_into()?;
    let mut sums = HashMap::new();
    for segment in reader.searcher().segment_readers() {
        let id = segment.segment_id().uuid_string();
        sums.insert(id, schema::segment_passages(segment)?);
    }
    let path = store.files.join(PASSAGE_SUMS);
    let temporary = store.files.join(format!("{PASSAGE_SUMS}.tmp"));
    // A generation starts as hard links to the last one's files: never
    // write through one (a new file, renamed over the link).
    let _ = std::fs::remove_file(&temporary);
    std::fs::write(&temporary, serde_json::to_vec(&sums)?)?;
    std::fs::rename(&temporary, &path)?;
    Ok(())
}

/// The payload of the last commit, if there is one.
pub fn read_payload(index: &Index) -> Result<Option<Payload>> {
    let metas = index
        .load_metas()
        .map_err(|e| anyhow::anyhow!(one_line(&e)))?;
    match metas.payload {
        None => Ok(None),
        Some(text) => Ok(Some(
            serde_json::from_str(&text).context("unreadable commit payload")?,
        )),
    }
}

/// Files of an index folder that `briefs` or tantivy wrote, and nothing else:
/// what `--rebuild` may delete when the old index cannot be opened.
pub fn is_index_file(name: &str) -> bool {
    const EXTENSIONS: &[&str] = &[
        ".idx",
        ".pos",
        ".term",
        ".store",
        ".fast",
        ".fieldnorm",
        ".del",
        ".json",
    ];
    name == "meta.json"
        || name == ".managed.json"
        || name.starts_with(".tantivy-")
        || (name.starts_with("briefs-manifest-") && name.ends_with(".json"))
        || (name.starts_with("briefs-actors-") && name.ends_with(".toml"))
        || (name.len() > 32 && EXTENSIONS.iter().any(|ext| name.ends_with(ext)))
}

/// Removes an unreadable index so that `--rebuild` can start over. Only the
/// files an index consists of are removed; anything else in the folder stays.
pub fn wipe(dir: &Path) -> Result<()> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e).with_context(|| format!("failed to read {}", dir.display())),
    };
    for entry in entries {
        let entry = entry.with_context(|| format!("failed to read {}", dir.display()))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if is_index_file(&name) && !name.starts_with(".tantivy-writer") {
            std::fs::remove_file(entry.path())
                .with_context(|| format!("failed to remove {}", entry.path().display()))?;
        }
    }
    Ok(())
}

/// A tantivy error as one line, without Debug dumps.
pub fn one_line(err: &TantivyError) -> String {
    let text = match err {
        TantivyError::LockFailure(_, _) => "the index is locked by another writer".to_string(),
        TantivyError::OpenReadError(e) => e.to_string(),
        TantivyError::OpenWriteError(e) => e.to_string(),
        TantivyError::OpenDirectoryError(e) => e.to_string(),
        TantivyError::IoError(e) => e.to_string(),
        TantivyError::DataCorruption(e) => {
            let detail = format!("{e:?}");
            match detail.find("(in file") {
                Some(at) => format!(
                    "corrupted data {}",
                    detail[at + 1..].split(')').next().unwrap_or("")
                ),
                None => "corrupted data".to_string(),
            }
        }
        other => other.to_string(),
    };
    let line = text.lines().next().unwrap_or_default();
    let line = line.replace("IoError: 'Custom { kind: InvalidData, error: ", "");
    match line.char_indices().nth(160) {
        Some((at, _)) => format!("{}…", &line[..at]),
        None => line,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_files_are_recognised() {
        assert!(is_index_file("meta.json"));
        assert!(is_index_file("briefs-manifest-00000000000000000001.json"));
        assert!(is_index_file("0a1b2c3d4e5f60718293a4b5c6d7e8f9.store"));
        assert!(!is_index_file("notes.txt"));
        assert!(!is_index_file("my.json"));
    }
}
