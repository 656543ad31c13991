//! The exec credential plugin as an authenticator: the credential is cached until its
//! `expirationTimestamp` (forever without one), concurrent requests wait for one plugin run, a
//! 401 refreshes it once (unless another request already did), and a client certificate it
//! returns becomes the transport's TLS identity.

use std::sync::Arc;

use http::HeaderValue;
use kclient_config::exec_credential::{V1, V1BETA1};
use kclient_config::{ExecConfig, ExposeSecret};
use tokio::sync::Mutex;

use super::exec_run::run_plugin;
use super::{Credential, bearer_header};
use crate::Error;
use crate::metrics::SharedMetrics;
use crate::transport::Transport;

/// The cached credential.
struct Cached {
    header: Option<HeaderValue>,
    expires: Option<jiff::Timestamp>,
}

/// The plugin's state: the current credential and how many times it was fetched.
#[derive(Default)]
struct State {
    current: Option<Cached>,
    generation: u64,
}

/// An exec plugin with its credential cache.
pub(crate) struct ExecAuthenticator {
    exec: ExecConfig,
    transport: Option<Arc<Transport>>,
    metrics: Option<SharedMetrics>,
    state: Mutex<State>,
}

impl std::fmt::Debug for ExecAuthenticator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExecAuthenticator")
            .field("command", &self.exec.command)
            .finish_non_exhaustive()
    }
}

impl ExecAuthenticator {
    /// An authenticator for `exec`; client certificates it returns go to `transport`.
    pub(crate) fn new(
        exec: ExecConfig,
        transport: Option<Arc<Transport>>,
        metrics: Option<SharedMetrics>,
    ) -> Result<Self, Error> {
        if exec.api_version != V1 && exec.api_version != V1BETA1 {
            return Err(Error::Config(format!(
                "exec plugin: invalid apiVersion {:?} (expected {V1} or {V1BETA1})",
                exec.api_version
            )));
        }
        if exec.command.is_empty() {
            return Err(Error::Config("exec plugin: no command given".into()));
        }
        Ok(Self {
            exec,
            transport,
            metrics,
            state: Mutex::new(State::default()),
        })
    }

    /// The current credential, running the plugin if there is none or it expired.
    pub(crate) async fn credential(&self) -> Result<Credential, Error> {
        let mut state = self.state.lock().await;
        let now = jiff::Timestamp::now();
        if let Some(cached) = &state.current
            && cached.expires.is_none_or(|t| now < t)
        {
            return Ok(Credential {
                header: cached.header.clone(),
                generation: state.generation,
            });
        }
        self.refresh(&mut state).await
    }

    /// After a 401 for a request sent with `used`: runs the plugin again, unless another request
    /// already replaced that credential.
    pub(crate) async fn refresh_after_unauthorized(&self, used: &Credential) -> Result<(), Error> {
        let mut state = self.state.lock().await;
        if state.generation != used.generation && state.current.is_some() {
            return Ok(());
        }
        self.refresh(&mut state).await.map(|_| ())
    }

    /// Runs the plugin and installs its credential.
    async fn refresh(&self, state: &mut State) -> Result<Credential, Error> {
        state.current = None;
        let credential = run_plugin(&self.exec, self.metrics.as_ref()).await?;
        let fail = |reason: &str| Error::ExecPlugin {
            command: self.exec.command.clone(),
            reason: reason.to_string(),
            source: None,
        };
        let status = credential
            .status
            .ok_or_else(|| fail("the plugin returned no status"))?;
        if let (Some(cert), Some(key)) = (&status.client_certificate_data, &status.client_key_data)
        {
            match &self.transport {
                Some(transport) => transport
                    .set_identity(cert.as_bytes(), key.expose_secret().as_bytes())
                    .map_err(|e| Error::ExecPlugin {
                        command: self.exec.command.clone(),
                        reason: format!("the plugin returned an unusable client certificate: {e}"),
                        source: None,
                    })?,
                None => tracing::warn!(
                    "the exec plugin returned a client certificate, but this client has no TLS \
                     transport to present it on"
                ),
            }
        }
        let header = match &status.token {
            Some(token) => Some(bearer_header(token.expose_secret()).map_err(|_| {
                fail("the plugin returned a token with characters not allowed in an HTTP header")
            })?),
            None => None,
        };
        state.generation += 1;
        state.current = Some(Cached {
            header: header.clone(),
            expires: status.expiration_timestamp,
        });
        Ok(Credential {
            header,
            generation: state.generation,
        })
    }
}
