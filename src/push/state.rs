//! What a push target holds, as far as `briefs push` knows: a journal in
//! the index folder, one JSON line per change, synced before the change is
//! sent, so that a push killed at any point is finished by the next one.
//!
//! The first line names the target; each later line says of one brief that
//! it may be on the target in an unknown form (`"fp":null`: sent, or about
//! to be), that it is there as fingerprinted (`"fp":"…"`), or that it is gone
//! (`"gone":true`). A line cut by a crash is ignored: the change it would
//! have recorded was not started.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

/// The target a journal is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Target {
    pub engine: String,
    pub collection: String,
    /// The nodes named on the last push: a push naming none of them is to
    /// another cluster, whose content is not known.
    pub urls: Vec<String>,
}

/// brief id → fingerprint of its documents on the target (`None`: unknown).
pub type Remote = HashMap<String, Option<u64>>;

#[derive(Serialize, Deserialize)]
struct Line {
    id: String,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "hex_opt")]
    fp: Option<u64>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    gone: bool,
}

mod hex_opt {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(value: &Option<u64>, s: S) -> Result<S::Ok, S::Error> {
        match value {
            Some(v) => s.serialize_str(&format!("{v:016x}")),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
        let text: Option<String> = Option::deserialize(d)?;
        Ok(text.and_then(|t| u64::from_str_radix(&t, 16).ok()))
    }
}

/// The journal's file in the index folder.
pub fn path(index_dir: &Path, engine: &str, collection: &str) -> PathBuf {
    let safe: String = collection
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    index_dir.join("push").join(format!(
        "{engine}-{safe}-{:08x}.jsonl",
        crate::brief::fnv1a(collection.as_bytes()) as u32
    ))
}

/// Reads a journal: its target and what it says the target holds.
pub fn load(path: &Path) -> Result<Option<(Target, Remote)>> {
    let file = match File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("failed to read {}", path.display())),
    };
    let mut lines = BufReader::new(file).lines();
    let Some(Ok(first)) = lines.next() else {
        return Ok(None);
    };
    let Ok(target) = serde_json::from_str::<Target>(&first) else {
        return Ok(None);
    };
    let mut remote = Remote::new();
    for line in lines {
        let line = line.with_context(|| format!("failed to read {}", path.display()))?;
        // A line cut short by a crash: its change was never started.
        let Ok(entry) = serde_json::from_str::<Line>(&line) else {
            continue;
        };
        if entry.gone {
            remote.remove(&entry.id);
        } else {
            remote.insert(entry.id, entry.fp);
        }
    }
    Ok(Some((target, remote)))
}

/// An open journal, appended to as a push goes.
pub struct Journal {
    path: PathBuf,
    file: File,
}

impl Journal {
    /// Starts a journal holding `remote` (written aside, synced, renamed
    /// into place).
    pub fn begin(path: &Path, target: &Target, remote: &Remote) -> Result<Journal> {
        let dir = path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir)
            .with_context(|| format!("failed to create {}", dir.display()))?;
        let aside = path.with_extension("jsonl.tmp");
        let write = || -> std::io::Result<()> {
            let mut out = std::io::BufWriter::new(File::create(&aside)?);
            serde_json::to_writer(&mut out, target)?;
            out.write_all(b"\n")?;
            let mut ids: Vec<_> = remote.iter().collect();
            ids.sort();
            for (id, fp) in ids {
                serde_json::to_writer(
                    &mut out,
                    &Line {
                        id: id.clone(),
                        fp: *fp,
                        gone: false,
                    },
                )?;
                out.write_all(b"\n")?;
            }
            out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
            std::fs::rename(&aside, path)?;
            if let Ok(d) = File::open(dir) {
                let _ = d.sync_all();
            }
            Ok(())
        };
        write().with_context(|| format!("failed to write {}", path.display()))?;
        let file = OpenOptions::new()
            .append(true)
            .open(path)
            .with_context(|| format!("failed to open {}", path.display()))?;
        Ok(Journal {
            path: path.to_path_buf(),
            file,
        })
    }

    fn append(&mut self, lines: impl Iterator<Item = Line>) -> Result<()> {
        let mut bytes = Vec::new();
        for line in lines {
            serde_json::to_writer(&mut bytes, &line)?;
            bytes.push(b'\n');
        }
        self.file
            .write_all(&bytes)
            .and_then(|()| self.file.sync_data())
            .with_context(|| format!("failed to write {}", self.path.display()))
    }

    /// These briefs may now be on the target in any form.
    pub fn unknown<'a>(&mut self, ids: impl Iterator<Item = &'a str>) -> Result<()> {
        self.append(ids.map(|id| Line {
            id: id.to_string(),
            fp: None,
            gone: false,
        }))
    }

    /// These briefs are on the target as fingerprinted.
    pub fn sent<'a>(&mut self, ids: impl Iterator<Item = (&'a str, u64)>) -> Result<()> {
        self.append(ids.map(|(id, fp)| Line {
            id: id.to_string(),
            fp: Some(fp),
            gone: false,
        }))
    }

    /// These briefs are no longer on the target.
    pub fn gone<'a>(&mut self, ids: impl Iterator<Item = &'a str>) -> Result<()> {
        self.append(ids.map(|id| Line {
            id: id.to_string(),
            fp: None,
            gone: true,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn journal_replays_and_ignores_a_cut_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = path(dir.path(), "typesense", "briefs/x");
        assert!(load(&path).unwrap().is_none());
        let target = Target {
            engine: "typesense".into(),
            collection: "briefs/x".into(),
            urls: vec!["http://a".into()],
        };
        let mut remote = Remote::new();
        remote.insert("old".into(), Some(7));
        remote.insert("kept".into(), Some(8));
        let mut journal = Journal::begin(&path, &target, &remote).unwrap();
        journal.unknown(["new", "kept"].into_iter()).unwrap();
        journal.sent([("new", 9)].into_iter()).unwrap();
        journal.gone(["old"].into_iter()).unwrap();
        drop(journal);
        let mut file = OpenOptions::new().append(true).open(&path).unwrap();
        file.write_all(b"{\"id\":\"kept\",\"fp\":\"00").unwrap();
        let (loaded, remote) = load(&path).unwrap().unwrap();
        assert_eq!(loaded, target);
        assert_eq!(remote.len(), 2);
        assert_eq!(remote["new"], Some(9));
        assert_eq!(remote["kept"], None);
    }
}
