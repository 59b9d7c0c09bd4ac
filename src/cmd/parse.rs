//! `briefs parse`: print the parser's view of a file.

use std::io::Write;

use anyhow::{Context, Result};

use crate::output;
use crate::parse;
use crate::{Outcome, ParseConfig};

pub fn execute(config: &ParseConfig, out: &mut dyn Write, err: &mut dyn Write) -> Result<Outcome> {
    let mut parsed = parse::parse_path(&config.file, &config.parse)?;
    let custom = match &config.actors_file {
        Some(path) => Some(
            std::fs::read_to_string(path)
                .with_context(|| format!("failed to read the actors file {}", path.display()))?,
        ),
        None => None,
    };
    let gazetteer = crate::index::gazetteer(custom.as_deref())?;
    gazetteer.prepare_matcher();
    for brief in &mut parsed.briefs {
        gazetteer.annotate(brief);
    }
    for warning in &parsed.warnings {
        writeln!(err, "warning: {warning}")?;
    }
    for skip in &parsed.skipped {
        writeln!(err, "skipped {}: {}", skip.what, skip.reason)?;
    }
    for (i, brief) in parsed.briefs.iter().enumerate() {
        if i > 0 && matches!(config.format, output::Format::Text { .. }) {
            writeln!(out, "\n----\n")?;
        }
        output::print_brief(out, brief, config.format)?;
    }
    Ok(if parsed.briefs.is_empty() {
        Outcome::Nothing
    } else {
        Outcome::Found
    })
}
