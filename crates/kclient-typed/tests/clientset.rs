//! The clientset against a local HTTP server: each verb's method, URL, headers and body, and
//! the decoding of each answer.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use futures_util::{StreamExt, TryStreamExt};
use kclient_apimachinery::WatchEvent;
use kclient_apimachinery::meta::ObjectMeta;
use kclient_apimachinery::options::{
    CreateOptions, DeleteOptions, GetOptions, ListOptions, PatchOptions, PatchType, UpdateOptions,
};
use kclient_typed::api::apps::v1::Deployment;
use kclient_typed::api::authentication::v1::{TokenRequest, TokenRequestSpec};
use kclient_typed::api::core::v1::{ConfigMap, PodLogOptions};
use kclient_typed::api::policy::v1::Eviction;
use kclient_typed::{Deleted, Error};
use serde_json::json;
use support::{Answer, TestServer};

const JSON: &str = "application/json";

fn ok(body: serde_json::Value) -> Answer {
    (200, JSON, body.to_string())
}

fn pod(name: &str) -> serde_json::Value {
    json!({"kind": "Pod", "apiVersion": "v1", "metadata": {"name": name, "namespace": "default"}})
}

#[tokio::test]
async fn get_and_list_build_the_client_go_urls() {
    let server = TestServer::start(|seen| match seen.uri.as_str() {
        "/api/v1/namespaces/default/pods/web?resourceVersion=5" => ok(pod("web")),
        "/api/v1/pods?limit=2" => ok(json!({"kind": "PodList", "apiVersion": "v1",
            "metadata": {"continue": "next"}, "items": [pod("a"), pod("b")]})),
        "/api/v1/nodes/n1" => {
            ok(json!({"kind": "Node", "apiVersion": "v1", "metadata": {"name": "n1"}}))
        }
        "/apis/apps/v1/namespaces/shop/deployments?labelSelector=app%3Dweb" => ok(json!({
            "kind": "DeploymentList", "apiVersion": "apps/v1", "metadata": {}, "items": []})),
        _ => (
            404,
            JSON,
            json!({"kind": "Status", "apiVersion": "v1", "status": "Failure",
            "reason": "NotFound", "code": 404, "message": "not here"})
            .to_string(),
        ),
    })
    .await;
    let cs = server.clientset();
    let core = cs.core_v1();

    let p = core
        .pods("default")
        .get("web", &GetOptions::default().resource_version("5"))
        .await
        .unwrap();
    assert_eq!(p.metadata.name.as_deref(), Some("web"));
    assert_eq!(server.last().method, http::Method::GET);

    let list = core
        .pods("")
        .list(&ListOptions::default().limit(2))
        .await
        .unwrap();
    assert_eq!(list.items.len(), 2);
    assert_eq!(list.metadata.continue_.as_deref(), Some("next"));

    let node = core
        .nodes()
        .get("n1", &GetOptions::default())
        .await
        .unwrap();
    assert_eq!(node.metadata.name.as_deref(), Some("n1"));

    let deployments = cs.apps_v1().deployments("shop");
    let list = deployments
        .list(&ListOptions::default().label_selector("app=web"))
        .await
        .unwrap();
    assert!(list.items.is_empty());

    let err = core
        .pods("default")
        .get("missing", &GetOptions::default())
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err}");
    // A named call with the empty namespace is refused before anything is sent.
    let before = server.seen().len();
    assert!(
        core.pods("")
            .get("web", &GetOptions::default())
            .await
            .is_err()
    );
    assert_eq!(server.seen().len(), before);
}

