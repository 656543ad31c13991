//! A local HTTP(S) server on 127.0.0.1:0 that records every request it sees.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    dead_code,
    missing_docs
)]

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http::{HeaderMap, Method, Request, Response, StatusCode, Version};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use rustls::RootCertStore;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;
use tokio::net::TcpListener;

use super::pki::{Ca, CertKey};

/// What the server saw of one request.
#[derive(Clone, Debug)]
pub struct Seen {
    pub method: Method,
    pub path_and_query: String,
    pub version: Version,
    pub headers: HeaderMap,
    pub body: Bytes,
    /// Which accepted connection (0-based) carried it.
    pub connection: usize,
    /// The DER of the client certificate presented on that connection, if any.
    pub client_cert: Option<Vec<u8>>,
    /// The SNI the client sent, if any.
    pub sni: Option<String>,
}

impl Seen {
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_string())
    }
}

pub type Handler = Arc<dyn Fn(&Seen) -> Response<Full<Bytes>> + Send + Sync>;

/// TLS settings of the test server.
pub struct ServerTls {
    pub cert: CertKey,
    /// ALPN protocols offered, e.g. `[b"h2", b"http/1.1"]`.
    pub alpn: Vec<Vec<u8>>,
    /// Require a client certificate issued by this CA (PEM).
    pub client_ca: Option<String>,
}

/// A running test server.
pub struct TestServer {
    pub addr: SocketAddr,
    pub seen: Arc<Mutex<Vec<Seen>>>,
    pub connections: Arc<AtomicUsize>,
    /// TLS handshakes that failed (e.g. the client refused our certificate).
    pub failed_handshakes: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl TestServer {
    pub fn https_url(&self) -> String {
        format!("https://127.0.0.1:{}", self.addr.port())
    }

    pub fn http_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.addr.port())
    }

    pub fn requests(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    pub fn connection_count(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }

    /// Starts a server; `tls: None` serves plain HTTP/1.1.
    pub async fn start(tls: Option<ServerTls>, handler: Handler) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let connections = Arc::new(AtomicUsize::new(0));
        let failed_handshakes = Arc::new(AtomicUsize::new(0));
        let acceptor = tls.map(|t| tokio_rustls::TlsAcceptor::from(Arc::new(server_config(t))));
        let (seen2, conns2, failed2) =
            (seen.clone(), connections.clone(), failed_handshakes.clone());
        let task = tokio::spawn(async move {
            loop {
                let Ok((tcp, _)) = listener.accept().await else {
                    return;
                };
                let conn_id = conns2.fetch_add(1, Ordering::SeqCst);
                let (seen, handler, acceptor, failed) = (
                    seen2.clone(),
                    handler.clone(),
                    acceptor.clone(),
                    failed2.clone(),
                );
                tokio::spawn(async move {
                    match acceptor {
                        None => serve(TokioIo::new(tcp), conn_id, None, None, seen, handler).await,
                        Some(acceptor) => match acceptor.accept(tcp).await {
                            Ok(tls) => {
                                let (_, session) = tls.get_ref();
                                let cert = session
                                    .peer_certificates()
                                    .and_then(|c| c.first())
                                    .map(|c| c.to_vec());
                                let sni = session.server_name().map(str::to_string);
                                serve(TokioIo::new(tls), conn_id, cert, sni, seen, handler).await
                            }
                            Err(_) => {
                                failed.fetch_add(1, Ordering::SeqCst);
                            }
                        },
                    }
                });
            }
        });
        Self {
            addr,
            seen,
            connections,
            failed_handshakes,
            task,
        }
    }
}

pub fn server_config(tls: ServerTls) -> rustls::ServerConfig {
    let provider = kclient_rest::crypto_provider();
    let certs: Vec<CertificateDer<'static>> =
        CertificateDer::pem_slice_iter(tls.cert.cert_pem.as_bytes())
            .collect::<Result<_, _>>()
            .unwrap();
    let key = PrivateKeyDer::from_pem_slice(tls.cert.key_pem.as_bytes()).unwrap();
    let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .unwrap();
    let builder = match tls.client_ca {
        Some(ca) => {
            let mut roots = RootCertStore::empty();
            roots
                .add(CertificateDer::from_pem_slice(ca.as_bytes()).unwrap())
                .unwrap();
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .unwrap();
            builder.with_client_cert_verifier(verifier)
        }
        None => builder.with_no_client_auth(),
    };
    let mut config = builder.with_single_cert(certs, key).unwrap();
    config.alpn_protocols = tls.alpn;
    config
}

async fn serve<I>(
    io: I,
    connection: usize,
    client_cert: Option<Vec<u8>>,
    sni: Option<String>,
    seen: Arc<Mutex<Vec<Seen>>>,
    handler: Handler,
) where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let service = hyper::service::service_fn(move |req: Request<Incoming>| {
        let (seen, handler, client_cert, sni) = (
            seen.clone(),
            handler.clone(),
            client_cert.clone(),
            sni.clone(),
        );
        async move {
            let (parts, body) = req.into_parts();
            let body = body
                .collect()
                .await
                .map(|b| b.to_bytes())
                .unwrap_or_default();
            let record = Seen {
                method: parts.method,
                path_and_query: parts
                    .uri
                    .path_and_query()
                    .map(|p| p.to_string())
                    .unwrap_or_default(),
                version: parts.version,
                headers: parts.headers,
                body,
                connection,
                client_cert,
                sni,
            };
            seen.lock().unwrap().push(record.clone());
            Ok::<_, Infallible>(handler(&record))
        }
    });
    let _ = auto::Builder::new(TokioExecutor::new())
        .serve_connection(io, service)
        .await;
}

/// A handler answering 200 with a fixed body.
pub fn ok_handler(body: &'static str) -> Handler {
    Arc::new(move |_| Response::new(Full::new(Bytes::from_static(body.as_bytes()))))
}

pub fn response(
    status: u16,
    headers: &[(&str, &str)],
    body: impl Into<Bytes>,
) -> Response<Full<Bytes>> {
    let mut b = Response::builder().status(StatusCode::from_u16(status).unwrap());
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    b.body(Full::new(body.into())).unwrap()
}

/// A TLS server for `127.0.0.1`/`localhost` with a cert from `ca`, offering `alpn`.
pub async fn tls_server(ca: &Ca, alpn: &[&[u8]], handler: Handler) -> TestServer {
    let tls = ServerTls {
        cert: ca.server_cert(&["localhost", "127.0.0.1"]),
        alpn: alpn.iter().map(|p| p.to_vec()).collect(),
        client_ca: None,
    };
    TestServer::start(Some(tls), handler).await
}
