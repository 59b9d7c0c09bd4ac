//! `briefs export`: the files for Typesense, OpenSearch / Elasticsearch and
//! plain JSON Lines, checked for shape: every `_bulk` action line followed
//! by its document, ids unique, files within their size, the schemas'
//! fields matching the documents'.

mod common;

use std::collections::{BTreeSet, HashSet};
use std::path::Path;

use serde_json::Value;

use common::{briefs, code, small_corpus, stderr};

fn export(cwd: &Path, format: &str, out: &str, extra: &[&str]) {
    let mut args = vec!["export", "--format", format, "--index", "idx", "--out", out];
    args.extend_from_slice(extra);
    let output = briefs(cwd, &args);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
}

fn setup() -> (tempfile::TempDir, usize) {
    let tmp = tempfile::tempdir().unwrap();
    small_corpus(&tmp.path().join("corpus"));
    let output = briefs(tmp.path(), &["index", "corpus", "--index", "idx"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    // The index's own count of passages.
    let text = stderr(&output);
    let passages = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("passages:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("a passages line in {text}"));
    (tmp, passages)
}

fn read_lines(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
        .collect()
}

fn keys(doc: &Value) -> BTreeSet<String> {
    doc.as_object().unwrap().keys().cloned().collect()
}

#[test]
fn jsonl_has_one_document_per_passage_with_its_brief() {
    let (tmp, passages) = setup();
    export(tmp.path(), "jsonl", "out", &[]);
    let docs = read_lines(&tmp.path().join("out/documents.jsonl"));
    assert_eq!(docs.len(), passages);
    let ids: HashSet<&str> = docs.iter().map(|d| d["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), docs.len(), "ids are unique");
    let takeaway = docs
        .iter()
        .find(|d| d["id"] == "2026-03-02-muscat-round/takeaway/2")
        .expect("the second takeaway of the Muscat brief");
    assert_eq!(takeaway["brief_id"], "2026-03-02-muscat-round");
    assert_eq!(takeaway["section"], "takeaway");
    assert_eq!(takeaway["ordinal"], 2);
    assert_eq!(takeaway["label"], "Key Takeaway 2");
    assert_eq!(
        takeaway["title"],
        "Envoys Return to Muscat for a Third Round of Nuclear Talks"
    );
    assert!(takeaway["text"]
        .as_str()
        .unwrap()
        .starts_with("Tehran refused to discuss its missiles"));
    assert!(takeaway["stems"].as_str().unwrap().contains("missil"));
    assert_eq!(takeaway["date"], 1_772_409_600, "2026-03-02 as seconds");
    assert_eq!(takeaway["source"], "China Daily Brief");
    let brief_actors: Vec<&str> = takeaway["actors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    for actor in ["/country/Iran", "/country/United States", "/country/Oman"] {
        assert!(brief_actors.contains(&actor), "{actor} in {brief_actors:?}");
    }
    // The passage names Tehran only; its brief names more.
    assert_eq!(
        takeaway["passage_actors"],
        serde_json::json!(["/country/Iran"])
    );
    assert_eq!(
        takeaway["passage_actors_country"],
        serde_json::json!(["Iran"])
    );
    assert!(takeaway["actors_country"]
        .as_array()
        .unwrap()
        .contains(&Value::from("Oman")));
    // Reading order within the brief.
    let positions: Vec<u64> = docs
        .iter()
        .filter(|d| d["brief_id"] == "2026-03-02-muscat-round")
        .map(|d| d["position"].as_u64().unwrap())
        .collect();
    assert_eq!(positions, (1..=9).collect::<Vec<u64>>());
}

#[test]
fn opensearch_bulk_files_pair_actions_with_documents_within_their_size() {
    let (tmp, passages) = setup();
    // A small limit, so that the export is split over several files.
    let limit = 4_000;
    export(
        tmp.path(),
        "opensearch",
        "os",
        &["--bulk-bytes", &limit.to_string()],
    );
    let dir = tmp.path().join("os");
    let mapping: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("mapping.json")).unwrap()).unwrap();
    let properties = mapping["mappings"]["properties"].as_object().unwrap();
    assert_eq!(properties["text"]["analyzer"], "english");
    assert_eq!(properties["title"]["analyzer"], "english");
    assert_eq!(properties["date"]["type"], "date");
    assert_eq!(properties["actors"]["type"], "keyword");
    assert_eq!(properties["actors_person"]["type"], "keyword");
    assert_eq!(mapping["mappings"]["dynamic"], "strict");

    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "ndjson"))
        .collect();
    files.sort();
    assert!(files.len() > 1, "split over several files: {files:?}");
    let mut ids = HashSet::new();
    let mut doc_keys = BTreeSet::new();
    for file in &files {
        let bytes = std::fs::metadata(file).unwrap().len();
        assert!(bytes <= limit as u64, "{} is {bytes} bytes", file.display());
        let text = std::fs::read_to_string(file).unwrap();
        assert!(
            text.ends_with('\n'),
            "{} ends with a newline",
            file.display()
        );
        let lines = read_lines(file);
        assert_eq!(
            lines.len() % 2,
            0,
            "{}: action and document pairs",
            file.display()
        );
        for pair in lines.chunks(2) {
            let id = pair[0]["index"]["_id"]
                .as_str()
                .unwrap_or_else(|| panic!("an action line: {}", pair[0]));
            assert_eq!(keys(&pair[0]), BTreeSet::from(["index".to_string()]));
            assert!(ids.insert(id.to_string()), "{id} twice");
            assert!(pair[1].get("index").is_none(), "a document: {}", pair[1]);
            assert!(pair[1].get("id").is_none(), "the id is in the action line");
            for key in keys(&pair[1]) {
                assert!(properties.contains_key(&key), "{key} is not in the mapping");
                doc_keys.insert(key);
            }
        }
    }
    assert_eq!(ids.len(), passages);
    let mapped: BTreeSet<String> = properties.keys().cloned().collect();
    // Every mapped field appears in the documents (url: none of these
    // briefs has one).
    let unused: Vec<_> = mapped.difference(&doc_keys).collect();
    assert_eq!(unused, vec!["url"], "mapped fields no document has");
}

#[test]
fn typesense_schema_names_the_documents_fields() {
    let (tmp, passages) = setup();
    export(tmp.path(), "typesense", "ts", &["--collection", "archive"]);
    let dir = tmp.path().join("ts");
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("schema.json")).unwrap()).unwrap();
    assert_eq!(schema["name"], "archive");
    let fields: Vec<&Value> = schema["fields"].as_array().unwrap().iter().collect();
    let names: BTreeSet<String> = fields
        .iter()
        .map(|f| f["name"].as_str().unwrap().to_string())
        .collect();
    let docs = read_lines(&dir.join("documents.jsonl"));
    assert_eq!(docs.len(), passages);
    for doc in &docs {
        let mut doc_keys = keys(doc);
        doc_keys.remove("id");
        let missing: Vec<_> = names
            .iter()
            .filter(|n| !doc_keys.contains(*n))
            .filter(|n| {
                !fields
                    .iter()
                    .any(|f| f["name"] == n.as_str() && f["optional"] == true)
            })
            .collect();
        assert!(missing.is_empty(), "required fields missing: {missing:?}");
        let unknown: Vec<_> = doc_keys.difference(&names).collect();
        assert!(unknown.is_empty(), "fields not in the schema: {unknown:?}");
    }
    let field = |name: &str| *fields.iter().find(|f| f["name"] == name).unwrap();
    assert_eq!(field("date")["type"], "int64");
    assert_eq!(field("actors")["type"], "string[]");
    assert_eq!(field("actors")["facet"], true);
    for kind in ["country", "person", "org", "group"] {
        assert_eq!(field(&format!("actors_{kind}"))["facet"], true);
        assert_eq!(field(&format!("passage_actors_{kind}"))["facet"], true);
    }
}

#[test]
fn export_without_an_index_is_one_line_exit_2() {
    let tmp = tempfile::tempdir().unwrap();
    let output = briefs(
        tmp.path(),
        &["export", "--format", "jsonl", "--index", "none"],
    );
    assert_eq!(code(&output), 2);
    let text = stderr(&output);
    assert_eq!(text.trim_end().lines().count(), 1, "{text}");
    assert!(text.contains("no index at none/"), "{text}");
}
