//! In-cluster configuration under a temporary root (IPv4 and IPv6 service hosts), `Config::infer`
//! and `build_config_from_flags`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::path::Path;

use kclient_config::{
    Config, DataSource, Error, InClusterOptions, LoadingRules, build_config_from_flags_with,
};
use support::{SENTINEL, write};

const SA: &str = "var/run/secrets/kubernetes.io/serviceaccount";

fn service_account(root: &Path, namespace: Option<&str>) {
    write(root, &format!("{SA}/token"), SENTINEL);
    write(root, &format!("{SA}/ca.crt"), "CA PEM");
    if let Some(ns) = namespace {
        write(root, &format!("{SA}/namespace"), ns);
    }
}

#[test]
fn incluster_ipv4() {
    let root = tempfile::tempdir().unwrap();
    service_account(root.path(), Some("team-a\n"));
    let options = InClusterOptions::with_root(root.path(), "10.96.0.1", "443");
    assert!(options.is_possible());
    let config = Config::incluster_with(&options).unwrap();
    assert_eq!(config.host, "https://10.96.0.1:443");
    let sa = root.path().join(SA);
    assert_eq!(config.auth.bearer_token_file, Some(sa.join("token")));
    assert!(config.auth.bearer_token.is_none());
    assert_eq!(config.tls.ca, Some(DataSource::File(sa.join("ca.crt"))));
    assert_eq!(config.default_namespace.as_deref(), Some("team-a"));
    assert!(!format!("{config:?}").contains(SENTINEL));
}

#[test]
fn incluster_ipv6_and_pod_namespace() {
    let root = tempfile::tempdir().unwrap();
    service_account(root.path(), Some("from-file"));
    let options =
        InClusterOptions::with_root(root.path(), "fd00:10:96::1", "6443").pod_namespace("from-env");
    let config = Config::incluster_with(&options).unwrap();
    assert_eq!(config.host, "https://[fd00:10:96::1]:6443");
    assert_eq!(config.default_namespace.as_deref(), Some("from-env"));

    let options = InClusterOptions::with_root(root.path(), "::1", "443");
    assert_eq!(
        Config::incluster_with(&options).unwrap().host,
        "https://[::1]:443"
    );
}

#[test]
fn incluster_missing_pieces() {
    let root = tempfile::tempdir().unwrap();
    let options = InClusterOptions::with_root(root.path(), "10.0.0.1", "443");
    assert!(!options.is_possible());
    let e = Config::incluster_with(&options).unwrap_err();
    let token = root.path().join(SA).join("token");
    assert_eq!(
        e.to_string(),
        format!(
            "in-cluster service account token {} cannot be read",
            token.display()
        )
    );

    // Without ca.crt and namespace: system roots and no namespace (as client-go).
    write(root.path(), &format!("{SA}/token"), "t");
    let config = Config::incluster_with(&options).unwrap();
    assert!(config.tls.ca.is_none());
    assert!(config.default_namespace.is_none());

    let mut no_port = options.clone();
    no_port.service_port = None;
    let e = Config::incluster_with(&no_port).unwrap_err();
    assert_eq!(
        e.to_string(),
        "not running in a cluster: KUBERNETES_SERVICE_PORT not set"
    );
}

const KUBECONFIG: &str = "
current-context: c
contexts: [{name: c, context: {cluster: k, user: u, namespace: from-kubeconfig}}]
clusters: [{name: k, cluster: {server: 'https://from-kubeconfig:6443'}}]
users: [{name: u, user: {token: t}}]
";

fn not_in_cluster() -> InClusterOptions {
    let mut o = InClusterOptions::with_root("/nonexistent-root", "", "");
    o.service_host = None;
    o.service_port = None;
    o
}

#[test]
fn infer_prefers_kubeconfig_then_incluster() {
    let home = tempfile::tempdir().unwrap();
    let root = tempfile::tempdir().unwrap();
    service_account(root.path(), None);
    let incluster = InClusterOptions::with_root(root.path(), "10.0.0.1", "443");
    let rules = LoadingRules::from_env_values(None, Some(home.path()));

    // No kubeconfig yet: in-cluster.
    let config = Config::infer_with(&rules, &incluster).unwrap();
    assert_eq!(config.host, "https://10.0.0.1:443");

    // An empty kubeconfig counts as none.
    write(home.path(), ".kube/config", "");
    let config = Config::infer_with(&rules, &incluster).unwrap();
    assert_eq!(config.host, "https://10.0.0.1:443");

    // A kubeconfig wins.
    write(home.path(), ".kube/config", KUBECONFIG);
    let config = Config::infer_with(&rules, &incluster).unwrap();
    assert_eq!(config.host, "https://from-kubeconfig:6443");

    // A broken kubeconfig is reported, not skipped.
    write(home.path(), ".kube/config", "clusters: [\n");
    let e = Config::infer_with(&rules, &incluster).unwrap_err();
    assert!(matches!(e, Error::Parse { .. }), "{e}");
}

#[test]
fn infer_explains_both_failures() {
    let home = tempfile::tempdir().unwrap();
    let rules = LoadingRules::from_env_values(None, Some(home.path()));
    let e = Config::infer_with(&rules, &not_in_cluster()).unwrap_err();
    let Error::Infer {
        kubeconfig,
        in_cluster,
    } = &e
    else {
        panic!("unexpected {e:?}");
    };
    assert!(kubeconfig.is_kubeconfig_not_found());
    assert!(in_cluster.is_not_in_cluster());
    let msg = e.to_string();
    assert!(
        msg.starts_with(
            "cannot infer a configuration: kubeconfig: no kubeconfig found: looked for "
        ),
        "{msg}"
    );
    assert!(
        msg.contains("; in-cluster: not running in a cluster"),
        "{msg}"
    );
}

#[test]
fn build_config_from_flags_variants() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "kubeconfig", KUBECONFIG);
    let root = tempfile::tempdir().unwrap();
    service_account(root.path(), None);
    let incluster = InClusterOptions::with_root(root.path(), "10.0.0.9", "443");
    let default_rules = LoadingRules::from_env_values(None, Some(dir.path()));

    // Explicit kubeconfig; master overrides its server.
    let config =
        build_config_from_flags_with(None, Some(&path), &default_rules, &incluster).unwrap();
    assert_eq!(config.host, "https://from-kubeconfig:6443");
    let config = build_config_from_flags_with(
        Some("https://master:443"),
        Some(&path),
        &default_rules,
        &incluster,
    )
    .unwrap();
    assert_eq!(config.host, "https://master:443");
    assert!(config.auth.bearer_token.is_some());

    // Master alone: just the server.
    let config =
        build_config_from_flags_with(Some("https://master:443"), None, &default_rules, &incluster)
            .unwrap();
    assert_eq!(config.host, "https://master:443");
    assert!(config.auth.bearer_token.is_none());

    // Neither: in-cluster first…
    let config = build_config_from_flags_with(None, None, &default_rules, &incluster).unwrap();
    assert_eq!(config.host, "https://10.0.0.9:443");
    // …then the default kubeconfig.
    write(dir.path(), ".kube/config", KUBECONFIG);
    let config =
        build_config_from_flags_with(None, None, &default_rules, &not_in_cluster()).unwrap();
    assert_eq!(config.host, "https://from-kubeconfig:6443");

    // A missing explicit kubeconfig is a clear error.
    let missing = dir.path().join("missing");
    let e =
        build_config_from_flags_with(None, Some(&missing), &default_rules, &incluster).unwrap_err();
    assert!(matches!(e, Error::ExplicitKubeconfigMissing { .. }));
}
