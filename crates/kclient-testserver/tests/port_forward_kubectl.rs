//! `kubectl port-forward` (the real kubectl v1.32) against the test server's `pods/portforward`:
//! the default SPDY-over-WebSocket tunnel and the plain SPDY fallback
//! (`KUBECTL_PORT_FORWARD_WEBSOCKETS=false`), an HTTP GET through the forwarded port answering
//! the pod's name, and the error an undeclared port gets. Skipped (with a message) when kubectl
//! is not installed, unless `KCLIENT_REQUIRE_KUBECTL=1`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::process::Stdio;
use std::time::Duration;

use support::kubectl::Env;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::process::Child;

const POD: &str = r#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web","namespace":"default"},
"spec":{"nodeName":"node-1","containers":[{"name":"c","image":"nginx",
"ports":[{"containerPort":80,"name":"http"},{"containerPort":9000,"name":"echo"}]}]}}"#;

/// A pod with ports 80 (HTTP) and 9000 (echo), marked Running (kubectl checks the phase).
async fn running_pod(env: &Env) {
    env.run_with(&["apply", "-f", "-"], POD).await;
    env.run(&[
        "patch",
        "pod",
        "web",
        "--subresource=status",
        "--type=merge",
        "-p",
        r#"{"status":{"phase":"Running"}}"#,
    ])
    .await;
}

/// Starts `kubectl port-forward pod/web <mapping>` and returns it with the local port it reports.
async fn port_forward(env: &Env, mapping: &str, websockets: bool) -> (Child, u16) {
    let mut cmd = env.command(&["port-forward", "pod/web", mapping, "-v=4"]);
    if !websockets {
        cmd.env("KUBECTL_PORT_FORWARD_WEBSOCKETS", "false");
    }
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let line = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
        .await
        .expect("kubectl port-forward printed nothing in 30 s")
        .unwrap();
    let Some(line) = line else {
        let mut err = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut err)
            .await
            .unwrap();
        panic!("kubectl port-forward exited: {err}");
    };
    // "Forwarding from 127.0.0.1:38123 -> 80"
    let port = line
        .strip_prefix("Forwarding from 127.0.0.1:")
        .and_then(|r| r.split(' ').next())
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("unexpected first line: {line}"));
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    (child, port)
}

async fn http_get(port: u16) -> String {
    let mut tcp = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    tcp.write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut out = String::new();
    tokio::time::timeout(Duration::from_secs(20), tcp.read_to_string(&mut out))
        .await
        .expect("no HTTP answer in 20 s")
        .unwrap();
    out
}

async fn get_through_kubectl(websockets: bool) {
    let Some(env) = Env::start().await else {
        return;
    };
    running_pod(&env).await;
    let (mut child, port) = port_forward(&env, ":80", websockets).await;
    for _ in 0..3 {
        let answer = http_get(port).await;
        assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
        assert!(answer.ends_with("\r\n\r\nweb\n"), "{answer}");
    }
    // Echo through a second mapping of the same kubectl.
    child.kill().await.unwrap();
    let (mut child, port) = port_forward(&env, ":9000", websockets).await;
    let mut tcp = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let payload: Vec<u8> = (0..256 * 1024).map(|i| (i % 251) as u8).collect();
    let (mut r, mut w) = tcp.split();
    let send = async {
        w.write_all(&payload).await.unwrap();
        w.shutdown().await.unwrap();
    };
    let mut back = Vec::new();
    let recv = r.read_to_end(&mut back);
    let (_, n) = tokio::time::timeout(Duration::from_secs(30), async { tokio::join!(send, recv) })
        .await
        .unwrap();
    n.unwrap();
    assert_eq!(back.len(), payload.len());
    assert!(back == payload, "echoed bytes differ");
    child.kill().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_port_forward_over_the_websocket_tunnel() {
    get_through_kubectl(true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_port_forward_over_plain_spdy() {
    get_through_kubectl(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_reports_an_undeclared_port_like_a_kubelet() {
    let Some(env) = Env::start().await else {
        return;
    };
    running_pod(&env).await;
    let (child, port) = port_forward(&env, ":81", true).await;
    let mut tcp = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let _ = tcp.write_all(b"hello").await;
    let mut sink = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(20), tcp.read_to_end(&mut sink)).await;
    // client-go closes the connection on a forwarding error, so kubectl exits with the text.
    let out = tokio::time::timeout(Duration::from_secs(20), child.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("an error occurred forwarding")
            && stderr.contains("error forwarding port 81 to pod")
            && stderr.contains("connect: connection refused"),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pod_without_a_node_cannot_be_forwarded() {
    let Some(env) = Env::start().await else {
        return;
    };
    env.run_with(
        &["apply", "-f", "-"],
        &POD.replace(r#""nodeName":"node-1","#, ""),
    )
    .await;
    env.run(&[
        "patch",
        "pod",
        "web",
        "--subresource=status",
        "--type=merge",
        "-p",
        r#"{"status":{"phase":"Running"}}"#,
    ])
    .await;
    let (ok, _, err) = env.try_run(&["port-forward", "pod/web", ":80"], None).await;
    assert!(!ok);
    assert!(
        err.contains("pod web does not have a host assigned"),
        "{err}"
    );
}
