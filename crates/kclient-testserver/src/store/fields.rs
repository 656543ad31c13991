//! The field labels of each resource (what field selectors may name, as the real server's
//! `GetAttrs` functions expose them), so that stored objects carry their values ready for
//! selection.

use serde_json::Value;

/// The field labels a resource supports beyond `metadata.name` and `metadata.namespace`, and the
/// JSON pointer each reads.
pub fn selectable_fields(group: &str, resource: &str) -> &'static [(&'static str, &'static str)] {
    match (group, resource) {
        ("", "pods") => &[
            ("spec.nodeName", "/spec/nodeName"),
            ("spec.restartPolicy", "/spec/restartPolicy"),
            ("spec.schedulerName", "/spec/schedulerName"),
            ("spec.serviceAccountName", "/spec/serviceAccountName"),
            ("spec.hostNetwork", "/spec/hostNetwork"),
            ("status.phase", "/status/phase"),
            ("status.podIP", "/status/podIP"),
            ("status.nominatedNodeName", "/status/nominatedNodeName"),
        ],
        ("", "secrets") => &[("type", "/type")],
        ("", "namespaces") => &[("status.phase", "/status/phase")],
        ("", "nodes") => &[("spec.unschedulable", "/spec/unschedulable")],
        ("", "replicationcontrollers") => &[("status.replicas", "/status/replicas")],
        ("", "events") => &[
            ("involvedObject.kind", "/involvedObject/kind"),
            ("involvedObject.namespace", "/involvedObject/namespace"),
            ("involvedObject.name", "/involvedObject/name"),
            ("involvedObject.uid", "/involvedObject/uid"),
            ("involvedObject.apiVersion", "/involvedObject/apiVersion"),
            (
                "involvedObject.resourceVersion",
                "/involvedObject/resourceVersion",
            ),
            ("involvedObject.fieldPath", "/involvedObject/fieldPath"),
            ("reason", "/reason"),
            ("reportingComponent", "/reportingComponent"),
            ("source", "/source/component"),
            ("type", "/type"),
        ],
        ("batch", "jobs") => &[("status.successful", "/status/succeeded")],
        ("certificates.k8s.io", "certificatesigningrequests") => {
            &[("spec.signerName", "/spec/signerName")]
        }
        _ => &[],
    }
}

/// A field's value as the server's field set has it (strings; absent is empty).
pub fn field_value(obj: &Value, pointer: &str) -> String {
    match obj.pointer(pointer) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Bool(b)) => b.to_string(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}
