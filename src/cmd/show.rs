//! `briefs show`: print one brief as indexed.

use std::io::Write;

use anyhow::Result;

use crate::output;
use crate::search::Searcher;
use crate::store::{self, display_dir};
use crate::{Outcome, ShowConfig};

pub fn execute(config: &ShowConfig, out: &mut dyn Write, err: &mut dyn Write) -> Result<Outcome> {
    let searcher = Searcher::new(store::open(&config.index_dir)?)?;
    match searcher.brief(&config.brief_id)? {
        Some(brief) => {
            let Some(query) = &config.query else {
                output::print_brief(out, &brief, config.format)?;
                return Ok(Outcome::Found);
            };
            let matches = searcher.brief_matches(&brief, query)?;
            for note in &matches.notes {
                writeln!(err, "note: {note}")?;
            }
            output::print_brief_matches(out, &brief, Some(&matches), config.format)?;
            if matches.passages.is_empty() {
                writeln!(err, "`{query}` matches no passage of {}", brief.id)?;
            }
            Ok(Outcome::Found)
        }
        None => {
            let similar = searcher.similar_ids(&config.brief_id, 5)?;
            let hint = if similar.is_empty() {
                "brief ids are the `brief_id` of query hits".to_string()
            } else {
                format!("did you mean {}?", similar.join(", "))
            };
            writeln!(
                err,
                "no brief with id `{}` in {}: {hint}",
                config.brief_id,
                display_dir(&config.index_dir)
            )?;
            Ok(Outcome::Nothing)
        }
    }
}
