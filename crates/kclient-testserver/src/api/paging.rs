//! Continue tokens for paginated lists: opaque to clients, but shaped like the real server's
//! (base64url of `{"v":"meta.k8s.io/v1","rv":N,"start":"<key>\u0000"}`), so a later page is
//! served from the same snapshot, or 410 Expired once that snapshot's history is gone.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

use super::status::ApiError;
use crate::store::Key;

/// The message of a 410 for an expired continue token (`inconsistentContinue`).
pub const INCONSISTENT_CONTINUE: &str = "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.";

#[derive(Serialize, Deserialize)]
struct Token {
    v: String,
    rv: i64,
    start: String,
}

/// Where a page starts: the snapshot's resourceVersion and the first key after the previous page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Continue {
    /// The snapshot.
    pub rv: u64,
    /// The relative key (`name` or `namespace/name`) of the last item already returned.
    pub after: String,
}

/// The key relative to the listed prefix.
pub fn relative_key(key: &Key, all_namespaces: bool) -> String {
    if all_namespaces && !key.namespace.is_empty() {
        format!("{}/{}", key.namespace, key.name)
    } else {
        key.name.clone()
    }
}

/// Encodes a token for the page after `last`.
pub fn encode(rv: u64, last: &str) -> String {
    let token = Token {
        v: "meta.k8s.io/v1".into(),
        rv: i64::try_from(rv).unwrap_or(i64::MAX),
        start: format!("{last}\u{0}"),
    };
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(&token).unwrap_or_default())
}

/// Decodes a token.
pub fn decode(token: &str) -> Result<Continue, ApiError> {
    let invalid = |why: &str| ApiError::bad_request(format!("invalid continue token: {why}"));
    let bytes = URL_SAFE_NO_PAD
        .decode(token.trim_end_matches('='))
        .map_err(|_| invalid("not base64"))?;
    let t: Token = serde_json::from_slice(&bytes).map_err(|_| invalid("not a continue token"))?;
    if t.v != "meta.k8s.io/v1" {
        return Err(invalid(
            "incorrect encoded start resourceVersion (version meta.k8s.io/v1)",
        ));
    }
    let rv = u64::try_from(t.rv)
        .ok()
        .filter(|rv| *rv > 0)
        .ok_or_else(|| {
            invalid("incorrect encoded start resourceVersion (version meta.k8s.io/v1)")
        })?;
    let after = t
        .start
        .strip_suffix('\u{0}')
        .unwrap_or(&t.start)
        .to_string();
    Ok(Continue { rv, after })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        let t = encode(42, "ns/b");
        assert_eq!(
            decode(&t).unwrap(),
            Continue {
                rv: 42,
                after: "ns/b".into()
            }
        );
        assert_eq!(decode("!!").unwrap_err().code, 400);
        assert_eq!(
            decode(&URL_SAFE_NO_PAD.encode(b"{}")).unwrap_err().code,
            400
        );
    }
}
