//! DefaultTolerationSeconds (`plugin/pkg/admission/defaulttolerationseconds`): a new pod that
//! does not tolerate the `node.kubernetes.io/not-ready` or `node.kubernetes.io/unreachable`
//! NoExecute taints gets a toleration of each for 300 seconds (the defaults of
//! `--default-not-ready-toleration-seconds` and `--default-unreachable-toleration-seconds`).

use serde_json::{Value, json};

/// The seconds a pod tolerates a not-ready or unreachable node.
pub const DEFAULT_SECONDS: i64 = 300;
const TAINTS: [&str; 2] = [
    "node.kubernetes.io/not-ready",
    "node.kubernetes.io/unreachable",
];

/// Whether `t` tolerates the NoExecute taint `key` (an empty key or effect matches any).
fn tolerates(t: &Value, key: &str) -> bool {
    let s = |f: &str| t.get(f).and_then(Value::as_str).unwrap_or("");
    (s("key").is_empty() || s("key") == key)
        && (s("effect").is_empty() || s("effect") == "NoExecute")
}

/// Adds the missing tolerations to the pod.
pub fn admit(pod: &mut Value) {
    let Some(spec) = pod.get_mut("spec").and_then(Value::as_object_mut) else {
        return;
    };
    let list = spec.entry("tolerations").or_insert_with(|| json!([]));
    if !list.is_array() {
        return;
    }
    for key in TAINTS {
        let present = list
            .as_array()
            .is_some_and(|ts| ts.iter().any(|t| tolerates(t, key)));
        if !present && let Some(ts) = list.as_array_mut() {
            ts.push(json!({
                "key": key,
                "operator": "Exists",
                "effect": "NoExecute",
                "tolerationSeconds": DEFAULT_SECONDS,
            }));
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn adds_what_the_pod_does_not_tolerate() {
        let mut pod = json!({"spec": {}});
        admit(&mut pod);
        let ts = pod["spec"]["tolerations"].as_array().unwrap();
        assert_eq!(ts.len(), 2);
        assert_eq!(ts[0]["key"], "node.kubernetes.io/not-ready");
        assert_eq!(ts[1]["tolerationSeconds"], 300);
        let mut pod = json!({"spec": {"tolerations": [
            {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 10}]}});
        admit(&mut pod);
        let ts = pod["spec"]["tolerations"].as_array().unwrap();
        assert_eq!(ts.len(), 2);
        assert_eq!(ts[0]["tolerationSeconds"], 10);
        let mut pod = json!({"spec": {"tolerations": [{"operator": "Exists"}]}});
        admit(&mut pod);
        assert_eq!(pod["spec"]["tolerations"].as_array().unwrap().len(), 1);
    }
}
