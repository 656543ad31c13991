//! Hostile protobuf input to the generated decoders: arbitrary bytes, truncated and corrupted
//! encodings of real objects, lengths past the end and wrong wire types give a clear error,
//! never a panic or an unbounded allocation.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use kclient_apimachinery::meta::ObjectMeta;
use kclient_apimachinery::protobuf::prost::Message;
use kclient_apimachinery::{IntOrString, VecMap};
use kclient_typed::api::apps::v1::Deployment;
use kclient_typed::api::core::v1::{
    Container, ContainerPort, Pod, PodList, PodSpec, Service, ServicePort, ServiceSpec,
};
use kclient_typed::protobuf::codec;
use proptest::prelude::*;

fn pod() -> Pod {
    let mut labels = VecMap::default();
    labels.insert("app".to_string(), "web".to_string());
    Pod {
        metadata: ObjectMeta {
            labels,
            ..ObjectMeta::namespaced("default", "web")
        },
        spec: Some(PodSpec {
            containers: vec![Container {
                name: "web".into(),
                image: Some("nginx".into()),
                ports: Some(vec![ContainerPort {
                    container_port: 80,
                    ..Default::default()
                }]),
                ..Default::default()
            }],
            ..Default::default()
        }),
        ..Default::default()
    }
}

#[test]
fn wrong_wire_types_and_lengths_are_clear_errors() {
    // metadata (1) as a varint.
    let err = Pod::decode(&[0x08, 1][..]).unwrap_err();
    assert!(err.to_string().contains("Pod.metadata"), "{err}");
    // A length of 2^62 for spec (2): refused before anything is allocated.
    let huge = [0x12, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x40];
    assert!(Pod::decode(&huge[..]).is_err());
    // A service port's targetPort with an unknown IntOrString type.
    let service = Service {
        spec: Some(ServiceSpec {
            ports: Some(vec![ServicePort {
                port: 80,
                target_port: Some(IntOrString::Int(8080)),
                ..Default::default()
            }]),
            ..Default::default()
        }),
        ..Default::default()
    };
    let service_codec = codec::<Service>().unwrap();
    let bytes = service_codec.encode(&service);
    assert_eq!(service_codec.decode(&bytes).unwrap(), service);
    // Wrong kind in the envelope.
    let err = codec::<Pod>().unwrap().decode(&bytes).unwrap_err();
    assert!(
        err.to_string().contains("expected an object of kind Pod"),
        "{err}"
    );
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..1024)) {
        let _ = Pod::decode(bytes.as_slice());
        let _ = PodList::decode(bytes.as_slice());
        let _ = Deployment::decode(bytes.as_slice());
        let _ = codec::<Pod>().unwrap().decode(&bytes);
        let mut prefixed = b"k8s\0".to_vec();
        prefixed.extend_from_slice(&bytes);
        let _ = codec::<Deployment>().unwrap().decode(&prefixed);
    }

    #[test]
    fn truncated_and_corrupted_pods_never_panic(cut in 0usize..512, at in 0usize..512, byte in any::<u8>()) {
        let codec = codec::<Pod>().unwrap();
        let bytes = codec.encode(&pod());
        let cut = cut.min(bytes.len());
        let _ = codec.decode(&bytes[..cut]);
        let mut corrupted = bytes.clone();
        let at = at % corrupted.len();
        corrupted[at] = byte;
        let _ = codec.decode(&corrupted);
        // A clean encoding decodes to what was encoded.
        prop_assert_eq!(codec.decode(&bytes).unwrap(), pod());
    }
}
