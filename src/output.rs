//! Hits and briefs to text for people or JSON Lines for programs, over any
//! `Write`.

use std::io::{self, Write};

use serde::Serialize;

use crate::actors::{Evidence, Explanation, Gazetteer};
use crate::brief::{Brief, Section};
use crate::search::{ActorCount, BriefMatches, Explain, Hit, SearchResults, Suggestion, Timeline};
use crate::when::{self, By, DateRange};

/// How to print: JSON Lines, or text with or without colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Text { color: bool },
}

const BOLD: &str = "\x1b[1m";
const MATCH: &str = "\x1b[1;31m";
const DIM: &str = "\x1b[2m";
const RESET: &str = "\x1b[0m";

#[derive(Serialize)]
struct HitLine<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    rank: usize,
    score: f32,
    brief_id: &'a str,
    path: &'a str,
    title: Option<&'a str>,
    source: Option<&'a str>,
    date: Option<&'a str>,
    section: &'static str,
    ordinal: u64,
    label: String,
    text: &'a str,
    snippet: &'a str,
    highlights: &'a [[usize; 2]],
    actors: &'a [String],
    /// Matching passages of the brief beyond the per-brief cap.
    more: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    explain: Option<&'a Explain>,
}

#[derive(Serialize)]
struct SummaryLine<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    passages: u64,
    briefs: u64,
    /// False where `passages` is estimated from a sample of the matching
    /// briefs (to two significant digits); `--exact-counts` counts them.
    exact: bool,
    elapsed_ms: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    facets: Option<Vec<FacetLine<'a>>>,
    /// Matching briefs per year, with the facets.
    #[serde(skip_serializing_if = "Option::is_none")]
    years: Option<Vec<PeriodLine>>,
    /// The date filter in effect, as `YYYY-MM-DD` days, inclusive.
    #[serde(skip_serializing_if = "Option::is_none")]
    since: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    until: Option<String>,
    /// Matching briefs without a date (left out by a date filter).
    #[serde(skip_serializing_if = "Option::is_none")]
    undated: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    suggestion: Option<SuggestionLine<'a>>,
}

#[derive(Serialize)]
struct SuggestionLine<'a> {
    query: &'a str,
    /// Absent where the suggested query finds so many briefs that its
    /// passages are not counted.
    #[serde(skip_serializing_if = "Option::is_none")]
    passages: Option<u64>,
    briefs: u64,
}

/// One period of a timeline (`briefs timeline`, `years` of a summary).
#[derive(Serialize)]
struct PeriodLine {
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    line_type: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    by: Option<&'static str>,
    /// First and last day, `YYYY-MM-DD`.
    start: String,
    end: String,
    /// `2026`, `2026-02`, `2026-W06`.
    label: String,
    briefs: u64,
}

fn period_line(by: By, start: i64, briefs: u64, standalone: bool) -> PeriodLine {
    PeriodLine {
        line_type: standalone.then_some("period"),
        by: standalone.then_some(by.name()),
        start: when::ymd(start),
        end: when::ymd(by.next(start) - 1),
        label: by.label(start),
        briefs,
    }
}

fn bounds(dates: &DateRange) -> (Option<String>, Option<String>) {
    (dates.from.map(when::ymd), dates.to.map(when::ymd))
}

/// One actor count, in `facets` and in `briefs actors --json`.
#[derive(Serialize)]
struct FacetLine<'a> {
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    line_type: Option<&'static str>,
    actor: &'a str,
    name: &'a str,
    briefs: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    kind: Option<&'a str>,
}

fn facet_line(count: &ActorCount, standalone: bool) -> FacetLine<'_> {
    FacetLine {
        line_type: standalone.then_some("actor"),
        actor: &count.actor,
        name: count.name(),
        briefs: count.briefs,
        kind: standalone.then(|| count.kind()),
    }
}

/// A hit as the JSON object of the contract (`briefs serve` sends it too).
pub fn hit_json(hit: &Hit) -> serde_json::Value {
    as_printed(&hit_line(hit))
}

/// A value as `--json` prints it: through its text, so that an `f32` score
/// keeps its short form (4.3288207, not 4.328820705413818).
fn as_printed<T: Serialize>(value: &T) -> serde_json::Value {
    serde_json::to_string(value)
        .ok()
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_default()
}

