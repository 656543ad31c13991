//! # kclient-config
//!
//! Where a client's [`Config`] comes from, mirroring client-go's `tools/clientcmd` and
//! `rest.InClusterConfig`: kubeconfig files (merged from `KUBECONFIG` the way client-go merges
//! them), in-cluster service-account configuration, and overrides.
//!
//! This crate only reads and interprets configuration. It never opens a connection and never runs
//! an exec credential plugin; `kclient-rest` does that when a request needs a credential, using
//! the wire types of [`exec_credential`].
//!
//! ## Usage
//!
//! ```
//! use kclient_config::{Config, ConfigOverrides, DataSource, Kubeconfig};
//!
//! let kubeconfig = Kubeconfig::from_yaml(r#"
//! apiVersion: v1
//! kind: Config
//! current-context: dev
//! contexts:
//! - name: dev
//!   context: {cluster: dev-cluster, user: dev-user, namespace: team-a}
//! clusters:
//! - name: dev-cluster
//!   cluster:
//!     server: https://10.0.0.1:6443
//!     certificate-authority-data: UEVNIGJ5dGVz
//! users:
//! - name: dev-user
//!   user:
//!     token: not-a-real-token
//! "#)?;
//!
//! let config = Config::from_kubeconfig(&kubeconfig, &ConfigOverrides::default())?;
//! assert_eq!(config.host, "https://10.0.0.1:6443");
//! assert_eq!(config.default_namespace.as_deref(), Some("team-a"));
//! assert_eq!(config.tls.ca, Some(DataSource::Data(b"PEM bytes".to_vec())));
//! assert!(config.auth.bearer_token.is_some());
//! // Debug output never shows credentials.
//! assert!(!format!("{config:?}").contains("not-a-real-token"));
//!
//! // Overrides pick another namespace (or context, cluster, user, server).
//! let config = Config::from_kubeconfig(&kubeconfig, &ConfigOverrides::new().namespace("other"))?;
//! assert_eq!(config.default_namespace.as_deref(), Some("other"));
//! # Ok::<(), kclient_config::Error>(())
//! ```
//!
//! Real programs usually call [`Config::infer`] (kubeconfig from `KUBECONFIG` or
//! `~/.kube/config`, else in-cluster), [`build_config_from_flags`], or
//! [`Kubeconfig::load_default`] / [`LoadingRules`] followed by [`Config::from_kubeconfig`].
//!
//! ## Dependencies and why
//! - `serde`, `serde_json`: kubeconfig and exec-credential types.
//! - `serde-saphyr`: YAML parsing with line/column in errors (`serde_yaml` is deprecated).
//! - `base64`: `*-data` fields are base64.
//! - `secrecy`: tokens and passwords never appear in `Debug` output.
//! - `jiff`: the exec credential's `expirationTimestamp`.
//! - `thiserror`: the crate's error enum. `tracing`: warnings about odd configurations.

mod config;
mod de;
mod error;
mod exec_auth;
pub mod exec_credential;
mod from_kubeconfig;
mod incluster;
mod infer;
pub mod kubeconfig;
mod loader;
mod merge;
mod overrides;
mod select;
mod validate;

pub use config::{
    AuthConfig, Config, ContentConfig, DEFAULT_BURST, DEFAULT_QPS, DataSource, ExecClusterInfo,
    ExecConfig, GROUPS_API_PATH, ImpersonationConfig, InteractiveMode, LEGACY_API_PATH, Serializer,
    TlsConfig, WarningHandler,
};
pub use error::{Error, Result};
pub use exec_auth::EXEC_CLUSTER_EXTENSION;
pub use incluster::{
    InClusterOptions, POD_NAMESPACE_ENV, SERVICE_ACCOUNT_DIR, SERVICE_HOST_ENV, SERVICE_PORT_ENV,
};
pub use infer::{build_config_from_flags, build_config_from_flags_with};
pub use kubeconfig::Kubeconfig;
pub use loader::{KUBECONFIG_ENV, LoadingRules, home_dir};
pub use overrides::ConfigOverrides;
pub use secrecy::{ExposeSecret, SecretString};

/// The snippets of `docs/config.md`, compiled as doctests so the guide stays correct.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/config.md")]
mod guide_doctests {}

/// The Chinese chapter `docs/zh/config.md`, its snippets compiled as doctests too.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/zh/config.md")]
mod guide_zh_doctests {}
