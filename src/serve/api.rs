//! The JSON API: `/api/search`, `/api/briefs/{id}`, `/api/actors`,
//! `/api/status`. Parameters are checked strictly (an unknown or malformed
//! one is a 400 with the CLI's one-line message); searches run on the
//! blocking pool, at most a bounded number at once.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use tokio::sync::Semaphore;

use crate::brief::Section;
use crate::output;
use crate::query::QueryError;
use crate::search::{ActorCount, SearchRequest, Sort};
use crate::serve::state::{Generation, Shared};
use crate::store::display_dir;
use crate::when::{self, DateRange};

/// Longest query accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 1000;
/// Longest query string (everything after `?`), in bytes.
pub const MAX_QUERY_STRING: usize = 16 * 1024;
/// Most hits one request returns.
pub const MAX_LIMIT: usize = 100;
/// Deepest page: `offset` at most this.
pub const MAX_OFFSET: usize = 10_000;
/// Most values of one repeatable parameter (`actor`, `section`).
const MAX_VALUES: usize = 64;
/// Actor kinds, in the order the page groups them.
pub const KINDS: [&str; 4] = ["country", "person", "org", "group"];

pub struct AppState {
    pub shared: Arc<Shared>,
    /// Searches running at once; others wait their turn.
    pub permits: Arc<Semaphore>,
}

/// An error answered as `{"error": "..."}`.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    message: String,
}

impl ApiError {
    pub fn bad(message: impl Into<String>) -> ApiError {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
        }
    }

    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError {
            status: StatusCode::NOT_FOUND,
            message: message.into(),
        }
    }

    /// A library error: the user's to fix (400) when it is a query error,
    /// the server's (500) otherwise; the message is the CLI's line.
    fn of(err: anyhow::Error) -> ApiError {
        let status = if err
            .chain()
            .any(|c| c.downcast_ref::<QueryError>().is_some())
        {
            StatusCode::BAD_REQUEST
        } else {
            StatusCode::INTERNAL_SERVER_ERROR
        };
        ApiError {
            status,
            message: format!("{err:#}"),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(json!({ "error": self.message }))).into_response()
    }
}

type ApiResult = Result<Json<Value>, ApiError>;

/// The query string's parameters, in order, checked against `allowed`.
struct Params(Vec<(String, String)>);

impl Params {
    fn parse(raw: Option<&str>, allowed: &[&str]) -> Result<Params, ApiError> {
        let raw = raw.unwrap_or_default();
        if raw.len() > MAX_QUERY_STRING {
            return Err(ApiError::bad(format!(
                "the request's parameters are too long ({} bytes; at most {MAX_QUERY_STRING})",
                raw.len()
            )));
        }
        let pairs: Vec<(String, String)> = form_urlencoded::parse(raw.as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        for (key, _) in &pairs {
            if !allowed.contains(&key.as_str()) {
                return Err(ApiError::bad(format!(
                    "unknown parameter `{key}`; valid parameters are {}",
                    allowed.join(", ")
                )));
            }
        }
        Ok(Params(pairs))
    }

    fn all(&self, key: &str) -> Result<Vec<&str>, ApiError> {
        let values: Vec<&str> = self
            .0
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .collect();
        if values.len() > MAX_VALUES {
            return Err(ApiError::bad(format!(
                "too many `{key}` parameters ({}; at most {MAX_VALUES})",
                values.len()
            )));
        }
        Ok(values)
    }

    /// The last value of a parameter.
    fn one(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    fn number(&self, key: &str, default: usize, max: usize) -> Result<usize, ApiError> {
        let Some(value) = self.one(key) else {
            return Ok(default);
        };
        let n: usize = value.trim().parse().map_err(|_| {
            ApiError::bad(format!(
                "invalid value `{value}` for `{key}`: give a whole number from 0 to {max}"
            ))
        })?;
        if n > max {
            return Err(ApiError::bad(format!(
                "`{key}` is {n}; at most {max} is allowed"
            )));
        }
        Ok(n)
    }

    fn flag(&self, key: &str) -> Result<bool, ApiError> {
        match self.one(key) {
            None => Ok(false),
            Some("" | "1" | "true" | "yes" | "on") => Ok(true),
            Some("0" | "false" | "no" | "off") => Ok(false),
            Some(other) => Err(ApiError::bad(format!(
                "invalid value `{other}` for `{key}`: give true or false"
            ))),
        }
    }

    /// The query, bounded in length.
    fn query(&self, required: bool) -> Result<Option<String>, ApiError> {
        let q = self.one("q").map(str::to_string);
        match &q {
            Some(q) if q.chars().count() > MAX_QUERY_CHARS => Err(ApiError::bad(format!(
                "the query is too long ({} characters; at most {MAX_QUERY_CHARS})",
                q.chars().count()
            ))),
            None if required => Err(ApiError::bad(
                "the query is empty: give at least one word to look for (parameter `q`)",
            )),
            _ => Ok(q),
        }
    }
}

/// Runs `work` on the blocking pool once a permit is free, over the
/// generation being served.
async fn blocking<T: Send + 'static>(
    state: &AppState,
    work: impl FnOnce(&Generation) -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    let permit = state
        .permits
        .clone()
        .acquire_owned()
        .await
        .map_err(|_| ApiError::of(anyhow::anyhow!("the server is shutting down")))?;
    let generation = state.shared.current();
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        work(&generation)
    })
    .await
    .map_err(|e| ApiError::of(anyhow::anyhow!("a search failed: {e}")))?
}

