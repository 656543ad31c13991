//! The dynamic client against a server: the embedded test server, or the cluster of
//! `KCLIENT_TEST_KUBECONFIG`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../../kclient-discovery/tests/support/mod.rs"]
mod support;

use std::collections::BTreeMap;
use std::time::Duration;

use futures_util::StreamExt;
use kclient_apimachinery::meta::ObjectMeta;
use kclient_apimachinery::options::{
    CreateOptions, DeleteOptions, GetOptions, ListOptions, PatchOptions, PatchType, UpdateOptions,
};
use kclient_apimachinery::{GroupVersionKind, GroupVersionResource, Unstructured, WatchEvent};
use kclient_dynamic::{
    ApplyOptions, DynamicClient, ResourceClient, from_unstructured, to_unstructured,
};
use serde::{Deserialize, Serialize};
use support::Target;

/// A namespace for the test's objects (created on a real cluster, `default` on the test server).
async fn namespace(target: &Target, client: &DynamicClient) -> String {
    if !target.real_cluster {
        return "default".to_string();
    }
    let name = target.unique("kclient-dynamic");
    let mut ns = Unstructured::with_type("v1", "Namespace");
    ns.set_name(&name);
    client
        .resource(&GroupVersionResource::new("", "v1", "namespaces"))
        .create(&ns, &CreateOptions::default())
        .await
        .unwrap();
    name
}

async fn cleanup(target: &Target, client: &DynamicClient, ns: &str) {
    if target.real_cluster {
        let _ = client
            .resource(&GroupVersionResource::new("", "v1", "namespaces"))
            .delete(ns, &DeleteOptions::default())
            .await;
    }
}

fn configmap(ns: &str, name: &str, data: &[(&str, &str)]) -> Unstructured {
    let mut cm = Unstructured::with_type("v1", "ConfigMap");
    cm.set_metadata(&ObjectMeta::namespaced(ns, name)).unwrap();
    cm.set_label("app", "kclient-dynamic-test");
    let data: serde_json::Map<String, serde_json::Value> = data
        .iter()
        .map(|(k, v)| (k.to_string(), serde_json::json!(v)))
        .collect();
    cm.set_nested_field(serde_json::Value::Object(data), &["data"])
        .unwrap();
    cm
}

