//! The operation tables of kclient-testserver
//! (`crates/kclient-testserver/src/generated/openapi_paths.rs`): what the server needs, beyond
//! the discovery tables and the schema model, to build the `paths` of its OpenAPI documents as
//! a real API server does. Read from the `paths` of the OpenAPI v3 documents (`<dir>/*.json`):
//!
//! - the query parameters of each action (`get`, `list`, `post`, `patch`, …: `pretty`, `dryRun`,
//!   `labelSelector`, …) with their types and descriptions, from the operations on resources;
//! - the subresources whose operations discovery does not describe: the connect ones (`exec`,
//!   `attach`, `portforward`, `proxy`: their HTTP methods, whether they take a trailing
//!   `/{path}`) and those with their own query parameters (`log`, answering with text);
//! - the resources whose DELETE answers with the deleted object instead of a `Status`.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::fs;
use std::path::Path;

use anyhow::{Context, Result, bail};
use serde_json::Value;

/// Where the tables live, relative to the workspace root.
pub const OUTPUT: &str = "crates/kclient-testserver/src/generated/openapi_paths.rs";

/// A query parameter: (type, description) by name.
type Params = BTreeMap<String, (String, String)>;

/// A path taken apart: group, version, plural, subresource (first segment after the name,
/// empty for the resource itself) and whether more follows it (`proxy/{path}`).
#[derive(Debug, PartialEq)]
struct PathParts<'a> {
    group: &'a str,
    version: &'a str,
    plural: &'a str,
    named: bool,
    subresource: &'a str,
    subpath: bool,
}

fn parse_path(path: &str) -> Option<PathParts<'_>> {
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let (group, version, mut rest) = match segments.as_slice() {
        ["api", version, rest @ ..] => ("", *version, rest),
        ["apis", group, version, rest @ ..] => (*group, *version, rest),
        _ => return None,
    };
    if rest.first() == Some(&"watch") {
        rest = &rest[1..];
    }
    if rest.len() >= 3 && rest[0] == "namespaces" && rest[1] == "{namespace}" {
        rest = &rest[2..];
    }
    let (plural, rest) = rest.split_first()?;
    let named = rest.first() == Some(&"{name}");
    Some(PathParts {
        group,
        version,
        plural,
        named,
        subresource: rest.get(1).copied().unwrap_or_default(),
        subpath: rest.len() > 2,
    })
}

/// One subresource's operations as the documents describe them.
#[derive(Debug, Default)]
struct SubOps {
    connect_methods: BTreeSet<String>,
    subpath: bool,
    text: bool,
    params: Params,
}

/// The operations of one path item: (method, operation) pairs, and the query parameters each
/// takes (path-level ones included).
fn operations(item: &Value) -> Vec<(&str, &Value, Vec<&Value>)> {
    let Some(item) = item.as_object() else {
        return Vec::new();
    };
    let shared: Vec<&Value> = item
        .get("parameters")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .collect();
    item.iter()
        .filter(|(method, _)| *method != "parameters")
        .map(|(method, op)| {
            let mut params = shared.clone();
            params.extend(
                op.get("parameters")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten(),
            );
            params.retain(|p| p.get("in").and_then(Value::as_str) == Some("query"));
            (method.as_str(), op, params)
        })
        .collect()
}

fn param_entry(p: &Value) -> Result<(String, (String, String))> {
    let name = p
        .get("name")
        .and_then(Value::as_str)
        .context("a parameter has no name")?;
    let ty = p
        .pointer("/schema/type")
        .and_then(Value::as_str)
        .unwrap_or("string");
    let description = p
        .get("description")
        .and_then(Value::as_str)
        .unwrap_or_default();
    Ok((name.to_string(), (ty.to_string(), description.to_string())))
}

fn response_schema(op: &Value) -> Option<&Value> {
    op.pointer("/responses/200/content")
        .and_then(Value::as_object)
        .and_then(|c| c.values().next())
        .and_then(|c| c.get("schema"))
}

/// The tables read from the documents.
#[derive(Debug, Default)]
struct Tables {
    /// Query parameters by action.
    params: BTreeMap<String, Params>,
    subresources: BTreeMap<(String, String, String, String), SubOps>,
    delete_returns_object: BTreeSet<(String, String, String)>,
}

