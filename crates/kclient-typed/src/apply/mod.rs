//! Apply configurations: the hand-written half of client-go's `applyconfigurations` package.
//!
//! The generated half is [`crate::applyconfigurations`]: one `<Type>ApplyConfiguration` per
//! API type, every field optional, built with `with_<field>` setters, serialized with only
//! the fields that were set (what server-side apply needs: the fields you send are the fields
//! you claim). This module holds what they share:
//!
//! - [`ApplyConfiguration`]: implemented by the configurations of top-level kinds; it ties a
//!   configuration to its object type, which is how
//!   [`ResourceClient::apply_config`](crate::ResourceClient::apply_config) takes them, and
//!   gives [`ApplyConfiguration::extract`] (client-go's `Extract<Kind>`).
//! - [`WithObjectMeta`]: the metadata setters of top-level kinds (`with_name`,
//!   `with_labels`, …), as client-go puts them on every kind.
//! - [`meta`]: `ObjectMetaApplyConfiguration` and the other apimachinery `meta/v1` types.
//! - [`schema`] and [`extract`]: what extraction knows of each type, and the walk over
//!   `managedFields`.

pub mod extract;
pub mod meta;
pub mod schema;

use kclient_apimachinery::meta::Time;
pub use kclient_apimachinery::options::ApplyOptions;
use kclient_apimachinery::resource::HasObjectMeta;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

pub use meta::{ObjectMetaApplyConfiguration, OwnerReferenceApplyConfiguration};
pub use schema::{ListType, Shape, StructSchema};

use crate::{Error, TypeInfo};

/// The metadata setters of an apply configuration with `metadata` (client-go generates them
/// on every top-level kind: `WithName`, `WithLabels`, …). Maps merge, lists append.
pub trait WithObjectMeta: Sized {
    /// The metadata, created empty if unset.
    fn metadata_mut(&mut self) -> &mut ObjectMetaApplyConfiguration;
    /// The metadata, if set.
    fn metadata_ref(&self) -> Option<&ObjectMetaApplyConfiguration>;

    /// `metadata.name`, if set (client-go's `GetName`).
    fn name(&self) -> Option<&str> {
        self.metadata_ref().and_then(|m| m.name.as_deref())
    }
    /// `metadata.namespace`, if set (client-go's `GetNamespace`).
    fn namespace(&self) -> Option<&str> {
        self.metadata_ref().and_then(|m| m.namespace.as_deref())
    }
    /// Sets `metadata.name`.
    fn with_name(mut self, name: impl Into<String>) -> Self {
        self.metadata_mut().name = Some(name.into());
        self
    }
    /// Sets `metadata.generateName`.
    fn with_generate_name(mut self, prefix: impl Into<String>) -> Self {
        self.metadata_mut().generate_name = Some(prefix.into());
        self
    }
    /// Sets `metadata.namespace`.
    fn with_namespace(mut self, namespace: impl Into<String>) -> Self {
        self.metadata_mut().namespace = Some(namespace.into());
        self
    }
    /// Sets `metadata.uid`.
    fn with_uid(mut self, uid: impl Into<String>) -> Self {
        self.metadata_mut().uid = Some(uid.into());
        self
    }
    /// Sets `metadata.resourceVersion` (the apply then fails if the object changed since).
    fn with_resource_version(mut self, version: impl Into<String>) -> Self {
        self.metadata_mut().resource_version = Some(version.into());
        self
    }
    /// Sets `metadata.generation`.
    fn with_generation(mut self, generation: i64) -> Self {
        self.metadata_mut().generation = Some(generation);
        self
    }
    /// Sets `metadata.creationTimestamp`.
    fn with_creation_timestamp(mut self, time: Time) -> Self {
        self.metadata_mut().creation_timestamp = Some(time);
        self
    }
    /// Sets `metadata.deletionTimestamp`.
    fn with_deletion_timestamp(mut self, time: Time) -> Self {
        self.metadata_mut().deletion_timestamp = Some(time);
        self
    }
    /// Sets `metadata.deletionGracePeriodSeconds`.
    fn with_deletion_grace_period_seconds(mut self, seconds: i64) -> Self {
        self.metadata_mut().deletion_grace_period_seconds = Some(seconds);
        self
    }
    /// Adds labels (later calls overwrite equal keys).
    fn with_labels(
        mut self,
        entries: impl IntoIterator<Item = (impl Into<String>, impl Into<String>)>,
    ) -> Self {
        meta::set::labels(self.metadata_mut(), entries);
        self
    }
    /// Adds annotations (later calls overwrite equal keys).
    fn with_annotations(
        mut self,
        entries: impl IntoIterator<Item = (impl Into<String>, impl Into<String>)>,
    ) -> Self {
        meta::set::annotations(self.metadata_mut(), entries);
        self
    }
    /// Appends owner references.
    fn with_owner_references(
        mut self,
        values: impl IntoIterator<Item = OwnerReferenceApplyConfiguration>,
    ) -> Self {
        meta::set::owner_references(self.metadata_mut(), values);
        self
    }
    /// Appends finalizers.
    fn with_finalizers(mut self, values: impl IntoIterator<Item = impl Into<String>>) -> Self {
        meta::set::finalizers(self.metadata_mut(), values);
        self
    }
}

