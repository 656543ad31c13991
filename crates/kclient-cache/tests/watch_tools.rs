//! Metadata informers, informer transforms and the watch tools (`RetryWatcher`, `until`,
//! `until_with_sync`, `await_condition`) against the test server, or the cluster of
//! `KCLIENT_TEST_KUBECONFIG` (the fault-injection parts only run on the test server).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::time::Duration;

use futures_util::StreamExt;
use kclient_apimachinery::meta::PartialObjectMetadata;
use kclient_apimachinery::options::ListOptions;
use kclient_apimachinery::{ApiResource, GroupVersionKind, MetaAccessor, WatchEvent};
use kclient_cache::reflector::{ReflectorOptions, WatchListMode};
use kclient_cache::watch_tools::{
    ConditionFunc, RetryWatcher, await_condition, conditions, until, until_with_sync,
};
use kclient_cache::{Error, InformerFactory, ListerWatcher};
use support::{ConfigMap, Env, eventually};

fn configmaps() -> ApiResource {
    ApiResource::new(
        &GroupVersionKind::new("", "v1", "ConfigMap"),
        "configmaps",
        true,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn metadata_informer_caches_only_metadata_and_transforms_apply() {
    let env = Env::new().await;
    env.create_labeled("m-1", "one", &[("tier", "web")]).await;
    env.create_labeled("m-2", "two", &[]).await;

    let factory = InformerFactory::from_config(&env.config, Duration::ZERO)
        .unwrap()
        .with_namespace(env.namespace.clone())
        .with_tweak_list_options(|o| o.label_selector = Some(support::TEST_LABEL.into()));
    let informer = factory.for_metadata(configmaps());
    // Every object is stripped of managedFields and tagged before it is stored.
    informer
        .set_transform(|mut o: PartialObjectMetadata| {
            o.metadata.managed_fields.clear();
            o.metadata
                .annotations
                .insert("transformed".into(), "yes".into());
            o
        })
        .unwrap();
    factory.start().unwrap();
    assert!(factory.wait_for_cache_sync().await);
    let err = informer.set_transform(|o| o).unwrap_err();
    assert!(matches!(err, Error::AlreadyStarted { .. }), "{err}");

    let cached = informer
        .lister()
        .namespace(env.namespace.clone())
        .get("m-1")
        .unwrap();
    assert_eq!(cached.kind, "PartialObjectMetadata");
    assert_eq!(
        cached.metadata.labels.get("tier").map(String::as_str),
        Some("web")
    );
    assert!(cached.metadata.managed_fields.is_empty());
    assert_eq!(
        cached.annotations().get("transformed").map(String::as_str),
        Some("yes")
    );

    // Watched changes are metadata (and transformed) too.
    env.create_labeled("m-3", "three", &[("tier", "db")]).await;
    let lister = informer.lister();
    let ns = env.namespace.clone();
    assert!(
        eventually(Duration::from_secs(10), || {
            lister.namespace(ns.clone()).get("m-3").is_some_and(|o| {
                o.metadata.labels.get("tier").map(String::as_str) == Some("db")
                    && o.annotations().get("transformed").is_some()
            })
        })
        .await
    );
    factory.shutdown();
    env.cleanup().await;
}

/// A metadata informer against a server that ignores `as=` (some aggregated API servers):
/// the lists and watches still ask for the metadata form, the answers are full objects in
/// plain JSON (a layer below the client strips the `as=` entries before the server sees
/// them), and the informer still syncs and follows changes, holding only metadata — as
/// client-go's metadata informer does through the metadata client's fallback. Both with the
/// streaming list (the default: everything through one watch) and with list + watch.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn metadata_informer_works_when_the_server_ignores_as() {
    let env = Env::new().await;
    ignoring_as(&env, WatchListMode::Auto, "auto").await;
    ignoring_as(&env, WatchListMode::Disabled, "listwatch").await;
    env.cleanup().await;
}

async fn ignoring_as(env: &Env, mode: WatchListMode, prefix: &str) {
    use std::sync::{Arc, Mutex};

    use http::header::{ACCEPT, HeaderValue};
    use kclient_rest::{HttpClient, RequestBody, RestClient};

    let (one, two) = (format!("{prefix}-1"), format!("{prefix}-2"));
    let label = format!("{prefix}-web");
    env.create_labeled(&one, "one", &[("tier", &label)]).await;
    let sent = Arc::new(Mutex::new(Vec::<String>::new()));
    let record = sent.clone();
    let http = HttpClient::builder(&env.config)
        .layer(tower::util::MapRequestLayer::new(
            move |mut request: http::Request<RequestBody>| {
                let accept = request
                    .headers()
                    .get(ACCEPT)
                    .and_then(|a| a.to_str().ok())
                    .unwrap_or_default()
                    .to_string();
                if accept.contains("as=") {
                    request
                        .headers_mut()
                        .insert(ACCEPT, HeaderValue::from_static("application/json"));
                    record.lock().unwrap().push(accept);
                }
                request
            },
        ))
        .build()
        .unwrap();
    let client = RestClient::unversioned_for_config_and_client(&env.config, http).unwrap();
    let factory = InformerFactory::new(client, Duration::ZERO)
        .with_namespace(env.namespace.clone())
        .with_reflector_options(ReflectorOptions {
            watch_list: mode,
            ..ReflectorOptions::default()
        })
        .with_tweak_list_options(|o| o.label_selector = Some(support::TEST_LABEL.into()));
    let informer = factory.for_metadata(configmaps());
    factory.start().unwrap();
    assert!(factory.wait_for_cache_sync().await);

    let lister = informer.lister();
    let ns = env.namespace.clone();
    let cached = lister.namespace(ns.clone()).get(&one).unwrap();
    assert_ne!(cached.kind, "PartialObjectMetadata");
    assert_eq!(
        cached.metadata.labels.get("tier").map(String::as_str),
        Some(label.as_str())
    );
    assert!(cached.metadata.uid.is_some());

    // Changes arrive through the watch as full objects, decoded to their metadata.
    env.create_labeled(&two, "two", &[("tier", "db")]).await;
    env.delete(&one).await;
    assert!(
        eventually(Duration::from_secs(10), || {
            let ns = lister.namespace(ns.clone());
            ns.get(&one).is_none()
                && ns.get(&two).is_some_and(|o| {
                    o.metadata.labels.get("tier").map(String::as_str) == Some("db")
                })
        })
        .await,
        "{prefix}: the watch's changes did not reach the cache"
    );
    // The watch (and, without the streaming list, the list) asked for the metadata form, and
    // did not get it.
    let sent = sent.lock().unwrap().clone();
    assert!(
        sent.iter().any(|a| a.contains("as=PartialObjectMetadata;")),
        "{sent:?}"
    );
    if matches!(mode, WatchListMode::Disabled) {
        assert!(
            sent.iter()
                .any(|a| a.contains("as=PartialObjectMetadataList")),
            "{sent:?}"
        );
    }
    factory.shutdown();
}

/// The resourceVersion of the namespace's test configmaps now.
async fn list_rv(env: &Env) -> String {
    let list = env
        .configmap_lw()
        .list(&ListOptions::default())
        .await
        .unwrap();
    list.metadata.resource_version.unwrap()
}

fn describe(event: &WatchEvent<ConfigMap>) -> Option<String> {
    match event {
        WatchEvent::Added(o) => Some(format!("ADDED {}", o.name().unwrap())),
        WatchEvent::Modified(o) => Some(format!("MODIFIED {}={}", o.name().unwrap(), o.data["v"])),
        WatchEvent::Deleted(o) => Some(format!("DELETED {}", o.name().unwrap())),
        _ => None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn retry_watcher_resumes_across_closed_watches_without_duplicates() {
    let env = Env::new().await;
    let rv = list_rv(&env).await;
    assert!(RetryWatcher::new("", env.configmap_lw()).is_err());
    assert!(RetryWatcher::new("0", env.configmap_lw()).is_err());
    let mut watcher = RetryWatcher::new(&rv, env.configmap_lw()).unwrap();

    let mut seen = Vec::new();
    let next = async |watcher: &mut RetryWatcher<ConfigMap>, seen: &mut Vec<String>| loop {
        let event = tokio::time::timeout(Duration::from_secs(20), watcher.next())
            .await
            .expect("an event in time")
            .expect("the watcher goes on")
            .unwrap();
        if let Some(d) = describe(&event) {
            seen.push(d);
            return;
        }
    };
    env.create("r-1", "a").await;
    next(&mut watcher, &mut seen).await;
    env.close_watches();
    env.create("r-2", "b").await;
    env.update("r-1", "c").await;
    next(&mut watcher, &mut seen).await;
    next(&mut watcher, &mut seen).await;
    env.close_watches();
    env.close_watches();
    env.delete("r-2").await;
    next(&mut watcher, &mut seen).await;
    assert_eq!(
        seen,
        ["ADDED r-1", "ADDED r-2", "MODIFIED r-1=c", "DELETED r-2"]
    );
    assert!(!watcher.last_resource_version().is_empty());
    env.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn retry_watcher_surfaces_gone() {
    let env = Env::new().await;
    if !env.can_inject_faults() {
        return env.cleanup().await;
    }
    let old = list_rv(&env).await;
    env.create("g-1", "a").await;
    env.create("g-2", "b").await;
    env.compact_history();
    let mut watcher = RetryWatcher::new(&old, env.configmap_lw()).unwrap();
    let first = tokio::time::timeout(Duration::from_secs(10), watcher.next())
        .await
        .unwrap()
        .unwrap();
    let err = first.unwrap_err();
    assert!(err.is_gone(), "{err}");
    assert!(
        watcher.next().await.is_none(),
        "the stream ends after a 410"
    );
    env.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn waits_for_conditions() {
    let env = Env::new().await;
    env.create("w-1", "1").await;

    // An object's state, through an informer on that one name.
    let lw = env.configmap_lw();
    let wait = tokio::spawn(async move {
        await_condition(
            Duration::from_secs(20),
            lw,
            "w-1",
            |o: Option<&ConfigMap>| {
                Ok(o.is_some_and(|c| c.data.get("v").map(String::as_str) == Some("2")))
            },
        )
        .await
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    env.update("w-1", "2").await;
    let got = wait.await.unwrap().unwrap().unwrap();
    assert_eq!(got.data["v"], "2");

    // Deletion.
    let lw = env.configmap_lw();
    let wait = tokio::spawn(async move {
        await_condition(Duration::from_secs(20), lw, "w-1", conditions::is_deleted()).await
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    env.delete("w-1").await;
    assert!(wait.await.unwrap().unwrap().is_none());

    // A condition that never holds times out.
    let err = await_condition(
        Duration::from_millis(300),
        env.configmap_lw(),
        "never",
        |o: Option<&ConfigMap>| Ok(o.is_some()),
    )
    .await
    .unwrap_err();
    assert!(err.is_timeout(), "{err}");

    // until_with_sync: the precondition sees the synced cache.
    env.create("w-2", "x").await;
    let done = until_with_sync(
        Duration::from_secs(20),
        env.configmap_lw(),
        ListOptions::default(),
        |store| Ok(store.list().iter().any(|c| c.name() == Some("w-2"))),
        [|_: &WatchEvent<ConfigMap>| Ok(false)],
    )
    .await
    .unwrap();
    assert!(done.is_none());

    // ...else the events decide (the initial list's adds included).
    let lw = env.configmap_lw();
    let wait = tokio::spawn(async move {
        until_with_sync(
            Duration::from_secs(20),
            lw,
            ListOptions::default(),
            |_| Ok(false),
            [|e: &WatchEvent<ConfigMap>| {
                Ok(matches!(e, WatchEvent::Modified(c) if c.data["v"] == "y"))
            }],
        )
        .await
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    env.update("w-2", "y").await;
    let event = wait.await.unwrap().unwrap().unwrap();
    assert!(matches!(event, WatchEvent::Modified(_)));

    // until: a RetryWatcher from a known version.
    let rv = list_rv(&env).await;
    let lw = env.configmap_lw();
    let wait = tokio::spawn(async move {
        until(
            Duration::from_secs(20),
            &rv,
            lw,
            [|e: &WatchEvent<ConfigMap>| Ok(matches!(e, WatchEvent::Deleted(_)))],
        )
        .await
    });
    env.delete("w-2").await;
    let event = wait.await.unwrap().unwrap();
    assert_eq!(describe(&event).unwrap(), "DELETED w-2");

    // A list of conditions, met one after the other (client-go's variadic conditions): the
    // second is checked first against the event that met the first, then against later ones.
    let rv = list_rv(&env).await;
    let lw = env.configmap_lw();
    let checked = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let log = checked.clone();
    let wait = tokio::spawn(async move {
        let log2 = log.clone();
        let conditions: Vec<ConditionFunc<'static, ConfigMap>> = vec![
            // Met by the creation of w-3…
            Box::new(move |e| {
                log.lock()
                    .unwrap()
                    .push(format!("1:{}", describe(e).unwrap_or_default()));
                Ok(matches!(e, WatchEvent::Added(c) if c.name() == Some("w-3")))
            }),
            // …which the second condition sees again, then the update of w-3.
            Box::new(move |e| {
                log2.lock()
                    .unwrap()
                    .push(format!("2:{}", describe(e).unwrap_or_default()));
                Ok(matches!(e, WatchEvent::Modified(c) if c.data["v"] == "z"))
            }),
            // Already met by the update: no further event is needed.
            Box::new(|e| Ok(matches!(e, WatchEvent::Modified(_)))),
        ];
        until(Duration::from_secs(20), &rv, lw, conditions).await
    });
    env.create("w-4", "a").await;
    env.create("w-3", "a").await;
    env.update("w-3", "z").await;
    let event = wait.await.unwrap().unwrap();
    assert_eq!(describe(&event).unwrap(), "MODIFIED w-3=z");
    assert_eq!(
        *checked.lock().unwrap(),
        [
            "1:ADDED w-4",
            "1:ADDED w-3",
            "2:ADDED w-3",
            "2:MODIFIED w-3=z"
        ]
    );

    // The same over an informer: the second condition only counts after the first is met
    // (an update to "q" alone would not do; "p" must come first).
    let lw = env.configmap_lw();
    let wait = tokio::spawn(async move {
        until_with_sync(
            Duration::from_secs(20),
            lw,
            ListOptions::default(),
            |_| Ok(false),
            [
                Box::new(|e: &WatchEvent<ConfigMap>| {
                    Ok(matches!(e, WatchEvent::Modified(c) if c.data["v"] == "p"))
                }) as ConditionFunc<'_, ConfigMap>,
                Box::new(|e: &WatchEvent<ConfigMap>| {
                    Ok(matches!(e, WatchEvent::Modified(c) if c.data["v"] == "q"))
                }),
            ],
        )
        .await
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    env.update("w-4", "q").await;
    env.update("w-3", "p").await;
    env.update("w-3", "r").await;
    env.update("w-4", "q2").await;
    env.update("w-4", "q").await;
    let event = wait.await.unwrap().unwrap().unwrap();
    assert_eq!(describe(&event).unwrap(), "MODIFIED w-4=q");

    // No conditions: refused at once, nothing to wait for.
    let err = until(
        Duration::from_secs(5),
        &list_rv(&env).await,
        env.configmap_lw(),
        Vec::<ConditionFunc<'static, ConfigMap>>::new(),
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("no conditions"), "{err}");
    env.cleanup().await;
}
