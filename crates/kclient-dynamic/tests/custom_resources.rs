//! Custom resources end to end: a CustomResourceDefinition created through the dynamic client,
//! found by discovery and the RESTMapper, its objects written, watched and validated, and its
//! API gone again once the CRD is deleted. Runs against the embedded test server, or the cluster
//! of `KCLIENT_TEST_KUBECONFIG` (every CRD gets a group unique to the test run).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../../kclient-discovery/tests/support/mod.rs"]
mod support;

use std::future::Future;
use std::time::Duration;

use futures_util::StreamExt;
use kclient_apimachinery::options::{
    CreateOptions, DeleteOptions, GetOptions, ListOptions, PatchOptions, PatchType, UpdateOptions,
};
use kclient_apimachinery::{
    GroupResource, GroupVersion, GroupVersionKind, GroupVersionResource, Unstructured, WatchEvent,
};
use kclient_config::Config;
use kclient_discovery::restmapper::DeferredRestMapper;
use kclient_discovery::{Discovery, DiscoveryClient, MemCacheClient};
use kclient_dynamic::{DynamicClient, ResourceClient, ScaleClient};
use serde_json::json;
use support::Target;

const KIND: &str = "CronTab";
const PLURAL: &str = "crontabs";
const LABEL: &str = "app=kclient-crontab-test";

fn crds() -> GroupVersionResource {
    GroupVersionResource::new("apiextensions.k8s.io", "v1", "customresourcedefinitions")
}

/// Polls `check` every 200 ms until it returns `Some`, for at most `secs` seconds.
async fn poll<T, F, Fut>(what: &str, secs: u64, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out after {secs} s waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// A CronTab CRD in a group unique to this test, deleted again (on a real cluster) even if the
/// test fails half-way.
struct CronTabCrd {
    group: String,
    short_name: String,
    /// Set on a real cluster until the test deletes the CRD itself.
    cleanup: Option<Config>,
}

impl CronTabCrd {
    fn name(&self) -> String {
        format!("{PLURAL}.{}", self.group)
    }

    fn gvr(&self) -> GroupVersionResource {
        GroupVersionResource::new(&self.group, "v1", PLURAL)
    }

    fn api_version(&self) -> String {
        format!("{}/v1", self.group)
    }

    fn manifest(&self) -> Unstructured {
        serde_json::from_value(json!({
            "apiVersion": "apiextensions.k8s.io/v1",
            "kind": "CustomResourceDefinition",
            "metadata": {"name": self.name()},
            "spec": {
                "group": self.group,
                "scope": "Namespaced",
                "names": {
                    "plural": PLURAL, "singular": "crontab", "kind": KIND,
                    "listKind": "CronTabList", "shortNames": [self.short_name],
                },
                "versions": [{
                    "name": "v1", "served": true, "storage": true,
                    "schema": {"openAPIV3Schema": {
                        "type": "object",
                        "properties": {
                            "spec": {
                                "type": "object",
                                "required": ["cronSpec"],
                                "properties": {
                                    "cronSpec": {"type": "string"},
                                    "image": {"type": "string"},
                                    "replicas": {"type": "integer"},
                                },
                            },
                            "status": {
                                "type": "object",
                                "properties": {
                                    "replicas": {"type": "integer"},
                                    "phase": {"type": "string"},
                                },
                            },
                        },
                    }},
                    "subresources": {
                        "status": {},
                        "scale": {
                            "specReplicasPath": ".spec.replicas",
                            "statusReplicasPath": ".status.replicas",
                        },
                    },
                }],
            },
        }))
        .unwrap()
    }

    /// Creates the CRD and waits (bounded) until it is Established and its resource is served.
    async fn create(target: &Target, client: &DynamicClient, short_name: &str) -> CronTabCrd {
        let crd = CronTabCrd {
            group: format!("{}.stable.kclient.test", target.unique("s")),
            short_name: short_name.to_string(),
            cleanup: target.real_cluster.then(|| target.config.clone()),
        };
        let created = client
            .resource(&crds())
            .create(&crd.manifest(), &CreateOptions::default())
            .await
            .unwrap();
        assert_eq!(created.name(), Some(crd.name().as_str()));
        let name = crd.name();
        let established = poll("the CRD to be Established", 60, || async {
            let got = client
                .resource(&crds())
                .get(&name, &GetOptions::default())
                .await
                .unwrap();
            has_condition(&got, "Established").then_some(got)
        })
        .await;
        assert!(has_condition(&established, "NamesAccepted"));
        assert_eq!(
            established
                .nested_str(&["status", "acceptedNames", "kind"])
                .unwrap(),
            Some(KIND)
        );
        // A real API server may answer for the new resource a moment after Established.
        let crontabs = client.resource(&crd.gvr()).namespace("default");
        poll("the custom resource to be served", 60, || async {
            crontabs.list(&ListOptions::default()).await.ok()
        })
        .await;
        crd
    }

    /// Deletes the CRD, disarming the cleanup on drop.
    async fn delete(mut self, client: &DynamicClient) {
        client
            .resource(&crds())
            .delete(&self.name(), &DeleteOptions::default())
            .await
            .unwrap();
        self.cleanup = None;
    }
}

impl Drop for CronTabCrd {
    fn drop(&mut self) {
        // Only armed on a real cluster, where no server runs on the (blocked) test runtime.
        let Some(config) = self.cleanup.take() else {
            return;
        };
        let name = self.name();
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async {
                let client = DynamicClient::for_config(&config).unwrap();
                let _ = client
                    .resource(&crds())
                    .delete(&name, &DeleteOptions::default())
                    .await;
            });
        })
        .join();
    }
}

