//! Runs a command in a pod and prints its output and exit code: client-go's
//! `remotecommand.NewWebSocketExecutor(config, "GET", req.URL())` + `StreamWithContext`, which
//! is what `kubectl exec` does. A non-zero exit code is a value, printed like any other.
//!
//! ```sh
//! cargo run --example pod_exec -- [--namespace default] [--pod NAME] [--container C] [-- COMMAND...]
//! ```
//!
//! Without `--pod` a demo pod is created (and deleted afterwards). Configuration comes from
//! `Config::infer()`; with no kubeconfig an embedded kclient-testserver is started.

#[path = "support/demo_nodes.rs"]
mod demo_nodes;
#[path = "support/demo_pod.rs"]
mod demo_pod;
#[path = "support/mod.rs"]
mod support;

use std::time::Duration;

use anyhow::Context as _;
use clap::Parser;
use kclient_typed::Clientset;
use kclient_typed::client::ExecOptions;

/// Command-line flags.
#[derive(Debug, Parser)]
#[command(about = "Run a command in a pod over WebSocket and print its output and exit code")]
struct Args {
    /// The namespace of the pod.
    #[arg(long, default_value = "default")]
    namespace: String,
    /// An existing pod to run the command in (default: create a demo pod).
    #[arg(long)]
    pod: Option<String>,
    /// The container (needed when the pod has several).
    #[arg(long)]
    container: Option<String>,
    /// How long to wait for the demo pod to run.
    #[arg(long, default_value_t = 120)]
    timeout_secs: u64,
    /// The command (default: a shell line writing to stdout and stderr, exiting with 3).
    #[arg(last = true)]
    command: Vec<String>,
}

const DEMO_POD: &str = "kclient-exec-demo";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let cluster = support::connect().await?;
    let clientset = Clientset::for_config(&cluster.config).context("building the clientset")?;

    let pod = match &args.pod {
        Some(pod) => pod.clone(),
        None => {
            let timeout = Duration::from_secs(args.timeout_secs);
            let sleep = ["sh", "-c", "sleep 3600"];
            demo_pod::start_demo_pod(
                &cluster,
                &clientset,
                &args.namespace,
                DEMO_POD,
                &sleep,
                timeout,
            )
            .await?;
            DEMO_POD.to_string()
        }
    };
    let result = run(&clientset, &args, &pod).await;
    if args.pod.is_none() {
        demo_pod::delete_demo_pod(&clientset, &args.namespace, DEMO_POD).await?;
    }
    result
}

async fn run(clientset: &Clientset, args: &Args, pod: &str) -> anyhow::Result<()> {
    let command = match args.command.is_empty() {
        true => [
            "sh",
            "-c",
            "echo hello from the pod; echo this goes to stderr >&2; exit 3",
        ]
        .map(String::from)
        .to_vec(),
        false => args.command.clone(),
    };
    let mut options = ExecOptions::command(command.clone());
    if let Some(container) = &args.container {
        options = options.container(container.as_str());
    }
    let pods = clientset.core_v1().pods(&args.namespace);
    let output = pods
        .exec(pod, &options)
        .await
        .with_context(|| format!("starting {command:?} in pod {}/{pod}", args.namespace))?
        .output(16 << 20)
        .await
        .with_context(|| format!("running {command:?} in pod {}/{pod}", args.namespace))?;
    support::print_out(&String::from_utf8_lossy(&output.stdout))?;
    eprint!("{}", String::from_utf8_lossy(&output.stderr));
    support::print_out(&format!("exit code: {}\n", output.status.code()))?;
    Ok(())
}
