//! Builds the OpenAPI documents: one v3 document per group/version (the paths of its resources
//! as the real server builds them, the definitions those paths reach, custom resources' schemas
//! and list schemas), one for each discovery and version path, and the v2 document (every
//! built-in definition and path).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value, json};

use super::model::{self, Definition, Flavour};
use super::ops::{Paths, Schema, Style, custom_definition};
use super::{paths, render, root_paths};
use crate::apis::ApiSet;
use crate::generated::openapi_model::DEFINITIONS;
use crate::tables::ApiResource;

const OBJECT_META: &str = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta";
const LIST_META: &str = "io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta";
/// A built-in kind and list whose `apiVersion`, `kind` and `metadata` descriptions custom
/// resources' schemas reuse (the real server takes them from `TypeMeta` and
/// `PartialObjectMetadata`/`PartialObjectMetadataList`).
const SAMPLE_KIND: &str = "io.k8s.api.core.v1.Pod";
const SAMPLE_LIST: &str = "io.k8s.api.core.v1.PodList";

/// Definitions every group/version registers (`metav1.AddToGroupVersion`): a group/version's
/// document lists the core `v1` kind and its own, the v2 document every group/version's.
const GV_INDEPENDENT: &[&str] = &[
    "io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions",
    "io.k8s.apimachinery.pkg.apis.meta.v1.WatchEvent",
];

/// The `x-kubernetes-group-version-kind` of a [`GV_INDEPENDENT`] definition in the document of
/// `group`/`version`.
fn gv_independent_kinds(def: &Definition, group: &str, version: &str) -> Value {
    let kind = def.schema.ext.gvk.first().map_or("", |(_, _, k)| *k);
    let kinds: BTreeSet<(&str, &str)> = [("", "v1"), (group, version)].into_iter().collect();
    let list: Vec<Value> = kinds
        .iter()
        .map(|(g, v)| json!({"group": g, "kind": kind, "version": v}))
        .collect();
    Value::Array(list)
}

/// One resource of a group/version, with the custom resource's schema if it is one.
#[derive(Debug)]
pub struct GvResource<'a> {
    /// The discovery entry.
    pub info: &'a ApiResource,
    /// A custom resource's `openAPIV3Schema` (None for built-in resources or custom resources
    /// without a schema).
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

/// `roots` and every built-in definition they reach.
fn closure<'a>(roots: impl IntoIterator<Item = &'a str>) -> BTreeSet<&'static str> {
    let mut seen = BTreeSet::new();
    let mut todo: Vec<&'static str> = roots
        .into_iter()
        .filter_map(|r| definition(r).map(|d| d.name))
        .collect();
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

/// Every definition the operations of `paths` send or answer with.
fn referenced(paths: &Paths) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for op in paths.values().flat_map(|item| &item.ops) {
        out.extend(op.body.iter().map(|b| b.schema.clone()));
        for r in &op.responses {
            if let Schema::Def(d) = &r.schema {
                out.insert(d.clone());
            }
        }
    }
    out
}

/// The v3 rendering of property `prop` of the built-in definition `def`, with `fallback` as
/// its description if the model lacks it.
fn property(def: &str, prop: &str, fallback: Value) -> Value {
    definition(def)
        .and_then(|d| d.schema.properties.iter().find(|(n, _)| *n == prop))
        .map_or(fallback, |(_, p)| model::render(p, Flavour::V3))
}

/// Sets `apiVersion`, `kind` and `metadata` (a reference to `meta`) as the sample kind
/// `sample` has them.
fn type_meta(props: &mut Map<String, Value>, sample: &str, meta: &str) {
    for prop in ["apiVersion", "kind"] {
        props.insert(
            prop.into(),
            property(sample, prop, json!({"type": "string"})),
        );
    }
    let mut metadata = property(sample, "metadata", json!({}));
    if let Some(m) = metadata.as_object_mut() {
        m.remove("default");
    }
    metadata["allOf"] = json!([{"$ref": format!("#/components/schemas/{meta}")}]);
    props.insert("metadata".into(), metadata);
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
            type_meta(props, SAMPLE_KIND, OBJECT_META);
        }
        obj.insert(
            "x-kubernetes-group-version-kind".into(),
            json!([{"group": group, "version": version, "kind": kind}]),
        );
    }
    s
}

/// The list schema of a custom resource, as the CRD handler builds it.
fn crd_list_schema(group: &str, version: &str, kind: &str, plural: &str) -> Value {
    let item = custom_definition(group, version, kind);
    let mut props = Map::new();
    props.insert(
        "items".into(),
        json!({"type": "array", "items": {"$ref": format!("#/components/schemas/{item}")},
            "description": format!("List of {plural}. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md")}),
    );
    type_meta(&mut props, SAMPLE_LIST, LIST_META);
    json!({
        "description": format!("{kind}List is a list of {kind}"),
        "type": "object",
        "required": ["items"],
        "properties": props,
        "x-kubernetes-group-version-kind": [{"group": group, "version": version, "kind": format!("{kind}List")}],
    })
}

