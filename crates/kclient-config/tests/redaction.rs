//! Secrets never show up in `Debug` output of a `Kubeconfig` or a `Config`, nor in errors.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use kclient_config::{Config, ConfigOverrides, Kubeconfig};
use support::{SENTINEL, b64, write};

fn kubeconfig_with_every_secret(key_data: &str) -> String {
    format!(
        "
current-context: tok
contexts:
- {{name: tok, context: {{cluster: k, user: token-user}}}}
- {{name: basic, context: {{cluster: k, user: basic-user}}}}
- {{name: cert, context: {{cluster: k, user: cert-user}}}}
- {{name: exec, context: {{cluster: k, user: exec-user}}}}
clusters:
- name: k
  cluster:
    server: https://k:6443
    proxy-url: http://proxyuser:{SENTINEL}@proxy:3128
users:
- name: token-user
  user: {{token: {SENTINEL}}}
- name: basic-user
  user: {{username: bob, password: {SENTINEL}}}
- name: cert-user
  user:
    client-certificate-data: {cert}
    client-key-data: {key_data}
- name: exec-user
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: p
      env: [{{name: SECRET, value: {SENTINEL}}}]
- name: provider-user
  user:
    auth-provider:
      name: oidc
      config: {{id-token: {SENTINEL}, refresh-token: {SENTINEL}}}
",
        cert = b64("CERT"),
    )
}

#[test]
fn kubeconfig_debug_redacts() {
    let kc = Kubeconfig::from_yaml(&kubeconfig_with_every_secret(&b64(SENTINEL))).unwrap();
    let dbg = format!("{kc:?} {kc:#?}");
    assert!(!dbg.contains(SENTINEL), "{dbg}");
    assert!(!dbg.contains(&b64(SENTINEL)), "{dbg}");
    assert!(dbg.contains("token-user") && dbg.contains("SECRET") && dbg.contains("id-token"));
}

#[test]
fn config_debug_redacts_for_every_auth_method() {
    let kc = Kubeconfig::from_yaml(&kubeconfig_with_every_secret(&b64(SENTINEL))).unwrap();
    for context in ["tok", "basic", "cert", "exec"] {
        let config =
            Config::from_kubeconfig(&kc, &ConfigOverrides::new().context(context)).unwrap();
        let dbg = format!("{config:?} {config:#?}");
        assert!(!dbg.contains(SENTINEL), "context {context}: {dbg}");
    }
}

#[test]
fn errors_never_contain_secrets() {
    // Invalid key data, a removed auth-provider, a token with basic auth, YAML errors.
    let kc = Kubeconfig::from_yaml(&kubeconfig_with_every_secret(&format!("{SENTINEL}!"))).unwrap();
    let e = Config::from_kubeconfig(&kc, &ConfigOverrides::new().context("cert")).unwrap_err();
    assert!(!format!("{e} {e:?}").contains(SENTINEL));
    let e =
        Config::from_kubeconfig(&kc, &ConfigOverrides::new().user("provider-user")).unwrap_err();
    assert!(!format!("{e} {e:?}").contains(SENTINEL));

    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "config",
        &format!("users:\n- name: u\n  user:\n    token: {SENTINEL}\n    as-groups: {SENTINEL}\n"),
    );
    let e = Kubeconfig::read_from(&path).unwrap_err();
    let chain = format!(
        "{e} {e:?} {}",
        std::error::Error::source(&e)
            .map(ToString::to_string)
            .unwrap_or_default()
    );
    assert!(!chain.contains(SENTINEL), "{chain}");
}
