//! Exec/attach over WebSocket against an in-test WebSocket server (tokio-tungstenite, server
//! role): the upgrade through the client's stack (headers, TLS with ALPN, errors of a refused
//! upgrade), the channel protocol (stdout/stderr/error channels, stdin with v5 CLOSE, resize),
//! exit codes as values, failures keeping the server's Status, heartbeat and abandonment.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::result_large_err,
    missing_docs
)]

mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use kclient_apimachinery::GroupVersion;
use kclient_apimachinery::remotecommand::{
    Protocol, ResizeDecoder, TerminalSize, encode_status, exit_code_status, success_status,
};
use kclient_config::{Config, DataSource, Serializer};
use kclient_rest::remotecommand::{ExitStatus, StreamOptions, StreamSettings};
use kclient_rest::tokio_tungstenite::tungstenite::Message;
use kclient_rest::tokio_tungstenite::tungstenite::handshake::server::{
    ErrorResponse, Request as WsRequest, Response as WsResponse,
};
use kclient_rest::tokio_tungstenite::{WebSocketStream, accept_hdr_async};
use kclient_rest::{Error, RestClient};
use secrecy::SecretString;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;

type Socket = WebSocketStream<Box<dyn Io>>;
trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

/// What the server saw of the handshake.
#[derive(Debug, Clone, Default)]
struct Seen {
    uri: String,
    protocols: String,
    authorization: String,
    user_agent: String,
    impersonate: String,
    alpn: Option<Vec<u8>>,
}