fn read(docs: &[Value]) -> Result<Tables> {
    let mut t = Tables::default();
    let paths = || {
        docs.iter()
            .filter_map(|d| d.get("paths").and_then(Value::as_object))
            .flatten()
            .filter_map(|(path, item)| parse_path(path).map(|parts| (path, parts, item)))
    };
    // The actions' parameters first: the operations on resources.
    for (path, parts, item) in paths().filter(|(_, p, _)| p.subresource.is_empty()) {
        for (method, op, params) in operations(item) {
            let action = op
                .get("x-kubernetes-action")
                .and_then(Value::as_str)
                .with_context(|| format!("{method} {path} has no x-kubernetes-action"))?;
            let known = t.params.entry(action.to_string()).or_default();
            for p in params {
                let (name, entry) = param_entry(p).with_context(|| format!("{method} {path}"))?;
                match known.get(&name) {
                    Some(seen) if seen != &entry => bail!(
                        "{method} {path}: the parameter {name} differs from its other uses by {action}"
                    ),
                    Some(_) => {}
                    None => {
                        known.insert(name, entry);
                    }
                }
            }
            let returns_object = response_schema(op)
                .and_then(|s| s.get("$ref"))
                .and_then(Value::as_str)
                .is_some_and(|r| !r.ends_with(".meta.v1.Status"));
            if parts.named && action == "delete" && returns_object {
                t.delete_returns_object.insert((
                    parts.group.to_string(),
                    parts.version.to_string(),
                    parts.plural.to_string(),
                ));
            }
        }
    }
    for (path, parts, item) in paths().filter(|(_, p, _)| !p.subresource.is_empty()) {
        let mut found = SubOps::default();
        for (method, op, params) in operations(item) {
            let action = op.get("x-kubernetes-action").and_then(Value::as_str);
            let standard = action.and_then(|a| t.params.get(a));
            if action == Some("connect") {
                found.connect_methods.insert(method.to_string());
            } else if response_schema(op).and_then(|s| s.get("type")) == Some(&"string".into()) {
                found.text = true;
            }
            for p in params {
                let (name, entry) = param_entry(p).with_context(|| format!("{method} {path}"))?;
                if standard.and_then(|known| known.get(&name)) != Some(&entry) {
                    found.params.insert(name, entry);
                }
            }
        }
        if found.connect_methods.is_empty() && found.params.is_empty() && !found.text {
            continue;
        }
        let key = (
            parts.group.to_string(),
            parts.version.to_string(),
            parts.plural.to_string(),
            parts.subresource.to_string(),
        );
        let entry = t.subresources.entry(key).or_default();
        entry.subpath |= parts.subpath;
        entry.text |= found.text;
        entry.connect_methods.extend(found.connect_methods);
        entry.params.extend(found.params);
    }
    if t.params.is_empty() {
        bail!("the documents describe no operations on resources");
    }
    Ok(t)
}

fn lit(s: &str) -> String {
    format!("{s:?}")
}

fn params_lit(params: &Params) -> String {
    let items: Vec<String> = params
        .iter()
        .map(|(name, (ty, description))| {
            format!(
                "QueryParam {{ name: {}, ty: {}, description: {} }}",
                lit(name),
                lit(ty),
                lit(description)
            )
        })
        .collect();
    format!("&[{}]", items.join(", "))
}

fn render(t: &Tables) -> String {
    let mut s = String::new();
    s.push_str(
        "// Code generated by cargo xtask testserver-tables from openapi/v3/*.json; DO NOT EDIT.\n\n\
         //! What a Kubernetes v1.36 API server's operations take and answer beyond what discovery\n\
         //! says, for the `paths` of the OpenAPI documents.\n\n\
         use crate::openapi::params::{ActionParams, QueryParam, SubresourceOps};\n\n\
         /// The query parameters of each action (`x-kubernetes-action`), sorted by name.\n\
         pub static ACTION_PARAMS: &[ActionParams] = &[\n",
    );
    for (action, params) in &t.params {
        let _ = writeln!(
            s,
            "ActionParams {{ action: {}, params: {} }},",
            lit(action),
            params_lit(params)
        );
    }
    s.push_str("];\n\n");
    s.push_str(
        "/// The subresources discovery does not fully describe: connect ones (`exec`, `proxy`, …)\n\
         /// and those with their own query parameters (`log`).\n\
         pub static SUBRESOURCE_OPS: &[SubresourceOps] = &[\n",
    );
    for ((group, version, resource, sub), ops) in &t.subresources {
        let methods: Vec<String> = ops.connect_methods.iter().map(|m| lit(m)).collect();
        let _ = writeln!(
            s,
            "SubresourceOps {{ group: {}, version: {}, resource: {}, subresource: {}, \
             connect_methods: &[{}], subpath: {}, text: {}, params: {} }},",
            lit(group),
            lit(version),
            lit(resource),
            lit(sub),
            methods.join(", "),
            ops.subpath,
            ops.text,
            params_lit(&ops.params)
        );
    }
    s.push_str(
        "];\n\n/// The resources whose DELETE answers with the deleted object instead of a `Status`, as\n\
         /// (group, version, resource).\n\
         pub static DELETE_RETURNS_OBJECT: &[(&str, &str, &str)] = &[\n",
    );
    for (g, v, r) in &t.delete_returns_object {
        let _ = writeln!(s, "({}, {}, {}),", lit(g), lit(v), lit(r));
    }
    s.push_str("];\n");
    s
}

