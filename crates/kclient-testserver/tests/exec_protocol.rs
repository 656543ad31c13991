//! exec/attach on the wire, without kubectl: subprotocol negotiation, the readiness frame,
//! channel frames, v5 CLOSE of stdin, the error channel's Status JSON byte for byte, pod
//! deletion mid-stream, a client that goes away, refusals before the upgrade, and the `create`
//! permission a WebSocket GET needs under RBAC.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use http::{Method, StatusCode};
use http_body_util::BodyExt;
use hyper_util::rt::TokioIo;
use kclient_testserver::TestServer;
use serde_json::{Value, json};
use support::Client;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::Role;

const PODS: &str = "/api/v1/namespaces/default/pods";

type Ws = WebSocketStream<TokioIo<hyper::upgrade::Upgraded>>;

async fn server_with_pod(rbac: bool) -> (TestServer, Client) {
    let server = TestServer::builder().rbac(rbac).start().await.unwrap();
    let c = Client::admin(&server);
    c.post("/api/v1/nodes", json!({"metadata": {"name": "n1"}}))
        .await;
    let pod = json!({"metadata": {"name": "p"}, "spec": {"nodeName": "n1",
        "containers": [{"name": "c", "image": "busybox", "command": ["sh"], "stdin": true}]}});
    assert_eq!(c.post(PODS, pod).await.0, StatusCode::CREATED);
    for _ in 0..100 {
        if c.get(&format!("{PODS}/p")).await.1["status"]["phase"] == "Running" {
            return (server, c);
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the pod did not start");
}

fn exec_path(command: &[&str], extra: &str) -> String {
    let cmd: String = command
        .iter()
        .map(|c| format!("&command={}", urlencode(c)))
        .collect();
    format!("{PODS}/p/exec?stdout=true&stderr=true{extra}{cmd}")
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Upgrades `path`; the negotiated protocol and the WebSocket, or the refusal.
async fn connect(
    c: &Client,
    path: &str,
    protocols: &str,
) -> Result<(String, Ws), (StatusCode, Value)> {
    let headers = [
        ("connection", "Upgrade"),
        ("upgrade", "websocket"),
        ("sec-websocket-version", "13"),
        ("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ=="),
        ("sec-websocket-protocol", protocols),
    ];
    let resp = c.raw(Method::GET, path, &headers, None).await;
    if resp.status() != StatusCode::SWITCHING_PROTOCOLS {
        let status = resp.status();
        let body = resp.into_body().collect().await.unwrap().to_bytes();
        return Err((status, serde_json::from_slice(&body).unwrap_or(Value::Null)));
    }
    let protocol = resp.headers()["sec-websocket-protocol"]
        .to_str()
        .unwrap()
        .to_string();
    let upgraded = hyper::upgrade::on(resp).await.unwrap();
    let ws = WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Client, None).await;
    Ok((protocol, ws))
}

/// Reads frames until the server closes: (channel, payload) of each binary message.
async fn frames(ws: &mut Ws) -> Vec<(u8, Vec<u8>)> {
    let mut out = Vec::new();
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .expect("no frame within 10s");
        match msg {
            Some(Ok(Message::Binary(b))) => out.push((b[0], b[1..].to_vec())),
            Some(Ok(Message::Close(frame))) => {
                assert_eq!(u16::from(frame.unwrap().code), 1000);
                return out;
            }
            Some(Ok(_)) => {}
            None | Some(Err(_)) => return out,
        }
    }
}

fn channel(frames: &[(u8, Vec<u8>)], ch: u8) -> String {
    frames
        .iter()
        .filter(|(c, _)| *c == ch)
        .map(|(_, d)| String::from_utf8_lossy(d).into_owned())
        .collect()
}

#[tokio::test]
async fn v4_exec_streams_channels_and_the_exit_status() {
    let (_server, c) = server_with_pod(false).await;
    let path = exec_path(&["sh", "-c", "echo a; echo b >&2; exit 3"], "");
    let (protocol, mut ws) = connect(&c, &path, "v4.channel.k8s.io").await.unwrap();
    assert_eq!(protocol, "v4.channel.k8s.io");
    let got = frames(&mut ws).await;
    assert_eq!(got[0], (1, Vec::new()), "the readiness frame comes first");
    assert_eq!(channel(&got, 1), "a\n");
    assert_eq!(channel(&got, 2), "b\n");
    assert_eq!(
        channel(&got, 3),
        r#"{"metadata":{},"status":"Failure","message":"command terminated with non-zero exit code: command terminated with exit code 3","reason":"NonZeroExitCode","details":{"causes":[{"reason":"ExitCode","message":"3"}]},"code":500}"#
    );
}

#[tokio::test]
async fn v5_stdin_close_ends_the_input() {
    let (_server, c) = server_with_pod(false).await;
    let path = exec_path(&["cat"], "&stdin=true");
    let (protocol, mut ws) = connect(&c, &path, "v5.channel.k8s.io, v4.channel.k8s.io")
        .await
        .unwrap();
    assert_eq!(protocol, "v5.channel.k8s.io");
    ws.send(Message::binary(b"\x00hello ".to_vec()))
        .await
        .unwrap();
    ws.send(Message::binary(b"\x00world".to_vec()))
        .await
        .unwrap();
    ws.send(Message::binary(vec![255, 0])).await.unwrap();
    let got = frames(&mut ws).await;
    assert_eq!(channel(&got, 1), "hello world");
    assert_eq!(channel(&got, 3), r#"{"metadata":{},"status":"Success"}"#);
}

#[tokio::test]
async fn deleting_the_pod_ends_the_stream_and_a_gone_client_stops_the_command() {
    let (_server, c) = server_with_pod(false).await;
    // A client that goes away: the command is stopped before it writes to the log.
    let path = exec_path(&["sh", "-c", "sleep 1; echo leaked > /proc/1/fd/1"], "");
    let (_, mut ws) = connect(&c, &path, "v5.channel.k8s.io").await.unwrap();
    let ready = ws.next().await.unwrap().unwrap();
    assert_eq!(ready.into_data().as_ref(), [1]);
    drop(ws);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let resp = c
        .raw(Method::GET, &format!("{PODS}/p/log"), &[], None)
        .await;
    let log = resp.into_body().collect().await.unwrap().to_bytes();
    let log = String::from_utf8_lossy(&log);
    assert!(!log.contains("leaked"), "{log}");

    let path = exec_path(&["sleep", "3600"], "");
    let (_, mut ws) = connect(&c, &path, "v5.channel.k8s.io").await.unwrap();
    let deleter = {
        let c = Client::admin(&_server);
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(200)).await;
            c.delete(&format!("{PODS}/p?gracePeriodSeconds=0"), None)
                .await
        })
    };
    let got = frames(&mut ws).await;
    assert!(channel(&got, 3).contains(r#""message":"137""#), "{got:?}");
    assert_eq!(deleter.await.unwrap().0, StatusCode::OK);
}

#[tokio::test]
async fn requests_are_refused_before_the_upgrade_as_the_real_server_does() {
    let (_server, c) = server_with_pod(false).await;
    let (code, body) = c.get(&exec_path(&["ls"], "")).await;
    assert_eq!(code, StatusCode::BAD_REQUEST);
    assert_eq!(body["message"], "Upgrade request required");
    let err = connect(
        &c,
        &format!("{PODS}/p/exec?command=ls"),
        "v5.channel.k8s.io",
    )
    .await
    .err()
    .unwrap();
    assert_eq!(
        err.1["message"],
        "you must specify at least 1 of stdin, stdout, stderr"
    );
    let err = connect(&c, &exec_path(&["ls"], "&container=x"), "v5.channel.k8s.io")
        .await
        .err()
        .unwrap();
    assert_eq!(err.1["message"], "container x is not valid for pod p");
    let err = connect(&c, &exec_path(&["ls"], ""), "v9.channel.k8s.io")
        .await
        .err()
        .unwrap();
    assert_eq!(err.0, StatusCode::BAD_REQUEST);
    let err = connect(
        &c,
        "/api/v1/namespaces/default/pods/q/exec?stdout=1&command=ls",
        "v5.channel.k8s.io",
    )
    .await
    .err()
    .unwrap();
    assert_eq!(err.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn attach_delivers_the_main_process_output() {
    let (_server, c) = server_with_pod(false).await;
    let path = format!("{PODS}/p/attach?stdin=true&stdout=true&stderr=true");
    let (_, mut ws) = connect(&c, &path, "v5.channel.k8s.io").await.unwrap();
    ws.send(Message::binary(b"\x00echo out; echo err >&2\n".to_vec()))
        .await
        .unwrap();
    ws.send(Message::binary(vec![255, 0])).await.unwrap();
    let got = frames(&mut ws).await;
    assert_eq!(channel(&got, 1), "out\n");
    assert_eq!(channel(&got, 2), "err\n");
    assert_eq!(channel(&got, 3), r#"{"metadata":{},"status":"Success"}"#);
}

#[tokio::test]
async fn a_websocket_get_needs_create_on_pods_exec_under_rbac() {
    let (server, admin) = server_with_pod(true).await;
    let rbac = "/apis/rbac.authorization.k8s.io/v1/namespaces/default";
    let role = |verbs: &[&str]| {
        json!({"metadata": {"name": "exec"}, "rules": [
            {"verbs": verbs, "apiGroups": [""], "resources": ["pods/exec"]}]})
    };
    admin.post(&format!("{rbac}/roles"), role(&["get"])).await;
    admin
        .post(
            &format!("{rbac}/rolebindings"),
            json!({"metadata": {"name": "exec"},
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "exec"},
                "subjects": [{"kind": "User", "name": "alice", "apiGroup": "rbac.authorization.k8s.io"}]}),
        )
        .await;
    let (cert, key) = server.client_certificate("alice", &[]).unwrap();
    let alice = Client::with_cert(&server, cert, key);
    let path = exec_path(&["echo", "hi"], "");
    let (code, body) = connect(&alice, &path, "v5.channel.k8s.io")
        .await
        .err()
        .unwrap();
    assert_eq!(code, StatusCode::FORBIDDEN);
    assert_eq!(
        body["message"],
        r#"pods "p" is forbidden: User "alice" cannot create resource "pods/exec" in API group "" in the namespace "default""#
    );
    admin
        .put(&format!("{rbac}/roles/exec"), role(&["get", "create"]))
        .await;
    let (_, mut ws) = connect(&alice, &path, "v5.channel.k8s.io").await.unwrap();
    assert_eq!(channel(&frames(&mut ws).await, 1), "hi\n");
}
