//! The official Python client (`pip install kubernetes`) against the test server, through a
//! written kubeconfig: `tests/python/client_flow.py` asserts what a real v1.36 server answers.
//! The client is installed once into its own virtual environment under the target directory
//! (`python-client-venv`). Skipped with a message when Python or the package cannot be had,
//! unless `KCLIENT_REQUIRE_PYTHON_CLIENT=1`, which makes that a failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Command;

use kclient_testserver::TestServer;

fn required() -> bool {
    std::env::var("KCLIENT_REQUIRE_PYTHON_CLIENT").as_deref() == Ok("1")
}

fn skip(why: &str) -> Option<PathBuf> {
    if required() {
        panic!("the Python client is required (KCLIENT_REQUIRE_PYTHON_CLIENT=1): {why}");
    }
    eprintln!("skipping: {why} (set KCLIENT_REQUIRE_PYTHON_CLIENT=1 to make this an error)");
    None
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"))
}

fn imports_client(python: &Path) -> bool {
    Command::new(python)
        .args(["-c", "import kubernetes"])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// The venv's python with `kubernetes` importable, installing it on first use.
fn python() -> Option<PathBuf> {
    let venv = target_dir().join("python-client-venv");
    let python = venv.join("bin").join("python");
    if imports_client(&python) {
        return Some(python);
    }
    let made = Command::new("python3")
        .args(["-m", "venv"])
        .arg(&venv)
        .output();
    match made {
        Ok(o) if o.status.success() => {}
        Ok(o) => {
            return skip(&format!(
                "python3 -m venv failed: {}",
                String::from_utf8_lossy(&o.stderr).trim()
            ));
        }
        Err(e) => return skip(&format!("python3 cannot be run: {e}")),
    }
    let pip = Command::new(&python)
        .args(["-m", "pip", "install", "--quiet", "kubernetes"])
        .output();
    match pip {
        Ok(o) if o.status.success() && imports_client(&python) => Some(python),
        Ok(o) => skip(&format!(
            "pip install kubernetes failed: {}",
            String::from_utf8_lossy(&o.stderr).trim()
        )),
        Err(e) => skip(&format!("pip cannot be run: {e}")),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_python_client_sees_a_real_server() {
    let Some(python) = tokio::task::spawn_blocking(python).await.unwrap() else {
        return;
    };
    let server = TestServer::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("kubeconfig");
    server.write_kubeconfig(&kubeconfig).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/client_flow.py");
    let out = tokio::time::timeout(
        std::time::Duration::from_secs(180),
        tokio::process::Command::new(&python)
            .arg(&script)
            .env("KUBECONFIG", &kubeconfig)
            .env("HOME", dir.path())
            .kill_on_drop(true)
            .output(),
    )
    .await
    .expect("the Python client script timed out")
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stdout.trim_end().ends_with("OK"),
        "client_flow.py failed:\n{stderr}\n{stdout}"
    );
}
