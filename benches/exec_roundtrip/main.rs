//! Benchmark: exec round trips per second, kclient against `kclient-testserver` in one process.
//!
//! Starts a `TestServer` on 127.0.0.1 (port 0), registers a node and a pod bound to it (the
//! server's simulated kubelet starts it), then runs `sh -c "echo ok"` through `pods/exec` over
//! WebSocket again and again: each round trip is a WebSocket upgrade over HTTP/1.1 + TLS, the
//! command, its stdout, the error-channel `Status` and the close. Measured sequentially (one at
//! a time) and with several execs in flight.
//!
//! Run: `cargo bench -p kclient-benches --bench exec_roundtrip` (options after `--`:
//! `--runs N` round trips per measurement, default 500; `--concurrency N`, default 8).

use std::error::Error;
use std::time::{Duration, Instant};

use kclient_apimachinery::GroupVersion;
use kclient_config::{Config, ConfigOverrides, Kubeconfig, Serializer};
use kclient_rest::RestClient;
use kclient_rest::remotecommand::{ExitStatus, StreamOptions, StreamSettings};
use kclient_testserver::TestServer;
use serde_json::json;

type BoxResult<T> = Result<T, Box<dyn Error + Send + Sync>>;

/// Reads `--name N` from the command line.
fn flag(name: &str, default: usize) -> BoxResult<usize> {
    let args: Vec<String> = std::env::args().collect();
    match args.iter().position(|a| a == name) {
        None => Ok(default),
        Some(i) => Ok(args
            .get(i + 1)
            .ok_or(format!("{name} needs a number"))?
            .parse()?),
    }
}

/// One `echo ok` through exec; checks the output and the exit status.
async fn exec_once(client: &RestClient) -> BoxResult<()> {
    let streams = StreamOptions {
        stdout: true,
        stderr: true,
        ..StreamOptions::default()
    };
    let output = client
        .get()
        .namespace("default")
        .resource("pods")
        .name("bench")
        .subresource("exec")
        .param("command", "sh")
        .param("command", "-c")
        .param("command", "echo ok")
        .param("stdout", "true")
        .param("stderr", "true")
        .remote_command(streams, StreamSettings::default())
        .await?
        .output(1024)
        .await?;
    if output.stdout != b"ok\n" || output.status != ExitStatus::Success {
        return Err(format!("unexpected result: {output:?}").into());
    }
    Ok(())
}

#[tokio::main]
async fn main() -> BoxResult<()> {
    let runs = flag("--runs", 500)?;
    let concurrency = flag("--concurrency", 8)?.max(1);
    let server = TestServer::start().await?;
    let kubeconfig = Kubeconfig::from_yaml(&server.kubeconfig_yaml())?;
    let mut config = Config::from_kubeconfig(&kubeconfig, &ConfigOverrides::default())?;
    config.qps = -1.0;
    config.api_path = "/api".into();
    config.content.group_version = Some(GroupVersion::new("", "v1"));
    config.content.serializer = Some(Serializer::Json);
    let client = RestClient::for_config(&config)?;

    let node = json!({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "bench-node"}});
    client.post().resource("nodes").body(&node).bytes().await?;
    let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "bench"},
        "spec": {"nodeName": "bench-node", "containers": [{"name": "c", "image": "busybox:1.36",
            "command": ["sh", "-c", "sleep 3600"]}]}});
    client
        .post()
        .namespace("default")
        .resource("pods")
        .body(&pod)
        .bytes()
        .await?;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let pod: serde_json::Value = client
            .get()
            .namespace("default")
            .resource("pods")
            .name("bench")
            .object()
            .await?;
        if pod["status"]["phase"] == "Running" {
            break;
        }
        if Instant::now() > deadline {
            return Err("the bench pod did not start within 30 s".into());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // Warm up (TLS session, code paths).
    for _ in 0..20 {
        exec_once(&client).await?;
    }

    println!("exec round trips (`sh -c \"echo ok\"`), kclient -> kclient-testserver, HTTPS");
    for round in 1..=3 {
        let started = Instant::now();
        for _ in 0..runs {
            exec_once(&client).await?;
        }
        let elapsed = started.elapsed();
        println!(
            "  sequential   run {round}: {runs} execs in {:.0} ms = {:.0} execs/s ({:.2} ms each)",
            elapsed.as_secs_f64() * 1e3,
            runs as f64 / elapsed.as_secs_f64(),
            elapsed.as_secs_f64() * 1e3 / runs as f64
        );
    }
    for round in 1..=3 {
        let started = Instant::now();
        let mut tasks = Vec::new();
        for worker in 0..concurrency {
            let client = client.clone();
            let share = runs / concurrency + usize::from(worker < runs % concurrency);
            tasks.push(tokio::spawn(async move {
                for _ in 0..share {
                    exec_once(&client).await?;
                }
                Ok::<_, Box<dyn Error + Send + Sync>>(())
            }));
        }
        for task in tasks {
            task.await??;
        }
        let elapsed = started.elapsed();
        println!(
            "  {concurrency} in flight  run {round}: {runs} execs in {:.0} ms = {:.0} execs/s",
            elapsed.as_secs_f64() * 1e3,
            runs as f64 / elapsed.as_secs_f64()
        );
    }
    Ok(())
}
