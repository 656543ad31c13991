//! # kclient-discovery
//!
//! Discovery of the API server's groups, versions and resources (client-go's `discovery/`),
//! caching discovery clients, OpenAPI document fetching, and a RESTMapper (`restmapper/`).

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