/// The summary of a search as the JSON object of the contract.
pub fn summary_json(results: &SearchResults) -> serde_json::Value {
    let elapsed_ms = (results.elapsed_ms * 1000.0).round() / 1000.0;
    as_printed(&summary_line(results, elapsed_ms))
}

/// The closing summary line of a search.
fn summary_line(results: &SearchResults, elapsed_ms: f64) -> SummaryLine<'_> {
    SummaryLine {
        kind: "summary",
        passages: results.passages,
        briefs: results.briefs,
        exact: results.passages_exact,
        elapsed_ms,
        facets: results
            .facets
            .as_ref()
            .map(|f| f.iter().map(|c| facet_line(c, false)).collect()),
        years: results.years.as_ref().map(|years| {
            years
                .iter()
                .map(|&(start, n)| period_line(By::Year, start, n, false))
                .collect()
        }),
        since: bounds(&results.dates).0,
        until: bounds(&results.dates).1,
        undated: results.undated,
        suggestion: results.suggestion.as_ref().map(|s| SuggestionLine {
            query: &s.query,
            passages: s.passages,
            briefs: s.briefs,
        }),
    }
}

/// An actor count as in `facets` (`standalone`: as `briefs actors --json`
/// prints it, with `type` and `kind`).
pub fn actor_count_json(count: &ActorCount, standalone: bool) -> serde_json::Value {
    serde_json::to_value(facet_line(count, standalone)).unwrap_or_default()
}

fn json_line<T: Serialize>(out: &mut dyn Write, value: &T) -> io::Result<()> {
    serde_json::to_writer(&mut *out, value).map_err(io::Error::other)?;
    out.write_all(b"\n")
}

/// Prints the hits of a search and the closing summary.
pub fn print_results(
    out: &mut dyn Write,
    results: &SearchResults,
    format: Format,
) -> io::Result<()> {
    let elapsed_ms = (results.elapsed_ms * 1000.0).round() / 1000.0;
    match format {
        Format::Json => {
            for hit in &results.hits {
                json_line(out, &hit_line(hit))?;
            }
            json_line(out, &summary_line(results, elapsed_ms))
        }
        Format::Text { color } => {
            for hit in &results.hits {
                print_hit(out, hit, color)?;
            }
            let shown = match (results.hits.first(), results.hits.last()) {
                (Some(first), Some(last)) => format!(", showing {}-{}", first.rank, last.rank),
                _ => String::new(),
            };
            let dated = match (results.dates.is_set(), results.undated) {
                (true, Some(0) | None) => format!(" dated {}", results.dates),
                (true, Some(n)) => format!(
                    " dated {} ({n} undated brief{} left out)",
                    results.dates,
                    plural(n)
                ),
                _ => String::new(),
            };
            writeln!(
                out,
                "{}{} passage{} in {} brief{}{dated}{shown} ({elapsed_ms:.1} ms)",
                if results.passages_exact { "" } else { "about " },
                results.passages,
                plural(results.passages),
                results.briefs,
                plural(results.briefs)
            )?;
            if let Some(suggestion) = &results.suggestion {
                print_suggestion(out, suggestion, color)?;
            }
            if let Some(years) = &results.years {
                let counts: Vec<String> = years
                    .iter()
                    .filter(|(_, n)| *n > 0)
                    .map(|&(start, n)| format!("{} {n}", By::Year.label(start)))
                    .collect();
                let undated = match (results.dates.is_set(), results.undated) {
                    (false, Some(n)) if n > 0 => format!(" (+{n} undated)"),
                    _ => String::new(),
                };
                if !counts.is_empty() || !undated.is_empty() {
                    writeln!(out, "years: {}{undated}", counts.join(" · "))?;
                }
            }
            if let Some(facets) = &results.facets {
                let top: Vec<String> = facets
                    .iter()
                    .take(FACETS_IN_TEXT)
                    .map(|c| format!("{} {}", c.name(), c.briefs))
                    .collect();
                let more = facets.len().saturating_sub(FACETS_IN_TEXT);
                let more = if more > 0 {
                    format!(" (+{more} more)")
                } else {
                    String::new()
                };
                writeln!(out, "actors: {}{more}", top.join(" · "))?;
            }
            Ok(())
        }
    }
}

