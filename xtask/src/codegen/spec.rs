//! Reading the OpenAPI spec: a directory of OpenAPI v3 documents (one per group-version, as the
//! API server serves them under `/openapi/v3`) or a Swagger 2.0 `swagger.json`, normalised into
//! one [`Spec`]: every schema definition by name, and every operation on every path.
//!
//! Only the parts the generator uses are read; everything else in the documents is ignored.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use anyhow::{Context, Result, bail};
use serde::Deserialize;
use serde_json::Value;

/// A schema (a definition, a property or an item type), as far as the generator reads it.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct Schema {
    /// `type`: `object`, `string`, `integer`, `number`, `boolean`, `array`.
    #[serde(rename = "type")]
    pub ty: Option<String>,
    /// `format`: `int32`, `int64`, `double`, `byte`, `date-time`, `int-or-string`, …
    pub format: Option<String>,
    /// `description`.
    pub description: Option<String>,
    /// `properties` of an object.
    #[serde(default)]
    pub properties: BTreeMap<String, Schema>,
    /// `required` property names.
    #[serde(default)]
    pub required: Vec<String>,
    /// `items` of an array.
    pub items: Option<Box<Schema>>,
    /// `additionalProperties`: a schema, or `true`/`false`.
    #[serde(rename = "additionalProperties")]
    pub additional_properties: Option<Value>,
    /// `$ref`, already reduced to the definition's name.
    #[serde(rename = "$ref")]
    pub reference: Option<String>,
    /// `allOf` (OpenAPI v3 wraps references to add a description: `allOf: [{$ref}]`).
    #[serde(rename = "allOf", default)]
    pub all_of: Vec<Schema>,
    /// `enum` values.
    #[serde(rename = "enum")]
    pub enum_values: Option<Vec<Value>>,
    /// `x-kubernetes-group-version-kind` of a definition.
    #[serde(rename = "x-kubernetes-group-version-kind", default)]
    pub gvk: Vec<Gvk>,
    /// `x-kubernetes-list-type` (`atomic`, `set`, `map`), read for apply configurations.
    #[serde(rename = "x-kubernetes-list-type")]
    pub list_type: Option<String>,
    /// `x-kubernetes-list-map-keys` of a `map` list.
    #[serde(rename = "x-kubernetes-list-map-keys", default)]
    pub list_map_keys: Vec<String>,
    /// `x-kubernetes-map-type` (`atomic`, `granular`) of a map or struct.
    #[serde(rename = "x-kubernetes-map-type")]
    pub map_type: Option<String>,
    /// `x-kubernetes-patch-strategy` (`merge`, `replace`, `retainKeys`, comma-separated).
    #[serde(rename = "x-kubernetes-patch-strategy")]
    pub patch_strategy: Option<String>,
    /// `x-kubernetes-patch-merge-key`.
    #[serde(rename = "x-kubernetes-patch-merge-key")]
    pub patch_merge_key: Option<String>,
}

impl Schema {
    /// The definition this schema refers to, directly or through a one-element `allOf`.
    pub fn target(&self) -> Option<&str> {
        if let Some(r) = &self.reference {
            return Some(r);
        }
        match self.all_of.as_slice() {
            [only] => only.target(),
            _ => None,
        }
    }

    /// The schema of `additionalProperties` when it is a schema (a map's value type).
    pub fn map_values(&self) -> Result<Option<Schema>> {
        match &self.additional_properties {
            None | Some(Value::Bool(false)) => Ok(None),
            Some(Value::Bool(true)) => Ok(Some(Schema::default())),
            Some(value) => {
                let mut schema: Schema = serde_json::from_value(value.clone())
                    .context("additionalProperties is not a schema")?;
                schema.normalise_refs();
                Ok(Some(schema))
            }
        }
    }

