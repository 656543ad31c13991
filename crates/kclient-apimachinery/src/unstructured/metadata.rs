//! The metadata accessors of [`Unstructured`] (labels, annotations, finalizers, owners,
//! timestamps, the whole `ObjectMeta`) and its [`Resource`] and [`MetaAccessor`] impls.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

use super::Unstructured;
use crate::Error;
use crate::meta::{ObjectMeta, OwnerReference, Time};
use crate::resource::{ApiResource, MetaAccessor, Resource};

impl Unstructured {
    /// `metadata.generation`.
    pub fn generation(&self) -> Option<i64> {
        self.object.get("metadata")?.get("generation")?.as_i64()
    }

    /// `metadata.labels`; empty if absent or malformed (as Go's `GetLabels`).
    pub fn labels(&self) -> BTreeMap<String, String> {
        self.nested_string_map(&["metadata", "labels"])
            .ok()
            .flatten()
            .unwrap_or_default()
    }

    /// Replaces `metadata.labels` (an empty map removes the field).
    pub fn set_labels(&mut self, labels: &BTreeMap<String, String>) {
        self.set_string_map("labels", labels);
    }

    /// Sets one label, keeping the others.
    pub fn set_label(&mut self, key: &str, value: &str) {
        let mut labels = self.labels();
        labels.insert(key.to_string(), value.to_string());
        self.set_labels(&labels);
    }

    /// `metadata.annotations`; empty if absent or malformed.
    pub fn annotations(&self) -> BTreeMap<String, String> {
        self.nested_string_map(&["metadata", "annotations"])
            .ok()
            .flatten()
            .unwrap_or_default()
    }

    /// Replaces `metadata.annotations` (an empty map removes the field).
    pub fn set_annotations(&mut self, annotations: &BTreeMap<String, String>) {
        self.set_string_map("annotations", annotations);
    }

    fn set_string_map(&mut self, key: &str, map: &BTreeMap<String, String>) {
        if map.is_empty() {
            if let Some(Value::Object(meta)) = self.object.get_mut("metadata") {
                meta.remove(key);
            }
            return;
        }
        let value = map
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect();
        self.with_metadata(|m| {
            m.insert(key.to_string(), Value::Object(value));
        });
    }

    /// `metadata.finalizers`; empty if absent or malformed.
    pub fn finalizers(&self) -> Vec<String> {
        self.nested_string_slice(&["metadata", "finalizers"])
            .ok()
            .flatten()
            .unwrap_or_default()
    }

    /// Replaces `metadata.finalizers` (empty removes the field).
    pub fn set_finalizers(&mut self, finalizers: &[String]) {
        if finalizers.is_empty() {
            if let Some(Value::Object(meta)) = self.object.get_mut("metadata") {
                meta.remove("finalizers");
            }
            return;
        }
        let items = finalizers.iter().cloned().map(Value::String).collect();
        self.with_metadata(|m| {
            m.insert("finalizers".into(), Value::Array(items));
        });
    }

    /// `metadata.ownerReferences`; empty if absent or malformed.
    pub fn owner_references(&self) -> Vec<OwnerReference> {
        self.object
            .get("metadata")
            .and_then(|m| m.get("ownerReferences"))
            .and_then(|v| Vec::<OwnerReference>::deserialize(v).ok())
            .unwrap_or_default()
    }

    /// `metadata.creationTimestamp`, if present and well-formed.
    pub fn creation_timestamp(&self) -> Option<Time> {
        self.meta_str("creationTimestamp")
            .and_then(|s| Time::parse(s).ok())
    }

    /// `metadata.deletionTimestamp`, if present and well-formed.
    pub fn deletion_timestamp(&self) -> Option<Time> {
        self.meta_str("deletionTimestamp")
            .and_then(|s| Time::parse(s).ok())
    }

    /// The whole `metadata` decoded as [`ObjectMeta`] (default if absent).
    pub fn metadata(&self) -> Result<ObjectMeta, Error> {
        match self.object.get("metadata") {
            None | Some(Value::Null) => Ok(ObjectMeta::default()),
            Some(v) => ObjectMeta::deserialize(v)
                .map_err(|e| Error::convert("unstructured metadata to ObjectMeta", e)),
        }
    }

    /// Replaces the whole `metadata` with `meta`.
    pub fn set_metadata(&mut self, meta: &ObjectMeta) -> Result<(), Error> {
        let value = serde_json::to_value(meta)
            .map_err(|e| Error::convert("ObjectMeta to unstructured metadata", e))?;
        self.object.insert("metadata".into(), value);
        Ok(())
    }
}

/// Dynamic objects carry their type information at run time, in an [`ApiResource`].
impl Resource for Unstructured {
    type DynamicType = ApiResource;

    fn group(dt: &ApiResource) -> Cow<'_, str> {
        Cow::Borrowed(&dt.group)
    }
    fn version(dt: &ApiResource) -> Cow<'_, str> {
        Cow::Borrowed(&dt.version)
    }
    fn kind(dt: &ApiResource) -> Cow<'_, str> {
        Cow::Borrowed(&dt.kind)
    }
    fn plural(dt: &ApiResource) -> Cow<'_, str> {
        Cow::Borrowed(&dt.plural)
    }
    fn namespaced(dt: &ApiResource) -> bool {
        dt.namespaced
    }
}

impl MetaAccessor for Unstructured {
    fn name(&self) -> Option<&str> {
        Unstructured::name(self)
    }
    fn namespace(&self) -> Option<&str> {
        Unstructured::namespace(self)
    }
    fn resource_version(&self) -> Option<&str> {
        Unstructured::resource_version(self)
    }
    fn uid(&self) -> Option<&str> {
        Unstructured::uid(self)
    }
    fn generation(&self) -> Option<i64> {
        Unstructured::generation(self)
    }
    fn labels(&self) -> Cow<'_, crate::VecMap<String, String>> {
        Cow::Owned(Unstructured::labels(self).into())
    }
    fn annotations(&self) -> Cow<'_, crate::VecMap<String, String>> {
        Cow::Owned(Unstructured::annotations(self).into())
    }
    fn deletion_timestamp(&self) -> Option<Time> {
        Unstructured::deletion_timestamp(self)
    }
    fn set_name(&mut self, name: &str) {
        Unstructured::set_name(self, name);
    }
    fn set_namespace(&mut self, namespace: &str) {
        Unstructured::set_namespace(self, namespace);
    }
    fn set_resource_version(&mut self, resource_version: &str) {
        Unstructured::set_resource_version(self, resource_version);
    }
}
