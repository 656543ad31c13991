//! Choosing the context, cluster and user of a kubeconfig, with overrides applied
//! (client-go's `DirectClientConfig.getContext`/`getCluster`/`getAuthInfo`). Pure logic.

use crate::error::{Error, Result};
use crate::kubeconfig::{Kubeconfig, NamedAuthInfo, NamedCluster};
use crate::overrides::ConfigOverrides;

/// The entries a config is built from.
#[derive(Debug)]
pub(crate) struct Selection<'a> {
    /// The context's name; empty when no context is used (overrides alone).
    pub context_name: String,
    /// The cluster's name; empty when only a server override is used.
    pub cluster_name: String,
    /// The cluster; `None` only when only a server override is used.
    pub cluster: Option<&'a NamedCluster>,
    /// The user's name; empty when the context names no user.
    pub user_name: String,
    /// The user; `None` means anonymous.
    pub user: Option<&'a NamedAuthInfo>,
    /// The default namespace: the override, else the context's.
    pub namespace: Option<String>,
    /// The normalized overrides.
    pub overrides: ConfigOverrides,
}

/// Picks the context, cluster and user. A named entry that does not exist is an error naming
/// it; an empty context name is an error unless a cluster or server override says where to go.
pub(crate) fn select<'a>(
    kubeconfig: &'a Kubeconfig,
    overrides: &ConfigOverrides,
) -> Result<Selection<'a>> {
    let overrides = overrides.normalized();
    let context_name = overrides
        .context
        .clone()
        .or_else(|| kubeconfig.current_context.clone())
        .unwrap_or_default();
    if context_name.is_empty() && overrides.cluster.is_none() && overrides.server.is_none() {
        return Err(if kubeconfig.is_empty() {
            Error::EmptyConfig
        } else {
            Error::NoCurrentContext
        });
    }
    let context = if context_name.is_empty() {
        None
    } else {
        Some(
            kubeconfig
                .context(&context_name)
                .ok_or_else(|| Error::ContextNotFound {
                    context: context_name.clone(),
                })?,
        )
    };
    let ctx = context.map(|c| &c.context);

    let cluster_name = overrides
        .cluster
        .clone()
        .or_else(|| ctx.and_then(|c| c.cluster.clone()))
        .unwrap_or_default();
    let cluster = if !cluster_name.is_empty() {
        Some(
            kubeconfig
                .cluster(&cluster_name)
                .ok_or_else(|| Error::ClusterNotFound {
                    cluster: cluster_name.clone(),
                    context: context_name.clone(),
                })?,
        )
    } else if overrides.server.is_some() {
        None
    } else {
        return Err(Error::ClusterNotSpecified {
            context: context_name,
        });
    };

    let user_name = overrides
        .user
        .clone()
        .or_else(|| ctx.and_then(|c| c.user.clone()))
        .unwrap_or_default();
    let user = if user_name.is_empty() {
        None
    } else {
        Some(
            kubeconfig
                .auth_info(&user_name)
                .ok_or_else(|| Error::UserNotFound {
                    user: user_name.clone(),
                    context: context_name.clone(),
                })?,
        )
    };

    let namespace = overrides
        .namespace
        .clone()
        .or_else(|| ctx.and_then(|c| c.namespace.clone()));
    Ok(Selection {
        context_name,
        cluster_name,
        cluster,
        user_name,
        user,
        namespace,
        overrides,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    const KC: &str = "
current-context: a
contexts:
- name: a
  context: {cluster: c1, user: u1, namespace: ns-a}
- name: b
  context: {cluster: c2, user: u2}
- name: dangling-cluster
  context: {cluster: nope, user: u1}
- name: dangling-user
  context: {cluster: c1, user: ghost}
- name: no-cluster
  context: {user: u1}
- name: anonymous
  context: {cluster: c2}
clusters:
- name: c1
  cluster: {server: 'https://one'}
- name: c2
  cluster: {server: 'https://two'}
users:
- name: u1
- name: u2
";

    fn kc() -> Kubeconfig {
        Kubeconfig::from_yaml(KC).unwrap()
    }

    #[test]
    fn current_context_is_default() {
        let k = kc();
        let s = select(&k, &ConfigOverrides::new()).unwrap();
        assert_eq!(s.context_name, "a");
        assert_eq!(s.cluster_name, "c1");
        assert_eq!(s.user_name, "u1");
        assert_eq!(s.namespace.as_deref(), Some("ns-a"));
    }

    #[test]
    fn overrides_win() {
        let k = kc();
        let o = ConfigOverrides::new()
            .context("b")
            .cluster("c1")
            .user("u1")
            .namespace("x");
        let s = select(&k, &o).unwrap();
        assert_eq!(
            (s.context_name.as_str(), s.cluster_name.as_str()),
            ("b", "c1")
        );
        assert_eq!(s.user_name, "u1");
        assert_eq!(s.namespace.as_deref(), Some("x"));
        // Empty strings mean "not overridden".
        let s = select(&k, &ConfigOverrides::new().context("")).unwrap();
        assert_eq!(s.context_name, "a");
    }

    #[test]
    fn missing_things_are_named() {
        let k = kc();
        let e = select(&k, &ConfigOverrides::new().context("zzz")).unwrap_err();
        assert!(matches!(&e, Error::ContextNotFound { context } if context == "zzz"));
        let e = select(&k, &ConfigOverrides::new().context("dangling-cluster")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "cluster \"nope\" (used by context \"dangling-cluster\") not found in the kubeconfig"
        );
        let e = select(&k, &ConfigOverrides::new().context("dangling-user")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "user \"ghost\" (used by context \"dangling-user\") not found in the kubeconfig"
        );
        let e = select(&k, &ConfigOverrides::new().context("no-cluster")).unwrap_err();
        assert!(matches!(e, Error::ClusterNotSpecified { .. }));
    }

    #[test]
    fn context_without_user_is_anonymous() {
        let k = kc();
        let s = select(&k, &ConfigOverrides::new().context("anonymous")).unwrap();
        assert!(s.user.is_none());
    }

    #[test]
    fn no_context() {
        let mut k = kc();
        k.current_context = None;
        assert!(matches!(
            select(&k, &ConfigOverrides::new()),
            Err(Error::NoCurrentContext)
        ));
        assert!(matches!(
            select(&Kubeconfig::default(), &ConfigOverrides::new()),
            Err(Error::EmptyConfig)
        ));
        // A server override alone is enough.
        let empty = Kubeconfig::default();
        let s = select(&empty, &ConfigOverrides::new().server("https://x")).unwrap();
        assert!(s.cluster.is_none() && s.user.is_none());
    }
}
