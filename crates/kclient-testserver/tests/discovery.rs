//! Discovery documents compared with what the real v1.36 server answers (the documents in
//! `../shared/kubernetes/v1.36/discovery`, when present beside the workspace).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::path::PathBuf;

use http::{Method, StatusCode};
use http_body_util::BodyExt;
use kclient_testserver::TestServer;
use serde_json::Value;
use support::Client;

#[path = "../../../tests/support/shared_data.rs"]
mod shared_data;

fn discovery_dir() -> Option<PathBuf> {
    shared_data::shared_v136("discovery", "apis.json")
}

fn read(dir: &std::path::Path, name: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join(name)).unwrap()).unwrap()
}

#[tokio::test]
async fn legacy_discovery_matches_the_real_server() {
    // The shared documents were captured from a server with every group/version on.
    let server = TestServer::builder()
        .runtime_config("api/all=true")
        .start()
        .await
        .unwrap();
    let c = Client::admin(&server);
    let (s, api) = c.get("/api").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(api["kind"], "APIVersions");
    assert_eq!(api["versions"], serde_json::json!(["v1"]));
    assert_eq!(
        api["serverAddressByClientCIDRs"][0]["serverAddress"],
        server.addr().to_string()
    );
    let Some(dir) = discovery_dir() else { return };
    assert_eq!(c.get("/apis").await.1, read(&dir, "apis.json"));
    assert_eq!(c.get("/api/v1").await.1, read(&dir, "api__v1.json"));
    let apis = read(&dir, "apis.json");
    for g in apis["groups"].as_array().unwrap() {
        let name = g["name"].as_str().unwrap();
        assert_eq!(
            c.get(&format!("/apis/{name}")).await.1,
            read(&dir, &format!("apis__{name}.json")),
            "group {name}"
        );
        for v in g["versions"].as_array().unwrap() {
            let version = v["version"].as_str().unwrap();
            let file = format!("apis__{name}__{version}.json");
            assert_eq!(
                c.get(&format!("/apis/{name}/{version}")).await.1,
                read(&dir, &file),
                "{file}"
            );
        }
    }
}

#[tokio::test]
async fn aggregated_discovery_is_negotiated() {
    let server = TestServer::builder()
        .runtime_config("api/all=true")
        .start()
        .await
        .unwrap();
    let c = Client::admin(&server);
    let accept =
        "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json";
    let resp = c
        .raw(Method::GET, "/apis", &[("accept", accept)], None)
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(
        resp.headers()["content-type"],
        "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
    );
    let etag = resp.headers()["etag"].to_str().unwrap().to_string();
    let body: Value =
        serde_json::from_slice(&resp.into_body().collect().await.unwrap().to_bytes()).unwrap();
    assert_eq!(body["kind"], "APIGroupDiscoveryList");

    let again = c
        .raw(
            Method::GET,
            "/apis",
            &[("accept", accept), ("if-none-match", &etag)],
            None,
        )
        .await;
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);

    let resp = c
        .raw(Method::GET, "/api", &[("accept", accept)], None)
        .await;
    let core: Value =
        serde_json::from_slice(&resp.into_body().collect().await.unwrap().to_bytes()).unwrap();
    let resources = core["items"][0]["versions"][0]["resources"]
        .as_array()
        .unwrap();
    assert!(
        resources
            .iter()
            .any(|r| r["resource"] == "configmaps" && r["shortNames"][0] == "cm")
    );

    let Some(dir) = discovery_dir() else { return };
    assert_eq!(body, read(&dir, "aggregated_v2.json"));
}
