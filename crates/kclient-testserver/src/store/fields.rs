//! The field labels of each resource (what field selectors may name, as the real server's
//! `GetAttrs` functions expose them), so that stored objects carry their values ready for
//! selection.

use serde_json::Value;

/// The field labels a resource supports beyond `metadata.name` and `metadata.namespace`, and the
/// JSON pointer each reads: those the real server's field-label conversion functions accept
/// (`pkg/apis/*/v1/conversion.go`, `AddFieldLabelConversionFunc`), with the values its
/// `ToSelectableFields`/`GetAttrs` functions give them (see [`field_value`]).
pub fn selectable_fields(group: &str, resource: &str) -> &'static [(&'static str, &'static str)] {
    match (group, resource) {
        ("", "pods") => &[
            ("spec.nodeName", "/spec/nodeName"),
            ("spec.restartPolicy", "/spec/restartPolicy"),
            ("spec.schedulerName", "/spec/schedulerName"),
            ("spec.serviceAccountName", "/spec/serviceAccountName"),
            ("spec.hostNetwork", "/spec/hostNetwork"),
            ("status.phase", "/status/phase"),
            ("status.podIP", "/status/podIPs/0/ip"),
            ("status.nominatedNodeName", "/status/nominatedNodeName"),
        ],
        ("", "secrets") => &[("type", "/type")],
        ("", "namespaces") => &[("status.phase", "/status/phase")],
        ("", "nodes") => &[("spec.unschedulable", "/spec/unschedulable")],
        ("", "replicationcontrollers") => &[("status.replicas", "/status/replicas")],
        ("", "services") => &[
            ("spec.clusterIP", "/spec/clusterIP"),
            ("spec.type", "/spec/type"),
        ],
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
        ("apps", "replicasets") => &[("status.replicas", "/status/replicas")],
        ("batch", "jobs") => &[("status.successful", "/status/succeeded")],
        ("certificates.k8s.io", "certificatesigningrequests") => {
            &[("spec.signerName", "/spec/signerName")]
        }
        ("resource.k8s.io", "resourceslices") => &[
            ("spec.nodeName", "/spec/nodeName"),
            ("spec.driver", "/spec/driver"),
        ],
        _ => &[],
    }
}

/// A field's value as the server's field set has it: strings as they are, booleans and
/// integers formatted (`strconv.FormatBool`, `strconv.Itoa`) from the Go field, so an absent
/// boolean is `false` and an absent counter `0` (`spec.unschedulable=false` matches a node
/// without the field); an event's `source` falls back to `reportingComponent`.
pub fn field_value(obj: &Value, pointer: &str) -> String {
    match obj.pointer(pointer) {
        Some(Value::String(s)) if !s.is_empty() => s.clone(),
        Some(Value::Bool(b)) => b.to_string(),
        Some(Value::Number(n)) => n.to_string(),
        _ => match pointer {
            "/spec/unschedulable" | "/spec/hostNetwork" => "false".into(),
            "/status/replicas" | "/status/succeeded" => "0".into(),
            "/source/component" => obj
                .get("reportingComponent")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            _ => String::new(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn absent_fields_have_the_go_zero_value() {
        let node = json!({"metadata": {"name": "n"}, "spec": {}});
        assert_eq!(field_value(&node, "/spec/unschedulable"), "false");
        let rc = json!({"status": {}});
        assert_eq!(field_value(&rc, "/status/replicas"), "0");
        let job = json!({"status": {"succeeded": 2}});
        assert_eq!(field_value(&job, "/status/succeeded"), "2");
        let pod = json!({"status": {"podIPs": [{"ip": "10.0.0.2"}]}});
        assert_eq!(field_value(&pod, "/status/podIPs/0/ip"), "10.0.0.2");
        assert_eq!(field_value(&pod, "/spec/hostNetwork"), "false");
        let event = json!({"reportingComponent": "kubelet", "source": {}});
        assert_eq!(field_value(&event, "/source/component"), "kubelet");
        assert_eq!(field_value(&event, "/reason"), "");
    }
}
