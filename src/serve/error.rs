//! Errors as JSON: `{"error": ..., "field": ..., "code": ...}`, with the HTTP status that fits.

use axum::Json;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

/// A refused or failed request: what went wrong, the field of the request it concerns (a path
/// or query parameter, a header, or a field of the body), and a stable code.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub error: String,
    pub field: Option<String>,
    pub code: &'static str,
    /// More keys of the JSON object (problems of a file, for instance).
    pub extra: Map<String, Value>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, field: Option<&str>, error: String) -> Self {
        ApiError {
            status,
            error,
            field: field.map(str::to_string),
            code,
            extra: Map::new(),
        }
    }

    /// A request parameter that cannot be used (400).
    pub fn bad(field: &str, code: &'static str, error: String) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, code, Some(field), error)
    }

    pub fn not_found(field: &str, error: String) -> Self {
        ApiError::new(StatusCode::NOT_FOUND, "not-found", Some(field), error)
    }

    /// Input that was read but is refused by what it describes (422).
    pub fn unprocessable(field: Option<&str>, code: &'static str, error: String) -> Self {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, field, error)
    }

    pub fn internal(error: String) -> Self {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", None, error)
    }

    pub fn with(mut self, key: &str, value: Value) -> Self {
        self.extra.insert(key.into(), value);
        self
    }

    pub fn json(&self) -> Value {
        let mut obj = Map::new();
        obj.insert("error".into(), json!(self.error));
        obj.insert("field".into(), json!(self.field));
        obj.insert("code".into(), json!(self.code));
        for (k, v) in &self.extra {
            obj.insert(k.clone(), v.clone());
        }
        Value::Object(obj)
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.error)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut r = (self.status, Json(self.json())).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            r.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Bearer"),
            );
        }
        r
    }
}

/// A body that could not be read: too large (413) or cut off.
pub fn body_rejected(e: axum::extract::rejection::BytesRejection, limit: usize) -> ApiError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too-large",
            Some("body"),
            format!("the request body is larger than this server reads ({limit} bytes at most)"),
        )
    } else {
        ApiError::new(e.status(), "bad-body", Some("body"), e.body_text())
    }
}

pub async fn not_found(uri: axum::http::Uri) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "no-route",
        None,
        format!(
            "no route {}; the routes are listed in docs/serve.md",
            uri.path()
        ),
    )
}

pub async fn method_not_allowed(method: axum::http::Method, uri: axum::http::Uri) -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method-not-allowed",
        None,
        format!(
            "{method} is not allowed on {}; the routes are listed in docs/serve.md",
            uri.path()
        ),
    )
}
