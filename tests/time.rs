//! Queries in time and forgiving of typos, through the real binary: date
//! filters (`--since`, `--until`, `date:`), sorting by date, timelines,
//! "did you mean", fuzzy words, forgiving syntax, and the per-brief cap.

mod common;

use common::*;
use serde_json::Value;
use tempfile::TempDir;

/// Briefs about a strait, dated over three years and several months, and
/// one without a date.
const DATED: &[(&str, &str, &str)] = &[
    (
        "2024-11-18-strait-patrols",
        "Navies Add Patrols in the Strait After a Tanker Seizure",
        "Iran seized a tanker in the strait; Oman called for restraint.",
    ),
    (
        "2025-01-09-strait-insurance",
        "Insurers Raise Premiums for Ships Crossing the Strait",
        "War-risk cover for the strait doubled after missile tests nearby.",
    ),
    (
        "2025-02-03-strait-talks",
        "Oman Hosts Talks on Safe Passage Through the Strait",
        "Omani mediators brought coast guards together to discuss the strait.",
    ),
    (
        "2025-02-21-strait-drills",
        "Naval Drills Close Part of the Strait for Two Days",
        "Iran announced drills with missiles in the strait and along its coast.",
    ),
    (
        "2025-06-30-strait-mines",
        "Mine Clearance Teams Survey the Strait",
        "Divers checked the strait's shipping lanes for mines after a scare.",
    ),
    (
        "2026-02-05-strait-accord",
        "An Accord on Strait Traffic Is Signed in Muscat",
        "Iran and Oman signed rules for traffic in the strait with missiles excluded.",
    ),
    (
        "2026-03-14-strait-cables",
        "Cables Under the Strait Are Repaired",
        "Crews repaired two data cables under the strait within a week.",
    ),
];

fn write_corpus(dir: &std::path::Path) {
    for (name, title, lede) in DATED {
        write(
            dir,
            &format!("{name}.txt"),
            &Fixture {
                title,
                lede,
                caption: None,
                takeaways: &[
                    "Shipping through the strait continued under escort.",
                    "Officials said the missiles were a warning, not a threat.",
                ],
                analysis: Some("The strait remains the region's most watched waterway."),
                body: &[
                    "Traders watched the strait closely as tankers waited offshore.",
                    "Port officials said schedules would return to normal within days.",
                    "The strait carries a fifth of the oil traded by sea.",
                ],
            }
            .render(),
        );
    }
    write(
        dir,
        "undated-strait-notes.txt",
        &Fixture {
            title: "Notes on the Strait From an Undated Memo",
            lede: "A memo on the strait that carries no date at all.",
            caption: None,
            takeaways: &["The strait was calm."],
            analysis: None,
            body: &["Nothing else is known about the strait from this memo."],
        }
        .render(),
    );
}

