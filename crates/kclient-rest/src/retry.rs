//! Retrying an operation while it fails with a retriable error — client-go's `util/retry`:
//! [`retry_on_conflict`] for the read-modify-write loop of an update, and [`on_error`] for any
//! other condition, with client-go's [`DEFAULT_RETRY`] and [`DEFAULT_BACKOFF`].
//!
//! ```no_run
//! # async fn run(client: kclient_rest::RestClient) -> Result<(), kclient_rest::Error> {
//! use kclient_rest::retry::{DEFAULT_RETRY, retry_on_conflict};
//!
//! retry_on_conflict(DEFAULT_RETRY, || async {
//!     // Read the latest version, change it, write it; a 409 Conflict starts over.
//!     let mut cm: serde_json::Value = client.get().abs_path("/api/v1")
//!         .namespace("default").resource("configmaps").name("settings").object().await?;
//!     cm["data"]["mode"] = "safe".into();
//!     let _: serde_json::Value = client.put().abs_path("/api/v1")
//!         .namespace("default").resource("configmaps").name("settings").body(&cm).object().await?;
//!     Ok(())
//! })
//! .await
//! # }
//! ```

use std::future::Future;
use std::time::Duration;

use crate::Error;
use crate::wait::Backoff;

/// client-go's `retry.DefaultRetry`: 5 attempts 10 ms apart (jitter 0.1), for conflicts that
/// are resolved by refetching — the usual case of [`retry_on_conflict`].
pub const DEFAULT_RETRY: Backoff = Backoff::new(Duration::from_millis(10), 1.0, 0.1, 5);

/// client-go's `retry.DefaultBackoff`: 4 attempts, 10 ms growing ×5 (jitter 0.1), for
/// conflicts that need another party to make progress first.
pub const DEFAULT_BACKOFF: Backoff = Backoff::new(Duration::from_millis(10), 5.0, 0.1, 4);

/// An error that may be (or wrap) a [`kclient_rest::Error`](crate::Error), so that generic
/// helpers (retry, the pager, the watch tools) can classify errors of every client: the REST,
/// typed, dynamic and metadata clients' errors implement it.
pub trait AsRestError {
    /// The REST error inside, if there is one.
    fn as_rest_error(&self) -> Option<&Error>;

    /// Whether it is a 409 Conflict.
    fn is_conflict_error(&self) -> bool {
        self.as_rest_error().is_some_and(Error::is_conflict)
    }

    /// Whether it says the resourceVersion or continue token expired (410 Gone, `Expired`).
    fn is_expired_error(&self) -> bool {
        self.as_rest_error()
            .is_some_and(|e| e.is_gone() || e.is_resource_expired())
    }
}

impl AsRestError for Error {
    fn as_rest_error(&self) -> Option<&Error> {
        Some(self)
    }
}

/// Runs `f` until it succeeds, fails with an error `retriable` refuses, or `backoff.steps`
/// attempts were made; waits a [`Backoff::step`] between attempts (client-go's
/// `retry.OnError`). When the attempts run out, the last error is returned.
pub async fn on_error<T, E, F, Fut>(
    backoff: Backoff,
    retriable: impl Fn(&E) -> bool,
    mut f: F,
) -> Result<T, E>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
{
    let mut backoff = backoff;
    let mut rng = fastrand::Rng::new();
    loop {
        match f().await {
            Ok(value) => return Ok(value),
            Err(e) if !retriable(&e) => return Err(e),
            // `wait.ExponentialBackoff`: the last allowed attempt does not sleep.
            Err(e) if backoff.steps <= 1 => return Err(e),
            Err(_) => tokio::time::sleep(backoff.step(&mut rng)).await,
        }
    }
}

/// Runs `f` again while it fails with a 409 Conflict, up to `backoff.steps` attempts
/// (client-go's `retry.RetryOnConflict`). `f` should fetch the object, change it and write it,
/// so that each attempt works on the latest version.
pub async fn retry_on_conflict<T, E, F, Fut>(backoff: Backoff, f: F) -> Result<T, E>
where
    E: AsRestError,
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
{
    on_error(backoff, E::is_conflict_error, f).await
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use kclient_apimachinery::Status;
    use std::cell::Cell;

    fn status_error(code: u16, reason: &str) -> Error {
        Error::Api {
            status: Box::new(Status {
                status: Some("Failure".into()),
                reason: Some(reason.into()),
                code: Some(code),
                ..Status::default()
            }),
            verb: http::Method::PUT,
            url: "/api/v1/namespaces/default/configmaps/x".into(),
        }
    }

    #[test]
    fn client_go_defaults() {
        assert_eq!(
            (
                DEFAULT_RETRY.steps,
                DEFAULT_RETRY.duration,
                DEFAULT_RETRY.factor,
                DEFAULT_RETRY.jitter
            ),
            (5, Duration::from_millis(10), 1.0, 0.1)
        );
        assert_eq!(
            (
                DEFAULT_BACKOFF.steps,
                DEFAULT_BACKOFF.duration,
                DEFAULT_BACKOFF.factor,
                DEFAULT_BACKOFF.jitter
            ),
            (4, Duration::from_millis(10), 5.0, 0.1)
        );
    }

    #[tokio::test(start_paused = true)]
    async fn conflicts_are_retried_until_the_steps_run_out() {
        let calls = Cell::new(0);
        let result: Result<(), Error> = retry_on_conflict(DEFAULT_RETRY, || {
            calls.set(calls.get() + 1);
            async { Err(status_error(409, "Conflict")) }
        })
        .await;
        assert!(result.unwrap_err().is_conflict());
        assert_eq!(calls.get(), 5);

        calls.set(0);
        let result = retry_on_conflict(DEFAULT_BACKOFF, || {
            calls.set(calls.get() + 1);
            let n = calls.get();
            async move {
                if n < 3 {
                    Err(status_error(409, "Conflict"))
                } else {
                    Ok(n)
                }
            }
        })
        .await;
        assert_eq!(result.unwrap(), 3);
    }

    #[tokio::test(start_paused = true)]
    async fn other_errors_stop_at_once() {
        let calls = Cell::new(0);
        let result: Result<(), Error> = retry_on_conflict(DEFAULT_RETRY, || {
            calls.set(calls.get() + 1);
            async { Err(status_error(404, "NotFound")) }
        })
        .await;
        assert!(result.unwrap_err().is_not_found());
        assert_eq!(calls.get(), 1);
        let n = on_error(
            DEFAULT_BACKOFF,
            |e: &Error| e.is_not_found(),
            || async { Ok::<_, Error>(7) },
        )
        .await
        .unwrap();
        assert_eq!(n, 7);
    }
}
