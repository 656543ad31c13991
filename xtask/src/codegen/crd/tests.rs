//! The CRD generator on a sample CRD: naming of nested structs, types, scope, versions and
//! subresources, and the errors for bad manifests.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::json;

use super::schema::{self, Ty};
use super::{generate, parse_documents};

fn sample() -> serde_json::Value {
    let schema = json!({"type": "object", "description": "A [backup] job.",
        "properties": {
            "apiVersion": {"type": "string"}, "kind": {"type": "string"}, "metadata": {"type": "object"},
            "spec": {"type": "object", "required": ["schedule", "when"], "properties": {
                "schedule": {"type": "string", "description": "Cron schedule."},
                "when": {"type": "string", "format": "date-time"},
                "replicas": {"type": "integer", "format": "int32"},
                "ratio": {"type": "number"},
                "port": {"x-kubernetes-int-or-string": true},
                "mode": {"type": "string", "enum": ["Full", "Incremental"]},
                "key": {"type": "string", "format": "byte"},
                "type": {"type": "string"},
                "target-ref": {"type": "object", "properties": {"name": {"type": "string"}}},
                "volumes": {"type": "array", "items": {"type": "object", "required": ["name"],
                    "properties": {"name": {"type": "string"}, "size": {"type": "integer"}}}},
                "labels": {"type": "object", "additionalProperties": {"type": "string"}},
                "limits": {"type": "object", "additionalProperties": {"type": "object",
                    "properties": {"max": {"type": "integer"}}}},
                "raw": {"type": "object", "x-kubernetes-preserve-unknown-fields": true},
                "template": {"type": "object", "x-kubernetes-embedded-resource": true,
                    "x-kubernetes-preserve-unknown-fields": true},
                "open": {"type": "object", "x-kubernetes-preserve-unknown-fields": true,
                    "properties": {"known": {"type": "boolean"}}},
                "note": {"type": "string", "nullable": true}}},
            "status": {"type": "object", "properties": {
                "replicas": {"type": "integer"},
                "conditions": {"type": "array", "items": {"type": "object", "properties": {
                    "type": {"type": "string"}, "status": {"type": "string"}}}}}}}});
    json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": "backups.example.com"},
        "spec": {"group": "example.com", "scope": "Namespaced",
            "names": {"plural": "backups", "kind": "Backup"},
            "versions": [
                {"name": "v1", "served": true, "storage": true, "schema": {"openAPIV3Schema": schema},
                 "subresources": {"status": {}, "scale": {"specReplicasPath": ".spec.replicas", "statusReplicasPath": ".status.replicas"}}},
                {"name": "v1alpha1", "served": false, "storage": false, "schema": {"openAPIV3Schema": {"type": "object"}}}]}})
}

#[test]
fn nested_objects_become_structs_named_by_path() {
    let crd = schema::parse(&sample()).unwrap();
    assert_eq!(crd.kind, "Backup");
    assert_eq!(crd.list_kind, "BackupList");
    assert!(crd.namespaced);
    let v1 = &crd.versions[0];
    assert!(v1.served && v1.storage && v1.status && v1.scale);
    assert!(!crd.versions[1].served);
    let names: Vec<&str> = v1.structs.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "BackupSpec",
            "BackupSpecLimits",
            "BackupSpecOpen",
            "BackupSpecTargetRef",
            "BackupSpecVolumes",
            "BackupStatus",
            "BackupStatusConditions"
        ]
    );
    let root: Vec<&str> = v1.root_fields.iter().map(|f| f.json.as_str()).collect();
    assert_eq!(
        root,
        ["spec", "status"],
        "apiVersion, kind and metadata are not schema fields"
    );
    let spec = &v1.structs[0];
    let field = |json: &str| spec.fields.iter().find(|f| f.json == json).unwrap();
    assert_eq!(field("schedule").ty, Ty::String);
    assert!(field("schedule").required);
    // Required, but a time has no Default: an Option.
    assert_eq!(field("when").ty, Ty::Time);
    assert!(!field("when").required);
    assert_eq!(field("replicas").ty, Ty::I32);
    assert_eq!(field("ratio").ty, Ty::F64);
    assert_eq!(field("port").ty, Ty::IntOrString);
    assert_eq!(field("key").ty, Ty::Bytes);
    assert_eq!(field("type").rust, "type_");
    assert_eq!(field("target-ref").rust, "target_ref");
    assert_eq!(
        field("volumes").ty,
        Ty::Vec(Box::new(Ty::Struct("BackupSpecVolumes".into())))
    );
    assert_eq!(field("labels").ty, Ty::Map(Box::new(Ty::String)));
    assert_eq!(
        field("limits").ty,
        Ty::Map(Box::new(Ty::Struct("BackupSpecLimits".into())))
    );
    assert_eq!(field("raw").ty, Ty::Value);
    assert_eq!(field("template").ty, Ty::Value);
    assert!(
        v1.structs[2].open,
        "preserve-unknown-fields with properties keeps the rest"
    );
    assert_eq!(field("mode").allowed, ["\"Full\"", "\"Incremental\""]);
}

