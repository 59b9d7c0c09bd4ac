//! The index's passages as flat documents for other search engines
//! (Typesense, OpenSearch / Elasticsearch, plain JSON Lines): one document
//! per passage, with its brief's title, date, source and actors, and the
//! files `briefs export` writes.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::Serialize;
use tantivy::DocAddress;

use crate::actors::{ActorKind, Gazetteer};
use crate::brief::Brief;
use crate::schema::{PASSAGE_ACTORS_COLUMN, PASSAGE_ACTOR_MASK};
use crate::store::{self, Store};

/// Actor kinds, in the order of the per-kind facet fields.
pub const KINDS: [ActorKind; 4] = [
    ActorKind::Country,
    ActorKind::Person,
    ActorKind::Org,
    ActorKind::Group,
];

/// One passage as a flat document. Field names are the same in every
/// export format and in `briefs push`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PassageDoc {
    /// `BRIEF_ID/SECTION/ORDINAL`: unique, and the same on every run.
    pub id: String,
    pub brief_id: String,
    pub path: String,
    /// The brief's title (or its file name when it has none).
    pub title: String,
    pub section: &'static str,
    pub ordinal: u64,
    /// "Key Takeaway 3", "Body ¶2".
    pub label: String,
    pub text: String,
    /// The passage's English stems as `briefs` indexes them (lower case,
    /// accents folded, Snowball English), space-separated: for engines
    /// without an English stemmer.
    pub stems: String,
    /// The brief's date as seconds since 1970-01-01 UTC (midnight).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The brief's actors, as facet paths (`/country/Iran`).
    pub actors: Vec<String>,
    /// The actors this passage itself names, as facet paths.
    pub passage_actors: Vec<String>,
    /// The brief's actors by kind, as names (`Iran`).
    pub actors_country: Vec<String>,
    pub actors_person: Vec<String>,
    pub actors_org: Vec<String>,
    pub actors_group: Vec<String>,
    /// The passage's actors by kind, as names.
    pub passage_actors_country: Vec<String>,
    pub passage_actors_person: Vec<String>,
    pub passage_actors_org: Vec<String>,
    pub passage_actors_group: Vec<String>,
    /// The passage's place in its brief's reading order, from 1.
    pub position: u64,
}

/// What a field of `PassageDoc` is, for the engines' schemas.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    /// Searched as English text.
    Text,
    /// Searched, not stemmed (already stems).
    Stems,
    /// One exact value, faceted.
    Keyword,
    /// Stored only.
    Stored,
    /// Exact values, faceted.
    Keywords,
    Int,
    /// Seconds since the epoch.
    Date,
}

/// Every field of `PassageDoc` but `id`, with its type and whether a
/// document may lack it.
pub const FIELDS: [(&str, FieldType, bool); 22] = [
    ("brief_id", FieldType::Keyword, false),
    ("path", FieldType::Stored, false),
    ("title", FieldType::Text, false),
    ("section", FieldType::Keyword, false),
    ("ordinal", FieldType::Int, false),
    ("label", FieldType::Stored, false),
    ("text", FieldType::Text, false),
    ("stems", FieldType::Stems, false),
    ("date", FieldType::Date, true),
    ("source", FieldType::Keyword, true),
    ("url", FieldType::Stored, true),
    ("actors", FieldType::Keywords, true),
    ("passage_actors", FieldType::Keywords, true),
    ("actors_country", FieldType::Keywords, true),
    ("actors_person", FieldType::Keywords, true),
    ("actors_org", FieldType::Keywords, true),
    ("actors_group", FieldType::Keywords, true),
    ("passage_actors_country", FieldType::Keywords, true),
    ("passage_actors_person", FieldType::Keywords, true),
    ("passage_actors_org", FieldType::Keywords, true),
    ("passage_actors_group", FieldType::Keywords, true),
    ("position", FieldType::Int, false),
];

/// The kind and name of a facet path: `/country/Iran` → (country, Iran).
fn kind_and_name(path: &str) -> Option<(&str, &str)> {
    let rest = path.strip_prefix('/')?;
    rest.split_once('/')
}