fn print_suggestion(out: &mut dyn Write, suggestion: &Suggestion, color: bool) -> io::Result<()> {
    let briefs = format!("{} brief{}", suggestion.briefs, plural(suggestion.briefs));
    let counts = match suggestion.passages {
        Some(n) => format!("{n} passage{} in {briefs}", plural(n)),
        None => briefs,
    };
    writeln!(
        out,
        "did you mean: {} ({counts})",
        paint(color, BOLD, &suggestion.query),
    )
}

/// The widest bar of a timeline, in characters.
const BAR_WIDTH: usize = 40;

/// A bar of `value / max` of `BAR_WIDTH` in block characters, to an
/// eighth of a character.
fn bar(value: u64, max: u64) -> String {
    if max == 0 || value == 0 {
        return String::new();
    }
    let eighths = ((value as f64 / max as f64) * (BAR_WIDTH * 8) as f64).round() as usize;
    let eighths = eighths.max(1);
    let mut out = "█".repeat(eighths / 8);
    const PARTS: [char; 8] = [' ', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];
    let part = PARTS[eighths % 8];
    if part != ' ' {
        out.push(part);
    }
    out
}

/// One block character per value, its height the value against `max`.
fn sparkline(values: &[u64], max: u64) -> String {
    const LEVELS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    values
        .iter()
        .map(|&v| match (v, max) {
            (0, _) | (_, 0) => ' ',
            (v, max) => LEVELS[((v as f64 / max as f64) * 7.0).round() as usize],
        })
        .collect()
}

/// Prints a timeline: JSON Lines (one `period` line each, then a
/// `summary`), or a table with a bar per period; on a terminal, a
/// sparkline of the whole series too.
pub fn print_timeline(out: &mut dyn Write, timeline: &Timeline, format: Format) -> io::Result<()> {
    let by = timeline.by;
    let dated: u64 = timeline.periods.iter().map(|(_, n)| n).sum();
    let elapsed_ms = (timeline.elapsed_ms * 1000.0).round() / 1000.0;
    let (since, until) = bounds(&timeline.dates);
    if format == Format::Json {
        #[derive(Serialize)]
        struct TimelineSummary {
            #[serde(rename = "type")]
            kind: &'static str,
            by: &'static str,
            periods: usize,
            briefs: u64,
            dated: u64,
            undated: u64,
            #[serde(skip_serializing_if = "Option::is_none")]
            since: Option<String>,
            #[serde(skip_serializing_if = "Option::is_none")]
            until: Option<String>,
            elapsed_ms: f64,
        }
        for &(start, n) in &timeline.periods {
            json_line(out, &period_line(by, start, n, true))?;
        }
        return json_line(
            out,
            &TimelineSummary {
                kind: "summary",
                by: by.name(),
                periods: timeline.periods.len(),
                briefs: timeline.briefs,
                dated,
                undated: timeline.undated,
                since,
                until,
                elapsed_ms,
            },
        );
    }
    let Format::Text { color } = format else {
        return Ok(());
    };
    let max = timeline.periods.iter().map(|(_, n)| *n).max().unwrap_or(0);
    let width = max.to_string().len();
    for &(start, n) in &timeline.periods {
        writeln!(
            out,
            "{}  {n:>width$}  {}",
            by.label(start),
            paint(color, BOLD, &bar(n, max))
        )?;
    }
    if color && timeline.periods.len() > 1 {
        let values: Vec<u64> = timeline.periods.iter().map(|(_, n)| *n).collect();
        writeln!(out, "{}", sparkline(&values, max))?;
    }
    let span = match (timeline.periods.first(), timeline.periods.last()) {
        (Some(&(first, _)), Some(&(last, _))) => {
            format!(" from {} to {}", by.label(first), by.label(last))
        }
        _ => String::new(),
    };
    let undated = match (timeline.undated, timeline.dates.is_set()) {
        (0, _) => String::new(),
        (n, true) => format!(", {n} undated brief{} left out", plural(n)),
        (n, false) => format!(", {n} undated brief{} in no {}", plural(n), by.name()),
    };
    let filter = match timeline.dates.is_set() {
        true => format!(" ({})", timeline.dates),
        false => String::new(),
    };
    writeln!(
        out,
        "{dated} brief{} in {} {}{}{span}{filter}{undated} ({elapsed_ms:.1} ms)",
        plural(dated),
        timeline.periods.len(),
        by.name(),
        if timeline.periods.len() == 1 { "" } else { "s" },
    )
}

