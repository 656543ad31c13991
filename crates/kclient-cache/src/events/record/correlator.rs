//! The `EventCorrelator` of client-go's `tools/record` (`events_cache.go`), as pure logic with
//! the clock passed in: **aggregate** similar events (same object, type, reason and reporter,
//! different messages: the 10th distinct message within 10 minutes without a gap becomes one
//! "(combined from similar events): ..." event), **observe** repeats of identical events (reuse
//! the first one's name and bump `count` through a patch), then the per-object **spam filter**
//! (a token bucket per object and source: burst 25, one token every 5 minutes).

use std::collections::BTreeSet;
use std::time::Duration;

use jiff::Timestamp;
use kclient_apimachinery::meta::Time;
use kclient_rest::flowcontrol::TokenBucket;
use tokio::time::Instant;

use super::types::CoreEvent;
use crate::events::lru::Lru;

/// Entries kept in each of the three caches (client-go's `maxLruCacheEntries`).
pub const DEFAULT_CACHE_SIZE: usize = 4096;
/// Distinct messages that make similar events aggregate (`defaultAggregateMaxEvents`).
pub const DEFAULT_AGGREGATE_MAX_EVENTS: usize = 10;
/// The longest gap between similar events that keeps aggregating
/// (`defaultAggregateIntervalInSeconds`).
pub const DEFAULT_AGGREGATE_INTERVAL: Duration = Duration::from_secs(600);
/// The spam filter's burst per object (`defaultSpamBurst`).
pub const DEFAULT_SPAM_BURST: u32 = 25;
/// The spam filter's refill rate per object: one event every 5 minutes (`defaultSpamQPS`).
pub const DEFAULT_SPAM_QPS: f64 = 1.0 / 300.0;
/// The prefix of an aggregated event's message.
pub const AGGREGATED_MESSAGE_PREFIX: &str = "(combined from similar events): ";

/// The correlator's settings (client-go's `CorrelatorOptions`); zero values mean the defaults.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct CorrelatorOptions {
    /// Entries per cache; 0 means 4096.
    pub lru_cache_size: usize,
    /// Distinct messages before aggregation; 0 means 10.
    pub max_events: usize,
    /// The aggregation gap; zero means 10 minutes.
    pub max_interval: Duration,
    /// Spam filter rate per object; 0 means one per 5 minutes.
    pub spam_qps: f64,
    /// Spam filter burst per object; 0 means 25.
    pub spam_burst: u32,
}

impl CorrelatorOptions {
    /// Zero-valued options replaced by the defaults (client-go's `populateDefaults`).
    fn populated(self) -> Self {
        let or = |v: usize, d: usize| if v == 0 { d } else { v };
        Self {
            lru_cache_size: or(self.lru_cache_size, DEFAULT_CACHE_SIZE),
            max_events: or(self.max_events, DEFAULT_AGGREGATE_MAX_EVENTS),
            max_interval: if self.max_interval.is_zero() {
                DEFAULT_AGGREGATE_INTERVAL
            } else {
                self.max_interval
            },
            spam_qps: if self.spam_qps > 0.0 {
                self.spam_qps
            } else {
                DEFAULT_SPAM_QPS
            },
            spam_burst: if self.spam_burst == 0 {
                DEFAULT_SPAM_BURST
            } else {
                self.spam_burst
            },
        }
    }
}

/// What to do with an event (client-go's `EventCorrelateResult`).
#[derive(Debug, Clone, PartialEq)]
pub enum Correlated {
    /// Create this event.
    Create(CoreEvent),
    /// Patch the existing event (`event` names it; `patch` is the strategic-merge patch with
    /// `count`, `lastTimestamp` and `message`); create it if it is gone.
    Patch {
        /// The event as it should be now.
        event: CoreEvent,
        /// The patch body.
        patch: serde_json::Value,
    },
    /// Drop it: the object's spam filter has no token left.
    Skip,
}

#[derive(Debug)]
struct AggregateRecord {
    messages: BTreeSet<String>,
    last: Timestamp,
}

#[derive(Debug, Clone)]
struct Observation {
    count: i32,
    first_timestamp: Option<Time>,
    name: Option<String>,
    resource_version: Option<String>,
}

