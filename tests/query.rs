//! `briefs query`, `show` and `parse` through the real binary and `--json`.

mod common;

use common::*;
use serde_json::Value;
use tempfile::TempDir;

/// A temp folder holding the small corpus, indexed into `idx/`.
fn indexed() -> TempDir {
    let dir = TempDir::new().unwrap();
    small_corpus(&dir.path().join("corpus"));
    let out = briefs(dir.path(), &["index", "corpus", "--index", "idx"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    dir
}

fn highlighted(hit: &Value) -> Vec<String> {
    let snippet = hit["snippet"].as_str().unwrap();
    hit["highlights"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let (a, b) = (
                r[0].as_u64().unwrap() as usize,
                r[1].as_u64().unwrap() as usize,
            );
            assert!(snippet.is_char_boundary(a) && snippet.is_char_boundary(b));
            snippet[a..b].to_string()
        })
        .collect()
}

#[test]
fn json_hits_follow_the_contract() {
    let dir = indexed();
    let out = query(dir.path(), "idx", "missiles", &[]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let hits = hits(&out);
    assert!(!hits.is_empty());
    for (i, hit) in hits.iter().enumerate() {
        assert_eq!(hit["rank"], i + 1);
        for key in [
            "score",
            "brief_id",
            "path",
            "title",
            "source",
            "date",
            "section",
            "ordinal",
            "label",
            "text",
            "snippet",
            "highlights",
            "actors",
            "more",
        ] {
            assert!(hit.get(key).is_some(), "missing {key} in {hit}");
        }
        assert!(hit["path"].as_str().unwrap().starts_with("corpus/"));
        for word in highlighted(hit) {
            assert!(word.to_lowercase().starts_with("missile"), "{word}");
        }
    }
    let first = &hits[0];
    assert_eq!(first["section"], "takeaway");
    assert_eq!(first["label"], format!("Key Takeaway {}", first["ordinal"]));
    let summary = summary(&out);
    assert_eq!(summary["passages"], 3);
    assert_eq!(summary["briefs"], 2);
    assert!(summary["elapsed_ms"].as_f64().unwrap() >= 0.0);
}

#[test]
fn a_phrase_is_highlighted_whole_and_its_stray_words_are_not() {
    let dir = indexed();
    let out = query(
        dir.path(),
        "idx",
        "\"nuclear talks\"",
        &["--per-brief", "0"],
    );
    let hits = hits(&out);
    // Title, takeaway 1 and body 1 of the Muscat brief hold the phrase.
    assert_eq!(hits.len(), 3, "{hits:?}");
    for hit in &hits {
        let words = highlighted(hit);
        assert!(!words.is_empty());
        for w in words {
            assert_eq!(w.to_lowercase(), "nuclear talks");
        }
    }
    // The lede says "nuclear" without "talks" next to it: not a hit.
    let stray = query(dir.path(), "idx", "\"nuclear programme\"", &[]);
    assert_eq!(code(&stray), 1);
}

#[test]
fn section_fields_and_section_filter() {
    let dir = indexed();
    let out = query(dir.path(), "idx", "takeaways:missiles", &[]);
    let found = hits(&out);
    assert_eq!(found.len(), 2);
    assert!(found.iter().all(|h| h["section"] == "takeaway"));

    let out = query(dir.path(), "idx", "missiles", &["--section", "body"]);
    let found = hits(&out);
    assert!(!found.is_empty());
    assert!(found.iter().all(|h| h["section"] == "body"));

    let bad = query(dir.path(), "idx", "missiles", &["--section", "footnotes"]);
    assert_eq!(code(&bad), 2);
    assert!(stderr(&bad).contains("takeaway"));
}

#[test]
fn boolean_syntax_and_words_all_required() {
    let dir = indexed();
    let both = hits(&query(
        dir.path(),
        "idx",
        "missiles Tehran",
        &["--per-brief", "0"],
    ));
    assert_eq!(both.len(), 2, "{both:?}");
    for hit in &both {
        let words = highlighted(hit).join(" ").to_lowercase();
        assert!(
            words.contains("missile") && words.contains("tehran"),
            "all words must match: {hit}"
        );
    }
    let one = hits(&query(
        dir.path(),
        "idx",
        "missiles Houthi",
        &["--per-brief", "0"],
    ));
    assert_eq!(one.len(), 1, "{one:?}");
    let either = summary(&query(dir.path(), "idx", "convoys OR enrichment", &[]));
    assert_eq!(either["briefs"], 2);
    let excluded = hits(&query(
        dir.path(),
        "idx",
        "missiles -Houthi",
        &["--per-brief", "0"],
    ));
    assert!(excluded
        .iter()
        .all(|h| !h["text"].as_str().unwrap().contains("Houthi")));
    let sloppy = hits(&query(
        dir.path(),
        "idx",
        "\"missile limits agenda\"~3",
        &[],
    ));
    assert_eq!(sloppy.len(), 1);
    let possessive = hits(&query(dir.path(), "idx", "other's patience", &[]));
    assert_eq!(possessive.len(), 1);
}

#[test]
fn paging_and_per_brief_cap() {
    let dir = indexed();
    let all = hits(&query(
        dir.path(),
        "idx",
        "the",
        &["--per-brief", "0", "--limit", "100"],
    ));
    let page1 = hits(&query(
        dir.path(),
        "idx",
        "the",
        &["--per-brief", "0", "--limit", "3"],
    ));
    let page2 = hits(&query(
        dir.path(),
        "idx",
        "the",
        &["--per-brief", "0", "--limit", "3", "--offset", "3"],
    ));
    assert_eq!(page1.len(), 3);
    assert_eq!(page2[0]["rank"], 4);
    let ids = |h: &[Value]| h.iter().map(|x| x["text"].clone()).collect::<Vec<_>>();
    assert_eq!(ids(&all)[..6], [ids(&page1), ids(&page2)].concat()[..]);

    let capped = hits(&query(
        dir.path(),
        "idx",
        "the",
        &["--per-brief", "1", "--limit", "100"],
    ));
    let mut briefs: Vec<&str> = capped
        .iter()
        .map(|h| h["brief_id"].as_str().unwrap())
        .collect();
    let n = briefs.len();
    briefs.dedup();
    assert_eq!(briefs.len(), n, "one passage a brief");
    // Counts are of everything matched, not of the page.
    let s = summary(&query(
        dir.path(),
        "idx",
        "the",
        &["--per-brief", "1", "--limit", "1"],
    ));
    assert_eq!(s["passages"].as_u64().unwrap() as usize, all.len());
}

#[test]
fn words_together_outrank_words_scattered() {
    let dir = TempDir::new().unwrap();
    let corpus = dir.path().join("c");
    // Same words, same passage length; together in one, scattered in the other.
    write(
        &corpus,
        "a.txt",
        &Fixture {
            title: "Ministers Meet in Lisbon",
            lede: "A short lede about the meeting in Lisbon.",
            caption: None,
            takeaways: &["Officials in several capitals worried that allies would launch strikes while military planners argued over unilateral options."],
            analysis: None,
            body: &["Nothing else of note was said."],
        }
        .render(),
    );
    write(
        &corpus,
        "b.txt",
        &Fixture {
            title: "Ministers Meet in Oslo",
            lede: "A short lede about the meeting in Oslo.",
            caption: None,
            takeaways: &["Officials in several capitals worried that allies would launch unilateral military strikes while planners argued over other options."],
            analysis: None,
            body: &["Nothing else of note was said."],
        }
        .render(),
    );
    assert_eq!(
        code(&briefs(dir.path(), &["index", "c", "--index", "i"])),
        0
    );
    let hits = hits(&query(dir.path(), "i", "unilateral military strikes", &[]));
    assert_eq!(hits.len(), 2);
    assert_eq!(hits[0]["brief_id"], "b", "{hits:?}");
    assert!(hits[0]["score"].as_f64() > hits[1]["score"].as_f64());
    assert_eq!(
        highlighted(&hits[0]),
        vec!["unilateral", "military", "strikes"]
    );
}

#[test]
fn a_matching_title_lifts_its_brief() {
    let dir = TempDir::new().unwrap();
    let corpus = dir.path().join("c");
    let body = "Port officials said the grain corridor reopened on Monday after talks.";
    for (name, title) in [
        ("plain", "Weekly Shipping Notes"),
        ("titled", "Grain Corridor Weekly Notes"),
    ] {
        write(
            &corpus,
            &format!("{name}.txt"),
            &Fixture {
                title,
                lede: "A lede that does not mention the subject at all.",
                caption: None,
                takeaways: &[],
                analysis: None,
                body: &[body],
            }
            .render(),
        );
    }
    assert_eq!(
        code(&briefs(dir.path(), &["index", "c", "--index", "i"])),
        0
    );
    let hits = hits(&query(dir.path(), "i", "grain corridor", &[]));
    let ids: Vec<&str> = hits
        .iter()
        .map(|h| h["brief_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec!["titled", "titled", "plain"]);
    // The same body paragraph ranks higher in the brief whose title names
    // the subject.
    let body_score = |id: &str| {
        hits.iter()
            .find(|h| h["brief_id"] == id && h["section"] == "body")
            .and_then(|h| h["score"].as_f64())
            .unwrap()
    };
    assert!(body_score("titled") > body_score("plain"));
}

#[test]
fn errors_are_one_line_with_exit_status_2() {
    let dir = indexed();
    let no_index = briefs(dir.path(), &["query", "talks", "--index", "nowhere"]);
    assert_eq!(code(&no_index), 2);
    assert_eq!(
        stderr(&no_index).trim(),
        "briefs: no index at nowhere/: run `briefs index` first"
    );

    let syntax = query(dir.path(), "idx", "\"nuclear talks", &[]);
    assert_eq!(code(&syntax), 2);
    let message = stderr(&syntax);
    assert_eq!(message.trim().lines().count(), 1, "{message}");
    assert!(
        message.contains("column 15") && message.contains("close the quote"),
        "{message}"
    );

    // A word that is no field is text (tests/time.rs); a near miss of a
    // field name is an error that names the fields.
    let field = query(dir.path(), "idx", "tittle:talks", &[]);
    assert_eq!(code(&field), 2);
    let message = stderr(&field);
    assert!(message.contains("unknown field `tittle:`"), "{message}");
    for name in [
        "title",
        "summary",
        "caption",
        "takeaways",
        "analysis",
        "body",
    ] {
        assert!(message.contains(name), "{message}");
    }

    let negative = query(dir.path(), "idx", "-missiles", &[]);
    assert_eq!(code(&negative), 2);
    assert!(stderr(&negative).contains("only excludes"));
}

#[test]
fn no_results_exit_1_with_a_friendly_line() {
    let dir = indexed();
    let out = query(dir.path(), "idx", "zeppelin", &[]);
    assert_eq!(code(&out), 1);
    assert!(hits(&out).is_empty());
    assert_eq!(summary(&out)["passages"], 0);
    assert!(stderr(&out).contains("no passages match"));
    let text = briefs(dir.path(), &["query", "zeppelin", "--index", "idx"]);
    assert_eq!(code(&text), 1);
}

#[test]
fn text_output_names_rank_title_label_and_path() {
    let dir = indexed();
    let out = briefs(dir.path(), &["query", "convoys", "--index", "idx"]);
    assert_eq!(code(&out), 0);
    let text = stdout(&out);
    assert!(
        text.contains("1. Shipping Lines Weigh Convoys Through the Red Sea · "),
        "{text}"
    );
    assert!(
        text.contains("2. Shipping Lines Weigh Convoys Through the Red Sea · "),
        "{text}"
    );
    assert!(text.contains(" · Title · 2026-04-11"), "{text}");
    assert!(text.contains("corpus/2026-04-11-red-sea-convoys.txt"));
    assert!(text.contains("Body ¶1"));
    assert!(!text.contains('\x1b'), "no colour when piped");
    assert!(text
        .trim_end()
        .lines()
        .last()
        .unwrap()
        .contains("passages in 1 brief"));
}

#[test]
fn a_fresh_checkout_builds_its_index_on_first_query() {
    let dir = TempDir::new().unwrap();
    small_corpus(&dir.path().join("corpus"));
    let out = briefs(dir.path(), &["query", "convoys", "--json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stderr(&out).contains("no index at index/: building it from corpus/ first"));
    assert!(dir.path().join("index/CURRENT").is_file());
    let again = briefs(dir.path(), &["query", "convoys", "--json"]);
    assert!(!stderr(&again).contains("building"));
}

#[test]
fn show_prints_the_brief_as_indexed() {
    let dir = indexed();
    let out = briefs(
        dir.path(),
        &[
            "show",
            "2026-03-02-muscat-round",
            "--index",
            "idx",
            "--json",
        ],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let brief = &json_lines(&out)[0];
    assert_eq!(brief["id"], "2026-03-02-muscat-round");
    assert_eq!(brief["takeaways"].as_array().unwrap().len(), 3);
    assert_eq!(
        brief["takeaways"][0],
        "The U.S.–Iran nuclear talks resumed after a six-week pause."
    );
    assert_eq!(brief["date"], "2026-03-02");
    assert_eq!(brief["source"], "China Daily Brief");

    let text = briefs(
        dir.path(),
        &["show", "europe/2026-05-20-baltic-cables", "--index", "idx"],
    );
    let text = stdout(&text);
    assert!(text.starts_with("Baltic Navies Patrol Undersea Cables"));
    let order: Vec<usize> = [
        "[Summary]",
        "[Key Takeaway 1]",
        "[Strategic Analysis]",
        "[Body ¶1]",
    ]
    .iter()
    .map(|l| {
        text.find(l)
            .unwrap_or_else(|| panic!("{l} missing in {text}"))
    })
    .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]));

    let missing = briefs(dir.path(), &["show", "muscat", "--index", "idx"]);
    assert_eq!(code(&missing), 1);
    assert!(stderr(&missing).contains("did you mean 2026-03-02-muscat-round"));
}

#[test]
fn parse_prints_the_parsers_view() {
    let dir = TempDir::new().unwrap();
    small_corpus(dir.path());
    let out = briefs(
        dir.path(),
        &["parse", "2026-03-02-muscat-round.txt", "--json"],
    );
    assert_eq!(code(&out), 0);
    let brief = &json_lines(&out)[0];
    for key in [
        "id",
        "path",
        "title",
        "summary",
        "caption",
        "takeaways",
        "analysis",
        "body",
        "source",
        "date",
        "url",
        "actors",
    ] {
        assert!(brief.get(key).is_some(), "missing {key}");
    }
    assert_eq!(
        brief["caption"],
        "Delegation cars outside a guest palace in Muscat."
    );
    assert_eq!(brief["body"].as_array().unwrap().len(), 2);
    assert_eq!(brief["url"], Value::Null);

    write(dir.path(), "empty.txt", "");
    let empty = briefs(dir.path(), &["parse", "empty.txt", "--json"]);
    assert_eq!(code(&empty), 1);
    assert!(stderr(&empty).contains("empty file"));

    let missing = briefs(dir.path(), &["parse", "nope.txt"]);
    assert_eq!(code(&missing), 2);
    assert!(stderr(&missing).contains("nope.txt"));
}

#[test]
fn passages_of_many_matching_briefs_are_estimated_and_said_so_unless_exact_counts() {
    let dir = TempDir::new().unwrap();
    // 1,000 briefs, each with the word in one, two or three paragraphs.
    let mut lines = String::new();
    let mut total = 0;
    for i in 0..1000 {
        let with = i % 3 + 1;
        total += with;
        let mut paragraphs = Vec::new();
        for p in 0..4 {
            paragraphs.push(match p < with {
                true => format!("Paragraph {p} of note {i} is about a tariff on steel."),
                false => format!("Paragraph {p} of note {i} is about something else."),
            });
        }
        let record = serde_json::json!({
            "id": format!("note-{i}"),
            "title": format!("Note {i}"),
            "body": paragraphs.join("\n\n"),
        });
        lines.push_str(&record.to_string());
        lines.push('\n');
    }
    write(&dir.path().join("c"), "notes.jsonl", &lines);
    let out = briefs(dir.path(), &["index", "c", "--index", "i"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));

    let exact = query(dir.path(), "i", "tariff", &["--exact-counts"]);
    let counted = summary(&exact);
    assert_eq!(counted["briefs"], 1000);
    assert_eq!(counted["passages"], total);
    assert_eq!(counted["exact"], true);

    let estimated = query(dir.path(), "i", "tariff", &[]);
    let about = summary(&estimated);
    assert_eq!(about["briefs"], 1000, "briefs are always counted");
    assert_eq!(about["exact"], false);
    let n = about["passages"].as_u64().unwrap();
    assert!(n.abs_diff(total) * 20 <= total, "{n} against {total}");
    assert_eq!(n % 10, 0, "two significant digits: {n}");
    // The hits are the same either way.
    assert_eq!(hits(&exact), hits(&estimated));
    // Text output says the count is an estimate.
    let text = briefs(dir.path(), &["query", "tariff", "--index", "i"]);
    assert!(
        stdout(&text).contains(&format!("about {n} passages in 1000 briefs")),
        "{}",
        stdout(&text)
    );
    // Few matching briefs are always counted exactly.
    let few = summary(&query(dir.path(), "i", "tariff \"note 7\"", &[]));
    assert_eq!(few["exact"], true);
}

/// An archive of title-and-body records has no takeaways, summary, caption
/// or analysis: a field query on one of those matches nothing, and the
/// rest of the query is answered as before (those sections are left out of
/// the search, as no postings exist to open for them).
#[test]
fn sections_no_brief_has_match_nothing() {
    let dir = TempDir::new().unwrap();
    let lines = [
        r#"{"id":"a","title":"Missile talks resume","body":"Envoys met on missiles.\n\nThe talks went on."}"#,
        r#"{"id":"b","title":"Grain harvest","body":"Wheat prices fell.\n\nMissiles were not discussed."}"#,
    ]
    .join("\n");
    write(&dir.path().join("c"), "records.jsonl", &lines);
    let out = briefs(dir.path(), &["index", "c", "--index", "i"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));

    let none = query(dir.path(), "i", "takeaways:missiles", &[]);
    assert_eq!(code(&none), 1, "{}", stdout(&none));
    assert_eq!(summary(&none)["briefs"], 0);
    let none = query(dir.path(), "i", "missiles", &["--section", "analysis"]);
    assert_eq!(code(&none), 1, "{}", stdout(&none));

    let either = hits(&query(
        dir.path(),
        "i",
        "takeaways:missiles OR title:missile",
        &[],
    ));
    assert_eq!(either.len(), 1, "{either:?}");
    assert_eq!(either[0]["brief_id"], "records#a");
    // Excluding a word from a section no brief has excludes nothing.
    let kept = query(
        dir.path(),
        "i",
        "missiles -takeaways:talks",
        &["--per-brief", "1"],
    );
    assert_eq!(summary(&kept)["briefs"], 2, "{}", stdout(&kept));
    // Searching those sections with others still searches the others.
    let some = query(
        dir.path(),
        "i",
        "wheat",
        &["--section", "takeaway", "--section", "body"],
    );
    assert_eq!(hits(&some).len(), 1);
}

/// Each indexing run records the passages per section of every segment of
/// the index it leaves, so that a query process does not sum them brief by
/// brief: the record is what queries read, and only a cache (a query
/// without it, or with a broken one, answers the same), and an incremental
/// run records the segments it leaves, not the ones merged away.
#[test]
fn passage_counts_are_recorded_per_segment_and_only_a_cache() {
    let dir = indexed();
    let idx = dir.path().join("idx");
    let segments = |idx: &std::path::Path| -> Vec<String> {
        let meta: Value =
            serde_json::from_slice(&std::fs::read(generation(idx).join("meta.json")).unwrap())
                .unwrap();
        let mut ids: Vec<String> = meta["segments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["segment_id"].as_str().unwrap().replace('-', ""))
            .collect();
        ids.sort();
        ids
    };
    let record_path = |idx: &std::path::Path| generation(idx).join("briefs-passages.json");
    let recorded = |idx: &std::path::Path| -> serde_json::Map<String, Value> {
        serde_json::from_slice(&std::fs::read(record_path(idx)).unwrap()).unwrap()
    };
    let record = recorded(&idx);
    let mut ids: Vec<String> = record.keys().cloned().collect();
    ids.sort();
    assert_eq!(ids, segments(&idx));

    let ask = || {
        hits(&query(
            dir.path(),
            "idx",
            "missiles",
            &["--explain", "--per-brief", "0"],
        ))
    };
    let with = ask();
    assert!(!with.is_empty());
    std::fs::remove_file(record_path(&idx)).unwrap();
    assert_eq!(ask(), with, "without the record");
    std::fs::write(record_path(&idx), "not json").unwrap();
    assert_eq!(ask(), with, "with a broken record");
    // A record that says every segment has a thousand times the body
    // paragraphs it has: body passages now look long beside their average,
    // and score lower.
    let mut inflated = record.clone();
    for sums in inflated.values_mut() {
        let body = sums[5].as_u64().unwrap();
        sums[5] = (body * 1000).into();
    }
    std::fs::write(record_path(&idx), serde_json::to_vec(&inflated).unwrap()).unwrap();
    assert_ne!(ask(), with, "the record is what queries read");

    // An incremental run: a new file, a new segment (merged or not).
    write(
        &dir.path().join("corpus"),
        "extra.md",
        "# Missile Tests Resume\n\nAnother missile test was reported on Monday.\n",
    );
    let out = briefs(dir.path(), &["index", "corpus", "--index", "idx"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let mut ids: Vec<String> = recorded(&idx).keys().cloned().collect();
    ids.sort();
    assert_eq!(ids, segments(&idx));
}
