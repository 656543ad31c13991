//! `cargo xtask codegen --from-cluster`: the OpenAPI v3 documents of the cluster the current
//! kubeconfig points at (`Config::infer()`, or a given `Config`), fetched with kclient-rest: the index
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

/// Whether the document of the group-version `key` (`api/v1`, `apis/<group>/<version>`) has
/// kinds the generator makes types of. Custom resources' schemas are named after their reversed
/// group (`com.example.v1.Widget`), not after a Kubernetes API package, and have no type to
/// attach their resources to; their documents are left out (`--crd` generates them).
pub fn generated_kinds(key: &str, doc: &Value) -> bool {
    let (group, version) = match key.split('/').collect::<Vec<_>>().as_slice() {
        ["api", v] => (String::new(), (*v).to_string()),
        ["apis", g, v] => ((*g).to_string(), (*v).to_string()),
        _ => return false,
    };
    let Some(schemas) = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
    else {
        return false;
    };
    schemas.iter().any(|(name, schema)| {
        let own_kind = schema
            .get("x-kubernetes-group-version-kind")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .any(|gvk| gvk["group"] == group.as_str() && gvk["version"] == version.as_str());
        // Apimachinery's kinds (`DeleteOptions`, `WatchEvent`) are in every group-version.
        own_kind
            && !name.starts_with("io.k8s.apimachinery.")
            && super::model::module_of(name).is_some()
    })
}

/// The spec of the current kubeconfig's cluster, and a description of the source for the
/// generated files' header.
pub fn fetch() -> Result<(Spec, String)> {
    let config = Config::infer().context("loading the client configuration (kubeconfig)")?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(fetch_with(config))
}

/// The spec of the cluster `config` points at, and a description of the source.
pub async fn fetch_with(mut config: Config) -> Result<(Spec, String)> {
    config.content.serializer = Some(Serializer::Json);
    let server = config.host.clone();
    let rest = RestClient::unversioned_for_config(&config)
        .context("building a REST client for the cluster")?;
    let docs = fetch_documents(&rest).await?;
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
        if !generated_kinds(&entry.key, &doc) {
            eprintln!(
                "codegen: skipping {}: its kinds are custom resources (generate them with --crd)",
                entry.key
            );
            continue;
        }
        docs.push((entry.key, doc));
    }
    Ok(docs)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use crate::shared_data;

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
    fn documents_of_custom_resources_are_left_out() {
        let gvk = |g: &str, k: &str| json!([{"group": g, "version": "v1", "kind": k}]);
        let doc = |name: &str, g: &str| {
            json!({"components": {"schemas": {name: {"x-kubernetes-group-version-kind": gvk(g, "Thing")},
                "io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions": {"x-kubernetes-group-version-kind": gvk(g, "DeleteOptions")}}}})
        };
        assert!(generated_kinds(
            "apis/apps/v1",
            &doc("io.k8s.api.apps.v1.Thing", "apps")
        ));
        assert!(generated_kinds(
            "api/v1",
            &doc("io.k8s.api.core.v1.Thing", "")
        ));
        assert!(!generated_kinds(
            "apis/example.com/v1",
            &doc("com.example.v1.Thing", "example.com")
        ));
        let snapshot = doc(
            "io.k8s.storage.snapshot.v1.Thing",
            "snapshot.storage.k8s.io",
        );
        assert!(!generated_kinds(
            "apis/snapshot.storage.k8s.io/v1",
            &snapshot
        ));
    }

    #[test]
    fn fetched_documents_make_a_spec() {
        let doc = json!({"openapi": "3.0.0", "components": {"schemas": {
            "io.k8s.api.example.v1.Thing": {"type": "object", "properties": {"a": {"type": "string"}}}}},
            "paths": {}});
        let spec = spec::from_documents(&[("apis/example.io/v1".into(), doc)]).unwrap();
        assert!(spec.definitions.contains_key("io.k8s.api.example.v1.Thing"));
    }

    /// Creates a CRD and waits for `/openapi/v3` to list its group-version.
    async fn add_custom_resource(config: &Config) {
        let mut config = config.clone();
        config.content.serializer = Some(Serializer::Json);
        let rest = RestClient::unversioned_for_config(&config).unwrap();
        let crd = json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
            "metadata": {"name": "widgets.example.com"},
            "spec": {"group": "example.com", "scope": "Namespaced",
                "names": {"plural": "widgets", "kind": "Widget"},
                "versions": [{"name": "v1", "served": true, "storage": true,
                    "subresources": {"status": {}},
                    "schema": {"openAPIV3Schema": {"type": "object"}}}]}});
        rest.post()
            .abs_path("/apis/apiextensions.k8s.io/v1/customresourcedefinitions")
            .body(&crd)
            .bytes()
            .await
            .unwrap();
        for _ in 0..100 {
            let index = rest.get().abs_path("/openapi/v3").bytes().await.unwrap();
            let index: Value = serde_json::from_slice(&index).unwrap();
            if index["paths"].get("apis/example.com/v1").is_some() {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("the CRD's group-version never appeared in /openapi/v3");
    }

    /// `--from-cluster` against kclient-testserver generates exactly what `--spec` generates
    /// from the real server's documents (the committed code when `codegen --check` passes):
    /// the test server's OpenAPI paths carry everything the generator reads. The header line
    /// naming the source is the only difference, so both are rendered with the same name.
    /// The documents of custom resources are left out.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_test_server_generates_what_the_spec_does() {
        let Some(spec_dir) = shared_data::shared_v136("openapi/v3", "api__v1_openapi.json") else {
            return;
        };
        let from_files = tokio::task::spawn_blocking(move || spec::load(&spec_dir));
        // The shared documents hold every group/version: serve them all, as
        // `--runtime-config=api/all=true` does.
        let server = kclient_testserver::TestServer::builder()
            .runtime_config("api/all=true")
            .start()
            .await
            .unwrap();
        let kubeconfig = kclient_config::Kubeconfig::from_yaml(&server.kubeconfig_yaml()).unwrap();
        let config =
            Config::from_kubeconfig(&kubeconfig, &kclient_config::ConfigOverrides::default())
                .unwrap();
        // A custom resource, whose document the generator must leave out.
        add_custom_resource(&config).await;
        let (from_cluster, source) = fetch_with(config).await.unwrap();
        assert_eq!(source, format!("/openapi/v3 of {}", server.url()));
        server.shutdown().await;
        let from_files = from_files.await.unwrap().unwrap();

        let label = "the spec";
        let (want, want_features) = super::super::generate(&from_files, label).unwrap();
        let (got, got_features) = super::super::generate(&from_cluster, label).unwrap();
        let mut problems = Vec::new();
        for (rel, text) in &want {
            match got.get(rel) {
                None => problems.push(format!("{rel}: not generated from the cluster")),
                Some(g) if g != text => problems.push(format!(
                    "{rel}: {}",
                    super::super::output::describe_diff(text, g)
                )),
                Some(_) => {}
            }
        }
        for rel in got.keys().filter(|rel| !want.contains_key(*rel)) {
            problems.push(format!("{rel}: generated only from the cluster"));
        }
        if want_features != got_features {
            problems.push("the [features] section differs".to_string());
        }
        assert!(
            problems.is_empty(),
            "{} of {} files differ (\"committed\" is --spec, \"generated\" --from-cluster):\n{}",
            problems.len(),
            want.len(),
            problems.join("\n")
        );
    }
}
