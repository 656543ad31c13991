//! Building HTTP responses: JSON bodies, `Status` errors, plain text, and the headers every
//! response of the real server carries (`Audit-Id`, `Cache-Control`).

use std::convert::Infallible;

use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode, header};
use http_body_util::{BodyExt, Full, combinators::UnsyncBoxBody};

use super::objects::new_uid;
use super::status::ApiError;

/// The response body type of every handler.
pub type Body = UnsyncBoxBody<Bytes, Infallible>;

/// `application/json`.
pub const JSON: &str = "application/json";

/// A full (non-streaming) body.
pub fn full(bytes: impl Into<Bytes>) -> Body {
    Full::new(bytes.into()).boxed_unsync()
}

/// Adds the headers every response carries.
pub fn common_headers(resp: &mut Response<Body>) {
    let h = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&new_uid()) {
        h.insert("audit-id", v);
    }
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-cache, private"),
    );
}

/// A response with `body` as `content_type`.
pub fn with_type(code: u16, content_type: &str, body: impl Into<Bytes>) -> Response<Body> {
    let mut resp = Response::new(full(body));
    *resp.status_mut() = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if let Ok(v) = HeaderValue::from_str(content_type) {
        resp.headers_mut().insert(header::CONTENT_TYPE, v);
    }
    common_headers(&mut resp);
    resp
}

/// A JSON response.
pub fn json(code: u16, value: &serde_json::Value) -> Response<Body> {
    let mut bytes = serde_json::to_vec(value).unwrap_or_default();
    bytes.push(b'\n');
    with_type(code, JSON, bytes)
}

/// A `Status` error response.
pub fn error(err: &ApiError) -> Response<Body> {
    json(err.code, &err.to_json())
}

/// A plain-text response (health checks).
pub fn text(code: u16, body: &'static str) -> Response<Body> {
    let mut resp = with_type(code, "text/plain; charset=utf-8", body);
    resp.headers_mut().insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    resp
}
