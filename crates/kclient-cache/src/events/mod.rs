//! [`EventRecorder`]: posts `events.k8s.io/v1` Events about objects (client-go's
//! `tools/events` recorder), from a background task so that recording never blocks.
//!
//! ## Queue and overflow policy
//!
//! [`EventRecorder::record`] puts the event on a bounded queue (default 1000, as client-go's
//! broadcaster) and returns at once; when the queue is full the event is **dropped** and counted
//! in [`RecorderStats::dropped`] — events are best-effort, and a controller must never stall on
//! them. One task sends them in order, retrying failures that are worth retrying.
//!
//! ## Deduplication
//!
//! With `deduplicate` on (the default), an event identical to one sent within the series window
//! (same regarding/related objects, type, reason, action and note; default 6 minutes, client-go's
//! series finish time) does not create a new object: the first one's `series` is updated instead
//! (`count`, `lastObservedTime`), as the events.k8s.io API intends.

mod lru;
pub mod record;
mod types;

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use kclient_apimachinery::meta::{MicroTime, ObjectMeta};
use kclient_rest::{PatchType, RestClient};
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;

pub use types::{Event, EventSeries, EventType, ObjectReference};

use crate::Error;
use lru::Lru;

const API_PATH: &str = "/apis/events.k8s.io/v1";
/// The largest note the API accepts, in bytes.
pub const MAX_NOTE_BYTES: usize = 1024;

/// Options of an [`EventRecorder`].
#[derive(Debug, Clone)]
#[must_use]
pub struct EventRecorderConfig {
    /// `reportingController`, such as `example.com/widget-controller`.
    pub reporting_controller: String,
    /// `reportingInstance`, such as the pod name.
    pub reporting_instance: String,
    /// Merge repeats into a series. Default true.
    pub deduplicate: bool,
    /// How long after its last occurrence an event can still grow a series. Default 6 minutes.
    pub series_window: Duration,
    /// The capacity of the queue. Default 1000.
    pub queue_capacity: usize,
    /// How many events are remembered for deduplication. Default 4096.
    pub cache_size: usize,
    /// How many times a failed send is retried. Default 12 (client-go's sink).
    pub max_retries: u32,
    /// The wait between retries. Default 10 s.
    pub retry_interval: Duration,
}

impl EventRecorderConfig {
    /// A config for `reporting_controller` / `reporting_instance` with the defaults.
    pub fn new(
        reporting_controller: impl Into<String>,
        reporting_instance: impl Into<String>,
    ) -> Self {
        Self {
            reporting_controller: reporting_controller.into(),
            reporting_instance: reporting_instance.into(),
            deduplicate: true,
            series_window: Duration::from_secs(6 * 60),
            queue_capacity: 1000,
            cache_size: 4096,
            max_retries: 12,
            retry_interval: Duration::from_secs(10),
        }
    }
}

/// What a recorder has done so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RecorderStats {
    /// Events created.
    pub created: u64,
    /// Repeats recorded as series updates.
    pub series_updates: u64,
    /// Events dropped because the queue was full.
    pub dropped: u64,
    /// Events given up on after the retries.
    pub failed: u64,
}

enum Message {
    Event(Box<Event>),
    Flush(oneshot::Sender<()>),
}

/// Records events; cloning gives another handle to the same queue.
#[derive(Clone)]
pub struct EventRecorder {
    tx: mpsc::Sender<Message>,
    config: Arc<EventRecorderConfig>,
    stats: Arc<Mutex<RecorderStats>>,
}

impl std::fmt::Debug for EventRecorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventRecorder")
            .field("reporting_controller", &self.config.reporting_controller)
            .finish_non_exhaustive()
    }
}

