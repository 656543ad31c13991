//! `cargo xtask testserver-tables`: renders the discovery model as Rust tables for
//! kclient-testserver (`crates/kclient-testserver/src/generated/resources.rs`), formats them with
//! rustfmt, and writes them or (with `--check`) compares them with the committed file.

use std::fmt::Write as _;
use std::fs;
use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};

use crate::discovery_model::{self, Discovery, Resource, Subresource};
use crate::{openapi_model, patch_strategies, proto_schema};

/// Where the resource tables live, relative to the workspace root.
pub const OUTPUT: &str = "crates/kclient-testserver/src/generated/resources.rs";
/// Where the protobuf schema lives, relative to the workspace root.
pub const PROTO_OUTPUT: &str = "crates/kclient-testserver/src/generated/proto_schema.rs";

/// Generates the tables from `discovery_dir`, the protobuf schema from `proto_dir` and the
/// strategic-merge-patch table from `swagger` (an OpenAPI v2 document) and the OpenAPI schema
/// model from `openapi_v3` (a directory of OpenAPI v3 documents); writes them, or (with
/// `check`) compares them with the committed files.
pub fn run(
    root: &Path,
    discovery_dir: &Path,
    proto_dir: &Path,
    swagger: &Path,
    openapi_v3: &Path,
    check: bool,
) -> Result<()> {
    let model = discovery_model::read(discovery_dir)
        .with_context(|| format!("reading discovery documents in {}", discovery_dir.display()))?;
    let tables = rustfmt(&render(&model))?;
    let schema = proto_schema::read(proto_dir)
        .with_context(|| format!("reading .proto files in {}", proto_dir.display()))?;
    let proto = rustfmt(&proto_schema::render(&schema))?;
    let patch = rustfmt(&patch_strategies::generate(swagger)?)?;
    let openapi = rustfmt(&openapi_model::generate(openapi_v3)?)?;
    let mut stale = Vec::new();
    for (rel, source) in [
        (OUTPUT, tables),
        (PROTO_OUTPUT, proto),
        (patch_strategies::OUTPUT, patch),
        (openapi_model::OUTPUT, openapi),
    ] {
        let out = root.join(rel);
        if check {
            let committed = fs::read_to_string(&out).unwrap_or_default();
            if committed != source {
                stale.push(format!(
                    "{rel} is stale: {}",
                    describe_diff(&committed, &source)
                ));
            } else {
                println!("{rel} is up to date");
            }
            continue;
        }
        if let Some(dir) = out.parent() {
            fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        fs::write(&out, source).with_context(|| format!("writing {}", out.display()))?;
        println!("wrote {rel}");
    }
    if !stale.is_empty() {
        bail!(
            "{}\nrun `cargo xtask testserver-tables` to regenerate",
            stale.join("\n")
        );
    }
    Ok(())
}

/// A one-line summary of how the committed text differs from the generated text.
fn describe_diff(committed: &str, generated: &str) -> String {
    if committed.is_empty() {
        return "the file is missing or empty".to_string();
    }
    let old: Vec<&str> = committed.lines().collect();
    let new: Vec<&str> = generated.lines().collect();
    let first = old
        .iter()
        .zip(&new)
        .position(|(a, b)| a != b)
        .unwrap_or(old.len().min(new.len()));
    let show = |lines: &[&str]| {
        lines
            .get(first)
            .map_or("<end of file>".to_string(), |l| l.trim().to_string())
    };
    format!(
        "{} lines committed, {} generated; first difference at line {}: committed `{}`, generated `{}`",
        old.len(),
        new.len(),
        first + 1,
        show(&old),
        show(&new)
    )
}

/// Runs `rustfmt --edition 2024` over `source`.
fn rustfmt(source: &str) -> Result<String> {
    let mut child = Command::new("rustfmt")
        .args(["--edition", "2024", "--emit", "stdout", "--quiet"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("running rustfmt (is it installed? `rustup component add rustfmt`)")?;
    let mut stdin = child.stdin.take().context("rustfmt stdin")?;
    let input = source.to_string();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let output = child.wait_with_output().context("waiting for rustfmt")?;
    writer
        .join()
        .map_err(|_| anyhow::anyhow!("rustfmt writer thread failed"))?
        .context("writing to rustfmt")?;
    if !output.status.success() {
        bail!(
            "rustfmt failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    String::from_utf8(output.stdout).context("rustfmt printed non-UTF-8")
}

/// A Rust string literal.
fn lit(s: &str) -> String {
    format!("{s:?}")
}

/// A Rust `&[&str]` literal.
fn list(items: &[String]) -> String {
    let inner: Vec<String> = items.iter().map(|s| lit(s)).collect();
    format!("&[{}]", inner.join(", "))
}

fn opt(s: &Option<String>) -> String {
    match s {
        Some(s) => format!("Some({})", lit(s)),
        None => "None".to_string(),
    }
}

/// Renders the model as (unformatted) Rust source.
pub fn render(d: &Discovery) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "// Code generated by cargo xtask testserver-tables from {}; DO NOT EDIT.",
        d.sources.join(", ")
    );
    s.push_str(
        "\n//! The API groups, versions and resources this server serves, generated from a\n\
         //! Kubernetes v1.36 API server's discovery documents.\n\n",
    );
    s.push_str("use crate::tables::{ApiGroup, ApiResource, ApiSubresource, ApiVersion};\n\n");
    s.push_str(
        "/// Every API group, the legacy core group (`\"\"`) first, then the named groups in the\n\
         /// order the server lists them under `/apis`; versions in preference order.\n",
    );
    s.push_str("pub static GROUPS: &[ApiGroup] = &[\n");
    for g in &d.groups {
        let _ = writeln!(
            s,
            "ApiGroup {{ name: {}, preferred_version: {}, versions: &[",
            lit(&g.name),
            lit(&g.preferred_version)
        );
        for v in &g.versions {
            let _ = writeln!(
                s,
                "ApiVersion {{ version: {}, resources: &[",
                lit(&v.version)
            );
            for r in &v.resources {
                render_resource(&mut s, r);
            }
            s.push_str("] },\n");
        }
        s.push_str("] },\n");
    }
    s.push_str("];\n");
    s
}

fn render_resource(s: &mut String, r: &Resource) {
    let _ = write!(
        s,
        "ApiResource {{ name: {}, singular_name: {}, kind: {}, namespaced: {}, verbs: {}, \
         short_names: {}, categories: {}, storage_version_hash: {}, subresources: &[",
        lit(&r.name),
        lit(&r.singular_name),
        lit(&r.kind),
        r.namespaced,
        list(&r.verbs),
        list(&r.short_names),
        list(&r.categories),
        opt(&r.storage_version_hash),
    );
    for sub in &r.subresources {
        render_subresource(s, sub);
    }
    s.push_str("] },\n");
}

fn render_subresource(s: &mut String, sub: &Subresource) {
    let _ = write!(
        s,
        "ApiSubresource {{ name: {}, kind: {}, group: {}, version: {}, verbs: {} }},",
        lit(&sub.name),
        lit(&sub.kind),
        opt(&sub.group),
        opt(&sub.version),
        list(&sub.verbs),
    );
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn diff_summary_names_the_first_differing_line() {
        let d = describe_diff("a\nb\nc\n", "a\nx\nc\n");
        assert!(d.contains("line 2"), "{d}");
        assert!(d.contains("committed `b`"), "{d}");
        assert!(d.contains("generated `x`"), "{d}");
        assert_eq!(describe_diff("", "a"), "the file is missing or empty");
    }

    #[test]
    fn literals_escape_quotes() {
        assert_eq!(lit("a\"b"), "\"a\\\"b\"");
        assert_eq!(list(&["x".to_string(), "y".to_string()]), "&[\"x\", \"y\"]");
        assert_eq!(opt(&None), "None");
    }
}
