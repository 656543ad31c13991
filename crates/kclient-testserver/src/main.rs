//! `kclient-testserver`: runs an in-memory Kubernetes API server on 127.0.0.1 until Ctrl-C.
//!
//! ```text
//! kclient-testserver --port 0 --kubeconfig-out /tmp/kubeconfig --seed fixtures/
//! KUBECONFIG=/tmp/kubeconfig kubectl get ns
//! ```

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use kclient_testserver::TestServer;

/// Command line of the test server.
#[derive(Debug, Parser)]
#[command(
    name = "kclient-testserver",
    version,
    about = "An in-memory Kubernetes API server for tests"
)]
struct Args {
    /// Port to listen on, on 127.0.0.1 (0 picks a free port).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Where to write a kubeconfig for the server once it is ready.
    #[arg(long)]
    kubeconfig_out: Option<PathBuf>,
    /// Authorize requests by the stored RBAC objects (Roles, ClusterRoles and their bindings)
    /// instead of allowing every authenticated user everything.
    #[arg(long)]
    rbac: bool,
    /// Create the objects of a YAML/JSON file, or of the *.yaml, *.yml and *.json files of a
    /// directory (in name order), at start. Repeatable. Namespaces are created first, then
    /// CustomResourceDefinitions, then the rest; a bad object stops the server from starting.
    #[arg(long, value_name = "PATH")]
    seed: Vec<PathBuf>,
    /// The built-in group/versions to serve beyond (or instead of) the defaults, as
    /// kube-apiserver's flag: `api/all=true`, `api/beta=true`, `group/version=true|false`,
    /// comma-separated. By default every GA group/version and no beta or alpha is served.
    #[arg(long, value_name = "KEY=VALUE,...")]
    runtime_config: Vec<String>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the Tokio runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(run(args))
}

async fn run(args: Args) -> ExitCode {
    let builder = args
        .seed
        .iter()
        .fold(TestServer::builder(), |b, path| b.seed_path(path));
    let builder = args
        .runtime_config
        .iter()
        .fold(builder, |b, spec| b.runtime_config(spec));
    let server = match builder.port(args.port).rbac(args.rbac).start().await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {}", chain(&e));
            return ExitCode::FAILURE;
        }
    };
    println!("kclient-testserver listening on {}", server.url());
    if let Some(path) = &args.kubeconfig_out {
        if let Err(e) = server.write_kubeconfig(path) {
            eprintln!("error: {}", chain(&e));
            return ExitCode::FAILURE;
        }
        println!("kubeconfig written to {}", path.display());
    }
    if let Err(e) = tokio::signal::ctrl_c().await {
        eprintln!("error: waiting for Ctrl-C: {e}");
    }
    server.shutdown().await;
    ExitCode::SUCCESS
}

/// An error and its causes, `: `-separated.
fn chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        s.push_str(&format!(": {c}"));
        cause = c.source();
    }
    s
}
