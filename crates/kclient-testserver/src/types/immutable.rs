//! Fields an update may not change (`ValidateXUpdate` in the real registry): the data of
//! immutable Secrets and ConfigMaps, a Secret's `type`, and a Service's cluster IPs.

use serde_json::Value;

use crate::api::status::FieldError;

const IMMUTABLE: &str = "field is immutable when `immutable` is set";

fn go_strings(v: &Value) -> String {
    let items: Vec<String> = v
        .as_array()
        .map(|a| {
            a.iter()
                .map(|x| serde_json::to_string(x.as_str().unwrap_or_default()).unwrap_or_default())
                .collect()
        })
        .unwrap_or_default();
    format!("[]string{{{}}}", items.join(", "))
}

/// The errors of updating `old` to `new` for `group`/`resource`.
pub fn check(group: &str, resource: &str, old: &Value, new: &Value) -> Vec<FieldError> {
    let mut errs = Vec::new();
    match (group, resource) {
        ("", "configmaps" | "secrets") => {
            if resource == "secrets" && old.get("type") != new.get("type") {
                errs.push(FieldError::invalid(
                    "type",
                    new.get("type").and_then(Value::as_str).unwrap_or_default(),
                    "field is immutable",
                ));
            }
            if old.get("immutable") == Some(&Value::Bool(true)) {
                for f in ["data", "binaryData", "stringData"] {
                    if f != "stringData" && old.get(f) != new.get(f) {
                        errs.push(FieldError::forbidden(f, IMMUTABLE));
                    }
                }
                if new.get("immutable") != Some(&Value::Bool(true)) {
                    errs.push(FieldError::forbidden("immutable", IMMUTABLE));
                }
            }
        }
        ("", "services") => {
            let old_ips = old.pointer("/spec/clusterIPs");
            let new_ips = new.pointer("/spec/clusterIPs");
            let old_ip = old.pointer("/spec/clusterIP");
            let new_ip = new.pointer("/spec/clusterIP");
            let same_type = old.pointer("/spec/type") == new.pointer("/spec/type");
            let changed =
                (new_ips.is_some() && new_ips != old_ips) || (new_ip.is_some() && new_ip != old_ip);
            if same_type && old_ip.is_some() && changed {
                let shown = match new_ips {
                    Some(ips) if new_ips != old_ips => ips.clone(),
                    _ => Value::Array(new_ip.into_iter().cloned().collect()),
                };
                errs.push(FieldError {
                    kind: crate::api::status::FieldErrorKind::InvalidRendered(go_strings(&shown)),
                    field: "spec.clusterIPs[0]".into(),
                    detail: "may not change once set".into(),
                });
            }
        }
        _ => {}
    }
    errs
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn immutable_configmaps_keep_their_data() {
        let old = json!({"immutable": true, "data": {"a": "1"}});
        let new = json!({"immutable": true, "data": {"a": "2"}});
        let errs = check("", "configmaps", &old, &new);
        assert_eq!(
            errs[0].to_string(),
            "data: Forbidden: field is immutable when `immutable` is set"
        );
        assert!(check("", "configmaps", &old, &old).is_empty());
    }

    #[test]
    fn cluster_ips_may_not_change() {
        let old = json!({"spec": {"type": "ClusterIP", "clusterIP": "10.96.0.5", "clusterIPs": ["10.96.0.5"]}});
        let new = json!({"spec": {"type": "ClusterIP", "clusterIP": "10.96.0.6"}});
        let errs = check("", "services", &old, &new);
        assert_eq!(
            errs[0].to_string(),
            "spec.clusterIPs[0]: Invalid value: []string{\"10.96.0.6\"}: may not change once set"
        );
    }
}
