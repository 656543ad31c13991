//! The crate's error type. It is `Clone` (causes are shared behind `Arc`) so that the caching
//! clients can remember which group/versions failed and report them again.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use kclient_apimachinery::{GroupKind, GroupVersion};

/// Everything that can go wrong discovering the server's APIs or mapping names to resources.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A request failed: no connection, an error status from the server, an undecodable body.
    #[error(transparent)]
    Rest(Arc<kclient_rest::Error>),

    /// A discovery document could not be decoded.
    #[error("cannot decode the {document} returned by {url}")]
    Decode {
        /// Which document (`APIGroupDiscoveryList`, `APIVersions`, …).
        document: &'static str,
        /// Where it came from.
        url: String,
        /// The decoder's error, with line and column.
        #[source]
        source: Arc<serde_json::Error>,
    },

    /// A group/version string is malformed (`a/b/c`).
    #[error("invalid group/version {value:?}")]
    InvalidGroupVersion {
        /// The string as given.
        value: String,
        /// Why it is invalid.
        #[source]
        source: Arc<kclient_apimachinery::Error>,
    },

    /// Aggregated discovery reported this group/version as stale (its aggregated API server
    /// could not be reached), so its resources are unknown (client-go's `StaleGroupVersionError`).
    #[error("stale GroupVersion discovery: {group_version}")]
    StaleGroupVersion {
        /// The stale group/version.
        group_version: GroupVersion,
    },

    /// Some group/versions could not be discovered (client-go's `ErrGroupDiscoveryFailed`).
    /// The message lists each one with its error; see [`GroupDiscoveryFailed`].
    #[error("{0}")]
    GroupDiscoveryFailed(GroupDiscoveryFailed),

    /// Reading or writing the disk cache failed.
    #[error("discovery cache: cannot {action} {}", path.display())]
    Cache {
        /// What was being done (`read`, `write`, `create directory`, …).
        action: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: Arc<std::io::Error>,
    },

    /// A resource name matched nothing the server serves.
    #[error("the server doesn't have a resource type {input:?}")]
    NoResourceMatch {
        /// The name as given (`deploymentz`, `widgets.example.com`).
        input: String,
    },

    /// A kind matched nothing the server serves.
    #[error("no matches for kind {:?} in {}", group_kind.kind, describe_versions(group_kind, versions))]
    NoKindMatch {
        /// The group and kind looked for.
        group_kind: GroupKind,
        /// The versions searched (empty: any).
        versions: Vec<String>,
    },

    /// A name matched more than one resource (or kind) and nothing decides between them.
    /// Use a qualified name (`resource.group`, `resource.version.group`) instead.
    #[error("{input:?} is ambiguous: it matches {}", candidates.join(", "))]
    Ambiguous {
        /// The name as given.
        input: String,
        /// Every match, as `resource.version.group` (or `Kind.version.group` for kinds).
        candidates: Vec<String>,
    },

    /// The OpenAPI v3 index does not list a document for this path.
    #[error("the OpenAPI v3 index of the server has no document for {path:?}")]
    OpenApiPathNotFound {
        /// The index key, such as `apis/apps/v1`.
        path: String,
    },
}

fn describe_versions(gk: &GroupKind, versions: &[String]) -> String {
    match versions {
        [] => format!("group {:?}", gk.group),
        [v] => format!(
            "version \"{}\"",
            GroupVersion::new(gk.group.clone(), v.clone())
        ),
        many => format!("group {:?} at versions {}", gk.group, many.join(", ")),
    }
}

impl From<kclient_rest::Error> for Error {
    fn from(e: kclient_rest::Error) -> Self {
        Error::Rest(Arc::new(e))
    }
}

impl Error {
    /// The request error underneath, if this is one.
    pub fn rest_error(&self) -> Option<&kclient_rest::Error> {
        match self {
            Error::Rest(e) => Some(e),
            _ => None,
        }
    }

