//! Building a `Config` from a kubeconfig: TLS and auth fields, client-go's validation errors,
//! exec plugins, base64 errors, and credentials dropped for plain-HTTP servers.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use kclient_config::{
    Config, ConfigOverrides, DataSource, Error, ExposeSecret, InteractiveMode, Kubeconfig,
};
use support::{SENTINEL, b64, write};

fn build(yaml: &str) -> Result<Config, Error> {
    Config::from_kubeconfig(
        &Kubeconfig::from_yaml(yaml).unwrap(),
        &ConfigOverrides::default(),
    )
}

fn with_user(user: &str) -> String {
    with_cluster_and_user("server: https://k.example:6443", user)
}

fn with_cluster_and_user(cluster: &str, user: &str) -> String {
    let indent = |s: &str| s.lines().map(|l| format!("    {l}\n")).collect::<String>();
    format!(
        "current-context: c\ncontexts:\n- name: c\n  context: {{cluster: k, user: u}}\n\
         clusters:\n- name: k\n  cluster:\n{}users:\n- name: u\n  user:\n{}",
        indent(cluster),
        indent(user)
    )
}

#[test]
fn tls_and_token_from_data_fields() {
    let yaml = with_cluster_and_user(
        &format!(
            "server: https://k.example:6443/prefix?q=1\ncertificate-authority-data: {}\ntls-server-name: kube.internal\nproxy-url: http://proxy:3128\ndisable-compression: true",
            b64("CA PEM")
        ),
        &format!(
            "client-certificate-data: {}\nclient-key-data: {}\ntoken: {SENTINEL}\nas: alice\nas-uid: '42'\nas-groups: [g1, g2]\nas-user-extra: {{scopes: [a, b]}}",
            b64("CERT PEM"),
            b64("KEY PEM")
        ),
    );
    let config = build(&yaml).unwrap();
    assert_eq!(config.host, "https://k.example:6443/prefix");
    assert_eq!(config.tls.ca, Some(DataSource::Data(b"CA PEM".to_vec())));
    assert_eq!(
        config.tls.client_cert,
        Some(DataSource::Data(b"CERT PEM".to_vec()))
    );
    assert_eq!(
        config.tls.client_key,
        Some(DataSource::Data(b"KEY PEM".to_vec()))
    );
    assert_eq!(config.tls.server_name.as_deref(), Some("kube.internal"));
    assert!(!config.tls.insecure);
    assert_eq!(config.proxy_url.as_deref(), Some("http://proxy:3128"));
    assert!(config.disable_compression);
    assert_eq!(
        config.auth.bearer_token.as_ref().unwrap().expose_secret(),
        SENTINEL
    );
    assert_eq!(config.impersonate.user.as_deref(), Some("alice"));
    assert_eq!(config.impersonate.uid.as_deref(), Some("42"));
    assert_eq!(config.impersonate.groups, ["g1", "g2"]);
    assert_eq!(config.impersonate.extra["scopes"], ["a", "b"]);
    assert_eq!(config.default_namespace, None);
}

#[test]
fn inline_token_beats_token_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "token", "file-token");
    let yaml = with_user(&format!("token: inline\ntokenFile: {}", file.display()));
    let config = build(&yaml).unwrap();
    assert_eq!(
        config.auth.bearer_token.as_ref().unwrap().expose_secret(),
        "inline"
    );
    assert!(config.auth.bearer_token_file.is_none());

    let yaml = with_user(&format!("tokenFile: {}", file.display()));
    let config = build(&yaml).unwrap();
    assert!(config.auth.bearer_token.is_none());
    assert_eq!(
        config.auth.bearer_token_file.as_deref(),
        Some(file.as_path())
    );

    // A token file that cannot be read is named.
    let missing = dir.path().join("missing-token");
    let e = build(&with_user(&format!("tokenFile: {}", missing.display()))).unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "tokenFile {} of user \"u\" cannot be read",
            missing.display()
        )
    );
}

