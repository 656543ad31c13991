//! `ListOptions` (list and watch) and `GetOptions`, with `ResourceVersionMatch`.

use std::fmt;

use super::{ToQueryParams, push_display, push_flag, push_str};
use crate::fields::FieldSelector;
use crate::labels::Selector;

/// How `resourceVersion` is interpreted on a list (`metav1.ResourceVersionMatch`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResourceVersionMatch {
    /// Data at least as new as the given resourceVersion.
    NotOlderThan,
    /// Data at exactly the given resourceVersion.
    Exact,
}

impl ResourceVersionMatch {
    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            ResourceVersionMatch::NotOlderThan => "NotOlderThan",
            ResourceVersionMatch::Exact => "Exact",
        }
    }
}

impl fmt::Display for ResourceVersionMatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `metav1.ListOptions`: selectors, consistency and paging of a list, and the knobs of a watch.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[must_use]
pub struct ListOptions {
    /// `labelSelector`: only objects whose labels match.
    pub label_selector: Option<String>,
    /// `fieldSelector`: only objects whose fields match.
    pub field_selector: Option<String>,
    /// `watch`: stream changes instead of listing.
    pub watch: bool,
    /// `allowWatchBookmarks`: ask for BOOKMARK events on a watch.
    pub allow_watch_bookmarks: bool,
    /// `resourceVersion`: `""` for a consistent read, `"0"` for any cached state, or a version.
    pub resource_version: Option<String>,
    /// `resourceVersionMatch`: how `resource_version` is applied to a list.
    pub resource_version_match: Option<ResourceVersionMatch>,
    /// `timeoutSeconds`: server-side limit on the call's duration (sent even when 0).
    pub timeout_seconds: Option<i64>,
    /// `limit`: page size (0 means no limit and is not sent).
    pub limit: Option<i64>,
    /// `continue`: the token from the previous page's `ListMeta`.
    pub continue_token: Option<String>,
    /// `sendInitialEvents`: start a watch with the current state (the watch-list protocol).
    pub send_initial_events: Option<bool>,
    /// `shardSelector`: a CEL `shardRange(...)` expression (alpha, `ShardedListAndWatch`).
    pub shard_selector: Option<String>,
}

impl ListOptions {
    /// Sets the label selector text.
    pub fn label_selector(mut self, selector: impl Into<String>) -> Self {
        self.label_selector = Some(selector.into());
        self
    }

    /// Sets the label selector from a parsed selector (its canonical form).
    pub fn labels(self, selector: &Selector) -> Self {
        self.label_selector(selector.to_string())
    }

    /// Sets the field selector text.
    pub fn field_selector(mut self, selector: impl Into<String>) -> Self {
        self.field_selector = Some(selector.into());
        self
    }

    /// Sets the field selector from a parsed selector.
    pub fn fields(self, selector: &FieldSelector) -> Self {
        self.field_selector(selector.to_string())
    }

    /// Makes this a watch.
    pub fn watch(mut self) -> Self {
        self.watch = true;
        self
    }

    /// Asks for BOOKMARK events.
    pub fn allow_watch_bookmarks(mut self) -> Self {
        self.allow_watch_bookmarks = true;
        self
    }

    /// Sets the resourceVersion.
    pub fn resource_version(mut self, resource_version: impl Into<String>) -> Self {
        self.resource_version = Some(resource_version.into());
        self
    }

    /// Sets how the resourceVersion is matched.
    pub fn resource_version_match(mut self, version_match: ResourceVersionMatch) -> Self {
        self.resource_version_match = Some(version_match);
        self
    }

    /// Sets the server-side timeout in seconds.
    pub fn timeout_seconds(mut self, seconds: i64) -> Self {
        self.timeout_seconds = Some(seconds);
        self
    }

    /// Sets the page size.
    pub fn limit(mut self, limit: i64) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Sets the continue token of the next page.
    pub fn continue_token(mut self, token: impl Into<String>) -> Self {
        self.continue_token = Some(token.into());
        self
    }

