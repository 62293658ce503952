//! `ticai serve`: the analysts' web page and its JSON API, read-only over a
//! data directory.
//!
//! Every endpoint goes through the same library functions as the command
//! line ([`ticai_index::SearchParams`], [`ticai_trends::params`],
//! [`ticai_pipeline::Store`]), so `/api/search` answers what `ticai search
//! --format json` prints and `/api/trends` what `ticai trends --format
//! json` prints. Index work runs on tokio's blocking pool; each request
//! reloads the index reader, so a commit by a concurrent `ticai run` or
//! `ticai ingest` is visible to the next request without a restart.
//!
//! | route | answer |
//! | --- | --- |
//! | `GET /api/search?q=&theme=&company=&source=&since=&until=&sort=&limit=&offset=` | the search JSON plus `offset`, `limit` and each hit's `copies` |
//! | `GET /api/documents/{id}?evidence_offset=&evidence_limit=&text=` (id percent-encoded) | the article with its tags and each tag's evidence spans `offset .. offset + limit` (default 0 and [`Options::max_evidence`]), `evidence_total` when some are left out; `text=false` leaves the text out |
//! | `GET /api/trends?theme=&company=&top=&interval=&rollup=&since=&until=&tz=&q=&source=` | the trends JSON |
//! | `GET /api/cooccur?kind=&min_articles=&limit=&since=&until=&tz=&q=&source=` | the co-occurrence JSON |
//! | `GET /api/alerts?interval=&window=&until=&tz=&q=&source=&min_articles=&min_score=&evidence=&rollup=` | the alerts JSON |
//! | `GET /api/themes`, `/api/stats`, `/healthz` | the lexicon's themes, index statistics, liveness |
//! | `GET /` and `/static/...` | the page (files compiled into the binary) |

mod assets;
pub mod error;
mod params;

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use error::ApiError;
use params::Params;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;
use ticai_index::{SearchParams, SearchRequest, Sort};
use ticai_pipeline::Store;
use ticai_trends::params::{AlertParams, CooccurParams, FilterParams, SeriesParams, WindowParams};
use ticai_trends::{Format, Interval, Out};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;

/// At most this many results per page.
pub const MAX_LIMIT: usize = 200;
/// Paging stops here (deeper pages cost a sort of offset + limit hits).
pub const MAX_OFFSET: usize = 10_000;
/// A query (or any filter value) may be at most this many characters.
pub const MAX_QUERY_CHARS: usize = 1_000;
/// At most this many evidence spans per tag in one article answer.
pub const MAX_EVIDENCE_LIMIT: usize = 1_000;

/// The page's Content-Security-Policy: scripts only from this server (no
/// inline script, no `onclick=`, no `eval`), nothing embedded elsewhere.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
img-src 'self' data:; connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; \
frame-ancestors 'none'";

/// How the server runs.
#[derive(Clone, Debug)]
pub struct Options {
    /// Per-request time limit (503 when exceeded).
    pub timeout: Duration,
    /// Evidence spans per tag in an article answer unless the request asks
    /// for a number (at most [`MAX_EVIDENCE_LIMIT`]).
    pub max_evidence: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            timeout: Duration::from_secs(10),
            max_evidence: ticai_pipeline::ARTICLE_EVIDENCE,
        }
    }
}

#[derive(Clone)]
struct App {
    store: Arc<Store>,
    max_evidence: usize,
}

/// The routes, with the limits and security headers.
pub fn router(store: Arc<Store>, options: &Options) -> Router {
    Router::new()
        .route("/", get(assets::page))
        .route("/static/{*file}", get(assets::file))
        .route("/healthz", get(healthz))
        .route("/api/search", get(search))
        .route("/api/documents/{*id}", get(document))
        .route("/api/trends", get(trends))
        .route("/api/cooccur", get(cooccur))
        .route("/api/alerts", get(alerts))
        .route("/api/themes", get(themes))
        .route("/api/stats", get(stats))
        .fallback(not_found)
        .with_state(App {
            store,
            max_evidence: options.max_evidence.min(MAX_EVIDENCE_LIMIT),
        })
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            options.timeout,
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
}

