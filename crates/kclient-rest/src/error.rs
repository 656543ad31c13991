//! The crate's error type, and the client-go style predicates (`is_not_found`, `is_conflict`, …)
//! that classify it.

use std::time::Duration;

use http::Method;
use kclient_apimachinery::Status;

use crate::BoxError;

/// Everything that can go wrong building, sending or decoding a request.
///
/// Server-side failures come back as [`Error::Api`] (the server answered with a `Status`) or
/// [`Error::UnexpectedResponse`] (it answered something else); classify them with the predicates
/// ([`Error::is_not_found`], [`Error::is_conflict`], …) rather than by matching messages.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The configuration cannot make a client (missing group/version, serializer, bad host…).
    #[error("invalid client configuration: {0}")]
    Config(String),

    /// The request could not be built: an invalid name, namespace, path segment, header or
    /// parameter, or a combination the API server would reject (client-go's preflight checks).
    #[error("invalid request: {reason}")]
    InvalidRequest {
        /// What is wrong, naming the offending value.
        reason: String,
    },

    /// The request body could not be encoded as JSON.
    #[error("cannot encode a {type_name} as the JSON request body")]
    EncodeBody {
        /// The Rust type that was being encoded.
        type_name: &'static str,
        /// The encoder's error.
        #[source]
        source: serde_json::Error,
    },

    /// The server rejected the request with a `Status` object (client-go's `StatusError`).
    #[error("{verb} {url}: {}", describe_status(status))]
    Api {
        /// The server's `Status`, with `code` filled in from the HTTP status when the body had none.
        status: Box<Status>,
        /// The request's method.
        verb: Method,
        /// The request's URL.
        url: String,
    },

    /// The server answered with an error code but a body that is not a `Status` (an HTML error page
    /// from a proxy, plain text…), as client-go's `NewGenericServerResponse`.
    #[error("{verb} {url}: unexpected HTTP {code} response ({}): {excerpt:?}",
        content_type.as_deref().unwrap_or("no content type"))]
    UnexpectedResponse {
        /// The HTTP status code.
        code: u16,
        /// The response's `Content-Type`, if any.
        content_type: Option<String>,
        /// The start of the body (at most 1 KiB, lossily decoded as UTF-8).
        excerpt: String,
        /// The request's method.
        verb: Method,
        /// The request's URL.
        url: String,
    },

    /// A response body (or one watch event) could not be decoded into the expected type.
    #[error("cannot decode the response to {verb} {url} as {target}")]
    Decode {
        /// What was being decoded (a Rust type name, or a description such as a watch event).
        target: String,
        /// The request's method.
        verb: Method,
        /// The request's URL.
        url: String,
        /// The decoder's error, with line and column.
        #[source]
        source: serde_json::Error,
    },

    /// A protobuf response body could not be decoded into the expected type (truncated,
    /// malformed, or of another kind).
    #[cfg(feature = "protobuf")]
    #[error("cannot decode the protobuf response to {verb} {url} as {target}: {reason}")]
    DecodeProtobuf {
        /// What was being decoded.
        target: String,
        /// The request's method.
        verb: Method,
        /// The request's URL.
        url: String,
        /// What is wrong, and where in the message.
        reason: String,
    },

    /// The connection failed while the response body was being read.
    #[error("reading the response body of {verb} {url} failed")]
    ReadBody {
        /// The request's method.
        verb: Method,
        /// The request's URL.
        url: String,
        /// What went wrong underneath.
        #[source]
        source: BoxError,
    },

    /// The request (including reading its body) did not finish within its timeout.
    #[error("{verb} {url} did not complete within {timeout:?}")]
    Timeout {
        /// The request's method.
        verb: Method,
        /// The request's URL.
        url: String,
        /// The timeout that expired.
        timeout: Duration,
    },

    /// One watch event is larger than the decoder's maximum frame size.
    #[error("a watch event from {url} exceeds the maximum frame size of {max} bytes")]
    WatchFrameTooLarge {
        /// The watch URL.
        url: String,
        /// The limit in bytes.
        max: usize,
    },

    /// The watch stream is not a sequence of JSON objects (stray bytes, or it ended mid-event).
    #[error("malformed watch stream from {url}: {reason}")]
    WatchFraming {
        /// The watch URL.
        url: String,
        /// What is wrong, and where.
        reason: String,
    },

    /// A SPDY connection failed: the peer broke the protocol, the connection dropped, or a
    /// ping went unanswered past its deadline.
    #[error("SPDY connection: {reason}")]
    Spdy {
        /// What happened.
        reason: String,
    },

    /// Port forwarding failed: the server reported an error for a port, or the protocol broke.
    #[error("port forward: {reason}")]
    PortForward {
        /// What happened, with the ports involved.
        reason: String,
    },

    /// A WebSocket upgrade (exec, attach, port-forward) was answered with 101 but not a valid
    /// WebSocket handshake, or with a subprotocol that was not offered (client-go's
    /// `httpstream.UpgradeFailureError`). A non-101 answer is [`Error::Api`] or
    /// [`Error::UnexpectedResponse`] as for any request.
    #[error("unable to upgrade {url} to a WebSocket: {reason}")]
    Upgrade {
        /// The URL without its query.
        url: String,
        /// What was wrong with the handshake.
        reason: String,
    },

    /// An upgraded stream (exec, attach, port-forward) failed after the handshake: the
    /// connection broke, the peer violated the channel protocol, or no pong arrived in time.
    #[error("stream {url}: {reason}")]
    Stream {
        /// The URL without its query.
        url: String,
        /// What went wrong, in client-go's words where it has them.
        reason: String,
        /// The underlying WebSocket or I/O error, if any.
        #[source]
        source: Option<BoxError>,
    },

    // ---- transport errors (owned by the transport half: src/transport, src/auth) ----
    /// TLS settings cannot be used: unreadable or malformed PEM, a key that does not match its
    /// certificate, no trusted roots at all.
    #[error("invalid TLS configuration: {reason}")]
    Tls {
        /// What is wrong, and with which input.
        reason: String,
        /// The underlying I/O, PEM or rustls error, if any.
        #[source]
        source: Option<BoxError>,
    },

    /// No connection could be made to `url` (DNS, TCP, proxy, or TLS handshake failure).
    #[error("cannot connect to {url}")]
    Connect {
        /// The URL without its query.
        url: String,
        /// What failed.
        #[source]
        source: BoxError,
    },

    /// The connection failed while the request to `url` was in flight (reset, closed early,
    /// protocol error).
    #[error("request to {url} failed")]
    Transport {
        /// The URL without its query.
        url: String,
        /// What failed.
        #[source]
        source: BoxError,
    },

    /// No credential could be obtained (token file unreadable or empty, bad header value…).
    #[error("authentication failed: {reason}")]
    Auth {
        /// What went wrong. Never contains a credential.
        reason: String,
        /// The underlying error, if any.
        #[source]
        source: Option<BoxError>,
    },

    /// The exec credential plugin could not be run or returned an unusable answer.
    #[error("exec credential plugin {command:?}: {reason}")]
    ExecPlugin {
        /// The command as configured.
        command: String,
        /// What went wrong, with the plugin's (truncated) standard error and install hint when
        /// relevant. Never contains the credential.
        reason: String,
        /// The I/O error of starting or waiting for the process, if any.
        #[source]
        source: Option<std::io::Error>,
    },

    /// A retried request failed for good; `previous` describes the attempt before the last one
    /// (client-go's "error from a previous attempt").
    #[error("request failed after {attempts} attempts (error from a previous attempt: {previous})")]
    Retried {
        /// How many attempts were made.
        attempts: u32,
        /// What the previous attempt ran into.
        previous: String,
        /// The error of the last attempt.
        #[source]
        source: Box<Error>,
    },
}

