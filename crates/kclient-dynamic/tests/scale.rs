//! The scale client (client-go's `scale`) on deployments, against the embedded test server or
//! the cluster of `KCLIENT_TEST_KUBECONFIG`. Custom resources are covered in
//! `custom_resources.rs`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../../kclient-discovery/tests/support/mod.rs"]
mod support;

use kclient_apimachinery::options::{CreateOptions, DeleteOptions, PatchType};
use kclient_apimachinery::{GroupResource, GroupVersionResource, Unstructured};
use kclient_dynamic::{DynamicClient, ScaleClient};
use serde_json::json;
use support::Target;

#[tokio::test]
async fn deployment_scale_get_update_and_patch() {
    let target = Target::start().await;
    let client = DynamicClient::for_config(&target.config).unwrap();
    let ns = if target.real_cluster {
        let name = target.unique("kclient-scale");
        let mut ns = Unstructured::with_type("v1", "Namespace");
        ns.set_name(&name);
        client
            .resource(&GroupVersionResource::new("", "v1", "namespaces"))
            .create(&ns, &CreateOptions::default())
            .await
            .unwrap();
        name
    } else {
        "default".to_string()
    };
    let deployments = GroupVersionResource::new("apps", "v1", "deployments");
    let name = target.unique("web");
    let deployment: Unstructured = serde_json::from_value(json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "namespace": ns},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "c", "image": "registry.k8s.io/pause:3.10"}]}
            }
        }
    }))
    .unwrap();
    client
        .resource(&deployments)
        .namespace(&ns)
        .create(&deployment, &CreateOptions::default())
        .await
        .unwrap();

    let scales = ScaleClient::new(client.clone()).scales(&ns);
    let resource = GroupResource::new("apps", "deployments");
    let scale = scales.get(&resource, &name).await.unwrap();
    assert_eq!(scale.kind, "Scale");
    assert_eq!(scale.api_version, "autoscaling/v1");
    assert_eq!(scale.metadata.name.as_deref(), Some(name.as_str()));
    assert_eq!(scale.spec.replicas, Some(2));
    assert_eq!(scale.status.selector.as_deref(), Some("app=web"));

    let mut wanted = scale.clone();
    wanted.spec.replicas = Some(5);
    let updated = scales.update(&resource, &wanted).await.unwrap();
    assert_eq!(updated.spec.replicas, Some(5));
    let object = client
        .resource(&deployments)
        .namespace(&ns)
        .get(&name, &Default::default())
        .await
        .unwrap();
    assert_eq!(
        object.nested_field(&["spec", "replicas"]).unwrap(),
        Some(&json!(5))
    );
    // A stale resourceVersion is a conflict, as for any update.
    assert!(
        scales
            .update(&resource, &wanted)
            .await
            .unwrap_err()
            .is_conflict()
    );

    let patched = scales
        .patch(
            &deployments,
            &name,
            PatchType::Merge,
            &json!({"spec": {"replicas": 1}}),
        )
        .await
        .unwrap();
    assert_eq!(patched.spec.replicas, Some(1));

    // Unknown resources and objects are clear errors.
    let err = scales
        .get(&GroupResource::new("apps", "nosuchthings"), &name)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("nosuchthings"), "{err}");
    assert!(
        scales
            .get(&resource, "missing")
            .await
            .unwrap_err()
            .is_not_found()
    );

    client
        .resource(&deployments)
        .namespace(&ns)
        .delete(&name, &DeleteOptions::default())
        .await
        .unwrap();
    if target.real_cluster {
        let _ = client
            .resource(&GroupVersionResource::new("", "v1", "namespaces"))
            .delete(&ns, &DeleteOptions::default())
            .await;
    }
}