#[tokio::test]
async fn create_update_and_delete() {
    let server = TestServer::start(|seen| match (seen.method.as_str(), seen.uri.as_str()) {
        ("POST", "/api/v1/namespaces/default/configmaps?fieldManager=me") => {
            (201, JSON, seen.json().to_string())
        }
        ("PUT", "/api/v1/namespaces/default/configmaps/cfg") => ok(seen.json()),
        ("DELETE", "/api/v1/namespaces/default/configmaps/cfg") => ok(json!({"kind": "Status",
            "apiVersion": "v1", "status": "Success"})),
        ("DELETE", "/api/v1/namespaces/default/pods/web") => ok(pod("web")),
        ("DELETE", "/api/v1/namespaces/default/configmaps?labelSelector=tmp") => ok(json!({
            "kind": "ConfigMapList", "apiVersion": "v1", "metadata": {}, "items": []})),
        _ => (
            500,
            "text/plain",
            format!("unexpected {} {}", seen.method, seen.uri),
        ),
    })
    .await;
    let cs = server.clientset();
    let config_maps = cs.core_v1().config_maps("default");
    let cm = ConfigMap {
        metadata: ObjectMeta::named("cfg"),
        data: Some([("k".to_string(), "v".to_string())].into()),
        ..ConfigMap::default()
    };

    let created = config_maps
        .create(&cm, &CreateOptions::default().field_manager("me"))
        .await
        .unwrap();
    assert_eq!(created, cm);
    let sent = server.last();
    assert_eq!(sent.content_type(), JSON);
    assert_eq!(
        sent.json(),
        json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "cfg"}, "data": {"k": "v"}})
    );

    config_maps
        .update(&cm, &UpdateOptions::default())
        .await
        .unwrap();
    assert_eq!(server.last().method, http::Method::PUT);
    let nameless = ConfigMap::default();
    let err = config_maps
        .update(&nameless, &UpdateOptions::default())
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::MissingName {
                kind: "ConfigMap",
                operation: "update"
            }
        ),
        "{err}"
    );

    let deleted = config_maps
        .delete("cfg", &DeleteOptions::background())
        .await
        .unwrap();
    assert!(matches!(deleted, Deleted::Status(s) if s.status.as_deref() == Some("Success")));
    let body = server.last().json();
    assert_eq!(body["kind"], "DeleteOptions");
    assert_eq!(body["propagationPolicy"], "Background");

    let pending = cs
        .core_v1()
        .pods("default")
        .delete("web", &DeleteOptions::default())
        .await
        .unwrap();
    assert!(matches!(pending, Deleted::Object(p) if p.metadata.name.as_deref() == Some("web")));

    let all = config_maps
        .delete_collection(
            &DeleteOptions::default(),
            &ListOptions::default().label_selector("tmp"),
        )
        .await
        .unwrap();
    assert!(matches!(all, Deleted::Object(list) if list.items.is_empty()));
}

#[tokio::test]
async fn patch_apply_status_and_scale() {
    let deployment =
        json!({"kind": "Deployment", "apiVersion": "apps/v1", "metadata": {"name": "web"}});
    let scale = json!({"kind": "Scale", "apiVersion": "autoscaling/v1", "metadata": {"name": "web"},
        "spec": {"replicas": 4}});
    let server = TestServer::start(move |seen| {
        let path = seen.uri.split('?').next().unwrap();
        if path.ends_with("/scale") {
            ok(scale.clone())
        } else {
            ok(deployment.clone())
        }
    })
    .await;
    let cs = server.clientset();
    let deployments = cs.apps_v1().deployments("shop");

    deployments
        .patch(
            "web",
            PatchType::Merge,
            &json!({"spec": {"replicas": 2}}),
            &PatchOptions::default(),
        )
        .await
        .unwrap();
    let sent = server.last();
    assert_eq!(sent.method, http::Method::PATCH);
    assert_eq!(sent.uri, "/apis/apps/v1/namespaces/shop/deployments/web");
    assert_eq!(sent.content_type(), "application/merge-patch+json");
    assert_eq!(sent.json(), json!({"spec": {"replicas": 2}}));

    let config = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
        "spec": {"replicas": 3}});
    deployments
        .apply("web", &config, &PatchOptions::apply("me").force())
        .await
        .unwrap();
    let sent = server.last();
    assert_eq!(
        sent.uri,
        "/apis/apps/v1/namespaces/shop/deployments/web?fieldManager=me&force=true"
    );
    assert_eq!(sent.content_type(), "application/apply-patch+yaml");
    let err = deployments
        .apply("web", &config, &PatchOptions::default())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::MissingFieldManager { .. }), "{err}");

    let d: Deployment = deployments
        .get_status("web", &GetOptions::default())
        .await
        .unwrap();
    assert_eq!(
        server.last().uri,
        "/apis/apps/v1/namespaces/shop/deployments/web/status"
    );
    deployments
        .update_status(&d, &UpdateOptions::default())
        .await
        .unwrap();
    let sent = server.last();
    assert_eq!(
        (sent.method.as_str(), sent.uri.as_str()),
        (
            "PUT",
            "/apis/apps/v1/namespaces/shop/deployments/web/status"
        )
    );
    deployments
        .apply_status("web", &config, &PatchOptions::apply("me"))
        .await
        .unwrap();
    assert_eq!(
        server.last().uri,
        "/apis/apps/v1/namespaces/shop/deployments/web/status?fieldManager=me"
    );

    let mut s = deployments
        .get_scale("web", &GetOptions::default())
        .await
        .unwrap();
    assert_eq!(s.spec.as_ref().unwrap().replicas, Some(4));
    s.spec.as_mut().unwrap().replicas = Some(5);
    deployments
        .update_scale("web", &s, &UpdateOptions::default())
        .await
        .unwrap();
    let sent = server.last();
    assert_eq!(
        (sent.method.as_str(), sent.uri.as_str()),
        ("PUT", "/apis/apps/v1/namespaces/shop/deployments/web/scale")
    );
    assert_eq!(sent.json()["spec"]["replicas"], 5);
    assert_eq!(sent.json()["kind"], "Scale");
}

