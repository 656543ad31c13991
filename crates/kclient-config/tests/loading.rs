//! Loading several kubeconfig files: client-go's merge rules, relative path resolution per file,
//! skipped missing files, explicit paths, and YAML errors naming file, line and column.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::path::Path;

use kclient_config::{Config, ConfigOverrides, DataSource, Error, Kubeconfig, LoadingRules};
use support::write;

const FIRST: &str = "
apiVersion: v1
kind: Config
current-context: ctx-first
clusters:
- name: shared
  cluster:
    server: https://first.example:6443
    certificate-authority: ca/first-ca.crt
- name: only-first
  cluster:
    server: https://only-first.example
contexts:
- name: ctx-first
  context: {cluster: shared, user: shared-user, namespace: first-ns}
- name: shared-ctx
  context: {cluster: only-first, user: shared-user}
users:
- name: shared-user
  user:
    tokenFile: tokens/first-token
";

const SECOND: &str = "
current-context: ctx-second
clusters:
- name: shared
  cluster:
    server: https://second.example:6443
    insecure-skip-tls-verify: true
- name: only-second
  cluster:
    server: https://only-second.example
    certificate-authority: second-ca.crt
contexts:
- name: ctx-second
  context: {cluster: only-second, user: second-user}
- name: shared-ctx
  context: {cluster: only-second, user: second-user}
users:
- name: shared-user
  user:
    token: second-token
- name: second-user
  user:
    client-certificate: pki/second.crt
    client-key: pki/second.key
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: bin/plugin
      interactiveMode: Never
";

/// Two kubeconfigs in different directories, with the files they name.
fn fixture(root: &Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let first = write(root, "a/config", FIRST);
    write(root, "a/ca/first-ca.crt", "PEM");
    write(root, "a/tokens/first-token", "tok\n");
    let second = write(root, "b/nested/config", SECOND);
    write(root, "b/nested/second-ca.crt", "PEM");
    write(root, "b/nested/pki/second.crt", "PEM");
    write(root, "b/nested/pki/second.key", "PEM");
    (first, second)
}

fn rules(paths: &[&Path]) -> LoadingRules {
    let list = std::env::join_paths(paths).unwrap();
    LoadingRules::from_env_values(Some(&list), None)
}

#[test]
fn first_file_wins_per_name_and_for_current_context() {
    let dir = tempfile::tempdir().unwrap();
    let (first, second) = fixture(dir.path());
    let merged = rules(&[&first, &second]).load().unwrap();

    assert_eq!(merged.current_context.as_deref(), Some("ctx-first"));
    let names: Vec<_> = merged.clusters.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["shared", "only-first", "only-second"]);
    let shared = merged.cluster("shared").unwrap();
    assert_eq!(
        shared.cluster.server.as_deref(),
        Some("https://first.example:6443")
    );
    // The whole entry comes from the first file: no insecure flag from the second.
    assert!(!shared.cluster.insecure_skip_tls_verify);
    assert_eq!(shared.origin.as_deref(), Some(first.as_path()));
    // Same for users and contexts.
    let user = merged.auth_info("shared-user").unwrap();
    assert!(user.auth_info.token.is_none());
    assert!(user.auth_info.token_file.is_some());
    let ctx = merged.context("shared-ctx").unwrap();
    assert_eq!(ctx.context.cluster.as_deref(), Some("only-first"));
    assert_eq!(ctx.origin.as_deref(), Some(first.as_path()));
    assert_eq!(
        merged.auth_info("second-user").unwrap().origin.as_deref(),
        Some(second.as_path())
    );

    // The other order gives the other answers.
    let merged = rules(&[&second, &first]).load().unwrap();
    assert_eq!(merged.current_context.as_deref(), Some("ctx-second"));
    assert!(
        merged
            .cluster("shared")
            .unwrap()
            .cluster
            .insecure_skip_tls_verify
    );
}

#[test]
fn relative_paths_resolve_against_their_own_file() {
    let dir = tempfile::tempdir().unwrap();
    let (first, second) = fixture(dir.path());
    let merged = rules(&[&first, &second]).load().unwrap();
    let base_a = std::path::absolute(dir.path().join("a")).unwrap();
    let base_b = std::path::absolute(dir.path().join("b/nested")).unwrap();

    let ca = merged.cluster("shared").unwrap();
    assert_eq!(
        ca.cluster.certificate_authority.as_deref().map(Path::new),
        Some(base_a.join("ca/first-ca.crt").as_path())
    );
    let ca2 = merged.cluster("only-second").unwrap();
    assert_eq!(
        ca2.cluster.certificate_authority.as_deref().map(Path::new),
        Some(base_b.join("second-ca.crt").as_path())
    );
    let u = &merged.auth_info("second-user").unwrap().auth_info;
    assert_eq!(
        u.client_certificate.as_deref().map(Path::new),
        Some(base_b.join("pki/second.crt").as_path())
    );
    assert_eq!(
        u.exec.as_ref().map(|e| Path::new(&e.command).to_owned()),
        Some(base_b.join("bin/plugin"))
    );
    let t = &merged.auth_info("shared-user").unwrap().auth_info;
    assert_eq!(
        t.token_file.as_deref().map(Path::new),
        Some(base_a.join("tokens/first-token").as_path())
    );

    // And the config built from it uses the absolute files.
    let config = Config::from_kubeconfig(&merged, &ConfigOverrides::default()).unwrap();
    assert_eq!(
        config.tls.ca,
        Some(DataSource::File(base_a.join("ca/first-ca.crt")))
    );
    assert_eq!(
        config.auth.bearer_token_file,
        Some(base_a.join("tokens/first-token"))
    );
    assert_eq!(config.default_namespace.as_deref(), Some("first-ns"));
}

