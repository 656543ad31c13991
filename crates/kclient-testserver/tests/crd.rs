//! CustomResourceDefinitions over HTTP and with kubectl: establishment, discovery, CRUD of custom
//! objects at every served version, schema pruning and validation, status and scale
//! subresources, and deletion of the CRD taking its objects along.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use http::StatusCode;
use kclient_testserver::TestServer;
use serde_json::{Value, json};
use support::Client;
use support::kubectl::Env;

const CRDS: &str = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";
const WIDGETS: &str = "/apis/example.com/v1/namespaces/default/widgets";

fn crd() -> Value {
    let schema = json!({"type": "object", "properties": {
        "spec": {"type": "object", "required": ["size"], "properties": {
            "size": {"type": "integer", "minimum": 0},
            "replicas": {"type": "integer"},
            "color": {"type": "string", "enum": ["red", "green"]},
            "extra": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}},
        "status": {"type": "object", "properties": {
            "replicas": {"type": "integer"}, "phase": {"type": "string"}}}}});
    json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.example.com"},
        "spec": {"group": "example.com", "scope": "Namespaced",
            "names": {"plural": "widgets", "kind": "Widget", "shortNames": ["wd"], "categories": ["all"]},
            "versions": [
                {"name": "v1", "served": true, "storage": true, "schema": {"openAPIV3Schema": schema},
                 "subresources": {"status": {}, "scale": {"specReplicasPath": ".spec.replicas", "statusReplicasPath": ".status.replicas"}},
                 "additionalPrinterColumns": [
                    {"name": "Size", "type": "integer", "jsonPath": ".spec.size"},
                    {"name": "Color", "type": "string", "jsonPath": ".spec.color", "priority": 1},
                    {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}]},
                {"name": "v1beta1", "served": true, "storage": false, "schema": {"openAPIV3Schema": schema}}]}})
}

async fn with_crd() -> (TestServer, Client) {
    let server = TestServer::start().await.unwrap();
    let c = Client::admin(&server);
    let (s, body) = c.post(CRDS, crd()).await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    (server, c)
}

