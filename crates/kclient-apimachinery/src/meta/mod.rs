//! `meta/v1` types every object carries or refers to: [`TypeMeta`], [`ObjectMeta`], [`ListMeta`],
//! [`LabelSelector`], [`Condition`], [`PartialObjectMetadata`], [`OwnerReference`], [`Preconditions`], and the time types
//! [`Time`], [`MicroTime`] and [`Duration`] — field names and wire forms as in Kubernetes v1.36.
//!
//! Optional fields are `Option` (or empty collections) and are left out when serializing;
//! unknown fields are ignored and `null` collections read as empty, as Go's decoder does.

mod condition;
mod duration;
mod fields_v1;
mod label_selector;
mod list_meta;
mod object_meta;
mod partial;
mod preconditions;
mod serde_util;
mod time;

pub use condition::Condition;
pub use duration::Duration;
pub use fields_v1::FieldsV1;
pub use label_selector::{LabelSelector, LabelSelectorRequirement};
pub use list_meta::{ListMeta, ShardInfo};
pub use object_meta::{ManagedFieldsEntry, ObjectMeta, OwnerReference, TypeMeta};
pub use partial::{
    META_V1, PARTIAL_OBJECT_METADATA_ACCEPT, PARTIAL_OBJECT_METADATA_LIST_ACCEPT,
    PartialObjectMetadata, PartialObjectMetadataList,
};
pub use preconditions::Preconditions;
pub use time::{MicroTime, Time};
