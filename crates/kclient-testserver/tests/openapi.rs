//! `/openapi/v2` and `/openapi/v3`: the index and its hash URLs, the group/version documents
//! and their paths (every discovered verb has its operation; built-in and custom resources),
//! custom resources' schemas, content negotiation, and `kubectl explain` and `apply` validation
//! (skipped without kubectl unless `KCLIENT_REQUIRE_KUBECTL=1`).
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

fn names(params: &Value) -> Vec<&str> {
    params
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| p["name"].as_str())
        .collect()
}

fn json_ref(response: &Value) -> &str {
    response["content"]["application/json"]["schema"]["$ref"]
        .as_str()
        .unwrap_or_default()
}

#[tokio::test]
async fn group_version_documents_carry_the_paths_of_their_resources() {
    let server = TestServer::start().await.unwrap();
    let c = Client::admin(&server);
    let index = index(&c).await;
    let (_, core) = c.get(url(&index, "api/v1")).await;
    let paths = &core["paths"];
    // The collection: parameters every operation shares are on the path.
    let pods = &paths["/api/v1/namespaces/{namespace}/pods"];
    assert_eq!(names(&pods["parameters"]), ["namespace", "pretty"]);
    assert_eq!(pods["get"]["operationId"], "listCoreV1NamespacedPod");
    assert_eq!(pods["get"]["x-kubernetes-action"], "list");
    assert!(json_ref(&pods["get"]["responses"]["200"]).ends_with("core.v1.PodList"));
    assert!(names(&pods["get"]["parameters"]).contains(&"labelSelector"));
    assert_eq!(pods["delete"]["x-kubernetes-action"], "deletecollection");
    assert_eq!(
        pods["post"]["x-kubernetes-group-version-kind"],
        json!({"group": "", "kind": "Pod", "version": "v1"})
    );
    assert_eq!(pods["post"]["requestBody"]["required"], true);
    // The object, the all-namespaces list and the deprecated watch paths.
    let pod = &paths["/api/v1/namespaces/{namespace}/pods/{name}"];
    assert_eq!(pod["patch"]["operationId"], "patchCoreV1NamespacedPod");
    assert!(names(&pod["patch"]["parameters"]).contains(&"fieldValidation"));
    assert!(json_ref(&pod["delete"]["responses"]["200"]).ends_with("core.v1.Pod"));
    let all = &paths["/api/v1/pods"]["get"];
    assert_eq!(all["operationId"], "listCoreV1PodForAllNamespaces");
    let watch = &paths["/api/v1/watch/namespaces/{namespace}/pods/{name}"]["get"];
    assert_eq!(watch["x-kubernetes-action"], "watch");
    // Subresources: logs are text with their own parameters, exec is a connect, eviction
    // sends a policy/v1 Eviction; cluster-scoped nodes have no namespace.
    let log = &paths["/api/v1/namespaces/{namespace}/pods/{name}/log"];
    let text = &log["get"]["responses"]["200"]["content"]["text/plain"]["schema"];
    assert_eq!(text["type"], "string");
    assert!(names(&log["parameters"]).contains(&"tailLines"));
    let exec = &paths["/api/v1/namespaces/{namespace}/pods/{name}/exec"];
    assert_eq!(exec["post"]["x-kubernetes-action"], "connect");
    assert_eq!(
        exec["get"]["x-kubernetes-group-version-kind"]["kind"],
        "PodExecOptions"
    );
    let evict = &paths["/api/v1/namespaces/{namespace}/pods/{name}/eviction"]["post"];
    let body = &evict["requestBody"]["content"]["*/*"]["schema"]["$ref"];
    assert!(
        body.as_str().unwrap().ends_with("policy.v1.Eviction"),
        "{body}"
    );
    assert_eq!(evict["x-kubernetes-group-version-kind"]["group"], "policy");
    assert_eq!(
        paths["/api/v1/nodes/{name}/proxy/{path}"]["head"]["x-kubernetes-action"],
        "connect"
    );
    assert_eq!(
        names(&paths["/api/v1/nodes/{name}"]["parameters"]),
        ["name", "pretty"]
    );
    // Scale answers with autoscaling/v1; every reference resolves in the document.
    let (_, apps) = c.get(url(&index, "apis/apps/v1")).await;
    let scale = &apps["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale"];
    assert!(json_ref(&scale["get"]["responses"]["200"]).ends_with("autoscaling.v1.Scale"));
    for doc in [&core, &apps] {
        let text = doc.to_string();
        for r in text.split("\"$ref\":\"#/components/schemas/").skip(1) {
            let name = &r[..r.find('"').unwrap()];
            assert!(doc["components"]["schemas"].get(name).is_some(), "{name}");
        }
    }
}