/// Correlates events before they are sent (client-go's `EventCorrelator`).
#[derive(Debug)]
pub struct EventCorrelator {
    options: CorrelatorOptions,
    aggregates: Lru<String, AggregateRecord>,
    observations: Lru<String, Observation>,
    spam: Lru<String, TokenBucket>,
}

fn s(v: &Option<String>) -> &str {
    v.as_deref().unwrap_or("")
}

/// Source, object kind, namespace, name, uid, apiVersion and type (client-go's `getSpamKey`).
fn spam_key(e: &CoreEvent) -> String {
    let source = e.source.clone().unwrap_or_default();
    let o = &e.involved_object;
    [
        s(&source.component),
        s(&source.host),
        s(&o.kind),
        s(&o.namespace),
        s(&o.name),
        s(&o.uid),
        s(&o.api_version),
        s(&e.type_),
    ]
    .concat()
}

/// The spam key fields plus reason and reporter (client-go's `EventAggregatorByReasonFunc`).
fn aggregate_key(e: &CoreEvent) -> String {
    let source = e.source.clone().unwrap_or_default();
    let o = &e.involved_object;
    [
        s(&source.component),
        s(&source.host),
        s(&o.kind),
        s(&o.namespace),
        s(&o.name),
        s(&o.uid),
        s(&o.api_version),
        s(&e.type_),
        s(&e.reason),
        s(&e.reporting_component),
        s(&e.reporting_instance),
    ]
    .concat()
}

/// Everything that makes two events the same (client-go's `getEventKey`).
fn event_key(e: &CoreEvent) -> String {
    let source = e.source.clone().unwrap_or_default();
    let o = &e.involved_object;
    [
        s(&source.component),
        s(&source.host),
        s(&o.kind),
        s(&o.namespace),
        s(&o.name),
        s(&o.field_path),
        s(&o.uid),
        s(&o.api_version),
        s(&e.type_),
        s(&e.reason),
        s(&e.message),
    ]
    .concat()
}

impl EventCorrelator {
    /// A correlator with `options` (zero values replaced by client-go's defaults).
    pub fn new(options: CorrelatorOptions) -> Self {
        let options = options.populated();
        Self {
            options,
            aggregates: Lru::new(options.lru_cache_size),
            observations: Lru::new(options.lru_cache_size),
            spam: Lru::new(options.lru_cache_size),
        }
    }

    /// Aggregates, observes and filters `event` at wall-clock `now` (monotonic `tick` for the
    /// spam filter).
    pub fn correlate(&mut self, event: CoreEvent, now: Timestamp, tick: Instant) -> Correlated {
        let (event, key) = self.aggregate(event, now);
        let (event, patch) = self.observe(event, &key);
        if !self.spam_accepts(&event, tick) {
            return Correlated::Skip;
        }
        match patch {
            Some(patch) => Correlated::Patch { event, patch },
            None => Correlated::Create(event),
        }
    }

    /// Records what the server answered, so later repeats patch it (`UpdateState`).
    pub fn update_state(&mut self, event: &CoreEvent) {
        self.observations.insert(
            event_key(event),
            Observation {
                count: event.count.unwrap_or(0),
                first_timestamp: event.first_timestamp,
                name: event.metadata.name.clone(),
                resource_version: event.metadata.resource_version.clone(),
            },
        );
    }

