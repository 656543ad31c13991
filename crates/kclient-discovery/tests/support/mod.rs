//! Where integration tests run: a real cluster when `KCLIENT_TEST_KUBECONFIG` names a
//! kubeconfig, else an embedded `kclient-testserver` started for the test on 127.0.0.1:0.
//! Shared by the tests of kclient-discovery and kclient-dynamic.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    dead_code,
    missing_docs
)]

use std::path::{Path, PathBuf};

use kclient_config::Config;
use kclient_testserver::TestServer;

/// The server a test talks to, with a kubeconfig file for tools such as kubectl.
pub struct Target {
    pub config: Config,
    pub kubeconfig: PathBuf,
    /// Whether this is a real cluster (tests then create only uniquely named objects).
    pub real_cluster: bool,
    pub dir: tempfile::TempDir,
    server: Option<TestServer>,
}

impl Target {
    /// Starts a test server, or uses the cluster of `KCLIENT_TEST_KUBECONFIG`.
    pub async fn start() -> Target {
        let dir = tempfile::tempdir().unwrap();
        if let Some(path) = std::env::var_os("KCLIENT_TEST_KUBECONFIG").filter(|p| !p.is_empty()) {
            let kubeconfig = PathBuf::from(path);
            let config = load(&kubeconfig);
            return Target {
                config,
                kubeconfig,
                real_cluster: true,
                dir,
                server: None,
            };
        }
        let server = TestServer::start().await.unwrap();
        let kubeconfig = dir.path().join("kubeconfig");
        server.write_kubeconfig(&kubeconfig).unwrap();
        let config = load(&kubeconfig);
        Target {
            config,
            kubeconfig,
            real_cluster: false,
            dir,
            server: Some(server),
        }
    }

    /// The embedded server, if this is not a real cluster.
    pub fn server(&self) -> Option<&TestServer> {
        self.server.as_ref()
    }

    /// A name unique to this test run, for objects created on a real cluster.
    pub fn unique(&self, prefix: &str) -> String {
        format!("{prefix}-{:08x}", fastrand::u32(..))
    }
}

fn load(kubeconfig: &Path) -> Config {
    kclient_config::build_config_from_flags(None, Some(kubeconfig))
        .unwrap_or_else(|e| panic!("kubeconfig {}: {e}", kubeconfig.display()))
}
