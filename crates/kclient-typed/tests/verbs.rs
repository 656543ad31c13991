//! Every verb of the typed clientset against a live API server: the embedded
//! `kclient-testserver` (one per test), or the real cluster named by `KCLIENT_TEST_KUBECONFIG`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod cluster;

use std::collections::BTreeMap;
use std::time::Duration;

use futures_util::StreamExt;
use kclient_apimachinery::meta::{LabelSelector, ObjectMeta};
use kclient_apimachinery::options::{
    CreateOptions, DeleteOptions, GetOptions, ListOptions, PatchOptions, PatchType, UpdateOptions,
};
use kclient_apimachinery::watch::WatchEvent;
use kclient_typed::api::apps::v1::{Deployment, DeploymentSpec, DeploymentStatus};
use kclient_typed::api::authentication::v1::{SelfSubjectReview, TokenRequest, TokenRequestSpec};
use kclient_typed::api::core::v1::{
    Binding, ConfigMap, Container, ObjectReference, Pod, PodLogOptions, PodSpec, PodTemplateSpec,
    ServiceAccount,
};
use kclient_typed::api::policy::v1::Eviction;
use kclient_typed::{Deleted, Error};
use serde_json::json;

fn meta(namespace: &str, name: &str, labels: &[(&str, &str)]) -> ObjectMeta {
    let mut meta = ObjectMeta::namespaced(namespace, name);
    meta.labels = labels
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    meta
}

fn config_map(namespace: &str, name: &str, labels: &[(&str, &str)]) -> ConfigMap {
    ConfigMap {
        metadata: meta(namespace, name, labels),
        data: Some(kclient_apimachinery::VecMap::from([(
            "key".to_string(),
            "value".to_string(),
        )])),
        ..ConfigMap::default()
    }
}

fn container(name: &str, image: &str) -> Container {
    Container {
        name: name.into(),
        image: Some(image.into()),
        ..Container::default()
    }
}

fn pod(namespace: &str, name: &str) -> Pod {
    Pod {
        metadata: meta(namespace, name, &[("app", "web")]),
        spec: Some(PodSpec {
            containers: vec![
                container("app", "registry.k8s.io/pause:3.10"),
                container("sidecar", "registry.k8s.io/pause:3.10"),
            ],
            ..PodSpec::default()
        }),
        ..Pod::default()
    }
}

fn deployment(namespace: &str, name: &str) -> Deployment {
    let labels = BTreeMap::from([("app".to_string(), name.to_string())]);
    Deployment {
        metadata: meta(namespace, name, &[]),
        spec: Some(DeploymentSpec {
            replicas: Some(1),
            selector: LabelSelector {
                match_labels: labels.clone(),
                ..LabelSelector::default()
            },
            template: PodTemplateSpec {
                metadata: Some(ObjectMeta {
                    labels: labels.into(),
                    ..ObjectMeta::default()
                }),
                spec: Some(PodSpec {
                    containers: vec![container("app", "registry.k8s.io/pause:3.10")],
                    ..PodSpec::default()
                }),
            },
            ..DeploymentSpec::default()
        }),
        ..Deployment::default()
    }
}

/// Whether the server refused a server-side apply with 415 (an API server without apply).
fn apply_unsupported(e: &Error) -> bool {
    e.rest().and_then(kclient_rest::Error::code) == Some(415)
}

#[tokio::test]
async fn get_create_update_delete_and_error_predicates() {
    let c = cluster::start("crud").await;
    if let Some(server) = c.server() {
        let debug = format!("{:?}", c.clientset);
        assert!(
            !debug.contains(server.admin_token()),
            "the token leaks: {debug}"
        );
    }
    let cms = c.clientset.core_v1().config_maps(&c.namespace);

    let created = cms
        .create(
            &config_map(&c.namespace, "one", &[]),
            &CreateOptions::default(),
        )
        .await
        .unwrap();
    assert_eq!(created.metadata.name.as_deref(), Some("one"));
    assert!(created.metadata.uid.is_some() && created.metadata.resource_version.is_some());

    let err = cms
        .create(
            &config_map(&c.namespace, "one", &[]),
            &CreateOptions::default(),
        )
        .await
        .unwrap_err();
    assert!(err.is_already_exists(), "{err}");
    assert!(!err.is_not_found());

    let got = cms.get("one", &GetOptions::default()).await.unwrap();
    assert_eq!(got.data, created.data);

    let mut changed = got.clone();
    changed.data = Some(kclient_apimachinery::VecMap::from([(
        "key".into(),
        "new".into(),
    )]));
    let updated = cms
        .update(&changed, &UpdateOptions::default())
        .await
        .unwrap();
    assert_eq!(updated.data.as_ref().unwrap()["key"], "new");
    assert_ne!(
        updated.metadata.resource_version,
        got.metadata.resource_version
    );

    // `got` still carries the old resourceVersion: a conflict.
    let err = cms
        .update(&got, &UpdateOptions::default())
        .await
        .unwrap_err();
    assert!(err.is_conflict(), "{err}");
    assert!(!err.is_already_exists());

    let mut nameless = got.clone();
    nameless.metadata.name = None;
    let err = cms
        .update(&nameless, &UpdateOptions::default())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::MissingName { .. }), "{err}");

    match cms.delete("one", &DeleteOptions::default()).await.unwrap() {
        Deleted::Status(status) => assert_eq!(status.status.as_deref(), Some("Success")),
        Deleted::Object(cm) => assert_eq!(cm.metadata.name.as_deref(), Some("one")),
    }
    let err = cms.get("one", &GetOptions::default()).await.unwrap_err();
    assert!(err.is_not_found(), "{err}");
    let err = cms
        .delete("one", &DeleteOptions::default())
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err}");
}

