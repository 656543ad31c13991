//! The HTTP API: authentication, routing, content negotiation and the verb handlers, all over
//! the shared [`State`].

pub(crate) mod admission;
mod apply;
mod attach;
mod binding;
pub(crate) mod bootstrap;
pub(crate) mod controllers;
mod delete;
mod discovery;
mod disruption;
mod exec;
mod fields;
mod fieldset;
mod filter;
mod gc;
mod graceful;
pub(crate) mod kubelet;
mod kubelet_restarts;
mod list_body;
mod logs;
mod managed;
mod names;
pub(crate) mod namespaces;
mod negotiate;
pub(crate) mod objects;
mod paging;
mod partial;
mod patch;
mod path;
mod pods;
mod portforward;
mod query;
mod read;
mod remote;
pub(crate) mod response;
mod review;
mod rules_review;
mod scale;
pub(crate) mod seed;
mod session;
pub(crate) mod status;
mod strategic;
mod subresources;
mod table;
mod token;
mod token_review;
mod watch;
pub(crate) mod websocket;
mod write;

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, Method, Request, Response, header};
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;

use crate::auth::{Authenticator, User};
use crate::registry::{self, Resource};
use crate::store::Store;
pub use negotiate::Output;
use path::{ResourcePath, Route};
use query::Query;
pub use response::Body;
use status::ApiError;

/// The largest request body accepted (the real server's 3 MiB limit).
const MAX_BODY: usize = 3 * 1024 * 1024;

/// Options that shape the server's behaviour.
#[derive(Debug, Clone)]
pub struct Behaviour {
    /// How often watches with `allowWatchBookmarks=true` get a BOOKMARK.
    pub bookmark_interval: Duration,
    /// How long a watch without `timeoutSeconds` lasts.
    pub default_watch_timeout: Duration,
    /// Whether requests are authorized by the stored RBAC objects (else everything is allowed).
    pub rbac: bool,
    /// How long the simulated kubelet takes to stop a gracefully deleted pod's containers
    /// (capped by the pod's grace period) before removing it.
    pub kubelet_termination_delay: Duration,
    /// How long the simulated kubelet takes to start the containers of a pod bound to an
    /// existing node.
    pub kubelet_start_delay: Duration,
}

/// Everything the handlers share.
#[derive(Debug)]
pub struct State {
    /// The objects.
    pub store: Store,
    /// Who is who.
    pub auth: Authenticator,
    /// The service account tokens the server issued.
    pub tokens: crate::tokens::Issuer,
    /// The CA certificate (PEM) clients verify the server with (published in every namespace's
    /// `kube-root-ca.crt`).
    pub ca_pem: String,
    /// `host:port` as clients reach the server.
    pub server_address: String,
    /// Behaviour options.
    pub behaviour: Behaviour,
    /// Namespaces whose contents the namespace controller should clean up.
    pub namespace_queue: tokio::sync::mpsc::UnboundedSender<String>,
    /// The resources served because of CRDs.
    pub crds: crate::crd::CrdRegistry,
    /// Flips to `true` when the server shuts down (ends watches).
    pub shutdown: tokio::sync::watch::Receiver<bool>,
    /// The simulated container runtime: the running pods' containers.
    pub runtime: crate::runtime::Runtime,
    /// Faults waiting to be injected into the next requests.
    pub faults: crate::faults::Faults,
    /// The built-in group/versions served (`--runtime-config`).
    pub apis: crate::apis::ApiSet,
}

/// A resource request, ready for a verb handler.
#[derive(Debug)]
pub struct Ctx {
    state: Arc<State>,
    res: Resource,
    path: ResourcePath,
    query: Query,
    headers: HeaderMap,
    body: Bytes,
    output: Output,
    user: User,
    /// The connection's upgrade, for requests asking for one (exec, attach, portforward).
    upgrade: std::sync::Mutex<Option<hyper::upgrade::OnUpgrade>>,
}

impl Ctx {
    fn namespace(&self) -> &str {
        self.path.namespace.as_deref().unwrap_or_default()
    }

    fn name(&self) -> &str {
        self.path.name.as_deref().unwrap_or_default()
    }

    /// Takes the connection upgrade of a WebSocket request (once).
    fn take_upgrade(&self) -> Option<hyper::upgrade::OnUpgrade> {
        self.upgrade.lock().ok().and_then(|mut u| u.take())
    }
}