fn has_condition(crd: &Unstructured, ty: &str) -> bool {
    crd.nested_field(&["status", "conditions"])
        .ok()
        .flatten()
        .and_then(|c| c.as_array())
        .is_some_and(|c| c.iter().any(|c| c["type"] == ty && c["status"] == "True"))
}

/// A namespace for the test's objects (created on a real cluster, `default` on the test server).
async fn namespace(target: &Target, client: &DynamicClient) -> String {
    if !target.real_cluster {
        return "default".to_string();
    }
    let name = target.unique("kclient-crontab");
    let mut ns = Unstructured::with_type("v1", "Namespace");
    ns.set_name(&name);
    client
        .resource(&GroupVersionResource::new("", "v1", "namespaces"))
        .create(&ns, &CreateOptions::default())
        .await
        .unwrap();
    name
}

async fn delete_namespace(target: &Target, client: &DynamicClient, ns: &str) {
    if target.real_cluster {
        let _ = client
            .resource(&GroupVersionResource::new("", "v1", "namespaces"))
            .delete(ns, &DeleteOptions::default())
            .await;
    }
}

fn crontab(crd: &CronTabCrd, ns: &str, name: &str, spec: serde_json::Value) -> Unstructured {
    serde_json::from_value(json!({
        "apiVersion": crd.api_version(), "kind": KIND,
        "metadata": {"name": name, "namespace": ns, "labels": {"app": "kclient-crontab-test"}},
        "spec": spec,
    }))
    .unwrap()
}

