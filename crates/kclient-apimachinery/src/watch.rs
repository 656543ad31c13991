//! Watch events as the server streams them: `{"type": "ADDED", "object": {...}}`.

use serde::{Deserialize, Serialize};

use crate::Status;

/// The type of a watch event, exactly as the server spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum WatchEventType {
    /// An object was added (or is part of the initial state).
    Added,
    /// An object was changed.
    Modified,
    /// An object was deleted; the event carries its last state.
    Deleted,
    /// A progress marker carrying only a resourceVersion.
    Bookmark,
    /// An error, carrying a `Status` (for example 410 Expired).
    Error,
}

/// A decoded watch event: the object for ADDED/MODIFIED/DELETED/BOOKMARK, a `Status` for ERROR.
///
/// Serialized exactly as the server writes it: `{"type":"ADDED","object":{...}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "object", rename_all = "UPPERCASE")]
pub enum WatchEvent<T> {
    /// An object was added.
    Added(T),
    /// An object was modified.
    Modified(T),
    /// An object was deleted.
    Deleted(T),
    /// A bookmark: the object has only `metadata.resourceVersion` (and maybe annotations) set.
    Bookmark(T),
    /// The server reported an error in the stream.
    Error(Box<Status>),
}

impl<T> WatchEvent<T> {
    /// The event's type.
    pub fn event_type(&self) -> WatchEventType {
        match self {
            WatchEvent::Added(_) => WatchEventType::Added,
            WatchEvent::Modified(_) => WatchEventType::Modified,
            WatchEvent::Deleted(_) => WatchEventType::Deleted,
            WatchEvent::Bookmark(_) => WatchEventType::Bookmark,
            WatchEvent::Error(_) => WatchEventType::Error,
        }
    }
}
