//! Prints the server's resources exactly as `kubectl api-resources` (v1.32) does: the same
//! columns, sorting, filters and layout, so the two outputs can be compared byte for byte.
//!
//! ```sh
//! cargo run --example api_resources -- [-o wide|name] [--namespaced=true|false]
//!     [--api-group=GROUP] [--verbs=list,get] [--categories=all] [--sort-by=name|kind]
//!     [--no-headers] [--cached]
//! ```
//!
//! Discovery is fresh from the server unless `--cached`, which uses kubectl's disk cache
//! (`~/.kube/cache/discovery/<host_port>/`, 6 hour TTL). Without a kubeconfig it starts an
//! embedded kclient-testserver and lists that server's resources.

#[path = "support/mod.rs"]
mod support;

use clap::{Parser, ValueEnum};
use kclient_discovery::print::{
    ApiResourcesOptions, ApiResourcesOutput, ApiResourcesSort, api_resources_table,
};
use kclient_discovery::{Discovery, DiscoveryClient, DiskCacheClient};

/// `-o` values.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum Output {
    /// Add the VERBS and CATEGORIES columns.
    Wide,
    /// Print `resource.group` only.
    Name,
}

/// `--sort-by` values.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum SortBy {
    /// By resource name.
    Name,
    /// By kind.
    Kind,
}

/// Command-line flags, as kubectl's.
#[derive(Debug, Parser)]
#[command(about = "Print the supported API resources on the server, like kubectl api-resources")]
struct Args {
    /// Output format.
    #[arg(short, long)]
    output: Option<Output>,
    /// Only namespaced (true) or only cluster-scoped (false) resources; `--namespaced` alone
    /// means true.
    #[arg(long, num_args = 0..=1, default_missing_value = "true", require_equals = true)]
    namespaced: Option<bool>,
    /// Only resources of this API group (`--api-group=` is the core group).
    #[arg(long)]
    api_group: Option<String>,
    /// Only resources supporting all of these verbs.
    #[arg(long, value_delimiter = ',')]
    verbs: Vec<String>,
    /// Only resources in all of these categories.
    #[arg(long, value_delimiter = ',')]
    categories: Vec<String>,
    /// Sort by this field (default: API group, then name).
    #[arg(long)]
    sort_by: Option<SortBy>,
    /// Do not print the header line.
    #[arg(long)]
    no_headers: bool,
    /// Use the discovery cache on disk if it is fresh enough.
    #[arg(long)]
    cached: bool,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let cluster = support::connect().await?;
    let preferred = if args.cached {
        DiskCacheClient::for_config(&cluster.config)?
            .server_preferred_resources()
            .await?
    } else {
        DiscoveryClient::for_config(&cluster.config)?
            .server_preferred_resources()
            .await?
    };
    let options = ApiResourcesOptions {
        output: match args.output {
            None => ApiResourcesOutput::Table,
            Some(Output::Wide) => ApiResourcesOutput::Wide,
            Some(Output::Name) => ApiResourcesOutput::Name,
        },
        sort_by: match args.sort_by {
            None => ApiResourcesSort::Group,
            Some(SortBy::Name) => ApiResourcesSort::Name,
            Some(SortBy::Kind) => ApiResourcesSort::Kind,
        },
        no_headers: args.no_headers,
        api_group: args.api_group,
        namespaced: args.namespaced,
        verbs: args.verbs,
        categories: args.categories,
    };
    let (lists, failed) = preferred.into_parts();
    support::print_out(&api_resources_table(&lists, &options))?;
    if let Some(failed) = failed {
        // kubectl prints what it found, then the error.
        anyhow::bail!(failed.to_string());
    }
    Ok(())
}
