//! `/openapi/v2` and `/openapi/v3`: the index and its hash URLs, the group/version documents,
//! custom resources' schemas, content negotiation, and `kubectl explain` (skipped without kubectl
//! unless `KCLIENT_REQUIRE_KUBECTL=1`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use http::{Method, StatusCode};
use http_body_util::BodyExt;
use kclient_testserver::TestServer;
use serde_json::{Value, json};
use support::Client;
use support::kubectl::Env;

async fn index(c: &Client) -> Value {
    let (s, index) = c.get("/openapi/v3").await;
    assert_eq!(s, StatusCode::OK, "{index}");
    index
}

fn url<'a>(index: &'a Value, key: &str) -> &'a str {
    index["paths"][key]["serverRelativeURL"]
        .as_str()
        .unwrap_or_else(|| panic!("{key} missing from the index"))
}

#[tokio::test]
async fn the_index_lists_group_versions_with_hash_urls_that_resolve() {
    let server = TestServer::start().await.unwrap();
    let c = Client::admin(&server);
    let index = index(&c).await;
    let core = url(&index, "api/v1");
    assert!(core.starts_with("/openapi/v3/api/v1?hash="), "{core}");
    let apps = url(&index, "apis/apps/v1").to_string();
    assert!(apps.starts_with("/openapi/v3/apis/apps/v1?hash="), "{apps}");

    let resp = c
        .raw(Method::GET, &apps, &[("accept", "application/json")], None)
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let cache = resp.headers()["cache-control"]
        .to_str()
        .unwrap()
        .to_string();
    assert_eq!(cache, "public, immutable");
    let doc: Value =
        serde_json::from_slice(&resp.into_body().collect().await.unwrap().to_bytes()).unwrap();
    assert_eq!(doc["openapi"], "3.0.0");
    let d = &doc["components"]["schemas"]["io.k8s.api.apps.v1.Deployment"];
    assert_eq!(
        d["x-kubernetes-group-version-kind"],
        json!([{"group": "apps", "version": "v1", "kind": "Deployment"}])
    );
    assert!(!d["description"].as_str().unwrap().is_empty());
    let spec = &doc["components"]["schemas"]["io.k8s.api.core.v1.PodSpec"];
    assert_eq!(
        spec["properties"]["containers"]["x-kubernetes-patch-merge-key"],
        "name"
    );

    // Without the hash: the same document, not cacheable forever.
    let resp = c
        .raw(Method::GET, "/openapi/v3/apis/apps/v1", &[], None)
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_ne!(resp.headers()["cache-control"], "public, immutable");
    // A stale hash redirects to the current one.
    let resp = c
        .raw(Method::GET, "/openapi/v3/apis/apps/v1?hash=0", &[], None)
        .await;
    assert_eq!(resp.status(), StatusCode::MOVED_PERMANENTLY);
    assert_eq!(resp.headers()["location"], apps.as_str());
    assert_eq!(
        c.get("/openapi/v3/apis/nope/v1").await.0,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn v2_is_json_and_protobuf_is_not_acceptable() {
    let server = TestServer::start().await.unwrap();
    let c = Client::admin(&server);
    let (s, doc) = c.get("/openapi/v2").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(doc["swagger"], "2.0");
    let pod = &doc["definitions"]["io.k8s.api.core.v1.Pod"];
    assert_eq!(
        pod["properties"]["spec"]["$ref"],
        "#/definitions/io.k8s.api.core.v1.PodSpec"
    );
    let pb = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf";
    let resp = c
        .raw(Method::GET, "/openapi/v2", &[("accept", pb)], None)
        .await;
    assert_eq!(resp.status(), StatusCode::NOT_ACCEPTABLE);
}

fn widget_crd() -> Value {
    json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.example.com"},
        "spec": {"group": "example.com", "scope": "Namespaced",
            "names": {"plural": "widgets", "kind": "Widget"},
            "versions": [{"name": "v1", "served": true, "storage": true,
                "schema": {"openAPIV3Schema": {"type": "object", "properties": {
                    "spec": {"type": "object", "description": "What the widget should be.",
                        "properties": {"size": {"type": "integer", "description": "How big."}}}}}}}]}})
}

#[tokio::test]
async fn custom_resources_get_a_document_with_their_schema() {
    let server = TestServer::start().await.unwrap();
    let c = Client::admin(&server);
    let crds = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";
    let (s, body) = c.post(crds, widget_crd()).await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    let index = index(&c).await;
    let (s, doc) = c.get(url(&index, "apis/example.com/v1")).await;
    assert_eq!(s, StatusCode::OK);
    let w = &doc["components"]["schemas"]["com.example.v1.Widget"];
    assert_eq!(w["x-kubernetes-group-version-kind"][0]["kind"], "Widget");
    assert_eq!(
        w["properties"]["spec"]["properties"]["size"]["type"],
        "integer"
    );
    let meta = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta";
    assert!(doc["components"]["schemas"].get(meta).is_some());
}

#[tokio::test]
async fn kubectl_explain_reads_the_schemas() {
    let Some(env) = Env::start().await else {
        return;
    };
    let out = env.run(&["explain", "pod.spec.containers"]).await;
    assert!(out.contains("FIELD: containers <[]Container>"), "{out}");
    assert!(out.contains("DESCRIPTION:"), "{out}");
    assert!(
        out.contains("List of containers belonging to the pod"),
        "{out}"
    );
    let out = env.run(&["explain", "deployment.spec.replicas"]).await;
    assert!(out.contains("FIELD: replicas <integer>"), "{out}");
    assert!(out.contains("GROUP:      apps"), "{out}");
}

#[tokio::test]
async fn kubectl_explain_reads_a_custom_resource() {
    let Some(env) = Env::start().await else {
        return;
    };
    env.run_with(&["apply", "-f", "-"], &widget_crd().to_string())
        .await;
    let out = env.run(&["explain", "widgets.spec"]).await;
    assert!(out.contains("What the widget should be."), "{out}");
    assert!(out.contains("size\t<integer>"), "{out}");
}

#[tokio::test]
async fn kubectl_apply_validates_without_flags() {
    let Some(env) = Env::start().await else {
        return;
    };
    let dep = json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {"selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "web", "image": "nginx"}]}}}});
    let out = env.run_with(&["apply", "-f", "-"], &dep.to_string()).await;
    assert!(out.contains("deployment.apps/web created"), "{out}");
    let out = env.run_with(&["apply", "-f", "-"], &dep.to_string()).await;
    assert!(out.contains("deployment.apps/web unchanged"), "{out}");
}
