//! The page: static files compiled into the binary (no build step, no CDN).

use axum::extract::Path;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

/// (path under /static/, content type, contents)
const FILES: [(&str, &str, &str); 5] = [
    (
        "app.js",
        "text/javascript; charset=utf-8",
        include_str!("../static/app.js"),
    ),
    (
        "app.css",
        "text/css; charset=utf-8",
        include_str!("../static/app.css"),
    ),
    (
        "vendor/uPlot.iife.min.js",
        "text/javascript; charset=utf-8",
        include_str!("../static/vendor/uPlot.iife.min.js"),
    ),
    (
        "vendor/uPlot.min.css",
        "text/css; charset=utf-8",
        include_str!("../static/vendor/uPlot.min.css"),
    ),
    (
        "vendor/LICENSE-uPlot",
        "text/plain; charset=utf-8",
        include_str!("../static/vendor/LICENSE-uPlot"),
    ),
];

const INDEX: &str = include_str!("../static/index.html");

fn with_type(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        body,
    )
        .into_response()
}

pub async fn page() -> Response {
    with_type("text/html; charset=utf-8", INDEX)
}

pub async fn file(Path(path): Path<String>) -> Response {
    match FILES.iter().find(|(p, _, _)| *p == path) {
        Some((_, ty, body)) => with_type(ty, body),
        None => {
            crate::error::ApiError::not_found("no such file", serde_json::json!({"path": path}))
                .into_response()
        }
    }
}
