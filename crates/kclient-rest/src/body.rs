//! The body types that flow through the transport stack.

use bytes::Bytes;

/// A boxed, thread-safe error, as tower layers produce them.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// A request body: always fully in memory, so a request can be retried.
pub type RequestBody = http_body_util::Full<Bytes>;

/// A response body as the stack hands it over: possibly decompressed, read incrementally.
pub type ResponseBody = http_body_util::combinators::UnsyncBoxBody<Bytes, BoxError>;