/// Serves one request from an authenticated (or not) connection.
pub async fn handle(
    state: Arc<State>,
    cert_user: Option<User>,
    req: Request<Incoming>,
) -> Response<Body> {
    let route = path::parse(req.uri().path());
    let user = state.auth.authenticate(req.headers(), cert_user, |token| {
        token::authenticate(&state, token)
    });
    let Some(user) = user.or_else(|| {
        (route == Route::Health)
            .then(|| User::new("system:anonymous", vec!["system:unauthenticated".into()]))
    }) else {
        return response::error(&ApiError::unauthorized());
    };
    let (is_list, is_watch) = match &route {
        Route::Resource(p) if req.method() == Method::GET && p.name.is_none() => {
            let watch = req.uri().query().is_some_and(|q| {
                q.split('&')
                    .any(|kv| matches!(kv, "watch=true" | "watch=1" | "watch=True"))
            });
            (!watch, watch)
        }
        _ => (false, false),
    };
    match state.faults.take(req.headers(), is_list, is_watch) {
        crate::faults::Verdict::Answer(resp) => return resp,
        crate::faults::Verdict::Serve(Some(delay)) => tokio::time::sleep(delay).await,
        crate::faults::Verdict::Serve(None) => {}
    }
    match serve(state, route, user, req).await {
        Ok(resp) => resp,
        Err(err) => response::error(&err),
    }
}

async fn serve(
    state: Arc<State>,
    route: Route,
    user: User,
    req: Request<Incoming>,
) -> Result<Response<Body>, ApiError> {
    if !matches!(route, Route::Resource(_) | Route::Health) {
        let attrs = crate::rbac::Request::NonResource {
            verb: req.method().as_str().to_ascii_lowercase(),
            path: req.uri().path().to_string(),
        };
        review::check(&state.store, state.behaviour.rbac, &user, &attrs)?;
    }
    let accept = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let discovery_root = matches!(route, Route::CoreVersions | Route::GroupList);
    let get_only = !matches!(route, Route::Resource(_));
    if get_only && req.method() != Method::GET && req.method() != Method::HEAD {
        return Err(ApiError::method_not_allowed());
    }
    match route {
        Route::Version => Ok(response::json(200, &crate::version::info())),
        Route::Health => Ok(response::text(200, "ok")),
        Route::NotFound => Err(ApiError::no_such_path()),
        Route::OpenApi(rest) => {
            crate::openapi::serve(&state, &rest, req.uri().query(), accept.as_deref())
        }
        Route::CoreVersions | Route::GroupList => {
            let output = negotiate::negotiate(accept.as_deref(), discovery_root)?;
            let core = route == Route::CoreVersions;
            if output == Output::AggregatedDiscovery {
                let doc = discovery::aggregated(&state.apis, core, &state.crds.groups());
                return Ok(discovery_response(
                    &req,
                    &doc,
                    negotiate::AGGREGATED_CONTENT_TYPE,
                ));
            }
            let doc = if core {
                discovery::core_versions(&state.apis, &state.server_address)
            } else {
                discovery::group_list(&state.apis, &state.crds.groups())
            };
            Ok(discovery_response(&req, &doc, response::JSON))
        }
        Route::Group(g) => {
            negotiate::negotiate(accept.as_deref(), false)?;
            discovery::group(&state.apis, &g, &state.crds.groups())
                .map(|doc| response::json(200, &doc))
                .ok_or_else(ApiError::no_such_path)
        }
        Route::ResourceList { group, version } => {
            negotiate::negotiate(accept.as_deref(), false)?;
            discovery::resource_list(&state.apis, &group, &version, &state.crds.groups())
                .map(|doc| response::json(200, &doc))
                .ok_or_else(ApiError::no_such_path)
        }
        Route::Resource(path) => {
            let output = negotiate::negotiate(accept.as_deref(), false)?;
            resource(state, path, output, user, req).await
        }
    }
}

/// A discovery document with an ETag, answering `If-None-Match` with 304.
fn discovery_response(
    req: &Request<Incoming>,
    doc: &serde_json::Value,
    content_type: &str,
) -> Response<Body> {
    let mut bytes = serde_json::to_vec(doc).unwrap_or_default();
    bytes.push(b'\n');
    let etag = discovery::etag(&bytes);
    let matches = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == etag);
    let mut resp = if matches {
        response::with_type(304, content_type, Bytes::new())
    } else {
        response::with_type(200, content_type, bytes)
    };
    if let Ok(v) = http::HeaderValue::from_str(&etag) {
        resp.headers_mut().insert(header::ETAG, v);
    }
    resp.headers_mut()
        .insert(header::VARY, http::HeaderValue::from_static("Accept"));
    resp
}

