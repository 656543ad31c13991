//! The crate's error type: everything that can go wrong loading a kubeconfig, choosing a context,
//! building a [`Config`](crate::Config), reading in-cluster configuration or decoding an exec
//! plugin's answer.
//!
//! Messages name the file, context, user or cluster involved. They never contain a token,
//! password or key: secret values are not copied into errors at all.

use std::fmt::Write as _;
use std::io;
use std::path::{Path, PathBuf};

/// Everything that can go wrong in `kclient-config`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A kubeconfig file could not be read.
    #[error("cannot read kubeconfig {}", path.display())]
    ReadKubeconfig {
        /// The file.
        path: PathBuf,
        /// Why it could not be read.
        #[source]
        source: io::Error,
    },

    /// A kubeconfig given explicitly (`--kubeconfig`, `read_from`) does not exist.
    #[error("kubeconfig {} does not exist", path.display())]
    ExplicitKubeconfigMissing {
        /// The file.
        path: PathBuf,
    },

    /// None of the kubeconfig files that were looked for exists.
    #[error("no kubeconfig found: looked for {}", join_paths(paths))]
    KubeconfigNotFound {
        /// The files looked for, in order (from `KUBECONFIG`, or `~/.kube/config`).
        paths: Vec<PathBuf>,
    },

    /// There is no kubeconfig path to try: `KUBECONFIG` names no file, or it is unset and the
    /// home directory (for `~/.kube/config`) is unknown.
    #[error("no kubeconfig to load: KUBECONFIG names no file, or it is unset and $HOME is not set")]
    NoKubeconfigPaths,

    /// A kubeconfig is not valid YAML or does not have the kubeconfig shape.
    #[error("invalid kubeconfig {}{}", source_name(path.as_deref()), position(*location))]
    Parse {
        /// The file, or `None` for text parsed from a string.
        path: Option<PathBuf>,
        /// Line and column (1-based) of the problem, when known.
        location: Option<(u64, u64)>,
        /// The YAML parser's error (boxed: it is large).
        #[source]
        source: Box<serde_saphyr::Error>,
    },

    /// A kubeconfig declares an `apiVersion` or `kind` other than `v1` / `Config`.
    #[error("kubeconfig {}: unsupported {field} {value:?} (expected {expected:?})", source_name(path.as_deref()))]
    UnsupportedKubeconfigVersion {
        /// The file, or `None` for text parsed from a string.
        path: Option<PathBuf>,
        /// `apiVersion` or `kind`.
        field: &'static str,
        /// The value found.
        value: String,
        /// The value expected.
        expected: &'static str,
    },

    /// Two entries of one kubeconfig file have the same name.
    #[error("kubeconfig {}: duplicate {kind} name {name:?}", source_name(path.as_deref()))]
    DuplicateName {
        /// The file, or `None` for text parsed from a string.
        path: Option<PathBuf>,
        /// `cluster`, `user`, `context` or `extension`.
        kind: &'static str,
        /// The repeated name.
        name: String,
    },

    /// The merged kubeconfig is empty and no override says where the server is.
    #[error(
        "no configuration has been provided: the kubeconfig has no contexts, clusters or users"
    )]
    EmptyConfig,

    /// No context was chosen: `current-context` is unset and no context was given.
    #[error("no context chosen: the kubeconfig has no current-context and no context was given")]
    NoCurrentContext,

    /// The chosen context does not exist.
    #[error("context {context:?} not found in the kubeconfig")]
    ContextNotFound {
        /// The context's name.
        context: String,
    },

    /// The chosen context names a cluster that does not exist.
    #[error("cluster {cluster:?} (used by context {context:?}) not found in the kubeconfig")]
    ClusterNotFound {
        /// The cluster's name.
        cluster: String,
        /// The context naming it (empty when the cluster came from an override alone).
        context: String,
    },

    /// The chosen context names a user that does not exist.
    #[error("user {user:?} (used by context {context:?}) not found in the kubeconfig")]
    UserNotFound {
        /// The user's name.
        user: String,
        /// The context naming it (empty when the user came from an override alone).
        context: String,
    },

    /// The chosen context names no cluster and no server override was given.
    #[error("context {context:?} names no cluster")]
    ClusterNotSpecified {
        /// The context's name.
        context: String,
    },

    /// The chosen cluster has no `server`.
    #[error("no server found for cluster {cluster:?}{}", in_file(origin.as_deref()))]
    NoServer {
        /// The cluster's name.
        cluster: String,
        /// The file the cluster came from.
        origin: Option<PathBuf>,
    },

    /// A cluster field is invalid (bad `proxy-url`, CA together with insecure, data and file both set…).
    #[error("cluster {cluster:?}{}: {reason}", in_file(origin.as_deref()))]
    InvalidCluster {
        /// The cluster's name.
        cluster: String,
        /// The file the cluster came from.
        origin: Option<PathBuf>,
        /// What is wrong (never contains secret values).
        reason: String,
    },

    /// A user (auth info) is invalid: conflicting methods, a certificate without a key…
    #[error("user {user:?}{}: {reason}", in_file(origin.as_deref()))]
    InvalidUser {
        /// The user's name.
        user: String,
        /// The file the user came from.
        origin: Option<PathBuf>,
        /// What is wrong (never contains secret values).
        reason: String,
    },

    /// A user sets both a bearer token and basic auth (client-go allows only one).
    #[error("user {user:?}{}: more than one authentication method found ({}); only one is allowed", in_file(origin.as_deref()), methods.join(", "))]
    MultipleAuthMethods {
        /// The user's name.
        user: String,
        /// The file the user came from.
        origin: Option<PathBuf>,
        /// The methods found, e.g. `token`, `basicAuth`.
        methods: Vec<&'static str>,
    },

    /// A user uses an `auth-provider`, which client-go removed.
    #[error("auth-provider {provider:?} in user {user:?}{} is not supported: client-go removed it; {hint}", in_file(origin.as_deref()))]
    AuthProviderUnsupported {
        /// The user's name.
        user: String,
        /// The file the user came from.
        origin: Option<PathBuf>,
        /// The provider's name (`gcp`, `azure`, `oidc`…).
        provider: String,
        /// What to use instead.
        hint: &'static str,
    },

    /// A user's `exec` section is invalid (no command, bad `interactiveMode`…).
    #[error("exec plugin of user {user:?}{}: {reason}", in_file(origin.as_deref()))]
    InvalidExec {
        /// The user's name.
        user: String,
        /// The file the user came from.
        origin: Option<PathBuf>,
        /// What is wrong.
        reason: String,
    },

    /// A user's exec plugin asks for an API version other than v1 and v1beta1.
    #[error("exec plugin of user {user:?}{}: unsupported apiVersion {api_version:?} (supported: client.authentication.k8s.io/v1, client.authentication.k8s.io/v1beta1)", in_file(origin.as_deref()))]
    UnsupportedExecApiVersion {
        /// The user's name.
        user: String,
        /// The file the user came from.
        origin: Option<PathBuf>,
        /// The version asked for.
        api_version: String,
    },

    /// A `*-data` field is not valid base64.
    #[error("{field} of {owner}{} is not valid base64: {detail}", in_file(origin.as_deref()))]
    InvalidBase64 {
        /// The field, e.g. `client-key-data`.
        field: &'static str,
        /// Whose field it is, e.g. `user "admin"`.
        owner: String,
        /// The file the entry came from.
        origin: Option<PathBuf>,
        /// Where decoding failed (offsets and lengths only, never content).
        detail: String,
    },

    /// A file named by the kubeconfig (CA, client certificate or key, token file) cannot be read.
    #[error("{field} {} of {owner} cannot be read", path.display())]
    UnreadableFile {
        /// The kubeconfig field naming the file, e.g. `certificate-authority`.
        field: &'static str,
        /// Whose field it is, e.g. `cluster "prod"`.
        owner: String,
        /// The file.
        path: PathBuf,
        /// Why it cannot be read.
        #[source]
        source: io::Error,
    },

    /// The in-cluster environment variables are missing.
    #[error("not running in a cluster: {} not set", missing.join(" and "))]
    NotInCluster {
        /// The variables that are missing or empty.
        missing: Vec<&'static str>,
    },

    /// The in-cluster service account token cannot be read.
    #[error("in-cluster service account token {} cannot be read", path.display())]
    ServiceAccountToken {
        /// The token file.
        path: PathBuf,
        /// Why it cannot be read.
        #[source]
        source: io::Error,
    },

    /// Neither a kubeconfig nor in-cluster configuration could be used.
    #[error("cannot infer a configuration: kubeconfig: {kubeconfig}; in-cluster: {in_cluster}")]
    Infer {
        /// Why the kubeconfig could not be used.
        kubeconfig: Box<Error>,
        /// Why in-cluster configuration could not be used.
        in_cluster: Box<Error>,
    },

    /// An exec plugin's output is not a decodable `ExecCredential`.
    #[error(
        "exec plugin output is not a valid ExecCredential: {category} error at line {line}, column {column}"
    )]
    ExecCredentialDecode {
        /// The kind of decoding problem (`syntax`, `data`, `eof`).
        category: &'static str,
        /// Line (1-based).
        line: usize,
        /// Column (1-based).
        column: usize,
    },

    /// An exec plugin's `ExecCredential` is decodable but not acceptable.
    #[error("exec plugin returned an invalid ExecCredential: {reason}")]
    InvalidExecCredential {
        /// What is wrong (never contains the credential).
        reason: String,
    },

    /// `KUBERNETES_EXEC_INFO` could not be encoded.
    #[error("cannot encode KUBERNETES_EXEC_INFO")]
    ExecInfoEncode {
        /// The encoder's error.
        #[source]
        source: serde_json::Error,
    },
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Whether this error means "no kubeconfig exists" (as opposed to a broken one).
    pub fn is_kubeconfig_not_found(&self) -> bool {
        matches!(
            self,
            Error::KubeconfigNotFound { .. } | Error::NoKubeconfigPaths
        )
    }

    /// Whether this error means "not running inside a cluster" (the environment variables are unset).
    pub fn is_not_in_cluster(&self) -> bool {
        matches!(self, Error::NotInCluster { .. })
    }
}