fn indexed() -> TempDir {
    let dir = TempDir::new().unwrap();
    write_corpus(&dir.path().join("corpus"));
    let out = briefs(dir.path(), &["index", "corpus", "--index", "idx"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    dir
}

/// Brief ids of the hits, in order, each once.
fn brief_ids(hits: &[Value]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for hit in hits {
        let id = hit["brief_id"].as_str().unwrap().to_string();
        if !out.contains(&id) {
            out.push(id);
        }
    }
    out
}

fn dates(hits: &[Value]) -> Vec<Option<String>> {
    hits.iter()
        .map(|h| h["date"].as_str().map(str::to_string))
        .collect()
}

#[test]
fn since_and_until_keep_briefs_in_range_and_count_the_undated() {
    let dir = indexed();
    let all = query(dir.path(), "idx", "strait", &["--limit", "100"]);
    assert_eq!(summary(&all)["briefs"], 8);
    let out = query(
        dir.path(),
        "idx",
        "strait",
        &["--since", "2025", "--until", "2025-02", "--limit", "100"],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let hits = hits(&out);
    assert_eq!(
        brief_ids(&hits).len(),
        3,
        "{:?}",
        brief_ids(&hits) // 2025-01-09, 2025-02-03, 2025-02-21
    );
    for date in dates(&hits) {
        let date = date.expect("every hit has a date");
        assert!(
            ("2025-01-01".."2025-03-01").contains(&date.as_str()),
            "{date}"
        );
    }
    let summary = summary(&out);
    assert_eq!(summary["briefs"], 3);
    assert_eq!(summary["since"], "2025-01-01");
    assert_eq!(summary["until"], "2025-02-28");
    assert_eq!(
        summary["undated"], 1,
        "the undated memo is left out and counted"
    );

    // A day is a day; an open end is open.
    let day = query(
        dir.path(),
        "idx",
        "strait",
        &["--since", "2025-02-21", "--until", "2025-02-21"],
    );
    assert_eq!(brief_ids(&hits_of(&day)), vec!["2025-02-21-strait-drills"]);
    let since = query(dir.path(), "idx", "strait", &["--since", "2026-02"]);
    assert_eq!(summary_of(&since)["briefs"], 2);

    // Text says what was left out.
    let text = briefs(
        dir.path(),
        &["query", "strait", "--index", "idx", "--since", "2026"],
    );
    assert!(
        stdout(&text).contains("dated since 2026-01-01 (1 undated brief left out)"),
        "{}",
        stdout(&text)
    );

    let bad = query(dir.path(), "idx", "strait", &["--since", "2025-13"]);
    assert_eq!(code(&bad), 2);
    assert!(stderr(&bad).contains("not a date"), "{}", stderr(&bad));
}

fn hits_of(out: &std::process::Output) -> Vec<Value> {
    hits(out)
}

fn summary_of(out: &std::process::Output) -> Value {
    summary(out)
}

#[test]
fn dates_in_the_query_language() {
    let dir = indexed();
    let count = |q: &str| {
        let out = query(dir.path(), "idx", q, &["--limit", "100"]);
        assert!(code(&out) < 2, "{q}: {}", stderr(&out));
        summary(&out)["briefs"].as_u64().unwrap()
    };
    assert_eq!(count("strait date:[2025-01-01 TO 2025-03-31]"), 3);
    assert_eq!(count("strait date:[2025-01 TO 2025-03]"), 3);
    assert_eq!(count("strait date:>=2026-02"), 2);
    assert_eq!(count("strait date:>2025-06"), 2);
    assert_eq!(count("strait date:<2025"), 1);
    assert_eq!(count("strait date:2025-02"), 2);
    assert_eq!(count("strait date:2025"), 4);
    // Only a date: every brief of that date.
    assert_eq!(count("date:2026"), 2);
    // Excluding a year keeps the undated brief (it is not in 2025).
    assert_eq!(count("strait -date:2025"), 4);
    // As an alternative.
    assert_eq!(count("date:2024 OR date:2026-03"), 2);
    // With --since, both hold.
    let out = query(
        dir.path(),
        "idx",
        "strait date:2025",
        &["--since", "2025-02"],
    );
    assert_eq!(summary(&out)["briefs"], 3);
    assert_eq!(summary(&out)["undated"], 1);

    let bad = query(dir.path(), "idx", "strait date:2025-02-30", &[]);
    assert_eq!(code(&bad), 2);
    assert!(
        stderr(&bad).contains("`2025-02-30` is not a date"),
        "{}",
        stderr(&bad)
    );
}

#[test]
fn sort_by_date_both_ways_ties_by_relevance_and_pages_stably() {
    let dir = indexed();
    for (order, newest_first) in [("date", false), ("-date", true)] {
        let all = query(
            dir.path(),
            "idx",
            "strait",
            &["--sort", order, "--per-brief", "1", "--limit", "100"],
        );
        assert_eq!(code(&all), 0, "{}", stderr(&all));
        let all_hits = hits(&all);
        let dated: Vec<String> = dates(&all_hits).into_iter().flatten().collect();
        let mut sorted = dated.clone();
        sorted.sort();
        if newest_first {
            sorted.reverse();
        }
        assert_eq!(dated, sorted, "{order}");
        assert_eq!(dated.len(), 7);
        // The undated brief comes last either way.
        assert!(all_hits.last().unwrap()["date"].is_null(), "{order}");
        // Pages of 2 put together are the whole list.
        let mut paged = Vec::new();
        for offset in (0..all_hits.len()).step_by(2) {
            let page = query(
                dir.path(),
                "idx",
                "strait",
                &[
                    "--sort",
                    order,
                    "--per-brief",
                    "1",
                    "--limit",
                    "2",
                    "--offset",
                    &offset.to_string(),
                ],
            );
            paged.extend(hits(&page));
        }
        assert_eq!(brief_ids(&paged), brief_ids(&all_hits), "{order}");
    }
    // A brief's passages stay together under a date sort.
    let out = query(
        dir.path(),
        "idx",
        "strait",
        &["--sort=-date", "--limit", "6"],
    );
    let ids: Vec<String> = hits(&out)
        .iter()
        .map(|h| h["brief_id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids[0], "2026-03-14-strait-cables");
    assert_eq!(ids[..3], [ids[0].clone(), ids[0].clone(), ids[0].clone()]);
    let bad = query(dir.path(), "idx", "strait", &["--sort", "newest"]);
    assert_eq!(code(&bad), 2);
}

#[test]
fn timeline_counts_briefs_per_period() {
    let dir = indexed();
    let out = briefs(
        dir.path(),
        &[
            "timeline", "strait", "--index", "idx", "--by", "month", "--json",
        ],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let lines = json_lines(&out);
    let periods: Vec<&Value> = lines.iter().filter(|l| l["type"] == "period").collect();
    // 2024-11 to 2026-03, every month.
    assert_eq!(periods.len(), 17);
    assert_eq!(periods[0]["start"], "2024-11-01");
    assert_eq!(periods[0]["end"], "2024-11-30");
    assert_eq!(periods[0]["label"], "2024-11");
    assert_eq!(periods[0]["briefs"], 1);
    let feb = periods.iter().find(|p| p["label"] == "2025-02").unwrap();
    assert_eq!(feb["briefs"], 2);
    let total: u64 = periods.iter().map(|p| p["briefs"].as_u64().unwrap()).sum();
    assert_eq!(total, 7);
    let summary = lines.iter().find(|l| l["type"] == "summary").unwrap();
    assert_eq!(summary["briefs"], 8);
    assert_eq!(summary["dated"], 7);
    assert_eq!(summary["undated"], 1);

    let years = briefs(
        dir.path(),
        &[
            "timeline", "--index", "idx", "--by", "year", "--json", "--since", "2025",
        ],
    );
    let counts: Vec<(String, u64)> = json_lines(&years)
        .iter()
        .filter(|l| l["type"] == "period")
        .map(|p| {
            (
                p["label"].as_str().unwrap().to_string(),
                p["briefs"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        counts,
        vec![("2025".to_string(), 4), ("2026".to_string(), 2)]
    );

    let weeks = briefs(
        dir.path(),
        &[
            "timeline", "strait", "--index", "idx", "--by", "week", "--json", "--since", "2025-02",
            "--until", "2025-02",
        ],
    );
    let labels: Vec<String> = json_lines(&weeks)
        .iter()
        .filter(|l| l["type"] == "period")
        .map(|p| p["label"].as_str().unwrap().to_string())
        .collect();
    // 2025-02-03 is a Monday of week 6; 2025-02-21 a Friday of week 8.
    assert_eq!(labels, vec!["2025-W06", "2025-W07", "2025-W08"]);

    let text = briefs(dir.path(), &["timeline", "strait", "--index", "idx"]);
    let text = stdout(&text);
    assert!(
        text.lines()
            .any(|l| l.starts_with("2025-02") && l.contains('█')),
        "{text}"
    );
    assert!(
        text.contains("7 briefs in 17 months from 2024-11 to 2026-03"),
        "{text}"
    );
    assert!(text.contains("1 undated brief in no month"), "{text}");

    let none = briefs(dir.path(), &["timeline", "zeppelin", "--index", "idx"]);
    assert_eq!(code(&none), 1);
}

#[test]
fn facets_count_briefs_by_year_and_actors_take_dates() {
    let dir = indexed();
    let out = query(dir.path(), "idx", "strait", &["--facets"]);
    let summary = summary(&out);
    let years: Vec<(String, u64)> = summary["years"]
        .as_array()
        .unwrap()
        .iter()
        .map(|y| {
            (
                y["label"].as_str().unwrap().to_string(),
                y["briefs"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        years,
        vec![
            ("2024".to_string(), 1),
            ("2025".to_string(), 4),
            ("2026".to_string(), 2)
        ]
    );
    assert_eq!(summary["undated"], 1);

    let count = |args: &[&str]| -> u64 {
        let mut all = vec!["actors", "--index", "idx", "--json"];
        all.extend_from_slice(args);
        let out = briefs(dir.path(), &all);
        json_lines(&out)
            .iter()
            .find(|l| l["actor"] == "/country/Oman")
            .map(|l| l["briefs"].as_u64().unwrap())
            .unwrap_or(0)
    };
    assert_eq!(count(&[]), 3);
    assert_eq!(count(&["--since", "2025"]), 2);
    assert_eq!(count(&["strait", "--until", "2024"]), 1);
}

#[test]
fn misspelt_words_get_a_suggestion_and_fuzzy_words_match() {
    let dir = indexed();
    let out = query(dir.path(), "idx", "strait missles", &[]);
    assert_eq!(code(&out), 1);
    let suggestion = &summary(&out)["suggestion"];
    assert_eq!(suggestion["query"], "strait missiles", "{suggestion}");
    let fixed = query(dir.path(), "idx", "strait missiles", &[]);
    assert_eq!(suggestion["briefs"], summary(&fixed)["briefs"]);
    assert_eq!(suggestion["passages"], summary(&fixed)["passages"]);
    let text = briefs(dir.path(), &["query", "Strat", "--index", "idx"]);
    assert!(
        stdout(&text).contains("did you mean: Strait ("),
        "{}",
        stdout(&text)
    );
    // A word the index holds, in a query that finds plenty: no suggestion.
    let fine = query(dir.path(), "idx", "strait", &[]);
    assert!(summary(&fine).get("suggestion").is_none());
    // Nothing near: no suggestion.
    let far = query(dir.path(), "idx", "xqzzyv", &[]);
    assert!(summary(&far).get("suggestion").is_none());

    // word~1 and word~2 are fuzzy words.
    let fuzzy = query(dir.path(), "idx", "strat~1", &["--limit", "3"]);
    assert_eq!(code(&fuzzy), 0, "{}", stderr(&fuzzy));
    assert_eq!(summary(&fuzzy)["briefs"], 8);
    for hit in hits(&fuzzy) {
        let snippet = hit["snippet"].as_str().unwrap();
        let marked: Vec<&str> = hit["highlights"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| &snippet[r[0].as_u64().unwrap() as usize..r[1].as_u64().unwrap() as usize])
            .collect();
        assert!(
            marked.iter().any(|w| w.eq_ignore_ascii_case("strait")),
            "{marked:?}"
        );
    }
    assert_eq!(code(&query(dir.path(), "idx", "stait~1 missles~1", &[])), 0);
    assert_eq!(code(&query(dir.path(), "idx", "sttrai~1", &[])), 1);
    assert_eq!(code(&query(dir.path(), "idx", "sttrai~2", &[])), 0);
}

#[test]
fn pasted_text_is_forgiven() {
    let dir = indexed();
    let straight = query(dir.path(), "idx", "\"tanker seizure\"", &[]);
    let curly = query(dir.path(), "idx", "“tanker seizure”", &[]);
    assert_eq!(summary(&straight)["passages"], 1);
    assert_eq!(summary(&curly)["passages"], summary(&straight)["passages"]);
    let single = query(dir.path(), "idx", "‘tanker seizure’", &[]);
    assert_eq!(summary(&single)["passages"], 1);
    // An apostrophe inside a word stays one.
    assert_eq!(code(&query(dir.path(), "idx", "region’s waterway", &[])), 0);

    for q in [
        "strait 10:30",
        "strait http://example.com/a?b=c",
        "Note: strait",
    ] {
        let out = query(dir.path(), "idx", q, &[]);
        assert!(code(&out) < 2, "{q}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("is not a field, so"),
            "{q}: {}",
            stderr(&out)
        );
    }
    // Capitals in a real field name are forgiven; a typo is an error.
    assert_eq!(code(&query(dir.path(), "idx", "Title:accord", &[])), 0);
    let typo = query(dir.path(), "idx", "tittle:accord", &[]);
    assert_eq!(code(&typo), 2);
    assert!(
        stderr(&typo).contains("unknown field `tittle:`"),
        "{}",
        stderr(&typo)
    );
    assert!(
        stderr(&typo).contains("title, summary"),
        "{}",
        stderr(&typo)
    );
    for q in ["...", "!!!", "— …"] {
        let out = query(dir.path(), "idx", q, &[]);
        assert_eq!(code(&out), 2, "{q}");
        assert!(
            stderr(&out).contains("the query has no words"),
            "{q}: {}",
            stderr(&out)
        );
    }
}

#[test]
fn the_cap_is_visible_and_reachable() {
    let dir = indexed();
    let capped = query(dir.path(), "idx", "strait", &["--limit", "100"]);
    let hits = hits(&capped);
    let first = &hits[0];
    let id = first["brief_id"].as_str().unwrap();
    let shown = hits.iter().filter(|h| h["brief_id"] == id).count();
    let more = first["more"].as_u64().unwrap() as usize;
    assert_eq!(shown, 3);
    assert!(more > 0);
    let text = briefs(dir.path(), &["query", "strait", "--index", "idx"]);
    assert!(stdout(&text).contains(&format!("+{more} more in this brief")));

    let all = query(
        dir.path(),
        "idx",
        "strait",
        &["--limit", "1000", "--per-brief", "0"],
    );
    let every = hits_of(&all).iter().filter(|h| h["brief_id"] == id).count();
    assert_eq!(every, shown + more);

    let show = briefs(
        dir.path(),
        &["show", id, "--index", "idx", "--query", "strait", "--json"],
    );
    assert_eq!(code(&show), 0, "{}", stderr(&show));
    let brief: Value = serde_json::from_str(stdout(&show).trim()).unwrap();
    let matches = brief["matches"].as_array().unwrap();
    assert_eq!(matches.len(), shown + more);
    for m in matches {
        assert!(!m["highlights"].as_array().unwrap().is_empty());
        assert!(m["label"].as_str().is_some());
    }
    let text = briefs(
        dir.path(),
        &["show", id, "--index", "idx", "--query", "strait"],
    );
    assert!(stdout(&text).contains("**strait**"), "{}", stdout(&text));
    assert!(stdout(&text).contains(&format!("matches: {} passages", shown + more)));
}

#[test]
fn briefs_of_one_day_are_ordered_by_relevance() {
    let dir = TempDir::new().unwrap();
    let corpus = dir.path().join("corpus");
    let brief = |title: &str, body: &str| {
        Fixture {
            title,
            lede: "A short lede about the day's shipping news.",
            caption: None,
            takeaways: &[],
            analysis: None,
            body: &[body],
        }
        .render()
    };
    write(
        &corpus,
        "2025-05-01-a-passing-mention.txt",
        &brief("Port Schedules Slip", "One convoy was mentioned in passing among many other schedules, berths, cranes, tugs and pilots."),
    );
    write(
        &corpus,
        "2025-05-01-all-about-convoys.txt",
        &brief(
            "Convoys Resume",
            "Convoys resumed; the convoys were escorted, and more convoys are planned.",
        ),
    );
    write(
        &corpus,
        "2025-04-01-earlier-convoy.txt",
        &brief("An Earlier Convoy", "A convoy sailed a month before."),
    );
    let out = briefs(dir.path(), &["index", "corpus", "--index", "idx"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    for order in ["date", "-date"] {
        let out = query(
            dir.path(),
            "idx",
            "convoys",
            &["--sort", order, "--per-brief", "1"],
        );
        let ids = brief_ids(&hits(&out));
        let same_day = [
            "2025-05-01-all-about-convoys".to_string(),
            "2025-05-01-a-passing-mention".to_string(),
        ];
        let expected: Vec<String> = if order == "date" {
            std::iter::once("2025-04-01-earlier-convoy".to_string())
                .chain(same_day)
                .collect()
        } else {
            same_day
                .into_iter()
                .chain(std::iter::once("2025-04-01-earlier-convoy".to_string()))
                .collect()
        };
        assert_eq!(ids, expected, "{order}");
    }
}

#[test]
fn a_suggestion_that_finds_many_briefs_counts_briefs_only() {
    // Over SUGGESTION_PASSAGE_COUNT_BRIEFS (1,000) briefs, the suggestion
    // counts briefs without reading passages: exact briefs, no passages.
    let dir = TempDir::new().unwrap();
    let corpus = dir.path().join("corpus");
    std::fs::create_dir_all(&corpus).unwrap();
    let mut lines = String::new();
    for i in 0..1_050 {
        lines.push_str(&format!(
            "{{\"id\":\"c{i}\",\"title\":\"Cargo report {i}\",\"body\":\"Crude oil cargoes loaded at berth {i}.\"}}\n"
        ));
    }
    // One brief with the misspelling itself, so that the query finds one.
    lines.push_str(
        "{\"id\":\"typo\",\"title\":\"Typo\",\"body\":\"Crud oil, as one clerk wrote it.\"}\n",
    );
    std::fs::write(corpus.join("cargo.jsonl"), lines).unwrap();
    let out = briefs(dir.path(), &["index", "corpus", "--index", "idx"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));

    let out = query(dir.path(), "idx", "crud oil", &[]);
    let suggestion = &summary(&out)["suggestion"];
    assert_eq!(suggestion["query"], "crude oil", "{suggestion}");
    assert_eq!(suggestion["briefs"], 1_050, "{suggestion}");
    assert!(suggestion.get("passages").is_none(), "{suggestion}");
    let fixed = query(dir.path(), "idx", "crude oil", &[]);
    assert_eq!(suggestion["briefs"], summary(&fixed)["briefs"]);
    let text = briefs(dir.path(), &["query", "crud oil", "--index", "idx"]);
    assert!(
        stdout(&text).contains("did you mean: crude oil (1050 briefs)"),
        "{}",
        stdout(&text)
    );
}
