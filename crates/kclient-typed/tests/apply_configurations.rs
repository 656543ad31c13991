//! Apply configurations (client-go's `applyconfigurations`): the builders write only the fields
//! that were set; `apply_config` sends them as server-side apply; `extract_*` reads back exactly
//! the fields one field manager owns. Against the embedded `kclient-testserver`, or the cluster
//! named by `KCLIENT_TEST_KUBECONFIG`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod cluster;
#[allow(dead_code, deprecated)]
#[path = "crd_generated/mod.rs"]
mod crds;

use std::time::Duration;

use kclient_apimachinery::options::{
    ApplyOptions, CreateOptions, GetOptions, PatchOptions, PatchType,
};
use kclient_typed::Error;
use kclient_typed::api::apiextensions::v1::CustomResourceDefinition;
use kclient_typed::apply::{ApplyConfiguration, WithObjectMeta};
use kclient_typed::applyconfigurations::apps::v1::{
    DeploymentApplyConfiguration, DeploymentSpecApplyConfiguration,
    DeploymentStatusApplyConfiguration, extract_deployment, extract_deployment_status,
};
use kclient_typed::applyconfigurations::core::v1::{
    ContainerApplyConfiguration, EnvVarApplyConfiguration, PodSpecApplyConfiguration,
    PodTemplateSpecApplyConfiguration,
};
use kclient_typed::applyconfigurations::meta::v1::{
    LabelSelectorApplyConfiguration, ObjectMetaApplyConfiguration,
};
use serde_json::json;

/// The Deployment manager `alpha` applies: 2 replicas, label `app`, one container.
fn web(namespace: &str) -> DeploymentApplyConfiguration {
    DeploymentApplyConfiguration::new("web", namespace)
        .with_labels([("app", "web")])
        .with_spec(
            DeploymentSpecApplyConfiguration::new()
                .with_replicas(2)
                .with_selector(
                    LabelSelectorApplyConfiguration::new().with_match_labels([("app", "web")]),
                )
                .with_template(
                    PodTemplateSpecApplyConfiguration::new()
                        .with_metadata(
                            ObjectMetaApplyConfiguration::new().with_labels([("app", "web")]),
                        )
                        .with_spec(
                            PodSpecApplyConfiguration::new().with_containers([
                                ContainerApplyConfiguration::new()
                                    .with_name("web")
                                    .with_image("nginx:1.27")
                                    .with_args(["-g", "daemon off;"]),
                            ]),
                        ),
                ),
        )
}

#[test]
fn builders_serialize_only_the_fields_that_were_set() {
    let config = web("default");
    assert_eq!(
        serde_json::to_value(&config).unwrap(),
        json!({
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "default", "labels": {"app": "web"}},
            "spec": {
                "replicas": 2,
                "selector": {"matchLabels": {"app": "web"}},
                "template": {
                    "metadata": {"labels": {"app": "web"}},
                    "spec": {"containers": [{"name": "web", "image": "nginx:1.27", "args": ["-g", "daemon off;"]}]},
                },
            },
        })
    );
    // Nothing set, nothing written; zero values are written when set (unlike the API types'
    // required fields, which are always written).
    assert_eq!(
        serde_json::to_string(&DeploymentSpecApplyConfiguration::new()).unwrap(),
        "{}"
    );
    assert_eq!(
        serde_json::to_value(DeploymentSpecApplyConfiguration::new().with_replicas(0)).unwrap(),
        json!({"replicas": 0})
    );
    // Lists append, maps merge (later keys win), scalars overwrite.
    let container = ContainerApplyConfiguration::new()
        .with_env([EnvVarApplyConfiguration::new().with_name("A")])
        .with_env([EnvVarApplyConfiguration::new()
            .with_name("B")
            .with_value("b")])
        .with_image("one")
        .with_image("two");
    assert_eq!(
        serde_json::to_value(&container).unwrap(),
        json!({"env": [{"name": "A"}, {"name": "B", "value": "b"}], "image": "two"})
    );
    let config = DeploymentApplyConfiguration::new("web", "default")
        .with_labels([("a", "1"), ("b", "1")])
        .with_labels([("b", "2")])
        .with_finalizers(["x"])
        .with_finalizers(["y"]);
    assert_eq!(
        serde_json::to_value(config.metadata.as_deref().unwrap()).unwrap(),
        json!({"name": "web", "namespace": "default", "labels": {"a": "1", "b": "2"}, "finalizers": ["x", "y"]})
    );
    assert_eq!(config.name(), Some("web"));
    assert_eq!(config.namespace(), Some("default"));
    // Configurations decode too (what extraction builds them with).
    let back: DeploymentApplyConfiguration =
        serde_json::from_value(serde_json::to_value(web("default")).unwrap()).unwrap();
    assert_eq!(back, web("default"));
}

