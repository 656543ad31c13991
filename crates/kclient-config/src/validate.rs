//! client-go's checks of the chosen cluster and user (`validation.go`, `ConfirmUsable`): one
//! authentication method, certificate with key, no `auth-provider`, data and file not both
//! given, files readable. Messages name the entry and the file it came from, never a secret.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use secrecy::ExposeSecret as _;

use crate::error::{Error, Result};
use crate::kubeconfig::{AuthInfo, Cluster};

/// Who owns a field being checked: `cluster "x"` or `user "y"`, and the file it came from.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Owner<'a> {
    /// `"cluster"` or `"user"`.
    pub kind: &'static str,
    /// The entry's name.
    pub name: &'a str,
    /// The file the entry came from.
    pub origin: Option<&'a Path>,
}

impl Owner<'_> {
    fn label(&self) -> String {
        format!("{} {:?}", self.kind, self.name)
    }

    fn origin(&self) -> Option<PathBuf> {
        self.origin.map(Path::to_owned)
    }

    /// Decodes the base64 `*-data` field `field`. Whitespace (line breaks in long values) is
    /// ignored; the error says where decoding failed, never what the data was.
    pub(crate) fn decode_base64(&self, field: &'static str, text: &str) -> Result<Vec<u8>> {
        let compact: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
        base64::engine::general_purpose::STANDARD
            .decode(&compact)
            .map_err(|e| Error::InvalidBase64 {
                field,
                owner: self.label(),
                origin: self.origin(),
                detail: match e {
                    base64::DecodeError::InvalidByte(offset, _) => {
                        format!("invalid character at offset {offset}")
                    }
                    base64::DecodeError::InvalidLength(len) => {
                        format!("invalid length {len}")
                    }
                    base64::DecodeError::InvalidLastSymbol(offset, _) => {
                        format!("invalid last symbol at offset {offset}")
                    }
                    base64::DecodeError::InvalidPadding => "invalid padding".to_owned(),
                },
            })
    }

    /// Checks that the file named by `field` can be opened.
    pub(crate) fn check_readable(&self, field: &'static str, path: &str) -> Result<()> {
        std::fs::File::open(path)
            .map(drop)
            .map_err(|source| Error::UnreadableFile {
                field,
                owner: self.label(),
                path: PathBuf::from(path),
                source,
            })
    }
}

/// Checks the cluster: CA given once, not with `insecure-skip-tls-verify`, CA file readable,
/// `proxy-url` with a supported scheme.
pub(crate) fn validate_cluster(cluster: &Cluster, owner: Owner<'_>) -> Result<()> {
    let invalid = |reason: &str| Error::InvalidCluster {
        cluster: owner.name.to_owned(),
        origin: owner.origin(),
        reason: reason.to_owned(),
    };
    let has_ca =
        cluster.certificate_authority.is_some() || cluster.certificate_authority_data.is_some();
    if cluster.certificate_authority.is_some() && cluster.certificate_authority_data.is_some() {
        return Err(invalid(
            "certificate-authority-data and certificate-authority are both set; set only one",
        ));
    }
    if has_ca && cluster.insecure_skip_tls_verify {
        return Err(invalid(
            "insecure-skip-tls-verify cannot be combined with a certificate authority",
        ));
    }
    if let Some(proxy) = &cluster.proxy_url {
        // The URL itself is not quoted: it may carry a user name and password.
        match proxy.split_once("://") {
            Some((scheme, _))
                if ["http", "https", "socks5"]
                    .iter()
                    .any(|s| scheme.eq_ignore_ascii_case(s)) => {}
            Some((scheme, _)) => {
                return Err(invalid(&format!(
                    "proxy-url scheme {scheme:?} is not supported (use http, https or socks5)"
                )));
            }
            None => {
                return Err(invalid(
                    "proxy-url must be an absolute URL (http://, https:// or socks5://)",
                ));
            }
        }
    }
    if let Some(file) = &cluster.certificate_authority {
        owner.check_readable("certificate-authority", file)?;
    }
    Ok(())
}

/// The hint given for a removed `auth-provider`.
fn auth_provider_hint(name: &str) -> &'static str {
    match name {
        "gcp" => "use an exec credential plugin such as gke-gcloud-auth-plugin",
        "azure" => "use an exec credential plugin such as kubelogin",
        "oidc" => "use an exec credential plugin such as kubelogin (kubectl oidc-login)",
        _ => "use an exec credential plugin instead",
    }
}

