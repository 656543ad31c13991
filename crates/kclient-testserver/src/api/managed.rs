//! `metadata.managedFields`: field sets in the `FieldsV1` format (`f:<field>`, `k:<merge key>`
//! for lists merged by key), leaf paths for conflict messages, and ownership bookkeeping.

use serde_json::{Map, Value, json};

use super::strategic;
use crate::tables::PatchStruct;

/// One leaf of a field set: the path segments (`f:spec`, `f:replicas`, `k:{"name":"a"}`).
pub type Leaf = Vec<String>;

/// The leaves of the fields an applied or written object sets (metadata other than labels,
/// annotations, finalizers and ownerReferences left out; `status` left out when `skip_status`).
pub fn leaves(obj: &Value, def: Option<&'static PatchStruct>, skip_status: bool) -> Vec<Leaf> {
    let mut out = Vec::new();
    let Some(map) = obj.as_object() else {
        return out;
    };
    for (k, v) in map {
        match k.as_str() {
            "apiVersion" | "kind" => {}
            "status" if skip_status => {}
            "metadata" => {
                if let Some(m) = v.as_object() {
                    for f in ["labels", "annotations", "finalizers", "ownerReferences"] {
                        if let Some(x) = m.get(f) {
                            let mut path = vec!["f:metadata".to_string(), format!("f:{f}")];
                            walk(x, None, None, &mut path, &mut out);
                        }
                    }
                }
            }
            _ => {
                let f = def.and_then(|d| d.fields.iter().find(|f| f.name == k));
                let sub = f.and_then(|f| f.target).and_then(strategic::find);
                let mut path = vec![format!("f:{k}")];
                walk(v, sub, f.map(|f| f.merge_key), &mut path, &mut out);
            }
        }
    }
    out
}

fn walk(
    v: &Value,
    def: Option<&'static PatchStruct>,
    merge_key: Option<&str>,
    path: &mut Leaf,
    out: &mut Vec<Leaf>,
) {
    match v {
        Value::Object(m) if !m.is_empty() => {
            for (k, child) in m {
                let f = def.and_then(|d| d.fields.iter().find(|f| f.name == k));
                let sub = f.and_then(|f| f.target).and_then(strategic::find);
                path.push(format!("f:{k}"));
                walk(child, sub, f.map(|f| f.merge_key), path, out);
                path.pop();
            }
        }
        Value::Array(items) if merge_key.is_some_and(|k| !k.is_empty()) => {
            let key = merge_key.unwrap_or_default();
            for item in items {
                let Some(kv) = item.get(key) else { continue };
                path.push(format!("k:{}", json!({ key: kv })));
                walk(item, def, None, path, out);
                path.pop();
            }
        }
        _ => out.push(path.clone()),
    }
}

/// The value at a leaf path, if present.
pub fn value_at<'a>(obj: &'a Value, leaf: &[String]) -> Option<&'a Value> {
    let mut cur = obj;
    for seg in leaf {
        if let Some(f) = seg.strip_prefix("f:") {
            cur = cur.get(f)?;
        } else if let Some(k) = seg.strip_prefix("k:") {
            let key: Map<String, Value> = serde_json::from_str(k).ok()?;
            cur = cur
                .as_array()?
                .iter()
                .find(|item| key.iter().all(|(kk, kv)| item.get(kk) == Some(kv)))?;
        }
    }
    Some(cur)
}

fn value_at_mut<'a>(obj: &'a mut Value, leaf: &[String]) -> Option<&'a mut Value> {
    let mut cur = obj;
    for seg in leaf {
        if let Some(f) = seg.strip_prefix("f:") {
            cur = cur.get_mut(f)?;
        } else if let Some(k) = seg.strip_prefix("k:") {
            let key: Map<String, Value> = serde_json::from_str(k).ok()?;
            cur = cur
                .as_array_mut()?
                .iter_mut()
                .find(|item| key.iter().all(|(kk, kv)| item.get(kk) == Some(kv)))?;
        }
    }
    Some(cur)
}

