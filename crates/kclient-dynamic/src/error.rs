//! The crate's error type.

/// Everything that can go wrong with a dynamic request.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The request failed: no connection, an error status from the server, an undecodable body.
    /// Classify it with the predicates ([`Error::is_not_found`], …).
    #[error(transparent)]
    Rest(#[from] kclient_rest::Error),

    /// Resolving a name or kind to a resource failed (unknown, ambiguous, discovery failed).
    #[error(transparent)]
    Discovery(#[from] kclient_discovery::Error),

    /// The request cannot be made as asked (no name, an object with managed fields for apply…).
    #[error("invalid {verb} request for {resource}: {reason}")]
    InvalidRequest {
        /// The verb (`get`, `update`, `apply`, …).
        verb: &'static str,
        /// The resource, as `resource.version.group`.
        resource: String,
        /// What is wrong.
        reason: String,
    },

    /// An object could not be converted between its unstructured and typed forms.
    #[error("cannot convert {what}")]
    Convert {
        /// What was being converted (`Unstructured to my_crate::Widget`, …).
        what: String,
        /// Why it failed.
        #[source]
        source: kclient_apimachinery::Error,
    },
}

impl Error {
    fn rest(&self) -> Option<&kclient_rest::Error> {
        match self {
            Error::Rest(e) => Some(e),
            Error::Discovery(e) => e.rest_error(),
            _ => None,
        }
    }

    /// Whether the server answered 404 Not Found.
    pub fn is_not_found(&self) -> bool {
        self.rest().is_some_and(kclient_rest::Error::is_not_found)
    }

    /// Whether the object already exists (409 on create).
    pub fn is_already_exists(&self) -> bool {
        self.rest()
            .is_some_and(kclient_rest::Error::is_already_exists)
    }

    /// Whether the write conflicted with another (409, stale resourceVersion).
    pub fn is_conflict(&self) -> bool {
        self.rest().is_some_and(kclient_rest::Error::is_conflict)
    }

    /// Whether the resourceVersion is too old (410 Gone / Expired).
    pub fn is_gone(&self) -> bool {
        self.rest()
            .is_some_and(|e| e.is_gone() || e.is_resource_expired())
    }

    /// Whether the server refused the object as invalid (422).
    pub fn is_invalid(&self) -> bool {
        self.rest().is_some_and(kclient_rest::Error::is_invalid)
    }

    /// Whether the user may not do this (403).
    pub fn is_forbidden(&self) -> bool {
        self.rest().is_some_and(kclient_rest::Error::is_forbidden)
    }

    /// Whether a name or kind matched no resource of the server.
    pub fn is_no_match(&self) -> bool {
        matches!(self, Error::Discovery(e) if e.is_no_match())
    }
}

impl kclient_rest::retry::AsRestError for Error {
    fn as_rest_error(&self) -> Option<&kclient_rest::Error> {
        self.rest()
    }
}
