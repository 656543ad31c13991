//! Creating the seed objects at start through the same path as an HTTP create by the admin
//! (`fieldValidation=Strict`, as `kubectl create -f` sends): defaulting, validation, uid and
//! resourceVersion, namespace admission, CRDs served as soon as they are created.

use std::sync::Arc;

use bytes::Bytes;
use http::HeaderMap;
use serde_json::Value;

use super::path::ResourcePath;
use super::query::Query;
use super::{Ctx, Output, State};
use crate::Error;
use crate::auth::User;
use crate::registry::{self, Resource};
use crate::seed::Document;
use crate::tls::{ADMIN_GROUP, ADMIN_USER};

/// Creates every document in order; the first failure stops and says which one and why.
pub fn create_all(state: &Arc<State>, docs: &[Document]) -> Result<(), Error> {
    for doc in docs {
        create(state, doc)?;
    }
    Ok(())
}

/// The served resource of `kind` at `api_version`, built-in or custom.
fn resource_of(state: &State, api_version: &str, kind: &str) -> Option<Resource> {
    let (group, version) = api_version.split_once('/').unwrap_or(("", api_version));
    if let Some(r) = registry::by_kind(group, version, kind) {
        return Some(r);
    }
    let plural = state
        .crds
        .groups()
        .into_iter()
        .filter(|g| g.name == group)
        .flat_map(|g| g.versions.iter())
        .filter(|v| v.version == version)
        .flat_map(|v| v.resources.iter())
        .find(|r| r.kind == kind)?
        .name;
    state
        .crds
        .lookup(group, version, plural)
        .map(Resource::from)
}

/// `ConfigMap default/app` (the name or `generateName*`).
fn describe(kind: &str, namespace: Option<&str>, obj: &Value) -> String {
    let meta = |f: &str| {
        obj.pointer(&format!("/metadata/{f}"))
            .and_then(Value::as_str)
            .unwrap_or("")
    };
    let name = match meta("name") {
        "" => format!("{}*", meta("generateName")),
        n => n.to_string(),
    };
    let name = match namespace {
        Some(ns) => format!("{ns}/{name}"),
        None => name,
    };
    if kind.is_empty() {
        name
    } else {
        format!("{kind} {name}")
    }
}

fn create(state: &Arc<State>, doc: &Document) -> Result<(), Error> {
    let (api_version, kind) = (doc.field("apiVersion"), doc.field("kind"));
    let fail = |what: String, reason: String| Error::Seed {
        at: format!("{} ({what})", doc.location()),
        reason,
    };
    if api_version.is_empty() || kind.is_empty() {
        let missing = match (api_version.is_empty(), kind.is_empty()) {
            (true, true) => "apiVersion not set, kind not set",
            (true, false) => "apiVersion not set",
            _ => "kind not set",
        };
        return Err(fail(describe(kind, None, &doc.object), missing.into()));
    }
    let res = resource_of(state, api_version, kind).ok_or_else(|| {
        fail(
            describe(kind, None, &doc.object),
            format!("no matches for kind {kind:?} in version {api_version:?}"),
        )
    })?;
    let namespace = res.namespaced().then(|| {
        match doc
            .object
            .pointer("/metadata/namespace")
            .and_then(Value::as_str)
        {
            Some(ns) if !ns.is_empty() => ns.to_string(),
            _ => "default".to_string(),
        }
    });
    let what = describe(kind, namespace.as_deref(), &doc.object);
    let body = serde_json::to_vec(&doc.object).map_err(|e| fail(what.clone(), e.to_string()))?;
    let mut headers = HeaderMap::new();
    headers.insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    let ctx = Ctx {
        state: state.clone(),
        res,
        path: ResourcePath {
            group: res.group.to_string(),
            version: res.version.to_string(),
            namespace,
            resource: res.name().to_string(),
            ..ResourcePath::default()
        },
        query: Query::parse(Some("fieldValidation=Strict")),
        headers,
        body: Bytes::from(body),
        output: Output::Json,
        user: User::new(ADMIN_USER, vec![ADMIN_GROUP.to_string()]),
        upgrade: std::sync::Mutex::new(None),
    };
    let result = super::write::create(&ctx);
    if res.is_crd() {
        state.crds.refresh(&state.store);
    }
    result.map(|_| ()).map_err(|e| fail(what, e.message))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn descriptions_name_kind_namespace_and_name() {
        let obj = json!({"metadata": {"name": "app"}});
        assert_eq!(
            describe("ConfigMap", Some("default"), &obj),
            "ConfigMap default/app"
        );
        assert_eq!(describe("Namespace", None, &obj), "Namespace app");
        let generated = json!({"metadata": {"generateName": "job-"}});
        assert_eq!(describe("Pod", Some("x"), &generated), "Pod x/job-*");
        assert_eq!(describe("", None, &obj), "app");
    }
}
