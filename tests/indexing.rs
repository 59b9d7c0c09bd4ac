//! `briefs index`: incremental runs, what the walk takes and leaves, JSON
//! archives, and crash safety, through the real binary.

mod common;

use std::collections::HashMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use tempfile::TempDir;

fn index(dir: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["index", "corpus", "--index", "idx"];
    args.extend_from_slice(extra);
    let out = briefs(dir, &args);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    out
}

/// The number after `label` in the index summary ("54 unchanged").
fn count(summary: &str, label: &str) -> usize {
    let words: Vec<&str> = summary.split_whitespace().collect();
    words
        .windows(2)
        .find(|w| w[1].trim_end_matches(',') == label)
        .and_then(|w| w[0].parse().ok())
        .unwrap_or_else(|| panic!("no `{label}` in {summary}"))
}

fn passages_in_index(summary: &str) -> usize {
    let line = summary.lines().find(|l| l.contains("passages:")).unwrap();
    line.split('(')
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

#[test]
fn a_second_run_on_an_unchanged_corpus_reparses_nothing() {
    let dir = TempDir::new().unwrap();
    small_corpus(&dir.path().join("corpus"));
    let first = stderr(&index(dir.path(), &[]));
    assert_eq!(count(&first, "added"), 3);
    let second = stderr(&index(dir.path(), &[]));
    assert_eq!(count(&second, "unchanged"), 3, "{second}");
    assert_eq!(count(&second, "parsed"), 0, "{second}");
    assert_eq!(count(&second, "added"), 0);
    assert_eq!(passages_in_index(&first), passages_in_index(&second));
    // Touched but identical: still unchanged, found by content hash.
    let path = dir.path().join("corpus/2026-04-11-red-sea-convoys.txt");
    let content = std::fs::read(&path).unwrap();
    std::thread::sleep(Duration::from_millis(20));
    std::fs::write(&path, content).unwrap();
    let third = stderr(&index(dir.path(), &[]));
    assert_eq!(count(&third, "unchanged"), 3, "{third}");
}

#[test]
fn an_edited_file_has_its_passages_replaced() {
    let dir = TempDir::new().unwrap();
    small_corpus(&dir.path().join("corpus"));
    let first = stderr(&index(dir.path(), &[]));
    let path = dir.path().join("corpus/2026-04-11-red-sea-convoys.txt");
    let edited = std::fs::read_to_string(&path).unwrap().replace(
        "Egypt has lost much of its Suez Canal revenue",
        "Cairo counts the cost in lost canal fees",
    );
    std::fs::write(&path, edited).unwrap();
    let second = stderr(&index(dir.path(), &[]));
    assert_eq!(count(&second, "updated"), 1, "{second}");
    assert_eq!(count(&second, "unchanged"), 2);
    assert_eq!(passages_in_index(&first), passages_in_index(&second));

    assert_eq!(
        code(&query(dir.path(), "idx", "Suez", &[])),
        1,
        "stale passage left"
    );
    let fresh = hits(&query(dir.path(), "idx", "canal fees", &[]));
    assert_eq!(fresh.len(), 1);
    // No duplicates: each passage of the brief is there once.
    let all = hits(&query(
        dir.path(),
        "idx",
        "convoys OR insurers OR carriers",
        &["--per-brief", "0", "--limit", "100"],
    ));
    let mut texts: Vec<&str> = all.iter().map(|h| h["text"].as_str().unwrap()).collect();
    let n = texts.len();
    texts.sort();
    texts.dedup();
    assert_eq!(texts.len(), n);
}

#[test]
fn a_deleted_file_disappears_from_the_index() {
    let dir = TempDir::new().unwrap();
    small_corpus(&dir.path().join("corpus"));
    index(dir.path(), &[]);
    assert_eq!(code(&query(dir.path(), "idx", "convoys", &[])), 0);
    std::fs::remove_file(dir.path().join("corpus/2026-04-11-red-sea-convoys.txt")).unwrap();
    let second = stderr(&index(dir.path(), &[]));
    assert_eq!(count(&second, "removed"), 1, "{second}");
    assert_eq!(code(&query(dir.path(), "idx", "convoys", &[])), 1);
    let show = briefs(
        dir.path(),
        &["show", "2026-04-11-red-sea-convoys", "--index", "idx"],
    );
    assert_eq!(code(&show), 1);
}

#[test]
fn small_segments_of_incremental_runs_are_merged() {
    let dir = TempDir::new().unwrap();
    let corpus = dir.path().join("corpus");
    for i in 1..=10 {
        write(
            &corpus,
            &format!("b{i}.txt"),
            &format!("Brief number {i}\n\nTanker talks, round {i}.\n"),
        );
        index(dir.path(), &[]);
    }
    // One new segment per run; tantivy merges eight small ones into one.
    let meta =
        std::fs::read_to_string(generation(&dir.path().join("idx")).join("meta.json")).unwrap();
    let meta: serde_json::Value = serde_json::from_str(&meta).unwrap();
    let segments = meta["segments"].as_array().unwrap().len();
    assert!(segments <= 3, "{segments} segments after 10 runs");
    let out = query(dir.path(), "idx", "tanker", &[]);
    assert_eq!(summary(&out)["briefs"], 10);
}

#[test]
fn rebuild_starts_over() {
    let dir = TempDir::new().unwrap();
    small_corpus(&dir.path().join("corpus"));
    let first = stderr(&index(dir.path(), &[]));
    let rebuilt = stderr(&index(dir.path(), &["--rebuild"]));
    assert_eq!(count(&rebuilt, "added"), 3, "{rebuilt}");
    assert_eq!(count(&rebuilt, "unchanged"), 0);
    assert_eq!(passages_in_index(&first), passages_in_index(&rebuilt));
    let s = summary(&query(dir.path(), "idx", "the", &["--per-brief", "0"]));
    let before = s["passages"].clone();
    index(dir.path(), &["--rebuild"]);
    let s = summary(&query(dir.path(), "idx", "the", &["--per-brief", "0"]));
    assert_eq!(s["passages"], before, "no duplicates after a rebuild");
}

#[test]
fn the_walk_skips_what_is_not_a_brief() {
    let dir = TempDir::new().unwrap();
    let corpus = dir.path().join("corpus");
    small_corpus(&corpus);
    write(
        &corpus,
        ".hidden/secret.txt",
        "Hidden Title\n\nHidden zeppelin lede.\n\nKey Takeaways\n\n- One.\n",
    );
    write(&corpus, "notes.pdf", "%PDF-1.4 not a brief");
    write(&corpus, "empty.txt", "");
    write(&corpus, "binary.txt", "\0\0\0\x01 garbage");
    // An index folder inside the corpus is not walked.
    let out = briefs(dir.path(), &["index", "corpus", "--index", "corpus/idx"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let again = briefs(dir.path(), &["index", "corpus", "--index", "corpus/idx"]);
    let summary_text = stderr(&again);
    assert_eq!(count(&summary_text, "unchanged"), 3, "{summary_text}");
    let first = stderr(&out);
    assert!(first.contains("not a brief file"), "{first}");
    assert!(first.contains("corpus/notes.pdf"));
    assert!(first.contains("empty file: corpus/empty.txt"), "{first}");
    assert!(first.contains("binary file"), "{first}");
    assert_eq!(code(&query(dir.path(), "corpus/idx", "zeppelin", &[])), 1);
}

#[cfg(unix)]
#[test]
fn a_file_named_by_a_link_is_read_by_the_links_name() {
    // scripts/bench links the cache's `full.str` as `reuters-x1.jsonl`.
    let dir = TempDir::new().unwrap();
    std::fs::write(
        dir.path().join("dump.str"),
        "{\"id\":\"a\",\"title\":\"Grain exports\",\"body\":\"Wheat exports rose.\"}\n\
         {\"id\":\"b\",\"title\":\"Oil prices\",\"body\":\"Crude oil fell.\"}\n",
    )
    .unwrap();
    std::os::unix::fs::symlink(
        dir.path().join("dump.str"),
        dir.path().join("stories.jsonl"),
    )
    .unwrap();
    let out = briefs(dir.path(), &["index", "stories.jsonl", "--index", "idx"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(count(&stderr(&out), "added"), 2, "{}", stderr(&out));
    let hits = query(dir.path(), "idx", "wheat", &[]);
    assert!(stdout(&hits).contains("stories#a"), "{}", stdout(&hits));
}

#[cfg(unix)]
#[test]
fn a_symlink_loop_does_not_hang_the_walk() {
    let dir = TempDir::new().unwrap();
    let corpus = dir.path().join("corpus");
    small_corpus(&corpus);
    std::os::unix::fs::symlink(&corpus, corpus.join("loop")).unwrap();
    std::os::unix::fs::symlink(dir.path().join("gone.txt"), corpus.join("dangling.txt")).unwrap();
    let started = Instant::now();
    let out = index(dir.path(), &[]);
    assert!(started.elapsed() < Duration::from_secs(60));
    let text = stderr(&out);
    assert!(text.contains("symlink loop"), "{text}");
    assert!(text.contains("broken symlink"), "{text}");
    assert_eq!(count(&text, "added"), 3);
}

#[test]
fn json_archives_report_bad_lines_and_index_the_rest() {
    let dir = TempDir::new().unwrap();
    let corpus = dir.path().join("corpus");
    write(
        &corpus,
        "wire.jsonl",
        concat!(
            r#"{"id":"w1","title":"Wire One","summary":"Zambezi floods displace thousands.","body":"First paragraph.\n\nSecond paragraph about the Zambezi."}"#,
            "\n",
            r#"{"id":"w2","title":"Wire Two","#,
            "\n",
            r#"{"id":"w3","title":"Wire Three","takeaways":["Kariba dam levels fall."],"date":"26-FEB-1987 15:01:01.79"}"#,
            "\n",
            r#"{"id":"w4","date":"2026-01-01"}"#,
            "\n"
        ),
    );
    write(
        &corpus,
        "list.json",
        r#"[{"id":"a","title":"Array Brief","body":["Kariba paragraph."]},"just a string"]"#,
    );
    let out = index(dir.path(), &[]);
    let text = stderr(&out);
    assert!(text.contains("corpus/wire.jsonl:2"), "{text}");
    assert!(text.contains("malformed JSON"), "{text}");
    assert!(text.contains("corpus/wire.jsonl:4"), "{text}");
    assert!(text.contains("corpus/list.json[1]"), "{text}");
    assert_eq!(count(&text, "added"), 3);
    let hits = hits(&query(dir.path(), "idx", "Kariba", &[]));
    assert_eq!(hits.len(), 2);
    let w3 = hits
        .iter()
        .find(|h| h["brief_id"] == "wire#w3")
        .expect("wire#w3");
    assert_eq!(w3["date"], "1987-02-26");
    assert_eq!(w3["label"], "Key Takeaway 1");
}

/// Briefs whose every passage holds `marker` and a version word.
fn versioned_corpus(corpus: &Path, briefs: usize, version: &str) {
    for i in 0..briefs {
        let takeaways: Vec<String> = (1..=4)
            .map(|t| {
                format!(
                    "Marker {version} takeaway {t} of brief {i} on regional shipping and ports."
                )
            })
            .collect();
        let takeaways: Vec<&str> = takeaways.iter().map(String::as_str).collect();
        let body: Vec<String> = (1..=6)
            .map(|p| {
                format!(
                    "Marker {version} paragraph {p} of brief {i}. {}",
                    "Convoys and insurers weigh the risk of sailing again. ".repeat(6)
                )
            })
            .collect();
        let body: Vec<&str> = body.iter().map(String::as_str).collect();
        let title = format!("Marker {version} Brief {i}");
        let lede = format!("Marker {version} lede of brief {i}.");
        let analysis = format!("Marker {version} analysis of brief {i}.");
        write(
            corpus,
            &format!("{:03}/brief-{i:05}.txt", i % 50),
            &Fixture {
                title: &title,
                lede: &lede,
                caption: None,
                takeaways: &takeaways,
                analysis: Some(&analysis),
                body: &body,
            }
            .render(),
        );
    }
}

const PASSAGES_A_BRIEF: usize = 13;

/// Every brief in the index is whole and of one version; returns how many
/// briefs each version has.
fn check_consistent(dir: &Path) -> HashMap<String, usize> {
    let out = query(
        dir,
        "idx",
        "marker",
        &["--per-brief", "0", "--limit", "1000000"],
    );
    assert!(
        code(&out) <= 1,
        "query failed after a kill: {}",
        stderr(&out)
    );
    let mut by_brief: HashMap<String, Vec<String>> = HashMap::new();
    for hit in hits(&out) {
        let text = hit["text"].as_str().unwrap();
        let version = text.split_whitespace().nth(1).unwrap().to_string();
        by_brief
            .entry(hit["brief_id"].as_str().unwrap().to_string())
            .or_default()
            .push(version);
    }
    let mut versions: HashMap<String, usize> = HashMap::new();
    for (id, v) in by_brief {
        assert_eq!(v.len(), PASSAGES_A_BRIEF, "brief {id} is half-indexed");
        assert!(
            v.iter().all(|x| x == &v[0]),
            "brief {id} mixes versions {v:?}"
        );
        *versions.entry(v[0].clone()).or_default() += 1;
    }
    versions
}

#[cfg(unix)]
#[test]
fn a_killed_run_leaves_the_old_index_or_the_new_one_and_the_next_run_completes() {
    let dir = TempDir::new().unwrap();
    let corpus = dir.path().join("corpus");
    let n = 1500;
    versioned_corpus(&corpus, n, "alpha");
    index(dir.path(), &[]);
    assert_eq!(check_consistent(dir.path()).get("alpha"), Some(&n));

    let clean_passages = n * PASSAGES_A_BRIEF;
    // Kill at 20 points spread over runs that rewrite every file: walking,
    // parsing, writing, the commits every MB, the last commit and merging.
    let delays_ms = [
        5u64, 20, 40, 70, 100, 140, 180, 230, 290, 350, 420, 500, 580, 670, 760, 860, 970, 1100,
        1300, 1600,
    ];
    let mut switched = 0;
    let mut current = "alpha".to_string();
    for (round, delay_ms) in delays_ms.into_iter().enumerate() {
        let version = format!("v{round}x");
        versioned_corpus(&corpus, n, &version);
        let mut child = Command::new(BIN)
            .args(["index", "corpus", "--index", "idx", "--commit-every", "1"])
            .current_dir(dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        let _ = child.kill();
        let _ = child.wait();
        let versions = check_consistent(dir.path());
        // Either the index as it was or the run's whole result: never a mix.
        assert_eq!(
            versions.len(),
            1,
            "after a kill at {delay_ms} ms: {versions:?}"
        );
        let (now, count) = versions.into_iter().next().unwrap();
        assert_eq!(count, n, "after a kill at {delay_ms} ms");
        assert!(
            now == current || now == version,
            "after a kill at {delay_ms} ms: {now}, expected {current} or {version}"
        );
        if now != current {
            switched += 1;
            current = now;
        }
    }
    println!("{switched} of 20 killed runs had switched to their new index");
    let version = format!("v{}x", delays_ms.len() - 1);
    let rerun = stderr(&index(dir.path(), &[]));
    assert_eq!(passages_in_index(&rerun), clean_passages, "{rerun}");
    assert_eq!(check_consistent(dir.path()).get(&version), Some(&n));
}
