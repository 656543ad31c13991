//! Waiting with the watch tools (client-go's `tools/watch`): creates a CustomResourceDefinition
//! and waits until it is Established; then deletes a ConfigMap held by a finalizer, waits until
//! it is terminating, removes the finalizer and waits until it is gone — each wait one call.
//!
//! ```sh
//! cargo run --example wait_for_condition -- [--namespace default] [--timeout-secs 60]
//! ```
//!
//! Without a kubeconfig it runs against an embedded kclient-testserver.

#[path = "support/mod.rs"]
mod support;

use std::time::Duration;

use anyhow::Context as _;
use clap::Parser;
use kclient_apimachinery::options::{CreateOptions, DeleteOptions, PatchOptions, PatchType};
use kclient_apimachinery::{ApiResource, GroupVersionKind, Unstructured};
use kclient_cache::RestListWatch;
use kclient_cache::watch_tools::{await_condition, conditions};
use kclient_dynamic::DynamicClient;
use serde_json::json;

/// Command-line flags.
#[derive(Debug, Parser)]
#[command(about = "Wait for a CRD to be established and for an object to be deleted")]
struct Args {
    /// The namespace of the ConfigMap.
    #[arg(long, default_value = "default")]
    namespace: String,
    /// How long each wait may take.
    #[arg(long, default_value_t = 60)]
    timeout_secs: u64,
}

const CRD_NAME: &str = "gadgets.examples.kclient.dev";
const CM_NAME: &str = "wait-for-condition-demo";
const FINALIZER: &str = "examples.kclient.dev/hold";

fn crd_resource() -> ApiResource {
    ApiResource::new(
        &GroupVersionKind::new("apiextensions.k8s.io", "v1", "CustomResourceDefinition"),
        "customresourcedefinitions",
        false,
    )
}

fn cm_resource() -> ApiResource {
    ApiResource::new(
        &GroupVersionKind::new("", "v1", "ConfigMap"),
        "configmaps",
        true,
    )
}

fn definition() -> anyhow::Result<Unstructured> {
    Ok(Unstructured::from_value(json!({
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": CRD_NAME},
        "spec": {
            "group": "examples.kclient.dev",
            "scope": "Namespaced",
            "names": {"plural": "gadgets", "singular": "gadget", "kind": "Gadget", "listKind": "GadgetList"},
            "versions": [{"name": "v1", "served": true, "storage": true,
                "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}}]
        }
    }))?)
}

async fn run(client: &DynamicClient, args: &Args) -> anyhow::Result<()> {
    let timeout = Duration::from_secs(args.timeout_secs);
    let rest = client.rest_client().clone();

    // 1. A CRD, and the wait until the server serves it.
    let crds = client.resource(&crd_resource().gvr());
    match crds.create(&definition()?, &CreateOptions::default()).await {
        Ok(_) => println!("created CustomResourceDefinition {CRD_NAME}"),
        Err(e) if e.is_already_exists() => println!("CustomResourceDefinition {CRD_NAME} exists"),
        Err(e) => return Err(e).context("creating the CustomResourceDefinition"),
    }
    let crd_lw = RestListWatch::dynamic(rest.clone(), crd_resource());
    await_condition(timeout, crd_lw, CRD_NAME, conditions::crd_established())
        .await
        .context("waiting for the CRD to be Established")?;
    println!("CustomResourceDefinition {CRD_NAME} is Established");

    // 2. An object held by a finalizer: deleting it only marks it.
    let cms = client
        .resource(&cm_resource().gvr())
        .namespace(&args.namespace);
    let cm = Unstructured::from_value(json!({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": CM_NAME, "finalizers": [FINALIZER]}
    }))?;
    let created = cms.create(&cm, &CreateOptions::default()).await?;
    let uid = created.uid().unwrap_or_default().to_string();
    println!("created ConfigMap {CM_NAME} with finalizer {FINALIZER}");
    cms.delete(CM_NAME, &DeleteOptions::default()).await?;
    let cm_lw =
        || RestListWatch::dynamic(rest.clone(), cm_resource()).namespace(args.namespace.clone());
    let terminating = await_condition(timeout, cm_lw(), CM_NAME, |o: Option<&Unstructured>| {
        Ok(o.is_some_and(|o| o.deletion_timestamp().is_some()))
    })
    .await
    .context("waiting for the ConfigMap to be terminating")?;
    println!(
        "ConfigMap {CM_NAME} is terminating (deletionTimestamp {})",
        terminating
            .and_then(|o| o.deletion_timestamp())
            .map(|t| t.to_string())
            .unwrap_or_default()
    );

    // 3. Remove the finalizer; the server then deletes it.
    cms.patch(
        CM_NAME,
        PatchType::Merge,
        &json!({"metadata": {"finalizers": null}}),
        &PatchOptions::default(),
    )
    .await?;
    await_condition(timeout, cm_lw(), CM_NAME, conditions::is_deleted_uid(&uid))
        .await
        .context("waiting for the ConfigMap to be deleted")?;
    println!("ConfigMap {CM_NAME} is gone");
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let cluster = support::connect().await?;
    let client = DynamicClient::for_config(&cluster.config)?;
    let result = run(&client, &args).await;

    // Clean up, also when a step failed.
    let crds = client.resource(&crd_resource().gvr());
    match crds.delete(CRD_NAME, &DeleteOptions::default()).await {
        Ok(()) => {
            let lw = RestListWatch::dynamic(client.rest_client().clone(), crd_resource());
            await_condition(
                Duration::from_secs(args.timeout_secs),
                lw,
                CRD_NAME,
                conditions::is_deleted(),
            )
            .await
            .context("waiting for the CRD to be deleted")?;
            println!("deleted CustomResourceDefinition {CRD_NAME}");
        }
        Err(e) if e.is_not_found() => {}
        Err(e) => eprintln!("warning: could not delete the CustomResourceDefinition: {e}"),
    }
    result
}