fn by_kind(paths: &[String]) -> [Vec<String>; 4] {
    let mut out: [Vec<String>; 4] = Default::default();
    for path in paths {
        if let Some((kind, name)) = kind_and_name(path) {
            if let Some(i) = KINDS.iter().position(|k| k.as_str() == kind) {
                out[i].push(name.to_string());
            }
        }
    }
    out
}

/// The stems of a text, space-separated, with `briefs`' own analyzer.
pub fn stems(analyzer: &mut tantivy::tokenizer::TextAnalyzer, text: &str) -> String {
    let mut stream = analyzer.token_stream(text);
    let mut out = String::with_capacity(text.len());
    while stream.advance() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&stream.token().text);
    }
    out
}

/// The documents of one brief, in reading order. `passage_actors[i]` are
/// the facet paths passage `i` names.
pub fn documents(brief: &Brief, passage_actors: &[Vec<String>]) -> Vec<PassageDoc> {
    let mut analyzer = crate::schema::analyzer();
    let title = brief.display_title();
    let date = brief
        .date
        .as_deref()
        .and_then(crate::brief::date_days)
        .map(|days| days * 86_400);
    let [country, person, org, group] = by_kind(&brief.actors);
    brief
        .passages()
        .iter()
        .enumerate()
        .map(|(i, passage)| {
            let named = passage_actors.get(i).cloned().unwrap_or_default();
            let [p_country, p_person, p_org, p_group] = by_kind(&named);
            PassageDoc {
                id: format!(
                    "{}/{}/{}",
                    brief.id,
                    passage.section.name(),
                    passage.ordinal
                ),
                brief_id: brief.id.clone(),
                path: brief.path.clone(),
                title: title.clone(),
                section: passage.section.name(),
                ordinal: passage.ordinal,
                label: passage.section.label(passage.ordinal),
                text: passage.text.to_string(),
                stems: stems(&mut analyzer, passage.text),
                date,
                source: brief.source.clone(),
                url: brief.url.clone(),
                actors: brief.actors.clone(),
                passage_actors: named,
                actors_country: country.clone(),
                actors_person: person.clone(),
                actors_org: org.clone(),
                actors_group: group.clone(),
                passage_actors_country: p_country,
                passage_actors_person: p_person,
                passage_actors_org: p_org,
                passage_actors_group: p_group,
                position: i as u64 + 1,
            }
        })
        .collect()
}

/// Reads every brief of an index with the actors of each of its passages.
pub struct Reader {
    store: Store,
    /// The low 48 bits of each known actor's path key → its path.
    paths: HashMap<u64, String>,
}

impl Reader {
    pub fn open(dir: &Path) -> Result<Reader> {
        let store = store::open(dir)?;
        let gazetteer: Gazetteer = crate::index::gazetteer_of(&store)?;
        let paths = gazetteer
            .actors()
            .iter()
            .map(|actor| {
                let path = actor.facet_path();
                (crate::actors::path_key(&path) & PASSAGE_ACTOR_MASK, path)
            })
            .collect();
        Ok(Reader { store, paths })
    }

    /// Calls `each` with every brief of the index (in index order) and
    /// its documents.
    pub fn for_each(
        &self,
        mut each: impl FnMut(&Brief, Vec<PassageDoc>) -> Result<()>,
    ) -> Result<()> {
        let reader = self
            .store
            .index
            .reader()
            .map_err(|e| store::damaged(&self.store.dir, &store::one_line(&e)))?;
        let searcher = reader.searcher();
        for (ord, segment) in searcher.segment_readers().iter().enumerate() {
            let alive = segment.alive_bitset();
            let column = segment
                .fast_fields()
                .u64(PASSAGE_ACTORS_COLUMN)
                .map_err(|e| store::damaged(&self.store.dir, &e.to_string()))?;
            for doc in 0..segment.max_doc() {
                if alive.is_some_and(|a| !a.is_alive(doc)) {
                    continue;
                }
                let brief = self
                    .store
                    .brief_at(&searcher, DocAddress::new(ord as u32, doc))?;
                let passages = brief.passages();
                let mut named: Vec<Vec<String>> = vec![Vec::new(); passages.len()];
                let ids: Vec<_> = passages.iter().map(|p| p.id()).collect();
                for value in column.values_for_doc(doc) {
                    let id = crate::brief::PassageId((value >> 48) as u16);
                    let Some(path) = self.paths.get(&(value & PASSAGE_ACTOR_MASK)) else {
                        continue;
                    };
                    if let Some(i) = ids.iter().position(|&p| p == id) {
                        if !named[i].contains(path) {
                            named[i].push(path.clone());
                        }
                    }
                }
                let docs = documents(&brief, &named);
                each(&brief, docs)?;
            }
        }
        Ok(())
    }
}

