//! Tests of `Unstructured` and `UnstructuredList`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::*;
use crate::meta::{ObjectMeta, TypeMeta};
use crate::resource::{MetaAccessor, Resource};

fn widget() -> Unstructured {
    serde_json::from_value(json!({
        "apiVersion": "example.com/v1",
        "kind": "Widget",
        "metadata": {
            "name": "w1", "namespace": "default", "uid": "u-1", "resourceVersion": "5",
            "generation": 2, "labels": {"app": "shop"}, "annotations": {"a": "b"},
            "finalizers": ["f1"], "creationTimestamp": "2024-01-02T03:04:05Z",
            "ownerReferences": [{"apiVersion": "v1", "kind": "ConfigMap", "name": "c", "uid": "u-0"}]
        },
        "spec": {"size": 3, "color": "blue"}
    }))
    .unwrap()
}

#[test]
fn typed_accessors() {
    let w = widget();
    assert_eq!(w.api_version(), Some("example.com/v1"));
    assert_eq!(w.kind(), Some("Widget"));
    assert_eq!(
        w.group_version_kind().unwrap(),
        GroupVersionKind::new("example.com", "v1", "Widget")
    );
    assert_eq!(w.name(), Some("w1"));
    assert_eq!(w.namespace(), Some("default"));
    assert_eq!(w.uid(), Some("u-1"));
    assert_eq!(w.resource_version(), Some("5"));
    assert_eq!(w.generation(), Some(2));
    assert_eq!(w.labels()["app"], "shop");
    assert_eq!(w.annotations()["a"], "b");
    assert_eq!(w.finalizers(), ["f1"]);
    assert_eq!(w.owner_references()[0].name, "c");
    assert_eq!(
        w.creation_timestamp().unwrap().to_string(),
        "2024-01-02T03:04:05Z"
    );
    assert!(w.deletion_timestamp().is_none());
    assert_eq!(w.generate_name(), None);
    let meta = w.metadata().unwrap();
    assert_eq!(meta.name.as_deref(), Some("w1"));
    assert_eq!(meta.labels["app"], "shop");
    assert_eq!(
        Unstructured::new().metadata().unwrap(),
        ObjectMeta::default()
    );
}

#[test]
fn setters_follow_go() {
    let mut w = Unstructured::with_type("example.com/v1", "Widget");
    w.set_name("w2");
    w.set_namespace("ns");
    w.set_generate_name("w-");
    w.set_uid("u");
    w.set_resource_version("7");
    w.set_label("a", "1");
    w.set_label("b", "2");
    w.set_annotations(&BTreeMap::from([("x".into(), "y".into())]));
    w.set_finalizers(&["f".to_string()]);
    assert_eq!(
        w.clone().into_value(),
        json!({
            "apiVersion": "example.com/v1", "kind": "Widget",
            "metadata": {
                "name": "w2", "namespace": "ns", "generateName": "w-", "uid": "u",
                "resourceVersion": "7", "labels": {"a": "1", "b": "2"},
                "annotations": {"x": "y"}, "finalizers": ["f"]
            }
        })
    );
    // Empty values remove the fields, as Go's setters do.
    w.set_namespace("");
    w.set_labels(&BTreeMap::new());
    w.set_finalizers(&[]);
    assert_eq!(w.namespace(), None);
    assert!(w.labels().is_empty());
    assert!(w.nested_field(&["metadata", "labels"]).unwrap().is_none());
    assert!(w.finalizers().is_empty());
    // A malformed metadata is replaced by a setter rather than left broken.
    let mut broken = Unstructured::from_value(json!({"metadata": 5})).unwrap();
    broken.set_name("fixed");
    assert_eq!(broken.name(), Some("fixed"));
    let mut meta = ObjectMeta::named("m");
    meta.labels.insert("k".into(), "v".into());
    broken.set_metadata(&meta).unwrap();
    assert_eq!(broken.metadata().unwrap(), meta);
}

