//! Running the real kubectl against a test server through a written kubeconfig. Tests skip
//! (with a message) when kubectl is not installed, unless `KCLIENT_REQUIRE_KUBECTL=1`.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use kclient_testserver::TestServer;
use tokio::process::Command;

/// The kubectl binary, or `None` (after saying why) when the test should be skipped.
pub fn kubectl() -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let candidates = std::env::var_os("KUBECTL")
        .map(PathBuf::from)
        .into_iter()
        .chain(std::env::split_paths(&path).map(|d| d.join("kubectl")))
        .chain([PathBuf::from("/usr/bin/kubectl")]);
    for c in candidates {
        if c.is_file() {
            return Some(c);
        }
    }
    if std::env::var("KCLIENT_REQUIRE_KUBECTL").as_deref() == Ok("1") {
        panic!("kubectl is required (KCLIENT_REQUIRE_KUBECTL=1) but was not found");
    }
    eprintln!("skipping: kubectl not found (set KCLIENT_REQUIRE_KUBECTL=1 to make this an error)");
    None
}

/// A server, its kubeconfig in a temp dir, and a way to run kubectl against it.
pub struct Env {
    /// The server.
    pub server: TestServer,
    /// Holds the kubeconfig.
    pub dir: tempfile::TempDir,
    kubectl: PathBuf,
}

impl Env {
    /// Starts a server, or `None` when kubectl is missing.
    pub async fn start() -> Option<Self> {
        Self::start_with(TestServer::builder()).await
    }

    /// Starts a server from `builder`, or `None` when kubectl is missing.
    pub async fn start_with(builder: kclient_testserver::TestServerBuilder) -> Option<Self> {
        let kubectl = kubectl()?;
        let server = builder.start().await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        server
            .write_kubeconfig(dir.path().join("kubeconfig"))
            .unwrap();
        Some(Self {
            server,
            dir,
            kubectl,
        })
    }

    /// A kubectl command against the server.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(&self.kubectl);
        cmd.args(args)
            .env("KUBECONFIG", self.dir.path().join("kubeconfig"))
            .env("KUBECACHEDIR", self.dir.path().join("cache"))
            .env("HOME", self.dir.path())
            .stdin(Stdio::null())
            .kill_on_drop(true);
        cmd
    }

    /// Runs kubectl with `stdin`; returns (success, stdout, stderr).
    pub async fn try_run(&self, args: &[&str], stdin: Option<&str>) -> (bool, String, String) {
        use tokio::io::AsyncWriteExt;
        let mut cmd = self.command(args);
        cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
        if stdin.is_some() {
            cmd.stdin(Stdio::piped());
        }
        let mut child = cmd.spawn().unwrap();
        if let (Some(input), Some(mut pipe)) = (stdin, child.stdin.take()) {
            pipe.write_all(input.as_bytes()).await.unwrap();
        }
        let out = tokio::time::timeout(Duration::from_secs(60), child.wait_with_output())
            .await
            .unwrap_or_else(|_| panic!("kubectl {args:?} timed out"))
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    /// Runs kubectl with `stdin`, failing the test on a non-zero exit; returns stdout.
    pub async fn run_with(&self, args: &[&str], stdin: &str) -> String {
        let (ok, out, err) = self.try_run(args, Some(stdin)).await;
        assert!(ok, "kubectl {args:?} failed: {err}\n{out}");
        out
    }

    /// Runs kubectl; returns stdout, failing the test on a non-zero exit.
    pub async fn run(&self, args: &[&str]) -> String {
        let out = tokio::time::timeout(Duration::from_secs(60), self.command(args).output())
            .await
            .unwrap_or_else(|_| panic!("kubectl {args:?} timed out"))
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success(),
            "kubectl {args:?} failed: {stderr}\n{stdout}"
        );
        stdout
    }
}