    /// Whether the server answered 404 Not Found.
    pub fn is_not_found(&self) -> bool {
        self.rest_error()
            .is_some_and(kclient_rest::Error::is_not_found)
    }

    /// Whether the server answered 403 Forbidden.
    pub fn is_forbidden(&self) -> bool {
        self.rest_error()
            .is_some_and(kclient_rest::Error::is_forbidden)
    }

    /// Whether a name or kind matched nothing (after any refresh).
    pub fn is_no_match(&self) -> bool {
        matches!(
            self,
            Error::NoResourceMatch { .. } | Error::NoKindMatch { .. }
        )
    }

    /// Whether a name matched several resources.
    pub fn is_ambiguous(&self) -> bool {
        matches!(self, Error::Ambiguous { .. })
    }

    /// Whether trying again later may succeed: connection failures, 5xx and 429 answers, and
    /// stale group/versions (client-go's memory cache refetches such entries).
    pub fn is_transient(&self) -> bool {
        match self {
            Error::Rest(e) => match e.code() {
                Some(code) => code >= 500 || code == 429,
                None => matches!(
                    **e,
                    kclient_rest::Error::Connect { .. }
                        | kclient_rest::Error::Transport { .. }
                        | kclient_rest::Error::Timeout { .. }
                        | kclient_rest::Error::ReadBody { .. }
                ),
            },
            Error::StaleGroupVersion { .. } => true,
            _ => false,
        }
    }
}

/// The group/versions that could not be discovered, each with its error. Discovery calls that
/// return partial results carry one of these alongside what did succeed.
#[derive(Debug, Clone, Default)]
pub struct GroupDiscoveryFailed {
    /// The failed group/versions and why.
    pub groups: BTreeMap<GroupVersion, Error>,
}

impl GroupDiscoveryFailed {
    /// Whether nothing failed.
    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }
}

/// `unable to retrieve the complete list of server APIs: apps/v1: <error>, …`, sorted like
/// client-go's message.
impl std::fmt::Display for GroupDiscoveryFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut parts: Vec<String> = self
            .groups
            .iter()
            .map(|(gv, e)| format!("{gv}: {}", error_chain(e)))
            .collect();
        parts.sort();
        write!(
            f,
            "unable to retrieve the complete list of server APIs: {}",
            parts.join(", ")
        )
    }
}

/// An error and its causes on one line (`a: b: c`), for aggregate messages.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn group_discovery_failed_lists_sorted() {
        let mut failed = GroupDiscoveryFailed::default();
        failed.groups.insert(
            GroupVersion::new("metrics.k8s.io", "v1beta1"),
            Error::StaleGroupVersion {
                group_version: GroupVersion::new("metrics.k8s.io", "v1beta1"),
            },
        );
        failed.groups.insert(
            GroupVersion::new("a.io", "v1"),
            Error::OpenApiPathNotFound { path: "x".into() },
        );
        let msg = Error::GroupDiscoveryFailed(failed).to_string();
        assert!(
            msg.starts_with("unable to retrieve the complete list of server APIs: a.io/v1: "),
            "{msg}"
        );
        assert!(msg.ends_with(
            "metrics.k8s.io/v1beta1: stale GroupVersion discovery: metrics.k8s.io/v1beta1"
        ));
    }

    #[test]
    fn messages() {
        let e = Error::NoKindMatch {
            group_kind: GroupKind::new("example.com", "Widget"),
            versions: vec!["v1".into()],
        };
        assert_eq!(
            e.to_string(),
            r#"no matches for kind "Widget" in version "example.com/v1""#
        );
        let e = Error::Ambiguous {
            input: "ev".into(),
            candidates: vec!["events.v1.".into(), "events.v1.events.k8s.io".into()],
        };
        assert!(e.is_ambiguous());
        assert_eq!(
            e.to_string(),
            r#""ev" is ambiguous: it matches events.v1., events.v1.events.k8s.io"#
        );
        assert!(
            Error::StaleGroupVersion {
                group_version: GroupVersion::new("a", "v1")
            }
            .is_transient()
        );
    }
}
