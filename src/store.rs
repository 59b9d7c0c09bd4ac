//! The index folder on disk: open, create, check, and the commit payload
//! that ties each tantivy commit to the schema version and the manifest of
//! indexed files.

use std::fmt;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use tantivy::{Index, TantivyError};

use crate::schema::{self, Fields, SCHEMA_VERSION};

/// Doc-store block size of a new index.
const DOCSTORE_BLOCK_BYTES: usize = 8192;

/// An opened briefs index.
pub struct Store {
    pub index: Index,
    pub fields: Fields,
    pub dir: PathBuf,
}

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

pub fn has_index(dir: &Path) -> bool {
    dir.join("meta.json").is_file()
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

/// Opens an existing index, checking that this build can read it.
pub fn open(dir: &Path) -> Result<Store> {
    if !has_index(dir) {
        return Err(NoIndex(dir.to_path_buf()).into());
    }
    let damaged = |what: String| damaged(dir, &what);
    let index = Index::open_in_dir(dir).map_err(|e| damaged(one_line(&e)))?;
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
    })
}

/// Creates a new, empty index in `dir` (created if missing).
pub fn create(dir: &Path) -> Result<Store> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("failed to create the index folder {}", dir.display()))?;
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
        .create_in_dir(dir)
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
    })
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
