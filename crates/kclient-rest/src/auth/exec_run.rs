//! Running an exec credential plugin once: the command with its arguments, the process
//! environment plus the configured variables plus `KUBERNETES_EXEC_INFO`, standard input only in
//! interactive mode, and standard output decoded as an `ExecCredential`.
//!
//! Standard error goes to this process's standard error, as client-go passes it through: plugins
//! write prompts and diagnostics there, and those may quote credentials, so kclient never
//! captures it into an error or a log line.

use std::io::IsTerminal;
use std::process::Stdio;

use kclient_config::exec_credential::{EXEC_INFO_ENV, ExecCredential, exec_info_json};
use kclient_config::{ExecConfig, InteractiveMode};

use crate::Error;
use crate::metrics::{ExecCallStatus, SharedMetrics};

/// Runs the plugin and returns its checked credential; the call is counted in `metrics` as
/// client-go counts it (by how the process ended, not by what it printed).
pub(crate) async fn run_plugin(
    exec: &ExecConfig,
    metrics: Option<&SharedMetrics>,
) -> Result<ExecCredential, Error> {
    let count = |code: i32, status: ExecCallStatus| {
        if let Some(m) = metrics {
            m.exec_plugin_call(code, status);
        }
    };
    let fail = |reason: String, source: Option<std::io::Error>| Error::ExecPlugin {
        command: exec.command.clone(),
        reason,
        source,
    };
    let interactive = decide_interactive(exec.interactive_mode, std::io::stdin().is_terminal())
        .map_err(|reason| {
            count(1, ExecCallStatus::ClientInternalError);
            fail(reason, None)
        })?;
    let info = exec_info_json(exec, interactive).map_err(|e| {
        count(1, ExecCallStatus::ClientInternalError);
        fail(format!("cannot encode {EXEC_INFO_ENV}: {e}"), None)
    })?;

    let mut command = tokio::process::Command::new(&exec.command);
    command
        .args(&exec.args)
        .envs(exec.env.iter().map(|(k, v)| (k, v)))
        .env(EXEC_INFO_ENV, info)
        .stdout(Stdio::piped())
        .kill_on_drop(true);
    command.stderr(Stdio::inherit());
    if interactive {
        command.stdin(Stdio::inherit());
    } else {
        command.stdin(Stdio::null());
    }
    tracing::debug!(command = %exec.command, interactive, "running exec credential plugin");
    let output = output_retrying_busy(&mut command).await.map_err(|e| {
        let reason = if e.kind() == std::io::ErrorKind::NotFound {
            count(1, ExecCallStatus::PluginNotFoundError);
            not_found_reason(exec.install_hint.as_deref())
        } else {
            count(1, ExecCallStatus::ClientInternalError);
            "the plugin could not be started".to_string()
        };
        fail(reason, Some(e))
    })?;
    if !output.status.success() {
        count(
            output.status.code().unwrap_or(1),
            ExecCallStatus::PluginExecutionError,
        );
        return Err(fail(
            format!(
                "the plugin {} (its standard error, if any, went to this process's)",
                exit_description(&output.status)
            ),
            None,
        ));
    }
    count(0, ExecCallStatus::NoError);
    ExecCredential::from_plugin_output(&output.stdout, &exec.api_version).map_err(|e| {
        fail(
            format!("the plugin returned an unusable ExecCredential: {e}"),
            None,
        )
    })
}

/// Runs `command` to completion. A plugin binary that was just written may be briefly "busy"
/// (another thread's fork still holds a write handle to it): that is retried a few times.
async fn output_retrying_busy(
    command: &mut tokio::process::Command,
) -> std::io::Result<std::process::Output> {
    let mut tries = 0;
    loop {
        match command.output().await {
            Err(e) if e.kind() == std::io::ErrorKind::ExecutableFileBusy && tries < 5 => {
                tries += 1;
                tokio::time::sleep(std::time::Duration::from_millis(20 * tries)).await;
            }
            result => return result,
        }
    }
}

/// Whether the plugin gets standard input, per its interactive mode and whether we have a
/// terminal (client-go's rules).
pub(crate) fn decide_interactive(
    mode: InteractiveMode,
    stdin_is_tty: bool,
) -> Result<bool, String> {
    match mode {
        InteractiveMode::Never => Ok(false),
        InteractiveMode::IfAvailable => Ok(stdin_is_tty),
        InteractiveMode::Always if stdin_is_tty => Ok(true),
        InteractiveMode::Always => {
            Err("interactiveMode is Always but standard input is not a terminal".to_string())
        }
    }
}

/// The "not found" message, with the install hint when there is one.
fn not_found_reason(hint: Option<&str>) -> String {
    match hint.map(str::trim).filter(|h| !h.is_empty()) {
        Some(hint) => format!("executable not found; {hint}"),
        None => "executable not found".to_string(),
    }
}

/// "exited with status 3" / "was killed by a signal".
fn exit_description(status: &std::process::ExitStatus) -> String {
    match status.code() {
        Some(code) => format!("exited with status {code}"),
        None => "was terminated by a signal".to_string(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    #[test]
    fn interactive_rules() {
        assert_eq!(decide_interactive(InteractiveMode::Never, true), Ok(false));
        assert_eq!(
            decide_interactive(InteractiveMode::IfAvailable, true),
            Ok(true)
        );
        assert_eq!(
            decide_interactive(InteractiveMode::IfAvailable, false),
            Ok(false)
        );
        assert!(decide_interactive(InteractiveMode::Always, false).is_err());
    }

    #[test]
    fn hint_is_appended() {
        assert_eq!(
            not_found_reason(Some("install it with brew")),
            "executable not found; install it with brew"
        );
        assert_eq!(not_found_reason(None), "executable not found");
    }
}
