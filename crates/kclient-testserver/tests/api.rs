//! HTTP-level semantics: authentication, version/health, discovery, and create/get/update/
//! patch/delete with the real server's status codes and messages.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use http::{Method, StatusCode};
use kclient_testserver::TestServer;
use serde_json::{Value, json};
use support::{Client, cms, configmap};

#[tokio::test]
async fn anonymous_requests_get_401_and_credentials_work() {
    let server = TestServer::start().await.unwrap();
    let anon = Client::anonymous(&server);
    let (s, body) = anon.get("/api/v1/namespaces").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert_eq!(
        body,
        json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": "Unauthorized", "reason": "Unauthorized", "code": 401})
    );
    let (s, body) = anon.get("/readyz").await;
    assert_eq!((s, body), (StatusCode::OK, json!("ok")));

    let admin = Client::admin(&server);
    let (s, v) = admin.get("/version").await;
    assert_eq!(s, StatusCode::OK);
    assert!(v["gitVersion"].as_str().unwrap().starts_with("v1.36."));

    let (cert, key) = server.client_certificate("alice", &["devs"]).unwrap();
    let (s, _) = Client::with_cert(&server, cert, key)
        .get("/api/v1/namespaces")
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = Client::with_cert(
        &server,
        server.admin_client_cert_pem().to_string(),
        server.admin_client_key_pem().to_string(),
    )
    .get("/api/v1/namespaces/default")
    .await;
    assert_eq!(s, StatusCode::OK);

    let (s, _) = Client::admin_h2(&server).get("/api/v1/namespaces").await;
    assert_eq!(s, StatusCode::OK, "HTTP/2 works too");
}

#[tokio::test]
async fn default_namespaces_exist() {
    let server = TestServer::start().await.unwrap();
    let c = Client::admin(&server);
    let (s, list) = c.get("/api/v1/namespaces").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(list["kind"], "NamespaceList");
    let names: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["metadata"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["default", "kube-node-lease", "kube-public", "kube-system"]
    );
    for item in list["items"].as_array().unwrap() {
        assert_eq!(item["status"]["phase"], "Active");
        assert!(item.get("kind").is_none(), "typed list items carry no kind");
    }
}

