//! Binding pods to nodes as the scheduler does: POST `pods/<name>/binding` and POST of the
//! namespaced `bindings` resource (v1 `Binding`), answered as the real `BindingREST` does: the
//! pod gets `spec.nodeName`, the binding's annotations and a `PodScheduled` condition; a pod
//! already assigned, being deleted or with scheduling gates gets 409; the answer is 201 with a
//! `Status` of `Success`. Nothing is stored under `bindings`.

use http::Response;
use kclient_apimachinery::GroupResource;
use serde_json::{Value, json};

use super::Ctx;
use super::objects::{self, meta_str};
use super::response::{self, Body};
use super::status::{ApiError, FieldError};
use crate::store::Key;

/// The `Binding` body, checked for its type and (for `bindings`) its namespace.
fn body(ctx: &Ctx) -> Result<Value, ApiError> {
    let body = super::write::parse_body(ctx)?;
    let api_version = body.get("apiVersion").and_then(Value::as_str).unwrap_or("");
    let kind = body.get("kind").and_then(Value::as_str).unwrap_or("");
    if !matches!(api_version, "" | "v1") || !matches!(kind, "" | "Binding") {
        return Err(ApiError::bad_request(format!(
            "{kind} in version {api_version:?} cannot be handled as a Binding: no kind {kind:?} is registered for version {api_version:?}"
        )));
    }
    if !body.is_object() {
        return Err(ApiError::bad_request(
            "the object provided is not a JSON object",
        ));
    }
    let ns = meta_str(&body, "namespace");
    if !ns.is_empty() && ns != ctx.namespace() {
        return Err(ApiError::bad_request(
            "the namespace of the provided object does not match the namespace sent on the request",
        ));
    }
    Ok(body)
}

/// `ValidatePodBinding`: its errors come back as a plain (aggregated) error, which the real
/// server answers with 500 and no reason.
fn validate(binding: &Value) -> Result<(), ApiError> {
    let target = |f: &str| {
        binding
            .pointer(&format!("/target/{f}"))
            .and_then(Value::as_str)
            .unwrap_or("")
    };
    let mut errors = Vec::new();
    if !matches!(target("kind"), "" | "Node") {
        errors.push(FieldError::not_supported(
            "target.kind",
            target("kind"),
            &["Node", "<empty>"],
        ));
    }
    if target("name").is_empty() {
        errors.push(FieldError::required("target.name", ""));
    }
    let messages: Vec<String> = errors.iter().map(ToString::to_string).collect();
    match messages.as_slice() {
        [] => Ok(()),
        [one] => Err(unknown_error(one.clone())),
        many => Err(unknown_error(format!("[{}]", many.join(", ")))),
    }
}

fn unknown_error(message: String) -> ApiError {
    ApiError {
        code: 500,
        reason: "",
        message,
        details: None,
    }
}

/// POST `pods/<name>/binding` or `bindings`: assigns the pod to `target.name`.
pub fn bind(ctx: &Ctx) -> Result<Response<Body>, ApiError> {
    let dry_run = ctx.query.dry_run("CreateOptions")?;
    let binding = body(ctx)?;
    let name = meta_str(&binding, "name").to_string();
    if ctx.path.subresource.is_some() && name != ctx.name() {
        return Err(ApiError::bad_request(
            "name in URL does not match name in Binding object",
        ));
    }
    if name.is_empty() {
        return Err(ApiError::bad_request("Name parameter required."));
    }
    validate(&binding)?;
    let node = binding
        .pointer("/target/name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let pods = GroupResource::new("", "pods");
    let key = Key::new("", "pods", ctx.namespace(), &name);
    ctx.state.store.transact(|txn| {
        let mut pod = txn
            .get(&key)
            .ok_or_else(|| ApiError::not_found(&pods, &name))?;
        for (field, what) in [("uid", "UID"), ("resourceVersion", "ResourceVersion")] {
            let asked = meta_str(&binding, field);
            let actual = meta_str(&pod, field);
            if !asked.is_empty() && asked != actual {
                return Err(ApiError::conflict(&pods, &name, &format!(
                    "Precondition failed: {what} in precondition: {asked}, {what} in object meta: {actual}"
                )));
            }
        }
        let refuse = |why: String| ApiError::conflict(&GroupResource::new("", "pods/binding"), &name, &why);
        if !meta_str(&pod, "deletionTimestamp").is_empty() {
            return Err(refuse(format!("pod {name} is being deleted, cannot be assigned to a host")));
        }
        let current = pod.pointer("/spec/nodeName").and_then(Value::as_str).unwrap_or("");
        if !current.is_empty() {
            return Err(refuse(format!("pod {name} is already assigned to node {current:?}")));
        }
        if pod
            .pointer("/spec/schedulingGates")
            .and_then(Value::as_array)
            .is_some_and(|g| !g.is_empty())
        {
            return Err(refuse(format!("pod {name} has non-empty .spec.schedulingGates")));
        }
        pod["spec"]["nodeName"] = json!(node);
        if let Some(annotations) = binding.pointer("/metadata/annotations").and_then(Value::as_object) {
            let meta = objects::meta_mut(&mut pod);
            let target = objects::object_of(meta.entry("annotations").or_insert_with(|| json!({})));
            for (k, v) in annotations {
                target.insert(k.clone(), v.clone());
            }
        }
        set_scheduled(&mut pod);
        if !dry_run {
            txn.put(&key, pod);
        }
        Ok(())
    })?;
    Ok(response::json(
        201,
        &json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201}),
    ))
}

/// Sets the `PodScheduled` condition to True (`UpdatePodCondition`: the transition time changes
/// only when the status does).
fn set_scheduled(pod: &mut Value) {
    let status = objects::object_of(
        objects::object_of(pod)
            .entry("status")
            .or_insert_with(|| json!({})),
    );
    let conditions = status.entry("conditions").or_insert_with(|| json!([]));
    if !conditions.is_array() {
        *conditions = json!([]);
    }
    let Some(list) = conditions.as_array_mut() else {
        return;
    };
    let now = objects::now();
    match list.iter_mut().find(|c| c["type"] == "PodScheduled") {
        Some(c) if c["status"] == "True" => {}
        Some(c) => {
            c["status"] = json!("True");
            c["lastTransitionTime"] = json!(now);
        }
        None => list.push(json!({
            "type": "PodScheduled",
            "status": "True",
            "lastProbeTime": null,
            "lastTransitionTime": now,
        })),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn validation_errors_are_aggregated_like_the_real_server() {
        let ok = json!({"target": {"name": "n1"}});
        assert!(validate(&ok).is_ok());
        let err = validate(&json!({"target": {}})).unwrap_err();
        assert_eq!((err.code, err.reason), (500, ""));
        assert_eq!(err.message, "target.name: Required value");
        let err = validate(&json!({"target": {"kind": "Pod"}})).unwrap_err();
        assert_eq!(
            err.message,
            r#"[target.kind: Unsupported value: "Pod": supported values: "Node", "<empty>", target.name: Required value]"#
        );
    }

    #[test]
    fn scheduled_condition_is_added_once() {
        let mut pod = json!({"status": {"phase": "Pending"}});
        set_scheduled(&mut pod);
        set_scheduled(&mut pod);
        let conditions = pod["status"]["conditions"].as_array().unwrap();
        assert_eq!(conditions.len(), 1);
        assert_eq!(conditions[0]["status"], "True");
    }
}