#[tokio::test]
async fn list_with_a_label_selector_and_delete_collection() {
    let c = cluster::start("list").await;
    let cms = c.clientset.core_v1().config_maps(&c.namespace);
    for (name, tier) in [("a", "front"), ("b", "front"), ("c", "back")] {
        cms.create(
            &config_map(&c.namespace, name, &[("tier", tier)]),
            &CreateOptions::default(),
        )
        .await
        .unwrap();
    }
    let list = cms
        .list(&ListOptions::default().label_selector("tier=front"))
        .await
        .unwrap();
    let mut names: Vec<_> = list
        .items
        .iter()
        .map(|cm| cm.metadata.name.clone().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["a", "b"]);
    assert!(list.metadata.resource_version.is_some());

    let page = cms.list(&ListOptions::default().limit(1)).await.unwrap();
    assert_eq!(page.items.len(), 1);

    cms.delete_collection(
        &DeleteOptions::default(),
        &ListOptions::default().label_selector("tier=front"),
    )
    .await
    .unwrap();
    let rest = cms.list(&ListOptions::default()).await.unwrap();
    let names: Vec<_> = rest
        .items
        .iter()
        .filter_map(|cm| cm.metadata.name.as_deref())
        .filter(|n| *n != "kube-root-ca.crt") // made by a real cluster in every namespace
        .collect();
    assert_eq!(names, ["c"]);
}

#[tokio::test]
async fn watch_delivers_typed_events() {
    let c = cluster::start("watch").await;
    let cms = c.clientset.core_v1().config_maps(&c.namespace);
    let created = cms
        .create(
            &config_map(&c.namespace, "w", &[("watched", "yes")]),
            &CreateOptions::default(),
        )
        .await
        .unwrap();
    let rv = created.metadata.resource_version.clone().unwrap();
    let mut events = cms
        .watch(
            &ListOptions::default()
                .label_selector("watched=yes")
                .resource_version(rv)
                .timeout_seconds(30),
        )
        .await
        .unwrap();

    let mut changed = created.clone();
    changed.data = Some(kclient_apimachinery::VecMap::from([(
        "key".into(),
        "watched".into(),
    )]));
    cms.update(&changed, &UpdateOptions::default())
        .await
        .unwrap();
    cms.delete("w", &DeleteOptions::default()).await.unwrap();

    let mut seen = Vec::new();
    while seen.len() < 2 {
        let event = tokio::time::timeout(Duration::from_secs(20), events.next())
            .await
            .expect("no watch event within 20 s")
            .expect("the watch ended early")
            .unwrap();
        match event {
            WatchEvent::Modified(cm) => {
                assert_eq!(cm.data.as_ref().unwrap()["key"], "watched");
                seen.push("MODIFIED");
            }
            WatchEvent::Deleted(cm) => {
                assert_eq!(cm.metadata.name.as_deref(), Some("w"));
                seen.push("DELETED");
            }
            WatchEvent::Bookmark(_) => {}
            other => panic!("unexpected event {other:?}"),
        }
    }
    assert_eq!(seen, ["MODIFIED", "DELETED"]);
}

