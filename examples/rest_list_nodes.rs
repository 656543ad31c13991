//! Lists the cluster's nodes with the low-level `RestClient`, like `kubectl get nodes`.
//!
//! The configuration comes from `--kubeconfig`/`--server` when given (client-go's
//! `BuildConfigFromFlags`), else from `KUBECONFIG`, `~/.kube/config` or the in-cluster service
//! account (`Config::infer`). When there is none of these, it starts the embedded test server
//! (`kclient-testserver`), registers three demo nodes, and lists those. Run it with:
//!
//! ```sh
//! cargo run --example rest_list_nodes -- [--kubeconfig PATH] [--server URL] [--limit N]
//! ```

#[path = "support/demo_nodes.rs"]
mod demo_nodes;

use std::path::PathBuf;

use anyhow::Context as _;
use clap::Parser;
use kclient_apimachinery::GroupVersion;
use kclient_apimachinery::meta::{ListMeta, ObjectMeta, Time};
use kclient_apimachinery::options::ListOptions;
use kclient_config::{Config, DataSource, SecretString, Serializer};
use kclient_rest::RestClient;
use kclient_testserver::TestServer;
use serde::Deserialize;

/// Command-line flags.
#[derive(Debug, Parser)]
#[command(about = "List nodes with kclient's RestClient")]
struct Args {
    /// A kubeconfig file to use instead of the default ones.
    #[arg(long)]
    kubeconfig: Option<PathBuf>,
    /// The API server's URL, overriding the kubeconfig's.
    #[arg(long)]
    server: Option<String>,
    /// How many nodes to ask for in one page.
    #[arg(long, default_value_t = 100)]
    limit: u32,
}

/// The parts of a `v1/NodeList` this program shows.
#[derive(Debug, Deserialize)]
struct NodeList {
    #[serde(default)]
    metadata: ListMeta,
    #[serde(default)]
    items: Vec<Node>,
}

/// The parts of a `v1/Node` this program shows.
#[derive(Debug, Deserialize)]
struct Node {
    metadata: ObjectMeta,
    #[serde(default)]
    status: NodeStatus,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct NodeStatus {
    #[serde(default)]
    conditions: Vec<NodeCondition>,
    #[serde(default)]
    node_info: NodeInfo,
}

#[derive(Debug, Deserialize)]
struct NodeCondition {
    #[serde(rename = "type")]
    type_: String,
    status: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct NodeInfo {
    #[serde(default)]
    kubelet_version: String,
}

impl Node {
    /// `Ready`, `NotReady` or `Unknown`, like kubectl's STATUS column.
    fn readiness(&self) -> &'static str {
        match self.status.conditions.iter().find(|c| c.type_ == "Ready") {
            Some(c) if c.status == "True" => "Ready",
            Some(c) if c.status == "False" => "NotReady",
            _ => "Unknown",
        }
    }

    /// The roles from `node-role.kubernetes.io/<role>` labels, or `<none>`.
    fn roles(&self) -> String {
        let roles: Vec<&str> = self
            .metadata
            .labels
            .keys()
            .filter_map(|k| k.strip_prefix("node-role.kubernetes.io/"))
            .filter(|r| !r.is_empty())
            .collect();
        if roles.is_empty() {
            "<none>".to_string()
        } else {
            roles.join(",")
        }
    }
}

/// A kubectl-style age: `45s`, `12m`, `5h`, `3d`.
fn age(created: Option<&Time>) -> String {
    let Some(created) = created else {
        return "<unknown>".to_string();
    };
    let secs = (Time::now().timestamp().as_second() - created.timestamp().as_second()).max(0);
    match secs {
        s if s < 120 => format!("{s}s"),
        s if s < 2 * 3600 => format!("{}m", s / 60),
        s if s < 2 * 86400 => format!("{}h", s / 3600),
        s => format!("{}d", s / 86400),
    }
}

/// The configuration to use, and the embedded server when there is no cluster to talk to.
async fn load_config(args: &Args) -> anyhow::Result<(Config, Option<TestServer>)> {
    if args.kubeconfig.is_some() || args.server.is_some() {
        let config = kclient_config::build_config_from_flags(
            args.server.as_deref(),
            args.kubeconfig.as_deref(),
        )
        .context("cannot build a configuration from --server/--kubeconfig")?;
        return Ok((config, None));
    }
    match Config::infer() {
        Ok(config) => Ok((config, None)),
        Err(kclient_config::Error::Infer {
            kubeconfig,
            in_cluster,
        }) if (kubeconfig.is_kubeconfig_not_found()
            || matches!(*kubeconfig, kclient_config::Error::EmptyConfig))
            && in_cluster.is_not_in_cluster() =>
        {
            eprintln!("no kubeconfig and not in a cluster: starting the embedded test server");
            let server = TestServer::start()
                .await
                .context("cannot start the embedded test server")?;
            let mut config = Config::new(server.url());
            config.tls.ca = Some(DataSource::Data(server.ca_pem().as_bytes().to_vec()));
            config.auth.bearer_token = Some(SecretString::from(server.admin_token().to_string()));
            Ok((config, Some(server)))
        }
        Err(e) => Err(e).context("cannot load the kubeconfig or the in-cluster configuration"),
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let (mut config, embedded) = load_config(&args).await?;
    // The core group, version v1, JSON: what client-go's setConfigDefaults does for core/v1.
    config.api_path = "/api".to_string();
    config.content.group_version = Some(GroupVersion::new("", "v1"));
    config.content.serializer = Some(Serializer::Json);

    let client = RestClient::for_config(&config).context("cannot create the REST client")?;
    if embedded.is_some() {
        demo_nodes::add_demo_nodes(&client).await?;
    }
    let nodes: NodeList = client
        .get()
        .resource("nodes")
        .versioned_params(&ListOptions::default().limit(i64::from(args.limit)))
        .object()
        .await
        .with_context(|| format!("cannot list nodes on {}", client.base_url()))?;

    println!(
        "{:<40} {:<10} {:<20} {:<8} VERSION",
        "NAME", "STATUS", "ROLES", "AGE"
    );
    for node in &nodes.items {
        println!(
            "{:<40} {:<10} {:<20} {:<8} {}",
            node.metadata.name.as_deref().unwrap_or("<unnamed>"),
            node.readiness(),
            node.roles(),
            age(node.metadata.creation_timestamp.as_ref()),
            node.status.node_info.kubelet_version,
        );
    }
    if let Some(token) = nodes
        .metadata
        .continue_
        .as_deref()
        .filter(|t| !t.is_empty())
    {
        eprintln!(
            "(more than {} nodes; the next page starts at continue token {token:?})",
            args.limit
        );
    }
    if let Some(server) = embedded {
        server.shutdown().await;
    }
    Ok(())
}
