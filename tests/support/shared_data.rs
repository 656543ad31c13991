//! Where the tests find `../shared` (the Kubernetes v1.36 API as data), and what they do when it
//! is absent, as it is on a fresh clone: skip with a message naming what they need, unless
//! `KCLIENT_REQUIRE_SHARED=1` (CI sets it), which makes its absence a failure.
//!
//! One file, included with `#[path]` by every test that reads `../shared`, so the rule lives in
//! one place without becoming part of any crate's API.

use std::path::{Path, PathBuf};

/// `../shared/kubernetes/v1.36/<sub>` beside the workspace when `probe` exists inside it;
/// otherwise `None` after printing what is missing, or a panic when `KCLIENT_REQUIRE_SHARED=1`.
#[allow(dead_code, clippy::panic)]
pub fn shared_v136(sub: &str, probe: &str) -> Option<PathBuf> {
    // `env!` expands in the crate that includes this file: its manifest lies inside the
    // workspace, whose root is the nearest ancestor holding `Cargo.lock`.
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let root = manifest
        .ancestors()
        .find(|a| a.join("Cargo.lock").exists())
        .unwrap_or(manifest);
    let dir = root.join("../shared/kubernetes/v1.36").join(sub);
    if dir.join(probe).exists() {
        return Some(dir);
    }
    let what = dir.join(probe);
    if std::env::var("KCLIENT_REQUIRE_SHARED").is_ok_and(|v| v == "1") {
        panic!(
            "KCLIENT_REQUIRE_SHARED=1 but {} is missing: this test reads the shared Kubernetes \
             v1.36 data from ../shared beside the repository",
            what.display()
        );
    }
    eprintln!(
        "skipping: this test needs {} (the shared Kubernetes v1.36 data beside the repository; \
         set KCLIENT_REQUIRE_SHARED=1 to make its absence a failure)",
        what.display()
    );
    None
}