#[test]
fn basic_auth_and_conflicts() {
    let config = build(&with_user(&format!("username: bob\npassword: {SENTINEL}"))).unwrap();
    assert_eq!(config.auth.username.as_deref(), Some("bob"));
    assert_eq!(
        config.auth.password.as_ref().unwrap().expose_secret(),
        SENTINEL
    );

    let e = build(&with_user(&format!(
        "username: bob\npassword: {SENTINEL}\ntoken: {SENTINEL}"
    )))
    .unwrap_err();
    assert!(matches!(&e, Error::MultipleAuthMethods { user, .. } if user == "u"));
    assert_eq!(
        e.to_string(),
        "user \"u\": more than one authentication method found (token, basicAuth); only one is allowed"
    );
    assert!(!e.to_string().contains(SENTINEL));
}

#[test]
fn client_cert_without_key_is_an_error() {
    let e = build(&with_user(&format!(
        "client-certificate-data: {}",
        b64("CERT")
    )))
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "user \"u\": a client certificate is set without a key (client-key or client-key-data)"
    );
}

#[test]
fn data_and_file_both_set_is_an_error() {
    let e = build(&with_cluster_and_user(
        &format!(
            "server: https://k\ncertificate-authority: /ca.crt\ncertificate-authority-data: {}",
            b64("CA")
        ),
        "{}",
    ))
    .unwrap_err();
    assert!(
        e.to_string()
            .contains("certificate-authority-data and certificate-authority are both set"),
        "{e}"
    );
}

#[test]
fn insecure_with_ca_is_an_error() {
    let e = build(&with_cluster_and_user(
        &format!(
            "server: https://k\ninsecure-skip-tls-verify: true\ncertificate-authority-data: {}",
            b64("CA")
        ),
        "{}",
    ))
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "cluster \"k\": insecure-skip-tls-verify cannot be combined with a certificate authority"
    );
    let config = build(&with_cluster_and_user(
        "server: https://k\ninsecure-skip-tls-verify: true",
        "{}",
    ))
    .unwrap();
    assert!(config.tls.insecure);
}

#[test]
fn base64_errors_name_field_and_file() {
    let dir = tempfile::tempdir().unwrap();
    let yaml = with_user(&format!(
        "client-certificate-data: {}\nclient-key-data: '{SENTINEL}!!'",
        b64("CERT")
    ));
    let path = write(dir.path(), "config", &yaml);
    let kc = Kubeconfig::read_from(&path).unwrap();
    let e = Config::from_kubeconfig(&kc, &ConfigOverrides::default()).unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.starts_with(&format!(
            "client-key-data of user \"u\" in {} is not valid base64",
            path.display()
        )),
        "{msg}"
    );
    assert!(!msg.contains(SENTINEL) && !format!("{e:?}").contains(SENTINEL));

    let yaml = with_cluster_and_user("server: https://k\ncertificate-authority-data: '%%%'", "{}");
    let e = build(&yaml).unwrap_err();
    assert!(
        e.to_string()
            .starts_with("certificate-authority-data of cluster \"k\" is not valid base64"),
        "{e}"
    );
}

#[test]
fn unreadable_files_are_named() {
    let yaml = with_cluster_and_user(
        "server: https://k\ncertificate-authority: /nonexistent/ca.crt",
        "{}",
    );
    let e = build(&yaml).unwrap_err();
    assert_eq!(
        e.to_string(),
        "certificate-authority /nonexistent/ca.crt of cluster \"k\" cannot be read"
    );
    let e = build(&with_user(
        "client-certificate: /nonexistent/u.crt\nclient-key: /nonexistent/u.key",
    ))
    .unwrap_err();
    assert!(
        e.to_string()
            .starts_with("client-certificate /nonexistent/u.crt"),
        "{e}"
    );
}

