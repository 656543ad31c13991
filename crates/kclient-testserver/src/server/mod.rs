//! [`TestServer`]: binds 127.0.0.1, terminates TLS (HTTP/2 and HTTP/1.1), authenticates client
//! certificates, and serves the API until dropped or shut down.

mod builder;
mod kubeconfig;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio_rustls::TlsAcceptor;

pub use builder::TestServerBuilder;

use crate::Error;
use crate::api::{self, State};
use crate::auth::User;
use crate::tls::{self, Certificates};

/// A running in-memory Kubernetes API server on 127.0.0.1, speaking HTTPS.
///
/// Dropping it (or calling [`shutdown`](Self::shutdown)) stops it: the listener closes and every
/// open connection and watch ends.
pub struct TestServer {
    addr: SocketAddr,
    certs: Arc<Certificates>,
    admin_token: String,
    state: Arc<State>,
    shutdown: watch::Sender<bool>,
    accept_task: Option<tokio::task::JoinHandle<()>>,
}

impl std::fmt::Debug for TestServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestServer")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl TestServer {
    /// Starts a server with the default options on a free port.
    pub async fn start() -> Result<Self, Error> {
        Self::builder().start().await
    }

    /// A builder for a server with options.
    pub fn builder() -> TestServerBuilder {
        TestServerBuilder::new()
    }

    /// The base URL, such as `https://127.0.0.1:34567`.
    pub fn url(&self) -> String {
        format!("https://{}", self.addr)
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The CA certificate (PEM) that signed the serving certificate and client certificates.
    pub fn ca_pem(&self) -> &str {
        &self.certs.ca_pem
    }

    /// The bearer token of the admin user (`kclient-testserver-admin`, group `system:masters`).
    pub fn admin_token(&self) -> &str {
        &self.admin_token
    }

    /// The admin client certificate (PEM), an alternative to the token.
    pub fn admin_client_cert_pem(&self) -> &str {
        &self.certs.admin_cert_pem
    }

    /// The key of the admin client certificate (PEM).
    pub fn admin_client_key_pem(&self) -> &str {
        &self.certs.admin_key_pem
    }

    /// Signs a client certificate for `user` in `groups` (at most two); returns
    /// `(certificate PEM, key PEM)`.
    pub fn client_certificate(
        &self,
        user: &str,
        groups: &[&str],
    ) -> Result<(String, String), Error> {
        self.certs.client_certificate(user, groups)
    }

    /// A kubeconfig for this server: cluster `kclient-testserver` with the CA data, user
    /// `kclient-testserver-admin` with the admin token in context `kclient-testserver`
    /// (namespace `default`, the current context), and user `kclient-testserver-admin-cert`
    /// with the admin client certificate and key in context `kclient-testserver-cert`.
    pub fn kubeconfig_yaml(&self) -> String {
        kubeconfig::render(
            &self.url(),
            &self.certs.ca_pem,
            &self.admin_token,
            (&self.certs.admin_cert_pem, &self.certs.admin_key_pem),
        )
    }

    /// Writes [`kubeconfig_yaml`](Self::kubeconfig_yaml) to `path` (mode 0600 on Unix).
    pub fn write_kubeconfig(&self, path: impl AsRef<Path>) -> Result<(), Error> {
        kubeconfig::write(path.as_ref(), &self.kubeconfig_yaml())
    }

    /// The latest resourceVersion the server has assigned.
    pub fn current_resource_version(&self) -> u64 {
        self.state.store.current_rv()
    }

    /// Fault injection: ends every open watch, as if the server dropped the connections;
    /// returns how many were open.
    pub fn close_watches(&self) -> usize {
        self.state.store.close_watches()
    }

    /// Fault injection: forgets the change history, so watches and list continuations from any
    /// older resourceVersion get 410 Gone/Expired.
    pub fn compact_history(&self) {
        self.state.store.compact();
    }

    /// Fault injection: 429s, 5xx answers and latency for the next requests (see [`Faults`]).
    ///
    /// [`Faults`]: crate::Faults
    pub fn faults(&self) -> &crate::Faults {
        &self.state.faults
    }

    /// Stops the server and waits for the listener to close.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        self.state.runtime.stop_all();
        if let Some(task) = self.accept_task.take() {
            let _ = task.await;
        }
    }

    pub(crate) async fn launch(b: TestServerBuilder) -> Result<Self, Error> {
        let seeds = b.seed_documents()?;
        let certs = Arc::new(Certificates::generate()?);
        let tls_config = certs.server_config()?;
        let addr = SocketAddr::from(([127, 0, 0, 1], b.port));
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| Error::Bind {
                addr: addr.to_string(),
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| Error::Bind {
            addr: addr.to_string(),
            source,
        })?;
        let admin_token = crate::auth::random_token();
        let (shutdown, shutdown_rx) = watch::channel(false);
        let (ns_tx, ns_rx) = tokio::sync::mpsc::unbounded_channel();
        let state = Arc::new(b.state(
            addr,
            &admin_token,
            &certs.ca_pem,
            ns_tx,
            shutdown_rx.clone(),
        ));
        api::namespaces::seed(&state);
        api::bootstrap::seed_cluster(&state);
        api::seed::create_all(&state, &seeds)?;
        api::controllers::spawn(&state);
        tokio::spawn(api::namespaces::controller(Arc::downgrade(&state), ns_rx));
        tokio::spawn(api::kubelet::run(Arc::downgrade(&state)));
        let accept_task = tokio::spawn(accept_loop(
            listener,
            TlsAcceptor::from(tls_config),
            state.clone(),
            shutdown_rx,
        ));
        Ok(Self {
            addr,
            certs,
            admin_token,
            state,
            shutdown,
            accept_task: Some(accept_task),
        })
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
        // Containers' processes run on blocking threads: stop them now, not when a task gets
        // to it (the tokio runtime may be shutting down and waiting for those threads).
        self.state.runtime.stop_all();
    }
}

