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

    /// A setting that must be made before an informer starts (a transform) came too late.
    #[error("cannot {what} on the informer for {resource}: it has already started")]
    AlreadyStarted {
        /// The resource of the informer.
        resource: String,
        /// What was attempted.
        what: &'static str,
    },

    /// A wait for a condition ran out of time (client-go's `wait.ErrWaitTimeout`,
    /// "timed out waiting for the condition").
    #[error("timed out after {timeout:?} waiting for {what}")]
    WaitTimeout {
        /// What was being waited for.
        what: String,
        /// The time allowed.
        timeout: std::time::Duration,
    },

    /// A watch ended before the condition was met (client-go's `ErrWatchClosed`).
    #[error("the watch closed before {what}")]
    WatchClosed {
        /// What was being waited for.
        what: String,
    },

    /// The server sent an ERROR event; for a [`RetryWatcher`](crate::watch_tools::RetryWatcher)
    /// that is how a 410 Gone (the resourceVersion is too old: relist) surfaces.
    #[error("the watch of {resource} failed: {message} (code {code}, reason {reason:?})")]
    WatchError {
        /// What was watched.
        resource: String,
        /// The Status code (410 for an expired resourceVersion).
        code: u16,
        /// The Status reason (`Expired`, `Gone`, …).
        reason: String,
        /// The Status message.
        message: String,
    },

    /// A watch cannot be started or continued as asked (a RetryWatcher without a
    /// resourceVersion, an event without one).
    #[error("invalid watch: {reason}")]
    InvalidWatch {
        /// What is wrong.
        reason: String,
    },

    /// The state waited for can no longer happen (the pod terminated, the rollout stalled).
    #[error("the condition cannot be met: {what}")]
    ConditionFailed {
        /// What happened instead.
        what: String,
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

    /// The server reported an expired resourceVersion (410 Gone / `Expired`), in an answer or in
    /// a watch's ERROR event.
    pub fn is_gone(&self) -> bool {
        match self {
            Error::WatchError { code, reason, .. } => {
                *code == 410 || matches!(reason.as_str(), "Expired" | "Gone")
            }
            _ => self.api_error().is_some_and(kclient_rest::Error::is_gone),
        }
    }

    /// A wait ran out of time.
    pub fn is_timeout(&self) -> bool {
        matches!(self, Error::WaitTimeout { .. })
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

impl kclient_rest::retry::AsRestError for Error {
    fn as_rest_error(&self) -> Option<&kclient_rest::Error> {
        self.api_error()
    }
}

impl From<kclient_rest::Error> for Error {
    /// A failed watch or list request seen by the watch tools.
    fn from(source: kclient_rest::Error) -> Self {
        Error::api("watch", "the watched collection", source)
    }
}
