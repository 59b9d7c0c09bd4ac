//! `briefs serve`: the JSON API against the CLI's own output, its bounds
//! and errors, hostile ids and briefs, and picking up new commits.

mod common;

use common::server::{enc, Server};
use common::*;
use serde_json::Value;
use tempfile::TempDir;

/// The small corpus plus briefs about Iran and Israel talks, indexed into
/// `idx/`.
fn indexed() -> TempDir {
    let dir = TempDir::new().unwrap();
    let corpus = dir.path().join("corpus");
    small_corpus(&corpus);
    write(
        &corpus,
        "2026-06-01-doha-talks.txt",
        &Fixture {
            title: "Qatar Hosts Indirect Talks Between Israel and Hamas",
            lede: "Qatari mediators in Doha pressed Israel and Hamas on a ceasefire framework and prisoner exchanges.",
            caption: None,
            takeaways: &[
                "Israel sent a negotiating team to Doha for talks on a truce.",
                "Egypt joined Qatar as a guarantor of any ceasefire.",
            ],
            analysis: Some("The talks test whether Qatar can still carry messages both sides trust."),
            body: &["Hamas officials said the talks would resume next week."],
        }
        .render(),
    );
    write(
        &corpus,
        "2026-06-09-vienna-iaea.txt",
        &Fixture {
            title: "IAEA Board Weighs Iran Inspections as Talks Stall",
            lede: "Diplomats in Vienna said Iran and the agency remain apart on inspector access, while the nuclear talks stall.",
            caption: None,
            takeaways: &["France, Germany and the United Kingdom drafted a resolution on Iran."],
            analysis: None,
            body: &["Russia and China said a resolution would hurt the talks."],
        }
        .render(),
    );
    let out = briefs(dir.path(), &["index", "corpus", "--index", "idx"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    dir
}

/// A hit without its timing, to compare two runs.
fn comparable(mut hits: Vec<Value>) -> Vec<Value> {
    for hit in &mut hits {
        hit.as_object_mut().unwrap().shift_remove("type");
    }
    hits
}

#[test]
fn search_answers_as_the_cli_does() {
    let dir = indexed();
    let server = Server::start(dir.path(), "idx");
    let cases: &[(&str, &[&str], &str)] = &[
        ("nuclear talks", &[], ""),
        (
            "talks",
            &["--limit", "3", "--offset", "2"],
            "&limit=3&offset=2",
        ),
        ("talks", &["--section", "takeaway"], "&section=takeaway"),
        (
            "talks",
            &["--actor", "Iran", "--facets"],
            "&actor=Iran&facets=true",
        ),
        (
            "talks",
            &["--actor", "Iran", "--actor", "Israel", "--any-actor"],
            "&actor=Iran&actor=Israel&any_actor=true",
        ),
        ("\"nuclear talks\"", &["--per-brief", "1"], "&per_brief=1"),
        (
            "missiles",
            &["--actor", "Iran", "--actor-in", "passage"],
            "&actor=Iran&actor_in=passage",
        ),
        ("talks", &["--exact-counts"], "&exact_counts=true"),
    ];
    for (q, args, params) in cases {
        let cli = query(dir.path(), "idx", q, args);
        assert_eq!(code(&cli), 0, "{q} {args:?}: {}", stderr(&cli));
        let (status, api) = server.json(&format!("/api/search?q={}{params}", enc(q)));
        assert_eq!(status, 200, "{q}: {api}");
        let api_hits = api["hits"].as_array().unwrap().clone();
        assert!(!api_hits.is_empty(), "{q}");
        assert_eq!(comparable(api_hits), comparable(hits(&cli)), "{q} {args:?}");
        let want = summary(&cli);
        for key in [
            "passages", "briefs", "exact", "facets", "since", "until", "undated",
        ] {
            assert_eq!(api["summary"][key], want[key], "{q} {args:?}: {key}");
        }
        assert!(api["summary"]["elapsed_ms"].is_number());
    }
}

#[test]
fn facets_are_any_within_a_kind_and_all_between_kinds() {
    let dir = indexed();
    let server = Server::start(dir.path(), "idx");
    let briefs_with = |params: &str| -> u64 {
        let (status, v) = server.json(&format!("/api/search?q=talks&limit=0{params}"));
        assert_eq!(status, 200, "{v}");
        v["summary"]["briefs"].as_u64().unwrap()
    };
    let iran = briefs_with("&actor=Iran");
    let israel = briefs_with("&actor=Israel");
    let both = briefs_with("&actor=Iran&actor=Israel");
    let either = briefs_with("&actor=Iran&actor=Israel&any_actor=true");
    assert!(
        iran > 0 && israel > 0 && either > both,
        "{iran} {israel} {both} {either}"
    );
    // Two countries ticked: either of them.
    assert_eq!(
        briefs_with("&actor=Iran&actor=Israel&any_within_kind=true"),
        either
    );
    // A country and an organisation: both.
    let iaea = briefs_with("&actor=Iran&actor=IAEA");
    assert_eq!(
        briefs_with("&actor=Iran&actor=IAEA&any_within_kind=true"),
        iaea
    );

    // With Iran ticked, the countries keep the counts of the search without
    // the country filter; Iran stays ticked.
    let (_, ticked) =
        server.json("/api/search?q=talks&limit=0&facets=true&any_within_kind=true&actor=Iran");
    let (_, plain) = server.json("/api/search?q=talks&limit=0&facets=true");
    let countries = |v: &Value| -> Vec<(String, u64, bool)> {
        v["facet_kinds"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["kind"] == "country")
            .unwrap()["values"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["actor"].as_str().unwrap().to_string(),
                    c["briefs"].as_u64().unwrap(),
                    c["selected"].as_bool().unwrap(),
                )
            })
            .collect()
    };
    let with_iran = countries(&ticked);
    let without = countries(&plain);
    assert_eq!(
        with_iran.iter().map(|c| (&c.0, c.1)).collect::<Vec<_>>(),
        without.iter().map(|c| (&c.0, c.1)).collect::<Vec<_>>()
    );
    assert!(with_iran.iter().any(|c| c.0 == "/country/Iran" && c.2));
    assert!(with_iran.iter().filter(|c| c.2).count() == 1);
    // Sorted by count, highest first.
    assert!(without.windows(2).all(|w| w[0].1 >= w[1].1));
    // Other kinds are counted within the Iran briefs.
    let (_, cli_iran) = (
        0,
        summary(&query(
            dir.path(),
            "idx",
            "talks",
            &["--actor", "Iran", "--facets"],
        )),
    );
    let orgs_cli: Vec<(String, u64)> = cli_iran["facets"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["actor"].as_str().unwrap().starts_with("/org/"))
        .map(|f| {
            (
                f["actor"].as_str().unwrap().to_string(),
                f["briefs"].as_u64().unwrap(),
            )
        })
        .collect();
    let orgs_api: Vec<(String, u64)> = ticked["facet_kinds"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kind"] == "org")
        .unwrap()["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["actor"].as_str().unwrap().to_string(),
                f["briefs"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(orgs_api, orgs_cli);
}

#[test]
fn briefs_and_actors_answer_as_the_cli_does() {
    let dir = indexed();
    let server = Server::start(dir.path(), "idx");
    let id = "europe/2026-05-20-baltic-cables";
    let show = briefs(dir.path(), &["show", id, "--index", "idx", "--json"]);
    let want: Value = serde_json::from_str(stdout(&show).trim()).unwrap();
    let (status, got) = server.json(&format!("/api/briefs/{}", enc(id)));
    assert_eq!(status, 200);
    assert_eq!(got, want);
    // Unencoded slashes in the id work too.
    assert_eq!(server.json(&format!("/api/briefs/{id}")).1, want);

    // With q: highlights over every part, as byte ranges of each text.
    let (_, lit) = server.json(&format!(
        "/api/briefs/{}?q={}",
        enc(id),
        enc("patrol OR anchor")
    ));
    let h = &lit["highlights"];
    let words = |text: &str, ranges: &Value| -> Vec<String> {
        ranges
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                text[r[0].as_u64().unwrap() as usize..r[1].as_u64().unwrap() as usize]
                    .to_lowercase()
            })
            .collect()
    };
    assert_eq!(
        words(lit["title"].as_str().unwrap(), &h["title"]),
        ["patrol"]
    );
    assert_eq!(
        words(lit["takeaways"][0].as_str().unwrap(), &h["takeaways"][0]),
        ["patrol"]
    );
    assert_eq!(
        words(lit["takeaways"][1].as_str().unwrap(), &h["takeaways"][1]),
        ["anchor"]
    );
    assert_eq!(
        words(lit["summary"].as_str().unwrap(), &h["summary"]),
        ["patrols", "anchor"]
    );
    assert_eq!(
        h["body"].as_array().unwrap().len(),
        lit["body"].as_array().unwrap().len()
    );

    let cli = briefs(
        dir.path(),
        &[
            "actors", "talks", "--index", "idx", "--kind", "country", "--json",
        ],
    );
    let (status, got) = server.json("/api/actors?q=talks&kind=country");
    assert_eq!(status, 200);
    assert_eq!(got["actors"].as_array().unwrap(), &json_lines(&cli));
    let all = briefs(dir.path(), &["actors", "--index", "idx", "--json"]);
    assert_eq!(
        server.json("/api/actors").1["actors"].as_array().unwrap(),
        &json_lines(&all)
    );
}

/// The CLI's error line for the same mistake, without `briefs: `.
fn cli_error(dir: &TempDir, args: &[&str]) -> String {
    let out = briefs(dir.path(), args);
    assert_eq!(code(&out), 2, "{args:?}");
    stderr(&out)
        .trim()
        .trim_start_matches("briefs: ")
        .to_string()
}

#[test]
fn bad_parameters_are_400_with_the_clis_message() {
    let dir = indexed();
    let server = Server::start(dir.path(), "idx");
    let same = [
        (
            "/api/search?q=%22nuclear+talks",
            vec!["query", "\"nuclear talks", "--index", "idx"],
        ),
        (
            "/api/search?q=tittle%3Awar",
            vec!["query", "tittle:war", "--index", "idx"],
        ),
        (
            "/api/search?q=talks&actor=Atlantis",
            vec!["query", "talks", "--index", "idx", "--actor", "Atlantis"],
        ),
        ("/api/search?q=", vec!["query", "", "--index", "idx"]),
        (
            "/api/search?q=talks&since=2026-13",
            vec!["query", "talks", "--index", "idx", "--since", "2026-13"],
        ),
        (
            "/api/search?q=talks&sort=newest",
            vec!["query", "talks", "--index", "idx", "--sort", "newest"],
        ),
    ];
    for (path, args) in same {
        let (status, v) = server.json(path);
        assert_eq!(status, 400, "{path}: {v}");
        // The CLI's line itself, or for a flag clap checks, inside clap's.
        let cli = cli_error(&dir, &args);
        let api = v["error"].as_str().unwrap();
        if cli.starts_with("error: invalid value") {
            assert!(cli.contains(api), "{path}: {api} not in {cli}");
        } else {
            assert_eq!(api, cli, "{path}");
        }
    }
    let (status, v) = server.json("/api/search?q=talks&section=footnotes");
    assert_eq!(status, 400);
    assert_eq!(
        v["error"],
        "unknown section `footnotes`; valid sections are title, summary, caption, takeaway, analysis, body"
    );
    let cli = stderr(&briefs(
        dir.path(),
        &["query", "talks", "--index", "idx", "--section", "footnotes"],
    ));
    assert!(cli.contains(v["error"].as_str().unwrap()), "{cli}");

    for (path, needle) in [
        ("/api/search?q=talks&limit=101", "at most 100"),
        ("/api/search?q=talks&limit=-1", "whole number"),
        ("/api/search?q=talks&offset=10001", "at most 10000"),
        ("/api/search?q=talks&per_brief=x", "whole number"),
        ("/api/search?q=talks&facets=maybe", "true or false"),
        ("/api/search?q=talks&actor_in=page", "brief or passage"),
        (
            "/api/search?q=talks&colour=red",
            "unknown parameter `colour`",
        ),
        (
            "/api/search?q=talks&actor=Iran&any_actor=1&any_within_kind=1",
            "exclude each other",
        ),
        ("/api/actors?kind=planet", "valid kinds are"),
        (
            "/api/briefs/2026-03-02-muscat-round?q=%22open",
            "close the quote",
        ),
    ] {
        let (status, v) = server.json(path);
        assert_eq!(status, 400, "{path}: {v}");
        assert!(v["error"].as_str().unwrap().contains(needle), "{path}: {v}");
    }
    // A query of 1,001 characters is refused, 1,000 are searched.
    let long = "oil ".repeat(250) + "x";
    let (status, v) = server.json(&format!("/api/search?q={}", enc(&long)));
    assert_eq!(status, 400);
    assert!(v["error"].as_str().unwrap().contains("too long"), "{v}");
    assert_eq!(
        server.json(&format!("/api/search?q={}", enc(&long[1..]))).0,
        200
    );
    // A query string of 20 KB is refused before anything is parsed.
    let (status, _) = server.json(&format!("/api/search?q=talks&actor={}", "x".repeat(20_000)));
    assert_eq!(status, 400);

    // Unknown brief: 404 with the CLI's line; unknown page: 404.
    let (status, v) = server.json("/api/briefs/2026-03-02-muscat");
    assert_eq!(status, 404);
    let show = briefs(dir.path(), &["show", "2026-03-02-muscat", "--index", "idx"]);
    assert_eq!(code(&show), 1);
    assert_eq!(v["error"].as_str().unwrap(), stderr(&show).trim());
    assert!(v["error"]
        .as_str()
        .unwrap()
        .contains("did you mean 2026-03-02-muscat-round"));
    assert_eq!(server.json("/api/nothing").0, 404);
    assert_eq!(
        server.get("/corpus/2026-03-02-muscat-round.txt").status,
        404
    );
}

#[test]
fn ids_never_reach_outside_the_index() {
    let dir = indexed();
    std::fs::write(dir.path().join("secret.txt"), "TOP-SECRET-CANARY").unwrap();
    let server = Server::start(dir.path(), "idx");
    for path in [
        "/api/briefs/../secret.txt",
        "/api/briefs/..%2Fsecret.txt",
        "/api/briefs/%2e%2e/%2e%2e/secret.txt",
        "/api/briefs/%2e%2e%2fsecret",
        "/api/briefs/..%2F..%2F..%2Fetc%2Fpasswd",
        "/api/briefs/%2Fetc%2Fpasswd",
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/app.js/../../secret.txt",
        "/api/briefs/%2e%2e%2fcorpus%2f2026-03-02-muscat-round.txt",
    ] {
        let r = server.get(path);
        assert!(r.status == 404 || r.status == 400, "{path}: {}", r.status);
        assert!(!r.body.contains("TOP-SECRET"), "{path}");
        assert!(!r.body.contains("root:"), "{path}");
        assert!(!r.body.contains("Envoys Return"), "{path}");
    }
}

#[test]
fn every_response_carries_the_security_headers() {
    let dir = indexed();
    let server = Server::start(dir.path(), "idx");
    for path in [
        "/",
        "/app.js",
        "/app.css",
        "/api/search?q=talks",
        "/api/search?q=%22",
        "/api/briefs/nope",
        "/nope",
    ] {
        let r = server.get(path);
        let csp = r
            .header("content-security-policy")
            .unwrap_or_else(|| panic!("{path}: no CSP"));
        assert!(csp.contains("script-src 'self'"), "{path}: {csp}");
        assert!(
            !csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"),
            "{csp}"
        );
        assert!(csp.contains("default-src 'none'"), "{csp}");
        assert_eq!(
            r.header("x-content-type-options"),
            Some("nosniff"),
            "{path}"
        );
    }
    assert!(server
        .get("/api/search?q=talks")
        .header("content-type")
        .unwrap()
        .starts_with("application/json"));
    // The page itself has no inline script or handler for the policy to allow.
    let page = server.get("/").body;
    assert!(page.contains("<script src=\"/app.js\" defer></script>"));
    assert_eq!(page.matches("<script").count(), 1);
    assert!(
        !page.contains(" on") || !regexish_handler(&page),
        "inline handler in the page"
    );
    let script = server.get("/app.js").body;
    assert!(
        !script.contains("innerHTML")
            && !script.contains("insertAdjacentHTML")
            && !script.contains("eval(")
    );
}

/// Whether `html` has an attribute like ` onclick=`.
fn regexish_handler(html: &str) -> bool {
    html.split(" on").skip(1).any(|rest| {
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphabetic())
            .collect();
        !name.is_empty() && rest[name.len()..].starts_with('=')
    })
}

