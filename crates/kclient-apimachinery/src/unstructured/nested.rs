//! Nested-field helpers over JSON objects, as client-go's `unstructured.NestedString`,
//! `NestedInt64`, `SetNestedField`, `RemoveNestedField` and friends.
//!
//! Paths are slices of field names (`&["spec", "replicas"]`). Getters return `Ok(None)` when a
//! field (or a parent) is missing or `null`, and an error naming the path when a value has the
//! wrong JSON type. Setters create missing parent objects and fail if a parent is not an object.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::Error;

/// `.a.b.c`, the path form client-go uses in messages.
fn json_path(path: &[&str]) -> String {
    path.iter().map(|p| format!(".{p}")).collect()
}

/// The JSON type name of a value.
fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn wrong_type(path: &[&str], expected: &'static str, found: &Value) -> Error {
    Error::NestedFieldType {
        path: json_path(path),
        expected,
        found: type_name(found),
    }
}

/// The value at `path` (`NestedFieldNoCopy`): `None` if it or a parent is missing (a `null`
/// parent counts as missing); an error if a parent is not an object.
pub fn nested_field<'a>(
    obj: &'a Map<String, Value>,
    path: &[&str],
) -> Result<Option<&'a Value>, Error> {
    let Some((last, parents)) = path.split_last() else {
        return Err(Error::EmptyFieldPath);
    };
    let mut current = obj;
    for (i, field) in parents.iter().enumerate() {
        match current.get(*field) {
            None | Some(Value::Null) => return Ok(None),
            Some(Value::Object(map)) => current = map,
            Some(other) => return Err(wrong_type(&path[..=i], "object", other)),
        }
    }
    Ok(current.get(*last))
}

/// Like [`nested_field`], with a `null` leaf also read as missing.
fn present<'a>(obj: &'a Map<String, Value>, path: &[&str]) -> Result<Option<&'a Value>, Error> {
    Ok(nested_field(obj, path)?.filter(|v| !v.is_null()))
}

/// A string field (`NestedString`).
pub fn nested_str<'a>(
    obj: &'a Map<String, Value>,
    path: &[&str],
) -> Result<Option<&'a str>, Error> {
    match present(obj, path)? {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(wrong_type(path, "string", other)),
    }
}

/// A boolean field (`NestedBool`).
pub fn nested_bool(obj: &Map<String, Value>, path: &[&str]) -> Result<Option<bool>, Error> {
    match present(obj, path)? {
        None => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(other) => Err(wrong_type(path, "bool", other)),
    }
}

/// An integer field (`NestedInt64`); a number that is not an `i64` (a fraction, or too large)
/// is a type error, as in Go.
pub fn nested_i64(obj: &Map<String, Value>, path: &[&str]) -> Result<Option<i64>, Error> {
    match present(obj, path)? {
        None => Ok(None),
        Some(v) => v
            .as_i64()
            .map(Some)
            .ok_or_else(|| wrong_type(path, "int64", v)),
    }
}

/// A numeric field as `f64` (`NestedFloat64`; integers are accepted too).
pub fn nested_f64(obj: &Map<String, Value>, path: &[&str]) -> Result<Option<f64>, Error> {
    match present(obj, path)? {
        None => Ok(None),
        Some(v) => v
            .as_f64()
            .map(Some)
            .ok_or_else(|| wrong_type(path, "float64", v)),
    }
}

/// An array field (`NestedSlice`), borrowed.
pub fn nested_slice<'a>(
    obj: &'a Map<String, Value>,
    path: &[&str],
) -> Result<Option<&'a Vec<Value>>, Error> {
    match present(obj, path)? {
        None => Ok(None),
        Some(Value::Array(a)) => Ok(Some(a)),
        Some(other) => Err(wrong_type(path, "array", other)),
    }
}

/// An object field (`NestedMap`), borrowed.
pub fn nested_map<'a>(
    obj: &'a Map<String, Value>,
    path: &[&str],
) -> Result<Option<&'a Map<String, Value>>, Error> {
    match present(obj, path)? {
        None => Ok(None),
        Some(Value::Object(m)) => Ok(Some(m)),
        Some(other) => Err(wrong_type(path, "object", other)),
    }
}

