//! What the simulated kubelet does when a container's main process exits (its `command` ran to
//! the end, or `exit N`): the container status goes `terminated` (exit code, reason `Completed`
//! or `Error`, start and finish times); under `restartPolicy: Always`, or `OnFailure` after a
//! non-zero exit, the container is restarted after a back-off (`waiting` with reason
//! `CrashLoopBackOff` meanwhile, then `running` again with `lastState.terminated` and
//! `restartCount` one higher, its previous log kept for `previous=true`); otherwise it stays
//! terminated, and once every container has ended the pod's phase is `Succeeded` (all exited
//! 0) or `Failed`. Mirrors `pkg/kubelet/kuberuntime` (`computePodActions`, the restart
//! back-off) and `kubelet_pods.go` (`getPhase`, `convertToAPIContainerStatuses`).
//!
//! Divergence, for tests' sake: the back-off starts at 1 s and doubles up to 30 s (the kubelet:
//! 10 s up to 5 min).

use std::sync::{Arc, Weak};
use std::time::Duration;

use serde_json::{Value, json};

use super::State;
use super::objects::{self, meta_str};
use crate::runtime::{Container, PodRuntime, Terminated};
use crate::store::Key;

/// The first restart back-off.
const BACK_OFF: Duration = Duration::from_secs(1);
/// The longest.
const MAX_BACK_OFF: Duration = Duration::from_secs(30);

/// Watches a container whose main process runs a command: reports each exit in the pod's
/// status and restarts the container as the pod's `restartPolicy` says. Ends with the pod.
pub async fn supervise(
    state: Weak<State>,
    key: Key,
    uid: String,
    pod: Arc<PodRuntime>,
    container: Arc<Container>,
    policy: String,
) {
    let mut back_off = BACK_OFF;
    loop {
        tokio::select! {
            _ = container.until_ended() => {}
            _ = pod.until_stopped() => return,
        }
        let code = container
            .lifecycle()
            .ended
            .as_ref()
            .map_or(0, |e| e.exit_code);
        let restart = policy == "Always" || (policy == "OnFailure" && code != 0);
        {
            let Some(state) = state.upgrade() else { return };
            container.lifecycle().back_off = restart.then_some(back_off);
            write_status(&state, &key, &uid, &pod);
        }
        if !restart {
            return;
        }
        tokio::select! {
            _ = tokio::time::sleep(back_off) => {}
            _ = pod.until_stopped() => return,
        }
        container.lifecycle().back_off = None;
        container.restart();
        let Some(state) = state.upgrade() else { return };
        write_status(&state, &key, &uid, &pod);
        back_off = (back_off * 2).min(MAX_BACK_OFF);
    }
}

/// Writes the containers' states into the stored pod (if it is still this pod).
fn write_status(state: &State, key: &Key, uid: &str, pod: &PodRuntime) {
    state.store.transact(|txn| {
        let Some(mut current) = txn.get(key) else {
            return;
        };
        if meta_str(&current, "uid") != uid {
            return;
        }
        let name = meta_str(&current, "name").to_string();
        let namespace = meta_str(&current, "namespace").to_string();
        let Some(status) = current.get_mut("status").filter(|s| s.is_object()) else {
            return;
        };
        apply(status, pod, &format!("{name}_{namespace}({uid})"));
        txn.put(key, current);
    });
}

fn time(t: jiff::Timestamp) -> String {
    jiff::Timestamp::from_second(t.as_second())
        .unwrap_or(t)
        .to_string()
}

fn terminated(t: &Terminated, container_id: &Value) -> Value {
    json!({"terminated": {
        "exitCode": t.exit_code,
        "reason": if t.exit_code == 0 { "Completed" } else { "Error" },
        "startedAt": time(t.started_at),
        "finishedAt": time(t.finished_at),
        "containerID": container_id,
    }})
}

/// Updates `containerStatuses`, the readiness conditions and the phase from the runtime.
pub fn apply(status: &mut Value, pod: &PodRuntime, pod_ref: &str) {
    let mut unready = Vec::new();
    let mut all_ended = true;
    let mut all_zero = true;
    if let Some(list) = status
        .get_mut("containerStatuses")
        .and_then(Value::as_array_mut)
    {
        for cs in list {
            let name = cs["name"].as_str().unwrap_or_default().to_string();
            let Some(c) = pod.container(&name) else {
                continue;
            };
            let l = c.lifecycle().clone();
            let id = cs["containerID"].clone();
            let running = l.ended.is_none();
            cs["state"] = match (&l.ended, l.back_off) {
                (None, _) => json!({"running": {"startedAt": time(l.started_at)}}),
                (Some(_), Some(d)) => json!({"waiting": {
                    "reason": "CrashLoopBackOff",
                    "message": format!("back-off {}s restarting failed container={name} pod={pod_ref}", d.as_secs()),
                }}),
                (Some(t), None) => terminated(t, &id),
            };
            // While backing off, the instance that just ended is the last state.
            let last = match (&l.ended, l.back_off) {
                (Some(t), Some(_)) => Some(t),
                _ => l.last.as_ref(),
            };
            cs["lastState"] = last.map_or_else(|| json!({}), |t| terminated(t, &id));
            cs["ready"] = json!(running);
            cs["started"] = json!(running);
            cs["restartCount"] = json!(l.restarts);
            if !running {
                unready.push(name);
            }
            match (&l.ended, l.back_off) {
                (Some(t), None) => all_zero &= t.exit_code == 0,
                _ => all_ended = false,
            }
        }
    }
    let phase = match (all_ended, all_zero) {
        (true, true) => "Succeeded",
        (true, false) => "Failed",
        _ => "Running",
    };
    status["phase"] = json!(phase);
    let now = objects::now();
    if let Some(conditions) = status.get_mut("conditions").and_then(Value::as_array_mut) {
        for c in conditions {
            let kind = c["type"].as_str().unwrap_or_default();
            if !matches!(kind, "Ready" | "ContainersReady") {
                continue;
            }
            let ready = unready.is_empty();
            if (c["status"] == "True") != ready {
                c["lastTransitionTime"] = json!(now);
            }
            c["status"] = json!(if ready { "True" } else { "False" });
            if ready {
                if let Some(m) = c.as_object_mut() {
                    m.remove("reason");
                    m.remove("message");
                }
            } else if phase == "Running" {
                c["reason"] = json!("ContainersNotReady");
                c["message"] = json!(format!(
                    "containers with unready status: [{}]",
                    unready.join(" ")
                ));
            } else {
                c["reason"] = json!("PodCompleted");
                if let Some(m) = c.as_object_mut() {
                    m.remove("message");
                }
            }
        }
    }
}
