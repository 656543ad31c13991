//! TLS client settings: which servers to trust (custom CA, system roots, or — dangerously —
//! anything), which name to verify, which ALPN protocols to offer, and which client identity to
//! present. Builds rustls `ClientConfig`s with [`crypto_provider`]: the process's default
//! provider when the application installed one, else ring.

use std::fmt;
use std::sync::Arc;

use kclient_config::{DataSource, TlsConfig};
use rustls::crypto::CryptoProvider;
use rustls::{ClientConfig, RootCertStore};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, ServerName};

use super::insecure::AcceptAnyServerCert;
use crate::Error;

/// A client certificate chain and its private key. `Debug` never shows the key.
pub(crate) struct Identity {
    certs: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
}

impl Identity {
    /// Parses a PEM certificate chain and a PEM private key; `origin` says where they came from.
    pub(crate) fn from_pem(cert_pem: &[u8], key_pem: &[u8], origin: &str) -> Result<Self, Error> {
        let certs = parse_certificates(cert_pem, &format!("the client certificate ({origin})"))?;
        let key = PrivateKeyDer::from_pem_slice(key_pem).map_err(|e| Error::Tls {
            reason: format!("no usable PEM private key in the client key ({origin})"),
            source: Some(Box::new(e)),
        })?;
        Ok(Self { certs, key })
    }

    /// The DER of the leaf certificate.
    pub(crate) fn leaf(&self) -> Option<&[u8]> {
        self.certs.first().map(|c| c.as_ref())
    }
}

impl Clone for Identity {
    fn clone(&self) -> Self {
        Self {
            certs: self.certs.clone(),
            key: self.key.clone_key(),
        }
    }
}

impl fmt::Debug for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Identity")
            .field("certs", &self.certs.len())
            .field("key", &"<redacted>")
            .finish()
    }
}

/// How the server's certificate is checked.
#[derive(Clone)]
enum Trust {
    /// Against these roots.
    Roots(Arc<RootCertStore>),
    /// Not at all (`insecure-skip-tls-verify`).
    Insecure,
}

/// Everything TLS needs except the client identity, which may rotate (exec plugins).
#[derive(Clone)]
pub(crate) struct TlsSettings {
    provider: Arc<CryptoProvider>,
    trust: Trust,
    alpn: Vec<Vec<u8>>,
    server_name: Option<ServerName<'static>>,
    /// The identity from the config's client certificate and key, if any.
    static_identity: Option<Identity>,
}

impl fmt::Debug for TlsSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsSettings")
            .field("insecure", &matches!(self.trust, Trust::Insecure))
            .field("server_name", &self.server_name)
            .field("static_identity", &self.static_identity)
            .finish_non_exhaustive()
    }
}

impl TlsSettings {
    /// Reads the CA and client identity named by `tls`. `needs_roots` is false when the server
    /// is plain `http://`: then a missing system trust store is not an error.
    pub(crate) fn from_config(tls: &TlsConfig, needs_roots: bool) -> Result<Self, Error> {
        let provider = crypto_provider();
        let trust = if tls.insecure {
            if tls.ca.is_some() {
                return Err(Error::Config(
                    "a CA bundle cannot be combined with insecure-skip-tls-verify".into(),
                ));
            }
            tracing::warn!(
                "TLS certificate verification is DISABLED (insecure-skip-tls-verify): the \
                 connection to the API server can be intercepted"
            );
            Trust::Insecure
        } else {
            Trust::Roots(Arc::new(root_store(tls.ca.as_ref(), needs_roots)?))
        };
        let static_identity = match (&tls.client_cert, &tls.client_key) {
            (Some(cert), Some(key)) => Some(Identity::from_pem(
                &read_source(cert, "client certificate")?,
                &read_source(key, "client key")?,
                "config",
            )?),
            (None, None) => None,
            (Some(_), None) => {
                return Err(Error::Config(
                    "a client certificate was given without its client key".into(),
                ));
            }
            (None, Some(_)) => {
                return Err(Error::Config(
                    "a client key was given without its client certificate".into(),
                ));
            }
        };
        let server_name = match &tls.server_name {
            Some(name) => Some(ServerName::try_from(name.clone()).map_err(|e| {
                Error::Config(format!(
                    "tls server name {name:?} is not a valid DNS name or IP: {e}"
                ))
            })?),
            None => None,
        };
        let alpn = if tls.next_protos.is_empty() {
            vec![b"h2".to_vec(), b"http/1.1".to_vec()]
        } else {
            tls.next_protos
                .iter()
                .map(|p| p.as_bytes().to_vec())
                .collect()
        };
        Ok(Self {
            provider,
            trust,
            alpn,
            server_name,
            static_identity,
        })
    }