#[tokio::test]
async fn configmap_crud() {
    let target = Target::start().await;
    let client = DynamicClient::for_config(&target.config).unwrap();
    let ns = namespace(&target, &client).await;
    let cms = client.resource_for("cm").await.unwrap().namespace(&ns);
    assert_eq!(
        cms.gvr(),
        &GroupVersionResource::new("", "v1", "configmaps")
    );

    let created = cms
        .create(
            &configmap(&ns, "one", &[("a", "1")]),
            &CreateOptions::default(),
        )
        .await
        .unwrap();
    assert!(created.uid().is_some() && created.resource_version().is_some());
    let err = cms
        .create(&configmap(&ns, "one", &[]), &CreateOptions::default())
        .await
        .unwrap_err();
    assert!(err.is_already_exists(), "{err}");

    let got = cms.get("one", &GetOptions::default()).await.unwrap();
    assert_eq!(got.nested_str(&["data", "a"]).unwrap(), Some("1"));
    assert!(
        cms.get("missing", &GetOptions::default())
            .await
            .unwrap_err()
            .is_not_found()
    );

    // Update with the current resourceVersion, then a stale one.
    let mut changed = got.clone();
    changed
        .set_nested_field(serde_json::json!("2"), &["data", "a"])
        .unwrap();
    let updated = cms
        .update(&changed, &UpdateOptions::default())
        .await
        .unwrap();
    assert_ne!(updated.resource_version(), got.resource_version());
    let err = cms
        .update(&changed, &UpdateOptions::default())
        .await
        .unwrap_err();
    assert!(err.is_conflict(), "{err}");

    // Merge, JSON and strategic merge patches.
    let merged = cms
        .patch(
            "one",
            PatchType::Merge,
            &serde_json::json!({"data": {"b": "x"}}),
            &PatchOptions::default(),
        )
        .await
        .unwrap();
    assert_eq!(merged.nested_str(&["data", "b"]).unwrap(), Some("x"));
    let json_patched = cms
        .patch(
            "one",
            PatchType::Json,
            &serde_json::json!([{"op": "remove", "path": "/data/b"}]),
            &PatchOptions::default(),
        )
        .await
        .unwrap();
    assert_eq!(json_patched.nested_str(&["data", "b"]).unwrap(), None);
    let strategic = cms
        .patch(
            "one",
            PatchType::Strategic,
            &serde_json::json!({"metadata": {"labels": {"s": "t"}}}),
            &PatchOptions::default(),
        )
        .await
        .unwrap();
    assert_eq!(strategic.labels().get("s").map(String::as_str), Some("t"));

    // List with a label selector, then convert to a typed value and back.
    cms.create(&configmap(&ns, "two", &[]), &CreateOptions::default())
        .await
        .unwrap();
    let list = cms
        .list(&ListOptions::default().label_selector("app=kclient-dynamic-test"))
        .await
        .unwrap();
    let mut names: Vec<&str> = list.items.iter().filter_map(|i| i.name()).collect();
    names.sort();
    assert_eq!(names, ["one", "two"]);
    assert!(list.resource_version().is_some());

    let typed: ConfigMap = from_unstructured(&list.items[0]).unwrap();
    assert_eq!(typed.metadata.namespace.as_deref(), Some(ns.as_str()));
    let back = to_unstructured(&typed).unwrap();
    assert_eq!(back.metadata().unwrap(), list.items[0].metadata().unwrap());

    // Delete one, then the rest by selector.
    cms.delete("one", &DeleteOptions::default()).await.unwrap();
    assert!(
        cms.get("one", &GetOptions::default())
            .await
            .unwrap_err()
            .is_not_found()
    );
    cms.delete_collection(
        &DeleteOptions::default(),
        &ListOptions::default().label_selector("app=kclient-dynamic-test"),
    )
    .await
    .unwrap();
    assert!(
        cms.list(&ListOptions::default())
            .await
            .unwrap()
            .items
            .iter()
            .all(|i| { i.labels().get("app").map(String::as_str) != Some("kclient-dynamic-test") })
    );
    cleanup(&target, &client, &ns).await;
}

/// A typed ConfigMap keeping every field it does not model.
#[derive(Debug, Serialize, Deserialize)]
struct ConfigMap {
    #[serde(rename = "apiVersion")]
    api_version: String,
    kind: String,
    metadata: ObjectMeta,
    #[serde(default)]
    data: BTreeMap<String, String>,
    #[serde(flatten)]
    other: serde_json::Map<String, serde_json::Value>,
}

#[tokio::test]
async fn watch_sees_changes() {
    let target = Target::start().await;
    let client = DynamicClient::for_config(&target.config).unwrap();
    let ns = namespace(&target, &client).await;
    let cms = client
        .resource(&GroupVersionResource::new("", "v1", "configmaps"))
        .namespace(&ns);
    let start = cms.list(&ListOptions::default()).await.unwrap();
    let mut events = cms
        .watch(
            &ListOptions::default()
                .resource_version(start.resource_version().unwrap())
                .label_selector("app=kclient-dynamic-test"),
        )
        .await
        .unwrap();
    let watched = cms.clone();
    let name = target.unique("watched");
    let writer = {
        let name = name.clone();
        let ns = ns.clone();
        async move {
            let created = watched
                .create(
                    &configmap(&ns, &name, &[("v", "1")]),
                    &CreateOptions::default(),
                )
                .await
                .unwrap();
            watched
                .patch(
                    &name,
                    PatchType::Merge,
                    &serde_json::json!({"data": {"v": "2"}}),
                    &PatchOptions::default(),
                )
                .await
                .unwrap();
            watched
                .delete(&name, &DeleteOptions::default())
                .await
                .unwrap();
            created
        }
    };
    let created = writer.await;
    let mut seen = Vec::new();
    while seen.len() < 3 {
        let event = tokio::time::timeout(Duration::from_secs(20), events.next())
            .await
            .expect("a watch event within 20 s")
            .expect("the watch stays open")
            .unwrap();
        match event {
            WatchEvent::Added(o) | WatchEvent::Modified(o) | WatchEvent::Deleted(o)
                if o.name() == Some(name.as_str()) =>
            {
                seen.push((o.resource_version().unwrap_or_default().to_string(), o));
            }
            WatchEvent::Bookmark(_) => {}
            other => panic!("unexpected event {other:?}"),
        }
    }
    assert_eq!(seen[0].1.uid(), created.uid());
    assert_eq!(seen[1].1.nested_str(&["data", "v"]).unwrap(), Some("2"));
    cleanup(&target, &client, &ns).await;
}

