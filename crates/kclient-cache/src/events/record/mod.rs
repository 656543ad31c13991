//! A core/v1 event recorder (client-go's `tools/record`): [`EventRecorder::event`] queues an
//! Event about an object and returns at once; a background task runs each one through the
//! [`EventCorrelator`] (aggregation of similar events, dedupe with `count`, the per-object spam
//! filter) and sends it: a `POST`, or a strategic-merge `PATCH` of `count`, `lastTimestamp` and
//! `message` for a repeat (falling back to `POST` if the event is gone).
//!
//! This is the older Events API that `kubectl describe` and most tools still read; the
//! `events.k8s.io/v1` recorder is [`crate::events::EventRecorder`]. Defaults (client-go's):
//!
//! | setting | value |
//! |---|---|
//! | queue | 1000 events, dropped (and counted) when full |
//! | caches | 4096 entries each |
//! | aggregation | 10 distinct messages without a gap over 10 minutes |
//! | spam filter | per object: burst 25, then one event every 5 minutes |
//! | sending | 12 tries, 10 s apart (the first wait a random fraction of that) |

mod correlator;
mod types;

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use kclient_apimachinery::meta::{ObjectMeta, Time};
use kclient_rest::{PatchType, RestClient};
use tokio::sync::{mpsc, oneshot};

pub use correlator::{
    AGGREGATED_MESSAGE_PREFIX, Correlated, CorrelatorOptions, DEFAULT_AGGREGATE_INTERVAL,
    DEFAULT_AGGREGATE_MAX_EVENTS, DEFAULT_CACHE_SIZE, DEFAULT_SPAM_BURST, DEFAULT_SPAM_QPS,
    EventCorrelator,
};
pub use types::{CoreEvent, EventSource};

use super::{EventType, ObjectReference};
use crate::Error;

/// Options of an [`EventRecorder`].
#[derive(Debug, Clone)]
#[must_use]
pub struct EventRecorderConfig {
    /// `source.component` (and `reportingComponent`), such as `my-controller`.
    pub component: String,
    /// `source.host` (and `reportingInstance`), such as the node or pod name; may be empty.
    pub host: String,
    /// The correlator's settings.
    pub correlator: CorrelatorOptions,
    /// The capacity of the queue. Default 1000.
    pub queue_capacity: usize,
    /// How many times an event is tried. Default 12.
    pub max_tries: u32,
    /// The wait between tries. Default 10 s.
    pub retry_interval: Duration,
}

impl EventRecorderConfig {
    /// A config for `component` on `host` with client-go's defaults.
    pub fn new(component: impl Into<String>, host: impl Into<String>) -> Self {
        Self {
            component: component.into(),
            host: host.into(),
            correlator: CorrelatorOptions::default(),
            queue_capacity: 1000,
            max_tries: 12,
            retry_interval: Duration::from_secs(10),
        }
    }
}

/// What a recorder has done so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RecorderStats {
    /// Events created.
    pub created: u64,
    /// Repeats sent as patches.
    pub patched: u64,
    /// Events dropped by the spam filter.
    pub filtered: u64,
    /// Events dropped because the queue was full.
    pub dropped: u64,
    /// Events given up on.
    pub failed: u64,
}

enum Message {
    Event(Box<CoreEvent>),
    Flush(oneshot::Sender<()>),
}

/// Records core/v1 events; cloning gives another handle to the same queue.
#[derive(Clone)]
pub struct EventRecorder {
    tx: mpsc::Sender<Message>,
    source: types::EventSource,
    stats: Arc<Mutex<RecorderStats>>,
}

impl std::fmt::Debug for EventRecorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventRecorder")
            .field("source", &self.source)
            .finish_non_exhaustive()
    }
}

