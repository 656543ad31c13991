//! Namespace lifecycle: the admission checks (`NamespaceLifecycle`: no content in missing or
//! terminating namespaces, the default namespaces cannot be deleted), deletion (phase
//! Terminating), and the namespace controller that removes the contents and then the namespace.

use std::sync::{Arc, Weak};

use serde_json::{Value, json};
use tokio::sync::mpsc;

use super::State;
use super::objects::{self, finalizers, meta_str};
use super::status::ApiError;
use crate::registry::Resource;
use crate::store::{Key, Txn};

/// The namespaces that exist at start.
pub const DEFAULT_NAMESPACES: [&str; 4] =
    ["default", "kube-system", "kube-public", "kube-node-lease"];

/// Namespaces that can never be deleted.
const UNDELETABLE: [&str; 3] = ["default", "kube-system", "kube-public"];

fn ns_key(name: &str) -> Key {
    Key::new("", "namespaces", "", name)
}

fn terminating(ns: &Value) -> bool {
    !meta_str(ns, "deletionTimestamp").is_empty()
        || ns.pointer("/status/phase").and_then(Value::as_str) == Some("Terminating")
}

/// Admission for creating `name` of `res` in `namespace`.
pub fn admit_create(
    txn: &Txn<'_>,
    res: &Resource,
    namespace: &str,
    name: &str,
) -> Result<(), ApiError> {
    if !res.namespaced() {
        return Ok(());
    }
    let namespaces = kclient_apimachinery::GroupResource::new("", "namespaces");
    let Some(ns) = txn.get(&ns_key(namespace)) else {
        return Err(ApiError::not_found(&namespaces, namespace));
    };
    if terminating(&ns) {
        let mut err = ApiError::forbidden(
            &res.group_resource(),
            name,
            &format!(
                "unable to create new content in namespace {namespace} because it is being terminated"
            ),
        );
        if let Some(d) = err.details.as_mut() {
            d.causes.push(kclient_apimachinery::StatusCause {
                reason: Some("NamespaceTerminating".into()),
                message: Some(format!("namespace {namespace} is being terminated")),
                field: Some("metadata.namespace".into()),
            });
        }
        return Err(err);
    }
    Ok(())
}

/// Whether a namespace's `spec.finalizers` are all gone (always true for other resources).
pub fn spec_finalizers_done(res: &Resource, obj: &Value) -> bool {
    if !objects::is_namespace(res) {
        return true;
    }
    obj.pointer("/spec/finalizers")
        .and_then(Value::as_array)
        .is_none_or(|f| f.is_empty())
}

/// Rejects deleting the namespaces the server cannot live without.
pub fn admit_delete(res: &Resource, name: &str) -> Result<(), ApiError> {
    if objects::is_namespace(res) && UNDELETABLE.contains(&name) {
        return Err(ApiError::forbidden(
            &res.group_resource(),
            name,
            "this namespace may not be deleted",
        ));
    }
    Ok(())
}

/// Marks a namespace Terminating (its deletion finishes once its contents are gone).
pub fn mark_terminating(ns: &mut Value) {
    ns["status"]["phase"] = json!("Terminating");
}

/// Asks the namespace controller to look at `namespace`.
pub fn poke(state: &State, namespace: &str) {
    let _ = state.namespace_queue.send(namespace.to_string());
}

/// The namespace controller: for each poked namespace that is being deleted, deletes its
/// contents (objects with finalizers get a deletionTimestamp and stay until their finalizers
/// are removed), then clears the `kubernetes` finalizer and removes the namespace.
pub async fn controller(state: Weak<State>, mut queue: mpsc::UnboundedReceiver<String>) {
    while let Some(name) = queue.recv().await {
        let Some(state) = state.upgrade() else { return };
        reconcile(&state, &name);
        // Something in the namespace went away: the quota controller's resync.
        super::controllers::resync_namespace(&state, &name);
    }
}

fn reconcile(state: &Arc<State>, name: &str) {
    state.store.transact(|txn| {
        let key = ns_key(name);
        let Some(ns) = txn.get(&key) else {
            return;
        };
        if meta_str(&ns, "deletionTimestamp").is_empty() {
            return;
        }
        let now = objects::now();
        for k in txn.keys_in_namespace(name) {
            let Some(obj) = txn.get(&k) else {
                continue;
            };
            if finalizers(&obj).is_empty() {
                txn.delete(&k);
            } else if meta_str(&obj, "deletionTimestamp").is_empty() {
                let mut obj = obj;
                let m = objects::meta_mut(&mut obj);
                m.insert("deletionTimestamp".into(), json!(now));
                m.insert("deletionGracePeriodSeconds".into(), json!(0));
                txn.put(&k, obj);
            }
        }
        if !txn.keys_in_namespace(name).is_empty() {
            return;
        }
        let mut ns = ns;
        ns["spec"]["finalizers"] = json!([]);
        let ns = txn.put(&key, ns);
        if finalizers(&ns).is_empty() {
            txn.delete(&key);
        }
    });
}

/// The four namespaces every cluster starts with.
pub fn seed(state: &State) {
    let res = crate::registry::lookup("", "v1", "namespaces");
    let Some(res) = res else { return };
    state.store.transact(|txn| {
        for name in DEFAULT_NAMESPACES {
            let obj = json!({"metadata": {"name": name}});
            if let Ok(obj) = objects::prepare_create(&res, None, obj) {
                txn.put(&ns_key(name), obj);
            }
        }
    });
}
