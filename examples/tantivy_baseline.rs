//! Stock tantivy baseline for `scripts/eval-relevance`: one document per story (title, body), `en_stem`, all words required, BM25.
//!
//! ```text
//! tantivy_baseline index STORIES.jsonl INDEX_DIR      # one JSON record a line: id, title, body
//! tantivy_baseline search INDEX_DIR LIMIT < QUERIES   # one query a line -> one JSON line each
//! ```
//!
//! `search` prints, for each query line read from stdin, one line
//! `{"query": "...", "hits": [{"id": "...", "score": 1.23}, ...]}` with at
//! most LIMIT hits, best first. Nothing here is specific to briefs: it is
//! tantivy as a user of the crate would set it up, to compare rankings.

use std::io::{BufRead, Write};
use std::path::Path;

use anyhow::{bail, Context, Result};
use serde::Deserialize;
use tantivy::collector::TopDocs;
use tantivy::query::QueryParser;
use tantivy::schema::{
    IndexRecordOption, Schema, TextFieldIndexing, TextOptions, Value, STORED, STRING,
};
use tantivy::{doc, Index, IndexWriter, TantivyDocument};

/// A story as the JSON Lines archive holds it (other fields are ignored).
#[derive(Deserialize)]
struct Story {
    id: Option<String>,
    title: Option<String>,
    body: Option<String>,
}

fn schema() -> Schema {
    let mut builder = Schema::builder();
    let text = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer("en_stem")
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    builder.add_text_field("id", STRING | STORED);
    builder.add_text_field("title", text.clone());
    builder.add_text_field("body", text);
    builder.build()
}

/// Indexes every story with a title or a body; returns how many.
fn index(stories: &Path, dir: &Path) -> Result<usize> {
    std::fs::create_dir_all(dir).with_context(|| format!("failed to create {}", dir.display()))?;
    let schema = schema();
    let (id, title, body) = (
        schema.get_field("id")?,
        schema.get_field("title")?,
        schema.get_field("body")?,
    );
    let index = Index::create_in_dir(dir, schema)
        .with_context(|| format!("failed to create a tantivy index in {}", dir.display()))?;
    // One indexing thread keeps the stories in file order, so that equal scores
    // are broken the same way on every run (by file order, as FTS5 and Lucene do).
    let mut writer: IndexWriter = index.writer_with_num_threads(1, 256_000_000)?;
    let file = std::fs::File::open(stories)
        .with_context(|| format!("failed to open {}", stories.display()))?;
    let mut count = 0;
    for (number, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line.with_context(|| format!("failed to read {}", stories.display()))?;
        if line.trim().is_empty() {
            continue;
        }
        let story: Story = serde_json::from_str(&line).with_context(|| {
            format!(
                "{} line {}: not a story record",
                stories.display(),
                number + 1
            )
        })?;
        let story_title = story.title.unwrap_or_default();
        let story_body = story.body.unwrap_or_default();
        if story_title.trim().is_empty() && story_body.trim().is_empty() {
            continue;
        }
        let story_id = story.id.unwrap_or_else(|| (number + 1).to_string());
        writer.add_document(doc!(id => story_id, title => story_title, body => story_body))?;
        count += 1;
    }
    writer.commit()?;
    writer.wait_merging_threads()?;
    let segments = index.searchable_segment_ids()?.len();
    eprintln!("tantivy_baseline: {segments} segment(s)");
    Ok(count)
}

/// Answers each query of stdin with its top `limit` stories, as JSON Lines on stdout.
fn search(dir: &Path, limit: usize) -> Result<()> {
    let index = Index::open_in_dir(dir)
        .with_context(|| format!("failed to open the tantivy index in {}", dir.display()))?;
    let schema = index.schema();
    let (id, title, body) = (
        schema.get_field("id")?,
        schema.get_field("title")?,
        schema.get_field("body")?,
    );
    let reader = index.reader()?;
    let searcher = reader.searcher();
    let mut parser = QueryParser::for_index(&index, vec![title, body]);
    parser.set_conjunction_by_default();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for line in std::io::stdin().lock().lines() {
        let text = line.context("failed to read a query from stdin")?;
        let query = parser
            .parse_query(&text)
            .with_context(|| format!("query {text:?} does not parse"))?;
        let top = searcher.search(&query, &TopDocs::with_limit(limit).order_by_score())?;
        let mut hits = Vec::with_capacity(top.len());
        for (score, address) in top {
            let document: TantivyDocument = searcher.doc(address)?;
            let story_id = document
                .get_first(id)
                .and_then(|value| value.as_str())
                .context("a stored story has no id")?
                .to_string();
            hits.push(serde_json::json!({"id": story_id, "score": score}));
        }
        serde_json::to_writer(&mut out, &serde_json::json!({"query": text, "hits": hits}))?;
        writeln!(out)?;
    }
    Ok(())
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [command, stories, dir] if command == "index" => {
            let count = index(Path::new(stories), Path::new(dir))?;
            eprintln!("tantivy_baseline: indexed {count} stories");
            Ok(())
        }
        [command, dir, limit] if command == "search" => {
            let limit = limit.parse().with_context(|| format!("LIMIT {limit:?} is not a number"))?;
            search(Path::new(dir), limit)
        }
        _ => bail!("usage: tantivy_baseline index STORIES.jsonl INDEX_DIR | search INDEX_DIR LIMIT < QUERIES"),
    }
}
