//! Typed field sets as structured-merge-diff computes them (`typed.TypedValue.ToFieldSet`,
//! `typed.TypedValue.Compare`, `fieldpath.Set` and its `FieldsV1` serialization): the shapes of
//! the values (structs, granular or atomic maps, atomic lists, sets, lists merged by key, scalars,
//! deduced values) come from the OpenAPI model for built-in kinds and from the
//! `openAPIV3Schema` of custom resources, as `kube-openapi/pkg/schemaconv` derives them.
//!
//! Paths are lists of `FieldsV1` path elements: `f:<field>`, `k:<key fields as JSON>`,
//! `v:<value as JSON>`. A set holds its *members*; a member that is also the parent of others is
//! serialized with a `"."` child.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use crate::openapi::model::Schema;

const OBJECT_META: &str = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta";

/// A path of `FieldsV1` elements.
pub type Path = Vec<String>;

/// A set of paths (`fieldpath.Set`, flattened to its members).
pub type Set = BTreeSet<Path>;

/// The schema of a value.
#[derive(Debug, Clone, Copy)]
pub enum Ty {
    /// A schema of the built-in OpenAPI model.
    Builtin(&'static Schema),
    /// A custom resource's structural schema (JSON).
    Crd(&'static Value),
    /// The root of a custom object: its schema, with `metadata` typed as `ObjectMeta`.
    CrdRoot(&'static Value),
    /// No schema: maps are granular, lists atomic (SMD's `deduced` type).
    Deduced,
}

/// How a list merges.
#[derive(Debug, Clone, PartialEq, Eq)]
enum ListKind {
    Atomic,
    Set,
    Map(Vec<String>),
}

/// What a schema says a value is.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Shape {
    Scalar,
    /// A struct (declared fields) or a map; `atomic` makes it one leaf.
    Object {
        atomic: bool,
    },
    List(ListKind),
    Deduced,
}

fn deref(s: &'static Schema) -> &'static Schema {
    if s.reference.is_empty() {
        return s;
    }
    super::fields::definition(s.reference).map_or(s, |d| &d.schema)
}

fn shape(ty: Ty) -> Shape {
    match ty {
        Ty::Deduced => Shape::Deduced,
        Ty::Builtin(s) => {
            let d = deref(s);
            if d.ext.int_or_string || s.ext.int_or_string || !d.one_of.is_empty() {
                return Shape::Scalar;
            }
            let atomic = d.ext.map_type == "atomic" || s.ext.map_type == "atomic";
            match d.ty {
                "object" | "" if !d.properties.is_empty() => Shape::Object { atomic },
                "object" if d.additional.is_some() => Shape::Object { atomic },
                "object" | "" => Shape::Deduced,
                "array" => {
                    let ext = if s.ext.list_type.is_empty() && s.ext.patch_strategy.is_empty() {
                        d.ext
                    } else {
                        s.ext
                    };
                    Shape::List(match ext.list_type {
                        "atomic" => ListKind::Atomic,
                        "set" => ListKind::Set,
                        "map" => {
                            ListKind::Map(ext.list_map_keys.iter().map(|k| k.to_string()).collect())
                        }
                        _ if ext.patch_strategy.split(',').any(|p| p == "merge") => {
                            if ext.patch_merge_key.is_empty() {
                                ListKind::Set
                            } else {
                                ListKind::Map(vec![ext.patch_merge_key.to_string()])
                            }
                        }
                        _ => ListKind::Atomic,
                    })
                }
                _ => Shape::Scalar,
            }
        }
        Ty::CrdRoot(_) => Shape::Object { atomic: false },
        Ty::Crd(s) => {
            if s["x-kubernetes-int-or-string"] == Value::Bool(true) {
                return Shape::Scalar;
            }
            let atomic = s["x-kubernetes-map-type"] == "atomic";
            let props = s.get("properties").and_then(Value::as_object);
            match s.get("type").and_then(Value::as_str).unwrap_or_default() {
                "object" | "" if props.is_some_and(|p| !p.is_empty()) => Shape::Object { atomic },
                "object" if s.get("additionalProperties").is_some_and(Value::is_object) => {
                    Shape::Object { atomic }
                }
                "object" | "" => Shape::Deduced,
                "array" => Shape::List(
                    match s
                        .get("x-kubernetes-list-type")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                    {
                        "set" => ListKind::Set,
                        "map" => ListKind::Map(
                            s.get("x-kubernetes-list-map-keys")
                                .and_then(Value::as_array)
                                .map(|a| {
                                    a.iter()
                                        .filter_map(|k| k.as_str().map(str::to_string))
                                        .collect()
                                })
                                .unwrap_or_default(),
                        ),
                        _ => ListKind::Atomic,
                    },
                ),
                _ => Shape::Scalar,
            }
        }
    }
}

/// The shape of a value, resolving `deduced` by the values themselves.
fn shape_of(ty: Ty, a: Option<&Value>, b: Option<&Value>) -> Shape {
    match shape(ty) {
        Shape::Deduced => {
            let any = |f: fn(&Value) -> bool| a.is_some_and(f) || b.is_some_and(f);
            if any(Value::is_object) {
                Shape::Object { atomic: false }
            } else if any(Value::is_array) {
                Shape::List(ListKind::Atomic)
            } else {
                Shape::Scalar
            }
        }
        s => s,
    }
}

/// The schema of field `name` of an object of schema `ty`, and whether it is a declared field.
fn field(ty: Ty, name: &str) -> (Ty, bool) {
    match ty {
        Ty::Deduced => (Ty::Deduced, false),
        Ty::Builtin(s) => {
            let d = deref(s);
            if let Some((_, p)) = d.properties.iter().find(|(n, _)| *n == name) {
                return (Ty::Builtin(p), true);
            }
            match d.additional {
                Some(a) => (Ty::Builtin(a), false),
                None => (Ty::Deduced, false),
            }
        }
        Ty::CrdRoot(s) => match name {
            "metadata" => super::fields::definition(OBJECT_META)
                .map_or((Ty::Deduced, true), |d| (Ty::Builtin(&d.schema), true)),
            _ => field(Ty::Crd(s), name),
        },
        Ty::Crd(s) => {
            if let Some(p) = s.pointer(&format!("/properties/{}", escape(name))) {
                return (Ty::Crd(p), true);
            }
            match s.get("additionalProperties").filter(|a| a.is_object()) {
                Some(a) => (Ty::Crd(a), false),
                None => (Ty::Deduced, false),
            }
        }
    }
}

fn escape(name: &str) -> String {
    name.replace('~', "~0").replace('/', "~1")
}

fn items(ty: Ty) -> Ty {
    match ty {
        Ty::Deduced => Ty::Deduced,
        Ty::Builtin(s) => deref(s).items.map_or(Ty::Deduced, Ty::Builtin),
        Ty::CrdRoot(_) => Ty::Deduced,
        Ty::Crd(s) => s.get("items").map_or(Ty::Deduced, Ty::Crd),
    }
}

/// The `k:` element of a list item merged by `keys` (`None` when a key field is missing).
fn key_element(item: &Value, keys: &[String]) -> Option<String> {
    let mut m = Map::new();
    for k in keys {
        m.insert(k.clone(), item.get(k)?.clone());
    }
    Some(format!("k:{}", Value::Object(m)))
}

fn keyed<'a>(list: Option<&'a Value>, keys: &[String]) -> Vec<(String, &'a Value)> {
    list.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|i| key_element(i, keys).map(|k| (k, i)))
                .collect()
        })
        .unwrap_or_default()
}

