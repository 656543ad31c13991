//! Finalizers: keep an object until the controller has cleaned up after it (kube-runtime's
//! `finalizer()`; controller-runtime's `controllerutil.AddFinalizer`/`RemoveFinalizer` with an
//! `Update`). Writes are updates with the object's resourceVersion, retried on 409 Conflict
//! with kclient-rest's [`retry_on_conflict`] (client-go's `DefaultRetry`): the first attempt
//! uses the object the reconcile was given, later ones read the latest version.
//!
//! ```text
//!   no deletionTimestamp, no finalizer  → add it, then Apply
//!   no deletionTimestamp, finalizer     → Apply
//!   deletionTimestamp, finalizer        → Cleanup, then remove it (the server deletes the object)
//!   deletionTimestamp, no finalizer     → nothing (await the deletion)
//! ```

use std::future::Future;
use std::sync::Arc;

use kclient_apimachinery::options::{GetOptions, UpdateOptions};
use kclient_apimachinery::{HasObjectMeta, MetaAccessor};
use kclient_rest::retry::{DEFAULT_RETRY, retry_on_conflict};
use kclient_typed::ResourceClient;
use kclient_typed::client::verbs;

use crate::error::BoxError;
use crate::{Action, Error};

/// What [`finalizer`] asks its step to do.
#[derive(Debug)]
pub enum FinalizerEvent<K> {
    /// The object lives (and carries the finalizer): reconcile it.
    Apply(Arc<K>),
    /// The object is being deleted: clean up; once this succeeds the finalizer is removed.
    Cleanup(Arc<K>),
}

fn has_finalizer<K: HasObjectMeta>(obj: &K, finalizer: &str) -> bool {
    obj.meta().finalizers.iter().any(|f| f == finalizer)
}

/// Runs `step` with [`FinalizerEvent::Apply`] or [`FinalizerEvent::Cleanup`] as the object's
/// state calls for, adding the finalizer first and removing it after a successful cleanup.
/// `client` is the object's resource client (any namespace: the object's own is used).
pub async fn finalizer<K, F, Fut, E>(
    client: &ResourceClient<K>,
    finalizer: &str,
    obj: Arc<K>,
    step: F,
) -> Result<Action, Error>
where
    K: verbs::Get + verbs::Update + HasObjectMeta + Clone,
    F: FnOnce(FinalizerEvent<K>) -> Fut,
    Fut: Future<Output = Result<Action, E>>,
    E: Into<BoxError>,
{
    let object = obj.namespaced_key();
    let failed = |step: &'static str| {
        let object = object.clone();
        move |e: E| Error::Reconcile {
            step,
            object,
            source: e.into(),
        }
    };
    let deleting = obj.meta().deletion_timestamp.is_some();
    match (deleting, has_finalizer(obj.as_ref(), finalizer)) {
        (false, true) => step(FinalizerEvent::Apply(obj))
            .await
            .map_err(failed("apply")),
        (false, false) => {
            let updated = add_finalizer(client, &obj, finalizer).await?;
            if updated.meta().deletion_timestamp.is_some() && !has_finalizer(&updated, finalizer) {
                // Deleted before the finalizer could be added: nothing to keep or clean.
                return Ok(Action::await_change());
            }
            step(FinalizerEvent::Apply(Arc::new(updated)))
                .await
                .map_err(failed("apply"))
        }
        (true, true) => {
            let action = step(FinalizerEvent::Cleanup(obj.clone()))
                .await
                .map_err(failed("cleanup"))?;
            remove_finalizer(client, &obj, finalizer).await?;
            Ok(action)
        }
        (true, false) => Ok(Action::await_change()),
    }
}

fn scoped<K>(client: &ResourceClient<K>, obj: &K) -> ResourceClient<K>
where
    K: verbs::Get + HasObjectMeta,
{
    match obj.namespace() {
        Some(ns) if client.namespace() != Some(ns) => {
            ResourceClient::namespaced(client.rest_client().clone(), ns)
        }
        _ => client.clone(),
    }
}

/// Adds `finalizer` to `obj` unless it is there or the object is being deleted; returns the
/// object as written (or as found).
pub async fn add_finalizer<K>(
    client: &ResourceClient<K>,
    obj: &K,
    finalizer: &str,
) -> Result<K, Error>
where
    K: verbs::Get + verbs::Update + HasObjectMeta + Clone,
{
    change_finalizers(client, obj, finalizer, "add", |latest| {
        if has_finalizer(latest, finalizer) || latest.meta().deletion_timestamp.is_some() {
            return false;
        }
        latest.meta_mut().finalizers.push(finalizer.to_string());
        true
    })
    .await
    .map(|k| k.unwrap_or_else(|| obj.clone()))
}

/// Removes `finalizer` from `obj`; an object already gone (404) is fine.
pub async fn remove_finalizer<K>(
    client: &ResourceClient<K>,
    obj: &K,
    finalizer: &str,
) -> Result<(), Error>
where
    K: verbs::Get + verbs::Update + HasObjectMeta + Clone,
{
    change_finalizers(client, obj, finalizer, "remove", |latest| {
        let before = latest.meta().finalizers.len();
        latest.meta_mut().finalizers.retain(|f| f != finalizer);
        latest.meta().finalizers.len() != before
    })
    .await
    .map(|_| ())
}

/// Read-modify-write of the finalizers with conflict retries; `Ok(None)` when the object is
/// gone.
async fn change_finalizers<K>(
    client: &ResourceClient<K>,
    obj: &K,
    finalizer: &str,
    action: &'static str,
    change: impl Fn(&mut K) -> bool,
) -> Result<Option<K>, Error>
where
    K: verbs::Get + verbs::Update + HasObjectMeta + Clone,
{
    let client = scoped(client, obj);
    let name = obj.name().unwrap_or_default().to_string();
    let mut first = Some(obj.clone());
    let (client, name, change) = (&client, &name, &change);
    let result = retry_on_conflict(DEFAULT_RETRY, || {
        let given = first.take();
        async move {
            let (mut latest, fresh) = match given {
                Some(obj) => (obj, false),
                None => (client.get(name, &GetOptions::default()).await?, true),
            };
            if !change(&mut latest) {
                // Nothing to do on the given (maybe stale) copy: decide on the latest.
                if fresh {
                    return Ok(latest);
                }
                latest = client.get(name, &GetOptions::default()).await?;
                if !change(&mut latest) {
                    return Ok(latest);
                }
            }
            client.update(&latest, &UpdateOptions::default()).await
        }
    })
    .await;
    match result {
        Ok(obj) => Ok(Some(obj)),
        Err(e) if e.is_not_found() => Ok(None),
        Err(source) => Err(Error::Finalizer {
            action,
            finalizer: finalizer.to_string(),
            object: obj.namespaced_key(),
            source: Box::new(source),
        }),
    }
}
