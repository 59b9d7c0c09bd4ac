//! `briefs actors`: actor counts in distinct briefs, or the gazetteer in
//! effect (`--list`).

use std::io::Write;

use anyhow::Result;

use crate::index;
use crate::output;
use crate::search::{SearchRequest, Searcher};
use crate::store;
use crate::{ActorsConfig, Outcome};

pub fn execute(config: &ActorsConfig, out: &mut dyn Write, err: &mut dyn Write) -> Result<Outcome> {
    if config.list {
        let gazetteer = if store::has_index(&config.index_dir) {
            index::gazetteer_of(&store::open(&config.index_dir)?)?
        } else {
            index::gazetteer(None)?
        };
        output::print_gazetteer(out, &gazetteer, config.kind.as_deref(), config.format)?;
        return Ok(Outcome::Found);
    }
    let store = store::open(&config.index_dir)?;
    if index::built_without_actors(&store)? {
        return Err(index::no_actors_error(&store, "`briefs actors`"));
    }
    let searcher = Searcher::new(store)?;
    let mut counts = match &config.query {
        Some(query) => {
            let request = SearchRequest {
                limit: 0,
                facets: true,
                ..SearchRequest::new(query)
            };
            searcher.search(&request)?.facets.unwrap_or_default()
        }
        None => searcher.all_actor_counts()?,
    };
    if let Some(kind) = &config.kind {
        counts.retain(|c| c.kind() == kind);
    }
    if config.limit > 0 {
        counts.truncate(config.limit);
    }
    output::print_actor_counts(out, &counts, config.format)?;
    if counts.is_empty() {
        let scope = match &config.query {
            Some(query) => format!("the briefs matching `{query}`"),
            None => "the index".to_string(),
        };
        writeln!(err, "no actors in {scope}")?;
        return Ok(Outcome::Nothing);
    }
    Ok(Outcome::Found)
}
