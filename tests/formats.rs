//! Archive formats through the real binary: CSV and TSV, saved web pages,
//! the field mapping, dates, encodings, headlines of plain text, and `show`
//! of a deleted brief. Fixtures in tests/fixtures/formats are our own
//! writing, imitating news sites' exports and markup.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use serde_json::Value;
use tempfile::TempDir;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/formats")
}

/// A corpus folder holding copies of the named fixtures.
fn corpus_of(dir: &Path, names: &[&str]) -> PathBuf {
    let corpus = dir.join("corpus");
    std::fs::create_dir_all(&corpus).unwrap();
    for name in names {
        std::fs::copy(fixtures().join(name), corpus.join(name)).unwrap();
    }
    corpus
}

fn index(dir: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["index", "corpus", "--index", "idx"];
    args.extend_from_slice(extra);
    let out = briefs(dir, &args);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    out
}

fn parse_json(dir: &Path, file: &str, extra: &[&str]) -> Vec<Value> {
    let mut args = vec!["parse", file, "--json"];
    args.extend_from_slice(extra);
    json_lines(&briefs(dir, &args))
}

/// The briefs of a query's hits, in order, each once.
fn hit_ids(out: &std::process::Output) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    for hit in hits(out) {
        let id = hit["brief_id"].as_str().unwrap().to_string();
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    ids
}

#[test]
fn csv_and_tsv_archives_are_indexed_row_by_row() {
    let dir = TempDir::new().unwrap();
    corpus_of(dir.path(), &["news.csv", "wire.tsv"]);
    let out = index(dir.path(), &[]);
    let err = stderr(&out);
    // 5 good CSV rows and 2 TSV rows; the malformed row named by its line.
    assert!(err.contains("7 added"), "{err}");
    assert!(
        err.contains("malformed row: corpus/news.csv:7"),
        "the bad row is reported by line: {err}"
    );
    // Fields neither used nor mapped, listed once for the run.
    assert!(
        err.contains("ignored:  record fields author, category, section"),
        "{err}"
    );
    // One unreadable date, one warning line naming it, counted.
    assert!(err.contains("dates:    1 not understood"), "{err}");
    assert_eq!(err.matches("sometime last week").count(), 1, "{err}");

    // A multi-line quoted cell is searchable, by its second paragraph too.
    let q = query(dir.path(), "idx", "\"talks would resume\"", &[]);
    assert_eq!(hit_ids(&q), vec!["news#a1"]);
    let hit = &hits(&q)[0];
    assert_eq!(hit["title"], "Harbour Pilots Strike Over Night Shifts");
    assert_eq!(hit["date"], "2017-02-07");
    // Rows after the malformed one are indexed.
    assert_eq!(
        hit_ids(&query(dir.path(), "idx", "tram extension", &[])),
        vec!["news#a5"]
    );
    // Escaped quotes inside a quoted cell.
    assert_eq!(
        hit_ids(&query(dir.path(), "idx", "\"emergency credit\"", &[])),
        vec!["news#a3"]
    );
    let tsv = query(dir.path(), "idx", "hydropower", &[]);
    assert_eq!(hits(&tsv)[0]["date"], "2017-03-14");
    assert_eq!(hits(&tsv)[0]["title"], "Drought Cuts Hydropower Output");
}

#[test]
fn a_csv_with_a_bom_crlf_and_newlines_in_quotes() {
    let dir = TempDir::new().unwrap();
    let corpus = dir.path().join("corpus");
    std::fs::create_dir_all(&corpus).unwrap();
    let csv = "\u{feff}Title,Content,Published At\r\n\"Dam Inspection Finds Cracks\",\"Engineers found cracks in the spillway.\r\n\r\nRepairs will take a year.\",2019-6-3\r\n";
    std::fs::write(corpus.join("excel.csv"), csv).unwrap();
    index(dir.path(), &[]);
    let b = &parse_json(dir.path(), "corpus/excel.csv", &[])[0];
    assert_eq!(b["title"], "Dam Inspection Finds Cracks");
    assert_eq!(
        b["body"],
        serde_json::json!([
            "Engineers found cracks in the spillway.",
            "Repairs will take a year."
        ])
    );
    assert_eq!(b["date"], "2019-06-03");
    assert_eq!(b["id"], "excel#2");
    assert_eq!(
        hit_ids(&query(dir.path(), "idx", "spillway", &[])),
        vec!["excel#2"]
    );
}

