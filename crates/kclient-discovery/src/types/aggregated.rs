//! The aggregated discovery documents (`apidiscovery.k8s.io/v2`, also read for `v2beta1`, which
//! has the same shape): every group, version and resource of `/api` or `/apis` in one answer.

use kclient_apimachinery::meta::{ListMeta, ObjectMeta};
use serde::{Deserialize, Serialize};

use super::null_to_default;

/// `APIGroupDiscoveryList`: the answer to `/api` or `/apis` when aggregated discovery was asked for.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiGroupDiscoveryList {
    /// `APIGroupDiscoveryList`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub kind: String,
    /// `apidiscovery.k8s.io/v2`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub api_version: String,
    /// List metadata (usually empty).
    #[serde(default)]
    pub metadata: ListMeta,
    /// The groups, in the server's order (the core group has an empty name).
    #[serde(default, deserialize_with = "null_to_default")]
    pub items: Vec<ApiGroupDiscovery>,
}

/// `APIGroupDiscovery`: one group and its versions, most preferred first.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiGroupDiscovery {
    /// `metadata.name` is the group name (empty for the core group).
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// The versions, the preferred one first.
    #[serde(default, deserialize_with = "null_to_default")]
    pub versions: Vec<ApiVersionDiscovery>,
}

impl ApiGroupDiscovery {
    /// The group name.
    pub fn name(&self) -> &str {
        self.metadata.name.as_deref().unwrap_or_default()
    }
}

/// `APIVersionDiscovery`: one version of a group with its resources.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiVersionDiscovery {
    /// The version, such as `v1`.
    pub version: String,
    /// The resources of this group/version.
    #[serde(default, deserialize_with = "null_to_default")]
    pub resources: Vec<ApiResourceDiscovery>,
    /// Whether the document for this version is up to date (`Stale` when an aggregated API
    /// server could not be reached).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub freshness: Option<Freshness>,
}

/// `DiscoveryFreshness`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Freshness {
    /// The document is current.
    Current,
    /// The document could not be refreshed; clients treat the version as failed.
    Stale,
    /// A value this client does not know; treated as current.
    #[serde(other)]
    Unknown,
}

/// `ResourceScope`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum Scope {
    /// Objects live in namespaces.
    #[default]
    #[serde(rename = "Namespaced")]
    Namespaced,
    /// Objects are cluster-wide.
    #[serde(rename = "Cluster")]
    Cluster,
}

/// A group/version/kind as aggregated discovery spells it (`responseKind`, `acceptedTypes`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct DiscoveryKind {
    /// The group; empty means the group of the enclosing version.
    #[serde(default)]
    pub group: String,
    /// The version; empty means the enclosing version.
    #[serde(default)]
    pub version: String,
    /// The kind.
    #[serde(default)]
    pub kind: String,
}

/// `APIResourceDiscovery`: one resource and its subresources.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiResourceDiscovery {
    /// The plural name, such as `deployments`.
    pub resource: String,
    /// The kind of the objects; a resource without one is skipped, as client-go does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_kind: Option<DiscoveryKind>,
    /// Namespaced or cluster-wide.
    pub scope: Scope,
    /// The singular name, such as `deployment`.
    #[serde(default)]
    pub singular_resource: String,
    /// The verbs it supports.
    #[serde(default, deserialize_with = "null_to_default")]
    pub verbs: Vec<String>,
    /// Short names (`deploy`).
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "null_to_default"
    )]
    pub short_names: Vec<String>,
    /// Categories (`all`).
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "null_to_default"
    )]
    pub categories: Vec<String>,
    /// Subresources such as `status` and `scale`.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "null_to_default"
    )]
    pub subresources: Vec<ApiSubresourceDiscovery>,
}

/// `APISubresourceDiscovery`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiSubresourceDiscovery {
    /// The subresource name, such as `status`.
    pub subresource: String,
    /// The kind it returns; a subresource without one is skipped, as client-go does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_kind: Option<DiscoveryKind>,
    /// The kinds it accepts (`Scale` in several versions, for example).
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "null_to_default"
    )]
    pub accepted_types: Vec<DiscoveryKind>,
    /// The verbs it supports.
    #[serde(default, deserialize_with = "null_to_default")]
    pub verbs: Vec<String>,
}
