//! Protobuf against the server: every compiled-in creatable kind is created with a protobuf
//! body, read back both as protobuf and as JSON (the two decoders must agree on every field),
//! re-encoded and decoded on the client, and deleted; lists, watches and `Status` errors are
//! read as protobuf; custom resources stay JSON. Runs against the embedded `kclient-testserver`,
//! or the cluster named by `KCLIENT_TEST_KUBECONFIG`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod cluster;
#[allow(dead_code)]
#[path = "crd_generated/mod.rs"]
mod crds;

use std::future::Future;
use std::pin::Pin;

use crds::cron_tab::v1::{CronTab, CronTabSpec};
use futures_util::StreamExt;
use kclient_apimachinery::meta::ObjectMeta;
use kclient_apimachinery::options::{CreateOptions, DeleteOptions, GetOptions, ListOptions};
use kclient_apimachinery::protobuf::MEDIA_TYPE;
use kclient_apimachinery::{IntOrString, Quantity, VecMap, WatchEvent};
use kclient_config::Config;
use kclient_rest::RestClient;
use kclient_typed::api::apiextensions::v1::CustomResourceDefinition;
use kclient_typed::api::apps::v1::{Deployment, DeploymentSpec};
use kclient_typed::api::core::v1::{
    ConfigMap, Container, ContainerPort, EnvVar, HTTPGetAction, Pod, PodSpec, Probe,
    ResourceRequirements, Volume, VolumeMount,
};
use kclient_typed::client::{Creatable, ResourceVisitor};
use kclient_typed::{Clientset, ResourceClient};

const CRD: &str = include_str!("fixtures/crontab-crd.yaml");

/// `config` set to protobuf, as client-go's `ContentType`.
fn protobuf_config(config: &Config) -> Config {
    let mut config = config.clone();
    config.content.content_type = Some(MEDIA_TYPE.to_string());
    config.qps = 200.0;
    config.burst = 400;
    config
}

type Check = Pin<Box<dyn Future<Output = (String, Result<(), String>)> + Send>>;

struct Collect {
    namespace: String,
    embedded: bool,
    json: Clientset,
    checks: Vec<Check>,
}

impl ResourceVisitor for Collect {
    fn creatable<K: Creatable>(&mut self, rest: &RestClient) {
        let label = format!("{}/{} {}", K::GROUP, K::VERSION, K::KIND);
        let json_rest = self.json.rest_client_for::<K>();
        let check = round_trip::<K>(
            rest.clone(),
            json_rest,
            self.namespace.clone(),
            self.embedded,
        );
        self.checks
            .push(Box::pin(async move { (label, check.await) }));
    }
}

async fn round_trip<K: Creatable>(
    proto: RestClient,
    json: RestClient,
    namespace: String,
    embedded: bool,
) -> Result<(), String> {
    let codec = kclient_typed::protobuf::codec::<K>()
        .ok_or_else(|| "no protobuf codec for a built-in kind".to_string())?;
    let proto = ResourceClient::<K>::namespaced(proto, &namespace);
    let json = ResourceClient::<K>::namespaced(json, &namespace);
    let name = format!("pb-{}-{}", K::PLURAL.replace('.', "-"), K::VERSION);
    let mut object = K::default();
    let mut meta = if K::NAMESPACED {
        ObjectMeta::namespaced(namespace.as_str(), name.as_str())
    } else {
        ObjectMeta::named(cluster::unique(&name))
    };
    meta.labels.insert("encoding".into(), "protobuf".into());
    meta.annotations
        .insert("note".into(), "sent as protobuf".into());
    *object.meta_mut() = meta;
    let name = object.meta().name.clone().unwrap_or_default();
    // On a real cluster cluster-scoped kinds are only created with dryRun.
    let dry_run = !embedded && !K::NAMESPACED;
    let options = if dry_run {
        CreateOptions::default().dry_run()
    } else {
        CreateOptions::default()
    };
    let created = match proto.create(&object, &options).await {
        Ok(created) => created,
        Err(e) if e.is_invalid() && (!embedded || K::KIND == "CustomResourceDefinition") => {
            return Ok(());
        }
        Err(e) => return Err(format!("create: {e}")),
    };
    if created.meta().labels.get("encoding").map(String::as_str) != Some("protobuf") {
        return Err(format!("created without the label: {:?}", created.meta()));
    }
    // The client's own encoding round-trips what the server sent.
    let again = codec
        .decode(&codec.encode(&created))
        .map_err(|e| format!("re-decoding: {e}"))?;
    if again != created {
        return Err(format!(
            "encode/decode changed the object:\n{again:?}\n{created:?}"
        ));
    }
    if dry_run {
        return Ok(());
    }
    let from_proto = proto
        .get(&name, &GetOptions::default())
        .await
        .map_err(|e| format!("get (protobuf): {e}"))?;
    let from_json = json
        .get(&name, &GetOptions::default())
        .await
        .map_err(|e| format!("get (JSON): {e}"))?;
    if from_proto != from_json {
        return Err(format!(
            "protobuf and JSON reads differ:\n{from_proto:?}\n{from_json:?}"
        ));
    }
    if from_proto.meta().uid != created.meta().uid {
        return Err("read back another object".into());
    }
    proto
        .delete(&name, &DeleteOptions::background())
        .await
        .map_err(|e| format!("delete: {e}"))?;
    Ok(())
}

