#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;

use kclient_apimachinery::{GroupKind, GroupResource, GroupVersion, GroupVersionResource};

use super::*;
use crate::Error;
use crate::aggregated::split_groups_and_resources;
use crate::types::{ApiGroup, ApiGroupDiscoveryList, ApiResource, GroupVersionForDiscovery};

fn res(name: &str, kind: &str, short: &[&str], categories: &[&str]) -> ApiResource {
    ApiResource {
        name: name.into(),
        singular_name: kind.to_lowercase(),
        namespaced: true,
        kind: kind.into(),
        verbs: vec!["get".into(), "list".into()],
        short_names: short.iter().map(|s| s.to_string()).collect(),
        categories: categories.iter().map(|s| s.to_string()).collect(),
        ..ApiResource::default()
    }
}

fn group(
    name: &str,
    preferred: &str,
    versions: Vec<(&str, Vec<ApiResource>)>,
) -> ApiGroupResources {
    let gv = |v: &str| GroupVersionForDiscovery::new(&GroupVersion::new(name, v));
    ApiGroupResources {
        group: ApiGroup {
            name: name.into(),
            versions: versions.iter().map(|(v, _)| gv(v)).collect(),
            preferred_version: gv(preferred),
            ..ApiGroup::default()
        },
        versioned_resources: versions
            .into_iter()
            .map(|(v, r)| (v.to_string(), r))
            .collect::<BTreeMap<_, _>>(),
    }
}

fn fixture() -> Vec<ApiGroupResources> {
    let mut status = res("pods/status", "Pod", &[], &[]);
    status.singular_name = String::new();
    vec![
        group(
            "",
            "v1",
            vec![(
                "v1",
                vec![
                    res("pods", "Pod", &["po"], &["all"]),
                    status,
                    res("events", "Event", &["ev"], &[]),
                    res("services", "Service", &["svc"], &["all"]),
                ],
            )],
        ),
        group(
            "apps",
            "v1",
            vec![(
                "v1",
                vec![res("deployments", "Deployment", &["deploy"], &["all"])],
            )],
        ),
        group(
            "events.k8s.io",
            "v1",
            vec![("v1", vec![res("events", "Event", &["ev"], &[])])],
        ),
        group(
            "example.com",
            "v1",
            vec![
                (
                    "v1beta1",
                    vec![
                        res("widgets", "Widget", &["wd"], &["all"]),
                        res("gadgets", "Gadget", &[], &[]),
                    ],
                ),
                ("v1", vec![res("widgets", "Widget", &["wd"], &["all"])]),
            ],
        ),
        group(
            "twins.io",
            "v1",
            vec![(
                "v1",
                vec![
                    res("left", "Twin", &[], &[]),
                    res("right", "Twin", &[], &[]),
                ],
            )],
        ),
    ]
}

fn gvr(g: &str, v: &str, r: &str) -> GroupVersionResource {
    GroupVersionResource::new(g, v, r)
}

#[test]
fn resolves_names_short_names_and_kinds() {
    let m = RestMapper::new(&fixture());
    let deployments = gvr("apps", "v1", "deployments");
    for arg in [
        "deployments",
        "deployment",
        "deploy",
        "Deployment",
        "deployments.apps",
        "deploy.apps",
        "deployments.v1.apps",
        "Deployment.apps",
        "Deployment.v1.apps",
    ] {
        let mapping = m.resolve(arg).unwrap_or_else(|e| panic!("{arg}: {e}"));
        assert_eq!(mapping.resource, deployments, "{arg}");
        assert_eq!(mapping.kind.kind, "Deployment");
        assert!(mapping.namespaced);
    }
    assert_eq!(m.resolve("po").unwrap().resource, gvr("", "v1", "pods"));
    assert_eq!(m.resolve("Pod").unwrap().kind.api_version(), "v1");
    assert_eq!(m.resource_singularizer("pods").unwrap(), "pod");
    // Subresources are not resources.
    assert!(m.resolve("pods/status").is_err());
}

#[test]
fn priority_prefers_core_then_preferred_version() {
    let m = RestMapper::new(&fixture());
    // Same plural in two groups: the core group wins, as in client-go.
    assert_eq!(
        m.resolve("events").unwrap().resource,
        gvr("", "v1", "events")
    );
    assert_eq!(
        m.resolve("events.events.k8s.io").unwrap().resource,
        gvr("events.k8s.io", "v1", "events")
    );
    // The preferred version wins over one listed earlier.
    assert_eq!(
        m.resolve("widgets").unwrap().resource,
        gvr("example.com", "v1", "widgets")
    );
    assert_eq!(
        m.resolve("widgets.v1beta1.example.com").unwrap().resource,
        gvr("example.com", "v1beta1", "widgets")
    );
    // A resource only in a non-preferred version is still found.
    assert_eq!(
        m.resolve("gadgets").unwrap().resource,
        gvr("example.com", "v1beta1", "gadgets")
    );
    let all = m
        .resources_for(&gvr("", "", "widget"))
        .unwrap()
        .into_iter()
        .map(|g| g.version)
        .collect::<Vec<_>>();
    assert_eq!(all, ["v1", "v1beta1"]);
    let kinds = m
        .rest_mappings(&GroupKind::new("example.com", "Widget"), &[])
        .unwrap();
    assert_eq!(kinds[0].kind.version, "v1");
    let pinned = m
        .rest_mapping(&GroupKind::new("example.com", "Widget"), &["v1beta1"])
        .unwrap();
    assert_eq!(pinned.resource.version, "v1beta1");
    assert!(matches!(
        m.rest_mapping(&GroupKind::new("example.com", "Widget"), &["v2"]),
        Err(Error::NoKindMatch { .. })
    ));
}

