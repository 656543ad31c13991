//! How the reflector reads failures: which mean "relist", which mean "retry the watch", and which
//! mean "this server does not do streaming lists". Pure functions over errors and `Status`.

use kclient_apimachinery::{MetaAccessor, Status};

/// The annotation on the bookmark that ends a streaming list's initial events.
pub(crate) const INITIAL_EVENTS_END: &str = "k8s.io/initial-events-end";

/// A `Status` that means "the resourceVersion is too old": code 410 or reason `Expired`/`Gone`.
pub(crate) fn status_is_expired(status: &Status) -> bool {
    status.code() == 410 || matches!(status.reason(), "Expired" | "Gone")
}

/// A `Status` that means "the resourceVersion is newer than the server has": reason `Timeout`
/// with the cause `ResourceVersionTooLarge`, or the older message.
pub(crate) fn status_is_too_large_rv(status: &Status) -> bool {
    let cause = status.details.as_ref().is_some_and(|d| {
        d.causes
            .iter()
            .any(|c| c.reason.as_deref() == Some("ResourceVersionTooLarge"))
    });
    let message = status
        .message
        .as_deref()
        .is_some_and(|m| m.contains("Too large resource version"));
    (status.reason() == "Timeout" || status.code() == 504) && (cause || message)
}

/// An error that means "list again from a consistent read" (410, Expired, Gone, too-large RV).
pub(crate) fn is_expired(e: &kclient_rest::Error) -> bool {
    e.is_gone() || e.is_resource_expired() || e.status().is_some_and(status_is_expired)
}

/// An error that means "the resourceVersion asked for is not there yet".
pub(crate) fn is_too_large_rv(e: &kclient_rest::Error) -> bool {
    e.status().is_some_and(status_is_too_large_rv)
}

/// A failure to start a watch that is worth retrying without relisting: the server could not be
/// reached, was overloaded (429), timed out, or failed (5xx).
pub(crate) fn is_transient(e: &kclient_rest::Error) -> bool {
    use kclient_rest::Error as E;
    matches!(
        e,
        E::Connect { .. } | E::Transport { .. } | E::ReadBody { .. } | E::Timeout { .. }
    ) || e.is_too_many_requests()
        || e.is_timeout()
        || e.is_server_error()
}

/// A rejection that says the server does not do streaming lists (the parameters are refused).
pub(crate) fn rejects_watch_list(e: &kclient_rest::Error) -> bool {
    matches!(e.code(), Some(400 | 403 | 405 | 406 | 415 | 422))
}

/// Whether a bookmark marks the end of a streaming list's initial events.
pub(crate) fn is_initial_events_end<T: MetaAccessor>(bookmark: &T) -> bool {
    bookmark
        .annotations()
        .get(INITIAL_EVENTS_END)
        .is_some_and(|v| v == "true")
}

#[cfg(test)]
mod tests {
    use super::*;
    use kclient_apimachinery::{StatusCause, StatusDetails};

    fn status(code: u16, reason: &str) -> Status {
        Status {
            code: Some(code),
            reason: Some(reason.into()),
            status: Some("Failure".into()),
            ..Status::default()
        }
    }

    #[test]
    fn expired_statuses() {
        assert!(status_is_expired(&status(410, "Expired")));
        assert!(status_is_expired(&status(410, "")));
        assert!(status_is_expired(&status(0, "Gone")));
        assert!(!status_is_expired(&status(500, "InternalError")));
        let mut too_large = status(504, "Timeout");
        assert!(!status_is_too_large_rv(&too_large));
        too_large.details = Some(StatusDetails {
            causes: vec![StatusCause {
                reason: Some("ResourceVersionTooLarge".into()),
                ..StatusCause::default()
            }],
            ..StatusDetails::default()
        });
        assert!(status_is_too_large_rv(&too_large));
    }

    #[test]
    fn rest_errors() {
        let api = |code, reason: &str| kclient_rest::Error::Api {
            status: Box::new(status(code, reason)),
            verb: http::Method::GET,
            url: "u".into(),
        };
        assert!(is_expired(&api(410, "Expired")));
        assert!(is_expired(&api(410, "Gone")));
        assert!(!is_expired(&api(404, "NotFound")));
        assert!(is_transient(&api(429, "TooManyRequests")));
        assert!(is_transient(&api(503, "ServiceUnavailable")));
        assert!(!is_transient(&api(403, "Forbidden")));
        assert!(rejects_watch_list(&api(422, "Invalid")));
        assert!(!rejects_watch_list(&api(500, "InternalError")));
    }
}
