//! A scripted fake API server for unit tests: answers by path, records every request, and plugs
//! into `HttpClient::from_service` (no sockets).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use kclient_config::Config;
use kclient_rest::{HttpClient, RequestBody, ResponseBody};

use crate::DiscoveryClient;

/// One canned answer.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub content_type: String,
    pub body: String,
}

impl Reply {
    pub fn json(body: serde_json::Value) -> Self {
        Self::typed("application/json", body)
    }

    pub fn typed(content_type: &str, body: serde_json::Value) -> Self {
        Self {
            status: 200,
            content_type: content_type.into(),
            body: body.to_string(),
        }
    }

    pub fn not_found() -> Self {
        Self {
            status: 404,
            content_type: "application/json".into(),
            body: serde_json::json!({"kind": "Status", "apiVersion": "v1", "status": "Failure",
                "reason": "NotFound", "code": 404, "message": "the server could not find the requested resource"})
                .to_string(),
        }
    }

    pub fn status(code: u16) -> Self {
        Self {
            status: code,
            content_type: "text/plain".into(),
            body: "boom".into(),
        }
    }
}

/// A request as the fake saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub path: String,
    pub query: String,
    pub accept: String,
}

#[derive(Debug, Clone, Default)]
pub struct Fake {
    routes: Arc<Mutex<HashMap<String, Vec<Reply>>>>,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Fake {
    /// Answers `path` with `reply` (every time).
    pub fn route(&self, path: &str, reply: Reply) -> &Self {
        self.routes.lock().unwrap().insert(path.into(), vec![reply]);
        self
    }

    /// Answers `path` with `replies` in turn, repeating the last one.
    pub fn sequence(&self, path: &str, replies: Vec<Reply>) -> &Self {
        self.routes.lock().unwrap().insert(path.into(), replies);
        self
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    pub fn count(&self, path: &str) -> usize {
        self.seen().iter().filter(|s| s.path == path).count()
    }

    fn answer(&self, request: &http::Request<RequestBody>) -> http::Response<ResponseBody> {
        let path = request.uri().path().to_string();
        self.seen.lock().unwrap().push(Seen {
            path: path.clone(),
            query: request.uri().query().unwrap_or_default().into(),
            accept: request
                .headers()
                .get(http::header::ACCEPT)
                .map(|v| v.to_str().unwrap().to_string())
                .unwrap_or_default(),
        });
        let reply = {
            let mut routes = self.routes.lock().unwrap();
            match routes.get_mut(&path) {
                Some(replies) if replies.len() > 1 => replies.remove(0),
                Some(replies) => replies[0].clone(),
                None => Reply::not_found(),
            }
        };
        let body = Full::new(Bytes::from(reply.body))
            .map_err(|never| match never {})
            .boxed_unsync();
        http::Response::builder()
            .status(reply.status)
            .header(http::header::CONTENT_TYPE, reply.content_type)
            .body(body)
            .unwrap()
    }

    pub fn http_client(&self) -> HttpClient {
        let fake = self.clone();
        HttpClient::from_service(tower::service_fn(
            move |request: http::Request<RequestBody>| {
                let response = fake.answer(&request);
                async move { Ok::<_, kclient_rest::Error>(response) }
            },
        ))
    }

    pub fn discovery(&self) -> DiscoveryClient {
        DiscoveryClient::for_config_and_client(&Config::new("http://fake"), self.http_client())
            .unwrap()
    }
}

pub const AGGREGATED: &str = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

pub fn resource(name: &str, kind: &str, short: &[&str]) -> serde_json::Value {
    serde_json::json!({"name": name, "singularName": kind.to_lowercase(), "namespaced": true,
        "kind": kind, "verbs": ["get", "list"], "shortNames": short})
}

/// A legacy server: core v1 (pods) and apps v1 (deployments) plus apps v1beta1.
pub fn legacy_server() -> Fake {
    let fake = Fake::default();
    fake.route(
        "/api",
        Reply::json(serde_json::json!({"kind": "APIVersions", "versions": ["v1"]})),
    )
    .route(
        "/apis",
        Reply::json(serde_json::json!({"kind": "APIGroupList", "groups": [{
            "name": "apps",
            "versions": [{"groupVersion": "apps/v1", "version": "v1"},
                         {"groupVersion": "apps/v1beta1", "version": "v1beta1"}],
            "preferredVersion": {"groupVersion": "apps/v1", "version": "v1"}}]})),
    )
    .route(
        "/api/v1",
        Reply::json(
            serde_json::json!({"kind": "APIResourceList", "groupVersion": "v1",
            "resources": [resource("pods", "Pod", &["po"]), resource("pods/log", "Pod", &[])]}),
        ),
    )
    .route(
        "/apis/apps/v1",
        Reply::json(
            serde_json::json!({"kind": "APIResourceList", "groupVersion": "apps/v1",
            "resources": [resource("deployments", "Deployment", &["deploy"])]}),
        ),
    )
    .route(
        "/apis/apps/v1beta1",
        Reply::json(
            serde_json::json!({"kind": "APIResourceList", "groupVersion": "apps/v1beta1",
            "resources": [resource("deployments", "Deployment", &["deploy"]),
                          resource("oldthings", "OldThing", &[])]}),
        ),
    );
    fake
}

/// The aggregated document of `legacy_server`'s `/apis`, with `extra_versions` appended to apps.
pub fn aggregated_apis(extra_versions: Vec<serde_json::Value>) -> serde_json::Value {
    let r = |name: &str, kind: &str, short: &[&str]| {
        serde_json::json!({"resource": name, "responseKind": {"group": "", "version": "", "kind": kind},
            "scope": "Namespaced", "singularResource": kind.to_lowercase(), "verbs": ["get", "list"],
            "shortNames": short})
    };
    let mut versions = vec![
        serde_json::json!({"version": "v1", "freshness": "Current",
            "resources": [r("deployments", "Deployment", &["deploy"])]}),
        serde_json::json!({"version": "v1beta1", "freshness": "Current",
            "resources": [r("deployments", "Deployment", &["deploy"]), r("oldthings", "OldThing", &[])]}),
    ];
    versions.extend(extra_versions);
    serde_json::json!({"kind": "APIGroupDiscoveryList", "apiVersion": "apidiscovery.k8s.io/v2",
        "items": [{"metadata": {"name": "apps"}, "versions": versions}]})
}

/// The aggregated document of `legacy_server`'s `/api`.
pub fn aggregated_core() -> serde_json::Value {
    serde_json::json!({"kind": "APIGroupDiscoveryList", "apiVersion": "apidiscovery.k8s.io/v2",
        "items": [{"metadata": {}, "versions": [{"version": "v1", "resources": [
            {"resource": "pods", "responseKind": {"group": "", "version": "", "kind": "Pod"},
             "scope": "Namespaced", "singularResource": "pod", "verbs": ["get", "list"], "shortNames": ["po"],
             "subresources": [{"subresource": "log", "verbs": ["get", "list"],
                 "responseKind": {"group": "", "version": "", "kind": "Pod"}}]}]}]}]})
}

/// `legacy_server` that also answers aggregated discovery on `/api` and `/apis`.
pub fn aggregated_server(extra_versions: Vec<serde_json::Value>) -> Fake {
    let fake = legacy_server();
    fake.route("/api", Reply::typed(AGGREGATED, aggregated_core()))
        .route(
            "/apis",
            Reply::typed(AGGREGATED, aggregated_apis(extra_versions)),
        );
    fake
}
