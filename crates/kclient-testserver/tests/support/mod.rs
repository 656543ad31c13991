//! Test helpers: an HTTPS client (hyper + rustls) trusting a test server's CA, JSON requests,
//! and line-by-line reading of watch streams.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, dead_code)]

pub mod kubectl;

use std::time::Duration;

use bytes::Bytes;
use http::{Method, Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use kclient_testserver::TestServer;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use serde_json::Value;

type Connector = hyper_rustls::HttpsConnector<HttpConnector>;

/// A client of one test server.
pub struct Client {
    inner: HyperClient<Connector, Full<Bytes>>,
    base: String,
    token: Option<String>,
}

fn tls(server: &TestServer, cert: Option<(String, String)>) -> rustls::ClientConfig {
    let mut roots = rustls::RootCertStore::empty();
    let ca = CertificateDer::from_pem_slice(server.ca_pem().as_bytes()).unwrap();
    roots.add(ca).unwrap();
    let builder = rustls::ClientConfig::builder_with_provider(kclient_rest::crypto_provider())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots);
    match cert {
        Some((cert, key)) => {
            let certs = vec![CertificateDer::from_pem_slice(cert.as_bytes()).unwrap()];
            let key = PrivateKeyDer::from_pem_slice(key.as_bytes()).unwrap();
            builder.with_client_auth_cert(certs, key).unwrap()
        }
        None => builder.with_no_client_auth(),
    }
}

impl Client {
    fn build(
        server: &TestServer,
        token: Option<String>,
        cert: Option<(String, String)>,
        http2: bool,
    ) -> Self {
        let b = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls(server, cert))
            .https_only();
        let connector = if http2 {
            b.enable_http2().build()
        } else {
            b.enable_http1().build()
        };
        let mut builder = HyperClient::builder(TokioExecutor::new());
        builder.http2_only(http2);
        Self {
            inner: builder.build(connector),
            base: server.url(),
            token,
        }
    }

    /// An admin client (bearer token, HTTP/1.1).
    pub fn admin(server: &TestServer) -> Self {
        Self::build(server, Some(server.admin_token().to_string()), None, false)
    }

    /// An admin client speaking HTTP/2.
    pub fn admin_h2(server: &TestServer) -> Self {
        Self::build(server, Some(server.admin_token().to_string()), None, true)
    }

    /// A client authenticating with a bearer token.
    pub fn with_token(server: &TestServer, token: &str) -> Self {
        Self::build(server, Some(token.to_string()), None, false)
    }

    /// A client with no credentials.
    pub fn anonymous(server: &TestServer) -> Self {
        Self::build(server, None, None, false)
    }

    /// A client authenticating with a client certificate.
    pub fn with_cert(server: &TestServer, cert: String, key: String) -> Self {
        Self::build(server, None, Some((cert, key)), false)
    }

    /// Sends a request and returns the raw response.
    pub async fn raw(
        &self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<Vec<u8>>,
    ) -> http::Response<Incoming> {
        let mut req = Request::builder()
            .method(method)
            .uri(format!("{}{}", self.base, path));
        if let Some(t) = &self.token {
            req = req.header("authorization", format!("Bearer {t}"));
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let req = req
            .body(Full::new(Bytes::from(body.unwrap_or_default())))
            .unwrap();
        self.inner.request(req).await.unwrap()
    }

    /// Sends a JSON request (`content_type` for the body) and returns status, content type and body.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        content_type: &str,
        body: Option<Value>,
    ) -> (StatusCode, String, Value) {
        let body = body.map(|b| serde_json::to_vec(&b).unwrap());
        let resp = self
            .raw(method, path, &[("content-type", content_type)], body)
            .await;
        let status = resp.status();
        let ct = resp
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default();
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        let value = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or(Value::String(String::from_utf8_lossy(&bytes).into()))
        };
        (status, ct, value)
    }

    /// GET.
    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        let (s, _, v) = self.send(Method::GET, path, "application/json", None).await;
        (s, v)
    }

    /// POST JSON.
    pub async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        let (s, _, v) = self
            .send(Method::POST, path, "application/json", Some(body))
            .await;
        (s, v)
    }

    /// PUT JSON.
    pub async fn put(&self, path: &str, body: Value) -> (StatusCode, Value) {
        let (s, _, v) = self
            .send(Method::PUT, path, "application/json", Some(body))
            .await;
        (s, v)
    }

    /// PATCH with a patch content type.
    pub async fn patch(&self, path: &str, content_type: &str, body: Value) -> (StatusCode, Value) {
        let (s, _, v) = self
            .send(Method::PATCH, path, content_type, Some(body))
            .await;
        (s, v)
    }

    /// DELETE with an optional DeleteOptions body.
    pub async fn delete(&self, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let (s, _, v) = self
            .send(Method::DELETE, path, "application/json", body)
            .await;
        (s, v)
    }

    /// Starts a watch; returns the stream of events.
    pub async fn watch(&self, path: &str) -> Watch {
        let resp = self.raw(Method::GET, path, &[], None).await;
        assert_eq!(resp.status(), StatusCode::OK, "watch {path}");
        Watch {
            body: resp.into_body(),
            buf: Vec::new(),
        }
    }
}

/// The events of a watch, one JSON object per line.
pub struct Watch {
    body: Incoming,
    buf: Vec<u8>,
}

impl Watch {
    /// The next event, or `None` when the stream ends (fails the test after 10 s of silence).
    pub async fn next(&mut self) -> Option<Value> {
        self.next_within(Duration::from_secs(10))
            .await
            .expect("no watch event within 10s")
    }

    /// The next event within `wait`: `Err` on timeout, `Ok(None)` when the stream ends.
    pub async fn next_within(&mut self, wait: Duration) -> Result<Option<Value>, ()> {
        loop {
            if let Some(pos) = self.buf.iter().position(|b| *b == b'\n') {
                let line: Vec<u8> = self.buf.drain(..=pos).collect();
                return Ok(Some(serde_json::from_slice(&line).unwrap()));
            }
            match tokio::time::timeout(wait, self.body.frame()).await {
                Err(_) => return Err(()),
                Ok(None) => return Ok(None),
                Ok(Some(frame)) => {
                    if let Ok(data) = frame.unwrap().into_data() {
                        self.buf.extend_from_slice(&data);
                    }
                }
            }
        }
    }

    /// The next event's type and object name.
    pub async fn next_kind_name(&mut self) -> (String, String) {
        let e = self.next().await.expect("watch ended");
        (
            e["type"].as_str().unwrap().to_string(),
            e["object"]["metadata"]["name"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
        )
    }
}

/// A ConfigMap body.
pub fn configmap(name: &str) -> Value {
    serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": {"k": "v"}})
}

/// The path of the configmaps of `ns`.
pub fn cms(ns: &str) -> String {
    format!("/api/v1/namespaces/{ns}/configmaps")
}