/// How the server answers the handshake.
#[derive(Clone)]
enum Answer {
    /// Accept, choosing the first offered protocol that is in this list.
    Choose(&'static [&'static str]),
    /// Accept, echoing this protocol whatever was offered.
    Echo(&'static str),
    /// Refuse with this code and body.
    Refuse(u16, &'static str),
}

struct Server {
    url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
    ca: Option<support::Ca>,
}

impl Server {
    async fn start<F, Fut>(answer: Answer, tls_alpn: Option<&[&[u8]]>, handler: F) -> Server
    where
        F: Fn(Socket) -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = ()> + Send + 'static,
    {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let (ca, acceptor) = match tls_alpn {
            Some(alpn) => {
                let ca = support::Ca::new("ws CA");
                let tls = support::ServerTls {
                    cert: ca.server_cert(&["localhost", "127.0.0.1"]),
                    alpn: alpn.iter().map(|p| p.to_vec()).collect(),
                    client_ca: None,
                };
                let config = support::server_config(tls);
                (
                    Some(ca),
                    Some(tokio_rustls::TlsAcceptor::from(Arc::new(config))),
                )
            }
            None => (None, None),
        };
        let scheme = if acceptor.is_some() { "https" } else { "http" };
        let handler = Arc::new(handler);
        let record = seen.clone();
        tokio::spawn(async move {
            loop {
                let Ok((tcp, _)) = listener.accept().await else {
                    return;
                };
                let handler = handler.clone();
                let record = record.clone();
                let answer = answer.clone();
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    let (io, alpn): (Box<dyn Io>, _) = match acceptor {
                        Some(acceptor) => {
                            let tls = acceptor.accept(tcp).await.unwrap();
                            let alpn = tls.get_ref().1.alpn_protocol().map(<[u8]>::to_vec);
                            (Box::new(tls), alpn)
                        }
                        None => (Box::new(tcp), None),
                    };
                    let callback = |request: &WsRequest, mut response: WsResponse| {
                        let header = |name: &str| {
                            request
                                .headers()
                                .get(name)
                                .and_then(|v| v.to_str().ok())
                                .unwrap_or("")
                                .to_string()
                        };
                        let offered = header("sec-websocket-protocol");
                        record.lock().unwrap().push(Seen {
                            uri: request.uri().to_string(),
                            protocols: offered.clone(),
                            authorization: header("authorization"),
                            user_agent: header("user-agent"),
                            impersonate: header("impersonate-user"),
                            alpn: alpn.clone(),
                        });
                        let chosen = match answer {
                            Answer::Refuse(code, body) => {
                                let mut refusal = ErrorResponse::new(Some(body.to_string()));
                                *refusal.status_mut() = http::StatusCode::from_u16(code).unwrap();
                                refusal.headers_mut().insert(
                                    "content-type",
                                    http::HeaderValue::from_static("application/json"),
                                );
                                return Err(refusal);
                            }
                            Answer::Echo(p) => p.to_string(),
                            Answer::Choose(supported) => offered
                                .split(',')
                                .map(str::trim)
                                .find(|p| supported.contains(p))
                                .unwrap_or("")
                                .to_string(),
                        };
                        if !chosen.is_empty() {
                            response.headers_mut().insert(
                                "sec-websocket-protocol",
                                http::HeaderValue::from_str(&chosen).unwrap(),
                            );
                        }
                        Ok(response)
                    };
                    if let Ok(socket) = accept_hdr_async(io, callback).await {
                        handler(socket).await;
                    }
                });
            }
        });
        Server {
            url: format!("{scheme}://127.0.0.1:{}", addr.port()),
            seen,
            ca,
        }
    }

    fn client(&self) -> RestClient {
        self.client_with(|_| {})
    }

    fn client_with(&self, adjust: impl FnOnce(&mut Config)) -> RestClient {
        let mut config = Config::new(&self.url);
        config.api_path = "/api".into();
        config.content.group_version = Some(GroupVersion::new("", "v1"));
        config.content.serializer = Some(Serializer::Json);
        config.auth.bearer_token = Some(SecretString::from("sekret"));
        config.qps = -1.0;
        if let Some(ca) = &self.ca {
            config.tls.ca = Some(DataSource::Data(ca.cert_pem.clone().into_bytes()));
        }
        adjust(&mut config);
        RestClient::for_config(&config).unwrap()
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

const V5_V4: Answer = Answer::Choose(&["v5.channel.k8s.io", "v4.channel.k8s.io"]);

fn frame(channel: u8, payload: &[u8]) -> Message {
    let mut bytes = vec![channel];
    bytes.extend_from_slice(payload);
    Message::Binary(bytes.into())
}

async fn finish(socket: &mut Socket, status: &kclient_apimachinery::Status) {
    socket.send(frame(3, &encode_status(status))).await.unwrap();
    socket.close(None).await.unwrap();
    // Drain until the client's close answer.
    while let Some(Ok(_)) = socket.next().await {}
}

fn exec_request(client: &RestClient, query: &[(&str, &str)]) -> kclient_rest::Request {
    let mut request = client
        .get()
        .namespace("ns")
        .resource("pods")
        .name("p")
        .subresource("exec");
    for (k, v) in query {
        request = request.param(*k, *v);
    }
    request
}

const OUT_ERR: StreamOptions = StreamOptions {
    stdin: false,
    stdout: true,
    stderr: true,
    tty: false,
};

#[tokio::test]
async fn exec_reads_stdout_stderr_and_a_nonzero_exit_code_as_a_value() {
    let server = Server::start(V5_V4, None, |mut socket| async move {
        // The readiness signal: an empty stdout frame.
        socket.send(frame(1, b"")).await.unwrap();
        socket.send(frame(1, b"hello\n")).await.unwrap();
        socket.send(frame(2, b"oops\n")).await.unwrap();
        socket.send(frame(9, b"unknown channel")).await.unwrap();
        finish(&mut socket, &exit_code_status(3)).await;
    })
    .await;
    let client = server.client();
    let command = exec_request(&client, &[("command", "sh"), ("stdout", "true")])
        .remote_command(OUT_ERR, StreamSettings::default())
        .await
        .unwrap();
    assert_eq!(command.protocol(), Protocol::V5);
    assert!(command.stdin.is_none() && command.resize.is_none());
    let output = command.output(1 << 20).await.unwrap();
    assert_eq!(output.stdout, b"hello\n");
    assert_eq!(output.stderr, b"oops\n");
    assert_eq!(output.status, ExitStatus::Code(3));
    assert_eq!(output.status.code(), 3);

    let seen = server.seen();
    assert_eq!(seen[0].protocols, "v5.channel.k8s.io, v4.channel.k8s.io");
    assert_eq!(seen[0].authorization, "Bearer sekret");
    assert!(!seen[0].user_agent.is_empty());
    assert_eq!(
        seen[0].uri,
        "/api/v1/namespaces/ns/pods/p/exec?command=sh&stdout=true"
    );
}

#[tokio::test]
async fn stdin_round_trips_and_shutdown_sends_close_under_v5() {
    let server = Server::start(V5_V4, None, |mut socket| async move {
        while let Some(Ok(message)) = socket.next().await {
            let Message::Binary(data) = message else {
                continue;
            };
            match data.as_ref() {
                [0, payload @ ..] => socket.send(frame(1, payload)).await.unwrap(),
                [255, 0] => {
                    finish(&mut socket, &success_status()).await;
                    return;
                }
                other => panic!("unexpected frame {:?}", &other[..other.len().min(8)]),
            }
        }
    })
    .await;
    let client = server.client();
    let options = StreamOptions {
        stdin: true,
        stdout: true,
        ..StreamOptions::default()
    };
    let mut command = exec_request(&client, &[("stdin", "true"), ("stdout", "true")])
        .remote_command(options, StreamSettings::default())
        .await
        .unwrap();
    let mut stdin = command.stdin.take().unwrap();
    let mut stdout = command.stdout.take().unwrap();
    let data: Vec<u8> = (0..1024 * 1024).map(|i| (i % 251) as u8).collect();
    let sent = data.clone();
    let writer = tokio::spawn(async move {
        stdin.write_all(&sent).await.unwrap();
        stdin.shutdown().await.unwrap();
    });
    let mut echoed = Vec::new();
    stdout.read_to_end(&mut echoed).await.unwrap();
    writer.await.unwrap();
    assert_eq!(echoed.len(), data.len());
    assert!(echoed == data, "echoed bytes differ");
    assert_eq!(command.status().await.unwrap(), ExitStatus::Success);
}

#[tokio::test]
async fn v4_is_used_when_the_server_has_no_v5() {
    let server = Server::start(
        Answer::Choose(&["v4.channel.k8s.io"]),
        None,
        |mut socket| async move {
            socket.send(frame(1, b"v4 output")).await.unwrap();
            finish(&mut socket, &success_status()).await;
        },
    )
    .await;
    let command = exec_request(&server.client(), &[])
        .remote_command(OUT_ERR, StreamSettings::default())
        .await
        .unwrap();
    assert_eq!(command.protocol(), Protocol::V4);
    let output = command.output(1024).await.unwrap();
    assert_eq!(output.stdout, b"v4 output");
    assert!(output.status.success());
}

#[tokio::test]
async fn a_failure_on_the_error_channel_keeps_the_status() {
    let server = Server::start(V5_V4, None, |mut socket| async move {
        let status: kclient_apimachinery::Status = serde_json::from_str(
            r#"{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"NotFound",
            "message":"container \"nope\" not found in pod \"p\"","code":404}"#,
        )
        .unwrap();
        finish(&mut socket, &status).await;
    })
    .await;
    let command = exec_request(&server.client(), &[])
        .remote_command(OUT_ERR, StreamSettings::default())
        .await
        .unwrap();
    let err = command.status().await.unwrap_err();
    assert!(err.is_not_found(), "{err}");
    assert_eq!(
        err.status().unwrap().message.as_deref(),
        Some("container \"nope\" not found in pod \"p\"")
    );
}

