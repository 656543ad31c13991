#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use proptest::prelude::*;
use prost::Message;

use super::*;
use crate::meta::{MicroTime, ObjectMeta, OwnerReference, Time};
use crate::{IntOrString, Quantity, Status, StatusCause, StatusDetails, VecMap};

#[derive(Debug, Default, PartialEq, Clone)]
struct Sample {
    name: Option<String>,
    port: IntOrString,
    quantity: Quantity,
    created: Option<Time>,
    renewed: Option<MicroTime>,
    labels: VecMap<String, String>,
    extra: VecMap<String, Vec<String>>,
    timeout: Option<String>,
    raw: serde_json::Value,
    items: Vec<i32>,
    inner: Option<String>,
}

crate::proto_message!(Sample, "Sample" {
    1 => name, 2 => port, 3 => quantity, 4 => created, 5 => renewed, 6 => labels,
    7 => (extra as ItemsMap), 8 => (timeout as GoDuration), 9 => raw, 10 => items,
    11 => { 1 => inner },
});

#[derive(Debug, Default, PartialEq, Clone)]
struct Node {
    child: Option<Box<Node>>,
}

crate::proto_message!(Node, "Node" { 1 => child });

fn time(s: &str) -> jiff::Timestamp {
    s.parse().unwrap()
}

fn sample() -> Sample {
    let mut labels = VecMap::default();
    labels.insert("app".to_string(), "web".to_string());
    let mut extra = VecMap::default();
    extra.insert("groups".to_string(), vec!["a".to_string(), "b".to_string()]);
    Sample {
        name: Some("web".into()),
        port: IntOrString::String("http".into()),
        quantity: "1536Mi".parse().unwrap(),
        created: Some(Time(time("2024-05-06T07:08:09Z"))),
        renewed: Some(MicroTime(time("2024-05-06T07:08:09.123456Z"))),
        labels,
        extra,
        timeout: Some("1m30s".into()),
        raw: serde_json::json!({"a": [1, "x"]}),
        items: vec![1, -2, 300],
        inner: Some("embedded".into()),
    }
}

#[test]
fn a_message_round_trips() {
    let s = sample();
    let bytes = s.encode_to_vec();
    assert_eq!(bytes.len(), s.encoded_len());
    assert_eq!(Sample::decode(bytes.as_slice()).unwrap(), s);
}

#[test]
fn special_types_are_written_as_go_writes_them() {
    // IntOrString: all three fields, always.
    let mut buf = Vec::new();
    IntOrString::Int(80).encode_field(1, &mut buf);
    assert_eq!(buf, [0x0a, 6, 0x08, 0, 0x10, 80, 0x1a, 0]);
    // Quantity: its canonical string.
    let mut buf = Vec::new();
    "1.5Gi"
        .parse::<Quantity>()
        .unwrap()
        .encode_field(1, &mut buf);
    assert_eq!(buf, [&[0x0a, 8, 0x0a, 6][..], b"1536Mi"].concat());
    // Time: seconds only; nanoseconds are dropped.
    let mut buf = Vec::new();
    Some(Time(time("1970-01-01T00:01:40.5Z"))).encode_field(1, &mut buf);
    assert_eq!(buf, [0x0a, 2, 0x08, 100]);
    // MicroTime: nanoseconds truncated to microseconds.
    let mut buf = Vec::new();
    Some(MicroTime(time("1970-01-01T00:01:40.000001999Z"))).encode_field(1, &mut buf);
    assert_eq!(buf, [0x0a, 5, 0x08, 100, 0x10, 0xe8, 0x07]);
    // An empty Time message (Go's zero time) reads as absent.
    let mut t: Option<Time> = None;
    t.merge_field(
        prost::encoding::WireType::LengthDelimited,
        &mut &[0u8][..],
        Default::default(),
    )
    .unwrap();
    assert_eq!(t, None);
    // Duration strings become nanoseconds.
    let mut buf = Vec::new();
    <GoDuration as Via<String>>::encode(&"1h0m0s".to_string(), 1, &mut buf);
    let mut back = String::new();
    <GoDuration as Via<String>>::merge(
        &mut back,
        prost::encoding::WireType::LengthDelimited,
        &mut &buf[1..],
        Default::default(),
    )
    .unwrap();
    assert_eq!(back, "1h0m0s");
}

#[test]
fn objects_travel_in_the_envelope() {
    let mut meta = ObjectMeta::namespaced("default", "web");
    meta.owner_references.push(OwnerReference {
        api_version: "apps/v1".into(),
        kind: "ReplicaSet".into(),
        name: "web-1".into(),
        uid: "u".into(),
        controller: Some(true),
        block_owner_deletion: None,
    });
    let bytes = encode_object("v1", "ObjectMeta", &meta);
    assert!(bytes.starts_with(b"k8s\0"));
    let unknown = decode_envelope(&bytes).unwrap();
    assert_eq!(
        (unknown.api_version.as_str(), unknown.kind.as_str()),
        ("v1", "ObjectMeta")
    );
    let back: ObjectMeta = decode_object(&bytes, "ObjectMeta").unwrap();
    assert_eq!(back, meta);
    let err = decode_object::<ObjectMeta>(&bytes, "Pod").unwrap_err();
    assert!(
        err.to_string().contains("expected an object of kind Pod"),
        "{err}"
    );
    let err = decode_envelope(b"{\"kind\":\"Pod\"}").unwrap_err();
    assert!(err.to_string().contains("k8s\\0"), "{err}");
}

