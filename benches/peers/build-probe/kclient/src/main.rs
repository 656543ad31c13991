//! Lists, watches and runs an informer on core/v1 pods through the clientset, over TLS (what
//! `kclient_config::Config::infer` finds); the program whose cold build `benches/peers -- build`
//! times.

use std::time::Duration;

use futures_util::StreamExt;
use kclient_apimachinery::options::ListOptions;
use kclient_cache::InformerFactory;
use kclient_typed::Clientset;
use kclient_typed::api::core::v1::Pod;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let config = kclient_config::Config::infer()?;
    let clientset = Clientset::new(config.clone())?;
    let pods = clientset.core_v1().pods("default");
    let list = pods.list(&ListOptions::default()).await?;
    println!("{} pods", list.items.len());
    let mut events = pods.watch(&ListOptions::default()).await?;
    if let Ok(Some(event)) = tokio::time::timeout(Duration::from_secs(1), events.next()).await {
        println!("first event: {:?}", event?.event_type());
    }
    let factory = InformerFactory::from_config(&config, Duration::ZERO)?;
    let informer = factory.for_resource::<Pod>();
    factory.start()?;
    factory.wait_for_cache_sync().await;
    println!("{} pods cached", informer.store().len());
    factory.shutdown();
    Ok(())
}
