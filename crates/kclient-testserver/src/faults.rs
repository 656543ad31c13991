//! Fault injection for tests: answers that a real API server gives under load or trouble
//! (429 Too Many Requests with `Retry-After`, 5xx errors) and added latency, applied to the next
//! requests of chosen clients. Watch cuts and history compaction are on
//! [`TestServer`](crate::TestServer) itself (`close_watches`, `compact_history`).
//!
//! The answers are the real server's: the max-in-flight filter's 429
//! (`apierrors.NewTooManyRequests("Too many requests, please try again later.", 1)` with a
//! `Retry-After` header), `NewInternalError` for 500, `NewServiceUnavailable` for 503 and
//! `NewServerTimeout`-shaped 504s.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use http::{HeaderValue, Response};
use kclient_apimachinery::StatusDetails;

use crate::api::response::{self, Body};
use crate::api::status::ApiError;

/// One kind of injected answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// 429 `TooManyRequests` with `Retry-After: <seconds>` (and `details.retryAfterSeconds`).
    TooManyRequests {
        /// The seconds the client is asked to wait.
        retry_after_seconds: u32,
    },
    /// 500 `InternalError`.
    InternalError,
    /// 503 `ServiceUnavailable`.
    ServiceUnavailable,
    /// 504 `Timeout` (a gateway timeout, as an aggregated API or a proxy answers).
    GatewayTimeout,
    /// The request is served normally, after this extra latency.
    Latency(Duration),
}

/// How many requests each kind of fault changed, and how many list and watch requests the
/// targeted clients made (a relist shows as a list).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FaultStats {
    /// 429 answers given.
    pub too_many_requests: u64,
    /// 500, 503 and 504 answers given.
    pub server_errors: u64,
    /// Requests delayed.
    pub delayed: u64,
    /// List requests (GET of a collection without `watch`) from targeted clients.
    pub lists: u64,
    /// Watch requests from targeted clients.
    pub watches: u64,
}

/// The faults waiting for the next requests (see the module docs).
#[derive(Debug, Default)]
pub struct Faults {
    inner: Mutex<Pending>,
    too_many_requests: AtomicU64,
    server_errors: AtomicU64,
    delayed: AtomicU64,
    lists: AtomicU64,
    watches: AtomicU64,
}

#[derive(Debug, Default)]
struct Pending {
    /// Only requests whose `User-Agent` contains this are affected (all when `None`).
    user_agent: Option<String>,
    queue: std::collections::VecDeque<Fault>,
}

/// What to do with one request.
pub(crate) enum Verdict {
    /// Serve it (after the delay, if any).
    Serve(Option<Duration>),
    /// Answer this instead.
    Answer(Response<Body>),
}

impl Faults {
    /// Restricts faults (and the list/watch counts) to requests whose `User-Agent` contains
    /// `marker`; `None` affects every client.
    pub fn target_user_agent(&self, marker: Option<&str>) {
        if let Ok(mut p) = self.inner.lock() {
            p.user_agent = marker.map(str::to_string);
        }
    }

    /// Queues `count` faults of one kind; each applies to one later targeted request, in order.
    pub fn inject(&self, fault: Fault, count: usize) {
        if let Ok(mut p) = self.inner.lock() {
            p.queue.extend(std::iter::repeat_n(fault, count));
        }
    }

    /// How many faults wait for a request.
    pub fn pending(&self) -> usize {
        self.inner.lock().map(|p| p.queue.len()).unwrap_or(0)
    }

    /// Drops every queued fault.
    pub fn clear(&self) {
        if let Ok(mut p) = self.inner.lock() {
            p.queue.clear();
        }
    }

    /// The counts so far.
    pub fn stats(&self) -> FaultStats {
        FaultStats {
            too_many_requests: self.too_many_requests.load(Ordering::Relaxed),
            server_errors: self.server_errors.load(Ordering::Relaxed),
            delayed: self.delayed.load(Ordering::Relaxed),
            lists: self.lists.load(Ordering::Relaxed),
            watches: self.watches.load(Ordering::Relaxed),
        }
    }

    /// Decides the fate of a request (`is_list`/`is_watch` classify it for the counts).
    pub(crate) fn take(&self, headers: &http::HeaderMap, is_list: bool, is_watch: bool) -> Verdict {
        let fault = {
            let Ok(mut p) = self.inner.lock() else {
                return Verdict::Serve(None);
            };
            if let Some(marker) = &p.user_agent {
                let ua = headers
                    .get(http::header::USER_AGENT)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default();
                if !ua.contains(marker.as_str()) {
                    return Verdict::Serve(None);
                }
            }
            if is_list {
                self.lists.fetch_add(1, Ordering::Relaxed);
            }
            if is_watch {
                self.watches.fetch_add(1, Ordering::Relaxed);
            }
            p.queue.pop_front()
        };
        let Some(fault) = fault else {
            return Verdict::Serve(None);
        };
        let err = match fault {
            Fault::Latency(d) => {
                self.delayed.fetch_add(1, Ordering::Relaxed);
                return Verdict::Serve(Some(d));
            }
            Fault::TooManyRequests {
                retry_after_seconds,
            } => {
                self.too_many_requests.fetch_add(1, Ordering::Relaxed);
                let mut resp = response::error(&ApiError {
                    code: 429,
                    reason: "TooManyRequests",
                    message: "Too many requests, please try again later.".into(),
                    details: Some(Box::new(StatusDetails {
                        retry_after_seconds: Some(i32::try_from(retry_after_seconds).unwrap_or(i32::MAX)),
                        ..Default::default()
                    })),
                });
                resp.headers_mut()
                    .insert("retry-after", HeaderValue::from(retry_after_seconds));
                return Verdict::Answer(resp);
            }
            Fault::InternalError => ApiError {
                code: 500,
                reason: "InternalError",
                message: "Internal error occurred: injected fault".into(),
                details: None,
            },
            Fault::ServiceUnavailable => ApiError {
                code: 503,
                reason: "ServiceUnavailable",
                message: "the server is currently unable to handle the request".into(),
                details: None,
            },
            Fault::GatewayTimeout => ApiError {
                code: 504,
                reason: "Timeout",
                message: "the server was unable to return a response in the time allotted, but may still be processing the request".into(),
                details: None,
            },
        };
        self.server_errors.fetch_add(1, Ordering::Relaxed);
        Verdict::Answer(response::error(&err))
    }
}
