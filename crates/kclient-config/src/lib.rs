//! # kclient-config
//!
//! Where a client's [`Config`] comes from, mirroring client-go's `tools/clientcmd` and
//! `rest.InClusterConfig`: kubeconfig files (merged from `KUBECONFIG` the way client-go merges
//! them), in-cluster service-account configuration, and overrides.
//!
//! This crate only reads and interprets configuration. It never opens a connection and never runs
//! an exec credential plugin; `kclient-rest` does that when a request needs a credential.
//!
//! ## Dependencies and why
//! - `serde`, `serde_json`: kubeconfig and exec-credential types.
//! - `serde-saphyr`: YAML parsing with line/column in errors (`serde_yaml` is deprecated).
//! - `base64`: `*-data` fields are base64.
//! - `secrecy`: tokens and passwords never appear in `Debug` output.
//! - `thiserror`: the crate's error enum. `tracing`: warnings about odd configurations.

mod config;

pub use config::{
    AuthConfig, Config, ContentConfig, DEFAULT_BURST, DEFAULT_QPS, DataSource, ExecClusterInfo,
    ExecConfig, GROUPS_API_PATH, ImpersonationConfig, InteractiveMode, LEGACY_API_PATH, Serializer,
    TlsConfig, WarningHandler,
};
pub use secrecy::{ExposeSecret, SecretString};
