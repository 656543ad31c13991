//! Aggregated discovery, the pure part: the `Accept` header client-go sends, recognising the
//! answer's `Content-Type`, and turning an `APIGroupDiscoveryList` into the legacy shapes
//! (client-go's `SplitGroupsAndResources`).

use std::collections::BTreeMap;

use kclient_apimachinery::GroupVersion;

use crate::Error;
use crate::types::{
    ApiGroup, ApiGroupDiscovery, ApiGroupDiscoveryList, ApiResource, ApiResourceDiscovery,
    ApiResourceList, ApiSubresourceDiscovery, Freshness, GroupVersionForDiscovery, Scope,
};

/// The `Accept` header of `GET /api` and `GET /apis`: aggregated discovery v2, then v2beta1, then
/// the legacy documents, exactly as client-go sends it.
pub const ACCEPT_AGGREGATED: &str = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json";

/// The `Accept` header in legacy-only mode (client-go's `AcceptV1`).
pub const ACCEPT_LEGACY: &str = "application/json";

/// Which document a `/api` or `/apis` answer holds, from its `Content-Type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiscoveryFormat {
    /// `apidiscovery.k8s.io/v2` `APIGroupDiscoveryList`.
    AggregatedV2,
    /// `apidiscovery.k8s.io/v2beta1` `APIGroupDiscoveryList` (same shape as v2).
    AggregatedV2Beta1,
    /// `APIVersions` (for `/api`) or `APIGroupList` (for `/apis`).
    Legacy,
}

impl DiscoveryFormat {
    /// Reads a `Content-Type` such as `application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList`.
    /// The `g`, `v` and `as` parameters may come in any order and with spaces around them; anything
    /// that is not a JSON aggregated document is legacy (client-go's `ContentTypeIsGVK`).
    pub fn from_content_type(content_type: Option<&str>) -> Self {
        let Some(content_type) = content_type else {
            return DiscoveryFormat::Legacy;
        };
        let mut parts = content_type.split(';');
        let media_type = parts.next().unwrap_or_default().trim();
        if !media_type.eq_ignore_ascii_case("application/json") {
            return DiscoveryFormat::Legacy;
        }
        let (mut g, mut v, mut as_) = (None, None, None);
        for param in parts {
            let Some((key, value)) = param.split_once('=') else {
                continue;
            };
            let value = value.trim().trim_matches('"');
            match key.trim().to_ascii_lowercase().as_str() {
                "g" => g = Some(value),
                "v" => v = Some(value),
                "as" => as_ = Some(value),
                _ => {}
            }
        }
        match (g, v, as_) {
            (Some("apidiscovery.k8s.io"), Some("v2"), Some("APIGroupDiscoveryList")) => {
                DiscoveryFormat::AggregatedV2
            }
            (Some("apidiscovery.k8s.io"), Some("v2beta1"), Some("APIGroupDiscoveryList")) => {
                DiscoveryFormat::AggregatedV2Beta1
            }
            _ => DiscoveryFormat::Legacy,
        }
    }

    /// Whether this is one of the aggregated formats.
    pub fn is_aggregated(self) -> bool {
        !matches!(self, DiscoveryFormat::Legacy)
    }
}

/// An aggregated document split into the legacy shapes.
#[derive(Debug, Clone, Default)]
pub struct SplitDiscovery {
    /// The groups, in the document's order; each group's preferred version is its first
    /// non-stale version.
    pub groups: Vec<ApiGroup>,
    /// The resources of every non-stale group/version (subresources become `resource/sub`).
    pub resources: BTreeMap<GroupVersion, ApiResourceList>,
    /// The stale group/versions, each as [`Error::StaleGroupVersion`].
    pub failed: BTreeMap<GroupVersion, Error>,
}

/// client-go's `SplitGroupsAndResources`.
pub fn split_groups_and_resources(list: &ApiGroupDiscoveryList) -> SplitDiscovery {
    let mut out = SplitDiscovery::default();
    for group in &list.items {
        out.groups
            .push(convert_group(group, &mut out.resources, &mut out.failed));
    }
    out
}

fn convert_group(
    g: &ApiGroupDiscovery,
    resources: &mut BTreeMap<GroupVersion, ApiResourceList>,
    failed: &mut BTreeMap<GroupVersion, Error>,
) -> ApiGroup {
    let mut group = ApiGroup {
        name: g.name().to_string(),
        ..ApiGroup::default()
    };
    for v in &g.versions {
        let gv = GroupVersion::new(group.name.clone(), v.version.clone());
        if v.freshness == Some(Freshness::Stale) {
            failed.insert(gv.clone(), Error::StaleGroupVersion { group_version: gv });
            continue;
        }
        let entry = GroupVersionForDiscovery::new(&gv);
        if group.preferred_version.is_empty() {
            group.preferred_version = entry.clone();
        }
        group.versions.push(entry);
        let mut list = ApiResourceList::new(&gv);
        for r in &v.resources {
            let converted = convert_resource(r);
            let parent = match &converted {
                Some(resource) => resource.clone(),
                None => partial_resource(r),
            };
            if let Some(resource) = converted {
                list.resources.push(resource);
            }
            list.resources.extend(
                r.subresources
                    .iter()
                    .filter_map(|s| convert_subresource(&parent, s)),
            );
        }
        resources.insert(gv, list);
    }
    group
}

