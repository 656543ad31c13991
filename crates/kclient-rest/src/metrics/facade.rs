//! [`MetricsFacade`]: the client's metrics to the [`metrics`] facade, under the Prometheus names
//! and labels of client-go's component-base adapter (`metrics/prometheus/restclient`).
//!
//! Why the `metrics` facade rather than `prometheus-client`: a library should not choose the
//! registry or the exporter. The facade is to metrics what `log` is to logging (one small crate,
//! no exporter); the application installs the recorder it wants (`metrics-exporter-prometheus`,
//! StatsD, OpenTelemetry, ...) and kclient's metrics land next to its own. Histogram buckets are
//! the exporter's business there: the constants below are client-go's, for configuring it.

use std::time::{Duration, SystemTime};

use metrics::{
    Unit, counter, describe_counter, describe_gauge, describe_histogram, gauge, histogram,
};

use super::{ClientMetrics, ExecCallStatus};

/// client-go's buckets for `rest_client_request_duration_seconds` and
/// `rest_client_rate_limiter_duration_seconds`, in seconds.
pub const LATENCY_BUCKETS: &[f64] = &[
    0.005, 0.025, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 30.0, 60.0,
];

/// client-go's buckets for `rest_client_request_size_bytes` and
/// `rest_client_response_size_bytes`.
pub const SIZE_BUCKETS: &[f64] = &[
    64.0,
    256.0,
    512.0,
    1024.0,
    4096.0,
    16384.0,
    65536.0,
    262_144.0,
    1_048_576.0,
    4_194_304.0,
    16_777_216.0,
];

/// client-go's buckets for `rest_client_exec_plugin_certificate_rotation_age`, in seconds
/// (10 minutes to 4 years).
pub const CERT_ROTATION_AGE_BUCKETS: &[f64] = &[
    600.0,
    1800.0,
    3600.0,
    14400.0,
    86400.0,
    604_800.0,
    2_592_000.0,
    7_776_000.0,
    15_552_000.0,
    31_104_000.0,
    124_416_000.0,
];

/// Reports to the `metrics` facade's global recorder. Register it with
/// [`crate::metrics::register`] (or per client with [`crate::HttpClientBuilder::metrics`]).
///
/// | metric | type | labels |
/// |---|---|---|
/// | `rest_client_request_duration_seconds` | histogram | `verb`, `host` |
/// | `rest_client_rate_limiter_duration_seconds` | histogram | `verb`, `host` |
/// | `rest_client_request_size_bytes` | histogram | `verb`, `host` |
/// | `rest_client_response_size_bytes` | histogram | `verb`, `host` |
/// | `rest_client_requests_total` | counter | `code`, `method`, `host` |
/// | `rest_client_request_retries_total` | counter | `code`, `verb`, `host` |
/// | `rest_client_exec_plugin_call_total` | counter | `code`, `call_status` |
/// | `rest_client_exec_plugin_ttl_seconds` | gauge | |
/// | `rest_client_exec_plugin_certificate_rotation_age` | histogram | |
///
/// `rest_client_exec_plugin_ttl_seconds` is set when a credential arrives (client-go computes it
/// when scraped); it is `+Inf` when the plugin gave no certificate.
#[derive(Debug, Clone, Copy, Default)]
pub struct MetricsFacade;

