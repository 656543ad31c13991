//! Subresources that change one part of an object (`pods/ephemeralcontainers`, `pods/resize`,
//! `certificatesigningrequests/approval`: the strategies of `pkg/registry/core/pod` and
//! `pkg/registry/certificates`), and the `proxy` connect subresource of pods, services and
//! nodes, answered as the real server answers when the target cannot be reached (nothing
//! listens behind the simulated pods, services and kubelets).

use http::Response;
use kclient_apimachinery::GroupKind;
use serde_json::{Value, json};

use super::Ctx;
use super::objects::meta_str;
use super::response::Body;
use super::status::{ApiError, FieldError};
use crate::store::Key;

/// The object an update of `sub` stores: the stored object with only what `sub` may change
/// taken from the request.
pub fn prepare(sub: &str, old: &Value, new: &Value) -> Result<Value, ApiError> {
    let mut out = old.clone();
    match sub {
        "ephemeralcontainers" => {
            let wanted = new.pointer("/spec/ephemeralContainers").cloned();
            let names = |v: Option<&Value>| -> Vec<String> {
                v.and_then(Value::as_array)
                    .map(|a| {
                        a.iter()
                            .filter_map(|c| c.get("name").and_then(Value::as_str))
                            .map(str::to_string)
                            .collect()
                    })
                    .unwrap_or_default()
            };
            let kept = names(wanted.as_ref());
            let errors: Vec<FieldError> = names(old.pointer("/spec/ephemeralContainers"))
                .into_iter()
                .filter(|n| !kept.contains(n))
                .map(|n| {
                    FieldError::forbidden(
                        "spec.ephemeralContainers",
                        format!("existing ephemeral containers {n:?} may not be removed\n"),
                    )
                })
                .collect();
            if !errors.is_empty() {
                return Err(ApiError::invalid(
                    &GroupKind::new("", "Pod"),
                    meta_str(old, "name"),
                    &errors,
                ));
            }
            let spec = super::objects::object_of(&mut out["spec"]);
            match wanted {
                Some(list) => {
                    let mut list = list;
                    for c in list.as_array_mut().into_iter().flatten() {
                        defaults(c);
                    }
                    spec.insert("ephemeralContainers".into(), list);
                }
                None => {
                    spec.remove("ephemeralContainers");
                }
            }
        }
        "resize" => {
            let wanted = new.pointer("/spec/containers").and_then(Value::as_array);
            if let Some(containers) = out
                .pointer_mut("/spec/containers")
                .and_then(Value::as_array_mut)
            {
                for c in containers {
                    let name = c.get("name").cloned();
                    let Some(w) = wanted
                        .into_iter()
                        .flatten()
                        .find(|w| w.get("name") == name.as_ref())
                    else {
                        continue;
                    };
                    for field in ["resources", "resizePolicy"] {
                        if let Some(v) = w.get(field) {
                            c[field] = v.clone();
                        }
                    }
                }
            }
        }
        "approval" => {
            let conditions = new
                .pointer("/status/conditions")
                .cloned()
                .unwrap_or_else(|| json!([]));
            super::objects::object_of(&mut out["status"]).insert("conditions".into(), conditions);
        }
        _ => {}
    }
    Ok(out)
}

/// The defaults of an ephemeral container (`SetDefaults_EphemeralContainer` and friends).
fn defaults(c: &mut Value) {
    let Some(m) = c.as_object_mut() else { return };
    m.entry("terminationMessagePath")
        .or_insert_with(|| json!("/dev/termination-log"));
    m.entry("terminationMessagePolicy")
        .or_insert_with(|| json!("File"));
    let image = m
        .get("image")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let tag = image.rsplit('/').next().unwrap_or_default();
    let latest = !image.contains('@') && (!tag.contains(':') || tag.ends_with(":latest"));
    m.entry("imagePullPolicy")
        .or_insert_with(|| json!(if latest { "Always" } else { "IfNotPresent" }));
}

