//! Pulling the fields one field manager owns out of a live object, as client-go's generated
//! `Extract<Kind>` functions do (`k8s.io/apimachinery/pkg/util/managedfields`, `ExtractInto`,
//! over structured-merge-diff's `ExtractItems`).
//!
//! The owned fields are a `fieldsV1` trie (`{"f:spec":{"f:replicas":{}}}`): `f:<name>` for a
//! field, `k:<json>` for an element of a list keyed by some of its fields, `v:<json>` for an
//! element of a set, `i:<n>` for a list index, and `"."` marking a node that is itself owned.
//! [`owned_fields`] walks the object's JSON along the trie: a leaf keeps the whole value below
//! it, an inner node keeps only what its children name, and atomic values (by the type's
//! [`Shape`]) are kept whole wherever they are reached.

use serde_json::{Map, Value};

use super::schema::{ListType, Shape};

/// A `fieldsV1` path element that picks a list element.
enum Element {
    /// `k:{...}`: the element whose key fields have these values.
    Key(Map<String, Value>),
    /// `v:<value>`: the set element equal to this value.
    Value(Value),
    /// `i:<n>`: the element at this index.
    Index(usize),
}

/// The part of `value` (an object as JSON) that the field set `fields` (a parsed `fieldsV1`)
/// names, following `shape`. Fails only on a malformed field set.
pub fn owned_fields(value: &Value, fields: &Value, shape: Shape) -> Result<Value, String> {
    let Value::Object(node) = fields else {
        return Err(format!(
            "a field set node must be an object, found {fields}"
        ));
    };
    if is_atomic(shape) {
        return Ok(value.clone());
    }
    match value {
        Value::Object(object) => {
            let mut out = Map::new();
            for (key, child) in node {
                let Some(name) = key.strip_prefix("f:") else {
                    continue;
                };
                let Some(field) = object.get(name) else {
                    continue;
                };
                let field_shape = match shape {
                    Shape::Struct(schema) => schema.field(name),
                    Shape::Map(values) => *values,
                    _ => Shape::Scalar,
                };
                let kept = if is_leaf(child) {
                    field.clone()
                } else {
                    owned_fields(field, child, field_shape)?
                };
                out.insert(name.to_string(), kept);
            }
            Ok(Value::Object(out))
        }
        Value::Array(items) => {
            let (list_type, element_shape) = match shape {
                Shape::List(list_type, element) => (Some(list_type), *element),
                _ => (None, Shape::Scalar),
            };
            let mut elements = Vec::new();
            for (key, child) in node {
                if let Some(element) = parse_element(key)? {
                    elements.push((element, child));
                }
            }
            let mut out = Vec::new();
            for (index, item) in items.iter().enumerate() {
                let found = elements
                    .iter()
                    .find(|(element, _)| matches(element, item, index, list_type));
                if let Some((_, child)) = found {
                    out.push(if is_leaf(child) {
                        item.clone()
                    } else {
                        owned_fields(item, child, element_shape)?
                    });
                }
            }
            Ok(Value::Array(out))
        }
        other => Ok(other.clone()),
    }
}

/// Whether a value of this shape is owned as a whole.
fn is_atomic(shape: Shape) -> bool {
    match shape {
        Shape::Atomic | Shape::List(ListType::Atomic, _) => true,
        Shape::Struct(schema) => schema.atomic,
        _ => false,
    }
}

/// A node with no children but `"."`: the path ends here and owns everything below.
fn is_leaf(node: &Value) -> bool {
    node.as_object()
        .is_none_or(|children| children.keys().all(|k| k == "."))
}

fn parse_element(key: &str) -> Result<Option<Element>, String> {
    let bad = |what: &str, e: &dyn std::fmt::Display| format!("malformed {what} {key:?}: {e}");
    if let Some(json) = key.strip_prefix("k:") {
        return match serde_json::from_str::<Value>(json) {
            Ok(Value::Object(keys)) => Ok(Some(Element::Key(keys))),
            Ok(other) => Err(bad("list key", &format!("{other} is not an object"))),
            Err(e) => Err(bad("list key", &e)),
        };
    }
    if let Some(json) = key.strip_prefix("v:") {
        return serde_json::from_str(json)
            .map(|v| Some(Element::Value(v)))
            .map_err(|e| bad("set element", &e));
    }
    if let Some(index) = key.strip_prefix("i:") {
        return index
            .parse()
            .map(|i| Some(Element::Index(i)))
            .map_err(|e| bad("list index", &e));
    }
    Ok(None)
}

