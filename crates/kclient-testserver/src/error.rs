//! The crate's error type: what can go wrong starting, configuring or stopping a test server.

use std::path::PathBuf;

/// Errors from starting, configuring or stopping a [`TestServer`](crate::TestServer).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Making a certificate or key with rcgen failed.
    #[error("certificate generation failed while {what}")]
    Certificate {
        /// What was being made.
        what: &'static str,
        /// The rcgen error.
        #[source]
        source: rcgen::Error,
    },
    /// Building the rustls configuration failed.
    #[error("TLS configuration failed while {what}")]
    Tls {
        /// What was being configured.
        what: &'static str,
        /// The rustls error.
        #[source]
        source: rustls::Error,
    },
    /// Binding the listening socket failed.
    #[error("cannot listen on {addr}")]
    Bind {
        /// The address asked for.
        addr: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// Writing the kubeconfig file failed.
    #[error("cannot write the kubeconfig to {}", path.display())]
    WriteKubeconfig {
        /// The path written to.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A seed file or directory cannot be read.
    #[error("cannot read seed path {}", path.display())]
    SeedRead {
        /// The file or directory.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A seed document is not valid YAML or JSON.
    #[error("{at}: not valid {format}")]
    SeedSyntax {
        /// Where: `seed file <path>, document <n>`.
        at: String,
        /// `YAML` or `JSON`.
        format: &'static str,
        /// The parser's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A seed object could not be created (the reason is the API server's message).
    #[error("{at}: {reason}")]
    Seed {
        /// Where and what: `seed file <path>, document <n> (<Kind> <namespace>/<name>)`.
        at: String,
        /// Why, as the server answered a create of it.
        reason: String,
    },
    /// The server's options are inconsistent.
    #[error("invalid test server option {option}: {reason}")]
    InvalidOption {
        /// The option's name.
        option: &'static str,
        /// Why it is invalid.
        reason: String,
    },
}
