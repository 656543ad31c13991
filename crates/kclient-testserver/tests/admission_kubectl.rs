//! kubectl v1.32 against the admission plugins and controllers of the test server, as against
//! a real v1.36 cluster: `kubectl run` + `get -o yaml` showing the ServiceAccount, token volume,
//! tolerations and priority; `kubectl auth can-i --list`; `kubectl create token` + a
//! TokenReview; a LimitRange and a ResourceQuota; a PodDisruptionBudget blocking `kubectl
//! drain`; the certificate context of the written kubeconfig. Skipped (with a message) when
//! kubectl is not installed, unless `KCLIENT_REQUIRE_KUBECTL=1`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::time::Duration;

use kclient_testserver::TestServer;
use serde_json::{Value, json};
use support::kubectl::Env;

fn yaml(text: &str) -> Value {
    serde_saphyr::from_str::<Value>(text).unwrap()
}

/// Runs `kubectl get … -o json` until `ok` holds (10 s at most).
async fn eventually(env: &Env, args: &[&str], ok: impl Fn(&Value) -> bool) -> Value {
    for _ in 0..100 {
        let (done, out, _) = env.try_run(args, None).await;
        if done {
            let v: Value = serde_json::from_str(&out).unwrap();
            if ok(&v) {
                return v;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("kubectl {args:?} never showed the expected state");
}

#[tokio::test]
async fn kubectl_run_shows_what_admission_added() {
    let Some(env) = Env::start().await else {
        return;
    };
    assert_eq!(
        env.run(&["run", "web", "--image=nginx"]).await.trim(),
        "pod/web created"
    );
    let pod = yaml(&env.run(&["get", "pod", "web", "-o", "yaml"]).await);
    let spec = &pod["spec"];
    assert_eq!(spec["serviceAccountName"], "default");
    assert_eq!(spec["serviceAccount"], "default");
    assert_eq!(spec["priority"], 0);
    assert_eq!(spec["preemptionPolicy"], "PreemptLowerPriority");
    assert_eq!(spec["enableServiceLinks"], true);
    assert_eq!(
        spec["tolerations"],
        json!([
            {"effect": "NoExecute", "key": "node.kubernetes.io/not-ready", "operator": "Exists", "tolerationSeconds": 300},
            {"effect": "NoExecute", "key": "node.kubernetes.io/unreachable", "operator": "Exists", "tolerationSeconds": 300}
        ])
    );
    let volume = spec["volumes"][0]["name"].as_str().unwrap();
    assert!(
        volume.starts_with("kube-api-access-") && volume.len() == 21,
        "{volume}"
    );
    assert_eq!(
        spec["volumes"][0]["projected"]["sources"][0],
        json!({"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}})
    );
    assert_eq!(spec["volumes"][0]["projected"]["defaultMode"], 420);
    assert_eq!(
        spec["containers"][0]["volumeMounts"],
        json!([{"mountPath": "/var/run/secrets/kubernetes.io/serviceaccount", "name": volume, "readOnly": true}])
    );
    assert_eq!(pod["metadata"]["labels"], json!({"run": "web"}));
    assert_eq!(pod["status"]["phase"], "Pending");
    assert_eq!(pod["status"]["qosClass"], "BestEffort");

    // A fresh cluster's objects, as kubectl lists them.
    let sas = env.run(&["get", "sa", "-A", "-o", "name"]).await;
    assert_eq!(
        sas.lines()
            .filter(|l| *l == "serviceaccount/default")
            .count(),
        4
    );
    let cms = env
        .run(&["get", "cm", "-n", "kube-public", "-o", "name"])
        .await;
    assert_eq!(cms.trim(), "configmap/kube-root-ca.crt");
    let svc = env
        .run(&[
            "get",
            "svc",
            "kubernetes",
            "-o",
            "jsonpath={.spec.clusterIP}",
        ])
        .await;
    assert_eq!(svc, "10.96.0.1");
    let cs = env.run(&["get", "componentstatuses", "-o", "name"]).await;
    assert_eq!(
        cs.lines().collect::<Vec<_>>(),
        [
            "componentstatus/controller-manager",
            "componentstatus/etcd-0",
            "componentstatus/scheduler"
        ]
    );
    let roles = env.run(&["get", "clusterroles", "-o", "name"]).await;
    for r in ["cluster-admin", "admin", "edit", "view"] {
        assert!(
            roles
                .lines()
                .any(|l| l == format!("clusterrole.rbac.authorization.k8s.io/{r}")),
            "{roles}"
        );
    }

    // A missing ServiceAccount is refused with the real message.
    let (ok, _, err) = env
        .try_run(
            &[
                "run",
                "ghost",
                "--image=nginx",
                "--overrides",
                r#"{"spec":{"serviceAccountName":"nobody"}}"#,
            ],
            None,
        )
        .await;
    assert!(!ok);
    assert!(
        err.contains(r#"pods "ghost" is forbidden: error looking up service account default/nobody: serviceaccount "nobody" not found"#),
        "{err}"
    );
}

#[tokio::test]
async fn kubectl_auth_can_i_list() {
    let Some(env) = Env::start_with(TestServer::builder().rbac(true)).await else {
        return;
    };
    let out = env.run(&["auth", "can-i", "--list"]).await;
    let header: Vec<&str> = out.lines().next().unwrap().split_whitespace().collect();
    assert_eq!(
        header,
        [
            "Resources",
            "Non-Resource",
            "URLs",
            "Resource",
            "Names",
            "Verbs"
        ]
    );
    assert!(
        out.lines()
            .any(|l| l.split_whitespace().eq(["*.*", "[]", "[]", "[*]"])),
        "{out}"
    );
    assert!(
        out.lines()
            .any(|l| l.split_whitespace().eq(["[*]", "[]", "[*]"])),
        "{out}"
    );

    // A certificate user bound to `view` in default sees the view rules and the bootstrap ones.
    env.run(&[
        "create",
        "rolebinding",
        "alice-view",
        "--clusterrole=view",
        "--user=alice",
    ])
    .await;
    let dir = env.dir.path();
    let (cert, key) = env.server.client_certificate("alice", &[]).unwrap();
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
    let out = env.run(&["auth", "can-i", "--list", "--user=alice"]).await;
    let row = |res: &str| {
        out.lines()
            .find(|l| l.split_whitespace().next() == Some(res))
            .map(|l| l.split_whitespace().collect::<Vec<_>>())
    };
    assert_eq!(
        row("selfsubjectaccessreviews.authorization.k8s.io"),
        Some(vec![
            "selfsubjectaccessreviews.authorization.k8s.io",
            "[]",
            "[]",
            "[create]"
        ]),
        "{out}"
    );
    assert_eq!(
        row("pods"),
        Some(vec!["pods", "[]", "[]", "[get", "list", "watch]"]),
        "{out}"
    );
    assert!(
        out.lines()
            .any(|l| l.split_whitespace().eq(["[/api]", "[]", "[get]"])),
        "{out}"
    );
    assert!(
        row("secrets").is_none(),
        "view does not read secrets: {out}"
    );
}

#[tokio::test]
async fn kubectl_create_token_and_a_token_review() {
    let Some(env) = Env::start().await else {
        return;
    };
    let token = env.run(&["create", "token", "default"]).await;
    let review = json!({"apiVersion": "authentication.k8s.io/v1", "kind": "TokenReview",
        "spec": {"token": token.trim()}});
    let out = env
        .run_with(
            &["create", "-f", "-", "-o", "json", "--validate=false"],
            &review.to_string(),
        )
        .await;
    let r: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(r["status"]["authenticated"], true);
    assert_eq!(
        r["status"]["user"]["username"],
        "system:serviceaccount:default:default"
    );
    assert_eq!(
        r["status"]["audiences"],
        json!(["https://kubernetes.default.svc.cluster.local"])
    );
    // The kubeconfig's certificate context logs in as the admin with the client certificate.
    let who: Value = serde_json::from_str(
        &env.run(&[
            "--context",
            "kclient-testserver-cert",
            "auth",
            "whoami",
            "-o",
            "json",
        ])
        .await,
    )
    .unwrap();
    assert_eq!(
        who["status"]["userInfo"]["username"],
        "kclient-testserver-admin"
    );
    assert_eq!(
        who["status"]["userInfo"]["groups"],
        json!(["system:masters", "system:authenticated"])
    );
}

#[tokio::test]
async fn kubectl_limit_range_and_quota() {
    let Some(env) = Env::start().await else {
        return;
    };
    let lr = "apiVersion: v1\nkind: LimitRange\nmetadata: {name: limits}\nspec:\n  limits:\n  - type: Container\n    default: {cpu: 200m, memory: 128Mi}\n    defaultRequest: {cpu: 100m, memory: 64Mi}\n";
    env.run_with(&["create", "-f", "-"], lr).await;
    assert_eq!(
        env.run(&["create", "quota", "q", "--hard=pods=2,requests.cpu=150m"])
            .await
            .trim(),
        "resourcequota/q created"
    );
    env.run(&["run", "a", "--image=nginx"]).await;
    let pod: Value =
        serde_json::from_str(&env.run(&["get", "pod", "a", "-o", "json"]).await).unwrap();
    assert_eq!(
        pod["spec"]["containers"][0]["resources"],
        json!({"limits": {"cpu": "200m", "memory": "128Mi"}, "requests": {"cpu": "100m", "memory": "64Mi"}})
    );
    assert_eq!(pod["status"]["qosClass"], "Burstable");
    let q = eventually(&env, &["get", "quota", "q", "-o", "json"], |q| {
        q["status"]["used"]["pods"] == "1"
    })
    .await;
    assert_eq!(q["status"]["used"]["requests.cpu"], "100m");
    assert_eq!(
        q["status"]["hard"],
        json!({"pods": "2", "requests.cpu": "150m"})
    );
    let (ok, _, err) = env.try_run(&["run", "b", "--image=nginx"], None).await;
    assert!(!ok);
    assert!(
        err.contains(r#"pods "b" is forbidden: exceeded quota: q, requested: requests.cpu=100m, used: requests.cpu=100m, limited: requests.cpu=150m"#),
        "{err}"
    );
    env.run(&["delete", "pod", "a"]).await;
    eventually(&env, &["get", "quota", "q", "-o", "json"], |q| {
        q["status"]["used"]["pods"] == "0"
    })
    .await;
    env.run(&["run", "b", "--image=nginx"]).await;
}

#[tokio::test]
async fn kubectl_drain_is_blocked_by_a_disruption_budget() {
    let Some(env) = Env::start().await else {
        return;
    };
    env.run_with(
        &["create", "-f", "-"],
        "apiVersion: v1\nkind: Node\nmetadata: {name: node-1}\n",
    )
    .await;
    env.run(&[
        "run",
        "web",
        "--image=nginx",
        "--labels=app=web",
        "--overrides",
        r#"{"spec":{"nodeName":"node-1"}}"#,
    ])
    .await;
    env.run(&["wait", "--for=condition=Ready", "pod/web", "--timeout=20s"])
        .await;
    env.run(&[
        "create",
        "pdb",
        "web",
        "--selector=app=web",
        "--min-available=1",
    ])
    .await;
    let pdb = eventually(&env, &["get", "pdb", "web", "-o", "json"], |p| {
        p["status"]["currentHealthy"] == 1
    })
    .await;
    assert_eq!(pdb["status"]["disruptionsAllowed"], 0);
    assert_eq!(pdb["status"]["desiredHealthy"], 1);
    let (ok, out, err) = env
        .try_run(&["drain", "node-1", "--force", "--timeout=3s"], None)
        .await;
    assert!(!ok, "{out}");
    assert!(
        err.contains("Cannot evict pod as it would violate the pod's disruption budget."),
        "{err}"
    );
    assert!(out.contains("node/node-1 cordoned"), "{out}");
    // The pod is still there; without the budget the drain evicts it.
    env.run(&["get", "pod", "web"]).await;
    env.run(&["delete", "pdb", "web"]).await;
    let out = env
        .run(&["drain", "node-1", "--force", "--timeout=20s"])
        .await;
    assert!(out.contains("pod/web evicted"), "{out}");
}