async fn accept_loop(
    listener: TcpListener,
    acceptor: TlsAcceptor,
    state: Arc<State>,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((tcp, _)) = accepted else { continue };
                let _ = tcp.set_nodelay(true);
                tokio::spawn(serve_connection(tcp, acceptor.clone(), state.clone(), shutdown.clone()));
            }
            _ = shutdown.changed() => return,
        }
    }
}

/// How many concurrent HTTP/2 streams one connection may carry.
const HTTP2_MAX_STREAMS: u32 = 1000;

async fn serve_connection(
    tcp: tokio::net::TcpStream,
    acceptor: TlsAcceptor,
    state: Arc<State>,
    mut shutdown: watch::Receiver<bool>,
) {
    let tls = tokio::select! {
        tls = acceptor.accept(tcp) => match tls {
            Ok(tls) => tls,
            Err(e) => {
                tracing::debug!("TLS handshake failed: {e}");
                return;
            }
        },
        _ = shutdown.changed() => return,
    };
    let cert_user = tls
        .get_ref()
        .1
        .peer_certificates()
        .and_then(|certs| certs.first())
        .and_then(tls::subject_of)
        .map(|(name, groups)| User::new(name, groups));
    let service = service_fn(move |req| {
        let state = state.clone();
        let user = cert_user.clone();
        async move { Ok::<_, Infallible>(api::handle(state, user, req).await) }
    });
    let mut builder = auto::Builder::new(TokioExecutor::new());
    // kube-apiserver's default (`--http2-max-streams-per-connection`): 1,000 watches fit on one
    // client connection (hyper's own default is 200).
    builder.http2().max_concurrent_streams(HTTP2_MAX_STREAMS);
    let conn = builder.serve_connection_with_upgrades(TokioIo::new(tls), service);
    tokio::select! {
        result = conn => {
            if let Err(e) = result {
                tracing::debug!("connection ended with an error: {e}");
            }
        }
        _ = shutdown.changed() => {}
    }
}
