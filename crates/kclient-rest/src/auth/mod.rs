//! Where the `Authorization` header comes from: a static bearer token, a token file re-read as it
//! rotates, HTTP basic auth, or an exec credential plugin (which may also supply the TLS client
//! certificate). Credentials are `HeaderValue`s marked sensitive and never appear in `Debug`
//! output, logs or errors.

mod exec;
mod exec_run;
mod token_file;

use std::sync::Arc;

use base64::Engine as _;
use http::HeaderValue;
use kclient_config::{Config, ExposeSecret};

use crate::Error;
use crate::metrics::SharedMetrics;
use crate::transport::Transport;
pub(crate) use exec::ExecAuthenticator;
pub(crate) use token_file::{TOKEN_FILE_RELOAD, TokenFile};

/// One client's source of credentials.
pub(crate) enum Authenticator {
    /// A static bearer token.
    Bearer(HeaderValue),
    /// A bearer token re-read from a file.
    TokenFile(TokenFile),
    /// HTTP basic auth.
    Basic(HeaderValue),
    /// An exec credential plugin.
    Exec(Box<ExecAuthenticator>),
}

impl std::fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Authenticator::Bearer(_) => f.write_str("Bearer(<redacted>)"),
            Authenticator::TokenFile(t) => f.debug_tuple("TokenFile").field(t).finish(),
            Authenticator::Basic(_) => f.write_str("Basic(<redacted>)"),
            Authenticator::Exec(e) => f.debug_tuple("Exec").field(e).finish(),
        }
    }
}

/// The credential one request was sent with.
#[derive(Clone)]
pub(crate) struct Credential {
    /// The `Authorization` value, if the credential has one (a certificate-only exec credential
    /// has none).
    pub(crate) header: Option<HeaderValue>,
    /// Which exec credential this was (to tell whether another request already refreshed it).
    pub(crate) generation: u64,
}

impl Authenticator {
    /// The authenticator `config` asks for, if any. `transport` receives exec-provided client
    /// certificates. Conflicting settings are errors, as in client-go: basic auth with a token,
    /// or an exec plugin with another credential. A token file wins over a static token.
    pub(crate) fn from_config(
        config: &Config,
        transport: Option<Arc<Transport>>,
        metrics: Option<SharedMetrics>,
    ) -> Result<Option<Arc<Self>>, Error> {
        let auth = &config.auth;
        let has_token = auth.bearer_token.is_some() || auth.bearer_token_file.is_some();
        let has_basic = auth.username.is_some() || auth.password.is_some();
        if has_token && has_basic {
            return Err(Error::Config(
                "username/password or bearer token may be set, but not both".into(),
            ));
        }
        if auth.exec.is_some() && (has_token || has_basic) {
            return Err(Error::Config(
                "an exec plugin cannot be combined with a bearer token or basic auth".into(),
            ));
        }
        let authenticator = if let Some(exec) = &auth.exec {
            Authenticator::Exec(Box::new(ExecAuthenticator::new(
                exec.clone(),
                transport,
                metrics,
            )?))
        } else if let Some(path) = &auth.bearer_token_file {
            Authenticator::TokenFile(TokenFile::new(path.clone(), TOKEN_FILE_RELOAD))
        } else if let Some(token) = &auth.bearer_token {
            Authenticator::Bearer(bearer_header(token.expose_secret()).map_err(|_| {
                Error::Config(
                    "the bearer token has characters not allowed in an HTTP header".into(),
                )
            })?)
        } else if has_basic {
            let user = auth.username.as_deref().unwrap_or_default();
            let password = auth
                .password
                .as_ref()
                .map(|p| p.expose_secret())
                .unwrap_or_default();
            Authenticator::Basic(basic_header(user, password)?)
        } else {
            return Ok(None);
        };
        Ok(Some(Arc::new(authenticator)))
    }

    /// Whether a request that already has an `Authorization` header still needs this
    /// authenticator (an exec plugin may supply the client certificate).
    pub(crate) fn needed_despite_header(&self) -> bool {
        matches!(self, Authenticator::Exec(_))
    }

    /// The credential for the next request.
    pub(crate) async fn credential(&self) -> Result<Credential, Error> {
        let header = match self {
            Authenticator::Bearer(h) | Authenticator::Basic(h) => Some(h.clone()),
            Authenticator::TokenFile(file) => Some(file.header().await?),
            Authenticator::Exec(exec) => return exec.credential().await,
        };
        Ok(Credential {
            header,
            generation: 0,
        })
    }

    /// Reacts to a 401 for a request sent with `used`: a token file is re-read next time; an
    /// exec credential is refreshed now. Returns whether the request should be sent once more.
    pub(crate) async fn unauthorized(&self, used: &Credential) -> bool {
        match self {
            Authenticator::TokenFile(file) => {
                file.invalidate();
                false
            }
            Authenticator::Exec(exec) => match exec.refresh_after_unauthorized(used).await {
                Ok(()) => true,
                Err(error) => {
                    tracing::warn!(%error, "refreshing the exec credential after a 401 failed");
                    false
                }
            },
            Authenticator::Bearer(_) | Authenticator::Basic(_) => false,
        }
    }
}

/// `Bearer <token>`, marked sensitive.
pub(crate) fn bearer_header(token: &str) -> Result<HeaderValue, http::header::InvalidHeaderValue> {
    let mut value = HeaderValue::from_str(&format!("Bearer {token}"))?;
    value.set_sensitive(true);
    Ok(value)
}

/// `Basic base64(user:password)`, marked sensitive.
fn basic_header(user: &str, password: &str) -> Result<HeaderValue, Error> {
    let encoded = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
    let mut value = HeaderValue::from_str(&format!("Basic {encoded}"))
        .map_err(|_| Error::Config("basic auth credentials cannot form a header".into()))?;
    value.set_sensitive(true);
    Ok(value)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;
    use kclient_config::SecretString;

    #[test]
    fn basic_header_is_base64_of_user_colon_password() {
        assert_eq!(
            basic_header("Aladdin", "open sesame").unwrap(),
            "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="
        );
    }

    #[test]
    fn conflicting_credentials_are_rejected_and_debug_is_redacted() {
        let mut config = Config::new("https://h");
        config.auth.bearer_token = Some(SecretString::from("SENTINEL-TOKEN"));
        config.auth.username = Some("u".into());
        assert!(Authenticator::from_config(&config, None, None).is_err());
        config.auth.username = None;
        let auth = Authenticator::from_config(&config, None, None)
            .unwrap()
            .unwrap();
        assert!(!format!("{auth:?}").contains("SENTINEL"));
    }

    #[test]
    fn bad_token_characters_do_not_echo_the_token() {
        let mut config = Config::new("https://h");
        config.auth.bearer_token = Some(SecretString::from("SENTINEL\nX"));
        let err = Authenticator::from_config(&config, None, None).unwrap_err();
        assert!(!err.to_string().contains("SENTINEL"), "{err}");
    }
}
