//! # kclient-rest
//!
//! The lowest-level client of the Kubernetes API, mirroring client-go's `rest` package: a
//! [`RestClient`] bound to one group/version builds requests (verb, namespace, resource, name,
//! subresource, options), sends them through a transport stack (TLS, authentication,
//! impersonation, user agent, client-side rate limiting, retries, warnings, tracing), and decodes
//! the answers (objects, raw bytes, byte streams, or a stream of watch events).
//!
//! ## Requests
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use futures_util::StreamExt;
//! use kclient_apimachinery::{GroupVersion, WatchEvent};
//! use kclient_config::{Config, Serializer};
//! use kclient_rest::RestClient;
//!
//! let mut config = Config::infer()?;
//! config.api_path = "/api".into();
//! config.content.group_version = Some(GroupVersion::new("", "v1"));
//! config.content.serializer = Some(Serializer::Json);
//! let client = RestClient::for_config(&config)?;
//!
//! // GET /api/v1/namespaces/default/pods?limit=100, decoded while it streams in.
//! let pods: serde_json::Value =
//!     client.get().namespace("default").resource("pods").param("limit", "100").object().await?;
//!
//! // Errors keep the server's Status and classify like apimachinery's errors package.
//! match client.get().namespace("default").resource("pods").name("nope").bytes().await {
//!     Ok(body) => println!("{} bytes", body.len()),
//!     Err(e) if e.is_not_found() => println!("not found: {e}"),
//!     Err(e) => return Err(e.into()),
//! }
//!
//! // A watch: events decoded incrementally from the chunked body.
//! let mut events = client.get().resource("pods").watch::<serde_json::Value>().await?;
//! while let Some(event) = events.next().await {
//!     if let WatchEvent::Added(pod) = event? {
//!         println!("added {}", pod["metadata"]["name"]);
//!     }
//! }
//! # let _ = pods; Ok(()) }
//! ```
//!
//! ## Helpers over any client
//!
//! | module | client-go package | what |
//! |---|---|---|
//! | [`wait`] | `apimachinery/pkg/util/wait` | [`wait::Backoff`], the one exponential backoff |
//! | [`retry`] | `util/retry` | [`retry::retry_on_conflict`], [`retry::on_error`] |
//! | [`pager`] | `tools/pager` | [`pager::ListPager`]: pages, item streams, full-list fallback |
//!
//! The terminal methods map to client-go's: [`Request::send`] (`Do`, body unread),
//! [`Request::object`] (`Do().Into()`), [`Request::bytes`] (`DoRaw`), [`Request::stream`]
//! (`Stream`) and [`Request::watch`] (`Watch`). `docs/rest.md` describes the layer in full.
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
//! - `tokio-tungstenite` (no TLS, no connector: only the `handshake` helpers): WebSocket framing
//!   for exec, attach and port-forward. We do the HTTP upgrade ourselves through the client's own
//!   hyper stack (so TLS, proxy, auth, impersonation and the user agent are the same as for every
//!   other request) and hand the upgraded connection to `WebSocketStream::from_raw_socket`;
//!   writing RFC 6455 framing, masking and control frames by hand would be a second,
//!   less-tested implementation of a solved problem.
//! - `metrics` (optional, feature `metrics`): the adapter of the metrics hooks to the `metrics`
//!   facade, under client-go's Prometheus names.

pub(crate) mod auth;
mod body;
mod builder;
mod client;
pub mod deadline;
mod decode;
mod error;
mod extensions;
pub mod flowcontrol;
mod http_client;
pub mod httpstream;
pub mod metrics;
pub(crate) mod middleware;
pub mod pager;
pub mod portforward;
#[cfg(feature = "protobuf")]
pub mod protobuf;
pub mod remotecommand;
mod request;
mod response;
pub mod retry;
pub(crate) mod transport;
mod upgrade;
pub mod wait;
mod watch;

pub use body::{BoxError, RequestBody, ResponseBody};
pub use builder::{HttpClientBuilder, StackService};
pub use client::RestClient;
pub use decode::list::ListParts;
pub use error::Error;
pub use extensions::{DEFAULT_MAX_RETRIES, RequestSettings};
pub use http_client::HttpClient;
pub use request::{PatchType, Request};
pub use response::{ByteStream, Lines, Response, Warning};
/// The WebSocket library of upgraded connections, re-exported so callers use the same version.
pub use tokio_tungstenite;
pub use transport::crypto_provider;
pub use upgrade::{MAX_UPGRADE_ERROR_BODY, MAX_WEBSOCKET_MESSAGE, WebSocketConnection};
pub use watch::{DEFAULT_MAX_FRAME_SIZE, WatchStream};

/// The snippets of `docs/rest.md`, compiled as doctests so the guide stays correct.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/rest.md")]
mod guide_doctests {}

/// The Chinese chapter `docs/zh/rest.md`, its snippets compiled as doctests too.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/zh/rest.md")]
mod guide_zh_doctests {}
