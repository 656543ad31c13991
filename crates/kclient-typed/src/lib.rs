//! # kclient-typed
//!
//! Typed Kubernetes API objects and a typed clientset, mirroring client-go's `k8s.io/api` types
//! and `kubernetes.Clientset`. Both are generated from the Kubernetes OpenAPI spec by
//! `cargo xtask codegen` (see `docs/codegen.md`); the generic client core is hand-written.
//!
//! - [`api`]: one module per API group and version (`api::core::v1::Pod`,
//!   `api::apps::v1::Deployment`), each behind a Cargo feature (`core-v1`, `apps-v1`, …; the
//!   default is every stable group-version). Compile only what you use:
//!   `default-features = false, features = ["core-v1", "apps-v1"]`.
//! - [`Clientset`]: `clientset.core_v1().pods("default").get("web", &GetOptions::default())`.
//!   Each resource allows exactly the verbs the spec gives it; the others do not compile.
//! - [`ResourceClient`]: the verbs, generic over the object type, usable with your own
//!   resource types too.
//! - `applyconfigurations` (feature `apply`): client-go's apply configurations, builders of
//!   partial objects for server-side apply (`ResourceClient::apply_config`) and
//!   `extract_<kind>` to read back the fields a field manager owns; `apply` holds what they
//!   share (see `docs/apply.md`).
//!
//! ```no_run
//! # async fn run() -> Result<(), kclient_typed::Error> {
//! use kclient_apimachinery::options::{GetOptions, PatchOptions};
//! use kclient_config::Config;
//! use kclient_typed::Clientset;
//! use kclient_typed::api::apps::v1::Deployment;
//!
//! let clientset = Clientset::new(Config::new("https://10.0.0.1:6443"))?;
//! let deployments = clientset.apps_v1().deployments("default");
//! let web: Deployment = deployments.get("web", &GetOptions::default()).await?;
//! let scale = deployments.get_scale("web", &GetOptions::default()).await?;
//! println!("{:?} wants {:?} replicas", web.metadata.name, scale.spec.and_then(|s| s.replicas));
//! let patch = serde_json::json!({"apiVersion": "apps/v1", "kind": "Deployment",
//!     "metadata": {"name": "web"}, "spec": {"replicas": 3}});
//! deployments.apply("web", &patch, &PatchOptions::apply("my-tool").force()).await?;
//! # Ok(()) }
//! ```
//!
//! The same calls against the embedded test server (this example runs as a doc test):
//!
//! ```
//! # #[cfg(feature = "core-v1")]
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let server = kclient_testserver::TestServer::start().await?;
//! # let kubeconfig = kclient_config::Kubeconfig::from_yaml(&server.kubeconfig_yaml())?;
//! # let config = kclient_config::Config::from_kubeconfig(&kubeconfig, &Default::default())?;
//! use kclient_apimachinery::meta::ObjectMeta;
//! use kclient_apimachinery::options::{CreateOptions, GetOptions};
//! use kclient_typed::Clientset;
//! use kclient_typed::api::core::v1::ConfigMap;
//!
//! // `config` comes from `kclient_config::Config::infer()` in a real program.
//! let clientset = Clientset::for_config(&config)?;
//! let config_maps = clientset.core_v1().config_maps("default");
//! let settings = ConfigMap {
//!     metadata: ObjectMeta::namespaced("default", "settings"),
//!     data: Some([("mode".to_string(), "fast".to_string())].into_iter().collect()),
//!     ..ConfigMap::default()
//! };
//! config_maps.create(&settings, &CreateOptions::default()).await?;
//! let read = config_maps.get("settings", &GetOptions::default()).await?;
//! assert_eq!(read.data.unwrap_or_default().get("mode").map(String::as_str), Some("fast"));
//! # Ok(()) }
//! # #[cfg(not(feature = "core-v1"))]
//! # fn main() {}
//! ```
//!
//! ## Wire behaviour
//! - Optional fields are `Option`s, left out when `None`; required fields are plain values
//!   that decode to their default when absent (as Go's decoder does), so partial objects such
//!   as watch bookmarks still decode. Unknown fields are ignored.
//! - `apiVersion` and `kind` are zero-sized [`ApiVersion`] / [`Kind`] fields: always written,
//!   and checked when present, so a `Status` answered in place of a `Pod` is a clear error.
//! - `[]byte` fields are [`ByteString`] (base64); int-or-string, quantities and times are the
//!   `kclient-apimachinery` types.
//! - Objects are kept compact, since caches hold many: maps are
//!   [`VecMap`](kclient_apimachinery::VecMap)s (sorted vectors with `BTreeMap`'s API), optional
//!   structs of 48 bytes or more are boxed (`Some(Box::new(..))`; `spec` and `status` stay
//!   inline), and decoded lists are shrunk to their length.
//! - The serde impls are generated, not derived: they share one visitor
//!   ([`object_serde`]), which keeps the crate's compile time low.
//! - String enums: the v1.36 spec declares none (allowed values are only described in the
//!   docs), so such fields are `String`. Where a spec gives `enum`, the generator emits an
//!   enum with an `Other(String)` variant, so values from newer servers still decode.
//!
//! ## Dependencies and why
//! - `kclient-apimachinery`: meta types, options, `Resource` traits. `kclient-rest` and
//!   `kclient-config`: requests and configuration. `http`: methods.
//! - `tokio`, `tar`, `tracing`: `kubectl cp` (`copy_to_pod`, `copy_from_pod`) streams a tar
//!   archive through exec; the `tar` crate reads and writes the format on a blocking thread, and
//!   skipped entries are logged as warnings.
//! - `serde`, `serde_json`: the wire format. `base64`: [`ByteString`]. `thiserror`: [`Error`].
//! - With the `protobuf` feature, `application/vnd.kubernetes.protobuf` for the built-in kinds
//!   (generated `prost::Message` impls in `protobuf`, negotiated per request as client-go's
//!   generated clients do): the wire runtime is `kclient_apimachinery::protobuf`, on
//!   `prost::encoding` (no `prost-derive`). See `docs/typed.md`.

