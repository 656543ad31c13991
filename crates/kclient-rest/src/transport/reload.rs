//! Reloading of TLS files (client-go's certificate rotation for file-based credentials,
//! `transport/cert_rotation.go`, and CA rotation, `transport/ca_rotation.go`): the client
//! certificate, key and CA files named by the config are re-read every interval (5 minutes by
//! default, as client-go), and when their contents changed the transport builds a new client
//! with the new material. New connections use it; requests in flight finish on their old
//! connection. A file that cannot be read or parsed (say, half-written during a rotation) keeps
//! the old material and is tried again at the next check.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::time::Duration;

use kclient_config::{DataSource, TlsConfig};
use tokio::time::Instant;

use super::tls::TlsSettings;
use crate::Error;

/// The TLS files of one transport and what they held at the last check.
#[derive(Debug)]
pub(crate) struct TlsFiles {
    config: TlsConfig,
    needs_roots: bool,
    interval: Duration,
    fingerprint: Option<u64>,
    next_check: Instant,
}

impl TlsFiles {
    /// Watches the files of `config`; `None` when it names none (inline data never changes).
    pub(crate) fn new(config: &TlsConfig, needs_roots: bool, interval: Duration) -> Option<Self> {
        let sources = [&config.ca, &config.client_cert, &config.client_key];
        if !sources
            .iter()
            .any(|s| matches!(s, Some(DataSource::File(_))))
        {
            return None;
        }
        let mut files = Self {
            config: config.clone(),
            needs_roots,
            interval,
            fingerprint: None,
            next_check: Instant::now() + interval,
        };
        files.fingerprint = files.read_fingerprint();
        Some(files)
    }

    /// Whether a check is due at `now`.
    pub(crate) fn due(&self, now: Instant) -> bool {
        now >= self.next_check
    }

    /// Checks the files at `now`: new settings when their contents changed and parse, `None`
    /// when nothing changed (or they cannot be read, which is logged).
    pub(crate) fn check(&mut self, now: Instant) -> Option<TlsSettings> {
        self.next_check = now + self.interval;
        let fingerprint = self.read_fingerprint()?;
        if Some(fingerprint) == self.fingerprint {
            return None;
        }
        match TlsSettings::from_config(&self.config, self.needs_roots) {
            Ok(settings) => {
                self.fingerprint = Some(fingerprint);
                tracing::info!(
                    "TLS files changed: new connections use the new certificate, key or CA"
                );
                Some(settings)
            }
            Err(error) => {
                tracing::warn!(%error, "TLS files changed but cannot be used; keeping the old ones");
                None
            }
        }
    }

    /// A hash of the contents of every file, or `None` (logged) when one cannot be read.
    fn read_fingerprint(&self) -> Option<u64> {
        let mut hasher = DefaultHasher::new();
        for source in [
            &self.config.ca,
            &self.config.client_cert,
            &self.config.client_key,
        ] {
            if let Some(DataSource::File(path)) = source {
                match std::fs::read(path) {
                    Ok(bytes) => bytes.hash(&mut hasher),
                    Err(e) => {
                        let error = Error::Tls {
                            reason: format!("cannot re-read {}", path.display()),
                            source: Some(Box::new(e)),
                        };
                        tracing::warn!(%error, "keeping the TLS material already loaded");
                        return None;
                    }
                }
            }
        }
        Some(hasher.finish())
    }
}
