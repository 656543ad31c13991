//! `metadata.managedFields` as the real server keeps them (apiserver
//! `pkg/endpoints/handlers/fieldmanager` over structured-merge-diff's `merge.Updater`): one
//! entry per manager identity, the fields each owns (see [`fieldset`](super::fieldset)),
//! ownership moving on every write, emptied entries dropped, the metadata the server never
//! records stripped, at most ten `Update` entries; leaf paths for conflict messages.

use serde_json::{Map, Value, json};

use super::fieldset::{self, Comparison, Set, Ty};
use crate::registry::Resource;

/// One leaf of a field set: the path segments (`f:spec`, `f:replicas`, `k:{"name":"a"}`).
pub type Leaf = Vec<String>;

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
        } else if let Some(v) = seg.strip_prefix("v:") {
            s.push_str(&format!("[={v}]"));
        } else if let Some(i) = seg.strip_prefix("i:") {
            s.push_str(&format!("[{i}]"));
        }
    }
    s
}

/// The paths the real server never records (`NewStripMetaManager`).
const STRIPPED: &[&[&str]] = &[
    &["f:apiVersion"],
    &["f:kind"],
    &["f:metadata"],
    &["f:metadata", "f:name"],
    &["f:metadata", "f:namespace"],
    &["f:metadata", "f:creationTimestamp"],
    &["f:metadata", "f:selfLink"],
    &["f:metadata", "f:uid"],
    &["f:metadata", "f:clusterName"],
    &["f:metadata", "f:generation"],
    &["f:metadata", "f:managedFields"],
    &["f:metadata", "f:resourceVersion"],
];

/// Removes the paths the real server never records from a set.
pub fn strip(set: &mut Set) {
    set.retain(|p| {
        !STRIPPED
            .iter()
            .any(|s| p.iter().map(String::as_str).eq(s.iter().copied()))
    });
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
    /// When the manager last changed the object (RFC 3339), empty when unknown.
    pub time: String,
    /// The fields it owns.
    pub set: Set,
    /// `subresource`, if the entry is for one.
    pub subresource: Option<String>,
}

impl Entry {
    /// Whether this entry belongs to the manager identity (`BuildManagerIdentifier`: the
    /// apiVersion counts for updaters, not for appliers).
    pub fn is(&self, manager: &str, operation: &str, api_version: &str, sub: Option<&str>) -> bool {
        self.manager == manager
            && self.operation == operation
            && self.subresource.as_deref() == sub
            && (operation == "Apply" || self.api_version == api_version)
    }

    /// How conflict messages name the manager (`printManager`).
    pub fn describe(&self) -> String {
        let mut s = format!("{:?}", self.manager);
        if let Some(sub) = &self.subresource {
            s.push_str(&format!(" with subresource {sub:?}"));
        }
        if self.operation == "Update" {
            s.push_str(&format!(" using {}", self.api_version));
        }
        s
    }
}

/// The entries of an object.
pub fn entries(obj: &Value) -> Vec<Entry> {
    obj.pointer("/metadata/managedFields")
        .map(decode)
        .unwrap_or_default()
}

