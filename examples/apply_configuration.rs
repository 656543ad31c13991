//! Server-side apply with typed apply configurations, as client-go programs use
//! `applyconfigurations`: build a Deployment with only the fields this program manages, apply
//! it as field manager `--manager`, let another manager (a stand-in autoscaler) take over the
//! replica count, then extract what this manager still owns and print it.
//!
//! ```sh
//! cargo run --example apply_configuration -- [--namespace default] [--name web] [--manager kclient-example]
//! ```
//!
//! Configuration comes from `Config::infer()`; without a kubeconfig an embedded
//! kclient-testserver is started.

#[path = "support/mod.rs"]
mod support;

use anyhow::Context as _;
use clap::Parser;
use kclient_apimachinery::options::ApplyOptions;
use kclient_typed::Clientset;
use kclient_typed::apply::WithObjectMeta;
use kclient_typed::applyconfigurations::apps::v1::{
    DeploymentApplyConfiguration, DeploymentSpecApplyConfiguration, extract_deployment,
};
use kclient_typed::applyconfigurations::core::v1::{
    ContainerApplyConfiguration, PodSpecApplyConfiguration, PodTemplateSpecApplyConfiguration,
};
use kclient_typed::applyconfigurations::meta::v1::{
    LabelSelectorApplyConfiguration, ObjectMetaApplyConfiguration,
};

/// Command-line flags.
#[derive(Parser, Debug)]
#[command(about = "Apply a Deployment with a typed apply configuration, then extract what it owns")]
struct Args {
    /// The namespace of the Deployment.
    #[arg(long, default_value = "default")]
    namespace: String,
    /// The Deployment's name.
    #[arg(long, default_value = "web")]
    name: String,
    /// The field manager this program applies as.
    #[arg(long, default_value = "kclient-example")]
    manager: String,
}

/// The fields this program manages: labels, selector, pod template, 2 replicas.
fn desired(args: &Args) -> DeploymentApplyConfiguration {
    let labels = [("app", args.name.as_str())];
    DeploymentApplyConfiguration::new(args.name.as_str(), args.namespace.as_str())
        .with_labels(labels)
        .with_spec(
            DeploymentSpecApplyConfiguration::new()
                .with_replicas(2)
                .with_selector(LabelSelectorApplyConfiguration::new().with_match_labels(labels))
                .with_template(
                    PodTemplateSpecApplyConfiguration::new()
                        .with_metadata(ObjectMetaApplyConfiguration::new().with_labels(labels))
                        .with_spec(
                            PodSpecApplyConfiguration::new().with_containers([
                                ContainerApplyConfiguration::new()
                                    .with_name("web")
                                    .with_image("nginx:1.27"),
                            ]),
                        ),
                ),
        )
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let cluster = support::connect().await?;
    let clientset = Clientset::for_config(&cluster.config).context("building the clientset")?;
    let deployments = clientset.apps_v1().deployments(&args.namespace);
    let what = format!("deployment {}/{}", args.namespace, args.name);

    // Apply (create or update) exactly the fields we manage.
    let configuration = desired(&args);
    let applied = deployments
        .apply_config(&configuration, &ApplyOptions::new(args.manager.as_str()))
        .await
        .with_context(|| format!("applying {what} as {}", args.manager))?;
    let replicas = applied.spec.as_ref().and_then(|s| s.replicas);
    println!("applied {what} as {}: replicas {replicas:?}", args.manager);

    // Another manager takes over the replica count (forcing: we owned it).
    let scaler = "example-autoscaler";
    let scale = DeploymentApplyConfiguration::new(args.name.as_str(), args.namespace.as_str())
        .with_spec(DeploymentSpecApplyConfiguration::new().with_replicas(4));
    let live = deployments
        .apply_config(&scale, &ApplyOptions::new(scaler).force())
        .await
        .with_context(|| format!("applying the replica count of {what} as {scaler}"))?;
    let replicas = live.spec.as_ref().and_then(|s| s.replicas);
    println!("{scaler} set replicas to {replicas:?}");

    // What do we still own? Everything we applied but the replica count.
    let owned = extract_deployment(&live, &args.manager)
        .with_context(|| format!("extracting the fields {} owns", args.manager))?;
    let text = serde_json::to_string_pretty(&owned).context("encoding the configuration")?;
    support::print_out(&format!("fields owned by {}:\n{text}\n", args.manager))?;
    if owned.spec.as_ref().and_then(|s| s.replicas).is_some() {
        anyhow::bail!("{} should no longer own spec.replicas", args.manager);
    }
    println!(
        "{} no longer owns spec.replicas of {}; applying this configuration back keeps the scaler's count",
        args.manager,
        owned.name().unwrap_or("?")
    );
    Ok(())
}
