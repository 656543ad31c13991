//! Discovery documents built from the generated tables: legacy `/api`, `/apis`,
//! `/apis/<group>`, `/api/v1` and `/apis/<group>/<version>`, and aggregated discovery
//! (`apidiscovery.k8s.io/v2`) for `/api` and `/apis`.

use serde_json::{Value, json};

use crate::apis::ApiSet;
use crate::tables::{ApiGroup, ApiResource, ApiVersion};

fn group_version(group: &str, version: &str) -> String {
    if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    }
}

/// The named groups: the built-in ones, then those CRDs add (`custom`).
fn named_groups(
    apis: &ApiSet,
    custom: &[&'static ApiGroup],
) -> impl Iterator<Item = &'static ApiGroup> {
    apis.groups()
        .iter()
        .filter(|g| !g.name.is_empty())
        .chain(custom.iter().copied())
}

/// `/api` (legacy): `APIVersions`.
pub fn core_versions(apis: &ApiSet, server_address: &str) -> Value {
    let versions: Vec<&str> = apis
        .group("")
        .map(|g| g.versions.iter().map(|v| v.version).collect())
        .unwrap_or_default();
    json!({
        "kind": "APIVersions",
        "versions": versions,
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}],
    })
}

fn api_group(g: &ApiGroup) -> Value {
    let versions: Vec<Value> = g
        .versions
        .iter()
        .map(|v| json!({"groupVersion": group_version(g.name, v.version), "version": v.version}))
        .collect();
    json!({
        "name": g.name,
        "versions": versions,
        "preferredVersion": {
            "groupVersion": group_version(g.name, g.preferred_version),
            "version": g.preferred_version,
        },
    })
}

/// `/apis` (legacy): `APIGroupList`.
pub fn group_list(apis: &ApiSet, custom: &[&'static ApiGroup]) -> Value {
    let groups: Vec<Value> = named_groups(apis, custom).map(api_group).collect();
    json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
}

/// `/apis/<group>` (legacy): `APIGroup`, or `None` if the group is not served.
pub fn group(apis: &ApiSet, name: &str, custom: &[&'static ApiGroup]) -> Option<Value> {
    let g = named_groups(apis, custom).find(|g| g.name == name)?;
    let mut v = api_group(g);
    v["kind"] = json!("APIGroup");
    v["apiVersion"] = json!("v1");
    Some(v)
}

fn legacy_resources(v: &ApiVersion) -> Vec<Value> {
    let mut out = Vec::new();
    for r in v.resources {
        let mut entry = json!({
            "name": r.name,
            "singularName": r.singular_name,
            "namespaced": r.namespaced,
            "kind": r.kind,
            "verbs": r.verbs,
        });
        if !r.short_names.is_empty() {
            entry["shortNames"] = json!(r.short_names);
        }
        if !r.categories.is_empty() {
            entry["categories"] = json!(r.categories);
        }
        if let Some(hash) = r.storage_version_hash {
            entry["storageVersionHash"] = json!(hash);
        }
        out.push(entry);
        for s in r.subresources {
            let mut sub = json!({
                "name": format!("{}/{}", r.name, s.name),
                "singularName": "",
                "namespaced": r.namespaced,
                "kind": s.kind,
                "verbs": s.verbs,
            });
            if let Some(g) = s.group {
                sub["group"] = json!(g);
            }
            if let Some(ver) = s.version {
                sub["version"] = json!(ver);
            }
            out.push(sub);
        }
    }
    // The server lists top-level resources and subresources together, sorted by name.
    out.sort_by(|a, b| a["name"].as_str().cmp(&b["name"].as_str()));
    out
}

/// `/api/v1`, `/apis/<group>/<version>` (legacy): `APIResourceList`, or `None` if not served.
pub fn resource_list(
    apis: &ApiSet,
    group: &str,
    version: &str,
    custom: &[&'static ApiGroup],
) -> Option<Value> {
    let v = apis.version(group, version).or_else(|| {
        custom
            .iter()
            .find(|g| g.name == group)
            .and_then(|g| g.versions.iter().find(|v| v.version == version))
    })?;
    let mut doc = json!({
        "kind": "APIResourceList",
        "groupVersion": group_version(group, version),
        "resources": legacy_resources(v),
    });
    if !group.is_empty() {
        doc["apiVersion"] = json!("v1");
    }
    Some(doc)
}

/// `gv` is the group/version of a custom resource (whose response kinds carry it, as the real
/// server's CRD discovery does); `None` for built-ins.
fn aggregated_resource(r: &ApiResource, gv: Option<(&str, &str)>) -> Value {
    let (group, version) = gv.unwrap_or_default();
    let mut out = json!({
        "resource": r.name,
        "responseKind": {"group": group, "version": version, "kind": r.kind},
        "scope": if r.namespaced { "Namespaced" } else { "Cluster" },
        "singularResource": r.singular_name,
        "verbs": r.verbs,
    });
    if !r.short_names.is_empty() {
        out["shortNames"] = json!(r.short_names);
    }
    if !r.categories.is_empty() {
        out["categories"] = json!(r.categories);
    }
    if !r.subresources.is_empty() {
        let subs: Vec<Value> = r
            .subresources
            .iter()
            .map(|s| {
                json!({
                    "subresource": s.name,
                    "responseKind": {
                        "group": s.group.unwrap_or(group),
                        "version": s.version.unwrap_or(version),
                        "kind": s.kind,
                    },
                    "verbs": s.verbs,
                })
            })
            .collect();
        out["subresources"] = json!(subs);
    }
    out
}

fn aggregated_group(g: &ApiGroup, custom: bool) -> Value {
    let versions: Vec<Value> = g
        .versions
        .iter()
        .map(|v| {
            let gv = custom.then_some((g.name, v.version));
            let resources: Vec<Value> = v
                .resources
                .iter()
                .map(|r| aggregated_resource(r, gv))
                .collect();
            json!({"version": v.version, "resources": resources, "freshness": "Current"})
        })
        .collect();
    let metadata = if g.name.is_empty() {
        json!({})
    } else {
        json!({"name": g.name})
    };
    json!({"metadata": metadata, "versions": versions})
}

/// Aggregated discovery for `/api` (`core`) or `/apis`.
pub fn aggregated(apis: &ApiSet, core: bool, custom: &[&'static ApiGroup]) -> Value {
    let mut items: Vec<Value> = apis
        .groups()
        .iter()
        .filter(|g| g.name.is_empty() == core)
        .map(|g| aggregated_group(g, false))
        .collect();
    if !core {
        items.extend(custom.iter().map(|g| aggregated_group(g, true)));
    }
    json!({
        "kind": "APIGroupDiscoveryList",
        "apiVersion": "apidiscovery.k8s.io/v2",
        "metadata": {},
        "items": items,
    })
}

/// A strong ETag for a discovery document (FNV-1a of its bytes).
pub fn etag(body: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in body {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("\"{h:016X}\"")
}