#[tokio::test]
async fn patch_json_merge_and_strategic() {
    let c = cluster::start("patch").await;
    let pods = c.clientset.core_v1().pods(&c.namespace);
    pods.create(&pod(&c.namespace, "p"), &CreateOptions::default())
        .await
        .unwrap();

    let patched = pods
        .patch(
            "p",
            PatchType::Json,
            &json!([{"op": "add", "path": "/metadata/labels/json", "value": "yes"}]),
            &PatchOptions::default(),
        )
        .await
        .unwrap();
    assert_eq!(patched.metadata.labels["json"], "yes");

    let patched = pods
        .patch(
            "p",
            PatchType::Merge,
            &json!({"metadata": {"labels": {"merge": "yes", "json": null}}}),
            &PatchOptions::default(),
        )
        .await
        .unwrap();
    assert_eq!(
        patched.metadata.labels.get("merge").map(String::as_str),
        Some("yes")
    );
    assert!(!patched.metadata.labels.contains_key("json"));

    // A strategic merge patch merges the containers list by name: the sidecar survives, and
    // only the app container's image changes (a JSON merge patch would replace the list).
    let patched = pods
        .patch(
            "p",
            PatchType::Strategic,
            &json!({"spec": {"containers": [{"name": "app", "image": "registry.k8s.io/pause:3.9"}]}}),
            &PatchOptions::default(),
        )
        .await;
    match patched {
        Ok(p) => {
            let containers = &p.spec.unwrap().containers;
            let images: Vec<_> = containers
                .iter()
                .map(|c| (c.name.as_str(), c.image.as_deref().unwrap()))
                .collect();
            assert_eq!(
                images,
                [
                    ("app", "registry.k8s.io/pause:3.9"),
                    ("sidecar", "registry.k8s.io/pause:3.10")
                ]
            );
        }
        Err(e) => panic!("strategic merge patch failed: {e}"),
    }

    let err = pods
        .patch(
            "missing",
            PatchType::Merge,
            &json!({"metadata": {"labels": {"x": "y"}}}),
            &PatchOptions::default(),
        )
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err}");
}

#[tokio::test]
async fn apply_and_apply_status() {
    let c = cluster::start("apply").await;
    let deployments = c.clientset.apps_v1().deployments(&c.namespace);
    let mut configuration = serde_json::to_value(deployment(&c.namespace, "web")).unwrap();
    configuration["spec"]["replicas"] = json!(2);

    let err = deployments
        .apply("web", &configuration, &PatchOptions::default())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::MissingFieldManager { .. }), "{err}");

    let applied = match deployments
        .apply(
            "web",
            &configuration,
            &PatchOptions::apply("kclient-test").force(),
        )
        .await
    {
        Ok(d) => d,
        Err(e) if apply_unsupported(&e) => {
            eprintln!(
                "SKIPPED apply_and_apply_status: the server answered 415 to server-side apply: {e}"
            );
            return;
        }
        Err(e) => panic!("apply failed: {e}"),
    };
    assert_eq!(applied.spec.as_ref().unwrap().replicas, Some(2));
    assert!(
        applied
            .metadata
            .managed_fields
            .iter()
            .any(|m| m.manager.as_deref() == Some("kclient-test")),
        "{:?}",
        applied.metadata.managed_fields
    );

    let status = json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": c.namespace},
        "status": {"observedGeneration": 1, "replicas": 0},
    });
    let applied = deployments
        .apply_status(
            "web",
            &status,
            &PatchOptions::apply("kclient-status").force(),
        )
        .await
        .unwrap();
    assert_eq!(applied.status.unwrap().observed_generation, Some(1));
}

#[tokio::test]
async fn update_status_and_scale_of_a_deployment() {
    let c = cluster::start("scale").await;
    let deployments = c.clientset.apps_v1().deployments(&c.namespace);
    let created = deployments
        .create(&deployment(&c.namespace, "web"), &CreateOptions::default())
        .await
        .unwrap();

    let scale = deployments
        .get_scale("web", &GetOptions::default())
        .await
        .unwrap();
    assert_eq!(scale.spec.as_ref().unwrap().replicas, Some(1));
    assert_eq!(scale.metadata.name.as_deref(), Some("web"));

    let mut wanted = scale.clone();
    wanted.spec.as_mut().unwrap().replicas = Some(3);
    let scaled = deployments
        .update_scale("web", &wanted, &UpdateOptions::default())
        .await
        .unwrap();
    assert_eq!(scaled.spec.unwrap().replicas, Some(3));
    let got = deployments
        .get("web", &GetOptions::default())
        .await
        .unwrap();
    assert_eq!(got.spec.as_ref().unwrap().replicas, Some(3));

    let stale = deployments
        .update_scale("web", &scale, &UpdateOptions::default())
        .await
        .unwrap_err();
    assert!(stale.is_conflict(), "{stale}");

    // update_status changes only the status; the spec sent alongside is ignored.
    let mut with_status = got.clone();
    with_status.status = Some(DeploymentStatus {
        observed_generation: Some(7),
        ..DeploymentStatus::default()
    });
    with_status.spec.as_mut().unwrap().replicas = Some(9);
    let updated = deployments
        .update_status(&with_status, &UpdateOptions::default())
        .await
        .unwrap();
    assert_eq!(updated.status.unwrap().observed_generation, Some(7));
    assert_eq!(updated.spec.unwrap().replicas, Some(3));
    let status = deployments
        .get_status("web", &GetOptions::default())
        .await
        .unwrap();
    assert_eq!(status.status.unwrap().observed_generation, Some(7));
    assert_ne!(
        status.metadata.resource_version,
        created.metadata.resource_version
    );
}