/// The fields of a resource that do not depend on its kind (what a subresource inherits).
fn partial_resource(r: &ApiResourceDiscovery) -> ApiResource {
    ApiResource {
        name: r.resource.clone(),
        singular_name: r.singular_resource.clone(),
        namespaced: r.scope == Scope::Namespaced,
        verbs: r.verbs.clone(),
        short_names: r.short_names.clone(),
        categories: r.categories.clone(),
        ..ApiResource::default()
    }
}

/// A resource, or `None` when it has no `responseKind` (client-go drops it but keeps its
/// subresources).
fn convert_resource(r: &ApiResourceDiscovery) -> Option<ApiResource> {
    let kind = r.response_kind.as_ref()?;
    Some(ApiResource {
        group: kind.group.clone(),
        version: kind.version.clone(),
        kind: kind.kind.clone(),
        ..partial_resource(r)
    })
}

fn convert_subresource(parent: &ApiResource, s: &ApiSubresourceDiscovery) -> Option<ApiResource> {
    let kind = s.response_kind.as_ref()?;
    Some(ApiResource {
        name: format!("{}/{}", parent.name, s.subresource),
        singular_name: parent.singular_name.clone(),
        namespaced: parent.namespaced,
        group: kind.group.clone(),
        version: kind.version.clone(),
        kind: kind.kind.clone(),
        verbs: s.verbs.clone(),
        ..ApiResource::default()
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn content_type_parameters_in_any_order() {
        use DiscoveryFormat::*;
        let f = |s| DiscoveryFormat::from_content_type(Some(s));
        assert_eq!(
            f("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"),
            AggregatedV2
        );
        assert_eq!(
            f("application/json; as=APIGroupDiscoveryList; v=v2; g=apidiscovery.k8s.io"),
            AggregatedV2
        );
        assert_eq!(
            f("application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList"),
            AggregatedV2Beta1
        );
        assert_eq!(f("application/json"), Legacy);
        assert_eq!(f("application/json;charset=utf-8"), Legacy);
        assert_eq!(
            f(
                "application/vnd.kubernetes.protobuf;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
            ),
            Legacy
        );
        assert_eq!(
            f("application/json;g=apidiscovery.k8s.io;v=v3;as=APIGroupDiscoveryList"),
            Legacy
        );
        assert_eq!(DiscoveryFormat::from_content_type(None), Legacy);
        assert!(AggregatedV2.is_aggregated() && !Legacy.is_aggregated());
    }

    fn doc() -> ApiGroupDiscoveryList {
        serde_json::from_value(serde_json::json!({
            "kind": "APIGroupDiscoveryList",
            "apiVersion": "apidiscovery.k8s.io/v2",
            "metadata": {},
            "items": [{
                "metadata": {"name": "apps"},
                "versions": [
                    {"version": "v2", "freshness": "Stale", "resources": []},
                    {"version": "v1", "freshness": "Current", "resources": [{
                        "resource": "deployments",
                        "responseKind": {"group": "", "version": "", "kind": "Deployment"},
                        "scope": "Namespaced",
                        "singularResource": "deployment",
                        "verbs": ["get", "list"],
                        "shortNames": ["deploy"],
                        "categories": ["all"],
                        "subresources": [
                            {"subresource": "scale", "verbs": ["get"],
                             "responseKind": {"group": "autoscaling", "version": "v1", "kind": "Scale"}},
                            {"subresource": "broken", "verbs": ["get"]}
                        ]
                    }, {
                        "resource": "nokind", "scope": "Cluster", "verbs": ["get"],
                        "subresources": [{"subresource": "status", "verbs": ["get"],
                            "responseKind": {"group": "", "version": "", "kind": "Thing"}}]
                    }]},
                    {"version": "v1beta1", "resources": null}
                ]
            }]
        }))
        .unwrap()
    }

    #[test]
    fn splits_like_client_go() {
        let split = split_groups_and_resources(&doc());
        assert_eq!(split.groups.len(), 1);
        let apps = &split.groups[0];
        assert_eq!(apps.name, "apps");
        assert_eq!(apps.preferred_version.group_version, "apps/v1");
        let versions: Vec<_> = apps.versions.iter().map(|v| v.version.as_str()).collect();
        assert_eq!(versions, ["v1", "v1beta1"]);

        let stale = GroupVersion::new("apps", "v2");
        assert!(matches!(
            split.failed.get(&stale),
            Some(Error::StaleGroupVersion { .. })
        ));
        assert!(!split.resources.contains_key(&stale));

        let v1 = &split.resources[&GroupVersion::new("apps", "v1")];
        assert_eq!(v1.group_version, "apps/v1");
        let names: Vec<_> = v1.resources.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["deployments", "deployments/scale", "nokind/status"]);
        assert_eq!(v1.resources[0].short_names, ["deploy"]);
        assert!(v1.resources[0].namespaced);
        let scale = &v1.resources[1];
        assert_eq!(
            (scale.group.as_str(), scale.kind.as_str()),
            ("autoscaling", "Scale")
        );
        assert_eq!(scale.singular_name, "deployment");
        assert!(!v1.resources[2].namespaced);
        assert!(
            split.resources[&GroupVersion::new("apps", "v1beta1")]
                .resources
                .is_empty()
        );
    }
}
