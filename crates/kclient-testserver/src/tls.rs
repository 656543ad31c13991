//! Certificates made at start with rcgen: a CA, a serving certificate for 127.0.0.1/localhost/::1
//! signed by it, and an admin client certificate; plus the rustls server configuration that
//! offers HTTP/2 and HTTP/1.1 and accepts (but does not require) client certificates from the CA.

use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use rustls::RootCertStore;
use rustls::server::WebPkiClientVerifier;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

use crate::Error;

/// The user name of the admin client certificate (and of the admin token).
pub const ADMIN_USER: &str = "kclient-testserver-admin";
/// The group of the admin client certificate (and of the admin token).
pub const ADMIN_GROUP: &str = "system:masters";

/// The PEM material made at start.
pub struct Certificates {
    /// The CA certificate, PEM.
    pub ca_pem: String,
    ca_params: CertificateParams,
    ca_key: KeyPair,
    ca_der: CertificateDer<'static>,
    server_der: CertificateDer<'static>,
    server_key_der: Vec<u8>,
    /// The admin client certificate, PEM.
    pub admin_cert_pem: String,
    /// The admin client key, PEM.
    pub admin_key_pem: String,
}

impl std::fmt::Debug for Certificates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Certificates").finish_non_exhaustive()
    }
}

fn tls_err(what: &'static str) -> impl FnOnce(rcgen::Error) -> Error {
    move |source| Error::Certificate { what, source }
}

impl Certificates {
    /// Makes a fresh CA, serving certificate and admin client certificate.
    pub fn generate() -> Result<Self, Error> {
        let ca_key = KeyPair::generate().map_err(tls_err("generating the CA key"))?;
        let mut ca_params = CertificateParams::new(Vec::<String>::new())
            .map_err(tls_err("building the CA parameters"))?;
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "kclient-testserver-ca");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let ca_cert = ca_params
            .self_signed(&ca_key)
            .map_err(tls_err("signing the CA certificate"))?;

        let issuer = Issuer::from_params(&ca_params, &ca_key);
        let server_key = KeyPair::generate().map_err(tls_err("generating the serving key"))?;
        let mut server_params = CertificateParams::new(vec![
            "127.0.0.1".to_string(),
            "localhost".to_string(),
            "::1".to_string(),
        ])
        .map_err(tls_err("building the serving certificate parameters"))?;
        server_params
            .distinguished_name
            .push(DnType::CommonName, "kube-apiserver");
        server_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let server_cert = server_params
            .signed_by(&server_key, &issuer)
            .map_err(tls_err("signing the serving certificate"))?;

        let (admin_cert_pem, admin_key_pem) = sign_client(&issuer, ADMIN_USER, &[ADMIN_GROUP])?;
        Ok(Self {
            ca_pem: ca_cert.pem(),
            ca_der: ca_cert.der().clone(),
            server_der: server_cert.der().clone(),
            server_key_der: server_key.serialize_der(),
            admin_cert_pem,
            admin_key_pem,
            ca_params,
            ca_key,
        })
    }

    /// Signs a client certificate for `user` (CN) in `groups` (O); returns (cert PEM, key PEM).
    pub fn client_certificate(
        &self,
        user: &str,
        groups: &[&str],
    ) -> Result<(String, String), Error> {
        let issuer = Issuer::from_params(&self.ca_params, &self.ca_key);
        sign_client(&issuer, user, groups)
    }

    /// The rustls server configuration: our serving certificate, ALPN h2 + http/1.1, and
    /// optional client certificates verified against our CA.
    pub fn server_config(&self) -> Result<Arc<rustls::ServerConfig>, Error> {
        let provider = kclient_rest::crypto_provider();
        let mut roots = RootCertStore::empty();
        roots
            .add(self.ca_der.clone())
            .map_err(|source| Error::Tls {
                what: "adding the CA to the client root store",
                source,
            })?;
        let verifier =
            WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider.clone())
                .allow_unauthenticated()
                .build()
                .map_err(|e| Error::Tls {
                    what: "building the client certificate verifier",
                    source: rustls::Error::General(e.to_string()),
                })?;
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.server_key_der.clone()));
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|source| Error::Tls {
                what: "choosing protocol versions",
                source,
            })?
            .with_client_cert_verifier(verifier)
            .with_single_cert(vec![self.server_der.clone(), self.ca_der.clone()], key)
            .map_err(|source| Error::Tls {
                what: "loading the serving certificate",
                source,
            })?;
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Ok(Arc::new(config))
    }
}

fn sign_client(
    issuer: &Issuer<'_, &KeyPair>,
    user: &str,
    groups: &[&str],
) -> Result<(String, String), Error> {
    let key = KeyPair::generate().map_err(tls_err("generating a client key"))?;
    let mut params = CertificateParams::new(Vec::<String>::new())
        .map_err(tls_err("building client certificate parameters"))?;
    // rcgen keeps one value per attribute type, so a second organization goes in under a
    // custom type with the same OID (2.5.4.10); more than two cannot be expressed.
    match groups {
        [] => {}
        [one] => params
            .distinguished_name
            .push(DnType::OrganizationName, *one),
        [one, two] => {
            params
                .distinguished_name
                .push(DnType::OrganizationName, *one);
            params
                .distinguished_name
                .push(DnType::CustomDnType(vec![2, 5, 4, 10]), *two);
        }
        _ => {
            return Err(Error::InvalidOption {
                option: "client certificate groups",
                reason: format!("at most two groups are supported, got {}", groups.len()),
            });
        }
    }
    params.distinguished_name.push(DnType::CommonName, user);
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    let cert = params
        .signed_by(&key, issuer)
        .map_err(tls_err("signing a client certificate"))?;
    Ok((cert.pem(), key.serialize_pem()))
}

/// The user (CN) and groups (every O) named in a client certificate.
pub fn subject_of(cert: &CertificateDer<'_>) -> Option<(String, Vec<String>)> {
    let (_, parsed) = x509_parser::parse_x509_certificate(cert.as_ref()).ok()?;
    let subject = parsed.subject();
    let user = subject
        .iter_common_name()
        .next()
        .and_then(|cn| cn.as_str().ok())?
        .to_string();
    let groups = subject
        .iter_organization()
        .filter_map(|o| o.as_str().ok().map(str::to_string))
        .collect();
    Some((user, groups))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn client_certificates_carry_user_and_groups() {
        let certs = Certificates::generate().unwrap();
        let (pem, _key) = certs.client_certificate("alice", &["dev", "ops"]).unwrap();
        let der = rustls_pki_types::pem::PemObject::from_pem_slice(pem.as_bytes()).unwrap();
        let (user, groups) = subject_of(&der).unwrap();
        assert_eq!(user, "alice");
        assert_eq!(groups, vec!["dev".to_string(), "ops".to_string()]);
        assert!(certs.server_config().is_ok());
    }
}
