//! Benchmark: a controller over 10,000 ConfigMaps on the embedded `kclient-testserver` (the
//! parent runs it and seeds the objects; children connect with its kubeconfig). The reconcile
//! merge-patches an annotation holding this run's token onto every ConfigMap that lacks it, so
//! each object is patched exactly once per run; the figure is the time from building the client
//! until every object has been patched, and the child's peak memory. Both controllers run 16
//! reconciles at once, with no client-side rate limit.
//!
//! kclient: `kclient_runtime::Controller` over kclient-cache's shared informer. kube-rs:
//! `kube::runtime::Controller` (its reflector store and scheduler).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use k8s_openapi::api::core::v1::ConfigMap as KubeConfigMap;
use kclient_apimachinery::options::{PatchOptions, PatchType};
use kclient_cache::InformerFactory;
use kclient_typed::Clientset;
use kclient_typed::api::core::v1::ConfigMap;
use tokio::sync::Notify;

use super::{BoxError, Figures, ms};

/// How many ConfigMaps the parent makes.
pub const OBJECTS: usize = 10_000;
/// The namespace they live in.
pub const NAMESPACE: &str = "bench";
/// Reconciles at once, for both controllers.
pub const CONCURRENCY: usize = 16;
/// The annotation the reconciles write.
pub const ANNOTATION: &str = "bench.kclient.dev/run";
/// The environment variable that gives a child its run's token.
pub const TOKEN_ENV: &str = "KCLIENT_PEERS_RUN_TOKEN";
/// How long a run may take before it counts as failed.
const LIMIT: Duration = Duration::from_secs(600);

/// What both reconciles share: the token, the count of patches, and who to wake at the end.
struct Progress {
    token: String,
    patched: AtomicUsize,
    done: Notify,
}

impl Progress {
    fn new() -> Result<Arc<Self>, BoxError> {
        Ok(Arc::new(Self {
            token: std::env::var(TOKEN_ENV)?,
            patched: AtomicUsize::new(0),
            done: Notify::new(),
        }))
    }

    fn patch(&self) -> serde_json::Value {
        serde_json::json!({"metadata": {"annotations": {ANNOTATION: self.token}}})
    }

    fn count(&self) {
        if self.patched.fetch_add(1, Ordering::SeqCst) + 1 == OBJECTS {
            self.done.notify_one();
        }
    }

    async fn wait(&self) -> Result<(), BoxError> {
        tokio::time::timeout(LIMIT, self.done.notified())
            .await
            .map_err(|_| {
                format!(
                    "only {} of {OBJECTS} patched",
                    self.patched.load(Ordering::SeqCst)
                )
                .into()
            })
    }
}

struct KclientCtx {
    clientset: Clientset,
    progress: Arc<Progress>,
}

async fn kclient_reconcile(
    cm: Arc<ConfigMap>,
    ctx: Arc<KclientCtx>,
) -> Result<kclient_runtime::Action, kclient_typed::Error> {
    if cm.metadata.annotations.get(ANNOTATION) != Some(&ctx.progress.token) {
        let name = cm.metadata.name.as_deref().unwrap_or_default();
        ctx.clientset
            .core_v1()
            .config_maps(NAMESPACE)
            .patch(
                name,
                PatchType::Merge,
                &ctx.progress.patch(),
                &PatchOptions::default(),
            )
            .await?;
        ctx.progress.count();
    }
    Ok(kclient_runtime::Action::await_change())
}

/// kclient-runtime's `Controller` of ConfigMaps in `bench`.
pub async fn kclient(kubeconfig: &str) -> Result<Figures, BoxError> {
    let progress = Progress::new()?;
    let started = Instant::now();
    let yaml = std::fs::read_to_string(kubeconfig)?;
    let mut config = kclient_config::Config::from_kubeconfig(
        &kclient_config::Kubeconfig::from_yaml(&yaml)?,
        &kclient_config::ConfigOverrides::default(),
    )?;
    config.qps = -1.0;
    let clientset = Clientset::for_config(&config)?;
    let factory = Arc::new(
        InformerFactory::for_clientset(&clientset, Duration::ZERO).with_namespace(NAMESPACE),
    );
    let controller =
        kclient_runtime::Controller::<ConfigMap>::new(factory).concurrency(CONCURRENCY);
    let handle = controller.handle();
    let ctx = Arc::new(KclientCtx {
        clientset,
        progress: progress.clone(),
    });
    let task = tokio::spawn(controller.run(
        kclient_reconcile,
        kclient_runtime::default_error_policy,
        ctx,
    ));
    progress.wait().await?;
    let wall = started.elapsed();
    let errors = handle.stats().errors;
    handle.shutdown();
    task.await??;
    Ok(vec![
        ("wall_ms", ms(wall)),
        ("cpu_ms", crate::measure::cpu_ms()),
        ("errors", errors as f64),
    ])
}

