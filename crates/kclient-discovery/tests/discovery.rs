//! Discovery against a server: the embedded test server, or the cluster of
//! `KCLIENT_TEST_KUBECONFIG`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::collections::BTreeMap;

use kclient_apimachinery::GroupVersion;
use kclient_discovery::restmapper::{DeferredRestMapper, RestMapper};
use kclient_discovery::types::{ApiResource, ApiResourceList};
use kclient_discovery::{
    CachedDiscovery, Discovery, DiscoveryClient, DiskCacheClient, Error, GroupsAndResources,
    MemCacheClient,
};
use support::Target;

#[tokio::test]
async fn every_discovery_call() {
    let target = Target::start().await;
    let d = DiscoveryClient::for_config(&target.config).unwrap();

    let version = d.server_version().await.unwrap();
    assert!(version.git_version.starts_with('v'), "{version:?}");
    assert!(!version.major.is_empty());

    let groups = d.server_groups().await.unwrap();
    assert_eq!(groups.groups[0].name, "", "the core group comes first");
    assert_eq!(groups.groups[0].preferred_version.group_version, "v1");
    let apps = groups.groups.iter().find(|g| g.name == "apps").unwrap();
    assert_eq!(apps.preferred_version.group_version, "apps/v1");

    let core = d
        .server_resources_for_group_version(&GroupVersion::new("", "v1"))
        .await
        .unwrap();
    let pods = core.resources.iter().find(|r| r.name == "pods").unwrap();
    assert!(pods.namespaced && pods.short_names == ["po"] && pods.kind == "Pod");
    assert!(core.resources.iter().any(|r| r.name == "pods/log"));

    let all = d
        .server_groups_and_resources()
        .await
        .unwrap()
        .into_result()
        .unwrap();
    for gv in groups.groups.iter().flat_map(|g| g.group_versions()) {
        let listed = all
            .resources
            .iter()
            .find(|l| l.group_version == gv.to_string())
            .unwrap_or_else(|| panic!("{gv} missing"));
        let single = d.server_resources_for_group_version(&gv).await.unwrap();
        assert_eq!(
            names(&single.resources),
            names(&listed.resources),
            "{gv}: per-group/version discovery and aggregated discovery differ"
        );
    }

    let preferred = d
        .server_preferred_resources()
        .await
        .unwrap()
        .into_result()
        .unwrap();
    let flat: Vec<(String, &ApiResource)> = preferred
        .iter()
        .flat_map(|l| l.resources.iter().map(|r| (l.group_version.clone(), r)))
        .collect();
    assert!(flat.iter().all(|(_, r)| !r.is_subresource()));
    assert!(
        flat.iter()
            .any(|(gv, r)| gv == "apps/v1" && r.name == "deployments")
    );
    let hpa: Vec<&String> = flat
        .iter()
        .filter(|(_, r)| r.name == "horizontalpodautoscalers")
        .map(|(gv, _)| gv)
        .collect();
    assert_eq!(
        hpa,
        ["autoscaling/v2"],
        "one version per resource, the preferred"
    );

    let namespaced = d
        .server_preferred_namespaced_resources()
        .await
        .unwrap()
        .into_result()
        .unwrap();
    let ns_names: Vec<&str> = namespaced
        .iter()
        .flat_map(|l| l.resources.iter().map(|r| r.name.as_str()))
        .collect();
    assert!(ns_names.contains(&"configmaps"));
    assert!(!ns_names.contains(&"nodes") && !ns_names.contains(&"namespaces"));
}

fn names(resources: &[ApiResource]) -> Vec<String> {
    let mut n: Vec<String> = resources.iter().map(|r| r.name.clone()).collect();
    n.sort();
    n
}

/// A resource list in a form both discovery formats produce identically: sorted, without the
/// fields only one of them carries (legacy subresources have no singular name, aggregated
/// discovery has no storage version hash).
fn normalized(all: &GroupsAndResources) -> BTreeMap<String, Vec<ApiResource>> {
    all.resources
        .iter()
        .map(|l: &ApiResourceList| {
            let mut resources: Vec<ApiResource> = l
                .resources
                .iter()
                .cloned()
                .map(|mut r| {
                    if r.is_subresource() {
                        r.singular_name.clear();
                    }
                    r.storage_version_hash.clear();
                    r
                })
                .collect();
            resources.sort_by(|a, b| a.name.cmp(&b.name));
            (l.group_version.clone(), resources)
        })
        .collect()
}