    /// Strips `#/components/schemas/` and `#/definitions/` from every reference, recursively.
    fn normalise_refs(&mut self) {
        if let Some(r) = &mut self.reference {
            *r = ref_name(r).to_string();
        }
        for p in self.properties.values_mut() {
            p.normalise_refs();
        }
        for s in &mut self.all_of {
            s.normalise_refs();
        }
        if let Some(items) = &mut self.items {
            items.normalise_refs();
        }
        if let Some(Value::Object(map)) = &mut self.additional_properties
            && let Some(Value::String(r)) = map.get_mut("$ref")
        {
            *r = ref_name(r).to_string();
        }
    }
}

/// A group/version/kind as the spec writes it.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
pub struct Gvk {
    /// The API group (empty for the core group).
    pub group: String,
    /// The version.
    pub version: String,
    /// The kind.
    pub kind: String,
}

/// One query parameter of an operation.
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    /// The parameter's name in the query string.
    pub name: String,
    /// Its description.
    pub description: Option<String>,
    /// `string`, `boolean` or `integer`.
    pub ty: String,
}

/// What an operation answers with.
#[derive(Debug, Clone, PartialEq)]
pub enum Response {
    /// A definition, by name.
    Object(String),
    /// A plain string body (logs).
    Text,
    /// Nothing usable.
    None,
}

/// One operation: an HTTP method on a path.
#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    /// The path, such as `/api/v1/namespaces/{namespace}/pods/{name}/log`.
    pub path: String,
    /// The lower-case HTTP method.
    pub method: String,
    /// `x-kubernetes-action`: get, list, watch, watchlist, post, put, patch, delete,
    /// deletecollection or connect.
    pub action: Option<String>,
    /// `x-kubernetes-group-version-kind` of the operation.
    pub gvk: Option<Gvk>,
    /// The operation's description.
    pub description: Option<String>,
    /// Query parameters (path and operation level together), sorted by name.
    pub query: Vec<Param>,
    /// The definition of the request body, if any.
    pub body: Option<String>,
    /// The success response.
    pub response: Response,
}

/// The whole spec, normalised.
#[derive(Debug, Clone, Default)]
pub struct Spec {
    /// Every definition by name (`io.k8s.api.core.v1.Pod`).
    pub definitions: BTreeMap<String, Schema>,
    /// Every operation, sorted by path then method.
    pub operations: Vec<Operation>,
}

/// The name a `$ref` points at.
pub fn ref_name(reference: &str) -> &str {
    reference
        .strip_prefix("#/components/schemas/")
        .or_else(|| reference.strip_prefix("#/definitions/"))
        .unwrap_or(reference)
}