fn decode(list: &Value) -> Vec<Entry> {
    list.as_array()
        .map(|a| {
            a.iter()
                .map(|e| Entry {
                    manager: e["manager"].as_str().unwrap_or_default().to_string(),
                    operation: e["operation"].as_str().unwrap_or_default().to_string(),
                    api_version: e["apiVersion"].as_str().unwrap_or_default().to_string(),
                    time: e["time"].as_str().unwrap_or_default().to_string(),
                    set: fieldset::from_fields_v1(&e["fieldsV1"]),
                    subresource: e["subresource"].as_str().map(str::to_string),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Writes the entries into the object, in the real server's order (operation, time, manager,
/// apiVersion, subresource); entries without fields are dropped.
pub fn set_entries(obj: &mut Value, entries: &[Entry]) {
    let mut kept: Vec<&Entry> = entries.iter().filter(|e| !e.set.is_empty()).collect();
    kept.sort_by(|a, b| {
        let secs = |e: &Entry| {
            e.time
                .parse::<jiff::Timestamp>()
                .map(|t| t.as_second())
                .unwrap_or(0)
        };
        (
            a.operation.as_str(),
            secs(a),
            a.manager.as_str(),
            a.api_version.as_str(),
        )
            .cmp(&(
                b.operation.as_str(),
                secs(b),
                b.manager.as_str(),
                b.api_version.as_str(),
            ))
            .then_with(|| a.subresource.cmp(&b.subresource))
    });
    let list: Vec<Value> = kept
        .iter()
        .map(|e| {
            let mut v = json!({
                "manager": e.manager, "operation": e.operation, "apiVersion": e.api_version,
                "time": e.time, "fieldsType": "FieldsV1", "fieldsV1": fieldset::to_fields_v1(&e.set),
            });
            if e.time.is_empty()
                && let Some(m) = v.as_object_mut()
            {
                m.remove("time");
            }
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

/// The schema of a resource's objects.
pub fn ty_of(res: &Resource) -> Ty {
    if res.is_custom() {
        return res
            .crd
            .and_then(|c| c.schema.as_ref())
            .map_or(Ty::Deduced, Ty::CrdRoot);
    }
    super::fields::by_kind(res.group, res.version, res.kind())
        .map_or(Ty::Deduced, |d| Ty::Builtin(&d.schema))
}

/// The fields a write through `subresource` never owns (`GetResetFields` of the strategies):
/// `status` for the main resource of a kind with a status subresource, everything but
/// `status` and `metadata` for the status subresource.
pub fn ignored(res: &Resource, subresource: Option<&str>) -> Set {
    let mut out = Set::new();
    match subresource {
        None if res.has_status() => {
            out.insert(vec!["f:status".to_string()]);
        }
        Some("status") => {
            let names: Vec<String> = match ty_of(res) {
                Ty::Builtin(s) => super::fields::definition(s.reference)
                    .map_or(s.properties, |d| d.schema.properties)
                    .iter()
                    .chain(s.properties.iter())
                    .map(|(n, _)| (*n).to_string())
                    .collect(),
                Ty::CrdRoot(s) => s
                    .get("properties")
                    .and_then(Value::as_object)
                    .map(|p| p.keys().cloned().collect())
                    .unwrap_or_default(),
                _ => Vec::new(),
            };
            for n in names.into_iter().chain(["spec".to_string()]) {
                if !matches!(n.as_str(), "status" | "metadata" | "apiVersion" | "kind") {
                    out.insert(vec![format!("f:{n}")]);
                }
            }
        }
        _ => {}
    }
    out
}

/// The managers of an update (`decodeLiveOrNew`): the request's own `managedFields` when it
/// sets some (an empty list resets them), else the live object's. Subresources always keep
/// the live object's.
fn managers_for(old: Option<&Value>, new: &Value, subresource: Option<&str>) -> Vec<Entry> {
    let live = old.map(entries).unwrap_or_default();
    if subresource.is_some() {
        return live;
    }
    match new.pointer("/metadata/managedFields") {
        Some(Value::Array(a)) if a.is_empty() => Vec::new(),
        Some(Value::Array(a)) if a.len() == 1 && a[0].as_object().is_some_and(Map::is_empty) => {
            Vec::new()
        }
        Some(v @ Value::Array(_)) => {
            let decoded = decode(v);
            if decoded.is_empty() { live } else { decoded }
        }
        _ => live,
    }
}

/// An object as the field manager types it: without `managedFields`, with what the Go types
/// always serialize filled in.
fn typed(ty: Ty, obj: &Value) -> Value {
    let mut v = obj.clone();
    if let Some(m) = v.get_mut("metadata").and_then(Value::as_object_mut) {
        m.remove("managedFields");
    }
    if let Some(m) = v.as_object_mut() {
        m.remove("apiVersion");
        m.remove("kind");
    }
    fieldset::fill(ty, &mut v, true);
    v
}

/// Compares the live object (or, for a create, the kind's empty object) with the new one,
/// leaving out the fields the write never owns.
pub fn diff(ty: Ty, old: Option<&Value>, new: &Value, ignored: &Set) -> Comparison {
    let live = match old {
        Some(o) => typed(ty, o),
        None => fieldset::zero(ty),
    };
    let mut c = fieldset::compare(ty, &live, &typed(ty, new));
    c.filter(ignored);
    c
}

/// Who writes, for [`record_update`].
#[derive(Debug)]
pub struct Writer<'a> {
    /// The manager.
    pub manager: &'a str,
    /// The apiVersion of the request.
    pub api_version: &'a str,
    /// The subresource written, if any.
    pub subresource: Option<&'a str>,
    /// The schema of the objects.
    pub ty: Ty,
    /// The fields the write never owns.
    pub ignored: &'a Set,
}

/// Records a non-apply write (`FieldManager.Update` through `managedFieldsUpdater`): what the
/// write added or modified moves from every manager to `writer`'s `Update` entry (merged with
/// its earlier fields, its time renewed), what it removed leaves every manager, and managers
/// left with nothing are dropped.
pub fn record_update(old: Option<&Value>, new: &mut Value, writer: &Writer<'_>) {
    let mut list = managers_for(old, new, writer.subresource);
    let c = diff(writer.ty, old, new, writer.ignored);
    let changed = c.changed();
    for e in &mut list {
        e.set
            .retain(|p| !changed.contains(p) && !c.removed.contains(p));
    }
    let mut current: Set = changed.difference(&c.removed).cloned().collect();
    strip(&mut current);
    if !current.is_empty() {
        let now = super::objects::now();
        match list.iter_mut().find(|e| {
            e.is(
                writer.manager,
                "Update",
                writer.api_version,
                writer.subresource,
            )
        }) {
            Some(e) => {
                e.set.extend(current);
                e.time = now;
            }
            None => list.push(Entry {
                manager: writer.manager.to_string(),
                operation: "Update".into(),
                api_version: writer.api_version.to_string(),
                time: now,
                set: current,
                subresource: writer.subresource.map(str::to_string),
            }),
        }
    }
    for e in &mut list {
        strip(&mut e.set);
    }
    cap_updaters(&mut list);
    set_entries(new, &list);
}

/// At most ten `Update` entries: the oldest are merged, per apiVersion, into an
/// `ancient-changes` entry (`capManagersManager`).
fn cap_updaters(list: &mut Vec<Entry>) {
    const MAX: usize = 10;
    let secs = |e: &Entry| {
        e.time
            .parse::<jiff::Timestamp>()
            .map(|t| t.as_second())
            .unwrap_or(0)
    };
    let mut updaters: Vec<usize> = (0..list.len())
        .filter(|i| list[*i].operation == "Update" && !list[*i].set.is_empty())
        .collect();
    if updaters.len() <= MAX {
        return;
    }
    updaters.sort_by(|a, b| {
        (secs(&list[*a]), &list[*a].manager).cmp(&(secs(&list[*b]), &list[*b].manager))
    });
    let mut length = updaters.len();
    let mut first: std::collections::BTreeMap<String, usize> = Default::default();
    let mut drop = Vec::new();
    for i in updaters {
        if length <= MAX {
            break;
        }
        let version = list[i].api_version.clone();
        match first.get(&version) {
            Some(&bucket) => {
                let moved = std::mem::take(&mut list[i].set);
                let time = list[i].time.clone();
                let b = &mut list[bucket];
                b.manager = "ancient-changes".into();
                b.subresource = None;
                b.set.extend(moved);
                b.time = time;
                drop.push(i);
                length -= 1;
            }
            None => {
                first.insert(version, i);
            }
        }
    }
    let mut i = 0;
    list.retain(|_| {
        let keep = !drop.contains(&i);
        i += 1;
        keep
    });
}

/// The manager of a non-apply write: the `fieldManager` parameter, else the User-Agent's
/// program name (`prefixFromUserAgent`).
pub fn manager_of(ctx: &super::Ctx) -> String {
    if let Some(m) = ctx.query.get("fieldManager").filter(|m| !m.is_empty()) {
        return m.to_string();
    }
    ctx.headers
        .get(http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .and_then(|ua| ua.split('/').next())
        .map(|s| s.chars().take(128).collect())
        .unwrap_or_default()
}

/// After a non-apply write through `ctx` (create, update, patch, status): records the changed
/// fields for the request's manager, as the real server does on every write.
pub fn track_update(ctx: &super::Ctx, old: Option<&Value>, new: &mut Value) {
    let manager = manager_of(ctx);
    let sub = ctx.path.subresource.as_deref();
    let ignored = ignored(&ctx.res, sub);
    let writer = Writer {
        manager: &manager,
        api_version: &ctx.res.api_version(),
        subresource: sub,
        ty: ty_of(&ctx.res),
        ignored: &ignored,
    };
    record_update(old, new, &writer);
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn configmap() -> Resource {
        crate::registry::lookup("", "v1", "configmaps").unwrap()
    }

    fn writer<'a>(manager: &'a str, ignored: &'a Set) -> Writer<'a> {
        Writer {
            manager,
            api_version: "v1",
            subresource: None,
            ty: ty_of(&configmap()),
            ignored,
        }
    }

    #[test]
    fn create_label_patch_moves_ownership_as_the_real_server() {
        let none = Set::new();
        let mut cm = json!({"metadata": {"name": "c", "namespace": "d"}, "data": {"foo": "bar"}});
        record_update(None, &mut cm, &writer("kubectl-create", &none));
        let mut labelled = cm.clone();
        labelled["metadata"]["labels"] = json!({"env": "x"});
        record_update(Some(&cm), &mut labelled, &writer("kubectl-label", &none));
        let mut patched = labelled.clone();
        patched["data"]["foo"] = json!("baz");
        record_update(
            Some(&labelled),
            &mut patched,
            &writer("kubectl-patch", &none),
        );
        let mf = patched["metadata"]["managedFields"].as_array().unwrap();
        let got: Vec<(&str, &Value)> = mf
            .iter()
            .map(|e| (e["manager"].as_str().unwrap(), &e["fieldsV1"]))
            .collect();
        assert_eq!(
            got,
            vec![
                ("kubectl-create", &json!({"f:data": {}})),
                (
                    "kubectl-label",
                    &json!({"f:metadata": {"f:labels": {".": {}, "f:env": {}}}})
                ),
                ("kubectl-patch", &json!({"f:data": {"f:foo": {}}})),
            ]
        );
        assert!(mf.iter().all(|e| e["operation"] == "Update"));
        // Removing the only label empties kubectl-label's entry: it goes.
        let mut unlabelled = patched.clone();
        unlabelled["metadata"]
            .as_object_mut()
            .unwrap()
            .remove("labels");
        record_update(
            Some(&patched),
            &mut unlabelled,
            &writer("kubectl-label", &none),
        );
        let managers: Vec<&str> = unlabelled["metadata"]["managedFields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["manager"].as_str().unwrap())
            .collect();
        assert_eq!(managers, ["kubectl-create", "kubectl-patch"]);
    }
}
