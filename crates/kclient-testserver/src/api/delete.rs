//! DELETE and DELETECOLLECTION: preconditions, finalizers (deletionTimestamp set and the object
//! kept until they are removed), graceful deletion of pods (see `graceful`), namespaces going
//! Terminating, and the real server's answers (the object, or a `Status` of `Success` for
//! resources that do not return deleted objects).

use http::Response;
use serde_json::{Value, json};

use super::Ctx;
use super::filter::Filter;
use super::graceful;
use super::namespaces;
use super::objects::{self, finalizers, for_output, meta_str, strip_type};
use super::query::ListOptions;
use super::response::{self, Body};
use super::status::{ApiError, FieldError};
use crate::registry::Resource;
use crate::store::{Key, Prefix, Txn};
use kclient_apimachinery::GroupKind;

/// The parts of `DeleteOptions` this server acts on.
#[derive(Debug, Default)]
struct DeleteOptions {
    uid: Option<String>,
    resource_version: Option<String>,
    orphan_dependents: Option<bool>,
    propagation: Option<String>,
    grace_period: Option<i64>,
}

impl DeleteOptions {
    /// The garbage-collector finalizer the deletion adds (`foregroundDeletion`, `orphan`), if any.
    fn gc_finalizer(&self) -> Option<&'static str> {
        match (self.propagation.as_deref(), self.orphan_dependents) {
            (Some("Foreground"), _) => Some(super::gc::FOREGROUND),
            (Some("Orphan"), _) | (None, Some(true)) => Some(super::gc::ORPHAN),
            _ => None,
        }
    }
}

fn options(ctx: &Ctx) -> Result<DeleteOptions, ApiError> {
    if ctx.body.iter().all(u8::is_ascii_whitespace) {
        return options_from(ctx, None);
    }
    let body = super::write::parse_body(ctx)?;
    options_from(ctx, Some(&body))
}

/// `DeleteOptions` from a body (if any) and the query.
fn options_from(ctx: &Ctx, body: Option<&Value>) -> Result<DeleteOptions, ApiError> {
    let mut o = DeleteOptions::default();
    if let Some(body) = body {
        let s = |p: &str| body.pointer(p).and_then(Value::as_str).map(str::to_string);
        o.uid = s("/preconditions/uid");
        o.resource_version = s("/preconditions/resourceVersion");
        o.orphan_dependents = body.get("orphanDependents").and_then(Value::as_bool);
        o.propagation = s("/propagationPolicy");
        o.grace_period = body.get("gracePeriodSeconds").and_then(Value::as_i64);
    }
    if let Some(g) = ctx.query.int("gracePeriodSeconds")? {
        o.grace_period = Some(g);
    }
    if let Some(v) = ctx.query.bool("orphanDependents")? {
        o.orphan_dependents = Some(v);
    }
    if let Some(p) = ctx.query.get("propagationPolicy") {
        o.propagation = Some(p.to_string());
    }
    let options = GroupKind::new("meta.k8s.io", "DeleteOptions");
    if let Some(p) = o.propagation.as_deref()
        && !matches!(p, "Foreground" | "Background" | "Orphan")
    {
        return Err(ApiError::invalid(
            &options,
            "",
            &[FieldError::not_supported(
                "propagationPolicy",
                p,
                &["Foreground", "Background", "Orphan"],
            )],
        ));
    }
    if o.propagation.is_some() && o.orphan_dependents.is_some() {
        return Err(ApiError::invalid(
            &options,
            "",
            &[FieldError::invalid(
                "orphanDependents",
                &o.orphan_dependents.unwrap_or_default().to_string(),
                "orphanDependents and deletionPropagation cannot be both set",
            )],
        ));
    }
    Ok(o)
}

/// What a deletion did.
enum Outcome {
    /// The object is gone; its last state.
    Deleted(Value),
    /// The object stays (finalizers, or a namespace being emptied); its current state.
    Pending(Value),
}

/// Deletes (or starts deleting) one object inside a transaction.
fn delete_one(
    txn: &mut Txn<'_>,
    ctx: &Ctx,
    key: &Key,
    old: Value,
    dry_run: bool,
    opts: &DeleteOptions,
) -> Outcome {
    let res = &ctx.res;
    let gc_finalizer = opts.gc_finalizer();
    let grace = if super::is_pods(ctx) {
        graceful::plan(&old, opts.grace_period, jiff::Timestamp::now())
    } else {
        graceful::Grace::Now
    };
    if grace == graceful::Grace::Pending {
        return Outcome::Pending(old);
    }
    let already = !meta_str(&old, "deletionTimestamp").is_empty();
    let is_ns = objects::is_namespace(res);
    let marks = matches!(grace, graceful::Grace::Mark { .. });
    if is_ns || marks || !finalizers(&old).is_empty() || gc_finalizer.is_some() {
        if already && !marks {
            return Outcome::Pending(old);
        }
        let mut obj = old;
        if let Some(f) = gc_finalizer.filter(|_| !is_ns) {
            let mut fs = finalizers(&obj);
            if !fs.iter().any(|x| x == f) {
                fs.push(f.to_string());
            }
            objects::meta_mut(&mut obj).insert("finalizers".into(), json!(fs));
        }
        let mut waits = 0;
        if let graceful::Grace::Mark { timestamp, seconds } = &grace {
            graceful::mark(&mut obj, timestamp, *seconds, !already);
            waits = *seconds;
        } else {
            let m = objects::meta_mut(&mut obj);
            m.insert("deletionTimestamp".into(), json!(objects::now()));
            m.insert("deletionGracePeriodSeconds".into(), json!(0));
            if let Some(g) = m
                .get("generation")
                .and_then(Value::as_i64)
                .filter(|g| *g > 0 && res.tracks_generation())
            {
                m.insert("generation".into(), json!(g + 1));
            }
        }
        if is_ns {
            namespaces::mark_terminating(&mut obj);
        }
        if waits == 0 && finalizers(&obj).is_empty() && !is_ns {
            // A grace period shortened (or set) to 0 without finalizers: the object goes now.
            return remove(txn, ctx, key, obj, dry_run);
        }
        if dry_run {
            return Outcome::Pending(obj);
        }
        let stored = txn.put(key, obj);
        if is_ns {
            namespaces::poke(&ctx.state, &key.name);
        } else if gc_finalizer.is_some() {
            super::gc::collect(txn, vec![super::gc::Work::of(&stored)]);
        }
        if waits > 0 {
            graceful::schedule_kubelet(&ctx.state, key, meta_str(&stored, "uid"), waits);
        }
        return Outcome::Pending(stored);
    }
    remove(txn, ctx, key, old, dry_run)
}

