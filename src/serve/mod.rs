//! `briefs serve`: a read-only HTTP API and a search page over one index.
//! Handlers call the library as the CLI does; the library knows nothing of
//! HTTP. The page is plain HTML, CSS and a script, embedded in the binary.

mod api;
mod page;
mod state;

use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use axum::http::{header, HeaderValue};
use axum::routing::get;
use axum::Router;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::set_header::SetResponseHeaderLayer;

use crate::store::display_dir;
use crate::{Outcome, ServeConfig};

pub use api::{MAX_LIMIT, MAX_OFFSET, MAX_QUERY_CHARS};

/// How often the index folder is checked for a newer commit.
const RELOAD_EVERY: Duration = Duration::from_millis(500);
/// Largest request body accepted (the API takes none).
const MAX_BODY_BYTES: usize = 1024;

/// No script but our own file, no inline script or style, nothing from
/// elsewhere: data that slips into the page cannot run.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; \
form-action 'self'; frame-ancestors 'none'";

/// The routes, over an opened index.
fn router(state: Arc<api::AppState>) -> Router {
    Router::new()
        .route("/", get(page::index))
        .route("/app.js", get(page::script))
        .route("/app.css", get(page::style))
        .route("/api/search", get(api::search))
        .route("/api/briefs/{*id}", get(api::brief))
        .route("/api/actors", get(api::actors))
        .route("/api/status", get(api::status))
        .fallback(api::not_found)
        .with_state(state)
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .layer(SetResponseHeaderLayer::overriding(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
}

/// Serves until interrupted (Ctrl-C).
pub fn run(config: &ServeConfig, err: &mut dyn Write) -> Result<Outcome> {
    let shared = Arc::new(state::Shared::open(&config.index_dir)?);
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2);
    let permits = if config.max_searches == 0 {
        2 * cores
    } else {
        config.max_searches
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(cores.clamp(1, 4))
        .max_blocking_threads(permits.max(1) + 4)
        .enable_all()
        .build()
        .context("failed to start the server's runtime")?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(config.bind)
            .await
            .with_context(|| format!("failed to listen on {}", config.bind))?;
        let local = listener
            .local_addr()
            .context("failed to read the bound address")?;
        if !local.ip().is_loopback() {
            writeln!(
                err,
                "warning: listening on {local}, not on loopback: the archive becomes readable \
                 from the network by anyone who can reach this address"
            )?;
        }
        writeln!(
            err,
            "serving {} ({} briefs) at http://{local}/ (Ctrl-C to stop)",
            display_dir(&config.index_dir),
            shared.current().briefs
        )?;
        err.flush()?;
        // Other threads report through the channel; this thread, which
        // holds `err`, prints.
        let (log, mut lines) = tokio::sync::mpsc::unbounded_channel::<String>();
        tokio::spawn(watch(shared.clone(), log));
        let state = Arc::new(api::AppState {
            shared,
            permits: Arc::new(tokio::sync::Semaphore::new(permits.max(1))),
        });
        let server = tokio::spawn(async move {
            axum::serve(listener, router(state))
                .with_graceful_shutdown(async {
                    let _ = tokio::signal::ctrl_c().await;
                })
                .await
        });
        tokio::pin!(server);
        loop {
            tokio::select! {
                Some(line) = lines.recv() => {
                    writeln!(err, "{line}")?;
                    err.flush()?;
                }
                done = &mut server => {
                    done.context("the server failed")?.context("the server stopped")?;
                    break;
                }
            }
        }
        Ok(Outcome::Found)
    })
}

/// Picks up newer commits of the index: a changed `meta.json` is opened as
/// a new generation and swapped in whole; the old one is dropped when its
/// last request ends. A failed open keeps the old one and is retried.
async fn watch(shared: Arc<state::Shared>, log: tokio::sync::mpsc::UnboundedSender<String>) {
    let mut last_error = String::new();
    loop {
        tokio::time::sleep(RELOAD_EVERY).await;
        let s = shared.clone();
        let outcome = tokio::task::spawn_blocking(move || s.refresh()).await;
        match outcome {
            Ok(Ok(Some(generation))) => {
                last_error.clear();
                let _ = log.send(format!(
                    "reloaded {}: {} briefs",
                    display_dir(&shared.dir),
                    generation.briefs
                ));
            }
            Ok(Ok(None)) => {}
            Ok(Err(e)) => {
                let message = format!("{e:#}");
                if message != last_error {
                    let _ = log.send(format!(
                        "warning: still serving the previous commit: {message}"
                    ));
                    last_error = message;
                }
            }
            Err(e) => {
                let _ = log.send(format!("warning: reloading the index failed: {e}"));
            }
        }
    }
}
