//! Server-side field validation (`fieldValidation=Strict|Warn|Ignore`) of built-in kinds and
//! custom resources on create, update and patch.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use http::{Method, StatusCode};
use http_body_util::BodyExt;
use kclient_testserver::TestServer;
use serde_json::{Value, json};
use support::Client;

const CMS: &str = "/api/v1/namespaces/default/configmaps";

/// Sends a JSON request; returns status, `Warning` headers and body.
async fn send(
    c: &Client,
    method: Method,
    path: &str,
    ct: &str,
    body: &Value,
) -> (StatusCode, Vec<String>, Value) {
    let resp = c
        .raw(
            method,
            path,
            &[("content-type", ct)],
            Some(serde_json::to_vec(body).unwrap()),
        )
        .await;
    let status = resp.status();
    let warnings = resp
        .headers()
        .get_all("warning")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    (status, warnings, serde_json::from_slice(&bytes).unwrap())
}

fn cm(name: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "bogus": 1},
        "data": {"a": "b"}, "spec": {"foo": 1}})
}

#[tokio::test]
async fn builtin_kinds_strict_warn_ignore() {
    let server = TestServer::start().await.unwrap();
    let c = Client::admin(&server);
    let ct = "application/json";

    let (s, _, body) = send(
        &c,
        Method::POST,
        &format!("{CMS}?fieldValidation=Strict"),
        ct,
        &cm("a"),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["reason"], "BadRequest");
    assert_eq!(
        body["message"],
        "ConfigMap in version \"v1\" cannot be handled as a ConfigMap: strict decoding error: unknown field \"metadata.bogus\", unknown field \"spec\""
    );
    assert_eq!(c.get(&format!("{CMS}/a")).await.0, StatusCode::NOT_FOUND);

    // Warn is the default: accepted, one Warning per field, unknown fields dropped.
    let (s, warnings, body) = send(&c, Method::POST, CMS, ct, &cm("a")).await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    assert_eq!(
        warnings,
        vec![
            r#"299 - "unknown field \"metadata.bogus\"""#.to_string(),
            r#"299 - "unknown field \"spec\"""#.to_string(),
        ]
    );
    assert!(body.get("spec").is_none() && body["metadata"].get("bogus").is_none());
    let (_, stored) = c.get(&format!("{CMS}/a")).await;
    assert!(stored.get("spec").is_none());
    assert_eq!(stored["data"]["a"], "b");

    let (s, warnings, _) = send(
        &c,
        Method::POST,
        &format!("{CMS}?fieldValidation=Ignore"),
        ct,
        &cm("b"),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    assert!(warnings.is_empty());

    // Nested fields in lists are named by index.
    let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
        "spec": {"containers": [{"name": "c", "image": "x", "colour": "red"}]}});
    let (s, _, body) = send(
        &c,
        Method::POST,
        "/api/v1/namespaces/default/pods?fieldValidation=Strict",
        ct,
        &pod,
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["message"],
        "Pod in version \"v1\" cannot be handled as a Pod: strict decoding error: unknown field \"spec.containers[0].colour\""
    );

    // Update and patch.
    let mut upd = cm("a");
    upd["metadata"].as_object_mut().unwrap().remove("bogus");
    let (s, _, body) = send(
        &c,
        Method::PUT,
        &format!("{CMS}/a?fieldValidation=Strict"),
        ct,
        &upd,
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["message"],
        "ConfigMap in version \"v1\" cannot be handled as a ConfigMap: strict decoding error: unknown field \"spec\""
    );
    let (s, warnings, _) = send(&c, Method::PUT, &format!("{CMS}/a"), ct, &upd).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        warnings,
        vec![r#"299 - "unknown field \"spec\"""#.to_string()]
    );
    let patch = json!({"data": {"c": "d"}, "extra": true});
    let (s, _, body) = send(
        &c,
        Method::PATCH,
        &format!("{CMS}/a?fieldValidation=Strict"),
        "application/merge-patch+json",
        &patch,
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["message"],
        "strict decoding error: unknown field \"extra\""
    );
    let (s, warnings, body) = send(
        &c,
        Method::PATCH,
        &format!("{CMS}/a"),
        "application/strategic-merge-patch+json",
        &patch,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        warnings,
        vec![r#"299 - "unknown field \"extra\"""#.to_string()]
    );
    assert_eq!(body["data"]["c"], "d");
    assert!(body.get("extra").is_none());
}

#[tokio::test]
async fn custom_resources_strict_and_warn() {
    let server = TestServer::start().await.unwrap();
    let c = Client::admin(&server);
    let crd = json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": "gadgets.example.com"},
        "spec": {"group": "example.com", "scope": "Namespaced",
            "names": {"plural": "gadgets", "kind": "Gadget"},
            "versions": [{"name": "v1", "served": true, "storage": true, "schema": {"openAPIV3Schema":
                {"type": "object", "properties": {"spec": {"type": "object", "properties": {
                    "size": {"type": "integer"},
                    "free": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}}}}}}]}});
    let (s, _) = c
        .post(
            "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
            crd,
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let path = "/apis/example.com/v1/namespaces/default/gadgets";
    let g = json!({"apiVersion": "example.com/v1", "kind": "Gadget", "metadata": {"name": "g"},
        "spec": {"size": 1, "foo": 2, "free": {"any": 1}}});
    let (s, _, body) = send(
        &c,
        Method::POST,
        &format!("{path}?fieldValidation=Strict"),
        "application/json",
        &g,
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(
        body["message"],
        "Gadget in version \"v1\" cannot be handled as a Gadget: strict decoding error: unknown field \"spec.foo\""
    );
    let (s, warnings, body) = send(&c, Method::POST, path, "application/json", &g).await;
    assert_eq!(s, StatusCode::CREATED);
    assert_eq!(
        warnings,
        vec![r#"299 - "unknown field \"spec.foo\"""#.to_string()]
    );
    assert!(body["spec"].get("foo").is_none());
    assert_eq!(body["spec"]["free"]["any"], 1);
}
