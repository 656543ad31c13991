//! `MetricsFacade` (feature `metrics`): a request cycle lands in the `metrics` facade under
//! client-go's Prometheus names and labels. Run with `--features metrics`.
#![cfg(feature = "metrics")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use kclient_rest::HttpClient;
use kclient_rest::metrics::{ClientMetrics, ExecCallStatus, MetricsFacade};
use metrics::{
    Counter, CounterFn, Gauge, GaugeFn, Histogram, HistogramFn, Key, KeyName, Metadata, Recorder,
    SharedString, Unit,
};
use support::*;

/// Every value recorded, as `name{label=value,...}` and the value.
#[derive(Default, Clone)]
struct Store(Arc<Mutex<Vec<(String, f64)>>>);

struct Handle(String, Store);

impl CounterFn for Handle {
    fn increment(&self, value: u64) {
        self.1
            .0
            .lock()
            .unwrap()
            .push((self.0.clone(), value as f64));
    }
    fn absolute(&self, value: u64) {
        CounterFn::increment(self, value);
    }
}
impl GaugeFn for Handle {
    fn increment(&self, value: f64) {
        self.1.0.lock().unwrap().push((self.0.clone(), value));
    }
    fn decrement(&self, value: f64) {
        self.1.0.lock().unwrap().push((self.0.clone(), -value));
    }
    fn set(&self, value: f64) {
        self.1.0.lock().unwrap().push((self.0.clone(), value));
    }
}
impl HistogramFn for Handle {
    fn record(&self, value: f64) {
        self.1.0.lock().unwrap().push((self.0.clone(), value));
    }
}

fn render(key: &Key) -> String {
    let labels: Vec<String> = key
        .labels()
        .map(|l| format!("{}={}", l.key(), l.value()))
        .collect();
    format!("{}{{{}}}", key.name(), labels.join(","))
}

impl Recorder for Store {
    fn describe_counter(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_gauge(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_histogram(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn register_counter(&self, key: &Key, _: &Metadata<'_>) -> Counter {
        Counter::from_arc(Arc::new(Handle(render(key), self.clone())))
    }
    fn register_gauge(&self, key: &Key, _: &Metadata<'_>) -> Gauge {
        Gauge::from_arc(Arc::new(Handle(render(key), self.clone())))
    }
    fn register_histogram(&self, key: &Key, _: &Metadata<'_>) -> Histogram {
        Histogram::from_arc(Arc::new(Handle(render(key), self.clone())))
    }
}

/// Forwards to `MetricsFacade` with `store` installed as the thread's recorder.
struct Scoped(Store);

impl ClientMetrics for Scoped {
    fn request_latency(&self, verb: &str, host: &str, latency: Duration) {
        metrics::with_local_recorder(&self.0, || {
            MetricsFacade.request_latency(verb, host, latency)
        });
    }
    fn rate_limiter_latency(&self, verb: &str, host: &str, latency: Duration) {
        metrics::with_local_recorder(&self.0, || {
            MetricsFacade.rate_limiter_latency(verb, host, latency)
        });
    }
    fn request_size(&self, verb: &str, host: &str, bytes: u64) {
        metrics::with_local_recorder(&self.0, || MetricsFacade.request_size(verb, host, bytes));
    }
    fn response_size(&self, verb: &str, host: &str, bytes: u64) {
        metrics::with_local_recorder(&self.0, || MetricsFacade.response_size(verb, host, bytes));
    }
    fn request_result(&self, code: &str, verb: &str, host: &str) {
        metrics::with_local_recorder(&self.0, || MetricsFacade.request_result(code, verb, host));
    }
    fn request_retry(&self, code: &str, verb: &str, host: &str) {
        metrics::with_local_recorder(&self.0, || MetricsFacade.request_retry(code, verb, host));
    }
}

#[tokio::test]
async fn a_request_cycle_uses_client_go_names_and_labels() {
    let n = std::sync::atomic::AtomicUsize::new(0);
    let server = TestServer::start(
        None,
        Arc::new(move |_| {
            if n.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0 {
                response(429, &[("retry-after", "0")], "slow down")
            } else {
                response(200, &[], "ok")
            }
        }),
    )
    .await;
    let host = server.http_url().trim_start_matches("http://").to_string();
    let store = Store::default();
    let client = HttpClient::builder(&config_for(&server.http_url(), None))
        .metrics(Arc::new(Scoped(store.clone())))
        .build()
        .unwrap();
    assert_eq!(
        send(&client, get(&server.http_url())).await,
        (200, "ok".into())
    );
    let seen = store.0.lock().unwrap().clone();
    let names: Vec<&str> = seen.iter().map(|(n, _)| n.as_str()).collect();
    for expected in [
        format!("rest_client_requests_total{{code=429,method=GET,host={host}}}"),
        format!("rest_client_requests_total{{code=200,method=GET,host={host}}}"),
        format!("rest_client_request_retries_total{{code=429,verb=GET,host={host}}}"),
        format!("rest_client_request_size_bytes{{verb=GET,host={host}}}"),
        format!("rest_client_response_size_bytes{{verb=GET,host={host}}}"),
        format!("rest_client_request_duration_seconds{{verb=GET,host={host}}}"),
    ] {
        assert!(
            names.contains(&expected.as_str()),
            "{expected} not in {names:?}"
        );
    }
    // Rate limiting is off in `config_for`: no limiter histogram.
    assert!(
        !names
            .iter()
            .any(|n| n.starts_with("rest_client_rate_limiter"))
    );
    let response_size = seen
        .iter()
        .find(|(n, _)| n.starts_with("rest_client_response_size_bytes"))
        .unwrap()
        .1;
    assert_eq!(response_size, 2.0);

    let exec = Store::default();
    metrics::with_local_recorder(&exec, || {
        MetricsFacade.exec_plugin_call(3, ExecCallStatus::PluginExecutionError);
        MetricsFacade.client_cert_expiry(None);
    });
    let seen = exec.0.lock().unwrap().clone();
    assert_eq!(
        seen[0],
        (
            "rest_client_exec_plugin_call_total{code=3,call_status=plugin_execution_error}".into(),
            1.0
        )
    );
    assert_eq!(
        seen[1],
        (
            "rest_client_exec_plugin_ttl_seconds{}".into(),
            f64::INFINITY
        )
    );
}
