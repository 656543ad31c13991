//! Custom resources with the dynamic client: creates a CustomResourceDefinition, waits until the
//! server has established it, then creates, lists, patches and deletes custom objects through
//! `DynamicClient`, and finally removes the definition again (also when a step fails).
//!
//! ```sh
//! cargo run --example dynamic_crd -- [--namespace default] [--timeout-secs 60]
//! ```
//!
//! Without a kubeconfig it runs against an embedded kclient-testserver, which serves custom
//! resources too. The Established wait is one call of `kclient_cache::watch_tools`.

#[path = "support/mod.rs"]
mod support;

use std::time::Duration;

use anyhow::Context as _;
use clap::Parser;
use kclient_apimachinery::options::{
    CreateOptions, DeleteOptions, ListOptions, PatchOptions, PatchType,
};
use kclient_apimachinery::{ApiResource, GroupVersionKind, GroupVersionResource, Unstructured};
use kclient_cache::RestListWatch;
use kclient_cache::watch_tools::{await_condition, conditions};
use kclient_dynamic::{DynamicClient, ResourceClient};
use serde_json::json;

/// The group of the example's custom resource.
const GROUP: &str = "examples.kclient.dev";
/// The CRD's name: `<plural>.<group>`.
const CRD_NAME: &str = "widgets.examples.kclient.dev";

/// Command-line flags.
#[derive(Debug, Parser)]
#[command(about = "Create a CRD and use its custom resources with the dynamic client")]
struct Args {
    /// The namespace of the custom objects.
    #[arg(long, default_value = "default")]
    namespace: String,
    /// How long to wait for the CRD to be established.
    #[arg(long, default_value_t = 60)]
    timeout_secs: u64,
}

fn crds(client: &DynamicClient) -> ResourceClient {
    client.resource(&GroupVersionResource::new(
        "apiextensions.k8s.io",
        "v1",
        "customresourcedefinitions",
    ))
}

/// The definition: namespaced `Widget`s with an integer `spec.size` and a short name.
fn definition() -> anyhow::Result<Unstructured> {
    Ok(Unstructured::from_value(json!({
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": CRD_NAME},
        "spec": {
            "group": GROUP,
            "scope": "Namespaced",
            "names": {"plural": "widgets", "singular": "widget", "kind": "Widget",
                      "listKind": "WidgetList", "shortNames": ["wdg"]},
            "versions": [{
                "name": "v1", "served": true, "storage": true,
                "schema": {"openAPIV3Schema": {
                    "type": "object",
                    "properties": {"spec": {"type": "object", "properties": {
                        "size": {"type": "integer"},
                        "color": {"type": "string"}}}}}}
            }]
        }
    }))?)
}

/// Waits until the CRD is Established: one call of the watch tools (an informer on the one
/// CRD, checked as it changes), instead of a poll loop.
async fn wait_established(client: &DynamicClient, timeout: Duration) -> anyhow::Result<()> {
    let crds = ApiResource::new(
        &GroupVersionKind::new("apiextensions.k8s.io", "v1", "CustomResourceDefinition"),
        "customresourcedefinitions",
        false,
    );
    let lw = RestListWatch::dynamic(client.rest_client().clone(), crds);
    await_condition(timeout, lw, CRD_NAME, conditions::crd_established())
        .await
        .with_context(|| {
            format!("waiting for CustomResourceDefinition {CRD_NAME} to be Established")
        })?;
    Ok(())
}

fn widget(namespace: &str, name: &str, size: i64) -> anyhow::Result<Unstructured> {
    Ok(Unstructured::from_value(json!({
        "apiVersion": format!("{GROUP}/v1"),
        "kind": "Widget",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"size": size, "color": "blue"}
    }))?)
}

/// Everything between creating and deleting the definition.
async fn use_widgets(client: &DynamicClient, args: &Args) -> anyhow::Result<()> {
    wait_established(client, Duration::from_secs(args.timeout_secs)).await?;
    println!("CustomResourceDefinition {CRD_NAME} is established");

    // The RESTMapper learns about the new kind by refreshing discovery on the miss.
    let mapping = client
        .resolve("Widget.examples.kclient.dev")
        .await
        .context("resolving the new kind")?;
    println!(
        "Widget is served as {} (namespaced: {})",
        mapping.qualified_name(),
        mapping.namespaced
    );
    let widgets = client
        .resource(&mapping.resource)
        .namespace(&args.namespace);

    for (name, size) in [("small", 1), ("large", 10)] {
        let created = widgets
            .create(
                &widget(&args.namespace, name, size)?,
                &CreateOptions::default(),
            )
            .await?;
        println!(
            "created widget {name} (resourceVersion {})",
            created.resource_version().unwrap_or_default()
        );
    }
    let list = widgets.list(&ListOptions::default()).await?;
    for w in &list.items {
        println!(
            "listed widget {} size={}",
            w.name().unwrap_or_default(),
            w.nested_i64(&["spec", "size"])?.unwrap_or_default()
        );
    }

    // Custom resources take JSON merge patches and JSON patches (not strategic merge).
    let patched = widgets
        .patch(
            "small",
            PatchType::Merge,
            &json!({"spec": {"size": 2, "color": "red"}}),
            &PatchOptions::default(),
        )
        .await?;
    println!(
        "patched widget small: size={} color={}",
        patched.nested_i64(&["spec", "size"])?.unwrap_or_default(),
        patched.nested_str(&["spec", "color"])?.unwrap_or_default()
    );
    let patched = widgets
        .patch(
            "large",
            PatchType::Json,
            &json!([{"op": "replace", "path": "/spec/size", "value": 20}]),
            &PatchOptions::default(),
        )
        .await?;
    println!(
        "patched widget large: size={}",
        patched.nested_i64(&["spec", "size"])?.unwrap_or_default()
    );

    for name in ["small", "large"] {
        widgets.delete(name, &DeleteOptions::default()).await?;
        println!("deleted widget {name}");
    }
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let cluster = support::connect().await?;
    let client = DynamicClient::for_config(&cluster.config)?;

    match crds(&client)
        .create(&definition()?, &CreateOptions::default())
        .await
    {
        Ok(_) => println!("created CustomResourceDefinition {CRD_NAME}"),
        Err(e) if e.is_already_exists() => {
            println!("CustomResourceDefinition {CRD_NAME} already exists; reusing it")
        }
        Err(e) => return Err(e).context("creating the CustomResourceDefinition"),
    }

    let result = use_widgets(&client, &args).await;

    // Clean up whatever happened above.
    match crds(&client)
        .delete(CRD_NAME, &DeleteOptions::default())
        .await
    {
        Ok(()) => println!("deleted CustomResourceDefinition {CRD_NAME}"),
        Err(e) if e.is_not_found() => {}
        Err(e) => eprintln!("warning: could not delete the CustomResourceDefinition: {e}"),
    }
    result
}
