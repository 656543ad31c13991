//! Work queue semantics under a paused clock: deduplication, re-queue after done, delays,
//! rate limits, shutdown and metrics.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use kclient_cache::workqueue::{
    BucketRateLimiter, ItemExponentialRateLimiter, ItemFastSlowRateLimiter, RateLimiter,
    RateLimitingQueue, WorkQueue, default_controller_rate_limiter,
};
use tokio::time::Instant;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// The next item, or `None` if nothing comes within an hour of (paused) time.
async fn next<T: Clone + Eq + std::hash::Hash + Send + 'static>(q: &WorkQueue<T>) -> Option<T> {
    tokio::time::timeout(Duration::from_secs(3600), q.get())
        .await
        .ok()
        .flatten()
}

#[tokio::test(start_paused = true)]
async fn duplicates_are_queued_once_and_requeued_after_done() {
    let q = WorkQueue::new();
    q.add("a");
    q.add("b");
    q.add("a");
    assert_eq!(q.len(), 2);
    let a = next(&q).await.unwrap();
    assert_eq!(a, "a");
    // Added while being processed: not handed to anyone else until done.
    q.add("a");
    assert_eq!(next(&q).await, Some("b"));
    assert_eq!(q.len(), 0);
    let waiting = tokio::spawn({
        let q = q.clone();
        async move { q.get().await }
    });
    tokio::time::sleep(ms(10)).await;
    assert!(!waiting.is_finished());
    q.done(&"a");
    assert_eq!(waiting.await.unwrap(), Some("a"));
    q.done(&"a");
    q.done(&"b");
    let m = q.metrics();
    assert_eq!((m.adds, m.depth, m.processing), (3, 0, 0));
    assert_eq!(m.work_duration.count, 3);
}

#[tokio::test(start_paused = true)]
async fn delayed_items_come_in_time_order_and_keep_the_earliest_time() {
    let q = WorkQueue::new();
    let start = Instant::now();
    q.add_after("late", ms(300));
    q.add_after("early", ms(100));
    q.add_after("late", ms(200)); // earlier: wins
    q.add_after("early", ms(500)); // later: ignored
    q.add_after("now", Duration::ZERO);
    assert_eq!(q.metrics().waiting, 2);
    assert_eq!(next(&q).await, Some("now"));
    assert_eq!(next(&q).await, Some("early"));
    assert_eq!(start.elapsed(), ms(100));
    assert_eq!(next(&q).await, Some("late"));
    assert_eq!(start.elapsed(), ms(200));
    // Nothing else: the superseded entries were not delivered twice.
    q.done(&"late");
    assert_eq!(
        tokio::time::timeout(Duration::from_secs(60), q.get())
            .await
            .ok(),
        None
    );
    let m = q.metrics();
    assert_eq!(m.queue_latency.count, 3);
    assert_eq!(
        m.queue_latency.max,
        Duration::ZERO,
        "latency counts from when an item is queued"
    );
}

#[tokio::test(start_paused = true)]
async fn a_getter_waiting_for_a_late_item_wakes_for_an_earlier_one() {
    let q = WorkQueue::new();
    q.add_after("late", Duration::from_secs(100));
    let getter = tokio::spawn({
        let q = q.clone();
        async move { (q.get().await, Instant::now()) }
    });
    tokio::time::sleep(ms(1)).await;
    let start = Instant::now();
    q.add_after("soon", ms(10));
    let (item, at) = getter.await.unwrap();
    assert_eq!(item, Some("soon"));
    assert_eq!(at - start, ms(10));
}

#[test]
fn per_item_exponential_backoff_doubles_up_to_the_cap() {
    let l = ItemExponentialRateLimiter::new(ms(5), Duration::from_secs(1000));
    let delays: Vec<Duration> = (0..5).map(|_| l.when(&"x")).collect();
    assert_eq!(delays, vec![ms(5), ms(10), ms(20), ms(40), ms(80)]);
    assert_eq!(l.when(&"y"), ms(5), "per item");
    assert_eq!(l.num_requeues(&"x"), 5);
    l.forget(&"x");
    assert_eq!(l.num_requeues(&"x"), 0);
    assert_eq!(l.when(&"x"), ms(5));
    for _ in 0..40 {
        l.when(&"z");
    }
    assert_eq!(l.when(&"z"), Duration::from_secs(1000));
    let fs = ItemFastSlowRateLimiter::new(ms(1), Duration::from_secs(1), 2);
    let delays: Vec<Duration> = (0..3).map(|_| fs.when(&"x")).collect();
    assert_eq!(delays, vec![ms(1), ms(1), Duration::from_secs(1)]);
}