#[test]
fn hostile_briefs_are_data() {
    let dir = TempDir::new().unwrap();
    let corpus = dir.path().join("corpus");
    write(
        &corpus,
        "evil.jsonl",
        r#"{"id":"../../escape","title":"<script>alert(1)</script> talks","summary":"<img src=x onerror=alert(2)> talks","url":"javascript:alert(3)","body":["\u202Egnp.exe talks"]}"#,
    );
    let out = briefs(dir.path(), &["index", "corpus", "--index", "idx"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let server = Server::start(dir.path(), "idx");
    let (status, v) = server.json("/api/search?q=talks");
    assert_eq!(status, 200);
    let hit = &v["hits"][0];
    // Returned as JSON strings, exactly as written: the page shows them as text.
    assert_eq!(hit["title"], "<script>alert(1)</script> talks");
    let id = hit["brief_id"].as_str().unwrap();
    let (status, b) = server.json(&format!("/api/briefs/{}", enc(id)));
    assert_eq!(status, 200);
    assert_eq!(b["url"], "javascript:alert(3)");
    assert_eq!(b["summary"], "<img src=x onerror=alert(2)> talks");
    assert!(b["body"][0].as_str().unwrap().starts_with('\u{202E}'));
    let raw = server.get(&format!("/api/briefs/{}", enc(id)));
    assert!(raw
        .header("content-type")
        .unwrap()
        .starts_with("application/json"));
}

#[test]
fn a_new_commit_is_served_without_a_restart() {
    let dir = indexed();
    let server = Server::start(dir.path(), "idx");
    let count =
        |s: &Server| s.json("/api/search?q=cormorants&limit=0").1["summary"]["briefs"].as_u64();
    assert_eq!(count(&server), Some(0));
    write(
        &dir.path().join("corpus"),
        "2026-07-01-cormorants.txt",
        &Fixture {
            title: "Cormorants Return to the Gulf of Riga",
            lede: "Fishermen report cormorants in numbers not seen for a decade.",
            caption: None,
            takeaways: &["Latvia counted twice as many cormorants as last year."],
            analysis: None,
            body: &["The birds compete with the fleet for herring."],
        }
        .render(),
    );
    // Meanwhile, requests keep being answered, each from one whole commit.
    let hammer = {
        let base = server.base.clone();
        std::thread::spawn(move || {
            let mut seen = std::collections::BTreeSet::new();
            for _ in 0..200 {
                let r = common::server::get(&format!("{base}/api/search?q=*&limit=0"));
                assert_eq!(r.status, 200, "{}", r.body);
                let v: Value = serde_json::from_str(&r.body).unwrap();
                seen.insert(v["summary"]["briefs"].as_u64().unwrap());
            }
            seen
        })
    };
    let out = briefs(dir.path(), &["index", "corpus", "--index", "idx"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        server.wait_for(20, |s| count(s) == Some(1)),
        "the new brief was not picked up: {:?}",
        server.log.lock().unwrap()
    );
    let seen = hammer.join().unwrap();
    // Only whole commits: the old archive or the new one.
    assert!(seen.iter().all(|n| *n == 5 || *n == 6), "{seen:?}");
    assert!(server.wait_for(5, |s| s
        .log
        .lock()
        .unwrap()
        .iter()
        .any(|l| l.starts_with("reloaded idx/: 6 briefs"))));
    assert_eq!(server.json("/api/status").1["briefs"], 6);
}

#[test]
fn binding_beyond_loopback_warns() {
    let dir = indexed();
    let server = Server::start(dir.path(), "idx");
    assert!(!server
        .log
        .lock()
        .unwrap()
        .iter()
        .any(|l| l.contains("warning")));
    drop(server);
    let out = std::process::Command::new(BIN)
        .args(["serve", "--index", "idx", "--bind", "0.0.0.0:0"])
        .current_dir(dir.path())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut child = out;
    let stderr = child.stderr.take().unwrap();
    let first = std::io::BufRead::lines(std::io::BufReader::new(stderr)).next();
    let _ = child.kill();
    let _ = child.wait();
    let line = first.unwrap().unwrap();
    assert!(line.starts_with("warning: listening on 0.0.0.0:"), "{line}");
    assert!(line.contains("readable from the network"), "{line}");
}

#[test]
fn no_index_is_an_error_at_start() {
    let dir = TempDir::new().unwrap();
    let out = briefs(dir.path(), &["serve", "--index", "nothing"]);
    assert_eq!(code(&out), 2);
    assert_eq!(
        stderr(&out).trim(),
        "briefs: no index at nothing/: run `briefs index` first"
    );
}