#[tokio::test]
async fn crd_is_discovered_mapped_and_removed() {
    let target = Target::start().await;
    let client = DynamicClient::for_config(&target.config).unwrap();
    // Built before the CRD exists, so finding `ct` needs the refresh on a miss.
    let mapper = DeferredRestMapper::new(MemCacheClient::new(
        DiscoveryClient::for_config(&target.config).unwrap(),
    ));
    mapper.mapper().await.unwrap();
    let discovery = DiscoveryClient::for_config(&target.config).unwrap();

    let crd = CronTabCrd::create(&target, &client, "ct").await;
    let gv = GroupVersion::new(&crd.group, "v1");
    let list = poll("discovery to list crontabs", 60, || async {
        discovery
            .server_resources_for_group_version(&gv)
            .await
            .ok()
            .filter(|l| l.resources.iter().any(|r| r.name == PLURAL))
    })
    .await;
    assert_eq!(list.group_version, crd.api_version());
    let crontabs = list.resources.iter().find(|r| r.name == PLURAL).unwrap();
    assert!(crontabs.namespaced);
    assert_eq!(crontabs.kind, KIND);
    assert_eq!(crontabs.short_names, ["ct"]);
    let mut names: Vec<&str> = list.resources.iter().map(|r| r.name.as_str()).collect();
    names.sort();
    assert_eq!(names, ["crontabs", "crontabs/scale", "crontabs/status"]);

    let by_short = mapper.resolve("ct").await.unwrap();
    assert_eq!(by_short.resource, crd.gvr());
    assert_eq!(by_short.kind, GroupVersionKind::new(&crd.group, "v1", KIND));
    assert!(by_short.namespaced);
    let by_kind = mapper
        .mapping_for_kind(&GroupVersionKind::new(&crd.group, "", KIND))
        .await
        .unwrap();
    assert_eq!(by_kind.resource, crd.gvr());
    let qualified = mapper
        .resolve(&format!("{KIND}.v1.{}", crd.group))
        .await
        .unwrap();
    assert_eq!(qualified.resource, crd.gvr());
    // The dynamic client's own mapper finds it too.
    assert_eq!(client.resolve("ct").await.unwrap().resource, crd.gvr());
    if !target.real_cluster {
        // On a shared cluster another CRD may also be kind CronTab.
        assert_eq!(client.resolve(KIND).await.unwrap().resource, crd.gvr());
    }

    crd.delete(&client).await;
    poll("crontabs to leave discovery", 60, || async {
        match discovery.server_resources_for_group_version(&gv).await {
            Ok(l) if l.resources.iter().any(|r| r.name == PLURAL) => None,
            Ok(_) => Some(()),
            Err(e) if e.is_not_found() => Some(()),
            Err(e) => panic!("discovery of {gv}: {e}"),
        }
    })
    .await;
    mapper.reset();
    assert!(mapper.resolve("ct").await.unwrap_err().is_no_match());
}