/// Whether the server refused a server-side apply with 415 (an API server without apply).
fn apply_unsupported(e: &Error) -> bool {
    e.rest().and_then(kclient_rest::Error::code) == Some(415)
}

#[tokio::test]
async fn extract_returns_only_the_fields_the_manager_owns() {
    let c = cluster::start("extract").await;
    let deployments = c.clientset.apps_v1().deployments(&c.namespace);

    // Refused before sending: no field manager, no name.
    let err = deployments
        .apply_config(&web(&c.namespace), &ApplyOptions::default())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::MissingFieldManager { .. }), "{err}");
    let nameless = DeploymentApplyConfiguration::default();
    let err = deployments
        .apply_config(&nameless, &ApplyOptions::new("alpha"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::MissingApplyName { .. }), "{err}");

    let applied = match deployments
        .apply_config(&web(&c.namespace), &ApplyOptions::new("alpha"))
        .await
    {
        Ok(d) => d,
        Err(e) if apply_unsupported(&e) => {
            eprintln!("SKIPPED: the server answered 415 to server-side apply: {e}");
            return;
        }
        Err(e) => panic!("apply failed: {e}"),
    };
    assert_eq!(applied.spec.as_ref().unwrap().replicas, Some(2));

    // Right after applying, extraction gives back exactly what was applied.
    let extracted = extract_deployment(&applied, "alpha").unwrap();
    assert_eq!(
        serde_json::to_value(&extracted).unwrap(),
        serde_json::to_value(web(&c.namespace)).unwrap()
    );

    // Another manager changes replicas (an update, not an apply) and adds a label by apply.
    deployments
        .patch(
            "web",
            PatchType::Merge,
            &json!({"spec": {"replicas": 5}}),
            &PatchOptions::default().field_manager("gamma"),
        )
        .await
        .unwrap();
    let beta = DeploymentApplyConfiguration::new("web", &c.namespace).with_labels([("team", "b")]);
    let live = deployments
        .apply_config(&beta, &ApplyOptions::new("beta"))
        .await
        .unwrap();
    assert_eq!(live.spec.as_ref().unwrap().replicas, Some(5));

    let alpha = extract_deployment(&live, "alpha").unwrap();
    let spec = alpha.spec.as_deref().unwrap();
    assert_eq!(spec.replicas, None, "replicas now belong to gamma");
    assert!(spec.selector.is_some() && spec.template.is_some());
    let labels = alpha.metadata.as_deref().unwrap().labels.clone().unwrap();
    assert_eq!(labels.get("app").map(String::as_str), Some("web"));
    assert_eq!(labels.get("team"), None, "beta's label is not alpha's");
    let containers = spec
        .template
        .as_deref()
        .and_then(|t| t.spec.as_deref())
        .and_then(|s| s.containers.clone())
        .unwrap();
    assert_eq!(containers.len(), 1);
    assert_eq!(containers[0].image.as_deref(), Some("nginx:1.27"));
    assert_eq!(
        containers[0].args.as_deref(),
        Some(&["-g".to_string(), "daemon off;".to_string()][..])
    );

    let beta = extract_deployment(&live, "beta").unwrap();
    assert_eq!(
        serde_json::to_value(&beta).unwrap(),
        json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "namespace": c.namespace, "labels": {"team": "b"}},
        })
    );
    // Update entries are not extracted: gamma applied nothing.
    let gamma = DeploymentApplyConfiguration::extract(&live, "gamma").unwrap();
    assert_eq!(gamma.spec, None);
    assert_eq!(gamma.name(), Some("web"));

    // The usual loop: extract, change, apply back. Replicas stay gamma's.
    let changed = {
        let mut alpha = alpha;
        let template = alpha.spec.as_mut().unwrap().template.as_mut().unwrap();
        let pod = template.spec.as_mut().unwrap();
        pod.containers.as_mut().unwrap()[0].image = Some("nginx:1.28".into());
        alpha
    };
    let live = deployments
        .apply_config(&changed, &ApplyOptions::new("alpha"))
        .await
        .unwrap();
    let pod = live.spec.as_ref().unwrap().template.spec.as_ref().unwrap();
    assert_eq!(pod.containers[0].image.as_deref(), Some("nginx:1.28"));
    assert_eq!(live.spec.as_ref().unwrap().replicas, Some(5));
    assert_eq!(
        live.metadata.labels.get("team").map(String::as_str),
        Some("b")
    );
}

