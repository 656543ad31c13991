//! Lists every resource the server serves as `name, group, version`, one per line (the seed's
//! fourth exercise: client-go's `ServerPreferredResources`, modernised).
//!
//! By default each resource is listed once, at its preferred version; `--all-versions` lists
//! every served version, and with it `--subresources` adds subresources such as `pods/log`. Run it with:
//!
//! ```sh
//! cargo run --example discovery_list_gvr -- [--all-versions] [--subresources]
//! ```
//!
//! Without a kubeconfig it starts an embedded kclient-testserver and lists that server's APIs.

#[path = "support/mod.rs"]
mod support;

use anyhow::Context as _;
use clap::Parser;
use kclient_apimachinery::GroupVersion;
use kclient_discovery::types::ApiResourceList;
use kclient_discovery::{Discovery, DiscoveryClient};

/// Command-line flags.
#[derive(Debug, Parser)]
#[command(about = "Print name, group, version of every API resource")]
struct Args {
    /// List every served version of each resource, not only the preferred one.
    #[arg(long)]
    all_versions: bool,
    /// Include subresources (`pods/log`, `deployments/scale`, …); needs `--all-versions`.
    #[arg(long, requires = "all_versions")]
    subresources: bool,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let cluster = support::connect().await?;
    let discovery = DiscoveryClient::for_config(&cluster.config)?;

    let (lists, failed): (Vec<ApiResourceList>, _) = if args.all_versions {
        let (all, failed) = discovery.server_groups_and_resources().await?.into_parts();
        (all.resources, failed)
    } else {
        discovery.server_preferred_resources().await?.into_parts()
    };
    let mut out = String::new();
    for list in &lists {
        let gv = GroupVersion::parse(&list.group_version).with_context(|| {
            format!(
                "the server listed a bad groupVersion {:?}",
                list.group_version
            )
        })?;
        for resource in &list.resources {
            if resource.is_subresource() && !args.subresources {
                continue;
            }
            out.push_str(&format!(
                "{}, {}, {}\n",
                resource.name, gv.group, gv.version
            ));
        }
    }
    support::print_out(&out)?;
    if let Some(failed) = failed {
        // Partial results were printed; report what is missing, as kubectl does.
        anyhow::bail!(failed.to_string());
    }
    Ok(())
}
