//! Query parameters: URL decoding, and the options of each verb (`ListOptions`,
//! `DeleteOptions` from the query, `dryRun`) with the real server's validation messages.

use super::status::{ApiError, FieldError};

/// The decoded query string.
#[derive(Debug, Clone, Default)]
pub struct Query {
    pairs: Vec<(String, String)>,
}

/// Decodes `%XX` escapes and `+` (as a space) in a query component.
fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl Query {
    /// Parses `a=1&b=x%20y`.
    pub fn parse(query: Option<&str>) -> Self {
        let pairs = query
            .unwrap_or_default()
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| match p.split_once('=') {
                Some((k, v)) => (decode(k), decode(v)),
                None => (decode(p), String::new()),
            })
            .collect();
        Self { pairs }
    }

    /// The first value of `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of `key`.
    pub fn all(&self, key: &str) -> Vec<&str> {
        self.pairs
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// A boolean parameter (Go's `strconv.ParseBool` spellings); absent or empty is `None`.
    pub fn bool(&self, key: &str) -> Result<Option<bool>, ApiError> {
        match self.get(key) {
            None | Some("") => Ok(None),
            Some("1" | "t" | "T" | "true" | "TRUE" | "True") => Ok(Some(true)),
            Some("0" | "f" | "F" | "false" | "FALSE" | "False") => Ok(Some(false)),
            Some(other) => Err(ApiError::bad_request(format!(
                "strconv.ParseBool: parsing {other:?}: invalid syntax"
            ))),
        }
    }

    /// An integer parameter; absent or empty is `None`.
    pub fn int(&self, key: &str) -> Result<Option<i64>, ApiError> {
        match self.get(key) {
            None | Some("") => Ok(None),
            Some(v) => v.parse().map(Some).map_err(|_| {
                ApiError::bad_request(format!("strconv.ParseInt: parsing {v:?}: invalid syntax"))
            }),
        }
    }

    /// Validates `dryRun`: absent, or exactly `All`. Returns whether this is a dry run.
    pub fn dry_run(&self, options_kind: &str) -> Result<bool, ApiError> {
        let values = self.all("dryRun");
        if values.is_empty() {
            return Ok(false);
        }
        if values.iter().all(|v| *v == "All") {
            return Ok(true);
        }
        let shown = format!("[{}]", values.join(" "));
        Err(ApiError::invalid(
            &kclient_apimachinery::GroupKind::new("meta.k8s.io", options_kind),
            "",
            &[FieldError::not_supported("dryRun", &shown, &["All"])],
        ))
    }
}

/// `ListOptions` from the query of a list or watch.
#[derive(Debug, Clone, Default)]
pub struct ListOptions {
    /// `labelSelector`.
    pub label_selector: String,
    /// `fieldSelector`.
    pub field_selector: String,
    /// `watch`.
    pub watch: bool,
    /// `allowWatchBookmarks`.
    pub allow_watch_bookmarks: bool,
    /// `resourceVersion`.
    pub resource_version: String,
    /// `resourceVersionMatch`.
    pub resource_version_match: String,
    /// `timeoutSeconds`.
    pub timeout_seconds: Option<i64>,
    /// `limit`.
    pub limit: Option<i64>,
    /// `continue`.
    pub continue_token: String,
    /// `sendInitialEvents`.
    pub send_initial_events: Option<bool>,
}

