//! Actors through the real binary: recognition, filters, counts in distinct
//! briefs (checked against counts computed from `briefs parse --json`), and
//! a user's own actors file.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use common::*;
use serde_json::Value;
use tempfile::TempDir;

/// Three briefs of our own with known actors.
fn actor_corpus(dir: &Path) {
    small_corpus(&dir.join("corpus"));
    write(
        &dir.join("corpus"),
        "2026-06-01-gulf-shipping.txt",
        &Fixture {
            title: "Tehran and Riyadh Trade Warnings Over Gulf Shipping",
            lede: "Iran and Saudi Arabia exchanged warnings after a tanker was seized near the Strait of Hormuz.",
            caption: None,
            takeaways: &[
                "Saudi officials accused the IRGC of seizing the tanker.",
                "Washington sent a destroyer to escort merchant ships.",
            ],
            analysis: Some("Neither capital wants a war, but both want the other to blink first."),
            body: &["Oman offered to mediate between the two governments."],
        }
        .render(),
    );
}

fn indexed() -> TempDir {
    let dir = TempDir::new().unwrap();
    actor_corpus(dir.path());
    let out = briefs(dir.path(), &["index", "corpus", "--index", "idx"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    dir
}

/// Each brief's actors as `briefs parse --json` sees them, by brief id.
fn parsed_actors(dir: &Path) -> BTreeMap<String, Vec<String>> {
    let mut out = BTreeMap::new();
    for entry in walkdir::WalkDir::new(dir.join("corpus")) {
        let entry = entry.unwrap();
        if !entry.file_type().is_file() {
            continue;
        }
        let parsed = briefs(dir, &["parse", entry.path().to_str().unwrap(), "--json"]);
        for brief in json_lines(&parsed) {
            let rel = entry.path().strip_prefix(dir.join("corpus")).unwrap();
            let id = rel.with_extension("").to_string_lossy().replace('\\', "/");
            let actors = brief["actors"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a.as_str().unwrap().to_string())
                .collect();
            out.insert(id, actors);
        }
    }
    out
}

fn count_by_actor<'a>(briefs: impl Iterator<Item = &'a Vec<String>>) -> BTreeMap<String, u64> {
    let mut counts = BTreeMap::new();
    for actors in briefs {
        let distinct: BTreeSet<&String> = actors.iter().collect();
        for actor in distinct {
            *counts.entry(actor.clone()).or_insert(0) += 1;
        }
    }
    counts
}

fn counts_of(lines: &[Value]) -> BTreeMap<String, u64> {
    lines
        .iter()
        .map(|l| {
            (
                l["actor"].as_str().unwrap().to_string(),
                l["briefs"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn actors_of(hit: &Value) -> Vec<&str> {
    hit["actors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect()
}

#[test]
fn hits_list_their_briefs_actors() {
    let dir = indexed();
    let hits = hits(&query(dir.path(), "idx", "tanker", &[]));
    let gulf = hits
        .iter()
        .find(|h| h["brief_id"] == "2026-06-01-gulf-shipping")
        .expect("the Gulf brief mentions a tanker");
    let actors = actors_of(gulf);
    for expected in [
        "/country/Iran",
        "/country/Saudi Arabia",
        "/group/Islamic Revolutionary Guard Corps",
        "/country/United States",
        "/country/Oman",
    ] {
        assert!(actors.contains(&expected), "{expected} not in {actors:?}");
    }
    assert!(!actors.iter().any(|a| a.contains("Hormuz")), "{actors:?}");
}

#[test]
fn actor_filters_by_brief_all_any_and_passage() {
    let dir = indexed();
    // Every named actor required; names resolve through aliases and paths.
    for names in [
        &["Iran", "Oman"][..],
        &["tehran", "/country/Oman"],
        &["iranians", "muscat"],
    ] {
        let mut args = vec!["--per-brief", "0", "--limit", "100"];
        for n in names {
            args.extend(["--actor", n]);
        }
        let hits = hits(&query(dir.path(), "idx", "the", &args));
        assert!(!hits.is_empty(), "{names:?}");
        for hit in &hits {
            let actors = actors_of(hit);
            assert!(
                actors.contains(&"/country/Iran") && actors.contains(&"/country/Oman"),
                "{names:?}: {hit}"
            );
        }
    }
    let both = summary(&query(
        dir.path(),
        "idx",
        "the",
        &["--actor", "Iran", "--actor", "Finland"],
    ));
    assert_eq!(both["briefs"], 0);
    let any = summary(&query(
        dir.path(),
        "idx",
        "the",
        &["--actor", "Iran", "--actor", "Finland", "--any-actor"],
    ));
    assert_eq!(any["briefs"], 3, "two Gulf briefs and the Baltic one");

    // In the passage itself: only passages that name the actor.
    let hits = hits(&query(
        dir.path(),
        "idx",
        "the",
        &[
            "--actor",
            "Oman",
            "--actor-in",
            "passage",
            "--per-brief",
            "0",
        ],
    ));
    assert!(!hits.is_empty());
    for hit in &hits {
        let text = hit["text"].as_str().unwrap();
        assert!(text.contains("Oman") || text.contains("Muscat"), "{text}");
    }

    let unknown = query(dir.path(), "idx", "the", &["--actor", "Irann"]);
    assert_eq!(code(&unknown), 2);
    assert!(
        stderr(&unknown).contains("unknown actor `Irann`: did you mean Iran"),
        "{}",
        stderr(&unknown)
    );
}

#[test]
fn counts_are_distinct_briefs_and_match_the_parsed_fixtures() {
    let dir = indexed();
    let parsed = parsed_actors(dir.path());
    assert_eq!(parsed.len(), 4);

    // Over the whole archive.
    let out = briefs(dir.path(), &["actors", "--index", "idx", "--json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let lines = json_lines(&out);
    assert_eq!(counts_of(&lines), count_by_actor(parsed.values()));
    for line in &lines {
        assert_eq!(line["type"], "actor");
        let actor = line["actor"].as_str().unwrap();
        assert_eq!(line["kind"], actor.split('/').nth(1).unwrap());
        assert_eq!(line["name"], actor.rsplit('/').next().unwrap());
    }
    let counts: Vec<u64> = lines
        .iter()
        .map(|l| l["briefs"].as_u64().unwrap())
        .collect();
    assert!(
        counts.windows(2).all(|w| w[0] >= w[1]),
        "highest first: {counts:?}"
    );

    // Over the briefs matching a query, and the same through --facets.
    let q = "talks OR shipping";
    let matched: BTreeSet<String> = hits(&query(
        dir.path(),
        "idx",
        q,
        &["--per-brief", "0", "--limit", "1000"],
    ))
    .iter()
    .map(|h| h["brief_id"].as_str().unwrap().to_string())
    .collect();
    let expected = count_by_actor(
        parsed
            .iter()
            .filter(|(id, _)| matched.contains(*id))
            .map(|(_, a)| a),
    );
    let out = briefs(dir.path(), &["actors", q, "--index", "idx", "--json"]);
    assert_eq!(counts_of(&json_lines(&out)), expected);
    let facets = summary(&query(dir.path(), "idx", q, &["--facets", "--limit", "1"]));
    assert_eq!(counts_of(facets["facets"].as_array().unwrap()), expected);

    // --kind and --limit.
    let people = json_lines(&briefs(
        dir.path(),
        &[
            "actors", "--index", "idx", "--json", "--kind", "country", "--limit", "2",
        ],
    ));
    assert_eq!(people.len(), 2);
    assert!(people.iter().all(|l| l["kind"] == "country"));
}

#[test]
fn text_counts_are_grouped_by_kind() {
    let dir = indexed();
    let out = briefs(dir.path(), &["actors", "--index", "idx"]);
    let text = stdout(&out);
    let countries = text.find("Countries").expect("a Countries group");
    let groups = text.find("Groups").expect("a Groups group");
    assert!(countries < groups, "{text}");
    assert!(text.contains("Islamic Revolutionary Guard Corps"), "{text}");
}

#[test]
fn your_own_actors_file_adds_actors_and_is_kept() {
    let dir = indexed();
    write(
        dir.path(),
        "mine.toml",
        "[[actor]]\nname = \"Baltic Sentry\"\nkind = \"org\"\naliases = [\"Sentry mission\", \"patrol aircraft\"]\n",
    );
    let out = briefs(
        dir.path(),
        &["index", "corpus", "--index", "idx", "--actors", "mine.toml"],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    // A new gazetteer means every brief is read again.
    assert!(stderr(&out).contains("4 updated"), "{}", stderr(&out));
    let hits = hits(&query(
        dir.path(),
        "idx",
        "patrol",
        &["--actor", "Baltic Sentry"],
    ));
    assert!(!hits.is_empty());
    for hit in &hits {
        assert_eq!(hit["brief_id"], "europe/2026-05-20-baltic-cables");
        assert!(actors_of(hit).contains(&"/org/Baltic Sentry"));
    }

    let list = json_lines(&briefs(
        dir.path(),
        &["actors", "--list", "--index", "idx", "--json"],
    ));
    assert!(list.iter().any(|l| l["actor"] == "/org/Baltic Sentry"));
    assert!(list.iter().any(|l| l["actor"] == "/country/Iran"));

    // A later run without --actors keeps the file; nothing is re-read.
    let again = briefs(dir.path(), &["index", "corpus", "--index", "idx"]);
    assert!(stderr(&again).contains("4 unchanged"), "{}", stderr(&again));
    assert_eq!(
        code(&query(
            dir.path(),
            "idx",
            "patrol",
            &["--actor", "Sentry mission"]
        )),
        0
    );

    write(
        dir.path(),
        "bad.toml",
        "[[actor]]\nname = \"X\"\nkind = \"planet\"\n",
    );
    let bad = briefs(
        dir.path(),
        &["index", "corpus", "--index", "idx", "--actors", "bad.toml"],
    );
    assert_eq!(code(&bad), 2);
    assert!(stderr(&bad).contains("actors file"), "{}", stderr(&bad));
}

#[test]
fn the_parser_reports_actors_per_brief() {
    let dir = TempDir::new().unwrap();
    write(
        dir.path(),
        "b.txt",
        "Ankara Hosts Talks\n\nTurkey’s foreign minister met U.S. and Russian envoys; turkey sandwiches were served.\n\nKey Takeaways\n\n  • 1Us officials and the Kremlin disagreed.\n",
    );
    let out = briefs(dir.path(), &["parse", "b.txt", "--json"]);
    let brief = &json_lines(&out)[0];
    let actors: Vec<&str> = brief["actors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert_eq!(
        actors,
        vec![
            "/country/Turkey",
            "/country/United States",
            "/country/Russia"
        ]
    );
}

#[test]
fn switching_recognition_off_and_on_reads_every_brief_again() {
    let dir = TempDir::new().unwrap();
    actor_corpus(dir.path());
    let off = briefs(
        dir.path(),
        &["index", "corpus", "--index", "idx", "--no-actors"],
    );
    assert_eq!(code(&off), 0, "{}", stderr(&off));
    // Without recognition, asking for actors is an error that says so.
    let none = briefs(dir.path(), &["actors", "--index", "idx", "--json"]);
    assert_eq!(code(&none), 2, "no actors without recognition");
    assert!(stderr(&none).contains("--no-actors"), "{}", stderr(&none));
    let on = briefs(dir.path(), &["index", "corpus", "--index", "idx"]);
    assert!(stderr(&on).contains("4 updated"), "{}", stderr(&on));
    let counts = json_lines(&briefs(dir.path(), &["actors", "--index", "idx", "--json"]));
    assert!(counts.iter().any(|l| l["actor"] == "/country/Iran"));
}

#[test]
fn parse_and_show_explain_each_actor_and_each_drop() {
    let dir = indexed();
    let file = dir.path().join("corpus/2026-06-01-gulf-shipping.txt");
    let parsed = briefs(
        dir.path(),
        &["parse", file.to_str().unwrap(), "--json", "--explain"],
    );
    assert_eq!(code(&parsed), 0, "{}", stderr(&parsed));
    let brief = &json_lines(&parsed)[0];
    let explain = &brief["explain"];
    let found = explain["actors"].as_array().unwrap();
    // Every actor of the brief has its words and rule.
    for actor in brief["actors"].as_array().unwrap() {
        let why: Vec<&Value> = found.iter().filter(|e| &e["actor"] == actor).collect();
        assert!(!why.is_empty(), "no evidence for {actor}");
        for e in why {
            let text = e["text"].as_str().unwrap();
            assert!(e["context"].as_str().unwrap().contains(text), "{e}");
            assert!(!e["rule"].as_str().unwrap().is_empty());
            assert!(e["section"].is_string() && e["label"].is_string());
        }
    }
    let washington = found
        .iter()
        .find(|e| e["text"] == "Washington")
        .expect("Washington is evidence");
    assert_eq!(washington["actor"], "/country/United States");
    assert_eq!(washington["rule"], "alias");
    assert_eq!(washington["section"], "takeaway");
    // The same through `show` on the index.
    let shown = briefs(
        dir.path(),
        &[
            "show",
            "2026-06-01-gulf-shipping",
            "--index",
            "idx",
            "--json",
            "--explain",
        ],
    );
    assert_eq!(code(&shown), 0, "{}", stderr(&shown));
    assert_eq!(json_lines(&shown)[0]["explain"], *explain);
    // Text output names the rule and the dropped candidates' section.
    let text = briefs(dir.path(), &["parse", file.to_str().unwrap(), "--explain"]);
    let text = stdout(&text);
    assert!(text.contains("[Actors, and why]") && text.contains("[Dropped candidates]"));
    assert!(
        text.contains("/country/United States  \"Washington\"  by alias"),
        "{text}"
    );
}

#[test]
fn explain_lists_namesakes_dropped_with_their_rule() {
    let dir = TempDir::new().unwrap();
    write(
        dir.path(),
        "b.txt",
        "Sharon Osbourne Signs On\n\nSharon Osbourne will judge the show. Milan Baros scored for Liverpool in the Premiership.\n",
    );
    let out = briefs(dir.path(), &["parse", "b.txt", "--json", "--explain"]);
    let brief = &json_lines(&out)[0];
    assert_eq!(brief["actors"], serde_json::json!([]), "{brief}");
    let dropped = brief["explain"]["dropped"].as_array().unwrap();
    let rule_of = |actor: &str| -> Vec<String> {
        dropped
            .iter()
            .filter(|e| e["actor"] == actor)
            .map(|e| e["rule"].as_str().unwrap().to_string())
            .collect()
    };
    assert!(rule_of("/person/Ariel Sharon")
        .iter()
        .any(|r| r.contains("Osbourne")));
    assert!(rule_of("/country/Italy")
        .iter()
        .any(|r| r.contains("Baros")));
    assert!(rule_of("/country/United Kingdom")
        .iter()
        .any(|r| r.contains("club")));
}

#[test]
fn an_index_without_actors_says_so() {
    let dir = TempDir::new().unwrap();
    actor_corpus(dir.path());
    let out = briefs(
        dir.path(),
        &["index", "corpus", "--index", "idx", "--no-actors"],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    for args in [
        &["query", "tanker", "--index", "idx", "--actor", "Iran"][..],
        &["query", "tanker", "--index", "idx", "--facets"][..],
        &["actors", "--index", "idx"][..],
        &[
            "show",
            "2026-06-01-gulf-shipping",
            "--index",
            "idx",
            "--explain",
        ][..],
    ] {
        let out = briefs(dir.path(), args);
        assert_eq!(code(&out), 2, "{args:?}");
        let err = stderr(&out);
        assert!(
            err.contains("--no-actors") && err.contains("briefs index --rebuild"),
            "{args:?}: {err}"
        );
    }
    // A plain query still works.
    assert_eq!(code(&query(dir.path(), "idx", "tanker", &[])), 0);
}
