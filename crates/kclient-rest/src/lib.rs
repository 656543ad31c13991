//! # kclient-rest
//!
//! The lowest-level client of the Kubernetes API, mirroring client-go's `rest` package: a
//! [`RestClient`] bound to one group/version builds requests (verb, namespace, resource, name,
//! subresource, options), sends them through a transport stack (TLS, authentication,
//! impersonation, user agent, client-side rate limiting, retries, warnings, tracing), and decodes
//! the answers (objects, raw bytes, byte streams, or a stream of watch events).
//!
//! ## Dependencies and why
//! - `hyper`, `hyper-util`: HTTP/1.1 and HTTP/2 client with a connection pool and proxy support.
//! - `hyper-rustls`, `rustls` (ring provider, fast to build), `rustls-pki-types`,
//!   `rustls-native-certs`: TLS with custom CAs, client certificates, and the system roots.
//! - `tower`, `tower-http`: the middleware stack; `tower-http` brings gzip decompression.
//! - `tokio`: timers, the exec plugin's process, token files. `futures-util`: streams.
//! - `serde`, `serde_json`: bodies. `base64`: basic auth. `secrecy`: credentials never logged.
//! - `tracing`: one span per request and logs. `fastrand`: jitter in backoff.
//! - `thiserror`: the crate's one error enum. `pin-project-lite`: response futures and streams.

pub(crate) mod auth;
mod body;
mod client;
mod decode;
mod error;
mod extensions;
mod http_client;
pub(crate) mod middleware;
mod request;
mod response;
pub(crate) mod transport;
mod watch;

pub use body::{BoxError, RequestBody, ResponseBody};
pub use client::RestClient;
pub use error::Error;
pub use extensions::{DEFAULT_MAX_RETRIES, RequestSettings};
pub use http_client::HttpClient;
pub use request::{PatchType, Request};
pub use response::{ByteStream, Response};
pub use watch::{DEFAULT_MAX_FRAME_SIZE, WatchStream};