trait RestFor {
    fn rest_client_for<K: kclient_apimachinery::resource::StaticResource>(&self) -> RestClient;
}

impl RestFor for Clientset {
    fn rest_client_for<K: kclient_apimachinery::resource::StaticResource>(&self) -> RestClient {
        self.resource::<K>("").unwrap().rest_client().clone()
    }
}

#[tokio::test]
async fn every_creatable_kind_round_trips_through_protobuf() {
    let c = cluster::start("pb-kinds").await;
    let proto = Clientset::for_config(&protobuf_config(&c.config)).unwrap();
    let mut visitor = Collect {
        namespace: c.namespace.clone(),
        embedded: c.is_embedded(),
        json: Clientset::for_config(&{
            let mut config = c.config.clone();
            config.qps = 200.0;
            config.burst = 400;
            config
        })
        .unwrap(),
        checks: Vec::new(),
    };
    proto.visit_resources(&mut visitor);
    assert!(
        visitor.checks.len() > 50,
        "only {} kinds",
        visitor.checks.len()
    );
    let results = futures_util::future::join_all(visitor.checks).await;
    let failures: Vec<String> = results
        .iter()
        .filter_map(|(label, r)| r.as_ref().err().map(|e| format!("{label}: {e}")))
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} kinds failed:\n{}",
        failures.len(),
        results.len(),
        failures.join("\n")
    );
}

/// A pod using the special encodings: int-or-string ports, quantities, an embedded volume
/// source and probe handler, maps, lists, times.
fn rich_pod(namespace: &str, name: &str) -> Pod {
    let mut requests = VecMap::default();
    requests.insert("cpu".to_string(), "250m".parse::<Quantity>().unwrap());
    requests.insert("memory".to_string(), "64Mi".parse::<Quantity>().unwrap());
    Pod {
        metadata: ObjectMeta::namespaced(namespace, name),
        spec: Some(PodSpec {
            containers: vec![Container {
                name: "web".into(),
                image: Some("nginx:1.27".into()),
                args: Some(vec!["-g".into(), "daemon off;".into()]),
                env: Some(vec![EnvVar {
                    name: "MODE".into(),
                    value: Some("fast".into()),
                    ..Default::default()
                }]),
                ports: Some(vec![ContainerPort {
                    container_port: 8080,
                    name: Some("http".into()),
                    ..Default::default()
                }]),
                readiness_probe: Some(Box::new(Probe {
                    http_get: Some(Box::new(HTTPGetAction {
                        path: Some("/healthz".into()),
                        port: IntOrString::String("http".into()),
                        ..Default::default()
                    })),
                    period_seconds: Some(5),
                    ..Default::default()
                })),
                resources: Some(Box::new(ResourceRequirements {
                    requests: Some(requests),
                    ..Default::default()
                })),
                volume_mounts: Some(vec![VolumeMount {
                    name: "data".into(),
                    mount_path: "/data".into(),
                    ..Default::default()
                }]),
                ..Default::default()
            }],
            volumes: Some(vec![Volume {
                name: "data".into(),
                empty_dir: Some(Box::default()),
                ..Default::default()
            }]),
            termination_grace_period_seconds: Some(7),
            ..Default::default()
        }),
        ..Default::default()
    }
}

