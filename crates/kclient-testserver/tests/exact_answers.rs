//! The server's exact answers where clients see them: every subresource verb discovery
//! advertises is served (never 405), the subresources that change one part of an object, the
//! proxy subresources, field selectors on absent fields, and the wording of the error paths,
//! each compared with what a real v1.36 kube-apiserver answers.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use http::{Method, StatusCode};
use kclient_testserver::TestServer;
use serde_json::{Value, json};
use support::{Client, cms, configmap};

/// Walks aggregated discovery (every group/version on) and sends each advertised verb of each
/// subresource: none may answer 405 (an unknown object answers 404, a bad body 400/422).
#[tokio::test]
async fn no_advertised_subresource_verb_answers_405() {
    let server = TestServer::builder()
        .runtime_config("api/all=true")
        .start()
        .await
        .unwrap();
    let c = Client::admin(&server);
    let mut checked = 0;
    let mut wrong = Vec::new();
    for root in ["/api", "/apis"] {
        let resp = c
            .raw(
                Method::GET,
                root,
                &[(
                    "accept",
                    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList",
                )],
                None,
            )
            .await;
        use http_body_util::BodyExt;
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        let doc: Value = serde_json::from_slice(&bytes).unwrap();
        for group in doc["items"].as_array().unwrap() {
            let gname = group["metadata"]["name"].as_str().unwrap_or_default();
            for version in group["versions"].as_array().unwrap() {
                let v = version["version"].as_str().unwrap();
                let prefix = if gname.is_empty() {
                    format!("/api/{v}")
                } else {
                    format!("/apis/{gname}/{v}")
                };
                for r in version["resources"].as_array().unwrap() {
                    let plural = r["resource"].as_str().unwrap();
                    let ns = if r["scope"] == "Namespaced" {
                        "/namespaces/default"
                    } else {
                        ""
                    };
                    for sub in r["subresources"].as_array().into_iter().flatten() {
                        let sname = sub["subresource"].as_str().unwrap();
                        let path = format!("{prefix}{ns}/{plural}/missing/{sname}");
                        for verb in sub["verbs"].as_array().unwrap() {
                            let (method, ct) = match verb.as_str().unwrap() {
                                "get" => (Method::GET, "application/json"),
                                "create" => (Method::POST, "application/json"),
                                "update" => (Method::PUT, "application/json"),
                                "patch" => (Method::PATCH, "application/merge-patch+json"),
                                "delete" => (Method::DELETE, "application/json"),
                                other => panic!("unexpected verb {other} on {path}"),
                            };
                            let body = (method != Method::GET).then(|| json!({}));
                            let (status, _, answer) = c.send(method.clone(), &path, ct, body).await;
                            checked += 1;
                            if status == StatusCode::METHOD_NOT_ALLOWED {
                                wrong.push(format!("{method} {path}: {answer}"));
                            }
                        }
                    }
                }
            }
        }
    }
    assert!(checked > 100, "only {checked} subresource verbs found");
    assert!(
        wrong.is_empty(),
        "405 for advertised verbs:\n{}",
        wrong.join("\n")
    );
}

fn pod(name: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
        "spec": {"containers": [{"name": "app", "image": "busybox:1.36", "ports": [{"containerPort": 8080}]}]}})
}

const PODS: &str = "/api/v1/namespaces/default/pods";

