//! Authentication: bearer tokens (the admin token made at start, plus any added through the
//! builder) and client certificates signed by the server's CA (CN = user, O = groups).
//! Authorization (allow-all, or RBAC when turned on) is in `rbac`.

use std::collections::HashMap;

use http::HeaderMap;

/// An authenticated user.
#[derive(Clone, PartialEq, Eq)]
pub struct User {
    /// The user name.
    pub name: String,
    /// The groups the user belongs to (without the implicit `system:authenticated`).
    pub groups: Vec<String>,
}

impl std::fmt::Debug for User {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("User")
            .field("name", &self.name)
            .field("groups", &self.groups)
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

    /// The user of a request: a valid bearer token wins, then the verified client certificate.
    /// `None` means anonymous (or a bad token, which the real server also rejects with 401).
    pub fn authenticate(&self, headers: &HeaderMap, cert_user: Option<User>) -> Option<User> {
        if let Some(value) = headers.get(http::header::AUTHORIZATION) {
            let token = value
                .to_str()
                .ok()
                .and_then(|v| {
                    v.strip_prefix("Bearer ")
                        .or_else(|| v.strip_prefix("bearer "))
                })
                .map(str::trim)?;
            return self.tokens.get(token).cloned();
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
        let admin = User {
            name: "admin".into(),
            groups: vec!["system:masters".into()],
        };
        let auth = Authenticator::new(HashMap::from([("secret".to_string(), admin.clone())]));
        let mut h = HeaderMap::new();
        assert_eq!(auth.authenticate(&h, None), None);
        h.insert(
            http::header::AUTHORIZATION,
            http::HeaderValue::from_static("Bearer secret"),
        );
        assert_eq!(auth.authenticate(&h, None), Some(admin));
        h.insert(
            http::header::AUTHORIZATION,
            http::HeaderValue::from_static("Bearer nope"),
        );
        let cert = User {
            name: "alice".into(),
            groups: vec![],
        };
        assert_eq!(auth.authenticate(&h, Some(cert.clone())), None);
        assert_eq!(
            auth.authenticate(&HeaderMap::new(), Some(cert.clone())),
            Some(cert)
        );
        assert!(!format!("{auth:?}").contains("secret"));
        assert_eq!(random_token().len(), 32);
    }
}
