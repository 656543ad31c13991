//! The apply configurations of apimachinery's `meta/v1` types (client-go's
//! `applyconfigurations/meta/v1`): `ObjectMetaApplyConfiguration` and the types it and the API
//! refer to. Written by hand, since these types are hand-written in `kclient-apimachinery`;
//! re-exported by the generated `applyconfigurations::meta::v1`.

use kclient_apimachinery::VecMap;
use kclient_apimachinery::meta::Time;
use serde::{Deserialize, Serialize};

use super::WithObjectMeta;
use super::schema::{ListType, Shape, StructSchema};

/// Appends `values` to the list in `slot`, creating it if unset.
fn append<T>(slot: &mut Option<Vec<T>>, values: impl IntoIterator<Item = T>) {
    slot.get_or_insert_with(Vec::new).extend(values);
}

/// Adds `entries` to the map in `slot` (later keys overwrite), creating it if unset.
fn merge(
    slot: &mut Option<VecMap<String, String>>,
    entries: impl IntoIterator<Item = (impl Into<String>, impl Into<String>)>,
) {
    let map = slot.get_or_insert_with(VecMap::new);
    for (key, value) in entries {
        map.insert(key.into(), value.into());
    }
}

/// `metav1.ObjectMeta` as an apply configuration: every field optional, only the set ones
/// written. Its setters are those of [`WithObjectMeta`], which top-level kinds share.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectMetaApplyConfiguration {
    /// `name`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `generateName`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub generate_name: Option<String>,
    /// `namespace`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// `uid`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uid: Option<String>,
    /// `resourceVersion`: set it to make the apply fail on a conflict if the object changed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_version: Option<String>,
    /// `generation`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub generation: Option<i64>,
    /// `creationTimestamp`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub creation_timestamp: Option<Time>,
    /// `deletionTimestamp`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deletion_timestamp: Option<Time>,
    /// `deletionGracePeriodSeconds`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deletion_grace_period_seconds: Option<i64>,
    /// `labels`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub labels: Option<VecMap<String, String>>,
    /// `annotations`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub annotations: Option<VecMap<String, String>>,
    /// `ownerReferences`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner_references: Option<Vec<OwnerReferenceApplyConfiguration>>,
    /// `finalizers`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finalizers: Option<Vec<String>>,
}

impl ObjectMetaApplyConfiguration {
    /// An empty configuration (client-go's `ObjectMeta()`).
    pub fn new() -> Self {
        Self::default()
    }
}

impl WithObjectMeta for ObjectMetaApplyConfiguration {
    fn metadata_mut(&mut self) -> &mut ObjectMetaApplyConfiguration {
        self
    }
    fn metadata_ref(&self) -> Option<&ObjectMetaApplyConfiguration> {
        Some(self)
    }
}

/// Setters shared by [`WithObjectMeta`]'s provided methods.
pub(super) mod set {
    use super::*;

    pub fn labels(
        meta: &mut ObjectMetaApplyConfiguration,
        entries: impl IntoIterator<Item = (impl Into<String>, impl Into<String>)>,
    ) {
        merge(&mut meta.labels, entries);
    }
    pub fn annotations(
        meta: &mut ObjectMetaApplyConfiguration,
        entries: impl IntoIterator<Item = (impl Into<String>, impl Into<String>)>,
    ) {
        merge(&mut meta.annotations, entries);
    }
    pub fn owner_references(
        meta: &mut ObjectMetaApplyConfiguration,
        values: impl IntoIterator<Item = OwnerReferenceApplyConfiguration>,
    ) {
        append(&mut meta.owner_references, values);
    }
    pub fn finalizers(
        meta: &mut ObjectMetaApplyConfiguration,
        values: impl IntoIterator<Item = impl Into<String>>,
    ) {
        append(&mut meta.finalizers, values.into_iter().map(Into::into));
    }
}

/// `metav1.OwnerReference` as an apply configuration.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OwnerReferenceApplyConfiguration {
    /// `apiVersion` of the owner.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_version: Option<String>,
    /// `kind` of the owner.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// `name` of the owner.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `uid` of the owner.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uid: Option<String>,
    /// `controller`: the owner is the managing controller.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub controller: Option<bool>,
    /// `blockOwnerDeletion`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub block_owner_deletion: Option<bool>,
}

impl OwnerReferenceApplyConfiguration {
    /// An empty configuration (client-go's `OwnerReference()`).
    pub fn new() -> Self {
        Self::default()
    }
    /// Sets `apiVersion`.
    pub fn with_api_version(mut self, value: impl Into<String>) -> Self {
        self.api_version = Some(value.into());
        self
    }
    /// Sets `kind`.
    pub fn with_kind(mut self, value: impl Into<String>) -> Self {
        self.kind = Some(value.into());
        self
    }
    /// Sets `name`.
    pub fn with_name(mut self, value: impl Into<String>) -> Self {
        self.name = Some(value.into());
        self
    }
    /// Sets `uid`.
    pub fn with_uid(mut self, value: impl Into<String>) -> Self {
        self.uid = Some(value.into());
        self
    }
    /// Sets `controller`.
    pub fn with_controller(mut self, value: bool) -> Self {
        self.controller = Some(value);
        self
    }
    /// Sets `blockOwnerDeletion`.
    pub fn with_block_owner_deletion(mut self, value: bool) -> Self {
        self.block_owner_deletion = Some(value);
        self
    }
}