#[tokio::test]
async fn apply_status_config_and_extract_status() {
    let c = cluster::start("apply-status").await;
    let deployments = c.clientset.apps_v1().deployments(&c.namespace);
    match deployments
        .apply_config(&web(&c.namespace), &ApplyOptions::new("alpha"))
        .await
    {
        Ok(_) => {}
        Err(e) if apply_unsupported(&e) => {
            eprintln!("SKIPPED: the server answered 415 to server-side apply: {e}");
            return;
        }
        Err(e) => panic!("apply failed: {e}"),
    }
    let status = DeploymentApplyConfiguration::new("web", &c.namespace).with_status(
        DeploymentStatusApplyConfiguration::new()
            .with_observed_generation(1)
            .with_replicas(0),
    );
    let live = deployments
        .apply_status_config(&status, &ApplyOptions::new("status-writer").force())
        .await
        .unwrap();
    assert_eq!(live.status.as_ref().unwrap().observed_generation, Some(1));
    let owned = extract_deployment_status(&live, "status-writer").unwrap();
    assert_eq!(
        owned.status.as_deref().unwrap().observed_generation,
        Some(1)
    );
    assert_eq!(owned.spec, None);
    // The object's own apply entry is not the status one.
    let owned = extract_deployment(&live, "status-writer").unwrap();
    assert_eq!(owned.status, None);
}

/// Creates the sample CRD (an existing one is fine) and waits until it is established.
async fn install_crd(c: &cluster::Cluster) {
    let crd: CustomResourceDefinition =
        serde_saphyr::from_str(include_str!("fixtures/crontab-crd.yaml")).unwrap();
    let crds = c.clientset.apiextensions_v1().custom_resource_definitions();
    match crds.create(&crd, &CreateOptions::default()).await {
        Ok(_) => {}
        Err(e) if e.is_already_exists() => {}
        Err(e) => panic!("creating the CRD: {e}"),
    }
    let name = crd.metadata.name.clone().unwrap();
    for _ in 0..100 {
        let got = crds.get(&name, &GetOptions::default()).await.unwrap();
        let established = got
            .status
            .and_then(|s| s.conditions)
            .unwrap_or_default()
            .iter()
            .any(|c| c.type_ == "Established" && c.status == "True");
        if established {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the CRD {name} was not established within 10 s");
}

#[tokio::test]
async fn custom_resources_apply_and_extract_through_generated_builders() {
    use crds::cron_tab::v1::{
        CronTab, CronTabApplyConfiguration, CronTabSpecApplyConfiguration,
        CronTabSpecEnvApplyConfiguration, extract_cron_tab,
    };

    let c = cluster::start("crd-apply").await;
    install_crd(&c).await;
    let tabs = CronTab::client(&c.clientset, &c.namespace).unwrap();
    let config = CronTabApplyConfiguration::new("nightly", &c.namespace).with_spec(
        CronTabSpecApplyConfiguration::new()
            .with_cron_spec("*/5 * * * *")
            .with_image("busybox:1.36")
            .with_env([CronTabSpecEnvApplyConfiguration::new()
                .with_name("MODE")
                .with_value("fast")]),
    );
    assert_eq!(
        serde_json::to_value(&config).unwrap()["spec"],
        json!({"cronSpec": "*/5 * * * *", "image": "busybox:1.36", "env": [{"name": "MODE", "value": "fast"}]})
    );
    let live = match tabs
        .apply_config(&config, &ApplyOptions::new("alpha"))
        .await
    {
        Ok(t) => t,
        Err(e) if apply_unsupported(&e) => {
            eprintln!("SKIPPED: the server answered 415 to server-side apply: {e}");
            return;
        }
        Err(e) => panic!("apply failed: {e}"),
    };
    assert_eq!(live.spec.as_ref().unwrap().image, "busybox:1.36");

    // Another manager sets replicas; alpha's extract does not include them.
    let other = CronTabApplyConfiguration::new("nightly", &c.namespace)
        .with_spec(CronTabSpecApplyConfiguration::new().with_replicas(3));
    let live = tabs
        .apply_config(&other, &ApplyOptions::new("beta"))
        .await
        .unwrap();
    assert_eq!(live.spec.as_ref().unwrap().replicas, Some(3));
    let alpha = extract_cron_tab(&live, "alpha").unwrap();
    assert_eq!(
        serde_json::to_value(&alpha).unwrap(),
        serde_json::to_value(&config).unwrap()
    );
    let beta = extract_cron_tab(&live, "beta").unwrap();
    assert_eq!(beta.spec.as_deref().unwrap().replicas, Some(3));
    assert_eq!(beta.spec.as_deref().unwrap().image, None);
}
