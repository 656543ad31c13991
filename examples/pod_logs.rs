//! Follows a pod's log line by line: client-go's
//! `clientset.CoreV1().Pods(ns).GetLogs(name, &PodLogOptions{Follow: true}).Stream(ctx)` read with
//! a `bufio.Scanner`, which is what `kubectl logs -f` does. Stops after `--lines` lines, when the
//! container ends, or on Ctrl-C.
//!
//! ```sh
//! cargo run --example pod_logs -- [--namespace default] [--pod NAME] [--container C] [--lines 5] [--tail N] [--timestamps]
//! ```
//!
//! Without `--pod` a demo pod that logs a line a second is created (and deleted afterwards).
//! Configuration comes from `Config::infer()`; with no kubeconfig an embedded
//! kclient-testserver is started.

#[path = "support/demo_nodes.rs"]
mod demo_nodes;
#[path = "support/demo_pod.rs"]
mod demo_pod;
#[path = "support/mod.rs"]
mod support;

use std::time::Duration;

use anyhow::Context as _;
use clap::Parser;
use futures_util::StreamExt;
use kclient_typed::Clientset;
use kclient_typed::client::LogOptions;

/// Command-line flags.
#[derive(Debug, Parser)]
#[command(about = "Follow a pod's log")]
struct Args {
    /// The namespace of the pod.
    #[arg(long, default_value = "default")]
    namespace: String,
    /// An existing pod (default: create a demo pod that logs a line a second).
    #[arg(long)]
    pod: Option<String>,
    /// The container (needed when the pod has several).
    #[arg(long)]
    container: Option<String>,
    /// Stop after this many lines (0: until the container ends).
    #[arg(long, default_value_t = 5)]
    lines: usize,
    /// Start with only the last N lines.
    #[arg(long)]
    tail: Option<i64>,
    /// Prefix each line with its timestamp.
    #[arg(long)]
    timestamps: bool,
    /// How long to wait for the demo pod to run.
    #[arg(long, default_value_t = 120)]
    timeout_secs: u64,
}

const DEMO_POD: &str = "kclient-logs-demo";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let cluster = support::connect().await?;
    let clientset = Clientset::for_config(&cluster.config).context("building the clientset")?;
    let pod = match &args.pod {
        Some(pod) => pod.clone(),
        None => {
            let timeout = Duration::from_secs(args.timeout_secs);
            let script = [
                "sh",
                "-c",
                "i=1; while true; do echo \"log line $i\"; i=$((i+1)); sleep 1; done",
            ];
            demo_pod::start_demo_pod(
                &cluster,
                &clientset,
                &args.namespace,
                DEMO_POD,
                &script,
                timeout,
            )
            .await?;
            DEMO_POD.to_string()
        }
    };
    let result = tokio::select! {
        r = follow(&clientset, &args, &pod) => r,
        _ = tokio::signal::ctrl_c() => Ok(()),
    };
    if args.pod.is_none() {
        demo_pod::delete_demo_pod(&clientset, &args.namespace, DEMO_POD).await?;
    }
    result
}

async fn follow(clientset: &Clientset, args: &Args, pod: &str) -> anyhow::Result<()> {
    let options = LogOptions {
        container: args.container.clone(),
        follow: true,
        tail_lines: args.tail,
        timestamps: args.timestamps,
        ..LogOptions::default()
    };
    let mut lines = clientset
        .core_v1()
        .pods(&args.namespace)
        .log_lines(pod, &options)
        .await
        .with_context(|| format!("opening the log of pod {}/{pod}", args.namespace))?;
    let mut seen = 0;
    while let Some(line) = lines.next().await {
        let line =
            line.with_context(|| format!("reading the log of pod {}/{pod}", args.namespace))?;
        support::print_out(&format!("{line}\n"))?;
        seen += 1;
        if args.lines != 0 && seen >= args.lines {
            break;
        }
    }
    Ok(())
}
