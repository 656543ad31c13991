//! What happens to a CRD when it is written: defaults (`singular`, `listKind`, `conversion`),
//! validation of the parts the server relies on, and the `status` the real server's controllers
//! set at once (`acceptedNames`, `NamesAccepted` and `Established` conditions, `storedVersions`).

use serde_json::{Value, json};

use crate::api::status::FieldError;

/// Whether a stored CRD serves its resource (Established and not being deleted).
pub fn is_established(crd: &Value) -> bool {
    let deleting = crd
        .pointer("/metadata/deletionTimestamp")
        .is_some_and(|v| !v.is_null());
    let established = crd
        .pointer("/status/conditions")
        .and_then(Value::as_array)
        .is_some_and(|c| {
            c.iter()
                .any(|c| c["type"] == "Established" && c["status"] == "True")
        });
    established && !deleting
}

fn s<'a>(v: &'a Value, ptr: &str) -> &'a str {
    v.pointer(ptr).and_then(Value::as_str).unwrap_or_default()
}

/// Sets the defaults the real server sets on a CRD's spec.
fn default_spec(crd: &mut Value) {
    let kind = s(crd, "/spec/names/kind").to_string();
    let names = &mut crd["spec"]["names"];
    if names.is_object() {
        if s(names, "/singular").is_empty() && !kind.is_empty() {
            names["singular"] = json!(kind.to_lowercase());
        }
        if s(names, "/listKind").is_empty() && !kind.is_empty() {
            names["listKind"] = json!(format!("{kind}List"));
        }
    }
    if crd["spec"].get("conversion").is_none() {
        crd["spec"]["conversion"] = json!({"strategy": "None"});
    }
}

fn validate(crd: &Value) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let group = s(crd, "/spec/group");
    let plural = s(crd, "/spec/names/plural");
    let name = s(crd, "/metadata/name");
    if group.is_empty() {
        errs.push(FieldError::required("spec.group", ""));
    } else if !group.contains('.') {
        errs.push(FieldError::invalid(
            "spec.group",
            group,
            "should be a domain with at least one dot",
        ));
    }
    if plural.is_empty() {
        errs.push(FieldError::required("spec.names.plural", ""));
    }
    if s(crd, "/spec/names/kind").is_empty() {
        errs.push(FieldError::required("spec.names.kind", ""));
    }
    if !group.is_empty() && !plural.is_empty() && name != format!("{plural}.{group}") {
        errs.push(FieldError::invalid(
            "metadata.name",
            name,
            "must be spec.names.plural+\".\"+spec.group",
        ));
    }
    match s(crd, "/spec/scope") {
        "Namespaced" | "Cluster" => {}
        "" => errs.push(FieldError::required("spec.scope", "")),
        other => errs.push(FieldError::not_supported(
            "spec.scope",
            other,
            &["Cluster", "Namespaced"],
        )),
    }
    let versions = crd
        .pointer("/spec/versions")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if versions.is_empty() {
        errs.push(FieldError::invalid(
            "spec.versions",
            "null",
            "must have exactly one version marked as storage version",
        ));
    } else {
        let storage = versions.iter().filter(|v| v["storage"] == true).count();
        if storage != 1 {
            errs.push(FieldError::invalid(
                "spec.versions",
                &format!("{storage} versions marked as storage"),
                "must have exactly one version marked as storage version",
            ));
        }
        if !versions.iter().any(|v| v["served"] == true) {
            errs.push(FieldError::invalid(
                "spec.versions",
                "",
                "must have at least one version marked as served",
            ));
        }
    }
    errs
}

/// Prepares a CRD for storage: defaults, validation, and its status. `old` is the stored CRD on
/// updates.
pub fn prepare(crd: &mut Value, old: Option<&Value>) -> Vec<FieldError> {
    default_spec(crd);
    let errs = validate(crd);
    if !errs.is_empty() {
        return errs;
    }
    let spec = crd["spec"].clone();
    let names = &spec["names"];
    let mut accepted = json!({
        "plural": names["plural"],
        "singular": names["singular"],
        "kind": names["kind"],
        "listKind": names["listKind"],
    });
    for f in ["shortNames", "categories"] {
        if let Some(v) = names
            .get(f)
            .filter(|v| v.as_array().is_some_and(|a| !a.is_empty()))
        {
            accepted[f] = v.clone();
        }
    }
    let storage = spec["versions"]
        .as_array()
        .and_then(|vs| vs.iter().find(|v| v["storage"] == true))
        .map(|v| v["name"].clone())
        .unwrap_or(Value::Null);
    let mut stored: Vec<Value> = old
        .and_then(|o| o.pointer("/status/storedVersions"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if !stored.contains(&storage) {
        stored.push(storage);
    }
    let since = old
        .and_then(|o| o.pointer("/status/conditions/0/lastTransitionTime"))
        .cloned()
        .unwrap_or_else(|| json!(crate::api::objects::now()));
    crd["status"] = json!({
        "acceptedNames": accepted,
        "conditions": [
            {"type": "NamesAccepted", "status": "True", "lastTransitionTime": since,
             "reason": "NoConflicts", "message": "no conflicts found"},
            {"type": "Established", "status": "True", "lastTransitionTime": since,
             "reason": "InitialNamesAccepted", "message": "the initial names have been accepted"},
        ],
        "storedVersions": stored,
    });
    Vec::new()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn establishes_a_valid_crd() {
        let mut crd = json!({"metadata": {"name": "widgets.example.com"}, "spec": {
            "group": "example.com", "scope": "Namespaced",
            "names": {"plural": "widgets", "kind": "Widget"},
            "versions": [{"name": "v1", "served": true, "storage": true}]}});
        assert!(prepare(&mut crd, None).is_empty());
        assert!(is_established(&crd));
        assert_eq!(crd["status"]["acceptedNames"]["listKind"], "WidgetList");
        assert_eq!(crd["status"]["storedVersions"], json!(["v1"]));
    }

    #[test]
    fn rejects_a_mismatched_name() {
        let mut crd = json!({"metadata": {"name": "foo"}, "spec": {
            "group": "example.com", "scope": "Namespaced",
            "names": {"plural": "widgets", "kind": "Widget"},
            "versions": [{"name": "v1", "served": true, "storage": true}]}});
        let errs = prepare(&mut crd, None);
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].field, "metadata.name");
    }
}