/// Export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `documents.jsonl`: one document a line.
    Jsonl,
    /// `schema.json` (the collection) and `documents.jsonl` (for the
    /// import API).
    Typesense,
    /// `mapping.json` and `bulk-NNNN.ndjson` files of at most
    /// `BULK_FILE_BYTES`.
    OpenSearch,
}

impl Format {
    pub fn from_name(name: &str) -> Option<Format> {
        match name {
            "jsonl" => Some(Format::Jsonl),
            "typesense" => Some(Format::Typesense),
            "opensearch" | "elasticsearch" => Some(Format::OpenSearch),
            _ => None,
        }
    }
}

/// The largest `_bulk` file: 10 MB (10,000,000 bytes), the size
/// OpenSearch and Elasticsearch advise for one bulk request, well under
/// their default `http.max_content_length` of 100 MB.
pub const BULK_FILE_BYTES: usize = 10_000_000;

/// What an export wrote.
#[derive(Debug, Default)]
pub struct ExportReport {
    pub briefs: usize,
    pub documents: usize,
    pub files: Vec<PathBuf>,
    pub bytes: u64,
}

/// Writes the index's documents into `out_dir` in `format`.
pub fn export(
    index_dir: &Path,
    format: Format,
    out_dir: &Path,
    collection: &str,
    bulk_bytes: usize,
) -> Result<ExportReport> {
    let reader = Reader::open(index_dir)?;
    std::fs::create_dir_all(out_dir)
        .with_context(|| format!("failed to create the folder {}", out_dir.display()))?;
    let mut report = ExportReport::default();
    match format {
        Format::Jsonl | Format::Typesense => {
            if format == Format::Typesense {
                let path = out_dir.join("schema.json");
                let schema = serde_json::to_string_pretty(&typesense_schema(collection))?;
                write_file(&path, schema.as_bytes())?;
                report.files.push(path);
            }
            let path = out_dir.join("documents.jsonl");
            let mut file = create(&path)?;
            reader.for_each(|_, docs| {
                report.briefs += 1;
                for doc in docs {
                    serde_json::to_writer(&mut file, &doc)?;
                    file.write_all(b"\n")?;
                    report.documents += 1;
                }
                Ok(())
            })?;
            finish(file, &path)?;
            report.files.push(path);
        }
        Format::OpenSearch => {
            let path = out_dir.join("mapping.json");
            let mapping = serde_json::to_string_pretty(&opensearch_mapping())?;
            write_file(&path, mapping.as_bytes())?;
            report.files.push(path);
            let mut bulk = BulkWriter::new(out_dir, bulk_bytes);
            reader.for_each(|_, docs| {
                report.briefs += 1;
                for doc in docs {
                    bulk.add(&doc)?;
                    report.documents += 1;
                }
                Ok(())
            })?;
            report.files.extend(bulk.finish()?);
        }
    }
    for path in &report.files {
        report.bytes += std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    }
    Ok(report)
}

fn create(path: &Path) -> Result<std::io::BufWriter<std::fs::File>> {
    let file = std::fs::File::create(path)
        .with_context(|| format!("failed to create {}", path.display()))?;
    Ok(std::io::BufWriter::new(file))
}

fn finish(file: std::io::BufWriter<std::fs::File>, path: &Path) -> Result<()> {
    file.into_inner()
        .map_err(|e| e.into_error())
        .and_then(|f| f.sync_all())
        .with_context(|| format!("failed to write {}", path.display()))
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    std::fs::write(path, bytes).with_context(|| format!("failed to write {}", path.display()))
}

/// `_bulk` NDJSON files, each at most `BULK_FILE_BYTES`: an action line
/// (`{"index":{"_id":…}}`) and its document, never split over two files.
struct BulkWriter {
    dir: PathBuf,
    limit: usize,
    files: Vec<PathBuf>,
    buffer: Vec<u8>,
}

