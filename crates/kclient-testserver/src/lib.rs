//! # kclient-testserver
//!
//! An embedded, in-memory Kubernetes API server that speaks the real wire protocol over HTTPS,
//! for tests of clients and controllers: real clients (kubectl, client-go, kclient) talk to it
//! as to a v1.36 API server. Every test can start its own server on a free port.
//!
//! client-go has no counterpart: its `kubernetes/fake` clientset (`fake.NewSimpleClientset`)
//! answers in memory without HTTP, and controller-runtime's `envtest` starts real etcd and
//! kube-apiserver binaries. This server speaks the real protocol like envtest and starts
//! in-process in milliseconds like the fake. The guide is `docs/testserver.md`.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), kclient_testserver::Error> {
//! let server = kclient_testserver::TestServer::start().await?;
//! assert!(server.url().starts_with("https://127.0.0.1:"));
//! let kubeconfig = server.kubeconfig_yaml();
//! assert!(kubeconfig.contains("current-context: kclient-testserver"));
//! // Point kubectl or a client at it: server.write_kubeconfig(path)?
//! server.shutdown().await;
//! # Ok(())
//! # }
//! ```
//!
//! What it implements (discovery, CRUD, patch including strategic merge and server-side apply,
//! watch, pagination, finalizers, namespaces, CRDs, defaulting, garbage collection, opt-in RBAC,
//! service account tokens, pod binding and graceful deletion, simulated kubelets running pods with
//! `exec`/`attach`/`log` over a built-in shell, objects seeded from YAML at start, the default
//! admission plugins, the objects of a fresh cluster and the controllers that keep them)
//! and what it does not yet is listed in `docs/testserver.md`.
//!
//! ## Dependencies and why
//! - `hyper`, `hyper-util`, `tokio-rustls`, `rustls`: HTTP/1.1 and HTTP/2 over TLS.
//! - `rcgen`, `x509-parser`: the CA and certificates made at start; client certificate subjects.
//! - `serde_json`, `json-patch`: objects are stored as JSON; merge and JSON patches.
//! - `jiff`, `fastrand`, `base64`: timestamps, uids/tokens/generated names, continue tokens.
//! - `serde-saphyr`: YAML bodies of server-side apply; seed files.
//! - `tokio-tungstenite` (handshake helpers only), `futures-util`: WebSocket framing of the
//!   streaming subresources (`exec`, `attach`) over hyper's own upgraded connection.
//! - `tar`: the archive format of the simulated containers' `tar` (what `kubectl cp` runs).

mod api;
mod apis;
mod auth;
mod crd;
mod error;
mod faults;
mod generated;
mod openapi;
mod protobuf;
mod rbac;
mod registry;
mod runtime;
mod seed;
mod server;
mod store;
mod tables;
mod tls;
mod tokens;
mod types;
mod version;

pub use error::Error;
pub use faults::{Fault, FaultStats, Faults};
pub use server::{TestServer, TestServerBuilder};
pub use version::GIT_VERSION;

/// The snippets of `docs/testserver.md`, compiled and run as doctests so the guide stays correct.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/testserver.md")]
mod guide_doctests {}

/// The Chinese chapter `docs/zh/testserver.md`, its snippets compiled as doctests too.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/zh/testserver.md")]
mod guide_zh_doctests {}
