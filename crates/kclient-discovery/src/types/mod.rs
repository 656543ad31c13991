//! The discovery documents as serde types: legacy (`meta/v1`), aggregated
//! (`apidiscovery.k8s.io/v2`) and the server version.
//!
//! Like Go's decoder, `null` collections read as empty and unknown fields are ignored.

mod aggregated;
mod legacy;
mod version;

pub use aggregated::{
    ApiGroupDiscovery, ApiGroupDiscoveryList, ApiResourceDiscovery, ApiSubresourceDiscovery,
    ApiVersionDiscovery, DiscoveryKind, Freshness, Scope,
};
pub use legacy::{
    ApiGroup, ApiGroupList, ApiResource, ApiResourceList, ApiVersions, GroupVersionForDiscovery,
    ServerAddressByClientCidr,
};
pub use version::VersionInfo;

use serde::{Deserialize, Deserializer};

/// Deserializes `null` (or, with `#[serde(default)]`, an absent field) as `T::default()`.
pub(crate) fn null_to_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}
