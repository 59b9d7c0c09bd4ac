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
    let searcher = Searcher::new(store::open(&config.index_dir)?)?;
    let mut counts = match (&config.query, config.dates.is_set()) {
        (None, false) => searcher.all_actor_counts()?,
        (query, _) => {
            let request = SearchRequest {
                limit: 0,
                facets: true,
                dates: config.dates,
                ..SearchRequest::new(query.as_deref().unwrap_or("*"))
            };
            let results = searcher.search(&request)?;
            for note in &results.notes {
                writeln!(err, "note: {note}")?;
            }
            if let (true, Some(undated)) = (results.dates.is_set(), results.undated) {
                if undated > 0 {
                    writeln!(
                        err,
                        "{undated} matching brief{} without a date left out ({})",
                        if undated == 1 { "" } else { "s" },
                        results.dates
                    )?;
                }
            }
            results.facets.unwrap_or_default()
        }
    };
    if let Some(kind) = &config.kind {
        counts.retain(|c| c.kind() == kind);
    }
    if config.limit > 0 {
        counts.truncate(config.limit);
    }
    output::print_actor_counts(out, &counts, config.format)?;
    if counts.is_empty() {
        let scope = match (&config.query, config.dates.is_set()) {
            (Some(query), false) => format!("the briefs matching `{query}`"),
            (Some(query), true) => format!("the briefs matching `{query}` ({})", config.dates),
            (None, true) => format!("the briefs dated {}", config.dates),
            (None, false) => "the index".to_string(),
        };
        writeln!(err, "no actors in {scope}")?;
        return Ok(Outcome::Nothing);
    }
    Ok(Outcome::Found)
}
