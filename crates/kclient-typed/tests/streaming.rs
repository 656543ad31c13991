//! Exec, attach, logs and cp through the typed pods client, against the embedded
//! `kclient-testserver` (its simulated kubelet runs pods bound to a node, with a built-in shell)
//! or the cluster named by `KCLIENT_TEST_KUBECONFIG` (there pods are scheduled normally and
//! run busybox).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod cluster;

use std::time::Duration;

use futures_util::StreamExt;
use kclient_apimachinery::meta::ObjectMeta;
use kclient_apimachinery::options::{CreateOptions, GetOptions};
use kclient_rest::remotecommand::ExitStatus;
use kclient_typed::api::core::v1::{Container, Node, Pod, PodSpec};
use kclient_typed::client::{AttachOptions, ExecOptions, LogOptions};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const NODE: &str = "kclient-streaming-node";

/// Creates pod `name` with one container `main` running `command`, and waits until it runs.
async fn running_pod(c: &cluster::Cluster, name: &str, command: &[&str], stdin: bool) {
    let mut node_name = None;
    if c.is_embedded() {
        let node = Node {
            metadata: ObjectMeta {
                name: Some(NODE.into()),
                ..ObjectMeta::default()
            },
            ..Node::default()
        };
        match c
            .clientset
            .core_v1()
            .nodes()
            .create(&node, &CreateOptions::default())
            .await
        {
            Ok(_) => {}
            Err(e) if e.is_already_exists() => {}
            Err(e) => panic!("creating node: {e}"),
        }
        node_name = Some(NODE.to_string());
    }
    let pods = c.clientset.core_v1().pods(&c.namespace);
    let pod = Pod {
        metadata: ObjectMeta::namespaced(c.namespace.as_str(), name),
        spec: Some(PodSpec {
            containers: vec![Container {
                name: "main".into(),
                image: Some("busybox:1.36".into()),
                command: Some(command.iter().map(|s| s.to_string()).collect()),
                stdin: Some(stdin),
                ..Container::default()
            }],
            node_name,
            termination_grace_period_seconds: Some(0),
            ..PodSpec::default()
        }),
        ..Pod::default()
    };
    pods.create(&pod, &CreateOptions::default()).await.unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
    loop {
        let pod = pods.get(name, &GetOptions::default()).await.unwrap();
        let phase = pod.status.and_then(|s| s.phase).unwrap_or_default();
        if phase == "Running" {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "pod {name} not Running (phase {phase:?})"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

const SLEEP: &[&str] = &["sh", "-c", "sleep 3600"];

#[tokio::test]
async fn exec_returns_stdout_stderr_and_the_exit_code() {
    let c = cluster::start("exec").await;
    running_pod(&c, "p", SLEEP, false).await;
    let pods = c.clientset.core_v1().pods(&c.namespace);
    let command = ExecOptions::command(["sh", "-c", "echo out; echo err >&2; exit 3"]);
    let output = pods
        .exec("p", &command)
        .await
        .unwrap()
        .output(1 << 20)
        .await
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&output.stdout), "out\n");
    assert_eq!(String::from_utf8_lossy(&output.stderr), "err\n");
    assert_eq!(output.status, ExitStatus::Code(3));

    let ok = ExecOptions::command(["sh", "-c", "echo fine"]).container("main");
    let output = pods
        .exec("p", &ok)
        .await
        .unwrap()
        .output(1024)
        .await
        .unwrap();
    assert_eq!(output.stdout, b"fine\n");
    assert_eq!(output.status, ExitStatus::Success);
}

#[tokio::test]
async fn exec_with_stdin_echoes_what_it_reads() {
    let c = cluster::start("exec-stdin").await;
    running_pod(&c, "p", SLEEP, false).await;
    let pods = c.clientset.core_v1().pods(&c.namespace);
    let mut command = pods
        .exec("p", &ExecOptions::command(["cat"]).stdin())
        .await
        .unwrap();
    let mut stdin = command.stdin.take().unwrap();
    let mut stdout = command.stdout.take().unwrap();
    let data: Vec<u8> = (0..200_000u32)
        .flat_map(|i| format!("{i}\n").into_bytes())
        .collect();
    let sent = data.clone();
    let writer = tokio::spawn(async move {
        stdin.write_all(&sent).await.unwrap();
        stdin.shutdown().await.unwrap();
    });
    let mut echoed = Vec::new();
    stdout.read_to_end(&mut echoed).await.unwrap();
    writer.await.unwrap();
    assert!(
        echoed == data,
        "cat returned {} of {} bytes",
        echoed.len(),
        data.len()
    );
    assert_eq!(command.status().await.unwrap(), ExitStatus::Success);
}

/// With a TTY: input is echoed, `\n` comes back as `\r\n`, stderr joins stdout, and the size
/// the terminal-size sender sends is what `stty size` reports.
#[tokio::test]
async fn exec_with_a_tty_echoes_maps_newlines_and_resizes() {
    let c = cluster::start("exec-tty").await;
    running_pod(&c, "p", SLEEP, false).await;
    let pods = c.clientset.core_v1().pods(&c.namespace);
    let script = "read line; echo got $line; echo err >&2; stty size";
    let mut command = pods
        .exec(
            "p",
            &ExecOptions::command(["sh", "-c", script]).stdin().tty(),
        )
        .await
        .unwrap();
    assert!(command.stderr.is_none(), "no stderr stream with a TTY");
    let resize = command.resize.take().expect("a TTY has a resize sender");
    resize
        .send(kclient_apimachinery::remotecommand::TerminalSize::new(
            120, 40,
        ))
        .await
        .unwrap();
    let mut stdin = command.stdin.take().unwrap();
    let mut stdout = command.stdout.take().unwrap();
    stdin.write_all(b"hello\r").await.unwrap();
    let mut out = Vec::new();
    tokio::time::timeout(Duration::from_secs(30), stdout.read_to_end(&mut out))
        .await
        .expect("the command ends")
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out),
        "hello\r\ngot hello\r\nerr\r\n40 120\r\n"
    );
    drop((stdin, resize));
    assert_eq!(command.status().await.unwrap(), ExitStatus::Success);
}