#[tokio::test]
async fn crontab_crud_status_scale_and_validation() {
    let target = Target::start().await;
    let client = DynamicClient::for_config(&target.config).unwrap();
    let crd = CronTabCrd::create(&target, &client, &target.unique("ct")).await;
    let ns = namespace(&target, &client).await;
    let tabs: ResourceClient = client.resource(&crd.gvr()).namespace(&ns);

    let mut first = crontab(
        &crd,
        &ns,
        "one",
        json!({"cronSpec": "* * * * */5", "replicas": 1}),
    );
    first
        .set_nested_field(json!({"phase": "ignored"}), &["status"])
        .unwrap();
    let created = tabs
        .create(&first, &CreateOptions::default())
        .await
        .unwrap();
    assert!(created.uid().is_some() && created.resource_version().is_some());
    assert_eq!(created.kind(), Some(KIND));
    assert!(
        created.nested_field(&["status"]).unwrap().is_none(),
        "status is ignored on create with a status subresource"
    );
    assert!(
        tabs.create(&first, &CreateOptions::default())
            .await
            .unwrap_err()
            .is_already_exists()
    );

    // The schema: spec.cronSpec is required, spec.replicas an integer.
    let missing = crontab(&crd, &ns, "bad", json!({"replicas": 1}));
    let err = tabs
        .create(&missing, &CreateOptions::default())
        .await
        .unwrap_err();
    assert!(err.is_invalid(), "{err}");
    assert!(err.to_string().contains("cronSpec"), "{err}");
    let wrong_type = crontab(
        &crd,
        &ns,
        "bad",
        json!({"cronSpec": "x", "replicas": "two"}),
    );
    let err = tabs
        .create(&wrong_type, &CreateOptions::default())
        .await
        .unwrap_err();
    assert!(err.is_invalid(), "{err}");
    assert!(
        tabs.get("bad", &GetOptions::default())
            .await
            .unwrap_err()
            .is_not_found()
    );

    let got = tabs.get("one", &GetOptions::default()).await.unwrap();
    assert_eq!(
        got.nested_str(&["spec", "cronSpec"]).unwrap(),
        Some("* * * * */5")
    );
    tabs.create(
        &crontab(&crd, &ns, "two", json!({"cronSpec": "@daily"})),
        &CreateOptions::default(),
    )
    .await
    .unwrap();
    let mut unlabelled = crontab(&crd, &ns, "three", json!({"cronSpec": "@hourly"}));
    unlabelled.set_labels(&std::collections::BTreeMap::new());
    tabs.create(&unlabelled, &CreateOptions::default())
        .await
        .unwrap();
    let list = tabs
        .list(&ListOptions::default().label_selector(LABEL))
        .await
        .unwrap();
    let mut names: Vec<&str> = list.items.iter().filter_map(|i| i.name()).collect();
    names.sort();
    assert_eq!(names, ["one", "two"]);
    assert!(list.resource_version().is_some());

    // Update changes the spec only; a stale resourceVersion conflicts.
    let mut changed = got.clone();
    changed
        .set_nested_field(json!("registry.k8s.io/pause:3.10"), &["spec", "image"])
        .unwrap();
    changed
        .set_nested_field(json!({"phase": "ignored"}), &["status"])
        .unwrap();
    let updated = tabs
        .update(&changed, &UpdateOptions::default())
        .await
        .unwrap();
    assert_eq!(
        updated.nested_str(&["spec", "image"]).unwrap(),
        Some("registry.k8s.io/pause:3.10")
    );
    assert!(updated.nested_field(&["status"]).unwrap().is_none());
    assert!(
        tabs.update(&changed, &UpdateOptions::default())
            .await
            .unwrap_err()
            .is_conflict()
    );

    // update_status changes the status only.
    let mut with_status = updated.clone();
    with_status
        .set_nested_field(json!({"phase": "Running", "replicas": 1}), &["status"])
        .unwrap();
    with_status
        .set_nested_field(json!("@never"), &["spec", "cronSpec"])
        .unwrap();
    let status_updated = tabs
        .update_status(&with_status, &UpdateOptions::default())
        .await
        .unwrap();
    assert_eq!(
        status_updated.nested_str(&["status", "phase"]).unwrap(),
        Some("Running")
    );
    assert_eq!(
        status_updated.nested_str(&["spec", "cronSpec"]).unwrap(),
        Some("* * * * */5"),
        "update_status must not change the spec"
    );
    let status = tabs
        .subresource("status")
        .get("one", &GetOptions::default())
        .await
        .unwrap();
    assert_eq!(
        status.nested_str(&["status", "phase"]).unwrap(),
        Some("Running")
    );

    // The scale subresource maps onto spec.replicas / status.replicas.
    let scales = tabs.subresource("scale");
    let scale = scales.get("one", &GetOptions::default()).await.unwrap();
    assert_eq!(scale.kind(), Some("Scale"));
    assert_eq!(
        scale.nested_field(&["spec", "replicas"]).unwrap(),
        Some(&json!(1))
    );
    assert_eq!(
        scale.nested_field(&["status", "replicas"]).unwrap(),
        Some(&json!(1))
    );
    scales
        .patch(
            "one",
            PatchType::Merge,
            &json!({"spec": {"replicas": 3}}),
            &PatchOptions::default(),
        )
        .await
        .unwrap();
    // The scale client finds the custom resource's version through the RESTMapper.
    let typed_scales = ScaleClient::new(client.clone()).scales(&ns);
    let resource = GroupResource::new(&crd.group, PLURAL);
    let mut scale = typed_scales.get(&resource, "one").await.unwrap();
    assert_eq!(scale.spec.replicas, Some(3));
    scale.spec.replicas = Some(4);
    let scaled = typed_scales.update(&resource, &scale).await.unwrap();
    assert_eq!(scaled.spec.replicas, Some(4));
    let object = tabs.get("one", &GetOptions::default()).await.unwrap();
    assert_eq!(
        object.nested_field(&["spec", "replicas"]).unwrap(),
        Some(&json!(4))
    );
    let patched = typed_scales
        .patch(
            &crd.gvr(),
            "one",
            PatchType::Merge,
            &json!({"spec": {"replicas": 3}}),
        )
        .await
        .unwrap();
    assert_eq!(patched.spec.replicas, Some(3));

    // A merge patch of the main resource.
    let merged = tabs
        .patch(
            "one",
            PatchType::Merge,
            &json!({"metadata": {"labels": {"patched": "yes"}}, "spec": {"cronSpec": "@weekly"}}),
            &PatchOptions::default(),
        )
        .await
        .unwrap();
    assert_eq!(
        merged.nested_str(&["spec", "cronSpec"]).unwrap(),
        Some("@weekly")
    );
    assert_eq!(
        merged.nested_field(&["spec", "replicas"]).unwrap(),
        Some(&json!(3)),
        "the scale patch set spec.replicas"
    );
    assert_eq!(
        merged.labels().get("patched").map(String::as_str),
        Some("yes")
    );
    let err = tabs
        .patch(
            "one",
            PatchType::Merge,
            &json!({"spec": {"cronSpec": null}}),
            &PatchOptions::default(),
        )
        .await
        .unwrap_err();
    assert!(err.is_invalid(), "{err}");

    // Delete one, then the labelled rest as a collection.
    tabs.delete("one", &DeleteOptions::default()).await.unwrap();
    assert!(
        tabs.get("one", &GetOptions::default())
            .await
            .unwrap_err()
            .is_not_found()
    );
    assert!(
        tabs.delete("one", &DeleteOptions::default())
            .await
            .unwrap_err()
            .is_not_found()
    );
    tabs.delete_collection(
        &DeleteOptions::default(),
        &ListOptions::default().label_selector(LABEL),
    )
    .await
    .unwrap();
    let left = tabs.list(&ListOptions::default()).await.unwrap();
    let left: Vec<&str> = left.items.iter().filter_map(|i| i.name()).collect();
    assert_eq!(left, ["three"]);

    crd.delete(&client).await;
    delete_namespace(&target, &client, &ns).await;
}

