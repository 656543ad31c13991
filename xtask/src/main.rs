//! `cargo xtask`: repository automation for kclient (code generators and their `--check` modes).
//!
//! Run from anywhere in the workspace: `.cargo/config.toml` aliases `cargo xtask` to
//! `cargo run --package xtask --`.

mod codegen;
mod discovery_model;
mod patch_strategies;
mod proto_schema;
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
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::TestserverTables {
            discovery,
            proto,
            openapi,
            check,
        } => {
            let root = workspace_root();
            let discovery =
                discovery.unwrap_or_else(|| root.join("../shared/kubernetes/v1.36/discovery"));
            let proto = proto.unwrap_or_else(|| root.join("../shared/kubernetes/v1.36/proto"));
            let openapi = openapi
                .unwrap_or_else(|| root.join("../shared/kubernetes/v1.36/openapi/swagger.json"));
            testserver_tables::run(&root, &discovery, &proto, &openapi, check)
        }
        Command::Codegen { spec, check } => {
            let root = workspace_root();
            let spec = spec.unwrap_or_else(|| root.join("../shared/kubernetes/v1.36/openapi/v3"));
            codegen::run(&root, &spec, check)
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