#[tokio::test]
async fn a_refused_upgrade_keeps_the_servers_status() {
    let body = r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"pods \"p\" is forbidden: User \"u\" cannot create resource \"pods/exec\"","reason":"Forbidden","code":403}"#;
    let server = Server::start(Answer::Refuse(403, body), None, |_| async {}).await;
    let err = exec_request(&server.client(), &[])
        .remote_command(OUT_ERR, StreamSettings::default())
        .await
        .unwrap_err();
    assert!(err.is_forbidden(), "{err}");
    assert!(
        err.status()
            .unwrap()
            .message
            .as_deref()
            .unwrap()
            .contains("pods/exec")
    );

    let server = Server::start(Answer::Refuse(400, "not a status"), None, |_| async {}).await;
    let err = exec_request(&server.client(), &[])
        .remote_command(OUT_ERR, StreamSettings::default())
        .await
        .unwrap_err();
    assert!(err.is_bad_request(), "{err}");
    assert!(err.to_string().contains("not a status"), "{err}");
}

#[tokio::test]
async fn a_protocol_that_was_not_offered_is_an_upgrade_failure() {
    let server = Server::start(Answer::Echo("v9.channel.k8s.io"), None, |_| async {}).await;
    let err = exec_request(&server.client(), &[])
        .remote_command(OUT_ERR, StreamSettings::default())
        .await
        .unwrap_err();
    assert!(err.is_upgrade_failure(), "{err}");
    assert!(err.to_string().contains("invalid protocol"), "{err}");
}

