//! The namespace secret injector: every namespace (except a skip list) gets a
//! `kubernetes.io/dockerconfigjson` Secret for a private registry, kept there by a
//! kclient-runtime `Controller` of namespaces that watches those Secrets, optionally under
//! leader election. The walkthrough is `docs/exercise-secret-injector.md` (the hand-written
//! loop it replaced) and `docs/controller.md`; the logic is `support/injector/`.
//!
//! ```sh
//! REGISTRY_SERVER=registry.example.com REGISTRY_USERNAME=bot REGISTRY_PASSWORD=... \
//!   cargo run --example namespace_secret_injector -- [--kubeconfig PATH] [--secret-name regcred] \
//!   [--skip kube-system --skip ...] [--leader-elect --lease-namespace default]
//! ```
//!
//! Without `--kubeconfig`, `Config::infer()` decides (KUBECONFIG, ~/.kube/config, in-cluster);
//! with none of these it runs against an embedded `kclient-testserver` (and says so). It runs
//! until Ctrl-C; `--run-for SECS` stops it by itself.

#[path = "support/injector/mod.rs"]
mod injector;
#[path = "support/mod.rs"]
mod support;

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context as _;
use clap::Parser;
use injector::{Injector, InjectorConfig, LeaderElection, RegistryCredentials};
use kclient_cache::ShutdownHandle;
use kclient_config::SecretString;
use kclient_typed::Clientset;
use tracing::info;

/// Command-line flags.
#[derive(Debug, Parser)]
#[command(about = "Put a registry pull Secret into every namespace")]
struct Args {
    /// A kubeconfig file (default: KUBECONFIG, ~/.kube/config, in-cluster, else an embedded test server).
    #[arg(long)]
    kubeconfig: Option<PathBuf>,
    /// The name of the Secret made in each namespace.
    #[arg(long, default_value = "regcred")]
    secret_name: String,
    /// Namespaces to leave alone (repeatable; replaces the default list).
    #[arg(long = "skip", default_values_t = injector::DEFAULT_SKIP.map(String::from))]
    skip: Vec<String>,
    /// The registry server, e.g. `registry.example.com`.
    #[arg(long, env = "REGISTRY_SERVER")]
    registry_server: Option<String>,
    /// The registry username.
    #[arg(long, env = "REGISTRY_USERNAME")]
    registry_username: Option<String>,
    /// The registry password (prefer the environment variable: flags show up in `ps`).
    #[arg(long, env = "REGISTRY_PASSWORD", hide_env_values = true)]
    registry_password: Option<SecretString>,
    /// Namespaces reconciled at once.
    #[arg(long, default_value_t = 2)]
    workers: usize,
    /// Only act while holding a Lease, so that of several replicas exactly one acts.
    #[arg(long)]
    leader_elect: bool,
    /// The namespace of the Lease.
    #[arg(long, default_value = "default")]
    lease_namespace: String,
    /// The name of the Lease.
    #[arg(long, default_value = "namespace-secret-injector")]
    lease_name: String,
    /// This replica's identity in the election (default: host name and process id).
    #[arg(long)]
    identity: Option<String>,
    /// Stop after this many seconds instead of waiting for Ctrl-C.
    #[arg(long)]
    run_for: Option<u64>,
}

fn default_identity() -> String {
    let host = std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "injector".to_string());
    format!("{host}-{}", std::process::id())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let args = Args::parse();
    let credentials = RegistryCredentials::new(
        args.registry_server.clone(),
        args.registry_username.clone(),
        args.registry_password.clone(),
    )?;
    let cluster = match &args.kubeconfig {
        Some(path) => support::Cluster::from_config(
            kclient_config::build_config_from_flags(None, Some(path))
                .with_context(|| format!("cannot load the kubeconfig {}", path.display()))?,
        ),
        None => support::connect().await?,
    };
    info!(server = %cluster.config.host, embedded = cluster.is_embedded(), "connecting");
    let clientset = Clientset::for_config(&cluster.config).context("cannot build the clientset")?;
    let mut config = InjectorConfig::new(args.secret_name.clone(), credentials);
    config.skip = args.skip.iter().cloned().collect();
    config.workers = args.workers;
    info!(secret = %config.secret_name, registry = %config.credentials.server(),
        skip = ?config.skip, "starting the injector");
    let injector = Injector::new(clientset, config);

    let shutdown = ShutdownHandle::new();
    let trigger = shutdown.clone();
    let run_for = args.run_for.map(Duration::from_secs);
    tokio::spawn(async move {
        let deadline = async {
            match run_for {
                Some(d) => tokio::time::sleep(d).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            r = tokio::signal::ctrl_c() => match r {
                Ok(()) => info!("Ctrl-C: shutting down"),
                Err(e) => info!(error = %e, "cannot listen for Ctrl-C; shutting down"),
            },
            () = deadline => info!("--run-for elapsed: shutting down"),
        }
        trigger.shutdown();
    });

    if args.leader_elect {
        let election = LeaderElection {
            namespace: args.lease_namespace.clone(),
            lease_name: args.lease_name.clone(),
            identity: args.identity.clone().unwrap_or_else(default_identity),
            timings: None,
        };
        info!(lease = %format!("{}/{}", election.namespace, election.lease_name),
            identity = %election.identity, "leader election enabled");
        injector::run_with_leader_election(injector.clone(), election, shutdown).await?;
    } else {
        injector.run(shutdown).await?;
    }
    info!(metrics = ?injector.metrics().snapshot(), "done");
    Ok(())
}
