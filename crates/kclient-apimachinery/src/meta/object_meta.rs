//! `TypeMeta`, `ObjectMeta` and the types it holds (`OwnerReference`, `ManagedFieldsEntry`): the
//! metadata every persisted Kubernetes object carries, field for field as in v1.36.

use crate::VecMap;

use serde::{Deserialize, Serialize};

use super::serde_util::{null_to_default, null_to_empty_vec};
use super::{FieldsV1, Time};

/// `apiVersion` and `kind`, the two fields that say what an object is (`metav1.TypeMeta`).
///
/// Typed objects usually `#[serde(flatten)]` this; both fields are omitted when empty.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TypeMeta {
    /// The group/version, such as `apps/v1` or `v1`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub api_version: String,
    /// The kind, such as `Deployment`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub kind: String,
}

impl TypeMeta {
    /// Builds a `TypeMeta` from an `apiVersion` and a kind.
    pub fn new(api_version: impl Into<String>, kind: impl Into<String>) -> Self {
        Self {
            api_version: api_version.into(),
            kind: kind.into(),
        }
    }
}

/// `metav1.ObjectMeta`: name, namespace, labels, ownership and the server-maintained bookkeeping of
/// an object. Every field of v1.36 is here; optional ones are `None`/empty and omitted on the wire.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectMeta {
    /// The object's name, unique within its namespace (or cluster, for cluster-scoped kinds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// A prefix from which the server generates a unique name when `name` is empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generate_name: Option<String>,
    /// The namespace; empty for cluster-scoped objects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Deprecated and no longer set by the server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub self_link: Option<String>,
    /// The server-assigned unique id, stable for the object's lifetime.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uid: Option<String>,
    /// An opaque version for optimistic concurrency and watches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_version: Option<String>,
    /// A sequence number for the desired state, bumped by the server on spec changes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generation: Option<i64>,
    /// When the object was created (server time, second precision).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creation_timestamp: Option<Time>,
    /// When graceful deletion was requested to finish; set by the server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deletion_timestamp: Option<Time>,
    /// Seconds allowed for graceful termination; set together with `deletion_timestamp`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deletion_grace_period_seconds: Option<i64>,
    /// Identifying key/value pairs, matched by label selectors.
    #[serde(
        default,
        deserialize_with = "null_to_default",
        skip_serializing_if = "VecMap::is_empty"
    )]
    pub labels: VecMap<String, String>,
    /// Non-identifying key/value metadata for tools.
    #[serde(
        default,
        deserialize_with = "null_to_default",
        skip_serializing_if = "VecMap::is_empty"
    )]
    pub annotations: VecMap<String, String>,
    /// The objects this one depends on (garbage collection).
    #[serde(
        default,
        deserialize_with = "null_to_empty_vec",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub owner_references: Vec<OwnerReference>,
    /// Names of the controllers that must finish before the object is deleted.
    #[serde(
        default,
        deserialize_with = "null_to_empty_vec",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub finalizers: Vec<String>,
    /// Which field manager owns which fields (server-side apply bookkeeping).
    #[serde(
        default,
        deserialize_with = "null_to_empty_vec",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub managed_fields: Vec<ManagedFieldsEntry>,
}

impl ObjectMeta {
    /// Metadata with just a name.
    pub fn named(name: impl Into<String>) -> Self {
        Self {
            name: Some(name.into()),
            ..Self::default()
        }
    }

    /// Metadata with a namespace and a name.
    pub fn namespaced(namespace: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            name: Some(name.into()),
            namespace: Some(namespace.into()),
            ..Self::default()
        }
    }
}

/// `metav1.OwnerReference`: a pointer to an object this one depends on.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OwnerReference {
    /// The owner's `apiVersion`.
    #[serde(default)]
    pub api_version: String,
    /// The owner's kind.
    #[serde(default)]
    pub kind: String,
    /// The owner's name.
    #[serde(default)]
    pub name: String,
    /// The owner's uid.
    #[serde(default)]
    pub uid: String,
    /// Whether the owner is the managing controller (at most one owner may be).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub controller: Option<bool>,
    /// Whether foreground deletion of the owner waits for this object to be deleted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub block_owner_deletion: Option<bool>,
}

/// `metav1.ManagedFieldsEntry`: one field manager's ownership record.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ManagedFieldsEntry {
    /// The manager's name, such as `kubectl-client-side-apply`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manager: Option<String>,
    /// `Apply` or `Update`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation: Option<String>,
    /// The version of the schema the field set is expressed in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_version: Option<String>,
    /// When the entry was last changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<Time>,
    /// The format of `fields_v1`; only `FieldsV1` exists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fields_type: Option<String>,
    /// The owned field set, an opaque trie in JSON form (`f:spec`, `k:{...}`, ...), kept as
    /// its JSON text ([`FieldsV1::to_value`] parses it).
    #[serde(default, rename = "fieldsV1", skip_serializing_if = "Option::is_none")]
    pub fields_v1: Option<FieldsV1>,
    /// The subresource the entry applies to, such as `status`; empty for the main resource.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subresource: Option<String>,
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn object_meta_round_trips_every_field() {
        let json = serde_json::json!({
            "name": "web",
            "generateName": "web-",
            "namespace": "default",
            "selfLink": "/x",
            "uid": "u-1",
            "resourceVersion": "42",
            "generation": 3,
            "creationTimestamp": "2024-01-02T03:04:05Z",
            "deletionTimestamp": "2024-01-02T03:05:05Z",
            "deletionGracePeriodSeconds": 30,
            "labels": {"app": "web"},
            "annotations": {"a": "b"},
            "ownerReferences": [{
                "apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "rs", "uid": "u-0",
                "controller": true, "blockOwnerDeletion": true
            }],
            "finalizers": ["f"],
            "managedFields": [{
                "manager": "m", "operation": "Apply", "apiVersion": "v1",
                "time": "2024-01-02T03:04:05Z", "fieldsType": "FieldsV1",
                "fieldsV1": {"f:metadata": {"f:labels": {".": {}}}}, "subresource": "status"
            }]
        });
        let meta: ObjectMeta = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(meta.generation, Some(3));
        assert_eq!(meta.owner_references[0].controller, Some(true));
        assert_eq!(serde_json::to_value(&meta).unwrap(), json);
    }

    #[test]
    fn empty_meta_serializes_to_empty_object_and_tolerates_nulls_and_unknowns() {
        assert_eq!(serde_json::to_string(&ObjectMeta::default()).unwrap(), "{}");
        let meta: ObjectMeta = serde_json::from_str(
            r#"{"name":"a","labels":null,"finalizers":null,"futureField":{"x":1}}"#,
        )
        .unwrap();
        assert_eq!(meta, ObjectMeta::named("a"));
        let meta = ObjectMeta::namespaced("ns", "n");
        assert_eq!(
            serde_json::to_string(&meta).unwrap(),
            r#"{"name":"n","namespace":"ns"}"#
        );
    }

    #[test]
    fn type_meta_omits_empty_fields() {
        assert_eq!(serde_json::to_string(&TypeMeta::default()).unwrap(), "{}");
        assert_eq!(
            serde_json::to_string(&TypeMeta::new("v1", "Pod")).unwrap(),
            r#"{"apiVersion":"v1","kind":"Pod"}"#
        );
    }
}