fn set_elements(list: Option<&Value>) -> Vec<String> {
    list.and_then(Value::as_array)
        .map(|a| a.iter().map(|v| format!("v:{v}")).collect())
        .unwrap_or_default()
}

/// The fields of a value (`ToFieldSet`): what an applied configuration owns.
pub fn to_set(ty: Ty, v: &Value) -> Set {
    let mut out = Set::new();
    to_set_at(ty, v, &mut Vec::new(), &mut out);
    out
}

fn to_set_at(ty: Ty, v: &Value, path: &mut Path, out: &mut Set) {
    match shape_of(ty, Some(v), None) {
        Shape::Scalar | Shape::Deduced | Shape::Object { atomic: true, .. } => {
            out.insert(path.clone());
        }
        Shape::List(ListKind::Atomic) => {
            out.insert(path.clone());
        }
        Shape::Object { .. } => {
            let Some(m) = v.as_object() else {
                out.insert(path.clone());
                return;
            };
            for (k, child) in m {
                let (cty, declared) = field(ty, k);
                path.push(format!("f:{k}"));
                to_set_at(cty, child, path, out);
                let empty = child.is_null() || child.as_object().is_some_and(Map::is_empty);
                if empty || !declared {
                    out.insert(path.clone());
                }
                path.pop();
            }
        }
        Shape::List(ListKind::Set) => {
            for e in set_elements(Some(v)) {
                path.push(e);
                out.insert(path.clone());
                path.pop();
            }
        }
        Shape::List(ListKind::Map(keys)) => {
            let ity = items(ty);
            for (k, item) in keyed(Some(v), &keys) {
                path.push(k);
                to_set_at(ity, item, path, out);
                out.insert(path.clone());
                path.pop();
            }
        }
    }
}

