//! The ConfigMap mirror (`examples/support/mirror/`) against `kclient-testserver`, or the real
//! cluster of the kubeconfig named by `KCLIENT_TEST_KUBECONFIG` (there it only serves the
//! namespaces the test makes, selected by a label): copies appear, follow the source, come back
//! when deleted, reach new namespaces, and go away with the source through its finalizer.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../../examples/support/mirror/mod.rs"]
mod mirror;

use std::future::Future;
use std::time::Duration;

use kclient_apimachinery::meta::ObjectMeta;
use kclient_apimachinery::options::{CreateOptions, DeleteOptions, ListOptions, UpdateOptions};
use kclient_cache::ShutdownHandle;
use kclient_config::{Config, ConfigOverrides, Kubeconfig};
use kclient_testserver::TestServer;
use kclient_typed::Clientset;
use kclient_typed::api::core::v1::{ConfigMap, Namespace};

const WAIT: Duration = Duration::from_secs(60);

async fn eventually<F, Fut>(mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        if check().await {
            return true;
        }
        if tokio::time::Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn data(value: &str) -> Option<kclient_apimachinery::VecMap<String, String>> {
    Some(kclient_apimachinery::VecMap::from([(
        "mode".to_string(),
        value.to_string(),
    )]))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn copies_follow_their_source_and_go_with_it() {
    let run = format!("{:x}", std::process::id() ^ 0x5a5a);
    let label = ("kclient-mirror-test".to_string(), run.clone());
    let (clientset, server) =
        match std::env::var_os("KCLIENT_TEST_KUBECONFIG").filter(|p| !p.is_empty()) {
            Some(path) => {
                let kc = Kubeconfig::read_from(path).unwrap();
                let config = Config::from_kubeconfig(&kc, &ConfigOverrides::default()).unwrap();
                (Clientset::for_config(&config).unwrap(), None)
            }
            None => {
                let server = TestServer::start().await.unwrap();
                let kc = Kubeconfig::from_yaml(&server.kubeconfig_yaml()).unwrap();
                let config = Config::from_kubeconfig(&kc, &ConfigOverrides::default()).unwrap();
                (Clientset::for_config(&config).unwrap(), Some(server))
            }
        };
    let ns_name = |s: &str| format!("mirror-{run}-{s}");
    let make_ns = |name: String| {
        let (clientset, label) = (clientset.clone(), label.clone());
        async move {
            let mut metadata = ObjectMeta::named(name);
            metadata.labels.insert(label.0, label.1);
            clientset
                .core_v1()
                .namespaces()
                .create(
                    &Namespace {
                        metadata,
                        ..Namespace::default()
                    },
                    &CreateOptions::default(),
                )
                .await
                .unwrap();
        }
    };
    for s in ["src", "a", "b"] {
        make_ns(ns_name(s)).await;
    }
    let config = mirror::MirrorConfig {
        namespace_selector: Some(format!("{}={}", label.0, label.1)),
        ..mirror::MirrorConfig::default()
    };
    let stop = ShutdownHandle::new();
    let task = tokio::spawn(mirror::run(clientset.clone(), config, stop.clone()));

    let src = ns_name("src");
    let sources = clientset.core_v1().config_maps(&src);
    let mut metadata = ObjectMeta::namespaced(src.clone(), "settings");
    metadata
        .labels
        .insert(mirror::ENABLED_LABEL.into(), "true".into());
    sources
        .create(
            &ConfigMap {
                metadata,
                data: data("fast"),
                ..ConfigMap::default()
            },
            &CreateOptions::default(),
        )
        .await
        .unwrap();

    let copy_in = |ns: String| {
        let clientset = clientset.clone();
        async move {
            clientset
                .core_v1()
                .config_maps(&ns)
                .get("settings", &Default::default())
                .await
                .ok()
        }
    };
    let all_copies_are = |value: &'static str, namespaces: Vec<String>| {
        let copy_in = &copy_in;
        async move {
            eventually(|| {
                let namespaces = namespaces.clone();
                async move {
                    for ns in namespaces {
                        match copy_in(ns).await {
                            Some(c) if c.data == data(value) => {}
                            _ => return false,
                        }
                    }
                    true
                }
            })
            .await
        }
    };
    assert!(
        all_copies_are("fast", vec![ns_name("a"), ns_name("b")]).await,
        "no copies"
    );
    let copy = copy_in(ns_name("a")).await.unwrap();
    assert_eq!(
        copy.metadata
            .annotations
            .get(mirror::SOURCE_ANNOTATION)
            .map(String::as_str),
        Some(format!("{src}/settings").as_str())
    );
    let source = sources.get("settings", &Default::default()).await.unwrap();
    assert_eq!(
        source.metadata.finalizers,
        vec![mirror::FINALIZER.to_string()]
    );
    assert!(
        copy_in(src.clone())
            .await
            .is_some_and(|c| c.metadata.annotations.is_empty())
    );

    // The source changes: the copies follow.
    let mut changed = source.clone();
    changed.data = data("safe");
    sources
        .update(&changed, &UpdateOptions::default())
        .await
        .unwrap();
    assert!(
        all_copies_are("safe", vec![ns_name("a"), ns_name("b")]).await,
        "copies not updated"
    );

    // A deleted copy comes back; a new namespace gets one.
    clientset
        .core_v1()
        .config_maps(&ns_name("a"))
        .delete("settings", &DeleteOptions::default())
        .await
        .unwrap();
    make_ns(ns_name("c")).await;
    assert!(
        all_copies_are("safe", vec![ns_name("a"), ns_name("b"), ns_name("c")]).await,
        "a copy was not restored or the new namespace got none"
    );

    // Deleting the source: the finalizer holds it until the copies are gone.
    sources
        .delete("settings", &DeleteOptions::default())
        .await
        .unwrap();
    assert!(
        eventually(|| async {
            sources
                .get("settings", &Default::default())
                .await
                .is_err_and(|e| e.is_not_found())
        })
        .await,
        "the source was not deleted"
    );
    let left = clientset
        .core_v1()
        .config_maps("")
        .list(&ListOptions::default().label_selector(format!("{}=true", mirror::COPY_LABEL)))
        .await
        .unwrap()
        .items
        .into_iter()
        .filter(|c| {
            c.metadata
                .annotations
                .get(mirror::SOURCE_ANNOTATION)
                .map(String::as_str)
                == Some(format!("{src}/settings").as_str())
        })
        .count();
    assert_eq!(left, 0, "copies outlived their source");

    stop.shutdown();
    tokio::time::timeout(WAIT, task)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    if server.is_none() {
        for s in ["src", "a", "b", "c"] {
            let _ = clientset
                .core_v1()
                .namespaces()
                .delete(&ns_name(s), &DeleteOptions::default())
                .await;
        }
    }
}
