//! Command-line arguments (clap derive types only), turned once into a
//! plain `Command` for the library.

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::brief::Section;
use crate::dates::DateOrder;
use crate::index::{IndexConfig, COMMIT_EVERY_BYTES, DEFAULT_MEMORY_MB};
use crate::output::Format;
use crate::parse::fields::{FieldMap, Target};
use crate::parse::ParseOptions;
use crate::search::{SearchRequest, Sort};
use crate::when::{self, By, DateRange};
use crate::{
    ActorsConfig, BenchConfig, Command, ExportConfig, ParseConfig, QueryConfig, ServeConfig,
    ShowConfig, TimelineConfig,
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
        /// Folders or files of briefs (.txt, .md, .json, .jsonl, .ndjson, .csv, .tsv, .html, .htm) to add or update; none: every corpus the index remembers (a new index: corpus/)
        #[arg(value_name = "CORPUS")]
        corpora: Vec<PathBuf>,
        /// Remove this corpus and its briefs from the index (repeatable)
        #[arg(long, value_name = "PATH")]
        forget: Vec<PathBuf>,
        /// Index folder
        #[arg(long, value_name = "DIR", default_value = DEFAULT_INDEX)]
        index: PathBuf,
        /// Re-read every corpus into a new index, then switch to it (the old one answers until then)
        #[arg(long)]
        rebuild: bool,
        /// Indexing threads, 1 to 64 (default: the number of cores, at most 8)
        #[arg(long, value_name = "N", value_parser = parse_threads)]
        threads: Option<usize>,
        /// Memory budget of the indexing run, 32 to 65536 MB: half for tantivy's in-memory segments, half for the rest (fewer threads when it is small)
        #[arg(long, value_name = "MB", default_value_t = DEFAULT_MEMORY_MB, value_parser = parse_memory)]
        memory: usize,
        /// Your own actors (the data/actors.toml format): added to the built-in ones, kept by the index
        #[arg(long, value_name = "FILE")]
        actors: Option<PathBuf>,
        /// Do not recognise actors (faster; no actor filters or counts)
        #[arg(long)]
        no_actors: bool,
        /// Read column COLUMN of CSV/JSON records as the brief field NAME (title, summary, body, date, url, source, id, caption, takeaways, analysis); repeatable; remembered by the index
        #[arg(long = "field", value_name = "NAME=COLUMN", value_parser = parse_field)]
        fields: Vec<(Target, String)>,
        /// How to read dates such as 7/2/2017 where day and month could be either: dmy (7 February) or mdy (July 2); remembered by the index
        #[arg(long, value_name = "ORDER", value_parser = ["dmy", "mdy"])]
        date_order: Option<String>,
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
        /// Only briefs dated on or after DATE: 2026, 2026-02 or 2026-02-05 (briefs without a date are left out)
        #[arg(long, value_name = "DATE", value_parser = parse_since)]
        since: Option<i64>,
        /// Only briefs dated on or before DATE (a year or month counts whole: --until 2026-02 ends on Feb 28)
        #[arg(long, value_name = "DATE", value_parser = parse_until)]
        until: Option<i64>,
        /// Order of the hits: relevance, date (oldest first) or -date (newest first); ties by relevance
        #[arg(long, value_name = "ORDER", default_value = "relevance", value_parser = parse_sort, allow_hyphen_values = true)]
        sort: Sort,
        /// Count every matching passage (by default, where thousands of briefs match, their passages are estimated from a sample: "about N passages")
        #[arg(long)]
        exact_counts: bool,
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
        /// Only briefs dated on or after DATE: 2026, 2026-02 or 2026-02-05 (briefs without a date are left out)
        #[arg(long, value_name = "DATE", value_parser = parse_since)]
        since: Option<i64>,
        /// Only briefs dated on or before DATE (a year or month counts whole: --until 2026-02 ends on Feb 28)
        #[arg(long, value_name = "DATE", value_parser = parse_until)]
        until: Option<i64>,
        /// JSON Lines output
        #[arg(long)]
        json: bool,
    },
    /// Count matching briefs per year, month or week
    Timeline {
        /// The query (every brief without one)
        #[arg(allow_hyphen_values = true)]
        query: Option<String>,
        /// Index folder
        #[arg(long, value_name = "DIR", default_value = DEFAULT_INDEX)]
        index: PathBuf,
        /// Length of the periods
        #[arg(long, value_name = "PERIOD", default_value = "month", value_parser = parse_by)]
        by: By,
        /// Only briefs that involve this actor (repeatable: all of them)
        #[arg(long = "actor", value_name = "A")]
        actors: Vec<String>,
        /// With several --actor: any of them instead of all
        #[arg(long)]
        any_actor: bool,
        /// Only these sections (repeatable)
        #[arg(long = "section", value_name = "S", value_parser = parse_section)]
        sections: Vec<Section>,
        /// Only briefs dated on or after DATE: 2026, 2026-02 or 2026-02-05 (briefs without a date are left out)
        #[arg(long, value_name = "DATE", value_parser = parse_since)]
        since: Option<i64>,
        /// Only briefs dated on or before DATE (a year or month counts whole: --until 2026-02 ends on Feb 28)
        #[arg(long, value_name = "DATE", value_parser = parse_until)]
        until: Option<i64>,
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
        /// Highlight this query's matches in the whole brief
        #[arg(long, value_name = "QUERY", allow_hyphen_values = true)]
        query: Option<String>,
        /// JSON output (the parse object)
        #[arg(long)]
        json: bool,
        /// Also show why the brief has its actors: the words and rule behind each, and the candidates dropped
        #[arg(long)]
        explain: bool,
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
    /// Serve the index read-only: a JSON API and a search page (loopback by default)
    Serve {
        /// Index folder
        #[arg(long, value_name = "DIR")]
        index: Option<PathBuf>,
        /// Address and port to listen on; other than loopback, the archive becomes readable from the network
        #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:7878")]
        bind: std::net::SocketAddr,
        /// Searches running at once, the rest waiting (0 = twice the cores)
        #[arg(long, value_name = "N", default_value_t = 0)]
        max_searches: usize,
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
        /// Read column COLUMN of CSV/JSON records as the brief field NAME (title, summary, body, date, url, source, id, caption, takeaways, analysis); repeatable; remembered by the index
        #[arg(long = "field", value_name = "NAME=COLUMN", value_parser = parse_field)]
        fields: Vec<(Target, String)>,
        /// How to read dates such as 7/2/2017 where day and month could be either: dmy (7 February) or mdy (July 2); remembered by the index
        #[arg(long, value_name = "ORDER", value_parser = ["dmy", "mdy"])]
        date_order: Option<String>,
        /// Also show why each brief has its actors: the words and rule behind each, and the candidates dropped
        #[arg(long)]
        explain: bool,
    },
}

