//! The legacy (`meta/v1`) discovery documents: `APIVersions` (`/api`), `APIGroupList` (`/apis`),
//! `APIGroup` (`/apis/<group>`) and `APIResourceList` (`/api/v1`, `/apis/<group>/<version>`),
//! field for field as the server sends them and as kubectl's disk cache stores them.

use kclient_apimachinery::{GroupVersion, GroupVersionKind, GroupVersionResource};
use serde::{Deserialize, Serialize};

use super::null_to_default;

/// `metav1.APIVersions`: the versions of the legacy core group, served at `/api`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiVersions {
    /// `APIVersions`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub kind: String,
    /// Usually empty for this document.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub api_version: String,
    /// The versions, such as `["v1"]`.
    #[serde(default, deserialize_with = "null_to_default")]
    pub versions: Vec<String>,
    /// Which address clients in which network should use.
    #[serde(
        default,
        rename = "serverAddressByClientCIDRs",
        deserialize_with = "null_to_default"
    )]
    pub server_address_by_client_cidrs: Vec<ServerAddressByClientCidr>,
}

/// `metav1.ServerAddressByClientCIDR`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServerAddressByClientCidr {
    /// The client network, such as `0.0.0.0/0`.
    #[serde(rename = "clientCIDR")]
    pub client_cidr: String,
    /// `host:port` to use from that network.
    pub server_address: String,
}

/// `metav1.APIGroupList`: every named group, served at `/apis` (and, with the core group first,
/// what [`crate::Discovery::server_groups`] returns).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiGroupList {
    /// `APIGroupList`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub kind: String,
    /// `v1`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub api_version: String,
    /// The groups, in the server's order.
    #[serde(default, deserialize_with = "null_to_default")]
    pub groups: Vec<ApiGroup>,
}

impl ApiGroupList {
    /// A list of `groups` with `kind`/`apiVersion` set, as the server (and kubectl's cache) writes it.
    pub fn new(groups: Vec<ApiGroup>) -> Self {
        Self {
            kind: "APIGroupList".to_string(),
            api_version: "v1".to_string(),
            groups,
        }
    }
}

/// `metav1.APIGroup`: one group, its served versions and the preferred one.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiGroup {
    /// `APIGroup` when served alone at `/apis/<group>`, empty inside a list.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub kind: String,
    /// `v1` when served alone, empty inside a list.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub api_version: String,
    /// The group name; empty for the legacy core group.
    #[serde(default)]
    pub name: String,
    /// The served versions, most preferred first on real servers.
    #[serde(default, deserialize_with = "null_to_default")]
    pub versions: Vec<GroupVersionForDiscovery>,
    /// The version clients should use when they have no preference.
    #[serde(default, skip_serializing_if = "GroupVersionForDiscovery::is_empty")]
    pub preferred_version: GroupVersionForDiscovery,
    /// Which address clients in which network should use.
    #[serde(
        default,
        rename = "serverAddressByClientCIDRs",
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "null_to_default"
    )]
    pub server_address_by_client_cidrs: Vec<ServerAddressByClientCidr>,
}

impl ApiGroup {
    /// The group/versions this group serves, in order.
    pub fn group_versions(&self) -> impl Iterator<Item = GroupVersion> + '_ {
        self.versions
            .iter()
            .map(|v| GroupVersion::new(self.name.clone(), v.version.clone()))
    }
}

/// `metav1.GroupVersionForDiscovery`: `{"groupVersion": "apps/v1", "version": "v1"}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupVersionForDiscovery {
    /// `group/version`, or `version` for the core group.
    #[serde(default)]
    pub group_version: String,
    /// The version alone.
    #[serde(default)]
    pub version: String,
}

impl GroupVersionForDiscovery {
    /// The entry for `gv`.
    pub fn new(gv: &GroupVersion) -> Self {
        Self {
            group_version: gv.to_string(),
            version: gv.version.clone(),
        }
    }

    /// Whether both fields are empty (no preferred version was given).
    pub fn is_empty(&self) -> bool {
        self.group_version.is_empty() && self.version.is_empty()
    }
}

/// `metav1.APIResourceList`: the resources of one group/version.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiResourceList {
    /// `APIResourceList`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub kind: String,
    /// `v1`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub api_version: String,
    /// `group/version`, or `version` for the core group.
    #[serde(default)]
    pub group_version: String,
    /// The resources and subresources (`pods/log`), in the server's order.
    #[serde(default, deserialize_with = "null_to_default")]
    pub resources: Vec<ApiResource>,
}