/// Removes the object now, collecting its dependents.
fn remove(txn: &mut Txn<'_>, ctx: &Ctx, key: &Key, old: Value, dry_run: bool) -> Outcome {
    if dry_run {
        return Outcome::Deleted(old);
    }
    if ctx.res.is_crd() {
        crate::crd::delete_objects(txn, &old);
    }
    let gone = txn.delete(key).unwrap_or(old);
    super::gc::collect(txn, vec![super::gc::Work::of(&gone)]);
    if ctx.res.namespaced() {
        namespaces::poke(&ctx.state, &key.namespace);
    }
    Outcome::Deleted(gone)
}

/// The `Status` of `Success` answered for a deletion.
fn success(res: &Resource, obj: &Value) -> Value {
    let mut details =
        json!({"name": meta_str(obj, "name"), "kind": res.name(), "uid": meta_str(obj, "uid")});
    if !res.group.is_empty() {
        details["group"] = json!(res.group);
    }
    json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "details": details})
}

/// DELETE of one object.
pub fn delete(ctx: &Ctx) -> Result<Response<Body>, ApiError> {
    let dry_run = ctx.query.dry_run("DeleteOptions")?;
    let opts = options(ctx)?;
    let outcome = delete_with(ctx, &opts, dry_run)?;
    Ok(match outcome {
        Outcome::Pending(obj) => {
            let code = if opts.orphan_dependents == Some(false) {
                202
            } else {
                200
            };
            response::json(code, &for_output(&ctx.res, obj))
        }
        Outcome::Deleted(obj) if ctx.res.returns_deleted_object() => {
            response::json(200, &for_output(&ctx.res, obj))
        }
        Outcome::Deleted(obj) => response::json(200, &success(&ctx.res, &obj)),
    })
}

/// Deletes the addressed object with the `DeleteOptions` in `options` (a body's JSON, or none)
/// and the query, as the pod eviction subresource does.
pub fn delete_named(ctx: &Ctx, options: Option<&Value>, dry_run: bool) -> Result<(), ApiError> {
    let opts = options_from(ctx, options)?;
    delete_with(ctx, &opts, dry_run).map(|_| ())
}

fn delete_with(ctx: &Ctx, opts: &DeleteOptions, dry_run: bool) -> Result<Outcome, ApiError> {
    namespaces::admit_delete(&ctx.res, ctx.name())?;
    let key = Key::new(ctx.res.group, ctx.res.name(), ctx.namespace(), ctx.name());
    let gr = ctx.res.group_resource();
    ctx.state.store.transact(|txn| {
        let old = txn
            .get(&key)
            .ok_or_else(|| ApiError::not_found(&gr, ctx.name()))?;
        if let Some(uid) = &opts.uid {
            let actual = meta_str(&old, "uid");
            if uid != actual {
                return Err(ApiError::conflict(&gr, ctx.name(), &format!(
                    "Precondition failed: UID in precondition: {uid}, UID in object meta: {actual}"
                )));
            }
        }
        if let Some(rv) = &opts.resource_version {
            let actual = meta_str(&old, "resourceVersion");
            if rv != actual {
                return Err(ApiError::conflict(&gr, ctx.name(), &format!(
                    "Precondition failed: ResourceVersion in precondition: {rv}, ResourceVersion in object meta: {actual}"
                )));
            }
        }
        Ok(delete_one(txn, ctx, &key, old, dry_run, opts))
    })
}

/// DELETECOLLECTION: deletes every matching object; answers with the list of them.
pub fn delete_collection(ctx: &Ctx) -> Result<Response<Body>, ApiError> {
    let dry_run = ctx.query.dry_run("DeleteOptions")?;
    let delete_opts = options(ctx)?;
    let opts = ListOptions::from_query(&ctx.query, false)?;
    let filter = Filter::new(&ctx.res, &opts.label_selector, &opts.field_selector, None)?;
    let prefix = Prefix::new(ctx.res.group, ctx.res.name(), ctx.path.namespace.as_deref());
    let (rv, items) = ctx.state.store.transact(|txn| {
        let mut items = Vec::new();
        for key in txn.keys(&prefix) {
            let Some(old) = txn.get(&key) else {
                continue;
            };
            if !filter.matches(&old) || namespaces::admit_delete(&ctx.res, &key.name).is_err() {
                continue;
            }
            match delete_one(txn, ctx, &key, old, dry_run, &delete_opts) {
                Outcome::Deleted(o) | Outcome::Pending(o) => items.push(strip_type(o)),
            }
        }
        (txn.rv(), items)
    });
    let body = json!({
        "kind": format!("{}List", ctx.res.kind()),
        "apiVersion": ctx.res.api_version(),
        "metadata": {"resourceVersion": rv.to_string()},
        "items": items,
    });
    Ok(response::json(200, &body))
}
