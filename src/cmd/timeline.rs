//! `briefs timeline`: matching briefs counted per year, month or week.

use std::io::Write;

use anyhow::Result;

use crate::index;
use crate::output;
use crate::search::Searcher;
use crate::store;
use crate::{Outcome, TimelineConfig};

pub fn execute(
    config: &TimelineConfig,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<Outcome> {
    let store = store::open(&config.index_dir)?;
    let mut request = config.request.clone();
    if !config.actor_names.is_empty() {
        request.actors = index::gazetteer_of(&store)?.resolve_paths(&config.actor_names)?;
    }
    let searcher = Searcher::new(store)?;
    let timeline = searcher.timeline(&request, config.by)?;
    for note in &timeline.notes {
        writeln!(err, "note: {note}")?;
    }
    output::print_timeline(out, &timeline, config.format)?;
    if timeline.periods.is_empty() {
        writeln!(
            err,
            "no dated briefs match `{}`{}",
            config.request.query,
            if timeline.dates.is_set() {
                format!(" ({})", timeline.dates)
            } else {
                String::new()
            }
        )?;
        return Ok(Outcome::Nothing);
    }
    Ok(Outcome::Found)
}