const SEARCH_PARAMS: &[&str] = &[
    "q",
    "actor",
    "any_actor",
    "any_within_kind",
    "actor_in",
    "section",
    "per_brief",
    "limit",
    "offset",
    "facets",
    "explain",
    "exact_counts",
    "since",
    "until",
    "sort",
];

/// What `/api/search` was asked, before actor names are resolved.
struct SearchAsk {
    request: SearchRequest,
    actor_names: Vec<String>,
    any_within_kind: bool,
}

fn search_ask(params: &Params) -> Result<SearchAsk, ApiError> {
    let query = params.query(true)?.unwrap_or_default();
    let mut request = SearchRequest::new(&query);
    request.limit = params.number("limit", 10, MAX_LIMIT)?;
    request.offset = params.number("offset", 0, MAX_OFFSET)?;
    request.per_brief = params.number("per_brief", 3, MAX_LIMIT)?;
    request.any_actor = params.flag("any_actor")?;
    request.facets = params.flag("facets")?;
    request.explain = params.flag("explain")?;
    request.exact_counts = params.flag("exact_counts")?;
    request.suggest = true;
    if let Some(sort) = params.one("sort").filter(|s| !s.is_empty()) {
        request.sort = Sort::parse(sort).map_err(ApiError::bad)?;
    }
    let date = |key: &str| -> Result<Option<(i64, i64)>, ApiError> {
        match params.one(key).map(str::trim).filter(|d| !d.is_empty()) {
            None => Ok(None),
            Some(d) => when::span(d)
                .map(Some)
                .ok_or_else(|| ApiError::bad(when::bad_date(d))),
        }
    };
    request.dates = DateRange {
        from: date("since")?.map(|(from, _)| from),
        to: date("until")?.map(|(_, to)| to),
    };
    request.actor_in_passage = match params.one("actor_in") {
        None | Some("brief") => false,
        Some("passage") => true,
        Some(other) => {
            return Err(ApiError::bad(format!(
                "invalid value `{other}` for `actor_in`: give brief or passage"
            )))
        }
    };
    for value in params.all("section")? {
        for name in value.split(',').filter(|n| !n.is_empty()) {
            let section = Section::parse(name.trim()).map_err(ApiError::bad)?;
            if !request.sections.contains(&section) {
                request.sections.push(section);
            }
        }
    }
    let actor_names: Vec<String> = params
        .all("actor")?
        .into_iter()
        .filter(|a| !a.trim().is_empty())
        .map(str::to_string)
        .collect();
    let any_within_kind = params.flag("any_within_kind")?;
    if any_within_kind && request.any_actor {
        return Err(ApiError::bad(
            "`any_actor` and `any_within_kind` exclude each other: give one",
        ));
    }
    if any_within_kind && request.actor_in_passage {
        return Err(ApiError::bad(
            "`any_within_kind` filters briefs: use it with actor_in=brief",
        ));
    }
    Ok(SearchAsk {
        request,
        actor_names,
        any_within_kind,
    })
}