#[tokio::test]
async fn upgrades_use_http11_over_tls_even_when_the_server_prefers_h2() {
    let server = Server::start(
        V5_V4,
        Some(&[b"h2", b"http/1.1"]),
        |mut socket| async move {
            socket.send(frame(1, b"over tls")).await.unwrap();
            finish(&mut socket, &success_status()).await;
        },
    )
    .await;
    let command = exec_request(&server.client(), &[])
        .remote_command(OUT_ERR, StreamSettings::default())
        .await
        .unwrap();
    let output = command.output(1024).await.unwrap();
    assert_eq!(output.stdout, b"over tls");
    assert_eq!(server.seen()[0].alpn.as_deref(), Some(&b"http/1.1"[..]));
}

#[tokio::test]
async fn terminal_sizes_go_to_channel_4_as_go_json() {
    let server = Server::start(V5_V4, None, |mut socket| async move {
        let mut decoder = ResizeDecoder::new();
        let mut sizes = Vec::new();
        while let Some(Ok(message)) = socket.next().await {
            if let Message::Binary(data) = message
                && data.first() == Some(&4)
            {
                sizes.extend(decoder.push(&data[1..]).unwrap());
                if sizes.len() == 2 {
                    break;
                }
            }
        }
        let text = format!("{sizes:?}");
        socket.send(frame(1, text.as_bytes())).await.unwrap();
        finish(&mut socket, &success_status()).await;
    })
    .await;
    let options = StreamOptions {
        stdin: true,
        stdout: true,
        stderr: true,
        tty: true,
    };
    let mut command = exec_request(&server.client(), &[])
        .remote_command(options, StreamSettings::default())
        .await
        .unwrap();
    assert!(command.stderr.is_none(), "no stderr stream with a TTY");
    let resize = command.resize.take().unwrap();
    resize.send(TerminalSize::new(80, 24)).await.unwrap();
    resize.send(TerminalSize::new(120, 40)).await.unwrap();
    let output = command.output(1024).await.unwrap();
    assert_eq!(
        String::from_utf8(output.stdout).unwrap(),
        "[TerminalSize { width: 80, height: 24 }, TerminalSize { width: 120, height: 40 }]"
    );
    assert!(resize.send(TerminalSize::new(1, 1)).await.is_err());
}

