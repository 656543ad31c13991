//! Pure decisions of the injector: the registry credentials, the Secret a namespace should
//! have, and what to do given what the caches hold. No I/O here.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::bail;
use base64::Engine as _;
use kclient_apimachinery::meta::ObjectMeta;
use kclient_config::{ExposeSecret as _, SecretString};
use kclient_typed::ByteString;
use kclient_typed::api::core::v1::{Namespace, Secret};

/// The namespaces skipped unless `--skip` says otherwise.
pub const DEFAULT_SKIP: [&str; 3] = ["kube-system", "kube-public", "kube-node-lease"];
/// The type of the Secrets made.
pub const SECRET_TYPE: &str = "kubernetes.io/dockerconfigjson";
/// The key of the docker config in the Secret's data.
pub const DOCKERCONFIG_KEY: &str = ".dockerconfigjson";
/// The label put on the Secrets made, naming their manager.
pub const MANAGED_BY_LABEL: &str = "app.kubernetes.io/managed-by";
/// The value of [`MANAGED_BY_LABEL`].
pub const MANAGER: &str = "namespace-secret-injector";

/// A registry server and the credentials for it. `Debug` never shows the password.
#[derive(Clone)]
pub struct RegistryCredentials {
    server: String,
    username: String,
    password: SecretString,
}

impl std::fmt::Debug for RegistryCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegistryCredentials")
            .field("server", &self.server)
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .finish()
    }
}

impl RegistryCredentials {
    /// Credentials from flags (or, through clap, the `REGISTRY_*` variables); a missing or empty
    /// value is an error naming the flag and the variable (never the password's value).
    pub fn new(
        server: Option<String>,
        username: Option<String>,
        password: Option<SecretString>,
    ) -> anyhow::Result<Self> {
        let need = |v: Option<String>, what: &str, flag: &str, var: &str| match v {
            Some(v) if !v.trim().is_empty() => Ok(v),
            _ => bail!("missing registry {what}: pass --{flag} or set {var}"),
        };
        let server = need(server, "server", "registry-server", "REGISTRY_SERVER")?;
        let username = need(
            username,
            "username",
            "registry-username",
            "REGISTRY_USERNAME",
        )?;
        let password = match password {
            Some(p) if !p.expose_secret().is_empty() => p,
            _ => bail!(
                "missing registry password: pass --registry-password or set REGISTRY_PASSWORD"
            ),
        };
        if username.contains(':') {
            bail!(
                "the registry username must not contain ':' (it separates user and password in `auth`)"
            );
        }
        Ok(Self {
            server,
            username,
            password,
        })
    }

    /// The registry server.
    pub fn server(&self) -> &str {
        &self.server
    }

    /// The `.dockerconfigjson` document: `{"auths":{server:{username,password,auth}}}` where
    /// `auth` is base64 of `username:password`, as `kubectl create secret docker-registry` writes.
    pub fn docker_config_json(&self) -> Vec<u8> {
        let password = self.password.expose_secret();
        let auth = base64::engine::general_purpose::STANDARD
            .encode(format!("{}:{password}", self.username));
        let doc = serde_json::json!({"auths": {self.server.as_str(): {
            "username": self.username, "password": password, "auth": auth,
        }}});
        doc.to_string().into_bytes()
    }
}

/// What the injector is configured to do.
#[derive(Debug, Clone)]
pub struct InjectorConfig {
    /// The name of the Secret in every namespace.
    pub secret_name: String,
    /// Namespaces left alone.
    pub skip: BTreeSet<String>,
    /// The registry and its credentials.
    pub credentials: RegistryCredentials,
    /// How many namespaces are reconciled at once.
    pub workers: usize,
    /// Only namespaces matching this label selector (`None`: all).
    pub namespace_selector: Option<String>,
}

impl InjectorConfig {
    /// A configuration with the default skip list and two workers.
    pub fn new(secret_name: impl Into<String>, credentials: RegistryCredentials) -> Self {
        Self {
            secret_name: secret_name.into(),
            skip: DEFAULT_SKIP.iter().map(|s| s.to_string()).collect(),
            credentials,
            workers: 2,
            namespace_selector: None,
        }
    }

    /// The Secret namespace `ns` should have.
    pub fn desired_secret(&self, ns: &str) -> Secret {
        let mut metadata = ObjectMeta::namespaced(ns, self.secret_name.clone());
        metadata
            .labels
            .insert(MANAGED_BY_LABEL.to_string(), MANAGER.to_string());
        Secret {
            metadata,
            type_: Some(SECRET_TYPE.to_string()),
            data: Some(self.desired_data()),
            ..Secret::default()
        }
    }

    fn desired_data(&self) -> kclient_apimachinery::VecMap<String, ByteString> {
        kclient_apimachinery::VecMap::from([(
            DOCKERCONFIG_KEY.to_string(),
            ByteString(self.credentials.docker_config_json()),
        )])
    }
}

/// What to do for one namespace.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Nothing; the reason says why (for logs).
    Nothing(&'static str),
    /// Create this Secret.
    Create(Box<Secret>),
    /// Replace the data of the existing Secret (this object carries its resourceVersion).
    Update(Box<Secret>),
}

/// Whether a namespace is being deleted (creates in it would be refused).
pub fn is_terminating(ns: &Namespace) -> bool {
    ns.metadata.deletion_timestamp.is_some()
        || ns.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Terminating")
}

/// Decides what namespace `name` needs, from the cached namespace and Secret.
pub fn decide(
    config: &InjectorConfig,
    name: &str,
    namespace: Option<&Namespace>,
    secret: Option<&Secret>,
) -> Action {
    let Some(ns) = namespace else {
        return Action::Nothing("namespace is gone");
    };
    if config.skip.contains(name) {
        return Action::Nothing("namespace is in the skip list");
    }
    if is_terminating(ns) {
        return Action::Nothing("namespace is terminating");
    }
    match secret {
        None => Action::Create(Box::new(config.desired_secret(name))),
        Some(s) if s.metadata.deletion_timestamp.is_some() => {
            Action::Nothing("secret is being deleted; it is recreated once gone")
        }
        Some(s) if s.type_.as_deref() != Some(SECRET_TYPE) => {
            Action::Nothing("a secret of another type has the name; leaving it alone")
        }
        Some(s) if s.data.as_ref() == Some(&config.desired_data()) => {
            Action::Nothing("secret is up to date")
        }
        Some(s) => {
            let mut updated = s.clone();
            updated.data = Some(config.desired_data());
            updated.string_data = None;
            Action::Update(Box::new(updated))
        }
    }
}