/// The OpenAPI v3 document of one group/version; `custom` when its resources are custom
/// resources.
pub fn v3_document(
    group: &str,
    version: &str,
    resources: &[GvResource<'_>],
    custom: bool,
) -> Value {
    let style = if custom {
        Style::Custom
    } else {
        Style::BuiltIn
    };
    let infos: Vec<&ApiResource> = resources.iter().map(|r| r.info).collect();
    let paths = paths::build(group, version, &infos, style);
    let mut schemas = Map::new();
    for r in resources.iter().filter(|_| custom) {
        let kind = r.info.kind;
        let object = match r.crd_schema {
            Some(schema) => crd_schema(schema, group, version, kind),
            None => {
                json!({"type": "object", "x-kubernetes-group-version-kind": [{"group": group, "version": version, "kind": kind}]})
            }
        };
        schemas.insert(custom_definition(group, version, kind), object);
        let list = format!("{kind}List");
        schemas.insert(
            custom_definition(group, version, &list),
            crd_list_schema(group, version, kind, r.info.name),
        );
    }
    let gv = (!custom).then_some((group, version));
    v3(&paths, schemas, gv)
}

/// An OpenAPI v3 document: `paths`, the built-in definitions their operations and the `own`
/// schemas reach, and `own`. `builtin_gv` is the built-in group/version the document is of.
fn v3(paths: &Paths, mut own: Map<String, Value>, builtin_gv: Option<(&str, &str)>) -> Value {
    let mut roots = referenced(paths);
    if !own.is_empty() {
        roots.extend([OBJECT_META.to_string(), LIST_META.to_string()]);
    }
    for name in closure(roots.iter().map(String::as_str)) {
        if let Some(def) = definition(name) {
            let mut schema = model::render(&def.schema, Flavour::V3);
            if let Some((group, version)) = builtin_gv
                && GV_INDEPENDENT.contains(&name)
            {
                schema["x-kubernetes-group-version-kind"] =
                    gv_independent_kinds(def, group, version);
            }
            own.insert(name.to_string(), schema);
        }
    }
    let mut components = Map::new();
    if !own.is_empty() {
        components.insert("schemas".into(), Value::Object(own));
    }
    components.insert("securitySchemes".into(), security_schemes());
    json!({
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": "unversioned"},
        "paths": render::v3(paths),
        "components": components,
    })
}

fn security_schemes() -> Value {
    json!({"BearerToken": {"description": "Bearer Token authentication", "in": "header", "name": "authorization", "type": "apiKey"}})
}

/// The documents of the discovery and version paths (`api`, `apis`, `apis/<group>`, `version`),
/// by index key.
pub fn root_documents() -> Vec<(String, Value)> {
    root_paths::documents()
        .into_iter()
        .map(|(key, paths)| (key, v3(&paths, Map::new(), None)))
        .collect()
}

/// The paths of every built-in group/version and of the discovery and version paths.
fn builtin_paths(apis: &ApiSet) -> Paths {
    let mut all = Paths::new();
    for g in apis.groups() {
        for v in g.versions {
            let infos: Vec<&ApiResource> = v.resources.iter().collect();
            all.extend(paths::build(g.name, v.version, &infos, Style::BuiltIn));
        }
    }
    for (_, paths) in root_paths::documents() {
        all.extend(paths);
    }
    all
}

/// The OpenAPI v2 (Swagger 2.0) document: the paths of the served group/versions and the
/// definitions they reach.
pub fn v2_document(apis: &ApiSet) -> Value {
    let all_paths = builtin_paths(apis);
    let reached = closure(
        referenced(&all_paths)
            .iter()
            .map(String::as_str)
            .chain(GV_INDEPENDENT.iter().copied()),
    );
    let served: BTreeSet<(&str, &str)> = apis
        .groups()
        .iter()
        .flat_map(|g| g.versions.iter().map(|v| (g.name, v.version)))
        .collect();
    let definitions: BTreeMap<&str, Value> = DEFINITIONS
        .iter()
        .filter(|d| reached.contains(d.name))
        .map(|d| {
            let mut schema = model::render(&d.schema, Flavour::V2);
            if GV_INDEPENDENT.contains(&d.name) {
                let kind = d.schema.ext.gvk.first().map_or("", |(_, _, k)| *k);
                let kinds: Vec<Value> = served
                    .iter()
                    .map(|(g, v)| json!({"group": g, "kind": kind, "version": v}))
                    .collect();
                schema["x-kubernetes-group-version-kind"] = Value::Array(kinds);
            }
            (d.name, schema)
        })
        .collect();
    let (paths, parameters) = render::v2(&all_paths);
    json!({
        "swagger": "2.0",
        "info": {"title": "Kubernetes", "version": "unversioned"},
        "paths": paths,
        "definitions": definitions,
        "parameters": parameters,
        "securityDefinitions": security_schemes(),
        "security": [{"BearerToken": []}],
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
        v3_document("apps", "v1", &rs, false)
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
            custom_definition("example.com", "v1", "Widget"),
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
