//! Reads a Kubernetes API server's discovery documents (legacy `api.json`, `apis.json`,
//! `api__v1.json`, `apis__<group>__<version>.json`) into one model, and cross-checks it against
//! the aggregated `aggregated_v2.json` (apidiscovery.k8s.io/v2) when that file is present.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use anyhow::{Context, Result, bail};
use serde::Deserialize;
use serde_json::{Value, json};

/// Everything the server serves, in the order it lists it.
#[derive(Debug)]
pub struct Discovery {
    /// Groups, the legacy core group (`""`) first, then `/apis` in server order.
    pub groups: Vec<Group>,
    /// The file names read, in reading order (for the generated header).
    pub sources: Vec<String>,
}

/// One API group.
#[derive(Debug)]
pub struct Group {
    /// Group name; empty for the core group.
    pub name: String,
    /// The preferred version.
    pub preferred_version: String,
    /// Versions in the server's preference order.
    pub versions: Vec<Version>,
}

/// One group/version and its resources.
#[derive(Debug)]
pub struct Version {
    /// The version, such as `v1`.
    pub version: String,
    /// Top-level resources, sorted by name as the server lists them.
    pub resources: Vec<Resource>,
}

/// One top-level resource.
#[derive(Debug)]
pub struct Resource {
    pub name: String,
    pub singular_name: String,
    pub kind: String,
    pub namespaced: bool,
    pub verbs: Vec<String>,
    pub short_names: Vec<String>,
    pub categories: Vec<String>,
    pub storage_version_hash: Option<String>,
    pub subresources: Vec<Subresource>,
}

/// One subresource (`status`, `scale`, ...).
#[derive(Debug)]
pub struct Subresource {
    pub name: String,
    pub kind: String,
    pub group: Option<String>,
    pub version: Option<String>,
    pub verbs: Vec<String>,
}

#[derive(Deserialize)]
struct ApiVersions {
    versions: Vec<String>,
}

#[derive(Deserialize)]
struct ApiGroupList {
    groups: Vec<ApiGroup>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ApiGroup {
    name: String,
    preferred_version: GroupVersionForDiscovery,
    versions: Vec<GroupVersionForDiscovery>,
}

#[derive(Deserialize)]
struct GroupVersionForDiscovery {
    version: String,
}

#[derive(Deserialize)]
struct ApiResourceList {
    resources: Vec<ApiResource>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ApiResource {
    name: String,
    #[serde(default)]
    singular_name: String,
    namespaced: bool,
    #[serde(default)]
    group: Option<String>,
    #[serde(default)]
    version: Option<String>,
    kind: String,
    #[serde(default)]
    verbs: Vec<String>,
    #[serde(default)]
    short_names: Vec<String>,
    #[serde(default)]
    categories: Vec<String>,
    #[serde(default)]
    storage_version_hash: Option<String>,
}

fn read_json<T: for<'de> Deserialize<'de>>(dir: &Path, name: &str) -> Result<T> {
    let path = dir.join(name);
    let text = fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))
}

/// Reads the discovery documents in `dir`.
pub fn read(dir: &Path) -> Result<Discovery> {
    let mut sources = vec!["api.json".to_string(), "apis.json".to_string()];
    let core: ApiVersions = read_json(dir, "api.json")?;
    let apis: ApiGroupList = read_json(dir, "apis.json")?;
    let mut groups = Vec::new();
    let core_preferred = core
        .versions
        .first()
        .cloned()
        .context("api.json lists no versions")?;
    groups.push((String::new(), core_preferred, core.versions));
    for g in apis.groups {
        let versions = g.versions.into_iter().map(|v| v.version).collect();
        groups.push((g.name, g.preferred_version.version, versions));
    }
    let mut out = Vec::new();
    for (name, preferred_version, version_names) in groups {
        let mut versions = Vec::new();
        for version in version_names {
            let file = if name.is_empty() {
                format!("api__{version}.json")
            } else {
                format!("apis__{name}__{version}.json")
            };
            let list: ApiResourceList = read_json(dir, &file)?;
            let resources =
                fold_subresources(list.resources).with_context(|| format!("in {file}"))?;
            sources.push(file);
            versions.push(Version { version, resources });
        }
        out.push(Group {
            name,
            preferred_version,
            versions,
        });
    }
    let discovery = Discovery {
        groups: out,
        sources,
    };
    let aggregated = dir.join("aggregated_v2.json");
    if aggregated.exists() {
        let doc: Value = read_json(dir, "aggregated_v2.json")?;
        cross_check(&discovery, &doc)
            .context("aggregated_v2.json disagrees with the legacy documents")?;
        let mut discovery = discovery;
        discovery
            .sources
            .insert(0, "aggregated_v2.json".to_string());
        return Ok(discovery);
    }
    Ok(discovery)
}

