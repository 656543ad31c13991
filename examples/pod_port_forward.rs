//! Port forwarding to a pod, like `kubectl port-forward pod/NAME :80`: starts a pod serving
//! HTTP on port 80, forwards a free local port to it (the WebSocket tunnel first, plain SPDY if
//! the server refuses it), fetches `/hostname` through the local port, echoes bytes over a
//! stream opened straight on the connection, and deletes the pod (also when a step fails).
//!
//! ```sh
//! cargo run --example pod_port_forward -- [--namespace default] [--name kclient-port-forward]
//! ```
//!
//! Configuration comes from `Config::infer()` (`KUBECONFIG`, `~/.kube/config`, or in-cluster);
//! with none of them it starts an embedded kclient-testserver (with a node, so its simulated
//! kubelet runs the pod) and runs against that.

#[path = "support/mod.rs"]
mod support;

use std::time::Duration;

use anyhow::{Context as _, bail};
use clap::Parser;
use kclient_apimachinery::meta::ObjectMeta;
use kclient_apimachinery::options::{CreateOptions, DeleteOptions, GetOptions};
use kclient_rest::portforward::{PortForwardOptions, PortMapping};
use kclient_typed::api::core::v1::{Container, ContainerPort, Node, Pod, PodSpec};
use kclient_typed::{Clientset, ResourceClient};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Command-line flags.
#[derive(Debug, Parser)]
#[command(about = "Forward a local port to a pod and fetch through it")]
struct Args {
    /// The namespace of the pod.
    #[arg(long, default_value = "default")]
    namespace: String,
    /// The pod's name.
    #[arg(long, default_value = "kclient-port-forward")]
    name: String,
    /// How long to wait for the pod to run.
    #[arg(long, default_value_t = 120)]
    timeout_secs: u64,
}

/// agnhost's `netexec` answers `GET /hostname` with the pod name; a busybox `nc` echoes 9000.
fn pod(args: &Args, node: Option<String>) -> Pod {
    let port = |number: i32, name: &str| ContainerPort {
        container_port: number,
        name: Some(name.into()),
        ..ContainerPort::default()
    };
    Pod {
        metadata: ObjectMeta::namespaced(args.namespace.as_str(), args.name.as_str()),
        spec: Some(PodSpec {
            node_name: node,
            containers: vec![
                Container {
                    name: "web".into(),
                    image: Some("registry.k8s.io/e2e-test-images/agnhost:2.53".into()),
                    args: Some(vec!["netexec".into(), "--http-port=80".into()]),
                    ports: Some(vec![port(80, "http")]),
                    ..Container::default()
                },
                Container {
                    name: "echo".into(),
                    image: Some("busybox:1.36".into()),
                    command: Some(vec![
                        "sh".into(),
                        "-c".into(),
                        "while true; do nc -l -p 9000 -e cat; done".into(),
                    ]),
                    ports: Some(vec![port(9000, "echo")]),
                    ..Container::default()
                },
            ],
            ..PodSpec::default()
        }),
        ..Pod::default()
    }
}

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
            .context("reading the pod")?;
        let phase = pod
            .status
            .as_ref()
            .and_then(|s| s.phase.clone())
            .unwrap_or_default();
        if phase == "Running" {
            return Ok(());
        }
        if tokio::time::Instant::now() >= deadline {
            bail!("pod {name} is {phase:?} after {timeout:?}");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn forward_and_fetch(pods: &ResourceClient<Pod>, args: &Args) -> anyhow::Result<()> {
    wait_running(pods, &args.name, Duration::from_secs(args.timeout_secs)).await?;

    // kubectl port-forward pod/NAME :80
    let forwarder = pods
        .port_forwarder(
            &args.name,
            &[PortMapping::any_local(80)],
            &PortForwardOptions::default(),
        )
        .await
        .context("starting the port forward")?;
    let local = forwarder.ports()[0].local;
    println!("Forwarding from {local} -> 80");

    let mut tcp = TcpStream::connect(local)
        .await
        .context("connecting to the local port")?;
    tcp.write_all(b"GET /hostname HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await
        .context("sending the request")?;
    let mut answer = String::new();
    tokio::time::timeout(Duration::from_secs(30), tcp.read_to_string(&mut answer))
        .await
        .context("no answer within 30 s")?
        .context("reading the answer")?;
    let status = answer.lines().next().unwrap_or_default();
    let body = answer.split("\r\n\r\n").nth(1).unwrap_or_default().trim();
    println!("GET /hostname through {local}: {status}, body {body:?}");
    forwarder.stop().await.context("stopping the forwarder")?;

    // Streams straight on a connection, no local listener: several ports share it.
    let forward = pods
        .port_forward(&args.name, &PortForwardOptions::default())
        .await
        .context("connecting")?;
    let mut stream = forward
        .open(9000)
        .await
        .context("opening a stream to port 9000")?;
    stream.write_all(b"hello, pod").await.context("writing")?;
    let mut echoed = [0u8; 10];
    tokio::time::timeout(Duration::from_secs(30), stream.read_exact(&mut echoed))
        .await
        .context("no echo within 30 s")?
        .context("reading the echo")?;
    println!(
        "port 9000 over {:?} echoed {:?}",
        forward.protocol(),
        String::from_utf8_lossy(&echoed)
    );
    forward.close().await;
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let cluster = support::connect().await?;
    let clientset = Clientset::for_config(&cluster.config).context("building the clientset")?;
    // The embedded server's simulated kubelets run pods bound to a node that exists.
    let node = if cluster.is_embedded() {
        let node = Node {
            metadata: ObjectMeta::named("kclient-example-node"),
            ..Node::default()
        };
        clientset
            .core_v1()
            .nodes()
            .create(&node, &CreateOptions::default())
            .await
            .context("creating a node")?;
        Some("kclient-example-node".to_string())
    } else {
        None
    };
    let pods = clientset.core_v1().pods(&args.namespace);
    pods.create(&pod(&args, node), &CreateOptions::default())
        .await
        .with_context(|| format!("creating pod {}/{}", args.namespace, args.name))?;
    println!("created pod {}/{}", args.namespace, args.name);

    let result = forward_and_fetch(&pods, &args).await;
    let deleted = pods.delete(&args.name, &DeleteOptions::default()).await;
    result?;
    deleted.with_context(|| format!("deleting pod {}", args.name))?;
    println!("deleted pod {}/{}", args.namespace, args.name);
    Ok(())
}
