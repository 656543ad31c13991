//! A metadata-only informer (client-go's `metadatainformer`): it lists and watches ConfigMaps
//! as `PartialObjectMetadata` — names, labels, annotations, owners, never their data — so
//! neither the wire nor the cache carries more than the metadata. The metadata client
//! (client-go's `metadata` package) changes a label, and the informer's handler sees it.
//!
//! ```sh
//! cargo run --example metadata_informer -- [--namespace default]
//! ```
//!
//! Without a kubeconfig it runs against an embedded kclient-testserver.

#[path = "support/mod.rs"]
mod support;

use std::time::Duration;

use anyhow::Context as _;
use clap::Parser;
use kclient_apimachinery::meta::PartialObjectMetadata;
use kclient_apimachinery::options::{
    CreateOptions, DeleteOptions, ListOptions, PatchOptions, PatchType,
};
use kclient_apimachinery::{ApiResource, GroupVersionKind, MetaAccessor, Unstructured};
use kclient_cache::{HandlerFns, InformerFactory};
use kclient_dynamic::{DynamicClient, MetadataClient};
use serde_json::json;
use tokio::sync::mpsc;

/// Command-line flags.
#[derive(Debug, Parser)]
#[command(about = "List and watch only the metadata of ConfigMaps")]
struct Args {
    /// The namespace to watch.
    #[arg(long, default_value = "default")]
    namespace: String,
}

const NAME: &str = "metadata-informer-demo";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let cluster = support::connect().await?;
    let configmaps = ApiResource::new(
        &GroupVersionKind::new("", "v1", "ConfigMap"),
        "configmaps",
        true,
    );

    // The informer: metadata only, shared through the factory like any other informer.
    let factory = InformerFactory::from_config(&cluster.config, Duration::ZERO)?
        .with_namespace(args.namespace.clone());
    let informer = factory.for_metadata(configmaps.clone());
    // Drop managedFields before caching: nothing here reads them.
    informer.set_transform(|mut o: PartialObjectMetadata| {
        o.metadata.managed_fields.clear();
        o
    })?;
    let (tx, mut rx) = mpsc::unbounded_channel::<String>();
    let (add, update, delete) = (tx.clone(), tx.clone(), tx);
    informer.add_event_handler(
        HandlerFns::<PartialObjectMetadata>::new()
            .on_add(move |o, initial| {
                let _ = add.send(format!(
                    "add {} (initial list: {initial})",
                    o.namespaced_key()
                ));
            })
            .on_update(move |_, o| {
                let _ = update.send(format!(
                    "update {} labels={:?}",
                    o.namespaced_key(),
                    o.metadata.labels
                ));
            })
            .on_delete(move |o| {
                let _ = delete.send(format!("delete {}", o.key()));
            }),
    )?;
    factory.start()?;
    anyhow::ensure!(
        factory.wait_for_cache_sync().await,
        "the informer did not sync"
    );
    println!(
        "synced: {} ConfigMaps in {:?} (metadata only)",
        informer.store().len(),
        args.namespace
    );

    // Make changes: create with the dynamic client, relabel and delete with the metadata client.
    let dynamic = DynamicClient::for_config(&cluster.config)?;
    let cm = Unstructured::from_value(json!({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": NAME, "labels": {"stage": "new"}},
        "data": {"big": "this data never reaches the informer"}
    }))?;
    dynamic
        .resource(&configmaps.gvr())
        .namespace(&args.namespace)
        .create(&cm, &CreateOptions::default())
        .await
        .context("creating the demo ConfigMap")?;
    let metadata = MetadataClient::for_config(&cluster.config)?;
    let cms = metadata
        .resource(&configmaps.gvr())
        .namespace(&args.namespace);
    let patched = cms
        .patch(
            NAME,
            PatchType::Merge,
            &json!({"metadata": {"labels": {"stage": "reviewed"}}}),
            &PatchOptions::default(),
        )
        .await?;
    println!("patched: {} {:?}", patched.kind, patched.metadata.labels);
    let list = cms.list(&ListOptions::default()).await?;
    println!(
        "the metadata client lists a {} of {} items",
        list.kind,
        list.items.len()
    );
    cms.delete(NAME, &DeleteOptions::default()).await?;

    // The handler saw it all, as metadata.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let event = tokio::time::timeout_at(deadline, rx.recv())
            .await
            .context("waiting for the informer's events")?
            .context("the informer stopped")?;
        if !event.contains("initial list: true") {
            println!("{event}");
        }
        if event.starts_with("delete") && event.contains(NAME) {
            break;
        }
    }
    factory.shutdown();
    Ok(())
}
