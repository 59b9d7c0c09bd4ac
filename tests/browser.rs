//! The search page in real headless Chromium, driven over chromedriver
//! (fantoccini): typing, highlights and hit order against `briefs query
//! --json`, a facet ticked and the URL, Back, a brief opened with its words
//! highlighted, errors, hostile briefs shown as text, a narrow screen and
//! the keyboard. Skipped, with the reason printed, where there is no
//! chromedriver (`.ci/run` installs Debian's chromium and chromium-driver).

mod common;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::server::Server;
use common::*;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};
use tempfile::TempDir;

fn on_path(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    })
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The brief whose title, summary, url and body try to run or reorder.
const HOSTILE: &str = r#"{"id":"hostile","title":"<script>window.pwned=1</script><b>bold</b> talks","summary":"<img src=x onerror=\"window.pwned=2\"> nuclear talks","url":"javascript:window.pwned=3","body":["Plain \u202Egnp.exe\u202C talks about nothing."]}"#;

fn corpus(dir: &Path) {
    let corpus = dir.join("corpus");
    small_corpus(&corpus);
    write(
        &corpus,
        "2026-06-01-doha-talks.txt",
        &Fixture {
            title: "Qatar Hosts Indirect Talks Between Israel and Hamas",
            lede: "Qatari mediators pressed Israel and Hamas on a ceasefire while nuclear talks with Iran stalled elsewhere.",
            caption: None,
            takeaways: &["Israel sent a team to Doha for talks on a truce."],
            analysis: Some("The talks test whether Qatar can still carry messages."),
            body: &["Hamas officials said the talks would resume next week."],
        }
        .render(),
    );
    write(&corpus, "wire.jsonl", HOSTILE);
}

/// Polls a JavaScript expression until it is true.
async fn until(client: &Client, expr: &str, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let ok = client
            .execute(&format!("return !!({expr});"), vec![])
            .await
            .map(|v| v == json!(true))
            .unwrap_or(false);
        if ok {
            return;
        }
        if Instant::now() > deadline {
            let url = client
                .current_url()
                .await
                .map(|u| u.to_string())
                .unwrap_or_default();
            panic!("timed out waiting for {what} ({expr}) at {url}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn js(client: &Client, script: &str) -> Value {
    client.execute(script, vec![]).await.unwrap()
}

/// The page's hits: brief id, section label and the marked words.
async fn page_hits(client: &Client) -> Vec<(String, String, Vec<String>)> {
    let v = js(
        client,
        "return [...document.querySelectorAll('#hits li.hit')].map(li => [li.dataset.brief, \
         li.querySelector('.meta .label').textContent, \
         [...li.querySelectorAll('.snippet mark')].map(m => m.textContent)]);",
    )
    .await;
    serde_json::from_value(v).unwrap()
}

/// The same from `briefs query --json`.
fn cli_hits(dir: &Path, q: &str, extra: &[&str]) -> Vec<(String, String, Vec<String>)> {
    let out = query(dir, "idx", q, extra);
    hits(&out)
        .iter()
        .map(|h| {
            let snippet = h["snippet"].as_str().unwrap();
            let marks = h["highlights"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| {
                    snippet[r[0].as_u64().unwrap() as usize..r[1].as_u64().unwrap() as usize]
                        .to_string()
                })
                .collect();
            (
                h["brief_id"].as_str().unwrap().to_string(),
                h["label"].as_str().unwrap().to_string(),
                marks,
            )
        })
        .collect()
}

async fn url(client: &Client) -> String {
    client.current_url().await.unwrap().to_string()
}

/// Facet values shown for a kind: (actor, count, ticked).
async fn facet_values(client: &Client, kind: &str) -> Vec<(String, u64, bool)> {
    let v = js(
        client,
        &format!(
            "return [...document.querySelectorAll('fieldset[data-kind=\"{kind}\"] li')].map(li => \
             [li.querySelector('input').value, +li.querySelector('.count').textContent, li.querySelector('input').checked]);"
        ),
    )
    .await;
    serde_json::from_value(v).unwrap()
}

#[test]
fn the_search_page_in_headless_chromium() {
    let (Some(driver), Some(chromium)) = (
        on_path("chromedriver"),
        on_path("chromium").or_else(|| on_path("chromium-browser")),
    ) else {
        println!("skipped: no chromedriver and chromium on PATH (apt-get install chromium chromium-driver; .ci/run does)");
        return;
    };
    let dir = TempDir::new().unwrap();
    corpus(dir.path());
    let out = briefs(dir.path(), &["index", "corpus", "--index", "idx"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let server = Server::start(dir.path(), "idx");

    let port = free_port();
    let _driver = Driver(
        Command::new(driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts"),
    );
    let profile = TempDir::new().unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": chromium,
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                    "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync",
                    "--disable-dev-shm-usage", "--window-size=1280,1000",
                    format!("--user-data-dir={}", profile.path().display()),
                ],
            }),
        );
        let webdriver = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(30);
        let client = loop {
            let connector = hyper_util::client::legacy::connect::HttpConnector::new();
            match ClientBuilder::new(connector)
                .capabilities(caps.clone())
                .connect(&webdriver)
                .await
            {
                Ok(client) => break client,
                Err(e) if Instant::now() < deadline => {
                    let _ = e;
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                Err(e) => panic!("no webdriver session: {e}"),
            }
        };
        let result = drive(&client, dir.path(), &server.base).await;
        let _ = client.close().await;
        result
    });
}

