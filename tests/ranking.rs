//! Ranking through the real binary: briefs match and rank as a whole, their
//! passages are chosen and ordered within them, and `--explain` says why.

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

fn ids(hits: &[Value]) -> Vec<String> {
    hits.iter()
        .map(|h| h["brief_id"].as_str().unwrap().to_string())
        .collect()
}

fn labels(hits: &[Value]) -> Vec<String> {
    hits.iter()
        .map(|h| h["label"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn words_in_different_sections_match_the_brief_and_show_the_passages_that_cover_them() {
    let dir = indexed();
    // "Envoys" is only in the title, "Saturday" only in the first body
    // paragraph: no single passage holds both.
    let out = query(dir.path(), "idx", "envoys saturday", &[]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let hits = hits(&out);
    assert_eq!(ids(&hits), vec!["2026-03-02-muscat-round"; 2]);
    let mut shown = labels(&hits);
    shown.sort();
    assert_eq!(shown, vec!["Body ¶1", "Title"]);
    let summary = summary(&out);
    assert_eq!(summary["briefs"], 1);
    assert_eq!(summary["passages"], 2);
}

#[test]
fn field_scopes_combine_across_sections() {
    let dir = indexed();
    let both = hits(&query(dir.path(), "idx", "title:envoys body:saturday", &[]));
    assert_eq!(labels(&both).len(), 2);
    assert!(ids(&both).iter().all(|id| id == "2026-03-02-muscat-round"));
    // A field scope is kept: "saturday" is not in any title.
    let out = query(dir.path(), "idx", "title:envoys title:saturday", &[]);
    assert_eq!(code(&out), 1);
    // Two section scopes of takeaways and analysis in one brief.
    let out = query(
        dir.path(),
        "idx",
        "takeaways:missiles analysis:channel",
        &[],
    );
    let hits = hits(&out);
    let mut shown = labels(&hits);
    shown.sort();
    assert_eq!(shown, vec!["Key Takeaway 2", "Strategic Analysis"]);
}

#[test]
fn an_excluded_word_anywhere_excludes_the_brief() {
    let dir = indexed();
    let all = summary(&query(dir.path(), "idx", "missiles", &[]));
    assert_eq!(all["briefs"], 2);
    // Israel is named only in the Muscat brief's third takeaway, not in the
    // passages that hold "missiles".
    let out = query(dir.path(), "idx", "missiles -Israel", &[]);
    assert_eq!(ids(&hits(&out)), vec!["2026-04-11-red-sea-convoys"]);
}

#[test]
fn phrases_match_within_one_passage_only() {
    let dir = indexed();
    let out = query(dir.path(), "idx", r#""talks resumed""#, &[]);
    assert_eq!(labels(&hits(&out)), vec!["Key Takeaway 1"]);
    // The last word of takeaway 1 and the first of takeaway 2 are neighbours
    // in the text, but in two passages: no phrase, however sloppy, spans them.
    for q in [
        r#""pause tehran""#,
        r#""pause tehran"~5"#,
        r#""pause refused"~3"#,
    ] {
        let out = query(dir.path(), "idx", q, &[]);
        assert_eq!(code(&out), 1, "{q}: {}", stdout(&out));
    }
}

#[test]
fn section_option_searches_and_shows_only_those_sections() {
    let dir = indexed();
    let out = query(dir.path(), "idx", "missiles", &["--section", "body"]);
    let hits = hits(&out);
    assert_eq!(labels(&hits), vec!["Body ¶2"]);
    // "envoys" is in a title only.
    let out = query(dir.path(), "idx", "envoys saturday", &["--section", "body"]);
    assert_eq!(code(&out), 1);
}

fn write_briefs(corpus: &std::path::Path) {
    // A brief about the grain corridor, and one about something else that
    // mentions it once, in a short sentence.
    write(
        corpus,
        "about.txt",
        &Fixture {
            title: "Grain Corridor Reopens After Port Talks",
            lede: "Ships loaded with wheat left Odesa as the grain corridor reopened under a new inspection regime.",
            caption: None,
            takeaways: &[
                "The grain corridor carried its first convoy in six weeks.",
                "Insurers cut premiums for ships using the corridor.",
            ],
            analysis: Some("Keeping the grain corridor open matters more to importers than any single shipment."),
            body: &[
                "Port officials said the corridor would run daily inspections of every vessel.",
                "Grain traders expect exports through the corridor to double by spring.",
            ],
        }
        .render(),
    );
    write(
        corpus,
        "incidental.txt",
        &Fixture {
            title: "Central Bank Holds Rates as Inflation Eases",
            lede: "The bank kept its key rate unchanged and signalled patience on cuts.",
            caption: None,
            takeaways: &[
                "Inflation slowed for a third month.",
                "The grain corridor was mentioned once.",
            ],
            analysis: Some("Markets now price the first cut for the summer."),
            body: &[
                "The governor said wage growth remains the main risk to the outlook.",
                "Bond yields fell after the decision.",
            ],
        }
        .render(),
    );
}

#[test]
fn a_brief_about_the_query_leads_an_incidental_mention() {
    let dir = TempDir::new().unwrap();
    write_briefs(&dir.path().join("c"));
    assert_eq!(
        code(&briefs(dir.path(), &["index", "c", "--index", "i"])),
        0
    );
    let out = query(dir.path(), "i", "grain corridor", &["--per-brief", "3"]);
    let hits = hits(&out);
    let order = ids(&hits);
    // The incidental sentence is short and holds both words together, which
    // would put it first if passages were ranked alone.
    let incidental = order.iter().position(|id| id == "incidental").unwrap();
    assert_eq!(&order[..3], &["about", "about", "about"], "{order:?}");
    assert_eq!(incidental, 3, "{order:?}");
    // Seven of its passages match: three are shown.
    assert_eq!(hits[0]["more"].as_u64().unwrap(), 4, "{:?}", hits[0]);
    // Ranks are consecutive and scores do not rise.
    for pair in hits.windows(2) {
        assert!(pair[0]["score"].as_f64() >= pair[1]["score"].as_f64());
    }
    // One passage a brief: briefs in brief order.
    let one = hits_of(&query(
        dir.path(),
        "i",
        "grain corridor",
        &["--per-brief", "1"],
    ));
    assert_eq!(ids(&one), vec!["about", "incidental"]);
    // No cap: every matching passage of the brief is reachable.
    let all = hits_of(&query(
        dir.path(),
        "i",
        "grain corridor",
        &["--per-brief", "0", "--limit", "50"],
    ));
    let summary = summary(&query(dir.path(), "i", "grain corridor", &[]));
    assert_eq!(all.len() as u64, summary["passages"].as_u64().unwrap());
    assert!(all.iter().all(|h| h["more"] == 0));
}

fn hits_of(out: &std::process::Output) -> Vec<Value> {
    hits(out)
}

#[test]
fn explain_gives_both_scores_and_their_terms() {
    let dir = TempDir::new().unwrap();
    write_briefs(&dir.path().join("c"));
    assert_eq!(
        code(&briefs(dir.path(), &["index", "c", "--index", "i"])),
        0
    );
    let out = query(dir.path(), "i", "grain corridor", &["--explain"]);
    let hits = hits(&out);
    for hit in &hits {
        let explain = &hit["explain"];
        let brief = explain["brief_score"].as_f64().unwrap();
        let passage = explain["passage_score"].as_f64().unwrap();
        let best = explain["best_passage_score"].as_f64().unwrap();
        let terms = explain["passage_terms"].as_array().unwrap();
        let sum: f64 = terms.iter().map(|t| t["score"].as_f64().unwrap()).sum();
        assert!((sum - passage).abs() < 1e-3, "{explain}");
        let score = hit["score"].as_f64().unwrap();
        assert!((score - brief * (0.5 + 0.5 * passage / best)).abs() < 1e-3);
        let words: Vec<&str> = explain["brief_terms"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["what"].as_str().unwrap())
            .collect();
        assert!(
            words.contains(&"grain") && words.contains(&"corridor"),
            "{words:?}"
        );
        // The brief's parts add up to its score: nothing is left out.
        let parts: f64 = explain["brief_terms"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["score"].as_f64().unwrap())
            .sum();
        assert!((parts - brief).abs() < 1e-3 * brief, "{explain}");
        assert!(terms.iter().all(|t| t["section"] == hit["section"]));
    }
    let about = &hits[0]["explain"]["brief_terms"];
    let grain = about
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["what"] == "grain")
        .unwrap();
    assert!(
        grain["section"].as_str().unwrap().contains("title"),
        "{grain}"
    );
    // A word of the title also scores by itself among titles, once.
    let lifts: Vec<&Value> = about
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["what"] == "title-lift:grain")
        .collect();
    assert_eq!(lifts.len(), 1, "{about}");
    assert_eq!(lifts[0]["section"], "title");
    assert!(lifts[0]["score"].as_f64().unwrap() > 0.0);
    // Where titles are not searched, nothing is lifted by them.
    let body = hits_of(&query(
        dir.path(),
        "i",
        "grain corridor",
        &["--explain", "--section", "body"],
    ));
    assert!(!body.is_empty());
    for hit in &body {
        let terms = hit["explain"]["brief_terms"].as_array().unwrap();
        assert!(
            terms
                .iter()
                .all(|t| !t["what"].as_str().unwrap().starts_with("title-lift")),
            "{terms:?}"
        );
    }
    // Without --explain there is no explain field; text mode says why.
    let plain = hits_of(&query(dir.path(), "i", "grain corridor", &[]));
    assert!(plain[0].get("explain").is_none());
    let text = briefs(
        dir.path(),
        &["query", "grain corridor", "--index", "i", "--explain"],
    );
    assert!(
        stdout(&text).contains("why: brief #1 scores"),
        "{}",
        stdout(&text)
    );
}

#[test]
fn pages_agree_with_each_other_when_proximity_is_asked_lazily() {
    // The second brief's words stand near each other many times over (a
    // three-word phrase with slop, which tantivy counts by its last word):
    // it must lead whatever page is asked, as it does when every brief's
    // proximity is computed.
    let dir = TempDir::new().unwrap();
    write(
        &dir.path().join("c"),
        "notes.jsonl",
        concat!(
            r#"{"id":"one","title":"Filler one","body":"alpha beta gamma","date":"1987-04-03"}"#,
            "\n",
            r#"{"id":"two","title":"Target","body":"gamma beta gamma beta alpha beta gamma beta gamma beta gamma","date":"1987-04-03"}"#,
            "\n"
        ),
    );
    assert_eq!(
        code(&briefs(dir.path(), &["index", "c", "--index", "i"])),
        0
    );
    let page = |extra: &[&str]| {
        let mut args = vec!["--per-brief", "1"];
        args.extend_from_slice(extra);
        ids(&hits(&query(dir.path(), "i", "alpha beta gamma", &args)))
    };
    let both = page(&["--limit", "2"]);
    assert_eq!(both, vec!["notes#two", "notes#one"]);
    assert_eq!(page(&["--limit", "1"]), vec!["notes#two"]);
    assert_eq!(page(&["--offset", "1", "--limit", "1"]), vec!["notes#one"]);
    assert_eq!(page(&["--limit", "1", "--sort", "date"]), vec!["notes#two"]);
}
