//! Builds the OpenAPI documents from the schema model: one v3 document per group/version
//! (the definitions its kinds reach, custom resources' schemas, and minimal paths whose PATCH
//! operations list the query parameters kubectl checks for), and the v2 document.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value, json};

use super::model::{self, Definition, Flavour};
use crate::generated::openapi_model::DEFINITIONS;
use crate::tables::ApiResource;

const OBJECT_META: &str = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta";
/// Definitions every group/version document carries (the real ones list them through paths).
const COMMON: &[&str] = &[
    "io.k8s.apimachinery.pkg.apis.meta.v1.APIResourceList",
    "io.k8s.apimachinery.pkg.apis.meta.v1.Status",
    "io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions",
    "io.k8s.apimachinery.pkg.apis.meta.v1.Patch",
];
/// The query parameters of the PATCH operations (kubectl's `QueryParamVerifierV3` reads them).
const PATCH_PARAMS: &[&str] = &["dryRun", "fieldManager", "fieldValidation", "force"];

/// One resource of a group/version, with the custom resource's schema if it is one.
#[derive(Debug)]
pub struct GvResource<'a> {
    /// The discovery entry.
    pub info: &'a ApiResource,
    /// A custom resource's `openAPIV3Schema` (None for built-in resources).
    pub crd_schema: Option<&'a Value>,
}

/// The index key of a group/version: `api/v1` or `apis/<group>/<version>`.
pub fn gv_key(group: &str, version: &str) -> String {
    if group.is_empty() {
        format!("api/{version}")
    } else {
        format!("apis/{group}/{version}")
    }
}

fn definition(name: &str) -> Option<&'static Definition> {
    DEFINITIONS
        .binary_search_by(|d| d.name.cmp(name))
        .ok()
        .and_then(|i| DEFINITIONS.get(i))
}

