//! A walk through kclient's four clients and the cache, printing what each layer did:
//!
//! 1. `RestClient` (kclient-rest) lists nodes (on the embedded server, after registering three
//!    demo nodes, as `rest_list_nodes` does);
//! 2. the typed `Clientset` (kclient-typed) watches pods, creates one, sees its ADDED event and
//!    deletes it;
//! 3. the `DynamicClient` (kclient-dynamic) creates a CustomResourceDefinition, waits for
//!    Established, and creates, lists and deletes a custom object;
//! 4. discovery (kclient-discovery) counts the resources per group and prints the start of the
//!    `kubectl api-resources` table;
//! 5. the namespace secret injector (kclient-cache: informers, work queue) gives three new
//!    namespaces their registry Secret.
//!
//! ```sh
//! cargo run --example tour
//! ```
//!
//! The configuration comes from `Config::infer()` (KUBECONFIG, ~/.kube/config, in-cluster), or,
//! when there is none, an embedded `kclient-testserver`. On a real cluster it creates (and
//! removes) one pod in `default`, a CRD `tourwidgets.tour.kclient.dev` and namespaces
//! `kclient-tour-*`. The injector uses `REGISTRY_SERVER` / `REGISTRY_USERNAME` /
//! `REGISTRY_PASSWORD` when set, else demo credentials made up at run time.

#[path = "support/demo_nodes.rs"]
mod demo_nodes;
#[path = "support/injector/mod.rs"]
mod injector;
#[path = "support/mod.rs"]
mod support;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use futures_util::StreamExt as _;
use kclient_apimachinery::meta::ObjectMeta;
use kclient_apimachinery::options::{CreateOptions, DeleteOptions, GetOptions, ListOptions};
use kclient_apimachinery::{GroupVersion, GroupVersionResource, Unstructured, WatchEvent};
use kclient_cache::ShutdownHandle;
use kclient_config::{Config, SecretString, Serializer};
use kclient_discovery::print::{ApiResourcesOptions, api_resources_table};
use kclient_discovery::{Discovery, DiscoveryClient};
use kclient_dynamic::DynamicClient;
use kclient_rest::RestClient;
use kclient_typed::Clientset;
use kclient_typed::api::core::v1::{Container, Namespace, Pod, PodSpec};
use serde_json::json;

const STEP_TIMEOUT: Duration = Duration::from_secs(20);

fn heading(n: u32, text: &str) {
    println!("\n== {n}. {text}");
}

/// 1. The REST client: nodes.
async fn rest_nodes(config: &Config, embedded: bool) -> anyhow::Result<()> {
    let mut config = config.clone();
    config.api_path = "/api".to_string();
    config.content.group_version = Some(GroupVersion::new("", "v1"));
    config.content.serializer = Some(Serializer::Json);
    let client = RestClient::for_config(&config).context("cannot create the REST client")?;
    if embedded {
        demo_nodes::add_demo_nodes(&client).await?;
        println!(
            "registered {} demo nodes (the embedded server has no kubelets)",
            demo_nodes::DEMO_NODES.len()
        );
    }
    let nodes: serde_json::Value = client
        .get()
        .resource("nodes")
        .object()
        .await
        .context("listing nodes")?;
    let items = nodes["items"].as_array().cloned().unwrap_or_default();
    println!(
        "GET {}{}/nodes -> {} node(s):",
        client.base_url(),
        client.versioned_api_path(),
        items.len()
    );
    for node in items {
        println!(
            "  {}",
            node["metadata"]["name"].as_str().unwrap_or("<unnamed>")
        );
    }
    Ok(())
}

/// 2. The clientset: watch pods, create one, see it ADDED, delete it.
async fn typed_pods(clientset: &Clientset) -> anyhow::Result<()> {
    let pods = clientset.core_v1().pods("default");
    let list = pods.list(&ListOptions::default()).await?;
    let rv = list.metadata.resource_version.clone().unwrap_or_default();
    println!(
        "listed {} pod(s) in default at resourceVersion {rv}; watching from there",
        list.items.len()
    );
    let mut events = pods
        .watch(
            &ListOptions::default()
                .resource_version(rv)
                .timeout_seconds(30),
        )
        .await?;
    let name = format!("tour-{}", std::process::id());
    let pod = Pod {
        metadata: ObjectMeta::namespaced("default", name.clone()),
        spec: Some(PodSpec {
            containers: vec![Container {
                name: "web".into(),
                image: Some("nginx:1.27".into()),
                ..Container::default()
            }],
            ..PodSpec::default()
        }),
        ..Pod::default()
    };
    pods.create(&pod, &CreateOptions::default()).await?;
    println!("created pod default/{name}");
    let seen = tokio::time::timeout(STEP_TIMEOUT, async {
        while let Some(event) = events.next().await {
            if let WatchEvent::Added(p) = event?
                && p.metadata.name.as_deref() == Some(name.as_str())
            {
                return Ok::<_, anyhow::Error>(p);
            }
        }
        bail!("the watch ended before the ADDED event")
    })
    .await
    .context("no ADDED event within the timeout")??;
    println!(
        "watch: ADDED pod {} (phase {:?}, restartPolicy {:?} defaulted by the server)",
        name,
        seen.status.as_ref().and_then(|s| s.phase.clone()),
        seen.spec.as_ref().and_then(|s| s.restart_policy.clone()),
    );
    pods.delete(&name, &DeleteOptions::default()).await?;
    println!("deleted pod default/{name}");
    Ok(())
}