/// What changed from one value to another (`typed.Comparison`).
#[derive(Debug, Default)]
pub struct Comparison {
    /// Fields only in the new value.
    pub added: Set,
    /// Fields only in the old value.
    pub removed: Set,
    /// Leaf fields in both with different values.
    pub modified: Set,
}

impl Comparison {
    /// `Modified ∪ Added`.
    pub fn changed(&self) -> Set {
        self.modified.union(&self.added).cloned().collect()
    }

    /// Drops the fields under any of `ignored` (`Comparison.FilterFields`).
    pub fn filter(&mut self, ignored: &Set) {
        for s in [&mut self.added, &mut self.removed, &mut self.modified] {
            s.retain(|p| !under_any(p, ignored));
        }
    }
}

/// Whether `p` is one of `set` or below one of them.
pub fn under_any(p: &Path, set: &Set) -> bool {
    (0..=p.len()).any(|n| set.contains(&p[..n].to_vec()))
}

/// Compares two values of schema `ty` (`TypedValue.Compare`).
pub fn compare(ty: Ty, old: &Value, new: &Value) -> Comparison {
    let mut c = Comparison::default();
    merge(ty, Some(old), Some(new), &mut Vec::new(), &mut c);
    c
}

fn leaf(l: Option<&Value>, r: Option<&Value>, path: &Path, c: &mut Comparison) {
    match (l, r) {
        (None, _) => {
            c.added.insert(path.clone());
        }
        (_, None) => {
            c.removed.insert(path.clone());
        }
        (Some(a), Some(b)) if !same(a, b) => {
            c.modified.insert(path.clone());
        }
        _ => {}
    }
}

fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

fn post(l: Option<&Value>, r: Option<&Value>, path: &Path, c: &mut Comparison) {
    if l.is_none() {
        c.added.insert(path.clone());
    } else if r.is_none() {
        c.removed.insert(path.clone());
    }
}