/// Checks the user: one of token and basic auth, certificate with key, data and file not both
/// set, no `auth-provider`, impersonation extras only with a user, files readable.
pub(crate) fn validate_user(user: &AuthInfo, owner: Owner<'_>) -> Result<()> {
    let invalid = |reason: &str| Error::InvalidUser {
        user: owner.name.to_owned(),
        origin: owner.origin(),
        reason: reason.to_owned(),
    };
    let mut methods = Vec::new();
    if user.token.is_some() || user.token_file.is_some() {
        methods.push("token");
    }
    if user.username.is_some() || user.password.is_some() {
        methods.push("basicAuth");
    }
    if methods.len() > 1 {
        return Err(Error::MultipleAuthMethods {
            user: owner.name.to_owned(),
            origin: owner.origin(),
            methods,
        });
    }
    let has_cert = user.client_certificate.is_some() || user.client_certificate_data.is_some();
    let has_key = user.client_key.is_some() || user.client_key_data.is_some();
    if user.client_certificate.is_some() && user.client_certificate_data.is_some() {
        return Err(invalid(
            "client-certificate-data and client-certificate are both set; set only one",
        ));
    }
    if user.client_key.is_some() && user.client_key_data.is_some() {
        return Err(invalid(
            "client-key-data and client-key are both set; set only one",
        ));
    }
    if has_cert && !has_key {
        return Err(invalid(
            "a client certificate is set without a key (client-key or client-key-data)",
        ));
    }
    if let Some(provider) = &user.auth_provider {
        if user.exec.is_some() {
            return Err(invalid("exec and auth-provider cannot both be set"));
        }
        return Err(Error::AuthProviderUnsupported {
            user: owner.name.to_owned(),
            origin: owner.origin(),
            provider: provider.name.clone(),
            hint: auth_provider_hint(&provider.name),
        });
    }
    if user.impersonate.is_none()
        && (!user.impersonate_groups.is_empty() || !user.impersonate_user_extra.is_empty())
    {
        return Err(invalid(
            "as-groups or as-user-extra is set without as (the user to impersonate)",
        ));
    }
    if has_cert {
        if let Some(file) = &user.client_certificate {
            owner.check_readable("client-certificate", file)?;
        }
        if let Some(file) = &user.client_key {
            owner.check_readable("client-key", file)?;
        }
    }
    Ok(())
}

/// Whether a user carries anything that is only sent over TLS.
pub(crate) fn has_credentials(user: &AuthInfo) -> bool {
    user.token.is_some()
        || user.token_file.is_some()
        || user.username.is_some()
        || user
            .password
            .as_ref()
            .is_some_and(|p| !p.expose_secret().is_empty())
        || user.client_certificate.is_some()
        || user.client_certificate_data.is_some()
        || user.exec.is_some()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    fn owner() -> Owner<'static> {
        Owner {
            kind: "user",
            name: "u",
            origin: Some(Path::new("/k/config")),
        }
    }

    #[test]
    fn base64_errors_name_field_and_file() {
        assert_eq!(owner().decode_base64("x", "aGk=\n").unwrap(), b"hi");
        let e = owner()
            .decode_base64("client-key-data", "SECRET$$")
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "client-key-data of user \"u\" in /k/config is not valid base64: invalid character at offset 6"
        );
        let e = owner()
            .decode_base64("certificate-authority-data", "abc")
            .unwrap_err();
        assert!(e.to_string().contains("certificate-authority-data"), "{e}");
    }

    #[test]
    fn auth_provider_hints() {
        let mut user = AuthInfo {
            auth_provider: Some(crate::kubeconfig::AuthProviderConfig {
                name: "gcp".into(),
                config: Default::default(),
            }),
            ..Default::default()
        };
        let e = validate_user(&user, owner()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "auth-provider \"gcp\" in user \"u\" in /k/config is not supported: client-go removed it; \
             use an exec credential plugin such as gke-gcloud-auth-plugin"
        );
        user.exec = Some(Default::default());
        let e = validate_user(&user, owner()).unwrap_err();
        assert!(e.to_string().contains("exec and auth-provider"), "{e}");
    }

    #[test]
    fn proxy_scheme_checked_without_quoting_url() {
        let cluster = Cluster {
            proxy_url: Some("ftp://user:hunter2@proxy".into()),
            ..Default::default()
        };
        let o = Owner {
            kind: "cluster",
            name: "c",
            origin: None,
        };
        let e = validate_cluster(&cluster, o).unwrap_err();
        assert!(e.to_string().contains("\"ftp\""), "{e}");
        assert!(!e.to_string().contains("hunter2"));
        let ok = Cluster {
            proxy_url: Some("SOCKS5://proxy:1080".into()),
            ..Default::default()
        };
        validate_cluster(&ok, o).unwrap();
    }
}
