//! What the registry does to objects on the way in and out (`rest.BeforeCreate`,
//! `BeforeUpdate`, the resource strategies): system metadata, generateName, generation, the
//! status/main-resource split, and `apiVersion`/`kind` on output.

use serde_json::{Map, Value, json};

use super::names;
use super::status::{ApiError, FieldError};
use crate::registry::Resource;

/// The alphabet of generated name suffixes (`utilrand.String`).
const SUFFIX_ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

/// `metadata` of an object, if it has one.
pub fn meta(obj: &Value) -> Option<&Map<String, Value>> {
    obj.get("metadata")?.as_object()
}

/// A string field of `metadata`, or "".
pub fn meta_str<'a>(obj: &'a Value, field: &str) -> &'a str {
    meta(obj)
        .and_then(|m| m.get(field))
        .and_then(Value::as_str)
        .unwrap_or_default()
}

/// `metadata.finalizers`.
pub fn finalizers(obj: &Value) -> Vec<String> {
    meta(obj)
        .and_then(|m| m.get("finalizers"))
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|f| f.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// `v` as a JSON object, replacing it with an empty one if it is anything else.
pub fn object_of(v: &mut Value) -> &mut Map<String, Value> {
    if !v.is_object() {
        *v = Value::Object(Map::new());
    }
    match v {
        Value::Object(m) => m,
        _ => unreachable!("the value was just made an object"),
    }
}

/// `metadata` as a mutable map, created if missing.
pub fn meta_mut(obj: &mut Value) -> &mut Map<String, Value> {
    let root = object_of(obj);
    object_of(
        root.entry("metadata")
            .or_insert_with(|| Value::Object(Map::new())),
    )
}

/// The current time as the server writes timestamps (RFC 3339, whole seconds, UTC).
pub fn now() -> String {
    let now = jiff::Timestamp::now();
    jiff::Timestamp::from_second(now.as_second())
        .unwrap_or(now)
        .to_string()
}

/// A random version-4 UID.
pub fn new_uid() -> String {
    let mut b = [0u8; 16];
    for x in &mut b {
        *x = fastrand::u8(..);
    }
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// `generateName` plus five random characters.
fn generated_name(prefix: &str) -> String {
    let suffix: String = (0..5)
        .map(|_| SUFFIX_ALPHABET[fastrand::usize(..SUFFIX_ALPHABET.len())] as char)
        .collect();
    format!("{prefix}{suffix}")
}

/// Sets `apiVersion` and `kind` for a response.
pub fn for_output(res: &Resource, mut obj: Value) -> Value {
    if let Some(m) = obj.as_object_mut() {
        m.insert("apiVersion".into(), Value::String(res.api_version()));
        m.insert("kind".into(), Value::String(res.kind().to_string()));
    }
    obj
}

/// Appends the stored object's JSON (`json`, without `apiVersion`/`kind`) to `out` with `kind`
/// and `apiVersion` put first, as the real server writes them, without re-serializing it.
pub fn write_typed(res: &Resource, json: &[u8], out: &mut Vec<u8>) {
    let body = json.strip_prefix(b"{").unwrap_or(json);
    out.extend_from_slice(b"{\"kind\":");
    out.extend_from_slice(
        serde_json::to_string(res.kind())
            .unwrap_or_default()
            .as_bytes(),
    );
    out.extend_from_slice(b",\"apiVersion\":");
    out.extend_from_slice(
        serde_json::to_string(&res.api_version())
            .unwrap_or_default()
            .as_bytes(),
    );
    if body.first() != Some(&b'}') {
        out.push(b',');
    }
    out.extend_from_slice(body);
}

/// Removes `apiVersion` and `kind` (how objects are stored, and how typed list items look).
pub fn strip_type(mut obj: Value) -> Value {
    if let Some(m) = obj.as_object_mut() {
        m.remove("apiVersion");
        m.remove("kind");
    }
    obj
}

/// Checks the body's `apiVersion`/`kind` against the endpoint, as the decoder does.
pub fn check_type(res: &Resource, body: &Value) -> Result<(), ApiError> {
    let api_version = body.get("apiVersion").and_then(Value::as_str).unwrap_or("");
    let kind = body.get("kind").and_then(Value::as_str).unwrap_or("");
    let expected_av = res.api_version();
    if (api_version.is_empty() || api_version == expected_av)
        && (kind.is_empty() || kind == res.kind())
    {
        return Ok(());
    }
    let (group, version) = match api_version.split_once('/') {
        Some((g, v)) => (g, v),
        None if api_version.is_empty() => (res.group, res.version),
        None => ("", api_version),
    };
    let kind = if kind.is_empty() { res.kind() } else { kind };
    if group == res.group
        && kind == res.kind()
        && (res.is_custom() || crate::registry::by_kind(group, version, kind).is_some())
    {
        return Err(ApiError::bad_request(format!(
            "the API version in the data ({api_version}) does not match the expected API version ({expected_av})"
        )));
    }
    let why = if crate::registry::by_kind(group, version, kind).is_some() {
        let internal = |g: &str| {
            if g.is_empty() {
                "core".to_string()
            } else {
                g.split('.').next().unwrap_or(g).to_string()
            }
        };
        format!(
            "converting ({version}.{kind}) to ({}.{}): unknown conversion",
            internal(res.group),
            res.kind()
        )
    } else {
        let gv = if group.is_empty() {
            version.to_string()
        } else {
            format!("{group}/{version}")
        };
        format!(
            "no kind {kind:?} is registered for version {gv:?} in scheme \"pkg/api/legacyscheme/scheme.go:30\""
        )
    };
    Err(ApiError::bad_request(format!(
        "{kind} in version {version:?} cannot be handled as a {}: {why}",
        res.kind()
    )))
}

/// Prepares a new object for storage: namespace, system fields, generateName, generation,
/// status, and validation of the metadata. `path_ns` is the namespace from the URL.
pub fn prepare_create(
    res: &Resource,
    path_ns: Option<&str>,
    mut obj: Value,
) -> Result<Value, ApiError> {
    if !obj.is_object() {
        return Err(ApiError::bad_request(
            "the object provided is not a JSON object",
        ));
    }
    let body_ns = meta_str(&obj, "namespace").to_string();
    if res.namespaced() {
        let ns = path_ns.unwrap_or_default();
        if !body_ns.is_empty() && body_ns != ns {
            return Err(ApiError::bad_request(
                "the namespace of the provided object does not match the namespace sent on the request",
            ));
        }
        meta_mut(&mut obj).insert("namespace".into(), Value::String(ns.to_string()));
    } else {
        meta_mut(&mut obj).remove("namespace");
    }
    if !meta_str(&obj, "resourceVersion").is_empty() {
        return Err(ApiError::internal(
            "resourceVersion should not be set on objects to be created",
        ));
    }
    let tracks = res.tracks_generation();
    {
        let m = meta_mut(&mut obj);
        m.remove("deletionTimestamp");
        m.remove("deletionGracePeriodSeconds");
        m.remove("selfLink");
        m.insert("uid".into(), Value::String(new_uid()));
        m.insert("creationTimestamp".into(), Value::String(now()));
        if tracks {
            m.insert("generation".into(), json!(1));
        } else {
            m.remove("generation");
        }
        let name = m.get("name").and_then(Value::as_str).unwrap_or_default();
        let generate = m
            .get("generateName")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if name.is_empty() && !generate.is_empty() {
            let name = generated_name(generate);
            m.insert("name".into(), Value::String(name));
        }
    }
    if let Some(m) = obj.as_object_mut().filter(|_| res.has_status()) {
        m.remove("status");
    }
    if res.group.is_empty()
        && res.name() == "secrets"
        && obj
            .get("type")
            .and_then(Value::as_str)
            .is_none_or(str::is_empty)
    {
        // The one default kubectl relies on (`SetDefaults_Secret`).
        obj["type"] = json!("Opaque");
    }
    if is_namespace(res) {
        let name = meta_str(&obj, "name").to_string();
        obj["spec"] = json!({"finalizers": ["kubernetes"]});
        obj["status"] = json!({"phase": "Active"});
        let labels = meta_mut(&mut obj)
            .entry("labels")
            .or_insert_with(|| json!({}));
        if let Some(l) = labels.as_object_mut() {
            l.insert("kubernetes.io/metadata.name".into(), Value::String(name));
        }
    }
    let mut errors = validate_meta(res, &obj, true);
    errors.extend(crate::types::rules(res, &mut obj, None));
    if !errors.is_empty() {
        return Err(ApiError::invalid(
            &res.group_kind(),
            meta_str(&obj, "name"),
            &errors,
        ));
    }
    go_shape(res, &mut obj);
    Ok(obj)
}

/// Fills in the struct fields the real server's Go types always serialize (a Deployment's
/// `"status": {}`, a container's `"resources": {}`), so objects read back as from a real server.
fn go_shape(res: &Resource, obj: &mut Value) {
    if !res.is_custom() {
        super::fieldset::fill(super::managed::ty_of(res), obj, false);
    }
}

/// Whether `res` is the core `namespaces` resource.
pub fn is_namespace(res: &Resource) -> bool {
    res.group.is_empty() && res.name() == "namespaces"
}

/// Validates metadata: name (or generateName), labels and annotations.
fn validate_meta(res: &Resource, obj: &Value, create: bool) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let name = meta_str(obj, "name");
    let generate = meta_str(obj, "generateName");
    if create && !generate.is_empty() {
        for msg in names::validate(res.name_rule(), generate, true) {
            errs.push(FieldError::invalid("metadata.generateName", generate, msg));
        }
    }
    if name.is_empty() {
        errs.push(FieldError::required(
            "metadata.name",
            "name or generateName is required",
        ));
    } else {
        for msg in names::validate(res.name_rule(), name, false) {
            errs.push(FieldError::invalid("metadata.name", name, msg));
        }
    }
    if let Some(m) = meta(obj) {
        errs.extend(names::validate_labels(m.get("labels")));
        errs.extend(names::validate_annotations(m.get("annotations")));
    }
    errs
}

/// Fields an update can never change: they are carried over from the stored object.
const SYSTEM_FIELDS: &[&str] = &[
    "uid",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "generation",
    "namespace",
    "name",
    "selfLink",
];

/// Everything but `metadata` and `status`, for the generation rule.
fn desired_state(obj: &Value) -> Value {
    let mut o = obj.clone();
    if let Some(m) = o.as_object_mut() {
        for k in ["metadata", "status", "apiVersion", "kind"] {
            m.remove(k);
        }
    }
    o
}

/// Builds the object an update stores, from the stored `old` and the requested `new`.
/// `subresource` is `None` for the main resource, `Some("status")` or `Some("finalize")`.
pub fn prepare_update(
    res: &Resource,
    old: &Value,
    new: Value,
    subresource: Option<&str>,
) -> Result<Value, ApiError> {
    let name = meta_str(old, "name").to_string();
    let requested_rv = meta_str(&new, "resourceVersion");
    if !requested_rv.is_empty() && requested_rv != meta_str(old, "resourceVersion") {
        return Err(ApiError::stale(&res.group_resource(), &name));
    }
    let mut out = match subresource {
        Some("status") => {
            let mut o = old.clone();
            match new.get("status") {
                Some(s) => o["status"] = s.clone(),
                None => {
                    if let Some(m) = o.as_object_mut() {
                        m.remove("status");
                    }
                }
            }
            o
        }
        Some(sub @ ("ephemeralcontainers" | "resize" | "approval")) => {
            super::subresources::prepare(sub, old, &new)?
        }
        Some("finalize") => {
            let mut o = old.clone();
            o["spec"]["finalizers"] = new
                .get("spec")
                .and_then(|s| s.get("finalizers"))
                .cloned()
                .unwrap_or_else(|| json!([]));
            o
        }
        _ => {
            let mut o = strip_type(new);
            if !o.is_object() {
                return Err(ApiError::bad_request(
                    "the object provided is not a JSON object",
                ));
            }
            if res.has_status() {
                match old.get("status") {
                    Some(s) => o["status"] = s.clone(),
                    None => {
                        if let Some(m) = o.as_object_mut() {
                            m.remove("status");
                        }
                    }
                }
            }
            if is_namespace(res) {
                o["spec"] = old.get("spec").cloned().unwrap_or_else(|| json!({}));
            }
            let old_meta = meta(old).cloned().unwrap_or_default();
            let m = meta_mut(&mut o);
            for f in SYSTEM_FIELDS {
                match old_meta.get(*f) {
                    Some(v) => m.insert((*f).to_string(), v.clone()),
                    None => m.remove(*f),
                };
            }
            o
        }
    };
    go_shape(res, &mut out);
    if res.tracks_generation() && desired_state(&out) != desired_state(old) {
        let generation = meta(old)
            .and_then(|m| m.get("generation"))
            .and_then(Value::as_i64)
            .unwrap_or(0);
        meta_mut(&mut out).insert("generation".into(), json!(generation + 1));
    }
    meta_mut(&mut out).insert(
        "resourceVersion".into(),
        Value::String(meta_str(old, "resourceVersion").to_string()),
    );
    let mut errors = validate_meta(res, &out, false);
    if subresource.is_none() {
        errors.extend(crate::types::rules(res, &mut out, Some(old)));
    }
    if !meta_str(old, "deletionTimestamp").is_empty() {
        let before = finalizers(old);
        let added: Vec<String> = finalizers(&out)
            .into_iter()
            .filter(|f| !before.contains(f))
            .collect();
        if !added.is_empty() {
            let shown: Vec<String> = added.iter().map(|f| format!("{f:?}")).collect();
            errors.push(FieldError::forbidden(
                "metadata.finalizers",
                format!(
                    "no new finalizers can be added if the object is being deleted, found new finalizers []string{{{}}}",
                    shown.join(", ")
                ),
            ));
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::invalid(&res.group_kind(), &name, &errors));
    }
    go_shape(res, &mut out);
    Ok(out)
}

#[cfg(test)]
#[path = "objects_tests.rs"]
mod tests;
