//! The same data in protobuf (`application/vnd.kubernetes.protobuf`), as a real API server
//! answers a client that asks for it: the pod list, the pod watch (length-prefixed
//! `metav1.WatchEvent` frames, one per chunk) and the ConfigMap pages. Each is made from the
//! JSON fixture, decoded into kclient-typed's types and encoded with their generated codecs.
//! kube-rs has no protobuf: these scenarios compare kclient's protobuf with its own JSON.

use bytes::Bytes;
use kclient_apimachinery::protobuf::{Codec, encode_watch_event};
use kclient_apimachinery::watch::WatchEvent;
use kclient_typed::api::core::v1::{ConfigMapList, Pod, PodList};

/// The protobuf bodies the server serves.
pub struct ProtoFixtures {
    /// The `v1/PodList`, enveloped.
    pub pod_list: Bytes,
    /// One watch frame per element: the 4-byte big-endian length, then the `WatchEvent`.
    pub pod_events: Vec<Bytes>,
    /// The ConfigMap list pages of [`crate::fixtures::PAGE_SIZE`] items, in order.
    pub config_map_pages: Vec<Bytes>,
}

impl ProtoFixtures {
    /// Encodes the JSON fixtures in protobuf.
    pub fn from_json(json: &crate::fixtures::Fixtures) -> Self {
        let list: PodList = serde_json::from_slice(&json.pod_list).unwrap();
        let pod_list = Bytes::from(Codec::<PodList>::new("v1", "PodList").encode(&list));
        drop(list);
        let pod = Codec::<Pod>::new("v1", "Pod");
        let pod_events = json
            .pod_events
            .iter()
            .map(|line| {
                let event: WatchEvent<Pod> = serde_json::from_slice(line).unwrap();
                let WatchEvent::Modified(object) = event else {
                    panic!("the pod watch holds only MODIFIED events");
                };
                let mut body = Vec::new();
                encode_watch_event("MODIFIED", &pod.encode(&object), &mut body);
                let mut frame = Vec::with_capacity(body.len() + 4);
                frame.extend_from_slice(&u32::try_from(body.len()).unwrap().to_be_bytes());
                frame.extend_from_slice(&body);
                Bytes::from(frame)
            })
            .collect();
        let codec = Codec::<ConfigMapList>::new("v1", "ConfigMapList");
        let size = crate::fixtures::PAGE_SIZE;
        let all = &json.config_maps;
        let config_map_pages = (0..all.len())
            .step_by(size)
            .map(|start| {
                let end = (start + size).min(all.len());
                let next = (end < all.len()).then_some(end);
                let page =
                    crate::fixtures::config_map_page(&all[start..end], next, all.len() - end);
                let list: ConfigMapList = serde_json::from_slice(&page).unwrap();
                Bytes::from(codec.encode(&list))
            })
            .collect();
        Self {
            pod_list,
            pod_events,
            config_map_pages,
        }
    }

    /// Total bytes of the watch frames.
    pub fn pod_events_len(&self) -> usize {
        self.pod_events.iter().map(Bytes::len).sum()
    }
}
