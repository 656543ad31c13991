//! Seeding objects at start: the builder's `seed_path`/`seed_yaml` and the binary's `--seed`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::process::Stdio;
use std::time::Duration;

use http::StatusCode;
use kclient_testserver::TestServer;
use serde_json::Value;
use support::Client;
use tokio::io::{AsyncBufReadExt, BufReader};

const CRD: &str = r#"
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget, listKind: WidgetList}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              size: {type: integer}
"#;

/// A custom resource before its CRD and a ConfigMap before its namespace: seeding orders them.
const APP: &str = r#"
apiVersion: example.com/v1
kind: Widget
metadata: {name: w1, namespace: team}
spec: {size: 3}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: team, labels: {app: demo}}
data: {color: blue}
---
# an empty document is skipped
---
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Secret
  metadata: {name: creds}
  stringData: {password: hunter2}
- apiVersion: v1
  kind: Service
  metadata: {name: web}
  spec:
    ports: [{port: 80}]
---
apiVersion: v1
kind: Namespace
metadata: {name: team}
"#;

#[tokio::test]
async fn seeded_objects_are_served_as_if_created() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("10-app.yaml"), APP).unwrap();
    std::fs::write(dir.path().join("00-crd.yml"), CRD).unwrap();
    std::fs::write(dir.path().join("README.md"), "not a seed").unwrap();
    let json = r#"{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "from-json"}}"#;
    std::fs::write(dir.path().join("20-cm.json"), json).unwrap();
    let server = TestServer::builder()
        .seed_path(dir.path())
        .seed_yaml("apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: bot}\n")
        .start()
        .await
        .unwrap();
    let c = Client::admin(&server);

    let (s, ns) = c.get("/api/v1/namespaces/team").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(ns["status"]["phase"], "Active");
    let (s, cm) = c.get("/api/v1/namespaces/team/configmaps/settings").await;
    assert_eq!(s, StatusCode::OK, "{cm}");
    assert_eq!(cm["data"]["color"], "blue");
    assert!(!cm["metadata"]["uid"].as_str().unwrap().is_empty());
    assert!(
        !cm["metadata"]["resourceVersion"]
            .as_str()
            .unwrap()
            .is_empty()
    );
    // Defaulting ran: the secret's type, the service's type and cluster IP.
    let (_, secret) = c.get("/api/v1/namespaces/default/secrets/creds").await;
    assert_eq!(secret["type"], "Opaque");
    let (_, svc) = c.get("/api/v1/namespaces/default/services/web").await;
    assert_eq!(svc["spec"]["type"], "ClusterIP");
    assert!(
        svc["spec"]["clusterIP"]
            .as_str()
            .unwrap()
            .starts_with("10.")
    );
    let (s, w) = c
        .get("/apis/example.com/v1/namespaces/team/widgets/w1")
        .await;
    assert_eq!(s, StatusCode::OK, "{w}");
    assert_eq!(w["spec"]["size"], 3);
    let (s, _) = c
        .get("/api/v1/namespaces/default/configmaps/from-json")
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = c
        .get("/api/v1/namespaces/default/serviceaccounts/bot")
        .await;
    assert_eq!(s, StatusCode::OK);
    // Seeded objects are visible to watches from resourceVersion 0 like any other.
    // The seeded namespace got its `kube-root-ca.crt` when it was created, as on a real
    // cluster; it sorts before the seeded ConfigMap.
    let mut watch = c
        .watch("/api/v1/namespaces/team/configmaps?watch=true&resourceVersion=0")
        .await;
    assert_eq!(
        watch.next_kind_name().await,
        ("ADDED".to_string(), "kube-root-ca.crt".to_string())
    );
    assert_eq!(
        watch.next_kind_name().await,
        ("ADDED".to_string(), "settings".to_string())
    );
}

async fn start_err(builder: kclient_testserver::TestServerBuilder) -> String {
    match builder.start().await {
        Ok(_) => panic!("the server started despite a bad seed"),
        Err(e) => e.to_string(),
    }
}