#[tokio::test]
async fn a_rich_pod_and_deployment_read_the_same_in_both_encodings() {
    let c = cluster::start("pb-rich").await;
    let proto = Clientset::for_config(&protobuf_config(&c.config)).unwrap();
    let pods = proto.core_v1().pods(&c.namespace);
    let pod = rich_pod(&c.namespace, "rich");
    let created = pods.create(&pod, &CreateOptions::default()).await.unwrap();
    let spec = created.spec.as_ref().unwrap();
    assert_eq!(
        spec.containers[0].args,
        pod.spec.as_ref().unwrap().containers[0].args
    );
    assert_eq!(
        spec.containers[0].readiness_probe,
        pod.spec.as_ref().unwrap().containers[0].readiness_probe
    );
    assert!(spec.volumes.as_ref().unwrap()[0].empty_dir.is_some());
    let json_pod = c
        .clientset
        .core_v1()
        .pods(&c.namespace)
        .get("rich", &GetOptions::default())
        .await
        .unwrap();
    let proto_pod = pods.get("rich", &GetOptions::default()).await.unwrap();
    assert_eq!(json_pod, proto_pod);
    assert!(proto_pod.metadata.creation_timestamp.is_some());

    let deployments = proto.apps_v1().deployments(&c.namespace);
    let mut labels = VecMap::default();
    labels.insert("app".to_string(), "web".to_string());
    let deployment = Deployment {
        metadata: ObjectMeta::namespaced(c.namespace.as_str(), "web"),
        spec: Some(DeploymentSpec {
            replicas: Some(3),
            selector: kclient_apimachinery::meta::LabelSelector::default()
                .match_label("app", "web"),
            template: kclient_typed::api::core::v1::PodTemplateSpec {
                metadata: Some(ObjectMeta {
                    labels: labels.clone(),
                    ..Default::default()
                }),
                spec: Some(rich_pod(&c.namespace, "t").spec.unwrap()),
            },
            ..Default::default()
        }),
        ..Default::default()
    };
    deployments
        .create(&deployment, &CreateOptions::default())
        .await
        .unwrap();
    let from_json = c
        .clientset
        .apps_v1()
        .deployments(&c.namespace)
        .get("web", &GetOptions::default())
        .await
        .unwrap();
    let from_proto = deployments
        .get("web", &GetOptions::default())
        .await
        .unwrap();
    assert_eq!(from_json, from_proto);
    assert_eq!(from_proto.spec.as_ref().unwrap().replicas, Some(3));
}

#[tokio::test]
async fn lists_watches_and_errors_in_protobuf() {
    let c = cluster::start("pb-list").await;
    let proto = Clientset::for_config(&protobuf_config(&c.config)).unwrap();
    let maps = proto.core_v1().config_maps(&c.namespace);
    for i in 0..40 {
        let mut data = VecMap::default();
        data.insert("index".to_string(), i.to_string());
        let cm = ConfigMap {
            metadata: ObjectMeta::namespaced(c.namespace.as_str(), format!("cm-{i:02}")),
            data: Some(data),
            ..Default::default()
        };
        maps.create(&cm, &CreateOptions::default()).await.unwrap();
    }
    let proto_list = maps.list(&ListOptions::default()).await.unwrap();
    let json_list = c
        .clientset
        .core_v1()
        .config_maps(&c.namespace)
        .list(&ListOptions::default())
        .await
        .unwrap();
    // The 40 made here, beside what the namespace holds anyway (its `kube-root-ca.crt`).
    let made = proto_list
        .items
        .iter()
        .filter(|cm| {
            cm.metadata
                .name
                .as_deref()
                .is_some_and(|n| n.starts_with("cm-"))
        })
        .count();
    assert_eq!(made, 40);
    assert_eq!(proto_list.items, json_list.items);
    assert!(proto_list.metadata.resource_version.is_some());

    // Paging keeps working: the continue token comes through ListMeta.
    let page = maps.list(&ListOptions::default().limit(15)).await.unwrap();
    assert_eq!(page.items.len(), 15);
    assert!(page.metadata.continue_token().is_some());

    // Watch: events arrive as protobuf frames.
    let rv = proto_list.metadata.resource_version.clone().unwrap();
    let mut watch = maps
        .watch(&ListOptions::default().resource_version(rv))
        .await
        .unwrap();
    let mut changed = proto_list.items[3].clone();
    changed
        .data
        .get_or_insert_default()
        .insert("changed".into(), "yes".into());
    maps.update(&changed, &Default::default()).await.unwrap();
    maps.delete("cm-05", &DeleteOptions::default())
        .await
        .unwrap();
    match watch.next().await.unwrap().unwrap() {
        WatchEvent::Modified(cm) => {
            assert_eq!(cm.metadata.name.as_deref(), Some("cm-03"));
            assert_eq!(
                cm.data.unwrap().get("changed").map(String::as_str),
                Some("yes")
            );
        }
        other => panic!("expected MODIFIED, got {other:?}"),
    }
    match watch.next().await.unwrap().unwrap() {
        WatchEvent::Deleted(cm) => assert_eq!(cm.metadata.name.as_deref(), Some("cm-05")),
        other => panic!("expected DELETED, got {other:?}"),
    }

    // A Status error in protobuf keeps its reason, code and details.
    let err = maps
        .get("missing", &GetOptions::default())
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err}");
    let err = maps
        .create(
            &ConfigMap {
                metadata: ObjectMeta::namespaced(c.namespace.as_str(), "cm-00"),
                ..Default::default()
            },
            &CreateOptions::default(),
        )
        .await
        .unwrap_err();
    assert!(err.is_already_exists(), "{err}");
}

