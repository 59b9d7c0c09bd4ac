//! Indexing safely, through the real binary: a run builds a new generation
//! beside the index and switches in one step, so a run killed (SIGKILL) at
//! any of its named points, interrupted (SIGINT) or failing leaves the index
//! answering exactly as before; readers see the old index meanwhile; bad
//! budgets are refused up front; the index remembers its corpora.

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use common::*;
use serde_json::Value;
use tempfile::TempDir;

/// Briefs whose every passage says `marker` and the corpus version.
fn versioned_corpus(corpus: &Path, briefs: usize, version: &str) {
    for i in 0..briefs {
        let takeaways: Vec<String> = (1..=3)
            .map(|t| format!("Marker {version} takeaway {t} of brief {i} on ports."))
            .collect();
        let takeaways: Vec<&str> = takeaways.iter().map(String::as_str).collect();
        let body: Vec<String> = (1..=5)
            .map(|p| {
                format!(
                    "Marker {version} paragraph {p} of brief {i}. {}",
                    "Convoys and insurers weigh the risk of sailing again. ".repeat(8)
                )
            })
            .collect();
        let body: Vec<&str> = body.iter().map(String::as_str).collect();
        let title = format!("Marker {version} Brief {i}");
        let lede = format!("Marker {version} lede of brief {i}.");
        write(
            corpus,
            &format!("{:02}/brief-{i:04}.txt", i % 20),
            &Fixture {
                title: &title,
                lede: &lede,
                caption: None,
                takeaways: &takeaways,
                analysis: None,
                body: &body,
            }
            .render(),
        );
    }
}

/// One hit: brief id, section, ordinal, text.
type Hit = (String, String, u64, String);
/// Hits in rank order, and the summary's passage and brief counts.
type Answers = (Vec<Hit>, Value, Value);

