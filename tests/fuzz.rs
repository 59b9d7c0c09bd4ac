//! Property tests: no input bytes make the parser panic, and no query string
//! makes query compilation or search panic. Cases per property: 2,000 by
//! default, `BRIEFS_FUZZ_CASES=100000 cargo test --release --test fuzz` for
//! the long run recorded in the README.

mod common;

use std::sync::OnceLock;

use briefs::index::{self, IndexConfig};
use briefs::parse::{self, Format};
use briefs::search::{SearchRequest, Searcher};
use briefs::store;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

fn cases() -> u32 {
    std::env::var("BRIEFS_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000)
}

fn runner() -> TestRunner {
    TestRunner::new(Config {
        cases: cases(),
        failure_persistence: None,
        ..Config::default()
    })
}

/// Bytes that look like briefs often: fragments of the format glued at random.
fn brief_bytes() -> impl Strategy<Value = Vec<u8>> {
    let pieces = prop::sample::select(vec![
        "Title line\n",
        "\n\n",
        "Key Takeaways\n",
        "  • 1",
        "  • 10",
        "- ",
        "* ",
        "1. ",
        "1) ",
        "Editor's\nDesk\n",
        "Strategic Analysis\n",
        "China Daily Brief Editorial\n",
        "Strategic Insight\n",
        "Share Article\n",
        "📰\n",
        "---\ndate: 2026-01-01\n---\n",
        "# T\n",
        "## Key Takeaways\n",
        "![a](b)\n",
        "\r\n",
        "\u{feff}",
        "’“”",
        "{\"id\":1,\"title\":\"T\",\"body\":[\"p\"]}\n",
        "[{\"title\":",
        "\"takeaways\":[1,2]",
        "Date: 26-FEB-1987\n",
        "Washington and Tehran",
        "U.S.–Iran",
        " Reuter\n\u{3}",
        "\0",
        "\u{2028}",
        "é",
    ]);
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..600),
        prop::collection::vec(pieces.clone(), 0..40).prop_map(|p| p.concat().into_bytes()),
        (
            prop::collection::vec(pieces, 0..30),
            prop::collection::vec(any::<u8>(), 0..20)
        )
            .prop_map(|(p, noise)| {
                let mut bytes = p.concat().into_bytes();
                let at = bytes.len() / 2;
                bytes.splice(at..at, noise);
                bytes
            }),
    ]
}

#[test]
fn the_parser_never_panics() {
    let formats = [
        Format::Text,
        Format::Markdown,
        Format::Json,
        Format::JsonLines,
        Format::Csv,
        Format::Tsv,
        Format::Html,
    ];
    let gazetteer = index::gazetteer(None).unwrap();
    runner()
        .run(&(brief_bytes(), 0..formats.len()), |(bytes, f)| {
            let mut parsed = parse::parse_bytes(
                "fuzz.txt",
                "fuzz",
                formats[f],
                &bytes,
                &parse::ParseOptions::default(),
            );
            for brief in &mut parsed.briefs {
                gazetteer.annotate(brief);
                prop_assert!(!brief.passages().is_empty());
            }
            Ok(())
        })
        .unwrap();
}

fn searcher() -> &'static Searcher {
    static SEARCHER: OnceLock<(tempfile::TempDir, Searcher)> = OnceLock::new();
    &SEARCHER
        .get_or_init(|| {
            let dir = tempfile::TempDir::new().unwrap();
            common::small_corpus(&dir.path().join("corpus"));
            let config = IndexConfig {
                corpora: vec![dir.path().join("corpus")],
                index_dir: dir.path().join("idx"),
                forget: Vec::new(),
                rebuild: false,
                threads: 1,
                memory_mb: 50,
                progress: false,
                commit_every_bytes: index::COMMIT_EVERY_BYTES,
                actors_file: None,
                no_actors: false,
                parse: None,
            };
            index::run(&config).unwrap();
            let searcher = Searcher::new(store::open(&dir.path().join("idx")).unwrap()).unwrap();
            (dir, searcher)
        })
        .1
}

/// Query strings: syntax pieces, words of the corpus, and any characters.
fn query_strings() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "\"",
        "'",
        "(",
        ")",
        "[",
        "]",
        "{",
        "}",
        ":",
        "^",
        "~",
        "*",
        "+",
        "-",
        " ",
        "AND",
        "OR",
        "NOT",
        "title:",
        "takeaways:",
        "body:",
        "foo:",
        "nuclear",
        "talks",
        "missiles",
        "U.S.",
        "Israel's",
        "~2",
        "^3",
        "IN",
        "TO",
        "\\",
        "🚀",
        "\u{7}",
        "é",
        "0",
        "1.5",
    ]);
    prop_oneof![
        any::<String>(),
        prop::collection::vec(pieces, 0..25).prop_map(|p| p.concat()),
    ]
}

#[test]
fn no_query_string_panics() {
    let searcher = searcher();
    runner()
        .run(&(query_strings(), 0..4usize), |(query, per_brief)| {
            let request = SearchRequest {
                per_brief,
                facets: per_brief == 0,
                ..SearchRequest::new(&query)
            };
            if let Ok(results) = searcher.search(&request) {
                for hit in &results.hits {
                    for [a, b] in &hit.snippet.highlights {
                        prop_assert!(a < b && *b <= hit.snippet.text.len());
                        prop_assert!(hit.snippet.text.is_char_boundary(*a));
                        prop_assert!(hit.snippet.text.is_char_boundary(*b));
                    }
                }
            }
            Ok(())
        })
        .unwrap();
}
