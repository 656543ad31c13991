//! The pod subresources: `eviction` (policy/v1 `Eviction`: the pod is deleted unless a
//! PodDisruptionBudget forbids it, see `disruption`), and how `log`, `exec` and `attach` find their pod
//! and container (`pkg/registry/core/pod/strategy.go`, `validateContainer`, `streamLocation`).

use std::sync::Arc;

use http::Response;
use serde_json::{Value, json};

use super::Ctx;
use super::objects::meta_str;
use super::response::{self, Body};
use super::status::ApiError;
use crate::runtime::{Container, PodRuntime};
use crate::store::Key;

/// POST `pods/<name>/eviction`: checks the pod's disruption budget (429 when it allows no
/// disruption), then deletes the pod with the body's `deleteOptions`; 201 `Success`.
pub fn evict(ctx: &Ctx) -> Result<Response<Body>, ApiError> {
    let body = super::write::parse_body(ctx)?;
    let name = body
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if name != ctx.name() {
        return Err(ApiError::bad_request(
            "name in URL does not match name in Eviction object",
        ));
    }
    let delete_options = body.get("deleteOptions").filter(|o| !o.is_null());
    let dry_run = ctx.query.dry_run("CreateOptions")?
        || delete_options
            .and_then(|o| o.get("dryRun"))
            .and_then(Value::as_array)
            .is_some_and(|d| d.iter().any(|v| v == "All"));
    let key = Key::new("", "pods", ctx.namespace(), ctx.name());
    ctx.state.store.transact(|txn| match txn.get(&key) {
        Some(pod) => super::disruption::check_eviction(txn, &pod, dry_run),
        None => Ok(()),
    })?;
    super::delete::delete_named(ctx, delete_options, dry_run)?;
    Ok(response::json(
        201,
        &json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201}),
    ))
}

/// What a pod subresource that reaches a container (`log`, `exec`, `attach`) addresses: the
/// stored pod, the chosen container, and the node it runs on.
#[derive(Debug)]
pub struct Target {
    /// The pod.
    pub pod: Value,
    /// The container's name.
    pub container: String,
}

/// Finds the pod and container of a `log`/`exec`/`attach` request with the real server's errors
/// (`validateContainer`, `streamLocation`): 404 for a missing pod; 400 `a container name must
/// be specified for pod p, choose one of: [a b]`, `container z is not valid for pod p`, `pod p
/// does not have a host assigned`; 404 `nodes "n" not found` when the node does not exist.
pub fn target(ctx: &Ctx, container: &str) -> Result<Target, ApiError> {
    let key = Key::new("", "pods", ctx.namespace(), ctx.name());
    let pod = ctx
        .state
        .store
        .get(&key)
        .ok_or_else(|| ApiError::not_found(&ctx.res.group_resource(), ctx.name()))?
        .value();
    let name = meta_str(&pod, "name");
    let names = |field: &str| -> Vec<String> {
        pod.pointer(&format!("/spec/{field}"))
            .and_then(Value::as_array)
            .map(|cs| {
                cs.iter()
                    .filter_map(|c| c.get("name").and_then(Value::as_str))
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    };
    let containers = names("containers");
    let init = names("initContainers");
    let ephemeral = names("ephemeralContainers");
    let container = match container {
        "" if containers.len() == 1 => containers.first().cloned().unwrap_or_default(),
        "" => {
            let mut msg = format!(
                "a container name must be specified for pod {name}, choose one of: [{}]",
                containers.join(" ")
            );
            if !init.is_empty() {
                msg.push_str(&format!(
                    " or one of the init containers: [{}]",
                    init.join(" ")
                ));
            }
            if !ephemeral.is_empty() {
                msg.push_str(&format!(
                    " or one of the ephemeral containers: [{}]",
                    ephemeral.join(" ")
                ));
            }
            return Err(ApiError::bad_request(msg));
        }
        c if containers
            .iter()
            .chain(&init)
            .chain(&ephemeral)
            .any(|n| n == c) =>
        {
            c.to_string()
        }
        c => {
            return Err(ApiError::bad_request(format!(
                "container {c} is not valid for pod {name}"
            )));
        }
    };
    let node = pod
        .pointer("/spec/nodeName")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if node.is_empty() {
        return Err(ApiError::bad_request(format!(
            "pod {name} does not have a host assigned"
        )));
    }
    if ctx
        .state
        .store
        .get(&Key::new("", "nodes", "", node))
        .is_none()
    {
        return Err(ApiError::not_found(
            &kclient_apimachinery::GroupResource::new("", "nodes"),
            node,
        ));
    }
    Ok(Target { pod, container })
}

/// The running container a target names, or the kubelet's error for one that is not running
/// (`container "c" in pod "p" is waiting to start: ContainerCreating`).
pub fn running(ctx: &Ctx, t: &Target) -> Result<(Arc<PodRuntime>, Arc<Container>), ApiError> {
    let uid = meta_str(&t.pod, "uid");
    let name = meta_str(&t.pod, "name");
    ctx.state
        .runtime
        .get(uid)
        .and_then(|p| p.container(&t.container).map(|c| (p, c)))
        .ok_or_else(|| {
            ApiError::bad_request(format!(
                "container \"{}\" in pod \"{name}\" is waiting to start: ContainerCreating",
                t.container
            ))
        })
}
