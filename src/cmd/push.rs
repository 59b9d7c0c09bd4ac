//! `briefs push`: send the index to a Typesense cluster, incrementally.

use std::io::Write;

use anyhow::Result;

use crate::push::{self, PushConfig};
use crate::store::display_dir;
use crate::Outcome;

pub fn execute(config: &PushConfig, err: &mut dyn Write) -> Result<Outcome> {
    let report = push::push(config)?;
    let seconds = report.elapsed.as_secs_f64();
    let rate = if report.send_time.as_secs_f64() > 0.0 {
        format!(
            ", {:.0} passages/s while sending",
            report.sent_passages as f64 / report.send_time.as_secs_f64()
        )
    } else {
        String::new()
    };
    writeln!(
        err,
        "pushed {} to Typesense collection {} in {seconds:.2} s{rate}",
        display_dir(&config.index_dir),
        config.collection,
    )?;
    if report.created {
        writeln!(err, "  collection created")?;
    }
    if let Some(n) = report.reconciled {
        writeln!(
            err,
            "  no record of an earlier push to these nodes: the collection listed {n} briefs, replaced or deleted as needed"
        )?;
    }
    writeln!(
        err,
        "  briefs:    {} sent ({} passages), {} unchanged, {} deleted ({} in the index)",
        report.sent_briefs, report.sent_passages, report.unchanged, report.deleted, report.briefs
    )?;
    writeln!(
        err,
        "  documents: {} in the collection, {} passages in the index{}",
        report.remote_documents,
        report.passages,
        if report.retries > 0 {
            format!(" ({} requests retried)", report.retries)
        } else {
            String::new()
        }
    )?;
    if report.remote_documents != report.passages as u64 {
        writeln!(
            err,
            "  warning: the collection holds {} documents, the index {} passages: another writer uses the collection, or it is still catching up",
            report.remote_documents, report.passages
        )?;
    }
    Ok(Outcome::Found)
}
