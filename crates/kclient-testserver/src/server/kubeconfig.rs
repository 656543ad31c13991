//! The kubeconfig a test server hands out: one cluster; the admin as two users, one with the
//! admin token and one with the admin client certificate and key; the `kclient-testserver`
//! context (token, namespace `default`) as current context and `kclient-testserver-cert`
//! (certificate) beside it.

use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::Error;

/// The name of the cluster, context and (with `-admin`) user in the kubeconfig.
pub const CONTEXT: &str = "kclient-testserver";

/// Renders the kubeconfig YAML: the token user in the current context, the certificate user
/// (`cert`: certificate and key PEM) in the `-cert` context.
pub fn render(server: &str, ca_pem: &str, token: &str, cert: (&str, &str)) -> String {
    let ca = STANDARD.encode(ca_pem.as_bytes());
    let (cert, key) = (
        STANDARD.encode(cert.0.as_bytes()),
        STANDARD.encode(cert.1.as_bytes()),
    );
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
- name: {CONTEXT}-admin-cert
  user:
    client-certificate-data: {cert}
    client-key-data: {key}
contexts:
- name: {CONTEXT}
  context:
    cluster: {CONTEXT}
    user: {CONTEXT}-admin
    namespace: default
- name: {CONTEXT}-cert
  context:
    cluster: {CONTEXT}
    user: {CONTEXT}-admin-cert
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