#[tokio::test]
async fn status_subresource_and_names() {
    let target = Target::start().await;
    let client = DynamicClient::for_config(&target.config).unwrap();
    let ns = namespace(&target, &client).await;
    let mapping = client.resolve("po").await.unwrap();
    assert_eq!(mapping.kind, GroupVersionKind::new("", "v1", "Pod"));
    let by_kind = client
        .resolve_kind(&GroupVersionKind::new("apps", "", "Deployment"))
        .await
        .unwrap();
    assert_eq!(by_kind.resource.resource, "deployments");
    assert!(
        client
            .resolve("nosuchthings")
            .await
            .unwrap_err()
            .is_no_match()
    );

    let pods: ResourceClient = client.resource(&mapping.resource).namespace(&ns);
    let pod: Unstructured = serde_json::from_value(serde_json::json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "p", "namespace": ns},
        "spec": {"containers": [{"name": "c", "image": "registry.k8s.io/pause:3.10"}]}
    }))
    .unwrap();
    let created = pods.create(&pod, &CreateOptions::default()).await.unwrap();
    let mut with_status = created.clone();
    with_status
        .set_nested_field(serde_json::json!("Failed"), &["status", "phase"])
        .unwrap();
    with_status
        .set_nested_field(serde_json::json!("kclient test"), &["status", "message"])
        .unwrap();
    let updated = pods
        .update_status(&with_status, &UpdateOptions::default())
        .await
        .unwrap();
    assert_eq!(
        updated.nested_str(&["status", "message"]).unwrap(),
        Some("kclient test")
    );
    let got = pods
        .subresource("status")
        .get("p", &GetOptions::default())
        .await
        .unwrap();
    assert_eq!(
        got.nested_str(&["status", "message"]).unwrap(),
        Some("kclient test")
    );
    pods.delete("p", &DeleteOptions::default().grace_period_seconds(0))
        .await
        .unwrap();
    cleanup(&target, &client, &ns).await;
}

#[tokio::test]
async fn server_side_apply() {
    let target = Target::start().await;
    let client = DynamicClient::for_config(&target.config).unwrap();
    let ns = namespace(&target, &client).await;
    let cms = client
        .resource(&GroupVersionResource::new("", "v1", "configmaps"))
        .namespace(&ns);
    let applied = cms
        .apply(
            "applied",
            &configmap(&ns, "applied", &[("a", "1")]),
            &ApplyOptions::new("kclient-a"),
        )
        .await
        .unwrap();
    assert_eq!(applied.nested_str(&["data", "a"]).unwrap(), Some("1"));
    let conflict = cms
        .apply(
            "applied",
            &configmap(&ns, "applied", &[("a", "2")]),
            &ApplyOptions::new("kclient-b"),
        )
        .await
        .unwrap_err();
    assert!(conflict.is_conflict(), "{conflict}");
    let forced = cms
        .apply(
            "applied",
            &configmap(&ns, "applied", &[("a", "2")]),
            &ApplyOptions::new("kclient-b").force(),
        )
        .await
        .unwrap();
    assert_eq!(forced.nested_str(&["data", "a"]).unwrap(), Some("2"));
    cleanup(&target, &client, &ns).await;
}
