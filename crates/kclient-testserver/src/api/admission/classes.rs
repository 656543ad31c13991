//! DefaultStorageClass (`plugin/pkg/admission/storage/storageclass/setdefault`) and
//! DefaultIngressClass (`plugin/pkg/admission/network/defaultingressclass`): a new
//! PersistentVolumeClaim without `spec.storageClassName` gets the StorageClass annotated
//! `storageclass.kubernetes.io/is-default-class: "true"`, a new Ingress without
//! `spec.ingressClassName` (nor the deprecated `kubernetes.io/ingress.class` annotation) the IngressClass annotated `ingressclass.kubernetes.io/is-default-class:
//! "true"`. With several defaults the newest wins (then the name), as the real plugins pick.

use serde_json::{Value, json};

use crate::api::objects::meta_str;
use crate::store::{Prefix, Txn};

/// The name of the newest object of `group/resource` carrying `annotation: "true"`.
fn default_of(txn: &Txn<'_>, group: &str, resource: &str, annotation: &str) -> Option<String> {
    let pointer = format!("/metadata/annotations/{}", annotation.replace('/', "~1"));
    txn.list(&Prefix::new(group, resource, None))
        .into_iter()
        .filter(|o| o.pointer(&pointer).and_then(Value::as_str) == Some("true"))
        .max_by(|a, b| {
            (meta_str(a, "creationTimestamp"), meta_str(b, "name"))
                .cmp(&(meta_str(b, "creationTimestamp"), meta_str(a, "name")))
        })
        .map(|o| meta_str(&o, "name").to_string())
}

fn set_if_missing(obj: &mut Value, field: &str, value: Option<String>) {
    let Some(value) = value else { return };
    let Some(spec) = obj.get_mut("spec").and_then(Value::as_object_mut) else {
        return;
    };
    // An explicit "" means "no class" for claims; only an absent (or null) field is defaulted.
    if spec.get(field).is_none_or(Value::is_null) {
        spec.insert(field.into(), json!(value));
    }
}

/// DefaultStorageClass on a new claim.
pub fn default_storage_class(txn: &Txn<'_>, pvc: &mut Value) {
    let class = default_of(
        txn,
        "storage.k8s.io",
        "storageclasses",
        "storageclass.kubernetes.io/is-default-class",
    );
    set_if_missing(pvc, "storageClassName", class);
}

/// DefaultIngressClass on a new ingress.
pub fn default_ingress_class(txn: &Txn<'_>, ingress: &mut Value) {
    // An ingress naming its class with the deprecated annotation is left alone.
    if ingress
        .pointer("/metadata/annotations/kubernetes.io~1ingress.class")
        .is_some()
    {
        return;
    }
    let class = default_of(
        txn,
        "networking.k8s.io",
        "ingressclasses",
        "ingressclass.kubernetes.io/is-default-class",
    );
    set_if_missing(ingress, "ingressClassName", class);
}
