//! A bounded load test of `briefs serve`: N concurrent clients (threads, one
//! keep-alive connection each) send M GET requests in all, cycling through
//! a file of queries with varied parameters (pages, per-brief caps, section
//! filters, facets), and print requests per second, latency quantiles and
//! every non-200 answer or transport error as one JSON line.
//!
//!   cargo run --release --example serve_load -- --base http://127.0.0.1:7878 \
//!       --queries benches/queries.txt --clients 32 --requests 20000
//!
//! Used by scripts/bench-serve, which also runs it while `briefs index`
//! commits to the same index.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

struct Args {
    base: String,
    queries: String,
    clients: usize,
    requests: usize,
}

fn args() -> Args {
    let mut out = Args {
        base: "http://127.0.0.1:7878".into(),
        queries: "benches/queries.txt".into(),
        clients: 32,
        requests: 20_000,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().unwrap_or_else(|| panic!("{flag} needs a value"));
        match flag.as_str() {
            "--base" => out.base = value.trim_end_matches('/').to_string(),
            "--queries" => out.queries = value,
            "--clients" => out.clients = value.parse().expect("--clients N"),
            "--requests" => out.requests = value.parse().expect("--requests N"),
            other => panic!("unknown option {other}"),
        }
    }
    out
}

/// The i-th request: a query of the file with one of several parameter sets.
fn path_of(i: usize, queries: &[String]) -> String {
    let q: String =
        form_urlencoded::byte_serialize(queries[i % queries.len()].as_bytes()).collect();
    let extra = match (i / queries.len()) % 5 {
        0 => "",
        1 => "&facets=true&any_within_kind=true",
        2 => "&offset=10",
        3 => "&per_brief=1&limit=20",
        _ => "&section=title&section=body",
    };
    format!("/api/search?q={q}{extra}")
}

fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

fn main() {
    let args = args();
    let text = std::fs::read_to_string(&args.queries).expect("read the queries file");
    // Query lines; tab-separated `briefs bench` options are dropped.
    let queries: Arc<Vec<String>> = Arc::new(
        text.lines()
            .map(|l| l.split('\t').next().unwrap_or("").trim().to_string())
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect(),
    );
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let workers: Vec<_> = (0..args.clients)
        .map(|_| {
            let (next, queries, base, total) = (
                next.clone(),
                queries.clone(),
                args.base.clone(),
                args.requests,
            );
            std::thread::spawn(move || {
                let agent: ureq3::Agent = ureq3::Agent::config_builder()
                    .http_status_as_error(false)
                    .timeout_global(Some(Duration::from_secs(30)))
                    .build()
                    .into();
                let mut samples = Vec::new();
                let mut failures: Vec<String> = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= total {
                        break;
                    }
                    let path = path_of(i, &queries);
                    let sent = Instant::now();
                    match agent.get(&format!("{base}{path}")).call() {
                        Ok(mut r) => {
                            let status = r.status().as_u16();
                            let body = r.body_mut().read_to_string().unwrap_or_default();
                            samples.push(sent.elapsed().as_secs_f64() * 1000.0);
                            if status != 200 || !body.starts_with("{\"hits\"") {
                                failures.push(format!(
                                    "{status} {path}: {}",
                                    &body[..body.len().min(200)]
                                ));
                            }
                        }
                        Err(e) => failures.push(format!("{path}: {e}")),
                    }
                }
                (samples, failures)
            })
        })
        .collect();
    let mut samples = Vec::new();
    let mut failures = Vec::new();
    for w in workers {
        let (s, f) = w.join().expect("a client thread");
        samples.extend(s);
        failures.extend(f);
    }
    let wall = started.elapsed().as_secs_f64();
    samples.sort_by(f64::total_cmp);
    for f in failures.iter().take(10) {
        eprintln!("failed: {f}");
    }
    println!(
        "{{\"type\":\"load\",\"clients\":{},\"requests\":{},\"errors\":{},\"seconds\":{:.2},\"rps\":{:.0},\"p50_ms\":{:.2},\"p90_ms\":{:.2},\"p99_ms\":{:.2},\"max_ms\":{:.1}}}",
        args.clients,
        samples.len(),
        failures.len(),
        wall,
        samples.len() as f64 / wall,
        quantile(&samples, 0.5),
        quantile(&samples, 0.9),
        quantile(&samples, 0.99),
        samples.last().copied().unwrap_or_default()
    );
    if !failures.is_empty() {
        std::process::exit(1);
    }
}
