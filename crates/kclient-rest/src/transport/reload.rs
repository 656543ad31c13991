//! Reloading of TLS files (client-go's certificate rotation for file-based credentials,
//! `transport/cert_rotation.go`, and CA rotation, `transport/ca_rotation.go`): the client
//! certificate, key and CA files named by the config are re-read every interval (5 minutes by
//! default, as client-go), and when their contents changed the transport builds a new client
//! with the new material. New connections use it; requests in flight finish on their old
//! connection. A file that cannot be read or parsed (say, half-written during a rotation) keeps
//! the old material and is tried again at the next check. Each check of a CA file is reported
//! to the metrics sink as client-go's `TransportCAReloads` (result and reason).

use std::hash::{DefaultHasher, Hash, Hasher};
use std::time::Duration;

use kclient_config::{DataSource, TlsConfig};
use tokio::time::Instant;

use super::tls::{TlsSettings, parse_certificates};
use crate::Error;
use crate::metrics::SharedMetrics;

/// The TLS files of one transport and what they held at the last check.
pub(crate) struct TlsFiles {
    config: TlsConfig,
    needs_roots: bool,
    interval: Duration,
    fingerprint: Option<u64>,
    next_check: Instant,
    /// The CA file's contents at the last successful load (when the CA is a file).
    ca: Option<Vec<u8>>,
    /// Where CA checks are reported.
    metrics: Option<SharedMetrics>,
}

impl std::fmt::Debug for TlsFiles {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsFiles")
            .field("config", &self.config)
            .field("interval", &self.interval)
            .field("next_check", &self.next_check)
            .field("metrics", &self.metrics.is_some())
            .finish_non_exhaustive()
    }
}

impl TlsFiles {
    /// Watches the files of `config`; `None` when it names none (inline data never changes).
    pub(crate) fn new(
        config: &TlsConfig,
        needs_roots: bool,
        interval: Duration,
        metrics: Option<SharedMetrics>,
    ) -> Option<Self> {
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
            ca: None,
            metrics,
        };
        files.fingerprint = files.read_fingerprint();
        if let Some(DataSource::File(path)) = &files.config.ca {
            files.ca = std::fs::read(path).ok();
        }
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
        let ca = self.check_ca();
        let fingerprint = self.read_fingerprint()?;
        if Some(fingerprint) == self.fingerprint {
            return None;
        }
        match TlsSettings::from_config(&self.config, self.needs_roots) {
            Ok(settings) => {
                self.fingerprint = Some(fingerprint);
                if let Some(ca) = ca {
                    self.ca = Some(ca);
                }
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

    /// Checks the CA file (if the CA is one) and reports the outcome as client-go's
    /// `ca_rotation.go` does; returns its contents when they changed and parse.
    fn check_ca(&self) -> Option<Vec<u8>> {
        let Some(DataSource::File(path)) = &self.config.ca else {
            return None;
        };
        let (result, reason, updated) = match std::fs::read(path) {
            Err(_) => ("failure", "read_error", None),
            Ok(bytes) if bytes.iter().all(u8::is_ascii_whitespace) => ("failure", "empty", None),
            Ok(bytes) if self.ca.as_ref() == Some(&bytes) => ("success", "unchanged", None),
            Ok(bytes) => match parse_certificates(&bytes, "the CA file") {
                Ok(_) => ("success", "updated", Some(bytes)),
                Err(_) => ("failure", "ca_parse_error", None),
            },
        };
        if let Some(metrics) = &self.metrics {
            metrics.transport_ca_reload(result, reason);
        }
        updated
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