#[test]
fn nested_helpers_on_the_object() {
    let mut w = widget();
    assert_eq!(w.nested_i64(&["spec", "size"]).unwrap(), Some(3));
    assert_eq!(w.nested_str(&["spec", "color"]).unwrap(), Some("blue"));
    assert_eq!(w.nested_bool(&["spec", "on"]).unwrap(), None);
    assert_eq!(w.nested_f64(&["spec", "size"]).unwrap(), Some(3.0));
    assert_eq!(
        w.nested_string_map(&["metadata", "labels"])
            .unwrap()
            .unwrap()["app"],
        "shop"
    );
    assert_eq!(
        w.nested_string_slice(&["metadata", "finalizers"])
            .unwrap()
            .unwrap(),
        ["f1"]
    );
    assert!(
        w.nested_slice(&["metadata", "finalizers"])
            .unwrap()
            .is_some()
    );
    assert!(w.nested_map(&["spec"]).unwrap().is_some());
    let err = w.nested_i64(&["spec", "color"]).unwrap_err();
    assert_eq!(
        err.to_string(),
        ".spec.color accessor error: value is of the type string, expected int64"
    );
    w.set_nested_field(json!(true), &["status", "ready"])
        .unwrap();
    assert_eq!(w.nested_bool(&["status", "ready"]).unwrap(), Some(true));
    assert_eq!(
        w.remove_nested_field(&["spec", "color"]),
        Some(json!("blue"))
    );
    assert!(
        w.set_nested_field(json!(1), &["spec", "size", "x"])
            .is_err()
    );
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Widget {
    #[serde(flatten)]
    types: TypeMeta,
    metadata: ObjectMeta,
    spec: WidgetSpec,
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct WidgetSpec {
    size: i32,
    color: String,
}

#[test]
fn typed_conversions() {
    let w = widget();
    let typed: Widget = w.to_typed().unwrap();
    assert_eq!(typed.spec.size, 3);
    assert_eq!(typed.types.kind, "Widget");
    let back = Unstructured::from_typed(&typed).unwrap();
    assert_eq!(back.nested_i64(&["spec", "size"]).unwrap(), Some(3));
    assert_eq!(back.name(), Some("w1"));
    let err = Unstructured::new().to_typed::<Widget>().unwrap_err();
    assert!(matches!(err, Error::Convert { .. }), "{err}");
    assert!(std::error::Error::source(&err).is_some());
    assert!(Unstructured::from_typed(&5).is_err());
    assert!(Unstructured::try_from(json!([1])).is_err());
    assert!(serde_json::from_value::<Unstructured>(json!("x")).is_err());
}

#[test]
fn serializes_transparently_and_implements_the_traits() {
    let w = widget();
    let text = serde_json::to_string(&w).unwrap();
    let again: Unstructured = serde_json::from_str(&text).unwrap();
    assert_eq!(again, w);
    let ar = ApiResource::new(&w.group_version_kind().unwrap(), "widgets", true);
    assert_eq!(
        Unstructured::url_path(&ar, Some("default")),
        "/apis/example.com/v1/namespaces/default/widgets"
    );
    assert_eq!(
        <Unstructured as Resource>::api_version(&ar),
        "example.com/v1"
    );
    assert_eq!(<Unstructured as Resource>::kind(&ar), "Widget");
    let fresh = Unstructured::for_resource(&ar);
    assert_eq!(fresh.kind(), Some("Widget"));
    fn key<T: MetaAccessor>(t: &T) -> String {
        t.namespaced_key()
    }
    assert_eq!(key(&w), "default/w1");
    let mut generic = w.clone();
    MetaAccessor::set_resource_version(&mut generic, "9");
    assert_eq!(MetaAccessor::resource_version(&generic), Some("9"));
    assert_eq!(MetaAccessor::labels(&generic)["app"], "shop");
}

#[test]
fn lists_fill_item_types_and_round_trip() {
    let list: UnstructuredList = serde_json::from_value(json!({
        "apiVersion": "v1",
        "kind": "PodList",
        "metadata": {"resourceVersion": "100", "continue": "c1", "remainingItemCount": 4},
        "items": [
            {"metadata": {"name": "a"}},
            {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "b"}}
        ]
    }))
    .unwrap();
    assert_eq!(list.items.len(), 2);
    assert_eq!(list.items[0].kind(), Some("Pod"));
    assert_eq!(list.items[0].api_version(), Some("v1"));
    assert_eq!(list.resource_version(), Some("100"));
    assert_eq!(list.continue_token(), Some("c1"));
    assert_eq!(list.remaining_item_count(), Some(4));
    assert_eq!(
        list.list_meta().unwrap().resource_version.as_deref(),
        Some("100")
    );
    let value = serde_json::to_value(&list).unwrap();
    assert_eq!(value["items"][1]["metadata"]["name"], "b");
    assert_eq!(value["kind"], "PodList");
    let again = UnstructuredList::from_value(value).unwrap();
    assert_eq!(again, list);

    let empty = UnstructuredList::with_type("v1", "PodList");
    assert_eq!(
        serde_json::to_value(&empty).unwrap(),
        json!({"apiVersion": "v1", "kind": "PodList", "items": []})
    );
    let null_items: UnstructuredList =
        serde_json::from_value(json!({"kind": "XList", "items": null})).unwrap();
    assert!(null_items.items.is_empty());
    assert!(UnstructuredList::from_value(json!({"items": {}})).is_err());
    assert!(UnstructuredList::from_value(json!({"items": [1]})).is_err());
    assert!(UnstructuredList::from_value(json!(3)).is_err());

    #[derive(Deserialize, Serialize)]
    struct PodList {
        items: Vec<Unstructured>,
    }
    let typed: PodList = list.to_typed().unwrap();
    assert_eq!(typed.items.len(), 2);
    assert_eq!(UnstructuredList::from_typed(&typed).unwrap().items.len(), 2);
}
