//! Picking one version of each resource (client-go's `ServerPreferredResources` selection), and
//! filtering resource lists (`FilteredBy`). Pure functions over discovery documents.

use std::collections::{BTreeMap, HashMap};

use kclient_apimachinery::{GroupResource, GroupVersion};

use crate::types::{ApiGroup, ApiResource, ApiResourceList};

/// For every group/resource, the version to use: the group's preferred version when it serves the
/// resource, else the first version (in discovery order) that does. Subresources are left out.
///
/// The result has one list per discovered group/version, in discovery order, holding the
/// resources selected in that version (possibly none), as client-go returns it.
pub fn preferred_resources(
    groups: &[ApiGroup],
    resources: &BTreeMap<GroupVersion, ApiResourceList>,
) -> Vec<ApiResourceList> {
    let mut selected: HashMap<GroupResource, String> = HashMap::new();
    let mut order: Vec<(GroupVersion, &ApiResourceList)> = Vec::new();
    for group in groups {
        for version in &group.versions {
            let gv = GroupVersion::new(group.name.clone(), version.version.clone());
            let Some(list) = resources.get(&gv) else {
                continue;
            };
            order.push((gv, list));
            for r in list.resources.iter().filter(|r| !r.is_subresource()) {
                let gr = GroupResource::new(group.name.clone(), r.name.clone());
                if selected.contains_key(&gr) && version.version != group.preferred_version.version
                {
                    continue;
                }
                selected.insert(gr, version.version.clone());
            }
        }
    }
    order
        .into_iter()
        .map(|(gv, list)| {
            let chosen = list
                .resources
                .iter()
                .filter(|r| !r.is_subresource())
                .filter(|r| {
                    let gr = GroupResource::new(gv.group.clone(), r.name.clone());
                    selected.get(&gr) == Some(&gv.version)
                })
                .cloned()
                .collect();
            ApiResourceList {
                group_version: list.group_version.clone(),
                resources: chosen,
                ..ApiResourceList::default()
            }
        })
        .collect()
}

/// The lists with only the resources `keep` accepts (given the list's `groupVersion`); lists left
/// empty are dropped (client-go's `FilteredBy`).
pub fn filtered_by(
    lists: Vec<ApiResourceList>,
    keep: impl Fn(&str, &ApiResource) -> bool,
) -> Vec<ApiResourceList> {
    lists
        .into_iter()
        .filter_map(|mut list| {
            let gv = list.group_version.clone();
            list.resources.retain(|r| keep(&gv, r));
            (!list.resources.is_empty()).then_some(list)
        })
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::types::GroupVersionForDiscovery;

    fn res(name: &str, namespaced: bool) -> ApiResource {
        ApiResource {
            name: name.into(),
            namespaced,
            kind: "K".into(),
            verbs: vec!["get".into()],
            ..ApiResource::default()
        }
    }

    fn group(name: &str, versions: &[&str], preferred: &str) -> ApiGroup {
        ApiGroup {
            name: name.into(),
            versions: versions
                .iter()
                .map(|v| GroupVersionForDiscovery::new(&GroupVersion::new(name, *v)))
                .collect(),
            preferred_version: GroupVersionForDiscovery::new(&GroupVersion::new(name, preferred)),
            ..ApiGroup::default()
        }
    }

    fn list(gv: GroupVersion, resources: Vec<ApiResource>) -> (GroupVersion, ApiResourceList) {
        let mut l = ApiResourceList::new(&gv);
        l.resources = resources;
        (gv, l)
    }

    #[test]
    fn preferred_version_wins_and_others_fill_gaps() {
        let groups = vec![
            group("", &["v1"], "v1"),
            group("g", &["v1beta1", "v1", "v1alpha1"], "v1"),
        ];
        let resources: BTreeMap<_, _> = [
            list(
                GroupVersion::new("", "v1"),
                vec![res("pods", true), res("pods/log", true)],
            ),
            list(
                GroupVersion::new("g", "v1beta1"),
                vec![res("a", true), res("b", false)],
            ),
            list(GroupVersion::new("g", "v1"), vec![res("a", true)]),
            list(
                GroupVersion::new("g", "v1alpha1"),
                vec![res("b", false), res("c", true)],
            ),
        ]
        .into_iter()
        .collect();
        let preferred = preferred_resources(&groups, &resources);
        let summary: Vec<(String, Vec<String>)> = preferred
            .iter()
            .map(|l| {
                (
                    l.group_version.clone(),
                    l.resources.iter().map(|r| r.name.clone()).collect(),
                )
            })
            .collect();
        let s = |gv: &str, names: &[&str]| {
            (
                gv.to_string(),
                names.iter().map(|n| n.to_string()).collect::<Vec<_>>(),
            )
        };
        assert_eq!(
            summary,
            vec![
                s("v1", &["pods"]),
                s("g/v1beta1", &["b"]),
                s("g/v1", &["a"]),
                s("g/v1alpha1", &["c"]),
            ]
        );

        let namespaced = filtered_by(preferred, |_, r| r.namespaced);
        let gvs: Vec<_> = namespaced
            .iter()
            .map(|l| l.group_version.as_str())
            .collect();
        assert_eq!(gvs, ["v1", "g/v1", "g/v1alpha1"]);
    }
}