async fn drive(client: &Client, dir: &Path, base: &str) {
    client.goto(&format!("{base}/")).await.unwrap();
    until(
        client,
        "document.activeElement && document.activeElement.id === 'q'",
        "the box focused on load",
    )
    .await;
    until(
        client,
        "document.getElementById('status').textContent.includes('briefs in')",
        "the archive size",
    )
    .await;

    let start_len = js(client, "return history.length;").await.as_u64().unwrap();
    // Search as you type: no Enter needed.
    let q = "nuclear talks";
    let box_ = client.find(Locator::Id("q")).await.unwrap();
    box_.send_keys(q).await.unwrap();
    until(client, "location.search.includes('q=nuclear+talks') && document.querySelectorAll('#hits li.hit').length > 0", "results as you type").await;
    until(
        client,
        "document.getElementById('status').textContent.includes('passages')",
        "the summary",
    )
    .await;
    let want = cli_hits(dir, q, &[]);
    assert!(want.len() >= 3, "{want:?}");
    assert_eq!(
        page_hits(client).await,
        want,
        "hit order and highlighted words as the CLI's"
    );
    let shown: Vec<String> = serde_json::from_value(js(client, "return [...document.querySelectorAll('#hits mark')].map(m => m.textContent.toLowerCase());").await).unwrap();
    assert!(
        shown.iter().any(|m| m == "nuclear") && shown.iter().any(|m| m.starts_with("talk")),
        "{shown:?}"
    );
    // Typing made one history entry, not one per key.
    let history_len = js(client, "return history.length;").await.as_u64().unwrap();
    assert_eq!(
        history_len,
        start_len + 1,
        "one history entry for the typed search"
    );

    // Tick a country: OR within countries, the other countries' counts stay.
    let before = facet_values(client, "country").await;
    assert!(
        before.windows(2).all(|w| w[0].1 >= w[1].1),
        "sorted by count: {before:?}"
    );
    let israel = before
        .iter()
        .find(|v| v.0 == "/country/Israel")
        .expect("Israel listed")
        .clone();
    client
        .find(Locator::Css("input[value=\"/country/Israel\"]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    until(
        client,
        "location.search.includes('actor=%2Fcountry%2FIsrael')",
        "the actor in the URL",
    )
    .await;
    until(client, "document.querySelector('input[value=\"/country/Israel\"]') && document.querySelector('input[value=\"/country/Israel\"]').checked", "Israel ticked after the reload of results").await;
    until(
        client,
        &format!(
            "document.getElementById('status').textContent.includes('in {} brief')",
            israel.1
        ),
        "the summary of the Israel briefs (the count Israel showed)",
    )
    .await;
    let after = facet_values(client, "country").await;
    assert_eq!(
        after.iter().map(|v| (&v.0, v.1)).collect::<Vec<_>>(),
        before.iter().map(|v| (&v.0, v.1)).collect::<Vec<_>>(),
        "counts of the other countries stay what adding each would give"
    );
    let status: String = serde_json::from_value(
        js(
            client,
            "return document.getElementById('status').textContent;",
        )
        .await,
    )
    .unwrap();
    assert!(
        status.contains(&format!("in {} brief", israel.1)),
        "{status} vs Israel's {}",
        israel.1
    );
    let want_israel = cli_hits(dir, q, &["--actor", "Israel"]);
    until(
        client,
        &format!(
            "document.querySelectorAll('#hits li.hit').length === {}",
            want_israel.len()
        ),
        "the narrowed hits",
    )
    .await;
    assert_eq!(page_hits(client).await, want_israel);
    // The URL alone gives the same page (shareable).
    let shared = url(client).await;
    assert!(shared.contains("q=nuclear+talks"), "{shared}");

    // Back: the search without the country.
    client.back().await.unwrap();
    until(
        client,
        "!location.search.includes('actor=')",
        "Back to the unfiltered search",
    )
    .await;
    until(client, "document.querySelector('input[value=\"/country/Israel\"]') && !document.querySelector('input[value=\"/country/Israel\"]').checked", "Israel unticked").await;
    until(
        client,
        &format!(
            "document.querySelectorAll('#hits li.hit').length === {}",
            want.len()
        ),
        "the first hits again",
    )
    .await;
    assert_eq!(page_hits(client).await, want);
    // Forward comes back to the country.
    client.forward().await.unwrap();
    until(
        client,
        "location.search.includes('actor=%2Fcountry%2FIsrael')",
        "Forward",
    )
    .await;
    until(
        client,
        &format!(
            "document.querySelectorAll('#hits li.hit').length === {}",
            want_israel.len()
        ),
        "the narrowed hits again",
    )
    .await;
    client.back().await.unwrap();
    until(client, "!location.search.includes('actor=')", "Back again").await;
    until(
        client,
        &format!(
            "document.querySelectorAll('#hits li.hit').length === {}",
            want.len()
        ),
        "the first hits",
    )
    .await;

    // Open the first brief: every section, the query's words marked.
    let first_id = want[0].0.clone();
    client
        .find(Locator::Css("#hits li.hit h2 a"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    until(
        client,
        "!document.getElementById('brief').hidden && document.querySelector('#brief h1')",
        "the brief view",
    )
    .await;
    assert!(url(client).await.contains("brief="), "the brief in the URL");
    let show = briefs(dir, &["show", &first_id, "--index", "idx", "--json"]);
    let brief: Value = serde_json::from_str(stdout(&show).trim()).unwrap();
    let h1: String = serde_json::from_value(
        js(
            client,
            "return document.querySelector('#brief h1').textContent;",
        )
        .await,
    )
    .unwrap();
    assert_eq!(h1, brief["title"].as_str().unwrap());
    let paragraphs = js(client, "return document.querySelectorAll('#brief ol li').length + '/' + document.querySelectorAll('#brief > p:not(.meta)').length;").await;
    let takeaways = brief["takeaways"].as_array().unwrap().len();
    assert!(
        paragraphs
            .as_str()
            .unwrap()
            .starts_with(&format!("{takeaways}/")),
        "{paragraphs}"
    );
    let marks: Vec<String> = serde_json::from_value(js(client, "return [...document.querySelectorAll('#brief mark')].map(m => m.textContent.toLowerCase());").await).unwrap();
    assert!(marks.iter().any(|m| m == "nuclear"), "{marks:?}");
    assert!(marks.iter().any(|m| m.starts_with("talk")), "{marks:?}");
    let order: Vec<String> = serde_json::from_value(
        js(
            client,
            "return [...document.querySelectorAll('#brief h3')].map(h => h.textContent);",
        )
        .await,
    )
    .unwrap();
    let mut expected = Vec::new();
    if takeaways > 0 {
        expected.push("Key Takeaways");
    }
    if brief["analysis"].is_string() {
        expected.push("Strategic Analysis");
    }
    if !brief["body"].as_array().unwrap().is_empty() {
        expected.push("Body");
    }
    assert_eq!(order, expected);

    let screenshot = client.screenshot().await.unwrap();
    let shot = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("serve-brief.png");
    std::fs::write(&shot, &screenshot).unwrap();
    println!("screenshot: {}", shot.display());
    client.back().await.unwrap();
    until(client, "document.getElementById('brief').hidden && document.querySelectorAll('#hits li.hit').length > 0", "Back to the results").await;

    // A syntax error: the CLI's message under the box, results cleared.
    let box_ = client.find(Locator::Id("q")).await.unwrap();
    box_.clear().await.unwrap();
    box_.send_keys("\"nuclear talks\u{E007}").await.unwrap(); // and Enter
    until(
        client,
        "!document.getElementById('error').hidden",
        "the error line",
    )
    .await;
    let shown: String = serde_json::from_value(
        js(
            client,
            "return document.getElementById('error').textContent;",
        )
        .await,
    )
    .unwrap();
    let cli = briefs(dir, &["query", "\"nuclear talks", "--index", "idx"]);
    assert_eq!(shown, stderr(&cli).trim().trim_start_matches("briefs: "));

    // Hostile brief: shown as text, nothing runs, no link to javascript:.
    client
        .goto(&format!("{base}/?q=talks&brief=wire%23hostile"))
        .await
        .unwrap();
    until(
        client,
        "document.querySelector('#brief h1')",
        "the hostile brief",
    )
    .await;
    let h1: String = serde_json::from_value(
        js(
            client,
            "return document.querySelector('#brief h1').textContent;",
        )
        .await,
    )
    .unwrap();
    assert_eq!(h1, "<script>window.pwned=1</script><b>bold</b> talks");
    let checks = js(client, "return [window.pwned === undefined, document.querySelectorAll('script').length, \
        document.querySelectorAll('#brief img, #brief b, #brief script').length, \
        document.querySelectorAll('a[href^=\"javascript\"]').length, \
        document.querySelector('#brief .unsafe-url') && document.querySelector('#brief .unsafe-url').textContent, \
        [...document.querySelectorAll('#brief .control')].map(c => c.textContent)];").await;
    assert_eq!(
        checks,
        json!([
            true,
            1,
            0,
            0,
            "javascript:window.pwned=3",
            ["U+202E", "U+202C"]
        ])
    );
    // The same in a list of hits.
    client.goto(&format!("{base}/?q=window")).await.unwrap();
    until(
        client,
        "document.querySelectorAll('#hits li.hit').length > 0",
        "hostile hits",
    )
    .await;
    assert_eq!(js(client, "return [window.pwned === undefined, document.querySelectorAll('#hits img, #hits b, #hits script').length];").await, json!([true, 0]));

    // Newest first, and from a month on: in the URL, as the CLI orders them.
    client.goto(&format!("{base}/?q=talks")).await.unwrap();
    until(
        client,
        "document.querySelectorAll('#hits li.hit').length > 0",
        "talks",
    )
    .await;
    client
        .find(Locator::Id("sort"))
        .await
        .unwrap()
        .select_by_value("-date")
        .await
        .unwrap();
    until(
        client,
        "location.search.includes('sort=-date')",
        "the order in the URL",
    )
    .await;
    let newest = cli_hits(dir, "talks", &["--sort", "-date"]);
    until(client, &format!("document.querySelector('#hits li.hit') && document.querySelector('#hits li.hit').dataset.brief === {:?}", newest[0].0), "newest first").await;
    assert_eq!(page_hits(client).await, newest);
    client
        .find(Locator::Id("since"))
        .await
        .unwrap()
        .send_keys("2026-05\u{E007}")
        .await
        .unwrap();
    until(
        client,
        "location.search.includes('since=2026-05')",
        "the date in the URL",
    )
    .await;
    let since = cli_hits(dir, "talks", &["--sort", "-date", "--since", "2026-05"]);
    until(
        client,
        &format!(
            "document.querySelectorAll('#hits li.hit').length === {}",
            since.len()
        ),
        "hits from May on",
    )
    .await;
    assert_eq!(page_hits(client).await, since);

    // 375 px wide: no sideways scrolling; filters fold away; keyboard alone.
    client.set_window_size(375, 812).await.unwrap();
    client.goto(&format!("{base}/?q=talks")).await.unwrap();
    until(
        client,
        "document.querySelectorAll('#hits li.hit').length > 0",
        "narrow results",
    )
    .await;
    let widths = js(
        client,
        "return [document.documentElement.scrollWidth, window.innerWidth];",
    )
    .await;
    assert!(widths[0].as_u64() <= widths[1].as_u64(), "{widths}");
    let narrow = client.screenshot().await.unwrap();
    std::fs::write(
        PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("serve-narrow.png"),
        narrow,
    )
    .unwrap();
    // `/` focuses the box from anywhere but a text field.
    js(client, "document.activeElement.blur(); return 1;").await;
    client
        .find(Locator::Css("body"))
        .await
        .unwrap()
        .send_keys("/")
        .await
        .unwrap();
    until(
        client,
        "document.activeElement.id === 'q'",
        "/ focusing the box",
    )
    .await;
    // Tab reaches a hit's link; Enter opens it.
    let mut reached = false;
    for _ in 0..30 {
        client
            .active_element()
            .await
            .unwrap()
            .send_keys("\u{E004}")
            .await
            .unwrap();
        if js(
            client,
            "return !!document.activeElement.closest('#hits h2 a');",
        )
        .await
            == json!(true)
        {
            reached = true;
            break;
        }
    }
    assert!(reached, "Tab reaches the first hit");
    client
        .active_element()
        .await
        .unwrap()
        .send_keys("\u{E007}")
        .await
        .unwrap();
    until(
        client,
        "location.search.includes('brief=') && document.querySelector('#brief h1')",
        "Enter opening the brief",
    )
    .await;
}
