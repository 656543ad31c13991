//! Unit tests of the live client, the caches and the deferred RESTMapper against the scripted
//! fake server of `fake.rs`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use kclient_apimachinery::GroupVersion;

use crate::aggregated::ACCEPT_AGGREGATED;
use crate::fake::{AGGREGATED, Fake, Reply, aggregated_server, legacy_server, resource};
use crate::restmapper::DeferredRestMapper;
use crate::types::ApiResourceList;
use crate::{
    CachedDiscovery, Discovery, DiskCacheClient, Error, GroupsAndResources, MemCacheClient,
};

fn summary(all: &GroupsAndResources) -> Vec<(String, Vec<String>)> {
    all.resources
        .iter()
        .map(|l| {
            let mut names: Vec<String> = l.resources.iter().map(|r| r.name.clone()).collect();
            names.sort();
            (l.group_version.clone(), names)
        })
        .collect()
}

#[tokio::test]
async fn aggregated_discovery_needs_two_requests() {
    let fake = aggregated_server(vec![]);
    let d = fake.discovery();
    let all = d
        .server_groups_and_resources()
        .await
        .unwrap()
        .into_result()
        .unwrap();
    let names: Vec<&str> = all.groups.iter().map(|g| g.name.as_str()).collect();
    assert_eq!(names, ["", "apps"]);
    assert_eq!(all.groups[1].preferred_version.version, "v1");
    assert_eq!(
        summary(&all),
        [
            (
                "v1".to_string(),
                vec!["pods".to_string(), "pods/log".into()]
            ),
            ("apps/v1".into(), vec!["deployments".into()]),
            (
                "apps/v1beta1".into(),
                vec!["deployments".into(), "oldthings".into()]
            ),
        ]
    );
    let seen = fake.seen();
    let paths: Vec<&str> = seen.iter().map(|s| s.path.as_str()).collect();
    assert_eq!(paths.len(), 2, "{paths:?}");
    for s in &seen {
        assert_eq!(s.accept, ACCEPT_AGGREGATED);
        assert_eq!(s.query, "timeout=32s");
    }
}

#[tokio::test]
async fn legacy_servers_give_the_same_answer() {
    let aggregated = aggregated_server(vec![])
        .discovery()
        .server_groups_and_resources()
        .await
        .unwrap()
        .into_result()
        .unwrap();
    let fake = legacy_server();
    let legacy = fake
        .discovery()
        .server_groups_and_resources()
        .await
        .unwrap()
        .into_result()
        .unwrap();
    assert_eq!(summary(&legacy), summary(&aggregated));
    assert_eq!(legacy.groups.len(), aggregated.groups.len());
    for (l, a) in legacy.groups.iter().zip(&aggregated.groups) {
        assert_eq!(l.name, a.name);
        assert_eq!(l.versions, a.versions);
        assert_eq!(l.preferred_version, a.preferred_version);
    }
    assert_eq!(fake.count("/apis/apps/v1beta1"), 1);

    let forced = aggregated_server(vec![]);
    forced
        .discovery()
        .with_legacy()
        .server_groups()
        .await
        .unwrap();
    assert!(forced.seen().iter().all(|s| s.accept == "application/json"));
}

#[tokio::test]
async fn content_type_parameters_may_come_in_any_order() {
    let fake = aggregated_server(vec![]);
    fake.route(
        "/apis",
        Reply::typed(
            "application/json; as=APIGroupDiscoveryList;v=v2; g=apidiscovery.k8s.io",
            crate::fake::aggregated_apis(vec![]),
        ),
    );
    let found = fake.discovery().groups_and_maybe_resources().await.unwrap();
    assert!(found.resources.is_some());
}

