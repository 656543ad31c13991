//! Turning hyper and I/O failures into typed [`Error`]s, and questions asked about them: is it a
//! timeout, a connection failure, a reset or EOF that a GET may be retried after?

use std::error::Error as StdError;
use std::io;

use crate::Error;

/// Types a hyper-util client error for a request to `url`.
pub(crate) fn map_client_error(url: String, error: hyper_util::client::legacy::Error) -> Error {
    if error.is_connect() {
        Error::Connect {
            url,
            source: Box::new(error),
        }
    } else {
        Error::Transport {
            url,
            source: Box::new(error),
        }
    }
}

/// The error and its causes, outermost first.
fn chain<'a>(
    error: &'a (dyn StdError + 'static),
) -> impl Iterator<Item = &'a (dyn StdError + 'static)> {
    std::iter::successors(Some(error), |e| (*e).source())
}

/// Whether a failed request looks like client-go's "connection reset" or "probable EOF": the
/// connection broke after it was made. Only such errors are retried, and only for GET.
pub(crate) fn is_reset_or_eof(error: &Error) -> bool {
    let Error::Transport { source, .. } = error else {
        return false;
    };
    chain(source.as_ref()).any(|e| {
        if let Some(io) = e.downcast_ref::<io::Error>() {
            return matches!(
                io.kind(),
                io::ErrorKind::ConnectionReset
                    | io::ErrorKind::ConnectionAborted
                    | io::ErrorKind::BrokenPipe
                    | io::ErrorKind::UnexpectedEof
            );
        }
        if let Some(h) = e.downcast_ref::<hyper::Error>() {
            return h.is_incomplete_message() || h.is_closed() || h.is_canceled();
        }
        // HTTP/2 connection loss (GOAWAY) surfaces as an h2 error we do not link against.
        let text = e.to_string();
        text.contains("GOAWAY") || text.contains("connection lost")
    })
}

/// Whether a transport failure was a timeout: connection setup, or an I/O or hyper timeout
/// anywhere in the cause chain (also behind [`Error::Retried`]). Part of [`Error::is_timeout`].
pub(crate) fn is_transport_timeout(error: &Error) -> bool {
    match error {
        Error::Retried { source, .. } => source.is_timeout(),
        Error::Connect { source, .. } | Error::Transport { source, .. } => chain(source.as_ref())
            .any(|e| {
                e.downcast_ref::<io::Error>()
                    .is_some_and(|io| io.kind() == io::ErrorKind::TimedOut)
                    || e.downcast_ref::<hyper::Error>()
                        .is_some_and(hyper::Error::is_timeout)
                    || e.downcast_ref::<Error>().is_some_and(Error::is_timeout)
            }),
        _ => false,
    }
}

impl Error {
    /// Whether no connection could be made (refused, DNS, proxy, TLS handshake).
    pub fn is_connect(&self) -> bool {
        match self {
            Error::Connect { .. } => true,
            Error::Retried { source, .. } => source.is_connect(),
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    fn transport(source: crate::BoxError) -> Error {
        Error::Transport {
            url: "https://h/api".into(),
            source,
        }
    }

    #[test]
    fn resets_and_eofs_are_recognized() {
        let reset = transport(Box::new(io::Error::from(io::ErrorKind::ConnectionReset)));
        assert!(is_reset_or_eof(&reset));
        let eof = transport(Box::new(io::Error::from(io::ErrorKind::UnexpectedEof)));
        assert!(is_reset_or_eof(&eof));
        let other = transport(Box::new(io::Error::from(io::ErrorKind::PermissionDenied)));
        assert!(!is_reset_or_eof(&other));
        let connect = Error::Connect {
            url: "u".into(),
            source: Box::new(io::Error::from(io::ErrorKind::ConnectionReset)),
        };
        assert!(!is_reset_or_eof(&connect), "connect errors are not retried");
    }

    #[test]
    fn predicates_look_through_retries_and_causes() {
        let wrapped = Error::Retried {
            attempts: 2,
            previous: "x".into(),
            source: Box::new(Error::Connect {
                url: "u".into(),
                source: Box::new(io::Error::from(io::ErrorKind::TimedOut)),
            }),
        };
        assert!(wrapped.is_timeout());
        assert!(wrapped.is_connect());
        assert!(!Error::Config("x".into()).is_timeout());
    }
}
