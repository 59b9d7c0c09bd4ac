//! Command-line arguments (clap derive types only), turned once into a
//! plain `Command` for the library.

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::brief::Section;
use crate::index::{IndexConfig, COMMIT_EVERY_BYTES, DEFAULT_MEMORY_MB};
use crate::output::Format;
use crate::search::SearchRequest;
use crate::{
    ActorsConfig, BenchConfig, Command, ExportConfig, ParseConfig, QueryConfig, ShowConfig,
};

const DEFAULT_INDEX: &str = "index";
const DEFAULT_CORPUS: &str = "corpus";
const DEFAULT_COLLECTION: &str = "briefs";

#[derive(Debug, Parser)]
#[command(
    name = "briefs",
    version,
    about = "Search archives of news briefs: ranked, highlighted passages",
    after_help = "Exit status: 0 results found or work done, 1 no results, 2 error."
)]
pub struct Cli {
    #[command(subcommand)]
    command: Sub,
}

#[derive(Debug, Subcommand)]
enum Sub {
    /// Index folders of briefs (default corpus/) into an index (default index/)
    Index {
        /// Folders or files of briefs (.txt, .md, .json, .jsonl, .ndjson)
        #[arg(value_name = "CORPUS")]
        corpora: Vec<PathBuf>,
        /// Index folder
        #[arg(long, value_name = "DIR", default_value = DEFAULT_INDEX)]
        index: PathBuf,
        /// Start over instead of updating incrementally
        #[arg(long)]
        rebuild: bool,
        /// Indexing threads (default: the number of cores, at most 8)
        #[arg(long, value_name = "N")]
        threads: Option<usize>,
        /// Memory budget of the indexing run, in MB: half for tantivy's in-memory segments, half for the rest (fewer threads when it is small)
        #[arg(long, value_name = "MB", default_value_t = DEFAULT_MEMORY_MB)]
        memory: usize,
        /// Your own actors (the data/actors.toml format): added to the built-in ones, kept by the index
        #[arg(long, value_name = "FILE")]
        actors: Option<PathBuf>,
        /// Do not recognise actors (faster; no actor filters or counts)
        #[arg(long)]
        no_actors: bool,
        /// Commit every this many MB of input (for tests of killed runs)
        #[arg(long, value_name = "MB", hide = true)]
        commit_every: Option<u64>,
    },
    /// Search passages; QUERY uses tantivy's syntax ("phrase", -word, takeaways:word)
    Query {
        /// The query, e.g. '"nuclear talks" -Israel' or 'takeaways:missiles'
        #[arg(allow_hyphen_values = true)]
        query: String,
        /// Index folder
        #[arg(long, value_name = "DIR")]
        index: Option<PathBuf>,
        /// Passages to show
        #[arg(long, value_name = "N", default_value_t = 10)]
        limit: usize,
        /// Passages to skip (for paging)
        #[arg(long, value_name = "N", default_value_t = 0)]
        offset: usize,
        /// Only these sections: title, summary, caption, takeaway, analysis, body (repeatable)
        #[arg(long = "section", value_name = "S", value_parser = parse_section)]
        sections: Vec<Section>,
        /// Most passages one brief contributes (0 = no cap)
        #[arg(long, value_name = "N", default_value_t = 3)]
        per_brief: usize,
        /// Only briefs that involve this actor: a name, alias or facet path (repeatable: all of them)
        #[arg(long = "actor", value_name = "A")]
        actors: Vec<String>,
        /// With several --actor: any of them instead of all
        #[arg(long)]
        any_actor: bool,
        /// Where the actor must be named: in the brief (default) or in the passage itself
        #[arg(long, value_name = "WHERE", value_parser = ["brief", "passage"], default_value = "brief")]
        actor_in: String,
        /// Count the actors of the matching briefs
        #[arg(long)]
        facets: bool,
        /// Say why each hit ranks where it does: the brief's score and the passage's, by term and section
        #[arg(long)]
        explain: bool,
        /// JSON Lines output
        #[arg(long)]
        json: bool,
    },
    /// Count actors in distinct briefs: of the briefs matching QUERY, or of all
    Actors {
        query: Option<String>,
        /// Index folder
        #[arg(long, value_name = "DIR", default_value = DEFAULT_INDEX)]
        index: PathBuf,
        /// Only actors of this kind
        #[arg(long, value_name = "KIND", value_parser = ["country", "person", "org", "group"])]
        kind: Option<String>,
        /// At most this many actors (0 = all)
        #[arg(long, value_name = "N", default_value_t = 0)]
        limit: usize,
        /// Print the actors the index knows (built-in and your own) with their aliases
        #[arg(long)]
        list: bool,
        /// JSON Lines output
        #[arg(long)]
        json: bool,
    },
    /// Print one brief as indexed
    Show {
        brief_id: String,
        /// Index folder
        #[arg(long, value_name = "DIR", default_value = DEFAULT_INDEX)]
        index: PathBuf,
        /// JSON output (the parse object)
        #[arg(long)]
        json: bool,
    },
    /// Measure query latency in-process over a file of queries (one a line)
    Bench {
        /// File of queries, one a line
        #[arg(long, value_name = "FILE")]
        queries: PathBuf,
        /// Index folder
        #[arg(long, value_name = "DIR", default_value = DEFAULT_INDEX)]
        index: PathBuf,
        /// Passes over the query file
        #[arg(long, value_name = "N", default_value_t = 5)]
        runs: usize,
        /// Passages a query returns (with snippets)
        #[arg(long, value_name = "N", default_value_t = 10)]
        limit: usize,
    },
    /// Write the index's passages as files for another engine: typesense, opensearch (also Elasticsearch) or jsonl
    Export {
        /// typesense (schema.json + documents.jsonl), opensearch (mapping.json + _bulk files of at most 10 MB), jsonl
        #[arg(long, value_name = "FORMAT", value_parser = ["typesense", "opensearch", "elasticsearch", "jsonl"])]
        format: String,
        /// Folder to write into
        #[arg(long, value_name = "DIR", default_value = "export")]
        out: PathBuf,
        /// Index folder
        #[arg(long, value_name = "DIR", default_value = DEFAULT_INDEX)]
        index: PathBuf,
        /// Collection name in the Typesense schema
        #[arg(long, value_name = "NAME", default_value = DEFAULT_COLLECTION)]
        collection: String,
        /// Largest _bulk file in bytes (for tests of the split)
        #[arg(long, value_name = "BYTES", hide = true, default_value_t = crate::export::BULK_FILE_BYTES)]
        bulk_bytes: usize,
    },
    /// Send the index to a Typesense cluster and keep it in step (only what changed since the last push)
    Push {
        /// The engine (typesense)
        #[arg(value_parser = ["typesense"])]
        engine: String,
        /// A node of the cluster, e.g. http://127.0.0.1:8108 (repeatable: requests move to the next node when one fails)
        #[arg(long = "url", value_name = "URL", required = true)]
        urls: Vec<String>,
        /// Environment variable holding the admin API key
        #[arg(long, value_name = "VAR", default_value = "TYPESENSE_API_KEY")]
        api_key_env: String,
        /// Collection name
        #[arg(long, value_name = "NAME", default_value = DEFAULT_COLLECTION)]
        collection: String,
        /// Index folder
        #[arg(long, value_name = "DIR", default_value = DEFAULT_INDEX)]
        index: PathBuf,
        /// Documents per import request
        #[arg(long, value_name = "N", default_value_t = 2000)]
        batch: usize,
        /// Tries of each request (over the nodes, with backoff from 0.2 s doubling to 4 s) on 429, 5xx and connection errors
        #[arg(long, value_name = "N", default_value_t = 10)]
        tries: u32,
        /// Drop the collection first and send everything
        #[arg(long)]
        recreate: bool,
    },
    /// Print the parser's view of a file
    Parse {
        file: PathBuf,
        /// JSON Lines output, one brief a line
        #[arg(long)]
        json: bool,
        /// Your own actors (the data/actors.toml format), added to the built-in ones
        #[arg(long, value_name = "FILE")]
        actors: Option<PathBuf>,
    },
}