impl ApiResourceList {
    /// An empty list for `gv` with `kind`/`apiVersion` set.
    pub fn new(gv: &GroupVersion) -> Self {
        Self {
            kind: "APIResourceList".to_string(),
            api_version: "v1".to_string(),
            group_version: gv.to_string(),
            resources: Vec::new(),
        }
    }

    /// The parsed `groupVersion`, or `None` if it is malformed.
    pub fn parsed_group_version(&self) -> Option<GroupVersion> {
        GroupVersion::parse(&self.group_version).ok()
    }
}

/// `metav1.APIResource`: one resource (or `resource/subresource`) of a group/version.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiResource {
    /// The plural name (`deployments`), or `resource/subresource` (`deployments/scale`).
    pub name: String,
    /// The singular name (`deployment`); empty on old servers and legacy subresources.
    #[serde(default)]
    pub singular_name: String,
    /// Whether objects live in namespaces.
    #[serde(default)]
    pub namespaced: bool,
    /// The group of the kind, when it differs from the list's (subresources such as `scale`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub group: String,
    /// The version of the kind, when it differs from the list's.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub version: String,
    /// The kind of the objects (`Deployment`, `Scale`).
    #[serde(default)]
    pub kind: String,
    /// The verbs it supports (`get`, `list`, `watch`, `create`, …).
    #[serde(default, deserialize_with = "null_to_default")]
    pub verbs: Vec<String>,
    /// Short names kubectl accepts (`deploy`).
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "null_to_default"
    )]
    pub short_names: Vec<String>,
    /// Categories it belongs to (`all`).
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "null_to_default"
    )]
    pub categories: Vec<String>,
    /// A hash of the storage version, when the server publishes it.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub storage_version_hash: String,
}

impl ApiResource {
    /// Whether this is a subresource (`pods/log`).
    pub fn is_subresource(&self) -> bool {
        self.name.contains('/')
    }

    /// Whether it supports `verb`.
    pub fn supports(&self, verb: &str) -> bool {
        self.verbs.iter().any(|v| v == verb)
    }

    /// The resource in `gv` (the list's group/version).
    pub fn gvr(&self, gv: &GroupVersion) -> GroupVersionResource {
        gv.with_resource(self.name.clone())
    }

    /// The kind in `gv`, honouring the resource's own group/version when it names one.
    pub fn gvk(&self, gv: &GroupVersion) -> GroupVersionKind {
        let group = if self.group.is_empty() && self.version.is_empty() {
            gv.group.clone()
        } else {
            self.group.clone()
        };
        let version = if self.version.is_empty() {
            gv.version.clone()
        } else {
            self.version.clone()
        };
        GroupVersionKind::new(group, version, self.kind.clone())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn resource_round_trips_like_go() {
        let json = r#"{"name":"deployments/scale","singularName":"","namespaced":true,"group":"autoscaling","version":"v1","kind":"Scale","verbs":["get","patch","update"]}"#;
        let r: ApiResource = serde_json::from_str(json).unwrap();
        assert!(r.is_subresource());
        assert_eq!(
            r.gvk(&GroupVersion::new("apps", "v1")),
            GroupVersionKind::new("autoscaling", "v1", "Scale")
        );
        assert_eq!(serde_json::to_string(&r).unwrap(), json);
    }

    #[test]
    fn nulls_read_as_empty() {
        let list: ApiResourceList = serde_json::from_str(
            r#"{"groupVersion":"v1","resources":[{"name":"x","kind":"X","verbs":null,"shortNames":null}]}"#,
        )
        .unwrap();
        assert!(list.resources[0].verbs.is_empty());
        let groups: ApiGroupList = serde_json::from_str(r#"{"groups":null}"#).unwrap();
        assert!(groups.groups.is_empty());
        let group: ApiGroup = serde_json::from_str(r#"{"name":"apps","versions":[]}"#).unwrap();
        assert!(group.preferred_version.is_empty());
        assert!(
            !serde_json::to_string(&group)
                .unwrap()
                .contains("preferredVersion")
        );
    }

    #[test]
    fn versions_document() {
        let v: ApiVersions = serde_json::from_str(
            r#"{"kind":"APIVersions","versions":["v1"],"serverAddressByClientCIDRs":[{"clientCIDR":"0.0.0.0/0","serverAddress":"10.0.0.1:6443"}]}"#,
        )
        .unwrap();
        assert_eq!(v.versions, ["v1"]);
        assert_eq!(
            v.server_address_by_client_cidrs[0].server_address,
            "10.0.0.1:6443"
        );
    }
}