    /// client-go's `EventAggregate`: the event itself and its event key, or — at the
    /// `max_events`-th distinct message — a new aggregate event and the aggregate key.
    fn aggregate(&mut self, event: CoreEvent, now: Timestamp) -> (CoreEvent, String) {
        let key = aggregate_key(&event);
        let message = s(&event.message).to_string();
        let max_interval = self.options.max_interval;
        let fresh = || AggregateRecord {
            messages: BTreeSet::new(),
            last: now,
        };
        let record = match self.aggregates.get_mut(&key) {
            Some(record) => record,
            None => {
                self.aggregates.insert(key.clone(), fresh());
                match self.aggregates.get_mut(&key) {
                    Some(record) => record,
                    None => return (event.clone(), event_key(&event)),
                }
            }
        };
        let gap = now.duration_since(record.last);
        if gap > jiff::SignedDuration::try_from(max_interval).unwrap_or(jiff::SignedDuration::MAX) {
            *record = fresh();
        }
        record.messages.insert(message);
        record.last = now;
        if record.messages.len() < self.options.max_events {
            let key = event_key(&event);
            return (event, key);
        }
        // Do not let the set grow past the maximum (client-go pops an arbitrary element).
        if let Some(any) = record.messages.iter().next().cloned() {
            record.messages.remove(&any);
        }
        let namespace = event.metadata.namespace.clone();
        let mut metadata = kclient_apimachinery::meta::ObjectMeta {
            name: Some(event_name(s(&event.involved_object.name), now)),
            ..Default::default()
        };
        metadata.namespace = namespace;
        let aggregate = CoreEvent {
            api_version: event.api_version.clone(),
            kind: event.kind.clone(),
            metadata,
            count: Some(1),
            first_timestamp: Some(Time(now)),
            last_timestamp: Some(Time(now)),
            message: Some(format!("{AGGREGATED_MESSAGE_PREFIX}{}", s(&event.message))),
            involved_object: event.involved_object,
            type_: event.type_,
            reason: event.reason,
            source: event.source,
            ..Default::default()
        };
        (aggregate, key)
    }

    /// client-go's `eventObserve`: a repeat reuses the cached name, resourceVersion and
    /// firstTimestamp with `count + 1`, and needs a patch.
    fn observe(
        &mut self,
        mut event: CoreEvent,
        key: &str,
    ) -> (CoreEvent, Option<serde_json::Value>) {
        let mut patch = None;
        if let Some(last) = self.observations.get_mut(&key.to_string())
            && last.count > 0
        {
            event.metadata.name = last.name.clone();
            event.metadata.resource_version = last.resource_version.clone();
            event.first_timestamp = last.first_timestamp;
            event.count = Some(last.count.saturating_add(1));
            // The two-way strategic merge patch from a copy with count 0, lastTimestamp at the
            // epoch and no message to the event carries exactly these three fields.
            patch = Some(serde_json::json!({
                "count": event.count,
                "lastTimestamp": event.last_timestamp,
                "message": s(&event.message),
            }));
        }
        self.observations.insert(
            key.to_string(),
            Observation {
                count: event.count.unwrap_or(0),
                first_timestamp: event.first_timestamp,
                name: event.metadata.name.clone(),
                resource_version: event.metadata.resource_version.clone(),
            },
        );
        (event, patch)
    }

    /// client-go's `EventSourceObjectSpamFilter`: whether the object's bucket has a token.
    fn spam_accepts(&mut self, event: &CoreEvent, tick: Instant) -> bool {
        let key = spam_key(event);
        if self.spam.get_mut(&key).is_none() {
            let bucket =
                TokenBucket::saturating(self.options.spam_qps, self.options.spam_burst, tick);
            self.spam.insert(key.clone(), bucket);
        }
        self.spam
            .get_mut(&key)
            .is_some_and(|bucket| bucket.try_accept(tick))
    }
}

/// `<object name>.<hex nanoseconds>`, or a random UUID when that is not a valid DNS subdomain
/// (client-go's `GenerateEventName`).
pub(crate) fn event_name(object_name: &str, now: Timestamp) -> String {
    let name = format!("{object_name}.{:x}", now.as_nanosecond().max(0));
    if kclient_apimachinery::validation::is_dns1123_subdomain(&name).is_empty() {
        name
    } else {
        random_uuid()
    }
}

