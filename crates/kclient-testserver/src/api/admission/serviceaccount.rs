//! ServiceAccount admission (`plugin/pkg/admission/serviceaccount/admission.go`) on pod
//! creation: the pod runs as `default` unless it names a ServiceAccount, which must exist (the
//! real 403 `error looking up service account ns/name: serviceaccount "name" not found`);
//! unless `automountServiceAccountToken: false` on the pod (or, when the pod does not say, on
//! the ServiceAccount), every container and init container gets the projected
//! `kube-api-access-<5 random chars>` volume (token, root CA, namespace) mounted read-only at
//! `/var/run/secrets/kubernetes.io/serviceaccount`; the ServiceAccount's `imagePullSecrets`
//! are copied to a pod without any. Mirror pods are left alone. The deprecated
//! `spec.serviceAccount` mirrors `serviceAccountName`, as the v1 conversion writes it.

use serde_json::{Map, Value, json};

use super::forbidden;
use crate::api::bootstrap::{DEFAULT_SERVICE_ACCOUNT, ROOT_CA_CONFIGMAP};
use crate::api::objects;
use crate::api::status::ApiError;
use crate::registry::Resource;
use crate::store::{Key, Txn};

/// Where the token volume is mounted.
pub const MOUNT_PATH: &str = "/var/run/secrets/kubernetes.io/serviceaccount";
/// The prefix of the token volume's name.
pub const VOLUME_PREFIX: &str = "kube-api-access-";
/// The token lifetime the volume asks for (`WarnOnlyBoundTokenExpirationSeconds`).
pub const TOKEN_EXPIRATION_SECONDS: i64 = 3607;
/// `0644`, set explicitly on the volume.
const DEFAULT_MODE: i64 = 420;
const MIRROR_ANNOTATION: &str = "kubernetes.io/config.mirror";

