//! The crate's one error type.

/// A boxed error from user code (a cleanup or apply step given to [`finalizer`](crate::finalizer())).
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Everything that can go wrong in the controller runtime and its helpers.
///
/// Errors of API calls keep the client's error as their source; [`Error::is_conflict`] and
/// [`Error::is_not_found`] look through to it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An informer could not be started or given a handler.
    #[error("controller {controller}: cannot {action}")]
    Cache {
        /// The controller's name.
        controller: String,
        /// What was being done, such as `start the informers`.
        action: &'static str,
        /// The cache's error (boxed: it is large, and this path is rare).
        #[source]
        source: Box<kclient_cache::Error>,
    },

    /// A worker task ended abnormally (not a reconcile panic: those are caught and retried).
    #[error("controller {controller}: a worker task failed")]
    Worker {
        /// The controller's name.
        controller: String,
        /// The task's error.
        #[source]
        source: tokio::task::JoinError,
    },

    /// Adding or removing a finalizer failed (after the conflict retries).
    #[error("cannot {action} finalizer {finalizer:?} on {object}")]
    Finalizer {
        /// `add` or `remove`.
        action: &'static str,
        /// The finalizer.
        finalizer: String,
        /// The object, as `namespace/name`.
        object: String,
        /// The client's error (boxed: it is large).
        #[source]
        source: Box<kclient_typed::Error>,
    },

    /// The apply or cleanup step given to [`finalizer`](crate::finalizer()) failed.
    #[error("{step} of {object} failed")]
    Reconcile {
        /// `apply` or `cleanup`.
        step: &'static str,
        /// The object, as `namespace/name`.
        object: String,
        /// The step's error.
        #[source]
        source: BoxError,
    },

    /// The object has no name or uid, so nothing can refer to it.
    #[error("{what}: the object has no {missing}")]
    IncompleteObject {
        /// What was being done.
        what: &'static str,
        /// `name` or `uid`.
        missing: &'static str,
    },

    /// The object already has another controller.
    #[error("{object} is already controlled by {kind} {name}")]
    AlreadyOwned {
        /// The object, as `namespace/name`.
        object: String,
        /// The existing controller's kind.
        kind: String,
        /// The existing controller's name.
        name: String,
    },
}

impl Error {
    fn client_error(&self) -> Option<&kclient_typed::Error> {
        match self {
            Error::Finalizer { source, .. } => Some(source.as_ref()),
            _ => None,
        }
    }

    /// Whether an API call failed with 409 Conflict.
    pub fn is_conflict(&self) -> bool {
        self.client_error()
            .is_some_and(kclient_typed::Error::is_conflict)
    }

    /// Whether an API call failed with 404 Not Found.
    pub fn is_not_found(&self) -> bool {
        self.client_error()
            .is_some_and(kclient_typed::Error::is_not_found)
    }
}