async fn resource(
    state: Arc<State>,
    path: ResourcePath,
    output: Output,
    user: User,
    mut req: Request<Incoming>,
) -> Result<Response<Body>, ApiError> {
    let upgrade = (websocket::is_websocket(req.headers())
        || portforward::is_spdy_upgrade(req.headers()))
    .then(|| hyper::upgrade::on(&mut req));
    let res = registry::lookup(&path.group, &path.version, &path.resource)
        .filter(|_| {
            state
                .apis
                .serves(&path.group, &path.version, &path.resource)
        })
        .or_else(|| {
            state
                .crds
                .lookup(&path.group, &path.version, &path.resource)
                .map(Resource::from)
        })
        .ok_or_else(ApiError::no_such_path)?;
    // Namespaced objects are only addressed under /namespaces/<ns>/; cluster-scoped never are.
    let namespaced_ok = match (res.namespaced(), &path.namespace) {
        (false, Some(_)) => false,
        (true, None) => path.name.is_none(),
        _ => true,
    };
    if !namespaced_ok {
        return Err(ApiError::no_such_path());
    }
    // Custom resources have no protobuf form: JSON if the client takes it, else 406.
    let output = if output == Output::Protobuf && res.is_custom() {
        let accept = req
            .headers()
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok());
        negotiate::without_protobuf(accept)?
    } else {
        output
    };
    let method = req.method().clone();
    let query = Query::parse(req.uri().query());
    let headers = req.headers().clone();
    let body = read_body(req).await?;
    let watch = path.watch_prefix || query.bool("watch")?.unwrap_or(false);
    let verb = verb(&method, &path, watch)?;
    let supported = match path.subresource.as_deref() {
        None => res.supports(verb),
        Some(sub) => res
            .subresource(sub)
            .is_some_and(|s| s.verbs.contains(&verb)),
    };
    if !supported {
        return Err(ApiError::method_not_allowed());
    }
    if path.watch_prefix && verb != "watch" {
        return Err(ApiError::method_not_allowed());
    }
    let attrs = crate::rbac::Request::Resource {
        verb: verb.to_string(),
        // As `RequestInfoFactory` does, a namespace object's own name is its namespace.
        namespace: match (&path.namespace, res.group, res.name(), &path.name) {
            (None, "", "namespaces", Some(name)) => name.clone(),
            (ns, ..) => ns.clone().unwrap_or_default(),
        },
        group: res.group.to_string(),
        resource: res.name().to_string(),
        subresource: path.subresource.clone().unwrap_or_default(),
        name: path.name.clone().unwrap_or_default(),
    };
    review::check(&state.store, state.behaviour.rbac, &user, &attrs)?;
    let ctx = Ctx {
        state,
        res,
        path,
        query,
        headers,
        body,
        output,
        user,
        upgrade: std::sync::Mutex::new(upgrade),
    };
    let sub = ctx.path.subresource.clone();
    let mut result = dispatch(&ctx, verb, sub.as_deref());
    // Lists and watches transform as they write; every other answer is transformed here.
    if let (Output::Metadata(target), Ok(resp)) = (ctx.output, &mut result)
        && !matches!(verb, "list" | "watch")
    {
        let answer = std::mem::replace(resp, Response::new(response::full(Bytes::new())));
        result = partial::transform_response(&ctx.res, target, answer).await;
    }
    if ctx.res.is_crd() && !matches!(verb, "get" | "list" | "watch") {
        ctx.state.crds.refresh(&ctx.state.store);
    }
    if ctx.output == Output::Protobuf && verb != "watch" {
        return protobuf_response(result).await;
    }
    result
}

/// A JSON answer (object, list or `Status` error) of a built-in kind re-encoded as protobuf,
/// as the real server encodes whatever it answers with the negotiated serializer. Answers of
/// kinds without a protobuf message stay JSON.
async fn protobuf_response(
    result: Result<Response<Body>, ApiError>,
) -> Result<Response<Body>, ApiError> {
    let resp = match result {
        Ok(resp) => resp,
        Err(err) => {
            return match crate::protobuf::encode_object(&err.to_json()) {
                Some(Ok(bytes)) => Ok(response::with_type(
                    err.code,
                    crate::protobuf::CONTENT_TYPE,
                    bytes,
                )),
                _ => Err(err),
            };
        }
    };
    let is_json = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes() == response::JSON.as_bytes());
    if !is_json {
        return Ok(resp);
    }
    let (parts, body) = resp.into_parts();
    let bytes = body
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(&bytes) else {
        return Ok(Response::from_parts(parts, response::full(bytes)));
    };
    match crate::protobuf::encode_object(&value) {
        Some(Ok(encoded)) => {
            let mut resp = Response::from_parts(parts, response::full(encoded));
            resp.headers_mut().insert(
                header::CONTENT_TYPE,
                http::HeaderValue::from_static(crate::protobuf::CONTENT_TYPE),
            );
            resp.headers_mut().remove(header::CONTENT_LENGTH);
            Ok(resp)
        }
        Some(Err(e)) => Err(ApiError::internal(&format!(
            "encoding the response as protobuf: {e}"
        ))),
        None => Ok(Response::from_parts(parts, response::full(bytes))),
    }
}