/// `message (Reason, code)`, or as much of it as the server gave.
fn describe_status(status: &Status) -> String {
    let message = status.message.as_deref().unwrap_or("");
    let message = if message.is_empty() {
        "the server reported a failure"
    } else {
        message
    };
    match (status.reason(), status.code()) {
        ("", 0) => message.to_string(),
        ("", code) => format!("{message} (HTTP {code})"),
        (reason, 0) => format!("{message} ({reason})"),
        (reason, code) => format!("{message} ({reason}, HTTP {code})"),
    }
}

/// The `Status.reason` values client-go knows (`metav1.StatusReason*`). A predicate falls back to
/// the HTTP code only when the reason is not one of these, as `apierrors.reasonAndCodeForError`.
const KNOWN_REASONS: &[&str] = &[
    "Unauthorized",
    "Forbidden",
    "NotFound",
    "AlreadyExists",
    "Conflict",
    "Gone",
    "Invalid",
    "ServerTimeout",
    "StorageReadError",
    "Timeout",
    "TooManyRequests",
    "BadRequest",
    "MethodNotAllowed",
    "NotAcceptable",
    "RequestEntityTooLarge",
    "UnsupportedMediaType",
    "InternalError",
    "Expired",
    "ServiceUnavailable",
];

/// The reason client-go's `NewGenericServerResponse` derives from a bare HTTP code.
fn generic_reason(code: u16, verb: &Method) -> &'static str {
    match code {
        400 => "BadRequest",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "NotFound",
        405 => "MethodNotAllowed",
        406 => "NotAcceptable",
        409 if verb == Method::POST => "AlreadyExists",
        409 => "Conflict",
        410 => "Gone",
        413 => "RequestEntityTooLarge",
        415 => "UnsupportedMediaType",
        422 => "Invalid",
        429 => "TooManyRequests",
        503 => "ServiceUnavailable",
        504 => "Timeout",
        c if c >= 500 => "InternalError",
        _ => "",
    }
}

