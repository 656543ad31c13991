//! Turning an error response into an [`Error`]: a `Status` body with `status: Failure` becomes
//! [`Error::Api`] (client-go's `Result.Error`), anything else [`Error::UnexpectedResponse`] with
//! a bounded excerpt of the body (client-go's `NewGenericServerResponse`). At most
//! [`MAX_ERROR_BODY`] bytes of an error body are read.

use http::HeaderMap;
use http::header::CONTENT_TYPE;

use super::{failure_status, next_chunk};
use crate::request::context::RequestContext;
use crate::{Error, ResponseBody};

/// The most of an error body that is read (a `Status` with many causes fits easily).
pub(crate) const MAX_ERROR_BODY: usize = 1024 * 1024;
/// The most of a non-`Status` error body kept in the error.
pub(crate) const MAX_EXCERPT: usize = 1024;

/// Reads (a bounded prefix of) the body of a response with status `code` and builds its error.
pub(crate) async fn error_from_response(
    code: u16,
    headers: &HeaderMap,
    mut body: ResponseBody,
    ctx: &RequestContext,
) -> Error {
    let mut bytes = Vec::new();
    let mut complete = true;
    loop {
        match next_chunk(&mut body).await {
            Ok(Some(chunk)) => {
                let room = MAX_ERROR_BODY - bytes.len();
                if chunk.len() > room {
                    bytes.extend_from_slice(&chunk[..room]);
                    complete = false;
                    break;
                }
                bytes.extend_from_slice(&chunk);
            }
            Ok(None) => break,
            // A broken error body: report the error response with what arrived.
            Err(_) => {
                complete = false;
                break;
            }
        }
    }
    error_from_bytes(code, headers, &bytes, complete, ctx)
}

/// The error for a response with status `code` and (a prefix of) its body.
pub(crate) fn error_from_bytes(
    code: u16,
    headers: &HeaderMap,
    bytes: &[u8],
    complete: bool,
    ctx: &RequestContext,
) -> Error {
    if complete && let Some(status) = failure_status(bytes) {
        return ctx.api_error(status, code);
    }
    Error::UnexpectedResponse {
        code,
        content_type: headers
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string),
        excerpt: excerpt(bytes, MAX_EXCERPT),
        verb: ctx.verb.clone(),
        url: ctx.url.clone(),
    }
}

/// The start of `bytes` as text: at most `max` bytes, cut at a character boundary, trimmed.
pub(crate) fn excerpt(bytes: &[u8], max: usize) -> String {
    let prefix = &bytes[..bytes.len().min(max)];
    let mut text = String::from_utf8_lossy(prefix).into_owned();
    if text.len() > max {
        let mut end = max;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
    }
    text.trim().to_string()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use http::{HeaderValue, Method};

    use super::*;

    fn ctx() -> RequestContext {
        RequestContext::new(Method::GET, "http://h/api/v1/pods/x".into(), None)
    }

    fn html() -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(CONTENT_TYPE, HeaderValue::from_static("text/html"));
        h
    }

    #[test]
    fn a_failure_status_becomes_an_api_error_with_the_http_code() {
        let body = br#"{"kind":"Status","apiVersion":"v1","status":"Failure",
            "message":"pods \"x\" not found","reason":"NotFound"}"#;
        let err = error_from_bytes(404, &HeaderMap::new(), body, true, &ctx());
        assert!(err.is_not_found());
        assert_eq!(err.code(), Some(404));
        assert_eq!(
            err.status().unwrap().message.as_deref(),
            Some("pods \"x\" not found")
        );
    }

    #[test]
    fn other_bodies_become_bounded_excerpts() {
        let page = format!("<html>{}</html>", "x".repeat(5000));
        let err = error_from_bytes(502, &html(), page.as_bytes(), true, &ctx());
        match &err {
            Error::UnexpectedResponse {
                code,
                content_type,
                excerpt,
                ..
            } => {
                assert_eq!(*code, 502);
                assert_eq!(content_type.as_deref(), Some("text/html"));
                assert!(excerpt.len() <= MAX_EXCERPT);
                assert!(excerpt.starts_with("<html>xxx"));
            }
            other => panic!("unexpected {other:?}"),
        }
        assert!(err.is_server_error());
        // A success Status on an error code, or a non-Status JSON, is not an Api error.
        let ok = br#"{"kind":"Status","status":"Success"}"#;
        assert!(
            error_from_bytes(500, &HeaderMap::new(), ok, true, &ctx())
                .status()
                .is_none()
        );
        // A truncated body is never taken for a Status.
        let status = br#"{"kind":"Status","status":"Failure"}"#;
        assert!(
            error_from_bytes(500, &HeaderMap::new(), status, false, &ctx())
                .status()
                .is_none()
        );
    }

    #[test]
    fn excerpts_cut_at_character_boundaries() {
        let text = "é".repeat(600); // 1200 bytes
        let cut = excerpt(text.as_bytes(), 1023);
        assert!(cut.len() <= 1023);
        assert!(cut.chars().all(|c| c == 'é'));
        assert_eq!(excerpt(b"  hi \n", 1024), "hi");
    }
}