#[test]
fn field_mapping_reads_other_columns_and_is_remembered() {
    let dir = TempDir::new().unwrap();
    let corpus = dir.path().join("corpus");
    write(
        &corpus,
        "feed.csv",
        "slug,hed,story_text,when\nk1,Salt Mine Reopens,The salt mine reopened after the flood.,12/31/2018\n",
    );
    // Without a mapping: `hed` and `story_text` are not known names.
    let out = index(dir.path(), &[]);
    let err = stderr(&out);
    assert!(
        err.contains("record fields hed, slug, story_text, when"),
        "{err}"
    );
    assert_eq!(code(&query(dir.path(), "idx", "flood", &[])), 1);
    // With one: the text is indexed, and the file is read again.
    let out = index(
        dir.path(),
        &[
            "--field",
            "title=hed",
            "--field",
            "body=story_text",
            "--field",
            "date=when",
            "--field",
            "id=slug",
        ],
    );
    assert!(!stderr(&out).contains("ignored"), "{}", stderr(&out));
    let q = query(dir.path(), "idx", "flood", &[]);
    assert_eq!(hit_ids(&q), vec!["feed#k1"]);
    assert_eq!(hits(&q)[0]["title"], "Salt Mine Reopens");
    assert_eq!(hits(&q)[0]["date"], "2018-12-31");
    // A later run without flags keeps the mappings: nothing is re-read or lost.
    let out = index(dir.path(), &[]);
    assert!(stderr(&out).contains("1 unchanged"), "{}", stderr(&out));
    assert_eq!(
        hit_ids(&query(dir.path(), "idx", "flood", &[])),
        vec!["feed#k1"]
    );
    // A bad mapping is refused up front with the valid names.
    let bad = briefs(
        dir.path(),
        &["index", "corpus", "--index", "idx", "--field", "footnote=x"],
    );
    assert_eq!(code(&bad), 2);
    assert!(stderr(&bad).contains("title"), "{}", stderr(&bad));
}

#[test]
fn json_records_with_text_and_other_common_names() {
    let dir = TempDir::new().unwrap();
    let corpus = dir.path().join("corpus");
    write(
        &corpus,
        "feed.jsonl",
        concat!(
            r#"{"guid":"g1","headline":"Lock Gates Replaced","text":"New lock gates were fitted on the canal.","published":1486425600,"outlet":"Canal News","tags":["canals"]}"#,
            "\n"
        ),
    );
    let out = index(dir.path(), &[]);
    assert!(
        stderr(&out).contains("ignored:  record fields tags"),
        "{}",
        stderr(&out)
    );
    let q = query(dir.path(), "idx", "canal gates", &[]);
    let hit = &hits(&q)[0];
    assert_eq!(hit["brief_id"], "feed#g1");
    assert_eq!(hit["section"], "body");
    assert_eq!(hit["date"], "2017-02-07");
    assert_eq!(hit["source"], "Canal News");
}

#[test]
fn saved_web_pages_give_the_article_without_the_page_around_it() {
    let dir = TempDir::new().unwrap();
    corpus_of(dir.path(), &["coastal-ledger.html", "wire-page.htm"]);
    index(dir.path(), &[]);
    let b = &parse_json(dir.path(), "corpus/coastal-ledger.html", &[])[0];
    assert_eq!(b["title"], "Dredging Resumes in Northern Channel");
    assert_eq!(b["date"], "2024-05-06");
    assert_eq!(b["source"], "The Coastal Ledger");
    assert_eq!(b["url"], "https://ledger.example/2024/05/dredging-resumes");
    assert_eq!(
        b["caption"],
        "A dredger working off the north pier at first light."
    );
    let q = query(dir.path(), "idx", "sediment disposal", &[]);
    assert_eq!(hit_ids(&q), vec!["coastal-ledger"]);
    // Navigation, scripts, styles, cookie banners, ads, share bars, related
    // boxes, newsletters, footers and bylines are not indexed.
    for junk in [
        "cookies",
        "dataLayer",
        "serif",
        "Advertisement",
        "Facebook",
        "Lighthouse",
        "newsletter",
        "rights reserved",
        "Sport",
        "Quayle",
        "seal pup",
        "comment",
        "delayed",
    ] {
        let out = query(dir.path(), "idx", junk, &[]);
        assert_eq!(code(&out), 1, "`{junk}` was indexed: {}", stdout(&out));
    }
    // A page without <h1> or <article>: og:title, the <time>, the paragraphs.
    let w = &parse_json(dir.path(), "corpus/wire-page.htm", &[])[0];
    assert_eq!(w["title"], "Copper Price Hits Six-Month High");
    assert_eq!(w["date"], "2017-03-15");
    assert_eq!(
        hit_ids(&query(dir.path(), "idx", "smelters", &[])),
        vec!["wire-page"]
    );
}