/// `metav1.LabelSelector` as an apply configuration (owned as a whole: the type is atomic).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LabelSelectorApplyConfiguration {
    /// `matchLabels`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub match_labels: Option<VecMap<String, String>>,
    /// `matchExpressions`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub match_expressions: Option<Vec<LabelSelectorRequirementApplyConfiguration>>,
}

impl LabelSelectorApplyConfiguration {
    /// An empty configuration (client-go's `LabelSelector()`).
    pub fn new() -> Self {
        Self::default()
    }
    /// Adds entries to `matchLabels` (later keys overwrite).
    pub fn with_match_labels(
        mut self,
        entries: impl IntoIterator<Item = (impl Into<String>, impl Into<String>)>,
    ) -> Self {
        merge(&mut self.match_labels, entries);
        self
    }
    /// Appends to `matchExpressions`.
    pub fn with_match_expressions(
        mut self,
        values: impl IntoIterator<Item = LabelSelectorRequirementApplyConfiguration>,
    ) -> Self {
        append(&mut self.match_expressions, values);
        self
    }
}

/// `metav1.LabelSelectorRequirement` as an apply configuration.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LabelSelectorRequirementApplyConfiguration {
    /// `key`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// `operator`: `In`, `NotIn`, `Exists` or `DoesNotExist`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operator: Option<String>,
    /// `values`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<String>>,
}

impl LabelSelectorRequirementApplyConfiguration {
    /// An empty configuration (client-go's `LabelSelectorRequirement()`).
    pub fn new() -> Self {
        Self::default()
    }
    /// Sets `key`.
    pub fn with_key(mut self, value: impl Into<String>) -> Self {
        self.key = Some(value.into());
        self
    }
    /// Sets `operator`.
    pub fn with_operator(mut self, value: impl Into<String>) -> Self {
        self.operator = Some(value.into());
        self
    }
    /// Appends to `values`.
    pub fn with_values(mut self, values: impl IntoIterator<Item = impl Into<String>>) -> Self {
        append(&mut self.values, values.into_iter().map(Into::into));
        self
    }
}

/// `metav1.Condition` as an apply configuration.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConditionApplyConfiguration {
    /// `type`.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub type_: Option<String>,
    /// `status`: `True`, `False` or `Unknown`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// `observedGeneration`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub observed_generation: Option<i64>,
    /// `lastTransitionTime`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_transition_time: Option<Time>,
    /// `reason`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// `message`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

impl ConditionApplyConfiguration {
    /// An empty configuration (client-go's `Condition()`).
    pub fn new() -> Self {
        Self::default()
    }
    /// Sets `type`.
    pub fn with_type(mut self, value: impl Into<String>) -> Self {
        self.type_ = Some(value.into());
        self
    }
    /// Sets `status`.
    pub fn with_status(mut self, value: impl Into<String>) -> Self {
        self.status = Some(value.into());
        self
    }
    /// Sets `observedGeneration`.
    pub fn with_observed_generation(mut self, value: i64) -> Self {
        self.observed_generation = Some(value);
        self
    }
    /// Sets `lastTransitionTime`.
    pub fn with_last_transition_time(mut self, value: Time) -> Self {
        self.last_transition_time = Some(value);
        self
    }
    /// Sets `reason`.
    pub fn with_reason(mut self, value: impl Into<String>) -> Self {
        self.reason = Some(value.into());
        self
    }
    /// Sets `message`.
    pub fn with_message(mut self, value: impl Into<String>) -> Self {
        self.message = Some(value.into());
        self
    }
}

/// The schema of `metav1.ObjectMeta`: owner references keyed by `uid`, finalizers a set,
/// labels and annotations owned key by key, managed fields atomic.
pub static OBJECT_META_SCHEMA: StructSchema = StructSchema {
    atomic: false,
    fields: &[
        ("annotations", Shape::Map(&Shape::Scalar)),
        ("finalizers", Shape::List(ListType::Set, &Shape::Scalar)),
        ("labels", Shape::Map(&Shape::Scalar)),
        (
            "managedFields",
            Shape::List(ListType::Atomic, &Shape::Scalar),
        ),
        (
            "ownerReferences",
            Shape::List(ListType::Map(&["uid"]), &Shape::Atomic),
        ),
    ],
};

/// The schema of `metav1.LabelSelector` (atomic).
pub static LABEL_SELECTOR_SCHEMA: StructSchema = StructSchema {
    atomic: true,
    fields: &[],
};

/// The schema of `metav1.LabelSelectorRequirement`.
pub static LABEL_SELECTOR_REQUIREMENT_SCHEMA: StructSchema = StructSchema {
    atomic: false,
    fields: &[("values", Shape::List(ListType::Atomic, &Shape::Scalar))],
};

/// The schema of `metav1.Condition` (plain values only).
pub static CONDITION_SCHEMA: StructSchema = StructSchema {
    atomic: false,
    fields: &[],
};

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn only_set_fields_are_written_and_setters_append_and_merge() {
        let meta = ObjectMetaApplyConfiguration::new()
            .with_name("web")
            .with_labels([("app", "web"), ("tier", "a")])
            .with_labels([("tier", "b")])
            .with_finalizers(["x"])
            .with_finalizers(["y"]);
        assert_eq!(
            serde_json::to_value(&meta).unwrap(),
            serde_json::json!({"name": "web", "labels": {"app": "web", "tier": "b"}, "finalizers": ["x", "y"]})
        );
        assert_eq!(
            serde_json::to_string(&LabelSelectorApplyConfiguration::new()).unwrap(),
            "{}"
        );
    }
}