impl ListOptions {
    /// Reads and validates the options (`ValidateListOptions` with the WatchList feature on).
    pub fn from_query(q: &Query, watch_path: bool) -> Result<Self, ApiError> {
        let o = Self {
            label_selector: q.get("labelSelector").unwrap_or_default().to_string(),
            field_selector: q.get("fieldSelector").unwrap_or_default().to_string(),
            watch: watch_path || q.bool("watch")?.unwrap_or(false),
            allow_watch_bookmarks: q.bool("allowWatchBookmarks")?.unwrap_or(false),
            resource_version: q.get("resourceVersion").unwrap_or_default().to_string(),
            resource_version_match: q
                .get("resourceVersionMatch")
                .unwrap_or_default()
                .to_string(),
            timeout_seconds: q.int("timeoutSeconds")?,
            limit: q.int("limit")?,
            continue_token: q.get("continue").unwrap_or_default().to_string(),
            send_initial_events: q.bool("sendInitialEvents")?,
        };
        let errors = o.validate();
        if !errors.is_empty() {
            return Err(ApiError::invalid(
                &kclient_apimachinery::GroupKind::new("meta.k8s.io", "ListOptions"),
                "",
                &errors,
            ));
        }
        Ok(o)
    }

    fn validate(&self) -> Vec<FieldError> {
        let mut errs = Vec::new();
        let m = self.resource_version_match.as_str();
        if self.watch {
            if self.send_initial_events.is_some() && m != "NotOlderThan" {
                errs.push(FieldError::forbidden(
                    "resourceVersionMatch",
                    "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan",
                ));
            }
            if !m.is_empty() {
                if self.send_initial_events.is_none() {
                    errs.push(FieldError::forbidden(
                        "resourceVersionMatch",
                        "resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided",
                    ));
                }
                if m != "NotOlderThan" {
                    errs.push(FieldError::not_supported(
                        "resourceVersionMatch",
                        m,
                        &["NotOlderThan"],
                    ));
                }
                if !self.continue_token.is_empty() {
                    errs.push(FieldError::forbidden(
                        "resourceVersionMatch",
                        "resourceVersionMatch is forbidden when continue is provided",
                    ));
                }
            }
            return errs;
        }
        if !m.is_empty() {
            if self.resource_version.is_empty() {
                errs.push(FieldError::forbidden(
                    "resourceVersionMatch",
                    "resourceVersionMatch is forbidden unless resourceVersion is provided",
                ));
            }
            if !self.continue_token.is_empty() {
                errs.push(FieldError::forbidden(
                    "resourceVersionMatch",
                    "resourceVersionMatch is forbidden when continue is provided",
                ));
            }
            if m != "Exact" && m != "NotOlderThan" {
                errs.push(FieldError::not_supported(
                    "resourceVersionMatch",
                    m,
                    &["Exact", "NotOlderThan", ""],
                ));
            }
            if m == "Exact" && self.resource_version == "0" {
                errs.push(FieldError::forbidden(
                    "resourceVersionMatch",
                    "resourceVersionMatch \"exact\" is forbidden for resourceVersion \"0\"",
                ));
            }
        }
        if self.send_initial_events.is_some() {
            errs.push(FieldError::forbidden(
                "sendInitialEvents",
                "sendInitialEvents is forbidden for list",
            ));
        }
        errs
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn decodes_escapes() {
        let q = Query::parse(Some("labelSelector=a%3Db%2Cc+in+(x)&watch=1&x"));
        assert_eq!(q.get("labelSelector"), Some("a=b,c in (x)"));
        assert_eq!(q.bool("watch").unwrap(), Some(true));
        assert_eq!(q.get("x"), Some(""));
        assert!(Query::parse(Some("watch=maybe")).bool("watch").is_err());
        assert_eq!(decode("100%"), "100%");
    }

    #[test]
    fn validates_watch_list_options() {
        let q = Query::parse(Some("watch=true&sendInitialEvents=true"));
        let err = ListOptions::from_query(&q, false).unwrap_err();
        assert_eq!(err.code, 422);
        assert_eq!(
            err.message,
            "ListOptions.meta.k8s.io \"\" is invalid: resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan"
        );
        let q = Query::parse(Some(
            "watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan",
        ));
        assert!(ListOptions::from_query(&q, false).is_ok());
        let q = Query::parse(Some("sendInitialEvents=true"));
        assert!(ListOptions::from_query(&q, false).is_err());
        let q = Query::parse(Some("dryRun=Some"));
        assert_eq!(q.dry_run("CreateOptions").unwrap_err().code, 422);
    }
}