impl EventRecorder {
    /// A recorder posting through `client` (any `RestClient` of the server). Starts its sender
    /// task on the current Tokio runtime; the task ends when every handle is dropped.
    pub fn new(client: RestClient, config: EventRecorderConfig) -> Result<Self, Error> {
        if config.component.is_empty() {
            return Err(Error::InvalidEvent {
                reason: "the event source's component must not be empty".into(),
            });
        }
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| Error::NoRuntime {
            what: "record::EventRecorder::new",
        })?;
        let (tx, rx) = mpsc::channel(config.queue_capacity.max(1));
        let stats = Arc::new(Mutex::new(RecorderStats::default()));
        let source = EventSource {
            component: Some(config.component.clone()),
            host: Some(config.host.clone()).filter(|h| !h.is_empty()),
        };
        let sender = Sender {
            client,
            correlator: EventCorrelator::new(config.correlator),
            max_tries: config.max_tries.max(1),
            retry_interval: config.retry_interval,
            stats: stats.clone(),
        };
        runtime.spawn(sender.run(rx));
        Ok(Self { tx, source, stats })
    }

    /// Queues an event about `object` and returns at once (client-go's `Event`; format the
    /// message with `format!` for `Eventf`). A full queue drops it (see
    /// [`RecorderStats::dropped`]).
    pub fn event(&self, object: &ObjectReference, type_: EventType, reason: &str, message: &str) {
        let now = jiff::Timestamp::now();
        let namespace = object
            .namespace
            .clone()
            .filter(|ns| !ns.is_empty())
            .unwrap_or_else(|| "default".to_string());
        let name = correlator::event_name(object.name.as_deref().unwrap_or(""), now);
        let event = CoreEvent {
            api_version: "v1".into(),
            kind: "Event".into(),
            metadata: ObjectMeta::namespaced(namespace, name),
            involved_object: object.clone(),
            reason: Some(reason.to_string()),
            message: Some(message.to_string()),
            source: Some(self.source.clone()),
            first_timestamp: Some(Time(now)),
            last_timestamp: Some(Time(now)),
            count: Some(1),
            type_: Some(type_.as_str().to_string()),
            event_time: None,
            reporting_component: self.source.component.clone(),
            reporting_instance: self.source.host.clone(),
        };
        if self.tx.try_send(Message::Event(Box::new(event))).is_err() {
            self.stats
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .dropped += 1;
            tracing::warn!(reason, "event dropped: the recorder's queue is full");
        }
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

/// The background task: correlates and sends, in order.
struct Sender {
    client: RestClient,
    correlator: EventCorrelator,
    max_tries: u32,
    retry_interval: Duration,
    stats: Arc<Mutex<RecorderStats>>,
}

/// How one try ended.
enum Outcome {
    Done(Box<CoreEvent>),
    /// Not worth retrying (the server refused the request).
    GiveUp(kclient_rest::Error),
    Retry(kclient_rest::Error),
}

impl Sender {
    async fn run(mut self, mut rx: mpsc::Receiver<Message>) {
        while let Some(message) = rx.recv().await {
            match message {
                Message::Event(event) => self.record(*event).await,
                Message::Flush(done) => {
                    let _ = done.send(());
                }
            }
        }
    }

    fn count(&self, f: impl FnOnce(&mut RecorderStats)) {
        f(&mut self.stats.lock().unwrap_or_else(PoisonError::into_inner));
    }

    /// client-go's `recordToSink`: correlate, then try up to `max_tries` times.
    async fn record(&mut self, event: CoreEvent) {
        let now = jiff::Timestamp::now();
        let (event, patch) =
            match self
                .correlator
                .correlate(event, now, tokio::time::Instant::now())
            {
                Correlated::Skip => return self.count(|s| s.filtered += 1),
                Correlated::Create(event) => (event, None),
                Correlated::Patch { event, patch } => (event, Some(patch)),
            };
        let mut tries = 0;
        loop {
            tries += 1;
            match self.try_once(&event, patch.as_ref()).await {
                Outcome::Done(answer) => return self.correlator.update_state(&answer),
                Outcome::GiveUp(error) => {
                    tracing::warn!(%error, "server rejected the event; not retrying");
                    return self.count(|s| s.failed += 1);
                }
                Outcome::Retry(error) if tries >= self.max_tries => {
                    tracing::warn!(%error, tries, "cannot write the event; giving up");
                    return self.count(|s| s.failed += 1);
                }
                Outcome::Retry(error) => {
                    tracing::info!(%error, "cannot write the event; retrying");
                    let wait = if tries == 1 {
                        self.retry_interval.mul_f64(fastrand::f64())
                    } else {
                        self.retry_interval
                    };
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }

    /// client-go's `recordEvent`: patch a repeat (create it if it is gone), else create.
    async fn try_once(&self, event: &CoreEvent, patch: Option<&serde_json::Value>) -> Outcome {
        let namespace = event
            .metadata
            .namespace
            .clone()
            .unwrap_or_else(|| "default".into());
        if let Some(patch) = patch {
            let name = event.metadata.name.clone().unwrap_or_default();
            let result: Result<CoreEvent, _> = self
                .client
                .patch(PatchType::Strategic)
                .abs_path("/api/v1")
                .namespace(&namespace)
                .resource("events")
                .name(&name)
                .body(patch)
                .object()
                .await;
            match result {
                Ok(answer) => {
                    self.count(|s| s.patched += 1);
                    return Outcome::Done(Box::new(answer));
                }
                Err(e) if e.is_not_found() => {}
                Err(e) => return classify(e),
            }
        }
        let mut event = event.clone();
        event.metadata.resource_version = None;
        let result: Result<CoreEvent, _> = self
            .client
            .post()
            .abs_path("/api/v1")
            .namespace(&namespace)
            .resource("events")
            .body(&event)
            .object()
            .await;
        match result {
            Ok(answer) => {
                self.count(|s| s.created += 1);
                Outcome::Done(Box::new(answer))
            }
            Err(e) => classify(e),
        }
    }
}

/// client-go: an error status from the server (already exists, namespace terminating,
/// invalid, ...) is not retried; failures to reach the server are.
fn classify(error: kclient_rest::Error) -> Outcome {
    if error.status().is_some() || error.is_already_exists() {
        Outcome::GiveUp(error)
    } else {
        Outcome::Retry(error)
    }
}