#[tokio::test]
async fn crontab_watch_sees_added_modified_deleted() {
    let target = Target::start().await;
    let client = DynamicClient::for_config(&target.config).unwrap();
    let crd = CronTabCrd::create(&target, &client, &target.unique("ct")).await;
    let ns = namespace(&target, &client).await;
    let tabs = client.resource(&crd.gvr()).namespace(&ns);

    let start = tabs.list(&ListOptions::default()).await.unwrap();
    let mut events = tabs
        .watch(
            &ListOptions::default()
                .resource_version(start.resource_version().unwrap())
                .label_selector(LABEL),
        )
        .await
        .unwrap();
    let name = target.unique("watched");
    let created = tabs
        .create(
            &crontab(&crd, &ns, &name, json!({"cronSpec": "@daily"})),
            &CreateOptions::default(),
        )
        .await
        .unwrap();
    tabs.patch(
        &name,
        PatchType::Merge,
        &json!({"spec": {"cronSpec": "@hourly"}}),
        &PatchOptions::default(),
    )
    .await
    .unwrap();
    tabs.delete(&name, &DeleteOptions::default()).await.unwrap();

    let mut seen = Vec::new();
    while seen.len() < 3 {
        let event = tokio::time::timeout(Duration::from_secs(20), events.next())
            .await
            .expect("a watch event within 20 s")
            .expect("the watch stays open")
            .unwrap();
        match event {
            WatchEvent::Bookmark(_) => {}
            WatchEvent::Added(o) if o.name() == Some(name.as_str()) => seen.push(("ADDED", o)),
            WatchEvent::Modified(o) if o.name() == Some(name.as_str()) => {
                seen.push(("MODIFIED", o))
            }
            WatchEvent::Deleted(o) if o.name() == Some(name.as_str()) => seen.push(("DELETED", o)),
            other => panic!("unexpected event {other:?}"),
        }
    }
    let types: Vec<&str> = seen.iter().map(|(t, _)| *t).collect();
    assert_eq!(types, ["ADDED", "MODIFIED", "DELETED"]);
    assert_eq!(seen[0].1.uid(), created.uid());
    assert_eq!(seen[0].1.kind(), Some(KIND));
    assert_eq!(
        seen[0].1.nested_str(&["spec", "cronSpec"]).unwrap(),
        Some("@daily")
    );
    assert_eq!(
        seen[1].1.nested_str(&["spec", "cronSpec"]).unwrap(),
        Some("@hourly")
    );
    drop(events);

    crd.delete(&client).await;
    delete_namespace(&target, &client, &ns).await;
}