/// Whether `item` (at `index`) is the element `element` names. For a list keyed by known
/// fields the element's key is built from exactly those fields, as structured-merge-diff does.
fn matches(element: &Element, item: &Value, index: usize, list_type: Option<ListType>) -> bool {
    match element {
        Element::Key(keys) => match list_type {
            Some(ListType::Map(names)) => {
                let own: Map<String, Value> = names
                    .iter()
                    .filter_map(|n| item.get(*n).map(|v| ((*n).to_string(), v.clone())))
                    .collect();
                &own == keys
            }
            _ => keys.iter().all(|(k, v)| item.get(k) == Some(v)),
        },
        Element::Value(value) => item == value,
        Element::Index(i) => *i == index,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use serde_json::json;

    use super::super::schema::StructSchema;
    use super::*;

    static CONTAINER: StructSchema = StructSchema {
        atomic: false,
        fields: &[("args", Shape::List(ListType::Atomic, &Shape::Scalar))],
    };
    static SELECTOR: StructSchema = StructSchema {
        atomic: true,
        fields: &[],
    };
    static SPEC: StructSchema = StructSchema {
        atomic: false,
        fields: &[
            (
                "containers",
                Shape::List(ListType::Map(&["name"]), &Shape::Struct(&CONTAINER)),
            ),
            ("finalizers", Shape::List(ListType::Set, &Shape::Scalar)),
            ("selector", Shape::Struct(&SELECTOR)),
        ],
    };
    static ROOT: StructSchema = StructSchema {
        atomic: false,
        fields: &[("spec", Shape::Struct(&SPEC))],
    };

    fn object() -> Value {
        json!({
            "metadata": {"name": "web", "labels": {"app": "web", "team": "a"}, "uid": "1"},
            "spec": {
                "replicas": 3,
                "paused": false,
                "selector": {"matchLabels": {"app": "web"}, "matchExpressions": []},
                "finalizers": ["a", "b"],
                "containers": [
                    {"name": "web", "image": "nginx", "args": ["-v"], "tty": true},
                    {"name": "sidecar", "image": "envoy"},
                ],
            },
        })
    }

    #[test]
    fn keeps_only_the_named_fields() {
        let fields = json!({
            "f:metadata": {"f:labels": {".": {}, "f:app": {}}},
            "f:spec": {
                "f:replicas": {},
                "f:selector": {},
                "f:finalizers": {"v:\"b\"": {}},
                "f:containers": {"k:{\"name\":\"web\"}": {".": {}, "f:name": {}, "f:image": {}, "f:args": {}}},
            },
        });
        let owned = owned_fields(&object(), &fields, Shape::Struct(&ROOT)).unwrap();
        assert_eq!(
            owned,
            json!({
                "metadata": {"labels": {"app": "web"}},
                "spec": {
                    "replicas": 3,
                    "selector": {"matchLabels": {"app": "web"}, "matchExpressions": []},
                    "finalizers": ["b"],
                    "containers": [{"name": "web", "image": "nginx", "args": ["-v"]}],
                },
            })
        );
    }

    #[test]
    fn atomic_values_are_kept_whole() {
        // A selector reached through an inner node is still atomic.
        let fields = json!({"f:spec": {"f:selector": {"f:matchLabels": {}}}});
        let owned = owned_fields(&object(), &fields, Shape::Struct(&ROOT)).unwrap();
        assert_eq!(
            owned["spec"]["selector"],
            json!({"matchLabels": {"app": "web"}, "matchExpressions": []})
        );
    }

    #[test]
    fn without_a_schema_elements_are_matched_by_the_field_set() {
        let fields =
            json!({"f:spec": {"f:containers": {"k:{\"name\":\"sidecar\"}": {"f:image": {}}}}});
        let owned = owned_fields(&object(), &fields, Shape::Scalar).unwrap();
        assert_eq!(owned, json!({"spec": {"containers": [{"image": "envoy"}]}}));
        let fields = json!({"f:spec": {"f:finalizers": {"i:0": {}}}});
        let owned = owned_fields(&object(), &fields, Shape::Scalar).unwrap();
        assert_eq!(owned, json!({"spec": {"finalizers": ["a"]}}));
    }

    #[test]
    fn keyed_lists_compare_exactly_the_key_fields() {
        // With the schema, the element key is built from `name` only: an entry naming more
        // fields than the keys does not match.
        let fields =
            json!({"f:spec": {"f:containers": {"k:{\"image\":\"nginx\",\"name\":\"web\"}": {}}}});
        let owned = owned_fields(&object(), &fields, Shape::Struct(&ROOT)).unwrap();
        assert_eq!(owned, json!({"spec": {"containers": []}}));
    }

    #[test]
    fn malformed_field_sets_are_errors() {
        let err = owned_fields(
            &object(),
            &json!({"f:spec": {"f:containers": {"k:{nope": {}}}}),
            Shape::Struct(&ROOT),
        )
        .unwrap_err();
        assert!(err.contains("malformed list key"), "{err}");
        let err = owned_fields(&object(), &json!([]), Shape::Scalar).unwrap_err();
        assert!(err.contains("must be an object"), "{err}");
    }
}
