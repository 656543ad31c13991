#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::json;

use super::*;
use crate::registry::lookup;

fn cm() -> Resource {
    lookup("", "v1", "configmaps").unwrap()
}

fn deploy() -> Resource {
    lookup("apps", "v1", "deployments").unwrap()
}

#[test]
fn create_fills_system_fields_and_generated_names() {
    let obj = prepare_create(
        &cm(),
        Some("ns"),
        json!({"metadata": {"generateName": "web-"}}),
    )
    .unwrap();
    let name = meta_str(&obj, "name");
    assert!(name.starts_with("web-") && name.len() == 9, "{name}");
    assert_eq!(meta_str(&obj, "namespace"), "ns");
    assert_eq!(meta_str(&obj, "uid").len(), 36);
    assert!(meta_str(&obj, "creationTimestamp").ends_with('Z'));
    assert!(obj["metadata"].get("generation").is_none());
    let d = prepare_create(
        &deploy(),
        Some("ns"),
        json!({"metadata": {"name": "d"}, "spec": {}, "status": {"replicas": 3}}),
    )
    .unwrap();
    assert_eq!(d["metadata"]["generation"], 1);
    // The requested status is dropped; the Go type's empty struct is what a real server shows.
    assert_eq!(d["status"], json!({}), "status is dropped on create");
}

#[test]
fn create_rejects_bad_input_like_the_server() {
    let e =
        prepare_create(&cm(), Some("ns"), json!({"metadata": {"name": "Bad_Name"}})).unwrap_err();
    assert_eq!(e.code, 422);
    assert!(e.message.starts_with("ConfigMap \"Bad_Name\" is invalid: metadata.name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain"), "{}", e.message);
    let e = prepare_create(&cm(), Some("ns"), json!({"metadata": {}})).unwrap_err();
    assert_eq!(
        e.message,
        "ConfigMap \"\" is invalid: metadata.name: Required value: name or generateName is required"
    );
    let e = prepare_create(
        &cm(),
        Some("ns"),
        json!({"metadata": {"name": "a", "namespace": "other"}}),
    )
    .unwrap_err();
    assert_eq!(e.code, 400);
    let e = prepare_create(
        &cm(),
        Some("ns"),
        json!({"metadata": {"name": "a", "resourceVersion": "5"}}),
    )
    .unwrap_err();
    assert_eq!(e.code, 500);
}

#[test]
fn namespaces_are_active_with_finalizer_and_name_label() {
    let ns = lookup("", "v1", "namespaces").unwrap();
    let o = prepare_create(&ns, None, json!({"metadata": {"name": "team-a"}})).unwrap();
    assert_eq!(o["status"]["phase"], "Active");
    assert_eq!(o["spec"]["finalizers"], json!(["kubernetes"]));
    assert_eq!(
        o["metadata"]["labels"]["kubernetes.io/metadata.name"],
        "team-a"
    );
    assert_eq!(
        prepare_create(&ns, None, json!({"metadata": {"name": "a.b"}}))
            .unwrap_err()
            .code,
        422
    );
}

#[test]
fn type_checks() {
    assert!(check_type(&cm(), &json!({"apiVersion": "v1", "kind": "ConfigMap"})).is_ok());
    assert!(check_type(&cm(), &json!({})).is_ok());
    let e = check_type(&cm(), &json!({"apiVersion": "v1", "kind": "Secret"})).unwrap_err();
    assert_eq!(
        e.message,
        "Secret in version \"v1\" cannot be handled as a ConfigMap: converting (v1.Secret) to (core.ConfigMap): unknown conversion"
    );
    let hpa = lookup("autoscaling", "v2", "horizontalpodautoscalers").unwrap();
    let e = check_type(
        &hpa,
        &json!({"apiVersion": "autoscaling/v1", "kind": "HorizontalPodAutoscaler"}),
    )
    .unwrap_err();
    assert_eq!(
        e.message,
        "the API version in the data (autoscaling/v1) does not match the expected API version (autoscaling/v2)"
    );
}

#[test]
fn updates_keep_system_fields_split_status_and_bump_generation() {
    let old = prepare_create(
        &deploy(),
        Some("ns"),
        json!({"metadata": {"name": "d"}, "spec": {"replicas": 1}}),
    )
    .unwrap();
    let mut old = old;
    old["metadata"]["resourceVersion"] = json!("7");
    old["status"] = json!({"replicas": 1});
    // Main resource: status changes ignored, spec change bumps generation.
    let new = json!({"metadata": {"name": "d", "namespace": "ns", "uid": "x"}, "spec": {"replicas": 2}, "status": {"replicas": 9}});
    let out = prepare_update(&deploy(), &old, new, None).unwrap();
    assert_eq!(out["status"]["replicas"], 1);
    assert_eq!(out["metadata"]["generation"], 2);
    assert_eq!(out["metadata"]["uid"], old["metadata"]["uid"]);
    // Status subresource: only status changes.
    let new = json!({"metadata": {"name": "d", "labels": {"a": "b"}}, "spec": {"replicas": 5}, "status": {"replicas": 4}});
    let out = prepare_update(&deploy(), &old, new, Some("status")).unwrap();
    assert_eq!(out["status"]["replicas"], 4);
    assert_eq!(out["spec"]["replicas"], 1);
    assert_eq!(out["metadata"]["generation"], 1);
    assert!(out["metadata"].get("labels").is_none());
    // Stale resourceVersion.
    let new = json!({"metadata": {"name": "d", "resourceVersion": "6"}, "spec": {}});
    let e = prepare_update(&deploy(), &old, new, None).unwrap_err();
    assert_eq!(e.code, 409);
    assert_eq!(e.reason, "Conflict");
}

#[test]
fn no_new_finalizers_while_deleting() {
    let mut old = prepare_create(
        &cm(),
        Some("ns"),
        json!({"metadata": {"name": "a", "finalizers": ["x"]}}),
    )
    .unwrap();
    old["metadata"]["deletionTimestamp"] = json!("2024-01-01T00:00:00Z");
    let new = json!({"metadata": {"name": "a", "finalizers": ["x", "y"]}});
    let e = prepare_update(&cm(), &old, new, None).unwrap_err();
    assert!(
        e.message
            .contains("no new finalizers can be added if the object is being deleted"),
        "{}",
        e.message
    );
    let new = json!({"metadata": {"name": "a", "finalizers": []}});
    let out = prepare_update(&cm(), &old, new, None).unwrap();
    assert_eq!(out["metadata"]["deletionTimestamp"], "2024-01-01T00:00:00Z");
}
