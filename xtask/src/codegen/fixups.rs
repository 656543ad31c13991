//! Corrections to the spec, all in one place (as k8s-openapi's `fixups` module): where the spec
//! says something the API server does not do, or something the Rust types cannot express.
//! Fix the spec here, never in the generated output.

use super::model::{Model, RustType, TypeBody};
use super::resources::{ResourceDef, SubResponse};

const STATUS: RustType = RustType::External("kclient_apimachinery::Status");

/// Whether the field `json` of the struct `definition` holds credentials, by kclient's one
/// table of them ([`kclient_apimachinery::redact::SENSITIVE_FIELDS`], which unstructured objects
/// use too): its values never show in `Debug` (map keys do).
fn sensitive(definition: &str, json: &str) -> bool {
    kclient_apimachinery::redact::SENSITIVE_FIELDS
        .iter()
        .any(|f| f.definition == definition && f.path.last() == Some(&json))
}

/// Fixes to the types.
pub fn apply_to_types(model: &mut Model) {
    for module in model.modules.values_mut() {
        for ty in module.types.values_mut() {
            let has_kind = ty.gvk.is_some();
            let TypeBody::Struct(fields) = &mut ty.body else {
                continue;
            };
            for field in fields.iter_mut() {
                field.sensitive = sensitive(&ty.definition, &field.json);
                // Objects and lists always have metadata (possibly empty): make it a plain
                // field rather than an `Option`, as k8s-openapi does, so `pod.metadata.name`
                // needs no unwrapping.
                if has_kind && field.json == "metadata" {
                    field.required = true;
                }
                // A required field whose type has no `Default` (the time types) stays an
                // `Option`: a generated struct must implement `Default`.
                if field.required && !field.ty.has_default() {
                    field.required = false;
                }
            }
        }
    }
}

/// Fixes to a resource's operations.
pub fn apply_to_resource(resource: &mut ResourceDef) {
    // The spec says binding and eviction answer with the posted object; the server answers
    // with a `Status` (`BindingREST.Create`, `EvictionREST.Create` return `metav1.Status`).
    if resource.group.is_empty() && resource.version == "v1" {
        if resource.plural == "bindings" {
            resource.create_output = Some(STATUS);
        }
        if resource.plural == "pods" {
            for sub in ["binding", "eviction"] {
                for op in resource.subresources.get_mut(sub).into_iter().flatten() {
                    if op.action == "post" {
                        op.response = SubResponse::Object(STATUS);
                    }
                }
            }
        }
    }
}
