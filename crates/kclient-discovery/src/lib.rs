//! # kclient-discovery
//!
//! What the API server serves, and what names mean: discovery of groups, versions and
//! resources (client-go's `discovery/`), caching discovery clients in memory and on disk in
//! kubectl's layout, OpenAPI document fetching, a RESTMapper (`restmapper/`), and the
//! `kubectl api-resources` table.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let server = kclient_testserver::TestServer::start().await?;
//! # let kubeconfig = kclient_config::Kubeconfig::from_yaml(&server.kubeconfig_yaml())?;
//! # let config = kclient_config::Config::from_kubeconfig(&kubeconfig, &Default::default())?;
//! use kclient_discovery::restmapper::DeferredRestMapper;
//! use kclient_discovery::{Discovery, DiscoveryClient, MemCacheClient};
//!
//! // `config` comes from `kclient_config::Config::infer()` in a real program.
//! let discovery = DiscoveryClient::for_config(&config)?;
//! println!("server {}", discovery.server_version().await?.git_version);
//!
//! // One list per group/version, each resource at its group's preferred version. Failed
//! // group/versions come back beside the partial result; `into_result` makes them an error.
//! let preferred = discovery.server_preferred_resources().await?.into_result()?;
//! assert!(preferred.iter().any(|l| l.group_version == "apps/v1"));
//!
//! // Names, short names, kinds and categories, as kubectl understands them.
//! let mapper = DeferredRestMapper::new(MemCacheClient::new(discovery));
//! let deploy = mapper.resolve("deploy").await?;
//! assert_eq!(deploy.resource.to_string(), "apps/v1, Resource=deployments");
//! assert_eq!(deploy.kind.kind, "Deployment");
//! assert!(mapper.expand_category("all").await?.is_some());
//! # Ok(()) }
//! ```
//!
//! ## Map of the crate
//!
//! | item | client-go | what |
//! |---|---|---|
//! | [`DiscoveryClient`] | `discovery.DiscoveryClient` | live discovery; aggregated (`apidiscovery.k8s.io/v2`) with fallback to the legacy documents |
//! | [`Discovery`], [`CachedDiscovery`] | `DiscoveryInterface`, `CachedDiscoveryInterface` | the calls every client offers; `server_groups_and_resources`, `server_preferred_resources`, … |
//! | [`MemCacheClient`], [`DiskCacheClient`] | `cached/memory`, `cached/disk` | caching; the disk cache shares kubectl's `~/.kube/cache/discovery/<host_port>/` |
//! | [`restmapper`] | `restmapper`, `meta.RESTMapper` | kind ↔ resource, short names, categories, preferred versions, scope |
//! | [`types`] | `metav1` and `apidiscovery/v2` types | the discovery documents |
//! | [`print`](mod@print) | kubectl's `api-resources` | byte-identical `kubectl api-resources` output |
//! | `openapi_*` methods | `OpenAPISchema`, `openapi.Client` | `/openapi/v2` and `/openapi/v3` documents as JSON |
//!
//! See `docs/discovery.md` for the behaviour in detail.
//!
//! ## Dependencies and why
//! - `kclient-rest`, `kclient-config`, `kclient-apimachinery`: requests, configuration, names.
//! - `serde`, `serde_json`: the discovery documents and the cache files.
//! - `tokio`: file I/O of the disk cache off the async threads, and the async locks of the
//!   caches. `futures-util`: group/versions are fetched concurrently.
//! - `bytes`: raw OpenAPI documents. `fastrand`: names of temporary cache files.
//! - `thiserror`: the crate's error enum. `tracing`: cache misses and refreshes.

pub mod aggregated;
mod cache;
mod client;
mod error;
mod interface;
mod openapi;
pub mod preferred;
pub mod print;
pub mod restmapper;
pub mod types;

pub use cache::{
    Clock, DEFAULT_TTL, DiskCacheClient, MemCacheClient, cache_dir_for_host, cache_root_from,
    default_discovery_cache_root,
};
pub use client::{DEFAULT_BURST, DEFAULT_TIMEOUT, DiscoveryClient};
pub use error::{Error, GroupDiscoveryFailed};
pub use interface::{
    CachedDiscovery, Discovery, GroupsAndMaybeResources, GroupsAndResources, Partial,
};
pub use openapi::{OpenApiV3Path, OpenApiV3Root};

#[cfg(test)]
mod client_tests;
#[cfg(test)]
mod fake;

/// The snippets of `docs/discovery.md`, compiled as doctests so the guide stays correct.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/discovery.md")]
mod guide_doctests {}

/// The Chinese chapter `docs/zh/discovery.md`, its snippets compiled as doctests too.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/zh/discovery.md")]
mod guide_zh_doctests {}