#[tokio::test]
async fn create_get_conflicts_and_messages() {
    let server = TestServer::start().await.unwrap();
    let c = Client::admin(&server);
    let (s, created) = c.post(&cms("default"), configmap("a")).await;
    assert_eq!(s, StatusCode::CREATED, "{created}");
    assert_eq!(created["kind"], "ConfigMap");
    assert_eq!(created["apiVersion"], "v1");
    assert_eq!(created["metadata"]["uid"].as_str().unwrap().len(), 36);
    let rv = created["metadata"]["resourceVersion"]
        .as_str()
        .unwrap()
        .to_string();

    let (s, again) = c.post(&cms("default"), configmap("a")).await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert_eq!(again["reason"], "AlreadyExists");
    assert_eq!(again["message"], "configmaps \"a\" already exists");
    assert_eq!(again["details"], json!({"name": "a", "kind": "configmaps"}));

    let (s, missing) = c.get(&format!("{}/nope", cms("default"))).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(missing["message"], "configmaps \"nope\" not found");

    let (s, _) = c.post(&cms("no-such-ns"), configmap("a")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (_, e) = c.post(&cms("no-such-ns"), configmap("a")).await;
    assert_eq!(e["message"], "namespaces \"no-such-ns\" not found");

    let mut update = created.clone();
    update["data"] = json!({"k": "2"});
    let (s, updated) = c
        .put(&format!("{}/a", cms("default")), update.clone())
        .await;
    assert_eq!(s, StatusCode::OK, "{updated}");
    assert_ne!(updated["metadata"]["resourceVersion"], rv);
    let (s, stale) = c.put(&format!("{}/a", cms("default")), update).await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert_eq!(
        stale["message"],
        "Operation cannot be fulfilled on configmaps \"a\": the object has been modified; please apply your changes to the latest version and try again"
    );

    let (s, bad) = c.post(&cms("default"), configmap("Bad_Name")).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad["reason"], "Invalid");
    assert_eq!(bad["details"]["causes"][0]["field"], "metadata.name");
    assert!(bad["message"].as_str().unwrap().starts_with(
        "ConfigMap \"Bad_Name\" is invalid: metadata.name: Invalid value: \"Bad_Name\""
    ));

    let mut secret = configmap("x");
    secret["kind"] = json!("Secret");
    let (s, e) = c.post(&cms("default"), secret).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{e}");

    let (s, generated) = c
        .post(
            &cms("default"),
            json!({"metadata": {"generateName": "gen-"}}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    assert!(
        generated["metadata"]["name"]
            .as_str()
            .unwrap()
            .starts_with("gen-")
    );

    let (s, dry) = c
        .post(&format!("{}?dryRun=All", cms("default")), configmap("dry"))
        .await;
    assert_eq!(s, StatusCode::CREATED);
    assert!(dry["metadata"].get("resourceVersion").is_none());
    assert_eq!(
        c.get(&format!("{}/dry", cms("default"))).await.0,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn status_subresource_and_generation() {
    let server = TestServer::start().await.unwrap();
    let c = Client::admin(&server);
    let deps = "/apis/apps/v1/namespaces/default/deployments";
    let dep = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
        "spec": {"replicas": 1, "selector": {"matchLabels": {"a": "b"}}}, "status": {"replicas": 7}});
    let (s, d) = c.post(deps, dep).await;
    assert_eq!(s, StatusCode::CREATED);
    assert_eq!(d["metadata"]["generation"], 1);
    // The requested status is dropped: a real server answers the empty `DeploymentStatus`.
    assert_eq!(d["status"], json!({}));

    let (s, d) = c
        .patch(
            &format!("{deps}/d"),
            "application/merge-patch+json",
            json!({"spec": {"replicas": 3}, "status": {"replicas": 9}}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(d["metadata"]["generation"], 2);
    assert_eq!(d["status"], json!({}), "the main resource ignores status");

    let (s, d) = c
        .patch(
            &format!("{deps}/d/status"),
            "application/merge-patch+json",
            json!({"status": {"replicas": 3}, "spec": {"replicas": 1}}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(d["status"]["replicas"], 3);
    assert_eq!(
        d["spec"]["replicas"], 3,
        "the status subresource ignores spec"
    );
    assert_eq!(d["metadata"]["generation"], 2);

    let (s, d) = c
        .patch(
            &format!("{deps}/d"),
            "application/json-patch+json",
            json!([{"op": "replace", "path": "/spec/replicas", "value": 5}]),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(d["spec"]["replicas"], 5);
    let (s, e) = c
        .patch(
            &format!("{deps}/d"),
            "application/json-patch+json",
            json!([{"op": "test", "path": "/spec/replicas", "value": 1}]),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    let (s, _) = c
        .patch(
            &format!("{deps}/d"),
            "application/apply-patch+yaml",
            json!({}),
        )
        .await;
    // Server-side apply without a fieldManager is refused as the real server does.
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn delete_with_finalizers_and_preconditions() {
    let server = TestServer::start().await.unwrap();
    let c = Client::admin(&server);
    let mut cm = configmap("f");
    cm["metadata"]["finalizers"] = json!(["example.com/hold"]);
    let (_, created) = c.post(&cms("default"), cm).await;
    let path = format!("{}/f", cms("default"));

    let (s, e) = c
        .delete(&path, Some(json!({"preconditions": {"uid": "other"}})))
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("Precondition failed: UID in precondition: other")
    );

    let (s, pending) = c.delete(&path, None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(pending["kind"], "ConfigMap");
    assert!(pending["metadata"]["deletionTimestamp"].is_string());
    let (s, still) = c.get(&path).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(still["metadata"]["uid"], created["metadata"]["uid"]);

    let (s, last) = c
        .patch(
            &path,
            "application/merge-patch+json",
            json!({"metadata": {"finalizers": null}}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{last}");
    assert_eq!(c.get(&path).await.0, StatusCode::NOT_FOUND);

    c.post(&cms("default"), configmap("g")).await;
    let (s, status) = c.delete(&format!("{}/g", cms("default")), None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(status["kind"], "Status");
    assert_eq!(status["status"], "Success");
    assert_eq!(status["details"]["name"], "g");
    let (s, _) = c.delete(&format!("{}/g", cms("default")), None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn namespace_deletion_terminates_then_removes_contents() {
    let server = TestServer::start().await.unwrap();
    let c = Client::admin(&server);
    c.post("/api/v1/namespaces", json!({"metadata": {"name": "team"}}))
        .await;
    c.post(&cms("team"), configmap("a")).await;
    let mut held = configmap("held");
    held["metadata"]["finalizers"] = json!(["example.com/hold"]);
    c.post(&cms("team"), held).await;

    let (s, ns) = c.delete("/api/v1/namespaces/team", None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(ns["status"]["phase"], "Terminating");
    let (s, e) = c.post(&cms("team"), configmap("late")).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(
        e["message"],
        "configmaps \"late\" is forbidden: unable to create new content in namespace team because it is being terminated"
    );

    // The finalizer holds the namespace until it is removed.
    let held_path = format!("{}/held", cms("team"));
    let (s, held) = wait_for(&c, &held_path, |v| {
        v["metadata"]["deletionTimestamp"].is_string()
    })
    .await;
    assert_eq!(s, StatusCode::OK, "{held}");
    assert_eq!(c.get("/api/v1/namespaces/team").await.0, StatusCode::OK);
    c.patch(
        &held_path,
        "application/merge-patch+json",
        json!({"metadata": {"finalizers": []}}),
    )
    .await;
    let (s, _) = wait_for(&c, "/api/v1/namespaces/team", |_| false).await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    let (s, e) = c.delete("/api/v1/namespaces/default", None).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(
        e["message"],
        "namespaces \"default\" is forbidden: this namespace may not be deleted"
    );
}

/// Polls `path` until it is gone or `done` holds, for up to 5 seconds.
async fn wait_for(c: &Client, path: &str, done: impl Fn(&Value) -> bool) -> (StatusCode, Value) {
    for _ in 0..100 {
        let (s, v) = c.get(path).await;
        if s == StatusCode::NOT_FOUND || done(&v) {
            return (s, v);
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    c.get(path).await
}

#[tokio::test]
async fn unknown_paths_and_verbs() {
    let server = TestServer::start().await.unwrap();
    let c = Client::admin(&server);
    let (s, e) = c.get("/api/v1/nothings").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(
        e["message"],
        "the server could not find the requested resource"
    );
    let (s, _) = c.post("/api/v1/componentstatuses", json!({})).await;
    assert_eq!(s, StatusCode::METHOD_NOT_ALLOWED);
    let (s, _, _) = c
        .send(Method::GET, "/api/v1/namespaces", "application/json", None)
        .await;
    assert_eq!(s, StatusCode::OK);
    let resp = c
        .raw(
            Method::GET,
            "/api/v1/namespaces",
            &[("accept", "application/vnd.kubernetes.protobuf")],
            None,
        )
        .await;
    // A built-in kind is served in protobuf, as the real server does.
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(
        resp.headers()["content-type"],
        "application/vnd.kubernetes.protobuf"
    );
    let resp = c
        .raw(
            Method::GET,
            "/api/v1/namespaces",
            &[("accept", "application/yaml")],
            None,
        )
        .await;
    assert_eq!(resp.status(), StatusCode::NOT_ACCEPTABLE);
}

#[tokio::test]
async fn connect_subresources_of_an_unscheduled_pod() {
    let server = TestServer::start().await.unwrap();
    let c = Client::admin(&server);
    let pod =
        json!({"metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "image": "i"}]}});
    let (s, created) = c.post("/api/v1/namespaces/default/pods", pod).await;
    assert_eq!(s, StatusCode::CREATED, "{created}");
    // proxy is served: a pod without an IP is the real 400.
    let (s, body) = c.get("/api/v1/namespaces/default/pods/p/proxy").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(body["message"], "address not allowed");
    // exec is served (over WebSocket); a plain GET is told to upgrade.
    let (s, body) = c
        .get("/api/v1/namespaces/default/pods/p/exec?stdout=1&command=ls")
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(body["message"], "pod p does not have a host assigned");
    let (s, status) = c.get("/api/v1/namespaces/default/pods/p/status").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(status["kind"], "Pod");
    let (s, deleted) = c.delete("/api/v1/namespaces/default/pods/p", None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        deleted["kind"], "Pod",
        "pods answer a delete with the object"
    );
}
