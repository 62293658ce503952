//! API errors: `{"error": "...", "detail": ...}` with a status. Anything a
//! user can get wrong (a parameter, a query, an id) is a 4xx; a 500 means
//! the index itself failed.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use ticai_index::IndexError;
use ticai_trends::TrendsError;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub error: String,
    pub detail: Value,
}

impl ApiError {
    /// A bad parameter (400), naming it.
    pub fn param(name: &str, error: impl Into<String>) -> ApiError {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            error: error.into(),
            detail: json!({ "parameter": name }),
        }
    }

    pub fn bad_request(error: impl Into<String>) -> ApiError {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            error: error.into(),
            detail: Value::Null,
        }
    }

    pub fn not_found(error: impl Into<String>, detail: Value) -> ApiError {
        ApiError {
            status: StatusCode::NOT_FOUND,
            error: error.into(),
            detail,
        }
    }

    /// The server's own failure (500); the cause is logged and returned.
    pub fn internal(cause: impl std::fmt::Display) -> ApiError {
        let cause = cause.to_string();
        tracing::error!(%cause, "request failed");
        ApiError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            error: "internal error".into(),
            detail: Value::String(cause),
        }
    }

    pub fn of_index(e: &IndexError) -> ApiError {
        match e {
            IndexError::Query(q) => {
                let v = q.to_json();
                ApiError {
                    status: StatusCode::BAD_REQUEST,
                    error: v["error"].as_str().unwrap_or_default().to_string(),
                    detail: v["detail"].clone(),
                }
            }
            IndexError::Parameter { name, message } => ApiError::param(name, message.clone()),
            IndexError::Request(m) => ApiError::bad_request(m.clone()),
            e => ApiError::internal(e),
        }
    }
}

impl From<IndexError> for ApiError {
    fn from(e: IndexError) -> ApiError {
        ApiError::of_index(&e)
    }
}

impl From<TrendsError> for ApiError {
    fn from(e: TrendsError) -> ApiError {
        match e {
            TrendsError::Request(m) => ApiError::bad_request(m),
            e => ApiError::internal(e),
        }
    }
}

impl From<anyhow::Error> for ApiError {
    fn from(e: anyhow::Error) -> ApiError {
        if let Some(i) = e.downcast_ref::<IndexError>() {
            return ApiError::of_index(i);
        }
        if let Some(TrendsError::Request(m)) = e.downcast_ref::<TrendsError>() {
            return ApiError::bad_request(m.clone());
        }
        ApiError::internal(format!("{e:#}"))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({ "error": self.error, "detail": self.detail });
        (self.status, Json(body)).into_response()
    }
}