    /// Sets `sendInitialEvents`.
    pub fn send_initial_events(mut self, send: bool) -> Self {
        self.send_initial_events = Some(send);
        self
    }

    /// Sets the shard selector expression.
    pub fn shard_selector(mut self, selector: impl Into<String>) -> Self {
        self.shard_selector = Some(selector.into());
        self
    }
}

impl ToQueryParams for ListOptions {
    fn query_params(&self, out: &mut Vec<(String, String)>) {
        push_str(out, "labelSelector", self.label_selector.as_deref());
        push_str(out, "fieldSelector", self.field_selector.as_deref());
        push_flag(out, "watch", self.watch);
        push_flag(out, "allowWatchBookmarks", self.allow_watch_bookmarks);
        push_str(out, "resourceVersion", self.resource_version.as_deref());
        push_display(out, "resourceVersionMatch", self.resource_version_match);
        push_display(out, "timeoutSeconds", self.timeout_seconds);
        push_display(out, "limit", self.limit.filter(|l| *l != 0));
        push_str(out, "continue", self.continue_token.as_deref());
        push_display(out, "sendInitialEvents", self.send_initial_events);
        push_str(out, "shardSelector", self.shard_selector.as_deref());
    }
}

/// `metav1.GetOptions`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[must_use]
pub struct GetOptions {
    /// `resourceVersion`: `""` for the latest, `"0"` for any cached state.
    pub resource_version: Option<String>,
}

impl GetOptions {
    /// Sets the resourceVersion.
    pub fn resource_version(mut self, resource_version: impl Into<String>) -> Self {
        self.resource_version = Some(resource_version.into());
        self
    }
}

impl ToQueryParams for GetOptions {
    fn query_params(&self, out: &mut Vec<(String, String)>) {
        push_str(out, "resourceVersion", self.resource_version.as_deref());
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::super::{encode, pairs};
    use super::*;

    #[test]
    fn defaults_encode_to_nothing() {
        assert!(encode(&ListOptions::default()).is_empty());
        assert!(encode(&GetOptions::default()).is_empty());
        let zeros = ListOptions {
            label_selector: Some(String::new()),
            limit: Some(0),
            continue_token: Some(String::new()),
            ..ListOptions::default()
        };
        assert!(encode(&zeros).is_empty());
    }

    #[test]
    fn every_list_field_has_the_server_name() {
        let opts = ListOptions::default()
            .labels(&Selector::parse("b=2,a=1").unwrap())
            .fields(&FieldSelector::one_term_equal("metadata.name", "x"))
            .watch()
            .allow_watch_bookmarks()
            .resource_version("0")
            .resource_version_match(ResourceVersionMatch::NotOlderThan)
            .timeout_seconds(0)
            .limit(500)
            .continue_token("tok")
            .send_initial_events(false)
            .shard_selector("shardRange(object.metadata.uid, '0x0', '0x8000000000000000')");
        assert_eq!(
            encode(&opts),
            pairs(&[
                ("labelSelector", "a=1,b=2"),
                ("fieldSelector", "metadata.name=x"),
                ("watch", "true"),
                ("allowWatchBookmarks", "true"),
                ("resourceVersion", "0"),
                ("resourceVersionMatch", "NotOlderThan"),
                ("timeoutSeconds", "0"),
                ("limit", "500"),
                ("continue", "tok"),
                ("sendInitialEvents", "false"),
                (
                    "shardSelector",
                    "shardRange(object.metadata.uid, '0x0', '0x8000000000000000')"
                ),
            ])
        );
        assert_eq!(
            encode(&GetOptions::default().resource_version("42")),
            pairs(&[("resourceVersion", "42")])
        );
        assert_eq!(ResourceVersionMatch::Exact.to_string(), "Exact");
    }
}
