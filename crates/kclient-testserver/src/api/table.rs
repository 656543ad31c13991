//! `meta.k8s.io/v1` Tables, what kubectl asks for to print `get` output: Name, per-resource
//! columns for a few core resources (namespaces, configmaps, secrets) and for custom resources
//! (their CRD's `additionalPrinterColumns`), and Age, with the
//! row objects as `PartialObjectMetadata` (or the full object with `includeObject=Object`).

use http::Response;
use serde_json::{Value, json};

use super::negotiate::TABLE_CONTENT_TYPE;
use super::objects::{for_output, meta};
use super::query::Query;
use super::response::{self, Body};
use crate::registry::Resource;

fn column(name: &str, ty: &str, format: &str, description: &str) -> Value {
    json!({"name": name, "type": ty, "format": format, "description": description, "priority": 0})
}

const NAME_DESCRIPTION: &str = "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names";

/// Follows a simple JSONPath (`.a.b`, `.a[0].b`) through `obj`.
fn json_path<'a>(obj: &'a Value, path: &str) -> Option<&'a Value> {
    let mut cur = obj;
    for part in path
        .trim_start_matches('.')
        .split('.')
        .filter(|p| !p.is_empty())
    {
        let (field, index) = match part.split_once('[') {
            Some((f, rest)) => (f, rest.trim_end_matches(']').parse::<usize>().ok()),
            None => (part, None),
        };
        if !field.is_empty() {
            cur = cur.get(field)?;
        }
        if let Some(i) = index {
            cur = cur.get(i)?;
        }
    }
    Some(cur)
}

fn custom_columns(crd: &crate::crd::CrdVersion) -> Vec<Value> {
    let mut cols = vec![column("Name", "string", "name", NAME_DESCRIPTION)];
    for c in &crd.columns {
        let mut col = column(&c.name, &c.ty, &c.format, &c.description);
        col["priority"] = json!(c.priority);
        cols.push(col);
    }
    cols
}

fn custom_cells(crd: &crate::crd::CrdVersion, obj: &Value) -> Vec<Value> {
    let mut cells = vec![obj.pointer("/metadata/name").cloned().unwrap_or(json!(""))];
    for c in &crd.columns {
        let v = json_path(obj, &c.json_path);
        cells.push(match (c.ty.as_str(), v) {
            (_, None | Some(Value::Null)) => Value::Null,
            ("date", Some(Value::String(t))) => match t.parse::<jiff::Timestamp>() {
                Ok(ts) => json!(human_duration(
                    jiff::Timestamp::now().as_second() - ts.as_second()
                )),
                Err(_) => json!(t),
            },
            (_, Some(v @ (Value::String(_) | Value::Number(_) | Value::Bool(_)))) => v.clone(),
            (_, Some(other)) => json!(other.to_string()),
        });
    }
    cells
}

fn columns(res: &Resource) -> Vec<Value> {
    if let Some(crd) = res.crd {
        return custom_columns(crd);
    }
    let mut cols = vec![column("Name", "string", "name", NAME_DESCRIPTION)];
    match (res.group, res.name()) {
        ("", "namespaces") => cols.push(column(
            "Status",
            "string",
            "",
            "The status of the namespace",
        )),
        ("", "configmaps") => {
            cols.push(column("Data", "string", "", "Number of data in configmap"))
        }
        ("", "secrets") => {
            cols.push(column("Type", "string", "", "The type of the secret"));
            cols.push(column("Data", "string", "", "Number of data in secret"));
        }
        _ => {}
    }
    cols.push(column(
        "Age",
        "string",
        "",
        "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata",
    ));
    cols
}

/// `duration.HumanDuration`: how kubectl (and the server's printers) show ages.
pub fn human_duration(seconds: i64) -> String {
    if seconds < -1 {
        return "<invalid>".into();
    }
    if seconds < 0 {
        return "0s".into();
    }
    if seconds < 120 {
        return format!("{seconds}s");
    }
    let minutes = seconds / 60;
    if minutes < 10 {
        let s = seconds % 60;
        return if s == 0 {
            format!("{minutes}m")
        } else {
            format!("{minutes}m{s}s")
        };
    }
    if minutes < 180 {
        return format!("{minutes}m");
    }
    let hours = seconds / 3600;
    if hours < 8 {
        let m = minutes % 60;
        return if m == 0 {
            format!("{hours}h")
        } else {
            format!("{hours}h{m}m")
        };
    }
    if hours < 48 {
        return format!("{hours}h");
    }
    if hours < 24 * 8 {
        let h = hours % 24;
        return if h == 0 {
            format!("{}d", hours / 24)
        } else {
            format!("{}d{h}h", hours / 24)
        };
    }
    if hours < 24 * 365 * 2 {
        return format!("{}d", hours / 24);
    }
    if hours < 24 * 365 * 8 {
        let dy = (hours / 24) % 365;
        return if dy == 0 {
            format!("{}y", hours / 24 / 365)
        } else {
            format!("{}y{dy}d", hours / 24 / 365)
        };
    }
    format!("{}y", hours / 24 / 365)
}