#[tokio::test]
async fn the_server_answers_protobuf_only_when_asked_and_not_for_custom_resources() {
    let c = cluster::start("pb-negotiate").await;
    let proto = Clientset::for_config(&protobuf_config(&c.config)).unwrap();
    let rest = c.clientset.resource::<ConfigMap>(&c.namespace).unwrap();
    let answer = rest
        .request(http::Method::GET)
        .set_header("accept", "application/vnd.kubernetes.protobuf")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.content_type(), Some(MEDIA_TYPE));
    let bytes = answer.into_bytes().await.unwrap();
    let envelope = kclient_apimachinery::protobuf::decode_envelope(&bytes).unwrap();
    assert_eq!(envelope.kind, "ConfigMapList");
    assert_eq!(envelope.api_version, "v1");
    let json = rest.request(http::Method::GET).send().await.unwrap();
    assert_eq!(json.content_type(), Some("application/json"));
    if !c.is_embedded() {
        return;
    }
    // The CRD itself is a built-in kind: written and read as protobuf (its schema uses the
    // apiextensions unions and `x-kubernetes-*` fields), it reads the same as JSON.
    let crd: CustomResourceDefinition = serde_saphyr::from_str(CRD).unwrap();
    let crds = proto.apiextensions_v1().custom_resource_definitions();
    let created = crds.create(&crd, &CreateOptions::default()).await.unwrap();
    assert_eq!(created.spec.versions[0].schema, crd.spec.versions[0].schema);
    assert_eq!(created.spec.names.short_names, crd.spec.names.short_names);
    let name = crd.metadata.name.clone().unwrap();
    let mut established = false;
    for _ in 0..100 {
        let got = crds.get(&name, &GetOptions::default()).await.unwrap();
        let from_json = c
            .clientset
            .apiextensions_v1()
            .custom_resource_definitions()
            .get(&name, &GetOptions::default())
            .await
            .unwrap();
        assert_eq!(got, from_json);
        established = got
            .status
            .and_then(|s| s.conditions)
            .unwrap_or_default()
            .iter()
            .any(|c| c.type_ == "Established" && c.status == "True");
        if established {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(established);
    // A custom resource through a protobuf client: sent and read as JSON.
    let tabs = proto.resource::<CronTab>(&c.namespace).unwrap();
    let tab = CronTab {
        metadata: ObjectMeta::namespaced(c.namespace.as_str(), "tab"),
        spec: Some(CronTabSpec {
            cron_spec: "*/5 * * * *".into(),
            image: "busybox".into(),
            ..Default::default()
        }),
        ..CronTab::default()
    };
    tabs.create(&tab, &CreateOptions::default()).await.unwrap();
    let got = tabs.get("tab", &GetOptions::default()).await.unwrap();
    assert_eq!(got.spec, tab.spec);
    // The server answers a custom resource in JSON when JSON is a choice, 406 when not.
    let answer = tabs
        .request(http::Method::GET)
        .name("tab")
        .set_header(
            "accept",
            "application/vnd.kubernetes.protobuf, application/json",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(answer.content_type(), Some("application/json"));
    let err = tabs
        .request(http::Method::GET)
        .name("tab")
        .set_header("accept", "application/vnd.kubernetes.protobuf")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some(406), "{err}");
}
