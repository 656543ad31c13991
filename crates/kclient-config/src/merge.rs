//! Merging kubeconfigs the way client-go merges the files of `KUBECONFIG` (`loader.go`): the
//! first file that defines a named cluster, user, context or extension wins the whole entry, and
//! the first non-empty scalar (`current-context`, `apiVersion`, `kind`) wins.

use crate::kubeconfig::{Kubeconfig, NamedExtension, Preferences};

impl Kubeconfig {
    /// Merges `lower` into `self`, `self` taking priority: entries of `lower` are added only when
    /// `self` has no entry of the same name (whole entries, never field by field), and scalars of
    /// `lower` are used only when `self` leaves them unset. Folding the files of `KUBECONFIG` in
    /// order with this gives client-go's result.
    #[must_use]
    pub fn merge(mut self, lower: Kubeconfig) -> Kubeconfig {
        let Kubeconfig {
            api_version,
            kind,
            preferences,
            clusters,
            auth_infos,
            contexts,
            current_context,
            extensions,
        } = lower;
        if self.api_version.is_none() {
            self.api_version = api_version;
        }
        if self.kind.is_none() {
            self.kind = kind;
        }
        if self.current_context.is_none() {
            self.current_context = current_context;
        }
        self.preferences = merge_preferences(self.preferences, preferences);
        append_new(&mut self.clusters, clusters, |c| &c.name);
        append_new(&mut self.auth_infos, auth_infos, |u| &u.name);
        append_new(&mut self.contexts, contexts, |c| &c.name);
        append_new(&mut self.extensions, extensions, |e: &NamedExtension| {
            &e.name
        });
        self
    }
}

fn merge_preferences(mut upper: Preferences, lower: Preferences) -> Preferences {
    // client-go merges the struct field by field; a `false` bool counts as unset.
    upper.colors = upper.colors || lower.colors;
    append_new(&mut upper.extensions, lower.extensions, |e| &e.name);
    upper
}

/// Appends the entries of `lower` whose name is not yet in `upper`.
fn append_new<T>(upper: &mut Vec<T>, lower: Vec<T>, name: impl Fn(&T) -> &String) {
    for entry in lower {
        if !upper.iter().any(|u| name(u) == name(&entry)) {
            upper.push(entry);
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;
    use crate::kubeconfig::{NamedCluster, NamedContext};

    fn cluster(name: &str, server: &str) -> NamedCluster {
        let mut c = NamedCluster {
            name: name.into(),
            ..Default::default()
        };
        c.cluster.server = Some(server.into());
        c
    }

    #[test]
    fn first_entry_wins_whole() {
        let mut a = Kubeconfig::default();
        a.clusters.push(cluster("shared", "https://a"));
        let mut b = Kubeconfig::default();
        let mut shared_b = cluster("shared", "https://b");
        shared_b.cluster.insecure_skip_tls_verify = true;
        b.clusters.push(shared_b);
        b.clusters.push(cluster("only-b", "https://b2"));
        let m = a.merge(b);
        assert_eq!(m.clusters.len(), 2);
        let shared = m.cluster("shared").unwrap();
        assert_eq!(shared.cluster.server.as_deref(), Some("https://a"));
        // No field-level merge: b's insecure flag does not leak into a's entry.
        assert!(!shared.cluster.insecure_skip_tls_verify);
        assert_eq!(
            m.cluster("only-b").unwrap().cluster.server.as_deref(),
            Some("https://b2")
        );
    }

    #[test]
    fn first_non_empty_scalar_wins() {
        let a = Kubeconfig::default();
        let b = Kubeconfig {
            current_context: Some("from-b".into()),
            ..Default::default()
        };
        let c = Kubeconfig {
            current_context: Some("from-c".into()),
            ..Default::default()
        };
        let m = a.merge(b).merge(c);
        assert_eq!(m.current_context.as_deref(), Some("from-b"));
    }

    #[test]
    fn contexts_and_preferences() {
        let mut a = Kubeconfig::default();
        a.contexts.push(NamedContext {
            name: "x".into(),
            ..Default::default()
        });
        let mut b = Kubeconfig::default();
        b.preferences.colors = true;
        b.contexts.push(NamedContext {
            name: "y".into(),
            ..Default::default()
        });
        let m = a.merge(b);
        assert!(m.preferences.colors);
        let names: Vec<_> = m.contexts.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["x", "y"]);
    }
}