#[tokio::test]
async fn a_crd_is_established_and_discoverable() {
    let (_server, c) = with_crd().await;
    let (s, got) = c.get(&format!("{CRDS}/widgets.example.com")).await;
    assert_eq!(s, StatusCode::OK);
    let conds = got["status"]["conditions"].as_array().unwrap();
    for t in ["NamesAccepted", "Established"] {
        assert!(
            conds
                .iter()
                .any(|c| c["type"] == t && c["status"] == "True"),
            "{got}"
        );
    }
    assert_eq!(got["status"]["acceptedNames"]["kind"], "Widget");
    assert_eq!(got["status"]["acceptedNames"]["singular"], "widget");
    assert_eq!(got["status"]["storedVersions"], json!(["v1"]));

    let (_, groups) = c.get("/apis").await;
    let g = groups["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["name"] == "example.com")
        .unwrap();
    assert_eq!(g["preferredVersion"]["version"], "v1");
    assert_eq!(g["versions"].as_array().unwrap().len(), 2);
    let (s, list) = c.get("/apis/example.com/v1").await;
    assert_eq!(s, StatusCode::OK);
    let names: Vec<&str> = list["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["widgets", "widgets/scale", "widgets/status"]);
    let w = &list["resources"][0];
    assert_eq!(w["singularName"], "widget");
    assert_eq!(w["shortNames"], json!(["wd"]));
    assert_eq!(w["categories"], json!(["all"]));
    assert_eq!(w["namespaced"], true);
    assert_eq!(list["resources"][1]["group"], "autoscaling");

    let (_, ct, agg) = c
        .send(http::Method::GET, "/apis", "application/json", None)
        .await;
    assert!(ct.starts_with("application/json"));
    assert!(agg.is_object());
    let resp = c
        .raw(
            http::Method::GET,
            "/apis",
            &[(
                "accept",
                "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList",
            )],
            None,
        )
        .await;
    let bytes = http_body_util::BodyExt::collect(resp.into_body())
        .await
        .unwrap()
        .to_bytes();
    let agg: Value = serde_json::from_slice(&bytes).unwrap();
    let item = agg["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["metadata"]["name"] == "example.com")
        .unwrap();
    let r = &item["versions"][0]["resources"][0];
    assert_eq!(r["resource"], "widgets");
    assert_eq!(
        r["responseKind"],
        json!({"group": "example.com", "version": "v1", "kind": "Widget"})
    );
    assert_eq!(r["scope"], "Namespaced");
    assert_eq!(r["subresources"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn custom_objects_get_crud_at_every_served_version() {
    let (_server, c) = with_crd().await;
    let w = json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "a"},
        "spec": {"size": 1, "unknown": true, "extra": {"kept": 1}}, "status": {"phase": "x"}});
    let (s, created) = c.post(WIDGETS, w).await;
    assert_eq!(s, StatusCode::CREATED, "{created}");
    assert_eq!(
        created["spec"],
        json!({"size": 1, "extra": {"kept": 1}}),
        "unknown fields pruned"
    );
    assert!(created.get("status").is_none(), "status ignored on create");
    assert_eq!(created["metadata"]["generation"], 1);
    let (s, other) = c
        .get("/apis/example.com/v1beta1/namespaces/default/widgets/a")
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(other["apiVersion"], "example.com/v1beta1");
    assert_eq!(other["metadata"]["uid"], created["metadata"]["uid"]);
    let (s, st) = c
        .post(
            WIDGETS,
            json!({"apiVersion": "example.com/v1beta1", "kind": "Widget", "metadata": {"name": "z"}, "spec": {"size": 1}}),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(
        st["message"],
        "the API version in the data (example.com/v1beta1) does not match the expected API version (example.com/v1)"
    );
    let (s, list) = c.get(WIDGETS).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(list["kind"], "WidgetList");
    assert_eq!(list["items"].as_array().unwrap().len(), 1);

    let (s, patched) = c
        .patch(
            &format!("{WIDGETS}/a"),
            "application/merge-patch+json",
            json!({"spec": {"size": 2}, "status": {"phase": "y"}}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{patched}");
    assert_eq!(patched["spec"]["size"], 2);
    assert!(patched.get("status").is_none());
    assert_eq!(patched["metadata"]["generation"], 2);
    let (s, st) = c
        .patch(
            &format!("{WIDGETS}/a/status"),
            "application/merge-patch+json",
            json!({"spec": {"size": 9}, "status": {"phase": "Ready", "replicas": 3}}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{st}");
    assert_eq!(st["status"]["phase"], "Ready");
    assert_eq!(st["spec"]["size"], 2);
    assert_eq!(st["metadata"]["generation"], 2);

    let (s, scale) = c.get(&format!("{WIDGETS}/a/scale")).await;
    assert_eq!(s, StatusCode::OK, "{scale}");
    assert_eq!(scale["kind"], "Scale");
    assert_eq!(scale["status"]["replicas"], 3);
    let (s, scale) = c
        .patch(
            &format!("{WIDGETS}/a/scale"),
            "application/merge-patch+json",
            json!({"spec": {"replicas": 5}}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{scale}");
    assert_eq!(scale["spec"]["replicas"], 5);
    let (_, obj) = c.get(&format!("{WIDGETS}/a")).await;
    assert_eq!(obj["spec"]["replicas"], 5);

    let (s, _) = c.delete(&format!("{WIDGETS}/a"), None).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = c.get(&format!("{WIDGETS}/a")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_schema_is_enforced_with_the_real_messages() {
    let (_server, c) = with_crd().await;
    let bad = json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "b"},
        "spec": {"size": "big", "color": "blue"}});
    let (s, st) = c.post(WIDGETS, bad).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{st}");
    assert_eq!(st["reason"], "Invalid");
    assert_eq!(
        st["message"],
        "Widget.example.com \"b\" is invalid: [spec.color: Unsupported value: \"blue\": supported values: \"red\", \"green\", spec.size: Invalid value: \"string\": spec.size in body must be of type integer: \"string\"]"
    );
    let (s, st) = c
        .post(WIDGETS, json!({"metadata": {"name": "c"}, "spec": {}}))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        st["message"],
        "Widget.example.com \"c\" is invalid: spec.size: Required value"
    );
}

#[tokio::test]
async fn deleting_the_crd_removes_its_api_and_objects() {
    let (_server, c) = with_crd().await;
    let (s, _) = c
        .post(
            WIDGETS,
            json!({"metadata": {"name": "a"}, "spec": {"size": 1}}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, _) = c.delete(&format!("{CRDS}/widgets.example.com"), None).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = c.get(WIDGETS).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = c.get("/apis/example.com/v1").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (_, groups) = c.get("/apis").await;
    assert!(!groups.to_string().contains("example.com"));
    // Re-creating the CRD serves an empty collection: the objects went with it.
    let (s, _) = c.post(CRDS, crd()).await;
    assert_eq!(s, StatusCode::CREATED);
    let (_, list) = c.get(WIDGETS).await;
    assert_eq!(list["items"], json!([]));
}

#[tokio::test]
async fn kubectl_applies_a_crd_and_lists_custom_objects() {
    let Some(env) = Env::start().await else {
        return;
    };
    let crd_yaml = serde_json::to_string(&crd()).unwrap();
    env.run_with(&["apply", "--validate=false", "-f", "-"], &crd_yaml)
        .await;
    let out = env.run(&["api-resources"]).await;
    let line = out
        .lines()
        .find(|l| l.starts_with("widgets"))
        .unwrap_or_else(|| panic!("{out}"));
    assert!(
        line.contains("wd") && line.contains("example.com/v1") && line.contains("Widget"),
        "{line}"
    );
    let w = json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w1"}, "spec": {"size": 3}});
    env.run_with(&["apply", "--validate=false", "-f", "-"], &w.to_string())
        .await;
    let out = env.run(&["get", "widgets"]).await;
    let header: Vec<&str> = out.lines().next().unwrap().split_whitespace().collect();
    assert_eq!(header, ["NAME", "SIZE", "AGE"], "{out}");
    let row: Vec<&str> = out.lines().nth(1).unwrap().split_whitespace().collect();
    assert_eq!(&row[..2], ["w1", "3"], "{out}");
    let wide = env.run(&["get", "widgets", "-o", "wide"]).await;
    assert!(wide.lines().next().unwrap().contains("COLOR"), "{wide}");
    let out = env
        .run(&["get", "wd", "w1", "-o", "jsonpath={.spec.size}"])
        .await;
    assert_eq!(out, "3");
    env.run(&["scale", "widget/w1", "--replicas=4"]).await;
    let out = env
        .run(&["get", "wd", "w1", "-o", "jsonpath={.spec.replicas}"])
        .await;
    assert_eq!(out, "4");
    env.run(&["delete", "crd", "widgets.example.com"]).await;
    let (ok, _, _) = env.try_run(&["get", "widgets"], None).await;
    assert!(!ok);
}