/// Actors listed on the text summary line of `query --facets`.
const FACETS_IN_TEXT: usize = 12;

/// Prints actor counts: JSON Lines, or text grouped by kind.
pub fn print_actor_counts(
    out: &mut dyn Write,
    counts: &[ActorCount],
    format: Format,
) -> io::Result<()> {
    let color = match format {
        Format::Json => {
            for count in counts {
                json_line(out, &facet_line(count, true))?;
            }
            return Ok(());
        }
        Format::Text { color } => color,
    };
    for (kind, heading) in [
        ("country", "Countries"),
        ("person", "People"),
        ("org", "Organisations"),
        ("group", "Groups"),
    ] {
        let of_kind: Vec<&ActorCount> = counts.iter().filter(|c| c.kind() == kind).collect();
        if of_kind.is_empty() {
            continue;
        }
        writeln!(out, "{}", paint(color, BOLD, heading))?;
        for count in of_kind {
            writeln!(out, "  {:>6}  {}", count.briefs, count.name())?;
        }
    }
    Ok(())
}

/// Prints the gazetteer: one actor a line with its aliases, or JSON Lines.
pub fn print_gazetteer(
    out: &mut dyn Write,
    gazetteer: &Gazetteer,
    kind: Option<&str>,
    format: Format,
) -> io::Result<()> {
    #[derive(Serialize)]
    struct ActorLine<'a> {
        #[serde(rename = "type")]
        line_type: &'static str,
        actor: String,
        name: &'a str,
        kind: &'static str,
        aliases: Vec<String>,
    }
    for actor in gazetteer.actors() {
        if kind.is_some_and(|k| k != actor.kind.as_str()) {
            continue;
        }
        let aliases: Vec<String> = actor
            .all_aliases()
            .into_iter()
            .map(|a| a.text)
            .filter(|a| a != &actor.name)
            .collect();
        match format {
            Format::Json => json_line(
                out,
                &ActorLine {
                    line_type: "actor",
                    actor: actor.facet_path(),
                    name: &actor.name,
                    kind: actor.kind.as_str(),
                    aliases,
                },
            )?,
            Format::Text { .. } => writeln!(out, "{}  {}", actor.facet_path(), aliases.join(", "))?,
        }
    }
    Ok(())
}

fn plural(n: u64) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn hit_line(hit: &Hit) -> HitLine<'_> {
    HitLine {
        kind: "hit",
        rank: hit.rank,
        score: hit.score,
        brief_id: &hit.brief_id,
        path: &hit.path,
        title: hit.title.as_deref(),
        source: hit.source.as_deref(),
        date: hit.date.as_deref(),
        section: hit.section.name(),
        ordinal: hit.ordinal,
        label: hit.label(),
        text: &hit.text,
        snippet: &hit.snippet.text,
        highlights: &hit.snippet.highlights,
        actors: &hit.actors,
        more: hit.more,
        explain: hit.explain.as_ref(),
    }
}

fn paint(color: bool, style: &str, text: &str) -> String {
    if color {
        format!("{style}{text}{RESET}")
    } else {
        text.to_string()
    }
}

