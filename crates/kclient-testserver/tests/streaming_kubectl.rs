//! The streaming pod subresources driven by the real kubectl: `exec` (exit codes, stderr,
//! stdin), `logs` (follow, tail, since, timestamps, limit-bytes), `cp` both ways with a 1 MiB
//! random file, and `attach`. Skips when kubectl is missing (see support/kubectl.rs).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::process::Stdio;
use std::time::Duration;

use support::kubectl::Env;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

const MANIFEST: &str = r#"
apiVersion: v1
kind: Node
metadata: {name: node-1}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
data: {app.conf: "mode=test\n"}
---
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  nodeName: node-1
  containers:
  - name: app
    image: busybox:1.36
    command: ["sh"]
    stdin: true
    env: [{name: GREETING, value: hello}]
    volumeMounts: [{name: config, mountPath: /etc/app}]
  volumes:
  - name: config
    configMap: {name: settings}
---
apiVersion: v1
kind: Pod
metadata: {name: unscheduled}
spec:
  containers: [{name: app, image: busybox}]
"#;

async fn env_with_pod() -> Option<Env> {
    let env = Env::start().await?;
    env.run_with(&["create", "-f", "-"], MANIFEST).await;
    env.run(&["wait", "--for=condition=Ready", "pod/web", "--timeout=30s"])
        .await;
    Some(env)
}

/// Runs kubectl; (exit code, stdout, stderr).
async fn run_code(env: &Env, args: &[&str], stdin: Option<&[u8]>) -> (i32, Vec<u8>, String) {
    run_code_with(env, args, stdin, &[]).await
}

/// Runs kubectl with extra environment variables; (exit code, stdout, stderr).
async fn run_code_with(
    env: &Env,
    args: &[&str],
    stdin: Option<&[u8]>,
    vars: &[(&str, &str)],
) -> (i32, Vec<u8>, String) {
    let mut cmd = env.command(args);
    cmd.envs(vars.iter().copied());
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    if stdin.is_some() {
        cmd.stdin(Stdio::piped());
    }
    let mut child = cmd.spawn().unwrap();
    if let (Some(input), Some(mut pipe)) = (stdin, child.stdin.take()) {
        pipe.write_all(input).await.unwrap();
        drop(pipe);
    }
    let out = tokio::time::timeout(Duration::from_secs(60), child.wait_with_output())
        .await
        .unwrap_or_else(|_| panic!("kubectl {args:?} timed out"))
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        out.stdout,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test]
async fn exec_streams_output_errors_and_exit_codes() {
    let Some(env) = env_with_pod().await else {
        return;
    };
    let (code, out, err) = run_code(
        &env,
        &[
            "exec",
            "web",
            "--",
            "sh",
            "-c",
            "echo a; echo b >&2; exit 3",
        ],
        None,
    )
    .await;
    assert_eq!(code, 3, "{err}");
    assert_eq!(out, b"a\n");
    assert!(err.starts_with("b\n"), "{err}");
    assert!(err.contains("command terminated with exit code 3"), "{err}");

    let (code, out, _) = run_code(
        &env,
        &["exec", "-i", "web", "--", "cat"],
        Some(b"line one\nline two\n"),
    )
    .await;
    assert_eq!((code, out.as_slice()), (0, &b"line one\nline two\n"[..]));

    let out = env
        .run(&[
            "exec",
            "web",
            "-c",
            "app",
            "--",
            "sh",
            "-c",
            "cat /etc/app/app.conf; echo $GREETING; hostname",
        ])
        .await;
    assert_eq!(out, "mode=test\nhello\nweb\n");

    let (code, _, err) = run_code(&env, &["exec", "web", "--", "nosuch"], None).await;
    assert_eq!(code, 127);
    assert!(err.contains("sh: nosuch: not found"), "{err}");

    let (code, _, err) = run_code(&env, &["exec", "missing", "--", "ls"], None).await;
    assert_ne!(code, 0);
    assert!(err.contains("pods \"missing\" not found"), "{err}");
    let (_, _, err) = run_code(&env, &["exec", "unscheduled", "--", "ls"], None).await;
    assert!(
        err.contains("pod unscheduled does not have a host assigned"),
        "{err}"
    );
    let (_, _, err) = run_code(&env, &["exec", "web", "-c", "nope", "--", "ls"], None).await;
    assert!(
        err.contains("container nope is not valid for pod web"),
        "{err}"
    );
}