fn merge(ty: Ty, l: Option<&Value>, r: Option<&Value>, path: &mut Path, c: &mut Comparison) {
    let shape = shape_of(ty, l, r);
    let wrong = |pred: fn(&Value) -> bool| {
        [l, r]
            .into_iter()
            .flatten()
            .any(|v| !v.is_null() && !pred(v))
    };
    match shape {
        Shape::Scalar
        | Shape::Deduced
        | Shape::Object { atomic: true, .. }
        | Shape::List(ListKind::Atomic) => leaf(l, r, path, c),
        Shape::Object { .. } => {
            let lm = l.and_then(Value::as_object);
            let rm = r.and_then(Value::as_object);
            let empty = |m: Option<&Map<String, Value>>| m.is_none_or(Map::is_empty);
            if wrong(Value::is_object) || (empty(lm) && empty(rm)) {
                return leaf(l, r, path, c);
            }
            let keys: BTreeSet<&String> =
                lm.iter().chain(rm.iter()).flat_map(|m| m.keys()).collect();
            for k in keys {
                let (cty, _) = field(ty, k);
                path.push(format!("f:{k}"));
                merge(
                    cty,
                    lm.and_then(|m| m.get(k)),
                    rm.and_then(|m| m.get(k)),
                    path,
                    c,
                );
                path.pop();
            }
            post(l, r, path, c);
        }
        Shape::List(kind) => {
            let la = l.and_then(Value::as_array);
            let ra = r.and_then(Value::as_array);
            let empty = |a: Option<&Vec<Value>>| a.is_none_or(Vec::is_empty);
            if wrong(Value::is_array) || (empty(la) && empty(ra)) {
                return leaf(l, r, path, c);
            }
            match kind {
                ListKind::Set => {
                    let le = set_elements(l);
                    let re = set_elements(r);
                    let all: BTreeSet<&String> = le.iter().chain(re.iter()).collect();
                    for e in all {
                        path.push(e.clone());
                        let ll = le.contains(e).then_some(&Value::Null);
                        let rr = re.contains(e).then_some(&Value::Null);
                        leaf(ll, rr, path, c);
                        path.pop();
                    }
                }
                ListKind::Map(keys) => {
                    let ity = items(ty);
                    let li = keyed(l, &keys);
                    let ri = keyed(r, &keys);
                    let all: BTreeSet<&String> =
                        li.iter().chain(ri.iter()).map(|(k, _)| k).collect();
                    for k in all {
                        let (a, b) = (find_item(&li, k), find_item(&ri, k));
                        path.push(k.clone());
                        merge(ity, a, b, path, c);
                        path.pop();
                    }
                }
                ListKind::Atomic => {}
            }
            post(l, r, path, c);
        }
    }
}

fn find_item<'a>(items: &[(String, &'a Value)], key: &str) -> Option<&'a Value> {
    items.iter().find(|(k, _)| k == key).map(|(_, i)| *i)
}

/// Fills in what the Go types always serialize, as the real server's objects carry it: the
/// fields of struct type that are not pointers (`default: {}` in the model) as `{}` (filled in
/// turn), inside every struct of `v`. With `nulls`, also the required fields without a default
/// as `null` (what a nil slice, map or pointer without `omitempty` serializes as).
pub fn fill(ty: Ty, v: &mut Value, nulls: bool) {
    let Ty::Builtin(s) = ty else {
        return;
    };
    let d = deref(s);
    match v {
        Value::Object(m) => {
            if !d.properties.is_empty() {
                for (name, p) in d.properties {
                    if m.contains_key(*name) {
                        continue;
                    }
                    if p.default == "{}" && !deref(p).properties.is_empty() {
                        m.insert((*name).to_string(), Value::Object(Map::new()));
                    } else if nulls && p.default.is_empty() && d.required.contains(name) {
                        m.insert((*name).to_string(), Value::Null);
                    }
                }
                for (k, child) in m.iter_mut() {
                    let (cty, _) = field(ty, k);
                    fill(cty, child, nulls);
                }
            } else if let Some(a) = d.additional {
                for child in m.values_mut() {
                    fill(Ty::Builtin(a), child, nulls);
                }
            }
        }
        Value::Array(list) => {
            if let Some(i) = d.items {
                for child in list {
                    fill(Ty::Builtin(i), child, nulls);
                }
            }
        }
        _ => {}
    }
}

/// The empty object of a kind, as the real server's field manager starts a create from
/// (`New()` of the Go type, converted): structs filled, required nil fields `null`.
pub fn zero(ty: Ty) -> Value {
    let mut v = Value::Object(Map::new());
    fill(ty, &mut v, true);
    v
}