/// Serves until the process ends.
pub async fn serve(
    listener: tokio::net::TcpListener,
    store: Arc<Store>,
    options: &Options,
) -> std::io::Result<()> {
    axum::serve(listener, router(store, options)).await
}

/// Runs index work on the blocking pool.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(ApiError::internal)?
}

fn json_bytes(bytes: Vec<u8>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        Body::from(bytes),
    )
        .into_response()
}

fn json_value(v: &Value) -> Response {
    json_bytes(v.to_string().into_bytes())
}

async fn not_found() -> ApiError {
    ApiError::not_found("no such route", Value::Null)
}

async fn healthz(State(app): State<App>) -> Result<Response, ApiError> {
    let store = app.store.clone();
    blocking(move || {
        let documents = store.index.num_docs()?;
        Ok(json_value(
            &json!({ "status": "ok", "documents": documents }),
        ))
    })
    .await
}

/// A query or filter value within [`MAX_QUERY_CHARS`].
fn bounded(name: &str, v: Option<String>) -> Result<Option<String>, ApiError> {
    if let Some(s) = &v
        && s.chars().count() > MAX_QUERY_CHARS
    {
        return Err(ApiError::param(
            name,
            format!("{name}: longer than {MAX_QUERY_CHARS} characters"),
        ));
    }
    Ok(v)
}

fn bounded_all(name: &str, v: Vec<String>) -> Result<Vec<String>, ApiError> {
    for s in &v {
        bounded(name, Some(s.clone()))?;
    }
    if v.len() > 20 {
        return Err(ApiError::param(name, format!("{name}: at most 20 values")));
    }
    Ok(v)
}

/// The query of `q` (or `query`), checked against the index so that a
/// malformed one is a 400 that names the column.
fn query_param(p: &Params) -> Result<Option<String>, ApiError> {
    bounded("q", p.one("q").or_else(|| p.one("query")))
}

fn check_query(store: &Store, q: Option<&str>) -> Result<(), ApiError> {
    if let Some(q) = q {
        store.index.filter_query(&SearchRequest {
            query: q.to_string(),
            ..Default::default()
        })?;
    }
    Ok(())
}

async fn search(State(app): State<App>, RawQuery(raw): RawQuery) -> Result<Response, ApiError> {
    let p = Params::parse(
        raw.as_deref(),
        &[
            "q", "query", "theme", "company", "source", "since", "until", "sort", "limit", "offset",
        ],
    )?;
    let limit = p.num::<usize>("limit")?.unwrap_or(10);
    if limit == 0 || limit > MAX_LIMIT {
        return Err(ApiError::param(
            "limit",
            format!("limit={limit}: give 1 to {MAX_LIMIT}"),
        ));
    }
    let offset = p.num::<usize>("offset")?.unwrap_or(0);
    if offset > MAX_OFFSET {
        return Err(ApiError::param(
            "offset",
            format!("offset={offset}: at most {MAX_OFFSET}"),
        ));
    }
    let params = SearchParams {
        query: query_param(&p)?.unwrap_or_default(),
        themes: bounded_all("theme", p.all("theme"))?,
        companies: bounded_all("company", p.all("company"))?,
        sources: bounded_all("source", p.all("source"))?,
        since: bounded("since", p.one("since"))?,
        until: bounded("until", p.one("until"))?,
        sort: p
            .one("sort")
            .map(|s| s.parse::<Sort>())
            .transpose()?
            .unwrap_or_default(),
        limit,
        offset,
    };
    let store = app.store.clone();
    blocking(move || {
        let req = params.request(&store.lexicon)?;
        let res = store.index.search(&req)?;
        let clusters: Vec<&str> = res
            .results
            .iter()
            .filter_map(|h| h.cluster_id.as_deref())
            .collect();
        let sizes = store.index.cluster_sizes(&clusters)?;
        // through the text, so that numbers print as the CLI prints them
        // (an f32 score via to_value would gain f64 digits)
        let text = serde_json::to_string(&res).map_err(ApiError::internal)?;
        let mut v: Value = serde_json::from_str(&text).map_err(ApiError::internal)?;
        v["offset"] = offset.into();
        v["limit"] = limit.into();
        if let Some(hits) = v["results"].as_array_mut() {
            for h in hits {
                let copies = h["cluster_id"]
                    .as_str()
                    .and_then(|c| sizes.get(c))
                    .copied()
                    .unwrap_or(1);
                h["copies"] = copies.into();
            }
        }
        Ok(json_value(&v))
    })
    .await
}