#[tokio::test]
async fn logs_follow_and_options() {
    let Some(env) = env_with_pod().await else {
        return;
    };
    let first = env.run(&["logs", "web"]).await;
    assert_eq!(
        first,
        "kclient-testserver: container app started (image busybox:1.36)\n"
    );

    let mut follow = env.command(&["logs", "-f", "web"]);
    follow.stdout(Stdio::piped());
    let mut child = follow.spawn().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let line = tokio::time::timeout(Duration::from_secs(20), lines.next_line())
        .await
        .unwrap()
        .unwrap();
    assert!(line.unwrap().contains("started"));
    env.run(&[
        "exec",
        "web",
        "--",
        "sh",
        "-c",
        "echo written-later > /proc/1/fd/1",
    ])
    .await;
    let line = tokio::time::timeout(Duration::from_secs(20), lines.next_line())
        .await
        .expect("the followed log did not deliver the new line")
        .unwrap();
    assert_eq!(line.as_deref(), Some("written-later"));
    child.kill().await.unwrap();

    env.run(&[
        "exec",
        "web",
        "--",
        "sh",
        "-c",
        "echo third >/proc/1/fd/1; echo fourth >/proc/1/fd/2",
    ])
    .await;
    assert_eq!(
        env.run(&["logs", "web", "--tail=2"]).await,
        "third\nfourth\n"
    );
    assert_eq!(env.run(&["logs", "web", "--limit-bytes=5"]).await, "kclie");
    assert_eq!(
        env.run(&["logs", "web", "--since=1h"])
            .await
            .lines()
            .count(),
        4
    );
    assert_eq!(
        env.run(&["logs", "web", "--since-time=2999-01-01T00:00:00Z"])
            .await,
        ""
    );
    let stamped = env.run(&["logs", "web", "--timestamps", "--tail=1"]).await;
    let (ts, rest) = stamped.split_once(' ').unwrap();
    assert_eq!(rest, "fourth\n");
    assert_eq!(ts.len(), "2026-01-02T03:04:05.123456789Z".len(), "{ts}");
    assert!(ts.parse::<jiff::Timestamp>().is_ok(), "{ts}");
    let (ok, _, err) = env.try_run(&["logs", "web", "--previous"], None).await;
    assert!(!ok);
    assert!(
        err.contains("previous terminated container \"app\" in pod \"web\" not found"),
        "{err}"
    );
}

#[tokio::test]
async fn cp_round_trips_a_mebibyte_of_random_bytes() {
    let Some(env) = env_with_pod().await else {
        return;
    };
    let data: Vec<u8> = (0..1 << 20).map(|_| fastrand::u8(..)).collect();
    let local = env.dir.path().join("data.bin");
    std::fs::write(&local, &data).unwrap();
    let local_str = local.to_str().unwrap();
    env.run(&["cp", local_str, "web:/tmp/data.bin"]).await;
    assert_eq!(
        env.run(&["exec", "web", "--", "wc", "-c", "/tmp/data.bin"])
            .await,
        "1048576 /tmp/data.bin\n"
    );
    // Into an existing directory: the file keeps its name.
    env.run(&["exec", "web", "--", "mkdir", "-p", "/srv/in"])
        .await;
    env.run(&["cp", local_str, "web:/srv/in"]).await;
    assert_eq!(
        env.run(&["exec", "web", "--", "ls", "/srv/in"]).await,
        "data.bin\n"
    );

    let back = env.dir.path().join("back.bin");
    env.run(&["cp", "web:/tmp/data.bin", back.to_str().unwrap()])
        .await;
    assert!(std::fs::read(&back).unwrap() == data, "the bytes differ");
}

#[tokio::test]
async fn attach_sees_the_main_process() {
    let Some(env) = env_with_pod().await else {
        return;
    };
    let (code, out, err) = run_code(
        &env,
        &["attach", "-i", "web"],
        Some(b"echo hi-from-attach\necho $GREETING\n"),
    )
    .await;
    assert_eq!(code, 0, "{err}");
    let out = String::from_utf8(out).unwrap();
    assert!(out.contains("hi-from-attach\nhello\n"), "{out:?} {err}");
    // What the main process wrote is in the log.
    assert!(env.run(&["logs", "web", "--tail=2"]).await == "hi-from-attach\nhello\n");
}

/// kubectl's SPDY executor (`KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false`, what kubectl before 1.30
/// and client-go's fallback use): `POST` with `Upgrade: SPDY/3.1`, one stream per channel.
#[tokio::test]
async fn exec_and_attach_over_spdy() {
    let Some(env) = env_with_pod().await else {
        return;
    };
    let spdy = [("KUBECTL_REMOTE_COMMAND_WEBSOCKETS", "false")];
    let (code, out, err) = run_code_with(
        &env,
        &[
            "exec",
            "web",
            "--",
            "sh",
            "-c",
            "echo a; echo b >&2; exit 3",
        ],
        None,
        &spdy,
    )
    .await;
    assert_eq!(code, 3, "{err}");
    assert_eq!(out, b"a\n");
    assert!(err.starts_with("b\n"), "{err}");
    assert!(err.contains("command terminated with exit code 3"), "{err}");

    let (code, out, err) = run_code_with(
        &env,
        &["exec", "-i", "web", "--", "cat"],
        Some(b"line one\nline two\n"),
        &spdy,
    )
    .await;
    assert_eq!(
        (code, out.as_slice()),
        (0, &b"line one\nline two\n"[..]),
        "{err}"
    );

    let (code, out, err) = run_code_with(
        &env,
        &["attach", "-i", "web"],
        Some(b"echo over-spdy\n"),
        &spdy,
    )
    .await;
    assert_eq!(code, 0, "{err}");
    assert!(
        String::from_utf8_lossy(&out).contains("over-spdy\n"),
        "{err}"
    );

    // cp runs tar over the same executor.
    let data: Vec<u8> = (0..200_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let src = env.dir.path().join("spdy.bin");
    std::fs::write(&src, &data).unwrap();
    let (code, _, err) = run_code_with(
        &env,
        &["cp", src.to_str().unwrap(), "web:/tmp/spdy.bin"],
        None,
        &spdy,
    )
    .await;
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = run_code_with(
        &env,
        &["exec", "web", "--", "cat", "/tmp/spdy.bin"],
        None,
        &spdy,
    )
    .await;
    assert_eq!(code, 0, "{err}");
    assert!(out == data, "the bytes differ");
}
