//! `LabelSelector` in its `meta/v1` struct form (`matchLabels` + `matchExpressions`), as it appears
//! inside objects such as a Deployment's `spec.selector`. Convert it to a parsed
//! [`labels::Selector`](crate::labels::Selector) to match or to print it as a query string.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::serde_util::null_to_default;

/// `metav1.LabelSelector`: all of `match_labels` and all of `match_expressions` must match.
/// An empty selector matches everything.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LabelSelector {
    /// Exact `key=value` matches.
    #[serde(
        default,
        deserialize_with = "null_to_default",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub match_labels: BTreeMap<String, String>,
    /// Set-based requirements.
    #[serde(
        default,
        deserialize_with = "null_to_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub match_expressions: Vec<LabelSelectorRequirement>,
}

impl LabelSelector {
    /// Adds a `key=value` match.
    #[must_use]
    pub fn match_label(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.match_labels.insert(key.into(), value.into());
        self
    }

    /// Adds a set-based requirement.
    #[must_use]
    pub fn match_expression(mut self, requirement: LabelSelectorRequirement) -> Self {
        self.match_expressions.push(requirement);
        self
    }

    /// Whether the selector has no requirement at all (it then matches everything).
    pub fn is_empty(&self) -> bool {
        self.match_labels.is_empty() && self.match_expressions.is_empty()
    }
}

/// `metav1.LabelSelectorRequirement`: `key operator values`.
///
/// `operator` is kept as the wire string so that objects with operators unknown to this version
/// still decode; the valid ones are the `OP_*` constants.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LabelSelectorRequirement {
    /// The label key.
    #[serde(default)]
    pub key: String,
    /// `In`, `NotIn`, `Exists` or `DoesNotExist`.
    #[serde(default)]
    pub operator: String,
    /// The values for `In`/`NotIn`; empty for `Exists`/`DoesNotExist`.
    #[serde(
        default,
        deserialize_with = "null_to_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub values: Vec<String>,
}

impl LabelSelectorRequirement {
    /// The `In` operator.
    pub const OP_IN: &'static str = "In";
    /// The `NotIn` operator.
    pub const OP_NOT_IN: &'static str = "NotIn";
    /// The `Exists` operator.
    pub const OP_EXISTS: &'static str = "Exists";
    /// The `DoesNotExist` operator.
    pub const OP_DOES_NOT_EXIST: &'static str = "DoesNotExist";

    fn with(key: impl Into<String>, operator: &str, values: Vec<String>) -> Self {
        Self {
            key: key.into(),
            operator: operator.to_string(),
            values,
        }
    }

    /// `key In (values)`.
    pub fn in_values<I, S>(key: impl Into<String>, values: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self::with(
            key,
            Self::OP_IN,
            values.into_iter().map(Into::into).collect(),
        )
    }

    /// `key NotIn (values)`.
    pub fn not_in_values<I, S>(key: impl Into<String>, values: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self::with(
            key,
            Self::OP_NOT_IN,
            values.into_iter().map(Into::into).collect(),
        )
    }

    /// `key Exists`.
    pub fn exists(key: impl Into<String>) -> Self {
        Self::with(key, Self::OP_EXISTS, Vec::new())
    }

    /// `key DoesNotExist`.
    pub fn does_not_exist(key: impl Into<String>) -> Self {
        Self::with(key, Self::OP_DOES_NOT_EXIST, Vec::new())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn wire_form() {
        let sel = LabelSelector::default()
            .match_label("app", "web")
            .match_expression(LabelSelectorRequirement::in_values("tier", ["a", "b"]))
            .match_expression(LabelSelectorRequirement::exists("x"));
        let json = serde_json::to_value(&sel).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "matchLabels": {"app": "web"},
                "matchExpressions": [
                    {"key": "tier", "operator": "In", "values": ["a", "b"]},
                    {"key": "x", "operator": "Exists"}
                ]
            })
        );
        let back: LabelSelector = serde_json::from_value(json).unwrap();
        assert_eq!(back, sel);
        assert!(LabelSelector::default().is_empty());
        let tolerant: LabelSelector =
            serde_json::from_str(r#"{"matchLabels":null,"matchExpressions":null}"#).unwrap();
        assert!(tolerant.is_empty());
    }
}
