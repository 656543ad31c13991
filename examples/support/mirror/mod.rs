//! The core of `examples/configmap_mirror.rs`, shared with the integration test
//! `tests/tests/configmap_mirror.rs` (each includes it with `#[path]`).
//!
//! A ConfigMap labelled `mirror.kclient.dev/enabled=true` is copied into every other namespace
//! (except the skip list), and the copies are kept equal to it. The source carries a finalizer:
//! when it is deleted, the controller deletes every copy, then lets it go.
//!
//! Why the copies point to their source with an annotation and not an ownerReference: an
//! ownerReference to a namespaced owner must stay in the owner's namespace — Kubernetes'
//! garbage collector treats a reference across namespaces as pointing to a missing owner and
//! deletes the dependent. Cross-namespace children are therefore tied to their source by
//! `watches` with a mapper (the annotation) and removed by the finalizer; `owns` is for children
//! in the owner's own namespace.
#![allow(dead_code)]

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use kclient_apimachinery::labels::Selector;
use kclient_apimachinery::meta::ObjectMeta;
use kclient_apimachinery::options::{CreateOptions, DeleteOptions, ListOptions, UpdateOptions};
use kclient_cache::{InformerFactory, Lister, ShutdownHandle};
use kclient_runtime::events::Recorder;
use kclient_runtime::{
    Action, Controller, FinalizerEvent, ObjectKey, default_error_policy, finalizer,
};
use kclient_typed::Clientset;
use kclient_typed::api::core::v1::{ConfigMap, Namespace};
use tracing::{info, warn};

/// The label that marks a ConfigMap to mirror.
pub const ENABLED_LABEL: &str = "mirror.kclient.dev/enabled";
/// The label every copy carries.
pub const COPY_LABEL: &str = "mirror.kclient.dev/copy";
/// The annotation naming a copy's source, as `namespace/name`.
pub const SOURCE_ANNOTATION: &str = "mirror.kclient.dev/source";
/// The finalizer on sources.
pub const FINALIZER: &str = "mirror.kclient.dev/cleanup";
/// Namespaces never written to.
pub const DEFAULT_SKIP: [&str; 3] = ["kube-system", "kube-public", "kube-node-lease"];

/// What the mirror is configured to do.
#[derive(Debug, Clone)]
pub struct MirrorConfig {
    /// Namespaces left alone.
    pub skip: BTreeSet<String>,
    /// Only namespaces matching this label selector (`None`: all).
    pub namespace_selector: Option<String>,
    /// The `reportingInstance` of its events (such as the pod name).
    pub instance: String,
}

impl Default for MirrorConfig {
    fn default() -> Self {
        Self {
            skip: DEFAULT_SKIP.iter().map(|s| s.to_string()).collect(),
            namespace_selector: None,
            instance: "configmap-mirror".to_string(),
        }
    }
}

struct Context {
    clientset: Clientset,
    config: MirrorConfig,
    namespaces: Lister<Namespace>,
    config_maps: Lister<ConfigMap>,
    events: Recorder,
}

fn is_source(cm: &ConfigMap) -> bool {
    cm.metadata.labels.get(ENABLED_LABEL).map(String::as_str) == Some("true")
}

fn source_of(cm: &ConfigMap) -> Option<ObjectKey> {
    let source = cm.metadata.annotations.get(SOURCE_ANNOTATION)?;
    let (ns, name) = source.split_once('/')?;
    Some(ObjectKey::namespaced(ns, name))
}

/// The copy of `source` in namespace `ns`.
pub fn desired_copy(source: &ConfigMap, ns: &str) -> ConfigMap {
    let name = source.metadata.name.clone().unwrap_or_default();
    let mut metadata = ObjectMeta::namespaced(ns, name);
    metadata.labels.insert(COPY_LABEL.into(), "true".into());
    metadata
        .annotations
        .insert(SOURCE_ANNOTATION.into(), ObjectKey::of(source).cache_key());
    ConfigMap {
        metadata,
        data: source.data.clone(),
        binary_data: source.binary_data.clone(),
        ..ConfigMap::default()
    }
}

