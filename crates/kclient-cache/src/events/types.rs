//! `events.k8s.io/v1` Event objects and the `ObjectReference` they point with.

use kclient_apimachinery::meta::{MicroTime, ObjectMeta};
use kclient_apimachinery::{HasObjectMeta, MetaAccessor, Resource, StaticResource};
use serde::{Deserialize, Serialize};

/// A reference to an object (core/v1 `ObjectReference`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectReference {
    /// The referent's `apiVersion`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_version: Option<String>,
    /// The referent's kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// The referent's namespace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// The referent's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The referent's uid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uid: Option<String>,
    /// The referent's resourceVersion.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_version: Option<String>,
    /// A field within the referent, such as `spec.containers{web}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field_path: Option<String>,
}

impl ObjectReference {
    /// A reference to `obj` of the statically typed resource `K`.
    pub fn of<K: MetaAccessor + Resource<DynamicType = ()>>(obj: &K) -> Self {
        Self::with_type(obj, &K::api_version(&()), &K::kind(&()))
    }

    /// A reference to `obj` with the given `apiVersion` and kind.
    pub fn with_type<K: MetaAccessor + ?Sized>(obj: &K, api_version: &str, kind: &str) -> Self {
        let s = |v: Option<&str>| v.filter(|v| !v.is_empty()).map(str::to_string);
        Self {
            api_version: s(Some(api_version)),
            kind: s(Some(kind)),
            namespace: s(obj.namespace()),
            name: s(obj.name()),
            uid: s(obj.uid()),
            resource_version: s(obj.resource_version()),
            field_path: None,
        }
    }
}

/// `events.k8s.io/v1` `EventSeries`: how often an event repeated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventSeries {
    /// How many times it happened (2 or more).
    pub count: i32,
    /// When it last happened.
    pub last_observed_time: MicroTime,
}

/// An `events.k8s.io/v1` Event.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    /// `events.k8s.io/v1`.
    #[serde(default)]
    pub api_version: String,
    /// `Event`.
    #[serde(default)]
    pub kind: String,
    /// The event's metadata.
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// When it first happened.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_time: Option<MicroTime>,
    /// Repetitions, if it happened more than once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub series: Option<EventSeries>,
    /// The controller that emitted it, such as `example.com/widget-controller`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reporting_controller: Option<String>,
    /// The controller instance, such as the pod name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reporting_instance: Option<String>,
    /// What was done (or failed), such as `Reconcile`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// Why, in UpperCamelCase, such as `ScalingReplicaSet`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The object the event is about.
    #[serde(default)]
    pub regarding: ObjectReference,
    /// A second object involved, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub related: Option<ObjectReference>,
    /// A human-readable description (at most 1 kB).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// `Normal` or `Warning`.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub type_: Option<String>,
}

impl HasObjectMeta for Event {
    fn meta(&self) -> &ObjectMeta {
        &self.metadata
    }
    fn meta_mut(&mut self) -> &mut ObjectMeta {
        &mut self.metadata
    }
}

impl StaticResource for Event {
    const GROUP: &'static str = "events.k8s.io";
    const VERSION: &'static str = "v1";
    const KIND: &'static str = "Event";
    const PLURAL: &'static str = "events";
    const NAMESPACED: bool = true;
}

/// The type of an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventType {
    /// Something expected happened.
    Normal,
    /// Something may need attention.
    Warning,
}

impl EventType {
    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Normal => "Normal",
            EventType::Warning => "Warning",
        }
    }
}