#[tokio::test]
async fn dropping_every_handle_closes_the_connection() {
    let (closed_tx, closed_rx) = tokio::sync::oneshot::channel();
    let closed_tx = Arc::new(Mutex::new(Some(closed_tx)));
    let server = Server::start(V5_V4, None, move |mut socket| {
        let closed_tx = closed_tx.clone();
        async move {
            // Reads (answering pings) until the client goes away.
            while let Some(Ok(_)) = socket.next().await {}
            if let Some(tx) = closed_tx.lock().unwrap().take() {
                let _ = tx.send(());
            }
        }
    })
    .await;
    let command = exec_request(&server.client(), &[])
        .remote_command(OUT_ERR, StreamSettings::default())
        .await
        .unwrap();
    drop(command);
    tokio::time::timeout(Duration::from_secs(5), closed_rx)
        .await
        .expect("the connection was not closed after the handles were dropped")
        .unwrap();
}

#[tokio::test]
async fn no_pong_within_the_deadline_fails_the_stream() {
    let server = Server::start(V5_V4, None, |socket| async move {
        // Never reads, so never answers pings.
        tokio::time::sleep(Duration::from_secs(10)).await;
        drop(socket);
    })
    .await;
    let settings = StreamSettings {
        ping_period: Duration::from_millis(20),
        pong_timeout: Duration::from_millis(300),
        write_timeout: Duration::from_secs(1),
    };
    let command = exec_request(&server.client(), &[])
        .remote_command(OUT_ERR, settings)
        .await
        .unwrap();
    let started = std::time::Instant::now();
    let err = command.status().await.unwrap_err();
    assert!(matches!(err, Error::Stream { .. }), "{err}");
    assert!(err.to_string().contains("no pong"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn pongs_keep_a_quiet_stream_alive() {
    let server = Server::start(V5_V4, None, |mut socket| async move {
        let deadline = tokio::time::Instant::now() + Duration::from_millis(700);
        // Answers pings (by reading) for longer than the pong timeout, then finishes.
        while let Ok(Some(Ok(_))) = tokio::time::timeout_at(deadline, socket.next()).await {}
        finish(&mut socket, &success_status()).await;
    })
    .await;
    let settings = StreamSettings {
        ping_period: Duration::from_millis(20),
        pong_timeout: Duration::from_millis(300),
        write_timeout: Duration::from_secs(1),
    };
    let command = exec_request(&server.client(), &[])
        .remote_command(OUT_ERR, settings)
        .await
        .unwrap();
    assert_eq!(command.status().await.unwrap(), ExitStatus::Success);
}

#[tokio::test]
async fn a_connection_dropped_without_close_is_an_error() {
    let server = Server::start(V5_V4, None, |mut socket| async move {
        socket.send(frame(1, b"partial")).await.unwrap();
        drop(socket);
    })
    .await;
    let command = exec_request(&server.client(), &[])
        .remote_command(OUT_ERR, StreamSettings::default())
        .await
        .unwrap();
    let err = command.output(1024).await.unwrap_err();
    assert!(err.to_string().contains("next reader"), "{err}");
}

#[tokio::test]
async fn upgrades_go_through_a_proxy_tunnel_with_impersonation() {
    let server = Server::start(
        V5_V4,
        Some(&[b"h2", b"http/1.1"]),
        |mut socket| async move {
            socket.send(frame(1, b"via proxy")).await.unwrap();
            finish(&mut socket, &success_status()).await;
        },
    )
    .await;
    let proxy = support::ConnectProxy::start().await;
    let client = server.client_with(|config| {
        config.proxy_url = Some(format!("http://{}", proxy.addr));
        config.impersonate.user = Some("jane".into());
    });
    let output = exec_request(&client, &[])
        .remote_command(OUT_ERR, StreamSettings::default())
        .await
        .unwrap()
        .output(1024)
        .await
        .unwrap();
    assert_eq!(output.stdout, b"via proxy");
    assert_eq!(proxy.tunnels.load(std::sync::atomic::Ordering::SeqCst), 1);
    let seen = &server.seen()[0];
    assert_eq!(seen.impersonate, "jane");
    assert_eq!(seen.authorization, "Bearer sekret");
}
