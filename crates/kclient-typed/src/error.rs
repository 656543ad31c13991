//! The crate's error type: a failed request (from `kclient-rest`, with the server's `Status`
//! when it sent one), or a call this crate refuses before sending anything.

/// Everything a typed client call can fail with.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The request failed: it could not be built or sent, the server refused it, or the
    /// answer could not be decoded. Classify it with [`Error::is_not_found`] and friends.
    #[error(transparent)]
    Rest(#[from] kclient_rest::Error),

    /// The object passed to an update has no `metadata.name`.
    #[error("cannot {operation} a {kind} without metadata.name")]
    MissingName {
        /// The kind of the object.
        kind: &'static str,
        /// What was attempted (`update`, `update_status`).
        operation: &'static str,
    },

    /// A server-side apply was asked for without a field manager, which the server requires.
    #[error("server-side apply of {kind} {name:?} needs a field manager (use PatchOptions::apply)")]
    MissingFieldManager {
        /// The kind of the object.
        kind: &'static str,
        /// The object's name.
        name: String,
    },

    /// The server answered a list with another kind of object.
    #[error("expected a {expected}, the server answered a {found}")]
    UnexpectedKind {
        /// The kind asked for (`PodList`).
        expected: &'static str,
        /// The kind the server sent.
        found: String,
    },

    /// Copying files to or from a container (`kubectl cp`) failed: a local file could not be
    /// read or written, the tar stream was corrupt, or `tar` in the container failed (its
    /// stderr is in the reason).
    #[error("copy failed: {reason}")]
    Copy {
        /// What went wrong, naming the path or command.
        reason: String,
        /// The I/O error, if any.
        #[source]
        source: Option<std::io::Error>,
    },

    /// The answer to a delete was neither the object nor a `Status`.
    #[error("cannot decode the answer to deleting {kind} {name:?}")]
    DecodeDeleted {
        /// The kind of the object.
        kind: &'static str,
        /// The object's name (empty for a collection).
        name: String,
        /// The decoder's error.
        #[source]
        source: serde_json::Error,
    },
}

impl Error {
    /// The underlying request error, if the failure came from a request.
    pub fn rest(&self) -> Option<&kclient_rest::Error> {
        match self {
            Error::Rest(e) => Some(e),
            _ => None,
        }
    }

    /// The server answered 404 Not Found.
    pub fn is_not_found(&self) -> bool {
        self.rest().is_some_and(kclient_rest::Error::is_not_found)
    }

    /// The server answered 409 with reason AlreadyExists.
    pub fn is_already_exists(&self) -> bool {
        self.rest()
            .is_some_and(kclient_rest::Error::is_already_exists)
    }

    /// The server answered 409 Conflict (a stale resourceVersion, usually).
    pub fn is_conflict(&self) -> bool {
        self.rest().is_some_and(kclient_rest::Error::is_conflict)
    }

    /// The server answered 403 Forbidden.
    pub fn is_forbidden(&self) -> bool {
        self.rest().is_some_and(kclient_rest::Error::is_forbidden)
    }

    /// The server answered 422 Invalid.
    pub fn is_invalid(&self) -> bool {
        self.rest().is_some_and(kclient_rest::Error::is_invalid)
    }

    /// The server answered 410 Gone (or the reason Expired).
    pub fn is_gone(&self) -> bool {
        self.rest().is_some_and(kclient_rest::Error::is_gone)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_what_is_wrong() {
        let e = Error::MissingName {
            kind: "Deployment",
            operation: "update",
        };
        assert_eq!(
            e.to_string(),
            "cannot update a Deployment without metadata.name"
        );
        assert!(!e.is_not_found() && e.rest().is_none());
        let e = Error::MissingFieldManager {
            kind: "Pod",
            name: "web".into(),
        };
        assert!(e.to_string().contains("PatchOptions::apply"));
    }
}
