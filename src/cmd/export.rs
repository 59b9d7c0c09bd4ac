//! `briefs export`: the index's passages as files for another engine.

use std::io::Write;

use anyhow::Result;

use crate::export;
use crate::store::display_dir;
use crate::{ExportConfig, Outcome};

pub fn execute(config: &ExportConfig, err: &mut dyn Write) -> Result<Outcome> {
    let started = std::time::Instant::now();
    let report = export::export(
        &config.index_dir,
        config.format,
        &config.out_dir,
        &config.collection,
        config.bulk_bytes,
    )?;
    writeln!(
        err,
        "exported {} passages of {} briefs from {} into {} in {:.2} s ({:.1} MB, {} files)",
        report.documents,
        report.briefs,
        display_dir(&config.index_dir),
        display_dir(&config.out_dir),
        started.elapsed().as_secs_f64(),
        report.bytes as f64 / 1e6,
        report.files.len()
    )?;
    for file in &report.files {
        writeln!(err, "  {}", file.display())?;
    }
    Ok(Outcome::Found)
}
