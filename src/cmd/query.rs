//! `briefs query`: search and print ranked passages.

use std::io::Write;

use anyhow::Result;

use crate::index::{self, IndexConfig};
use crate::output;
use crate::search::Searcher;
use crate::store::{self, display_dir};
use crate::{Outcome, QueryConfig};

pub fn execute(config: &QueryConfig, out: &mut dyn Write, err: &mut dyn Write) -> Result<Outcome> {
    if let Some(corpus) = &config.auto_corpus {
        if !store::has_index(&config.index_dir) {
            writeln!(
                err,
                "no index at {}: building it from {} first",
                display_dir(&config.index_dir),
                display_dir(corpus)
            )?;
            let index_config = IndexConfig {
                corpora: vec![corpus.clone()],
                index_dir: config.index_dir.clone(),
                forget: Vec::new(),
                rebuild: false,
                threads: config.threads,
                memory_mb: index::DEFAULT_MEMORY_MB,
                progress: config.progress,
                commit_every_bytes: index::COMMIT_EVERY_BYTES,
                actors_file: None,
                no_actors: false,
                parse: None,
            };
            let report = index::run(&index_config)?;
            super::index::print_summary(&index_config, &report, err)?;
        }
    }
    let store = store::open(&config.index_dir)?;
    let mut request = config.request.clone();
    if !config.actor_names.is_empty() {
        request.actors = index::gazetteer_of(&store)?.resolve_paths(&config.actor_names)?;
    }
    let searcher = Searcher::new(store)?;
    let results = searcher.search(&request)?;
    for note in &results.notes {
        writeln!(err, "note: {note}")?;
    }
    output::print_results(out, &results, config.format)?;
    if results.passages == 0 {
        writeln!(
            err,
            "no passages match `{}`: try fewer words, OR between words, or a word's other forms",
            config.request.query
        )?;
        return Ok(Outcome::Nothing);
    }
    Ok(Outcome::Found)
}
