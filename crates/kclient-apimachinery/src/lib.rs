//! # kclient-apimachinery
//!
//! The vocabulary every other kclient crate speaks, mirroring Go's `k8s.io/apimachinery`:
//! group/version/kind/resource names, the `meta/v1` types that every object carries, the server's
//! `Status`, watch events, the option structs of each verb (and the exact query parameters they
//! encode to), label and field selectors, `Quantity`, `IntOrString`, name validation, and
//! `Unstructured` objects. Wire formats and error messages match Kubernetes v1.36.
//!
//! This crate does no I/O: everything here is plain data and pure functions, tested without a server.
//!
//! ## Example
//!
//! ```
//! use kclient_apimachinery::labels::Selector;
//! use kclient_apimachinery::meta::ObjectMeta;
//! use kclient_apimachinery::options::{DeleteOptions, ListOptions};
//! use kclient_apimachinery::{GroupVersionResource, Quantity, ToQueryParams, Unstructured};
//!
//! // Names: kubectl-style resource arguments.
//! let gvr: GroupVersionResource = "deployments.v1.apps".parse()?;
//! assert_eq!(gvr.group_version().api_path(), "/apis/apps/v1");
//!
//! // Selectors print in the canonical form the server expects.
//! let selector = Selector::parse("tier in (web,cache), env != prod")?;
//! assert_eq!(selector.to_string(), "env!=prod,tier in (cache,web)");
//!
//! // Options encode to the exact query parameters, defaults left out.
//! let mut query = Vec::new();
//! ListOptions::default().labels(&selector).limit(100).query_params(&mut query);
//! assert_eq!(query[0], ("labelSelector".into(), "env!=prod,tier in (cache,web)".into()));
//! assert_eq!(
//!     serde_json::to_string(&DeleteOptions::background())?,
//!     r#"{"kind":"DeleteOptions","apiVersion":"v1","propagationPolicy":"Background"}"#
//! );
//!
//! // Quantities compare by value and print in Go's canonical form.
//! let memory: Quantity = "1.5Gi".parse()?;
//! assert_eq!(memory.to_string(), "1536Mi");
//! assert!(memory > "1G".parse()?);
//!
//! // Unstructured objects for kinds without a Rust type.
//! let mut widget = Unstructured::with_type("example.com/v1", "Widget");
//! widget.set_metadata(&ObjectMeta::namespaced("default", "w1"))?;
//! widget.set_nested_field(serde_json::json!(3), &["spec", "size"])?;
//! assert_eq!(widget.nested_i64(&["spec", "size"])?, Some(3));
//! assert_eq!(widget.name(), Some("w1"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Map of the crate
//!
//! | module | Go package | what |
//! |---|---|---|
//! | [`gvk`], [`gvr`] | `runtime/schema` | `GroupVersion`, `GroupVersionKind`, `GroupVersionResource`, ... |
//! | [`meta`] | `apis/meta/v1` | `ObjectMeta`, `ListMeta`, `LabelSelector`, `Condition`, `Time`, `Duration`, ... |
//! | [`status`], [`watch`] | `apis/meta/v1`, `watch` | `Status`, `WatchEvent` |
//! | [`options`] | `apis/meta/v1` | `ListOptions`, `DeleteOptions`, ... and [`ToQueryParams`] |
//! | [`labels`], [`fields`] | `labels`, `fields` | selector parsing, printing, matching |
//! | [`quantity`], [`intstr`] | `api/resource`, `util/intstr` | `Quantity`, `IntOrString` |
//! | [`validation`] | `api/validate/content` | DNS-1123 names, label keys and values |
//! | [`remotecommand`] | `util/remotecommand`, `wsstream` | exec/attach channel protocol: names, frames, error-channel Status, resize |
//! | [`resource`] | `runtime`, `api/meta` | the `Resource` and metadata-accessor traits |
//! | [`httpstream::spdy`], [`portforward`] | `util/httpstream/spdy`, `util/portforward` | SPDY/3.1 frames and header compression; port-forward constants and channel rules |
//! | [`unstructured`] | `apis/meta/v1/unstructured` | `Unstructured`, `UnstructuredList`, nested-field helpers |
//!
//! ## Dependencies and why
//! - `serde`, `serde_json`: every wire type is (de)serialized with serde; JSON is the wire format.
//! - `thiserror`: the crate's one error enum.
//! - `jiff`: RFC 3339 timestamps for `Time` and `MicroTime`.
//! - `base64`: the text frames of the `base64.channel.k8s.io` exec protocols.
//! - `bytes`: SPDY `DATA` payloads are split off the read buffer without copying.
//! - `flate2` (zlib-rs backend): SPDY/3 header blocks are zlib streams with a preset dictionary.

pub mod error;
mod field_error;
pub mod fields;
pub mod gvk;
pub mod gvr;
pub mod httpstream;
pub mod intstr;
pub mod labels;
pub mod meta;
pub mod options;
pub mod portforward;
#[cfg(feature = "protobuf")]
pub mod protobuf;
pub mod quantity;
pub mod redact;
pub mod remotecommand;
pub mod resource;
pub mod status;
pub mod unstructured;
pub mod validation;
pub mod vec_map;
pub mod watch;

pub use error::Error;
pub use gvk::{GroupKind, GroupVersion, GroupVersionKind};
pub use gvr::{GroupResource, GroupVersionResource};
pub use intstr::IntOrString;
pub use options::ToQueryParams;
pub use quantity::Quantity;
pub use resource::{ApiResource, HasObjectMeta, MetaAccessor, Resource, StaticResource};
pub use status::{Status, StatusCause, StatusDetails};
pub use unstructured::{Unstructured, UnstructuredList};
pub use vec_map::VecMap;
pub use watch::{WatchEvent, WatchEventType};

/// The snippets of `docs/apimachinery.md`, compiled and run as doctests so the guide stays correct.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/apimachinery.md")]
mod guide_doctests {}

/// The Chinese chapter `docs/zh/apimachinery.md`, its snippets compiled as doctests too.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/zh/apimachinery.md")]
mod guide_zh_doctests {}