fn dispatch(ctx: &Ctx, verb: &str, sub: Option<&str>) -> Result<Response<Body>, ApiError> {
    match (ctx.res.group, ctx.res.name(), verb, sub) {
        ("authorization.k8s.io", "selfsubjectaccessreviews", "create", None) => {
            return review::access_review(ctx, &ctx.user);
        }
        ("authentication.k8s.io", "selfsubjectreviews", "create", None) => {
            return review::self_review(ctx, &ctx.user);
        }
        ("authentication.k8s.io", "tokenreviews", "create", None) => {
            return token_review::create(ctx);
        }
        ("authorization.k8s.io", "selfsubjectrulesreviews", "create", None) => {
            return rules_review::create(ctx);
        }
        _ => {}
    }
    let core = ctx.res.group.is_empty() && !ctx.res.is_custom();
    match (verb, sub) {
        ("create", Some("eviction")) if is_pods(ctx) => pods::evict(ctx),
        ("create", Some("binding")) if is_pods(ctx) => binding::bind(ctx),
        ("create", None) if core && ctx.res.name() == "bindings" => binding::bind(ctx),
        ("create", Some("token")) if core && ctx.res.name() == "serviceaccounts" => {
            token::create(ctx)
        }
        ("get", Some("log")) if is_pods(ctx) => logs::log(ctx),
        ("get" | "create", Some("exec")) if is_pods(ctx) => exec::exec(ctx, verb),
        ("get" | "create", Some("attach")) if is_pods(ctx) => attach::attach(ctx, verb),
        ("get" | "create", Some("portforward")) if is_pods(ctx) => portforward::portforward(ctx),
        (_, Some("proxy")) => subresources::proxy(ctx),
        ("get", Some("ephemeralcontainers" | "resize")) if is_pods(ctx) => read::get(ctx),
        ("get", Some("approval")) => read::get(ctx),
        ("update", Some("ephemeralcontainers" | "resize")) if is_pods(ctx) => write::update(ctx),
        ("update", Some("approval")) => write::update(ctx),
        ("patch", Some("ephemeralcontainers" | "resize" | "approval")) if patch::is_apply(ctx) => {
            apply::apply(ctx)
        }
        ("patch", Some("ephemeralcontainers" | "resize")) if is_pods(ctx) => patch::patch(ctx),
        ("patch", Some("approval")) => patch::patch(ctx),
        ("get", Some("scale")) => scale::get(ctx),
        ("update", Some("scale")) => scale::write(ctx, None),
        ("patch", Some("scale")) => patch::patch_scale(ctx),
        ("get", None | Some("status")) => read::get(ctx),
        ("list", None) => read::list(ctx),
        ("watch", None) => watch::watch(ctx),
        ("create", None) => write::create(ctx),
        ("update", None | Some("status") | Some("finalize")) => write::update(ctx),
        ("patch", None | Some("status")) if patch::is_apply(ctx) => apply::apply(ctx),
        ("patch", None | Some("status")) => patch::patch(ctx),
        ("delete", None) => delete::delete(ctx),
        ("deletecollection", None) => delete::delete_collection(ctx),
        _ => Err(ApiError::method_not_allowed()),
    }
}

fn is_pods(ctx: &Ctx) -> bool {
    ctx.res.group.is_empty() && ctx.res.name() == "pods" && !ctx.res.is_custom()
}

/// The Kubernetes verb of a request (`RequestInfoFactory`).
fn verb(method: &Method, path: &ResourcePath, watch: bool) -> Result<&'static str, ApiError> {
    let named = path.name.is_some();
    Ok(match *method {
        Method::GET | Method::HEAD if named && watch => "watch",
        Method::GET | Method::HEAD if named => "get",
        Method::GET | Method::HEAD if watch => "watch",
        Method::GET | Method::HEAD => "list",
        Method::POST if !named || path.subresource.is_some() => "create",
        Method::PUT if named => "update",
        Method::PATCH if named => "patch",
        Method::DELETE if named => "delete",
        Method::DELETE => "deletecollection",
        _ => return Err(ApiError::method_not_allowed()),
    })
}

async fn read_body(req: Request<Incoming>) -> Result<Bytes, ApiError> {
    let limited = Limited::new(req.into_body(), MAX_BODY);
    match limited.collect().await {
        Ok(b) => Ok(b.to_bytes()),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => Err(ApiError {
            code: 413,
            reason: "RequestEntityTooLarge",
            message: "Request entity too large: limit is 3145728".into(),
            details: None,
        }),
        Err(e) => Err(ApiError::bad_request(format!(
            "reading the request body: {e}"
        ))),
    }
}