#[tokio::test]
async fn stale_versions_are_failures_and_discovery_is_retried() {
    let stale = serde_json::json!({"version": "v2", "freshness": "Stale", "resources": []});
    let fake = aggregated_server(vec![stale]);
    let d = fake.discovery();
    let partial = d.server_groups_and_resources().await.unwrap();
    assert!(!partial.is_complete());
    assert_eq!(fake.count("/apis"), 2, "retried once");
    let failed: Vec<_> = partial.failed.groups.keys().cloned().collect();
    assert_eq!(failed, [GroupVersion::new("apps", "v2")]);
    assert_eq!(partial.value.resources.len(), 3);
    let err = partial.into_result().unwrap_err();
    assert_eq!(
        err.to_string(),
        "unable to retrieve the complete list of server APIs: apps/v2: stale GroupVersion discovery: apps/v2"
    );
    // The stale version is not offered as a version of the group.
    let groups = d.server_groups().await.unwrap();
    assert_eq!(groups.groups[1].versions.len(), 2);
}

#[tokio::test]
async fn failed_group_versions_leave_partial_results() {
    let fake = legacy_server();
    fake.route("/apis/apps/v1beta1", Reply::status(503));
    let preferred = fake.discovery().server_preferred_resources().await.unwrap();
    let (lists, failed) = preferred.into_parts();
    let failed = failed.unwrap();
    assert_eq!(
        failed.groups.keys().cloned().collect::<Vec<_>>(),
        [GroupVersion::new("apps", "v1beta1")]
    );
    assert!(failed.groups.values().all(Error::is_transient));
    let names: Vec<String> = lists
        .iter()
        .flat_map(|l| l.resources.iter().map(|r| r.name.clone()))
        .collect();
    assert_eq!(names, ["pods", "deployments"]);
}

#[tokio::test]
async fn preferred_resources_pick_versions_like_client_go() {
    let d = aggregated_server(vec![]).discovery();
    let lists = d
        .server_preferred_resources()
        .await
        .unwrap()
        .into_result()
        .unwrap();
    let flat: Vec<(String, String)> = lists
        .iter()
        .flat_map(|l| {
            l.resources
                .iter()
                .map(|r| (l.group_version.clone(), r.name.clone()))
        })
        .collect();
    let pair = |a: &str, b: &str| (a.to_string(), b.to_string());
    assert_eq!(
        flat,
        [
            pair("v1", "pods"),
            pair("apps/v1", "deployments"),
            pair("apps/v1beta1", "oldthings"),
        ]
    );
    let namespaced = d
        .server_preferred_namespaced_resources()
        .await
        .unwrap()
        .into_result()
        .unwrap();
    assert_eq!(namespaced.len(), 3);
}

#[tokio::test]
async fn missing_endpoints() {
    let fake = legacy_server();
    fake.route("/api", Reply::not_found());
    let groups = fake.discovery().server_groups().await.unwrap();
    assert_eq!(groups.groups.len(), 1, "a 404 on /api is tolerated");

    let fake = legacy_server();
    fake.route("/api/v1", Reply::not_found());
    let list = fake
        .discovery()
        .server_resources_for_group_version(&GroupVersion::new("", "v1"))
        .await
        .unwrap();
    assert_eq!(list.group_version, "v1");
    assert!(list.resources.is_empty());

    let fake = legacy_server();
    fake.route("/apis", Reply::status(500));
    let err = fake.discovery().server_groups().await.unwrap_err();
    assert!(err.is_transient(), "{err}");

    let fake = legacy_server();
    fake.route(
        "/apis",
        Reply::typed(AGGREGATED, serde_json::json!({"items": 3})),
    );
    let err = fake.discovery().server_groups().await.unwrap_err();
    assert!(
        err.to_string()
            .starts_with("cannot decode the APIGroupDiscoveryList returned by http://fake/apis"),
        "{err}"
    );
}

#[tokio::test]
async fn server_version() {
    let fake = Fake::default();
    fake.route(
        "/version",
        Reply::json(serde_json::json!({"major": "1", "minor": "36", "gitVersion": "v1.36.0"})),
    );
    let v = fake.discovery().server_version().await.unwrap();
    assert_eq!((v.major.as_str(), v.git_version.as_str()), ("1", "v1.36.0"));
}

