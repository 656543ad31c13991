//! Work queue metrics reported to a `MetricsProvider` (client-go's workqueue metrics), on a
//! paused clock.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use kclient_cache::workqueue::{
    ItemFastSlowRateLimiter, MetricsProvider, RateLimitingQueue, WorkQueue,
};

#[derive(Debug, Clone, PartialEq)]
enum Obs {
    Depth(String, usize),
    Add(String),
    Latency(String, Duration),
    Work(String, Duration),
    Unfinished(String, Duration),
    Longest(String, Duration),
    Retry(String),
}

#[derive(Default)]
struct Recorder(Mutex<Vec<Obs>>);

impl Recorder {
    fn take(&self) -> Vec<Obs> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
    fn push(&self, o: Obs) {
        self.0.lock().unwrap().push(o);
    }
}

impl MetricsProvider for Recorder {
    fn depth(&self, q: &str, depth: usize) {
        self.push(Obs::Depth(q.into(), depth));
    }
    fn add(&self, q: &str) {
        self.push(Obs::Add(q.into()));
    }
    fn queue_latency(&self, q: &str, latency: Duration) {
        self.push(Obs::Latency(q.into(), latency));
    }
    fn work_duration(&self, q: &str, d: Duration) {
        self.push(Obs::Work(q.into(), d));
    }
    fn unfinished_work(&self, q: &str, d: Duration) {
        self.push(Obs::Unfinished(q.into(), d));
    }
    fn longest_running_processor(&self, q: &str, d: Duration) {
        self.push(Obs::Longest(q.into(), d));
    }
    fn retry(&self, q: &str) {
        self.push(Obs::Retry(q.into()));
    }
}

fn s(n: u64) -> Duration {
    Duration::from_secs(n)
}

#[tokio::test(start_paused = true)]
async fn a_named_queue_reports_each_metric_when_it_moves() {
    let rec = Arc::new(Recorder::default());
    let q = RateLimitingQueue::from_queue(
        WorkQueue::with_metrics_provider("pods", rec.clone()),
        ItemFastSlowRateLimiter::new(s(1), s(10), 1),
    );
    let n = || "pods".to_string();
    q.add("a");
    q.add("b");
    q.add("a"); // already queued: no add
    assert_eq!(
        rec.take(),
        [
            Obs::Add(n()),
            Obs::Depth(n(), 1),
            Obs::Add(n()),
            Obs::Depth(n(), 2)
        ]
    );

    tokio::time::advance(s(2)).await;
    let a = q.get().await.unwrap();
    assert_eq!(a, "a");
    assert_eq!(rec.take(), [Obs::Depth(n(), 1), Obs::Latency(n(), s(2))]);

    // While "a" is processed for 3 s, the periodic update reports its age.
    tokio::time::sleep(s(3) + Duration::from_millis(1)).await;
    let periodic = rec.take();
    assert!(periodic.contains(&Obs::Longest(n(), s(3))), "{periodic:?}");
    assert!(
        periodic.contains(&Obs::Unfinished(n(), s(3))),
        "{periodic:?}"
    );
    assert!(
        periodic
            .iter()
            .all(|o| matches!(o, Obs::Longest(..) | Obs::Unfinished(..)))
    );

    q.done(&a);
    assert_eq!(
        rec.take(),
        [Obs::Work(n(), s(3) + Duration::from_millis(1))]
    );

    // A rate-limited retry counts as a retry, then as an add once its delay has passed.
    q.add_rate_limited("a");
    assert_eq!(rec.take(), [Obs::Retry(n())]);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(q.len(), 2);
    let after = rec.take();
    assert!(after.contains(&Obs::Add(n())), "{after:?}");
    assert!(after.contains(&Obs::Depth(n(), 2)), "{after:?}");
}

#[tokio::test(start_paused = true)]
async fn unnamed_queues_report_nothing() {
    let rec = Arc::new(Recorder::default());
    let q = WorkQueue::with_metrics_provider("", rec.clone());
    q.add(1);
    let item = q.get().await.unwrap();
    q.done(&item);
    tokio::time::sleep(s(2)).await;
    assert!(rec.take().is_empty());
    // Without a global provider, `named` queues have no metrics either (and still work).
    let q = WorkQueue::named("plain");
    q.add(1);
    assert_eq!(q.get().await, Some(1));
}