#[test]
fn a_brief_saved_as_html_has_the_sections_of_its_text_form() {
    let dir = TempDir::new().unwrap();
    corpus_of(
        dir.path(),
        &["andean-water-brief.html", "andean-water-brief.txt"],
    );
    let html = &parse_json(dir.path(), "corpus/andean-water-brief.html", &[])[0];
    let text = &parse_json(dir.path(), "corpus/andean-water-brief.txt", &[])[0];
    for field in [
        "title",
        "summary",
        "caption",
        "takeaways",
        "analysis",
        "body",
        "source",
    ] {
        assert_eq!(html[field], text[field], "{field}");
    }
    assert_eq!(html["takeaways"].as_array().unwrap().len(), 3);
    assert_eq!(html["source"], "China Daily Brief");
    assert_eq!(html["date"], "2026-03-14");
    index(dir.path(), &[]);
    let q = query(
        dir.path(),
        "idx",
        "takeaways:gauge",
        &["--section", "takeaway"],
    );
    // Both forms match, each by its first takeaway.
    assert_eq!(hit_ids(&q).len(), 2, "{}", stdout(&q));
    assert!(hits(&q).iter().all(|h| h["label"] == "Key Takeaway 1"));
}

#[test]
fn dates_in_every_common_form_and_one_warning_per_file() {
    let dir = TempDir::new().unwrap();
    let corpus = dir.path().join("corpus");
    let forms = [
        ("2017-2-7", "2017-02-07"),
        ("2017/2/7", "2017-02-07"),
        ("7 February 2017", "2017-02-07"),
        ("Feb. 7, 2017", "2017-02-07"),
        ("Tue, 07 Feb 2017 10:00:00 +0000", "2017-02-07"),
        ("2017-02-07T23:30:00-05:00", "2017-02-07"),
        ("25/12/2017", "2017-12-25"),
    ];
    let mut lines = String::new();
    for (i, (raw, _)) in forms.iter().enumerate() {
        lines.push_str(&format!(
            "{{\"id\":\"d{i}\",\"title\":\"Dated {i}\",\"date\":\"{raw}\"}}\n"
        ));
    }
    lines.push_str("{\"id\":\"epoch\",\"title\":\"Epoch\",\"date\":1486425600}\n");
    lines.push_str("{\"id\":\"amb1\",\"title\":\"Ambiguous\",\"date\":\"7/2/2017\"}\n");
    lines.push_str("{\"id\":\"amb2\",\"title\":\"Ambiguous too\",\"date\":\"3/4/2017\"}\n");
    write(&corpus, "dates.jsonl", &lines);
    let parsed = parse_json(dir.path(), "corpus/dates.jsonl", &[]);
    for (i, (raw, want)) in forms.iter().enumerate() {
        assert_eq!(parsed[i]["date"], *want, "{raw}");
    }
    assert_eq!(parsed[forms.len()]["date"], "2017-02-07");
    assert_eq!(parsed[forms.len() + 1]["date"], Value::Null);

    let out = index(dir.path(), &[]);
    let err = stderr(&out);
    assert!(err.contains("dates:    2 not understood"), "{err}");
    let warnings: Vec<&str> = err
        .lines()
        .filter(|l| l.contains("warning:") && l.contains("7/2/2017"))
        .collect();
    assert_eq!(warnings.len(), 1, "{err}");
    assert!(warnings[0].contains("--date-order"), "{err}");

    // With an order, the ambiguous ones are read, and the file is re-read.
    let out = index(dir.path(), &["--date-order", "dmy"]);
    assert!(!stderr(&out).contains("not understood"), "{}", stderr(&out));
    let amb = parse_json(dir.path(), "corpus/dates.jsonl", &["--date-order", "mdy"]);
    assert_eq!(amb[forms.len() + 1]["date"], "2017-07-02");
    let q = query(dir.path(), "idx", "title:ambiguous", &[]);
    let mut dates: Vec<String> = hits(&q)
        .iter()
        .map(|h| h["date"].as_str().unwrap().to_string())
        .collect();
    dates.sort();
    assert_eq!(dates, vec!["2017-02-07", "2017-04-03"]);
}

