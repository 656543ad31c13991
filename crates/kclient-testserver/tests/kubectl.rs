//! The real kubectl against the test server, through a written kubeconfig. Skipped (with a
//! message) when kubectl is not installed, unless `KCLIENT_REQUIRE_KUBECTL=1`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../../../tests/support/shared_data.rs"]
mod shared_data;
mod support;

use kclient_testserver::TestServer;
use support::kubectl::Env;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};

#[tokio::test]
async fn kubectl_version_and_namespaces() {
    let Some(env) = Env::start().await else {
        return;
    };
    let v: Value = serde_json::from_str(&env.run(&["version", "-o", "json"]).await).unwrap();
    assert!(
        v["serverVersion"]["gitVersion"]
            .as_str()
            .unwrap()
            .starts_with("v1.36."),
        "{v}"
    );
    let ns = env.run(&["get", "ns"]).await;
    let lines: Vec<&str> = ns.lines().collect();
    assert!(
        lines[0].starts_with("NAME") && lines[0].contains("STATUS") && lines[0].contains("AGE"),
        "{ns}"
    );
    for name in ["default", "kube-node-lease", "kube-public", "kube-system"] {
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with(name) && l.contains("Active")),
            "{name} in {ns}"
        );
    }
}

/// The NAME/SHORTNAMES/APIVERSION/NAMESPACED/KIND rows the discovery documents imply, the way
/// kubectl picks them: each group's versions in preference order, first version of a resource
/// wins, subresources left out.
fn expected_api_resources(dir: &Path) -> BTreeSet<Vec<String>> {
    let fetch = |path: String| {
        let file = path.trim_start_matches('/').replace('/', "__") + ".json";
        serde_json::from_str::<Value>(&std::fs::read_to_string(dir.join(file)).unwrap()).unwrap()
    };
    let mut rows = BTreeSet::new();
    let mut groups: Vec<(String, Vec<String>)> = vec![(String::new(), vec!["v1".into()])];
    let apis = fetch("/apis".into());
    for g in apis["groups"].as_array().unwrap() {
        let versions = g["versions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["version"].as_str().unwrap().to_string())
            .collect();
        groups.push((g["name"].as_str().unwrap().to_string(), versions));
    }
    for (group, versions) in groups {
        let mut seen = BTreeSet::new();
        for version in versions {
            let (path, api_version) = if group.is_empty() {
                (format!("/api/{version}"), version.clone())
            } else {
                (
                    format!("/apis/{group}/{version}"),
                    format!("{group}/{version}"),
                )
            };
            let list = fetch(path);
            for r in list["resources"].as_array().unwrap() {
                let name = r["name"].as_str().unwrap().to_string();
                if name.contains('/') || !seen.insert(name.clone()) {
                    continue;
                }
                let short: Vec<&str> = r["shortNames"]
                    .as_array()
                    .map(|a| a.iter().map(|s| s.as_str().unwrap()).collect())
                    .unwrap_or_default();
                rows.insert(vec![
                    name,
                    short.join(","),
                    api_version.clone(),
                    r["namespaced"].as_bool().unwrap().to_string(),
                    r["kind"].as_str().unwrap().to_string(),
                ]);
            }
        }
    }
    rows
}

/// Splits kubectl's aligned table output into cells using the header's column positions.
fn table_rows(out: &str) -> Vec<Vec<String>> {
    let mut lines = out.lines();
    let header = lines.next().unwrap();
    let mut starts = Vec::new();
    let mut prev_space = true;
    for (i, ch) in header.char_indices() {
        if ch != ' ' && prev_space {
            starts.push(i);
        }
        prev_space = ch == ' ';
    }
    lines
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            starts
                .iter()
                .enumerate()
                .map(|(n, s)| {
                    let end = starts.get(n + 1).copied().unwrap_or(l.len()).min(l.len());
                    l.get(*s..end).unwrap_or_default().trim().to_string()
                })
                .collect()
        })
        .collect()
}

/// Whether an `apiVersion` is GA (`v1`, `apps/v1`, `autoscaling/v2`).
fn is_ga(api_version: &str) -> bool {
    let v = api_version.rsplit('/').next().unwrap_or_default();
    v.strip_prefix('v')
        .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
}

