//! The default admission plugins and controllers of a v1.36 cluster, on the wire: what a fresh
//! cluster and every new namespace hold, ServiceAccount / Priority / DefaultTolerationSeconds
//! on pods, LimitRanger, ResourceQuota, the default StorageClass and IngressClass, TokenReview,
//! SelfSubjectRulesReview and PodDisruptionBudget-aware eviction — each with the real server's
//! answers and messages.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::time::Duration;

use http::StatusCode;
use kclient_testserver::TestServer;
use serde_json::{Value, json};
use support::Client;

const PODS: &str = "/api/v1/namespaces/default/pods";

fn pod(name: &str, extra: Value) -> Value {
    let mut p = json!({"metadata": {"name": name},
        "spec": {"containers": [{"name": "app", "image": "nginx"}]}});
    if let (Some(spec), Some(extra)) = (p["spec"].as_object_mut(), extra.as_object()) {
        for (k, v) in extra {
            spec.insert(k.clone(), v.clone());
        }
    }
    p
}

/// Polls `path` until `ok` holds for the body (10 s at most).
async fn eventually(c: &Client, path: &str, ok: impl Fn(StatusCode, &Value) -> bool) -> Value {
    for _ in 0..200 {
        let (s, v) = c.get(path).await;
        if ok(s, &v) {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{path} never reached the expected state");
}

fn names(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["metadata"]["name"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn a_fresh_cluster_holds_what_a_real_one_holds() {
    let server = TestServer::start().await.unwrap();
    let c = Client::admin(&server);
    for ns in ["default", "kube-system", "kube-public", "kube-node-lease"] {
        let (s, sa) = c
            .get(&format!("/api/v1/namespaces/{ns}/serviceaccounts/default"))
            .await;
        assert_eq!(s, StatusCode::OK, "{ns}: {sa}");
        let (s, cm) = c
            .get(&format!(
                "/api/v1/namespaces/{ns}/configmaps/kube-root-ca.crt"
            ))
            .await;
        assert_eq!(s, StatusCode::OK, "{ns}: {cm}");
        assert_eq!(cm["data"]["ca.crt"], server.ca_pem());
        assert!(
            cm["metadata"]["annotations"]["kubernetes.io/description"]
                .as_str()
                .unwrap()
                .starts_with("Contains a CA bundle that can be used to verify the kube-apiserver")
        );
    }
    let (_, svc) = c
        .get("/api/v1/namespaces/default/services/kubernetes")
        .await;
    assert_eq!(svc["spec"]["clusterIP"], "10.96.0.1");
    assert_eq!(
        svc["spec"]["ports"],
        json!([{"name": "https", "port": 443, "protocol": "TCP", "targetPort": 6443}])
    );
    assert_eq!(
        svc["metadata"]["labels"],
        json!({"component": "apiserver", "provider": "kubernetes"})
    );
    let port = server.addr().port();
    let (_, ep) = c
        .get("/api/v1/namespaces/default/endpoints/kubernetes")
        .await;
    assert_eq!(ep["subsets"][0]["addresses"][0]["ip"], "127.0.0.1");
    assert_eq!(ep["subsets"][0]["ports"][0]["port"], port);
    let (_, slice) = c
        .get("/apis/discovery.k8s.io/v1/namespaces/default/endpointslices/kubernetes")
        .await;
    assert_eq!(slice["addressType"], "IPv4");
    assert_eq!(slice["endpoints"][0]["addresses"], json!(["127.0.0.1"]));
    assert_eq!(slice["ports"][0]["port"], port);
    let (_, cs) = c.get("/api/v1/componentstatuses").await;
    assert_eq!(names(&cs), ["controller-manager", "etcd-0", "scheduler"]);
    assert_eq!(cs["items"][0]["conditions"][0]["type"], "Healthy");
    let (_, pcs) = c.get("/apis/scheduling.k8s.io/v1/priorityclasses").await;
    assert_eq!(
        names(&pcs),
        ["system-cluster-critical", "system-node-critical"]
    );
    assert_eq!(pcs["items"][1]["value"], 2_000_001_000);

    let rbac = "/apis/rbac.authorization.k8s.io/v1";
    let (_, roles) = c.get(&format!("{rbac}/clusterroles")).await;
    let roles = names(&roles);
    for r in [
        "cluster-admin",
        "admin",
        "edit",
        "view",
        "system:discovery",
        "system:basic-user",
        "system:public-info-viewer",
        "system:auth-delegator",
        "system:node",
        "system:kube-scheduler",
        "system:kube-controller-manager",
    ] {
        assert!(roles.iter().any(|n| n == r), "{r} in {roles:?}");
    }
    let (_, admin) = c.get(&format!("{rbac}/clusterroles/cluster-admin")).await;
    assert_eq!(
        admin["rules"],
        json!([{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]},
               {"nonResourceURLs": ["*"], "verbs": ["*"]}])
    );
    assert_eq!(
        admin["metadata"]["labels"]["kubernetes.io/bootstrapping"],
        "rbac-defaults"
    );
    // `view` is aggregated from system:aggregate-to-view, as the aggregation controller does.
    let (_, view) = c.get(&format!("{rbac}/clusterroles/view")).await;
    let (_, to_view) = c
        .get(&format!("{rbac}/clusterroles/system:aggregate-to-view"))
        .await;
    assert_eq!(view["rules"], to_view["rules"]);
    assert!(view["aggregationRule"].is_object());
    let (_, edit) = c.get(&format!("{rbac}/clusterroles/edit")).await;
    assert!(edit["rules"].as_array().unwrap().len() > view["rules"].as_array().unwrap().len());
    let (_, b) = c
        .get(&format!("{rbac}/clusterrolebindings/cluster-admin"))
        .await;
    assert_eq!(
        b["subjects"],
        json!([{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": "system:masters"}])
    );

    // A new namespace gets its ServiceAccount and CA ConfigMap; the controllers put them back.
    c.post("/api/v1/namespaces", json!({"metadata": {"name": "team"}}))
        .await;
    let sa = "/api/v1/namespaces/team/serviceaccounts/default";
    let cm = "/api/v1/namespaces/team/configmaps/kube-root-ca.crt";
    assert_eq!(c.get(sa).await.0, StatusCode::OK);
    assert_eq!(c.get(cm).await.0, StatusCode::OK);
    c.delete(sa, None).await;
    eventually(&c, sa, |s, _| s == StatusCode::OK).await;
    let (_, mut changed) = c.get(cm).await;
    changed["data"]["ca.crt"] = json!("tampered");
    assert_eq!(c.put(cm, changed).await.0, StatusCode::OK);
    let ca = server.ca_pem().to_string();
    eventually(&c, cm, |_, v| v["data"]["ca.crt"] == ca.as_str()).await;
    // A user-made aggregated ClusterRole gets the rules of the roles it selects.
    c.post(
        &format!("{rbac}/clusterroles"),
        json!({"metadata": {"name": "monitoring"},
            "aggregationRule": {"clusterRoleSelectors": [{"matchLabels": {"example.com/monitoring": "true"}}]}}),
    )
    .await;
    c.post(
        &format!("{rbac}/clusterroles"),
        json!({"metadata": {"name": "monitoring-pods", "labels": {"example.com/monitoring": "true"}},
            "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}]}),
    )
    .await;
    eventually(&c, &format!("{rbac}/clusterroles/monitoring"), |_, v| {
        v["rules"] == json!([{"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}])
    })
    .await;
}

#[tokio::test]
async fn pods_are_admitted_like_a_real_server_admits_them() {
    let server = TestServer::start().await.unwrap();
    let c = Client::admin(&server);
    let (s, p) = c
        .post(
            PODS,
            json!({"metadata": {"name": "web"}, "spec": {
                "initContainers": [{"name": "init", "image": "busybox"}],
                "containers": [{"name": "app", "image": "nginx"}]}}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{p}");
    let spec = &p["spec"];
    assert_eq!(spec["serviceAccountName"], "default");
    assert_eq!(spec["serviceAccount"], "default");
    assert_eq!(spec["priority"], 0);
    assert_eq!(spec["preemptionPolicy"], "PreemptLowerPriority");
    assert_eq!(
        spec["tolerations"],
        json!([
            {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300},
            {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300}
        ])
    );
    let volume = spec["volumes"][0]["name"].as_str().unwrap();
    let suffix = volume.strip_prefix("kube-api-access-").unwrap();
    assert_eq!(suffix.len(), 5);
    assert!(
        suffix
            .chars()
            .all(|ch| "bcdfghjklmnpqrstvwxz2456789".contains(ch))
    );
    assert_eq!(
        spec["volumes"][0]["projected"],
        json!({"defaultMode": 420, "sources": [
            {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
            {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
            {"downwardAPI": {"items": [{"path": "namespace",
                "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}}]}}]})
    );
    let mount = json!([{"name": volume, "readOnly": true,
        "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount"}]);
    assert_eq!(spec["containers"][0]["volumeMounts"], mount);
    assert_eq!(spec["initContainers"][0]["volumeMounts"], mount);

    // automountServiceAccountToken: false on the pod, or on the ServiceAccount.
    let (_, p) = c
        .post(
            PODS,
            pod("quiet", json!({"automountServiceAccountToken": false})),
        )
        .await;
    assert!(p["spec"].get("volumes").is_none(), "{p}");
    assert!(p["spec"]["containers"][0].get("volumeMounts").is_none());
    c.post(
        "/api/v1/namespaces/default/serviceaccounts",
        json!({"metadata": {"name": "bot"}, "automountServiceAccountToken": false,
               "imagePullSecrets": [{"name": "regcred"}]}),
    )
    .await;
    let (_, p) = c
        .post(PODS, pod("bot", json!({"serviceAccountName": "bot"})))
        .await;
    assert!(p["spec"].get("volumes").is_none(), "{p}");
    assert_eq!(p["spec"]["imagePullSecrets"], json!([{"name": "regcred"}]));
    // The pod's own setting wins over the ServiceAccount's.
    let (_, p) = c
        .post(
            PODS,
            pod(
                "bot2",
                json!({"serviceAccountName": "bot", "automountServiceAccountToken": true}),
            ),
        )
        .await;
    assert_eq!(p["spec"]["volumes"].as_array().unwrap().len(), 1);

    // A missing ServiceAccount is refused as the real server refuses it.
    let (s, e) = c
        .post(PODS, pod("ghost", json!({"serviceAccountName": "nobody"})))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(e["reason"], "Forbidden");
    assert_eq!(
        e["message"],
        r#"pods "ghost" is forbidden: error looking up service account default/nobody: serviceaccount "nobody" not found"#
    );

    // Priority classes.
    let (s, e) = c
        .post(PODS, pod("vip", json!({"priorityClassName": "gold"})))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(
        e["message"],
        r#"pods "vip" is forbidden: no PriorityClass with name gold was found"#
    );
    let (_, p) = c
        .post(
            PODS,
            pod(
                "critical",
                json!({"priorityClassName": "system-node-critical"}),
            ),
        )
        .await;
    assert_eq!(p["spec"]["priority"], 2_000_001_000);
    let classes = "/apis/scheduling.k8s.io/v1/priorityclasses";
    let (s, pc) = c
        .post(
            classes,
            json!({"metadata": {"name": "batch"}, "value": 100, "globalDefault": true,
                   "preemptionPolicy": "Never"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{pc}");
    let (_, p) = c.post(PODS, pod("job", json!({}))).await;
    assert_eq!(p["spec"]["priorityClassName"], "batch");
    assert_eq!(p["spec"]["priority"], 100);
    assert_eq!(p["spec"]["preemptionPolicy"], "Never");
    let (s, e) = c.post(PODS, pod("liar", json!({"priority": 7}))).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(
        e["message"],
        r#"pods "liar" is forbidden: the integer value of priority (7) must not be provided in pod spec; priority admission controller computed 100 from the given PriorityClass name"#
    );
    let (s, e) = c
        .post(
            classes,
            json!({"metadata": {"name": "other"}, "value": 5, "globalDefault": true}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(
        e["message"],
        r#"priorityclasses.scheduling.k8s.io "other" is forbidden: PriorityClass batch is already marked as default. Only one default can exist"#
    );
    let (_, pc) = c
        .post(classes, json!({"metadata": {"name": "low"}, "value": 1}))
        .await;
    assert_eq!(pc["preemptionPolicy"], "PreemptLowerPriority");
}

#[tokio::test]
async fn limit_ranges_and_quotas() {
    let server = TestServer::start().await.unwrap();
    let c = Client::admin(&server);
    let (s, lr) = c
        .post(
            "/api/v1/namespaces/default/limitranges",
            json!({"metadata": {"name": "limits"}, "spec": {"limits": [{"type": "Container",
                "default": {"cpu": "500m"}, "max": {"cpu": "1", "memory": "1Gi"}}]}}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{lr}");
    // SetDefaults_LimitRange: default from max, defaultRequest from default.
    assert_eq!(
        lr["spec"]["limits"][0]["default"],
        json!({"cpu": "500m", "memory": "1Gi"})
    );
    assert_eq!(
        lr["spec"]["limits"][0]["defaultRequest"],
        json!({"cpu": "500m", "memory": "1Gi"})
    );
    let (s, p) = c.post(PODS, pod("a", json!({}))).await;
    assert_eq!(s, StatusCode::CREATED, "{p}");
    assert_eq!(
        p["spec"]["containers"][0]["resources"],
        json!({"limits": {"cpu": "500m", "memory": "1Gi"}, "requests": {"cpu": "500m", "memory": "1Gi"}})
    );
    assert_eq!(
        p["metadata"]["annotations"]["kubernetes.io/limit-ranger"],
        "LimitRanger plugin set: cpu, memory request for container app; cpu, memory limit for container app"
    );
    assert_eq!(p["status"]["qosClass"], "Guaranteed");
    let big = json!({"metadata": {"name": "big"}, "spec": {"containers": [{"name": "app", "image": "nginx",
        "resources": {"limits": {"cpu": "2"}}}]}});
    let (s, e) = c.post(PODS, big).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(
        e["message"],
        r#"pods "big" is forbidden: maximum cpu usage per Container is 1, but limit is 2"#
    );

    let quotas = "/api/v1/namespaces/default/resourcequotas";
    let (s, q) = c
        .post(
            quotas,
            json!({"metadata": {"name": "compute"}, "spec": {"hard": {"pods": "2", "requests.cpu": "1", "configmaps": "3"}}}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{q}");
    // The quota controller's usage of what the namespace already holds: pod a, and the CA
    // ConfigMap.
    let (_, q) = c.get(&format!("{quotas}/compute")).await;
    assert_eq!(
        q["status"],
        json!({"hard": {"configmaps": "3", "pods": "2", "requests.cpu": "1"},
               "used": {"configmaps": "1", "pods": "1", "requests.cpu": "500m"}})
    );
    let (s, _) = c.post(PODS, pod("b", json!({}))).await;
    assert_eq!(s, StatusCode::CREATED);
    let (_, q) = c.get(&format!("{quotas}/compute")).await;
    assert_eq!(q["status"]["used"]["pods"], "2");
    assert_eq!(q["status"]["used"]["requests.cpu"], "1");
    let (s, e) = c.post(PODS, pod("c", json!({}))).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(e["reason"], "Forbidden");
    assert_eq!(
        e["message"],
        r#"pods "c" is forbidden: exceeded quota: compute, requested: pods=1,requests.cpu=500m, used: pods=2,requests.cpu=1, limited: pods=2,requests.cpu=1"#
    );
    // A dry run is checked but not charged.
    let (s, _) = c
        .post(
            "/api/v1/namespaces/default/configmaps?dryRun=All",
            json!({"metadata": {"name": "x"}}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (_, q) = c.get(&format!("{quotas}/compute")).await;
    assert_eq!(q["status"]["used"]["configmaps"], "1");
    // Deleting a pod gives its usage back (the quota controller).
    c.delete(&format!("{PODS}/a"), None).await;
    eventually(&c, &format!("{quotas}/compute"), |_, q| {
        q["status"]["used"]["pods"] == "1"
    })
    .await;
    let (s, _) = c.post(PODS, pod("c", json!({}))).await;
    assert_eq!(s, StatusCode::CREATED);
}

#[tokio::test]
async fn default_storage_and_ingress_classes() {
    let server = TestServer::start().await.unwrap();
    let c = Client::admin(&server);
    let pvcs = "/api/v1/namespaces/default/persistentvolumeclaims";
    let claim = |name: &str| {
        json!({"metadata": {"name": name}, "spec": {"accessModes": ["ReadWriteOnce"],
            "resources": {"requests": {"storage": "1Gi"}}}})
    };
    let (_, before) = c.post(pvcs, claim("before")).await;
    assert!(before["spec"].get("storageClassName").is_none(), "{before}");
    c.post(
        "/apis/storage.k8s.io/v1/storageclasses",
        json!({"metadata": {"name": "fast", "annotations": {"storageclass.kubernetes.io/is-default-class": "true"}},
               "provisioner": "example.com/fast"}),
    )
    .await;
    let (_, after) = c.post(pvcs, claim("after")).await;
    assert_eq!(after["spec"]["storageClassName"], "fast");
    let mut explicit = claim("explicit");
    explicit["spec"]["storageClassName"] = json!("");
    let (_, explicit) = c.post(pvcs, explicit).await;
    assert_eq!(explicit["spec"]["storageClassName"], "");

    c.post(
        "/apis/networking.k8s.io/v1/ingressclasses",
        json!({"metadata": {"name": "nginx", "annotations": {"ingressclass.kubernetes.io/is-default-class": "true"}},
               "spec": {"controller": "k8s.io/ingress-nginx"}}),
    )
    .await;
    let (_, ing) = c
        .post(
            "/apis/networking.k8s.io/v1/namespaces/default/ingresses",
            json!({"metadata": {"name": "web"}, "spec": {"defaultBackend": {"service": {"name": "web", "port": {"number": 80}}}}}),
        )
        .await;
    assert_eq!(ing["spec"]["ingressClassName"], "nginx");
}

fn review(kind: &str, spec: Value) -> Value {
    let group = if kind == "TokenReview" {
        "authentication.k8s.io"
    } else {
        "authorization.k8s.io"
    };
    json!({"apiVersion": format!("{group}/v1"), "kind": kind, "spec": spec})
}

#[tokio::test]
async fn token_reviews_say_who_a_token_is() {
    let server = TestServer::start().await.unwrap();
    let c = Client::admin(&server);
    let reviews = "/apis/authentication.k8s.io/v1/tokenreviews";
    let (s, tr) = c
        .post(
            "/api/v1/namespaces/default/serviceaccounts/default/token",
            json!({"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "spec": {}}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{tr}");
    let token = tr["status"]["token"].as_str().unwrap();
    let (s, r) = c
        .post(reviews, review("TokenReview", json!({"token": token})))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    assert_eq!(r["kind"], "TokenReview");
    assert_eq!(r["status"]["authenticated"], true);
    let user = &r["status"]["user"];
    assert_eq!(user["username"], "system:serviceaccount:default:default");
    assert_eq!(
        user["groups"],
        json!([
            "system:serviceaccounts",
            "system:serviceaccounts:default",
            "system:authenticated"
        ])
    );
    assert!(
        user["extra"]["authentication.kubernetes.io/credential-id"][0]
            .as_str()
            .unwrap()
            .starts_with("JTI=")
    );
    assert_eq!(
        r["status"]["audiences"],
        json!(["https://kubernetes.default.svc.cluster.local"])
    );
    // Another audience: not for this token.
    let (_, r) = c
        .post(
            reviews,
            review(
                "TokenReview",
                json!({"token": token, "audiences": ["vault"]}),
            ),
        )
        .await;
    assert_eq!(r["status"], json!({"user": {}}));
    let (_, r) = c
        .post(
            reviews,
            review("TokenReview", json!({"token": server.admin_token()})),
        )
        .await;
    assert_eq!(r["status"]["user"]["username"], "kclient-testserver-admin");
    let (_, r) = c
        .post(reviews, review("TokenReview", json!({"token": "nope"})))
        .await;
    assert_eq!(r["status"], json!({"user": {}}));
    assert!(r["status"].get("authenticated").is_none());
}

#[tokio::test]
async fn rules_reviews_list_what_the_caller_may_do() {
    let path = "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews";
    let everything = json!({
        "resourceRules": [{"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]}],
        "nonResourceRules": [{"verbs": ["*"], "nonResourceURLs": ["*"]}],
        "incomplete": false});
    // RBAC off: everyone may do everything.
    let server = TestServer::start().await.unwrap();
    let (s, r) = Client::admin(&server)
        .post(
            path,
            review("SelfSubjectRulesReview", json!({"namespace": "default"})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    assert_eq!(r["status"], everything);

    let server = TestServer::builder().rbac(true).start().await.unwrap();
    let admin = Client::admin(&server);
    let (_, r) = admin
        .post(
            path,
            review("SelfSubjectRulesReview", json!({"namespace": "default"})),
        )
        .await;
    assert_eq!(r["status"], everything);
    admin
        .post(
            "/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings",
            json!({"metadata": {"name": "alice-view"},
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"},
                "subjects": [{"kind": "User", "name": "alice", "apiGroup": "rbac.authorization.k8s.io"}]}),
        )
        .await;
    let (cert, key) = server.client_certificate("alice", &[]).unwrap();
    let alice = Client::with_cert(&server, cert, key);
    let (s, r) = alice
        .post(
            path,
            review("SelfSubjectRulesReview", json!({"namespace": "default"})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    let rules = r["status"]["resourceRules"].as_array().unwrap();
    // The bootstrap basic-user rules, then the view role's.
    assert!(rules.contains(
        &json!({"verbs": ["create"], "apiGroups": ["authorization.k8s.io"],
        "resources": ["selfsubjectaccessreviews", "selfsubjectrulesreviews"]})
    ));
    assert!(rules.iter().any(
        |r| r["resources"].as_array().unwrap().contains(&json!("pods"))
            && r["verbs"] == json!(["get", "list", "watch"])
    ));
    assert!(
        r["status"]["nonResourceRules"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["nonResourceURLs"]
                .as_array()
                .unwrap()
                .contains(&json!("/api")))
    );
    // In another namespace only the cluster-wide bindings count.
    let (_, r) = alice
        .post(
            path,
            review("SelfSubjectRulesReview", json!({"namespace": "other"})),
        )
        .await;
    let rules = r["status"]["resourceRules"].as_array().unwrap();
    assert!(
        !rules
            .iter()
            .any(|r| r["resources"].as_array().unwrap().contains(&json!("pods")))
    );
    // The bootstrap roles are what the authorizer uses: alice may list pods in default only.
    assert_eq!(alice.get(PODS).await.0, StatusCode::OK);
    assert_eq!(
        alice.get("/api/v1/namespaces/other/pods").await.0,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn disruption_budgets_block_evictions() {
    let server = TestServer::start().await.unwrap();
    let c = Client::admin(&server);
    c.post("/api/v1/nodes", json!({"metadata": {"name": "node-1"}}))
        .await;
    for name in ["web-1", "web-2"] {
        let mut p = pod(name, json!({"nodeName": "node-1"}));
        p["metadata"]["labels"] = json!({"app": "web"});
        let (s, body) = c.post(PODS, p).await;
        assert_eq!(s, StatusCode::CREATED, "{body}");
        eventually(&c, &format!("{PODS}/{name}"), |_, p| {
            p["status"]["phase"] == "Running"
        })
        .await;
    }
    let pdbs = "/apis/policy/v1/namespaces/default/poddisruptionbudgets";
    let (s, pdb) = c
        .post(
            pdbs,
            json!({"metadata": {"name": "web"}, "spec": {"minAvailable": 2,
                "selector": {"matchLabels": {"app": "web"}}}}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{pdb}");
    // The disruption controller's status.
    let (_, pdb) = c.get(&format!("{pdbs}/web")).await;
    let status = &pdb["status"];
    assert_eq!(status["currentHealthy"], 2);
    assert_eq!(status["desiredHealthy"], 2);
    assert_eq!(status["disruptionsAllowed"], 0);
    assert_eq!(status["expectedPods"], 2);
    assert_eq!(status["observedGeneration"], 1);
    assert_eq!(status["conditions"][0]["type"], "DisruptionAllowed");
    assert_eq!(status["conditions"][0]["status"], "False");
    assert_eq!(status["conditions"][0]["reason"], "InsufficientPods");

    let evict = |name: &str| json!({"apiVersion": "policy/v1", "kind": "Eviction", "metadata": {"name": name, "namespace": "default"}});
    let (s, e) = c
        .post(&format!("{PODS}/web-1/eviction"), evict("web-1"))
        .await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "{e}");
    assert_eq!(
        e,
        json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": "Cannot evict pod as it would violate the pod's disruption budget.",
            "reason": "TooManyRequests",
            "details": {"causes": [{"reason": "DisruptionBudget",
                "message": "The disruption budget web needs 2 healthy pods and has 2 currently"}]},
            "code": 429})
    );
    assert_eq!(c.get(&format!("{PODS}/web-1")).await.0, StatusCode::OK);

    // Lowering the budget allows one disruption; the eviction takes it.
    let (_, mut pdb) = c.get(&format!("{pdbs}/web")).await;
    pdb["spec"]["minAvailable"] = json!(1);
    assert_eq!(c.put(&format!("{pdbs}/web"), pdb).await.0, StatusCode::OK);
    eventually(&c, &format!("{pdbs}/web"), |_, p| {
        p["status"]["disruptionsAllowed"] == 1 && p["status"]["observedGeneration"] == 2
    })
    .await;
    let (s, body) = c
        .post(&format!("{PODS}/web-1/eviction"), evict("web-1"))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    eventually(&c, &format!("{PODS}/web-1"), |s, _| {
        s == StatusCode::NOT_FOUND
    })
    .await;
    let pdb = eventually(&c, &format!("{pdbs}/web"), |_, p| {
        p["status"]["expectedPods"] == 1
    })
    .await;
    assert_eq!(pdb["status"]["disruptionsAllowed"], 0);
    let (s, _) = c
        .post(&format!("{PODS}/web-2/eviction"), evict("web-2"))
        .await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
}
