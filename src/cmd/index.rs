//! `briefs index`: run the indexer and print its summary on stderr.

use std::collections::BTreeMap;
use std::io::Write;

use anyhow::Result;

use crate::index::{self, IndexConfig, IndexReport};
use crate::store::display_dir;
use crate::Outcome;

/// Skipped files named in the summary, per reason.
const NAMED_SKIPS: usize = 3;
/// Ignored record fields named in the summary.
const NAMED_FIELDS: usize = 20;
/// Warnings printed in full.
const SHOWN_WARNINGS: usize = 10;

pub fn execute(config: &IndexConfig, err: &mut dyn Write) -> Result<Outcome> {
    let report = index::run(config)?;
    print_summary(config, &report, err)?;
    Ok(Outcome::Found)
}

pub fn print_summary(config: &IndexConfig, r: &IndexReport, err: &mut dyn Write) -> Result<()> {
    let secs = r.elapsed.as_secs_f64();
    let mb = r.bytes_read as f64 / 1e6;
    let what = if r.synced.is_empty() {
        "updated".to_string()
    } else {
        format!("indexed {} into", r.synced.join(" "))
    };
    writeln!(
        err,
        "{what} {} in {secs:.2} s ({:.1} MB read, {:.1} MB/s)",
        display_dir(&config.index_dir),
        mb,
        if secs > 0.0 { mb / secs } else { 0.0 }
    )?;
    for (corpus, briefs, files) in &r.forgotten {
        writeln!(
            err,
            "  forgot:   {corpus}: {briefs} briefs from {files} files removed"
        )?;
    }
    if !r.kept.is_empty() {
        writeln!(
            err,
            "  kept:     {} (other corpora of the index, not read in this run)",
            r.kept.join(" ")
        )?;
    }
    writeln!(
        err,
        "  files:    {} seen, {} parsed",
        r.files_seen, r.files_parsed
    )?;
    writeln!(
        err,
        "  briefs:   {} added, {} updated, {} unchanged, {} removed ({} in the index)",
        r.added, r.updated, r.unchanged, r.removed, r.briefs_total
    )?;
    writeln!(
        err,
        "  passages: {} written ({} in the index)",
        r.passages_written, r.passages_total
    )?;
    if !r.skipped.is_empty() {
        let mut by_reason: BTreeMap<String, Vec<&str>> = BTreeMap::new();
        for skip in &r.skipped {
            let reason = skip
                .reason
                .split(" (")
                .next()
                .unwrap_or(&skip.reason)
                .to_string();
            by_reason.entry(reason).or_default().push(&skip.what);
        }
        writeln!(err, "  skipped:  {}", r.skipped.len())?;
        for (reason, whats) in by_reason {
            let named: Vec<&str> = whats.iter().take(NAMED_SKIPS).copied().collect();
            let more = whats.len().saturating_sub(NAMED_SKIPS);
            let more = if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            };
            writeln!(
                err,
                "    {} {reason}: {}{more}",
                whats.len(),
                named.join(", ")
            )?;
        }
    }
    if r.bad_dates > 0 {
        let hint = if r.parse.date_order.is_none() {
            " (see the warnings; --date-order dmy|mdy reads 7/2/2017)"
        } else {
            " (see the warnings)"
        };
        writeln!(
            err,
            "  dates:    {} not understood, left out{hint}",
            r.bad_dates
        )?;
    }
    if !r.ignored_fields.is_empty() {
        let names: Vec<&str> = r.ignored_fields.iter().map(String::as_str).collect();
        let shown = names.len().min(NAMED_FIELDS);
        let more = if names.len() > shown {
            format!(" and {} more", names.len() - shown)
        } else {
            String::new()
        };
        writeln!(
            err,
            "  ignored:  record fields {}{more} (not indexed: map one with --field NAME=COLUMN)",
            names[..shown].join(", ")
        )?;
    }
    for warning in r.warnings.iter().take(SHOWN_WARNINGS) {
        writeln!(err, "  warning: {warning}")?;
    }
    if r.generations_kept > 0 {
        writeln!(
            err,
            "  note: {} old generation(s) still open by a reader stay on disk until the next run",
            r.generations_kept
        )?;
    }
    if r.warnings.len() > SHOWN_WARNINGS {
        writeln!(
            err,
            "  ... and {} more warnings",
            r.warnings.len() - SHOWN_WARNINGS
        )?;
    }
    Ok(())
}