#[path = "generated/mod.rs"]
pub mod api;
#[cfg(feature = "apply")]
pub mod apply;
#[cfg(feature = "apply")]
#[path = "generated/applyconfigurations/mod.rs"]
pub mod applyconfigurations;
mod byte_string;
pub mod client;
mod error;
#[doc(hidden)]
pub mod object_serde;
#[cfg(feature = "protobuf")]
#[path = "generated/protobuf.rs"]
pub mod protobuf;
#[doc(hidden)]
pub mod redact;
#[doc(hidden)]
pub mod serde_helpers;
mod type_meta;

pub use byte_string::ByteString;
pub use client::{Clientset, Deleted, ResourceClient};
pub use error::Error;
pub use type_meta::{ApiVersion, Kind, TypeInfo};

/// The snippets of `docs/typed.md`, compiled (and the runnable ones run) as doctests so the
/// guide stays correct.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/typed.md")]
mod guide_doctests {}

/// The snippets of `docs/codegen.md`, compiled as doctests.
#[cfg(all(doctest, feature = "core-v1"))]
#[doc = include_str!("../../../docs/codegen.md")]
mod codegen_doctests {}

/// The snippets of `docs/streaming.md` (exec, attach, cp, logs), compiled as doctests.
#[cfg(all(doctest, feature = "core-v1"))]
#[doc = include_str!("../../../docs/streaming.md")]
mod streaming_doctests {}

/// The snippets of `docs/apply.md` (apply configurations), compiled with the `apply` feature.
#[cfg(all(doctest, feature = "apply"))]
#[doc = include_str!("../../../docs/apply.md")]
mod apply_guide_doctests {}

/// The Chinese chapter `docs/zh/typed.md`, its snippets compiled as doctests too.
#[cfg(all(doctest, feature = "core-v1"))]
#[doc = include_str!("../../../docs/zh/typed.md")]
mod guide_zh_doctests {}

/// The Chinese chapter `docs/zh/codegen.md`, compiled as doctests.
#[cfg(all(doctest, feature = "core-v1"))]
#[doc = include_str!("../../../docs/zh/codegen.md")]
mod codegen_zh_doctests {}

/// The Chinese chapter `docs/zh/streaming.md`, compiled as doctests.
#[cfg(all(doctest, feature = "core-v1"))]
#[doc = include_str!("../../../docs/zh/streaming.md")]
mod streaming_zh_doctests {}

/// The Chinese chapter `docs/zh/apply.md`, compiled as doctests.
#[cfg(all(doctest, feature = "apply"))]
#[doc = include_str!("../../../docs/zh/apply.md")]
mod apply_zh_doctests {}
