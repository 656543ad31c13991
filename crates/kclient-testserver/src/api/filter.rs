//! Label and field selectors applied to stored objects. Both are parsed by kclient-apimachinery
//! (`labels::Selector`, `fields::FieldSelector`); field selectors support `metadata.name`,
//! `metadata.namespace` and the per-resource fields the real server indexes (pods' `spec.nodeName`,
//! `status.phase`, …, secrets' `type`, events' `involvedObject.*`, namespaces' `status.phase`).

use std::collections::BTreeMap;

use kclient_apimachinery::fields::FieldSelector;
use kclient_apimachinery::labels::Selector;
use serde_json::Value;

use super::status::ApiError;
use crate::registry::Resource;
use crate::store::{Object, field_value};

/// Selects objects.
#[derive(Debug, Clone)]
pub struct Filter {
    labels: Selector,
    fields: FieldSelector,
    /// The JSON pointer of each field the field selector names.
    pointers: Vec<(String, String)>,
}

/// The 400 for a selector that does not parse, with the parser's own message.
fn selector_error(e: kclient_apimachinery::Error) -> ApiError {
    use kclient_apimachinery::Error as E;
    match e {
        E::InvalidLabelSelector { message, .. } | E::InvalidFieldSelector { message, .. } => {
            ApiError::bad_request(message)
        }
        other => ApiError::bad_request(other.to_string()),
    }
}

fn pointer_for(res: &Resource, field: &str) -> Result<String, ApiError> {
    match field {
        "metadata.name" => return Ok("/metadata/name".into()),
        "metadata.namespace" => return Ok("/metadata/namespace".into()),
        _ => {}
    }
    let extra = crate::store::selectable_fields(res.group, res.name());
    if let Some((_, p)) = extra.iter().find(|(f, _)| *f == field) {
        return Ok((*p).to_string());
    }
    Err(ApiError::bad_request(if extra.is_empty() {
        format!(
            "{field:?} is not a known field selector: only \"metadata.name\", \"metadata.namespace\""
        )
    } else {
        format!("field label not supported: {field}")
    }))
}

impl Filter {
    /// Parses the selectors of a request; `name` (a watch of one object) adds `metadata.name=`.
    pub fn new(
        res: &Resource,
        labels: &str,
        fields: &str,
        name: Option<&str>,
    ) -> Result<Self, ApiError> {
        let labels = Selector::parse(labels).map_err(selector_error)?;
        let mut fields = FieldSelector::parse(fields).map_err(selector_error)?;
        if let Some(name) = name {
            fields = fields.equals("metadata.name", name);
        }
        let mut pointers = Vec::new();
        for term in fields.terms() {
            pointers.push((term.field.clone(), pointer_for(res, &term.field)?));
        }
        Ok(Self {
            labels,
            fields,
            pointers,
        })
    }

    /// Whether no selector was given (the list then reports `remainingItemCount`).
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty() && self.fields.is_empty()
    }

    /// Whether `obj` is selected.
    pub fn matches(&self, obj: &Value) -> bool {
        if self.is_empty() {
            return true;
        }
        if !self.labels.is_empty() {
            let labels: BTreeMap<String, String> = obj
                .pointer("/metadata/labels")
                .and_then(Value::as_object)
                .map(|m| {
                    m.iter()
                        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                        .collect()
                })
                .unwrap_or_default();
            if !self.labels.matches(&labels) {
                return false;
            }
        }
        let values: Vec<(&str, String)> = self
            .pointers
            .iter()
            .map(|(field, pointer)| (field.as_str(), field_value(obj, pointer)))
            .collect();
        self.fields.matches(|field| {
            values
                .iter()
                .find(|(f, _)| *f == field)
                .map(|(_, v)| v.as_str())
        })
    }

    /// Whether the stored object `obj` is selected (from its stored metadata, without parsing).
    pub fn matches_object(&self, obj: &Object) -> bool {
        if self.is_empty() {
            return true;
        }
        let meta = obj.meta();
        if !self.labels.is_empty() && !self.labels.matches(&meta.labels) {
            return false;
        }
        self.fields.matches(|field| meta.field(field))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::registry::lookup;

    #[test]
    fn selects_by_labels_and_resource_fields() {
        let pods = lookup("", "v1", "pods").unwrap();
        let pod = json!({"metadata": {"name": "p", "namespace": "ns", "labels": {"app": "web"}},
            "spec": {"nodeName": "n1"}, "status": {"phase": "Running"}});
        let f = Filter::new(
            &pods,
            "app in (web,db)",
            "spec.nodeName=n1,status.phase!=Failed",
            None,
        )
        .unwrap();
        assert!(f.matches(&pod));
        assert!(!f.is_empty());
        let f = Filter::new(&pods, "", "spec.nodeName=", None).unwrap();
        assert!(!f.matches(&pod));
        assert!(
            Filter::new(&pods, "", "", Some("q"))
                .map(|f| !f.matches(&pod))
                .unwrap()
        );
        let e = Filter::new(&pods, "", "spec.bogus=1", None).unwrap_err();
        assert_eq!(e.message, "field label not supported: spec.bogus");
        assert_eq!(
            Filter::new(&pods, "a in (", "", None).unwrap_err().code,
            400
        );
        assert!(Filter::new(&pods, "", "", None).unwrap().is_empty());
    }
}
