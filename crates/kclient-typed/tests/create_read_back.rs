//! Every compiled-in resource that can be created, read back and deleted goes through the
//! server: a minimal object (`Default` plus a name) is created, read back and decoded, and
//! every field sent must come back unchanged (fields the server adds — uid, resourceVersion,
//! creationTimestamp, defaults — are allowed). Runs against the embedded `kclient-testserver`,
//! or the cluster named by `KCLIENT_TEST_KUBECONFIG`.
//!
//! A `Default` object is not valid for every kind. The embedded server validates names and
//! metadata but not specs (as documented in `docs/testserver.md`), so the only 422 it may give
//! is for kinds in [`REJECTED_BY_VALIDATION`], which a real server rejects as well. A real
//! cluster validates every spec, so there a 422 is accepted (and reported) for any kind, and
//! cluster-scoped kinds are only created with `dryRun=All` to leave the cluster untouched.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod cluster;

use std::future::Future;
use std::pin::Pin;

use kclient_apimachinery::meta::ObjectMeta;
use kclient_apimachinery::options::{CreateOptions, DeleteOptions, GetOptions};
use kclient_rest::RestClient;
use kclient_typed::ResourceClient;
use kclient_typed::client::{Creatable, ResourceVisitor};
use serde_json::Value;

/// Kinds whose empty spec the embedded server rejects with 422, as a real server does: the
/// CRD lifecycle validates `spec.group`, `spec.names` and `spec.versions`.
const REJECTED_BY_VALIDATION: &[&str] = &["CustomResourceDefinition"];

/// What happened to one kind.
#[derive(Debug)]
enum Outcome {
    /// Created, read back and compared.
    RoundTripped,
    /// Created with dryRun (cluster-scoped on a real cluster) and compared.
    DryRun,
    /// The server's validation refused the minimal object.
    Invalid(String),
}

type Check = Pin<Box<dyn Future<Output = (String, Result<Outcome, String>)> + Send>>;

struct Collect {
    namespace: String,
    embedded: bool,
    checks: Vec<Check>,
    others: Vec<String>,
}

impl ResourceVisitor for Collect {
    fn creatable<K: Creatable>(&mut self, rest: &RestClient) {
        let label = format!("{}/{} {}", K::GROUP, K::VERSION, K::KIND);
        let check = round_trip::<K>(rest.clone(), self.namespace.clone(), self.embedded);
        self.checks.push(Box::pin(async move {
            let r = check.await;
            (label, r)
        }));
    }

    fn other<K: kclient_typed::client::verbs::Object>(&mut self, _rest: &RestClient) {
        self.others.push(K::KIND.to_string());
    }
}

/// Whether every value in `sent` is in `got` (objects: key by key; everything else: equal).
fn contains(got: &Value, sent: &Value, path: &str, diffs: &mut Vec<String>) {
    match (got, sent) {
        (Value::Object(g), Value::Object(s)) => {
            for (k, v) in s {
                let p = format!("{path}/{k}");
                match g.get(k) {
                    Some(gv) => contains(gv, v, &p, diffs),
                    None => diffs.push(format!("{p}: sent {v}, not returned")),
                }
            }
        }
        (g, s) if g == s => {}
        (g, s) => diffs.push(format!("{path}: sent {s}, got {g}")),
    }
}

fn compare(sent: &Value, got: &Value) -> Result<(), String> {
    let mut diffs = Vec::new();
    contains(got, sent, "", &mut diffs);
    if diffs.is_empty() {
        Ok(())
    } else {
        Err(diffs.join("; "))
    }
}

