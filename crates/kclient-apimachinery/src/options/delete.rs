//! `DeleteOptions`: sent as a JSON body (`{"kind":"DeleteOptions","apiVersion":"v1",...}`) on
//! DELETE, and also encodable as query parameters (as `deletecollection` callers do).

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{DRY_RUN_ALL, ToQueryParams, push_display, push_dry_run};
use crate::meta::Preconditions;

/// Whether and how dependents are garbage-collected (`metav1.DeletionPropagation`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PropagationPolicy {
    /// Leave dependents in place.
    Orphan,
    /// Delete the object now and its dependents in the background.
    Background,
    /// Delete dependents first, then the object.
    Foreground,
}

impl PropagationPolicy {
    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            PropagationPolicy::Orphan => "Orphan",
            PropagationPolicy::Background => "Background",
            PropagationPolicy::Foreground => "Foreground",
        }
    }
}

impl fmt::Display for PropagationPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `metav1.DeleteOptions`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[must_use]
pub struct DeleteOptions {
    /// `gracePeriodSeconds`: seconds before the object is removed; 0 means now.
    pub grace_period_seconds: Option<i64>,
    /// `preconditions`: uid/resourceVersion the object must have (body only).
    pub preconditions: Option<Preconditions>,
    /// `orphanDependents`: deprecated; use `propagation_policy`.
    pub orphan_dependents: Option<bool>,
    /// `propagationPolicy`: how dependents are handled.
    pub propagation_policy: Option<PropagationPolicy>,
    /// `dryRun: ["All"]`: run every stage but persist nothing.
    pub dry_run: bool,
    /// `ignoreStoreReadErrorWithClusterBreakingPotential`: unsafe deletion of corrupt objects.
    pub ignore_store_read_error_with_cluster_breaking_potential: Option<bool>,
}

impl DeleteOptions {
    /// Delete with background propagation.
    pub fn background() -> Self {
        Self::default().propagation_policy(PropagationPolicy::Background)
    }

    /// Delete with foreground propagation.
    pub fn foreground() -> Self {
        Self::default().propagation_policy(PropagationPolicy::Foreground)
    }

    /// Delete and orphan dependents.
    pub fn orphan() -> Self {
        Self::default().propagation_policy(PropagationPolicy::Orphan)
    }

    /// Sets the grace period in seconds.
    pub fn grace_period_seconds(mut self, seconds: i64) -> Self {
        self.grace_period_seconds = Some(seconds);
        self
    }

    /// Sets the preconditions.
    pub fn preconditions(mut self, preconditions: Preconditions) -> Self {
        self.preconditions = Some(preconditions);
        self
    }

    /// Sets the propagation policy.
    pub fn propagation_policy(mut self, policy: PropagationPolicy) -> Self {
        self.propagation_policy = Some(policy);
        self
    }

    /// Asks for a dry run.
    pub fn dry_run(mut self) -> Self {
        self.dry_run = true;
        self
    }
}

/// The JSON body, field for field in Go's order.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Wire {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    api_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    grace_period_seconds: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    preconditions: Option<Preconditions>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    orphan_dependents: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    propagation_policy: Option<PropagationPolicy>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    dry_run: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ignore_store_read_error_with_cluster_breaking_potential: Option<bool>,
}

/// Always writes `"kind":"DeleteOptions","apiVersion":"v1"`, as the server expects of a body.
impl Serialize for DeleteOptions {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        Wire {
            kind: Some("DeleteOptions".to_string()),
            api_version: Some("v1".to_string()),
            grace_period_seconds: self.grace_period_seconds,
            preconditions: self.preconditions.clone(),
            orphan_dependents: self.orphan_dependents,
            propagation_policy: self.propagation_policy,
            dry_run: if self.dry_run {
                vec![DRY_RUN_ALL.to_string()]
            } else {
                Vec::new()
            },
            ignore_store_read_error_with_cluster_breaking_potential: self
                .ignore_store_read_error_with_cluster_breaking_potential,
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for DeleteOptions {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let wire = Wire::deserialize(deserializer)?;
        Ok(Self {
            grace_period_seconds: wire.grace_period_seconds,
            preconditions: wire.preconditions,
            orphan_dependents: wire.orphan_dependents,
            propagation_policy: wire.propagation_policy,
            dry_run: wire.dry_run.iter().any(|d| d == DRY_RUN_ALL),
            ignore_store_read_error_with_cluster_breaking_potential: wire
                .ignore_store_read_error_with_cluster_breaking_potential,
        })
    }
}

/// The query form; `preconditions` exist only in the body.
impl ToQueryParams for DeleteOptions {
    fn query_params(&self, out: &mut Vec<(String, String)>) {
        push_display(out, "gracePeriodSeconds", self.grace_period_seconds);
        push_display(out, "orphanDependents", self.orphan_dependents);
        push_display(out, "propagationPolicy", self.propagation_policy);
        push_dry_run(out, self.dry_run);
        push_display(
            out,
            "ignoreStoreReadErrorWithClusterBreakingPotential",
            self.ignore_store_read_error_with_cluster_breaking_potential,
        );
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::super::{encode, pairs};
    use super::*;

    #[test]
    fn body_has_kind_and_api_version() {
        assert_eq!(
            serde_json::to_string(&DeleteOptions::default()).unwrap(),
            r#"{"kind":"DeleteOptions","apiVersion":"v1"}"#
        );
        let opts = DeleteOptions::foreground()
            .grace_period_seconds(0)
            .preconditions(Preconditions::default().uid("u-1").resource_version("7"))
            .dry_run();
        assert_eq!(
            serde_json::to_string(&opts).unwrap(),
            r#"{"kind":"DeleteOptions","apiVersion":"v1","gracePeriodSeconds":0,"preconditions":{"uid":"u-1","resourceVersion":"7"},"propagationPolicy":"Foreground","dryRun":["All"]}"#
        );
        let back: DeleteOptions =
            serde_json::from_str(&serde_json::to_string(&opts).unwrap()).unwrap();
        assert_eq!(back, opts);
    }

    #[test]
    fn query_form() {
        assert!(encode(&DeleteOptions::default()).is_empty());
        let opts = DeleteOptions::background()
            .grace_period_seconds(30)
            .preconditions(Preconditions::default().uid("x"))
            .dry_run();
        assert_eq!(
            encode(&opts),
            pairs(&[
                ("gracePeriodSeconds", "30"),
                ("propagationPolicy", "Background"),
                ("dryRun", "All"),
            ])
        );
        let legacy = DeleteOptions {
            orphan_dependents: Some(true),
            ignore_store_read_error_with_cluster_breaking_potential: Some(true),
            ..DeleteOptions::orphan()
        };
        assert_eq!(
            encode(&legacy),
            pairs(&[
                ("orphanDependents", "true"),
                ("propagationPolicy", "Orphan"),
                ("ignoreStoreReadErrorWithClusterBreakingPotential", "true"),
            ])
        );
    }
}
