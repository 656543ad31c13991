//! Defaulting of built-ins, immutable fields, and ownerReference garbage collection
//! (background, foreground, orphan).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use http::StatusCode;
use kclient_testserver::TestServer;
use serde_json::{Value, json};
use support::Client;
use support::kubectl::Env;

const CMS: &str = "/api/v1/namespaces/default/configmaps";

#[tokio::test]
async fn pods_deployments_and_services_get_defaults() {
    let server = TestServer::start().await.unwrap();
    let c = Client::admin(&server);
    let (s, pod) = c
        .post("/api/v1/namespaces/default/pods", json!({"metadata": {"name": "p"},
            "spec": {"containers": [{"name": "a", "image": "nginx"}, {"name": "b", "image": "nginx:1.27", "ports": [{"containerPort": 80}]}]}}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{pod}");
    let spec = &pod["spec"];
    assert_eq!(spec["restartPolicy"], "Always");
    assert_eq!(spec["dnsPolicy"], "ClusterFirst");
    assert_eq!(spec["schedulerName"], "default-scheduler");
    assert_eq!(spec["terminationGracePeriodSeconds"], 30);
    assert_eq!(spec["securityContext"], json!({}));
    assert_eq!(spec["containers"][0]["imagePullPolicy"], "Always");
    assert_eq!(spec["containers"][1]["imagePullPolicy"], "IfNotPresent");
    assert_eq!(
        spec["containers"][1]["terminationMessagePath"],
        "/dev/termination-log"
    );
    assert_eq!(spec["containers"][1]["terminationMessagePolicy"], "File");
    assert_eq!(spec["containers"][1]["ports"][0]["protocol"], "TCP");
    assert_eq!(pod["status"]["phase"], "Pending");

    let (s, dep) = c
        .post("/apis/apps/v1/namespaces/default/deployments", json!({"metadata": {"name": "d"},
            "spec": {"selector": {"matchLabels": {"a": "b"}}, "template": {"metadata": {"labels": {"a": "b"}},
                "spec": {"containers": [{"name": "a", "image": "a:1"}]}}}}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{dep}");
    assert_eq!(dep["spec"]["replicas"], 1);
    assert_eq!(dep["spec"]["revisionHistoryLimit"], 10);
    assert_eq!(dep["spec"]["progressDeadlineSeconds"], 600);
    assert_eq!(
        dep["spec"]["strategy"],
        json!({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}})
    );
    assert_eq!(dep["spec"]["template"]["spec"]["dnsPolicy"], "ClusterFirst");

    let svc_path = "/api/v1/namespaces/default/services";
    let (s, svc) = c
        .post(svc_path, json!({"metadata": {"name": "s"}, "spec": {"selector": {"a": "b"}, "ports": [{"port": 80}]}}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{svc}");
    let ip = svc["spec"]["clusterIP"].as_str().unwrap().to_string();
    let octets: Vec<u32> = ip.split('.').map(|o| o.parse().unwrap()).collect();
    assert!(octets[0] == 10 && (96..112).contains(&octets[1]), "{ip}");
    assert_eq!(svc["spec"]["clusterIPs"], json!([ip]));
    assert_eq!(svc["spec"]["ipFamilies"], json!(["IPv4"]));
    assert_eq!(svc["spec"]["type"], "ClusterIP");
    assert_eq!(svc["spec"]["sessionAffinity"], "None");
    assert_eq!(
        svc["spec"]["ports"][0],
        json!({"port": 80, "protocol": "TCP", "targetPort": 80})
    );
    // An update without the cluster IP keeps it; changing it is refused.
    let (s, kept) = c
        .put(
            &format!("{svc_path}/s"),
            json!({"metadata": {"name": "s"}, "spec": {"ports": [{"port": 81}]}}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{kept}");
    assert_eq!(kept["spec"]["clusterIP"], ip.as_str());
    let (s, st) = c
        .patch(
            &format!("{svc_path}/s"),
            "application/merge-patch+json",
            json!({"spec": {"clusterIP": "10.96.0.77", "clusterIPs": ["10.96.0.77"]}}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        st["message"],
        "Service \"s\" is invalid: spec.clusterIPs[0]: Invalid value: []string{\"10.96.0.77\"}: may not change once set"
    );
}

#[tokio::test]
async fn immutable_configmaps_and_secrets_keep_their_data() {
    let server = TestServer::start().await.unwrap();
    let c = Client::admin(&server);
    let (s, _) = c
        .post(
            CMS,
            json!({"metadata": {"name": "i"}, "immutable": true, "data": {"a": "1"}}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, st) = c
        .patch(
            &format!("{CMS}/i"),
            "application/merge-patch+json",
            json!({"data": {"a": "2"}}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        st["message"],
        "ConfigMap \"i\" is invalid: data: Forbidden: field is immutable when `immutable` is set"
    );
    let (s, _) = c
        .patch(
            &format!("{CMS}/i"),
            "application/merge-patch+json",
            json!({"metadata": {"labels": {"x": "y"}}}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "metadata stays mutable");
    let secrets = "/api/v1/namespaces/default/secrets";
    let (s, _) = c
        .post(
            secrets,
            json!({"metadata": {"name": "i"}, "immutable": true, "data": {"a": "MQ=="}}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, st) = c
        .patch(
            &format!("{secrets}/i"),
            "application/merge-patch+json",
            json!({"data": {"a": "Mg=="}}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{st}");
}

async fn owner_and_dependents(c: &Client) -> (String, Value) {
    let (_, owner) = c.post(CMS, json!({"metadata": {"name": "owner"}})).await;
    let uid = owner["metadata"]["uid"].as_str().unwrap().to_string();
    let oref = json!([{"apiVersion": "v1", "kind": "ConfigMap", "name": "owner", "uid": uid}]);
    for name in ["dep-1", "dep-2"] {
        let (s, _) = c
            .post(
                CMS,
                json!({"metadata": {"name": name, "ownerReferences": oref}}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED);
    }
    (uid, owner)
}

#[tokio::test]
async fn background_deletion_collects_dependents() {
    let server = TestServer::start().await.unwrap();
    let c = Client::admin(&server);
    owner_and_dependents(&c).await;
    // An object with another, living owner stays.
    let (_, other) = c.post(CMS, json!({"metadata": {"name": "other"}})).await;
    let (_, owner) = c.get(&format!("{CMS}/owner")).await;
    let refs = json!([
        {"apiVersion": "v1", "kind": "ConfigMap", "name": "owner", "uid": owner["metadata"]["uid"]},
        {"apiVersion": "v1", "kind": "ConfigMap", "name": "other", "uid": other["metadata"]["uid"]}]);
    c.post(
        CMS,
        json!({"metadata": {"name": "shared", "ownerReferences": refs}}),
    )
    .await;
    let (s, _) = c.delete(&format!("{CMS}/owner"), None).await;
    assert_eq!(s, StatusCode::OK);
    for name in ["owner", "dep-1", "dep-2"] {
        assert_eq!(
            c.get(&format!("{CMS}/{name}")).await.0,
            StatusCode::NOT_FOUND,
            "{name}"
        );
    }
    assert_eq!(c.get(&format!("{CMS}/shared")).await.0, StatusCode::OK);
}

#[tokio::test]
async fn foreground_deletion_waits_for_dependents() {
    let server = TestServer::start().await.unwrap();
    let c = Client::admin(&server);
    owner_and_dependents(&c).await;
    // dep-1 holds a finalizer, so the owner must wait for it.
    let (s, _) = c
        .patch(
            &format!("{CMS}/dep-1"),
            "application/merge-patch+json",
            json!({"metadata": {"finalizers": ["example.com/hold"]}}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, got) = c
        .delete(
            &format!("{CMS}/owner"),
            Some(json!({"propagationPolicy": "Foreground"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{got}");
    assert_eq!(got["metadata"]["finalizers"], json!(["foregroundDeletion"]));
    assert!(got["metadata"]["deletionTimestamp"].is_string());
    assert_eq!(
        c.get(&format!("{CMS}/dep-2")).await.0,
        StatusCode::NOT_FOUND
    );
    let (s, owner) = c.get(&format!("{CMS}/owner")).await;
    assert_eq!(s, StatusCode::OK, "the owner waits for dep-1");
    assert_eq!(
        owner["metadata"]["finalizers"],
        json!(["foregroundDeletion"])
    );
    let (_, dep1) = c.get(&format!("{CMS}/dep-1")).await;
    assert!(dep1["metadata"]["deletionTimestamp"].is_string());
    let (s, _) = c
        .patch(
            &format!("{CMS}/dep-1"),
            "application/merge-patch+json",
            json!({"metadata": {"finalizers": null}}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        c.get(&format!("{CMS}/dep-1")).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        c.get(&format!("{CMS}/owner")).await.0,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn orphan_deletion_keeps_dependents_without_the_reference() {
    let server = TestServer::start().await.unwrap();
    let c = Client::admin(&server);
    owner_and_dependents(&c).await;
    let (s, got) = c
        .delete(&format!("{CMS}/owner?propagationPolicy=Orphan"), None)
        .await;
    assert_eq!(s, StatusCode::OK, "{got}");
    assert_eq!(got["metadata"]["finalizers"], json!(["orphan"]));
    assert_eq!(
        c.get(&format!("{CMS}/owner")).await.0,
        StatusCode::NOT_FOUND
    );
    for name in ["dep-1", "dep-2"] {
        let (s, dep) = c.get(&format!("{CMS}/{name}")).await;
        assert_eq!(s, StatusCode::OK);
        assert!(dep["metadata"].get("ownerReferences").is_none(), "{dep}");
    }
    let (s, st) = c
        .delete(&format!("{CMS}/dep-1?propagationPolicy=Sideways"), None)
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        st["message"],
        "DeleteOptions.meta.k8s.io \"\" is invalid: propagationPolicy: Unsupported value: \"Sideways\": supported values: \"Foreground\", \"Background\", \"Orphan\""
    );
}

#[tokio::test]
async fn kubectl_sees_defaults_and_cascades() {
    let Some(env) = Env::start().await else {
        return;
    };
    env.run(&[
        "create",
        "deployment",
        "web",
        "--image=nginx:1.27",
        "--validate=false",
    ])
    .await;
    let out = env
        .run(&[
            "get",
            "deployment",
            "web",
            "-o",
            "jsonpath={.spec.strategy.type} {.spec.template.spec.containers[0].imagePullPolicy}",
        ])
        .await;
    assert_eq!(out, "RollingUpdate IfNotPresent");
    env.run(&["create", "configmap", "owner"]).await;
    let uid = env
        .run(&[
            "get",
            "configmap",
            "owner",
            "-o",
            "jsonpath={.metadata.uid}",
        ])
        .await;
    let dep = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "dep",
        "ownerReferences": [{"apiVersion": "v1", "kind": "ConfigMap", "name": "owner", "uid": uid}]}});
    env.run_with(&["create", "--validate=false", "-f", "-"], &dep.to_string())
        .await;
    env.run(&["delete", "configmap", "owner", "--cascade=orphan"])
        .await;
    let out = env
        .run(&[
            "get",
            "configmap",
            "dep",
            "-o",
            "jsonpath={.metadata.ownerReferences}",
        ])
        .await;
    assert_eq!(out, "");
}
