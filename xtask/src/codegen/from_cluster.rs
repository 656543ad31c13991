//! `cargo xtask codegen --from-cluster`: the OpenAPI v3 documents of the cluster the current
//! kubeconfig points at (`Config::infer()`), fetched with kclient-rest: the index
//! `GET /openapi/v3`, then the document of every group-version it lists (`api/v1`,
//! `apis/<group>/<version>`) at its `serverRelativeURL` (which carries a content hash).

use anyhow::{Context, Result, bail};
use kclient_config::{Config, Serializer};
use kclient_rest::RestClient;
use serde_json::Value;

use super::spec::{self, Spec};

/// One group-version document the index lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexEntry {
    /// The index key (`api/v1`, `apis/apps/v1`).
    pub key: String,
    /// Where the document is, relative to the server (`/openapi/v3/apis/apps/v1?hash=…`).
    pub url: String,
}

/// The group-version documents of an `/openapi/v3` index, sorted by key. Other entries
/// (`apis`, `api`, `version`, `.well-known/openid-configuration`, `logs`) describe no
/// resources and are skipped.
pub fn parse_index(index: &Value) -> Result<Vec<IndexEntry>> {
    let Some(paths) = index.get("paths").and_then(Value::as_object) else {
        bail!("the /openapi/v3 index has no \"paths\" object");
    };
    let mut out = Vec::new();
    for (key, entry) in paths {
        let segments: Vec<&str> = key.split('/').collect();
        let group_version = matches!(segments.as_slice(), ["api", v] if !v.is_empty())
            || matches!(segments.as_slice(), ["apis", g, v] if !g.is_empty() && !v.is_empty());
        if !group_version {
            continue;
        }
        let url = entry
            .get("serverRelativeURL")
            .and_then(Value::as_str)
            .filter(|u| u.starts_with('/'))
            .with_context(|| {
                format!("the /openapi/v3 index entry {key:?} has no serverRelativeURL")
            })?;
        out.push(IndexEntry {
            key: key.clone(),
            url: url.to_string(),
        });
    }
    if out.is_empty() {
        bail!(
            "the /openapi/v3 index lists no group-version documents (api/v1, apis/<group>/<version>)"
        );
    }
    Ok(out)
}

/// The spec of the current kubeconfig's cluster, and a description of the source for the
/// generated files' header.
pub fn fetch() -> Result<(Spec, String)> {
    let mut config = Config::infer().context("loading the client configuration (kubeconfig)")?;
    config.content.serializer = Some(Serializer::Json);
    let server = config.host.clone();
    let rest = RestClient::unversioned_for_config(&config)
        .context("building a REST client for the cluster")?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let docs = runtime.block_on(fetch_documents(&rest))?;
    let spec = spec::from_documents(&docs)?;
    Ok((spec, format!("/openapi/v3 of {server}")))
}

async fn fetch_documents(rest: &RestClient) -> Result<Vec<(String, Value)>> {
    let index = rest
        .get()
        .abs_path("/openapi/v3")
        .bytes()
        .await
        .context("GET /openapi/v3")?;
    let index: Value =
        serde_json::from_slice(&index).context("the /openapi/v3 index is not JSON")?;
    let mut docs = Vec::new();
    for entry in parse_index(&index)? {
        let bytes = rest
            .get()
            .request_uri(&entry.url)
            .bytes()
            .await
            .with_context(|| format!("GET {}", entry.url))?;
        let doc: Value = serde_json::from_slice(&bytes)
            .with_context(|| format!("the OpenAPI document {} is not JSON", entry.key))?;
        docs.push((entry.key, doc));
    }
    Ok(docs)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use serde_json::json;

    use super::*;

    #[test]
    fn the_index_lists_group_version_documents_only() {
        let index = json!({"paths": {
            ".well-known/openid-configuration": {"serverRelativeURL": "/openapi/v3/.well-known/openid-configuration?hash=1"},
            "api": {"serverRelativeURL": "/openapi/v3/api?hash=2"},
            "api/v1": {"serverRelativeURL": "/openapi/v3/api/v1?hash=3"},
            "apis": {"serverRelativeURL": "/openapi/v3/apis?hash=4"},
            "apis/apps/v1": {"serverRelativeURL": "/openapi/v3/apis/apps/v1?hash=5"},
            "apis/stable.example.com/v1beta1": {"serverRelativeURL": "/openapi/v3/apis/stable.example.com/v1beta1?hash=6"},
            "logs": {"serverRelativeURL": "/openapi/v3/logs?hash=7"},
            "version": {"serverRelativeURL": "/openapi/v3/version?hash=8"}}});
        let entries = parse_index(&index).unwrap();
        let keys: Vec<&str> = entries.iter().map(|e| e.key.as_str()).collect();
        assert_eq!(
            keys,
            ["api/v1", "apis/apps/v1", "apis/stable.example.com/v1beta1"]
        );
        assert_eq!(entries[1].url, "/openapi/v3/apis/apps/v1?hash=5");
    }

    #[test]
    fn a_bad_index_is_an_error_saying_what_is_wrong() {
        let err = parse_index(&json!({"kind": "Status"})).unwrap_err();
        assert!(err.to_string().contains("no \"paths\""), "{err}");
        let err = parse_index(&json!({"paths": {"apis/apps/v1": {}}})).unwrap_err();
        assert!(err.to_string().contains("apis/apps/v1"), "{err}");
        let err =
            parse_index(&json!({"paths": {"version": {"serverRelativeURL": "/v"}}})).unwrap_err();
        assert!(err.to_string().contains("no group-version"), "{err}");
    }

    #[test]
    fn fetched_documents_make_a_spec() {
        let doc = json!({"openapi": "3.0.0", "components": {"schemas": {
            "io.k8s.api.example.v1.Thing": {"type": "object", "properties": {"a": {"type": "string"}}}}},
            "paths": {}});
        let spec = spec::from_documents(&[("apis/example.io/v1".into(), doc)]).unwrap();
        assert!(spec.definitions.contains_key("io.k8s.api.example.v1.Thing"));
    }
}
