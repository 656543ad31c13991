//! Turning a kubeconfig `exec` section into an [`ExecConfig`], with client-go's checks: only
//! `client.authentication.k8s.io/v1` and `v1beta1`, `interactiveMode` required by v1 (v1beta1
//! defaults to `IfAvailable`), a command and named env variables. The plugin is not run here.

use std::path::Path;

use crate::config::{ExecClusterInfo, ExecConfig, InteractiveMode};
use crate::error::{Error, Result};
use crate::exec_credential::{V1, V1BETA1};
use crate::kubeconfig::ExecAuth;

/// The cluster extension whose value is passed to exec plugins as `spec.cluster.config`.
pub const EXEC_CLUSTER_EXTENSION: &str = "client.authentication.k8s.io/exec";

/// Validates `exec` (of user `user`, read from `origin`) and converts it. `cluster` is the
/// cluster information to pass when `provideClusterInfo` is set.
pub(crate) fn exec_config(
    exec: &ExecAuth,
    user: &str,
    origin: Option<&Path>,
    cluster: impl FnOnce() -> Result<ExecClusterInfo>,
) -> Result<ExecConfig> {
    let invalid = |reason: &str| Error::InvalidExec {
        user: user.to_owned(),
        origin: origin.map(Path::to_owned),
        reason: reason.to_owned(),
    };
    if exec.command.is_empty() {
        return Err(invalid("command must be specified"));
    }
    let api_version = exec
        .api_version
        .clone()
        .ok_or_else(|| invalid("apiVersion must be specified"))?;
    if api_version != V1 && api_version != V1BETA1 {
        return Err(Error::UnsupportedExecApiVersion {
            user: user.to_owned(),
            origin: origin.map(Path::to_owned),
            api_version,
        });
    }
    if exec.env.iter().any(|e| e.name.is_empty()) {
        return Err(invalid("env variable name must be specified"));
    }
    let interactive_mode = match exec.interactive_mode.as_deref() {
        Some("Never") => InteractiveMode::Never,
        Some("IfAvailable") => InteractiveMode::IfAvailable,
        Some("Always") => InteractiveMode::Always,
        Some(other) => {
            return Err(invalid(&format!(
                "invalid interactiveMode {other:?} (must be Never, IfAvailable or Always)"
            )));
        }
        None if api_version == V1 => {
            return Err(invalid(&format!(
                "interactiveMode must be specified for {V1} (Never, IfAvailable or Always)"
            )));
        }
        None => InteractiveMode::IfAvailable,
    };
    let cluster = if exec.provide_cluster_info {
        Some(cluster()?)
    } else {
        None
    };
    Ok(ExecConfig {
        api_version,
        command: exec.command.clone(),
        args: exec.args.clone(),
        env: exec
            .env
            .iter()
            .map(|e| (e.name.clone(), e.value.clone()))
            .collect(),
        install_hint: exec.install_hint.as_deref().map(clean_control_chars),
        provide_cluster_info: exec.provide_cluster_info,
        interactive_mode,
        cluster,
    })
}

/// Replaces control characters other than whitespace (`\t`, `\n`, `\v`, `\f`, `\r`) with their
/// `U+XXXX` name, so an install hint cannot send escape sequences to a terminal (client-go's
/// `cleanANSIEscapeCodes`).
pub(crate) fn clean_control_chars(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_control() && !('\t'..='\r').contains(&c) {
            out.push_str(&format!("U+{:04X}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;
    use crate::kubeconfig::ExecEnvVar;

    fn exec(api: &str, mode: Option<&str>) -> ExecAuth {
        ExecAuth {
            api_version: Some(api.into()),
            command: "plugin".into(),
            args: vec!["get-token".into()],
            env: vec![ExecEnvVar {
                name: "A".into(),
                value: "b".into(),
            }],
            interactive_mode: mode.map(Into::into),
            ..Default::default()
        }
    }

    fn no_cluster() -> Result<ExecClusterInfo> {
        panic!("cluster info must not be asked for")
    }

    #[test]
    fn v1_requires_interactive_mode() {
        let e = exec_config(&exec(V1, None), "u", None, no_cluster).unwrap_err();
        assert!(
            e.to_string().contains("interactiveMode must be specified"),
            "{e}"
        );
        let c = exec_config(&exec(V1, Some("Never")), "u", None, no_cluster).unwrap();
        assert_eq!(c.interactive_mode, InteractiveMode::Never);
        assert_eq!(c.env, [("A".to_owned(), "b".to_owned())]);
        assert_eq!(c.args, ["get-token"]);
    }

    #[test]
    fn v1beta1_defaults_if_available() {
        let c = exec_config(&exec(V1BETA1, None), "u", None, no_cluster).unwrap();
        assert_eq!(c.interactive_mode, InteractiveMode::IfAvailable);
        let c = exec_config(&exec(V1BETA1, Some("Always")), "u", None, no_cluster).unwrap();
        assert_eq!(c.interactive_mode, InteractiveMode::Always);
    }

    #[test]
    fn other_versions_rejected() {
        let e = exec_config(
            &exec("client.authentication.k8s.io/v1alpha1", Some("Never")),
            "me",
            None,
            no_cluster,
        )
        .unwrap_err();
        assert!(
            matches!(&e, Error::UnsupportedExecApiVersion { api_version, user, .. }
            if api_version == "client.authentication.k8s.io/v1alpha1" && user == "me")
        );
        assert!(e.to_string().contains("v1alpha1"));
    }

    #[test]
    fn bad_mode_and_missing_fields() {
        let e = exec_config(&exec(V1, Some("Sometimes")), "u", None, no_cluster).unwrap_err();
        assert!(e.to_string().contains("\"Sometimes\""), "{e}");
        let mut x = exec(V1, Some("Never"));
        x.command.clear();
        let e = exec_config(&x, "u", None, no_cluster).unwrap_err();
        assert!(e.to_string().contains("command must be specified"));
        let mut x = exec(V1, Some("Never"));
        x.api_version = None;
        let e = exec_config(&x, "u", None, no_cluster).unwrap_err();
        assert!(e.to_string().contains("apiVersion must be specified"));
        let mut x = exec(V1, Some("Never"));
        x.env[0].name.clear();
        let e = exec_config(&x, "u", None, no_cluster).unwrap_err();
        assert!(e.to_string().contains("env variable name"));
    }

    #[test]
    fn cluster_info_only_when_asked() {
        let mut x = exec(V1, Some("Never"));
        x.provide_cluster_info = true;
        let c = exec_config(&x, "u", None, || {
            Ok(ExecClusterInfo {
                server: "https://s".into(),
                ..Default::default()
            })
        })
        .unwrap();
        assert_eq!(c.cluster.unwrap().server, "https://s");
    }

    #[test]
    fn install_hint_is_cleaned() {
        assert_eq!(
            clean_control_chars("\u{1b}[1mbold\u{1b}[0m\tok\n"),
            "U+001B[1mboldU+001B[0m\tok\n"
        );
    }
}
