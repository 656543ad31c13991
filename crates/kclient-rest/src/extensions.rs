//! Per-request settings that the request builder attaches to an `http::Request` as an extension,
//! and the transport's layers read.

use std::time::Duration;

/// Default retry budget per request (client-go's `maxRetries`).
pub const DEFAULT_MAX_RETRIES: u32 = 10;

/// How the transport should treat one request. Inserted by the request builder into
/// `http::Request::extensions`; a request without it gets `RequestSettings::default()`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestSettings {
    /// A watch (long-running): its first attempt is not rate limited (as in client-go), and no
    /// total timeout applies to it.
    pub is_watch: bool,
    /// How many times a 429/5xx with `Retry-After` (and, for GET, a connection reset) is retried.
    pub max_retries: u32,
    /// Whether the client-side rate limiter applies.
    pub throttle: bool,
    /// The per-request timeout, if any (set by the request builder; watches have none).
    pub timeout: Option<Duration>,
}

impl Default for RequestSettings {
    fn default() -> Self {
        Self {
            is_watch: false,
            max_retries: DEFAULT_MAX_RETRIES,
            throttle: true,
            timeout: None,
        }
    }
}

/// Which attempt of a request this is (0 for the first), set by the retry layer so the rate
/// limiter can exempt the first attempt of a watch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Attempt(pub(crate) u32);