#[tokio::test]
async fn exec_errors_keep_the_servers_status() {
    let c = cluster::start("exec-errors").await;
    running_pod(&c, "p", SLEEP, false).await;
    let pods = c.clientset.core_v1().pods(&c.namespace);
    let err = pods
        .exec("p", &ExecOptions::command(["true"]).container("nope"))
        .await
        .unwrap_err();
    assert!(err.rest().is_some_and(|e| e.is_bad_request()), "{err}");
    let message = err
        .rest()
        .and_then(|e| e.status())
        .and_then(|s| s.message.clone());
    assert_eq!(
        message.as_deref(),
        Some("container nope is not valid for pod p")
    );

    let err = pods
        .exec("missing", &ExecOptions::command(["true"]))
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err}");

    if c.is_embedded() {
        // A pod no node has taken (a real cluster's scheduler would place it at once).
        let unscheduled = Pod {
            metadata: ObjectMeta::namespaced(c.namespace.as_str(), "unscheduled"),
            spec: Some(PodSpec {
                containers: vec![Container {
                    name: "main".into(),
                    image: Some("busybox:1.36".into()),
                    ..Container::default()
                }],
                ..PodSpec::default()
            }),
            ..Pod::default()
        };
        pods.create(&unscheduled, &CreateOptions::default())
            .await
            .unwrap();
        let err = pods
            .exec("unscheduled", &ExecOptions::command(["true"]))
            .await
            .unwrap_err();
        assert!(err.rest().is_some_and(|e| e.is_bad_request()), "{err}");
        let status = err.rest().and_then(|e| e.status()).unwrap();
        assert_eq!(
            status.message.as_deref(),
            Some("pod unscheduled does not have a host assigned")
        );
    }
}

