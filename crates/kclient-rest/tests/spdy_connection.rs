//! The SPDY session engine over an in-memory pipe: streams both ways with FIN and RST, a
//! ping that goes unanswered kills the connection at its deadline, a dropped connection leaves
//! no task holding the socket, and hostile bytes end the connection with an error.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use kclient_apimachinery::httpstream::spdy::{Frame, Framer, Headers};
use kclient_rest::httpstream::{SpdyConfig, SpdyConnection};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn quiet() -> SpdyConfig {
    SpdyConfig {
        ping_period: None,
        ..SpdyConfig::default()
    }
}

#[tokio::test]
async fn streams_carry_data_both_ways_with_fin_and_reset() {
    let (a, b) = tokio::io::duplex(64 * 1024);
    let client = SpdyConnection::client(a, quiet()).unwrap();
    let mut server = SpdyConnection::server(b, quiet()).unwrap();
    let accept = tokio::spawn(async move {
        let mut s = server.accept().await.unwrap();
        assert_eq!(s.headers().get("streamType"), Some("data"));
        s.writer().reply(Headers::new()).await.unwrap();
        let mut got = Vec::new();
        while let Some(chunk) = s.read().await.unwrap() {
            got.extend_from_slice(&chunk);
        }
        s.writer().write(Bytes::from(got)).await.unwrap();
        s.writer().close().await.unwrap();
        // A second stream is reset instead of accepted.
        let r = server.accept().await.unwrap();
        r.writer().reset().await.unwrap();
        server
    });
    let mut s = client
        .create_stream(Headers::new().with("streamType", "data"))
        .await
        .unwrap();
    assert_eq!(s.id(), 1);
    s.writer()
        .write(Bytes::from_static(b"hello "))
        .await
        .unwrap();
    s.writer()
        .write(Bytes::from_static(b"world"))
        .await
        .unwrap();
    s.writer().close().await.unwrap();
    assert_eq!(&s.read().await.unwrap().unwrap()[..], b"hello world");
    assert_eq!(s.read().await.unwrap(), None);
    let err = client.create_stream(Headers::new()).await.unwrap_err();
    assert!(err.to_string().contains("reset stream 3"), "{err}");
    let _server = accept.await.unwrap();
}

#[tokio::test]
async fn an_unanswered_ping_ends_the_connection_at_its_deadline() {
    let (a, mut peer) = tokio::io::duplex(64 * 1024);
    let config = SpdyConfig {
        ping_period: Some(Duration::from_millis(50)),
        ping_timeout: Duration::from_millis(300),
        ..SpdyConfig::default()
    };
    let client = SpdyConnection::client(a, config).unwrap();
    // The peer reads everything and answers nothing.
    let sink = tokio::spawn(async move {
        let mut buf = vec![0u8; 4096];
        let mut pings = 0;
        let mut framer = Framer::new().unwrap();
        let mut pending = BytesMut::new();
        loop {
            let n = peer.read(&mut buf).await.unwrap_or(0);
            if n == 0 {
                return pings;
            }
            pending.extend_from_slice(&buf[..n]);
            while let Ok(Some(f)) = framer.decode(&mut pending) {
                if matches!(f, Frame::Ping { .. }) {
                    pings += 1;
                }
            }
        }
    });
    let start = Instant::now();
    let reason = tokio::time::timeout(Duration::from_secs(5), client.closed())
        .await
        .unwrap();
    assert!(
        reason.contains("no reply to a SPDY ping within 300ms"),
        "{reason}"
    );
    assert!(start.elapsed() >= Duration::from_millis(300));
    assert!(client.create_stream(Headers::new()).await.is_err());
    drop(client);
    let pings = tokio::time::timeout(Duration::from_secs(5), sink)
        .await
        .unwrap()
        .unwrap();
    assert!(pings >= 1);
}

#[tokio::test]
async fn answered_pings_keep_the_connection_alive() {
    let (a, b) = tokio::io::duplex(64 * 1024);
    let config = SpdyConfig {
        ping_period: Some(Duration::from_millis(20)),
        ping_timeout: Duration::from_millis(200),
        ..SpdyConfig::default()
    };
    let client = SpdyConnection::client(a, config).unwrap();
    let _server = SpdyConnection::server(b, quiet()).unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(!client.is_closed());
}

#[tokio::test]
async fn dropping_the_connection_releases_the_socket() {
    let (a, mut peer) = tokio::io::duplex(64 * 1024);
    let client = SpdyConnection::client(a, SpdyConfig::default()).unwrap();
    drop(client);
    // Every task is gone, so the pipe's other end sees end of stream.
    let mut buf = [0u8; 64];
    let n = tokio::time::timeout(Duration::from_secs(5), peer.read(&mut buf))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(n, 0);
}

#[tokio::test]
async fn hostile_bytes_end_the_connection_with_an_error() {
    let (a, mut peer) = tokio::io::duplex(64 * 1024);
    let client = SpdyConnection::client(a, quiet()).unwrap();
    // A control frame declaring 16 MiB of payload, far past the control-frame limit.
    peer.write_all(&[0x80, 3, 0, 1, 0, 0xff, 0xff, 0xff])
        .await
        .unwrap();
    let reason = tokio::time::timeout(Duration::from_secs(5), client.closed())
        .await
        .unwrap();
    assert!(
        reason.contains("exceeds the control frame limit"),
        "{reason}"
    );
}
