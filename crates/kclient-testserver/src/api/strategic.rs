//! Strategic merge patch (`application/strategic-merge-patch+json`) of built-in objects: lists
//! whose field has patch strategy `merge` are merged by their merge key (or, for lists of
//! primitives, by value), with the `$patch` (`replace`, `delete`, `merge`), `$retainKeys`,
//! `$deleteFromPrimitiveList/<field>` and `$setElementOrder/<field>` directives; everything else
//! follows JSON merge patch. Strategies come from the generated `patch_strategies` table.

use serde_json::{Map, Value};

use crate::generated::patch_strategies::{ROOTS, STRUCTS};
use crate::tables::{PatchField, PatchStruct};

/// The definition of the objects of group/version/kind, if it has patch strategies.
pub fn root(group: &str, version: &str, kind: &str) -> Option<&'static PatchStruct> {
    let r = ROOTS
        .iter()
        .find(|r| r.group == group && r.version == version && r.kind == kind)?;
    find(r.def)
}

pub fn find(def: &str) -> Option<&'static PatchStruct> {
    STRUCTS
        .binary_search_by(|s| s.name.cmp(def))
        .ok()
        .map(|i| &STRUCTS[i])
}

fn field(def: Option<&'static PatchStruct>, name: &str) -> Option<&'static PatchField> {
    def?.fields.iter().find(|f| f.name == name)
}

/// Applies `patch` (a JSON object) to `doc` using the strategies of `def`.
pub fn apply(
    doc: &mut Value,
    patch: &Value,
    def: Option<&'static PatchStruct>,
) -> Result<(), String> {
    let Some(p) = patch.as_object() else {
        *doc = patch.clone();
        return Ok(());
    };
    match p.get("$patch").and_then(Value::as_str) {
        Some("replace") => {
            let mut p = p.clone();
            p.remove("$patch");
            *doc = Value::Object(strip_directives(p));
            return Ok(());
        }
        Some("delete") => {
            *doc = Value::Object(Map::new());
            return Ok(());
        }
        Some("merge") | None => {}
        Some(other) => return Err(format!("unknown patch type: {other}")),
    }
    if !doc.is_object() {
        *doc = Value::Object(Map::new());
    }
    let Value::Object(target) = doc else {
        return Ok(());
    };
    for (k, pv) in p {
        if k == "$patch" || k == "$retainKeys" || k.starts_with("$setElementOrder/") {
            continue;
        }
        if let Some(list_field) = k.strip_prefix("$deleteFromPrimitiveList/") {
            if let (Some(Value::Array(items)), Some(del)) =
                (target.get_mut(list_field), pv.as_array())
            {
                items.retain(|i| !del.contains(i));
            }
            continue;
        }
        if pv.is_null() {
            target.remove(k);
            continue;
        }
        let f = field(def, k);
        let sub = f.and_then(|f| f.target).and_then(find);
        let merge_list = f.is_some_and(|f| f.strategy.split(',').any(|s| s == "merge"));
        match pv {
            Value::Array(items) if merge_list => {
                let key = f.map(|f| f.merge_key).unwrap_or_default();
                let cur = target.entry(k.clone()).or_insert(Value::Array(Vec::new()));
                if !cur.is_array() {
                    *cur = Value::Array(Vec::new());
                }
                merge_list_items(cur, items, key, sub)?;
            }
            Value::Object(_) if f.is_some_and(|f| f.map) => {
                let cur = target.entry(k.clone()).or_insert(Value::Object(Map::new()));
                merge_map_of_structs(cur, pv, sub)?;
            }
            Value::Object(_) => {
                let cur = target.entry(k.clone()).or_insert(Value::Null);
                apply(cur, pv, sub)?;
            }
            other => {
                target.insert(k.clone(), strip_value(other.clone()));
            }
        }
    }
    if let Some(keep) = p.get("$retainKeys").and_then(Value::as_array) {
        target.retain(|k, _| keep.iter().any(|x| x.as_str() == Some(k)));
    }
    Ok(())
}

fn merge_map_of_structs(
    cur: &mut Value,
    patch: &Value,
    def: Option<&'static PatchStruct>,
) -> Result<(), String> {
    let (Some(map), Some(p)) = (cur.as_object_mut(), patch.as_object()) else {
        *cur = patch.clone();
        return Ok(());
    };
    for (k, v) in p {
        if v.is_null() {
            map.remove(k);
        } else {
            apply(map.entry(k.clone()).or_insert(Value::Null), v, def)?;
        }
    }
    Ok(())
}

fn merge_list_items(
    cur: &mut Value,
    items: &[Value],
    key: &str,
    def: Option<&'static PatchStruct>,
) -> Result<(), String> {
    let replace = items
        .iter()
        .any(|i| i.get("$patch").and_then(Value::as_str) == Some("replace"));
    let Value::Array(list) = cur else {
        return Ok(());
    };
    if replace {
        *list = items
            .iter()
            .filter(|i| i.get("$patch").is_none())
            .cloned()
            .map(strip_value)
            .collect();
        return Ok(());
    }
    for item in items {
        if key.is_empty() || !item.is_object() {
            // A list of primitives with strategy merge: a set union.
            if !list.contains(item) {
                list.push(item.clone());
            }
            continue;
        }
        let Some(kv) = item.get(key) else {
            return Err(format!(
                "map: {item} does not contain declared merge key: {key}"
            ));
        };
        let pos = list.iter().position(|e| e.get(key) == Some(kv));
        if item.get("$patch").and_then(Value::as_str) == Some("delete") {
            list.retain(|e| e.get(key) != Some(kv));
            continue;
        }
        match pos {
            Some(i) => apply(&mut list[i], item, def)?,
            None => {
                let mut fresh = Value::Object(Map::new());
                apply(&mut fresh, item, def)?;
                list.push(fresh);
            }
        }
    }
    Ok(())
}

fn strip_directives(map: Map<String, Value>) -> Map<String, Value> {
    map.into_iter()
        .filter(|(k, _)| !k.starts_with('$'))
        .map(|(k, v)| (k, strip_value(v)))
        .collect()
}

fn strip_value(v: Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(strip_directives(m)),
        Value::Array(a) => Value::Array(a.into_iter().map(strip_value).collect()),
        other => other,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pod() -> Value {
        json!({"metadata": {"name": "p", "finalizers": ["a"]}, "spec": {"containers": [
            {"name": "a", "image": "x:1", "env": [{"name": "A", "value": "1"}]},
            {"name": "b", "image": "y:1"}]}})
    }

    #[test]
    fn merges_lists_by_key() {
        let mut doc = pod();
        let patch = json!({"spec": {"containers": [
            {"name": "a", "image": "x:2", "env": [{"name": "B", "value": "2"}]},
            {"name": "c", "image": "z:1"}]}});
        apply(&mut doc, &patch, root("", "v1", "Pod")).unwrap();
        let c = &doc["spec"]["containers"];
        assert_eq!(c.as_array().unwrap().len(), 3);
        assert_eq!(c[0]["image"], "x:2");
        assert_eq!(
            c[0]["env"],
            json!([{"name": "A", "value": "1"}, {"name": "B", "value": "2"}])
        );
        assert_eq!(c[2]["name"], "c");
    }

    #[test]
    fn honours_directives() {
        let mut doc = pod();
        let patch = json!({"metadata": {"finalizers": ["b"]}, "spec": {"containers": [{"name": "b", "$patch": "delete"}]}});
        apply(&mut doc, &patch, root("", "v1", "Pod")).unwrap();
        assert_eq!(doc["spec"]["containers"].as_array().unwrap().len(), 1);
        assert_eq!(doc["metadata"]["finalizers"], json!(["a", "b"]));
        let patch =
            json!({"spec": {"containers": [{"name": "q", "image": "q"}, {"$patch": "replace"}]}});
        apply(&mut doc, &patch, root("", "v1", "Pod")).unwrap();
        assert_eq!(
            doc["spec"]["containers"],
            json!([{"name": "q", "image": "q"}])
        );
        let patch = json!({"metadata": {"$deleteFromPrimitiveList/finalizers": ["a"]}});
        apply(&mut doc, &patch, root("", "v1", "Pod")).unwrap();
        assert_eq!(doc["metadata"]["finalizers"], json!(["b"]));
    }

    #[test]
    fn retain_keys_drops_other_fields() {
        let mut doc = json!({"spec": {"strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}}}});
        let patch = json!({"spec": {"strategy": {"$retainKeys": ["type"], "type": "Recreate"}}});
        apply(&mut doc, &patch, root("apps", "v1", "Deployment")).unwrap();
        assert_eq!(doc["spec"]["strategy"], json!({"type": "Recreate"}));
    }
}
