//! `briefs bench`: query latency measured in-process through the real search
//! path (parse, search, counts, snippets), over a file of queries.

use std::io::Write;
use std::time::Instant;

use anyhow::{Context, Result};
use serde::Serialize;

use crate::actors::Gazetteer;
use crate::brief::Section;
use crate::index;
use crate::search::{SearchRequest, Searcher};
use crate::store;
use crate::{BenchConfig, Outcome};

#[derive(Serialize)]
struct BenchLine {
    #[serde(rename = "type")]
    kind: &'static str,
    queries: usize,
    runs: usize,
    p50_ms: f64,
    p95_ms: f64,
    p99_ms: f64,
    mean_ms: f64,
    max_ms: f64,
}

/// The value at quantile `q` of sorted samples (nearest rank).
fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

/// A line of the query file: the query, then tab-separated options
/// `--actor NAME`, `--any-actor`, `--actor-in passage`, `--section S`,
/// `--facets`, `--since DATE`, `--until DATE`, `--sort ORDER`, `--suggest`,
/// `--exact-counts`.
fn request_of(line: &str, limit: usize, gazetteer: &Gazetteer) -> Result<SearchRequest> {
    let mut parts = line.split('\t');
    let mut request = SearchRequest::new(parts.next().unwrap_or_default().trim());
    request.limit = limit;
    let mut names = Vec::new();
    for option in parts {
        let (flag, value) = option.trim().split_once(' ').unwrap_or((option.trim(), ""));
        let value = value.trim();
        match flag {
            "--actor" => names.push(value.to_string()),
            "--any-actor" => request.any_actor = true,
            "--actor-in" => request.actor_in_passage = value == "passage",
            "--facets" => request.facets = true,
            "--suggest" => request.suggest = true,
            "--exact-counts" => request.exact_counts = true,
            "--since" => {
                request.dates.from = Some(
                    crate::when::span(value)
                        .with_context(|| crate::when::bad_date(value))?
                        .0,
                )
            }
            "--until" => {
                request.dates.to = Some(
                    crate::when::span(value)
                        .with_context(|| crate::when::bad_date(value))?
                        .1,
                )
            }
            "--sort" => {
                request.sort = crate::search::Sort::from_name(value)
                    .with_context(|| format!("unknown order `{value}`"))?
            }
            "--section" => request.sections.push(
                Section::from_name(value).with_context(|| format!("unknown section `{value}`"))?,
            ),
            other => anyhow::bail!("unknown option `{other}`"),
        }
    }
    request.actors = gazetteer.resolve_paths(&names)?;
    Ok(request)
}

pub fn execute(config: &BenchConfig, out: &mut dyn Write, err: &mut dyn Write) -> Result<Outcome> {
    let text = std::fs::read_to_string(&config.queries)
        .with_context(|| format!("failed to read {}", config.queries.display()))?;
    let store = store::open(&config.index_dir)?;
    let gazetteer = index::gazetteer_of(&store)?;
    let mut queries = Vec::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let request = request_of(line, config.limit, &gazetteer)
            .with_context(|| format!("in {}: `{line}`", config.queries.display()))?;
        queries.push(request);
    }
    if queries.is_empty() {
        anyhow::bail!("no queries in {}", config.queries.display());
    }
    let searcher = Searcher::new(store)?;
    // One warm-up pass: pages of the index come into memory once.
    for request in &queries {
        searcher
            .search(request)
            .with_context(|| format!("query `{}` failed", request.query))?;
    }
    let mut samples = Vec::with_capacity(queries.len() * config.runs);
    for _ in 0..config.runs {
        for request in &queries {
            let started = Instant::now();
            let results = searcher.search(request)?;
            samples.push(started.elapsed().as_secs_f64() * 1000.0);
            std::hint::black_box(results);
        }
    }
    samples.sort_by(f64::total_cmp);
    let line = BenchLine {
        kind: "bench",
        queries: queries.len(),
        runs: config.runs,
        p50_ms: quantile(&samples, 0.50),
        p95_ms: quantile(&samples, 0.95),
        p99_ms: quantile(&samples, 0.99),
        mean_ms: samples.iter().sum::<f64>() / samples.len() as f64,
        max_ms: samples.last().copied().unwrap_or_default(),
    };
    serde_json::to_writer(&mut *out, &line)?;
    writeln!(out)?;
    writeln!(
        err,
        "{} queries x {} runs: p50 {:.3} ms, p95 {:.3} ms, p99 {:.3} ms",
        line.queries, line.runs, line.p50_ms, line.p95_ms, line.p99_ms
    )?;
    Ok(Outcome::Found)
}

#[cfg(test)]
mod tests {
    use super::quantile;

    #[test]
    fn nearest_rank_quantiles() {
        let xs: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(quantile(&xs, 0.5), 50.0);
        assert_eq!(quantile(&xs, 0.99), 99.0);
        assert_eq!(quantile(&xs, 1.0), 100.0);
        assert_eq!(quantile(&[], 0.5), 0.0);
    }
}
