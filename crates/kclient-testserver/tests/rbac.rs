//! Opt-in RBAC: Roles and bindings stored in the server decide, denials get the real 403, and
//! `kubectl auth can-i` / `kubectl auth whoami` work for a non-admin user.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use http::StatusCode;
use kclient_testserver::TestServer;
use serde_json::json;
use support::Client;
use support::kubectl::Env;

fn pods(ns: &str) -> String {
    format!("/api/v1/namespaces/{ns}/pods")
}

#[tokio::test]
async fn roles_and_bindings_decide_and_denials_read_like_the_real_server() {
    let server = TestServer::builder().rbac(true).start().await.unwrap();
    let admin = Client::admin(&server);
    let (cert, key) = server.client_certificate("alice", &["dev"]).unwrap();
    let alice = Client::with_cert(&server, cert, key);

    let (code, body) = alice.get(&pods("default")).await;
    assert_eq!(code, StatusCode::FORBIDDEN);
    assert_eq!(
        body["message"],
        r#"pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "default""#
    );
    assert_eq!(body["reason"], "Forbidden");
    assert_eq!(body["details"]["kind"], "pods");

    let rbac = "/apis/rbac.authorization.k8s.io/v1";
    let (code, _) = admin
        .post(
            &format!("{rbac}/namespaces/default/roles"),
            json!({"metadata": {"name": "pod-reader"}, "rules": [
                {"verbs": ["get", "list"], "apiGroups": [""], "resources": ["pods", "pods/log"]}]}),
        )
        .await;
    assert_eq!(code, StatusCode::CREATED);
    let (code, _) = admin
        .post(
            &format!("{rbac}/namespaces/default/rolebindings"),
            json!({"metadata": {"name": "devs-read-pods"},
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "pod-reader"},
                "subjects": [{"kind": "Group", "name": "dev", "apiGroup": "rbac.authorization.k8s.io"}]}),
        )
        .await;
    assert_eq!(code, StatusCode::CREATED);

    assert_eq!(alice.get(&pods("default")).await.0, StatusCode::OK);
    let (code, body) = alice.get(&pods("other")).await;
    assert_eq!(code, StatusCode::FORBIDDEN);
    assert_eq!(
        body["message"],
        r#"pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "other""#
    );
    let (code, body) = alice
        .get("/apis/apps/v1/namespaces/default/deployments/web")
        .await;
    assert_eq!(code, StatusCode::FORBIDDEN);
    assert_eq!(
        body["message"],
        r#"deployments.apps "web" is forbidden: User "alice" cannot get resource "deployments" in API group "apps" in the namespace "default""#
    );
    let (code, body) = alice.get("/api/v1/nodes").await;
    assert_eq!(code, StatusCode::FORBIDDEN);
    assert_eq!(
        body["message"],
        r#"nodes is forbidden: User "alice" cannot list resource "nodes" in API group "" at the cluster scope"#
    );
    // Discovery is open to every authenticated user; other paths are not.
    assert_eq!(alice.get("/apis").await.0, StatusCode::OK);
    assert_eq!(alice.get("/version").await.0, StatusCode::OK);

    // Without RBAC everything stays allowed.
    let open = TestServer::start().await.unwrap();
    let (cert, key) = open.client_certificate("alice", &[]).unwrap();
    let alice = Client::with_cert(&open, cert, key);
    assert_eq!(alice.get("/api/v1/nodes").await.0, StatusCode::OK);
}

#[tokio::test]
async fn kubectl_auth_can_i_and_whoami_for_a_non_admin_user() {
    let Some(env) = Env::start_with(TestServer::builder().rbac(true)).await else {
        return;
    };
    let (cert, key) = env.server.client_certificate("alice", &["dev"]).unwrap();
    let dir = env.dir.path();
    std::fs::write(dir.join("alice.crt"), cert).unwrap();
    std::fs::write(dir.join("alice.key"), key).unwrap();
    let crt = format!("--client-certificate={}", dir.join("alice.crt").display());
    let key = format!("--client-key={}", dir.join("alice.key").display());
    env.run(&[
        "config",
        "set-credentials",
        "alice",
        &crt,
        &key,
        "--embed-certs",
    ])
    .await;
    env.run(&[
        "config",
        "set-context",
        "alice",
        "--cluster=kclient-testserver",
        "--user=alice",
        "--namespace=default",
    ])
    .await;
    env.run(&[
        "create",
        "role",
        "pod-reader",
        "--verb=get,list,watch",
        "--resource=pods",
    ])
    .await;
    env.run(&[
        "create",
        "rolebinding",
        "alice-reads",
        "--role=pod-reader",
        "--user=alice",
    ])
    .await;

    let as_alice = |args: &[&str]| {
        let mut all = vec!["--context=alice"];
        all.extend_from_slice(args);
        all.into_iter().map(str::to_string).collect::<Vec<_>>()
    };
    let run = |args: Vec<String>| {
        let env = &env;
        async move {
            let refs: Vec<&str> = args.iter().map(String::as_str).collect();
            env.try_run(&refs, None).await
        }
    };

    let (ok, out, err) = run(as_alice(&["auth", "can-i", "list", "pods"])).await;
    assert!(ok, "can-i list pods: {out} {err}");
    assert_eq!(out.trim(), "yes");
    let (ok, out, _) = run(as_alice(&["auth", "can-i", "delete", "pods"])).await;
    assert!(!ok);
    assert_eq!(out.trim(), "no");
    let (ok, out, _) = run(as_alice(&["auth", "can-i", "list", "pods", "-n", "other"])).await;
    assert!(!ok);
    assert_eq!(out.trim(), "no");
    let (ok, out, _) = run(["auth", "can-i", "delete", "nodes"]
        .map(String::from)
        .to_vec())
    .await;
    assert!(ok, "the admin may do everything: {out}");

    let (ok, out, err) = run(as_alice(&["auth", "whoami", "-o", "json"])).await;
    assert!(ok, "whoami: {err}");
    let who: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(who["status"]["userInfo"]["username"], "alice");
    assert_eq!(
        who["status"]["userInfo"]["groups"],
        json!(["dev", "system:authenticated"])
    );

    let (ok, _, err) = run(as_alice(&["get", "pods"])).await;
    assert!(ok, "alice may list pods in default: {err}");
    let (ok, _, err) = run(as_alice(&["get", "pods", "-n", "other"])).await;
    assert!(!ok);
    assert!(
        err.contains(r#"Error from server (Forbidden): pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "other""#),
        "{err}"
    );
}
