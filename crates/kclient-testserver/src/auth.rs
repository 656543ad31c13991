//! Authentication: bearer tokens (the admin token made at start, plus any added through the
//! builder, plus service account tokens the server issued — checked by the caller through a
//! fallback) and client certificates signed by the server's CA (CN = user, O = groups).
//! Authorization (allow-all, or RBAC when turned on) is in `rbac`.

use std::collections::{BTreeMap, HashMap};

use http::HeaderMap;

/// An authenticated user (`user.Info`).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct User {
    /// The user name.
    pub name: String,
    /// The user's uid ("" for users without one, such as certificate users).
    pub uid: String,
    /// The groups the user belongs to (without the implicit `system:authenticated`).
    pub groups: Vec<String>,
    /// Extra attributes (a service account token's credential id, bound pod, …).
    pub extra: BTreeMap<String, Vec<String>>,
}

impl User {
    /// A user with a name and groups, no uid and no extra attributes.
    pub fn new(name: impl Into<String>, groups: Vec<String>) -> Self {
        Self {
            name: name.into(),
            groups,
            ..Self::default()
        }
    }
}

impl std::fmt::Debug for User {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("User")
            .field("name", &self.name)
            .field("uid", &self.uid)
            .field("groups", &self.groups)
            .field("extra", &self.extra)
            .finish()
    }
}

/// Maps credentials to users.
pub struct Authenticator {
    tokens: HashMap<String, User>,
}

impl std::fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the tokens.
        f.debug_struct("Authenticator")
            .field("tokens", &self.tokens.len())
            .finish()
    }
}

impl Authenticator {
    /// An authenticator accepting `tokens`.
    pub fn new(tokens: HashMap<String, User>) -> Self {
        Self { tokens }
    }

    /// The user of one of the configured bearer tokens (not of issued ones).
    pub fn static_token(&self, token: &str) -> Option<User> {
        self.tokens.get(token).cloned()
    }

    /// The user of a request: a valid bearer token wins (a configured one, else whatever
    /// `issued` makes of it), then the verified client certificate. `None` means anonymous (or a
    /// bad token, which the real server also rejects with 401).
    pub fn authenticate(
        &self,
        headers: &HeaderMap,
        cert_user: Option<User>,
        issued: impl FnOnce(&str) -> Option<User>,
    ) -> Option<User> {
        if let Some(value) = headers.get(http::header::AUTHORIZATION) {
            let token = value
                .to_str()
                .ok()
                .and_then(|v| {
                    v.strip_prefix("Bearer ")
                        .or_else(|| v.strip_prefix("bearer "))
                })
                .map(str::trim)?;
            return self.tokens.get(token).cloned().or_else(|| issued(token));
        }
        cert_user
    }
}

/// A random token of 32 URL-safe characters.
pub fn random_token() -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    (0..32)
        .map(|_| ALPHABET[fastrand::usize(..ALPHABET.len())] as char)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_then_certificates() {
        let admin = User::new("admin", vec!["system:masters".into()]);
        let none = |_: &str| None;
        let auth = Authenticator::new(HashMap::from([("secret".to_string(), admin.clone())]));
        let mut h = HeaderMap::new();
        assert_eq!(auth.authenticate(&h, None, none), None);
        h.insert(
            http::header::AUTHORIZATION,
            http::HeaderValue::from_static("Bearer secret"),
        );
        assert_eq!(auth.authenticate(&h, None, none), Some(admin));
        h.insert(
            http::header::AUTHORIZATION,
            http::HeaderValue::from_static("Bearer nope"),
        );
        let cert = User::new("alice", vec![]);
        assert_eq!(auth.authenticate(&h, Some(cert.clone()), none), None);
        assert_eq!(
            auth.authenticate(&HeaderMap::new(), Some(cert.clone()), none),
            Some(cert)
        );
        let issued = |t: &str| (t == "nope").then(|| User::new("bot", vec![]));
        assert_eq!(
            auth.authenticate(&h, None, issued).map(|u| u.name),
            Some("bot".to_string())
        );
        assert!(!format!("{auth:?}").contains("secret"));
        assert_eq!(random_token().len(), 32);
    }
}