/// The apply configuration of a top-level kind: what
/// [`ResourceClient::apply_config`](crate::ResourceClient::apply_config) sends, and what
/// [`ApplyConfiguration::extract`] builds from a live object.
pub trait ApplyConfiguration: Serialize + DeserializeOwned + WithObjectMeta {
    /// The object type this configures (`Deployment` for `DeploymentApplyConfiguration`).
    type Object: HasObjectMeta + TypeInfo + Serialize;

    /// The structure of the object (list types, atomic values) that extraction follows.
    fn schema() -> &'static StructSchema;

    /// The fields of `object` that `field_manager` owns through apply on `subresource`
    /// (`""` for the object itself, `"status"`, `"scale"`), as a configuration: client-go's
    /// `Extract<Kind>From`. Name, namespace, kind and apiVersion are always set. Fields
    /// another manager took over (by a forced apply or an update) are not included; without
    /// an `Apply` entry of that manager only those four are set.
    ///
    /// Apply the result back (changed) to update exactly the fields you manage.
    fn extract_from(
        object: &Self::Object,
        field_manager: &str,
        subresource: &str,
    ) -> Result<Self, Error> {
        let kind = <Self::Object as TypeInfo>::KIND;
        let failed = |message: String| Error::Extract { kind, message };
        let meta = object.meta();
        let entry = meta.managed_fields.iter().find(|entry| {
            entry.manager.as_deref() == Some(field_manager)
                && entry.operation.as_deref() == Some("Apply")
                && entry.subresource.as_deref().unwrap_or("") == subresource
        });
        let mut owned = match entry.and_then(|e| e.fields_v1.as_ref()) {
            Some(fields) => {
                let fields = fields
                    .to_value()
                    .map_err(|e| failed(format!("the managed fields are not JSON: {e}")))?;
                let value = serde_json::to_value(object)
                    .map_err(|e| failed(format!("cannot encode the object: {e}")))?;
                extract::owned_fields(&value, &fields, Shape::Struct(Self::schema()))
                    .map_err(|e| failed(format!("in the managed fields: {e}")))?
            }
            None => Value::Object(serde_json::Map::new()),
        };
        if let Value::Object(map) = &mut owned {
            let type_meta = [
                ("apiVersion", <Self::Object as TypeInfo>::API_VERSION),
                ("kind", kind),
            ];
            for (key, value) in type_meta {
                map.insert(key.to_string(), Value::String(value.to_string()));
            }
            let names = [("name", &meta.name), ("namespace", &meta.namespace)];
            let metadata = map
                .entry("metadata")
                .or_insert_with(|| Value::Object(serde_json::Map::new()));
            if let Value::Object(metadata) = metadata {
                for (key, value) in names {
                    if let Some(value) = value {
                        metadata.insert(key.to_string(), Value::String(value.clone()));
                    }
                }
            }
        }
        serde_json::from_value(owned)
            .map_err(|e| failed(format!("the owned fields do not decode: {e}")))
    }

    /// [`ApplyConfiguration::extract_from`] of the object itself: client-go's
    /// `Extract<Kind>(obj, fieldManager)`.
    fn extract(object: &Self::Object, field_manager: &str) -> Result<Self, Error> {
        Self::extract_from(object, field_manager, "")
    }

    /// [`ApplyConfiguration::extract_from`] of the `status` subresource: client-go's
    /// `Extract<Kind>Status`.
    fn extract_status(object: &Self::Object, field_manager: &str) -> Result<Self, Error> {
        Self::extract_from(object, field_manager, "status")
    }
}