#[test]
fn latin1_and_utf16_files_are_decoded_with_a_note() {
    let dir = TempDir::new().unwrap();
    let corpus = dir.path().join("corpus");
    std::fs::create_dir_all(&corpus).unwrap();
    std::fs::write(
        corpus.join("latin.txt"),
        b"Jazz Festival Returns\n\nThe festival returns to Montr\xe9al in July, tickets at \xa345.\n",
    )
    .unwrap();
    let mut utf16 = vec![0xFF, 0xFE];
    for unit in "Ferry Timetable Changes\n\nThe ferry to Sk\u{e4}rg\u{e5}rden sails hourly.\n"
        .encode_utf16()
    {
        utf16.extend_from_slice(&unit.to_le_bytes());
    }
    std::fs::write(corpus.join("wide.txt"), utf16).unwrap();
    let out = index(dir.path(), &[]);
    let err = stderr(&out);
    assert_eq!(
        err.lines()
            .filter(|l| l.contains("latin.txt") && l.contains("Windows-1252"))
            .count(),
        1,
        "{err}"
    );
    assert!(err.contains("wide.txt: note: read as UTF-16LE"), "{err}");
    for q in ["montréal", "montreal", "Montréal"] {
        let out = query(dir.path(), "idx", q, &[]);
        assert_eq!(hit_ids(&out), vec!["latin"], "{q}");
    }
    let hit = &hits(&query(dir.path(), "idx", "montreal", &[]))[0];
    assert!(hit["text"]
        .as_str()
        .unwrap()
        .contains("Montréal in July, tickets at £45."));
    assert_eq!(hit["title"], "Jazz Festival Returns");
    assert_eq!(
        hit_ids(&query(dir.path(), "idx", "skargarden", &[])),
        vec!["wide"]
    );
}

#[test]
fn a_plain_story_whose_first_line_is_a_headline_gets_it_as_title() {
    let dir = TempDir::new().unwrap();
    let corpus = dir.path().join("corpus");
    write(
        &corpus,
        "business/001.txt",
        "Ad sales boost media group profit\n\nQuarterly profits at the media group rose by a tenth in the three months to December.\n\nThe group said advertising revenue grew in every region.\n",
    );
    write(
        &corpus,
        "business/002.txt",
        "Profits rose at the media group in the three months to December, it said.\n\nAdvertising grew.\n",
    );
    index(dir.path(), &[]);
    let q = query(dir.path(), "idx", "advertising", &["--limit", "5"]);
    let titles: Vec<(String, Value)> = hits(&q)
        .iter()
        .map(|h| {
            (
                h["brief_id"].as_str().unwrap().to_string(),
                h["title"].clone(),
            )
        })
        .collect();
    assert!(
        titles.contains(&(
            "business/001".to_string(),
            Value::from("Ad sales boost media group profit")
        )),
        "{titles:?}"
    );
    assert!(
        titles.contains(&("business/002".to_string(), Value::Null)),
        "a first line that is a sentence is no title: {titles:?}"
    );
    let h = hits(&query(dir.path(), "idx", "title:boost", &[]));
    assert_eq!(h[0]["label"], "Title");
}

#[test]
fn show_of_a_deleted_brief_does_not_suggest_itself() {
    let dir = TempDir::new().unwrap();
    let corpus = dir.path().join("corpus");
    write(
        &corpus,
        "2025-03-22-strait-drills.txt",
        "Strait Drills\n\nNaval drills began in the strait.\n",
    );
    write(
        &corpus,
        "2025-03-23-strait-drills-end.txt",
        "Strait Drills End\n\nThe drills ended.\n",
    );
    index(dir.path(), &[]);
    std::fs::remove_file(corpus.join("2025-03-22-strait-drills.txt")).unwrap();
    index(dir.path(), &[]);
    let show = briefs(
        dir.path(),
        &["show", "2025-03-22-strait-drills", "--index", "idx"],
    );
    assert_eq!(code(&show), 1);
    let err = stderr(&show);
    assert!(
        err.contains("no brief with id `2025-03-22-strait-drills`"),
        "{err}"
    );
    assert!(
        !err.contains("did you mean 2025-03-22-strait-drills"),
        "{err}"
    );
    // A live brief whose id holds the words is still suggested.
    let show = briefs(dir.path(), &["show", "strait-drills", "--index", "idx"]);
    let err = stderr(&show);
    assert!(
        err.contains("did you mean 2025-03-23-strait-drills-end?"),
        "{err}"
    );
}