/// Reads `path`: a directory of v3 documents (`*.json`) or one v2/v3 file.
pub fn load(path: &Path) -> Result<Spec> {
    let mut spec = Spec::default();
    if path.is_dir() {
        let mut files: Vec<_> = fs::read_dir(path)
            .with_context(|| format!("listing {}", path.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        files.sort();
        if files.is_empty() {
            bail!("{} holds no *.json OpenAPI documents", path.display());
        }
        for file in files {
            read_document(&file, &mut spec)?;
        }
    } else {
        read_document(path, &mut spec)?;
    }
    Ok(finish(spec))
}

/// The spec of documents already parsed (fetched from a cluster), each named by where it came
/// from for error messages.
pub fn from_documents(docs: &[(String, Value)]) -> Result<Spec> {
    let mut spec = Spec::default();
    for (name, doc) in docs {
        parse_document(doc, &mut spec)
            .with_context(|| format!("reading the OpenAPI document {name}"))?;
    }
    Ok(finish(spec))
}

/// Sorts and deduplicates the operations (the same path appears in several documents).
fn finish(mut spec: Spec) -> Spec {
    spec.operations
        .sort_by(|a, b| (&a.path, &a.method).cmp(&(&b.path, &b.method)));
    spec.operations.dedup();
    spec
}

fn read_document(file: &Path, spec: &mut Spec) -> Result<()> {
    let text = fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let doc: Value = serde_json::from_str(&text)
        .with_context(|| format!("parsing {} as JSON", file.display()))?;
    parse_document(&doc, spec)
        .with_context(|| format!("reading the OpenAPI document {}", file.display()))
}

/// Adds the definitions and operations of one parsed document to `spec`.
pub fn parse_document(doc: &Value, spec: &mut Spec) -> Result<()> {
    let v3 = doc.get("openapi").is_some();
    let schemas = if v3 {
        doc.pointer("/components/schemas")
    } else {
        doc.get("definitions")
    };
    if let Some(Value::Object(schemas)) = schemas {
        for (name, raw) in schemas {
            let mut schema: Schema = serde_json::from_value(raw.clone())
                .with_context(|| format!("definition {name}"))?;
            schema.normalise_refs();
            // The same definition appears in many v3 documents. Apimachinery's DeleteOptions and
            // WatchEvent differ only in their list of kinds; the generator does not emit those.
            spec.definitions.entry(name.clone()).or_insert(schema);
        }
    }
    let shared_params = doc.get("parameters").cloned().unwrap_or(Value::Null);
    if let Some(Value::Object(paths)) = doc.get("paths") {
        for (path, item) in paths {
            read_path(path, item, &shared_params, v3, &mut spec.operations)
                .with_context(|| format!("path {path}"))?;
        }
    }
    Ok(())
}

fn read_path(
    path: &str,
    item: &Value,
    shared: &Value,
    v3: bool,
    out: &mut Vec<Operation>,
) -> Result<()> {
    let Value::Object(item) = item else {
        bail!("the path item is not an object");
    };
    let common = item.get("parameters").cloned().unwrap_or(Value::Null);
    for (method, op) in item {
        if method == "parameters" {
            continue;
        }
        let mut query = BTreeMap::new();
        let mut body = None;
        for raw in params(&common).chain(params(op.get("parameters").unwrap_or(&Value::Null))) {
            let param = resolve_param(raw, shared)?;
            match param.get("in").and_then(Value::as_str) {
                Some("query") => {
                    let name = str_field(param, "name")?;
                    let ty = if v3 {
                        param.pointer("/schema/type")
                    } else {
                        param.get("type")
                    };
                    query.insert(
                        name.to_string(),
                        Param {
                            name: name.to_string(),
                            description: param
                                .get("description")
                                .and_then(Value::as_str)
                                .map(String::from),
                            ty: ty.and_then(Value::as_str).unwrap_or("string").to_string(),
                        },
                    );
                }
                Some("body") => body = schema_ref(param.get("schema")),
                _ => {}
            }
        }
        if v3 {
            body = op
                .pointer("/requestBody/content")
                .and_then(Value::as_object)
                .and_then(|c| c.values().next())
                .and_then(|c| schema_ref(c.get("schema")));
        }
        let gvk = match op.get("x-kubernetes-group-version-kind") {
            Some(v) => {
                Some(serde_json::from_value(v.clone()).context("x-kubernetes-group-version-kind")?)
            }
            None => None,
        };
        out.push(Operation {
            path: path.to_string(),
            method: method.clone(),
            action: op
                .get("x-kubernetes-action")
                .and_then(Value::as_str)
                .map(String::from),
            gvk,
            description: op
                .get("description")
                .and_then(Value::as_str)
                .map(String::from),
            query: query.into_values().collect(),
            body,
            response: response(op, v3),
        });
    }
    Ok(())
}

fn params(list: &Value) -> impl Iterator<Item = &Value> {
    list.as_array().into_iter().flatten()
}

fn resolve_param<'a>(param: &'a Value, shared: &'a Value) -> Result<&'a Value> {
    match param.get("$ref").and_then(Value::as_str) {
        Some(r) => {
            let name = r.strip_prefix("#/parameters/").unwrap_or(r);
            shared
                .get(name)
                .with_context(|| format!("the parameter reference {r} points nowhere"))
        }
        None => Ok(param),
    }
}

fn str_field<'a>(v: &'a Value, field: &str) -> Result<&'a str> {
    v.get(field)
        .and_then(Value::as_str)
        .with_context(|| format!("a parameter has no {field}"))
}

