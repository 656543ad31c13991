//! The OpenAPI calls of `DiscoveryClient` against a server (the embedded test server, or the
//! cluster of `KCLIENT_TEST_KUBECONFIG`): the v3 index, one document through it, and v2.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use kclient_apimachinery::GroupVersion;
use kclient_discovery::DiscoveryClient;
use serde_json::Value;
use support::Target;

#[tokio::test]
async fn openapi_v3_index_and_documents() {
    let target = Target::start().await;
    let d = DiscoveryClient::for_config(&target.config).unwrap();

    let root = d.openapi_v3_root().await.unwrap();
    let gvs = root.group_versions();
    assert!(gvs.contains(&GroupVersion::new("", "v1")), "{gvs:?}");
    assert!(gvs.contains(&GroupVersion::new("apps", "v1")), "{gvs:?}");
    let apps = &root.paths["apis/apps/v1"];
    assert!(
        apps.server_relative_url.contains("?hash="),
        "{}",
        apps.server_relative_url
    );

    let doc: Value = serde_json::from_slice(&d.openapi_v3_document(apps).await.unwrap()).unwrap();
    let deployment = &doc["components"]["schemas"]["io.k8s.api.apps.v1.Deployment"];
    assert_eq!(
        deployment["x-kubernetes-group-version-kind"][0]["kind"],
        "Deployment"
    );

    let core = d
        .openapi_v3_for_group_version(&GroupVersion::new("", "v1"))
        .await
        .unwrap();
    let core: Value = serde_json::from_slice(&core).unwrap();
    assert!(core["components"]["schemas"]["io.k8s.api.core.v1.Pod"].is_object());

    let v2: Value = serde_json::from_slice(&d.openapi_v2().await.unwrap()).unwrap();
    assert!(v2["definitions"]["io.k8s.api.core.v1.Pod"].is_object());
}