/// Turns the flat legacy list (`pods`, `pods/status`, ...) into resources with subresources.
fn fold_subresources(list: Vec<ApiResource>) -> Result<Vec<Resource>> {
    let mut top: BTreeMap<String, Resource> = BTreeMap::new();
    let mut subs = Vec::new();
    for r in list {
        if r.name.contains('/') {
            subs.push(r);
            continue;
        }
        let name = r.name.clone();
        let resource = Resource {
            name: r.name,
            singular_name: r.singular_name,
            kind: r.kind,
            namespaced: r.namespaced,
            verbs: r.verbs,
            short_names: r.short_names,
            categories: r.categories,
            storage_version_hash: r.storage_version_hash,
            subresources: Vec::new(),
        };
        if top.insert(name.clone(), resource).is_some() {
            bail!("resource {name:?} is listed twice");
        }
    }
    for s in subs {
        let Some((parent, sub)) = s.name.split_once('/') else {
            continue;
        };
        let Some(p) = top.get_mut(parent) else {
            bail!("subresource {:?} has no parent resource {parent:?}", s.name);
        };
        p.subresources.push(Subresource {
            name: sub.to_string(),
            kind: s.kind,
            group: s.group,
            version: s.version,
            verbs: s.verbs,
        });
    }
    let mut resources: Vec<Resource> = top.into_values().collect();
    for r in &mut resources {
        r.subresources.sort_by(|a, b| a.name.cmp(&b.name));
    }
    Ok(resources)
}

/// The aggregated (apidiscovery.k8s.io/v2) entry this model implies for one named group.
fn aggregated_group(g: &Group) -> Value {
    let versions: Vec<Value> = g
        .versions
        .iter()
        .map(|v| {
            let resources: Vec<Value> = v.resources.iter().map(aggregated_resource).collect();
            json!({"freshness": "Current", "resources": resources, "version": v.version})
        })
        .collect();
    json!({"metadata": {"name": g.name}, "versions": versions})
}

fn aggregated_resource(r: &Resource) -> Value {
    let mut out = json!({
        "resource": r.name,
        "responseKind": {"group": "", "kind": r.kind, "version": ""},
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
                        "group": s.group.clone().unwrap_or_default(),
                        "kind": s.kind,
                        "version": s.version.clone().unwrap_or_default(),
                    },
                    "verbs": s.verbs,
                })
            })
            .collect();
        out["subresources"] = json!(subs);
    }
    out
}

/// Checks that the aggregated document lists the same groups, versions and resources.
fn cross_check(d: &Discovery, doc: &Value) -> Result<()> {
    let items = doc
        .get("items")
        .and_then(Value::as_array)
        .context("no items array")?;
    let named: Vec<&Group> = d.groups.iter().filter(|g| !g.name.is_empty()).collect();
    let names = |v: &[&Group]| v.iter().map(|g| g.name.clone()).collect::<Vec<_>>();
    let agg_names: Vec<String> = items
        .iter()
        .map(|i| {
            i["metadata"]["name"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        })
        .collect();
    if names(&named) != agg_names {
        bail!(
            "group order differs: apis.json has {:?}, aggregated has {agg_names:?}",
            names(&named)
        );
    }
    for (g, item) in named.iter().zip(items) {
        let expected = aggregated_group(g);
        if &expected != item {
            bail!("group {:?}: {}", g.name, first_difference(&expected, item));
        }
    }
    Ok(())
}

/// Describes where two aggregated group entries first differ, for a readable error.
fn first_difference(expected: &Value, actual: &Value) -> String {
    let ev = expected["versions"].as_array().cloned().unwrap_or_default();
    let av = actual["versions"].as_array().cloned().unwrap_or_default();
    if ev.len() != av.len() {
        return format!(
            "{} versions in the legacy documents, {} aggregated",
            ev.len(),
            av.len()
        );
    }
    for (e, a) in ev.iter().zip(&av) {
        let version = e["version"].as_str().unwrap_or_default();
        if e["version"] != a["version"] || e["freshness"] != a["freshness"] {
            return format!("version {version} differs in name or freshness");
        }
        let er = e["resources"].as_array().cloned().unwrap_or_default();
        let ar = a["resources"].as_array().cloned().unwrap_or_default();
        for (x, y) in er.iter().zip(&ar) {
            if x != y {
                return format!(
                    "version {version}, resource {}: legacy implies {x}, aggregated has {y}",
                    x["resource"]
                );
            }
        }
        if er.len() != ar.len() {
            return format!(
                "version {version}: {} resources in legacy, {} aggregated",
                er.len(),
                ar.len()
            );
        }
    }
    "entries differ".to_string()
}
