//! A throwaway running pod for the streaming examples (`pod_exec`, `pod_logs`). On the embedded
//! test server the pod is bound to a demo node, where the simulated kubelet starts it; on a real
//! cluster the scheduler places it. Include with
//! `#[path = "support/demo_pod.rs"] mod demo_pod;` (needs `support` and `demo_nodes` too).
#![allow(dead_code)]

use std::time::Duration;

use anyhow::{Context as _, bail};
use kclient_apimachinery::meta::ObjectMeta;
use kclient_apimachinery::options::{CreateOptions, DeleteOptions, GetOptions};
use kclient_rest::RestClient;
use kclient_typed::api::core::v1::{Container, Pod, PodSpec};
use kclient_typed::{Clientset, ResourceClient};

use crate::demo_nodes::add_demo_nodes;
use crate::support::Cluster;

/// Creates pod `name` running `command` in container `main` and waits (up to `timeout`) until
/// it is Running.
pub async fn start_demo_pod(
    cluster: &Cluster,
    clientset: &Clientset,
    namespace: &str,
    name: &str,
    command: &[&str],
    timeout: Duration,
) -> anyhow::Result<()> {
    let pods = clientset.core_v1().pods(namespace);
    let mut node_name = None;
    if cluster.is_embedded() {
        let mut config = cluster.config.clone();
        config.api_path = "/api".into();
        config.content.group_version = Some(kclient_apimachinery::GroupVersion::new("", "v1"));
        config.content.serializer = Some(kclient_config::Serializer::Json);
        let core = RestClient::for_config(&config).context("building a core/v1 client")?;
        add_demo_nodes(&core).await?;
        node_name = Some("demo-worker-1".to_string());
    }
    let pod = Pod {
        metadata: ObjectMeta::namespaced(namespace, name),
        spec: Some(PodSpec {
            containers: vec![Container {
                name: "main".into(),
                image: Some("busybox:1.36".into()),
                command: Some(command.iter().map(|s| s.to_string()).collect()),
                ..Container::default()
            }],
            node_name,
            ..PodSpec::default()
        }),
        ..Pod::default()
    };
    pods.create(&pod, &CreateOptions::default())
        .await
        .with_context(|| format!("creating pod {namespace}/{name}"))?;
    wait_running(&pods, name, timeout).await
}

/// Polls pod `name` until its phase is Running.
async fn wait_running(
    pods: &ResourceClient<Pod>,
    name: &str,
    timeout: Duration,
) -> anyhow::Result<()> {
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        let pod = pods
            .get(name, &GetOptions::default())
            .await
            .with_context(|| format!("reading pod {name}"))?;
        let phase = pod
            .status
            .as_ref()
            .and_then(|s| s.phase.clone())
            .unwrap_or_default();
        match phase.as_str() {
            "Running" => return Ok(()),
            "Succeeded" | "Failed" => bail!("pod {name} ended ({phase}) before it could be used"),
            _ if tokio::time::Instant::now() >= deadline => {
                bail!("pod {name} is not Running after {timeout:?} (phase {phase:?})")
            }
            _ => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }
}

/// Deletes pod `name` at once (grace period 0), ignoring "not found".
pub async fn delete_demo_pod(
    clientset: &Clientset,
    namespace: &str,
    name: &str,
) -> anyhow::Result<()> {
    let options = DeleteOptions {
        grace_period_seconds: Some(0),
        ..DeleteOptions::default()
    };
    match clientset
        .core_v1()
        .pods(namespace)
        .delete(name, &options)
        .await
    {
        Ok(_) => Ok(()),
        Err(e) if e.is_not_found() => Ok(()),
        Err(e) => Err(e).with_context(|| format!("deleting pod {namespace}/{name}")),
    }
}