fn print_hit(out: &mut dyn Write, hit: &Hit, color: bool) -> io::Result<()> {
    let title = hit.title.clone().unwrap_or_else(|| hit.brief_id.clone());
    let date = hit
        .date
        .as_deref()
        .map(|d| format!(" · {d}"))
        .unwrap_or_default();
    writeln!(
        out,
        "{:>3}. {} · {}{date}",
        hit.rank,
        paint(color, BOLD, &title),
        hit.label()
    )?;
    writeln!(out, "     {}", paint(color, DIM, &hit.path))?;
    let mut text = String::new();
    let mut at = 0;
    for [from, to] in &hit.snippet.highlights {
        text.push_str(&hit.snippet.text[at..*from]);
        let matched = &hit.snippet.text[*from..*to];
        if color {
            text.push_str(&paint(true, MATCH, matched));
        } else {
            text.push_str(matched);
        }
        at = *to;
    }
    text.push_str(&hit.snippet.text[at..]);
    writeln!(out, "     {text}")?;
    if hit.more > 0 {
        let more = format!("+{} more in this brief", hit.more);
        writeln!(out, "     {}", paint(color, DIM, &more))?;
    }
    if let Some(explain) = &hit.explain {
        print_explain(out, explain, color)?;
    }
    writeln!(out)
}

