//! Conversions between typed objects and [`Unstructured`] (apimachinery's
//! `runtime.DefaultUnstructuredConverter`). They go through JSON values, so nothing the typed
//! value serializes is lost, and unknown fields survive if the typed value keeps them (for
//! example with a `#[serde(flatten)]` map).

use kclient_apimachinery::Unstructured;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::Error;

/// A typed object as [`Unstructured`] (`ToUnstructured`). The value must serialize to a JSON
/// object.
pub fn to_unstructured<T: Serialize>(value: &T) -> Result<Unstructured, Error> {
    Unstructured::from_typed(value).map_err(|source| Error::Convert {
        what: format!("{} to Unstructured", std::any::type_name::<T>()),
        source,
    })
}

/// An [`Unstructured`] object as a typed one (`FromUnstructured`).
pub fn from_unstructured<T: DeserializeOwned>(object: &Unstructured) -> Result<T, Error> {
    object.to_typed().map_err(|source| Error::Convert {
        what: format!(
            "{} {:?} to {}",
            object.kind().unwrap_or("object"),
            object.name().unwrap_or_default(),
            std::any::type_name::<T>()
        ),
        source,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use std::collections::BTreeMap;

    use kclient_apimachinery::meta::ObjectMeta;
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct ConfigMap {
        api_version: String,
        kind: String,
        metadata: ObjectMeta,
        #[serde(default)]
        data: BTreeMap<String, String>,
        /// Fields this type does not model, kept as they are.
        #[serde(flatten)]
        rest: serde_json::Map<String, serde_json::Value>,
    }

    #[test]
    fn round_trips_without_losing_fields() {
        let original = serde_json::json!({
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "c", "namespace": "n", "labels": {"a": "b"},
                "annotations": {"x": "y"}, "resourceVersion": "12", "uid": "u-1"},
            "data": {"k": "v"},
            "binaryData": {"b": "AAE="},
            "immutable": true,
            "big": 9007199254740993u64,
            "float": 1.5
        });
        let u = Unstructured::from_value(original.clone()).unwrap();
        let typed: ConfigMap = from_unstructured(&u).unwrap();
        assert_eq!(typed.data["k"], "v");
        assert_eq!(typed.rest["immutable"], true);
        let back = to_unstructured(&typed).unwrap();
        assert_eq!(back.into_value(), original);
    }

    #[test]
    fn errors_name_the_object_and_type() {
        let u = Unstructured::from_value(
            serde_json::json!({"kind": "ConfigMap", "metadata": {"name": "c"}, "data": 3}),
        )
        .unwrap();
        let err = from_unstructured::<ConfigMap>(&u).unwrap_err();
        let text = err.to_string();
        assert!(
            text.starts_with("cannot convert ConfigMap \"c\" to "),
            "{text}"
        );
        assert!(std::error::Error::source(&err).is_some());
        assert!(to_unstructured(&3).is_err());
    }
}