impl Error {
    /// Whether a WebSocket upgrade failed at the handshake (client-go's
    /// `httpstream.IsUpgradeFailure`).
    pub fn is_upgrade_failure(&self) -> bool {
        matches!(self, Error::Upgrade { .. })
    }

    /// The server's `Status`, when the server sent one.
    pub fn status(&self) -> Option<&Status> {
        match self {
            Error::Api { status, .. } => Some(status),
            _ => None,
        }
    }

    /// The machine-readable reason (`NotFound`, `Conflict`, `Expired`…): the server's, or the one
    /// derived from the HTTP code for a non-`Status` answer. `None` for client-side errors.
    pub fn reason(&self) -> Option<&str> {
        match self {
            Error::Api { status, .. } => Some(status.reason()).filter(|r| !r.is_empty()),
            Error::UnexpectedResponse { code, verb, .. } => {
                Some(generic_reason(*code, verb)).filter(|r| !r.is_empty())
            }
            _ => None,
        }
    }

    /// The HTTP status code of a server-side failure (the `Status`'s code, else the response's).
    pub fn code(&self) -> Option<u16> {
        match self {
            Error::Api { status, .. } => Some(status.code()).filter(|c| *c != 0),
            Error::UnexpectedResponse { code, .. } => Some(*code),
            _ => None,
        }
    }

    /// The server's suggested wait before retrying (`details.retryAfterSeconds`), if any.
    pub fn retry_after_seconds(&self) -> Option<i32> {
        self.status()?.details.as_ref()?.retry_after_seconds
    }

    /// Whether the reason is `reason`, or the reason is unknown and the code is `code`
    /// (`apierrors.reasonAndCodeForError` semantics).
    fn has_reason_or_code(&self, reason: &str, code: Option<u16>) -> bool {
        let actual = self.reason().unwrap_or("");
        if actual == reason {
            return true;
        }
        match (code, self.code()) {
            (Some(want), Some(got)) => want == got && !KNOWN_REASONS.contains(&actual),
            _ => false,
        }
    }

    /// 404 NotFound: the object (or namespace, or resource) does not exist.
    pub fn is_not_found(&self) -> bool {
        self.has_reason_or_code("NotFound", Some(404))
    }

    /// AlreadyExists: a create found an object with that name.
    pub fn is_already_exists(&self) -> bool {
        self.has_reason_or_code("AlreadyExists", None)
    }

    /// 409 Conflict: usually a stale `resourceVersion` on update.
    pub fn is_conflict(&self) -> bool {
        self.has_reason_or_code("Conflict", Some(409))
    }

    /// 410 Gone or reason `Expired`/`Gone`: the requested resourceVersion is too old; relist.
    pub fn is_gone(&self) -> bool {
        self.has_reason_or_code("Gone", Some(410)) || self.is_resource_expired()
    }

    /// Reason `Expired` (client-go's `IsResourceExpired`).
    pub fn is_resource_expired(&self) -> bool {
        self.has_reason_or_code("Expired", None)
    }

    /// 403 Forbidden.
    pub fn is_forbidden(&self) -> bool {
        self.has_reason_or_code("Forbidden", Some(403))
    }

    /// 401 Unauthorized.
    pub fn is_unauthorized(&self) -> bool {
        self.has_reason_or_code("Unauthorized", Some(401))
    }

