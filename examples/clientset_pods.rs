//! Pods with the typed clientset: creates a pod, lists pods with a label selector, patches the
//! pod's labels, watches until the watch reports the change, and deletes the pod (also when a
//! step in between fails).
//!
//! ```sh
//! cargo run --example clientset_pods -- [--namespace default] [--name kclient-example] [--timeout-secs 30]
//! ```
//!
//! Configuration comes from `Config::infer()` (`KUBECONFIG`, `~/.kube/config`, or in-cluster);
//! with none of them it starts an embedded kclient-testserver and runs against that.

#[path = "support/mod.rs"]
mod support;

use std::time::Duration;

use anyhow::{Context as _, bail};
use clap::Parser;
use futures_util::StreamExt;
use kclient_apimachinery::meta::ObjectMeta;
use kclient_apimachinery::options::{
    CreateOptions, DeleteOptions, ListOptions, PatchOptions, PatchType,
};
use kclient_apimachinery::watch::WatchEvent;
use kclient_typed::api::core::v1::{Container, Pod, PodSpec};
use kclient_typed::{Clientset, ResourceClient};
use serde_json::json;

/// Command-line flags.
#[derive(Debug, Parser)]
#[command(about = "Create, list, patch, watch and delete a pod with the typed clientset")]
struct Args {
    /// The namespace of the pod.
    #[arg(long, default_value = "default")]
    namespace: String,
    /// The pod's name.
    #[arg(long, default_value = "kclient-example")]
    name: String,
    /// How long to wait for the watch to report the patch.
    #[arg(long, default_value_t = 30)]
    timeout_secs: u64,
}

/// The pod: one pause container, labelled `app=kclient-example`.
fn pod(args: &Args) -> Pod {
    let mut metadata = ObjectMeta::namespaced(args.namespace.as_str(), args.name.as_str());
    metadata
        .labels
        .insert("app".to_string(), "kclient-example".to_string());
    Pod {
        metadata,
        spec: Some(PodSpec {
            containers: vec![Container {
                name: "pause".into(),
                image: Some("registry.k8s.io/pause:3.10".into()),
                ..Container::default()
            }],
            ..PodSpec::default()
        }),
        ..Pod::default()
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let cluster = support::connect().await?;
    let clientset = Clientset::for_config(&cluster.config).context("building the clientset")?;
    let pods = clientset.core_v1().pods(&args.namespace);

    let created = pods
        .create(&pod(&args), &CreateOptions::default())
        .await
        .with_context(|| format!("creating pod {}/{}", args.namespace, args.name))?;
    println!(
        "created pod {}/{} (resourceVersion {})",
        args.namespace,
        args.name,
        created.metadata.resource_version.as_deref().unwrap_or("?")
    );

    let result = exercise(&args, &pods, &created).await;

    match pods.delete(&args.name, &DeleteOptions::background()).await {
        Ok(_) => println!("deleted pod {}/{}", args.namespace, args.name),
        Err(e) if e.is_not_found() => {}
        Err(e) => eprintln!("warning: deleting pod {}: {e}", args.name),
    }
    result
}

/// Lists, patches and watches the created pod.
async fn exercise(args: &Args, pods: &ResourceClient<Pod>, created: &Pod) -> anyhow::Result<()> {
    let list = pods
        .list(&ListOptions::default().label_selector("app=kclient-example"))
        .await
        .context("listing pods with app=kclient-example")?;
    println!("pods with app=kclient-example:");
    for p in &list.items {
        let phase = p.status.as_ref().and_then(|s| s.phase.as_deref());
        println!(
            "  {} ({})",
            p.metadata.name.as_deref().unwrap_or(""),
            phase.unwrap_or("no phase yet")
        );
    }

    // Watch from the version we created, so the patch below is the next event for our pod.
    let watch_options = ListOptions::default()
        .field_selector(format!("metadata.name={}", args.name))
        .resource_version(
            created
                .metadata
                .resource_version
                .clone()
                .unwrap_or_default(),
        )
        .timeout_seconds(i64::try_from(args.timeout_secs).unwrap_or(i64::MAX));
    let mut events = pods
        .watch(&watch_options)
        .await
        .context("starting the watch")?;

    let patch = json!({"metadata": {"labels": {"patched": "true"}}});
    let patched = pods
        .patch(
            &args.name,
            PatchType::Merge,
            &patch,
            &PatchOptions::default(),
        )
        .await
        .context("patching the pod's labels")?;
    println!("patched: labels now {:?}", patched.metadata.labels);

    let deadline = Duration::from_secs(args.timeout_secs);
    let wait = async {
        while let Some(event) = events.next().await {
            match event.context("reading the watch")? {
                WatchEvent::Modified(p)
                    if p.metadata.labels.get("patched").map(String::as_str) == Some("true") =>
                {
                    println!(
                        "watch: MODIFIED {} (resourceVersion {})",
                        p.metadata.name.as_deref().unwrap_or(""),
                        p.metadata.resource_version.as_deref().unwrap_or("?")
                    );
                    return Ok(());
                }
                WatchEvent::Error(status) => bail!(
                    "the watch failed: {}",
                    status.message.as_deref().unwrap_or("")
                ),
                other => println!("watch: {}", event_type(&other)),
            }
        }
        bail!("the watch ended before reporting the patch")
    };
    tokio::time::timeout(deadline, wait)
        .await
        .with_context(|| format!("no MODIFIED event within {} s", args.timeout_secs))?
}

fn event_type(event: &WatchEvent<Pod>) -> &'static str {
    match event {
        WatchEvent::Added(_) => "ADDED",
        WatchEvent::Modified(_) => "MODIFIED",
        WatchEvent::Deleted(_) => "DELETED",
        WatchEvent::Bookmark(_) => "BOOKMARK",
        WatchEvent::Error(_) => "ERROR",
    }
}