fn unreachable(target: &str) -> ApiError {
    ApiError {
        code: 503,
        reason: "ServiceUnavailable",
        message: format!(
            "error trying to reach service: dial tcp {target}: connect: connection refused"
        ),
        details: None,
    }
}

/// `pods/proxy`, `services/proxy`, `nodes/proxy` (any verb): the target's address as the
/// real `ResourceLocation` functions find it, then the real answer when nothing listens there.
pub fn proxy(ctx: &Ctx) -> Result<Response<Body>, ApiError> {
    // The name may be `name`, `name:port` or `scheme:name:port` (`SplitSchemeNamePort`).
    let id = ctx.name();
    let parts: Vec<&str> = id.split(':').collect();
    let (name, port) = match parts.as_slice() {
        [n] => (*n, ""),
        [n, p] => (*n, *p),
        [_, n, p] => (*n, *p),
        _ => {
            return Err(ApiError::bad_request(format!(
                "invalid {} request {id:?}",
                ctx.res.kind().to_lowercase()
            )));
        }
    };
    let key = Key::new(ctx.res.group, ctx.res.name(), ctx.namespace(), name);
    let obj = ctx
        .state
        .store
        .get(&key)
        .ok_or_else(|| ApiError::not_found(&ctx.res.group_resource(), name))?
        .value();
    match ctx.res.name() {
        "pods" => {
            let ip = obj
                .pointer("/status/podIPs/0/ip")
                .or_else(|| obj.pointer("/status/podIP"))
                .and_then(Value::as_str)
                .unwrap_or_default();
            if ip.is_empty() {
                return Err(ApiError::bad_request("address not allowed"));
            }
            let port = if port.is_empty() {
                obj.pointer("/spec/containers")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .find_map(|c| c.pointer("/ports/0/containerPort"))
                    .map_or_else(|| "80".to_string(), |p| p.to_string())
            } else {
                port.to_string()
            };
            Err(unreachable(&format!("{ip}:{port}")))
        }
        "services" => {
            let eps = ctx
                .state
                .store
                .get(&Key::new("", "endpoints", ctx.namespace(), name))
                .map(|e| e.value());
            let address = eps.as_ref().and_then(|e| {
                let subset = e.pointer("/subsets/0")?;
                let ip = subset.pointer("/addresses/0/ip")?.as_str()?.to_string();
                let port = subset
                    .pointer("/ports/0/port")
                    .map_or_else(|| "80".to_string(), |p| p.to_string());
                Some(format!("{ip}:{port}"))
            });
            match address {
                Some(a) => Err(unreachable(&a)),
                None => Err(ApiError {
                    code: 503,
                    reason: "ServiceUnavailable",
                    message: format!("no endpoints available for service {id:?}"),
                    details: None,
                }),
            }
        }
        _ => {
            let addresses = obj
                .pointer("/status/addresses")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let preferred = ["Hostname", "InternalIP", "ExternalIP"]
                .iter()
                .find_map(|t| {
                    addresses
                        .iter()
                        .find(|a| a["type"] == *t)
                        .and_then(|a| a["address"].as_str())
                });
            match preferred {
                Some(host) => Err(unreachable(&format!("{host}:10250"))),
                None => {
                    // Go's `%v` of the `[]NodeAddress`.
                    let known: Vec<String> = addresses
                        .iter()
                        .map(|a| {
                            format!(
                                "{{{} {}}}",
                                a["type"].as_str().unwrap_or_default(),
                                a["address"].as_str().unwrap_or_default()
                            )
                        })
                        .collect();
                    Err(ApiError {
                        code: 503,
                        reason: "ServiceUnavailable",
                        message: format!(
                            "no preferred addresses found; known addresses: [{}]",
                            known.join(" ")
                        ),
                        details: None,
                    })
                }
            }
        }
    }
}
