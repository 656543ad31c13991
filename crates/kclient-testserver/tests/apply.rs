//! Strategic merge patch and server-side apply over HTTP and with kubectl.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use http::StatusCode;
use kclient_testserver::TestServer;
use serde_json::{Value, json};
use support::Client;
use support::kubectl::Env;

const DEPS: &str = "/apis/apps/v1/namespaces/default/deployments";
const APPLY: &str = "application/apply-patch+yaml";

fn deployment(replicas: i64) -> Value {
    json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": "d"}},
            "template": {"metadata": {"labels": {"app": "d"}},
                "spec": {"containers": [{"name": "a", "image": "a:1"}]}}}})
}

#[tokio::test]
async fn strategic_merge_patch_merges_containers_by_name() {
    let server = TestServer::start().await.unwrap();
    let c = Client::admin(&server);
    let (s, _) = c.post(DEPS, deployment(1)).await;
    assert_eq!(s, StatusCode::CREATED);
    let patch = json!({"spec": {"template": {"spec": {"containers": [{"name": "b", "image": "b:1"}, {"name": "a", "image": "a:2"}]}}}});
    let (s, got) = c
        .patch(
            &format!("{DEPS}/d"),
            "application/strategic-merge-patch+json",
            patch,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{got}");
    let cs: Vec<(&str, &str)> = got["spec"]["template"]["spec"]["containers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["name"].as_str().unwrap(), c["image"].as_str().unwrap()))
        .collect();
    assert_eq!(cs, [("a", "a:2"), ("b", "b:1")]);
    let (s, scale) = c
        .patch(
            &format!("{DEPS}/d/scale"),
            "application/merge-patch+json",
            json!({"spec": {"replicas": 3}}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{scale}");
    assert_eq!(scale["status"]["selector"], "app=d");
    let (_, got) = c.get(&format!("{DEPS}/d")).await;
    assert_eq!(got["spec"]["replicas"], 3);
}

#[tokio::test]
async fn server_side_apply_tracks_owners_and_reports_conflicts() {
    let server = TestServer::start().await.unwrap();
    let c = Client::admin(&server);
    let (s, st) = c.patch(&format!("{DEPS}/d"), APPLY, deployment(1)).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        st["message"],
        "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch"
    );
    let (s, got) = c
        .patch(
            &format!("{DEPS}/d?fieldManager=alice"),
            APPLY,
            deployment(1),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{got}");
    let mf = &got["metadata"]["managedFields"][0];
    assert_eq!(mf["manager"], "alice");
    assert_eq!(mf["operation"], "Apply");
    assert_eq!(mf["fieldsV1"]["f:spec"]["f:replicas"], json!({}));
    // Same value from another manager: shared ownership, no conflict.
    let (s, got) = c
        .patch(&format!("{DEPS}/d?fieldManager=bob"), APPLY, deployment(1))
        .await;
    assert_eq!(s, StatusCode::OK, "{got}");
    assert_eq!(
        got["metadata"]["managedFields"].as_array().unwrap().len(),
        2
    );
    let (s, st) = c
        .patch(&format!("{DEPS}/d?fieldManager=bob"), APPLY, deployment(5))
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{st}");
    assert_eq!(
        st["message"],
        "Apply failed with 1 conflict: conflict with \"alice\": .spec.replicas"
    );
    assert_eq!(st["details"]["causes"][0]["field"], ".spec.replicas");
    let (s, got) = c
        .patch(
            &format!("{DEPS}/d?fieldManager=bob&force=true"),
            APPLY,
            deployment(5),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{got}");
    assert_eq!(got["spec"]["replicas"], 5);
    // An update by another manager takes the field; alice's next apply conflicts with it.
    let (s, _) = c
        .patch(
            &format!("{DEPS}/d?fieldManager=carol"),
            "application/merge-patch+json",
            json!({"spec": {"replicas": 7}}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let yaml =
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\nspec:\n  replicas: 2\n";
    let (s, _, st) = c
        .send(
            http::Method::PATCH,
            &format!("{DEPS}/d?fieldManager=alice"),
            APPLY,
            None,
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{st}");
    let resp = c
        .raw(
            http::Method::PATCH,
            &format!("{DEPS}/d?fieldManager=alice"),
            &[("content-type", APPLY)],
            Some(yaml.as_bytes().to_vec()),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::CONFLICT);
    let bytes = http_body_util::BodyExt::collect(resp.into_body())
        .await
        .unwrap()
        .to_bytes();
    let st: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(
        st["message"],
        "Apply failed with 1 conflict: conflict with \"carol\" using apps/v1: .spec.replicas"
    );
}

#[tokio::test]
async fn kubectl_patch_label_scale_and_server_side_apply() {
    let Some(env) = Env::start().await else {
        return;
    };
    let dep = deployment(1).to_string();
    env.run_with(
        &["apply", "--server-side", "--validate=false", "-f", "-"],
        &dep,
    )
    .await;
    env.run(&[
        "patch",
        "deployment",
        "d",
        "--type",
        "strategic",
        "-p",
        r#"{"spec":{"template":{"spec":{"containers":[{"name":"b","image":"b:1"}]}}}}"#,
    ])
    .await;
    env.run(&["label", "deployment", "d", "tier=web"]).await;
    env.run(&["annotate", "deployment", "d", "note=hi"]).await;
    env.run(&["scale", "deployment", "d", "--replicas=4"]).await;
    let out = env.run(&["get", "deployment", "d", "-o", "json"]).await;
    let got: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        got["spec"]["template"]["spec"]["containers"]
            .as_array()
            .unwrap()
            .len(),
        2,
        "{got}"
    );
    assert_eq!(got["metadata"]["labels"]["tier"], "web");
    assert_eq!(got["metadata"]["annotations"]["note"], "hi");
    assert_eq!(got["spec"]["replicas"], 4);
    // Re-applying the old replica count conflicts with kubectl scale's ownership.
    let (ok, _, err) = env
        .try_run(
            &["apply", "--server-side", "--validate=false", "-f", "-"],
            Some(&dep),
        )
        .await;
    assert!(!ok);
    assert!(err.contains("conflict"), "{err}");
    env.run_with(
        &[
            "apply",
            "--server-side",
            "--force-conflicts",
            "--validate=false",
            "-f",
            "-",
        ],
        &dep,
    )
    .await;
    let out = env
        .run(&["get", "deployment", "d", "-o", "jsonpath={.spec.replicas}"])
        .await;
    assert_eq!(out, "1");
}

#[tokio::test]
async fn server_side_apply_removes_fields_the_manager_stops_applying() {
    let server = TestServer::start().await.unwrap();
    let c = Client::admin(&server);
    let mut first = deployment(1);
    first["metadata"]["labels"] = json!({"a": "1", "b": "2"});
    first["spec"]["template"]["spec"]["containers"] =
        json!([{"name": "a", "image": "a:1"}, {"name": "b", "image": "b:1"}]);
    let (s, _) = c
        .patch(&format!("{DEPS}/d?fieldManager=alice"), APPLY, first)
        .await;
    assert_eq!(s, StatusCode::CREATED);
    // Another manager co-owns label b: it stays.
    let (s, _) = c
        .patch(
            &format!("{DEPS}/d?fieldManager=bob"),
            APPLY,
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d", "labels": {"b": "2"}}}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let mut second = deployment(1);
    second["metadata"]["labels"] = json!({"a": "1"});
    let (s, got) = c
        .patch(&format!("{DEPS}/d?fieldManager=alice"), APPLY, second)
        .await;
    assert_eq!(s, StatusCode::OK, "{got}");
    assert_eq!(got["metadata"]["labels"], json!({"a": "1", "b": "2"}));
    let names: Vec<&str> = got["spec"]["template"]["spec"]["containers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["a"], "container b was only alice's");
    let (s, got) = c
        .patch(
            &format!("{DEPS}/d?fieldManager=bob"),
            APPLY,
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(got["metadata"]["labels"]["a"], "1");
    let (_, now) = c.get(&format!("{DEPS}/d")).await;
    assert_eq!(
        now["metadata"]["labels"],
        json!({"a": "1"}),
        "b had no owner left"
    );
}