async fn round_trip<K: Creatable>(
    rest: RestClient,
    namespace: String,
    embedded: bool,
) -> Result<Outcome, String> {
    let client = ResourceClient::<K>::namespaced(rest, &namespace);
    // Versions of one group share storage (autoscaling/v1 and v2): the version is in the name.
    let name = format!("rt-{}-{}", K::PLURAL.replace('.', "-"), K::VERSION);
    let mut object = K::default();
    *object.meta_mut() = if K::NAMESPACED {
        ObjectMeta::namespaced(namespace.as_str(), name.as_str())
    } else {
        // Cluster-scoped names are shared by every test on the server: make them unique.
        ObjectMeta::named(cluster::unique(&name))
    };
    let name = object.meta().name.clone().unwrap_or_default();
    let dry_run = !embedded && !K::NAMESPACED;
    let options = if dry_run {
        CreateOptions::default().dry_run()
    } else {
        CreateOptions::default()
    };
    let mut sent = serde_json::to_value(&object).map_err(|e| e.to_string())?;
    // Status is not written by a create for resources with a status subresource.
    if let Value::Object(map) = &mut sent {
        map.remove("status");
    }
    let created = match client.create(&object, &options).await {
        Ok(created) => created,
        Err(e) if e.is_invalid() => {
            if embedded && !REJECTED_BY_VALIDATION.contains(&K::KIND) {
                return Err(format!(
                    "the embedded server refused the minimal object: {e}"
                ));
            }
            return Ok(Outcome::Invalid(e.to_string()));
        }
        Err(e) => return Err(format!("create: {e}")),
    };
    let created_json = serde_json::to_value(&created).map_err(|e| e.to_string())?;
    compare(&sent, &created_json).map_err(|d| format!("create answered differently: {d}"))?;
    if dry_run {
        return Ok(Outcome::DryRun);
    }
    let got = client
        .get(&name, &GetOptions::default())
        .await
        .map_err(|e| format!("get: {e}"))?;
    let got_json = serde_json::to_value(&got).map_err(|e| e.to_string())?;
    compare(&sent, &got_json).map_err(|d| format!("read back differently: {d}"))?;
    if got.meta().uid != created.meta().uid {
        return Err("read back another object (uid differs)".into());
    }
    client
        .delete(&name, &DeleteOptions::background())
        .await
        .map_err(|e| format!("delete: {e}"))?;
    Ok(Outcome::RoundTripped)
}

#[tokio::test]
async fn every_creatable_kind_round_trips() {
    let mut c = cluster::start("rt").await;
    // Three requests per kind: client-go's default 5 requests/s would take over half a minute.
    c.config.qps = 200.0;
    c.config.burst = 400;
    c.clientset = kclient_typed::Clientset::for_config(&c.config).unwrap();
    let mut visitor = Collect {
        namespace: c.namespace.clone(),
        embedded: c.is_embedded(),
        checks: Vec::new(),
        others: Vec::new(),
    };
    c.clientset.visit_resources(&mut visitor);
    assert!(
        visitor.checks.len() > 50,
        "only {} kinds",
        visitor.checks.len()
    );
    assert!(visitor.others.iter().any(|k| k == "TokenReview"));
    assert!(visitor.others.iter().any(|k| k == "Binding"));

    let results = futures_util::future::join_all(visitor.checks).await;
    let mut failures = Vec::new();
    let mut round_tripped = 0;
    for (label, result) in &results {
        match result {
            Ok(Outcome::RoundTripped) => round_tripped += 1,
            Ok(Outcome::DryRun) => eprintln!("{label}: created with dryRun only"),
            Ok(Outcome::Invalid(e)) => eprintln!("{label}: minimal object rejected: {e}"),
            Err(e) => failures.push(format!("{label}: {e}")),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} kinds failed:\n{}",
        failures.len(),
        results.len(),
        failures.join("\n")
    );
    eprintln!("{round_tripped} of {} kinds round-tripped", results.len());
    if c.is_embedded() {
        assert_eq!(
            round_tripped + REJECTED_BY_VALIDATION.len(),
            results.len(),
            "every kind but {REJECTED_BY_VALIDATION:?} round-trips on the embedded server"
        );
    }
}
