//! Reliability through the real binary: a hostile corpus, a second writer
//! and readers during writes, damaged indexes, a full disk, hostile queries,
//! and nothing written outside the index folder.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use tempfile::TempDir;

fn brief_count(dir: &Path, index: &str) -> u64 {
    let out = briefs(dir, &["actors", "--index", index, "--json"]);
    assert!(code(&out) <= 1, "{}", stderr(&out));
    // Every brief names at least the country of the fixture below.
    json_lines(&out)
        .iter()
        .find(|l| l["actor"] == "/country/Norway")
        .map_or(0, |l| l["briefs"].as_u64().unwrap())
}

fn tiny_brief(i: usize) -> String {
    format!("Norway Brief {i}\n\nOslo reviewed fjord{i} shipping rules.\n\nKey Takeaways\n\n- Point {i}.\n")
}

#[cfg(unix)]
#[test]
fn a_hostile_corpus_is_indexed_with_every_bad_file_reported() {
    let dir = TempDir::new().unwrap();
    let c = dir.path().join("corpus");
    let mut good = 0;
    // A binary file named .txt, invalid UTF-8, an empty file.
    let binary: Vec<u8> = (0..4096u32).map(|i| (i * 7 % 256) as u8).collect();
    std::fs::create_dir_all(&c).unwrap();
    std::fs::write(c.join("binary.txt"), &binary).unwrap();
    std::fs::write(
        c.join("latin1.txt"),
        b"Norway Notes\n\nOslo caf\xe9 talks on fjordlatin shipping.\n\nShare Article\n",
    )
    .unwrap();
    good += 1;
    write(&c, "empty.txt", "");
    // A 20 MB single brief.
    let mut big = String::from("Norway Giant Brief\n\nOslo publishes everything at once.\n\n");
    let paragraph =
        "The Oslo ministry released another long paragraph about fjords and shipping lanes. "
            .repeat(20);
    while big.len() < 20 << 20 {
        big.push_str(&paragraph);
        big.push_str("\n\n");
    }
    big.push_str("The last paragraph mentions fjordgiantend.\n");
    write(&c, "giant.txt", &big);
    good += 1;
    // 10,000 tiny briefs.
    for i in 0..10_000 {
        write(&c, &format!("tiny/{:02}/b{i}.txt", i % 100), &tiny_brief(i));
    }
    good += 10_000;
    // A folder 30 levels deep, and a folder named x.txt.
    let deep: PathBuf = (0..30).map(|i| format!("d{i}")).collect();
    write(&c.join(deep), "deep.txt", &tiny_brief(100_001));
    write(&c, "x.txt/inside.txt", &tiny_brief(100_002));
    good += 2;
    // A symlink loop, a dangling symlink, a FIFO.
    std::os::unix::fs::symlink(&c, c.join("loop")).unwrap();
    std::os::unix::fs::symlink(c.join("missing.txt"), c.join("dangling.txt")).unwrap();
    let fifo = Command::new("mkfifo")
        .arg(c.join("pipe.txt"))
        .status()
        .unwrap();
    assert!(fifo.success());
    // JSON Lines: good, wrong types, a 1 MB line, not an object, truncated last line.
    let long_body = "Oslo fjordlong ".repeat(70_000);
    let jsonl = [
        r#"{"id":"j1","title":"Norway JSON One","body":"Oslo fjordjson one."}"#.to_string(),
        r#"{"id":"j2","title":["not","a","string"],"body":"Oslo fjordjson two.","takeaways":"single string","date":12}"#.to_string(),
        format!(r#"{{"id":"j3","title":"Norway Long","body":"{long_body}"}}"#),
        r#""just a string""#.to_string(),
        r#"{"id":"j5","title":"Norway Truncated","bo"#.to_string(),
    ]
    .join("\n");
    write(&c, "wire.jsonl", &jsonl);
    good += 3;
    write(&c, "strings.json", r#"["one","two"]"#);

    let started = Instant::now();
    let out = briefs(dir.path(), &["index", "corpus", "--index", "idx"]);
    let text = stderr(&out);
    assert_eq!(code(&out), 0, "{text}");
    assert!(started.elapsed() < Duration::from_secs(300));
    for expected in [
        "binary file",
        "corpus/binary.txt",
        "empty file: corpus/empty.txt",
        "symlink loop",
        "broken symlink",
        "not a regular file: corpus/pipe.txt",
        "corpus/wire.jsonl:4",
        "corpus/wire.jsonl:5",
        "malformed JSON",
        "corpus/strings.json[0]",
        "not UTF-8; read as Windows-1252",
        "`title` is an array",
    ] {
        assert!(
            text.contains(expected),
            "`{expected}` missing from:\n{text}"
        );
    }
    assert_eq!(brief_count(dir.path(), "idx"), good as u64, "{text}");
    for word in [
        "fjordgiantend",
        "fjordlatin",
        "fjordjson",
        "fjordlong",
        "fjord100001",
        "fjord100002",
        "fjord9999",
    ] {
        let out = query(dir.path(), "idx", word, &[]);
        assert_eq!(code(&out), 0, "{word} not found");
    }
}

/// A corpus big enough that indexing it takes a while.
fn slow_corpus(dir: &Path, n: usize) {
    for i in 0..n {
        let body = format!("Oslo paragraph of brief {i}. ").repeat(40);
        write(
            &dir.join("corpus"),
            &format!("{:02}/b{i}.txt", i % 40),
            &format!("Norway Brief {i}\n\nLede {i}.\n\nKey Takeaways\n\n- One.\n- Two.\n\nChina Daily Brief Editorial\n\n{body}\n\n{body}\n"),
        );
    }
}

#[test]
fn a_second_writer_stops_at_once_and_readers_see_the_last_commit() {
    let dir = TempDir::new().unwrap();
    slow_corpus(dir.path(), 300);
    index_ok(dir.path());
    let before = brief_count(dir.path(), "idx");
    slow_corpus(dir.path(), 12_000);
    let mut first = Command::new(BIN)
        .args(["index", "corpus", "--index", "idx"])
        .current_dir(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // The first writer takes the lock as soon as it has opened the index.
    std::thread::sleep(Duration::from_millis(800));
    assert!(
        first.try_wait().unwrap().is_none(),
        "the first writer finished too soon for this test"
    );
    let started = Instant::now();
    let second = briefs(dir.path(), &["index", "corpus", "--index", "idx"]);
    let message = stderr(&second);
    assert_eq!(
        code(&second),
        2,
        "the second writer ran alongside the first: {message}"
    );
    assert!(
        message.contains("being updated by another process"),
        "{message}"
    );
    assert_eq!(message.trim().lines().count(), 1, "{message}");
    assert!(started.elapsed() < Duration::from_secs(20));
    // A reader answers from the last commit meanwhile.
    let read = query(dir.path(), "idx", "oslo", &[]);
    assert_eq!(code(&read), 0, "{}", stderr(&read));
    assert!(
        first.try_wait().unwrap().is_none(),
        "check while the first writer still runs"
    );
    let status = first.wait().unwrap();
    assert!(status.success());
    assert!(brief_count(dir.path(), "idx") > before);
    assert_eq!(brief_count(dir.path(), "idx"), 12_000);
}

fn index_ok(dir: &Path) -> String {
    let out = briefs(dir, &["index", "corpus", "--index", "idx"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    stderr(&out)
}

fn first_file_with(dir: &Path, ext: &str) -> PathBuf {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .collect();
    files.sort();
    files.remove(0)
}

#[test]
fn a_damaged_index_gives_one_line_that_says_to_rebuild() {
    type Damage = fn(&Path);
    let damages: [(&str, Damage); 5] = [
        ("truncated segment file", |idx| {
            let f = first_file_with(idx, "store");
            let len = std::fs::metadata(&f).unwrap().len();
            std::fs::OpenOptions::new()
                .write(true)
                .open(&f)
                .unwrap()
                .set_len(len / 2)
                .unwrap();
        }),
        ("missing segment file", |idx| {
            std::fs::remove_file(first_file_with(idx, "term")).unwrap()
        }),
        ("garbage meta.json", |idx| {
            std::fs::write(idx.join("meta.json"), "{ not json").unwrap()
        }),
        ("another schema version", |idx| {
            let meta = std::fs::read_to_string(idx.join("meta.json")).unwrap();
            let key = r#"\"schema_version\":"#;
            let at = meta
                .find(key)
                .expect("the payload records the schema version")
                + key.len();
            let digits = meta[at..].chars().take_while(char::is_ascii_digit).count();
            let changed = format!("{}999{}", &meta[..at], &meta[at + digits..]);
            std::fs::write(idx.join("meta.json"), changed).unwrap();
        }),
        ("missing manifest", |idx| {
            let manifest = std::fs::read_dir(idx)
                .unwrap()
                .map(|e| e.unwrap().path())
                .find(|p| {
                    p.file_name()
                        .unwrap()
                        .to_string_lossy()
                        .starts_with("briefs-manifest-")
                })
                .unwrap();
            std::fs::remove_file(manifest).unwrap();
        }),
    ];
    for (what, damage) in damages {
        let dir = TempDir::new().unwrap();
        small_corpus(&dir.path().join("corpus"));
        index_ok(dir.path());
        damage(&generation(&dir.path().join("idx")));
        for args in [
            &["query", "convoys", "--index", "idx"][..],
            &["index", "corpus", "--index", "idx"],
        ] {
            let out = briefs(dir.path(), args);
            if what == "missing manifest" && args[0] == "query" {
                // Searching does not need the manifest; only indexing does.
                assert_eq!(code(&out), 0, "{}", stderr(&out));
                continue;
            }
            let message = stderr(&out);
            assert_eq!(code(&out), 2, "{what}: {args:?} gave {message}");
            assert_eq!(message.trim().lines().count(), 1, "{what}: {message}");
            assert!(
                message.contains("idx/") && message.contains("briefs index --rebuild"),
                "{what}: {message}"
            );
            assert!(
                !message.contains("panicked") && !message.contains("Custom {"),
                "{what}: {message}"
            );
        }
        let rebuilt = briefs(
            dir.path(),
            &["index", "corpus", "--index", "idx", "--rebuild"],
        );
        assert_eq!(code(&rebuilt), 0, "{what}: {}", stderr(&rebuilt));
        assert_eq!(code(&query(dir.path(), "idx", "convoys", &[])), 0, "{what}");
    }
}

/// Mounts a small tmpfs, or says why it cannot.
fn small_filesystem(at: &Path, size: &str) -> Result<(), String> {
    std::fs::create_dir_all(at).map_err(|e| e.to_string())?;
    let out = Command::new("mount")
        .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
        .arg(at)
        .output()
        .map_err(|e| format!("cannot run mount: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).trim().to_string())
    }
}

struct Unmount(PathBuf);

impl Drop for Unmount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

#[test]
fn a_full_disk_fails_clearly_and_keeps_the_previous_index() {
    let dir = TempDir::new().unwrap();
    let mount = dir.path().join("small");
    if let Err(why) = small_filesystem(&mount, "3m") {
        println!("skipped: no small filesystem here ({why})");
        return;
    }
    let _unmount = Unmount(mount.clone());
    small_corpus(&dir.path().join("corpus"));
    let out = briefs(dir.path(), &["index", "corpus", "--index", "small/idx"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let before = summary(&query(
        dir.path(),
        "small/idx",
        "the",
        &["--per-brief", "0"],
    ));
    // Far more text than the filesystem holds.
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    for i in 0..80 {
        let body: String = (0..5000)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                format!("w{:010x} ", seed & 0xff_ffff_ffff)
            })
            .collect();
        write(
            &dir.path().join("corpus"),
            &format!("bulk/{i}.txt"),
            &format!("Bulk {i}\n\n{body}\n"),
        );
    }
    let full = briefs(dir.path(), &["index", "corpus", "--index", "small/idx"]);
    let message = stderr(&full);
    assert_eq!(code(&full), 2, "{message}");
    assert_eq!(message.trim().lines().count(), 1, "{message}");
    assert!(
        message.to_lowercase().contains("no space left"),
        "{message}"
    );
    let after = summary(&query(
        dir.path(),
        "small/idx",
        "the",
        &["--per-brief", "0"],
    ));
    assert_eq!(
        before["passages"], after["passages"],
        "the previous index changed"
    );
    assert_eq!(
        before["briefs"], after["briefs"],
        "the previous index changed"
    );
    // With room again, the next run completes.
    drop(_unmount);
    let again = briefs(dir.path(), &["index", "corpus", "--index", "small/idx"]);
    assert_eq!(code(&again), 0, "{}", stderr(&again));
}

#[test]
fn hostile_queries_get_a_clear_error_or_a_sensible_result() {
    let dir = TempDir::new().unwrap();
    small_corpus(&dir.path().join("corpus"));
    index_ok(dir.path());
    let long = "convoys ".repeat(1300);
    let cases: Vec<(&str, &[i32])> = vec![
        ("\"nuclear talks", &[2]),
        ("talks\"", &[2]),
        ("footnotes:talks", &[1]),
        ("tittle:talks", &[2]),
        ("date:", &[2]),
        ("date:[2026 TO", &[2]),
        ("talks date:*", &[0, 1, 2]),
        ("talks~9", &[0, 1]),
        ("“", &[2]),
        (":", &[2]),
        ("-", &[2]),
        ("+", &[2]),
        ("convoys \u{7}\u{1b}[31m \u{7f}", &[0, 1, 2]),
        ("convoys\tescorts\n", &[0, 1]),
        ("🚀 convoys 🛳️", &[0]),
        ("((((((((((convoys", &[2]),
        ("convoys~", &[0, 1, 2]),
        ("*", &[0]),
        (long.as_str(), &[0]),
        ("AND", &[0, 1, 2]),
        ("convoys AND", &[0, 1, 2]),
        ("\\", &[0, 1, 2]),
    ];
    for (q, allowed) in cases {
        for json in [true, false] {
            let mut args = vec!["query", q, "--index", "idx"];
            if json {
                args.push("--json");
            }
            let out = briefs(dir.path(), &args);
            let c = code(&out);
            let shown: String = q.chars().take(40).collect();
            assert!(
                allowed.contains(&c),
                "{shown:?} exited {c}: {}",
                stderr(&out)
            );
            if c == 2 {
                let message = stderr(&out);
                assert_eq!(message.trim().lines().count(), 1, "{shown:?}: {message}");
                assert!(message.starts_with("briefs: "), "{shown:?}: {message}");
            } else if json {
                let _ = summary(&out);
            }
        }
    }
}

#[test]
fn nothing_is_written_outside_the_index_folder() {
    let dir = TempDir::new().unwrap();
    small_corpus(&dir.path().join("corpus"));
    write(
        &dir.path().join("corpus"),
        "paths.jsonl",
        concat!(
            r#"{"id":"../../escape","title":"Path Like Id","url":"file:///etc/passwd","body":"Oslo data only."}"#,
            "\n",
            r#"{"id":"/tmp/briefs-should-not-exist","title":"Absolute Id","url":"../outside.txt","body":"More data."}"#,
            "\n"
        ),
    );
    let snapshot = |root: &Path| -> Vec<(PathBuf, u64)> {
        let mut files: Vec<(PathBuf, u64)> = walkdir::WalkDir::new(root)
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| !e.path().starts_with(root.join("idx")))
            .map(|e| {
                (
                    e.path().to_path_buf(),
                    e.metadata().map(|m| m.len()).unwrap_or(0),
                )
            })
            .collect();
        files.sort();
        files
    };
    let before = snapshot(dir.path());
    index_ok(dir.path());
    assert_eq!(code(&query(dir.path(), "idx", "oslo", &[])), 0);
    let show = briefs(
        dir.path(),
        &["show", "paths#../../escape", "--index", "idx", "--json"],
    );
    assert_eq!(code(&show), 0, "{}", stderr(&show));
    assert_eq!(json_lines(&show)[0]["url"], "file:///etc/passwd");
    briefs(dir.path(), &["actors", "--index", "idx"]);
    let after = snapshot(dir.path());
    assert_eq!(
        before.iter().map(|f| &f.0).collect::<Vec<_>>(),
        after.iter().map(|f| &f.0).collect::<Vec<_>>()
    );
    assert!(!Path::new("/tmp/briefs-should-not-exist").exists());
    assert!(!dir.path().join("outside.txt").exists());
}
