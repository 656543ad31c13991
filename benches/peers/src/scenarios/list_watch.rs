//! Benchmark 1: a typed list of 10,000 pods and a watch of 30,000 `MODIFIED` pod events, through
//! each library's everyday typed API.

use std::hint::black_box;
use std::time::Instant;

use futures_util::{StreamExt, TryStreamExt};
use k8s_openapi::api::core::v1::Pod as KubePod;
use kclient_apimachinery::options::ListOptions;
use kclient_apimachinery::watch::WatchEvent;
use kclient_typed::Clientset;
use kube::api::{Api, ListParams, WatchParams};

use super::{BoxError, Figures, kclient_config, kube_client, ms};
use crate::fixtures::{LIST_PODS, WATCH_EVENTS};
use crate::measure::rss_kib;

/// `pods("bench").list()` through the kclient clientset.
pub async fn list_kclient(url: &str) -> Result<Figures, BoxError> {
    let cs = Clientset::new(kclient_config(url))?;
    let pods = cs.core_v1().pods("bench");
    let base = rss_kib();
    let started = Instant::now();
    let list = pods.list(&ListOptions::default()).await?;
    let wall = started.elapsed();
    check(list.items.len(), LIST_PODS)?;
    let held = rss_kib();
    black_box(list);
    Ok(vec![
        ("wall_ms", ms(wall)),
        ("base_kib", base as f64),
        ("held_kib", held as f64),
    ])
}

/// `Api::<Pod>::namespaced(client, "bench").list()` through kube-rs.
pub async fn list_kube(url: &str) -> Result<Figures, BoxError> {
    let pods: Api<KubePod> = Api::namespaced(kube_client(url)?, "bench");
    let base = rss_kib();
    let started = Instant::now();
    let list = pods.list(&ListParams::default()).await?;
    let wall = started.elapsed();
    check(list.items.len(), LIST_PODS)?;
    let held = rss_kib();
    black_box(list);
    Ok(vec![
        ("wall_ms", ms(wall)),
        ("base_kib", base as f64),
        ("held_kib", held as f64),
    ])
}

/// `pods("bench").watch()` through the kclient clientset, consuming every event.
pub async fn watch_kclient(url: &str) -> Result<Figures, BoxError> {
    let cs = Clientset::new(kclient_config(url))?;
    let pods = cs.core_v1().pods("bench");
    let started = Instant::now();
    let mut events = pods.watch(&ListOptions::default()).await?;
    let mut modified = 0;
    while let Some(event) = events.next().await {
        if let WatchEvent::Modified(pod) = event? {
            modified += 1;
            black_box(pod);
        }
    }
    let wall = started.elapsed();
    check(modified, WATCH_EVENTS)?;
    Ok(vec![("wall_ms", ms(wall))])
}

/// `Api::<Pod>::watch(&WatchParams::default(), "0")` through kube-rs, consuming every event.
pub async fn watch_kube(url: &str) -> Result<Figures, BoxError> {
    let pods: Api<KubePod> = Api::namespaced(kube_client(url)?, "bench");
    let started = Instant::now();
    let mut events = pods.watch(&WatchParams::default(), "0").await?.boxed();
    let mut modified = 0;
    while let Some(event) = events.try_next().await? {
        if let kube::api::WatchEvent::Modified(pod) = event {
            modified += 1;
            black_box(pod);
        }
    }
    let wall = started.elapsed();
    check(modified, WATCH_EVENTS)?;
    Ok(vec![("wall_ms", ms(wall))])
}

/// Fails unless `got` objects arrived of the `want` expected.
pub fn check(got: usize, want: usize) -> Result<(), BoxError> {
    if got == want {
        Ok(())
    } else {
        Err(format!("got {got} objects, expected {want}").into())
    }
}