fn schema_ref(schema: Option<&Value>) -> Option<String> {
    schema
        .and_then(|s| s.get("$ref"))
        .and_then(Value::as_str)
        .map(|r| ref_name(r).to_string())
}

/// The 200 (else 201) response's schema.
fn response(op: &Value, v3: bool) -> Response {
    let Some(responses) = op.get("responses") else {
        return Response::None;
    };
    let ok = responses.get("200").or_else(|| responses.get("201"));
    let schema = match ok {
        Some(ok) if v3 => ok
            .get("content")
            .and_then(Value::as_object)
            .and_then(|c| c.get("application/json").or_else(|| c.values().next()))
            .and_then(|c| c.get("schema")),
        Some(ok) => ok.get("schema"),
        None => None,
    };
    match schema {
        Some(s) if s.get("$ref").is_some() => {
            schema_ref(Some(s)).map_or(Response::None, Response::Object)
        }
        Some(s) if s.get("type").and_then(Value::as_str) == Some("string") => Response::Text,
        _ => Response::None,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;
    use serde_json::json;

    #[test]
    fn reads_v3_and_v2_documents_alike() {
        let v3 = json!({
            "openapi": "3.0.0",
            "components": {"schemas": {"io.k8s.api.x.v1.A": {
                "type": "object",
                "properties": {"b": {"allOf": [{"$ref": "#/components/schemas/io.k8s.api.x.v1.B"}]}}
            }}},
            "paths": {"/apis/x/v1/as": {
                "parameters": [{"in": "query", "name": "pretty", "schema": {"type": "string"}}],
                "post": {
                    "x-kubernetes-action": "post",
                    "requestBody": {"content": {"*/*": {"schema": {"$ref": "#/components/schemas/io.k8s.api.x.v1.A"}}}},
                    "responses": {"201": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/io.k8s.api.x.v1.A"}}}}}
                }
            }}
        });
        let v2 = json!({
            "swagger": "2.0",
            "definitions": {"io.k8s.api.x.v1.A": {
                "type": "object",
                "properties": {"b": {"$ref": "#/definitions/io.k8s.api.x.v1.B"}}
            }},
            "parameters": {"pretty-x": {"in": "query", "name": "pretty", "type": "string"}},
            "paths": {"/apis/x/v1/as": {
                "parameters": [{"$ref": "#/parameters/pretty-x"}],
                "post": {
                    "x-kubernetes-action": "post",
                    "parameters": [{"in": "body", "name": "body", "schema": {"$ref": "#/definitions/io.k8s.api.x.v1.A"}}],
                    "responses": {"201": {"schema": {"$ref": "#/definitions/io.k8s.api.x.v1.A"}}}
                }
            }}
        });
        for doc in [v3, v2] {
            let mut spec = Spec::default();
            parse_document(&doc, &mut spec).unwrap();
            let a = &spec.definitions["io.k8s.api.x.v1.A"];
            assert_eq!(a.properties["b"].target(), Some("io.k8s.api.x.v1.B"));
            let op = &spec.operations[0];
            assert_eq!(op.body.as_deref(), Some("io.k8s.api.x.v1.A"));
            assert_eq!(op.response, Response::Object("io.k8s.api.x.v1.A".into()));
            assert_eq!(op.query[0].name, "pretty");
        }
    }

    #[test]
    fn a_broken_parameter_reference_is_an_error() {
        let doc = json!({"swagger": "2.0", "paths": {"/p": {"get": {"parameters": [{"$ref": "#/parameters/nope"}]}}}});
        let err = parse_document(&doc, &mut Spec::default()).unwrap_err();
        assert!(format!("{err:#}").contains("points nowhere"), "{err:#}");
    }
}
