//! The kubeconfig a test server hands out: one cluster, one user with the admin token, and the
//! `kclient-testserver` context (namespace `default`) as current context.

use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::Error;

/// The name of the cluster, context and (with `-admin`) user in the kubeconfig.
pub const CONTEXT: &str = "kclient-testserver";

/// Renders the kubeconfig YAML.
pub fn render(server: &str, ca_pem: &str, token: &str) -> String {
    let ca = STANDARD.encode(ca_pem.as_bytes());
    format!(
        "apiVersion: v1
kind: Config
clusters:
- name: {CONTEXT}
  cluster:
    server: {server}
    certificate-authority-data: {ca}
users:
- name: {CONTEXT}-admin
  user:
    token: {token}
contexts:
- name: {CONTEXT}
  context:
    cluster: {CONTEXT}
    user: {CONTEXT}-admin
    namespace: default
current-context: {CONTEXT}
preferences: {{}}
"
    )
}

/// Writes a kubeconfig readable only by its owner.
pub fn write(path: &Path, yaml: &str) -> Result<(), Error> {
    let err = |source| Error::WriteKubeconfig {
        path: path.to_path_buf(),
        source,
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(err)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(err)?;
    std::io::Write::write_all(&mut file, yaml.as_bytes()).map_err(err)
}