/// The `FieldsV1` JSON of a set: members with children carry a `"."` entry.
pub fn to_fields_v1(set: &Set) -> Value {
    let mut root = Map::new();
    for p in set {
        let mut cur = &mut root;
        for seg in p {
            let entry = cur
                .entry(seg.clone())
                .or_insert_with(|| Value::Object(Map::new()));
            let Value::Object(next) = entry else { break };
            cur = next;
        }
    }
    let mut root = Value::Object(root);
    for p in set {
        let mut cur = &mut root;
        for seg in p {
            cur = &mut cur[seg.as_str()];
        }
        if let Some(m) = cur.as_object_mut()
            && !m.is_empty()
        {
            m.insert(".".into(), Value::Object(Map::new()));
        }
    }
    root
}

/// The set a `FieldsV1` JSON object holds.
pub fn from_fields_v1(fields: &Value) -> Set {
    fn go(v: &Value, path: &mut Path, out: &mut Set) {
        let Some(m) = v.as_object() else { return };
        if !path.is_empty() && (m.is_empty() || m.contains_key(".")) {
            out.insert(path.clone());
        }
        for (k, child) in m.iter().filter(|(k, _)| k.as_str() != ".") {
            path.push(k.clone());
            go(child, path, out);
            path.pop();
        }
    }
    let mut out = Set::new();
    go(fields, &mut Vec::new(), &mut out);
    out
}

/// The members of `set` that have no members below them (`Set.Leaves`).
pub fn leaves(set: &Set) -> Vec<Path> {
    set.iter()
        .filter(|p| {
            !set.range::<Path, _>((std::ops::Bound::Excluded(*p), std::ops::Bound::Unbounded))
                .next()
                .is_some_and(|q| q.starts_with(p))
        })
        .cloned()
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    fn builtin(group: &str, version: &str, kind: &str) -> Ty {
        Ty::Builtin(
            &super::super::fields::by_kind(group, version, kind)
                .unwrap()
                .schema,
        )
    }

    #[test]
    fn create_of_a_deployment_owns_what_kubectl_create_shows() {
        let ty = builtin("apps", "v1", "Deployment");
        let mut new = json!({
            "metadata": {"name": "d", "labels": {"app": "d"}},
            "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "d"}},
                "template": {"metadata": {"labels": {"app": "d"}},
                    "spec": {"containers": [{"name": "nginx", "image": "nginx",
                        "terminationMessagePath": "/dev/termination-log"}]}},
                "strategy": {"type": "RollingUpdate",
                    "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}}}
        });
        fill(ty, &mut new, true);
        assert_eq!(new["status"], json!({}));
        let c = compare(ty, &zero(ty), &new);
        let set: Set = c.changed();
        let v1 = to_fields_v1(&set);
        assert_eq!(v1["f:spec"].get("."), None);
        assert_eq!(v1["f:spec"]["f:selector"], json!({}));
        assert_eq!(v1["f:spec"]["f:strategy"].get("."), None);
        assert_eq!(
            v1["f:spec"]["f:strategy"]["f:rollingUpdate"]["."],
            json!({})
        );
        let containers = &v1["f:spec"]["f:template"]["f:spec"]["f:containers"];
        assert_eq!(containers.get("."), None);
        assert_eq!(containers["k:{\"name\":\"nginx\"}"]["."], json!({}));
        assert_eq!(
            containers["k:{\"name\":\"nginx\"}"]["f:resources"],
            json!({})
        );
        assert_eq!(v1["f:metadata"]["f:labels"]["."], json!({}));
        assert_eq!(from_fields_v1(&v1), set);
    }

    #[test]
    fn apply_sets_have_no_dot_for_declared_maps() {
        let ty = builtin("", "v1", "ConfigMap");
        let set = to_set(
            ty,
            &json!({"metadata": {"labels": {"a": "b"}}, "data": {"k": "v"}}),
        );
        assert_eq!(
            to_fields_v1(&set),
            json!({"f:data": {"f:k": {}}, "f:metadata": {"f:labels": {"f:a": {}}}})
        );
        assert_eq!(leaves(&set).len(), 2);
    }
}
