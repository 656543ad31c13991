//! Builds discovery tables ([`ApiGroup`], [`ApiResource`]) and [`Served`] entries from CRD specs.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use serde_json::Value;

use super::{CrdVersion, PrinterColumn, ScalePaths, Served};
use crate::tables::{ApiGroup, ApiResource, ApiSubresource, ApiVersion};

/// The verbs of a custom resource, in the order the real server lists them.
const VERBS: &[&str] = &[
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "create",
    "update",
    "watch",
];
const SUB_VERBS: &[&str] = &["get", "patch", "update"];

fn leak_str(s: &str) -> &'static str {
    Box::leak(s.to_string().into_boxed_str())
}

fn leak_strs(v: Option<&Value>) -> &'static [&'static str] {
    let list: Vec<&'static str> = v
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).map(leak_str).collect())
        .unwrap_or_default();
    Box::leak(list.into_boxed_slice())
}

/// `.spec.replicas` → `/spec/replicas`.
fn pointer(path: &str) -> String {
    path.trim_start_matches('.')
        .split('.')
        .fold(String::new(), |acc, p| format!("{acc}/{p}"))
}

/// Orders versions as the real server does (`version.CompareKubeAwareVersionStrings`): GA before
/// beta before alpha, higher numbers first, anything else last in alphabetical order.
fn version_priority(a: &str, b: &str) -> Ordering {
    fn parse(v: &str) -> Option<(u64, u8, u64)> {
        let rest = v.strip_prefix('v')?;
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        let major: u64 = rest[..digits].parse().ok()?;
        let tail = &rest[digits..];
        if tail.is_empty() {
            return Some((major, 2, 0));
        }
        let (level, n) = if let Some(n) = tail.strip_prefix("beta") {
            (1, n)
        } else {
            (0, tail.strip_prefix("alpha")?)
        };
        Some((major, level, n.parse().ok()?))
    }
    match (parse(a), parse(b)) {
        (Some((ma, la, na)), Some((mb, lb, nb))) => lb.cmp(&la).then(mb.cmp(&ma)).then(nb.cmp(&na)),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => a.cmp(b),
    }
}

/// The version's `additionalPrinterColumns`, or the Age column the real server shows when
/// there are none (`serveDefaultColumnsIfEmpty`).
fn printer_columns(v: &Value) -> Vec<PrinterColumn> {
    let cols: Vec<PrinterColumn> = v
        .get("additionalPrinterColumns")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .map(|c| PrinterColumn {
                    name: str_at(c, "/name").to_string(),
                    ty: str_at(c, "/type").to_string(),
                    format: str_at(c, "/format").to_string(),
                    description: str_at(c, "/description").to_string(),
                    priority: c.get("priority").and_then(Value::as_i64).unwrap_or(0),
                    json_path: str_at(c, "/jsonPath").to_string(),
                })
                .collect()
        })
        .unwrap_or_default();
    if !cols.is_empty() {
        return cols;
    }
    vec![PrinterColumn {
        name: "Age".into(),
        ty: "date".into(),
        format: String::new(),
        description: "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata".into(),
        priority: 0,
        json_path: ".metadata.creationTimestamp".into(),
    }]
}

fn str_at<'a>(v: &'a Value, ptr: &str) -> &'a str {
    v.pointer(ptr).and_then(Value::as_str).unwrap_or_default()
}

