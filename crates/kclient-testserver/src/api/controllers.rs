//! The kube-controller-manager controllers the server plays besides the namespace controller,
//! garbage collector and kubelets: the service account controller (a namespace's `default`
//! ServiceAccount comes back when deleted), the root CA publisher (`kube-root-ca.crt` comes
//! back when deleted or changed), the resource quota controller (`status.used` follows what the
//! namespace holds), the disruption controller (PodDisruptionBudget status follows the pods)
//! and the clusterrole aggregation controller. One task watches the resources they react to
//! and reconciles the touched namespaces, a burst of changes at a time.

use std::collections::BTreeSet;
use std::sync::{Arc, Weak};

use tokio::sync::mpsc;

use super::State;
use super::admission::quota;
use super::bootstrap::{self, rbac};
use crate::store::{ChangeType, Prefix, WatchFrom};

/// What the controllers watch: (group, resource).
const WATCHED: &[(&str, &str)] = &[
    ("", "namespaces"),
    ("", "serviceaccounts"),
    ("", "configmaps"),
    ("", "pods"),
    ("", "services"),
    ("", "secrets"),
    ("", "replicationcontrollers"),
    ("", "persistentvolumeclaims"),
    ("", "resourcequotas"),
    ("policy", "poddisruptionbudgets"),
    ("rbac.authorization.k8s.io", "clusterroles"),
];

/// One change the worker reacts to.
#[derive(Debug)]
struct Event {
    resource: &'static str,
    namespace: String,
    name: String,
    deleted: bool,
}

/// Starts the watchers and the worker; they end when the server goes away.
pub fn spawn(state: &Arc<State>) {
    let (tx, rx) = mpsc::unbounded_channel();
    for (group, resource) in WATCHED {
        tokio::spawn(forward(Arc::downgrade(state), group, resource, tx.clone()));
    }
    tokio::spawn(work(Arc::downgrade(state), rx));
}

/// Forwards the changes of one resource to the worker, re-watching when the watch ends.
async fn forward(
    state: Weak<State>,
    group: &'static str,
    resource: &'static str,
    tx: mpsc::UnboundedSender<Event>,
) {
    let mut resubscribed = false;
    loop {
        let Some(s) = state.upgrade() else { return };
        if *s.shutdown.borrow() {
            return;
        }
        let Ok(mut sub) = s
            .store
            .subscribe(Prefix::new(group, resource, None), WatchFrom::CurrentState)
        else {
            return;
        };
        let mut shutdown = s.shutdown.clone();
        drop(s);
        // After a lost watch, what may have changed meanwhile is looked at again.
        if resubscribed {
            for obj in std::mem::take(&mut sub.initial) {
                let field = |f: &str| obj.meta().field(f).unwrap_or_default().to_string();
                let event = Event {
                    resource,
                    namespace: field("metadata.namespace"),
                    name: field("metadata.name"),
                    deleted: false,
                };
                if tx.send(event).is_err() {
                    return;
                }
            }
        }
        resubscribed = true;
        loop {
            tokio::select! {
                change = sub.rx.recv() => {
                    let Some(change) = change else { break };
                    let event = Event {
                        resource,
                        namespace: change.key.namespace.clone(),
                        name: change.key.name.clone(),
                        deleted: change.kind == ChangeType::Deleted,
                    };
                    if tx.send(event).is_err() {
                        return;
                    }
                }
                _ = shutdown.changed() => return,
            }
        }
    }
}

/// Reconciles what the changes touched, draining whatever queued up first.
async fn work(state: Weak<State>, mut rx: mpsc::UnboundedReceiver<Event>) {
    while let Some(first) = rx.recv().await {
        let mut events = vec![first];
        while let Ok(e) = rx.try_recv() {
            events.push(e);
        }
        let Some(state) = state.upgrade() else { return };
        let mut namespaces = BTreeSet::new();
        let mut contents = BTreeSet::new();
        let mut roles = false;
        for e in events {
            match e.resource {
                "clusterroles" => roles = true,
                "namespaces" if !e.deleted => {
                    contents.insert(e.name);
                }
                "serviceaccounts" if e.deleted && e.name == bootstrap::DEFAULT_SERVICE_ACCOUNT => {
                    contents.insert(e.namespace.clone());
                }
                "configmaps" if e.name == bootstrap::ROOT_CA_CONFIGMAP => {
                    contents.insert(e.namespace.clone());
                }
                _ => {}
            }
            if !e.namespace.is_empty() {
                namespaces.insert(e.namespace);
            }
        }
        reconcile(&state, &contents, &namespaces, roles);
    }
}

fn reconcile(
    state: &State,
    contents: &BTreeSet<String>,
    namespaces: &BTreeSet<String>,
    roles: bool,
) {
    state.store.transact(|txn| {
        for ns in contents {
            bootstrap::namespace_contents(txn, state, ns);
        }
        for ns in namespaces {
            quota::recompute(txn, ns);
            super::disruption::recompute(txn, ns);
        }
        if roles {
            rbac::reconcile_aggregation(txn);
        }
    });
}

/// The quota controller's resync of one namespace (after a deletion of any kind of object).
pub fn resync_namespace(state: &State, namespace: &str) {
    state.store.transact(|txn| quota::recompute(txn, namespace));
}