async fn document(
    State(app): State<App>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    if id.chars().count() > 4 * MAX_QUERY_CHARS {
        return Err(ApiError::param("id", "id: too long"));
    }
    let p = Params::parse(
        raw.as_deref(),
        &["evidence_offset", "evidence_limit", "text"],
    )?;
    let limit = p
        .num::<usize>("evidence_limit")?
        .unwrap_or(app.max_evidence);
    if limit > MAX_EVIDENCE_LIMIT {
        return Err(ApiError::param(
            "evidence_limit",
            format!("evidence_limit: at most {MAX_EVIDENCE_LIMIT} spans per tag, got {limit}"),
        ));
    }
    let window = ticai_pipeline::EvidenceWindow {
        offset: p.num::<usize>("evidence_offset")?.unwrap_or(0),
        limit: Some(limit),
    };
    let with_text = p.flag("text")?.unwrap_or(true);
    let store = app.store.clone();
    blocking(move || match store.article(&id, window, with_text)? {
        Some(a) => Ok(json_value(
            &serde_json::to_value(&a).map_err(ApiError::internal)?,
        )),
        None => Err(ApiError::not_found(
            format!("no document with id {id:?}"),
            json!({ "id": id }),
        )),
    })
    .await
}

fn interval(p: &Params) -> Result<Interval, ApiError> {
    p.one("interval")
        .map(|v| {
            v.parse::<Interval>()
                .map_err(|e| ApiError::param("interval", e.to_string()))
        })
        .transpose()
        .map(Option::unwrap_or_default)
}

fn filter(p: &Params) -> Result<FilterParams, ApiError> {
    Ok(FilterParams {
        query: query_param(p)?,
        sources: bounded_all("source", p.all("source"))?,
    })
}

fn window(p: &Params) -> Result<WindowParams, ApiError> {
    Ok(WindowParams {
        since: bounded("since", p.one("since"))?,
        until: bounded("until", p.one("until"))?,
        tz: bounded("tz", p.one("tz"))?.unwrap_or_else(|| ticai_trends::params::DEFAULT_TZ.into()),
        filter: filter(p)?,
    })
}

const WINDOW_KEYS: [&str; 6] = ["since", "until", "tz", "q", "query", "source"];