fn age(obj: &Value) -> String {
    let created = meta(obj)
        .and_then(|m| m.get("creationTimestamp"))
        .and_then(Value::as_str)
        .and_then(|s| s.parse::<jiff::Timestamp>().ok());
    match created {
        Some(t) => human_duration(jiff::Timestamp::now().as_second() - t.as_second()),
        None => "<unknown>".into(),
    }
}

fn count(v: Option<&Value>) -> usize {
    v.and_then(Value::as_object).map_or(0, |m| m.len())
}

fn cells(res: &Resource, obj: &Value) -> Vec<Value> {
    if let Some(crd) = res.crd {
        return custom_cells(crd, obj);
    }
    let name = meta(obj)
        .and_then(|m| m.get("name"))
        .cloned()
        .unwrap_or(json!(""));
    let mut cells = vec![name];
    match (res.group, res.name()) {
        ("", "namespaces") => {
            cells.push(obj.pointer("/status/phase").cloned().unwrap_or(json!("")))
        }
        ("", "configmaps") => {
            cells.push(json!(count(obj.get("data")) + count(obj.get("binaryData"))))
        }
        ("", "secrets") => {
            cells.push(obj.get("type").cloned().unwrap_or(json!("")));
            cells.push(json!(count(obj.get("data"))));
        }
        _ => {}
    }
    cells.push(json!(age(obj)));
    cells
}

fn row(res: &Resource, query: &Query, obj: &Value) -> Value {
    let object = match query.get("includeObject").unwrap_or("Metadata") {
        "None" => None,
        "Object" => Some(for_output(res, obj.clone())),
        _ => Some(json!({
            "kind": "PartialObjectMetadata",
            "apiVersion": "meta.k8s.io/v1",
            "metadata": obj.get("metadata").cloned().unwrap_or(json!({})),
        })),
    };
    let mut r = json!({"cells": cells(res, obj)});
    if let Some(o) = object {
        r["object"] = o;
    }
    r
}

fn table(
    res: &Resource,
    query: &Query,
    objs: &[&Value],
    metadata: Value,
    with_columns: bool,
) -> Value {
    let rows: Vec<Value> = objs.iter().map(|o| row(res, query, o)).collect();
    let mut t = json!({"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": metadata, "rows": rows});
    if with_columns {
        t["columnDefinitions"] = json!(columns(res));
    }
    t
}

/// A Table response for a GET or LIST.
pub fn response(
    res: &Resource,
    query: &Query,
    objs: &[&Value],
    rv: &str,
    cont: Option<&str>,
) -> Response<Body> {
    let mut metadata = json!({"resourceVersion": rv});
    if let Some(c) = cont {
        metadata["continue"] = json!(c);
    }
    let body = table(res, query, objs, metadata, true);
    let mut bytes = serde_json::to_vec(&body).unwrap_or_default();
    bytes.push(b'\n');
    response::with_type(200, TABLE_CONTENT_TYPE, bytes)
}

/// The Table carried by one watch event; column definitions only on the first.
pub fn event_object(res: &Resource, query: &Query, obj: &Value, first: bool) -> Value {
    let rv = meta(obj)
        .and_then(|m| m.get("resourceVersion"))
        .cloned()
        .unwrap_or(json!(""));
    table(res, query, &[obj], json!({"resourceVersion": rv}), first)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_durations_match_kubectl() {
        assert_eq!(human_duration(5), "5s");
        assert_eq!(human_duration(119), "119s");
        assert_eq!(human_duration(125), "2m5s");
        assert_eq!(human_duration(600), "10m");
        assert_eq!(human_duration(3 * 3600 + 60), "3h1m");
        assert_eq!(human_duration(50 * 3600), "2d2h");
        assert_eq!(human_duration(-5), "<invalid>");
    }
}
