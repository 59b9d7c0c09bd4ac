//! The index as the server sees it: one generation (one commit) at a time,
//! swapped whole when `briefs index` commits a newer one.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::SystemTime;

use anyhow::{Context, Result};

use crate::actors::Gazetteer;
use crate::index;
use crate::search::{SearchRequest, Searcher};
use crate::store;

/// One commit of the index, opened: every request is answered from one
/// generation, never from a mix of two.
pub struct Generation {
    pub searcher: Searcher,
    /// The gazetteer the index was written with, to resolve actor names.
    pub gazetteer: Gazetteer,
    /// Briefs in this commit.
    pub briefs: u64,
    /// The generation's name and `meta.json` as they were when it was
    /// opened.
    meta: Vec<u8>,
    pub opened: SystemTime,
}

impl Generation {
    /// Opens the index's current generation, and holds its readers' lock
    /// while it is served (so `briefs index` keeps its files). Its name and
    /// `meta.json` are read first: should a commit land while this runs,
    /// the next check sees a change and opens again.
    pub fn open(dir: &Path) -> Result<Generation> {
        if !store::has_index(dir) {
            return Err(store::NoIndex(dir.to_path_buf()).into());
        }
        let meta = read_meta(dir)?;
        let store = store::open(dir)?;
        let gazetteer = index::gazetteer_of(&store)?;
        let searcher = Searcher::new(store)?;
        let briefs = searcher
            .search(&SearchRequest {
                limit: 0,
                per_brief: 1,
                ..SearchRequest::new("*")
            })?
            .briefs;
        Ok(Generation {
            searcher,
            gazetteer,
            briefs,
            meta,
            opened: SystemTime::now(),
        })
    }
}

/// What changes when `briefs index` makes a new commit visible: the name
/// of the generation `CURRENT` names and that generation's `meta.json`
/// (for an index of the layout before generations, its `meta.json`).
fn read_meta(dir: &Path) -> Result<Vec<u8>> {
    let (mut out, meta) = match store::current_generation(dir)? {
        Some(name) => (name.clone().into_bytes(), dir.join(name).join("meta.json")),
        None => (Vec::new(), dir.join("meta.json")),
    };
    out.push(b'\n');
    let bytes =
        std::fs::read(&meta).with_context(|| format!("failed to read {}", meta.display()))?;
    out.extend(bytes);
    Ok(out)
}

/// The generation being served, replaced whole by a newer one.
pub struct Shared {
    pub dir: PathBuf,
    current: RwLock<Arc<Generation>>,
}

impl Shared {
    pub fn open(dir: &Path) -> Result<Shared> {
        Ok(Shared {
            dir: dir.to_path_buf(),
            current: RwLock::new(Arc::new(Generation::open(dir)?)),
        })
    }

    pub fn current(&self) -> Arc<Generation> {
        self.current
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// Opens the index again when its current generation changed since the
    /// generation being served was opened; swaps only a fully opened one.
    /// Returns the new generation, if any.
    pub fn refresh(&self) -> Result<Option<Arc<Generation>>> {
        let meta = read_meta(&self.dir)?;
        if meta == self.current().meta {
            return Ok(None);
        }
        let fresh = Arc::new(Generation::open(&self.dir)?);
        *self
            .current
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = fresh.clone();
        Ok(Some(fresh))
    }
}
