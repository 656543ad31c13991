//! Black-box tests of `RestClient` construction against a local server: host path prefixes,
//! clients sharing one `HttpClient`, unversioned clients and absolute paths.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod client_support;

use client_support::{TestServer, json};
use kclient_apimachinery::GroupVersion;
use kclient_config::Serializer;
use kclient_rest::{HttpClient, RestClient};

#[tokio::test]
async fn a_host_path_is_a_prefix_of_every_request() {
    let server =
        TestServer::start(|_| async { json(200, &serde_json::json!({"items": []})) }).await;
    let mut config = server.config();
    config.host = format!("http://{}/k8s/clusters/c-1/", server.addr);
    let client = RestClient::for_config(&config).unwrap();
    client.get().resource("nodes").bytes().await.unwrap();
    client.get().abs_path("/version").bytes().await.unwrap();
    let uris: Vec<_> = server.seen().into_iter().map(|s| s.uri).collect();
    assert_eq!(
        uris,
        [
            "/k8s/clusters/c-1/api/v1/nodes",
            "/k8s/clusters/c-1/version"
        ]
    );
}

#[tokio::test]
async fn clients_of_several_groups_share_one_http_client() {
    let server = TestServer::start(|_| async { json(200, &serde_json::json!({})) }).await;
    let config = server.config();
    let http = HttpClient::for_config(&config).unwrap();

    let core = RestClient::for_config_and_client(&config, http.clone()).unwrap();
    let mut apps_config = config.clone();
    apps_config.api_path = String::new(); // defaults to /apis for a named group
    apps_config.content.group_version = Some(GroupVersion::new("apps", "v1"));
    let apps = RestClient::for_config_and_client(&apps_config, http).unwrap();

    core.get()
        .namespace("ns")
        .resource("configmaps")
        .bytes()
        .await
        .unwrap();
    apps.get()
        .namespace("ns")
        .resource("Deployments")
        .name("d")
        .bytes()
        .await
        .unwrap();
    let uris: Vec<_> = server.seen().into_iter().map(|s| s.uri).collect();
    assert_eq!(
        uris,
        [
            "/api/v1/namespaces/ns/configmaps",
            "/apis/apps/v1/namespaces/ns/deployments/d"
        ]
    );
}

#[tokio::test]
async fn unversioned_clients_reach_root_paths() {
    let server =
        TestServer::start(|_| async { json(200, &serde_json::json!({"gitVersion": "v1.36.0"})) })
            .await;
    let mut config = server.config();
    config.api_path = String::new();
    config.content.group_version = None;
    config.content.serializer = Some(Serializer::Json);
    let client = RestClient::unversioned_for_config(&config).unwrap();
    let version: serde_json::Value = client.get().abs_path("/version").object().await.unwrap();
    assert_eq!(version["gitVersion"], "v1.36.0");
    assert_eq!(server.seen()[0].uri, "/version");
}
