//! The requests `ResourceClient` sends (method, path, query, headers, body), checked against a
//! recording fake transport.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::{Arc, Mutex};

use bytes::Bytes;
use futures_util::StreamExt;
use http_body_util::{BodyExt, Full};
use kclient_apimachinery::options::{
    CreateOptions, DeleteOptions, GetOptions, ListOptions, PatchOptions, PatchType, UpdateOptions,
};
use kclient_apimachinery::{GroupVersionResource, Unstructured, WatchEvent};
use kclient_config::Config;
use kclient_rest::{HttpClient, RequestBody};

use crate::{ApplyOptions, DynamicClient};

#[derive(Debug, Clone)]
struct Seen {
    method: String,
    path_and_query: String,
    accept: String,
    content_type: String,
    body: String,
}

/// A transport that records requests and answers every one with `reply`.
fn fake(reply: &'static str) -> (DynamicClient, Arc<Mutex<Vec<Seen>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    let http = HttpClient::from_service(tower::service_fn(
        move |request: http::Request<RequestBody>| {
            let record = record.clone();
            async move {
                let (parts, body) = request.into_parts();
                let body = body.collect().await.unwrap().to_bytes();
                let header = |name| {
                    parts
                        .headers
                        .get(name)
                        .map(|v: &http::HeaderValue| v.to_str().unwrap().to_string())
                        .unwrap_or_default()
                };
                record.lock().unwrap().push(Seen {
                    method: parts.method.to_string(),
                    path_and_query: parts.uri.path_and_query().unwrap().to_string(),
                    accept: header(http::header::ACCEPT),
                    content_type: header(http::header::CONTENT_TYPE),
                    body: String::from_utf8(body.to_vec()).unwrap(),
                });
                let body = Full::new(Bytes::from_static(reply.as_bytes()))
                    .map_err(|never| match never {})
                    .boxed_unsync();
                Ok::<_, kclient_rest::Error>(
                    http::Response::builder()
                        .status(200)
                        .header("content-type", "application/json")
                        .body(body)
                        .unwrap(),
                )
            }
        },
    ));
    let client = DynamicClient::for_config_and_client(&Config::new("http://fake"), http).unwrap();
    (client, seen)
}

const CM: &str =
    r#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","namespace":"ns"}}"#;

fn configmaps() -> GroupVersionResource {
    GroupVersionResource::new("", "v1", "configmaps")
}

fn cm() -> Unstructured {
    serde_json::from_str(CM).unwrap()
}

fn last(seen: &Arc<Mutex<Vec<Seen>>>) -> Seen {
    seen.lock().unwrap().last().unwrap().clone()
}

#[tokio::test]
async fn read_paths() {
    let (client, seen) = fake(CM);
    let deployments = GroupVersionResource::new("apps", "v1", "deployments");
    client
        .resource(&deployments)
        .namespace("ns")
        .get("d", &GetOptions::default().resource_version("5"))
        .await
        .unwrap();
    let s = last(&seen);
    assert_eq!(s.method, "GET");
    assert_eq!(
        s.path_and_query,
        "/apis/apps/v1/namespaces/ns/deployments/d?resourceVersion=5"
    );
    assert_eq!(s.accept, "application/json");

    let nodes = GroupVersionResource::new("", "v1", "nodes");
    let got = client
        .resource(&nodes)
        .get("n1", &GetOptions::default())
        .await
        .unwrap();
    assert_eq!(got.name(), Some("c"));
    assert_eq!(last(&seen).path_and_query, "/api/v1/nodes/n1");

    // An empty namespace means all namespaces.
    let (client, seen) = fake(
        r#"{"apiVersion":"v1","kind":"ConfigMapList","metadata":{"resourceVersion":"9"},"items":[]}"#,
    );
    let list = client
        .resource(&configmaps())
        .namespace("")
        .list(&ListOptions::default().label_selector("a=b").limit(2))
        .await
        .unwrap();
    assert_eq!(list.resource_version(), Some("9"));
    assert_eq!(
        last(&seen).path_and_query,
        "/api/v1/configmaps?labelSelector=a%3Db&limit=2"
    );
}

