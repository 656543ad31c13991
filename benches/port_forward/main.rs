//! Benchmark: bytes per second through port-forward, kclient side by side with the real
//! `kubectl port-forward` (v1.32), to the same pod of an in-process `kclient-testserver`.
//!
//! The pod's port 9000 echoes; every measurement pushes the same payload (64 MiB by default)
//! into a local TCP port and reads it all back, so each byte crosses the forward twice. Rows:
//!
//! - `kubectl port-forward` over the WebSocket tunnel (its default) and over plain SPDY
//!   (`KUBECTL_PORT_FORWARD_WEBSOCKETS=false`): a separate process, a local listener;
//! - kclient's `PortForwarder` (a local listener, like kubectl) over the same two transports;
//! - kclient's `ForwardedStream` used directly (no local TCP hop).
//!
//! Throughput is payload / time from the first byte written to the last byte read back.
//! Beside it, each row reports the CPU time the whole transfer cost (user + system, from
//! `/proc`): this process (the test server, plus the client for kclient rows) and, for kubectl
//! rows, the kubectl process. CPU time per MiB depends far less on other load than wall time,
//! so it is the figure to compare on a busy machine.
//! kubectl rows are skipped (with a message) when kubectl is not installed or with
//! `--no-kubectl` (for profiling kclient alone).
//!
//! Run: `cargo bench -p kclient-benches --bench port_forward` (options after `--`:
//! `--mib N`, `--runs N`, `--no-kubectl`).

use std::error::Error;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use http::Method;
use kclient_apimachinery::GroupVersion;
use kclient_config::{Config, ConfigOverrides, Kubeconfig, Serializer};
use kclient_rest::RestClient;
use kclient_rest::portforward::{
    PortForward, PortForwardOptions, PortForwarder, PortMapping, Protocol,
};
use kclient_testserver::TestServer;
use serde_json::json;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::process::{Child, Command};

type BoxResult<T> = Result<T, Box<dyn Error + Send + Sync>>;

const POD: &str = "bench-echo";
const PORT: u16 = 9000;

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

fn kubectl() -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::var_os("KUBECTL")
        .map(PathBuf::from)
        .into_iter()
        .chain(std::env::split_paths(&path).map(|d| d.join("kubectl")))
        .find(|p| p.is_file())
}

/// CPU time (user + system) used so far by process `pid` (`self` for this one), from
/// `/proc/<pid>/stat` in clock ticks of 10 ms (Linux's fixed `USER_HZ` of 100); `None` where
/// there is no `/proc`.
fn cpu_time(pid: &str) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name (which may hold spaces) start at field 3; utime and
    // stime are fields 14 and 15.
    let rest = &stat[stat.rfind(')')? + 2..];
    let mut fields = rest.split(' ').skip(11);
    let utime: u64 = fields.next()?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some(Duration::from_millis((utime + stime) * 10))
}

/// Pushes `payload` through `io` and reads it all back; the elapsed time.
async fn round_trip<S: AsyncRead + AsyncWrite>(io: S, payload: &[u8]) -> BoxResult<Duration> {
    let (mut r, mut w) = tokio::io::split(io);
    let start = Instant::now();
    let send = async {
        for chunk in payload.chunks(256 * 1024) {
            w.write_all(chunk).await?;
        }
        w.flush().await?;
        Ok::<_, std::io::Error>(())
    };
    let recv = async {
        let mut buf = vec![0u8; 256 * 1024];
        let mut got = 0usize;
        while got < payload.len() {
            let n = r.read(&mut buf).await?;
            if n == 0 {
                return Err(std::io::Error::other(format!("EOF after {got} bytes")));
            }
            got += n;
        }
        Ok(())
    };
    let (s, g) =
        tokio::time::timeout(Duration::from_secs(300), async { tokio::join!(send, recv) }).await?;
    s?;
    g?;
    Ok(start.elapsed())
}