/// Reads every `*.json` in `dir` and renders the tables' Rust source.
pub fn generate(dir: &Path) -> Result<String> {
    let mut files: Vec<_> = fs::read_dir(dir)
        .with_context(|| format!("listing {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    let mut docs = Vec::new();
    for file in &files {
        let text =
            fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
        docs.push(
            serde_json::from_str(&text).with_context(|| format!("parsing {}", file.display()))?,
        );
    }
    let tables = read(&docs).with_context(|| format!("reading the paths of {}", dir.display()))?;
    Ok(render(&tables))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use serde_json::json;

    fn q(name: &str, ty: &str, d: &str) -> Value {
        json!({"name": name, "in": "query", "description": d, "schema": {"type": ty}})
    }

    #[test]
    fn reads_parameters_connect_subresources_and_deletes() {
        let status = json!({"200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.Status"}}}}});
        let pod = json!({"200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/io.k8s.api.core.v1.Pod"}}}}});
        let doc = json!({"paths": {
            "/api/v1/namespaces/{namespace}/pods/{name}": {
                "parameters": [q("pretty", "string", "p")],
                "delete": {"x-kubernetes-action": "delete", "responses": pod,
                    "parameters": [q("dryRun", "string", "d")]},
                "get": {"x-kubernetes-action": "get", "responses": pod},
            },
            "/api/v1/namespaces/{name}": {
                "delete": {"x-kubernetes-action": "delete", "responses": status},
            },
            "/api/v1/namespaces/{namespace}/pods/{name}/log": {
                "parameters": [q("pretty", "string", "p"), q("follow", "boolean", "f")],
                "get": {"x-kubernetes-action": "get",
                    "responses": {"200": {"content": {"text/plain": {"schema": {"type": "string"}}}}}},
            },
            "/api/v1/nodes/{name}/proxy/{path}": {
                "parameters": [q("path", "string", "the path")],
                "get": {"x-kubernetes-action": "connect"},
                "head": {"x-kubernetes-action": "connect"},
            },
        }});
        let t = read(&[doc]).unwrap();
        assert_eq!(
            t.params["delete"].keys().collect::<Vec<_>>(),
            ["dryRun", "pretty"]
        );
        let log = &t.subresources[&("".into(), "v1".into(), "pods".into(), "log".into())];
        assert!(log.text && log.connect_methods.is_empty() && !log.subpath);
        assert_eq!(log.params.keys().collect::<Vec<_>>(), ["follow"]);
        let proxy = &t.subresources[&("".into(), "v1".into(), "nodes".into(), "proxy".into())];
        assert!(proxy.subpath && !proxy.text);
        assert_eq!(
            proxy.connect_methods.iter().collect::<Vec<_>>(),
            ["get", "head"]
        );
        assert_eq!(
            t.delete_returns_object.iter().collect::<Vec<_>>(),
            [&("".into(), "v1".into(), "pods".into())]
        );
        let source = render(&t);
        assert!(source.contains("subresource: \"log\""), "{source}");
    }

    #[test]
    fn a_parameter_with_two_meanings_is_an_error() {
        let doc = json!({"paths": {
            "/apis/a/v1/xs": {"get": {"x-kubernetes-action": "list", "parameters": [q("limit", "integer", "one")]}},
            "/apis/a/v1/ys": {"get": {"x-kubernetes-action": "list", "parameters": [q("limit", "integer", "two")]}},
        }});
        let err = read(&[doc]).unwrap_err();
        assert!(err.to_string().contains("limit"), "{err}");
    }
}