struct KubeCtx {
    api: kube::Api<KubeConfigMap>,
    progress: Arc<Progress>,
}

async fn kube_reconcile(
    cm: Arc<KubeConfigMap>,
    ctx: Arc<KubeCtx>,
) -> Result<kube::runtime::controller::Action, kube::Error> {
    let has = cm
        .metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(ANNOTATION))
        == Some(&ctx.progress.token);
    if !has {
        let name = cm.metadata.name.clone().unwrap_or_default();
        ctx.api
            .patch(
                &name,
                &kube::api::PatchParams::default(),
                &kube::api::Patch::Merge(ctx.progress.patch()),
            )
            .await?;
        ctx.progress.count();
    }
    Ok(kube::runtime::controller::Action::await_change())
}

/// kube-rs's `kube::runtime::Controller` of ConfigMaps in `bench`.
pub async fn kube(kubeconfig: &str) -> Result<Figures, BoxError> {
    let progress = Progress::new()?;
    let started = Instant::now();
    let yaml = std::fs::read_to_string(kubeconfig)?;
    let config = kube::Config::from_custom_kubeconfig(
        kube::config::Kubeconfig::from_yaml(&yaml)?,
        &kube::config::KubeConfigOptions::default(),
    )
    .await?;
    let client = kube::Client::try_from(config)?;
    let api: kube::Api<KubeConfigMap> = kube::Api::namespaced(client, NAMESPACE);
    let ctx = Arc::new(KubeCtx {
        api: api.clone(),
        progress: progress.clone(),
    });
    let errors = Arc::new(AtomicUsize::new(0));
    let counted = errors.clone();
    let controller = kube::runtime::Controller::new(api, kube::runtime::watcher::Config::default())
        .with_config(kube::runtime::controller::Config::default().concurrency(CONCURRENCY as u16));
    let task = tokio::spawn(
        controller
            .run(
                kube_reconcile,
                |_, _: &kube::Error, _| {
                    kube::runtime::controller::Action::requeue(Duration::from_millis(100))
                },
                ctx,
            )
            .for_each(move |r| {
                if r.is_err() {
                    counted.fetch_add(1, Ordering::SeqCst);
                }
                std::future::ready(())
            }),
    );
    progress.wait().await?;
    let wall = started.elapsed();
    task.abort();
    Ok(vec![
        ("wall_ms", ms(wall)),
        ("cpu_ms", crate::measure::cpu_ms()),
        ("errors", errors.load(Ordering::SeqCst) as f64),
    ])
}

/// The parent's side: starts the test server on its own runtime, seeds the namespace and the
/// ConfigMaps, and writes its kubeconfig to `path`. Keep the returned runtime and server alive
/// while the children run.
pub fn start_server(
    path: &std::path::Path,
) -> Result<(tokio::runtime::Runtime, kclient_testserver::TestServer), BoxError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let server = runtime.block_on(async {
        let server = kclient_testserver::TestServer::start().await?;
        let yaml = server.kubeconfig_yaml();
        std::fs::write(path, &yaml)?;
        let mut config = kclient_config::Config::from_kubeconfig(
            &kclient_config::Kubeconfig::from_yaml(&yaml)?,
            &kclient_config::ConfigOverrides::default(),
        )?;
        config.qps = -1.0;
        let clientset = Clientset::for_config(&config)?;
        let ns = kclient_typed::api::core::v1::Namespace {
            metadata: kclient_apimachinery::meta::ObjectMeta::named(NAMESPACE),
            ..Default::default()
        };
        clientset
            .core_v1()
            .namespaces()
            .create(&ns, &Default::default())
            .await?;
        let names: Vec<String> = (0..OBJECTS).map(|i| format!("cm-{i:05}")).collect();
        for chunk in names.chunks(OBJECTS / 32) {
            let mut batch = tokio::task::JoinSet::new();
            for name in chunk.to_vec() {
                let cms = clientset.core_v1().config_maps(NAMESPACE);
                batch.spawn(async move {
                    let cm = ConfigMap {
                        metadata: kclient_apimachinery::meta::ObjectMeta::namespaced(
                            NAMESPACE, name,
                        ),
                        data: Some(kclient_apimachinery::VecMap::from([(
                            "settings".to_string(),
                            "x".repeat(256),
                        )])),
                        ..ConfigMap::default()
                    };
                    cms.create(&cm, &Default::default()).await.map(|_| ())
                });
            }
            while let Some(r) = batch.join_next().await {
                r??;
            }
        }
        Ok::<_, BoxError>(server)
    })?;
    Ok((runtime, server))
}