#[tokio::test]
async fn aggregated_and_legacy_discovery_agree() {
    let target = Target::start().await;
    let aggregated = DiscoveryClient::for_config(&target.config).unwrap();
    let found = aggregated.groups_and_maybe_resources().await.unwrap();
    assert!(
        found.resources.is_some(),
        "the server should answer with aggregated discovery"
    );
    let legacy = aggregated.clone().with_legacy();
    let found = legacy.groups_and_maybe_resources().await.unwrap();
    assert!(
        found.resources.is_none(),
        "legacy discovery returns groups only"
    );

    let a = aggregated
        .server_groups_and_resources()
        .await
        .unwrap()
        .into_result()
        .unwrap();
    let l = legacy
        .server_groups_and_resources()
        .await
        .unwrap()
        .into_result()
        .unwrap();
    let group_summary = |all: &GroupsAndResources| {
        all.groups
            .iter()
            .map(|g| {
                (
                    g.name.clone(),
                    g.versions.clone(),
                    g.preferred_version.clone(),
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(group_summary(&a), group_summary(&l));
    assert_eq!(normalized(&a), normalized(&l));
}

#[tokio::test]
async fn restmapper_resolves_every_short_name_the_server_lists() {
    let target = Target::start().await;
    let discovery = DiscoveryClient::for_config(&target.config).unwrap();
    let preferred = discovery
        .server_preferred_resources()
        .await
        .unwrap()
        .into_result()
        .unwrap();
    let mapper = DeferredRestMapper::new(MemCacheClient::new(discovery));
    let mut checked = 0;
    for list in &preferred {
        let gv = GroupVersion::parse(&list.group_version).unwrap();
        for r in &list.resources {
            // Every plural, singular and kind resolves to itself.
            for name in [r.name.as_str(), r.singular_name.as_str(), r.kind.as_str()] {
                if name.is_empty() {
                    continue;
                }
                let qualified = if gv.group.is_empty() {
                    name.to_string()
                } else {
                    format!("{name}.{}", gv.group)
                };
                let m = mapper
                    .resolve(&qualified)
                    .await
                    .unwrap_or_else(|e| panic!("{qualified}: {e}"));
                assert_eq!(m.resource.group_resource(), r.gvr(&gv).group_resource());
            }
            for short in &r.short_names {
                checked += 1;
                match mapper.resolve(short).await {
                    Ok(m) => assert!(m.short_names.contains(short), "{short}: {m:?}"),
                    Err(Error::Ambiguous { candidates, .. }) => {
                        let owner = r.gvr(&gv).group_resource().to_string();
                        assert!(candidates.contains(&owner), "{short}: {candidates:?}");
                        let qualified = format!("{short}.{}", gv.group);
                        if !gv.group.is_empty() {
                            let m = mapper.resolve(&qualified).await.unwrap();
                            assert_eq!(m.resource.group, gv.group, "{qualified}");
                        }
                    }
                    Err(e) => panic!("{short}: {e}"),
                }
            }
        }
    }
    assert!(checked > 20, "only {checked} short names");
    let deploy = mapper.resolve("deploy").await.unwrap();
    assert_eq!(deploy.resource.to_string(), "apps/v1, Resource=deployments");
    assert!(deploy.namespaced);
    let all = mapper.expand_category("all").await.unwrap().unwrap();
    assert!(all.iter().any(|gr| gr.resource == "pods"));
    let m = RestMapper::from_discovery(mapper.discovery())
        .await
        .unwrap();
    assert!(m.resolve("nonexistentthings").unwrap_err().is_no_match());
}

#[tokio::test]
async fn disk_cache_against_the_server() {
    let target = Target::start().await;
    let root = target.dir.path().join("cache");
    let cached = DiskCacheClient::for_config_in(&target.config, &root).unwrap();
    let first = cached
        .server_preferred_resources()
        .await
        .unwrap()
        .into_result()
        .unwrap();
    let dir = cached.dir().to_path_buf();
    assert!(dir.starts_with(&root));
    let host = target.config.host.replace("https://", "").replace(':', "_");
    assert!(dir.ends_with(&host), "{} vs {host}", dir.display());
    assert!(dir.join("servergroups.json").is_file());
    assert!(dir.join("v1/serverresources.json").is_file());
    assert!(dir.join("apps/v1/serverresources.json").is_file());

    let again = DiskCacheClient::for_config_in(&target.config, &root).unwrap();
    let second = again
        .server_preferred_resources()
        .await
        .unwrap()
        .into_result()
        .unwrap();
    assert_eq!(first, second);
    assert!(!again.fresh(), "answered from files of another client");
}