/// The group/versions a v1.36 kube-apiserver with default flags serves (`kubectl api-versions`).
const DEFAULT_API_VERSIONS: &[&str] = &[
    "admissionregistration.k8s.io/v1",
    "apiextensions.k8s.io/v1",
    "apiregistration.k8s.io/v1",
    "apps/v1",
    "authentication.k8s.io/v1",
    "authorization.k8s.io/v1",
    "autoscaling/v1",
    "autoscaling/v2",
    "batch/v1",
    "certificates.k8s.io/v1",
    "coordination.k8s.io/v1",
    "discovery.k8s.io/v1",
    "events.k8s.io/v1",
    "flowcontrol.apiserver.k8s.io/v1",
    "networking.k8s.io/v1",
    "node.k8s.io/v1",
    "policy/v1",
    "rbac.authorization.k8s.io/v1",
    "resource.k8s.io/v1",
    "scheduling.k8s.io/v1",
    "storage.k8s.io/v1",
    "v1",
];

fn assert_same_rows(got: &BTreeSet<Vec<String>>, want: &BTreeSet<Vec<String>>) {
    let missing: Vec<_> = want.difference(got).collect();
    let extra: Vec<_> = got.difference(want).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing {missing:?}\nextra {extra:?}"
    );
}

/// With `--runtime-config=api/all=true` every group/version of the shared v1.36 discovery
/// documents (captured from a server with everything on) is served.
#[tokio::test]
async fn kubectl_api_resources_match_discovery() {
    let Some(dir) = shared_data::shared_v136("discovery", "apis.json") else {
        return;
    };
    let Some(env) = Env::start_with(TestServer::builder().runtime_config("api/all=true")).await
    else {
        return;
    };
    let out = env.run(&["api-resources"]).await;
    assert!(out.starts_with("NAME"), "{out}");
    let got: BTreeSet<Vec<String>> = table_rows(&out).into_iter().collect();
    assert_same_rows(&got, &expected_api_resources(&dir));
}

/// By default, what a real server with default flags serves: the GA group/versions only;
/// `--runtime-config` turns others on one by one.
#[tokio::test]
async fn kubectl_api_resources_and_versions_by_default_and_with_runtime_config() {
    let Some(dir) = shared_data::shared_v136("discovery", "apis.json") else {
        return;
    };
    let Some(env) = Env::start().await else {
        return;
    };
    let versions = env.run(&["api-versions"]).await;
    assert_eq!(versions.lines().collect::<Vec<_>>(), DEFAULT_API_VERSIONS);
    let got: BTreeSet<Vec<String>> = table_rows(&env.run(&["api-resources"]).await)
        .into_iter()
        .collect();
    let want: BTreeSet<Vec<String>> = expected_api_resources(&dir)
        .into_iter()
        .filter(|row| is_ga(&row[2]))
        .collect();
    assert_same_rows(&got, &want);
    let (ok, _, err) = env
        .try_run(
            &["get", "--raw", "/apis/storagemigration.k8s.io/v1beta1"],
            None,
        )
        .await;
    assert!(!ok && err.contains("NotFound"), "{err}");

    let Some(env) = Env::start_with(
        TestServer::builder().runtime_config("storagemigration.k8s.io/v1beta1=true,batch/v1=false"),
    )
    .await
    else {
        return;
    };
    let versions = env.run(&["api-versions"]).await;
    assert!(
        versions
            .lines()
            .any(|l| l == "storagemigration.k8s.io/v1beta1")
    );
    assert!(!versions.lines().any(|l| l.starts_with("batch/")));
    let resources = env
        .run(&[
            "api-resources",
            "--api-group=storagemigration.k8s.io",
            "-o",
            "name",
        ])
        .await;
    assert_eq!(
        resources.trim(),
        "storageversionmigrations.storagemigration.k8s.io"
    );
}

#[tokio::test]
async fn kubectl_configmap_lifecycle() {
    let Some(env) = Env::start().await else {
        return;
    };
    let created = env
        .run(&["create", "configmap", "app", "--from-literal=color=blue"])
        .await;
    assert_eq!(created.trim(), "configmap/app created");
    let cm: Value =
        serde_json::from_str(&env.run(&["get", "cm", "app", "-o", "json"]).await).unwrap();
    assert_eq!(cm["data"]["color"], "blue");
    assert_eq!(cm["metadata"]["namespace"], "default");
    assert_eq!(
        env.run(&["label", "cm", "app", "tier=web"]).await.trim(),
        "configmap/app labeled"
    );
    let listed = env
        .run(&["get", "cm", "-l", "tier=web", "-o", "name"])
        .await;
    assert_eq!(listed.trim(), "configmap/app");
    let table = env.run(&["get", "cm"]).await;
    assert!(
        table
            .lines()
            .next()
            .unwrap()
            .split_whitespace()
            .eq(["NAME", "DATA", "AGE"]),
        "{table}"
    );
    assert_eq!(
        env.run(&["delete", "cm", "app"]).await.trim(),
        "configmap \"app\" deleted"
    );
    let out = env.command(&["get", "cm", "app"]).output().await.unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("configmaps \"app\" not found"));
    let _ = &env.server;
}