#[tokio::test]
async fn write_paths_and_bodies() {
    let (client, seen) = fake(CM);
    let cms = client.resource(&configmaps()).namespace("ns");
    cms.create(&cm(), &CreateOptions::default().field_manager("me"))
        .await
        .unwrap();
    let s = last(&seen);
    assert_eq!(
        (s.method.as_str(), s.path_and_query.as_str()),
        ("POST", "/api/v1/namespaces/ns/configmaps?fieldManager=me")
    );
    assert_eq!(s.content_type, "application/json");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&s.body).unwrap(),
        serde_json::from_str::<serde_json::Value>(CM).unwrap()
    );

    cms.update(&cm(), &UpdateOptions::default()).await.unwrap();
    let s = last(&seen);
    assert_eq!(
        (s.method.as_str(), s.path_and_query.as_str()),
        ("PUT", "/api/v1/namespaces/ns/configmaps/c")
    );
    cms.update_status(&cm(), &UpdateOptions::default())
        .await
        .unwrap();
    assert_eq!(
        last(&seen).path_and_query,
        "/api/v1/namespaces/ns/configmaps/c/status"
    );

    cms.delete("c", &DeleteOptions::background()).await.unwrap();
    let s = last(&seen);
    assert_eq!(
        (s.method.as_str(), s.path_and_query.as_str()),
        ("DELETE", "/api/v1/namespaces/ns/configmaps/c")
    );
    assert_eq!(
        s.body,
        r#"{"kind":"DeleteOptions","apiVersion":"v1","propagationPolicy":"Background"}"#
    );
    cms.delete_collection(
        &DeleteOptions::default(),
        &ListOptions::default().label_selector("x"),
    )
    .await
    .unwrap();
    let s = last(&seen);
    assert_eq!(
        (s.method.as_str(), s.path_and_query.as_str()),
        ("DELETE", "/api/v1/namespaces/ns/configmaps?labelSelector=x")
    );
}

#[tokio::test]
async fn patches_and_apply() {
    let (client, seen) = fake(CM);
    let cms = client.resource(&configmaps()).namespace("ns");
    for (pt, content_type) in [
        (PatchType::Merge, "application/merge-patch+json"),
        (PatchType::Json, "application/json-patch+json"),
        (
            PatchType::Strategic,
            "application/strategic-merge-patch+json",
        ),
    ] {
        cms.patch(
            "c",
            pt,
            &serde_json::json!({"data": {"k": "v"}}),
            &PatchOptions::default(),
        )
        .await
        .unwrap();
        let s = last(&seen);
        assert_eq!(s.method, "PATCH");
        assert_eq!(s.content_type, content_type);
        assert_eq!(s.body, r#"{"data":{"k":"v"}}"#);
    }

    cms.apply("c", &cm(), &ApplyOptions::new("kclient").force())
        .await
        .unwrap();
    let s = last(&seen);
    assert_eq!(s.content_type, "application/apply-patch+yaml");
    assert_eq!(
        s.path_and_query,
        "/api/v1/namespaces/ns/configmaps/c?fieldManager=kclient&force=true"
    );
    cms.apply_status("c", &cm(), &ApplyOptions::new("kclient"))
        .await
        .unwrap();
    assert_eq!(
        last(&seen).path_and_query,
        "/api/v1/namespaces/ns/configmaps/c/status?fieldManager=kclient"
    );

    let requests = seen.lock().unwrap().len();
    let mut managed = cm();
    managed
        .set_nested_field(
            serde_json::json!([{"manager": "x"}]),
            &["metadata", "managedFields"],
        )
        .unwrap();
    let err = cms
        .apply("c", &managed, &ApplyOptions::new("kclient"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("managed fields"), "{err}");
    let err = cms
        .apply("c", &cm(), &ApplyOptions::default())
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("field manager is required"),
        "{err}"
    );
    let err = cms.get("", &GetOptions::default()).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid get request for configmaps.v1.: name is required"
    );
    let err = cms
        .update(&Unstructured::new(), &UpdateOptions::default())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("no metadata.name"), "{err}");
    assert_eq!(seen.lock().unwrap().len(), requests, "nothing was sent");
}

#[tokio::test]
async fn watch_events() {
    let (client, seen) = fake(
        "{\"type\":\"ADDED\",\"object\":{\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"a\"}}}\n\
         {\"type\":\"DELETED\",\"object\":{\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"a\"}}}\n",
    );
    let events: Vec<_> = client
        .resource(&configmaps())
        .namespace("ns")
        .watch(&ListOptions::default().resource_version("3"))
        .await
        .unwrap()
        .collect()
        .await;
    assert_eq!(
        last(&seen).path_and_query,
        "/api/v1/namespaces/ns/configmaps?resourceVersion=3&watch=true"
    );
    assert!(matches!(&events[0], Ok(WatchEvent::Added(o)) if o.name() == Some("a")));
    assert!(matches!(&events[1], Ok(WatchEvent::Deleted(_))));
    assert_eq!(events.len(), 2);
}