#[tokio::test]
async fn bad_seeds_stop_the_start_with_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("x.yaml");
    std::fs::write(
        &file,
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ok}\n---\n\
         apiVersion: v1\nkind: ConfigMap\nmetadata: {name: foo, namespace: nope}\n",
    )
    .unwrap();
    let err = start_err(TestServer::builder().seed_path(&file)).await;
    assert_eq!(
        err,
        format!(
            "seed file {}, document 2 (ConfigMap nope/foo): namespaces \"nope\" not found",
            file.display()
        )
    );

    let err = start_err(
        TestServer::builder()
            .seed_yaml("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: Bad_Name}\n"),
    )
    .await;
    assert!(
        err.starts_with("seed text 1, document 1 (ConfigMap default/Bad_Name): ConfigMap \"Bad_Name\" is invalid: metadata.name: Invalid value: \"Bad_Name\""),
        "{err}"
    );

    let err = start_err(
        TestServer::builder()
            .seed_yaml("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n")
            .seed_yaml("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n"),
    )
    .await;
    assert_eq!(
        err,
        "seed text 2, document 1 (ConfigMap default/a): configmaps \"a\" already exists"
    );

    let err = start_err(
        TestServer::builder()
            .seed_yaml("apiVersion: example.com/v1\nkind: Gadget\nmetadata: {name: g}\n"),
    )
    .await;
    assert_eq!(
        err,
        "seed text 1, document 1 (Gadget g): no matches for kind \"Gadget\" in version \"example.com/v1\""
    );

    let err = start_err(TestServer::builder().seed_yaml("metadata: {name: x}\n")).await;
    assert_eq!(
        err,
        "seed text 1, document 1 (x): apiVersion not set, kind not set"
    );

    // Strict field validation, as `kubectl create -f` asks for.
    let err = start_err(
        TestServer::builder()
            .seed_yaml("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndatta: {}\n"),
    )
    .await;
    assert!(
        err.contains("strict decoding error: unknown field \"datta\""),
        "{err}"
    );

    let err = start_err(TestServer::builder().seed_yaml("a: [\n")).await;
    assert_eq!(err, "seed text 1, document 1: not valid YAML");

    let err = start_err(TestServer::builder().seed_path(dir.path().join("missing"))).await;
    assert!(err.starts_with("cannot read seed path "), "{err}");
}

/// The binary with `--seed`, checked with kubectl.
#[tokio::test]
async fn binary_seeds_and_kubectl_sees_the_objects() {
    let Some(kubectl) = support::kubectl::kubectl() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let seeds = dir.path().join("seeds");
    std::fs::create_dir(&seeds).unwrap();
    std::fs::write(seeds.join("app.yaml"), APP).unwrap();
    let crd = dir.path().join("crd.yaml");
    std::fs::write(&crd, CRD).unwrap();
    let kubeconfig = dir.path().join("kubeconfig");
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_kclient-testserver"))
        .arg("--seed")
        .arg(&seeds)
        .arg("--seed")
        .arg(&crd)
        .arg("--kubeconfig-out")
        .arg(&kubeconfig)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    tokio::time::timeout(Duration::from_secs(30), async {
        while let Some(line) = lines.next_line().await.unwrap() {
            if line.starts_with("kubeconfig written to") {
                return;
            }
        }
        panic!("the server exited before writing the kubeconfig");
    })
    .await
    .expect("no kubeconfig within 30s");

    let run = |args: &[&str]| {
        let shown = format!("{args:?}");
        let mut cmd = tokio::process::Command::new(&kubectl);
        cmd.args(args)
            .env("KUBECONFIG", &kubeconfig)
            .env("KUBECACHEDIR", dir.path().join("cache"))
            .env("HOME", dir.path())
            .stdin(Stdio::null());
        async move {
            let out = tokio::time::timeout(Duration::from_secs(60), cmd.output())
                .await
                .expect("kubectl timed out")
                .unwrap();
            assert!(
                out.status.success(),
                "kubectl {shown}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            String::from_utf8_lossy(&out.stdout).into_owned()
        }
    };
    let names = run(&["get", "cm,widgets", "-n", "team", "-o", "name"]).await;
    let names: Vec<&str> = names.lines().collect();
    assert!(names.contains(&"configmap/settings"), "{names:?}");
    assert!(names.contains(&"widget.example.com/w1"), "{names:?}");
    let svc: Value =
        serde_json::from_str(&run(&["get", "svc", "web", "-o", "json"]).await).unwrap();
    assert_eq!(svc["spec"]["ports"][0]["targetPort"], 80);
    child.kill().await.unwrap();
}

/// The binary refuses to start on a bad seed and says why on stderr.
#[tokio::test]
async fn binary_refuses_a_bad_seed() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.yaml");
    std::fs::write(
        &file,
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: ghost}\n",
    )
    .unwrap();
    let out = tokio::time::timeout(
        Duration::from_secs(30),
        tokio::process::Command::new(env!("CARGO_BIN_EXE_kclient-testserver"))
            .arg("--seed")
            .arg(&file)
            .stdin(Stdio::null())
            .output(),
    )
    .await
    .expect("the binary did not exit")
    .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stderr.trim(),
        format!(
            "error: seed file {}, document 1 (ConfigMap ghost/c): namespaces \"ghost\" not found",
            file.display()
        )
    );
    assert!(!String::from_utf8_lossy(&out.stdout).contains("listening"));
}
