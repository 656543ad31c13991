//! The built [`Paths`](super::ops::Paths) as JSON: OpenAPI v3 (`requestBody`, `content` per
//! media type, `schema` in parameters) or Swagger 2.0 (a `body` parameter, `consumes` and
//! `produces`, parameters used more than once shared under the top-level `parameters`).

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::model::Flavour;
use super::ops::{Op, Param, PathItem, Paths, Schema};

fn reference(def: &str, flavour: Flavour) -> Value {
    match flavour {
        Flavour::V3 => json!({"$ref": format!("#/components/schemas/{def}")}),
        Flavour::V2 => json!({"$ref": format!("#/definitions/{def}")}),
    }
}

fn schema(s: &Schema, flavour: Flavour) -> Value {
    match s {
        Schema::Def(def) => reference(def, flavour),
        Schema::Text => json!({"type": "string"}),
    }
}

fn param(p: &Param, flavour: Flavour) -> Value {
    let mut m = Map::new();
    m.insert("description".into(), json!(p.description));
    m.insert("in".into(), json!(p.location));
    m.insert("name".into(), json!(p.name));
    if p.location == "path" {
        m.insert("required".into(), json!(true));
    }
    match flavour {
        Flavour::V3 => {
            m.insert("schema".into(), json!({"type": p.ty, "uniqueItems": true}));
        }
        Flavour::V2 => {
            m.insert("type".into(), json!(p.ty));
            m.insert("uniqueItems".into(), json!(true));
        }
    }
    Value::Object(m)
}

fn gvk(op: &Op) -> Option<Value> {
    op.gvk
        .as_ref()
        .map(|[g, v, k]| json!({"group": g, "kind": k, "version": v}))
}

fn operation(op: &Op, flavour: Flavour) -> Value {
    let mut m = Map::new();
    if !op.description.is_empty() {
        m.insert("description".into(), json!(op.description));
    }
    m.insert("operationId".into(), json!(op.id));
    let mut params: Vec<Value> = op.params.iter().map(|p| param(p, flavour)).collect();
    let mut responses = Map::new();
    for r in &op.responses {
        let body = match flavour {
            Flavour::V3 => {
                let content: Map<String, Value> = op
                    .produces
                    .iter()
                    .map(|t| {
                        (
                            (*t).to_string(),
                            json!({"schema": schema(&r.schema, flavour)}),
                        )
                    })
                    .collect();
                json!({"content": content, "description": r.description})
            }
            Flavour::V2 => {
                json!({"description": r.description, "schema": schema(&r.schema, flavour)})
            }
        };
        responses.insert(r.code.into(), body);
    }
    responses.insert("401".into(), json!({"description": "Unauthorized"}));
    match flavour {
        Flavour::V3 => {
            if let Some(body) = &op.body {
                let content: Map<String, Value> = op
                    .consumes
                    .iter()
                    .map(|t| {
                        (
                            (*t).to_string(),
                            json!({"schema": reference(&body.schema, flavour)}),
                        )
                    })
                    .collect();
                let mut rb = json!({"content": content});
                if body.required {
                    rb["required"] = json!(true);
                }
                m.insert("requestBody".into(), rb);
            }
        }
        Flavour::V2 => {
            if let Some(body) = &op.body {
                let mut p = json!({"in": "body", "name": "body", "schema": reference(&body.schema, flavour)});
                if body.required {
                    p["required"] = json!(true);
                }
                params.insert(0, p);
            }
            for (key, media) in [("consumes", op.consumes), ("produces", op.produces)] {
                if !media.is_empty() {
                    m.insert(key.into(), json!(media));
                }
            }
            m.insert("schemes".into(), json!(["https"]));
        }
    }
    if !params.is_empty() {
        m.insert("parameters".into(), Value::Array(params));
    }
    m.insert("responses".into(), Value::Object(responses));
    m.insert("tags".into(), json!([op.tag]));
    if let Some(action) = op.action {
        m.insert("x-kubernetes-action".into(), json!(action));
    }
    if let Some(gvk) = gvk(op) {
        m.insert("x-kubernetes-group-version-kind".into(), gvk);
    }
    Value::Object(m)
}

fn path_item(item: &PathItem, flavour: Flavour) -> Value {
    let mut m = Map::new();
    for op in &item.ops {
        m.insert(op.method.into(), operation(op, flavour));
    }
    if !item.params.is_empty() {
        let params: Vec<Value> = item.params.iter().map(|p| param(p, flavour)).collect();
        m.insert("parameters".into(), Value::Array(params));
    }
    Value::Object(m)
}

/// The `paths` object of an OpenAPI v3 document.
pub fn v3(paths: &Paths) -> Value {
    let m: Map<String, Value> = paths
        .iter()
        .map(|(path, item)| (path.clone(), path_item(item, Flavour::V3)))
        .collect();
    Value::Object(m)
}

/// An 8-character content hash for the names of shared parameters.
fn short_hash(v: &Value) -> String {
    let mut h = 0xcbf2_9ce4_8422_2325_u64;
    for b in v.to_string().bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{:08x}", h >> 32)
}

/// The `paths` and shared `parameters` of a Swagger 2.0 document: every parameter used more
/// than once is written once under `parameters` and referred to.
pub fn v2(paths: &Paths) -> (Value, Value) {
    let mut out: Map<String, Value> = paths
        .iter()
        .map(|(path, item)| (path.clone(), path_item(item, Flavour::V2)))
        .collect();
    let mut uses: BTreeMap<String, usize> = BTreeMap::new();
    for item in out.values().filter_map(Value::as_object) {
        for x in item.values() {
            let list = x
                .as_array()
                .or_else(|| x.get("parameters").and_then(Value::as_array));
            for p in list.into_iter().flatten() {
                *uses.entry(p.to_string()).or_default() += 1;
            }
        }
    }
    let mut shared = Map::new();
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    for item in out.values_mut().filter_map(Value::as_object_mut) {
        for x in item.values_mut() {
            let list = if x.is_array() {
                x.as_array_mut()
            } else {
                x.get_mut("parameters").and_then(Value::as_array_mut)
            };
            for p in list.into_iter().flatten() {
                let text = p.to_string();
                if uses.get(&text).copied().unwrap_or(0) < 2 {
                    continue;
                }
                let name = names
                    .entry(text)
                    .or_insert_with(|| {
                        let n = p.get("name").and_then(Value::as_str).unwrap_or("param");
                        let mut name = format!("{n}-{}", short_hash(p));
                        // Another parameter with the same short hash gets a suffix.
                        while shared.get(&name).is_some_and(|other| other != p) {
                            name.push('_');
                        }
                        name
                    })
                    .clone();
                shared.insert(name.clone(), p.clone());
                *p = json!({"$ref": format!("#/parameters/{name}")});
            }
        }
    }
    (Value::Object(out), Value::Object(shared))
}