/// Removes what a manager no longer applies: each leaf in `removed` that nobody in `kept`
/// still owns; a list item merged by key goes as a whole when nothing under it is kept.
pub fn remove_unowned(doc: &mut Value, removed: &[Leaf], kept: &[&Leaf]) {
    for leaf in removed.iter().filter(|l| !kept.contains(l)) {
        let mut target: &[String] = leaf;
        for i in 0..leaf.len() {
            if leaf[i].starts_with("k:") {
                let prefix = &leaf[..=i];
                if !kept.iter().any(|k| k.starts_with(prefix)) {
                    target = prefix;
                    break;
                }
            }
        }
        let Some((last, parent)) = target.split_last() else {
            continue;
        };
        let Some(parent) = value_at_mut(doc, parent) else {
            continue;
        };
        if let Some(f) = last.strip_prefix("f:") {
            if let Some(m) = parent.as_object_mut() {
                m.remove(f);
            }
        } else if let Some(k) = last.strip_prefix("k:") {
            let key: Map<String, Value> = serde_json::from_str(k).unwrap_or_default();
            if let Some(items) = parent.as_array_mut() {
                items.retain(|item| !key.iter().all(|(kk, kv)| item.get(kk) == Some(kv)));
            }
        }
    }
}

/// `.spec.containers[name="a"].image`: a leaf as conflict messages print it.
pub fn display(leaf: &[String]) -> String {
    let mut s = String::new();
    for seg in leaf {
        if let Some(f) = seg.strip_prefix("f:") {
            s.push('.');
            s.push_str(f);
        } else if let Some(k) = seg.strip_prefix("k:") {
            let key: Map<String, Value> = serde_json::from_str(k).unwrap_or_default();
            let parts: Vec<String> = key.iter().map(|(k, v)| format!("{k}={v}")).collect();
            s.push_str(&format!("[{}]", parts.join(",")));
        }
    }
    s
}

/// Builds the `fieldsV1` object of a set of leaves.
pub fn to_fields_v1(leaves: &[Leaf]) -> Value {
    let mut root = Map::new();
    for leaf in leaves {
        let mut cur = &mut root;
        for (i, seg) in leaf.iter().enumerate() {
            let entry = cur
                .entry(seg.clone())
                .or_insert_with(|| Value::Object(Map::new()));
            if seg.starts_with("k:")
                && let Some(m) = entry.as_object_mut()
            {
                m.entry(".").or_insert_with(|| json!({}));
            }
            if i + 1 == leaf.len() {
                break;
            }
            let Value::Object(next) = entry else { break };
            cur = next;
        }
    }
    Value::Object(root)
}

/// The leaves of a `fieldsV1` object.
pub fn from_fields_v1(fields: &Value) -> Vec<Leaf> {
    fn go(v: &Value, path: &mut Leaf, out: &mut Vec<Leaf>) {
        let children: Vec<(&String, &Value)> = v
            .as_object()
            .map(|m| m.iter().filter(|(k, _)| k.as_str() != ".").collect())
            .unwrap_or_default();
        if children.is_empty() {
            if !path.is_empty() {
                out.push(path.clone());
            }
            return;
        }
        for (k, child) in children {
            path.push(k.clone());
            go(child, path, out);
            path.pop();
        }
    }
    let mut out = Vec::new();
    go(fields, &mut Vec::new(), &mut out);
    out
}

/// One `managedFields` entry.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The manager.
    pub manager: String,
    /// `Apply` or `Update`.
    pub operation: String,
    /// The apiVersion the manager used.
    pub api_version: String,
    /// The fields it owns.
    pub leaves: Vec<Leaf>,
    /// `subresource`, if the entry is for one.
    pub subresource: Option<String>,
}

