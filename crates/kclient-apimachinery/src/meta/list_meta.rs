//! `ListMeta`: the metadata of list responses (resourceVersion, continue token, remaining count).

use serde::{Deserialize, Serialize};

/// `metav1.ListMeta`, the `metadata` of every list response.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListMeta {
    /// Deprecated and no longer set by the server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub self_link: Option<String>,
    /// The collection's resourceVersion: start a watch from here to see every later change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_version: Option<String>,
    /// Set when more items are available; pass it as `ListOptions::continue_token` for the next page.
    #[serde(default, rename = "continue", skip_serializing_if = "Option::is_none")]
    pub continue_: Option<String>,
    /// An estimate of how many items follow this page (unset with selectors or on the last page).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remaining_item_count: Option<i64>,
    /// Set when the list was filtered by a shard selector (alpha, `ShardedListAndWatch`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard_info: Option<ShardInfo>,
}

impl ListMeta {
    /// The continue token, if there is a next page (an empty token means there is none).
    pub fn continue_token(&self) -> Option<&str> {
        self.continue_.as_deref().filter(|c| !c.is_empty())
    }
}

/// `metav1.ShardInfo`: which shard selector produced a list response.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ShardInfo {
    /// The shard selector from the request, echoed back.
    #[serde(default)]
    pub selector: String,
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn list_meta_wire_names() {
        let json = serde_json::json!({
            "selfLink": "/x", "resourceVersion": "7", "continue": "tok",
            "remainingItemCount": 12, "shardInfo": {"selector": "shardRange(...)"}
        });
        let meta: ListMeta = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(meta.continue_token(), Some("tok"));
        assert_eq!(meta.remaining_item_count, Some(12));
        assert_eq!(serde_json::to_value(&meta).unwrap(), json);
        let empty: ListMeta = serde_json::from_str(r#"{"continue":""}"#).unwrap();
        assert_eq!(empty.continue_token(), None);
        assert_eq!(serde_json::to_string(&ListMeta::default()).unwrap(), "{}");
    }
}