#[test]
fn the_generated_source_has_types_impls_and_a_client() {
    let crds = parse_documents(vec![
        json!({"apiVersion": "v1", "kind": "List", "items": [sample()]}),
    ])
    .unwrap();
    let files = generate(&crds, "sample.yaml").unwrap();
    let keys: Vec<&str> = files.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        ["backup/mod.rs", "backup/v1.rs", "mod.rs"],
        "v1alpha1 is not served"
    );
    let v1 = &files["backup/v1.rs"];
    for needle in [
        "pub struct Backup {",
        "pub api_version: kclient_typed::ApiVersion<Backup>,",
        "pub struct BackupList {",
        "pub spec: Option<BackupSpec>,",
        "pub schedule: String,",
        "pub when: Option<kclient_apimachinery::meta::Time>,",
        "#[serde(rename = \"type\", default, skip_serializing_if = \"Option::is_none\")]",
        "pub unknown_fields: std::collections::BTreeMap<String, serde_json::Value>,",
        "const PLURAL: &'static str = \"backups\";",
        "const NAMESPACED: bool = true;",
        "impl kclient_typed::client::verbs::UpdateStatus for Backup {}",
        "type Scale = kclient_typed::api::autoscaling::v1::Scale;",
        "pub fn client(clientset: &kclient_typed::Clientset, namespace: &str)",
        "/// A \\[backup\\] job.",
        "/// Allowed values: `\"Full\"`, `\"Incremental\"`.",
        "/// `.spec.target-ref` of the object.",
    ] {
        assert!(v1.contains(needle), "missing {needle:?} in\n{v1}");
    }
    // rustfmt accepts it (the real compile test is kclient-typed's tests/crd_client.rs).
    crate::codegen::output::format_all(&files).unwrap();
}

#[test]
fn bad_manifests_are_errors_saying_where() {
    let mut crd = sample();
    crd["spec"]["scope"] = json!("Galaxy");
    let err = format!("{:#}", parse_documents(vec![crd]).unwrap_err());
    assert!(
        err.contains("backups.example.com") && err.contains("Galaxy"),
        "{err}"
    );

    let mut crd = sample();
    crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]["properties"]["volumes"] =
        json!({"type": "array"});
    let err = format!("{:#}", parse_documents(vec![crd]).unwrap_err());
    assert!(
        err.contains(".spec.volumes") && err.contains("no items"),
        "{err}"
    );

    let mut crd = sample();
    crd["spec"]["versions"][1]["storage"] = json!(true);
    let err = format!("{:#}", parse_documents(vec![crd]).unwrap_err());
    assert!(err.contains("exactly one version"), "{err}");

    let crds = parse_documents(vec![json!({"kind": "ConfigMap"}), json!(null)]).unwrap();
    assert!(crds.is_empty());
}
