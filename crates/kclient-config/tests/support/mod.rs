//! Helpers shared by the black-box tests: kubeconfig fixtures written to temporary directories.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

/// A secret value that must never show up in Debug output or error messages.
pub const SENTINEL: &str = "SENTINEL-7f3a9c-do-not-print";

/// Writes `text` to `dir/name` (creating parent directories) and returns the path.
pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, text).unwrap();
    path
}

/// base64 of `text`.
pub fn b64(text: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(text)
}