#[tokio::test(start_paused = true)]
async fn the_bucket_allows_a_burst_then_ten_per_second() {
    let b = BucketRateLimiter::new(10.0, 100);
    for i in 0..100 {
        assert_eq!(
            RateLimiter::<u32>::when(&b, &i),
            Duration::ZERO,
            "burst token {i}"
        );
    }
    assert_eq!(RateLimiter::<u32>::when(&b, &100), ms(100));
    assert_eq!(RateLimiter::<u32>::when(&b, &101), ms(200));
    tokio::time::advance(Duration::from_secs(1)).await;
    // Ten tokens came back, two of which were already promised: eight are free.
    for i in 0..8 {
        assert_eq!(RateLimiter::<u32>::when(&b, &(200 + i)), Duration::ZERO);
    }
    assert_eq!(RateLimiter::<u32>::when(&b, &300), ms(100));
}

#[tokio::test(start_paused = true)]
async fn the_default_limiter_is_the_max_of_both() {
    let l = default_controller_rate_limiter::<u32>();
    // Per-item backoff dominates while the bucket has tokens.
    assert_eq!(l.when(&1), ms(5));
    assert_eq!(l.when(&1), ms(10));
    for i in 2..100 {
        assert_eq!(l.when(&i), ms(5));
    }
    // The bucket is empty now: its delay dominates a fresh item's 5 ms.
    assert_eq!(l.when(&500), ms(100));
    assert_eq!(l.num_requeues(&1), 2);
    l.forget(&1);
    assert_eq!(l.num_requeues(&1), 0);
}

#[tokio::test(start_paused = true)]
async fn rate_limited_retries_wait_and_forget_resets() {
    let q = RateLimitingQueue::with_rate_limiter(ItemExponentialRateLimiter::new(ms(5), ms(1000)));
    let start = Instant::now();
    q.add("k".to_string());
    let mut handed_out = Vec::new();
    for _ in 0..4 {
        let key = next(&q).await.unwrap();
        handed_out.push(start.elapsed());
        q.add_rate_limited(key.clone());
        q.done(&key);
    }
    assert_eq!(handed_out, vec![ms(0), ms(5), ms(15), ms(35)]);
    assert_eq!(q.num_requeues(&"k".to_string()), 4);
    let key = next(&q).await.unwrap();
    q.forget(&key);
    q.done(&key);
    assert_eq!(q.num_requeues(&key), 0);
    assert_eq!(q.metrics().retries, 4);
}

#[tokio::test(start_paused = true)]
async fn shutdown_hands_out_what_is_queued_then_stops_and_drain_waits_for_done() {
    let q = WorkQueue::new();
    q.add(1);
    q.add(2);
    q.add_after(3, Duration::from_secs(1));
    let one = next(&q).await.unwrap();
    let drained = tokio::spawn({
        let q = q.clone();
        async move { q.shut_down_with_drain().await }
    });
    tokio::time::sleep(ms(10)).await;
    assert!(q.is_shutting_down());
    q.add(4); // ignored
    assert_eq!(next(&q).await, Some(2));
    assert_eq!(q.get().await, None, "the delayed item is dropped");
    assert!(!drained.is_finished(), "1 and 2 are still being processed");
    q.done(&one);
    tokio::time::sleep(ms(10)).await;
    assert!(!drained.is_finished());
    q.done(&2);
    drained.await.unwrap();
    assert_eq!(q.metrics().adds, 2);
}

#[tokio::test(start_paused = true)]
async fn shutdown_wakes_idle_getters_and_metrics_track_work() {
    let q = WorkQueue::<u8>::new();
    let getters: Vec<_> = (0..3)
        .map(|_| {
            let q = q.clone();
            tokio::spawn(async move { q.get().await })
        })
        .collect();
    tokio::time::sleep(ms(5)).await;
    q.shut_down();
    for g in getters {
        assert_eq!(g.await.unwrap(), None);
    }
    let q = WorkQueue::new();
    q.add(7u8);
    tokio::time::sleep(ms(30)).await;
    let item = next(&q).await.unwrap();
    tokio::time::sleep(ms(50)).await;
    let m = q.metrics();
    assert_eq!(m.queue_latency.max, ms(30));
    assert_eq!(m.longest_running, ms(50));
    assert_eq!(m.unfinished_work, ms(50));
    q.done(&item);
    let m = q.metrics();
    assert_eq!(m.work_duration.max, ms(50));
    assert_eq!(m.work_duration.mean(), ms(50));
    assert_eq!(m.longest_running, Duration::ZERO);
}

/// A delay too large to add to an instant ("never", as `Duration::MAX`) does not panic: the
/// item waits, and an earlier `add_after` of the same item still comes first.
#[tokio::test(start_paused = true)]
async fn a_huge_delay_saturates_instead_of_panicking() {
    let q = WorkQueue::new();
    q.add_after("never", Duration::MAX);
    q.add_after("soon", ms(10));
    assert_eq!(next(&q).await, Some("soon"));
    q.done(&"soon");
    q.add_after("never", ms(5));
    assert_eq!(next(&q).await, Some("never"));
}
