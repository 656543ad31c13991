//! # kclient-dynamic
//!
//! One client for every resource of the server, with objects as
//! [`Unstructured`](kclient_apimachinery::Unstructured) JSON (client-go's `dynamic/`): get,
//! list, watch, create, update, update_status, delete, delete_collection, patch (JSON, merge,
//! strategic merge) and server-side apply. Names such as `deploy` or `Widget.example.com` are
//! resolved to resources through a RESTMapper built from discovery.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let server = kclient_testserver::TestServer::start().await?;
//! # let kubeconfig = kclient_config::Kubeconfig::from_yaml(&server.kubeconfig_yaml())?;
//! # let config = kclient_config::Config::from_kubeconfig(&kubeconfig, &Default::default())?;
//! use kclient_apimachinery::Unstructured;
//! use kclient_apimachinery::options::{CreateOptions, GetOptions, PatchOptions, PatchType};
//! use kclient_dynamic::DynamicClient;
//! use serde_json::json;
//!
//! // `config` comes from `kclient_config::Config::infer()` in a real program.
//! let client = DynamicClient::for_config(&config)?;
//! let configmaps = client.resource_for("cm").await?.namespace("default");
//!
//! let cm = Unstructured::from_value(json!({
//!     "apiVersion": "v1", "kind": "ConfigMap",
//!     "metadata": {"name": "settings"}, "data": {"mode": "fast"}
//! }))?;
//! configmaps.create(&cm, &CreateOptions::default()).await?;
//! configmaps
//!     .patch("settings", PatchType::Merge, &json!({"data": {"mode": "safe"}}), &PatchOptions::default())
//!     .await?;
//! let got = configmaps.get("settings", &GetOptions::default()).await?;
//! assert_eq!(got.nested_str(&["data", "mode"])?, Some("safe"));
//! # Ok(()) }
//! ```
//!
//! [`MetadataClient`] (the [`metadata`] module, client-go's `metadata/`) does the same verbs on
//! objects' metadata only (`PartialObjectMetadata`). Lists of any of these clients can be paged
//! with [`kclient_rest::pager::ListPager`] ([`ResourceClient::pager`], [`MetadataResourceClient::pager`]).
//!
//! Typed values convert with [`to_unstructured`] and [`from_unstructured`]. See
//! `docs/dynamic.md` for when to use this client rather than the typed or REST clients.
//!
//! ## Dependencies and why
//! - `kclient-rest`, `kclient-config`, `kclient-apimachinery`: requests, configuration, objects.
//! - `kclient-discovery`: the RESTMapper behind [`DynamicClient::resolve`].
//! - `serde`, `serde_json`: objects are JSON. `bytes`: raw patch bodies.
//! - `thiserror`: the crate's error enum. `futures-util`: the boxed page futures of pagers.

mod client;
mod convert;
mod error;
pub mod metadata;
mod resource;
mod scale;

pub use client::{DynamicClient, JSON, Mapper};
pub use convert::{from_unstructured, to_unstructured};
pub use error::Error;
pub use metadata::{MetadataClient, MetadataResourceClient};
pub use resource::{ApplyOptions, ResourceClient};
pub use scale::{Scale, ScaleClient, ScaleSpec, ScaleStatus, Scales};

#[cfg(test)]
mod resource_tests;

/// The snippets of `docs/dynamic.md`, compiled as doctests so the guide stays correct.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/dynamic.md")]
mod guide_doctests {}

/// The Chinese chapter `docs/zh/dynamic.md`, its snippets compiled as doctests too.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/zh/dynamic.md")]
mod guide_zh_doctests {}
