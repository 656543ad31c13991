//! The informer factory and listers: typed and dynamic informers, namespace and selector
//! tweaks, shared instances, start/sync/shutdown.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::sync::Arc;
use std::time::Duration;

use kclient_apimachinery::labels::Selector;
use kclient_apimachinery::{ApiResource, GroupVersionKind, MetaAccessor};
use kclient_cache::{Error, InformerFactory};
use support::{ConfigMap, Env, Recorder, eventually};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn typed_and_dynamic_informers_share_one_factory() {
    let env = Env::new().await;
    env.create_labeled("web-1", "0", &[("tier", "web")]).await;
    env.create_labeled("web-2", "0", &[("tier", "web")]).await;
    env.create_labeled("db-1", "0", &[("tier", "db")]).await;

    let factory = InformerFactory::from_config(&env.config, Duration::ZERO)
        .unwrap()
        .with_namespace(env.namespace.clone())
        .with_tweak_list_options(|opts| opts.label_selector = Some(support::TEST_LABEL.into()));
    let typed = factory.for_resource::<ConfigMap>();
    let again = factory.for_resource::<ConfigMap>();
    let rec = Arc::new(Recorder::default());
    again.add_event_handler(rec.clone()).unwrap();
    let cm_resource = ApiResource::new(
        &GroupVersionKind::new("", "v1", "ConfigMap"),
        "configmaps",
        true,
    );
    let dynamic = factory.for_dynamic(cm_resource);
    factory.start().unwrap();
    assert!(factory.wait_for_cache_sync().await);
    assert!(typed.has_synced() && dynamic.has_synced());
    // One informer per type: the handler added through the second handle sees the first's data.
    assert!(
        eventually(Duration::from_secs(10), || rec.seen().view.len() == 3).await,
        "{:?} {:?}",
        rec.seen(),
        typed.store().list_keys()
    );

    let lister = typed.lister();
    let web = Selector::parse("tier=web").unwrap();
    let names: Vec<String> = lister
        .namespace(env.namespace.clone())
        .list(&web)
        .iter()
        .map(|c| c.name().unwrap().to_string())
        .collect();
    assert_eq!(names, ["web-1", "web-2"]);
    assert!(
        lister
            .namespace(env.namespace.clone())
            .get("db-1")
            .is_some()
    );
    assert!(lister.namespace("elsewhere").get("db-1").is_none());
    assert_eq!(lister.list(&Selector::everything()).len(), 3);

    let d = dynamic
        .lister()
        .namespace(env.namespace.clone())
        .get("db-1")
        .unwrap();
    assert_eq!(d.kind(), Some("ConfigMap"), "listed items get their kind");
    assert_eq!(d.api_version(), Some("v1"));
    assert_eq!(d.nested_str(&["data", "v"]).unwrap(), Some("0"));

    env.update("db-1", "1").await;
    assert!(
        eventually(Duration::from_secs(10), || {
            dynamic
                .store()
                .get_by_key(&format!("{}/db-1", env.namespace))
                .and_then(|o| {
                    o.nested_str(&["data", "v"])
                        .ok()
                        .flatten()
                        .map(str::to_string)
                })
                .as_deref()
                == Some("1")
        })
        .await
    );
    factory.shutdown();
    assert!(typed.is_stopped() && dynamic.is_stopped());
    assert!(matches!(factory.start(), Err(Error::Stopped { .. })));
    env.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn tweaks_restrict_what_is_listed_and_watched() {
    let env = Env::new().await;
    env.create_labeled("in", "0", &[("watched", "yes")]).await;
    env.create_labeled("out", "0", &[]).await;
    let factory = InformerFactory::new(env.client.clone(), Duration::ZERO)
        .with_namespace(env.namespace.clone())
        .with_tweak_list_options(|opts| opts.label_selector = Some("watched=yes".into()));
    let informer = factory.for_resource::<ConfigMap>();
    factory.start().unwrap();
    assert!(factory.wait_for_cache_sync().await);
    let keys = informer.store().list_keys();
    assert_eq!(keys, [format!("{}/in", env.namespace)]);
    env.create_labeled("in-2", "0", &[("watched", "yes")]).await;
    env.create_labeled("out-2", "0", &[]).await;
    assert!(eventually(Duration::from_secs(10), || informer.store().len() == 2).await);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(informer.store().len(), 2);
    // Informers created after start need another start.
    let late = factory.for_dynamic(ApiResource::new(
        &GroupVersionKind::new("", "v1", "ConfigMap"),
        "configmaps",
        true,
    ));
    assert!(!late.has_synced());
    factory.start().unwrap();
    assert!(late.wait_for_cache_sync().await);
    assert_eq!(late.store().len(), 2);
    factory.shutdown();
    env.cleanup().await;
}