/// Starts `kubectl port-forward pod/POD :PORT`; the process and its local address.
async fn start_kubectl(
    kubectl: &PathBuf,
    kubeconfig: &PathBuf,
    websockets: bool,
) -> BoxResult<(Child, SocketAddr)> {
    let mut cmd = Command::new(kubectl);
    cmd.args(["port-forward", &format!("pod/{POD}"), &format!(":{PORT}")])
        .env("KUBECONFIG", kubeconfig)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true);
    if !websockets {
        cmd.env("KUBECTL_PORT_FORWARD_WEBSOCKETS", "false");
    }
    let mut child = cmd.spawn()?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let mut lines = BufReader::new(stdout).lines();
    let line = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
        .await??
        .ok_or("kubectl port-forward exited")?;
    let addr = line
        .strip_prefix("Forwarding from ")
        .and_then(|r| r.split(' ').next())
        .ok_or(format!("unexpected kubectl output {line:?}"))?
        .parse()?;
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Ok((child, addr))
}

struct Row {
    name: String,
    times: Vec<Duration>,
    /// CPU time of each run (this process, plus kubectl's for kubectl rows).
    cpu: Vec<Duration>,
}

/// CPU time of this process since `before`.
fn cpu_since(before: Option<Duration>) -> Duration {
    match (before, cpu_time("self")) {
        (Some(b), Some(a)) => a.saturating_sub(b),
        _ => Duration::ZERO,
    }
}

fn mb_per_s(bytes: usize, d: Duration) -> f64 {
    bytes as f64 / 1_000_000.0 / d.as_secs_f64()
}

/// The test server runs in a runtime of its own (2 worker threads) and the kclient client in
/// another (2 worker threads), as `kubectl` is a process of its own (Go uses as many threads as
/// there are cores, 2 here): on a busy machine the scheduler then shares the CPU alike between
/// the kubectl and the kclient rows.
fn main() -> BoxResult<()> {
    let runtime = |name: &str| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name(name)
            .enable_all()
            .build()
    };
    let server_runtime = runtime("testserver")?;
    let client_runtime = runtime("client")?;
    let server = server_runtime.block_on(TestServer::start())?;
    let result = client_runtime.block_on(bench(&server));
    drop(client_runtime);
    drop(server);
    server_runtime.shutdown_background();
    result
}