fn join_paths(paths: &[PathBuf]) -> String {
    let mut out = String::new();
    for (i, p) in paths.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        let _ = write!(out, "{}", p.display());
    }
    if out.is_empty() {
        out.push_str("(no paths)");
    }
    out
}

fn source_name(path: Option<&Path>) -> String {
    match path {
        Some(p) => p.display().to_string(),
        None => "(from string)".to_owned(),
    }
}

fn position(location: Option<(u64, u64)>) -> String {
    match location {
        Some((line, column)) => format!(" at line {line}, column {column}"),
        None => String::new(),
    }
}

fn in_file(origin: Option<&Path>) -> String {
    match origin {
        Some(p) => format!(" in {}", p.display()),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_things() {
        let e = Error::ClusterNotFound {
            cluster: "c1".into(),
            context: "ctx".into(),
        };
        assert_eq!(
            e.to_string(),
            "cluster \"c1\" (used by context \"ctx\") not found in the kubeconfig"
        );
        let e = Error::InvalidBase64 {
            field: "client-key-data",
            owner: "user \"u\"".into(),
            origin: Some(PathBuf::from("/k/config")),
            detail: "invalid character at offset 3".into(),
        };
        assert_eq!(
            e.to_string(),
            "client-key-data of user \"u\" in /k/config is not valid base64: invalid character at offset 3"
        );
        let e = Error::NotInCluster {
            missing: vec!["KUBERNETES_SERVICE_HOST", "KUBERNETES_SERVICE_PORT"],
        };
        assert!(e.is_not_in_cluster());
        assert_eq!(
            e.to_string(),
            "not running in a cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT not set"
        );
    }

    #[test]
    fn not_found_lists_paths() {
        let e = Error::KubeconfigNotFound {
            paths: vec![PathBuf::from("/a"), PathBuf::from("/b")],
        };
        assert!(e.is_kubeconfig_not_found());
        assert_eq!(e.to_string(), "no kubeconfig found: looked for /a, /b");
    }
}