#[test]
fn auth_provider_is_rejected_by_name() {
    let yaml = with_user(&format!(
        "auth-provider:\n  name: gcp\n  config:\n    access-token: {SENTINEL}"
    ));
    let e = build(&yaml).unwrap_err();
    assert!(
        matches!(&e, Error::AuthProviderUnsupported { provider, user, .. }
        if provider == "gcp" && user == "u")
    );
    assert_eq!(
        e.to_string(),
        "auth-provider \"gcp\" in user \"u\" is not supported: client-go removed it; \
         use an exec credential plugin such as gke-gcloud-auth-plugin"
    );
    let e = build(&with_user("auth-provider: {name: oidc}")).unwrap_err();
    assert!(e.to_string().contains("kubelogin"), "{e}");
    let e = build(&with_user(
        "auth-provider: {name: azure}\nexec: {command: x, apiVersion: client.authentication.k8s.io/v1}",
    ))
    .unwrap_err();
    assert!(
        e.to_string()
            .contains("exec and auth-provider cannot both be set"),
        "{e}"
    );
}

#[test]
fn exec_v1_and_v1beta1() {
    let v1 = with_user(
        "exec:\n  apiVersion: client.authentication.k8s.io/v1\n  command: kubectl-oidc\n  args: [get-token, --x]\n  env:\n  - {name: FOO, value: bar}\n  interactiveMode: Always\n  installHint: \"install it\\e[0m\"",
    );
    let exec = build(&v1).unwrap().auth.exec.unwrap();
    assert_eq!(exec.api_version, "client.authentication.k8s.io/v1");
    assert_eq!(exec.command, "kubectl-oidc");
    assert_eq!(exec.args, ["get-token", "--x"]);
    assert_eq!(exec.env, [("FOO".to_owned(), "bar".to_owned())]);
    assert_eq!(exec.interactive_mode, InteractiveMode::Always);
    assert_eq!(exec.install_hint.as_deref(), Some("install itU+001B[0m"));
    assert!(exec.cluster.is_none());

    let v1_missing_mode =
        with_user("exec:\n  apiVersion: client.authentication.k8s.io/v1\n  command: p");
    let e = build(&v1_missing_mode).unwrap_err();
    assert!(
        e.to_string()
            .starts_with("exec plugin of user \"u\": interactiveMode must be specified"),
        "{e}"
    );

    let beta = with_user("exec:\n  apiVersion: client.authentication.k8s.io/v1beta1\n  command: p");
    let exec = build(&beta).unwrap().auth.exec.unwrap();
    assert_eq!(exec.interactive_mode, InteractiveMode::IfAvailable);

    let alpha = with_user(
        "exec:\n  apiVersion: client.authentication.k8s.io/v1alpha1\n  command: p\n  interactiveMode: Never",
    );
    let e = build(&alpha).unwrap_err();
    assert!(
        e.to_string()
            .contains("unsupported apiVersion \"client.authentication.k8s.io/v1alpha1\""),
        "{e}"
    );
}

#[test]
fn exec_provide_cluster_info() {
    let dir = tempfile::tempdir().unwrap();
    let ca = write(dir.path(), "ca.crt", "CA FROM FILE");
    let yaml = with_cluster_and_user(
        &format!(
            "server: https://k:6443\ncertificate-authority: {}\ntls-server-name: kube\nextensions:\n- name: client.authentication.k8s.io/exec\n  extension: {{audience: sts}}\n- name: other\n  extension: 1",
            ca.display()
        ),
        "exec:\n  apiVersion: client.authentication.k8s.io/v1\n  command: p\n  interactiveMode: Never\n  provideClusterInfo: true",
    );
    let exec = build(&yaml).unwrap().auth.exec.unwrap();
    let info = exec.cluster.unwrap();
    assert_eq!(info.server, "https://k:6443");
    assert_eq!(info.tls_server_name.as_deref(), Some("kube"));
    assert_eq!(
        info.certificate_authority_data.as_deref(),
        Some(&b"CA FROM FILE"[..])
    );
    assert_eq!(info.config, Some(serde_json::json!({"audience": "sts"})));

    let json = kclient_config::exec_credential::exec_info_json(
        &build(&yaml).unwrap().auth.exec.unwrap(),
        false,
    )
    .unwrap();
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["spec"]["cluster"]["config"]["audience"], "sts");
    assert_eq!(v["spec"]["cluster"]["server"], "https://k:6443");
}

#[test]
fn static_credentials_win_over_exec() {
    let yaml = with_user(&format!(
        "token: {SENTINEL}\nexec:\n  apiVersion: client.authentication.k8s.io/v1beta1\n  command: p"
    ));
    let config = build(&yaml).unwrap();
    assert!(config.auth.bearer_token.is_some());
    assert!(config.auth.exec.is_none());
}