/// The entries of an object.
pub fn entries(obj: &Value) -> Vec<Entry> {
    obj.pointer("/metadata/managedFields")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .map(|e| Entry {
                    manager: e["manager"].as_str().unwrap_or_default().to_string(),
                    operation: e["operation"].as_str().unwrap_or_default().to_string(),
                    api_version: e["apiVersion"].as_str().unwrap_or_default().to_string(),
                    leaves: from_fields_v1(&e["fieldsV1"]),
                    subresource: e["subresource"].as_str().map(str::to_string),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Writes the entries into the object (entries without fields are dropped).
pub fn set_entries(obj: &mut Value, entries: &[Entry]) {
    let now = super::objects::now();
    let list: Vec<Value> = entries
        .iter()
        .filter(|e| !e.leaves.is_empty())
        .map(|e| {
            let mut v = json!({
                "manager": e.manager, "operation": e.operation, "apiVersion": e.api_version,
                "time": now, "fieldsType": "FieldsV1", "fieldsV1": to_fields_v1(&e.leaves),
            });
            if let Some(s) = &e.subresource {
                v["subresource"] = json!(s);
            }
            v
        })
        .collect();
    let m = super::objects::meta_mut(obj);
    if list.is_empty() {
        m.remove("managedFields");
    } else {
        m.insert("managedFields".into(), Value::Array(list));
    }
}

/// Records a non-apply write by `manager`: the leaves whose values changed from `old` to `new`
/// move to the manager's `Update` entry.
pub fn record_update(
    old: Option<&Value>,
    new: &mut Value,
    manager: &str,
    api_version: &str,
    def: Option<&'static PatchStruct>,
    subresource: Option<&str>,
) {
    let mut list = old.map(entries).unwrap_or_default();
    let changed: Vec<Leaf> = leaves(new, def, subresource.is_none())
        .into_iter()
        .filter(|l| old.and_then(|o| value_at(o, l)) != value_at(new, l))
        .collect();
    if changed.is_empty() {
        set_entries(new, &list);
        return;
    }
    for e in &mut list {
        e.leaves.retain(|l| !changed.contains(l));
    }
    match list.iter_mut().find(|e| {
        e.manager == manager && e.operation == "Update" && e.subresource.as_deref() == subresource
    }) {
        Some(e) => {
            e.leaves.extend(changed);
            e.api_version = api_version.to_string();
        }
        None => list.push(Entry {
            manager: manager.to_string(),
            operation: "Update".into(),
            api_version: api_version.to_string(),
            leaves: changed,
            subresource: subresource.map(str::to_string),
        }),
    }
    set_entries(new, &list);
}

/// After a non-apply write through `ctx`: records the changed fields for the manager (the
/// `fieldManager` parameter, else the User-Agent's program name) when the object is tracked
/// (it has `managedFields`) or a `fieldManager` was given.
pub fn track_update(ctx: &super::Ctx, old: Option<&Value>, new: &mut Value) {
    let given = ctx.query.get("fieldManager").filter(|m| !m.is_empty());
    let tracked = old.is_some_and(|o| o.pointer("/metadata/managedFields").is_some());
    if given.is_none() && !tracked {
        return;
    }
    let agent = ctx
        .headers
        .get(http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .and_then(|ua| ua.split('/').next())
        .filter(|s| !s.is_empty())
        .unwrap_or("unknown");
    let manager = given.unwrap_or(agent);
    let def = if ctx.res.is_custom() {
        None
    } else {
        strategic::root(ctx.res.group, ctx.res.version, ctx.res.kind())
    };
    record_update(
        old,
        new,
        manager,
        &ctx.res.api_version(),
        def,
        ctx.path.subresource.as_deref(),
    );
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn field_sets_round_trip() {
        let def = strategic::root("apps", "v1", "Deployment");
        let obj = json!({"metadata": {"name": "d", "labels": {"a": "b"}},
            "spec": {"replicas": 2, "template": {"spec": {"containers": [{"name": "c", "image": "i"}]}}}});
        let l = leaves(&obj, def, true);
        let display: Vec<String> = l.iter().map(|x| display(x)).collect();
        assert!(
            display.contains(&".spec.replicas".to_string()),
            "{display:?}"
        );
        assert!(
            display.contains(&".spec.template.spec.containers[name=\"c\"].image".to_string()),
            "{display:?}"
        );
        let v1 = to_fields_v1(&l);
        assert_eq!(
            v1["f:spec"]["f:template"]["f:spec"]["f:containers"]["k:{\"name\":\"c\"}"]["."],
            json!({})
        );
        let mut back = from_fields_v1(&v1);
        back.sort();
        let mut l2 = l.clone();
        l2.sort();
        assert_eq!(back, l2);
        assert_eq!(value_at(&obj, &l2[0]), Some(&json!("b")));
    }
}
