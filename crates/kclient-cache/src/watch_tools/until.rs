//! Waiting for conditions: client-go's `watch.UntilWithoutRetry`, `watch.Until` and
//! `watch.UntilWithSync`, and an object-state wait ([`await_condition`]).

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use futures_util::{Stream, StreamExt};
use kclient_apimachinery::WatchEvent;
use kclient_apimachinery::options::ListOptions;
use tokio::sync::mpsc;

use super::RetryWatcher;
use crate::informer::{HandlerFns, InformerOptions, SharedInformer};
use crate::listwatch::ListerWatcher;
use crate::reflector::ReflectorOptions;
use crate::{CacheObject, Error, Store};

/// Runs `wait` for at most `timeout`; what ran out is named by `what`.
async fn within<R>(
    timeout: Duration,
    what: &str,
    wait: impl Future<Output = Result<R, Error>>,
) -> Result<R, Error> {
    match tokio::time::timeout(timeout, wait).await {
        Ok(result) => result,
        Err(_) => Err(Error::WaitTimeout {
            what: what.to_string(),
            timeout,
        }),
    }
}

/// A condition of the `until` functions, boxed so that different closures can share one list
/// (client-go's `ConditionFunc`): `vec![Box::new(a) as ConditionFunc<_>, Box::new(b)]`.
pub type ConditionFunc<'a, T> = Box<dyn FnMut(&WatchEvent<T>) -> Result<bool, Error> + Send + 'a>;

/// Runs `conditions` in order over `events`, as client-go's `UntilWithoutRetry`: each
/// condition is first checked against the event that satisfied the previous one, then against
/// new events until it returns true. Returns the last event seen.
async fn run_conditions<T, S, E, C>(
    events: S,
    conditions: impl IntoIterator<Item = C>,
) -> Result<WatchEvent<T>, Error>
where
    S: Stream<Item = Result<WatchEvent<T>, E>>,
    E: Into<Error>,
    C: FnMut(&WatchEvent<T>) -> Result<bool, Error>,
{
    let conditions: Vec<C> = conditions.into_iter().collect();
    if conditions.is_empty() {
        return Err(Error::InvalidWatch {
            reason: "no conditions to wait for".to_string(),
        });
    }
    let mut events = std::pin::pin!(events);
    let mut last: Option<WatchEvent<T>> = None;
    for mut condition in conditions {
        if let Some(event) = &last
            && condition(event)?
        {
            continue;
        }
        loop {
            let Some(event) = events.next().await else {
                return Err(Error::WatchClosed {
                    what: "the condition was met".to_string(),
                });
            };
            let event = event.map_err(Into::into)?;
            let done = condition(&event)?;
            last = Some(event);
            if done {
                break;
            }
        }
    }
    last.ok_or_else(|| Error::WatchClosed {
        what: "the condition was met".to_string(),
    })
}

/// Reads `events` until every one of `conditions` has returned true, in order, and returns
/// the event that satisfied the last (client-go's `UntilWithoutRetry(ctx, w, conditions...)`):
/// each condition is checked first against the event that satisfied the previous one, then
/// against the events that follow. One condition: `[cond]`; different closures:
/// [`ConditionFunc`]s. Fails when a condition fails, when the list is empty, when the stream
/// ends or fails ([`Error::WatchClosed`]: a plain watch does not survive a closed connection;
/// see [`until`]), or after `timeout` ([`Error::WaitTimeout`]).
pub async fn until_without_retry<T, S, E, C>(
    timeout: Duration,
    events: S,
    conditions: impl IntoIterator<Item = C>,
) -> Result<WatchEvent<T>, Error>
where
    S: Stream<Item = Result<WatchEvent<T>, E>>,
    E: Into<Error>,
    C: FnMut(&WatchEvent<T>) -> Result<bool, Error>,
{
    within(timeout, "the condition", run_conditions(events, conditions)).await
}

/// Watches through `lw` from `initial_resource_version` with a [`RetryWatcher`] (so closed
/// connections are resumed) until `conditions` are met in order, as [`until_without_retry`]
/// (client-go's `watch.Until`). A 410 Gone ends the wait with an error whose `is_gone()` is
/// true.
pub async fn until<T: CacheObject, C>(
    timeout: Duration,
    initial_resource_version: &str,
    lw: impl ListerWatcher<T>,
    conditions: impl IntoIterator<Item = C>,
) -> Result<WatchEvent<T>, Error>
where
    C: FnMut(&WatchEvent<T>) -> Result<bool, Error>,
{
    let watcher = RetryWatcher::new(initial_resource_version, lw)?;
    until_without_retry(timeout, watcher, conditions).await
}

/// Shuts an informer down when dropped.
struct Stop<T: CacheObject>(SharedInformer<T>);

impl<T: CacheObject> Drop for Stop<T> {
    fn drop(&mut self) {
        self.0.shutdown();
    }
}

fn informer<T: CacheObject>(lw: impl ListerWatcher<T>, options: ListOptions) -> SharedInformer<T> {
    SharedInformer::new(
        lw,
        InformerOptions {
            reflector: ReflectorOptions {
                list_options: options,
                ..ReflectorOptions::default()
            },
            ..InformerOptions::default()
        },
    )
}