#[test]
fn shared_short_names_are_ambiguous_unless_asked_otherwise() {
    let m = RestMapper::new(&fixture());
    match m.resolve("ev") {
        Err(Error::Ambiguous { input, candidates }) => {
            assert_eq!(input, "ev");
            assert_eq!(candidates, ["events", "events.events.k8s.io"]);
        }
        other => panic!("expected ambiguity, got {other:?}"),
    }
    // Within one group the short name is not ambiguous.
    assert_eq!(
        m.resolve("ev.events.k8s.io").unwrap().resource,
        gvr("events.k8s.io", "v1", "events")
    );
    // Versions of one group/resource do not make a short name ambiguous.
    assert_eq!(m.resolve("wd").unwrap().resource.version, "v1");
    let kubectl_like = m.with_short_name_policy(ShortNamePolicy::PreferHigherPriority);
    assert_eq!(
        kubectl_like.resolve("ev").unwrap().resource,
        gvr("", "v1", "events")
    );
}

#[test]
fn same_kind_twice_in_one_version_is_ambiguous() {
    let m = RestMapper::new(&fixture());
    let err = m
        .rest_mapping(&GroupKind::new("twins.io", "Twin"), &[])
        .unwrap_err();
    let text = err.to_string();
    assert!(err.is_ambiguous(), "{text}");
    assert!(text.contains("left.v1.twins.io") && text.contains("right.v1.twins.io"));
}

#[test]
fn misses_say_what_was_missing() {
    let m = RestMapper::new(&fixture());
    let err = m.resolve("deploymentz").unwrap_err();
    assert!(err.is_no_match());
    assert_eq!(
        err.to_string(),
        r#"the server doesn't have a resource type "deploymentz""#
    );
    assert_eq!(
        m.resolve("widgets.example.org").unwrap_err().to_string(),
        r#"the server doesn't have a resource type "widgets""#
    );
    assert_eq!(
        m.rest_mapping(&GroupKind::new("", "Deployment"), &[])
            .unwrap_err()
            .to_string(),
        r#"no matches for kind "Deployment" in group """#
    );
}

#[test]
fn categories_expand_in_discovery_order() {
    let m = RestMapper::new(&fixture());
    assert_eq!(
        m.expand_category("all").unwrap(),
        [
            GroupResource::new("", "pods"),
            GroupResource::new("", "services"),
            GroupResource::new("apps", "deployments"),
            GroupResource::new("example.com", "widgets"),
        ]
    );
    assert_eq!(m.expand_category("nothing"), None);
}

#[path = "../../../../tests/support/shared_data.rs"]
mod shared_data;

/// The discovery of a real v1.36 server (the legacy core group, `/api/v1`, and the aggregated
/// document of `/apis`) from the shared reference data beside the project; `None` (the test
/// skips) when that is absent.
fn v136_mapper() -> Option<RestMapper> {
    let dir = shared_data::shared_v136("discovery", "aggregated_v2.json")?;
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).unwrap();
    let core: crate::types::ApiResourceList = serde_json::from_str(&read("api__v1.json")).unwrap();
    let doc: ApiGroupDiscoveryList = serde_json::from_str(&read("aggregated_v2.json")).unwrap();
    let split = split_groups_and_resources(&doc);
    let mut groups = vec![group("", "v1", vec![("v1", core.resources)])];
    groups.extend(split.groups.into_iter().map(|g| {
        let versioned_resources = g
            .group_versions()
            .filter_map(|gv| {
                let list = split.resources.get(&gv)?;
                Some((gv.version.clone(), list.resources.clone()))
            })
            .collect();
        ApiGroupResources {
            group: g,
            versioned_resources,
        }
    }));
    Some(RestMapper::new(&groups))
}

#[test]
fn every_v136_short_name_resolves_or_is_reported_ambiguous() {
    let Some(m) = v136_mapper() else { return };
    let mut checked = 0;
    for mapping in m.mappings() {
        for short in &mapping.short_names {
            checked += 1;
            match m.resolve(short) {
                Ok(found) => assert!(
                    found.short_names.contains(short),
                    "{short} resolved to {found:?}"
                ),
                Err(Error::Ambiguous { candidates, .. }) => {
                    assert!(candidates.len() > 1, "{short}: {candidates:?}");
                    let owner = mapping.resource.group_resource().to_string();
                    assert!(candidates.contains(&owner), "{short}: {candidates:?}");
                }
                Err(e) => panic!("{short}: {e}"),
            }
        }
    }
    assert!(checked > 30, "only {checked} short names in the document");
    assert_eq!(
        m.resolve("deploy").unwrap().resource,
        gvr("apps", "v1", "deployments")
    );
    assert_eq!(m.resolve("po").unwrap().kind.kind, "Pod");
    assert_eq!(
        m.resolve("crd").unwrap().resource.group,
        "apiextensions.k8s.io"
    );
    let hpa = m.resolve("hpa").unwrap();
    assert_eq!(hpa.resource.version, "v2");
    let all = m.expand_category("all").unwrap();
    assert!(all.contains(&GroupResource::new("apps", "deployments")));
    assert!(all.contains(&GroupResource::new("", "pods")));
}
