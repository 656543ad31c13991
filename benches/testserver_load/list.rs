//! The full list of the namespace's pods (`GET /api/v1/namespaces/bench/pods`, no limit), timed
//! several ways, plus a cheap in-process profile of the work the server does for it.

use std::time::{Duration, Instant};

use kclient_rest::RestClient;
use serde_json::Value;

use crate::measure::Spread;
use crate::setup::{self, NAMESPACE};
use crate::{BoxResult, pods};

/// One way of timing the list, with its spread over the runs.
pub struct ListRow {
    /// What was timed.
    pub what: &'static str,
    /// Min / median / max.
    pub spread: Spread,
}

/// The results of the list measurements.
pub struct ListReport {
    /// Size of the list's JSON body.
    pub body_bytes: usize,
    /// Timings through the client.
    pub rows: Vec<ListRow>,
    /// In-process timings of the steps the server's list handler performs.
    pub profile: Vec<ListRow>,
}

/// Runs every measurement `runs` times. `h2` and `http1` are clients of the same server that
/// negotiated HTTP/2 and HTTP/1.1.
pub async fn measure(
    h2: &RestClient,
    http1: &RestClient,
    pods: usize,
    runs: usize,
) -> BoxResult<ListReport> {
    let mut headers = Vec::new();
    let mut bytes = Vec::new();
    let mut headers_http1 = Vec::new();
    let mut bytes_http1 = Vec::new();
    let mut value = Vec::new();
    let mut typed = Vec::new();
    let mut one = Vec::new();
    let mut body_bytes = 0;
    let name = setup::name_of(&setup::pod_to_create(0))?;
    for _ in 0..runs {
        let started = Instant::now();
        h2.get()
            .namespace(NAMESPACE)
            .resource("pods")
            .name(&name)
            .bytes()
            .await?;
        one.push(started.elapsed());

        let (h, b, len) = time_bytes(h2, pods).await?;
        headers.push(h);
        bytes.push(b);
        body_bytes = len;
        let (h, b, _) = time_bytes(http1, pods).await?;
        headers_http1.push(h);
        bytes_http1.push(b);

        let started = Instant::now();
        let decoded: Value = list(h2).object().await?;
        value.push(started.elapsed());
        check_count(decoded["items"].as_array().map_or(0, Vec::len), pods)?;
        drop(decoded);

        let started = Instant::now();
        let decoded: pods::PodList = list(h2).object().await?;
        typed.push(started.elapsed());
        check_count(decoded.items.len(), pods)?;
    }
    let rows = vec![
        row("floor: GET of one pod, last byte (HTTP/2)", one)?,
        row(
            "HTTP/2: response headers (server work before the first byte)",
            headers,
        )?,
        row(
            "HTTP/2: last byte (`.bytes()`, whole body in memory)",
            bytes,
        )?,
        row("HTTP/1.1: response headers", headers_http1)?,
        row("HTTP/1.1: last byte (`.bytes()`)", bytes_http1)?,
        row(
            "HTTP/2: decoded into `serde_json::Value` (`.object()`, streaming)",
            value,
        )?,
        row(
            "HTTP/2: decoded into typed `PodList` (`.object()`, streaming)",
            typed,
        )?,
    ];
    let profile = profile(h2, runs).await?;
    Ok(ListReport {
        body_bytes,
        rows,
        profile,
    })
}

/// The request for the whole list.
fn list(client: &RestClient) -> kclient_rest::Request {
    client.get().namespace(NAMESPACE).resource("pods")
}

/// Times one list: until the response headers, and until the last byte. Returns both and the
/// body's length.
async fn time_bytes(client: &RestClient, pods: usize) -> BoxResult<(Duration, Duration, usize)> {
    let started = Instant::now();
    let response = list(client).send().await?;
    let headers = started.elapsed();
    let body = response.into_bytes().await?;
    let last_byte = started.elapsed();
    // A cheap sanity check that this is the full list: one `"kind"`-less item per pod, each with
    // its own uid.
    let uids = memchr_count(&body, b"\"uid\":");
    if uids < pods {
        return Err(format!("list body has {uids} uids, expected at least {pods}").into());
    }
    Ok((headers, last_byte, body.len()))
}

/// How often `needle` occurs in `haystack`.
fn memchr_count(haystack: &[u8], needle: &[u8]) -> usize {
    haystack
        .windows(needle.len())
        .filter(|w| *w == needle)
        .count()
}

fn check_count(got: usize, want: usize) -> BoxResult<()> {
    if got == want {
        Ok(())
    } else {
        Err(format!("list decoded {got} pods, expected {want}").into())
    }
}

fn row(what: &'static str, times: Vec<Duration>) -> BoxResult<ListRow> {
    let spread = Spread::of(times).ok_or("no runs")?;
    Ok(ListRow { what, spread })
}

/// Repeats, in this process and without any network, the steps the server's list handler takes:
/// deep-cloning every stored object out of the store (its snapshot), and serializing the list
/// with `serde_json::to_vec`; and, for comparison, parsing the body with `from_slice`.
async fn profile(client: &RestClient, runs: usize) -> BoxResult<Vec<ListRow>> {
    let body = list(client).bytes().await?;
    let mut parse = Vec::new();
    let mut clone = Vec::new();
    let mut serialize = Vec::new();
    for _ in 0..runs {
        let started = Instant::now();
        let parsed: Value = serde_json::from_slice(&body)?;
        parse.push(started.elapsed());

        let started = Instant::now();
        let copy = parsed.clone();
        clone.push(started.elapsed());
        drop(copy);

        let started = Instant::now();
        let out = serde_json::to_vec(&parsed)?;
        serialize.push(started.elapsed());
        if out.len() + 1 < body.len() {
            return Err("re-serialized list is shorter than the body".into());
        }
    }
    Ok(vec![
        row(
            "deep clone of the list's `Value` (the store snapshot clones every object)",
            clone,
        )?,
        row(
            "`serde_json::to_vec` of the list (the handler's serialization)",
            serialize,
        )?,
        row("`serde_json::from_slice::<Value>` of the body", parse)?,
    ])
}
