//! Many concurrent watches of the namespace's pods: open them all, create one pod, and count
//! the watches that deliver its ADDED event (proof that each is held), with the time until the
//! last delivery, the connections used and the memory they take.

use std::time::{Duration, Instant};

use futures_util::StreamExt;
use kclient_apimachinery::WatchEvent;
use kclient_rest::{RestClient, WatchStream};
use kclient_testserver::TestServer;
use serde_json::{Value, json};
use tokio::task::JoinSet;

use crate::BoxResult;
use crate::measure::{open_sockets, rss_kb};
use crate::setup::{NAMESPACE, name_of, pod_to_create};

/// How long all the watches together may take to open.
const OPEN_DEADLINE: Duration = Duration::from_secs(20);
/// How long after the probe pod's creation every watch must have seen it.
const DELIVERY_DEADLINE: Duration = Duration::from_secs(30);

/// The outcome of one scenario.
pub struct WatchReport {
    /// How the watches were spread over clients.
    pub label: String,
    /// Watches asked for.
    pub requested: usize,
    /// Watches whose response headers arrived before the deadline.
    pub opened: usize,
    /// Time to open them (until the last one opened, or the deadline).
    pub open_time: Duration,
    /// New sockets while they were open, halved: about the new loopback connections.
    pub new_connections: usize,
    /// Watches that delivered the probe pod's ADDED event.
    pub delivered: usize,
    /// From sending the probe's create until the median and the last delivery.
    pub median_delivery: Option<Duration>,
    /// See `median_delivery`.
    pub last_delivery: Option<Duration>,
    /// Growth of `VmRSS` (kB) from before opening to after delivery.
    pub rss_growth_kb: u64,
    /// `VmRSS` (kB) with the watches open.
    pub rss_kb: u64,
}

/// Opens `count` watches spread round-robin over `clients`, creates the probe pod number
/// `probe` with `creator` (a client of its own: an HTTP/2 connection at its stream limit
/// accepts no other request), and waits for the deliveries. Ends every watch and deletes the
/// probe before returning.
pub async fn scenario(
    label: String,
    server: &TestServer,
    creator: &RestClient,
    clients: &[RestClient],
    count: usize,
    probe: usize,
) -> BoxResult<WatchReport> {
    let sockets_before = open_sockets()?;
    let (rss_before, _) = rss_kb()?;
    let resource_version = server.current_resource_version().to_string();

    let started = Instant::now();
    let mut opening = JoinSet::new();
    for i in 0..count {
        let client = clients
            .get(i % clients.len().max(1))
            .ok_or("no clients")?
            .clone();
        let rv = resource_version.clone();
        opening.spawn(async move {
            let watch = client
                .get()
                .namespace(NAMESPACE)
                .resource("pods")
                .param("resourceVersion", rv)
                .watch::<Value>();
            tokio::time::timeout(OPEN_DEADLINE, watch).await
        });
    }
    let mut streams = Vec::new();
    let mut open_errors = 0usize;
    while let Some(joined) = opening.join_next().await {
        match joined? {
            Ok(Ok(stream)) => streams.push(stream),
            Ok(Err(e)) => {
                open_errors += 1;
                if open_errors <= 3 {
                    eprintln!("  watch failed to open: {e}");
                }
            }
            Err(_elapsed) => {}
        }
    }
    let open_time = started.elapsed();
    let opened = streams.len();
    let new_connections = open_sockets()?.saturating_sub(sockets_before) / 2;
    eprintln!(
        "  {label}: {opened}/{count} watches open in {open_time:.1?} ({open_errors} errors), ~{new_connections} new connections"
    );

    let mut probe_pod = pod_to_create(probe);
    probe_pod["metadata"]["name"] = json!(format!("probe-{probe}"));
    let probe_name = name_of(&probe_pod)?;
    let mut waiting = JoinSet::new();
    for stream in streams {
        waiting.spawn(wait_for(stream, probe_name.clone()));
    }
    let sent = Instant::now();
    creator
        .post()
        .namespace(NAMESPACE)
        .resource("pods")
        .body(&probe_pod)
        .bytes()
        .await?;
    let mut arrivals = Vec::new();
    let mut held = Vec::new();
    while let Some(joined) = waiting.join_next().await {
        let (arrived, stream) = joined?;
        if let Some(at) = arrived {
            arrivals.push(at.saturating_duration_since(sent));
        }
        held.push(stream);
    }
    let (rss_after, _) = rss_kb()?;
    arrivals.sort();
    let report = WatchReport {
        label,
        requested: count,
        opened,
        open_time,
        new_connections,
        delivered: arrivals.len(),
        median_delivery: arrivals.get(arrivals.len() / 2).copied(),
        last_delivery: arrivals.last().copied(),
        rss_growth_kb: rss_after.saturating_sub(rss_before),
        rss_kb: rss_after,
    };
    drop(held);
    server.close_watches();
    creator
        .delete()
        .namespace(NAMESPACE)
        .resource("pods")
        .name(&probe_name)
        .bytes()
        .await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    Ok(report)
}

/// Reads `stream` until the ADDED event of the pod `name`; returns when it arrived (`None` on
/// an error, the stream's end or the deadline) and the stream, so that it stays open until
/// every watch has been checked.
async fn wait_for(
    mut stream: WatchStream<Value>,
    name: String,
) -> (Option<Instant>, WatchStream<Value>) {
    let deadline = tokio::time::Instant::now() + DELIVERY_DEADLINE;
    loop {
        match tokio::time::timeout_at(deadline, stream.next()).await {
            Ok(Some(Ok(WatchEvent::Added(pod)))) if pod["metadata"]["name"] == name.as_str() => {
                return (Some(Instant::now()), stream);
            }
            Ok(Some(Ok(_other))) => continue,
            Ok(Some(Err(_)) | None) | Err(_) => return (None, stream),
        }
    }
}
