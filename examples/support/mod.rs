//! Shared by the examples: where to connect. With a kubeconfig (`KUBECONFIG`, or
//! `~/.kube/config`) or inside a cluster, `Config::infer()` decides; with neither, an embedded
//! `kclient-testserver` is started so the example still runs.
//!
//! Include it with `#[path = "support/mod.rs"] mod support;`.
#![allow(dead_code)]

use std::path::PathBuf;

use anyhow::Context as _;
use kclient_config::{Config, ConfigOverrides, Kubeconfig};
use kclient_testserver::TestServer;

/// A configuration, and the embedded server it points at when there was no cluster to use.
/// Keep it alive while the example runs: dropping it stops the embedded server.
pub struct Cluster {
    /// The configuration to build clients from.
    pub config: Config,
    server: Option<TestServer>,
}

impl Cluster {
    /// A cluster given by an explicit configuration (such as `--kubeconfig`).
    pub fn from_config(config: Config) -> Self {
        Self {
            config,
            server: None,
        }
    }

    /// The embedded test server, when that is what the configuration points at.
    pub fn embedded_server(&self) -> Option<&TestServer> {
        self.server.as_ref()
    }

    /// Whether this is the embedded test server rather than a real cluster.
    pub fn is_embedded(&self) -> bool {
        self.server.is_some()
    }
}

/// Whether a kubeconfig or in-cluster configuration is available.
fn has_configuration() -> bool {
    let set = |var| std::env::var_os(var).is_some_and(|v| !v.is_empty());
    if set("KUBECONFIG") || set("KUBERNETES_SERVICE_HOST") {
        return true;
    }
    std::env::var_os("HOME")
        .map(|home| PathBuf::from(home).join(".kube").join("config"))
        .is_some_and(|path| path.exists())
}

/// Connects to the configured cluster, or starts the embedded test server (with a note on
/// standard error) when there is none.
pub async fn connect() -> anyhow::Result<Cluster> {
    if has_configuration() {
        let config = Config::infer().context("loading the client configuration")?;
        return Ok(Cluster {
            config,
            server: None,
        });
    }
    let server = TestServer::start()
        .await
        .context("starting the embedded kclient-testserver")?;
    eprintln!(
        "note: no kubeconfig found (KUBECONFIG unset, no ~/.kube/config); using an embedded kclient-testserver at {}",
        server.url()
    );
    let kubeconfig = Kubeconfig::from_yaml(&server.kubeconfig_yaml())
        .context("reading the test server's kubeconfig")?;
    let config = Config::from_kubeconfig(&kubeconfig, &ConfigOverrides::default())
        .context("configuring a client for the test server")?;
    Ok(Cluster {
        config,
        server: Some(server),
    })
}

/// Writes `text` to standard output; a closed pipe (`| head`) ends the output quietly.
pub fn print_out(text: &str) -> anyhow::Result<()> {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(e).context("writing to standard output")
        }
        _ => Ok(()),
    }
}