/// The projected volume a pod's token is mounted from.
pub fn token_volume(name: &str) -> Value {
    json!({
        "name": name,
        "projected": {
            "sources": [
                {"serviceAccountToken": {"expirationSeconds": TOKEN_EXPIRATION_SECONDS, "path": "token"}},
                {"configMap": {"name": ROOT_CA_CONFIGMAP, "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
                {"downwardAPI": {"items": [
                    {"path": "namespace", "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}}
                ]}},
            ],
            "defaultMode": DEFAULT_MODE,
        },
    })
}

fn spec_str<'a>(spec: &'a Map<String, Value>, field: &str) -> &'a str {
    spec.get(field).and_then(Value::as_str).unwrap_or_default()
}

/// Runs the plugin on a pod being created in `namespace`.
pub fn admit(
    txn: &Txn<'_>,
    res: &Resource,
    namespace: &str,
    pod: &mut Value,
) -> Result<(), ApiError> {
    let mirror = pod
        .pointer("/metadata/annotations")
        .and_then(Value::as_object)
        .is_some_and(|a| a.contains_key(MIRROR_ANNOTATION));
    if mirror {
        return Ok(());
    }
    let snapshot = pod.clone();
    let spec = objects::object_of(
        objects::object_of(pod)
            .entry("spec")
            .or_insert_with(|| Value::Object(Map::new())),
    );
    let mut name = spec_str(spec, "serviceAccountName").to_string();
    if name.is_empty() {
        name = match spec_str(spec, "serviceAccount") {
            "" => DEFAULT_SERVICE_ACCOUNT.to_string(),
            deprecated => deprecated.to_string(),
        };
    }
    spec.insert("serviceAccountName".into(), json!(name));
    spec.insert("serviceAccount".into(), json!(name));
    let Some(sa) = txn.get(&Key::new("", "serviceaccounts", namespace, &name)) else {
        return Err(forbidden(
            res,
            &snapshot,
            &format!(
                "error looking up service account {namespace}/{name}: serviceaccount {name:?} not found"
            ),
        ));
    };
    let automount = spec
        .get("automountServiceAccountToken")
        .and_then(Value::as_bool)
        .or_else(|| {
            sa.get("automountServiceAccountToken")
                .and_then(Value::as_bool)
        })
        .unwrap_or(true);
    if automount {
        mount_token(spec);
    }
    let has_pull_secrets = spec
        .get("imagePullSecrets")
        .and_then(Value::as_array)
        .is_some_and(|a| !a.is_empty());
    if !has_pull_secrets
        && let Some(secrets) = sa
            .get("imagePullSecrets")
            .and_then(Value::as_array)
            .filter(|a| !a.is_empty())
    {
        let refs: Vec<Value> = secrets
            .iter()
            .map(|s| json!({"name": s.get("name").cloned().unwrap_or(json!(""))}))
            .collect();
        spec.insert("imagePullSecrets".into(), json!(refs));
    }
    Ok(())
}

/// A volume name: `kube-api-access-` and five characters of the generated-name alphabet.
fn volume_name() -> String {
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    let suffix: String = (0..5)
        .map(|_| ALPHABET[fastrand::usize(..ALPHABET.len())] as char)
        .collect();
    format!("{VOLUME_PREFIX}{suffix}")
}

/// `mountServiceAccountToken`: reuses a `kube-api-access-*` volume the pod has, else makes
/// one; mounts it in every (init) container without a mount at [`MOUNT_PATH`]; adds the volume
/// only when a container received the mount.
fn mount_token(spec: &mut Map<String, Value>) {
    let existing = spec
        .get("volumes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|v| v.get("name").and_then(Value::as_str))
        .find(|n| n.starts_with(VOLUME_PREFIX))
        .map(str::to_string);
    let name = existing.clone().unwrap_or_else(volume_name);
    let mut mounted = false;
    for list in ["initContainers", "containers"] {
        let Some(containers) = spec.get_mut(list).and_then(Value::as_array_mut) else {
            continue;
        };
        for c in containers {
            let Some(c) = c.as_object_mut() else { continue };
            let mounts = c.entry("volumeMounts").or_insert_with(|| json!([]));
            let Some(mounts) = mounts.as_array_mut() else {
                continue;
            };
            let has = mounts
                .iter()
                .any(|m| m.get("mountPath").and_then(Value::as_str) == Some(MOUNT_PATH));
            if !has {
                mounts.push(json!({"name": name, "readOnly": true, "mountPath": MOUNT_PATH}));
                mounted = true;
            }
        }
    }
    if mounted && existing.is_none() {
        let volumes = spec.entry("volumes").or_insert_with(|| json!([]));
        if let Some(v) = volumes.as_array_mut() {
            v.push(token_volume(&name));
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn mounts_in_every_container_once() {
        let mut spec = json!({
            "initContainers": [{"name": "i"}],
            "containers": [{"name": "a"}, {"name": "b", "volumeMounts": [{"name": "x", "mountPath": MOUNT_PATH}]}],
        });
        mount_token(spec.as_object_mut().unwrap());
        let vol = spec["volumes"][0]["name"].as_str().unwrap().to_string();
        assert!(vol.starts_with(VOLUME_PREFIX) && vol.len() == VOLUME_PREFIX.len() + 5);
        assert_eq!(
            spec["containers"][0]["volumeMounts"],
            json!([{"name": vol, "readOnly": true, "mountPath": MOUNT_PATH}])
        );
        assert_eq!(spec["initContainers"][0]["volumeMounts"][0]["name"], vol);
        assert_eq!(
            spec["containers"][1]["volumeMounts"]
                .as_array()
                .unwrap()
                .len(),
            1
        );
        let v = &spec["volumes"][0]["projected"];
        assert_eq!(v["defaultMode"], 420);
        assert_eq!(
            v["sources"][0]["serviceAccountToken"]["expirationSeconds"],
            3607
        );
        // A second pass reuses the volume and adds nothing.
        let before = spec.clone();
        mount_token(spec.as_object_mut().unwrap());
        assert_eq!(spec, before);
    }
}