#[tokio::test]
async fn memory_cache_answers_from_memory_until_invalidated() {
    let fake = legacy_server();
    fake.sequence(
        "/apis/apps/v1beta1",
        vec![
            Reply::status(503),
            Reply::json(serde_json::json!({"groupVersion": "apps/v1beta1",
            "resources": [resource("oldthings", "OldThing", &[])]})),
        ],
    );
    let cached = MemCacheClient::new(fake.discovery());
    assert!(!cached.fresh());
    let first = cached.server_groups_and_resources().await.unwrap();
    assert!(cached.fresh());
    // The transient failure was fetched again by the retry; everything else came from memory.
    assert!(first.is_complete(), "{:?}", first.failed);
    assert_eq!(fake.count("/apis/apps/v1beta1"), 2);
    let requests = fake.seen().len();
    let _ = cached.server_groups_and_resources().await.unwrap();
    cached
        .server_resources_for_group_version(&GroupVersion::new("apps", "v1"))
        .await
        .unwrap();
    assert_eq!(fake.seen().len(), requests, "answered from memory");
    cached.invalidate();
    assert!(!cached.fresh());
    cached.server_groups().await.unwrap();
    assert_eq!(fake.count("/apis"), 2);
}

#[tokio::test]
async fn memory_cache_keeps_aggregated_failures() {
    let stale = serde_json::json!({"version": "v2", "freshness": "Stale", "resources": []});
    let fake = aggregated_server(vec![stale]);
    let cached = MemCacheClient::new(fake.discovery());
    let found = cached.groups_and_maybe_resources().await.unwrap();
    assert!(found.resources.is_some());
    assert!(found.failed.contains_key(&GroupVersion::new("apps", "v2")));
}

/// A clock the test moves by hand.
fn fake_clock() -> (Arc<AtomicU64>, crate::Clock) {
    let offset = Arc::new(AtomicU64::new(0));
    let o = offset.clone();
    let clock: crate::Clock =
        Arc::new(move || SystemTime::now() + Duration::from_secs(o.load(Ordering::SeqCst)));
    (offset, clock)
}

#[tokio::test]
async fn disk_cache_layout_ttl_and_invalidation() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = crate::cache_dir_for_host(tmp.path(), "https://127.0.0.1:6443");
    let fake = legacy_server();
    let (offset, clock) = fake_clock();
    let make = || {
        DiskCacheClient::new(
            MemCacheClient::new(fake.discovery()),
            dir.clone(),
            crate::DEFAULT_TTL,
        )
        .with_clock(clock.clone())
    };
    let cache = make();
    let all = cache
        .server_groups_and_resources()
        .await
        .unwrap()
        .into_result()
        .unwrap();
    assert!(cache.fresh());
    for file in [
        "servergroups.json",
        "v1/serverresources.json",
        "apps/v1/serverresources.json",
        "apps/v1beta1/serverresources.json",
    ] {
        let path = dir.join(file);
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{file}: {e}"));
        let kind = if file == "servergroups.json" {
            "APIGroupList"
        } else {
            "APIResourceList"
        };
        assert!(
            text.contains(&format!(r#""kind":"{kind}","apiVersion":"v1""#)),
            "{text}"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o660, "{file}");
        }
    }
    assert!(dir.ends_with("127.0.0.1_6443"));

    // A new client (another process) reads the files without asking the server; not fresh.
    let requests = fake.seen().len();
    let again = make();
    let cached = again
        .server_groups_and_resources()
        .await
        .unwrap()
        .into_result()
        .unwrap();
    assert_eq!(summary(&cached), summary(&all));
    assert_eq!(fake.seen().len(), requests);
    assert!(!again.fresh());

    // Invalidation ignores files this client did not write.
    again.invalidate();
    again.server_groups().await.unwrap();
    assert_eq!(fake.count("/apis"), 2);
    assert!(again.fresh());

    // After the TTL the files are stale and the server is asked again.
    offset.store(7 * 3600, Ordering::SeqCst);
    let later = make();
    later.server_groups().await.unwrap();
    assert_eq!(fake.count("/apis"), 3);
    // ... and rewritten: with the clock back at the real time they are used again.
    offset.store(0, Ordering::SeqCst);
    let requests = fake.seen().len();
    make().server_groups().await.unwrap();
    assert_eq!(fake.seen().len(), requests);
}

