//! The metadata client against a server: the embedded test server, or the cluster of
//! `KCLIENT_TEST_KUBECONFIG`. Both must answer `as=PartialObjectMetadata(List)` the same way.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../../kclient-discovery/tests/support/mod.rs"]
mod support;

use std::time::Duration;

use futures_util::StreamExt;
use kclient_apimachinery::meta::ObjectMeta;
use kclient_apimachinery::options::{
    CreateOptions, DeleteOptions, GetOptions, ListOptions, PatchOptions, PatchType,
};
use kclient_apimachinery::{GroupVersionResource, Unstructured, WatchEvent};
use kclient_dynamic::{DynamicClient, MetadataClient};
use support::Target;

async fn namespace(target: &Target, client: &DynamicClient) -> String {
    if !target.real_cluster {
        return "default".to_string();
    }
    let name = target.unique("kclient-metadata");
    let mut ns = Unstructured::with_type("v1", "Namespace");
    ns.set_name(&name);
    client
        .resource(&GroupVersionResource::new("", "v1", "namespaces"))
        .create(&ns, &CreateOptions::default())
        .await
        .unwrap();
    name
}

async fn cleanup(target: &Target, client: &DynamicClient, ns: &str) {
    if target.real_cluster {
        let _ = client
            .resource(&GroupVersionResource::new("", "v1", "namespaces"))
            .delete(ns, &DeleteOptions::default())
            .await;
    }
}

fn configmaps() -> GroupVersionResource {
    GroupVersionResource::new("", "v1", "configmaps")
}

async fn create_cm(client: &DynamicClient, ns: &str, name: &str) {
    let mut cm = Unstructured::with_type("v1", "ConfigMap");
    cm.set_metadata(&ObjectMeta::namespaced(ns, name)).unwrap();
    cm.set_label("app", "kclient-metadata-test");
    cm.set_nested_field(serde_json::json!({"payload": "x".repeat(1000)}), &["data"])
        .unwrap();
    client
        .resource(&configmaps())
        .namespace(ns)
        .create(&cm, &CreateOptions::default())
        .await
        .unwrap();
}