#[tokio::test]
async fn ephemeral_containers_resize_and_approval_change_only_their_part() {
    let server = TestServer::start().await.unwrap();
    let c = Client::admin(&server);
    assert_eq!(c.post(PODS, pod("p")).await.0, StatusCode::CREATED);
    let (s, got) = c.get(&format!("{PODS}/p/ephemeralcontainers")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(got["kind"], "Pod");
    // As `kubectl debug` does: a strategic merge patch adding an ephemeral container; other
    // changes in the same patch are ignored.
    let (s, got) = c
        .patch(
            &format!("{PODS}/p/ephemeralcontainers"),
            "application/strategic-merge-patch+json",
            json!({"metadata": {"labels": {"x": "y"}},
                "spec": {"ephemeralContainers": [{"name": "debugger", "image": "busybox:1.36"}]}}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{got}");
    let e = &got["spec"]["ephemeralContainers"][0];
    assert_eq!(e["name"], "debugger");
    assert_eq!(e["terminationMessagePolicy"], "File");
    assert_eq!(e["imagePullPolicy"], "IfNotPresent");
    assert!(got["metadata"].get("labels").is_none(), "{got}");
    let entry = got["metadata"]["managedFields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["subresource"] == "ephemeralcontainers")
        .expect("an entry for the subresource");
    assert_eq!(entry["operation"], "Update");
    // Removing one is forbidden, with the real message.
    let mut pod_now = got.clone();
    pod_now["spec"]["ephemeralContainers"] = json!([]);
    let (s, err) = c
        .put(&format!("{PODS}/p/ephemeralcontainers"), pod_now)
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        err["message"],
        "Pod \"p\" is invalid: spec.ephemeralContainers: Forbidden: existing ephemeral containers \"debugger\" may not be removed\n"
    );
    // resize: only the containers' resources change.
    let (s, got) = c
        .patch(
            &format!("{PODS}/p/resize"),
            "application/strategic-merge-patch+json",
            json!({"spec": {"containers": [{"name": "app", "image": "other",
                "resources": {"requests": {"cpu": "200m"}}}]}}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{got}");
    assert_eq!(
        got["spec"]["containers"][0]["resources"]["requests"]["cpu"],
        "200m"
    );
    assert_eq!(got["spec"]["containers"][0]["image"], "busybox:1.36");

    // certificatesigningrequests/approval: only the conditions.
    let csrs = "/apis/certificates.k8s.io/v1/certificatesigningrequests";
    let csr = json!({"apiVersion": "certificates.k8s.io/v1", "kind": "CertificateSigningRequest",
        "metadata": {"name": "csr"}, "spec": {"request": "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURSBSRVFVRVNULS0tLS0K",
        "signerName": "example.com/signer", "usages": ["digital signature"]}});
    let (s, created) = c.post(csrs, csr).await;
    assert_eq!(s, StatusCode::CREATED, "{created}");
    let (s, got) = c
        .patch(
            &format!("{csrs}/csr/approval"),
            "application/merge-patch+json",
            json!({"spec": {"signerName": "other/x"}, "status": {"conditions": [
                {"type": "Approved", "status": "True", "reason": "Test", "message": "ok"}]}}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{got}");
    assert_eq!(got["status"]["conditions"][0]["type"], "Approved");
    assert_eq!(got["spec"]["signerName"], "example.com/signer");
    let (s, got) = c.get(&format!("{csrs}/csr/approval")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(got["kind"], "CertificateSigningRequest");
}

#[tokio::test]
async fn proxy_and_connect_subresources_answer_as_the_real_server() {
    let server = TestServer::start().await.unwrap();
    let c = Client::admin(&server);
    assert_eq!(c.post(PODS, pod("p")).await.0, StatusCode::CREATED);
    // A pod without a node (and so without an IP).
    let (s, err) = c.get(&format!("{PODS}/p/proxy/healthz")).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(err["message"], "address not allowed");
    for sub in ["exec?command=ls", "attach", "portforward?ports=80"] {
        let (s, err) = c.get(&format!("{PODS}/p/{sub}")).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{sub}: {err}");
        assert_eq!(
            err["message"], "pod p does not have a host assigned",
            "{sub}"
        );
    }
    let (s, err) = c.get(&format!("{PODS}/gone/proxy")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(err["message"], "pods \"gone\" not found");
    // A service without endpoints.
    let svc = json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
        "spec": {"ports": [{"port": 80}]}});
    assert_eq!(
        c.post("/api/v1/namespaces/default/services", svc).await.0,
        StatusCode::CREATED
    );
    let (s, err) = c
        .get("/api/v1/namespaces/default/services/web/proxy/")
        .await;
    assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(err["reason"], "ServiceUnavailable");
    assert_eq!(err["message"], "no endpoints available for service \"web\"");
}

#[tokio::test]
async fn field_selectors_see_absent_fields_as_the_go_zero_value() {
    let server = TestServer::start().await.unwrap();
    let c = Client::admin(&server);
    let node = json!({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n1"}});
    assert_eq!(c.post("/api/v1/nodes", node).await.0, StatusCode::CREATED);
    let cordoned = json!({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n2"},
        "spec": {"unschedulable": true}});
    assert_eq!(
        c.post("/api/v1/nodes", cordoned).await.0,
        StatusCode::CREATED
    );
    let names = |list: &Value| -> Vec<String> {
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["metadata"]["name"].as_str().unwrap().to_string())
            .collect()
    };
    let (_, l) = c
        .get("/api/v1/nodes?fieldSelector=spec.unschedulable%3Dfalse")
        .await;
    assert_eq!(names(&l), ["n1"]);
    let (_, l) = c
        .get("/api/v1/nodes?fieldSelector=spec.unschedulable%3Dtrue")
        .await;
    assert_eq!(names(&l), ["n2"]);
    let (_, l) = c
        .get(&format!("{PODS}?fieldSelector=spec.hostNetwork%3Dfalse"))
        .await;
    assert_eq!(l["kind"], "PodList");
    let (_, l) = c
        .get("/api/v1/namespaces/default/services?fieldSelector=spec.type%3DClusterIP")
        .await;
    assert_eq!(l["kind"], "ServiceList", "{l}");
    let (s, err) = c
        .get("/api/v1/namespaces/default/configmaps?fieldSelector=data.x%3Dy")
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(
        err["message"],
        "\"data.x\" is not a known field selector: only \"metadata.name\", \"metadata.namespace\""
    );
    let (s, err) = c.get("/api/v1/nodes?fieldSelector=spec.bogus%3Dx").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(err["message"], "field label not supported: spec.bogus");
}

/// The error paths clients meet, each with the real server's code, reason and message.
#[tokio::test]
async fn error_texts_are_the_real_servers() {
    let server = TestServer::start().await.unwrap();
    let c = Client::admin(&server);
    let cm = format!("{}/a", cms("default"));
    assert_eq!(
        c.post(&cms("default"), configmap("a")).await.0,
        StatusCode::CREATED
    );
    let mut cases: Vec<(StatusCode, Value, u16, &str, &str)> = Vec::new();

    let (s, v) = c.post(&cms("default"), configmap("a")).await;
    cases.push((
        s,
        v,
        409,
        "AlreadyExists",
        "configmaps \"a\" already exists",
    ));
    let (s, v) = c.get(&format!("{}/nope", cms("default"))).await;
    cases.push((s, v, 404, "NotFound", "configmaps \"nope\" not found"));
    let (s, _, v) = c
        .send(
            Method::POST,
            &format!("{}?fieldValidation=Strict", cms("default")),
            "application/json",
            Some(json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "b"}, "bogus": 1})),
        )
        .await;
    cases.push((
        s,
        v,
        400,
        "BadRequest",
        "ConfigMap in version \"v1\" cannot be handled as a ConfigMap: strict decoding error: unknown field \"bogus\"",
    ));
    // A JSON patch removing a missing path: 422 (kubectl: "The request is invalid").
    let (s, _, v) = c
        .send(
            Method::PATCH,
            &cm,
            "application/json-patch+json",
            Some(json!([{"op": "remove", "path": "/data/missing"}])),
        )
        .await;
    cases.push((
        s,
        v,
        422,
        "Invalid",
        "the server rejected our request due to an error in our request",
    ));
    let (s, _, v) = c
        .send(
            Method::PATCH,
            &cm,
            "application/json-patch+json",
            Some(json!([{"op": "test", "path": "/data", "value": {"x": "y"}}])),
        )
        .await;
    cases.push((
        s,
        v,
        422,
        "Invalid",
        "the server rejected our request due to an error in our request",
    ));
    let (s, _, v) = c
        .send(Method::PATCH, &cm, "text/plain", Some(json!({})))
        .await;
    cases.push((
        s,
        v,
        415,
        "UnsupportedMediaType",
        "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json, application/apply-patch+yaml",
    ));
    let (s, v) = c.put(&cm, configmap("other")).await;
    cases.push((
        s,
        v,
        400,
        "BadRequest",
        "the name of the object (other) does not match the name on the URL (a)",
    ));
    let mut stale = configmap("a");
    stale["metadata"]["resourceVersion"] = json!("1");
    let (s, v) = c.put(&cm, stale).await;
    cases.push((
        s,
        v,
        409,
        "Conflict",
        "Operation cannot be fulfilled on configmaps \"a\": the object has been modified; please apply your changes to the latest version and try again",
    ));
    let (s, _, v) = c
        .send(
            Method::PATCH,
            &cm,
            "application/apply-patch+yaml",
            Some(json!({"apiVersion": "v1", "kind": "ConfigMap"})),
        )
        .await;
    cases.push((
        s,
        v,
        422,
        "Invalid",
        "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch",
    ));
    let (s, v) = c.get("/api/v1/namespaces/default/widgets").await;
    cases.push((
        s,
        v,
        404,
        "NotFound",
        "the server could not find the requested resource",
    ));
    let (s, v) = c
        .post("/api/v1/namespaces/nowhere/configmaps", configmap("x"))
        .await;
    cases.push((s, v, 404, "NotFound", "namespaces \"nowhere\" not found"));

    let (s, v) = c.post(&cms("default"), configmap("Bad_Name")).await;
    cases.push((
        s,
        v,
        422,
        "Invalid",
        "ConfigMap \"Bad_Name\" is invalid: metadata.name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
    ));
    let (s, v) = c.put(&cms("default"), configmap("a")).await;
    cases.push((
        s,
        v,
        405,
        "MethodNotAllowed",
        "the server does not allow this method on the requested resource",
    ));
    let (s, v) = c
        .delete(&cm, Some(json!({"preconditions": {"uid": "not-the-uid"}})))
        .await;
    let uid = c.get(&cm).await.1["metadata"]["uid"]
        .as_str()
        .unwrap()
        .to_string();
    let precondition = format!(
        "Operation cannot be fulfilled on configmaps \"a\": Precondition failed: UID in precondition: not-the-uid, UID in object meta: {uid}"
    );
    cases.push((s, v, 409, "Conflict", &precondition));
    let (s, v) = c
        .post(
            "/api/v1/namespaces/default/configmaps",
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x", "namespace": "other"}}),
        )
        .await;
    cases.push((
        s,
        v,
        400,
        "BadRequest",
        "the namespace of the provided object does not match the namespace sent on the request",
    ));

    let mut wrong = Vec::new();
    for (status, body, code, reason, message) in cases {
        let ok = status.as_u16() == code
            && body["code"] == code
            && body["reason"] == reason
            && body["message"] == message
            && body["kind"] == "Status"
            && body["status"] == "Failure";
        if !ok {
            wrong.push(format!(
                "want {code} {reason} {message:?}\n got {status} {body}"
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