const CRD_NAME: &str = "tourwidgets.tour.kclient.dev";

/// 3. The dynamic client: a CRD and a custom object.
async fn dynamic_crd(config: &Config) -> anyhow::Result<()> {
    let client = DynamicClient::for_config(config)?;
    let crds = client.resource(&GroupVersionResource::new(
        "apiextensions.k8s.io",
        "v1",
        "customresourcedefinitions",
    ));
    let crd = Unstructured::from_value(json!({
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": CRD_NAME},
        "spec": {"group": "tour.kclient.dev", "scope": "Namespaced",
            "names": {"plural": "tourwidgets", "singular": "tourwidget", "kind": "TourWidget"},
            "versions": [{"name": "v1", "served": true, "storage": true,
                "schema": {"openAPIV3Schema": {"type": "object", "properties": {
                    "spec": {"type": "object", "properties": {"size": {"type": "integer"}}}}}}}]}
    }))?;
    match crds.create(&crd, &CreateOptions::default()).await {
        Ok(_) => println!("created CustomResourceDefinition {CRD_NAME}"),
        Err(e) if e.is_already_exists() => {
            println!("CustomResourceDefinition {CRD_NAME} exists already")
        }
        Err(e) => return Err(e).context("creating the CRD"),
    }
    let result = async {
        let deadline = Instant::now() + STEP_TIMEOUT;
        loop {
            let got = crds.get(CRD_NAME, &GetOptions::default()).await?;
            let established = got
                .nested_slice(&["status", "conditions"])
                .ok()
                .flatten()
                .is_some_and(|cs| {
                    cs.iter()
                        .any(|c| c["type"] == "Established" && c["status"] == "True")
                });
            if established {
                break;
            }
            if Instant::now() >= deadline {
                bail!("{CRD_NAME} was not Established within {STEP_TIMEOUT:?}");
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        println!("{CRD_NAME} is Established");
        let widgets = client
            .resource(&GroupVersionResource::new(
                "tour.kclient.dev",
                "v1",
                "tourwidgets",
            ))
            .namespace("default");
        let widget = Unstructured::from_value(json!({
            "apiVersion": "tour.kclient.dev/v1", "kind": "TourWidget",
            "metadata": {"name": "first", "namespace": "default"}, "spec": {"size": 3}}))?;
        widgets.create(&widget, &CreateOptions::default()).await?;
        let listed = widgets.list(&ListOptions::default()).await?;
        let names: Vec<_> = listed
            .items
            .iter()
            .filter_map(|w| w.name().map(str::to_string))
            .collect();
        println!("created TourWidget default/first; list: {names:?}");
        widgets.delete("first", &DeleteOptions::default()).await?;
        println!("deleted TourWidget default/first");
        Ok(())
    }
    .await;
    crds.delete(CRD_NAME, &DeleteOptions::default()).await.ok();
    println!("deleted CustomResourceDefinition {CRD_NAME}");
    result
}

/// 4. Discovery: resources per group and the start of `kubectl api-resources`.
async fn discovery(config: &Config) -> anyhow::Result<()> {
    let (lists, failed) = DiscoveryClient::for_config(config)?
        .server_preferred_resources()
        .await?
        .into_parts();
    let mut per_group: BTreeMap<String, usize> = BTreeMap::new();
    for list in &lists {
        let group = GroupVersion::parse(&list.group_version)
            .map(|gv| gv.group)
            .unwrap_or_default();
        let group = if group.is_empty() {
            "core".to_string()
        } else {
            group
        };
        *per_group.entry(group).or_default() += list.resources.len();
    }
    let total: usize = per_group.values().sum();
    println!("{total} preferred resources in {} groups:", per_group.len());
    let counts: Vec<String> = per_group.iter().map(|(g, n)| format!("{g}={n}")).collect();
    println!("  {}", counts.join(" "));
    println!("kubectl api-resources (first lines):");
    for line in api_resources_table(&lists, &ApiResourcesOptions::default())
        .lines()
        .take(8)
    {
        println!("  {line}");
    }
    if let Some(failed) = failed {
        println!("(some groups failed discovery: {failed})");
    }
    Ok(())
}

/// The injector's credentials: the environment's, else demo values made up now.
fn tour_credentials() -> anyhow::Result<injector::RegistryCredentials> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    if let (Some(server), Some(user), Some(pass)) = (
        var("REGISTRY_SERVER"),
        var("REGISTRY_USERNAME"),
        var("REGISTRY_PASSWORD"),
    ) {
        println!("registry credentials from REGISTRY_* ({server})");
        return injector::RegistryCredentials::new(
            Some(server),
            Some(user),
            Some(SecretString::from(pass)),
        );
    }
    use std::hash::{BuildHasher as _, RandomState};
    let made_up = format!(
        "{:016x}",
        RandomState::new().hash_one(std::time::SystemTime::now())
    );
    println!(
        "REGISTRY_* not set: using demo credentials for registry.invalid, made up for this run"
    );
    injector::RegistryCredentials::new(
        Some("registry.invalid".into()),
        Some("tour".into()),
        Some(SecretString::from(made_up)),
    )
}

/// 5. The injector: three namespaces get their Secret.
async fn run_injector(clientset: &Clientset) -> anyhow::Result<()> {
    let names: Vec<String> = (1..=3)
        .map(|i| format!("kclient-tour-{}-{i}", std::process::id()))
        .collect();
    let mut config = injector::InjectorConfig::new("regcred", tour_credentials()?);
    // Only the tour's namespaces, so a real cluster is left alone.
    config.namespace_selector = Some("kclient-tour=true".into());
    let inj = injector::Injector::new(clientset.clone(), config);
    let stop = ShutdownHandle::new();
    let task = tokio::spawn({
        let (inj, stop) = (inj.clone(), stop.clone());
        async move { inj.run(stop).await }
    });
    let namespaces = clientset.core_v1().namespaces();
    for name in &names {
        let mut metadata = ObjectMeta::named(name.clone());
        metadata.labels.insert("kclient-tour".into(), "true".into());
        namespaces
            .create(
                &Namespace {
                    metadata,
                    ..Namespace::default()
                },
                &CreateOptions::default(),
            )
            .await?;
        println!("created namespace {name}");
    }
    let result = async {
        for name in &names {
            let secrets = clientset.core_v1().secrets(name);
            let deadline = Instant::now() + STEP_TIMEOUT;
            let secret = loop {
                match secrets.get("regcred", &GetOptions::default()).await {
                    Ok(s) => break s,
                    Err(e) if e.is_not_found() && Instant::now() < deadline => {
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                    Err(e) => return Err(e).context(format!("no Secret regcred in {name}")),
                }
            };
            let keys: Vec<_> = secret.data.iter().flat_map(|d| d.keys().cloned()).collect();
            println!(
                "  {name}/regcred: type {:?}, keys {keys:?}",
                secret.type_.as_deref().unwrap_or("")
            );
        }
        Ok::<_, anyhow::Error>(())
    }
    .await;
    stop.shutdown();
    task.await.context("the injector task failed")??;
    println!("injector stopped: {:?}", inj.metrics().snapshot());
    for name in &names {
        namespaces
            .delete(name, &DeleteOptions::default())
            .await
            .ok();
    }
    result
}

/// Runs one step; a failure is printed and the tour goes on.
fn report(step: &str, result: anyhow::Result<()>) -> bool {
    match result {
        Ok(()) => true,
        Err(e) => {
            println!("!! {step} failed: {e:#}");
            false
        }
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let started = Instant::now();
    let cluster = support::connect().await?;
    // `support::connect` already said when it started the embedded server.
    if !cluster.is_embedded() {
        println!(
            "using the cluster at {} (from Config::infer)",
            cluster.config.host
        );
    }
    let clientset = Clientset::for_config(&cluster.config)?;
    let mut ok = true;
    heading(1, "RestClient: list nodes");
    ok &= report(
        "listing nodes",
        rest_nodes(&cluster.config, cluster.is_embedded()).await,
    );
    heading(2, "Clientset: create and watch a pod");
    ok &= report("the pod round trip", typed_pods(&clientset).await);
    heading(3, "DynamicClient: a custom resource");
    if let Err(e) = dynamic_crd(&cluster.config).await {
        println!("!! the custom resource step did not complete: {e:#}");
        println!("   (does this server serve CustomResourceDefinitions? continuing with the tour)");
    }
    heading(4, "Discovery: what the server serves");
    ok &= report("discovery", discovery(&cluster.config).await);
    heading(5, "Informers + work queue: the namespace secret injector");
    ok &= report("the injector", run_injector(&clientset).await);
    println!(
        "\ntour finished in {:.1?}{}",
        started.elapsed(),
        if ok { "" } else { " (with failures above)" }
    );
    if !ok {
        bail!("some steps of the tour failed");
    }
    Ok(())
}
