//! Memory of decoded objects without any client or cache: 100,000 ConfigMaps (as the informer
//! receives them) decoded from memory into a `Vec`, whole or only their `managedFields[0]
//! .fieldsV1`, and held; plus the inline sizes of the main types. No server involved.

use std::hint::black_box;

use k8s_openapi::api::core::v1::{ConfigMap as KubeConfigMap, Pod as KubePod};
use kclient_typed::api::core::v1::{ConfigMap, Pod};
use serde::de::DeserializeOwned;

use super::{BoxError, Figures};
use crate::fixtures::{CONFIG_MAPS, config_map};
use crate::measure::rss_kib;

/// Decodes `CONFIG_MAPS` objects from the serialized `part` of each ConfigMap as `T`, holds
/// them, and reports the resident memory they add.
fn held<T: DeserializeOwned>(
    part: impl Fn(serde_json::Value) -> serde_json::Value,
) -> Result<Figures, BoxError> {
    let inputs: Vec<Vec<u8>> = (0..CONFIG_MAPS)
        .map(|i| serde_json::to_vec(&part(config_map(i))))
        .collect::<Result<_, _>>()?;
    let base = rss_kib();
    let decoded: Vec<T> = inputs
        .iter()
        .map(|bytes| serde_json::from_slice(bytes))
        .collect::<Result<_, _>>()?;
    let held = rss_kib();
    black_box(decoded);
    Ok(vec![("base_kib", base as f64), ("held_kib", held as f64)])
}

/// Whole ConfigMaps into kclient-typed's `ConfigMap`.
pub fn configmap_kclient() -> Result<Figures, BoxError> {
    held::<ConfigMap>(|cm| cm)
}

/// Whole ConfigMaps into k8s-openapi's `ConfigMap` (kube-rs).
pub fn configmap_kube() -> Result<Figures, BoxError> {
    held::<KubeConfigMap>(|cm| cm)
}

/// Only each ConfigMap's `fieldsV1` (a `serde_json::Value` in both libraries).
pub fn fields_v1() -> Result<Figures, BoxError> {
    held::<serde_json::Value>(|cm| cm["metadata"]["managedFields"][0]["fieldsV1"].clone())
}

/// The inline (stack) sizes of the main types of both libraries, in bytes.
pub fn type_sizes() -> Vec<(&'static str, usize, usize)> {
    use k8s_openapi::api::core::v1 as ko;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1 as kom;
    use kclient_typed::api::core::v1 as kc;
    use std::mem::size_of;
    vec![
        ("Pod", size_of::<Pod>(), size_of::<KubePod>()),
        (
            "PodSpec",
            size_of::<kc::PodSpec>(),
            size_of::<ko::PodSpec>(),
        ),
        (
            "PodStatus",
            size_of::<kc::PodStatus>(),
            size_of::<ko::PodStatus>(),
        ),
        (
            "Container",
            size_of::<kc::Container>(),
            size_of::<ko::Container>(),
        ),
        (
            "ContainerStatus",
            size_of::<kc::ContainerStatus>(),
            size_of::<ko::ContainerStatus>(),
        ),
        ("Volume", size_of::<kc::Volume>(), size_of::<ko::Volume>()),
        (
            "ObjectMeta",
            size_of::<kclient_apimachinery::meta::ObjectMeta>(),
            size_of::<kom::ObjectMeta>(),
        ),
        (
            "ManagedFieldsEntry",
            size_of::<kclient_apimachinery::meta::ManagedFieldsEntry>(),
            size_of::<kom::ManagedFieldsEntry>(),
        ),
        (
            "ConfigMap",
            size_of::<ConfigMap>(),
            size_of::<KubeConfigMap>(),
        ),
    ]
}
