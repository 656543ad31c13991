//! The generated kinds' type information: plural, scope, group and version from the spec.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use kclient_apimachinery::meta::ObjectMeta;
use kclient_apimachinery::resource::{HasObjectMeta, MetaAccessor, Resource, StaticResource};
use kclient_typed::TypeInfo;
use kclient_typed::api::apps::v1::{Deployment, DeploymentList};
use kclient_typed::api::core::v1::{Binding, Namespace, Node, Pod, PodList};
use kclient_typed::api::rbac::v1::ClusterRole;
use kclient_typed::client::verbs::ObjectList;

fn info<K: StaticResource>() -> (&'static str, &'static str, &'static str, &'static str, bool) {
    (K::GROUP, K::VERSION, K::KIND, K::PLURAL, K::NAMESPACED)
}

#[test]
fn resources_know_their_plural_and_scope() {
    assert_eq!(info::<Pod>(), ("", "v1", "Pod", "pods", true));
    assert_eq!(info::<Node>(), ("", "v1", "Node", "nodes", false));
    assert_eq!(
        info::<Namespace>(),
        ("", "v1", "Namespace", "namespaces", false)
    );
    assert_eq!(
        info::<Deployment>(),
        ("apps", "v1", "Deployment", "deployments", true)
    );
    assert_eq!(
        info::<ClusterRole>(),
        (
            "rbac.authorization.k8s.io",
            "v1",
            "ClusterRole",
            "clusterroles",
            false
        )
    );
    assert_eq!(info::<Binding>().3, "bindings");
    assert_eq!(
        Deployment::url_path(&(), Some("shop")),
        "/apis/apps/v1/namespaces/shop/deployments"
    );
    assert_eq!(Node::url_path(&(), None), "/api/v1/nodes");
}

#[test]
fn kinds_and_lists_know_their_api_version() {
    assert_eq!(Pod::API_VERSION, "v1");
    assert_eq!(PodList::KIND, "PodList");
    assert_eq!(Deployment::API_VERSION, "apps/v1");
    assert_eq!(DeploymentList::API_VERSION, "apps/v1");
}

#[test]
fn objects_expose_their_metadata() {
    let mut pod = Pod {
        metadata: ObjectMeta::namespaced("ns", "web"),
        ..Pod::default()
    };
    assert_eq!(pod.namespaced_key(), "ns/web");
    pod.meta_mut().name = Some("api".into());
    assert_eq!(pod.name(), Some("api"));
    let list: PodList = serde_json::from_str(
        r#"{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"42"},
            "items":[{"metadata":{"name":"a"}},{"metadata":{"name":"b"}}]}"#,
    )
    .unwrap();
    assert_eq!(list.list_meta().resource_version.as_deref(), Some("42"));
    assert_eq!(list.items().len(), 2);
    let names: Vec<_> = list
        .into_items()
        .into_iter()
        .filter_map(|p| p.metadata.name)
        .collect();
    assert_eq!(names, ["a", "b"]);
}