#[test]
fn status_errors_decode() {
    let status = Status {
        status: Some("Failure".into()),
        message: Some("pods \"x\" not found".into()),
        reason: Some("NotFound".into()),
        details: Some(StatusDetails {
            name: Some("x".into()),
            kind: Some("pods".into()),
            causes: vec![StatusCause {
                reason: Some("FieldValueInvalid".into()),
                message: Some("bad".into()),
                field: Some("spec".into()),
            }],
            ..Default::default()
        }),
        code: Some(404),
        ..Default::default()
    };
    let bytes = encode_status(&status);
    let back = decode_status(&bytes).unwrap();
    assert_eq!(back.kind.as_deref(), Some("Status"));
    assert_eq!(back.code, Some(404));
    assert_eq!(back.reason, status.reason);
    assert_eq!(back.details, status.details);
}

#[test]
fn lists_and_watch_events_split() {
    let items: Vec<ObjectMeta> = (0..3).map(|i| ObjectMeta::named(format!("n{i}"))).collect();
    let mut raw = Vec::new();
    let meta = crate::meta::ListMeta {
        resource_version: Some("42".into()),
        ..Default::default()
    };
    meta.encode_field(1, &mut raw);
    items.encode_field(2, &mut raw);
    let parts = split_list(&raw).unwrap();
    assert_eq!(parts.metadata.resource_version.as_deref(), Some("42"));
    let back: Vec<ObjectMeta> = parts
        .items
        .iter()
        .map(|b| ObjectMeta::decode(*b).unwrap())
        .collect();
    assert_eq!(back, items);

    let object = encode_object("v1", "ObjectMeta", &items[0]);
    let mut frame = Vec::new();
    encode_watch_event("ADDED", &object, &mut frame);
    let event = decode_watch_event(&frame).unwrap();
    assert_eq!(event.event_type, "ADDED");
    assert_eq!(event.object, object.as_slice());
}

#[test]
fn hostile_lengths_and_tags_are_errors() {
    // A length far past the end, a length of 2^62: errors, no allocation.
    let huge = [0x0a, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x40];
    assert!(ObjectMeta::decode(&huge[..]).is_err());
    assert!(split_list(&huge).is_err());
    assert!(decode_watch_event(&huge).is_err());
    // `name` (1) as a varint instead of a string.
    let err = ObjectMeta::decode(&[0x08, 1][..]).unwrap_err();
    assert!(err.to_string().contains("ObjectMeta.name"), "{err}");
    // Deep nesting stops at prost's recursion limit instead of overflowing the stack.
    let mut nested = Vec::new();
    for _ in 0..200 {
        let mut outer = vec![0x0a];
        prost::encoding::encode_varint(nested.len() as u64, &mut outer);
        outer.extend_from_slice(&nested);
        nested = outer;
    }
    let err = Node::decode(nested.as_slice()).unwrap_err();
    assert!(err.to_string().contains("recursion"), "{err}");
    let shallow = Node {
        child: Some(Box::new(Node::default())),
    };
    assert_eq!(
        Node::decode(shallow.encode_to_vec().as_slice()).unwrap(),
        shallow
    );
    // An unknown IntOrString type.
    let bad = [0x12, 2, 0x08, 7];
    let err = Sample::decode(&bad[..]).unwrap_err();
    assert!(err.to_string().contains("IntOrString"), "{err}");
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = ObjectMeta::decode(bytes.as_slice());
        let _ = Sample::decode(bytes.as_slice());
        let _ = Status::decode(bytes.as_slice());
        let _ = decode_envelope(&bytes);
        let _ = split_list(&bytes);
        let _ = decode_watch_event(&bytes);
        let mut prefixed = MAGIC.to_vec();
        prefixed.extend_from_slice(&bytes);
        let _ = decode_envelope(&prefixed);
        let _ = decode_status(&prefixed);
    }

    #[test]
    fn truncated_and_corrupted_messages_are_errors_not_panics(
        cut in 0usize..400,
        flip in 0usize..400,
        value in any::<u8>(),
    ) {
        let bytes = sample().encode_to_vec();
        let cut = cut.min(bytes.len());
        let truncated = &bytes[..cut];
        // Every strict prefix that ends inside a field fails; the ones at a field boundary
        // decode to a partial message. Neither panics.
        let _ = Sample::decode(truncated);
        let mut corrupted = bytes.clone();
        let at = flip % corrupted.len();
        corrupted[at] = value;
        let _ = Sample::decode(corrupted.as_slice());
        let enveloped = encode_object("v1", "Sample", &sample());
        let _ = decode_envelope(&enveloped[..cut.min(enveloped.len())]);
    }

    #[test]
    fn strings_and_maps_round_trip(name in ".*", key in "[a-z]{1,8}", value in ".*", n in any::<i32>()) {
        let mut s = sample();
        s.name = Some(name);
        s.labels.insert(key, value);
        s.items.push(n);
        s.port = IntOrString::Int(n);
        let back = Sample::decode(s.encode_to_vec().as_slice()).unwrap();
        prop_assert_eq!(back, s);
    }
}
