//! A hostile or broken server cannot make the client hang, panic or eat memory. Each test
//! starts a small misbehaving server on loopback that writes raw bytes (so it can lie in ways a
//! correct HTTP library would not let it), and checks what a user of `RestClient` observes: a
//! clear error, in bounded time, naming what was wrong.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::time::{Duration, Instant};

use kclient_apimachinery::GroupVersion;
use kclient_config::{Config, Serializer};
use kclient_rest::{Error, RestClient};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// How long any of these requests may take before the test calls it a hang.
const BOUND: Duration = Duration::from_secs(20);

/// What the server does with each connection once it has read the request head.
type Behaviour = fn(TcpStream) -> std::pin::Pin<Box<dyn Future<Output = ()> + Send>>;

/// Starts a server on 127.0.0.1:0 that reads each request head and then runs `behaviour`.
async fn hostile(behaviour: Behaviour) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut tcp, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buf = [0u8; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match tcp.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                behaviour(tcp).await;
            });
        }
    });
    format!("http://{addr}")
}

fn client(url: &str, timeout: Option<Duration>) -> RestClient {
    let mut config = Config::new(url);
    config.api_path = "/api".into();
    config.content.group_version = Some(GroupVersion::new("", "v1"));
    config.content.serializer = Some(Serializer::Json);
    config.qps = -1.0;
    config.timeout = timeout;
    RestClient::for_config(&config).unwrap()
}

/// Runs `fut`, failing the test if it takes longer than [`BOUND`].
async fn bounded<T>(fut: impl Future<Output = T>) -> (T, Duration) {
    let start = Instant::now();
    let out = tokio::time::timeout(BOUND, fut)
        .await
        .expect("the client hung on a hostile server");
    (out, start.elapsed())
}

async fn write(tcp: &mut TcpStream, bytes: &[u8]) {
    let _ = tcp.write_all(bytes).await;
    let _ = tcp.flush().await;
}

#[tokio::test]
async fn a_server_that_never_answers_hits_the_request_timeout() {
    let url = hostile(|tcp| {
        Box::pin(async move {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            drop(tcp);
        })
    })
    .await;
    let client = client(&url, Some(Duration::from_millis(500)));
    let (result, took) = bounded(client.get().resource("pods").bytes()).await;
    let error = result.unwrap_err();
    assert!(matches!(error, Error::Timeout { .. }), "{error:?}");
    assert!(
        error.to_string().contains("did not complete within"),
        "{error}"
    );
    assert!(took < Duration::from_secs(5), "{took:?}");
}