/// The path and method of the operation a discovery verb needs.
fn operation_for(prefix: &str, r: &Value, verb: &str) -> Option<(String, &'static str)> {
    let name = r["name"].as_str().unwrap();
    let scope = if r["namespaced"] == true {
        format!("{prefix}/namespaces/{{namespace}}/{name}")
    } else {
        format!("{prefix}/{name}")
    };
    let watch = scope.replacen(prefix, &format!("{prefix}/watch"), 1);
    Some(match verb {
        "list" => (scope, "get"),
        "create" => (scope, "post"),
        "deletecollection" => (scope, "delete"),
        "get" => (format!("{scope}/{{name}}"), "get"),
        "update" => (format!("{scope}/{{name}}"), "put"),
        "patch" => (format!("{scope}/{{name}}"), "patch"),
        "delete" => (format!("{scope}/{{name}}"), "delete"),
        "watch" => (format!("{watch}/{{name}}"), "get"),
        _ => return None,
    })
}

#[tokio::test]
async fn every_discovered_verb_has_an_operation() {
    let server = TestServer::start().await.unwrap();
    let c = Client::admin(&server);
    let index = index(&c).await;
    let mut checked = 0;
    for key in index["paths"].as_object().unwrap().keys() {
        let gv = key.split('/').count() == 2 && key.starts_with("api/")
            || key.split('/').count() == 3 && key.starts_with("apis/");
        if !gv {
            continue;
        }
        let prefix = format!("/{key}");
        let (_, list) = c.get(&prefix).await;
        let (_, doc) = c.get(url(&index, key)).await;
        for r in list["resources"].as_array().unwrap() {
            let name = r["name"].as_str().unwrap();
            if let Some((parent, sub)) = name.split_once('/') {
                let parent = list["resources"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|p| p["name"] == parent)
                    .unwrap();
                let (item, _) = operation_for(&prefix, parent, "get").unwrap();
                assert!(
                    doc["paths"].get(format!("{item}/{sub}")).is_some(),
                    "{key} {name}"
                );
                continue;
            }
            for verb in r["verbs"].as_array().unwrap() {
                let Some((path, method)) = operation_for(&prefix, r, verb.as_str().unwrap()) else {
                    continue;
                };
                let op = &doc["paths"][&path][method];
                assert_eq!(
                    op["x-kubernetes-group-version-kind"]["kind"], r["kind"],
                    "{method} {path}"
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 400, "only {checked} operations checked");
}

#[tokio::test]
async fn custom_resources_get_the_paths_of_the_crd_handler() {
    let server = TestServer::start().await.unwrap();
    let c = Client::admin(&server);
    let mut crd = widget_crd();
    crd["spec"]["versions"][0]["subresources"] = json!({"status": {},
        "scale": {"specReplicasPath": ".spec.size", "statusReplicasPath": ".status.size"}});
    let crds = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";
    let (s, body) = c.post(crds, crd).await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    let index = index(&c).await;
    let (_, doc) = c.get(url(&index, "apis/example.com/v1")).await;
    let paths = &doc["paths"];
    let widgets = &paths["/apis/example.com/v1/namespaces/{namespace}/widgets"];
    assert_eq!(
        widgets["get"]["operationId"],
        "listExampleComV1NamespacedWidget"
    );
    let list = json_ref(&widgets["get"]["responses"]["200"]);
    assert_eq!(list, "#/components/schemas/com.example.v1.WidgetList");
    let schema = &doc["components"]["schemas"]["com.example.v1.WidgetList"];
    assert_eq!(
        schema["properties"]["items"]["items"]["$ref"],
        "#/components/schemas/com.example.v1.Widget"
    );
    let widget = &paths["/apis/example.com/v1/namespaces/{namespace}/widgets/{name}"];
    let patch_types: Vec<&String> = widget["patch"]["requestBody"]["content"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    assert!(
        !patch_types.iter().any(|t| t.contains("strategic")),
        "{patch_types:?}"
    );
    assert!(json_ref(&widget["delete"]["responses"]["200"]).ends_with("meta.v1.Status"));
    let status = &paths["/apis/example.com/v1/namespaces/{namespace}/widgets/{name}/status"];
    assert_eq!(
        status["put"]["operationId"],
        "replaceExampleComV1NamespacedWidgetStatus"
    );
    let scale = &paths["/apis/example.com/v1/namespaces/{namespace}/widgets/{name}/scale"];
    assert!(json_ref(&scale["get"]["responses"]["200"]).ends_with("autoscaling.v1.Scale"));
    assert!(paths["/apis/example.com/v1/widgets"]["get"].is_object());
    assert!(
        paths
            .as_object()
            .unwrap()
            .keys()
            .all(|p| !p.contains("/watch/"))
    );
}

#[tokio::test]
async fn v2_carries_the_paths_with_shared_parameters() {
    let server = TestServer::start().await.unwrap();
    let c = Client::admin(&server);
    let (s, v2) = c.get("/openapi/v2").await;
    assert_eq!(s, StatusCode::OK);
    let resolve = |p: &Value| match p["$ref"].as_str() {
        Some(r) => v2["parameters"][r.strip_prefix("#/parameters/").unwrap()].clone(),
        None => p.clone(),
    };
    let pods = &v2["paths"]["/api/v1/namespaces/{namespace}/pods"];
    let body = resolve(&pods["post"]["parameters"][0]);
    assert_eq!(body["in"], "body");
    assert_eq!(
        body["schema"]["$ref"],
        "#/definitions/io.k8s.api.core.v1.Pod"
    );
    assert_eq!(pods["post"]["consumes"], json!(["*/*"]));
    assert!(pods["parameters"][0]["$ref"].is_string(), "{pods}");
    assert_eq!(resolve(&pods["parameters"][0])["name"], "namespace");
    assert!(v2["paths"]["/apis/apps/"]["get"].is_object());
}

#[tokio::test]
async fn kubectl_apply_of_a_custom_resource_is_validated_against_its_schema() {
    let Some(env) = Env::start().await else {
        return;
    };
    env.run_with(&["apply", "-f", "-"], &widget_crd().to_string())
        .await;
    let widget = json!({"apiVersion": "example.com/v1", "kind": "Widget",
        "metadata": {"name": "w", "namespace": "default"},
        "spec": {"size": 2, "colour": "red"}});
    let (ok, out, err) = env
        .try_run(
            &["apply", "--validate=strict", "-f", "-"],
            Some(&widget.to_string()),
        )
        .await;
    assert!(!ok, "{out}");
    assert!(err.contains("unknown field \"spec.colour\""), "{err}");
}

/// `kubectl explain` of a field whose schema carries `enum` shows the values, as for a real
/// server's documents. (The built-in model is generated from the shared v1.36 documents, which
/// carry no `enum` for built-in fields; the renderer serves one whenever the model has it.)
#[tokio::test]
async fn kubectl_explain_shows_enums() {
    let Some(env) = Env::start().await else {
        return;
    };
    let mut crd = widget_crd();
    crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]["properties"]["color"] =
        json!({"type": "string", "enum": ["red", "blue"], "description": "The colour."});
    env.run_with(&["apply", "-f", "-"], &crd.to_string()).await;
    let out = env.run(&["explain", "widgets.spec.color"]).await;
    assert!(out.contains("FIELD: color <string>"), "{out}");
    assert!(out.contains("ENUM:"), "{out}");
    assert!(out.contains("    red") && out.contains("    blue"), "{out}");
}
