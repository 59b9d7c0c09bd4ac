//! Helpers for integration tests: run the real binary on temp folders and
//! read its JSON Lines output. Fixtures are briefs of our own writing in the
//! archive's layout.

#![allow(dead_code)]

pub mod typesense;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

pub const BIN: &str = env!("CARGO_BIN_EXE_briefs");

/// Runs `briefs` in `cwd` with `args`.
pub fn briefs(cwd: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .output()
        .expect("the briefs binary runs")
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

pub fn code(output: &Output) -> i32 {
    output.status.code().unwrap_or(-1)
}

/// The JSON Lines of `--json` output.
pub fn json_lines(output: &Output) -> Vec<Value> {
    stdout(output)
        .lines()
        .map(|line| {
            serde_json::from_str(line).unwrap_or_else(|e| panic!("bad JSON line {line:?}: {e}"))
        })
        .collect()
}

/// The hit lines of a query's `--json` output.
pub fn hits(output: &Output) -> Vec<Value> {
    json_lines(output)
        .into_iter()
        .filter(|v| v["type"] == "hit")
        .collect()
}

/// The summary line of a query's `--json` output.
pub fn summary(output: &Output) -> Value {
    json_lines(output)
        .into_iter()
        .find(|v| v["type"] == "summary")
        .expect("a summary line")
}

/// Runs a query with `--json` against `index` and returns the output.
pub fn query(cwd: &Path, index: &str, q: &str, extra: &[&str]) -> Output {
    let mut args = vec!["query", q, "--index", index, "--json"];
    args.extend_from_slice(extra);
    briefs(cwd, &args)
}

pub fn write(dir: &Path, name: &str, content: &str) -> PathBuf {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("create fixture folder");
    }
    std::fs::write(&path, content).expect("write fixture");
    path
}

/// A brief in the archive's plain-text layout (title, lede, caption, Key
/// Takeaways with glued numbers, Editor's Desk, Strategic Analysis, the
/// publisher stamp, body, page chrome).
pub struct Fixture<'a> {
    pub title: &'a str,
    pub lede: &'a str,
    pub caption: Option<&'a str>,
    pub takeaways: &'a [&'a str],
    pub analysis: Option<&'a str>,
    pub body: &'a [&'a str],
}

impl Fixture<'_> {
    pub fn render(&self) -> String {
        let mut out = format!("{}\n\n{}\n\n", self.title, self.lede);
        if let Some(caption) = self.caption {
            out.push_str(&format!("{caption}\n\n"));
        }
        if !self.takeaways.is_empty() {
            out.push_str("Key Takeaways\n\n");
            for (i, t) in self.takeaways.iter().enumerate() {
                out.push_str(&format!("  • {}{t}\n", i + 1));
            }
            out.push('\n');
        }
        if let Some(analysis) = self.analysis {
            out.push_str(&format!(
                "Editor's\nDesk\n\nStrategic Analysis\n\n{analysis}\n\n"
            ));
        }
        out.push_str("China Daily Brief Editorial\nStrategic Insight\nChina Daily Brief\n\n");
        for p in self.body {
            out.push_str(&format!("{p}\n\n"));
        }
        out.push_str("Share Article\n\nRelated Articles\n\n📰\nNo related articles found");
        out
    }

    pub fn passages(&self) -> usize {
        2 + usize::from(self.caption.is_some())
            + self.takeaways.len()
            + usize::from(self.analysis.is_some())
            + self.body.len()
    }
}

/// A small archive of three briefs: Gulf talks, Red Sea shipping, Baltic.
pub fn small_corpus(dir: &Path) {
    write(
        dir,
        "2026-03-02-muscat-round.txt",
        &Fixture {
            title: "Envoys Return to Muscat for a Third Round of Nuclear Talks",
            lede: "Iranian and American negotiators met again in Muscat, where Omani mediators shuttled between the delegations.",
            caption: Some("Delegation cars outside a guest palace in Muscat."),
            takeaways: &[
                "The U.S.–Iran nuclear talks resumed after a six-week pause.",
                "Tehran refused to discuss its missiles, insisting the agenda stay nuclear.",
                "Israel warned against unilateral military strikes being ruled out in advance.",
            ],
            analysis: Some("The round matters less for what it settles than for keeping a channel open while both capitals test each other's patience."),
            body: &[
                "Omani officials said the nuclear talks would continue on Saturday after technical experts compare notes.",
                "Washington wants missile limits on the agenda, while Tehran says only its enrichment programme is open to negotiation.",
            ],
        }
        .render(),
    );
    write(
        dir,
        "2026-04-11-red-sea-convoys.txt",
        &Fixture {
            title: "Shipping Lines Weigh Convoys Through the Red Sea",
            lede: "Insurers and carriers are studying escorted convoys after a month without attacks on merchant ships.",
            caption: None,
            takeaways: &[
                "Houthi missiles have not struck a merchant ship in four weeks.",
                "War-risk premiums fell but remain triple their pre-crisis level.",
            ],
            analysis: None,
            body: &[
                "Carriers said convoys could resume within weeks if naval escorts are confirmed.",
                "Egypt has lost much of its Suez Canal revenue since the attacks began.",
            ],
        }
        .render(),
    );
    write(
        dir,
        "europe/2026-05-20-baltic-cables.md",
        "---\ndate: 2026-05-20\nsource: Northern Desk Review\n---\n# Baltic Navies Patrol Undersea Cables\n\nNATO ships stepped up patrols after an anchor dragged across a data cable.\n\n## Key Takeaways\n\n- Finland and Estonia asked NATO for more patrol aircraft.\n- Investigators boarded a tanker suspected of dragging its anchor.\n\n## Strategic Analysis\n\nThe incidents expose how little of the seabed anyone can watch.\n\n## Details\n\nThe damaged cable was repaired within a week.\n",
    );
}

/// The folder of the generation an index folder's `CURRENT` names.
pub fn generation(idx: &Path) -> PathBuf {
    let name = std::fs::read_to_string(idx.join("CURRENT")).expect("the index has a CURRENT file");
    idx.join(name.trim())
}

/// The generation folders (`gen-*`) in an index folder, sorted.
pub fn generations(idx: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(idx)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with("gen-"))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

pub mod server;