#[tokio::test]
async fn get_list_watch_patch_delete_metadata_only() {
    let target = Target::start().await;
    let dynamic = DynamicClient::for_config(&target.config).unwrap();
    let ns = namespace(&target, &dynamic).await;
    for name in ["meta-a", "meta-b", "meta-c"] {
        create_cm(&dynamic, &ns, name).await;
    }
    let client = MetadataClient::for_config(&target.config).unwrap();
    let cms = client.resource(&configmaps()).namespace(&ns);
    let selector = ListOptions::default().label_selector("app=kclient-metadata-test");

    let list = cms.list(&selector).await.unwrap();
    assert_eq!(list.kind, "PartialObjectMetadataList");
    assert_eq!(list.api_version, "meta.k8s.io/v1");
    let names: Vec<_> = list
        .items
        .iter()
        .map(|i| i.metadata.name.clone().unwrap())
        .collect();
    assert_eq!(names, ["meta-a", "meta-b", "meta-c"]);
    for item in &list.items {
        assert_eq!(item.kind, "PartialObjectMetadata");
        assert_eq!(item.api_version, "meta.k8s.io/v1");
        assert_eq!(
            item.metadata.labels.get("app").map(String::as_str),
            Some("kclient-metadata-test")
        );
        assert!(item.metadata.uid.is_some() && item.metadata.creation_timestamp.is_some());
    }

    // Pages of one, through the pager.
    let paged = cms.pager().page_size(1).list(&selector).await.unwrap();
    assert!(paged.paginated);
    assert_eq!(paged.items.len(), 3);

    let got = cms.get("meta-b", &GetOptions::default()).await.unwrap();
    assert_eq!(got.kind, "PartialObjectMetadata");
    assert_eq!(got.metadata.namespace.as_deref(), Some(ns.as_str()));
    let err = cms
        .get("missing", &GetOptions::default())
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err}");

    let rv = list.metadata.resource_version.clone().unwrap();
    let mut events = cms
        .watch(&selector.clone().resource_version(rv))
        .await
        .unwrap();
    let patched = cms
        .patch(
            "meta-a",
            PatchType::Merge,
            &serde_json::json!({"metadata": {"annotations": {"seen": "yes"}}}),
            &PatchOptions::default(),
        )
        .await
        .unwrap();
    assert_eq!(patched.kind, "PartialObjectMetadata");
    assert_eq!(
        patched.metadata.annotations.get("seen").map(String::as_str),
        Some("yes")
    );
    cms.delete("meta-c", &DeleteOptions::default())
        .await
        .unwrap();

    let mut seen = Vec::new();
    while seen.len() < 2 {
        let event = tokio::time::timeout(Duration::from_secs(10), events.next())
            .await
            .expect("an event in time")
            .expect("the watch is open")
            .unwrap();
        match event {
            WatchEvent::Modified(o) => {
                assert_eq!(o.kind, "PartialObjectMetadata");
                seen.push(("MODIFIED", o.metadata.name.unwrap()));
            }
            WatchEvent::Deleted(o) => {
                assert_eq!(o.kind, "PartialObjectMetadata");
                seen.push(("DELETED", o.metadata.name.unwrap()));
            }
            WatchEvent::Bookmark(_) => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(
        seen,
        [("MODIFIED", "meta-a".into()), ("DELETED", "meta-c".into())]
    );

    cms.delete_collection(&DeleteOptions::default(), &selector)
        .await
        .unwrap();
    assert!(cms.list(&selector).await.unwrap().items.is_empty());
    cleanup(&target, &dynamic, &ns).await;
}

/// The wire form, read raw: only metadata fields, the content type, and 406 for the wrong form.
#[tokio::test]
async fn the_server_transforms_as_the_apiserver_does() {
    let target = Target::start().await;
    let dynamic = DynamicClient::for_config(&target.config).unwrap();
    let ns = namespace(&target, &dynamic).await;
    create_cm(&dynamic, &ns, "wire").await;
    let rest = dynamic.rest_client();
    let single = "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1";
    let list = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1";
    let get = |accept: &str, name: Option<&str>| {
        let mut r = rest
            .get()
            .abs_path("/api/v1")
            .namespace(ns.as_str())
            .resource("configmaps");
        if let Some(n) = name {
            r = r.name(n);
        }
        r.set_header("accept", accept)
    };

    let response = get(single, Some("wire")).send().await.unwrap();
    assert!(
        response
            .content_type()
            .unwrap()
            .contains("as=PartialObjectMetadata")
    );
    let body: serde_json::Value = response.into_object().await.unwrap();
    assert_eq!(body["kind"], "PartialObjectMetadata");
    assert!(body.get("data").is_none(), "{body}");
    assert_eq!(body["metadata"]["name"], "wire");

    let body: serde_json::Value = get(list, None).object().await.unwrap();
    assert_eq!(body["kind"], "PartialObjectMetadataList");
    assert!(body["metadata"]["resourceVersion"].is_string());
    assert_eq!(body["items"][0]["kind"], "PartialObjectMetadata");
    assert!(body["items"][0].get("data").is_none());

    let err = get(single, None).bytes().await.unwrap_err();
    assert_eq!(err.code(), Some(406), "{err}");
    assert!(err.to_string().contains("is a list"), "{err}");
    let err = get(list, Some("wire")).bytes().await.unwrap_err();
    assert_eq!(err.code(), Some(406), "{err}");
    assert!(err.to_string().contains("not a list"), "{err}");

    // v1beta1 works too; a Status is never transformed.
    let body: serde_json::Value = get(
        "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1beta1",
        Some("wire"),
    )
    .object()
    .await
    .unwrap();
    assert_eq!(body["apiVersion"], "meta.k8s.io/v1beta1");
    let err = get(single, Some("nope")).bytes().await.unwrap_err();
    assert!(err.is_not_found(), "{err}");
    assert_eq!(err.status().unwrap().kind.as_deref(), Some("Status"));

    dynamic
        .resource(&configmaps())
        .namespace(&ns)
        .delete("wire", &DeleteOptions::default())
        .await
        .unwrap();
    cleanup(&target, &dynamic, &ns).await;
}

/// A server that ignores `as=` (some aggregated API servers): the request still asks for the
/// metadata form, but the answers are full objects in plain JSON. Simulated by a layer below
/// the client that records the `Accept` header sent and strips the `as=` entries, so the
/// server (the test server, or a real cluster) answers as one that cannot transform. Every verb
/// must still work, as client-go's fallback does: objects and lists decode to their metadata
/// (spec and data dropped), `apiVersion`/`kind` are cleared.
#[tokio::test]
async fn a_server_ignoring_as_sends_full_objects_and_the_client_falls_back() {
    use std::sync::{Arc, Mutex};

    use http::header::{ACCEPT, HeaderValue};
    use kclient_rest::{HttpClient, RequestBody};

    let target = Target::start().await;
    let dynamic = DynamicClient::for_config(&target.config).unwrap();
    let ns = namespace(&target, &dynamic).await;
    for name in ["full-a", "full-b"] {
        create_cm(&dynamic, &ns, name).await;
    }
    let sent = Arc::new(Mutex::new(Vec::<String>::new()));
    let record = sent.clone();
    let http = HttpClient::builder(&target.config)
        .layer(tower::util::MapRequestLayer::new(
            move |mut request: http::Request<RequestBody>| {
                if request.method() == http::Method::DELETE {
                    return request;
                }
                if let Some(accept) = request.headers().get(ACCEPT) {
                    let accept = accept.to_str().unwrap().to_string();
                    let plain: Vec<&str> = accept
                        .split(',')
                        .filter(|entry| !entry.contains("as="))
                        .collect();
                    let plain = if plain.is_empty() {
                        "application/json".to_string()
                    } else {
                        plain.join(",")
                    };
                    request
                        .headers_mut()
                        .insert(ACCEPT, HeaderValue::from_str(&plain).unwrap());
                    record.lock().unwrap().push(accept);
                }
                request
            },
        ))
        .build()
        .unwrap();
    let client = MetadataClient::for_config_and_client(&target.config, http).unwrap();
    let cms = client.resource(&configmaps()).namespace(&ns);
    let selector = ListOptions::default().label_selector("app=kclient-metadata-test");

    // List: a ConfigMapList came back; its items decode to their metadata.
    let list = cms.list(&selector).await.unwrap();
    assert_eq!((list.api_version.as_str(), list.kind.as_str()), ("", ""));
    let names: Vec<_> = list
        .items
        .iter()
        .map(|i| i.metadata.name.clone().unwrap())
        .collect();
    assert_eq!(names, ["full-a", "full-b"]);
    assert!(list.metadata.resource_version.is_some());
    for item in &list.items {
        assert_ne!(item.kind, "PartialObjectMetadata");
        assert_eq!(
            item.metadata.labels.get("app").map(String::as_str),
            Some("kclient-metadata-test")
        );
        assert!(item.metadata.uid.is_some());
    }
    assert!(
        sent.lock().unwrap()[0].starts_with("application/json;as=PartialObjectMetadataList;"),
        "{:?}",
        sent.lock().unwrap()
    );

    // Get and patch: a full ConfigMap, its type meta cleared.
    let got = cms.get("full-a", &GetOptions::default()).await.unwrap();
    assert_eq!((got.api_version.as_str(), got.kind.as_str()), ("", ""));
    assert_eq!(got.metadata.name.as_deref(), Some("full-a"));
    assert_eq!(got.metadata.namespace.as_deref(), Some(ns.as_str()));
    let err = cms
        .get("missing", &GetOptions::default())
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err}");

    let rv = list.metadata.resource_version.clone().unwrap();
    let mut events = cms
        .watch(&selector.clone().resource_version(rv))
        .await
        .unwrap();
    let patched = cms
        .patch(
            "full-b",
            PatchType::Merge,
            &serde_json::json!({"metadata": {"annotations": {"seen": "yes"}}}),
            &PatchOptions::default(),
        )
        .await
        .unwrap();
    assert_eq!(patched.kind, "");
    assert_eq!(
        patched.metadata.annotations.get("seen").map(String::as_str),
        Some("yes")
    );
    cms.delete("full-a", &DeleteOptions::default())
        .await
        .unwrap();

    // Watch: full objects in the events, decoded to their metadata.
    let mut seen = Vec::new();
    while seen.len() < 2 {
        let event = tokio::time::timeout(Duration::from_secs(10), events.next())
            .await
            .expect("an event in time")
            .expect("the watch is open")
            .unwrap();
        match event {
            WatchEvent::Modified(o) => {
                assert_eq!(
                    o.metadata.annotations.get("seen").map(String::as_str),
                    Some("yes")
                );
                seen.push(("MODIFIED", o.metadata.name.unwrap()));
            }
            WatchEvent::Deleted(o) => seen.push(("DELETED", o.metadata.name.unwrap())),
            WatchEvent::Bookmark(_) => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(
        seen,
        [("MODIFIED", "full-b".into()), ("DELETED", "full-a".into())]
    );
    // Every read and patch asked for the metadata form; none got it.
    let sent = sent.lock().unwrap().clone();
    assert!(sent.len() >= 5, "{sent:?}");
    assert!(
        sent.iter().all(|a| a.contains("as=PartialObjectMetadata")),
        "{sent:?}"
    );

    cms.delete_collection(&DeleteOptions::default(), &selector)
        .await
        .unwrap();
    assert!(cms.list(&selector).await.unwrap().items.is_empty());
    cleanup(&target, &dynamic, &ns).await;
}
