//! `/openapi/v2` and `/openapi/v3`: the OpenAPI documents, built at run time from the discovery
//! tables, the generated schema model (`generated/openapi_model.rs`) and operation tables
//! (`generated/openapi_paths.rs`) and the stored CRDs, cached, and served with the real server's
//! caching rules (hash URLs are `public, immutable`).

mod documents;
pub mod model;
mod ops;
pub mod params;
mod paths;
mod render;
mod root_paths;

use std::collections::BTreeMap;
use std::sync::{Mutex, OnceLock};

use bytes::Bytes;
use http::{HeaderValue, Response, header};
use serde_json::{Value, json};

use crate::api::status::ApiError;
use crate::api::{Body, State};
use crate::apis::ApiSet;
use crate::generated::resources::GROUPS;
use documents::{GvResource, gv_key};

/// A serialized document and its content hash.
#[derive(Debug, Clone)]
struct Doc {
    bytes: Bytes,
    hash: String,
}

impl Doc {
    fn new(value: &Value) -> Doc {
        let bytes = serde_json::to_vec(value).unwrap_or_default();
        let hash = hash(&bytes);
        Doc {
            bytes: Bytes::from(bytes),
            hash,
        }
    }
}

/// An uppercase hex content hash (two FNV-1a passes with different offsets).
fn hash(body: &[u8]) -> String {
    let mut out = String::new();
    for seed in [0xcbf2_9ce4_8422_2325_u64, 0x8422_2325_cbf2_9ce4] {
        let mut h = seed;
        for b in body {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        out.push_str(&format!("{h:016X}"));
    }
    out
}

/// The built-in group/versions' documents, by index key.
fn builtin() -> &'static BTreeMap<String, Doc> {
    static DOCS: OnceLock<BTreeMap<String, Doc>> = OnceLock::new();
    DOCS.get_or_init(|| {
        let mut docs: BTreeMap<String, Doc> = documents::root_documents()
            .iter()
            .map(|(key, doc)| (key.clone(), Doc::new(doc)))
            .collect();
        for g in GROUPS {
            for v in g.versions {
                let rs: Vec<GvResource<'_>> = v
                    .resources
                    .iter()
                    .map(|info| GvResource {
                        info,
                        crd_schema: None,
                    })
                    .collect();
                let doc = documents::v3_document(g.name, v.version, &rs, false);
                docs.insert(gv_key(g.name, v.version), Doc::new(&doc));
            }
        }
        docs
    })
}

/// Whether the document of index key `key` is served with `apis`: the group/version
/// documents only for served group/versions, the others always.
fn visible(apis: &ApiSet, key: &str) -> bool {
    let parts: Vec<&str> = key.split('/').collect();
    match parts.as_slice() {
        ["api", v] => apis.version("", v).is_some(),
        ["apis", g, v] => apis.version(g, v).is_some(),
        _ => true,
    }
}

/// The v2 document of the served group/versions (built once per API set).
fn v2(apis: &ApiSet) -> Doc {
    static DOCS: OnceLock<Mutex<BTreeMap<usize, Doc>>> = OnceLock::new();
    let docs = DOCS.get_or_init(Default::default);
    let mut docs = docs
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    docs.entry(apis.id())
        .or_insert_with(|| Doc::new(&documents::v2_document(apis)))
        .clone()
}

/// The documents of the group/versions the stored CRDs serve, by index key.
fn custom(state: &State) -> BTreeMap<String, Doc> {
    let mut docs = BTreeMap::new();
    for g in state.crds.groups() {
        for v in g.versions {
            let key = gv_key(g.name, v.version);
            if builtin().contains_key(&key) {
                continue;
            }
            let served: Vec<_> = v
                .resources
                .iter()
                .filter_map(|r| state.crds.lookup(g.name, v.version, r.name))
                .collect();
            let rs: Vec<GvResource<'_>> = served
                .iter()
                .map(|s| GvResource {
                    info: s.info,
                    crd_schema: s.crd.schema.as_ref(),
                })
                .collect();
            let doc = documents::v3_document(g.name, v.version, &rs, true);
            docs.insert(key, Doc::new(&doc));
        }
    }
    docs
}

