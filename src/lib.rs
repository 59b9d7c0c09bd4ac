//! briefs: a search engine for archives of news briefs, built on tantivy.
//! This file lists the modules and holds the one dispatcher.

pub mod actors;
pub mod bm25f;
pub mod brief;
pub mod budget;
pub mod checkpoint;
pub mod cli;
mod cmd;
mod collect;
pub mod dates;
pub mod export;
pub mod index;
pub mod output;
pub mod parse;
pub mod push;
pub mod query;
pub mod schema;
pub mod search;
pub mod serve;
pub mod snippet;
pub mod store;
pub mod tokenizer;
pub mod when;

use std::io::Write;
use std::path::PathBuf;

use anyhow::Result;

use crate::index::IndexConfig;
use crate::output::Format;
use crate::search::SearchRequest;

/// A subcommand with its settings, free of any argument parsing.
#[derive(Debug, Clone)]
pub enum Command {
    Index(IndexConfig),
    Query(QueryConfig),
    Show(ShowConfig),
    Parse(ParseConfig),
    Actors(ActorsConfig),
    Timeline(TimelineConfig),
    Bench(BenchConfig),
    Serve(ServeConfig),
    Export(ExportConfig),
    Push(push::PushConfig),
}

#[derive(Debug, Clone)]
pub struct QueryConfig {
    pub request: SearchRequest,
    /// Actor names as the user gave them (`--actor`), resolved against the
    /// index's gazetteer into `request.actors`.
    pub actor_names: Vec<String>,
    pub index_dir: PathBuf,
    pub format: Format,
    /// Build the index from this corpus first when there is none.
    pub auto_corpus: Option<PathBuf>,
    pub threads: usize,
    pub progress: bool,
}

#[derive(Debug, Clone)]
pub struct ShowConfig {
    pub brief_id: String,
    pub index_dir: PathBuf,
    /// Highlight this query's matches in the brief.
    pub query: Option<String>,
    pub format: Format,
    /// Also why the brief has its actors.
    pub explain: bool,
}

#[derive(Debug, Clone)]
pub struct ParseConfig {
    pub file: PathBuf,
    pub format: Format,
    /// A user's actors file merged into the built-in gazetteer.
    pub actors_file: Option<PathBuf>,
    /// Column mappings and date order (`--field`, `--date-order`).
    pub parse: crate::parse::ParseOptions,
    /// Also why each brief has its actors.
    pub explain: bool,
}

#[derive(Debug, Clone)]
pub struct ActorsConfig {
    /// Count over the briefs matching this query; over all when `None`.
    pub query: Option<String>,
    pub index_dir: PathBuf,
    pub kind: Option<String>,
    /// At most this many actors; 0 = all.
    pub limit: usize,
    /// Print the gazetteer in effect instead of counts.
    pub list: bool,
    /// Only briefs dated within.
    pub dates: crate::when::DateRange,
    pub format: Format,
}

#[derive(Debug, Clone)]
pub struct TimelineConfig {
    /// The query (`*` for every brief) and its filters.
    pub request: SearchRequest,
    /// Actor names as the user gave them, resolved into `request.actors`.
    pub actor_names: Vec<String>,
    pub by: crate::when::By,
    pub index_dir: PathBuf,
    pub format: Format,
}

#[derive(Debug, Clone)]
pub struct BenchConfig {
    pub index_dir: PathBuf,
    /// A file of queries, one a line (`#` starts a comment line).
    pub queries: PathBuf,
    pub runs: usize,
    pub limit: usize,
}

#[derive(Debug, Clone)]
pub struct ServeConfig {
    pub index_dir: PathBuf,
    pub bind: std::net::SocketAddr,
    /// Searches running at once (the rest wait): 0 = twice the cores.
    pub max_searches: usize,
    /// Build the index from this corpus first when there is none.
    pub auto_corpus: Option<PathBuf>,
    pub threads: usize,
    pub progress: bool,
}

#[derive(Debug, Clone)]
pub struct ExportConfig {
    pub index_dir: PathBuf,
    pub format: export::Format,
    pub out_dir: PathBuf,
    /// The Typesense collection named in `schema.json`.
    pub collection: String,
    /// The largest `_bulk` file, in bytes.
    pub bulk_bytes: usize,
}

/// How a command ended when it did not fail: exit status 0 or 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Results found, or work done.
    Found,
    /// Nothing matched.
    Nothing,
}

/// Runs a command; results go to `out`, progress and warnings to `err`.
pub fn run(command: Command, out: &mut dyn Write, err: &mut dyn Write) -> Result<Outcome> {
    match command {
        Command::Index(config) => cmd::index::execute(&config, err),
        Command::Query(config) => cmd::query::execute(&config, out, err),
        Command::Show(config) => cmd::show::execute(&config, out, err),
        Command::Parse(config) => cmd::parse::execute(&config, out, err),
        Command::Actors(config) => cmd::actors::execute(&config, out, err),
        Command::Timeline(config) => cmd::timeline::execute(&config, out, err),
        Command::Bench(config) => cmd::bench::execute(&config, out, err),
        Command::Serve(config) => cmd::serve::execute(&config, err),
        Command::Export(config) => cmd::export::execute(&config, err),
        Command::Push(config) => cmd::push::execute(&config, err),
    }
}