async fn bench(server: &TestServer) -> BoxResult<()> {
    let mib = flag("--mib", 64)?;
    let runs = flag("--runs", 3)?.max(1);
    let payload: Vec<u8> = (0..mib * 1024 * 1024)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();

    let dir = std::env::temp_dir().join(format!("kclient-pf-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let kubeconfig_path = dir.join("kubeconfig");
    server.write_kubeconfig(&kubeconfig_path)?;
    let kubeconfig = Kubeconfig::from_yaml(&server.kubeconfig_yaml())?;
    let mut config = Config::from_kubeconfig(&kubeconfig, &ConfigOverrides::default())?;
    config.api_path = "/api".into();
    config.content.group_version = Some(GroupVersion::new("", "v1"));
    config.content.serializer = Some(Serializer::Json);
    let client = RestClient::for_config(&config)?;

    // A node, so the simulated kubelet runs the pod; the pod echoes on PORT.
    client
        .post()
        .resource("nodes")
        .body(&json!({"apiVersion":"v1","kind":"Node","metadata":{"name":"bench-node"}}))
        .bytes()
        .await?;
    let pod = json!({"apiVersion":"v1","kind":"Pod","metadata":{"name":POD,"namespace":"default"},
        "spec":{"nodeName":"bench-node","containers":[{"name":"echo","image":"busybox",
        "ports":[{"containerPort":PORT,"name":"echo"}]}]}});
    client
        .post()
        .namespace("default")
        .resource("pods")
        .body(&pod)
        .bytes()
        .await?;
    for _ in 0..100 {
        let p: serde_json::Value = client
            .get()
            .namespace("default")
            .resource("pods")
            .name(POD)
            .object()
            .await?;
        if p["status"]["phase"] == "Running" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let connect = |protocol| {
        let client = client.clone();
        async move {
            let request = move |m: Method| {
                client
                    .verb(m)
                    .namespace("default")
                    .resource("pods")
                    .name(POD)
                    .subresource("portforward")
            };
            PortForward::connect(request, &PortForwardOptions::only(protocol)).await
        }
    };

    let mut rows = Vec::new();
    let no_kubectl = std::env::args().any(|a| a == "--no-kubectl");
    let kubectl = kubectl().filter(|_| !no_kubectl);
    if kubectl.is_none() && !no_kubectl {
        eprintln!("port_forward: kubectl not found; kubectl rows skipped");
    }
    for (label, protocol, websockets) in [
        ("WebSocket tunnel", Protocol::WebSocketTunnel, true),
        ("plain SPDY", Protocol::Spdy, false),
    ] {
        if let Some(kubectl) = &kubectl {
            let (mut times, mut cpu) = (Vec::new(), Vec::new());
            for _ in 0..runs {
                let (mut child, addr) =
                    start_kubectl(kubectl, &kubeconfig_path, websockets).await?;
                let child_pid = child.id().map(|p| p.to_string()).unwrap_or_default();
                let tcp = TcpStream::connect(addr).await?;
                tcp.set_nodelay(true)?;
                let (before, child_before) = (cpu_time("self"), cpu_time(&child_pid));
                times.push(round_trip(tcp, &payload).await?);
                let child_cpu = match (child_before, cpu_time(&child_pid)) {
                    (Some(b), Some(a)) => a.saturating_sub(b),
                    _ => Duration::ZERO,
                };
                cpu.push(cpu_since(before) + child_cpu);
                child.kill().await?;
            }
            rows.push(Row {
                name: format!("kubectl port-forward, {label}"),
                times,
                cpu,
            });
        }
        let (mut times, mut cpu) = (Vec::new(), Vec::new());
        for _ in 0..runs {
            let forwarder =
                PortForwarder::start(connect(protocol).await?, &[PortMapping::any_local(PORT)])
                    .await?;
            let tcp = TcpStream::connect(forwarder.ports()[0].local).await?;
            tcp.set_nodelay(true)?;
            let before = cpu_time("self");
            times.push(round_trip(tcp, &payload).await?);
            cpu.push(cpu_since(before));
            forwarder.stop().await?;
        }
        rows.push(Row {
            name: format!("kclient PortForwarder, {label}"),
            times,
            cpu,
        });
        let (mut times, mut cpu) = (Vec::new(), Vec::new());
        for _ in 0..runs {
            let forward = connect(protocol).await?;
            let stream = forward.open(PORT).await?;
            let before = cpu_time("self");
            times.push(round_trip(stream, &payload).await?);
            cpu.push(cpu_since(before));
            forward.close().await;
        }
        rows.push(Row {
            name: format!("kclient ForwardedStream (no local TCP), {label}"),
            times,
            cpu,
        });
    }

    println!(
        "\nport-forward echo of {mib} MiB, {runs} runs each (MB/s of payload; min / median / max)\n"
    );
    println!("| client | min | median | max | CPU ms per MiB (median) |");
    println!("|---|---|---|---|---|");
    for row in &rows {
        let mut speeds: Vec<f64> = row
            .times
            .iter()
            .map(|t| mb_per_s(payload.len(), *t))
            .collect();
        speeds.sort_by(f64::total_cmp);
        let (min, med, max) = (
            speeds[0],
            speeds[speeds.len() / 2],
            speeds[speeds.len() - 1],
        );
        let mut cpu: Vec<Duration> = row.cpu.clone();
        cpu.sort();
        let cpu_per_mib = cpu[cpu.len() / 2].as_secs_f64() * 1000.0 / mib as f64;
        println!(
            "| {} | {min:.0} | {med:.0} | {max:.0} | {cpu_per_mib:.1} |",
            row.name
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
