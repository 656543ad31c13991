//! Service account tokens the server issues through `serviceaccounts/<name>/token`: JWT-shaped
//! (`header.payload.signature`, each part base64url without padding) with the claims the real
//! issuer writes (`iss`, `sub`, `aud`, `exp`, `iat`, `nbf`, `jti`, `kubernetes.io`), and the
//! in-memory table the server checks bearer tokens against. The signature part is random bytes:
//! clients need not verify it, and only tokens this server issued (and still remembers) are
//! accepted. Pure logic: the caller passes the time and checks that the service account and any
//! bound object still exist.

use std::collections::HashMap;
use std::sync::Mutex;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use crate::auth::User;

/// The issuer and default audience of tokens (the real server's default `--api-audiences`).
pub const AUDIENCE: &str = "https://kubernetes.default.svc.cluster.local";

/// The `user.Info` extra key carrying the token's credential id (`JTI=<jti>`).
pub const CREDENTIAL_ID: &str = "authentication.kubernetes.io/credential-id";

/// An object a token is bound to (`boundObjectRef`): the token dies with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bound {
    /// `Pod`, `Secret` or `Node`.
    pub kind: String,
    /// The object's name.
    pub name: String,
    /// The object's uid.
    pub uid: String,
}

/// What a token says about its holder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claims {
    /// The service account's namespace.
    pub namespace: String,
    /// The service account's name.
    pub name: String,
    /// The service account's uid.
    pub uid: String,
    /// Who the token is meant for.
    pub audiences: Vec<String>,
    /// When it was issued (Unix seconds).
    pub issued_at: i64,
    /// When it expires (Unix seconds).
    pub expires_at: i64,
    /// The token's id (`jti`).
    pub id: String,
    /// The object it is bound to, if any.
    pub bound: Option<Bound>,
}

impl Claims {
    /// The user the token authenticates as (`ServiceAccountInfo.UserInfo`).
    pub fn user(&self) -> User {
        let ns = &self.namespace;
        let mut user = User::new(
            format!("system:serviceaccount:{ns}:{}", self.name),
            vec![
                "system:serviceaccounts".to_string(),
                format!("system:serviceaccounts:{ns}"),
            ],
        );
        user.uid = self.uid.clone();
        user.extra
            .insert(CREDENTIAL_ID.into(), vec![format!("JTI={}", self.id)]);
        if let Some(b) = self.bound.as_ref().filter(|b| b.kind == "Pod") {
            user.extra.insert(
                "authentication.kubernetes.io/pod-name".into(),
                vec![b.name.clone()],
            );
            user.extra.insert(
                "authentication.kubernetes.io/pod-uid".into(),
                vec![b.uid.clone()],
            );
        }
        user
    }

    /// The JWT payload.
    fn payload(&self) -> Value {
        let mut k8s = json!({
            "namespace": self.namespace,
            "serviceaccount": {"name": self.name, "uid": self.uid},
        });
        if let Some(b) = &self.bound {
            k8s[b.kind.to_ascii_lowercase()] = json!({"name": b.name, "uid": b.uid});
        }
        json!({
            "aud": self.audiences,
            "exp": self.expires_at,
            "iat": self.issued_at,
            "iss": AUDIENCE,
            "jti": self.id,
            "kubernetes.io": k8s,
            "nbf": self.issued_at,
            "sub": format!("system:serviceaccount:{}:{}", self.namespace, self.name),
        })
    }
}

/// The tokens issued by one server, by token text. Never prints them.
#[derive(Default)]
pub struct Issuer {
    issued: Mutex<HashMap<String, Claims>>,
}

impl std::fmt::Debug for Issuer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Issuer")
            .field("issued", &self.lock().len())
            .finish()
    }
}

impl Issuer {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Claims>> {
        self.issued.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Issues a token carrying `claims`; forgets tokens that expired by `claims.issued_at`.
    pub fn issue(&self, claims: Claims) -> String {
        let header = json!({"alg": "RS256", "kid": "kclient-testserver"});
        let signature: Vec<u8> = (0..64).map(|_| fastrand::u8(..)).collect();
        let token = format!(
            "{}.{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.payload().to_string()),
            URL_SAFE_NO_PAD.encode(signature)
        );
        let mut issued = self.lock();
        let now = claims.issued_at;
        issued.retain(|_, c| c.expires_at > now);
        issued.insert(token.clone(), claims);
        token
    }

    /// The claims of `token` if this server issued it and it has not expired at `now`.
    pub fn lookup(&self, token: &str, now: i64) -> Option<Claims> {
        self.lock()
            .get(token)
            .filter(|c| c.issued_at <= now && now < c.expires_at)
            .cloned()
    }
}

/// A random token id (a version-4 UUID, as the real issuer's `jti`).
pub fn new_id() -> String {
    crate::api::objects::new_uid()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn claims(bound: Option<Bound>) -> Claims {
        Claims {
            namespace: "ns".into(),
            name: "bot".into(),
            uid: "sa-uid".into(),
            audiences: vec![AUDIENCE.into()],
            issued_at: 1_000,
            expires_at: 4_600,
            id: "jti-1".into(),
            bound,
        }
    }

    #[test]
    fn tokens_are_jwt_shaped_and_expire() {
        let issuer = Issuer::default();
        let token = issuer.issue(claims(None));
        let parts: Vec<&str> = token.split('.').collect();
        assert_eq!(parts.len(), 3);
        let payload: Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
        assert_eq!(payload["sub"], "system:serviceaccount:ns:bot");
        assert_eq!(payload["aud"], json!([AUDIENCE]));
        assert_eq!(payload["exp"], 4_600);
        assert_eq!(payload["kubernetes.io"]["serviceaccount"]["uid"], "sa-uid");
        assert_eq!(issuer.lookup(&token, 1_000), Some(claims(None)));
        assert_eq!(
            issuer.lookup(&token, 4_599).map(|c| c.id),
            Some("jti-1".into())
        );
        assert_eq!(issuer.lookup(&token, 4_600), None, "expired");
        assert_eq!(issuer.lookup("x.y.z", 1_000), None, "never issued");
        // A forged token with the same claims but another signature is not accepted.
        let forged = format!("{}.{}.AAAA", parts[0], parts[1]);
        assert_eq!(issuer.lookup(&forged, 1_000), None);
        assert!(!format!("{issuer:?}").contains(&token));
        // Issuing later forgets the expired ones.
        let mut later = claims(None);
        later.issued_at = 5_000;
        later.expires_at = 8_600;
        issuer.issue(later);
        assert_eq!(issuer.lock().len(), 1);
    }

    #[test]
    fn users_of_service_account_tokens() {
        let bound = Bound {
            kind: "Pod".into(),
            name: "p".into(),
            uid: "pod-uid".into(),
        };
        let user = claims(Some(bound)).user();
        assert_eq!(user.name, "system:serviceaccount:ns:bot");
        assert_eq!(user.uid, "sa-uid");
        assert_eq!(
            user.groups,
            ["system:serviceaccounts", "system:serviceaccounts:ns"]
        );
        assert_eq!(user.extra[CREDENTIAL_ID], ["JTI=jti-1"]);
        assert_eq!(user.extra["authentication.kubernetes.io/pod-name"], ["p"]);
        let payload = claims(Some(Bound {
            kind: "Secret".into(),
            name: "s".into(),
            uid: "u".into(),
        }))
        .payload();
        assert_eq!(payload["kubernetes.io"]["secret"]["name"], "s");
    }
}
