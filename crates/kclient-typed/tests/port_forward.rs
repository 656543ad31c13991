//! Port forwarding through kclient's pods client: several ports over one connection, 1 MiB
//! echoed intact, HTTP through a local `PortForwarder`, both transports, the server's error for
//! an undeclared port, and clean endings (pod deleted mid-stream, dropped handles). Runs
//! against the embedded test server, or a real cluster when `KCLIENT_TEST_KUBECONFIG` is set
//! (the pod then runs agnhost's `netexec` on port 80 and a busybox `nc` echo on port 9000).
#![cfg(feature = "core-v1")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod cluster;

use std::time::Duration;

use kclient_apimachinery::meta::ObjectMeta;
use kclient_apimachinery::options::{CreateOptions, DeleteOptions, GetOptions};
use kclient_rest::portforward::{PortForwardOptions, PortMapping, Protocol, RemoteError};
use kclient_typed::ResourceClient;
use kclient_typed::api::core::v1::{Container, ContainerPort, Node, Pod, PodSpec};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Creates the pod (on the embedded server: bound to a fresh node, whose simulated kubelet
/// starts it) and waits until it runs.
async fn running_pod(c: &cluster::Cluster, name: &str) -> ResourceClient<Pod> {
    let pods = c.clientset.core_v1().pods(&c.namespace);
    let port = |n: i32, name: &str| ContainerPort {
        container_port: n,
        name: Some(name.into()),
        ..Default::default()
    };
    let mut spec = PodSpec {
        containers: vec![
            Container {
                name: "web".into(),
                image: Some("registry.k8s.io/e2e-test-images/agnhost:2.53".into()),
                args: Some(vec![
                    "netexec".into(),
                    "--http-port=80".into(),
                    "--udp-port=-1".into(),
                ]),
                ports: Some(vec![port(80, "http")]),
                ..Default::default()
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
                ..Default::default()
            },
        ],
        ..Default::default()
    };
    if c.is_embedded() {
        let node = cluster::unique("node");
        let nodes = c.clientset.core_v1().nodes();
        nodes
            .create(
                &Node {
                    metadata: ObjectMeta::named(&node),
                    ..Default::default()
                },
                &CreateOptions::default(),
            )
            .await
            .unwrap();
        spec.node_name = Some(node);
    }
    let pod = Pod {
        metadata: ObjectMeta::named(name),
        spec: Some(spec),
        ..Default::default()
    };
    pods.create(&pod, &CreateOptions::default()).await.unwrap();
    for _ in 0..600 {
        let p = pods.get(name, &GetOptions::default()).await.unwrap();
        if p.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Running") {
            return pods;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("pod {name} did not start");
}

async fn echo_1mib(forward: &kclient_rest::portforward::PortForward) {
    let payload: Vec<u8> = (0..1024 * 1024u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 24) as u8)
        .collect();
    let stream = forward.open(9000).await.unwrap();
    let (mut r, mut w) = tokio::io::split(stream);
    let send = async {
        w.write_all(&payload).await.unwrap();
        w.shutdown().await.unwrap();
    };
    let mut back = Vec::with_capacity(payload.len());
    let recv = async {
        // A real echo keeps the connection open after its input ends; stop at the full size.
        let mut buf = vec![0u8; 64 * 1024];
        while back.len() < payload.len() {
            let n = r.read(&mut buf).await.unwrap();
            if n == 0 {
                break;
            }
            back.extend_from_slice(&buf[..n]);
        }
    };
    tokio::time::timeout(Duration::from_secs(60), async { tokio::join!(send, recv) })
        .await
        .unwrap();
    assert_eq!(back.len(), payload.len());
    assert!(back == payload, "echoed bytes differ");
}

async fn http_hostname(forward: &kclient_rest::portforward::PortForward) -> String {
    let mut s = forward.open(80).await.unwrap();
    s.write_all(b"GET /hostname HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut out = String::new();
    tokio::time::timeout(Duration::from_secs(30), s.read_to_string(&mut out))
        .await
        .unwrap()
        .unwrap();
    assert!(out.starts_with("HTTP/1.1 200 OK"), "{out}");
    out.split("\r\n\r\n")
        .nth(1)
        .unwrap_or_default()
        .trim()
        .to_string()
}

async fn several_ports_over(protocol: Protocol) {
    let c = cluster::start("pf").await;
    let pods = running_pod(&c, "pf-web").await;
    let forward = pods
        .port_forward("pf-web", &PortForwardOptions::only(protocol))
        .await
        .unwrap();
    assert_eq!(forward.protocol(), protocol);
    // Several ports and connections at once over one connection.
    let (a, b, name) = tokio::join!(
        echo_1mib(&forward),
        echo_1mib(&forward),
        http_hostname(&forward)
    );
    let _ = (a, b);
    assert_eq!(name, "pf-web");
    assert_eq!(http_hostname(&forward).await, "pf-web");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn several_ports_through_the_websocket_tunnel() {
    several_ports_over(Protocol::WebSocketTunnel).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn several_ports_through_plain_spdy() {
    several_ports_over(Protocol::Spdy).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_local_forwarder_serves_http_on_a_free_port() {
    let c = cluster::start("pf").await;
    let pods = running_pod(&c, "pf-local").await;
    let forwarder = pods
        .port_forwarder(
            "pf-local",
            &[":80".parse().unwrap(), PortMapping::any_local(9000)],
            &PortForwardOptions::default(),
        )
        .await
        .unwrap();
    let ports = forwarder.ports().to_vec();
    assert_eq!(ports.len(), 2);
    assert!(ports[0].local.ip().is_loopback() && ports[0].local.port() != 0);
    assert_eq!(ports[0].remote, 80);
    for _ in 0..2 {
        let mut tcp = TcpStream::connect(ports[0].local).await.unwrap();
        tcp.write_all(b"GET /hostname HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .await
            .unwrap();
        let mut out = String::new();
        tokio::time::timeout(Duration::from_secs(30), tcp.read_to_string(&mut out))
            .await
            .unwrap()
            .unwrap();
        assert!(
            out.ends_with("\r\n\r\npf-local") || out.trim_end().ends_with("pf-local"),
            "{out}"
        );
    }
    let mut tcp = TcpStream::connect(ports[1].local).await.unwrap();
    tcp.write_all(b"ping").await.unwrap();
    let mut buf = [0u8; 4];
    tokio::time::timeout(Duration::from_secs(30), tcp.read_exact(&mut buf))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(&buf, b"ping");
    drop(tcp);
    forwarder.stop().await.unwrap();
    // The listeners are gone.
    assert!(TcpStream::connect(ports[0].local).await.is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_undeclared_port_reads_as_the_servers_error() {
    let c = cluster::start("pf").await;
    let pods = running_pod(&c, "pf-err").await;
    let forward = pods
        .port_forward("pf-err", &PortForwardOptions::default())
        .await
        .unwrap();
    let mut s = forward.open(81).await.unwrap();
    let mut out = Vec::new();
    let err = tokio::time::timeout(Duration::from_secs(30), s.read_to_end(&mut out))
        .await
        .unwrap()
        .unwrap_err();
    let remote = RemoteError::from_io(&err).unwrap_or_else(|| panic!("not a server error: {err}"));
    assert_eq!(remote.port, 81);
    assert!(
        remote.text.contains("error forwarding port 81 to pod"),
        "{}",
        remote.text
    );
    assert!(
        remote.text.contains("connection refused"),
        "{}",
        remote.text
    );
    // The connection itself is still usable.
    assert_eq!(http_hostname(&forward).await, "pf-err");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_the_pod_ends_open_streams_with_an_error() {
    let c = cluster::start("pf").await;
    let pods = running_pod(&c, "pf-gone").await;
    let forward = pods
        .port_forward("pf-gone", &PortForwardOptions::default())
        .await
        .unwrap();
    let mut s = forward.open(9000).await.unwrap();
    s.write_all(b"abc").await.unwrap();
    let mut buf = [0u8; 3];
    s.read_exact(&mut buf).await.unwrap();
    pods.delete(
        "pf-gone",
        &DeleteOptions {
            grace_period_seconds: Some(0),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let mut rest = Vec::new();
    let result = tokio::time::timeout(Duration::from_secs(60), s.read_to_end(&mut rest))
        .await
        .unwrap();
    assert!(
        result.is_err(),
        "reading after the pod was deleted should fail, got {result:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pod_without_a_node_is_refused_with_the_servers_status() {
    let c = cluster::start("pf").await;
    if !c.is_embedded() {
        return; // a real scheduler binds every pod
    }
    let pods = c.clientset.core_v1().pods(&c.namespace);
    let pod = Pod {
        metadata: ObjectMeta::named("pf-unbound"),
        spec: Some(PodSpec {
            containers: vec![Container {
                name: "c".into(),
                ..Default::default()
            }],
            ..Default::default()
        }),
        ..Default::default()
    };
    pods.create(&pod, &CreateOptions::default()).await.unwrap();
    let err = pods
        .port_forward("pf-unbound", &PortForwardOptions::default())
        .await
        .unwrap_err();
    let kclient_typed::Error::Rest(rest) = &err else {
        panic!("{err}")
    };
    assert_eq!(rest.code(), Some(400), "{err}");
    assert!(
        err.to_string()
            .contains("pod pf-unbound does not have a host assigned"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn several_ports_through_kubelet_style_channels() {
    several_ports_over(Protocol::WebSocketV4).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_a_forwarder_closes_its_ports() {
    let c = cluster::start("pf").await;
    let pods = running_pod(&c, "pf-drop").await;
    let forwarder = pods
        .port_forwarder(
            "pf-drop",
            &[PortMapping::any_local(9000)],
            &PortForwardOptions::default(),
        )
        .await
        .unwrap();
    let local = forwarder.ports()[0].local;
    let mut tcp = TcpStream::connect(local).await.unwrap();
    tcp.write_all(b"x").await.unwrap();
    let mut one = [0u8; 1];
    tcp.read_exact(&mut one).await.unwrap();
    drop(forwarder);
    // The open connection ends and nothing listens any more.
    let mut rest = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), tcp.read_to_end(&mut rest))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(TcpStream::connect(local).await.is_err());
}
