//! Examples of kclient, one file per program, each the Rust twin of a client-go program; this
//! library is empty and exists only so that the examples have a package. Run one with
//! `cargo run --example <name>` from the repository root: with no kubeconfig it starts the
//! embedded `kclient-testserver` and runs against it.
//!
//! The study's four exercises, walked through beside their Go in `docs/exercises.md`:
//!
//! | exercise | client-go | example |
//! |---|---|---|
//! | the REST client lists nodes | `rest.RESTClientFor` | `rest_list_nodes` |
//! | a clientset and a namespace informer inject a registry Secret | `kubernetes`, `informers`, `util/workqueue` | `namespace_secret_injector` |
//! | the dynamic client on a custom resource | `dynamic` | `dynamic_crd` |
//! | discovery lists every group/version/resource; `kubectl api-resources` | `discovery` | `discovery_list_gvr`, `api_resources` |
//!
//! The heart of the first one, against the embedded server:
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let server = kclient_testserver::TestServer::start().await?;
//! # let kubeconfig = kclient_config::Kubeconfig::from_yaml(&server.kubeconfig_yaml())?;
//! # let mut config = kclient_config::Config::from_kubeconfig(&kubeconfig, &Default::default())?;
//! use kclient_apimachinery::GroupVersion;
//! use kclient_config::Serializer;
//! use kclient_rest::RestClient;
//!
//! // `config` comes from `kclient_config::Config::infer()` in a real program.
//! config.api_path = "/api".into();
//! config.content.group_version = Some(GroupVersion::new("", "v1"));
//! config.content.serializer = Some(Serializer::Json);
//! let client = RestClient::for_config(&config)?;
//! let namespaces: serde_json::Value = client.get().resource("namespaces").object().await?;
//! assert!(namespaces["items"].as_array().is_some_and(|items| !items.is_empty()));
//! # Ok(()) }
//! ```

/// The snippets of the top-level `README.md`, compiled as doctests so the first look stays correct.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
mod readme_doctests {}

/// The snippets of `docs/exercise-secret-injector.md`, compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../docs/exercise-secret-injector.md")]
mod exercise_secret_injector_doctests {}

/// The snippets of `docs/exercises.md` (the four exercises), compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../docs/exercises.md")]
mod exercises_doctests {}

/// The Chinese chapter `docs/zh/exercises.md`, compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../docs/zh/exercises.md")]
mod exercises_zh_doctests {}

/// The Chinese chapter `docs/zh/exercise-secret-injector.md`, compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../docs/zh/exercise-secret-injector.md")]
mod exercise_secret_injector_zh_doctests {}
