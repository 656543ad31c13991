//! Lists, watches and runs a reflector on core/v1 pods through kube-rs, over TLS (what
//! `kube::Config::infer` finds): the twin of build-probe-kclient.

use std::time::Duration;

use futures_util::StreamExt;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, ListParams, WatchParams};
use kube::runtime::{WatchStreamExt, reflector, watcher};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = kube::Client::try_default().await?;
    let pods: Api<Pod> = Api::namespaced(client.clone(), "default");
    let list = pods.list(&ListParams::default()).await?;
    println!("{} pods", list.items.len());
    let mut events = pods.watch(&WatchParams::default(), "0").await?.boxed();
    if let Ok(Some(event)) = tokio::time::timeout(Duration::from_secs(1), events.next()).await {
        println!("first event: {:?}", event?);
    }
    let (reader, writer) = reflector::store::<Pod>();
    let all: Api<Pod> = Api::default_namespaced(client);
    let stream = reflector(writer, watcher(all, watcher::Config::default())).applied_objects();
    let task = tokio::spawn(stream.for_each(|_| async {}));
    reader.wait_until_ready().await?;
    println!("{} pods cached", reader.state().len());
    task.abort();
    Ok(())
}