fn parse_field(value: &str) -> Result<(Target, String), String> {
    let mut map = FieldMap::default();
    map.add_arg(value)?;
    Ok(map.explicit.remove(0))
}

/// The parse options the flags give; `None` when no flag was given.
fn parse_options(
    fields: Vec<(Target, String)>,
    date_order: Option<String>,
) -> Option<ParseOptions> {
    if fields.is_empty() && date_order.is_none() {
        return None;
    }
    Some(ParseOptions {
        fields: FieldMap { explicit: fields },
        date_order: date_order.as_deref().and_then(DateOrder::from_name),
    })
}

fn parse_section(value: &str) -> Result<Section, String> {
    Section::parse(value)
}

fn parse_since(value: &str) -> Result<i64, String> {
    when::span(value)
        .map(|(from, _)| from)
        .ok_or_else(|| when::bad_date(value))
}

fn parse_until(value: &str) -> Result<i64, String> {
    when::span(value)
        .map(|(_, to)| to)
        .ok_or_else(|| when::bad_date(value))
}

fn parse_sort(value: &str) -> Result<Sort, String> {
    Sort::parse(value)
}

fn parse_by(value: &str) -> Result<By, String> {
    By::from_name(value)
        .ok_or_else(|| format!("unknown period `{value}`; valid periods are year, month, week"))
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
                forget,
                index,
                rebuild,
                threads,
                memory,
                actors,
                no_actors,
                fields,
                date_order,
                commit_every,
            } => Command::Index(IndexConfig {
                corpora,
                forget,
                index_dir: index,
                rebuild,
                threads: threads.unwrap_or_else(default_threads),
                memory_mb: memory,
                progress: std::io::stderr().is_terminal(),
                commit_every_bytes: commit_every.map_or(COMMIT_EVERY_BYTES, |mb| mb.max(1) << 20),
                actors_file: actors,
                no_actors,
                parse: parse_options(fields, date_order),
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
                since,
                until,
                sort,
                exact_counts,
                json,
            } => {
                let auto_corpus = default_corpus(&index);
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
                        dates: DateRange {
                            from: since,
                            to: until,
                        },
                        sort,
                        suggest: true,
                        exact_counts,
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
                query,
                json,
                explain,
            } => Command::Show(ShowConfig {
                brief_id,
                index_dir: index,
                query,
                format: format(json),
                explain,
            }),
            Sub::Timeline {
                query,
                index,
                by,
                actors,
                any_actor,
                sections,
                since,
                until,
                json,
            } => Command::Timeline(TimelineConfig {
                request: SearchRequest {
                    limit: 0,
                    sections,
                    any_actor,
                    dates: DateRange {
                        from: since,
                        to: until,
                    },
                    ..SearchRequest::new(query.as_deref().unwrap_or("*"))
                },
                actor_names: actors,
                by,
                index_dir: index,
                format: format(json),
            }),
            Sub::Actors {
                query,
                index,
                kind,
                limit,
                list,
                since,
                until,
                json,
            } => Command::Actors(ActorsConfig {
                query,
                index_dir: index,
                kind,
                limit,
                list,
                dates: DateRange {
                    from: since,
                    to: until,
                },
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
            Sub::Serve {
                index,
                bind,
                max_searches,
            } => Command::Serve(ServeConfig {
                auto_corpus: default_corpus(&index),
                index_dir: index.unwrap_or_else(|| PathBuf::from(DEFAULT_INDEX)),
                bind,
                max_searches,
                threads: default_threads(),
                progress: std::io::stderr().is_terminal(),
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
            Sub::Parse {
                file,
                json,
                actors,
                fields,
                date_order,
                explain,
            } => Command::Parse(ParseConfig {
                file,
                format: format(json),
                actors_file: actors,
                parse: parse_options(fields, date_order).unwrap_or_default(),
                explain,
            }),
        }
    }
}

/// The default corpus, to build the default index from when there is none
/// (only when no `--index` was given).
fn default_corpus(index: &Option<PathBuf>) -> Option<PathBuf> {
    match index {
        None if std::path::Path::new(DEFAULT_CORPUS).is_dir() => {
            Some(PathBuf::from(DEFAULT_CORPUS))
        }
        _ => None,
    }
}

/// `--memory`: a number of MB in the range the run can keep.
fn parse_memory(value: &str) -> Result<usize, String> {
    parse_in_range(
        value,
        crate::index::MEMORY_MB_RANGE,
        "MB",
        " (the budget of the whole indexing run)",
    )
}

/// `--threads`: a number of indexing threads in the valid range.
fn parse_threads(value: &str) -> Result<usize, String> {
    parse_in_range(value, crate::index::THREADS_RANGE, "threads", "")
}

/// A whole number within `range`, or the message that gives the range.
fn parse_in_range(
    value: &str,
    range: std::ops::RangeInclusive<usize>,
    unit: &str,
    why: &str,
) -> Result<usize, String> {
    value
        .parse::<usize>()
        .ok()
        .filter(|n| range.contains(n))
        .ok_or_else(|| {
            format!(
                "give a number of {unit} from {} to {}{why}",
                range.start(),
                range.end()
            )
        })
}

fn default_threads() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
        .clamp(1, 8)
}