#[tokio::test]
async fn pod_logs_and_eviction() {
    let c = cluster::start("pods").await;
    let pods = c.clientset.core_v1().pods(&c.namespace);
    pods.create(&pod(&c.namespace, "p"), &CreateOptions::default())
        .await
        .unwrap();

    let options = PodLogOptions {
        container: Some("app".into()),
        tail_lines: Some(10),
        ..PodLogOptions::default()
    };
    match pods.logs("p", &options).await {
        Ok(mut stream) => {
            // A real cluster: the pod may not be scheduled yet (400), or have logs.
            while let Some(chunk) = stream.next().await {
                chunk.unwrap();
            }
        }
        // The embedded server, like a real one, refuses logs of an unscheduled pod with 400.
        Err(e) => assert_eq!(
            e.rest().and_then(kclient_rest::Error::code),
            Some(400),
            "logs of an unstarted pod: {e}"
        ),
    }

    let eviction = Eviction {
        metadata: ObjectMeta::namespaced(&c.namespace, "p"),
        ..Eviction::default()
    };
    match pods.evict("p", &eviction, &CreateOptions::default()).await {
        Ok(status) => {
            assert_eq!(status.status.as_deref(), Some("Success"), "{status:?}");
            let err = pods.get("p", &GetOptions::default()).await;
            // Eviction deletes the pod (gracefully on a real cluster).
            if let Ok(p) = err {
                assert!(p.metadata.deletion_timestamp.is_some());
            }
        }
        Err(e) => panic!("eviction failed: {e}"),
    }
    let err = pods
        .evict("missing", &eviction, &CreateOptions::default())
        .await
        .unwrap_err();
    assert!(err.rest().is_some(), "{err}");
}

#[tokio::test]
async fn service_account_token_authenticates_as_the_service_account() {
    let c = cluster::start("token").await;
    let sas = c.clientset.core_v1().service_accounts(&c.namespace);
    sas.create(
        &ServiceAccount {
            metadata: ObjectMeta::namespaced(&c.namespace, "robot"),
            ..ServiceAccount::default()
        },
        &CreateOptions::default(),
    )
    .await
    .unwrap();
    let request = TokenRequest {
        spec: Some(TokenRequestSpec {
            expiration_seconds: Some(600),
            ..TokenRequestSpec::default()
        }),
        ..TokenRequest::default()
    };
    let answer = sas
        .create_token("robot", &request, &CreateOptions::default())
        .await
        .unwrap();
    let status = answer.status.unwrap();
    let token = status.token.filter(|t| !t.is_empty()).expect("a token");
    assert!(status.expiration_timestamp.is_some());

    // The token authenticates as the service account (SelfSubjectReview: `kubectl auth whoami`).
    let mut config = c.config.clone();
    config.auth = kclient_config::AuthConfig {
        bearer_token: Some(kclient_config::SecretString::from(token)),
        ..kclient_config::AuthConfig::default()
    };
    config.tls.client_cert = None;
    config.tls.client_key = None;
    let as_robot = kclient_typed::Clientset::new(config).unwrap();
    let review = as_robot
        .authentication_v1()
        .self_subject_reviews()
        .create(&SelfSubjectReview::default(), &CreateOptions::default())
        .await
        .unwrap();
    let user = review.status.and_then(|s| s.user_info).unwrap_or_default();
    assert_eq!(
        user.username.as_deref(),
        Some(format!("system:serviceaccount:{}:robot", c.namespace).as_str())
    );

    // A missing service account gets no token.
    let err = sas
        .create_token("nobody", &request, &CreateOptions::default())
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err}");
}

#[tokio::test]
async fn binding_assigns_a_pod_to_a_node_once() {
    let c = cluster::start("binding").await;
    let pods = c.clientset.core_v1().pods(&c.namespace);
    pods.create(&pod(&c.namespace, "b"), &CreateOptions::default())
        .await
        .unwrap();
    let binding = Binding {
        metadata: ObjectMeta::namespaced(&c.namespace, "b"),
        target: ObjectReference {
            kind: Some("Node".into()),
            name: Some("node-1".into()),
            ..ObjectReference::default()
        },
        ..Binding::default()
    };
    let status = pods
        .bind("b", &binding, &CreateOptions::default())
        .await
        .unwrap();
    assert_eq!(status.status.as_deref(), Some("Success"), "{status:?}");
    let bound = pods.get("b", &GetOptions::default()).await.unwrap();
    assert_eq!(
        bound.spec.and_then(|s| s.node_name).as_deref(),
        Some("node-1")
    );
    let err = pods
        .bind("b", &binding, &CreateOptions::default())
        .await
        .unwrap_err();
    assert!(err.is_conflict(), "a second binding is a conflict: {err}");
}
