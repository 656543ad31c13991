//! `serviceaccounts/<name>/token` (TokenRequest) as kube-apiserver answers it, and the issued
//! tokens authenticating as the service account (until they expire or it is deleted);
//! `kubectl create token` and `kubectl auth whoami` with such a token.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http::StatusCode;
use kclient_testserver::TestServer;
use serde_json::{Value, json};
use support::Client;
use support::kubectl::Env;

const SAS: &str = "/api/v1/namespaces/default/serviceaccounts";
const AUDIENCE: &str = "https://kubernetes.default.svc.cluster.local";

fn token_request(spec: Value) -> Value {
    json!({"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "spec": spec})
}

async fn service_account(c: &Client, name: &str) -> String {
    let (s, sa) = c.post(SAS, json!({"metadata": {"name": name}})).await;
    assert_eq!(s, StatusCode::CREATED, "{sa}");
    sa["metadata"]["uid"].as_str().unwrap().to_string()
}

async fn issue(c: &Client, sa: &str, spec: Value) -> (StatusCode, Value) {
    c.post(&format!("{SAS}/{sa}/token"), token_request(spec))
        .await
}

async fn whoami(server: &TestServer, token: &str) -> (StatusCode, Value) {
    Client::with_token(server, token)
        .post(
            "/apis/authentication.k8s.io/v1/selfsubjectreviews",
            json!({"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"}),
        )
        .await
}

#[tokio::test]
async fn token_requests_answer_like_the_real_server() {
    let server = TestServer::start().await.unwrap();
    let c = Client::admin(&server);

    let (s, body) = issue(&c, "nope", json!({})).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(body["message"], "serviceaccounts \"nope\" not found");

    let uid = service_account(&c, "bot").await;
    let before = jiff::Timestamp::now().as_second();
    let (s, tr) = issue(&c, "bot", json!({})).await;
    assert_eq!(s, StatusCode::CREATED, "{tr}");
    assert_eq!(tr["apiVersion"], "authentication.k8s.io/v1");
    assert_eq!(tr["kind"], "TokenRequest");
    assert_eq!(tr["metadata"]["name"], "bot");
    assert_eq!(tr["metadata"]["namespace"], "default");
    assert_eq!(tr["spec"]["audiences"], json!([AUDIENCE]));
    assert_eq!(tr["spec"]["expirationSeconds"], 3600);
    assert_eq!(tr["spec"]["boundObjectRef"], Value::Null);
    let expires: jiff::Timestamp = tr["status"]["expirationTimestamp"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let lifetime = expires.as_second() - before;
    assert!((3599..=3601).contains(&lifetime), "{lifetime}");
    let token = tr["status"]["token"].as_str().unwrap();
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 3, "JWT-shaped");
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    assert_eq!(claims["sub"], "system:serviceaccount:default:bot");
    assert_eq!(claims["kubernetes.io"]["serviceaccount"]["uid"], uid);
    assert_eq!(claims["exp"], expires.as_second());

    let (s, body) = issue(&c, "bot", json!({"expirationSeconds": 599})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["reason"], "Invalid");
    assert_eq!(
        body["message"],
        "TokenRequest.authentication.k8s.io \"\" is invalid: spec.expirationSeconds: Invalid value: 599: may not specify a duration less than 10 minutes"
    );
    let (s, tr) = issue(
        &c,
        "bot",
        json!({"expirationSeconds": 600, "audiences": ["vault"]}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    assert_eq!(tr["spec"]["audiences"], json!(["vault"]));
    // A token for another audience does not authenticate to the API server.
    let (s, _) = whoami(&server, tr["status"]["token"].as_str().unwrap()).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);

    let mut named = token_request(json!({}));
    named["metadata"] = json!({"name": "other"});
    let (s, body) = c.post(&format!("{SAS}/bot/token"), named).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        body["message"],
        "TokenRequest.authentication.k8s.io \"bot\" is invalid: metadata.name: Invalid value: \"other\": must match the service account name if specified"
    );
}

#[tokio::test]
async fn issued_tokens_authenticate_as_the_service_account() {
    let server = TestServer::start().await.unwrap();
    let c = Client::admin(&server);
    let uid = service_account(&c, "bot").await;
    let (_, tr) = issue(&c, "bot", json!({})).await;
    let token = tr["status"]["token"].as_str().unwrap().to_string();

    let (s, review) = whoami(&server, &token).await;
    assert_eq!(s, StatusCode::CREATED, "{review}");
    let info = &review["status"]["userInfo"];
    assert_eq!(info["username"], "system:serviceaccount:default:bot");
    assert_eq!(info["uid"], uid);
    assert_eq!(
        info["groups"],
        json!([
            "system:serviceaccounts",
            "system:serviceaccounts:default",
            "system:authenticated"
        ])
    );
    let credential = info["extra"]["authentication.kubernetes.io/credential-id"][0]
        .as_str()
        .unwrap();
    assert!(credential.starts_with("JTI="), "{credential}");
    // RBAC is off: the service account may do everything.
    let sa_client = Client::with_token(&server, &token);
    assert_eq!(sa_client.get(SAS).await.0, StatusCode::OK);

    // A forged token (same claims, other signature) is rejected.
    let forged = format!("{}.AAAA", token.rsplit_once('.').unwrap().0);
    assert_eq!(whoami(&server, &forged).await.0, StatusCode::UNAUTHORIZED);

    // Deleting the service account invalidates its tokens, even once one of the same name
    // exists again (another uid).
    assert_eq!(
        c.delete(&format!("{SAS}/bot"), None).await.0,
        StatusCode::OK
    );
    let (s, body) = whoami(&server, &token).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert_eq!(body["reason"], "Unauthorized");
    service_account(&c, "bot").await;
    assert_eq!(whoami(&server, &token).await.0, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn bound_tokens_need_and_follow_their_object() {
    let server = TestServer::start().await.unwrap();
    let c = Client::admin(&server);
    service_account(&c, "bot").await;
    let secret_ref = |uid: &str| json!({"boundObjectRef": {"apiVersion": "v1", "kind": "Secret", "name": "s", "uid": uid}});
    let (s, body) = issue(&c, "bot", secret_ref("")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(body["message"], "secrets \"s\" not found");
    let (s, body) = issue(
        &c,
        "bot",
        json!({"boundObjectRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "d"}}),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["message"],
        "cannot bind token to object of type apps/v1, Kind=Deployment"
    );

    let (_, secret) = c
        .post(
            "/api/v1/namespaces/default/secrets",
            json!({"metadata": {"name": "s"}}),
        )
        .await;
    let (s, body) = issue(&c, "bot", secret_ref("wrong")).await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert_eq!(
        body["message"],
        "Operation cannot be fulfilled on Secret \"s\": the UID in the bound object reference (wrong) does not match the UID in record. The object might have been deleted and then recreated"
    );
    let (s, tr) = issue(
        &c,
        "bot",
        secret_ref(secret["metadata"]["uid"].as_str().unwrap()),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{tr}");
    assert_eq!(tr["spec"]["boundObjectRef"]["name"], "s");
    let token = tr["status"]["token"].as_str().unwrap();
    assert_eq!(whoami(&server, token).await.0, StatusCode::CREATED);
    c.delete("/api/v1/namespaces/default/secrets/s", None).await;
    assert_eq!(whoami(&server, token).await.0, StatusCode::UNAUTHORIZED);

    // Pods: the pod must run as the service account.
    service_account(&c, "other").await;
    let pod = json!({"metadata": {"name": "p"}, "spec": {"serviceAccountName": "other",
        "containers": [{"name": "c", "image": "nginx"}]}});
    c.post("/api/v1/namespaces/default/pods", pod).await;
    let (s, body) = issue(
        &c,
        "bot",
        json!({"boundObjectRef": {"apiVersion": "v1", "kind": "Pod", "name": "p"}}),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["message"],
        "cannot bind token for serviceaccount \"bot\" to pod running with different serviceaccount name."
    );
}

#[tokio::test]
async fn rbac_applies_to_service_account_tokens() {
    let server = TestServer::builder().rbac(true).start().await.unwrap();
    let admin = Client::admin(&server);
    service_account(&admin, "bot").await;
    let (_, tr) = issue(&admin, "bot", json!({})).await;
    let bot = Client::with_token(&server, tr["status"]["token"].as_str().unwrap());

    let (s, body) = bot.get("/api/v1/namespaces/default/pods").await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(
        body["message"],
        r#"pods is forbidden: User "system:serviceaccount:default:bot" cannot list resource "pods" in API group "" in the namespace "default""#
    );
    let rbac = "/apis/rbac.authorization.k8s.io/v1/namespaces/default";
    admin
        .post(
            &format!("{rbac}/roles"),
            json!({"metadata": {"name": "pods"}, "rules": [
                {"verbs": ["list"], "apiGroups": [""], "resources": ["pods"]}]}),
        )
        .await;
    let (s, _) = admin
        .post(
            &format!("{rbac}/rolebindings"),
            json!({"metadata": {"name": "bot-pods"},
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "pods"},
                "subjects": [{"kind": "ServiceAccount", "name": "bot"}]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    assert_eq!(
        bot.get("/api/v1/namespaces/default/pods").await.0,
        StatusCode::OK
    );
    assert_eq!(
        bot.get("/api/v1/namespaces/default/secrets").await.0,
        StatusCode::FORBIDDEN
    );
    // Group subjects: every service account of the namespace.
    admin
        .post(
            &format!("{rbac}/rolebindings"),
            json!({"metadata": {"name": "all-sas"},
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "secrets"},
                "subjects": [{"kind": "Group", "name": "system:serviceaccounts:default"}]}),
        )
        .await;
    admin
        .post(
            "/apis/rbac.authorization.k8s.io/v1/clusterroles",
            json!({"metadata": {"name": "secrets"}, "rules": [
                {"verbs": ["list"], "apiGroups": [""], "resources": ["secrets"]}]}),
        )
        .await;
    assert_eq!(
        bot.get("/api/v1/namespaces/default/secrets").await.0,
        StatusCode::OK
    );
}

#[tokio::test]
async fn kubectl_create_token_and_whoami() {
    let Some(env) = Env::start().await else {
        return;
    };
    env.run(&["create", "serviceaccount", "bot"]).await;
    let token = env.run(&["create", "token", "bot"]).await;
    let token = token.trim();
    assert_eq!(token.split('.').count(), 3, "{token}");
    let out = env
        .run(&["auth", "whoami", "--token", token, "-o", "json"])
        .await;
    let review: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        review["status"]["userInfo"]["username"],
        "system:serviceaccount:default:bot"
    );
    let (ok, _, err) = env
        .try_run(&["create", "token", "bot", "--duration", "5m"], None)
        .await;
    assert!(!ok);
    assert!(
        err.contains("may not specify a duration less than 10 minutes"),
        "{err}"
    );
    let (ok, _, err) = env.try_run(&["create", "token", "ghost"], None).await;
    assert!(!ok);
    assert!(err.contains("serviceaccounts \"ghost\" not found"), "{err}");
}