    /// The name to verify the server against and send as SNI, overriding the URL's host.
    pub(crate) fn server_name(&self) -> Option<&ServerName<'static>> {
        self.server_name.as_ref()
    }

    /// The identity from the configuration, if any.
    pub(crate) fn static_identity(&self) -> Option<&Identity> {
        self.static_identity.as_ref()
    }

    /// A rustls client configuration presenting `identity` (or none). With `http1_only`, ALPN
    /// offers only `http/1.1`: connections for protocol upgrades (WebSocket) must not be HTTP/2.
    pub(crate) fn client_config(
        &self,
        identity: Option<&Identity>,
        http1_only: bool,
    ) -> Result<Arc<ClientConfig>, Error> {
        let builder = ClientConfig::builder_with_provider(self.provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| Error::Tls {
                reason: "the TLS provider supports no protocol version".into(),
                source: Some(Box::new(e)),
            })?;
        let builder = match &self.trust {
            Trust::Roots(roots) => builder.with_root_certificates(roots.clone()),
            Trust::Insecure => builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(AcceptAnyServerCert::new(
                    self.provider.clone(),
                ))),
        };
        let mut config = match identity {
            Some(id) => builder
                .with_client_auth_cert(id.certs.clone(), id.key.clone_key())
                .map_err(|e| Error::Tls {
                    reason: "the client certificate and key cannot be used together".into(),
                    source: Some(Box::new(e)),
                })?,
            None => builder.with_no_client_auth(),
        };
        config.alpn_protocols = if http1_only {
            vec![b"http/1.1".to_vec()]
        } else {
            self.alpn.clone()
        };
        Ok(Arc::new(config))
    }
}

/// The cryptography behind every TLS connection kclient makes.
///
/// The provider the application installed as the process default
/// ([`CryptoProvider::install_default`]) when there is one: that is how a program picks
/// aws-lc-rs (with post-quantum key exchange, `X25519MLKEM768`), a FIPS-validated provider, or
/// its own. Otherwise kclient's built-in provider, ring: it builds without a C toolchain or
/// cmake and quickly, which keeps a user's first build short, but it has no post-quantum key
/// exchange — the reason rustls 0.23.48 deprecated `ring::default_provider`. That call is
/// made here and nowhere else, deliberately.
pub fn crypto_provider() -> Arc<CryptoProvider> {
    if let Some(installed) = CryptoProvider::get_default() {
        return installed.clone();
    }
    #[allow(deprecated)] // ring has no post-quantum key exchange: see above.
    let ring = rustls::crypto::ring::default_provider();
    Arc::new(ring)
}

/// Reads the bytes of a `DataSource` (a file is read now).
pub(crate) fn read_source(source: &DataSource, what: &str) -> Result<Vec<u8>, Error> {
    match source {
        DataSource::Data(data) => Ok(data.clone()),
        DataSource::File(path) => std::fs::read(path).map_err(|e| Error::Tls {
            reason: format!("cannot read the {what} file {}", path.display()),
            source: Some(Box::new(e)),
        }),
    }
}

/// Every certificate in a PEM bundle; an error if there is none or one is malformed.
pub(crate) fn parse_certificates(
    pem: &[u8],
    what: &str,
) -> Result<Vec<CertificateDer<'static>>, Error> {
    let certs = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| Error::Tls {
            reason: format!("malformed PEM certificate in {what}"),
            source: Some(Box::new(e)),
        })?;
    if certs.is_empty() {
        return Err(Error::Tls {
            reason: format!("no PEM certificate found in {what}"),
            source: None,
        });
    }
    Ok(certs)
}