/// Everything the index answers to `marker`: every passage of every brief,
/// in rank order, and the summary's counts.
fn answers(dir: &Path) -> Answers {
    let out = query(
        dir,
        "idx",
        "marker",
        &["--per-brief", "0", "--limit", "1000000"],
    );
    assert_eq!(code(&out), 0, "query failed: {}", stderr(&out));
    let hits = hits(&out)
        .iter()
        .map(|h| {
            (
                h["brief_id"].as_str().unwrap().to_string(),
                h["section"].as_str().unwrap().to_string(),
                h["ordinal"].as_u64().unwrap(),
                h["text"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let s = summary(&out);
    (hits, s["passages"].clone(), s["briefs"].clone())
}

/// The corpus version every hit of `answers` holds (one, or a panic).
fn version_of(answers: &Answers) -> String {
    let versions: std::collections::BTreeSet<&str> = answers
        .0
        .iter()
        .map(|h| h.3.split_whitespace().nth(1).unwrap())
        .collect();
    assert_eq!(versions.len(), 1, "a mix of versions: {versions:?}");
    versions.into_iter().next().unwrap().to_string()
}

/// Starts `briefs ARGS` set to pause at `point`, and waits until it has.
fn start_paused(dir: &Path, args: &[&str], point: &str, resume: Option<&Path>) -> Child {
    let mut command = Command::new(BIN);
    command
        .args(args)
        .current_dir(dir)
        .env("BRIEFS_PAUSE_AT", point)
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    if let Some(resume) = resume {
        command.env("BRIEFS_RESUME", resume);
    }
    let mut child = command.spawn().unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    loop {
        line.clear();
        let read = stderr.read_line(&mut line).unwrap();
        assert!(read > 0, "the run ended without reaching `{point}`");
        if line.contains(&format!("paused at {point}")) {
            break;
        }
    }
    // Keep draining stderr so that the child never blocks on it.
    std::thread::spawn(move || {
        let mut rest = String::new();
        while stderr.read_line(&mut rest).unwrap_or(0) > 0 {
            rest.clear();
        }
    });
    child
}

const N: usize = 400;

#[cfg(unix)]
#[test]
fn a_run_killed_at_any_point_leaves_the_old_index_answering_exactly_as_before() {
    let dir = TempDir::new().unwrap();
    let corpus = dir.path().join("corpus");
    versioned_corpus(&corpus, N, "alpha");
    let out = briefs(dir.path(), &["index", "corpus", "--index", "idx"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let mut before = answers(dir.path());
    assert_eq!(before.2, N as u64);
    assert_eq!(version_of(&before), "alpha");

    // Points before the switch: the old index answers, during the pause
    // and after the kill. `--commit-every 1` makes intermediate commits.
    let rebuild = [
        "index",
        "--index",
        "idx",
        "--rebuild",
        "--commit-every",
        "1",
    ];
    let update = ["index", "--index", "idx", "--commit-every", "1"];
    let before_switch: [(&str, &[&str]); 12] = [
        ("locked", &rebuild),
        ("generation-ready", &rebuild),
        ("walked", &rebuild),
        ("first-file", &rebuild),
        ("intermediate-commit", &rebuild),
        ("before-commit", &rebuild),
        ("committed", &rebuild),
        ("merged", &rebuild),
        ("before-switch", &rebuild),
        ("pointer-written", &rebuild),
        ("linking", &update),
        ("intermediate-commit", &update),
    ];
    let mut round = 0;
    for (point, args) in before_switch {
        round += 1;
        versioned_corpus(&corpus, N, &format!("v{round}x"));
        let mut child = start_paused(dir.path(), args, point, None);
        assert_eq!(answers(dir.path()), before, "read while paused at {point}");
        child.kill().unwrap();
        child.wait().unwrap();
        assert_eq!(answers(dir.path()), before, "after a kill at {point}");
    }

    // After the switch the new index is complete.
    for point in ["switched", "published", "removing-old", "cleaned"] {
        round += 1;
        let version = format!("v{round}x");
        versioned_corpus(&corpus, N, &version);
        let mut child = start_paused(dir.path(), &rebuild, point, None);
        child.kill().unwrap();
        child.wait().unwrap();
        let after = answers(dir.path());
        assert_eq!(version_of(&after), version, "after a kill at {point}");
        assert_eq!(after.2, N as u64, "after a kill at {point}");
        before = after;
    }
    assert_eq!(version_of(&before), format!("v{round}x"));

    // The next run completes, and leaves one generation on disk.
    let out = briefs(dir.path(), &["index", "--index", "idx"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let idx = dir.path().join("idx");
    assert_eq!(generations(&idx).len(), 1, "{:?}", generations(&idx));
    assert_eq!(answers(dir.path()).2, N as u64);
}

#[cfg(unix)]
#[test]
fn ctrl_c_stops_the_run_and_leaves_the_index_as_it_was() {
    let dir = TempDir::new().unwrap();
    let corpus = dir.path().join("corpus");
    versioned_corpus(&corpus, N, "alpha");
    let out = briefs(dir.path(), &["index", "corpus", "--index", "idx"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let before = answers(dir.path());
    let idx = dir.path().join("idx");
    let generations_before = generations(&idx);
    versioned_corpus(&corpus, N, "beta");
    let resume = dir.path().join("resume");
    let args = ["index", "--index", "idx", "--rebuild"];
    let child = start_paused(dir.path(), &args, "first-file", Some(&resume));
    let interrupt = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(interrupt.success());
    std::fs::write(&resume, "").unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130));
    assert_eq!(answers(dir.path()), before);
    // The partial generation is gone with the run.
    assert_eq!(generations(&idx), generations_before);
}

#[test]
fn a_folder_that_never_completed_a_run_is_no_index() {
    let dir = TempDir::new().unwrap();
    versioned_corpus(&dir.path().join("corpus"), 50, "alpha");
    // A first run that fails creates nothing.
    let out = briefs(dir.path(), &["index", "no-such-folder", "--index", "x"]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("no-such-folder"), "{}", stderr(&out));
    let out = briefs(dir.path(), &["query", "marker", "--index", "x"]);
    assert_eq!(code(&out), 2);
    assert_eq!(
        stderr(&out).trim(),
        "briefs: no index at x/: run `briefs index` first"
    );
    // A first run killed after its last commit, before the switch.
    #[cfg(unix)]
    {
        let mut child = start_paused(
            dir.path(),
            &["index", "corpus", "--index", "idx"],
            "committed",
            None,
        );
        child.kill().unwrap();
        child.wait().unwrap();
        for args in [
            &["query", "marker", "--index", "idx"][..],
            &["show", "brief-0001", "--index", "idx"],
            &["actors", "--index", "idx"],
        ] {
            let out = briefs(dir.path(), args);
            assert_eq!(code(&out), 2, "{args:?}");
            assert_eq!(
                stderr(&out).trim(),
                "briefs: no index at idx/: run `briefs index` first",
                "{args:?}"
            );
        }
        let out = briefs(dir.path(), &["index", "corpus", "--index", "idx"]);
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        assert_eq!(answers(dir.path()).2, 50);
    }
}

#[test]
fn bad_budgets_are_refused_up_front_with_the_valid_range() {
    let dir = TempDir::new().unwrap();
    small_corpus(&dir.path().join("corpus"));
    let out = briefs(dir.path(), &["index", "corpus", "--index", "idx"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let before = hits(&query(dir.path(), "idx", "talks", &[]));
    let current = generation(&dir.path().join("idx"));
    for (args, range) in [
        (&["--memory", "999999999"][..], "32 to 65536"),
        (&["--memory", "8"], "32 to 65536"),
        (&["--memory", "lots"], "32 to 65536"),
        (&["--threads", "0"], "1 to 64"),
        (&["--threads", "1000"], "1 to 64"),
    ] {
        for index in ["idx", "fresh"] {
            let mut all = vec!["index", "corpus", "--index", index];
            all.extend_from_slice(args);
            let out = briefs(dir.path(), &all);
            assert_eq!(code(&out), 2, "{args:?}");
            assert!(stderr(&out).contains(range), "{args:?}: {}", stderr(&out));
        }
        assert!(!dir.path().join("fresh").exists(), "{args:?}");
        assert_eq!(generation(&dir.path().join("idx")), current);
    }
    assert_eq!(hits(&query(dir.path(), "idx", "talks", &[])), before);
}

#[test]
fn a_budget_too_small_for_the_keys_of_the_briefs_is_refused_with_the_least_that_fits() {
    // 120,000 one-line records: their keys (set and manifest, about 3.3 MB
    // reserved) do not fit in what --memory 32 leaves beside tantivy's one
    // thread (16 - 15 = 1 MB); the budget named leaves room for them.
    let dir = TempDir::new().unwrap();
    let corpus = dir.path().join("corpus");
    std::fs::create_dir_all(&corpus).unwrap();
    let lines: String = (0..120_000)
        .map(|i| format!("{{\"id\":\"r{i}\",\"text\":\"talks {i}\"}}\n"))
        .collect();
    std::fs::write(corpus.join("many.jsonl"), lines).unwrap();
    small_corpus(&dir.path().join("small"));
    let out = briefs(dir.path(), &["index", "small", "--index", "idx"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let current = generation(&dir.path().join("idx"));
    let out = briefs(
        dir.path(),
        &["index", "corpus", "--index", "idx", "--memory", "32"],
    );
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("--memory 32 is too small for this run"),
        "{err}"
    );
    let least: usize = err
        .split("give --memory ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no least budget in {err}"));
    assert!((33..=40).contains(&least), "{err}");
    // The index is as it was, and the corpus was not remembered.
    assert_eq!(generation(&dir.path().join("idx")), current);
    let out = briefs(dir.path(), &["index", "--index", "idx"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(!stderr(&out).contains("corpus"), "{}", stderr(&out));
    let least = least.to_string();
    let out = briefs(
        dir.path(),
        &[
            "index",
            "corpus",
            "--index",
            "idx",
            "--memory",
            least.as_str(),
        ],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stderr(&out).contains("120000 added"), "{}", stderr(&out));
}

fn brief_ids(dir: &Path) -> Vec<String> {
    let out = query(dir, "idx", "*", &["--per-brief", "1", "--limit", "100000"]);
    let mut ids: Vec<String> = hits(&out)
        .iter()
        .map(|h| h["brief_id"].as_str().unwrap().to_string())
        .collect();
    ids.sort();
    ids
}

fn index_run(dir: &Path, args: &[&str]) -> String {
    let out = briefs(dir, args);
    assert_eq!(code(&out), 0, "{args:?}: {}", stderr(&out));
    stderr(&out)
}

#[test]
fn the_index_remembers_its_corpora() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    write(&d.join("gulf"), "a1.txt", "Gulf One\n\nOman hosts talks.\n");
    write(
        &d.join("gulf"),
        "a2.txt",
        "Gulf Two\n\nQatar hosts talks.\n",
    );
    write(
        &d.join("batch"),
        "b1.txt",
        "Batch One\n\nNorway hosts talks.\n",
    );
    index_run(d, &["index", "gulf", "--index", "idx"]);
    // Naming another corpus adds it and leaves the first alone.
    let added = index_run(d, &["index", "batch", "--index", "idx"]);
    assert!(added.contains("kept:     gulf/"), "{added}");
    assert!(added.contains("0 removed (3 in the index)"), "{added}");
    assert_eq!(brief_ids(d), ["a1", "a2", "b1"]);
    // No path: every remembered corpus is read again, deletions included.
    std::fs::remove_file(d.join("gulf/a2.txt")).unwrap();
    write(
        &d.join("batch"),
        "b2.txt",
        "Batch Two\n\nSweden hosts talks.\n",
    );
    let all = index_run(d, &["index", "--index", "idx"]);
    assert!(all.starts_with("indexed gulf/ batch/ into idx/"), "{all}");
    assert!(
        all.contains("1 added, 0 updated, 2 unchanged, 1 removed (3 in the index)"),
        "{all}"
    );
    assert_eq!(brief_ids(d), ["a1", "b1", "b2"]);
    // From another folder, by the absolute paths the index keeps.
    std::fs::create_dir(d.join("elsewhere")).unwrap();
    let far = index_run(&d.join("elsewhere"), &["index", "--index", "../idx"]);
    assert!(
        far.contains("0 added, 0 updated, 3 unchanged, 0 removed"),
        "{far}"
    );
    // A corpus inside a remembered one is refused.
    write(&d.join("gulf/sub"), "c.txt", "Sub\n\nText.\n");
    let nested = briefs(d, &["index", "gulf/sub", "--index", "idx"]);
    assert_eq!(code(&nested), 2);
    assert!(
        stderr(&nested).contains("inside gulf/"),
        "{}",
        stderr(&nested)
    );
    std::fs::remove_dir_all(d.join("gulf/sub")).unwrap();
    // Forgetting is explicit and says what went.
    let unknown = briefs(d, &["index", "--forget", "nope", "--index", "idx"]);
    assert_eq!(code(&unknown), 2);
    assert!(
        stderr(&unknown).contains("its corpora: gulf/, batch/"),
        "{}",
        stderr(&unknown)
    );
    let forgot = index_run(d, &["index", "--forget", "batch", "--index", "idx"]);
    assert!(
        forgot.contains("forgot:   batch/: 2 briefs from 2 files removed"),
        "{forgot}"
    );
    assert!(forgot.contains("(1 in the index)"), "{forgot}");
    assert_eq!(brief_ids(d), ["a1"]);
    // A remembered corpus that disappeared stops the run; nothing is lost.
    index_run(d, &["index", "batch", "--index", "idx"]);
    std::fs::rename(d.join("batch"), d.join("moved")).unwrap();
    let gone = briefs(d, &["index", "--index", "idx"]);
    assert_eq!(code(&gone), 2);
    assert!(
        stderr(&gone).contains("--forget batch"),
        "{}",
        stderr(&gone)
    );
    assert_eq!(brief_ids(d), ["a1", "b1", "b2"]);
}
