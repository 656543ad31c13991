//! The garbage collector, run synchronously inside the transaction of every deletion: dependents
//! (objects whose `ownerReferences` name a deleted owner) are deleted once none of their owners
//! remains (background cascading); an owner being deleted with the `foregroundDeletion`
//! finalizer has its dependents deleted first and goes once none remains; an owner with the
//! `orphan` finalizer has its references removed from its dependents, then goes.

use serde_json::{Value, json};

use super::objects::{self, finalizers, meta_str};
use crate::store::{Key, Txn};

/// The finalizer of foreground deletion.
pub const FOREGROUND: &str = "foregroundDeletion";
/// The finalizer of orphaning deletion.
pub const ORPHAN: &str = "orphan";

fn owner_uids(obj: &Value) -> Vec<String> {
    obj.pointer("/metadata/ownerReferences")
        .and_then(Value::as_array)
        .map(|refs| {
            refs.iter()
                .filter_map(|r| r["uid"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn deleting(obj: &Value) -> bool {
    !meta_str(obj, "deletionTimestamp").is_empty()
}

/// An object the collector is to look at: its uid and the uids of its owners.
#[derive(Debug, Clone)]
pub struct Work {
    uid: String,
    owners: Vec<String>,
}

impl Work {
    /// The work item for `obj` (deleted, or marked for deletion).
    pub fn of(obj: &Value) -> Self {
        Self {
            uid: meta_str(obj, "uid").to_string(),
            owners: owner_uids(obj),
        }
    }
}

/// Deletes `obj` under `key` as the collector does (background): objects with finalizers get a
/// deletionTimestamp and stay. Queues the follow-up work.
fn delete(txn: &mut Txn<'_>, key: &Key, obj: Value, work: &mut Vec<Work>) {
    if deleting(&obj) {
        return;
    }
    if finalizers(&obj).is_empty() {
        if let Some(gone) = txn.delete(key) {
            work.push(Work::of(&gone));
        }
    } else {
        let mut obj = obj;
        let m = objects::meta_mut(&mut obj);
        m.insert("deletionTimestamp".into(), json!(objects::now()));
        m.insert("deletionGracePeriodSeconds".into(), json!(0));
        txn.put(key, obj);
    }
}

/// Removes finalizer `f` from the object under `key`, deleting it when no finalizer remains.
fn finish(txn: &mut Txn<'_>, key: &Key, obj: Value, f: &str, work: &mut Vec<Work>) {
    let mut obj = obj;
    let left: Vec<String> = finalizers(&obj).into_iter().filter(|x| x != f).collect();
    objects::meta_mut(&mut obj).insert("finalizers".into(), json!(left));
    if left.is_empty() {
        objects::meta_mut(&mut obj).remove("finalizers");
        txn.put(key, obj);
        if let Some(gone) = txn.delete(key) {
            work.push(Work::of(&gone));
        }
    } else {
        txn.put(key, obj);
    }
}

/// Runs the collector from the given work until nothing more changes.
pub fn collect(txn: &mut Txn<'_>, mut work: Vec<Work>) {
    let mut budget = 100_000usize;
    while let Some(item) = work.pop() {
        budget = budget.saturating_sub(1);
        if budget == 0 || item.uid.is_empty() {
            break;
        }
        let all = txn.all();
        let owner = all
            .iter()
            .find(|(_, o)| o.meta().uid == item.uid)
            .map(|(k, o)| (k.clone(), o.value()));
        let dependents: Vec<(Key, Value)> = all
            .iter()
            .filter(|(_, o)| o.meta().owner_uids.contains(&item.uid))
            .map(|(k, o)| (k.clone(), o.value()))
            .collect();
        match owner {
            Some((key, o)) if deleting(&o) && finalizers(&o).iter().any(|f| f == ORPHAN) => {
                for (dkey, mut dep) in dependents {
                    if let Some(refs) = dep
                        .pointer_mut("/metadata/ownerReferences")
                        .and_then(Value::as_array_mut)
                    {
                        refs.retain(|r| r["uid"].as_str() != Some(item.uid.as_str()));
                        if refs.is_empty() {
                            objects::meta_mut(&mut dep).remove("ownerReferences");
                        }
                    }
                    txn.put(&dkey, dep);
                }
                finish(txn, &key, o, ORPHAN, &mut work);
            }
            Some((key, o)) if deleting(&o) && finalizers(&o).iter().any(|f| f == FOREGROUND) => {
                if dependents.is_empty() {
                    finish(txn, &key, o, FOREGROUND, &mut work);
                } else {
                    for (dkey, dep) in dependents {
                        delete(txn, &dkey, dep, &mut work);
                    }
                    // Look again once the dependents that could go are gone.
                    let remaining = txn
                        .all()
                        .iter()
                        .any(|(_, d)| d.meta().owner_uids.contains(&item.uid));
                    if !remaining && let Some(o) = txn.get(&key) {
                        finish(txn, &key, o, FOREGROUND, &mut work);
                    }
                }
            }
            Some(_) => {}
            None => {
                for (dkey, dep) in dependents {
                    let alive = owner_uids(&dep).iter().any(|u| {
                        all.iter().any(|(_, o)| {
                            let m = o.meta();
                            m.uid == *u
                                && !(m.deleting && m.finalizers.iter().any(|f| f == FOREGROUND))
                        })
                    });
                    if !alive {
                        delete(txn, &dkey, dep, &mut work);
                    }
                }
            }
        }
        // Owners in foreground deletion waiting for this object may now finish.
        if txn.all().iter().all(|(_, o)| o.meta().uid != item.uid) {
            for owner in &item.owners {
                work.push(Work {
                    uid: owner.clone(),
                    owners: Vec::new(),
                });
            }
        }
    }
}
