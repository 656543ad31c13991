//! Tracing: one span per request with verb, path and status, and no credential in any log line.
//! (Alone in its test binary: `tracing`'s callsite cache is process-global, and other tests
//! running in parallel threads without a subscriber could make events here flaky.)
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod support;

use std::sync::{Arc, Mutex};

use kclient_config::SecretString;
use kclient_rest::HttpClient;
use support::*;

const SENTINEL: &str = "SENTINEL-7c1f-secret";

/// A `tracing` writer collecting everything into a buffer.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn request_spans_record_verb_path_status_but_no_credentials() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let ca = Ca::new("test CA");
    let server = tls_server(&ca, &[b"h2", b"http/1.1"], ok_handler("ok")).await;
    let mut config = config_for(&server.https_url(), Some(&ca));
    config.auth.bearer_token = Some(SecretString::from(SENTINEL));
    let client = HttpClient::for_config(&config).unwrap();
    let url = format!("{}/api/v1/pods?labelSelector=app%3Dweb", server.https_url());
    assert_eq!(send(&client, get(&url)).await.0, 200);

    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("kclient.request"), "{logs}");
    assert!(logs.contains("verb=GET"), "{logs}");
    assert!(logs.contains("path=/api/v1/pods"), "{logs}");
    assert!(logs.contains("status=200"), "{logs}");
    assert!(!logs.contains(SENTINEL), "the token leaked into the logs");
}
