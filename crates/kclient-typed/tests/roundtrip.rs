//! Round trips: realistic objects decode into the generated types and encode back to the same
//! JSON (`null` fields aside, which the API treats as absent).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use kclient_apimachinery::IntOrString;
use kclient_typed::api::apiextensions::v1::{
    CustomResourceDefinition, JSONSchemaPropsOrArray, JSONSchemaPropsOrBool,
    JSONSchemaPropsOrStringArray,
};
use kclient_typed::api::apps::v1::Deployment;
use kclient_typed::api::core::v1::Pod;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// The fixture without `null` members (the API does not tell them from absent ones).
fn without_nulls(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k, without_nulls(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(without_nulls).collect()),
        other => other,
    }
}

/// Decodes `json` as `T`, encodes it again, and checks nothing was lost or added.
fn round_trip<T: Serialize + DeserializeOwned>(json: &str) -> T {
    let original: Value = serde_json::from_str(json).unwrap();
    let typed: T = serde_json::from_str(json).unwrap();
    let again = serde_json::to_value(&typed).unwrap();
    let expected = without_nulls(original);
    if again != expected {
        panic!(
            "round trip changed the object:\nexpected {}\n     got {}",
            serde_json::to_string_pretty(&expected).unwrap(),
            serde_json::to_string_pretty(&again).unwrap()
        );
    }
    typed
}

#[test]
fn deployment_round_trips() {
    let d: Deployment = round_trip(include_str!("fixtures/deployment.json"));
    assert_eq!(d.metadata.name.as_deref(), Some("web"));
    let spec = d.spec.unwrap();
    assert_eq!(spec.replicas, Some(3));
    let rolling = spec.strategy.unwrap().rolling_update.unwrap();
    assert_eq!(rolling.max_surge, Some(IntOrString::String("25%".into())));
    assert_eq!(rolling.max_unavailable, Some(IntOrString::Int(1)));
    let pod = spec.template.spec.unwrap();
    let container = &pod.containers[0];
    let limits = container
        .resources
        .as_ref()
        .unwrap()
        .limits
        .as_ref()
        .unwrap();
    assert_eq!(limits["cpu"].to_string(), "500m");
    let probe = container.liveness_probe.as_ref().unwrap();
    assert_eq!(
        probe.http_get.as_ref().unwrap().port,
        IntOrString::Int(8080)
    );
}

#[test]
fn pod_with_many_volume_types_round_trips() {
    let pod: Pod = round_trip(include_str!("fixtures/pod.json"));
    let volumes = pod.spec.unwrap().volumes.unwrap();
    assert_eq!(volumes.len(), 13);
    assert!(volumes.iter().any(|v| v.csi.is_some()));
    assert!(volumes.iter().any(|v| v.ephemeral.is_some()));
    let status = pod.status.unwrap();
    assert_eq!(status.pod_ips.unwrap().len(), 2);
}

#[test]
fn crd_round_trips_with_its_schema_unions() {
    let crd: CustomResourceDefinition = round_trip(include_str!("fixtures/crd.json"));
    let webhook = crd.spec.conversion.unwrap().webhook.unwrap();
    let ca = webhook.client_config.unwrap().ca_bundle.unwrap();
    assert!(ca.0.starts_with(b"-----BEGIN CERTIFICATE-----"));
    let schema = crd.spec.versions[0]
        .schema
        .clone()
        .unwrap()
        .open_apiv3_schema
        .unwrap();
    let spec = &schema.properties.unwrap()["spec"];
    let props = spec.properties.as_ref().unwrap();
    assert!(matches!(
        props["labels"].additional_properties,
        Some(JSONSchemaPropsOrBool::Schema(_))
    ));
    assert!(matches!(
        props["extra"].additional_properties,
        Some(JSONSchemaPropsOrBool::Bool(false))
    ));
    assert!(matches!(
        props["tags"].items,
        Some(JSONSchemaPropsOrArray::Schema(_))
    ));
    assert!(
        matches!(&props["pairs"].items, Some(JSONSchemaPropsOrArray::Schemas(s)) if s.len() == 2)
    );
    let deps = props["deps"].dependencies.as_ref().unwrap();
    assert!(matches!(&deps["a"], JSONSchemaPropsOrStringArray::Strings(s) if s == &["b", "c"]));
    assert!(matches!(
        &deps["d"],
        JSONSchemaPropsOrStringArray::Schema(_)
    ));
    assert_eq!(props["ratio"].maximum, Some(1.5));
    assert_eq!(props["port"].x_kubernetes_int_or_string, Some(true));
    assert!(props["not"].not.is_some());
}

#[test]
fn unknown_fields_are_ignored_and_required_fields_default() {
    let pod: Pod = serde_json::from_str(
        r#"{"kind":"Pod","apiVersion":"v1","metadata":{"name":"p"},"futureField":{"x":1},
            "spec":{"containers":[{"name":"c","futureKnob":true}]}}"#,
    )
    .unwrap();
    assert_eq!(pod.spec.unwrap().containers[0].name, "c");
    // A watch bookmark carries only metadata; required fields take their defaults.
    let crd: CustomResourceDefinition = serde_json::from_str(
        r#"{"kind":"CustomResourceDefinition","apiVersion":"apiextensions.k8s.io/v1","metadata":{"resourceVersion":"7"}}"#,
    )
    .unwrap();
    assert_eq!(crd.metadata.resource_version.as_deref(), Some("7"));
    assert!(crd.spec.versions.is_empty());
}

#[test]
fn objects_serialize_their_api_version_and_kind() {
    let d = Deployment::default();
    let json = serde_json::to_value(&d).unwrap();
    assert_eq!(json["apiVersion"], "apps/v1");
    assert_eq!(json["kind"], "Deployment");
    assert_eq!(json.as_object().unwrap().len(), 3, "{json}");
}

#[test]
fn the_wrong_kind_fails_with_a_clear_error() {
    let err =
        serde_json::from_str::<Pod>(r#"{"kind":"Status","apiVersion":"v1","status":"Failure"}"#)
            .unwrap_err()
            .to_string();
    assert!(
        err.contains(r#"expected kind "Pod""#) && err.contains(r#"found "Status""#),
        "{err}"
    );
    let err = serde_json::from_str::<Deployment>(r#"{"apiVersion":"extensions/v1beta1"}"#)
        .unwrap_err()
        .to_string();
    assert!(err.contains(r#"expected apiVersion "apps/v1""#), "{err}");
}
