//! Recording events from a reconcile: kclient-cache's `events.k8s.io/v1` [`EventRecorder`]
//! (client-go's `tools/events`), with the object reference made from the typed object (controller-runtime's
//! `mgr.GetEventRecorderFor(name)`, kube-runtime's `events::Recorder`). Recording never blocks
//! and never fails the reconcile: a full queue drops the event (counted by the recorder).

use kclient_apimachinery::{MetaAccessor, Resource};
use kclient_cache::events::{EventRecorder, EventRecorderConfig, EventType, ObjectReference};
use kclient_rest::RestClient;

use crate::Error;

/// Records events about objects for one controller. Cheap to clone; put it in the context.
#[derive(Debug, Clone)]
pub struct Recorder {
    inner: EventRecorder,
}

impl Recorder {
    /// A recorder reporting as `controller` (such as `example.com/mirror`) from `instance`
    /// (such as the pod name), posting through `client` (any `RestClient` of the server).
    /// Starts the sender task on the current Tokio runtime.
    pub fn new(client: RestClient, controller: &str, instance: &str) -> Result<Self, Error> {
        let inner = EventRecorder::new(client, EventRecorderConfig::new(controller, instance))
            .map_err(|source| Error::Cache {
                controller: controller.to_string(),
                action: "start the event recorder",
                source: Box::new(source),
            })?;
        Ok(Self { inner })
    }

    /// The recorder underneath (stats, flush, events about untyped objects).
    pub fn inner(&self) -> &EventRecorder {
        &self.inner
    }

    /// Records an event of `type_` about `obj`: `reason` (CamelCase, such as `Created`),
    /// `action` (what was done, such as `CreateCopy`) and a human-readable `note`. An empty
    /// reason or action is logged and dropped.
    pub fn publish<K>(&self, obj: &K, type_: EventType, reason: &str, action: &str, note: &str)
    where
        K: MetaAccessor + Resource<DynamicType = ()>,
    {
        let regarding = ObjectReference::of(obj);
        if let Err(e) = self
            .inner
            .record(&regarding, None, type_, reason, action, note)
        {
            tracing::warn!(error = %e, "event not recorded");
        }
    }

    /// A `Normal` event about `obj`.
    pub fn normal<K>(&self, obj: &K, reason: &str, action: &str, note: &str)
    where
        K: MetaAccessor + Resource<DynamicType = ()>,
    {
        self.publish(obj, EventType::Normal, reason, action, note);
    }

    /// A `Warning` event about `obj`.
    pub fn warning<K>(&self, obj: &K, reason: &str, action: &str, note: &str)
    where
        K: MetaAccessor + Resource<DynamicType = ()>,
    {
        self.publish(obj, EventType::Warning, reason, action, note);
    }
}
