//! Metrics hooks of the REST client (client-go's `tools/metrics`): request latency, results,
//! retries, client-side throttling, request and response sizes, exec plugin calls, client
//! certificate rotation and CA file reloads, reported to one [`ClientMetrics`] sink whose methods all default to
//! doing nothing.
//!
//! **Where the sink comes from.** Like client-go's `metrics.Register`, a sink is registered once
//! for the whole process with [`register`]: metrics are process-wide (one Prometheus registry),
//! and the clients that informers, discovery and the dynamic client build internally from a
//! `Config` then report without any plumbing. A client built with
//! [`crate::HttpClientBuilder::metrics`] reports to its own sink instead (tests, or programs
//! that keep one registry per tenant). The sink is looked up when the client is built: register
//! before creating clients. A client without a sink has no metrics layer at all, so the default
//! costs nothing.
//!
//! With the `metrics` cargo feature, `MetricsFacade` reports to the
//! [`metrics`](https://docs.rs/metrics) facade under the Prometheus names of client-go's
//! component-base adapters (`rest_client_requests_total`, ...).

#[cfg(feature = "metrics")]
mod facade;
pub(crate) mod layer;

use std::sync::{Arc, OnceLock};
use std::time::{Duration, SystemTime};

#[cfg(feature = "metrics")]
pub use facade::{
    CERT_ROTATION_AGE_BUCKETS, LATENCY_BUCKETS, MetricsFacade, SIZE_BUCKETS, describe,
};

/// Receives the client's metrics (client-go's `tools/metrics` hook interfaces in one trait).
/// Every method does nothing by default; implement those you need.
///
/// `verb` is the HTTP method (`GET`, `POST`, ...); `host` is the server's `host:port` (the path
/// is not passed, as component-base's adapters drop it).
pub trait ClientMetrics: Send + Sync + 'static {
    /// Time from sending a request until its response headers arrived (or it failed),
    /// retries and throttling included (`RequestLatency`).
    fn request_latency(&self, verb: &str, host: &str, latency: Duration) {
        let _ = (verb, host, latency);
    }

    /// Time one attempt waited for the client-side rate limiter, zero included
    /// (`RateLimiterLatency`).
    fn rate_limiter_latency(&self, verb: &str, host: &str, latency: Duration) {
        let _ = (verb, host, latency);
    }

    /// Body size of one attempt, in bytes (`RequestSize`).
    fn request_size(&self, verb: &str, host: &str, bytes: u64) {
        let _ = (verb, host, bytes);
    }

    /// Body size of a response read to its end, in bytes, after decompression
    /// (`ResponseSize`).
    fn response_size(&self, verb: &str, host: &str, bytes: u64) {
        let _ = (verb, host, bytes);
    }

    /// The outcome of one attempt: `code` is the HTTP status, or `<error>` when no response
    /// came (`RequestResult`).
    fn request_result(&self, code: &str, verb: &str, host: &str) {
        let _ = (code, verb, host);
    }

    /// A retry is about to happen after an attempt that ended with `code` (the status, or
    /// `<error>`) (`RequestRetry`).
    fn request_retry(&self, code: &str, verb: &str, host: &str) {
        let _ = (code, verb, host);
    }

    /// An exec credential plugin ran: its exit code (0 on success, 1 when it could not run)
    /// and how the call went (`ExecPluginCalls`).
    fn exec_plugin_call(&self, exit_code: i32, status: ExecCallStatus) {
        let _ = (exit_code, status);
    }

    /// The expiry of the client certificate an exec plugin handed out, `None` when it gave
    /// none (`ClientCertExpiry`).
    fn client_cert_expiry(&self, expiry: Option<SystemTime>) {
        let _ = expiry;
    }

    /// A client certificate was replaced; `age` is how long the old one had been valid
    /// (now − its `notBefore`) (`ClientCertRotationAge`).
    fn client_cert_rotation_age(&self, age: Duration) {
        let _ = age;
    }

    /// A check of the CA file named by the config (`TransportCAReloads`): `result` is
    /// `success` or `failure`, `reason` one of `updated`, `unchanged` (success), `read_error`,
    /// `empty`, `ca_parse_error` (failure; the old CA stays in use).
    fn transport_ca_reload(&self, result: &str, reason: &str) {
        let _ = (result, reason);
    }
}

/// How an exec plugin call went (the `call_status` label of client-go).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ExecCallStatus {
    /// The plugin ran and returned a usable credential.
    NoError,
    /// The plugin ran and failed, or returned something unusable.
    PluginExecutionError,
    /// The plugin's command was not found.
    PluginNotFoundError,
    /// The client could not start the plugin for another reason.
    ClientInternalError,
}

impl ExecCallStatus {
    /// The label value client-go uses.
    pub fn as_str(&self) -> &'static str {
        match self {
            ExecCallStatus::NoError => "no_error",
            ExecCallStatus::PluginExecutionError => "plugin_execution_error",
            ExecCallStatus::PluginNotFoundError => "plugin_not_found_error",
            ExecCallStatus::ClientInternalError => "client_internal_error",
        }
    }
}

/// A shared metrics sink.
pub type SharedMetrics = Arc<dyn ClientMetrics>;

static GLOBAL: OnceLock<SharedMetrics> = OnceLock::new();

/// Registers the process-wide sink (client-go's `metrics.Register`). Only the first call has
/// an effect: it returns `false` when a sink was already registered. Clients built before the
/// call do not report to it.
pub fn register(metrics: SharedMetrics) -> bool {
    GLOBAL.set(metrics).is_ok()
}

/// The process-wide sink, if one was registered.
pub fn registered() -> Option<SharedMetrics> {
    GLOBAL.get().cloned()
}

/// The label for a response status or a failure (client-go's `"<error>"`).
pub(crate) fn code_label(result: Result<http::StatusCode, ()>) -> String {
    match result {
        Ok(status) => status.as_u16().to_string(),
        Err(()) => "<error>".to_string(),
    }
}

/// The `host` label of a request: `host:port`, or `none` (client-go's `sanitize`).
pub(crate) fn host_label(uri: &http::Uri) -> String {
    match (uri.host(), uri.port_u16()) {
        (Some(host), Some(port)) => format!("{host}:{port}"),
        (Some(host), None) => host.to_string(),
        (None, _) => "none".to_string(),
    }
}
