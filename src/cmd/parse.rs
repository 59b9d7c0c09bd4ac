//! `briefs parse`: print the parser's view of a file.

use std::io::Write;

use anyhow::Result;

use crate::output;
use crate::parse;
use crate::{Outcome, ParseConfig};

pub fn execute(config: &ParseConfig, out: &mut dyn Write, err: &mut dyn Write) -> Result<Outcome> {
    let parsed = parse::parse_path(&config.file)?;
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