#[test]
fn plain_http_server_gets_no_credentials() {
    let yaml = with_cluster_and_user(
        &format!(
            "server: http://localhost:8080\ncertificate-authority-data: {}",
            b64("CA")
        ),
        &format!("token: {SENTINEL}\nas: alice"),
    );
    let config = build(&yaml).unwrap();
    assert_eq!(config.host, "http://localhost:8080");
    assert!(config.auth.bearer_token.is_none());
    assert!(config.tls.ca.is_none());
    // Impersonation applies regardless, as in client-go.
    assert_eq!(config.impersonate.user.as_deref(), Some("alice"));
}

#[test]
fn missing_entries_and_contexts_are_named() {
    let kc = Kubeconfig::from_yaml(&with_user("{}")).unwrap();
    let e = Config::from_kubeconfig(&kc, &ConfigOverrides::new().context("prod")).unwrap_err();
    assert_eq!(
        e.to_string(),
        "context \"prod\" not found in the kubeconfig"
    );
    let e = Config::from_kubeconfig(&kc, &ConfigOverrides::new().cluster("gone")).unwrap_err();
    assert_eq!(
        e.to_string(),
        "cluster \"gone\" (used by context \"c\") not found in the kubeconfig"
    );
    let e = Config::from_kubeconfig(&kc, &ConfigOverrides::new().user("ghost")).unwrap_err();
    assert_eq!(
        e.to_string(),
        "user \"ghost\" (used by context \"c\") not found in the kubeconfig"
    );

    let mut no_current = kc.clone();
    no_current.current_context = None;
    let e = Config::from_kubeconfig(&no_current, &ConfigOverrides::default()).unwrap_err();
    assert!(matches!(e, Error::NoCurrentContext));
    let e =
        Config::from_kubeconfig(&Kubeconfig::default(), &ConfigOverrides::default()).unwrap_err();
    assert!(matches!(e, Error::EmptyConfig));

    let no_server = Kubeconfig::from_yaml(&with_cluster_and_user(
        "insecure-skip-tls-verify: true",
        "{}",
    ))
    .unwrap();
    let e = Config::from_kubeconfig(&no_server, &ConfigOverrides::default()).unwrap_err();
    assert_eq!(e.to_string(), "no server found for cluster \"k\"");
}

#[test]
fn server_override_drops_tls_server_name() {
    let kc = Kubeconfig::from_yaml(&with_cluster_and_user(
        "server: https://k:6443\ntls-server-name: kube",
        "{}",
    ))
    .unwrap();
    let config =
        Config::from_kubeconfig(&kc, &ConfigOverrides::new().server("https://other:443")).unwrap();
    assert_eq!(config.host, "https://other:443");
    assert_eq!(config.tls.server_name, None);
    let config = Config::from_kubeconfig(&kc, &ConfigOverrides::default()).unwrap();
    assert_eq!(config.tls.server_name.as_deref(), Some("kube"));
}

#[test]
fn impersonation_extras_need_a_user() {
    let e = build(&with_user("as-groups: [admins]")).unwrap_err();
    assert!(
        e.to_string()
            .contains("as-groups or as-user-extra is set without as"),
        "{e}"
    );
}

#[test]
fn proxy_url_schemes_are_checked_when_the_kubeconfig_is_loaded() {
    let config = build(&with_cluster_and_user(
        "server: https://k\nproxy-url: socks5://user:pw@proxy:1080",
        "{}",
    ))
    .unwrap();
    assert_eq!(
        config.proxy_url.as_deref(),
        Some("socks5://user:pw@proxy:1080")
    );
    let e = build(&with_cluster_and_user(
        "server: https://k\nproxy-url: socks4://user:hunter2@proxy:1080",
        "{}",
    ))
    .unwrap_err();
    let text = e.to_string();
    assert!(text.contains("cluster \"k\""), "{text}");
    assert!(text.contains("\"socks4\" is not supported"), "{text}");
    assert!(!text.contains("hunter2"), "{text}");
}