/// Runs the mirror until `shutdown`.
pub async fn run(
    clientset: Clientset,
    config: MirrorConfig,
    shutdown: ShutdownHandle,
) -> anyhow::Result<()> {
    let factory = Arc::new(InformerFactory::for_clientset(&clientset, Duration::ZERO));
    let selector = config.namespace_selector.clone();
    let namespaces = InformerFactory::for_clientset(&clientset, Duration::ZERO)
        .with_tweak_list_options(move |o| o.label_selector.clone_from(&selector))
        .core()
        .v1()
        .namespaces()
        .informer();
    let config_maps = factory.core().v1().config_maps().informer();
    let sources = config_maps.lister();
    let client = clientset.core_v1().namespaces().rest_client().clone();
    let context = Arc::new(Context {
        clientset: clientset.clone(),
        config,
        namespaces: namespaces.lister(),
        config_maps: config_maps.lister(),
        events: Recorder::new(client, "kclient.dev/configmap-mirror", "configmap-mirror")?,
    });
    // One ConfigMap cache serves the sources (the primary) and the copies (mapped to their
    // source); a new namespace reconciles every source.
    Controller::<ConfigMap>::new(factory)
        .name("configmap-mirror")
        .watches(|copy: &ConfigMap| source_of(copy))
        .watches_informer(namespaces, move |_ns: &Namespace| {
            sources
                .list(&Selector::everything())
                .into_iter()
                .filter(|cm| is_source(cm))
                .map(|cm| ObjectKey::of(cm.as_ref()))
                .collect::<Vec<_>>()
        })
        .graceful_shutdown_on(shutdown)
        .run(reconcile, default_error_policy, context)
        .await
        .context("the mirror controller failed")
}

async fn reconcile(
    source: Arc<ConfigMap>,
    ctx: Arc<Context>,
) -> Result<Action, kclient_runtime::Error> {
    let has_finalizer = source.metadata.finalizers.iter().any(|f| f == FINALIZER);
    if !is_source(&source) && !has_finalizer {
        return Ok(Action::await_change());
    }
    let ns = source.metadata.namespace.clone().unwrap_or_default();
    let client = ctx.clientset.core_v1().config_maps(&ns);
    finalizer(&client, FINALIZER, source, |event| async {
        match event {
            FinalizerEvent::Apply(source) => apply(&ctx, &source).await,
            FinalizerEvent::Cleanup(source) => cleanup(&ctx, &source).await,
        }
    })
    .await
}

/// Makes every namespace hold an up-to-date copy.
async fn apply(ctx: &Context, source: &ConfigMap) -> anyhow::Result<Action> {
    let source_key = ObjectKey::of(source);
    let name = source.metadata.name.clone().unwrap_or_default();
    let mut written = 0;
    for ns in ctx.namespaces.list(&Selector::everything()) {
        let Some(ns_name) = ns.metadata.name.as_deref() else {
            continue;
        };
        if Some(ns_name) == source_key.namespace.as_deref()
            || ctx.config.skip.contains(ns_name)
            || ns.metadata.deletion_timestamp.is_some()
        {
            continue;
        }
        let want = desired_copy(source, ns_name);
        let copies = ctx.clientset.core_v1().config_maps(ns_name);
        match ctx.config_maps.namespace(ns_name).get(&name) {
            None => match copies.create(&want, &CreateOptions::default()).await {
                Ok(_) => written += 1,
                Err(e) if e.is_already_exists() || e.is_not_found() || e.is_forbidden() => {}
                Err(e) => return Err(e).context(format!("creating the copy in {ns_name}")),
            },
            Some(have) if source_of(&have).as_ref() != Some(&source_key) => {
                warn!(
                    namespace = ns_name,
                    name, "a ConfigMap that is not our copy has the name; left alone"
                );
            }
            Some(have) if have.data == want.data && have.binary_data == want.binary_data => {}
            Some(have) => {
                let mut updated = (*have).clone();
                updated.data = want.data.clone();
                updated.binary_data = want.binary_data.clone();
                copies
                    .update(&updated, &UpdateOptions::default())
                    .await
                    .with_context(|| format!("updating the copy in {ns_name}"))?;
                written += 1;
            }
        }
    }
    if written > 0 {
        info!(source = %source_key, written, "copies written");
        ctx.events.normal(
            source,
            "Mirrored",
            "WriteCopies",
            &format!("wrote {written} copies"),
        );
    }
    Ok(Action::await_change())
}

/// Deletes every copy of `source`, as the server lists them (not the cache, which may not
/// have seen a copy made a moment ago).
async fn cleanup(ctx: &Context, source: &ConfigMap) -> anyhow::Result<Action> {
    let source_key = ObjectKey::of(source);
    let copies = ctx
        .clientset
        .core_v1()
        .config_maps("")
        .list(&ListOptions::default().label_selector(format!("{COPY_LABEL}=true")))
        .await
        .context("listing the copies")?;
    let mut deleted = 0;
    for copy in copies.items {
        if source_of(&copy).as_ref() != Some(&source_key) {
            continue;
        }
        let ns = copy.metadata.namespace.clone().unwrap_or_default();
        let name = copy.metadata.name.clone().unwrap_or_default();
        match ctx
            .clientset
            .core_v1()
            .config_maps(&ns)
            .delete(&name, &DeleteOptions::default())
            .await
        {
            Ok(_) => deleted += 1,
            Err(e) if e.is_not_found() => {}
            Err(e) => return Err(e).context(format!("deleting the copy in {ns}")),
        }
    }
    info!(source = %source_key, deleted, "source deleted: copies removed");
    Ok(Action::await_change())
}
