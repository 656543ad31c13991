//! The ConfigMap mirror: a ConfigMap labelled `mirror.kclient.dev/enabled=true` is copied into
//! every other namespace and kept equal; deleting it deletes the copies first (a finalizer).
//! A kclient-runtime controller: the reconcile is `support/mirror/`; the guide is
//! `docs/controller.md`.
//!
//! ```sh
//! cargo run --example configmap_mirror -- [--kubeconfig PATH] [--run-for SECS]
//! kubectl create configmap settings --from-literal=mode=fast
//! kubectl label configmap settings mirror.kclient.dev/enabled=true
//! ```
//!
//! Without a kubeconfig (KUBECONFIG, ~/.kube/config, in-cluster) it runs against an embedded
//! `kclient-testserver`, where it makes namespaces `team-a` and `team-b` and a labelled
//! ConfigMap `default/settings` itself, and prints the copies.

#[path = "support/mirror/mod.rs"]
mod mirror;
#[path = "support/mod.rs"]
mod support;

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context as _;
use clap::Parser;
use kclient_apimachinery::meta::ObjectMeta;
use kclient_apimachinery::options::{CreateOptions, ListOptions};
use kclient_cache::ShutdownHandle;
use kclient_typed::Clientset;
use kclient_typed::api::core::v1::{ConfigMap, Namespace};
use tracing::info;

/// Command-line flags.
#[derive(Debug, Parser)]
#[command(about = "Copy labelled ConfigMaps into every namespace")]
struct Args {
    /// A kubeconfig file (default: KUBECONFIG, ~/.kube/config, in-cluster, else an embedded test server).
    #[arg(long)]
    kubeconfig: Option<PathBuf>,
    /// Stop after this many seconds instead of waiting for Ctrl-C.
    #[arg(long)]
    run_for: Option<u64>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let args = Args::parse();
    let cluster = match &args.kubeconfig {
        Some(path) => support::Cluster::from_config(
            kclient_config::build_config_from_flags(None, Some(path))
                .with_context(|| format!("cannot load the kubeconfig {}", path.display()))?,
        ),
        None => support::connect().await?,
    };
    let clientset = Clientset::for_config(&cluster.config).context("cannot build the clientset")?;
    let shutdown = ShutdownHandle::new();
    let task = tokio::spawn(mirror::run(
        clientset.clone(),
        mirror::MirrorConfig::default(),
        shutdown.clone(),
    ));

    if cluster.is_embedded() {
        for team in ["team-a", "team-b"] {
            let ns = Namespace {
                metadata: ObjectMeta::named(team),
                ..Namespace::default()
            };
            clientset
                .core_v1()
                .namespaces()
                .create(&ns, &CreateOptions::default())
                .await
                .with_context(|| format!("creating the demo namespace {team}"))?;
        }
        let mut metadata = ObjectMeta::namespaced("default", "settings");
        metadata
            .labels
            .insert(mirror::ENABLED_LABEL.into(), "true".into());
        let source = ConfigMap {
            metadata,
            data: Some(kclient_apimachinery::VecMap::from([(
                "mode".to_string(),
                "fast".to_string(),
            )])),
            ..ConfigMap::default()
        };
        clientset
            .core_v1()
            .config_maps("default")
            .create(&source, &CreateOptions::default())
            .await
            .context("creating the demo source default/settings")?;
        tokio::time::sleep(Duration::from_secs(1)).await;
        let copies = clientset
            .core_v1()
            .config_maps("")
            .list(&ListOptions::default().label_selector(format!("{}=true", mirror::COPY_LABEL)))
            .await
            .context("listing the copies")?;
        for copy in copies.items {
            support::print_out(&format!(
                "copy {}/{} data {:?}\n",
                copy.metadata.namespace.unwrap_or_default(),
                copy.metadata.name.unwrap_or_default(),
                copy.data.unwrap_or_default()
            ))?;
        }
    }

    let run_for = args.run_for.map(Duration::from_secs);
    tokio::select! {
        r = tokio::signal::ctrl_c() => { r.context("listening for Ctrl-C")?; info!("Ctrl-C: shutting down"); }
        () = async { match run_for { Some(d) => tokio::time::sleep(d).await, None => std::future::pending().await } } => {
            info!("--run-for elapsed: shutting down");
        }
    }
    shutdown.shutdown();
    task.await.context("the mirror task failed")??;
    Ok(())
}
