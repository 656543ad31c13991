//! `Condition`: the standard shape of one entry in an object's `status.conditions`.

use serde::{Deserialize, Serialize};

use super::Time;

/// `metav1.Condition`, one aspect of an object's current state.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Condition {
    /// The condition type in CamelCase, such as `Available` or `Ready`.
    #[serde(default, rename = "type")]
    pub type_: String,
    /// `True`, `False` or `Unknown`.
    #[serde(default)]
    pub status: String,
    /// The `.metadata.generation` the condition was computed from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_generation: Option<i64>,
    /// When the status last changed (required by the server; `None` only if it sent `null`).
    #[serde(default)]
    pub last_transition_time: Option<Time>,
    /// A CamelCase, machine-readable reason for the last transition.
    #[serde(default)]
    pub reason: String,
    /// A human-readable message about the transition (may be empty).
    #[serde(default)]
    pub message: String,
}

impl Condition {
    /// Whether `status` is `True`.
    pub fn is_true(&self) -> bool {
        self.status == "True"
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn condition_wire_form() {
        let json = serde_json::json!({
            "type": "Ready", "status": "True", "observedGeneration": 2,
            "lastTransitionTime": "2024-01-02T03:04:05Z", "reason": "AllGood", "message": ""
        });
        let c: Condition = serde_json::from_value(json.clone()).unwrap();
        assert!(c.is_true());
        assert_eq!(serde_json::to_value(&c).unwrap(), json);
    }
}