fn keys(extra: &[&'static str]) -> Vec<&'static str> {
    WINDOW_KEYS.iter().chain(extra).copied().collect()
}

/// A table written by `ticai_trends` in its JSON format, into memory.
fn table_json(write: impl FnOnce(Out) -> ticai_trends::Result<()>) -> Result<Response, ApiError> {
    let (out, buf) = Out::memory();
    write(out)?;
    let bytes = std::mem::take(&mut *buf.lock().map_err(ApiError::internal)?);
    Ok(json_bytes(bytes))
}

async fn trends(State(app): State<App>, RawQuery(raw): RawQuery) -> Result<Response, ApiError> {
    let p = Params::parse(
        raw.as_deref(),
        &keys(&["theme", "company", "top", "interval", "rollup"]),
    )?;
    let top = p.num::<usize>("top")?;
    if top.is_some_and(|n| n > 100) {
        return Err(ApiError::param("top", "top: at most 100"));
    }
    let params = SeriesParams {
        themes: bounded_all("theme", p.all("theme"))?,
        companies: bounded_all("company", p.all("company"))?,
        top,
        interval: interval(&p)?,
        no_rollup: !p.flag("rollup")?.unwrap_or(true),
        window: window(&p)?,
    };
    let store = app.store.clone();
    blocking(move || {
        check_query(&store, params.window.filter.query.as_deref())?;
        let req = params.request(&store.index, &store.lexicon, &store.tagger, 10)?;
        if req.calendar.len() > 5_000 {
            return Err(ApiError::bad_request(format!(
                "{} buckets: use a longer interval or a shorter period (at most 5000)",
                req.calendar.len()
            )));
        }
        let t = ticai_trends::trends(&store.index, &store.lexicon, &req)?;
        table_json(|out| ticai_trends::write_trends(&t, Format::Json, None, out))
    })
    .await
}

async fn cooccur(State(app): State<App>, RawQuery(raw): RawQuery) -> Result<Response, ApiError> {
    let p = Params::parse(raw.as_deref(), &keys(&["kind", "min_articles", "limit"]))?;
    let defaults = CooccurParams::default();
    let params = CooccurParams {
        window: window(&p)?,
        kind: p
            .one("kind")
            .map(|k| {
                k.parse()
                    .map_err(|e: ticai_trends::TrendsError| ApiError::param("kind", e.to_string()))
            })
            .transpose()?
            .unwrap_or(defaults.kind),
        min_articles: p.num("min_articles")?.unwrap_or(defaults.min_articles),
        limit: p.num("limit")?.unwrap_or(50),
    };
    let store = app.store.clone();
    blocking(move || {
        check_query(&store, params.window.filter.query.as_deref())?;
        let (pairs, header) = params.run(&store.index, &store.lexicon)?;
        table_json(|out| ticai_trends::write_pairs(&pairs, header, Format::Json, out))
    })
    .await
}

async fn alerts(State(app): State<App>, RawQuery(raw): RawQuery) -> Result<Response, ApiError> {
    let p = Params::parse(
        raw.as_deref(),
        &keys(&[
            "interval",
            "window",
            "min_articles",
            "min_score",
            "evidence",
            "rollup",
        ]),
    )?;
    if p.one("since").is_some() {
        return Err(ApiError::param(
            "since",
            "alerts take until= and window=, not since=",
        ));
    }
    let d = AlertParams::default();
    let evidence = p.num::<usize>("evidence")?.unwrap_or(d.evidence);
    let window_buckets = p.num::<usize>("window")?.unwrap_or(d.window);
    if evidence > 20 || window_buckets > 400 {
        return Err(ApiError::bad_request(
            "evidence: at most 20; window: at most 400",
        ));
    }
    let params = AlertParams {
        interval: interval(&p)?,
        window: window_buckets,
        until: bounded("until", p.one("until"))?,
        tz: bounded("tz", p.one("tz"))?.unwrap_or(d.tz),
        filter: filter(&p)?,
        min_articles: p.num("min_articles")?.unwrap_or(d.min_articles),
        min_score: p.num("min_score")?.unwrap_or(d.min_score),
        evidence,
        no_rollup: !p.flag("rollup")?.unwrap_or(true),
    };
    params.check()?;
    let store = app.store.clone();
    blocking(move || {
        check_query(&store, params.filter.query.as_deref())?;
        let req = params.request(&store.index)?;
        let a = ticai_trends::alerts::alerts(&store.index, &store.lexicon, &store.tagger, &req)?;
        Ok(json_value(
            &serde_json::to_value(&a).map_err(ApiError::internal)?,
        ))
    })
    .await
}

async fn themes(State(app): State<App>) -> Response {
    let themes: Vec<Value> = app
        .store
        .lexicon
        .themes
        .iter()
        .map(|t| {
            json!({
                "id": t.id,
                "name_zh": t.name_zh,
                "name_en": t.name_en,
                "parent": t.parent,
                "aliases": t.aliases.iter().map(|(a, _)| a).collect::<Vec<_>>(),
                "description": t.description,
            })
        })
        .collect();
    json_value(&json!({ "lexicon_version": app.store.lexicon.version, "themes": themes }))
}

async fn stats(State(app): State<App>) -> Result<Response, ApiError> {
    let store = app.store.clone();
    let max_evidence = app.max_evidence;
    blocking(move || {
        let s = store.index.stats()?;
        Ok(json_value(&store.stats_report(&s, max_evidence)))
    })
    .await
}
