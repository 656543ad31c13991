//! Structural-schema handling of custom objects: pruning of unknown fields (kept where the schema
//! says `x-kubernetes-preserve-unknown-fields`) and validation of types, `required`, `enum`,
//! `nullable` and numeric/length/item bounds, with the real server's error wording.

use serde_json::{Map, Value};

use crate::api::status::FieldError;

fn preserves(schema: &Value) -> bool {
    schema["x-kubernetes-preserve-unknown-fields"] == Value::Bool(true)
}

/// Removes the fields `schema` does not know, as the real server does before validation. The
/// root keeps `apiVersion`, `kind` and `metadata`.
pub fn prune(schema: &Value, obj: &mut Value) {
    prune_at(schema, obj, true);
}

fn prune_at(schema: &Value, v: &mut Value, root: bool) {
    match v {
        Value::Object(map) => {
            let props = schema.get("properties").and_then(Value::as_object);
            let additional = schema.get("additionalProperties").filter(|a| a.is_object());
            let embedded = schema["x-kubernetes-embedded-resource"] == Value::Bool(true);
            let keep_all = preserves(schema) || schema["additionalProperties"] == Value::Bool(true);
            let keys: Vec<String> = map.keys().cloned().collect();
            for k in keys {
                let meta_field = (root || embedded) && matches!(k.as_str(), "apiVersion" | "kind");
                if (root || embedded) && k == "metadata" {
                    continue;
                }
                if meta_field {
                    continue;
                }
                let sub = props.and_then(|p| p.get(&k)).or(additional);
                match sub {
                    Some(sub) => {
                        if let Some(child) = map.get_mut(&k) {
                            prune_at(sub, child, false);
                        }
                    }
                    None if keep_all => {}
                    None => {
                        map.remove(&k);
                    }
                }
            }
        }
        Value::Array(items) => {
            if let Some(item_schema) = schema.get("items") {
                for item in items {
                    prune_at(item_schema, item, false);
                }
            }
        }
        _ => {}
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn type_matches(expected: &str, v: &Value) -> bool {
    match expected {
        "" => true,
        "number" => v.is_number(),
        t => type_name(v) == t,
    }
}

/// Validates `obj` against `schema`; the root's `apiVersion`, `kind` and `metadata` are checked
/// elsewhere.
pub fn validate(schema: &Value, obj: &Value) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let Some(map) = obj.as_object() else {
        return errs;
    };
    let mut root = Map::new();
    for (k, v) in map {
        if !matches!(k.as_str(), "apiVersion" | "kind" | "metadata") {
            root.insert(k.clone(), v.clone());
        }
    }
    let mut schema = schema.clone();
    if let Some(props) = schema.get_mut("properties").and_then(Value::as_object_mut) {
        for k in ["apiVersion", "kind", "metadata"] {
            props.remove(k);
        }
    }
    if let Some(req) = schema.get_mut("required").and_then(Value::as_array_mut) {
        req.retain(|r| !matches!(r.as_str(), Some("apiVersion" | "kind" | "metadata")));
    }
    check(&schema, &Value::Object(root), "", &mut errs);
    errs
}

fn child(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

fn check(schema: &Value, v: &Value, path: &str, errs: &mut Vec<FieldError>) {
    let ty = schema.get("type").and_then(Value::as_str).unwrap_or("");
    let int_or_string = schema["x-kubernetes-int-or-string"] == Value::Bool(true);
    let shown = if path.is_empty() { "body" } else { path };
    if v.is_null() {
        if schema["nullable"] != Value::Bool(true) && !ty.is_empty() {
            errs.push(FieldError::invalid(
                path,
                "null",
                format!("{shown} in body must be of type {ty}: \"null\""),
            ));
        }
        return;
    }
    if int_or_string {
        if !(v.is_string() || type_name(v) == "integer") {
            errs.push(FieldError::invalid(
                path,
                type_name(v),
                format!(
                    "{shown} in body must be of type integer-or-string: {:?}",
                    type_name(v)
                ),
            ));
        }
    } else if !type_matches(ty, v) {
        errs.push(FieldError::invalid(
            path,
            type_name(v),
            format!("{shown} in body must be of type {ty}: {:?}", type_name(v)),
        ));
        return;
    }
    if let Some(options) = schema.get("enum").and_then(Value::as_array)
        && !options.contains(v)
    {
        let supported: Vec<String> = options
            .iter()
            .map(|o| o.as_str().map_or_else(|| o.to_string(), str::to_string))
            .collect();
        let refs: Vec<&str> = supported.iter().map(String::as_str).collect();
        let value = v.as_str().map_or_else(|| v.to_string(), str::to_string);
        errs.push(FieldError::not_supported(path, &value, &refs));
    }
    bounds(schema, v, path, shown, errs);
    match v {
        Value::Object(map) => {
            if let Some(req) = schema.get("required").and_then(Value::as_array) {
                for r in req.iter().filter_map(Value::as_str) {
                    if !map.contains_key(r) {
                        errs.push(FieldError::required(&child(path, r), ""));
                    }
                }
            }
            let props = schema.get("properties").and_then(Value::as_object);
            let additional = schema.get("additionalProperties").filter(|a| a.is_object());
            for (k, val) in map {
                if let Some(sub) = props.and_then(|p| p.get(k)).or(additional) {
                    check(sub, val, &child(path, k), errs);
                }
            }
        }
        Value::Array(items) => {
            if let Some(item_schema) = schema.get("items") {
                for (i, item) in items.iter().enumerate() {
                    check(item_schema, item, &format!("{path}[{i}]"), errs);
                }
            }
        }
        _ => {}
    }
}

fn bounds(schema: &Value, v: &Value, path: &str, shown: &str, errs: &mut Vec<FieldError>) {
    let num = |k: &str| schema.get(k).and_then(Value::as_f64);
    if let Some(x) = v.as_f64() {
        if let Some(min) = num("minimum") {
            let exclusive = schema["exclusiveMinimum"] == Value::Bool(true);
            if x < min || (exclusive && x == min) {
                let op = if exclusive {
                    "greater than"
                } else {
                    "greater than or equal to"
                };
                errs.push(FieldError::invalid_value(
                    path,
                    v,
                    format!("{shown} in body should be {op} {}", schema["minimum"]),
                ));
            }
        }
        if let Some(max) = num("maximum") {
            let exclusive = schema["exclusiveMaximum"] == Value::Bool(true);
            if x > max || (exclusive && x == max) {
                let op = if exclusive {
                    "less than"
                } else {
                    "less than or equal to"
                };
                errs.push(FieldError::invalid_value(
                    path,
                    v,
                    format!("{shown} in body should be {op} {}", schema["maximum"]),
                ));
            }
        }
    }
    if let Some(s) = v.as_str() {
        let len = s.chars().count() as f64;
        if let Some(max) = num("maxLength").filter(|m| len > *m) {
            errs.push(FieldError::invalid_value(
                path,
                v,
                format!("{shown} in body should be at most {max} chars long"),
            ));
        }
        if let Some(min) = num("minLength").filter(|m| len < *m) {
            errs.push(FieldError::invalid_value(
                path,
                v,
                format!("{shown} in body should be at least {min} chars long"),
            ));
        }
    }
    if let Some(a) = v.as_array() {
        let len = a.len() as f64;
        if let Some(max) = num("maxItems").filter(|m| len > *m) {
            errs.push(FieldError::invalid_value(
                path,
                &Value::from(a.len()),
                format!("{shown} in body should have at most {max} items"),
            ));
        }
        if let Some(min) = num("minItems").filter(|m| len < *m) {
            errs.push(FieldError::invalid_value(
                path,
                &Value::from(a.len()),
                format!("{shown} in body should have at least {min} items"),
            ));
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schema() -> Value {
        json!({"type": "object", "properties": {
            "spec": {"type": "object", "required": ["size"], "properties": {
                "size": {"type": "integer", "minimum": 0},
                "color": {"type": "string", "enum": ["red", "green"]},
                "extra": {"type": "object", "x-kubernetes-preserve-unknown-fields": true},
                "tags": {"type": "array", "items": {"type": "object", "properties": {"k": {"type": "string"}}}}}}}})
    }

    #[test]
    fn prunes_unknown_fields() {
        let mut o = json!({"apiVersion": "x/v1", "kind": "W", "metadata": {"name": "a"},
            "junk": 1, "spec": {"size": 1, "nope": true, "extra": {"any": 1},
            "tags": [{"k": "a", "v": "b"}]}});
        prune(&schema(), &mut o);
        assert_eq!(
            o,
            json!({"apiVersion": "x/v1", "kind": "W", "metadata": {"name": "a"},
            "spec": {"size": 1, "extra": {"any": 1}, "tags": [{"k": "a"}]}})
        );
    }

    #[test]
    fn reports_errors_like_the_real_server() {
        let o = json!({"spec": {"size": "big", "color": "blue"}});
        let msgs: Vec<String> = validate(&schema(), &o)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            msgs,
            [
                "spec.color: Unsupported value: \"blue\": supported values: \"red\", \"green\"",
                "spec.size: Invalid value: \"string\": spec.size in body must be of type integer: \"string\"",
            ]
        );
        let o = json!({"spec": {"size": -1}});
        let msgs: Vec<String> = validate(&schema(), &o)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            msgs,
            [
                "spec.size: Invalid value: -1: spec.size in body should be greater than or equal to 0"
            ]
        );
        let msgs: Vec<String> = validate(&schema(), &json!({"spec": {}}))
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(msgs, ["spec.size: Required value"]);
    }
}
