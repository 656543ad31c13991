//! `PartialObjectMetadata` and `PartialObjectMetadataList` (`meta.k8s.io/v1`): an object, or a
//! list of objects, reduced to `apiVersion`, `kind` and `metadata` — what the server sends for
//! `Accept: application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1`, and what client-go's
//! `metadata` client and `metadatainformer` work with.
//!
//! Decoding ignores every other field, so a full object decodes to its metadata too (the
//! fallback client-go uses when a server ignores the `as=` parameter).

use serde::{Deserialize, Serialize};

use super::serde_util::null_to_empty_vec;
use super::{ListMeta, ObjectMeta, TypeMeta};
use crate::HasObjectMeta;

/// The `apiVersion` of the metadata-only kinds.
pub const META_V1: &str = "meta.k8s.io/v1";

/// The `Accept` header asking for one object (or each watch event's object) as
/// `PartialObjectMetadata`, with plain JSON as the fallback for servers that cannot transform
/// (client-go's metadata client, without its protobuf entry: kclient decodes JSON).
pub const PARTIAL_OBJECT_METADATA_ACCEPT: &str =
    "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json";

/// The `Accept` header asking for a list as `PartialObjectMetadataList` (the server refuses the
/// single form on a list with 406), with plain JSON as the fallback.
pub const PARTIAL_OBJECT_METADATA_LIST_ACCEPT: &str =
    "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json";

/// `metav1.PartialObjectMetadata`: an object's metadata, without spec or status.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PartialObjectMetadata {
    /// `meta.k8s.io/v1` as the server sends it (empty after a fallback decode).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub api_version: String,
    /// `PartialObjectMetadata` as the server sends it (empty after a fallback decode).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub kind: String,
    /// The object's metadata.
    #[serde(default)]
    pub metadata: ObjectMeta,
}

impl PartialObjectMetadata {
    /// Metadata-only form of an object with `metadata`, typed as `meta.k8s.io/v1`.
    pub fn new(metadata: ObjectMeta) -> Self {
        Self {
            api_version: META_V1.to_string(),
            kind: "PartialObjectMetadata".to_string(),
            metadata,
        }
    }

    /// `apiVersion` and `kind`.
    pub fn type_meta(&self) -> TypeMeta {
        TypeMeta::new(self.api_version.clone(), self.kind.clone())
    }

    /// Whether the metadata looks like an object's (client-go's `isLikelyObjectMetadata`): at
    /// least one of uid, creationTimestamp, name or generateName is set.
    pub fn is_likely_object_metadata(&self) -> bool {
        let m = &self.metadata;
        m.uid.as_deref().is_some_and(|s| !s.is_empty())
            || m.creation_timestamp.is_some()
            || m.name.as_deref().is_some_and(|s| !s.is_empty())
            || m.generate_name.as_deref().is_some_and(|s| !s.is_empty())
    }
}

impl HasObjectMeta for PartialObjectMetadata {
    fn meta(&self) -> &ObjectMeta {
        &self.metadata
    }
    fn meta_mut(&mut self) -> &mut ObjectMeta {
        &mut self.metadata
    }
}

/// `metav1.PartialObjectMetadataList`: a list of [`PartialObjectMetadata`].
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PartialObjectMetadataList {
    /// `meta.k8s.io/v1` as the server sends it.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub api_version: String,
    /// `PartialObjectMetadataList` as the server sends it.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub kind: String,
    /// The list's metadata (resourceVersion, continue, remainingItemCount).
    #[serde(default)]
    pub metadata: ListMeta,
    /// The items (`null` reads as empty).
    #[serde(default, deserialize_with = "null_to_empty_vec")]
    pub items: Vec<PartialObjectMetadata>,
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::MetaAccessor;

    #[test]
    fn full_objects_decode_to_their_metadata() {
        let cm = serde_json::json!({
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "a", "namespace": "ns", "resourceVersion": "5", "labels": {"x": "y"}},
            "data": {"big": "value"}
        });
        let p: PartialObjectMetadata = serde_json::from_value(cm).unwrap();
        assert_eq!(p.namespaced_key(), "ns/a");
        assert_eq!(p.resource_version(), Some("5"));
        assert_eq!(p.kind, "ConfigMap");
        assert!(p.is_likely_object_metadata());
        let empty: PartialObjectMetadata = serde_json::from_str(r#"{"spec":{}}"#).unwrap();
        assert!(!empty.is_likely_object_metadata());
        let out = serde_json::to_value(PartialObjectMetadata::new(ObjectMeta::named("b"))).unwrap();
        assert_eq!(
            out,
            serde_json::json!({"apiVersion": "meta.k8s.io/v1", "kind": "PartialObjectMetadata", "metadata": {"name": "b"}})
        );
    }

    #[test]
    fn lists() {
        let l: PartialObjectMetadataList = serde_json::from_str(
            r#"{"kind":"PartialObjectMetadataList","apiVersion":"meta.k8s.io/v1","metadata":{"resourceVersion":"9","continue":"t"},"items":null}"#,
        )
        .unwrap();
        assert!(l.items.is_empty());
        assert_eq!(l.metadata.continue_token(), Some("t"));
    }
}
