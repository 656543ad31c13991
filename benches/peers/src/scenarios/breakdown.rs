//! Where the time and memory go: the body transfer alone, and decoding alone (from a body
//! already in memory, fetched the same way for both libraries), into each library's types.

use std::hint::black_box;
use std::time::Instant;

use bytes::Bytes;
use k8s_openapi::api::core::v1::Pod as KubePod;
use kclient_apimachinery::GroupVersion;
use kclient_apimachinery::watch::WatchEvent;
use kclient_config::Serializer;
use kclient_rest::RestClient;
use kclient_typed::api::core::v1::{Pod, PodList};
use serde::de::DeserializeOwned;

use super::list_watch::check;
use super::{BoxError, Figures, kclient_config, kube_client, ms};
use crate::fixtures::{LIST_PODS, WATCH_EVENTS};
use crate::measure::rss_kib;

const PODS_PATH: &str = "/api/v1/namespaces/bench/pods";

/// A raw kclient REST client for core/v1.
fn rest(url: &str) -> Result<RestClient, BoxError> {
    let mut config = kclient_config(url);
    config.api_path = "/api".into();
    config.content.group_version = Some(GroupVersion::new("", "v1"));
    config.content.serializer = Some(Serializer::Json);
    Ok(RestClient::for_config(&config)?)
}

/// The pod list body, fetched through kclient.
async fn list_body(url: &str) -> Result<Bytes, BoxError> {
    Ok(rest(url)?
        .get()
        .namespace("bench")
        .resource("pods")
        .bytes()
        .await?)
}

/// The whole pod watch body (it ends after the last event), fetched through kclient.
async fn watch_body(url: &str) -> Result<Bytes, BoxError> {
    let request = rest(url)?.get().namespace("bench").resource("pods");
    Ok(request.param("watch", "true").bytes().await?)
}

/// The list body through kclient's `RestClient::bytes()`, then dropped.
pub async fn body_kclient(url: &str) -> Result<Figures, BoxError> {
    let client = rest(url)?;
    let started = Instant::now();
    let body = client
        .get()
        .namespace("bench")
        .resource("pods")
        .bytes()
        .await?;
    let wall = started.elapsed();
    black_box(body);
    Ok(vec![("wall_ms", ms(wall))])
}

/// The list body through kube-rs's `Client::request_text` (what `Api::list` uses), then dropped.
pub async fn body_kube(url: &str) -> Result<Figures, BoxError> {
    let client = kube_client(url)?;
    let started = Instant::now();
    let request = http::Request::get(PODS_PATH).body(Vec::new())?;
    let body = client.request_text(request).await?;
    let wall = started.elapsed();
    black_box(body);
    Ok(vec![("wall_ms", ms(wall))])
}

/// The watch body through kclient's `RestClient::stream()`, chunk by chunk, discarded: what the
/// transport (and the server) allow before any decoding.
pub async fn body_watch_kclient(url: &str) -> Result<Figures, BoxError> {
    use futures_util::StreamExt as _;
    let request = rest(url)?.get().namespace("bench").resource("pods");
    let started = Instant::now();
    let mut body = request.param("watch", "true").stream().await?;
    let mut bytes = 0usize;
    while let Some(chunk) = body.next().await {
        bytes += chunk?.len();
    }
    let wall = started.elapsed();
    black_box(bytes);
    Ok(vec![("wall_ms", ms(wall))])
}

/// Decodes the in-memory list body as `L`; reports decode time and memory the result holds.
async fn decode_list<L: DeserializeOwned>(
    url: &str,
    count: impl Fn(&L) -> usize,
) -> Result<Figures, BoxError> {
    let body = list_body(url).await?;
    let base = rss_kib();
    let started = Instant::now();
    let list: L = serde_json::from_slice(&body)?;
    let wall = started.elapsed();
    check(count(&list), LIST_PODS)?;
    let held = rss_kib();
    black_box(list);
    Ok(vec![
        ("wall_ms", ms(wall)),
        ("base_kib", base as f64),
        ("held_kib", held as f64),
    ])
}

/// Decoding the list into kclient-typed's `PodList`.
pub async fn decode_list_kclient(url: &str) -> Result<Figures, BoxError> {
    decode_list::<PodList>(url, |l| l.items.len()).await
}

/// Decoding the list into kube-rs's `ObjectList<Pod>` (k8s-openapi types).
pub async fn decode_list_kube(url: &str) -> Result<Figures, BoxError> {
    decode_list::<kube::core::ObjectList<KubePod>>(url, |l| l.items.len()).await
}

/// Decodes each line of the in-memory watch body with `decode`; reports the decode time.
async fn decode_watch(url: &str, decode: impl Fn(&[u8]) -> bool) -> Result<Figures, BoxError> {
    let body = watch_body(url).await?;
    let started = Instant::now();
    let modified = body
        .split(|&b| b == b'\n')
        .filter(|line| !line.is_empty())
        .filter(|line| decode(line))
        .count();
    let wall = started.elapsed();
    check(modified, WATCH_EVENTS)?;
    Ok(vec![("wall_ms", ms(wall))])
}

/// Decoding each event into kclient's `WatchEvent<Pod>` (as kclient's watch stream does).
pub async fn decode_watch_kclient(url: &str) -> Result<Figures, BoxError> {
    decode_watch(url, |line| {
        matches!(
            black_box(serde_json::from_slice::<WatchEvent<Pod>>(line)),
            Ok(WatchEvent::Modified(_))
        )
    })
    .await
}

/// Decoding each event into kube-rs's `WatchEvent<Pod>` (as kube-rs's watch stream does).
pub async fn decode_watch_kube(url: &str) -> Result<Figures, BoxError> {
    decode_watch(url, |line| {
        matches!(
            black_box(serde_json::from_slice::<kube::api::WatchEvent<KubePod>>(
                line
            )),
            Ok(kube::api::WatchEvent::Modified(_))
        )
    })
    .await
}