/// The trusted roots: the given CA bundle, or else the system's.
fn root_store(ca: Option<&DataSource>, needs_roots: bool) -> Result<RootCertStore, Error> {
    let mut store = RootCertStore::empty();
    if let Some(ca) = ca {
        let what = match ca {
            DataSource::File(p) => format!("the CA file {}", p.display()),
            DataSource::Data(_) => "the inline CA data".to_string(),
        };
        for cert in parse_certificates(&read_source(ca, "CA")?, &what)? {
            store.add(cert).map_err(|e| Error::Tls {
                reason: format!("a certificate in {what} cannot be used as a trust anchor"),
                source: Some(Box::new(e)),
            })?;
        }
        return Ok(store);
    }
    let native = rustls_native_certs::load_native_certs();
    let (added, _ignored) = store.add_parsable_certificates(native.certs);
    if added == 0 && needs_roots {
        let detail = native
            .errors
            .first()
            .map(|e| format!(" ({e})"))
            .unwrap_or_default();
        return Err(Error::Tls {
            reason: format!(
                "no CA was configured and no system root certificate could be loaded{detail}; \
                 set certificate-authority(-data) in the kubeconfig"
            ),
            source: None,
        });
    }
    Ok(store)
}

/// Roots for talking to an `https://` proxy: the system's plus the configured CA, if any.
pub(crate) fn proxy_client_config(ca: Option<&DataSource>) -> Result<Arc<ClientConfig>, Error> {
    let mut store = root_store(None, false)?;
    if let Some(ca) = ca {
        for cert in root_store(Some(ca), false)?.roots {
            store.roots.push(cert);
        }
    }
    let mut config = ClientConfig::builder_with_provider(crypto_provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::Tls {
            reason: "the TLS provider supports no protocol version".into(),
            source: Some(Box::new(e)),
        })?
        .with_root_certificates(store)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    #[test]
    fn empty_ca_is_an_error() {
        let tls = TlsConfig {
            ca: Some(DataSource::Data(b"not pem".to_vec())),
            ..Default::default()
        };
        let err = TlsSettings::from_config(&tls, true).unwrap_err();
        assert!(err.to_string().contains("no PEM certificate"), "{err}");
    }

    #[test]
    fn cert_without_key_is_an_error() {
        let tls = TlsConfig {
            insecure: true,
            client_cert: Some(DataSource::Data(b"x".to_vec())),
            ..Default::default()
        };
        let err = TlsSettings::from_config(&tls, true).unwrap_err();
        assert!(err.to_string().contains("without its client key"), "{err}");
    }

    #[test]
    fn insecure_with_ca_is_an_error() {
        let tls = TlsConfig {
            insecure: true,
            ca: Some(DataSource::Data(b"x".to_vec())),
            ..Default::default()
        };
        assert!(TlsSettings::from_config(&tls, true).is_err());
    }

    #[test]
    fn missing_ca_file_names_the_file() {
        let tls = TlsConfig {
            ca: Some(DataSource::File("/nonexistent/ca.pem".into())),
            ..Default::default()
        };
        let err = TlsSettings::from_config(&tls, true).unwrap_err();
        assert!(err.to_string().contains("/nonexistent/ca.pem"), "{err}");
    }

    #[test]
    fn default_alpn_offers_h2_and_http11() {
        let tls = TlsConfig {
            insecure: true,
            ..Default::default()
        };
        let settings = TlsSettings::from_config(&tls, true).unwrap();
        let config = settings.client_config(None, false).unwrap();
        assert_eq!(
            config.alpn_protocols,
            vec![b"h2".to_vec(), b"http/1.1".to_vec()]
        );
        // Connections for upgrades (WebSocket exec/attach/port-forward) must stay HTTP/1.1.
        let upgrade = settings.client_config(None, true).unwrap();
        assert_eq!(upgrade.alpn_protocols, vec![b"http/1.1".to_vec()]);
    }
}