#[tokio::test]
async fn disk_cache_ignores_broken_files_and_empty_lists() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("servergroups.json"), "{not json").unwrap();
    let fake = legacy_server();
    fake.route(
        "/apis/apps/v1",
        Reply::json(serde_json::json!({"groupVersion": "apps/v1", "resources": []})),
    );
    let cache = DiskCacheClient::new(fake.discovery(), tmp.path(), crate::DEFAULT_TTL);
    let groups = cache.server_groups().await.unwrap();
    assert_eq!(groups.groups.len(), 2);
    let list: ApiResourceList = cache
        .server_resources_for_group_version(&GroupVersion::new("apps", "v1"))
        .await
        .unwrap();
    assert!(list.resources.is_empty());
    assert!(!tmp.path().join("apps/v1/serverresources.json").exists());
}

#[tokio::test]
async fn deferred_mapper_refreshes_on_a_miss() {
    let fake = legacy_server();
    let mapper = DeferredRestMapper::new(MemCacheClient::new(fake.discovery()));
    assert_eq!(
        mapper.resolve("deploy").await.unwrap().resource.resource,
        "deployments"
    );
    // A new resource appears on the server (a CRD being established).
    fake.route(
        "/apis/apps/v1",
        Reply::json(serde_json::json!({"groupVersion": "apps/v1", "resources": [
            resource("deployments", "Deployment", &["deploy"]),
            resource("widgets", "Widget", &["wd"])]})),
    );
    let widgets = mapper.resolve("wd").await.unwrap();
    assert_eq!(widgets.kind.kind, "Widget");
    assert_eq!(fake.count("/apis"), 2);
    // A real miss still fails, after one refresh.
    let err = mapper.resolve("nothing").await.unwrap_err();
    assert!(err.is_no_match());
    assert_eq!(fake.count("/apis"), 3);
    // With a minimum interval a fresh mapper is not refreshed again.
    let mapper = DeferredRestMapper::new(MemCacheClient::new(fake.discovery()))
        .with_min_refresh_interval(Duration::from_secs(3600));
    mapper.resolve("po").await.unwrap();
    mapper.resolve("nothing").await.unwrap_err();
    assert_eq!(fake.count("/apis"), 4);
    assert_eq!(mapper.expand_category("nothing").await.unwrap(), None);
}

#[tokio::test]
async fn openapi_documents() {
    let fake = Fake::default();
    fake.route(
        "/openapi/v3",
        Reply::json(serde_json::json!({"paths": {
            "apis/apps/v1": {"serverRelativeURL": "/openapi/v3/apis/apps/v1?hash=ABC"}}})),
    )
    .route(
        "/openapi/v3/apis/apps/v1",
        Reply::json(serde_json::json!({"openapi": "3.0.0"})),
    )
    .route(
        "/openapi/v2",
        Reply::json(serde_json::json!({"swagger": "2.0"})),
    );
    let d = fake.discovery();
    let doc = d
        .openapi_v3_for_group_version(&GroupVersion::new("apps", "v1"))
        .await
        .unwrap();
    assert_eq!(&doc[..], br#"{"openapi":"3.0.0"}"#);
    let last = fake.seen().pop().unwrap();
    assert_eq!(last.query, "hash=ABC&timeout=32s");
    assert_eq!(last.accept, "application/json");
    let err = d
        .openapi_v3_for_group_version(&GroupVersion::new("batch", "v1"))
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        r#"the OpenAPI v3 index of the server has no document for "apis/batch/v1""#
    );
    assert_eq!(&d.openapi_v2().await.unwrap()[..], br#"{"swagger":"2.0"}"#);
}