/// `roots` and every definition they reach.
fn closure(roots: impl IntoIterator<Item = &'static str>) -> BTreeSet<&'static str> {
    let mut seen = BTreeSet::new();
    let mut todo: Vec<&'static str> = roots.into_iter().collect();
    while let Some(name) = todo.pop() {
        if !seen.insert(name) {
            continue;
        }
        if let Some(def) = definition(name) {
            def.schema.references(&mut todo);
        }
    }
    seen
}

/// The definition name of a custom resource kind, as the real server forms it
/// (`com.example.v1.Widget` for group `example.com`).
fn crd_definition_name(group: &str, version: &str, kind: &str) -> String {
    let reversed: Vec<&str> = group.split('.').rev().collect();
    format!("{}.{version}.{kind}", reversed.join("."))
}

/// A custom resource's schema with `apiVersion`, `kind`, `metadata` and its group/version/kind.
fn crd_schema(schema: &Value, group: &str, version: &str, kind: &str) -> Value {
    let mut s = schema.clone();
    if let Some(obj) = s.as_object_mut() {
        obj.insert("type".into(), json!("object"));
        let props = obj
            .entry("properties")
            .or_insert_with(|| Value::Object(Map::new()));
        if let Some(props) = props.as_object_mut() {
            props.insert(
                "apiVersion".into(),
                json!({"type": "string", "description": "APIVersion defines the versioned schema of this representation of an object."}),
            );
            props.insert(
                "kind".into(),
                json!({"type": "string", "description": "Kind is a string value representing the REST resource this object represents."}),
            );
            props.insert(
                "metadata".into(),
                json!({"allOf": [{"$ref": format!("#/components/schemas/{OBJECT_META}")}], "description": "Standard object's metadata."}),
            );
        }
        obj.insert(
            "x-kubernetes-group-version-kind".into(),
            json!([{"group": group, "version": version, "kind": kind}]),
        );
    }
    s
}

fn operation(verb: &str, gvk: &Value, params: &[&str]) -> Value {
    let parameters: Vec<Value> = params
        .iter()
        .map(|p| json!({"name": p, "in": "query", "schema": {"type": "string", "uniqueItems": true}}))
        .collect();
    json!({
        "operationId": verb,
        "parameters": parameters,
        "responses": {"200": {"description": "OK"}},
        "x-kubernetes-action": verb,
        "x-kubernetes-group-version-kind": gvk,
    })
}

/// The minimal paths of one resource: list/create on the collection; get/replace/patch/delete
/// on an object, as its verbs allow.
fn resource_paths(group: &str, version: &str, r: &ApiResource, paths: &mut Map<String, Value>) {
    if r.name.contains('/') {
        return;
    }
    let gvk = json!({"group": group, "version": version, "kind": r.kind});
    let base = format!("/{}", gv_key(group, version));
    let scope = if r.namespaced {
        format!("{base}/namespaces/{{namespace}}/{}", r.name)
    } else {
        format!("{base}/{}", r.name)
    };
    let mut collection = Map::new();
    let mut item = Map::new();
    for verb in r.verbs {
        match *verb {
            "list" => collection.insert("get".into(), operation("list", &gvk, &[])),
            "create" => collection.insert(
                "post".into(),
                operation("post", &gvk, &["dryRun", "fieldManager", "fieldValidation"]),
            ),
            "get" => item.insert("get".into(), operation("get", &gvk, &[])),
            "update" => item.insert(
                "put".into(),
                operation("put", &gvk, &["dryRun", "fieldManager", "fieldValidation"]),
            ),
            "patch" => item.insert("patch".into(), operation("patch", &gvk, PATCH_PARAMS)),
            "delete" => item.insert("delete".into(), operation("delete", &gvk, &["dryRun"])),
            _ => None,
        };
    }
    if !collection.is_empty() {
        paths.insert(scope.clone(), Value::Object(collection));
    }
    if !item.is_empty() {
        paths.insert(format!("{scope}/{{name}}"), Value::Object(item));
    }
}

/// The OpenAPI v3 document of one group/version.
pub fn v3_document(group: &str, version: &str, resources: &[GvResource<'_>]) -> Value {
    let mut schemas = Map::new();
    let mut roots: Vec<&'static str> = COMMON.to_vec();
    let mut paths = Map::new();
    for r in resources {
        resource_paths(group, version, r.info, &mut paths);
        if let Some(schema) = r.crd_schema {
            let name = crd_definition_name(group, version, r.info.kind);
            schemas.insert(name, crd_schema(schema, group, version, r.info.kind));
            roots.push(OBJECT_META);
        }
    }
    roots.extend(
        DEFINITIONS
            .iter()
            .filter(|d| {
                d.schema
                    .ext
                    .gvk
                    .iter()
                    .any(|(g, v, _)| *g == group && *v == version)
            })
            .map(|d| d.name),
    );
    for name in closure(roots) {
        if let Some(def) = definition(name) {
            schemas.insert(name.to_string(), model::render(&def.schema, Flavour::V3));
        }
    }
    json!({
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": crate::version::GIT_VERSION},
        "paths": paths,
        "components": {"schemas": schemas},
    })
}

/// The OpenAPI v2 (Swagger 2.0) document: every definition, no paths.
pub fn v2_document() -> Value {
    let definitions: BTreeMap<&str, Value> = DEFINITIONS
        .iter()
        .map(|d| (d.name, model::render(&d.schema, Flavour::V2)))
        .collect();
    json!({
        "swagger": "2.0",
        "info": {"title": "Kubernetes", "version": crate::version::GIT_VERSION},
        "paths": {},
        "definitions": definitions,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::generated::resources::GROUPS;

    fn apps_v1() -> Value {
        let v = GROUPS
            .iter()
            .find(|g| g.name == "apps")
            .and_then(|g| g.versions.iter().find(|v| v.version == "v1"))
            .unwrap();
        let rs: Vec<GvResource<'_>> = v
            .resources
            .iter()
            .map(|info| GvResource {
                info,
                crd_schema: None,
            })
            .collect();
        v3_document("apps", "v1", &rs)
    }

    #[test]
    fn the_apps_document_has_deployments_and_what_they_reach() {
        let doc = apps_v1();
        let schemas = &doc["components"]["schemas"];
        let d = &schemas["io.k8s.api.apps.v1.Deployment"];
        assert_eq!(
            d["x-kubernetes-group-version-kind"][0]["kind"],
            "Deployment"
        );
        assert!(schemas.get("io.k8s.api.core.v1.PodSpec").is_some());
        assert!(schemas.get(OBJECT_META).is_some());
        assert!(schemas.get("io.k8s.api.core.v1.Pod").is_none());
        let patch =
            &doc["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]["patch"];
        assert_eq!(
            patch["x-kubernetes-group-version-kind"]["kind"],
            "Deployment"
        );
        assert!(
            patch["parameters"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p["name"] == "fieldValidation")
        );
    }

    #[test]
    fn every_reference_resolves() {
        for d in DEFINITIONS {
            let mut refs = Vec::new();
            d.schema.references(&mut refs);
            for r in refs {
                assert!(definition(r).is_some(), "{} refers to missing {r}", d.name);
            }
        }
    }

    #[test]
    fn custom_resources_get_metadata_and_their_kind() {
        let s = crd_schema(
            &json!({"type": "object", "properties": {"spec": {"type": "object"}}}),
            "example.com",
            "v1",
            "Widget",
        );
        assert_eq!(
            crd_definition_name("example.com", "v1", "Widget"),
            "com.example.v1.Widget"
        );
        assert_eq!(
            s["x-kubernetes-group-version-kind"][0]["group"],
            "example.com"
        );
        assert!(
            s["properties"]["metadata"]["allOf"][0]["$ref"]
                .as_str()
                .unwrap()
                .ends_with(OBJECT_META)
        );
        assert_eq!(s["properties"]["spec"]["type"], "object");
    }
}