/// Whether `accept` allows a JSON answer.
fn accepts_json(accept: Option<&str>) -> bool {
    let Some(accept) = accept else {
        return true;
    };
    accept.split(',').any(|part| {
        let media = part.split(';').next().unwrap_or_default().trim();
        matches!(media, "application/json" | "application/*" | "*/*" | "")
    })
}

fn respond(doc: &Doc, immutable: bool) -> Response<Body> {
    let mut resp = crate::api::response::with_type(200, "application/json", doc.bytes.clone());
    let h = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&format!("\"{}\"", doc.hash)) {
        h.insert(header::ETAG, v);
    }
    if immutable {
        h.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, immutable"),
        );
    }
    resp
}

/// Serves `/openapi/<rest>` (`rest` without the leading `openapi/`).
pub fn serve(
    state: &State,
    rest: &str,
    query: Option<&str>,
    accept: Option<&str>,
) -> Result<Response<Body>, ApiError> {
    let asked_hash = query.and_then(|q| {
        q.split('&')
            .find_map(|kv| kv.strip_prefix("hash="))
            .map(str::to_string)
    });
    // JSON only: the protobuf forms (e.g. `application/com.github.proto-openapi.spec.v2@v1.0+
    // protobuf`, which client-go's `OpenAPISchema` asks for) get 406, on which client-go falls
    // back as it does for a server without them.
    if !accepts_json(accept) {
        return Err(ApiError::not_acceptable());
    }
    if rest == "v2" {
        return Ok(respond(&v2(&state.apis), false));
    }
    if rest == "v3" {
        let mut paths = serde_json::Map::new();
        let custom = custom(state);
        let builtin = builtin().iter().filter(|(k, _)| visible(&state.apis, k));
        for (key, doc) in builtin.chain(custom.iter()) {
            paths.insert(
                key.clone(),
                json!({"serverRelativeURL": format!("/openapi/v3/{key}?hash={}", doc.hash)}),
            );
        }
        return Ok(crate::api::response::json(200, &json!({ "paths": paths })));
    }
    let Some(key) = rest.strip_prefix("v3/") else {
        return Err(ApiError::no_such_path());
    };
    let key = key.trim_end_matches('/');
    let doc = match builtin().get(key).filter(|_| visible(&state.apis, key)) {
        Some(doc) => doc.clone(),
        None => custom(state)
            .remove(key)
            .ok_or_else(ApiError::no_such_path)?,
    };
    match asked_hash {
        Some(h) if h == doc.hash => Ok(respond(&doc, true)),
        Some(_) => {
            // As the real server: a stale hash is redirected to the current one.
            let mut resp = crate::api::response::with_type(301, "text/plain", Bytes::new());
            let location = format!("/openapi/v3/{key}?hash={}", doc.hash);
            if let Ok(v) = HeaderValue::from_str(&location) {
                resp.headers_mut().insert(header::LOCATION, v);
            }
            Ok(resp)
        }
        None => Ok(respond(&doc, false)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_is_acceptable_unless_only_protobuf_is_asked_for() {
        assert!(accepts_json(None));
        assert!(accepts_json(Some("application/json")));
        assert!(accepts_json(Some(
            "application/com.github.proto-openapi.spec.v2@v1.0+protobuf, application/json"
        )));
        assert!(!accepts_json(Some(
            "application/com.github.proto-openapi.spec.v2@v1.0+protobuf"
        )));
    }

    #[test]
    fn hashes_differ_with_content() {
        assert_ne!(hash(b"a"), hash(b"b"));
        assert_eq!(hash(b"a").len(), 32);
    }
}
