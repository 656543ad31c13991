//! The crate's one error type.

/// Everything that can go wrong in the cache, informer, work queue, leader election and event
/// machinery.
///
/// Errors of the API calls underneath keep the [`kclient_rest::Error`] as their source; the
/// predicates ([`Error::is_not_found`], [`Error::is_conflict`], [`Error::is_gone`]) look through
/// to it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// `by_index`/`index_keys` named an index the store does not have.
    #[error("the store has no index named {name:?}")]
    IndexNotFound {
        /// The index asked for.
        name: String,
    },

    /// `add_indexers` tried to register an index name that is already taken.
    #[error("the store already has an index named {name:?}")]
    IndexExists {
        /// The conflicting index name.
        name: String,
    },

    /// The informer (or factory) was shut down; it cannot be started or get new handlers.
    #[error("the informer for {resource} has been shut down")]
    Stopped {
        /// The resource of the informer, such as `apps/v1/deployments`.
        resource: String,
    },

    /// Background tasks need a Tokio runtime and none is running on this thread.
    #[error("{what} must be called from within a Tokio runtime")]
    NoRuntime {
        /// What was being started.
        what: &'static str,
    },

    /// An API call failed.
    #[error("{action} {resource} failed")]
    Api {
        /// What was being done, such as `get`, `create`, `update`.
        action: &'static str,
        /// The object or collection, such as `leases kube-system/my-controller`.
        resource: String,
        /// The client's error (boxed: it is large, and this path is rare).
        #[source]
        source: Box<kclient_rest::Error>,
    },

    /// A leader election configuration is not usable.
    #[error("invalid leader election configuration: {reason}")]
    InvalidLeaderElection {
        /// What is wrong, naming the field.
        reason: String,
    },

    /// An event recorder configuration or event is not usable.
    #[error("invalid event: {reason}")]
    InvalidEvent {
        /// What is wrong, naming the field.
        reason: String,
    },
}

impl Error {
    /// The underlying client error, for API failures.
    pub fn api_error(&self) -> Option<&kclient_rest::Error> {
        match self {
            Error::Api { source, .. } => Some(source.as_ref()),
            _ => None,
        }
    }

    /// The server said the object does not exist (404).
    pub fn is_not_found(&self) -> bool {
        self.api_error()
            .is_some_and(kclient_rest::Error::is_not_found)
    }

    /// The server refused a write because of a stale resourceVersion (409 Conflict).
    pub fn is_conflict(&self) -> bool {
        self.api_error()
            .is_some_and(kclient_rest::Error::is_conflict)
    }

    /// The server reported an expired resourceVersion (410 Gone / `Expired`).
    pub fn is_gone(&self) -> bool {
        self.api_error().is_some_and(kclient_rest::Error::is_gone)
    }

    /// A create found an object with the same name.
    pub fn is_already_exists(&self) -> bool {
        self.api_error()
            .is_some_and(kclient_rest::Error::is_already_exists)
    }

    pub(crate) fn api(
        action: &'static str,
        resource: impl Into<String>,
        source: kclient_rest::Error,
    ) -> Self {
        Error::Api {
            action,
            resource: resource.into(),
            source: Box::new(source),
        }
    }
}