impl BulkWriter {
    fn new(dir: &Path, limit: usize) -> BulkWriter {
        BulkWriter {
            dir: dir.to_path_buf(),
            limit,
            files: Vec::new(),
            buffer: Vec::with_capacity(limit.min(BULK_FILE_BYTES)),
        }
    }

    fn add(&mut self, doc: &PassageDoc) -> Result<()> {
        let mut pair = serde_json::to_vec(&serde_json::json!({"index": {"_id": doc.id}}))?;
        pair.push(b'\n');
        serde_json::to_writer(&mut pair, &OpenSearchDoc(doc))?;
        pair.push(b'\n');
        if pair.len() > self.limit {
            anyhow::bail!(
                "the passage {} is larger than a bulk file ({} bytes)",
                doc.id,
                pair.len()
            );
        }
        if self.buffer.len() + pair.len() > self.limit {
            self.flush()?;
        }
        self.buffer.extend_from_slice(&pair);
        Ok(())
    }

    fn flush(&mut self) -> Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let path = self
            .dir
            .join(format!("bulk-{:04}.ndjson", self.files.len() + 1));
        write_file(&path, &self.buffer)?;
        self.files.push(path);
        self.buffer.clear();
        Ok(())
    }

    fn finish(mut self) -> Result<Vec<PathBuf>> {
        self.flush()?;
        Ok(self.files)
    }
}

/// A document as OpenSearch takes it: the id is the `_id` of the action
/// line, not a field.
struct OpenSearchDoc<'a>(&'a PassageDoc);

impl Serialize for OpenSearchDoc<'_> {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        let mut value = serde_json::to_value(self.0).map_err(serde::ser::Error::custom)?;
        if let Some(map) = value.as_object_mut() {
            map.remove("id");
        }
        value.serialize(serializer)
    }
}

/// The Typesense collection of the documents. Typesense 0.24 has no
/// stemmer: `text` and `title` are searched as written, `stems` holds the
/// English stems.
pub fn typesense_schema(collection: &str) -> serde_json::Value {
    let fields: Vec<serde_json::Value> = FIELDS
        .iter()
        .map(|&(name, kind, optional)| {
            let (ty, facet, index) = match kind {
                // The title is a passage of its own: searching it again on
                // every passage would only slow the import.
                FieldType::Text if name == "title" => ("string", false, false),
                FieldType::Text | FieldType::Stems => ("string", false, true),
                FieldType::Keyword => ("string", true, true),
                FieldType::Keywords => ("string[]", true, true),
                FieldType::Stored => ("string", false, false),
                FieldType::Int | FieldType::Date => ("int64", name == "date", true),
            };
            let mut field = serde_json::json!({
                "name": name, "type": ty, "facet": facet, "optional": optional || !index,
            });
            if !index {
                field["index"] = serde_json::json!(false);
            }
            field
        })
        .collect();
    serde_json::json!({
        "name": collection,
        "fields": fields,
        // Split words as `briefs` does: "Iran's" → iran, s; "U.S.-Iran" → … iran.
        "token_separators": ["-", "'", "/"],
    })
}

/// OpenSearch / Elasticsearch index settings and mapping: an English
/// analyzer on the texts, keyword facet fields, a date field.
pub fn opensearch_mapping() -> serde_json::Value {
    let mut properties = serde_json::Map::new();
    for &(name, kind, _) in &FIELDS {
        let property = match kind {
            FieldType::Text => serde_json::json!({"type": "text", "analyzer": "english"}),
            FieldType::Stems => serde_json::json!({"type": "text", "analyzer": "whitespace"}),
            FieldType::Keyword | FieldType::Keywords => serde_json::json!({"type": "keyword"}),
            FieldType::Stored => serde_json::json!({"type": "keyword", "index": false}),
            FieldType::Int => serde_json::json!({"type": "integer"}),
            FieldType::Date => serde_json::json!({"type": "date", "format": "epoch_second"}),
        };
        properties.insert(name.to_string(), property);
    }
    serde_json::json!({
        "settings": {"index": {"number_of_shards": 3, "number_of_replicas": 1}},
        "mappings": {"dynamic": "strict", "properties": properties},
    })
}
