//! Query parameters with Go's `url.Values` semantics (multi-valued, keys sorted on encoding), and
//! Go's `time.Duration.String` format used by the `timeout` parameter.

use std::collections::BTreeMap;
use std::time::Duration;

use super::path::escape_query;

/// Query parameters: each key keeps its values in insertion order; keys encode sorted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Query(BTreeMap<String, Vec<String>>);

impl Query {
    /// Appends a value to `key` (Go's `Values.Add`).
    pub(crate) fn add(&mut self, key: impl Into<String>, value: impl Into<String>) {
        self.0.entry(key.into()).or_default().push(value.into());
    }

    /// Replaces all values of `key` (Go's `Values.Set`).
    pub(crate) fn set(&mut self, key: impl Into<String>, value: impl Into<String>) {
        self.0.insert(key.into(), vec![value.into()]);
    }

    /// Whether `key` has at least one value.
    pub(crate) fn contains(&self, key: &str) -> bool {
        self.0.contains_key(key)
    }

    /// `key=value&…`, keys sorted, keys and values escaped like Go's `url.Values.Encode`.
    pub(crate) fn encode(&self) -> String {
        let mut out = String::new();
        for (key, values) in &self.0 {
            let key = escape_query(key);
            for value in values {
                if !out.is_empty() {
                    out.push('&');
                }
                out.push_str(&key);
                out.push('=');
                out.push_str(&escape_query(value));
            }
        }
        out
    }
}

/// Formats a duration exactly as Go's `time.Duration.String` (`1h2m3.5s`, `250ms`, `0s`),
/// through [`kclient_apimachinery::meta::Duration`], the one formatter; a duration beyond Go's
/// range (about 292 years) saturates.
pub(crate) fn go_duration(d: Duration) -> String {
    let nanos = i64::try_from(d.as_nanos()).unwrap_or(i64::MAX);
    kclient_apimachinery::meta::Duration(nanos).to_string()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn encodes_sorted_multi_valued_and_escaped() {
        let mut q = Query::default();
        q.add("watch", "true");
        q.add("labelSelector", "app in (a,b)");
        q.add("fieldSelector", "metadata.name=x");
        q.add("labelSelector", "tier=db");
        assert_eq!(
            q.encode(),
            "fieldSelector=metadata.name%3Dx&labelSelector=app+in+%28a%2Cb%29\
             &labelSelector=tier%3Ddb&watch=true"
        );
        q.set("labelSelector", "x");
        assert_eq!(
            q.encode(),
            "fieldSelector=metadata.name%3Dx&labelSelector=x&watch=true"
        );
        assert!(Query::default().encode().is_empty());
    }

    #[test]
    fn durations_format_like_go() {
        for (d, want) in [
            (Duration::ZERO, "0s"),
            (Duration::from_nanos(1), "1ns"),
            (Duration::from_nanos(1_500), "1.5µs"),
            (Duration::from_millis(250), "250ms"),
            (Duration::from_micros(1_500), "1.5ms"),
            (Duration::from_secs(1), "1s"),
            (Duration::from_millis(1_500), "1.5s"),
            (Duration::from_secs(30), "30s"),
            (Duration::from_secs(60), "1m0s"),
            (Duration::from_secs(443), "7m23s"),
            (Duration::from_secs(3600), "1h0m0s"),
            (Duration::from_secs(3723), "1h2m3s"),
            (Duration::new(3723, 500_000_000), "1h2m3.5s"),
            (Duration::from_secs(100 * 3600), "100h0m0s"),
        ] {
            assert_eq!(go_duration(d), want, "{d:?}");
        }
    }
}