/// Runs an informer over `lw` (with the selectors of `options`); once it has synced, returns
/// `Ok(None)` if `precondition` holds for its cache, else waits until `conditions` are met in
/// order by the informer's events (adds of the initial list included), as
/// [`until_without_retry`], and returns the event that met the last (client-go's
/// `UntilWithSync`). Informers relist and resume on their own, so this wait
/// survives expired resourceVersions too. The informer is stopped on return.
pub async fn until_with_sync<T: CacheObject + Clone, C>(
    timeout: Duration,
    lw: impl ListerWatcher<T>,
    options: ListOptions,
    precondition: impl FnOnce(&Store<T>) -> Result<bool, Error>,
    conditions: impl IntoIterator<Item = C>,
) -> Result<Option<WatchEvent<T>>, Error>
where
    C: FnMut(&WatchEvent<T>) -> Result<bool, Error>,
{
    let informer = informer(lw, options);
    let stop = Stop(informer.clone());
    let (tx, mut rx) = mpsc::unbounded_channel();
    let (add, update, delete) = (tx.clone(), tx.clone(), tx);
    informer.add_event_handler(
        HandlerFns::<T>::new()
            .on_add(move |obj, _| {
                let _ = add.send(WatchEvent::Added(T::clone(obj)));
            })
            .on_update(move |_, new| {
                let _ = update.send(WatchEvent::Modified(T::clone(new)));
            })
            .on_delete(move |gone| {
                let _ = delete.send(WatchEvent::Deleted(T::clone(gone.object())));
            }),
    )?;
    informer.start()?;
    let result = within(timeout, "the condition", async {
        if !informer.wait_for_cache_sync().await {
            return Err(Error::WatchClosed {
                what: "the informer synced".to_string(),
            });
        }
        if precondition(informer.store())? {
            return Ok(None);
        }
        let events = futures_util::stream::poll_fn(|cx| rx.poll_recv(cx)).map(Ok::<_, Error>);
        run_conditions(events, conditions).await.map(Some)
    })
    .await;
    drop(stop);
    result
}

/// Waits until the object `name` (listed and watched through `lw`, restricted to that name
/// with a field selector) is in a state `condition` accepts, and returns it as last seen
/// (`None`: it does not exist). `condition` sees `None` while the object does not exist, so
/// [`conditions::is_deleted`](super::conditions::is_deleted) waits for its deletion. This is
/// the wait of `kubectl wait` and kube-rs's `await_condition`, built on [`until_with_sync`]'s
/// informer: it checks the cache once synced, then after every change.
///
/// ```no_run
/// # async fn run(client: kclient_rest::RestClient) -> Result<(), kclient_cache::Error> {
/// use std::time::Duration;
/// use kclient_apimachinery::{ApiResource, GroupVersionKind};
/// use kclient_cache::RestListWatch;
/// use kclient_cache::watch_tools::{await_condition, conditions};
///
/// let crds = ApiResource::new(
///     &GroupVersionKind::new("apiextensions.k8s.io", "v1", "CustomResourceDefinition"),
///     "customresourcedefinitions", false);
/// let lw = RestListWatch::dynamic(client, crds);
/// await_condition(Duration::from_secs(30), lw, "widgets.example.com", conditions::crd_established())
///     .await?;
/// # Ok(()) }
/// ```
pub async fn await_condition<T: CacheObject>(
    timeout: Duration,
    lw: impl ListerWatcher<T>,
    name: &str,
    mut condition: impl FnMut(Option<&T>) -> Result<bool, Error>,
) -> Result<Option<Arc<T>>, Error> {
    let options = ListOptions::default().field_selector(format!("metadata.name={name}"));
    let informer = informer(lw, options);
    let stop = Stop(informer.clone());
    let (tx, mut rx) = mpsc::unbounded_channel::<()>();
    let (add, update, delete) = (tx.clone(), tx.clone(), tx);
    informer.add_event_handler(
        HandlerFns::<T>::new()
            .on_add(move |_, _| {
                let _ = add.send(());
            })
            .on_update(move |_, _| {
                let _ = update.send(());
            })
            .on_delete(move |_| {
                let _ = delete.send(());
            }),
    )?;
    informer.start()?;
    let what = format!("the condition on {name:?} of {}", informer.resource());
    let result = within(timeout, &what, async {
        if !informer.wait_for_cache_sync().await {
            return Err(Error::WatchClosed { what: what.clone() });
        }
        loop {
            let current = informer
                .store()
                .list()
                .into_iter()
                .find(|o| crate::object_key(o.as_ref()).rsplit('/').next() == Some(name));
            if condition(current.as_deref())? {
                return Ok(current);
            }
            if rx.recv().await.is_none() {
                return Err(Error::WatchClosed { what: what.clone() });
            }
            // Coalesce a burst of changes into one check.
            while rx.try_recv().is_ok() {}
        }
    })
    .await;
    drop(stop);
    result
}