/// A random (version 4) UUID.
fn random_uuid() -> String {
    let mut b: [u8; 16] = fastrand::u128(..).to_be_bytes();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;
    use crate::events::ObjectReference;
    use crate::events::record::types::EventSource;

    fn event(reason: &str, message: &str) -> CoreEvent {
        CoreEvent {
            involved_object: ObjectReference {
                kind: Some("Pod".into()),
                namespace: Some("ns".into()),
                name: Some("web".into()),
                uid: Some("u1".into()),
                api_version: Some("v1".into()),
                ..Default::default()
            },
            reason: Some(reason.into()),
            message: Some(message.into()),
            type_: Some("Normal".into()),
            source: Some(EventSource {
                component: Some("ctl".into()),
                host: Some("h".into()),
            }),
            count: Some(1),
            metadata: kclient_apimachinery::meta::ObjectMeta::namespaced("ns", "web.1"),
            ..Default::default()
        }
    }

    fn at(secs: i64) -> Timestamp {
        Timestamp::from_second(1_700_000_000 + secs).unwrap()
    }

    #[tokio::test(start_paused = true)]
    async fn the_tenth_distinct_message_aggregates_and_later_ones_patch_the_aggregate() {
        let mut c = EventCorrelator::new(CorrelatorOptions::default());
        let t = Instant::now();
        for i in 0..9 {
            let got = c.correlate(event("Failed", &format!("m{i}")), at(i), t);
            assert!(
                matches!(got, Correlated::Create(ref e) if e.message.as_deref() == Some(&*format!("m{i}")))
            );
        }
        let Correlated::Create(agg) = c.correlate(event("Failed", "m9"), at(9), t) else {
            panic!()
        };
        assert_eq!(
            agg.message.as_deref(),
            Some("(combined from similar events): m9")
        );
        assert_eq!(agg.count, Some(1));
        assert!(agg.metadata.name.as_deref().unwrap().starts_with("web."));
        let mut created = agg.clone();
        created.metadata.resource_version = Some("7".into());
        c.update_state(&created);
        let Correlated::Patch { event, patch } = c.correlate(event("Failed", "m10"), at(10), t)
        else {
            panic!()
        };
        assert_eq!(event.metadata.name, agg.metadata.name);
        assert_eq!(event.count, Some(2));
        assert_eq!(patch["count"], 2);
        assert_eq!(patch["message"], "(combined from similar events): m10");
    }

    #[tokio::test(start_paused = true)]
    async fn a_gap_over_the_interval_restarts_aggregation() {
        let mut c = EventCorrelator::new(CorrelatorOptions::default());
        let t = Instant::now();
        for i in 0..9 {
            c.correlate(event("Failed", &format!("m{i}")), at(i * 60), t);
        }
        // 601 s after the last one: the record restarts, so m9 is not aggregated.
        let got = c.correlate(event("Failed", "m9"), at(8 * 60 + 601), t);
        assert!(matches!(got, Correlated::Create(ref e) if e.message.as_deref() == Some("m9")));
    }

    #[tokio::test(start_paused = true)]
    async fn identical_events_patch_count_and_the_spam_filter_allows_25_then_one_per_5_minutes() {
        let mut c = EventCorrelator::new(CorrelatorOptions::default());
        let t = Instant::now();
        assert!(matches!(
            c.correlate(event("Synced", "ok"), at(0), t),
            Correlated::Create(_)
        ));
        let Correlated::Patch { event: e, patch } = c.correlate(event("Synced", "ok"), at(1), t)
        else {
            panic!()
        };
        assert_eq!(e.count, Some(2));
        assert_eq!(patch["count"], 2);
        assert_eq!(patch["message"], "ok");
        for i in 2..25 {
            assert!(!matches!(
                c.correlate(event("Synced", "ok"), at(i), t),
                Correlated::Skip
            ));
        }
        // Other reasons on the same object share the object's bucket.
        assert_eq!(
            c.correlate(event("Other", "x"), at(30), t),
            Correlated::Skip
        );
        let later = t + Duration::from_secs(300);
        assert!(!matches!(
            c.correlate(event("Other", "x"), at(330), later),
            Correlated::Skip
        ));
        assert_eq!(
            c.correlate(event("Other", "y"), at(331), later),
            Correlated::Skip
        );
    }

    #[test]
    fn names_are_object_dot_hex_nanos_or_a_uuid() {
        let now = Timestamp::from_nanosecond(0x1234_5678_9abc).unwrap();
        assert_eq!(event_name("web", now), "web.123456789abc");
        let uuid = event_name("Not_Valid", now);
        assert_eq!(uuid.len(), 36);
        assert_eq!(&uuid[14..15], "4");
    }
}