/// Describes every metric (type, unit, help) to the installed recorder. Call once after
/// installing it; optional.
pub fn describe() {
    describe_histogram!(
        "rest_client_request_duration_seconds",
        Unit::Seconds,
        "Request latency in seconds. Broken down by verb and host."
    );
    describe_histogram!(
        "rest_client_rate_limiter_duration_seconds",
        Unit::Seconds,
        "Client side rate limiter latency in seconds. Broken down by verb and host."
    );
    describe_histogram!(
        "rest_client_request_size_bytes",
        Unit::Bytes,
        "Request size in bytes. Broken down by verb and host."
    );
    describe_histogram!(
        "rest_client_response_size_bytes",
        Unit::Bytes,
        "Response size in bytes. Broken down by verb and host."
    );
    describe_counter!(
        "rest_client_requests_total",
        "Number of HTTP requests, partitioned by status code, method, and host."
    );
    describe_counter!(
        "rest_client_request_retries_total",
        "Number of request retries, partitioned by status code, verb, and host."
    );
    describe_counter!(
        "rest_client_exec_plugin_call_total",
        "Number of calls to an exec plugin, partitioned by the type of event encountered \
         (no_error, plugin_execution_error, plugin_not_found_error, client_internal_error) \
         and an optional exit code."
    );
    describe_gauge!(
        "rest_client_exec_plugin_ttl_seconds",
        Unit::Seconds,
        "Gauge of the shortest TTL (time-to-live) of the client certificate(s) managed by the \
         auth exec plugin."
    );
    describe_histogram!(
        "rest_client_exec_plugin_certificate_rotation_age",
        Unit::Seconds,
        "Histogram of the number of seconds the last auth exec plugin client certificate lived \
         before being rotated."
    );
    describe_counter!(
        "rest_client_transport_ca_reload_total",
        "Number of times the CA file was checked, partitioned by result (success, failure) and \
         reason (updated, unchanged, read_error, empty, ca_parse_error)."
    );
}

impl ClientMetrics for MetricsFacade {
    fn request_latency(&self, verb: &str, host: &str, latency: Duration) {
        histogram!("rest_client_request_duration_seconds", "verb" => verb.to_owned(), "host" => host.to_owned())
            .record(latency.as_secs_f64());
    }

    fn rate_limiter_latency(&self, verb: &str, host: &str, latency: Duration) {
        histogram!("rest_client_rate_limiter_duration_seconds", "verb" => verb.to_owned(), "host" => host.to_owned())
            .record(latency.as_secs_f64());
    }

    fn request_size(&self, verb: &str, host: &str, bytes: u64) {
        histogram!("rest_client_request_size_bytes", "verb" => verb.to_owned(), "host" => host.to_owned())
            .record(bytes as f64);
    }

    fn response_size(&self, verb: &str, host: &str, bytes: u64) {
        histogram!("rest_client_response_size_bytes", "verb" => verb.to_owned(), "host" => host.to_owned())
            .record(bytes as f64);
    }

    fn request_result(&self, code: &str, verb: &str, host: &str) {
        counter!("rest_client_requests_total", "code" => code.to_owned(), "method" => verb.to_owned(), "host" => host.to_owned())
            .increment(1);
    }

    fn request_retry(&self, code: &str, verb: &str, host: &str) {
        counter!("rest_client_request_retries_total", "code" => code.to_owned(), "verb" => verb.to_owned(), "host" => host.to_owned())
            .increment(1);
    }

    fn exec_plugin_call(&self, exit_code: i32, status: ExecCallStatus) {
        counter!("rest_client_exec_plugin_call_total", "code" => exit_code.to_string(), "call_status" => status.as_str())
            .increment(1);
    }

    fn client_cert_expiry(&self, expiry: Option<SystemTime>) {
        let ttl = match expiry {
            Some(at) => match at.duration_since(SystemTime::now()) {
                Ok(left) => left.as_secs_f64(),
                Err(past) => -past.duration().as_secs_f64(),
            },
            None => f64::INFINITY,
        };
        gauge!("rest_client_exec_plugin_ttl_seconds").set(ttl);
    }

    fn client_cert_rotation_age(&self, age: Duration) {
        histogram!("rest_client_exec_plugin_certificate_rotation_age").record(age.as_secs_f64());
    }

    fn transport_ca_reload(&self, result: &str, reason: &str) {
        counter!("rest_client_transport_ca_reload_total", "result" => result.to_owned(), "reason" => reason.to_owned())
            .increment(1);
    }
}