fn parse_section(value: &str) -> Result<Section, String> {
    Section::from_name(value).ok_or_else(|| {
        let names: Vec<&str> = Section::ALL.iter().map(|s| s.name()).collect();
        format!(
            "unknown section `{value}`; valid sections are {}",
            names.join(", ")
        )
    })
}

fn format(json: bool) -> Format {
    if json {
        Format::Json
    } else {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Format::Text {
            color: std::io::stdout().is_terminal() && !no_color,
        }
    }
}

impl Cli {
    pub fn into_command(self) -> Command {
        match self.command {
            Sub::Index {
                corpora,
                index,
                rebuild,
                threads,
                memory,
                actors,
                no_actors,
                commit_every,
            } => Command::Index(IndexConfig {
                corpora: if corpora.is_empty() {
                    vec![PathBuf::from(DEFAULT_CORPUS)]
                } else {
                    corpora
                },
                index_dir: index,
                rebuild,
                threads: threads.unwrap_or_else(default_threads),
                memory_mb: memory,
                progress: std::io::stderr().is_terminal(),
                commit_every_bytes: commit_every.map_or(COMMIT_EVERY_BYTES, |mb| mb.max(1) << 20),
                actors_file: actors,
                no_actors,
            }),
            Sub::Query {
                query,
                index,
                limit,
                offset,
                sections,
                per_brief,
                actors,
                any_actor,
                actor_in,
                facets,
                explain,
                json,
            } => {
                let auto_corpus = match &index {
                    None if std::path::Path::new(DEFAULT_CORPUS).is_dir() => {
                        Some(PathBuf::from(DEFAULT_CORPUS))
                    }
                    _ => None,
                };
                Command::Query(QueryConfig {
                    request: SearchRequest {
                        limit,
                        offset,
                        sections,
                        per_brief,
                        any_actor,
                        actor_in_passage: actor_in == "passage",
                        facets,
                        explain,
                        ..SearchRequest::new(&query)
                    },
                    actor_names: actors,
                    index_dir: index.unwrap_or_else(|| PathBuf::from(DEFAULT_INDEX)),
                    format: format(json),
                    auto_corpus,
                    threads: default_threads(),
                    progress: std::io::stderr().is_terminal(),
                })
            }
            Sub::Show {
                brief_id,
                index,
                json,
            } => Command::Show(ShowConfig {
                brief_id,
                index_dir: index,
                format: format(json),
            }),
            Sub::Actors {
                query,
                index,
                kind,
                limit,
                list,
                json,
            } => Command::Actors(ActorsConfig {
                query,
                index_dir: index,
                kind,
                limit,
                list,
                format: format(json),
            }),
            Sub::Bench {
                queries,
                index,
                runs,
                limit,
            } => Command::Bench(BenchConfig {
                index_dir: index,
                queries,
                runs: runs.max(1),
                limit,
            }),
            Sub::Export {
                format,
                out,
                index,
                collection,
                bulk_bytes,
            } => Command::Export(ExportConfig {
                index_dir: index,
                format: crate::export::Format::from_name(&format)
                    .unwrap_or(crate::export::Format::Jsonl),
                out_dir: out,
                collection,
                bulk_bytes: bulk_bytes.max(1),
            }),
            Sub::Push {
                engine: _,
                urls,
                api_key_env,
                collection,
                index,
                batch,
                tries,
                recreate,
            } => Command::Push(crate::push::PushConfig {
                index_dir: index,
                urls,
                api_key_env,
                collection,
                batch,
                retry: crate::push::typesense::Retry {
                    attempts: tries.max(1),
                    ..Default::default()
                },
                recreate,
                progress: std::io::stderr().is_terminal(),
            }),
            Sub::Parse { file, json, actors } => Command::Parse(ParseConfig {
                file,
                format: format(json),
                actors_file: actors,
            }),
        }
    }
}

fn default_threads() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
        .clamp(1, 8)
}