/// Actor facet paths grouped by kind, in `KINDS` order.
fn by_kind(paths: &[String]) -> BTreeMap<usize, Vec<String>> {
    let mut groups: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    for path in paths {
        let kind = path.trim_start_matches('/').split('/').next().unwrap_or("");
        let at = KINDS.iter().position(|k| *k == kind).unwrap_or(KINDS.len());
        let group = groups.entry(at).or_default();
        if !group.contains(path) {
            group.push(path.clone());
        }
    }
    groups
}

/// `GET /api/search`: `{"hits": [...], "summary": {...}}` as the JSON Lines
/// contract, plus `facet_kinds` with `facets=true`.
pub async fn search(State(state): State<Arc<AppState>>, RawQuery(raw): RawQuery) -> ApiResult {
    let params = Params::parse(raw.as_deref(), SEARCH_PARAMS)?;
    let ask = search_ask(&params)?;
    blocking(&state, move |generation| run_search(generation, ask)).await
}

fn run_search(generation: &Generation, ask: SearchAsk) -> ApiResult {
    let SearchAsk {
        mut request,
        actor_names,
        any_within_kind,
    } = ask;
    let paths = generation
        .gazetteer
        .resolve_paths(&actor_names)
        .map_err(|e| ApiError::bad(format!("{e:#}")))?;
    let groups = by_kind(&paths);
    if any_within_kind {
        request.actor_groups = groups.values().cloned().collect();
    } else {
        request.actors = paths.clone();
    }
    let searcher = &generation.searcher;
    let results = searcher.search(&request).map_err(ApiError::of)?;
    let mut body = json!({
        "hits": results.hits.iter().map(output::hit_json).collect::<Vec<_>>(),
        "summary": output::summary_json(&results),
    });
    if request.facets {
        // Per kind, counts over the briefs matching every filter except the
        // kind's own: ticking Iran leaves the other countries' counts as
        // what adding each would give.
        let mut kinds = Vec::new();
        for (at, kind) in KINDS.iter().enumerate() {
            let selected = groups.get(&at).cloned().unwrap_or_default();
            let counts: Vec<ActorCount> = if any_within_kind && !selected.is_empty() {
                let others = SearchRequest {
                    limit: 0,
                    offset: 0,
                    facets: true,
                    explain: false,
                    suggest: false,
                    actor_groups: groups
                        .iter()
                        .filter(|(k, _)| **k != at)
                        .map(|(_, g)| g.clone())
                        .collect(),
                    ..request.clone()
                };
                searcher
                    .search(&others)
                    .map_err(ApiError::of)?
                    .facets
                    .unwrap_or_default()
            } else {
                results.facets.clone().unwrap_or_default()
            };
            let mut values: Vec<Value> = counts
                .iter()
                .filter(|c| c.kind() == *kind)
                .map(|c| {
                    let mut v = output::actor_count_json(c, false);
                    v["selected"] = json!(selected.contains(&c.actor));
                    v
                })
                .collect();
            // A ticked actor stays listed even when nothing matches it now.
            for path in &selected {
                if !counts.iter().any(|c| &c.actor == path) {
                    let zero = ActorCount {
                        actor: path.clone(),
                        briefs: 0,
                    };
                    let mut v = output::actor_count_json(&zero, false);
                    v["selected"] = json!(true);
                    values.push(v);
                }
            }
            kinds.push(json!({ "kind": kind, "total": values.len(), "values": values }));
        }
        body["facet_kinds"] = json!(kinds);
    }
    Ok(Json(body))
}