#[test]
fn overrides_choose_entries_across_files() {
    let dir = tempfile::tempdir().unwrap();
    let (first, second) = fixture(dir.path());
    let merged = rules(&[&first, &second]).load().unwrap();
    let overrides = ConfigOverrides::new()
        .context("ctx-second")
        .namespace("override-ns");
    let config = Config::from_kubeconfig(&merged, &overrides).unwrap();
    assert_eq!(config.host, "https://only-second.example");
    assert_eq!(config.default_namespace.as_deref(), Some("override-ns"));
    assert!(matches!(config.tls.client_cert, Some(DataSource::File(_))));
    // A client certificate makes client-go skip the exec plugin.
    assert!(config.auth.exec.is_none());

    let overrides = ConfigOverrides::new()
        .cluster("only-first")
        .user("shared-user")
        .server("https://override.example:443");
    let config = Config::from_kubeconfig(&merged, &overrides).unwrap();
    assert_eq!(config.host, "https://override.example:443");
    assert!(config.auth.bearer_token_file.is_some());
}

#[test]
fn missing_files_in_the_list_are_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let (first, _) = fixture(dir.path());
    let missing = dir.path().join("nope/config");
    let merged = rules(&[&missing, &first]).load().unwrap();
    assert_eq!(merged.current_context.as_deref(), Some("ctx-first"));

    let e = rules(&[&missing]).load().unwrap_err();
    assert!(e.is_kubeconfig_not_found());
    assert!(
        e.to_string().contains(&missing.display().to_string()),
        "{e}"
    );
}

#[test]
fn default_path_is_under_home() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), ".kube/config", FIRST);
    let rules = LoadingRules::from_env_values(None, Some(dir.path()));
    assert_eq!(
        rules.load().unwrap().current_context.as_deref(),
        Some("ctx-first")
    );
}

#[test]
fn explicit_path_must_exist_and_is_used_alone() {
    let dir = tempfile::tempdir().unwrap();
    let (first, second) = fixture(dir.path());
    let loaded = rules(&[&first]).with_explicit_path(&second).load().unwrap();
    assert_eq!(loaded.current_context.as_deref(), Some("ctx-second"));
    assert!(loaded.cluster("only-first").is_none());

    let missing = dir.path().join("missing.yaml");
    let e = LoadingRules::default()
        .with_explicit_path(&missing)
        .load()
        .unwrap_err();
    assert!(matches!(e, Error::ExplicitKubeconfigMissing { .. }));
    assert_eq!(
        e.to_string(),
        format!("kubeconfig {} does not exist", missing.display())
    );
}

#[test]
fn yaml_errors_name_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let bad = write(
        dir.path(),
        "bad/config",
        "apiVersion: v1\nextensions:\n- name: a\n  extension:\n    data: [1, 2\n",
    );
    let e = Kubeconfig::read_from(&bad).unwrap_err();
    let Error::Parse { path, location, .. } = &e else {
        panic!("unexpected error {e:?}");
    };
    assert_eq!(path.as_deref(), Some(bad.as_path()));
    assert_eq!(*location, Some((5, 11)));
    let msg = e.to_string();
    assert!(
        msg.starts_with(&format!("invalid kubeconfig {}", bad.display())),
        "{msg}"
    );
    assert!(msg.contains("line 5, column 11"), "{msg}");
    // The parser's own message is in the source chain.
    let source = std::error::Error::source(&e).unwrap().to_string();
    assert!(source.contains("bracket"), "{source}");

    // A type error is located too.
    let bad = write(
        dir.path(),
        "bad2/config",
        "clusters:\n- name: a\n  cluster:\n    insecure-skip-tls-verify: perhaps\n",
    );
    let e = Kubeconfig::read_from(&bad).unwrap_err();
    assert!(e.to_string().contains("line 4, column 31"), "{e}");

    // And a bad file in the KUBECONFIG list fails the load.
    let good = write(dir.path(), "good/config", FIRST);
    let e = rules(&[&good, &bad]).load().unwrap_err();
    assert!(matches!(e, Error::Parse { .. }));
}

#[test]
fn duplicate_names_in_one_file_are_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "config",
        "contexts:\n- name: x\n- name: y\n- name: x\n",
    );
    let e = Kubeconfig::read_from(&path).unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "kubeconfig {}: duplicate context name \"x\"",
            path.display()
        )
    );
}
