//! `briefs serve`: serve one index over HTTP until interrupted.

use std::io::Write;

use anyhow::Result;

use crate::{Outcome, ServeConfig};

pub fn execute(config: &ServeConfig, err: &mut dyn Write) -> Result<Outcome> {
    super::query::ensure_index(
        config.auto_corpus.as_deref(),
        &config.index_dir,
        config.threads,
        config.progress,
        err,
    )?;
    crate::serve::run(config, err)
}