#[tokio::test]
async fn kubectl_watch_sees_a_change() {
    let Some(env) = Env::start().await else {
        return;
    };
    env.run(&["create", "configmap", "first"]).await;
    let mut child = env
        .command(&["get", "cm", "--watch", "-o", "name"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let seen = tokio::time::timeout(Duration::from_secs(30), async {
        let first = lines.next_line().await.unwrap().unwrap();
        assert_eq!(first, "configmap/first");
        env.run(&["create", "configmap", "second"]).await;
        loop {
            let line = lines
                .next_line()
                .await
                .unwrap()
                .expect("kubectl watch ended");
            if line == "configmap/second" {
                return line;
            }
        }
    })
    .await
    .expect("kubectl --watch did not print the new configmap within 30s");
    assert_eq!(seen, "configmap/second");
    child.kill().await.unwrap();
}

/// `kubectl create configmap`, `kubectl label`, `kubectl patch`: the three `Update` entries a
/// real server records (structured-merge-diff semantics: the `.` entry for the map the labeller
/// created, the patched key moving from kubectl-create to kubectl-patch, kubectl-create left
/// with the `data` map it created).
#[tokio::test]
async fn kubectl_managed_fields_of_create_label_patch() {
    let Some(env) = Env::start().await else {
        return;
    };
    env.run(&["create", "configmap", "mf", "--from-literal=foo=bar"])
        .await;
    env.run(&["label", "configmap", "mf", "env=test"]).await;
    env.run(&[
        "patch",
        "configmap",
        "mf",
        "--type=merge",
        "-p",
        r#"{"data":{"foo":"baz"}}"#,
    ])
    .await;
    let cm: Value = serde_json::from_str(
        &env.run(&["get", "cm", "mf", "-o", "json", "--show-managed-fields"])
            .await,
    )
    .unwrap();
    let entries = cm["metadata"]["managedFields"].as_array().unwrap();
    let shown: Vec<Value> = entries
        .iter()
        .map(|e| {
            assert!(e["time"].as_str().unwrap().ends_with('Z'), "{e}");
            serde_json::json!({"manager": e["manager"], "operation": e["operation"],
                "apiVersion": e["apiVersion"], "fieldsType": e["fieldsType"], "fieldsV1": e["fieldsV1"]})
        })
        .collect();
    let entry = |manager: &str, fields: Value| {
        serde_json::json!({"manager": manager, "operation": "Update", "apiVersion": "v1",
            "fieldsType": "FieldsV1", "fieldsV1": fields})
    };
    assert_eq!(
        shown,
        vec![
            entry("kubectl-create", serde_json::json!({"f:data": {}})),
            entry(
                "kubectl-label",
                serde_json::json!({"f:metadata": {"f:labels": {".": {}, "f:env": {}}}})
            ),
            entry(
                "kubectl-patch",
                serde_json::json!({"f:data": {"f:foo": {}}})
            ),
        ]
    );
    // Server-side apply next to them: an `Apply` entry (first, as the real server sorts),
    // owning what the configuration names, without `.` entries.
    env.run_with(
        &["apply", "--server-side", "--field-manager=ssa", "-f", "-"],
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: mf\ndata:\n  other: x\n",
    )
    .await;
    let cm: Value = serde_json::from_str(
        &env.run(&["get", "cm", "mf", "-o", "json", "--show-managed-fields"])
            .await,
    )
    .unwrap();
    let first = &cm["metadata"]["managedFields"][0];
    assert_eq!(first["manager"], "ssa");
    assert_eq!(first["operation"], "Apply");
    assert_eq!(
        first["fieldsV1"],
        serde_json::json!({"f:data": {"f:other": {}}})
    );
    assert_eq!(cm["metadata"]["managedFields"].as_array().unwrap().len(), 4);
}
