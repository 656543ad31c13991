//! `api_resources_table` prints what `kubectl api-resources` prints, byte for byte, for the same
//! server. Skipped (with a message) when kubectl is not installed, unless
//! `KCLIENT_REQUIRE_KUBECTL=1`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::process::Command;

use kclient_discovery::print::{
    ApiResourcesOptions, ApiResourcesOutput, ApiResourcesSort, api_resources_table,
};
use kclient_discovery::{Discovery, DiscoveryClient};
use support::Target;

/// kubectl's path, or `None` (after saying so) when it is missing and not required.
fn kubectl() -> Option<String> {
    let kubectl = std::env::var("KUBECTL").unwrap_or_else(|_| "kubectl".to_string());
    match Command::new(&kubectl)
        .arg("version")
        .arg("--client")
        .output()
    {
        Ok(out) if out.status.success() => Some(kubectl),
        _ if std::env::var("KCLIENT_REQUIRE_KUBECTL").as_deref() == Ok("1") => {
            panic!("{kubectl} is not runnable and KCLIENT_REQUIRE_KUBECTL=1")
        }
        _ => {
            eprintln!(
                "skipping: {kubectl} is not installed (set KCLIENT_REQUIRE_KUBECTL=1 to fail)"
            );
            None
        }
    }
}

/// Runs kubectl without blocking the runtime the test server runs on.
async fn run_kubectl(kubectl: &str, target: &Target, args: &[&str]) -> String {
    let out = tokio::process::Command::new(kubectl)
        .arg("api-resources")
        .args(args)
        .arg("--kubeconfig")
        .arg(&target.kubeconfig)
        .arg("--cache-dir")
        .arg(target.dir.path().join("kubectl-cache"))
        .env_remove("KUBECONFIG")
        .output()
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "kubectl api-resources {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[tokio::test]
async fn api_resources_output_is_identical_to_kubectl() {
    let Some(kubectl) = kubectl() else {
        return;
    };
    let target = Target::start().await;
    let lists = DiscoveryClient::for_config(&target.config)
        .unwrap()
        .server_preferred_resources()
        .await
        .unwrap()
        .into_result()
        .unwrap();
    let cases: Vec<(Vec<&str>, ApiResourcesOptions)> = vec![
        (vec![], ApiResourcesOptions::default()),
        (
            vec!["-o", "wide"],
            ApiResourcesOptions {
                output: ApiResourcesOutput::Wide,
                ..Default::default()
            },
        ),
        (
            vec!["-o", "name"],
            ApiResourcesOptions {
                output: ApiResourcesOutput::Name,
                ..Default::default()
            },
        ),
        (
            vec!["--namespaced=false"],
            ApiResourcesOptions {
                namespaced: Some(false),
                ..Default::default()
            },
        ),
        (
            vec!["--namespaced=true", "-o", "wide", "--sort-by=kind"],
            ApiResourcesOptions {
                namespaced: Some(true),
                output: ApiResourcesOutput::Wide,
                sort_by: ApiResourcesSort::Kind,
                ..Default::default()
            },
        ),
        (
            vec!["--api-group=apps", "--no-headers"],
            ApiResourcesOptions {
                api_group: Some("apps".into()),
                no_headers: true,
                ..Default::default()
            },
        ),
        (
            vec!["--api-group=", "--sort-by=name"],
            ApiResourcesOptions {
                api_group: Some(String::new()),
                sort_by: ApiResourcesSort::Name,
                ..Default::default()
            },
        ),
        (
            vec!["--verbs=list,watch", "--categories=all"],
            ApiResourcesOptions {
                verbs: vec!["list".into(), "watch".into()],
                categories: vec!["all".into()],
                ..Default::default()
            },
        ),
    ];
    for (args, options) in cases {
        let expected = run_kubectl(&kubectl, &target, &args).await;
        let ours = api_resources_table(&lists, &options);
        assert!(
            ours == expected,
            "kubectl api-resources {args:?} differs\n--- kubectl\n{expected}\n--- kclient\n{ours}"
        );
    }
}