/// `GET /api/briefs/{id}`: the `show --json` object; with `q`, also
/// `highlights` over every part of it.
pub async fn brief(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    let params = Params::parse(raw.as_deref(), &["q"])?;
    let query = params.query(false)?.filter(|q| !q.trim().is_empty());
    if id.len() > MAX_QUERY_CHARS {
        return Err(ApiError::bad("the brief id is too long"));
    }
    let dir = display_dir(&state.shared.dir);
    blocking(&state, move |generation| {
        let searcher = &generation.searcher;
        let Some(brief) = searcher.brief(&id).map_err(ApiError::of)? else {
            let similar = searcher.similar_ids(&id, 5).map_err(ApiError::of)?;
            let hint = if similar.is_empty() {
                "brief ids are the `brief_id` of query hits".to_string()
            } else {
                format!("did you mean {}?", similar.join(", "))
            };
            return Err(ApiError::not_found(format!(
                "no brief with id `{id}` in {dir}: {hint}"
            )));
        };
        let mut body = serde_json::to_value(&brief)
            .map_err(|e| ApiError::of(anyhow::anyhow!("failed to encode a brief: {e}")))?;
        if let Some(q) = query {
            let highlights = searcher
                .brief_highlights(&brief, &q)
                .map_err(ApiError::of)?;
            body["highlights"] = serde_json::to_value(highlights).unwrap_or_default();
        }
        Ok(Json(body))
    })
    .await
}

/// `GET /api/actors?q=&kind=&limit=`: `{"actors": [...]}`, each as
/// `briefs actors --json` prints it.
pub async fn actors(State(state): State<Arc<AppState>>, RawQuery(raw): RawQuery) -> ApiResult {
    let params = Params::parse(raw.as_deref(), &["q", "kind", "limit"])?;
    let query = params.query(false)?.filter(|q| !q.trim().is_empty());
    let kind = params
        .one("kind")
        .filter(|k| !k.is_empty())
        .map(str::to_string);
    if let Some(kind) = &kind {
        if !KINDS.contains(&kind.as_str()) {
            return Err(ApiError::bad(format!(
                "invalid value `{kind}` for `kind`: valid kinds are {}",
                KINDS.join(", ")
            )));
        }
    }
    let limit = params.number("limit", 0, usize::MAX)?;
    blocking(&state, move |generation| {
        let searcher = &generation.searcher;
        let mut counts = match &query {
            Some(q) => {
                let request = SearchRequest {
                    limit: 0,
                    facets: true,
                    ..SearchRequest::new(q)
                };
                searcher
                    .search(&request)
                    .map_err(ApiError::of)?
                    .facets
                    .unwrap_or_default()
            }
            None => searcher.all_actor_counts().map_err(ApiError::of)?,
        };
        if let Some(kind) = &kind {
            counts.retain(|c| c.kind() == kind);
        }
        if limit > 0 {
            counts.truncate(limit);
        }
        let actors: Vec<Value> = counts
            .iter()
            .map(|c| output::actor_count_json(c, true))
            .collect();
        Ok(Json(json!({ "actors": actors })))
    })
    .await
}

/// `GET /api/status`: which index and commit are served.
pub async fn status(State(state): State<Arc<AppState>>) -> ApiResult {
    let generation = state.shared.current();
    let opened = generation
        .opened
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    Ok(Json(json!({
        "index": display_dir(&state.shared.dir),
        "briefs": generation.briefs,
        "opened_at": opened,
        "limits": {
            "query_chars": MAX_QUERY_CHARS,
            "limit": MAX_LIMIT,
            "offset": MAX_OFFSET,
        },
    })))
}

/// Any other path.
pub async fn not_found(uri: axum::http::Uri) -> ApiError {
    ApiError::not_found(format!("no such page: {}", uri.path()))
}