#[tokio::test]
async fn watch_streams_typed_events() {
    let events = [
        json!({"type": "ADDED", "object": pod("a")}),
        json!({"type": "MODIFIED", "object": pod("a")}),
        json!({"type": "BOOKMARK", "object": {"kind": "Pod", "apiVersion": "v1", "metadata": {"resourceVersion": "9"}}}),
        json!({"type": "ERROR", "object": {"kind": "Status", "apiVersion": "v1", "code": 410, "reason": "Expired"}}),
    ]
    .map(|e| e.to_string())
    .join("\n");
    let server = TestServer::start(move |_| (200, JSON, events.clone())).await;
    let cs = server.clientset();
    let stream = cs
        .core_v1()
        .pods("default")
        .watch(
            &ListOptions::default()
                .resource_version("5")
                .allow_watch_bookmarks(),
        )
        .await
        .unwrap();
    let got: Vec<WatchEvent<_>> = stream.try_collect().await.unwrap();
    assert_eq!(
        server.last().uri,
        "/api/v1/namespaces/default/pods?allowWatchBookmarks=true&resourceVersion=5&watch=true"
    );
    assert_eq!(got.len(), 4);
    assert!(matches!(&got[0], WatchEvent::Added(p) if p.metadata.name.as_deref() == Some("a")));
    assert!(
        matches!(&got[2], WatchEvent::Bookmark(p) if p.metadata.resource_version.as_deref() == Some("9"))
    );
    assert!(matches!(&got[3], WatchEvent::Error(s) if s.code == Some(410)));
}

#[tokio::test]
async fn logs_eviction_and_token_subresources() {
    let server = TestServer::start(|seen| match (seen.method.as_str(), seen.uri.split('?').next().unwrap()) {
        ("GET", "/api/v1/namespaces/default/pods/web/log") => (200, "text/plain", "line 1\nline 2\n".into()),
        ("POST", "/api/v1/namespaces/default/pods/web/eviction") => (201, JSON,
            json!({"kind": "Status", "apiVersion": "v1", "status": "Success"}).to_string()),
        ("POST", "/api/v1/namespaces/default/serviceaccounts/builder/token") => (201, JSON, json!({
            "kind": "TokenRequest", "apiVersion": "authentication.k8s.io/v1", "metadata": {},
            "spec": {"audiences": ["vault"]}, "status": {"token": "t0ken", "expirationTimestamp": "2030-01-01T00:00:00Z"}}).to_string()),
        _ => (500, "text/plain", format!("unexpected {} {}", seen.method, seen.uri)),
    })
    .await;
    let cs = server.clientset();
    let pods = cs.core_v1().pods("default");

    let options = PodLogOptions {
        container: Some("app".into()),
        follow: Some(true),
        tail_lines: Some(10),
        since_seconds: Some(60),
        ..PodLogOptions::default()
    };
    let chunks: Vec<_> = pods.logs("web", &options).await.unwrap().collect().await;
    let text: Vec<u8> = chunks
        .into_iter()
        .flat_map(|c| c.unwrap().to_vec())
        .collect();
    assert_eq!(text, b"line 1\nline 2\n");
    assert_eq!(
        server.last().uri,
        "/api/v1/namespaces/default/pods/web/log?container=app&follow=true&sinceSeconds=60&tailLines=10"
    );

    let eviction = Eviction {
        metadata: ObjectMeta::namespaced("default", "web"),
        delete_options: Some(DeleteOptions::default().grace_period_seconds(0)),
        ..Eviction::default()
    };
    let status = pods
        .evict("web", &eviction, &CreateOptions::default())
        .await
        .unwrap();
    assert_eq!(status.status.as_deref(), Some("Success"));
    let sent = server.last().json();
    assert_eq!(sent["kind"], "Eviction");
    assert_eq!(sent["apiVersion"], "policy/v1");
    assert_eq!(sent["deleteOptions"]["gracePeriodSeconds"], 0);

    let request = TokenRequest {
        spec: Some(TokenRequestSpec {
            audiences: Some(vec!["vault".into()]),
            ..TokenRequestSpec::default()
        }),
        ..TokenRequest::default()
    };
    let token = cs
        .core_v1()
        .service_accounts("default")
        .create_token("builder", &request, &CreateOptions::default())
        .await
        .unwrap();
    assert_eq!(token.status.unwrap().token.as_deref(), Some("t0ken"));
    assert_eq!(server.last().json()["spec"]["audiences"], json!(["vault"]));
}
