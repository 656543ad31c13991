//! Per-type behaviour the real registry hard-codes: defaulting ([`defaults`]) and immutable
//! fields ([`immutable`]) of built-in resources, and the CRD lifecycle and schema handling of
//! custom resources, combined in [`rules`].

pub mod defaults;
pub mod immutable;

use serde_json::Value;

use crate::api::status::FieldError;
use crate::registry::Resource;

/// The per-type part of create and update (`old` is the stored object on updates): CRD
/// lifecycle, and schema pruning and validation of custom objects.
pub fn rules(res: &Resource, obj: &mut Value, old: Option<&Value>) -> Vec<FieldError> {
    if res.is_crd() {
        return crate::crd::lifecycle::prepare(obj, old);
    }
    if let Some(schema) = res.crd.and_then(|c| c.schema.as_ref()) {
        crate::crd::schema::prune(schema, obj);
        return crate::crd::schema::validate(schema, obj);
    }
    if res.is_custom() {
        return Vec::new();
    }
    if let Some(old) = old
        && res.group.is_empty()
        && res.name() == "services"
    {
        // The allocated values stay when an update leaves them out (`patchAllocatedValues`).
        for f in ["clusterIP", "clusterIPs", "ipFamilies", "ipFamilyPolicy"] {
            let missing = obj
                .pointer(&format!("/spec/{f}"))
                .is_none_or(Value::is_null);
            if let Some(v) = old.pointer(&format!("/spec/{f}")).filter(|_| missing)
                && obj.get("spec").is_some_and(Value::is_object)
            {
                obj["spec"][f] = v.clone();
            }
        }
    }
    crate::types::defaults::apply(res.group, res.name(), obj, old.is_none());
    match old {
        Some(old) => crate::types::immutable::check(res.group, res.name(), old, obj),
        None => Vec::new(),
    }
}