#[tokio::test]
async fn a_body_that_trickles_one_byte_a_second_hits_the_timeout_of_the_whole_request() {
    let url = hostile(|mut tcp| {
        Box::pin(async move {
            write(
                &mut tcp,
                b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100000\r\n\r\n",
            )
            .await;
            for _ in 0..3600 {
                write(&mut tcp, b" ").await;
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        })
    })
    .await;
    let client = client(&url, Some(Duration::from_millis(1500)));
    let (result, took) = bounded(client.get().resource("pods").object::<serde_json::Value>()).await;
    let error = result.unwrap_err();
    assert!(matches!(error, Error::Timeout { .. }), "{error:?}");
    assert!(took < Duration::from_secs(6), "{took:?}");
}

#[tokio::test]
async fn a_content_length_that_lies_is_an_error_not_a_hang() {
    // Says 1000 bytes, sends 12 and closes the connection.
    let url = hostile(|mut tcp| {
        Box::pin(async move {
            write(
                &mut tcp,
                b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{\"kind\":\"x\"",
            )
            .await;
        })
    })
    .await;
    let client = client(&url, None);
    let (result, _) = bounded(client.get().resource("pods").object::<serde_json::Value>()).await;
    let error = result.unwrap_err();
    assert!(
        matches!(error, Error::ReadBody { .. } | Error::Transport { .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_huge_content_length_allocates_nothing_up_front() {
    // Claims a terabyte: a client that reserved it would abort; kclient reads what comes.
    let url = hostile(|mut tcp| {
        Box::pin(async move {
            write(
                &mut tcp,
                b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1099511627776\r\n\r\n{}",
            )
            .await;
        })
    })
    .await;
    let client = client(&url, None);
    let (result, _) = bounded(client.get().resource("pods").object::<serde_json::Value>()).await;
    assert!(result.is_err(), "{result:?}");
}

#[tokio::test]
async fn deeply_nested_json_is_a_decode_error_not_a_stack_overflow() {
    let url = hostile(|mut tcp| {
        Box::pin(async move {
            let body = "[".repeat(200_000);
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
                body.len()
            );
            write(&mut tcp, head.as_bytes()).await;
            write(&mut tcp, body.as_bytes()).await;
        })
    })
    .await;
    let client = client(&url, None);
    let (result, _) = bounded(client.get().resource("pods").object::<serde_json::Value>()).await;
    let error = result.unwrap_err();
    assert!(matches!(error, Error::Decode { .. }), "{error:?}");
    let (result, _) = bounded(
        client
            .get()
            .resource("pods")
            .list::<kclient_apimachinery::Unstructured>(),
    )
    .await;
    assert!(result.is_err());
}

#[tokio::test]
async fn invalid_utf8_in_a_body_is_a_decode_error() {
    let url = hostile(|mut tcp| {
        Box::pin(async move {
            let body: &[u8] = b"{\"kind\":\"Pod\",\"metadata\":{\"name\":\"\xff\xfe\"}}";
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
                body.len()
            );
            write(&mut tcp, head.as_bytes()).await;
            write(&mut tcp, body).await;
        })
    })
    .await;
    let client = client(&url, None);
    let (result, _) = bounded(client.get().resource("pods").object::<serde_json::Value>()).await;
    let error = result.unwrap_err();
    assert!(matches!(error, Error::Decode { .. }), "{error:?}");
    assert!(error.to_string().contains("pods"), "{error}");
}

#[tokio::test]
async fn a_watch_line_that_never_ends_is_cut_at_the_frame_limit() {
    // A watch body that streams one line forever without a newline.
    let url = hostile(|mut tcp| {
        Box::pin(async move {
            write(
                &mut tcp,
                b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n",
            )
            .await;
            let chunk = format!("{:x}\r\n{}\r\n", 64 * 1024, "x".repeat(64 * 1024));
            let opening = b"{\"type\":\"ADDED\",\"object\":{\"kind\":\"";
            let first = format!("{:x}\r\n", opening.len());
            write(&mut tcp, first.as_bytes()).await;
            write(&mut tcp, opening).await;
            write(&mut tcp, b"\r\n").await;
            for _ in 0..100_000 {
                if tcp.write_all(chunk.as_bytes()).await.is_err() {
                    return;
                }
            }
        })
    })
    .await;
    let client = client(&url, None);
    let watch = client
        .get()
        .resource("pods")
        .param("watch", "true")
        .watch::<serde_json::Value>()
        .await
        .unwrap()
        .max_frame_size(1024 * 1024);
    let (result, _) = bounded(async {
        use futures_util::StreamExt;
        let mut watch = std::pin::pin!(watch);
        watch.next().await
    })
    .await;
    let error = result
        .expect("the stream ended without an error")
        .unwrap_err();
    assert!(
        matches!(error, Error::WatchFrameTooLarge { .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("1048576"), "{error}");
}

#[tokio::test]
async fn a_connection_closed_mid_watch_ends_the_stream_with_an_error() {
    let url = hostile(|mut tcp| {
        Box::pin(async move {
            write(
                &mut tcp,
                b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n5\r\n{\"typ\r\n",
            )
            .await;
        })
    })
    .await;
    let client = client(&url, None);
    let watch = client
        .get()
        .resource("pods")
        .param("watch", "true")
        .watch::<serde_json::Value>()
        .await
        .unwrap();
    let (items, _) = bounded(async {
        use futures_util::StreamExt;
        watch.collect::<Vec<_>>().await
    })
    .await;
    assert!(items.iter().any(Result::is_err), "{items:?}");
}

#[tokio::test]
async fn a_huge_timeout_means_no_timeout_and_never_panics() {
    let url = hostile(|mut tcp| {
        Box::pin(async move {
            write(
                &mut tcp,
                b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}",
            )
            .await;
        })
    })
    .await;
    let client = client(&url, Some(Duration::MAX));
    let (result, _) = bounded(client.get().resource("pods").object::<serde_json::Value>()).await;
    assert_eq!(result.unwrap(), serde_json::json!({}));
}
