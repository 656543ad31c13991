//! Benchmark 2: an informer's initial sync of 100,000 ConfigMaps (a paginated list, then a
//! watch that stays open and quiet), and the memory its cache holds afterwards.
//!
//! Baseline: resident memory with the runtime and client built, before the informer starts.
//! Held: resident memory two seconds after the sync, the cache full and the watch open.

use std::time::{Duration, Instant};

use futures_util::StreamExt;
use k8s_openapi::api::core::v1::ConfigMap as KubeConfigMap;
use kclient_cache::InformerFactory;
use kclient_cache::reflector::{ReflectorOptions, WatchListMode};
use kclient_typed::api::core::v1::ConfigMap;
use kube::api::Api;
use kube::runtime::{reflector, watcher};

use super::list_watch::check;
use super::{BoxError, Figures, kclient_config, kclient_protobuf_config, kube_client, ms};
use crate::fixtures::{CONFIG_MAPS, PAGE_SIZE};
use crate::measure::rss_kib;

/// How long to wait after the sync before reading the held memory.
const SETTLE: Duration = Duration::from_secs(2);

/// A kclient-cache informer for ConfigMaps in `bench` (list + watch; pages of 500, the same as
/// kube-rs's watcher; streaming lists off since the stand-in server does not do them), in JSON
/// or protobuf.
pub async fn kclient(url: &str, protobuf: bool) -> Result<Figures, BoxError> {
    let config = if protobuf {
        kclient_protobuf_config(url)
    } else {
        kclient_config(url)
    };
    let reflector = ReflectorOptions {
        page_size: PAGE_SIZE as i64,
        watch_list: WatchListMode::Disabled,
        ..ReflectorOptions::default()
    };
    let factory = InformerFactory::from_config(&config, Duration::ZERO)?
        .with_namespace("bench")
        .with_reflector_options(reflector);
    let informer = factory.for_resource::<ConfigMap>();
    let base = rss_kib();
    let started = Instant::now();
    factory.start()?;
    if !factory.wait_for_cache_sync().await {
        return Err("the informer stopped before it synced".into());
    }
    let sync = started.elapsed();
    check(informer.store().len(), CONFIG_MAPS)?;
    tokio::time::sleep(SETTLE).await;
    let held = rss_kib();
    check(informer.store().len(), CONFIG_MAPS)?;
    factory.shutdown();
    Ok(vec![
        ("wall_ms", ms(sync)),
        ("base_kib", base as f64),
        ("held_kib", held as f64),
    ])
}

/// kube-rs: `reflector(writer, watcher(api, Config::default()))` (pages of 500), polled on a
/// task, until the store is ready.
pub async fn kube(url: &str) -> Result<Figures, BoxError> {
    let api: Api<KubeConfigMap> = Api::namespaced(kube_client(url)?, "bench");
    let (reader, writer) = reflector::store();
    let base = rss_kib();
    let started = Instant::now();
    let stream = reflector(writer, watcher(api, watcher::Config::default()));
    let task = tokio::spawn(stream.for_each(|_| std::future::ready(())));
    reader.wait_until_ready().await?;
    let sync = started.elapsed();
    check(reader.len(), CONFIG_MAPS)?;
    tokio::time::sleep(SETTLE).await;
    let held = rss_kib();
    check(reader.len(), CONFIG_MAPS)?;
    task.abort();
    Ok(vec![
        ("wall_ms", ms(sync)),
        ("base_kib", base as f64),
        ("held_kib", held as f64),
    ])
}