#[tokio::test]
async fn exec_is_forbidden_without_rbac_permission() {
    if std::env::var_os(cluster::KUBECONFIG_VAR).is_some() {
        return; // needs a second identity; only on the embedded server
    }
    let server = kclient_testserver::TestServer::builder()
        .rbac(true)
        .token("alice-token", "alice", &["dev"])
        .start()
        .await
        .unwrap();
    let kubeconfig = kclient_config::Kubeconfig::from_yaml(&server.kubeconfig_yaml()).unwrap();
    let mut config =
        kclient_config::Config::from_kubeconfig(&kubeconfig, &Default::default()).unwrap();
    config.auth.bearer_token = Some("alice-token".to_string().into());
    let alice = kclient_typed::Clientset::for_config(&config).unwrap();
    let err = alice
        .core_v1()
        .pods("default")
        .exec("p", &ExecOptions::command(["true"]))
        .await
        .unwrap_err();
    assert!(err.is_forbidden(), "{err}");
    let message = err
        .rest()
        .and_then(|e| e.status())
        .and_then(|s| s.message.clone())
        .unwrap();
    assert!(message.contains(r#"User "alice" cannot"#), "{message}");
    assert!(message.contains("pods/exec"), "{message}");
}

/// Attaches to a pod whose main process is `sh` reading commands from stdin (on a real
/// cluster and on the embedded server alike), with stdin and stdout.
async fn attach_shell(c: &cluster::Cluster) -> kclient_rest::remotecommand::RemoteCommand {
    running_pod(c, "p", &["sh"], true).await;
    let options = AttachOptions {
        stdin: true,
        stdout: true,
        stderr: true,
        ..AttachOptions::default()
    };
    c.clientset
        .core_v1()
        .pods(&c.namespace)
        .attach("p", &options)
        .await
        .unwrap()
}

/// Reads from `stdout` until a full line arrived.
async fn read_line(stdout: &mut kclient_rest::remotecommand::RemoteOutput) -> String {
    let mut buf = vec![0u8; 64];
    let mut text = String::new();
    while !text.contains('\n') {
        let n = tokio::time::timeout(Duration::from_secs(20), stdout.read(&mut buf))
            .await
            .expect("no attach output within 20 s")
            .unwrap();
        assert!(n > 0, "attach output ended early: {text:?}");
        text.push_str(&String::from_utf8_lossy(&buf[..n]));
    }
    text
}

#[tokio::test]
async fn attach_reads_the_main_process_output_and_writes_its_stdin() {
    let c = cluster::start("attach").await;
    let mut command = attach_shell(&c).await;
    let mut stdin = command.stdin.take().unwrap();
    let mut stdout = command.stdout.take().unwrap();
    stdin.write_all(b"echo got hello\n").await.unwrap();
    assert_eq!(read_line(&mut stdout).await, "got hello\n");
}

#[tokio::test]
async fn logs_follow_receives_lines_written_later() {
    let c = cluster::start("logs").await;
    // The main process is a shell fed through attach; what it prints is the container log.
    let mut attached = attach_shell(&c).await;
    let mut stdin = attached.stdin.take().unwrap();
    let mut stdout = attached.stdout.take().unwrap();
    stdin.write_all(b"echo first\n").await.unwrap();
    assert_eq!(read_line(&mut stdout).await, "first\n");

    let pods = c.clientset.core_v1().pods(&c.namespace);
    // The last line so far, then everything written later.
    let options = LogOptions {
        follow: true,
        tail_lines: Some(1),
        ..LogOptions::default()
    };
    let mut lines = pods.log_lines("p", &options).await.unwrap();
    async fn next(lines: &mut kclient_rest::Lines) -> String {
        tokio::time::timeout(Duration::from_secs(20), lines.next())
            .await
            .expect("no log line within 20 s")
            .expect("log ended")
            .unwrap()
    }
    assert_eq!(next(&mut lines).await, "first");
    // Written after the follow started.
    stdin.write_all(b"echo second\n").await.unwrap();
    assert_eq!(next(&mut lines).await, "second");

    let tail = LogOptions {
        tail_lines: Some(1),
        timestamps: true,
        ..LogOptions::default()
    };
    let last: Vec<String> = pods
        .log_lines("p", &tail)
        .await
        .unwrap()
        .map(Result::unwrap)
        .collect()
        .await;
    assert_eq!(last.len(), 1, "{last:?}");
    assert!(last[0].ends_with(" second"), "{last:?}");
    drop(stdin);
}

#[tokio::test]
async fn cp_copies_a_mebibyte_both_ways_unchanged() {
    let c = cluster::start("cp").await;
    running_pod(&c, "p", SLEEP, false).await;
    let pods = c.clientset.core_v1().pods(&c.namespace);
    let dir = tempfile::tempdir().unwrap();
    let data: Vec<u8> = (0..1024 * 1024u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    let local = dir.path().join("blob.bin");
    std::fs::write(&local, &data).unwrap();

    let up = pods
        .copy_to_pod("p", None, &local, "/tmp/blob.bin")
        .await
        .unwrap();
    assert_eq!((up.files, up.bytes), (1, data.len() as u64));
    let back = dir.path().join("back.bin");
    let down = pods
        .copy_from_pod("p", None, "/tmp/blob.bin", &back)
        .await
        .unwrap();
    assert_eq!((down.files, down.bytes), (1, data.len() as u64));
    assert!(
        std::fs::read(&back).unwrap() == data,
        "bytes differ after the round trip"
    );

    // Into an existing directory: the file keeps its name.
    pods.copy_to_pod("p", None, &local, "/tmp").await.unwrap();
    let check = ExecOptions::command(["sh", "-c", "test -f /tmp/blob.bin && echo yes"]);
    let output = pods
        .exec("p", &check)
        .await
        .unwrap()
        .output(1024)
        .await
        .unwrap();
    assert_eq!(output.stdout, b"yes\n");

    let err = pods
        .copy_from_pod("p", None, "/tmp/does-not-exist", &dir.path().join("x"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("tar"), "{err}");
}
