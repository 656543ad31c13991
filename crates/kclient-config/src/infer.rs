//! Picking a configuration source automatically: [`Config::infer`] (a kubeconfig if there is
//! one, else in-cluster) and [`build_config_from_flags`] (client-go's `BuildConfigFromFlags`).

use std::path::Path;

use crate::config::Config;
use crate::error::{Error, Result};
use crate::incluster::InClusterOptions;
use crate::kubeconfig::Kubeconfig;
use crate::loader::LoadingRules;
use crate::overrides::ConfigOverrides;

impl Config {
    /// The config a program should use when given no flags: the kubeconfig from `KUBECONFIG`
    /// or `~/.kube/config` if one exists and is not empty, else the in-cluster config. When
    /// neither works the error explains both attempts. A kubeconfig that exists but is broken
    /// is reported as such rather than silently skipped.
    pub fn infer() -> Result<Config> {
        Config::infer_with(&LoadingRules::from_env(), &InClusterOptions::from_env())
    }

    /// [`Config::infer`] with explicit loading rules and in-cluster inputs.
    pub fn infer_with(rules: &LoadingRules, incluster: &InClusterOptions) -> Result<Config> {
        let kubeconfig_error = match rules.load() {
            Ok(kubeconfig) if !kubeconfig.is_empty() => {
                return Config::from_kubeconfig(&kubeconfig, &ConfigOverrides::default());
            }
            Ok(_) => Error::EmptyConfig,
            Err(e) if e.is_kubeconfig_not_found() => e,
            Err(e) => return Err(e),
        };
        tracing::debug!(error = %kubeconfig_error, "no kubeconfig; trying in-cluster configuration");
        Config::incluster_with(incluster).map_err(|in_cluster| Error::Infer {
            kubeconfig: Box::new(kubeconfig_error),
            in_cluster: Box::new(in_cluster),
        })
    }
}

/// client-go's `BuildConfigFromFlags(masterURL, kubeconfigPath)`.
///
/// - With neither, the in-cluster config is tried (with a warning); if that fails, a warning
///   is logged and the default kubeconfig (`KUBECONFIG` or `~/.kube/config`) is used.
/// - With a kubeconfig path, that file alone is loaded (it must exist) and its current context
///   used; a master URL replaces the cluster's server.
/// - With only a master URL, as in client-go, no kubeconfig is read: the config is just that
///   server, without credentials.
pub fn build_config_from_flags(
    master_url: Option<&str>,
    kubeconfig_path: Option<&Path>,
) -> Result<Config> {
    build_config_from_flags_with(
        master_url,
        kubeconfig_path,
        &LoadingRules::from_env(),
        &InClusterOptions::from_env(),
    )
}

/// [`build_config_from_flags`] with explicit default loading rules and in-cluster inputs.
pub fn build_config_from_flags_with(
    master_url: Option<&str>,
    kubeconfig_path: Option<&Path>,
    default_rules: &LoadingRules,
    incluster: &InClusterOptions,
) -> Result<Config> {
    let master_url = master_url.filter(|m| !m.is_empty());
    let kubeconfig_path = kubeconfig_path.filter(|p| !p.as_os_str().is_empty());
    let overrides = ConfigOverrides {
        server: master_url.map(str::to_owned),
        ..ConfigOverrides::default()
    };
    match (master_url, kubeconfig_path) {
        (None, None) => {
            tracing::warn!(
                "neither a kubeconfig nor a master URL was given; using the in-cluster config, which might not work"
            );
            let in_cluster = match Config::incluster_with(incluster) {
                Ok(config) => return Ok(config),
                Err(e) => e,
            };
            tracing::warn!(error = %in_cluster, "in-cluster config failed; falling back to the default kubeconfig");
            let kubeconfig = default_rules.load().map_err(|kubeconfig| Error::Infer {
                kubeconfig: Box::new(kubeconfig),
                in_cluster: Box::new(in_cluster),
            })?;
            Config::from_kubeconfig(&kubeconfig, &overrides)
        }
        (_, Some(path)) => {
            let kubeconfig = Kubeconfig::read_from(path)?;
            Config::from_kubeconfig(&kubeconfig, &overrides)
        }
        (Some(_), None) => Config::from_kubeconfig(&Kubeconfig::default(), &overrides),
    }
}