/// The discovery groups and served entries of `crds` (each `{"name", "spec"}`).
pub fn tables(crds: &[Value]) -> (Vec<&'static ApiGroup>, Vec<Served>) {
    // group -> version -> resources
    let mut by_group: BTreeMap<String, BTreeMap<String, Vec<ApiResource>>> = BTreeMap::new();
    let mut served = Vec::new();
    for crd in crds {
        let spec = &crd["spec"];
        let group = str_at(spec, "/group");
        let plural = str_at(spec, "/names/plural");
        let kind = str_at(spec, "/names/kind");
        let singular = match str_at(spec, "/names/singular") {
            "" => kind.to_lowercase(),
            s => s.to_string(),
        };
        let namespaced = str_at(spec, "/scope") != "Cluster";
        let short_names = leak_strs(spec.pointer("/names/shortNames"));
        let categories = leak_strs(spec.pointer("/names/categories"));
        let versions = spec["versions"].as_array().cloned().unwrap_or_default();
        for v in versions.iter().filter(|v| v["served"] == Value::Bool(true)) {
            let version = str_at(v, "/name");
            let mut subs = Vec::new();
            let scale = v.pointer("/subresources/scale").map(|s| ScalePaths {
                spec_replicas: pointer(str_at(s, "/specReplicasPath")),
                status_replicas: pointer(str_at(s, "/statusReplicasPath")),
                label_selector: s
                    .get("labelSelectorPath")
                    .and_then(Value::as_str)
                    .map(pointer),
            });
            if scale.is_some() {
                subs.push(ApiSubresource {
                    name: "scale",
                    kind: "Scale",
                    group: Some("autoscaling"),
                    version: Some("v1"),
                    verbs: SUB_VERBS,
                });
            }
            if v.pointer("/subresources/status").is_some() {
                subs.push(ApiSubresource {
                    name: "status",
                    kind: leak_str(kind),
                    group: None,
                    version: None,
                    verbs: SUB_VERBS,
                });
            }
            let info = ApiResource {
                name: leak_str(plural),
                singular_name: leak_str(&singular),
                kind: leak_str(kind),
                namespaced,
                verbs: VERBS,
                short_names,
                categories,
                storage_version_hash: None,
                subresources: Box::leak(subs.into_boxed_slice()),
            };
            let detail: &'static CrdVersion = Box::leak(Box::new(CrdVersion {
                schema: v.pointer("/schema/openAPIV3Schema").cloned(),
                scale,
                columns: printer_columns(v),
            }));
            served.push(Served {
                group: leak_str(group),
                version: leak_str(version),
                info: Box::leak(Box::new(info)),
                crd: detail,
            });
            by_group
                .entry(group.to_string())
                .or_default()
                .entry(version.to_string())
                .or_default()
                .push(info);
        }
    }
    let groups = by_group
        .into_iter()
        .map(|(name, versions)| {
            let mut versions: Vec<(String, Vec<ApiResource>)> = versions.into_iter().collect();
            versions.sort_by(|a, b| version_priority(&a.0, &b.0));
            let preferred = versions.first().map(|v| v.0.clone()).unwrap_or_default();
            let versions: Vec<ApiVersion> = versions
                .into_iter()
                .map(|(v, mut resources)| {
                    resources.sort_by_key(|r| r.name);
                    ApiVersion {
                        version: leak_str(&v),
                        resources: Box::leak(resources.into_boxed_slice()),
                    }
                })
                .collect();
            let g: &'static ApiGroup = Box::leak(Box::new(ApiGroup {
                name: leak_str(&name),
                preferred_version: leak_str(&preferred),
                versions: Box::leak(versions.into_boxed_slice()),
            }));
            g
        })
        .collect();
    (groups, served)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_versions_like_kubernetes() {
        let mut v = vec!["v1alpha1", "foo", "v2", "v1beta2", "v1", "v1beta1", "v10"];
        v.sort_by(|a, b| version_priority(a, b));
        assert_eq!(
            v,
            ["v10", "v2", "v1", "v1beta2", "v1beta1", "v1alpha1", "foo"]
        );
    }

    #[test]
    fn builds_tables_for_served_versions() {
        let crd = serde_json::json!({"name": "widgets.example.com", "spec": {
            "group": "example.com", "scope": "Namespaced",
            "names": {"plural": "widgets", "kind": "Widget", "shortNames": ["wd"]},
            "versions": [
                {"name": "v1", "served": true, "storage": true,
                 "subresources": {"status": {}, "scale": {"specReplicasPath": ".spec.replicas", "statusReplicasPath": ".status.replicas"}}},
                {"name": "v1beta1", "served": true, "storage": false},
                {"name": "v1alpha1", "served": false, "storage": false}]}});
        let (groups, served) = tables(&[crd]);
        assert_eq!(groups.len(), 1);
        assert_eq!(groups[0].preferred_version, "v1");
        assert_eq!(groups[0].versions.len(), 2);
        assert_eq!(served.len(), 2);
        assert_eq!(served[0].info.singular_name, "widget");
        assert_eq!(served[0].info.subresources.len(), 2);
        assert_eq!(
            served[0]
                .crd
                .scale
                .as_ref()
                .map(|s| s.spec_replicas.as_str()),
            Some("/spec/replicas")
        );
    }
}
