//! The real kubectl against the test server, through a written kubeconfig. Skipped (with a
//! message) when kubectl is not installed, unless `KCLIENT_REQUIRE_KUBECTL=1`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../../../tests/support/shared_data.rs"]
mod shared_data;
mod support;

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

#[tokio::test]
async fn kubectl_api_resources_match_discovery() {
    let Some(dir) = shared_data::shared_v136("discovery", "apis.json") else {
        return;
    };
    let Some(env) = Env::start().await else {
        return;
    };
    let out = env.run(&["api-resources"]).await;
    assert!(out.starts_with("NAME"), "{out}");
    let got: BTreeSet<Vec<String>> = table_rows(&out).into_iter().collect();
    let want = expected_api_resources(&dir);
    let missing: Vec<_> = want.difference(&got).collect();
    let extra: Vec<_> = got.difference(&want).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing {missing:?}\nextra {extra:?}"
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
