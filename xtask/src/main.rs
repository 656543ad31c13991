//! `cargo xtask`: repository automation for kclient (code generators and their `--check` modes,
//! and the book of the study guide).
//!
//! Run from anywhere in the workspace: `.cargo/config.toml` aliases `cargo xtask` to
//! `cargo run --package xtask --`.

// The doc comments of the command-line types are clap's `--help` text, where `<group>` is a
// placeholder, not HTML.
#![allow(rustdoc::invalid_html_tags)]

mod book;
mod codegen;
mod discovery_model;
mod openapi_model;
mod openapi_paths;
mod patch_strategies;
mod proto_schema;
#[cfg(test)]
#[path = "../../tests/support/shared_data.rs"]
mod shared_data;
mod testserver_tables;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// The command line of `cargo xtask`.
#[derive(Debug, Parser)]
#[command(name = "cargo xtask", about = "kclient repository automation")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// The tasks `cargo xtask` can run.
#[derive(Debug, Subcommand)]
enum Command {
    /// Generate kclient-testserver's resource tables from a server's discovery documents.
    TestserverTables {
        /// Directory holding the discovery documents (api.json, apis.json, api__v1.json,
        /// apis__<group>__<version>.json, aggregated_v2.json). Default:
        /// ../shared/kubernetes/v1.36/discovery relative to the workspace root.
        #[arg(long)]
        discovery: Option<PathBuf>,
        /// Directory holding the Kubernetes `generated.proto` files. Default:
        /// ../shared/kubernetes/v1.36/proto relative to the workspace root.
        #[arg(long)]
        proto: Option<PathBuf>,
        /// The OpenAPI v2 document (patch strategies). Default:
        /// ../shared/kubernetes/v1.36/openapi/swagger.json relative to the workspace root.
        #[arg(long)]
        openapi: Option<PathBuf>,
        /// The directory of OpenAPI v3 documents (the served schema model and operation
        /// tables). Default:
        /// ../shared/kubernetes/v1.36/openapi/v3 relative to the workspace root.
        #[arg(long)]
        openapi_v3: Option<PathBuf>,
        /// Do not write; exit non-zero if the committed file differs from what would be generated.
        #[arg(long)]
        check: bool,
    },
    /// Generate kclient-typed's API types and clients from the Kubernetes OpenAPI spec.
    Codegen {
        /// A directory of OpenAPI v3 documents, or a swagger.json (v2). Default:
        /// ../shared/kubernetes/v1.36/openapi/v3 relative to the workspace root.
        #[arg(long)]
        spec: Option<PathBuf>,
        /// Do not write; exit non-zero listing stale, missing and extra generated files.
        #[arg(long)]
        check: bool,
        /// Directory holding the Kubernetes `generated.proto` files, for the protobuf impls.
        /// Default: ../shared/kubernetes/v1.36/proto relative to the workspace root.
        #[arg(long)]
        proto: Option<PathBuf>,
        /// Generate types and clients for the custom resources of this CRD manifest (YAML or
        /// JSON) instead of the built-in API; repeat for several files. Needs --out.
        #[arg(long = "crd", value_name = "FILE")]
        crds: Vec<PathBuf>,
        /// Read the OpenAPI v3 documents from the cluster of the current kubeconfig
        /// (KUBECONFIG, ~/.kube/config, or in-cluster) instead of --spec.
        #[arg(long, conflicts_with = "spec")]
        from_cluster: bool,
        /// Where to write instead of kclient-typed: with --crd the module tree (DIR/mod.rs,
        /// DIR/<kind>/<version>.rs); else the tree of `src/generated` and its `[features]` in
        /// DIR/features.toml.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
    /// Build the study guide (docs/, English and Chinese, with mdBook) and the API docs into
    /// target/book, and fail on a broken link or anchor.
    Book {
        /// Use the API docs already in the target directory instead of running `cargo doc`.
        #[arg(long)]
        skip_api_docs: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Book { skip_api_docs } => book::run(&workspace_root(), skip_api_docs),
        Command::TestserverTables {
            discovery,
            proto,
            openapi,
            openapi_v3,
            check,
        } => {
            let root = workspace_root();
            let discovery =
                discovery.unwrap_or_else(|| root.join("../shared/kubernetes/v1.36/discovery"));
            let proto = proto.unwrap_or_else(|| root.join("../shared/kubernetes/v1.36/proto"));
            let openapi = openapi
                .unwrap_or_else(|| root.join("../shared/kubernetes/v1.36/openapi/swagger.json"));
            let openapi_v3 =
                openapi_v3.unwrap_or_else(|| root.join("../shared/kubernetes/v1.36/openapi/v3"));
            testserver_tables::run(&root, &discovery, &proto, &openapi, &openapi_v3, check)
        }
        Command::Codegen {
            check, crds, out, ..
        } if !crds.is_empty() => match out {
            Some(out) => codegen::crd::run(&crds, &out, check),
            None => Err(anyhow::anyhow!(
                "--crd needs --out DIR: the directory of your crate to write the module to"
            )),
        },
        Command::Codegen {
            spec,
            check,
            from_cluster,
            out,
            proto,
            ..
        } => {
            let root = workspace_root();
            let proto = proto.unwrap_or_else(|| root.join("../shared/kubernetes/v1.36/proto"));
            let source = if from_cluster {
                codegen::Source::Cluster
            } else {
                codegen::Source::Path(
                    spec.unwrap_or_else(|| root.join("../shared/kubernetes/v1.36/openapi/v3")),
                )
            };
            codegen::run(&root, &source, check, out.as_deref(), Some(&proto))
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root: the parent of this package's manifest directory.
fn workspace_root() -> PathBuf {
    let manifest_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest_dir
        .parent()
        .map(PathBuf::from)
        .unwrap_or(manifest_dir)
}
