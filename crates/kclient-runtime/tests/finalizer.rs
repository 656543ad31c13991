//! The finalizer helper: adding a finalizer survives a concurrent writer (409 Conflict, then a
//! fresh read), and a controller using it cleans up before the object goes.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use kclient_apimachinery::options::{DeleteOptions, UpdateOptions};
use kclient_runtime::finalizer::{FinalizerEvent, add_finalizer, remove_finalizer};
use kclient_runtime::{Action, Controller, Error, default_error_policy, finalizer};
use kclient_typed::ResourceClient;
use kclient_typed::api::core::v1::ConfigMap;
use support::{Env, eventually};

const FINALIZER: &str = "runtime-test.kclient.dev/cleanup";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn adding_a_finalizer_retries_a_conflict_with_the_latest_version() {
    let env = Env::new().await;
    let client = env.config_maps();
    let stale = env.create_config_map("contested", "1").await;
    // Someone else writes first: `stale` now has an old resourceVersion.
    let mut theirs = stale.clone();
    theirs.metadata.labels.insert("theirs".into(), "yes".into());
    client
        .update(&theirs, &UpdateOptions::default())
        .await
        .unwrap();

    let written = add_finalizer(&client, &stale, FINALIZER).await.unwrap();
    assert_eq!(written.metadata.finalizers, vec![FINALIZER.to_string()]);
    let now = client.get("contested", &Default::default()).await.unwrap();
    assert_eq!(now.metadata.finalizers, vec![FINALIZER.to_string()]);
    assert_eq!(
        now.metadata.labels.get("theirs").map(String::as_str),
        Some("yes"),
        "the other writer's change was overwritten"
    );
    // Adding again changes nothing; removing (from a stale copy, too) works.
    let again = add_finalizer(&client, &now, FINALIZER).await.unwrap();
    assert_eq!(
        again.metadata.resource_version,
        now.metadata.resource_version
    );
    remove_finalizer(&client, &stale, FINALIZER).await.unwrap();
    let now = client.get("contested", &Default::default()).await.unwrap();
    assert!(now.metadata.finalizers.is_empty());
    // Removing from an object that is gone is fine.
    client
        .delete("contested", &DeleteOptions::default())
        .await
        .unwrap();
    remove_finalizer(&client, &now, FINALIZER).await.unwrap();
    env.cleanup().await;
}

struct Ctx {
    client: ResourceClient<ConfigMap>,
    applied: Mutex<Vec<String>>,
    cleaned: Mutex<Vec<String>>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_controller_cleans_up_before_the_object_is_deleted() {
    let env = Env::new().await;
    let client = env.config_maps();
    let ctx = Arc::new(Ctx {
        client: client.clone(),
        applied: Mutex::default(),
        cleaned: Mutex::default(),
    });
    let controller = Controller::<ConfigMap>::new(env.factory());
    let handle = controller.handle();
    let task = tokio::spawn(controller.run(
        |cm: Arc<ConfigMap>, ctx: Arc<Ctx>| async move {
            if !cm
                .metadata
                .name
                .as_deref()
                .unwrap_or_default()
                .starts_with("doomed")
            {
                return Ok(Action::await_change());
            }
            finalizer(&ctx.client, FINALIZER, cm, |event| async {
                match event {
                    FinalizerEvent::Apply(cm) => {
                        assert!(cm.metadata.finalizers.iter().any(|f| f == FINALIZER));
                        ctx.applied
                            .lock()
                            .unwrap()
                            .push(cm.metadata.name.clone().unwrap());
                    }
                    FinalizerEvent::Cleanup(cm) => {
                        ctx.cleaned
                            .lock()
                            .unwrap()
                            .push(cm.metadata.name.clone().unwrap());
                    }
                }
                Ok::<_, Error>(Action::await_change())
            })
            .await
        },
        default_error_policy,
        ctx.clone(),
    ));
    // A writer keeps changing the object while the controller adds its finalizer, so that
    // some of the controller's writes conflict.
    env.create_config_map("doomed", "0").await;
    for i in 1..=10 {
        let mut cm = client.get("doomed", &Default::default()).await.unwrap();
        cm.metadata.labels.insert("round".into(), i.to_string());
        match client.update(&cm, &UpdateOptions::default()).await {
            Ok(_) => {}
            Err(e) if e.is_conflict() => {}
            Err(e) => panic!("{e}"),
        }
    }
    assert!(
        eventually(|| async {
            let cm = client.get("doomed", &Default::default()).await.unwrap();
            cm.metadata.finalizers == vec![FINALIZER.to_string()]
                && cm.metadata.labels.get("round").map(String::as_str) == Some("10")
        })
        .await,
        "the finalizer was not added, or a write was lost"
    );
    assert!(eventually(|| async { !ctx.applied.lock().unwrap().is_empty() }).await);

    // Deleting it: the server keeps it (deletionTimestamp) until the cleanup has run and the
    // finalizer is removed.
    client
        .delete("doomed", &DeleteOptions::default())
        .await
        .unwrap();
    assert!(
        eventually(|| async {
            match client.get("doomed", &Default::default()).await {
                Err(e) => e.is_not_found(),
                Ok(_) => false,
            }
        })
        .await,
        "the object was not deleted after its cleanup"
    );
    assert_eq!(
        ctx.cleaned.lock().unwrap().as_slice(),
        ["doomed".to_string()]
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(handle.stats().errors, 0);
    handle.shutdown();
    task.await.unwrap().unwrap();
    env.cleanup().await;
}