impl EventRecorder {
    /// A recorder posting through `client` (any `RestClient` of the server). Starts its sender
    /// task on the current Tokio runtime; the task ends when every handle is dropped.
    pub fn new(client: RestClient, config: EventRecorderConfig) -> Result<Self, Error> {
        if config.reporting_controller.is_empty() || config.reporting_instance.is_empty() {
            return Err(Error::InvalidEvent {
                reason: "reporting_controller and reporting_instance must not be empty".into(),
            });
        }
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| Error::NoRuntime {
            what: "EventRecorder::new",
        })?;
        let (tx, rx) = mpsc::channel(config.queue_capacity.max(1));
        let config = Arc::new(config);
        let stats = Arc::new(Mutex::new(RecorderStats::default()));
        let sender = Sender {
            client,
            config: config.clone(),
            stats: stats.clone(),
            cache: Lru::new(config.cache_size),
        };
        runtime.spawn(sender.run(rx));
        Ok(Self { tx, config, stats })
    }

    /// Queues an event about `regarding`; returns at once. Fails only for an invalid event
    /// (empty reason or action); a full queue drops the event (see [`RecorderStats::dropped`]).
    /// A note longer than [`MAX_NOTE_BYTES`] is cut.
    pub fn record(
        &self,
        regarding: &ObjectReference,
        related: Option<&ObjectReference>,
        type_: EventType,
        reason: &str,
        action: &str,
        note: &str,
    ) -> Result<(), Error> {
        if reason.is_empty() || action.is_empty() {
            return Err(Error::InvalidEvent {
                reason: format!("reason ({reason:?}) and action ({action:?}) must not be empty"),
            });
        }
        let mut note = note.to_string();
        if note.len() > MAX_NOTE_BYTES {
            let mut cut = MAX_NOTE_BYTES;
            while !note.is_char_boundary(cut) {
                cut -= 1;
            }
            note.truncate(cut);
        }
        let event = Event {
            api_version: format!("{}/v1", "events.k8s.io"),
            kind: "Event".to_string(),
            metadata: ObjectMeta::default(),
            event_time: Some(MicroTime::now()),
            series: None,
            reporting_controller: Some(self.config.reporting_controller.clone()),
            reporting_instance: Some(self.config.reporting_instance.clone()),
            action: Some(action.to_string()),
            reason: Some(reason.to_string()),
            regarding: regarding.clone(),
            related: related.cloned(),
            note: Some(note),
            type_: Some(type_.as_str().to_string()),
        };
        if self.tx.try_send(Message::Event(Box::new(event))).is_err() {
            self.stats
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .dropped += 1;
            tracing::warn!(reason, "event dropped: the recorder's queue is full");
        }
        Ok(())
    }

    /// Waits until every event queued before this call has been sent (or given up on).
    pub async fn flush(&self) {
        let (done, wait) = oneshot::channel();
        if self.tx.send(Message::Flush(done)).await.is_ok() {
            let _ = wait.await;
        }
    }

    /// The counters.
    pub fn stats(&self) -> RecorderStats {
        *self.stats.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The identity of an event for deduplication.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct EventKey {
    regarding: ObjectReference,
    related: Option<ObjectReference>,
    type_: Option<String>,
    reason: Option<String>,
    action: Option<String>,
    note: Option<String>,
}

struct Seen {
    namespace: String,
    name: String,
    count: i32,
    last: Instant,
}

struct Sender {
    client: RestClient,
    config: Arc<EventRecorderConfig>,
    stats: Arc<Mutex<RecorderStats>>,
    cache: Lru<EventKey, Seen>,
}

impl Sender {
    async fn run(mut self, mut rx: mpsc::Receiver<Message>) {
        while let Some(message) = rx.recv().await {
            match message {
                Message::Event(event) => self.send(*event).await,
                Message::Flush(done) => {
                    let _ = done.send(());
                }
            }
        }
    }

    fn count(&self, f: impl FnOnce(&mut RecorderStats)) {
        f(&mut self.stats.lock().unwrap_or_else(PoisonError::into_inner));
    }

    async fn send(&mut self, mut event: Event) {
        let key = EventKey {
            regarding: event.regarding.clone(),
            related: event.related.clone(),
            type_: event.type_.clone(),
            reason: event.reason.clone(),
            action: event.action.clone(),
            note: event.note.clone(),
        };
        let now = Instant::now();
        if self.config.deduplicate
            && let Some(seen) = self.cache.get_mut(&key)
            && now.saturating_duration_since(seen.last) < self.config.series_window
        {
            seen.count += 1;
            seen.last = now;
            let series = EventSeries {
                count: seen.count,
                last_observed_time: MicroTime::now(),
            };
            let (namespace, name) = (seen.namespace.clone(), seen.name.clone());
            match self.patch_series(&namespace, &name, &series).await {
                Ok(()) => return self.count(|s| s.series_updates += 1),
                Err(e) => {
                    tracing::debug!(error = %e, "cannot update the event series; creating anew");
                    self.cache.remove(&key);
                }
            }
        }
        let namespace = event
            .regarding
            .namespace
            .clone()
            .filter(|ns| !ns.is_empty())
            .unwrap_or_else(|| "default".to_string());
        let base = event
            .regarding
            .name
            .clone()
            .unwrap_or_else(|| "event".into());
        let nanos = jiff::Timestamp::now().as_nanosecond();
        let name = format!("{base}.{nanos:x}");
        event.metadata = ObjectMeta::namespaced(&namespace, &name);
        if self.create(&namespace, &event).await {
            self.count(|s| s.created += 1);
            if self.config.deduplicate {
                self.cache.insert(
                    key,
                    Seen {
                        namespace,
                        name,
                        count: 1,
                        last: now,
                    },
                );
            }
        } else {
            self.count(|s| s.failed += 1);
        }
    }

    async fn create(&self, namespace: &str, event: &Event) -> bool {
        let mut attempt = 0;
        loop {
            let result = self
                .client
                .post()
                .abs_path(API_PATH)
                .namespace(namespace)
                .resource("events")
                .body(event)
                .send()
                .await;
            let error = match result {
                Ok(_) => return true,
                Err(e) => e,
            };
            let retryable = !(error.is_invalid()
                || error.is_already_exists()
                || error.is_forbidden()
                || error.is_not_found()
                || error.is_bad_request());
            attempt += 1;
            if !retryable || attempt > self.config.max_retries {
                tracing::warn!(error = %error, "cannot record an event");
                return false;
            }
            tokio::time::sleep(self.config.retry_interval).await;
        }
    }

    async fn patch_series(
        &self,
        namespace: &str,
        name: &str,
        series: &EventSeries,
    ) -> Result<(), kclient_rest::Error> {
        let patch = serde_json::json!({ "series": series });
        self.client
            .patch(PatchType::Merge)
            .abs_path(API_PATH)
            .namespace(namespace)
            .resource("events")
            .name(name)
            .body(&patch)
            .send()
            .await
            .map(|_| ())
    }
}