fn print_explain(out: &mut dyn Write, explain: &Explain, color: bool) -> io::Result<()> {
    let parts = |terms: &[crate::search::Contribution]| {
        terms
            .iter()
            .map(|t| match t.tf {
                Some(tf) => format!("{} in {} ×{tf} {:.2}", t.what, t.section, t.score),
                None => format!("{} in {} {:.2}", t.what, t.section, t.score),
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let lines = [
        format!(
            "why: brief #{} scores {:.2} = {}",
            explain.brief_rank,
            explain.brief_score,
            parts(&explain.brief_terms)
        ),
        format!(
            "     passage scores {:.2} (the brief's best: {:.2}) = {}",
            explain.passage_score,
            explain.best_passage_score,
            parts(&explain.passage_terms)
        ),
        format!("     {}", explain.formula),
    ];
    for line in lines {
        writeln!(out, "     {}", paint(color, DIM, &line))?;
    }
    Ok(())
}

/// Prints one brief: the parse/show JSON object, or its sections in order.
pub fn print_brief(out: &mut dyn Write, brief: &Brief, format: Format) -> io::Result<()> {
    print_brief_matches(out, brief, None, format)
}

/// Prints one brief with a query's matches: in JSON, the brief's object
/// with `matches` (each matching passage's section, ordinal, label and
/// byte ranges into its text); in text, the matches in bold red on a
/// terminal, between `**` otherwise, and the matching passages marked.
pub fn print_brief_matches(
    out: &mut dyn Write,
    brief: &Brief,
    matches: Option<&BriefMatches>,
    format: Format,
) -> io::Result<()> {
    let color = match (format, matches) {
        (Format::Json, None) => return json_line(out, brief),
        (Format::Json, Some(matches)) => {
            #[derive(Serialize)]
            struct MatchLine {
                section: &'static str,
                ordinal: u64,
                label: String,
                highlights: Vec<[usize; 2]>,
            }
            let mut value = serde_json::to_value(brief).map_err(io::Error::other)?;
            let lines: Vec<MatchLine> = matches
                .passages
                .iter()
                .map(|(id, ranges)| MatchLine {
                    section: id.section().name(),
                    ordinal: id.ordinal(),
                    label: id.section().label(id.ordinal()),
                    highlights: ranges.clone(),
                })
                .collect();
            if let Some(object) = value.as_object_mut() {
                object.insert(
                    "matches".into(),
                    serde_json::to_value(lines).map_err(io::Error::other)?,
                );
            }
            return json_line(out, &value);
        }
        (Format::Text { color }, _) => color,
    };
    writeln!(out, "{}", paint(color, BOLD, &brief.display_title()))?;
    let meta = [
        ("id", Some(brief.id.as_str())),
        ("path", Some(brief.path.as_str())),
        ("date", brief.date.as_deref()),
        ("source", brief.source.as_deref()),
        ("url", brief.url.as_deref()),
    ];
    for (name, value) in meta {
        if let Some(value) = value {
            writeln!(out, "{}", paint(color, DIM, &format!("{name}: {value}")))?;
        }
    }
    if !brief.actors.is_empty() {
        writeln!(
            out,
            "{}",
            paint(color, DIM, &format!("actors: {}", brief.actors.join(", ")))
        )?;
    }
    if let Some(matches) = matches {
        let n = matches.passages.len() as u64;
        writeln!(
            out,
            "{}",
            paint(
                color,
                DIM,
                &format!("matches: {n} passage{} (marked ◆)", plural(n))
            )
        )?;
    }
    for passage in brief.passages() {
        let ranges = matches.and_then(|m| {
            m.passages
                .iter()
                .find(|(id, _)| *id == passage.id())
                .map(|(_, r)| r.as_slice())
        });
        if passage.section == Section::Title && matches.is_none() {
            continue;
        }
        if passage.section == Section::Title && ranges.is_none() {
            continue;
        }
        writeln!(out)?;
        let mark = if ranges.is_some() { " ◆" } else { "" };
        writeln!(
            out,
            "{}{mark}",
            paint(
                color,
                BOLD,
                &format!("[{}]", passage.section.label(passage.ordinal))
            )
        )?;
        match ranges {
            None => writeln!(out, "{}", passage.text)?,
            Some(ranges) => {
                let mut text = String::new();
                let mut at = 0;
                for [from, to] in ranges {
                    text.push_str(&passage.text[at..*from]);
                    let matched = &passage.text[*from..*to];
                    if color {
                        text.push_str(&paint(true, MATCH, matched));
                    } else {
                        text.push_str(&format!("**{matched}**"));
                    }
                    at = *to;
                }
                text.push_str(&passage.text[at..]);
                writeln!(out, "{text}")?;
            }
        }
    }
    Ok(())
}

/// One actor's evidence as printed: the words, where they stand and the
/// rule.
#[derive(Serialize)]
struct EvidenceJson<'a> {
    actor: &'a str,
    rule: &'a str,
    detail: Option<&'a str>,
    section: &'static str,
    ordinal: u64,
    label: String,
    /// The words that matched, as written.
    text: &'a str,
    /// Byte range of those words in the passage's text.
    start: usize,
    end: usize,
    /// The text around them (up to 60 bytes each side).
    context: String,
}

#[derive(Serialize)]
struct ExplainJson<'a> {
    actors: Vec<EvidenceJson<'a>>,
    dropped: Vec<EvidenceJson<'a>>,
}

/// The words around `start..end` of `text`, up to `reach` bytes each side,
/// cut at char boundaries, on one line.
fn context(text: &str, start: usize, end: usize, reach: usize) -> String {
    let mut lo = start.saturating_sub(reach);
    while !text.is_char_boundary(lo) {
        lo -= 1;
    }
    let mut hi = (end + reach).min(text.len());
    while !text.is_char_boundary(hi) {
        hi += 1;
    }
    let mut out = String::new();
    if lo > 0 {
        out.push('…');
    }
    out.push_str(&text[lo..hi].replace('\n', " "));
    if hi < text.len() {
        out.push('…');
    }
    out
}

/// Prints one brief with the reasons for its actors (`--explain`): in JSON
/// the parse object with an `explain` member, in text the brief and then,
/// for each actor, the words that produced it and the rule, and the
/// candidates dropped with the rule that dropped each.
pub fn print_brief_explained<'a>(
    out: &mut dyn Write,
    brief: &'a Brief,
    explanation: &'a Explanation,
    gazetteer: &'a Gazetteer,
    format: Format,
) -> io::Result<()> {
    let passages = brief.passages();
    let item = |e: &'a Evidence| -> EvidenceJson<'a> {
        let p = &passages[e.passage];
        EvidenceJson {
            actor: gazetteer.path(e.actor),
            rule: &e.rule,
            detail: e.detail.as_deref(),
            section: p.section.name(),
            ordinal: p.ordinal,
            label: p.section.label(p.ordinal),
            text: &p.text[e.start..e.end],
            start: e.start,
            end: e.end,
            context: context(p.text, e.start, e.end, 60),
        }
    };
    let explain = ExplainJson {
        actors: explanation.found.iter().map(item).collect(),
        dropped: explanation.dropped.iter().map(item).collect(),
    };
    let color = match format {
        Format::Json => {
            let mut value = serde_json::to_value(brief).map_err(io::Error::other)?;
            let explain = serde_json::to_value(&explain).map_err(io::Error::other)?;
            if let Some(map) = value.as_object_mut() {
                map.insert("explain".into(), explain);
            }
            return json_line(out, &value);
        }
        Format::Text { color } => color,
    };
    print_brief(out, brief, format)?;
    writeln!(out)?;
    writeln!(out, "{}", paint(color, BOLD, "[Actors, and why]"))?;
    if explain.actors.is_empty() {
        writeln!(out, "  (none)")?;
    }
    for e in &explain.actors {
        let rule = match e.detail {
            Some(d) => format!("{} ({d})", e.rule),
            None => e.rule.to_string(),
        };
        writeln!(out, "  {}  {:?}  by {rule}", e.actor, e.text)?;
        writeln!(
            out,
            "{}",
            paint(color, DIM, &format!("      {}: {}", e.label, e.context))
        )?;
    }
    writeln!(out)?;
    writeln!(out, "{}", paint(color, BOLD, "[Dropped candidates]"))?;
    if explain.dropped.is_empty() {
        writeln!(out, "  (none)")?;
    }
    for e in &explain.dropped {
        writeln!(out, "  {}  {:?}  dropped: {}", e.actor, e.text, e.rule)?;
        writeln!(
            out,
            "{}",
            paint(color, DIM, &format!("      {}: {}", e.label, e.context))
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snippet::Snippet;

    fn hit() -> Hit {
        Hit {
            rank: 1,
            score: 2.5,
            brief_id: "b".into(),
            path: "corpus/b.txt".into(),
            title: Some("Title".into()),
            source: None,
            date: None,
            section: Section::Takeaway,
            ordinal: 2,
            text: "the nuclear talks".into(),
            snippet: Snippet {
                text: "the nuclear talks".into(),
                highlights: vec![[4, 17]],
            },
            actors: vec![],
            more: 0,
            explain: None,
        }
    }

    #[test]
    fn json_lines_follow_the_contract() {
        let results = SearchResults {
            hits: vec![hit()],
            passages: 4,
            passages_exact: true,
            briefs: 2,
            facets: None,
            years: None,
            undated: None,
            dates: DateRange::default(),
            notes: Vec::new(),
            suggestion: None,
            elapsed_ms: 0.51234,
        };
        let mut out = Vec::new();
        print_results(&mut out, &results, Format::Json).unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines[0]["type"], "hit");
        assert_eq!(lines[0]["label"], "Key Takeaway 2");
        assert_eq!(lines[0]["section"], "takeaway");
        assert_eq!(lines[0]["highlights"][0][0], 4);
        assert_eq!(lines[1]["type"], "summary");
        assert_eq!(lines[1]["passages"], 4);
        assert_eq!(lines[1]["exact"], true);
        assert_eq!(lines[1]["elapsed_ms"], 0.512);
        // An estimated count says so, in JSON and in text.
        let estimated = SearchResults {
            passages: 54_000,
            passages_exact: false,
            ..results
        };
        let mut out = Vec::new();
        print_results(&mut out, &estimated, Format::Json).unwrap();
        let last = String::from_utf8(out).unwrap();
        let summary: serde_json::Value =
            serde_json::from_str(last.lines().last().unwrap()).unwrap();
        assert_eq!(summary["exact"], false);
        assert_eq!(summary["passages"], 54_000);
        let mut out = Vec::new();
        print_results(&mut out, &estimated, Format::Text { color: false }).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("about 54000 passages in 2 briefs"), "{text}");
    }

    #[test]
    fn text_is_plain_without_colour_and_bold_with_it() {
        let results = SearchResults {
            hits: vec![hit()],
            passages: 1,
            passages_exact: true,
            briefs: 1,
            facets: None,
            years: None,
            undated: None,
            dates: DateRange::default(),
            notes: Vec::new(),
            suggestion: None,
            elapsed_ms: 1.0,
        };
        let mut plain = Vec::new();
        print_results(&mut plain, &results, Format::Text { color: false }).unwrap();
        let plain = String::from_utf8(plain).unwrap();
        assert!(!plain.contains('\x1b'));
        assert!(plain.contains("the nuclear talks"));
        assert!(plain.contains("1 passage in 1 brief"));
        let mut colored = Vec::new();
        print_results(&mut colored, &results, Format::Text { color: true }).unwrap();
        let colored = String::from_utf8(colored).unwrap();
        assert!(colored.contains(&format!("{MATCH}nuclear talks{RESET}")));
    }
}
