//! A docker-registry pull secret with the typed clientset (what
//! `kubectl create secret docker-registry` makes): reads the Secret, creates it when it is not
//! there, and treats "already exists" (someone else created it in between) as success.
//!
//! ```sh
//! REGISTRY_SERVER=registry.example.com REGISTRY_USERNAME=robot REGISTRY_PASSWORD=… \
//!   cargo run --example typed_secret -- [--namespace default] [--name regcred]
//! ```
//!
//! The registry, user and password come from `--server`/`--username`/`--password` or the
//! environment variables above. The password is never printed: not in output, not in errors,
//! not in `--help` (which hides the environment's values). Configuration comes from
//! `Config::infer()`; without a kubeconfig an embedded kclient-testserver is started.

#[path = "support/mod.rs"]
mod support;

use anyhow::Context as _;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use clap::Parser;
use kclient_apimachinery::VecMap;
use kclient_apimachinery::meta::ObjectMeta;
use kclient_apimachinery::options::{CreateOptions, GetOptions};
use kclient_config::{ExposeSecret, SecretString};
use kclient_typed::api::core::v1::Secret;
use kclient_typed::{ByteString, Clientset};

/// The type of a docker-registry secret, and its one key.
const SECRET_TYPE: &str = "kubernetes.io/dockerconfigjson";
const DOCKER_CONFIG_KEY: &str = ".dockerconfigjson";

/// Command-line flags. No `Debug`: it would show the password.
#[derive(Parser)]
#[command(about = "Ensure a docker-registry Secret exists, with the typed clientset")]
struct Args {
    /// The namespace of the Secret.
    #[arg(long, default_value = "default")]
    namespace: String,
    /// The Secret's name.
    #[arg(long, default_value = "regcred")]
    name: String,
    /// The registry server, such as `registry.example.com` or `https://index.docker.io/v1/`.
    #[arg(long, env = "REGISTRY_SERVER")]
    server: String,
    /// The registry user name.
    #[arg(long, env = "REGISTRY_USERNAME")]
    username: String,
    /// The registry password or token (prefer the environment variable: flags show in `ps`).
    #[arg(long, env = "REGISTRY_PASSWORD", hide_env_values = true)]
    password: String,
}

/// The `.dockerconfigjson` document: `{"auths": {server: {username, password, auth}}}` with
/// `auth` = base64 of `username:password`, as `kubectl create secret docker-registry` writes it.
fn docker_config_json(server: &str, username: &str, password: &SecretString) -> Vec<u8> {
    let password = password.expose_secret();
    let auth = STANDARD.encode(format!("{username}:{password}"));
    let document = serde_json::json!({
        "auths": {server: {"username": username, "password": password, "auth": auth}}
    });
    document.to_string().into_bytes()
}

/// The Secret to create.
fn secret(args: &Args, password: &SecretString) -> Secret {
    let data = docker_config_json(&args.server, &args.username, password);
    Secret {
        metadata: ObjectMeta::namespaced(args.namespace.as_str(), args.name.as_str()),
        type_: Some(SECRET_TYPE.to_string()),
        data: Some(VecMap::from([(
            DOCKER_CONFIG_KEY.to_string(),
            ByteString::from(data),
        )])),
        ..Secret::default()
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = Args::parse();
    // From here on the password is only held as a SecretString (redacted in Debug).
    let password = SecretString::from(std::mem::take(&mut args.password));
    let cluster = support::connect().await?;
    let clientset = Clientset::for_config(&cluster.config).context("building the clientset")?;
    let secrets = clientset.core_v1().secrets(&args.namespace);
    let what = format!("secret {}/{}", args.namespace, args.name);

    match secrets.get(&args.name, &GetOptions::default()).await {
        Ok(existing) => {
            let type_ = existing.type_.as_deref().unwrap_or("");
            if type_ == SECRET_TYPE {
                println!("{what} exists ({type_}); left as it is");
            } else {
                eprintln!(
                    "warning: {what} exists with type {type_:?}, not {SECRET_TYPE}; left as it is"
                );
            }
            return Ok(());
        }
        Err(e) if e.is_not_found() => {}
        Err(e) => return Err(e).with_context(|| format!("reading {what}")),
    }

    match secrets
        .create(&secret(&args, &password), &CreateOptions::default())
        .await
    {
        Ok(created) => println!(
            "created {what} ({SECRET_TYPE}, registry {}, user {}, uid {})",
            args.server,
            args.username,
            created.metadata.uid.as_deref().unwrap_or("?"),
        ),
        Err(e) if e.is_already_exists() => {
            println!("{what} was created by someone else in the meantime; nothing to do");
        }
        Err(e) => return Err(e).with_context(|| format!("creating {what}")),
    }
    if cluster.is_embedded() {
        // Show that the stored secret decodes to what kubelets read (without the password).
        let stored = secrets.get(&args.name, &GetOptions::default()).await?;
        let bytes = stored
            .data
            .as_ref()
            .and_then(|d| d.get(DOCKER_CONFIG_KEY))
            .context("the stored secret has no .dockerconfigjson")?;
        let config: serde_json::Value =
            serde_json::from_slice(&bytes.0).context("the stored .dockerconfigjson is not JSON")?;
        let registries: Vec<&String> = config["auths"]
            .as_object()
            .map(|m| m.keys().collect())
            .unwrap_or_default();
        println!("stored .dockerconfigjson has auths for {registries:?}");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn docker_config_json_has_base64_auth() {
        let password = SecretString::from("pw".to_string());
        let bytes = docker_config_json("registry.example.com", "robot", &password);
        let doc: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        let entry = &doc["auths"]["registry.example.com"];
        assert_eq!(entry["username"], "robot");
        assert_eq!(entry["password"], "pw");
        assert_eq!(entry["auth"], "cm9ib3Q6cHc="); // base64("robot:pw")
    }
}