    /// 429 TooManyRequests.
    pub fn is_too_many_requests(&self) -> bool {
        self.has_reason_or_code("TooManyRequests", Some(429))
    }

    /// 422 Invalid: the object failed validation (see `status().details.causes`).
    pub fn is_invalid(&self) -> bool {
        self.has_reason_or_code("Invalid", Some(422))
    }

    /// 400 BadRequest.
    pub fn is_bad_request(&self) -> bool {
        self.has_reason_or_code("BadRequest", Some(400))
    }

    /// A timeout: the client-side request timeout, reason `Timeout` or `ServerTimeout`, or 504.
    pub fn is_timeout(&self) -> bool {
        matches!(self, Error::Timeout { .. })
            || crate::transport::errors::is_transport_timeout(self)
            || self.has_reason_or_code("Timeout", Some(504))
            || self.has_reason_or_code("ServerTimeout", None)
    }

    /// Any 5xx answer from the server.
    pub fn is_server_error(&self) -> bool {
        self.code().is_some_and(|c| (500..600).contains(&c))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn api(reason: &str, code: u16) -> Error {
        Error::Api {
            status: Box::new(Status {
                status: Some("Failure".into()),
                message: Some("m".into()),
                reason: Some(reason.into()).filter(|r: &String| !r.is_empty()),
                code: Some(code),
                ..Status::default()
            }),
            verb: Method::GET,
            url: "http://h/api/v1/pods".into(),
        }
    }

    fn generic(code: u16, verb: Method) -> Error {
        Error::UnexpectedResponse {
            code,
            content_type: Some("text/html".into()),
            excerpt: "<html>".into(),
            verb,
            url: "http://h/x".into(),
        }
    }

    #[test]
    fn reason_wins_and_code_is_a_fallback_for_unknown_reasons() {
        assert!(api("NotFound", 404).is_not_found());
        assert!(api("", 404).is_not_found());
        assert!(api("SomethingNew", 404).is_not_found());
        // A known, different reason with the same code is not NotFound.
        assert!(!api("Gone", 404).is_not_found());
        assert!(api("AlreadyExists", 409).is_already_exists());
        assert!(!api("AlreadyExists", 409).is_conflict());
        assert!(api("Conflict", 409).is_conflict());
        assert!(api("Expired", 410).is_gone());
        assert!(api("Gone", 410).is_gone());
        assert!(api("", 410).is_gone());
        assert!(api("Expired", 410).is_resource_expired());
        assert!(api("ServerTimeout", 500).is_timeout());
        assert!(api("", 504).is_timeout());
        assert!(api("InternalError", 500).is_server_error());
        assert!(!api("NotFound", 404).is_server_error());
        assert!(api("Invalid", 422).is_invalid());
        assert!(api("Forbidden", 403).is_forbidden());
        assert!(api("Unauthorized", 401).is_unauthorized());
        assert!(api("TooManyRequests", 429).is_too_many_requests());
    }

    #[test]
    fn generic_responses_get_client_go_reasons() {
        assert!(generic(404, Method::GET).is_not_found());
        assert!(generic(409, Method::POST).is_already_exists());
        assert!(generic(409, Method::PUT).is_conflict());
        assert!(generic(502, Method::GET).is_server_error());
        assert_eq!(generic(502, Method::GET).reason(), Some("InternalError"));
        assert!(generic(504, Method::GET).is_timeout());
        assert_eq!(generic(418, Method::GET).reason(), None);
        assert_eq!(generic(418, Method::GET).code(), Some(418));
    }

    #[test]
    fn display_keeps_the_server_message_and_context() {
        let text = api("NotFound", 404).to_string();
        assert_eq!(text, "GET http://h/api/v1/pods: m (NotFound, HTTP 404)");
        let text = generic(502, Method::GET).to_string();
        assert!(text.contains("unexpected HTTP 502"), "{text}");
        assert!(text.contains("text/html"), "{text}");
    }

    #[test]
    fn client_side_errors_have_no_reason_or_code() {
        let e = Error::InvalidRequest { reason: "x".into() };
        assert_eq!(e.reason(), None);
        assert_eq!(e.code(), None);
        assert!(!e.is_not_found());
        let t = Error::Timeout {
            verb: Method::GET,
            url: "u".into(),
            timeout: Duration::from_secs(1),
        };
        assert!(t.is_timeout());
    }
}
