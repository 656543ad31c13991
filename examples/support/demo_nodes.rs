//! Demo nodes for the embedded test server (which has no kubelets), so that listing nodes shows
//! something. Shared by `rest_list_nodes` and `tour`; include it with
//! `#[path = "support/demo_nodes.rs"] mod demo_nodes;`.
#![allow(dead_code)]

use anyhow::Context as _;
use kclient_rest::RestClient;
use serde_json::json;

/// The demo nodes: name and role (empty: a worker).
pub const DEMO_NODES: [(&str, &str); 3] = [
    ("demo-control-plane", "control-plane"),
    ("demo-worker-1", ""),
    ("demo-worker-2", ""),
];

/// Registers [`DEMO_NODES`] (Ready, kubelet v1.36.0) through `client`, a core/v1 REST client.
pub async fn add_demo_nodes(client: &RestClient) -> anyhow::Result<()> {
    for (name, role) in DEMO_NODES {
        let mut labels = serde_json::Map::new();
        labels.insert("kubernetes.io/hostname".into(), json!(name));
        if !role.is_empty() {
            labels.insert(format!("node-role.kubernetes.io/{role}"), json!(""));
        }
        let node = json!({"apiVersion": "v1", "kind": "Node",
                          "metadata": {"name": name, "labels": labels}});
        let mut created: serde_json::Value = client
            .post()
            .resource("nodes")
            .body(&node)
            .object()
            .await
            .with_context(|| format!("cannot create demo node {name}"))?;
        created["status"] = json!({
            "conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady"}],
            "nodeInfo": {"kubeletVersion": "v1.36.0"},
        });
        client
            .put()
            .resource("nodes")
            .name(name)
            .subresource("status")
            .body(&created)
            .bytes()
            .await
            .with_context(|| format!("cannot set the status of demo node {name}"))?;
    }
    Ok(())
}
