//! Building clients from the test server's kubeconfig, and filling the benchmark namespace with
//! realistic pods (created, then given their status through the `status` subresource, since the
//! server drops `status` on create as the real one does).

use std::time::Duration;

use futures_util::{StreamExt, TryStreamExt, stream};
use kclient_apimachinery::GroupVersion;
use kclient_config::{Config, ConfigOverrides, Kubeconfig, Serializer};
use kclient_rest::RestClient;
use kclient_testserver::TestServer;
use serde_json::{Value, json};

use crate::{BoxResult, pods};

/// The namespace the pods live in.
pub const NAMESPACE: &str = "bench";

/// Requests in flight while filling the namespace.
const FILL_CONCURRENCY: usize = 16;

/// The core/v1 JSON config of `server`, read from its kubeconfig the way a user's program would,
/// with client-side rate limiting off. `http1` restricts ALPN to HTTP/1.1 (one connection per
/// request in flight) instead of offering HTTP/2 first.
pub fn config_for(server: &TestServer, http1: bool) -> BoxResult<Config> {
    let kubeconfig = Kubeconfig::from_yaml(&server.kubeconfig_yaml())?;
    let mut config = Config::from_kubeconfig(&kubeconfig, &ConfigOverrides::default())?;
    config.api_path = "/api".into();
    config.content.group_version = Some(GroupVersion::new("", "v1"));
    config.content.serializer = Some(Serializer::Json);
    config.qps = -1.0; // no client-side rate limit in a benchmark
    config.timeout = Some(Duration::from_secs(60)); // nothing in here may hang
    if http1 {
        config.tls.next_protos = vec!["http/1.1".into()];
    }
    Ok(config)
}

/// A client with its own `HttpClient` (its own connection pool), already connected by one small
/// request so that later requests reuse that connection.
pub async fn warm_client(config: &Config) -> BoxResult<RestClient> {
    let client = RestClient::for_config(config)?;
    client.get().abs_path("/version").bytes().await?;
    Ok(client)
}

/// Pod `i` of the generator as a client sends it: in [`NAMESPACE`], without the fields the
/// server sets (`uid`, `resourceVersion`, `creationTimestamp`).
pub fn pod_to_create(i: usize) -> Value {
    let mut pod = pods::pod(i);
    pod["apiVersion"] = json!("v1");
    pod["kind"] = json!("Pod");
    if let Some(meta) = pod["metadata"].as_object_mut() {
        for server_set in ["uid", "resourceVersion", "creationTimestamp"] {
            meta.remove(server_set);
        }
        meta.insert("namespace".into(), json!(NAMESPACE));
    }
    pod
}

/// The name of a generated pod.
pub fn name_of(pod: &Value) -> BoxResult<String> {
    pod["metadata"]["name"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| "generated pod has no metadata.name".into())
}

/// Creates [`NAMESPACE`] and `count` pods in it, each with its status set.
pub async fn fill(client: &RestClient, count: usize) -> BoxResult<()> {
    let namespace = json!({"apiVersion": "v1", "kind": "Namespace",
                           "metadata": {"name": NAMESPACE}});
    client
        .post()
        .resource("namespaces")
        .body(&namespace)
        .bytes()
        .await?;
    stream::iter(0..count)
        .map(Ok::<usize, Box<dyn std::error::Error + Send + Sync>>)
        .try_for_each_concurrent(FILL_CONCURRENCY, |i| async move {
            let pod = pod_to_create(i);
            let name = name_of(&pod)?;
            client
                .post()
                .namespace(NAMESPACE)
                .resource("pods")
                .body(&pod)
                .bytes()
                .await
                .map_err(|e| format!("creating pod {name}: {e}"))?;
            client
                .put()
                .namespace(NAMESPACE)
                .resource("pods")
                .name(&name)
                .subresource("status")
                .body(&pod)
                .bytes()
                .await
                .map_err(|e| format!("setting the status of pod {name}: {e}"))?;
            Ok(())
        })
        .await
}
