//! The data the server hands out: the 10,000-pod list (from the shared generator in
//! `benches/shared/pods.rs`), 30,000 `MODIFIED` pod watch events, and 100,000 ConfigMaps for
//! the informer, each serialized once up front.

use bytes::Bytes;
use serde_json::{Value, json};

use crate::pods;

/// Pods in the list.
pub const LIST_PODS: usize = 10_000;
/// `MODIFIED` events in the pod watch.
pub const WATCH_EVENTS: usize = 30_000;
/// Bytes per chunk of the "chunked" watch (several events per chunk).
pub const CHUNK_BYTES: usize = 64 * 1024;
/// Events of the trickle watch (the first ones of the pod watch).
pub const TRICKLE_EVENTS: usize = 2_000;
/// Time between two events of the trickle watch.
pub const TRICKLE_GAP: std::time::Duration = std::time::Duration::from_micros(500);
/// ConfigMaps behind the informer.
pub const CONFIG_MAPS: usize = 100_000;
/// The server's page size for the ConfigMap list (also the most it returns without `limit`).
pub const PAGE_SIZE: usize = 500;

/// Everything the server serves.
pub struct Fixtures {
    /// The `v1/PodList` body.
    pub pod_list: Bytes,
    /// One watch event per element, each a JSON line ending in `\n`.
    pub pod_events: Vec<Bytes>,
    /// The same events cut into [`CHUNK_BYTES`] chunks regardless of event boundaries.
    pub pod_event_chunks: Vec<Bytes>,
    /// Each ConfigMap, serialized (as a list item: no `apiVersion`/`kind`).
    pub config_maps: Vec<Bytes>,
}

impl Fixtures {
    /// Generates and serializes all the data.
    pub fn generate() -> Self {
        let pod_list = Bytes::from(pods::pod_list_json(LIST_PODS));
        let pod_events: Vec<Bytes> = (0..WATCH_EVENTS).map(pod_event).collect();
        let all = Bytes::from(pod_events.concat());
        let pod_event_chunks = (0..all.len())
            .step_by(CHUNK_BYTES)
            .map(|at| all.slice(at..(at + CHUNK_BYTES).min(all.len())))
            .collect();
        let config_maps = (0..CONFIG_MAPS)
            .map(|i| Bytes::from(serde_json::to_vec(&config_map(i)).unwrap()))
            .collect();
        Self {
            pod_list,
            pod_events,
            pod_event_chunks,
            config_maps,
        }
    }

    /// Total bytes of the watch events.
    pub fn pod_events_len(&self) -> usize {
        self.pod_events.iter().map(Bytes::len).sum()
    }

    /// Total bytes of the ConfigMaps' JSON (without the list envelope).
    pub fn config_maps_len(&self) -> usize {
        self.config_maps.iter().map(Bytes::len).sum()
    }
}

/// Watch event `i`: pod `i % 10,000` (as a watch sends it, with `apiVersion` and `kind`) with
/// a fresh `resourceVersion`, as one line.
fn pod_event(i: usize) -> Bytes {
    let mut pod = pods::pod(i % LIST_PODS);
    if let Some(obj) = pod.as_object_mut() {
        obj.insert("apiVersion".into(), "v1".into());
        obj.insert("kind".into(), "Pod".into());
    }
    pod["metadata"]["resourceVersion"] = (2_000_001 + i).to_string().into();
    // As the API server writes an event: `type` first, then `object` (Go's field order). A
    // `json!` map would sort the keys and put `object` first, which makes serde's adjacently
    // tagged decoding (both libraries') buffer the whole object before decoding it.
    let object = serde_json::to_vec(&pod).unwrap();
    let mut line = Vec::with_capacity(object.len() + 32);
    line.extend_from_slice(br#"{"type":"MODIFIED","object":"#);
    line.extend_from_slice(&object);
    line.extend_from_slice(b"}\n");
    Bytes::from(line)
}

/// ConfigMap `i`: labels, a managed-fields entry from `kubectl apply`, and two data keys
/// (about 620 bytes of JSON).
pub fn config_map(i: usize) -> Value {
    let app = format!("app-{}", i % 100);
    let uid = format!(
        "{:08x}-{:04x}-4{:03x}-9{:03x}-{:012x}",
        i,
        i & 0xffff,
        i & 0xfff,
        (i * 13) & 0xfff,
        i * 104_729
    );
    json!({
        "metadata": {
            "name": format!("{app}-config-{i:06}"),
            "namespace": "bench",
            "uid": uid,
            "resourceVersion": (3_000_000 + i).to_string(),
            "creationTimestamp": "2024-05-01T10:00:00Z",
            "labels": {"app": app, "team": format!("team-{}", i % 20), "tier": "backend"},
            "managedFields": [{
                "manager": "kubectl-client-side-apply", "operation": "Update", "apiVersion": "v1",
                "time": "2024-05-01T10:00:00Z", "fieldsType": "FieldsV1",
                "fieldsV1": {"f:data": {".": {}, "f:LOG_LEVEL": {}, "f:app.properties": {}},
                             "f:metadata": {"f:labels": {".": {}, "f:app": {}, "f:team": {}, "f:tier": {}}}}
            }]
        },
        "data": {
            "LOG_LEVEL": "info",
            "app.properties": format!("server.port=8080\nserver.name={app}\ncache.size=256\nfeature.flags=a,b,c\n")
        }
    })
}

/// The `v1/ConfigMapList` page holding `items` (already serialized), with `continue` set when
/// more follow.
pub fn config_map_page(items: &[Bytes], next: Option<usize>, remaining: usize) -> Bytes {
    let mut meta = json!({"resourceVersion": "3100000"});
    if let Some(next) = next {
        meta["continue"] = next.to_string().into();
        meta["remainingItemCount"] = remaining.into();
    }
    let mut body = Vec::with_capacity(items.iter().map(|i| i.len() + 1).sum::<usize>() + 200);
    body.extend_from_slice(br#"{"kind":"ConfigMapList","apiVersion":"v1","metadata":"#);
    body.extend_from_slice(&serde_json::to_vec(&meta).unwrap());
    body.extend_from_slice(br#","items":["#);
    for (n, item) in items.iter().enumerate() {
        if n > 0 {
            body.push(b',');
        }
        body.extend_from_slice(item);
    }
    body.extend_from_slice(b"]}");
    Bytes::from(body)
}