/// An object of strings (`NestedStringMap`), such as `metadata.labels`.
pub fn nested_string_map(
    obj: &Map<String, Value>,
    path: &[&str],
) -> Result<Option<BTreeMap<String, String>>, Error> {
    let Some(map) = nested_map(obj, path)? else {
        return Ok(None);
    };
    let mut out = BTreeMap::new();
    for (k, v) in map {
        match v {
            Value::String(s) => {
                out.insert(k.clone(), s.clone());
            }
            other => {
                let mut full: Vec<&str> = path.to_vec();
                full.push(k);
                return Err(wrong_type(&full, "string", other));
            }
        }
    }
    Ok(Some(out))
}

/// An array of strings (`NestedStringSlice`), such as `metadata.finalizers`.
pub fn nested_string_slice(
    obj: &Map<String, Value>,
    path: &[&str],
) -> Result<Option<Vec<String>>, Error> {
    let Some(items) = nested_slice(obj, path)? else {
        return Ok(None);
    };
    items
        .iter()
        .map(|v| match v {
            Value::String(s) => Ok(s.clone()),
            other => Err(wrong_type(path, "string", other)),
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

/// Sets the value at `path`, creating missing (or `null`) parent objects (`SetNestedField`).
/// An error if a parent exists but is not an object.
pub fn set_nested_field(
    obj: &mut Map<String, Value>,
    value: Value,
    path: &[&str],
) -> Result<(), Error> {
    let Some((last, parents)) = path.split_last() else {
        return Err(Error::EmptyFieldPath);
    };
    let mut current = obj;
    for (i, field) in parents.iter().enumerate() {
        let entry = current
            .entry(field.to_string())
            .or_insert_with(|| Value::Object(Map::new()));
        if entry.is_null() {
            *entry = Value::Object(Map::new());
        }
        current = match entry {
            Value::Object(map) => map,
            _ => {
                return Err(Error::NestedFieldNotObject {
                    path: json_path(&path[..=i]),
                });
            }
        };
    }
    current.insert(last.to_string(), value);
    Ok(())
}

/// Sets an object of strings at `path` (`SetNestedStringMap`).
pub fn set_nested_string_map(
    obj: &mut Map<String, Value>,
    value: &BTreeMap<String, String>,
    path: &[&str],
) -> Result<(), Error> {
    let map = value
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    set_nested_field(obj, Value::Object(map), path)
}

/// Sets an array of strings at `path` (`SetNestedStringSlice`).
pub fn set_nested_string_slice(
    obj: &mut Map<String, Value>,
    value: &[String],
    path: &[&str],
) -> Result<(), Error> {
    let items = value.iter().cloned().map(Value::String).collect();
    set_nested_field(obj, Value::Array(items), path)
}

/// Removes the field at `path`, returning it (`RemoveNestedField`); a missing field or a
/// non-object parent is left alone.
pub fn remove_nested_field(obj: &mut Map<String, Value>, path: &[&str]) -> Option<Value> {
    let (last, parents) = path.split_last()?;
    let mut current = obj;
    for field in parents {
        current = current.get_mut(*field)?.as_object_mut()?;
    }
    current.remove(*last)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use serde_json::json;

    use super::*;

    fn obj() -> Map<String, Value> {
        match json!({
            "metadata": {"name": "web", "labels": {"app": "web"}, "bad": {"x": 1}, "nul": null},
            "spec": {
                "replicas": 3, "ratio": 0.5, "paused": false,
                "ports": [80, 443], "finalizers": ["a", "b"], "mixed": ["a", 1]
            }
        }) {
            Value::Object(m) => m,
            _ => unreachable!(),
        }
    }

    #[test]
    fn getters() {
        let o = obj();
        assert_eq!(nested_str(&o, &["metadata", "name"]).unwrap(), Some("web"));
        assert_eq!(nested_str(&o, &["metadata", "missing"]).unwrap(), None);
        assert_eq!(nested_str(&o, &["nope", "deeper", "name"]).unwrap(), None);
        assert_eq!(nested_str(&o, &["metadata", "nul", "x"]).unwrap(), None);
        assert_eq!(nested_str(&o, &["metadata", "nul"]).unwrap(), None);
        assert_eq!(nested_i64(&o, &["spec", "replicas"]).unwrap(), Some(3));
        assert_eq!(nested_f64(&o, &["spec", "ratio"]).unwrap(), Some(0.5));
        assert_eq!(nested_f64(&o, &["spec", "replicas"]).unwrap(), Some(3.0));
        assert_eq!(nested_bool(&o, &["spec", "paused"]).unwrap(), Some(false));
        assert_eq!(
            nested_slice(&o, &["spec", "ports"]).unwrap().unwrap().len(),
            2
        );
        assert!(nested_map(&o, &["spec"]).unwrap().is_some());
        assert_eq!(
            nested_string_map(&o, &["metadata", "labels"])
                .unwrap()
                .unwrap()["app"],
            "web"
        );
        assert_eq!(
            nested_string_slice(&o, &["spec", "finalizers"])
                .unwrap()
                .unwrap(),
            ["a", "b"]
        );
        assert_eq!(
            nested_field(&o, &["spec", "replicas"]).unwrap(),
            Some(&json!(3))
        );
    }

    #[test]
    fn type_errors_name_the_path() {
        let o = obj();
        let msg = |e: Error| e.to_string();
        assert_eq!(
            msg(nested_str(&o, &["spec", "replicas"]).unwrap_err()),
            ".spec.replicas accessor error: value is of the type number, expected string"
        );
        assert_eq!(
            msg(nested_i64(&o, &["spec", "ratio"]).unwrap_err()),
            ".spec.ratio accessor error: value is of the type number, expected int64"
        );
        assert_eq!(
            msg(nested_str(&o, &["spec", "replicas", "x"]).unwrap_err()),
            ".spec.replicas accessor error: value is of the type number, expected object"
        );
        assert_eq!(
            msg(nested_string_map(&o, &["metadata", "bad"]).unwrap_err()),
            ".metadata.bad.x accessor error: value is of the type number, expected string"
        );
        assert!(nested_string_slice(&o, &["spec", "mixed"]).is_err());
        assert!(nested_bool(&o, &["metadata", "name"]).is_err());
        assert!(nested_slice(&o, &["metadata"]).is_err());
        assert!(nested_map(&o, &["spec", "ports"]).is_err());
        assert!(matches!(nested_field(&o, &[]), Err(Error::EmptyFieldPath)));
    }

    #[test]
    fn set_and_remove() {
        let mut o = obj();
        set_nested_field(&mut o, json!(5), &["spec", "replicas"]).unwrap();
        set_nested_field(&mut o, json!("x"), &["status", "deep", "phase"]).unwrap();
        set_nested_field(&mut o, json!(1), &["metadata", "nul", "now"]).unwrap();
        assert_eq!(nested_i64(&o, &["spec", "replicas"]).unwrap(), Some(5));
        assert_eq!(
            nested_str(&o, &["status", "deep", "phase"]).unwrap(),
            Some("x")
        );
        assert_eq!(
            nested_i64(&o, &["metadata", "nul", "now"]).unwrap(),
            Some(1)
        );
        let err = set_nested_field(&mut o, json!(1), &["spec", "replicas", "x"]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "value cannot be set because .spec.replicas is not an object"
        );
        assert!(matches!(
            set_nested_field(&mut o, json!(1), &[]),
            Err(Error::EmptyFieldPath)
        ));
        let labels = BTreeMap::from([("k".to_string(), "v".to_string())]);
        set_nested_string_map(&mut o, &labels, &["metadata", "labels"]).unwrap();
        assert_eq!(
            nested_string_map(&o, &["metadata", "labels"]).unwrap(),
            Some(labels)
        );
        set_nested_string_slice(&mut o, &["z".to_string()], &["metadata", "finalizers"]).unwrap();
        assert_eq!(
            nested_string_slice(&o, &["metadata", "finalizers"])
                .unwrap()
                .unwrap(),
            ["z"]
        );
        assert_eq!(
            remove_nested_field(&mut o, &["spec", "replicas"]),
            Some(json!(5))
        );
        assert_eq!(remove_nested_field(&mut o, &["spec", "replicas"]), None);
        assert_eq!(remove_nested_field(&mut o, &["spec", "ports", "x"]), None);
        assert_eq!(remove_nested_field(&mut o, &["nope", "x"]), None);
        assert_eq!(remove_nested_field(&mut o, &[]), None);
    }
}
