//! Unit tests of URL, header and body building and of the preflight checks: no server involved.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use http::Method;
use http::header::{ACCEPT, CONTENT_TYPE};
use kclient_apimachinery::{GroupVersion, ToQueryParams};
use kclient_config::{Config, Serializer};

use super::*;
use crate::{HttpClient, RequestSettings};

fn client_at(host: &str, gv: GroupVersion) -> RestClient {
    let mut config = Config::new(host);
    config.content.group_version = Some(gv);
    config.content.serializer = Some(Serializer::Json);
    let http = HttpClient::for_config(&config).unwrap();
    RestClient::for_config_and_client(&config, http).unwrap()
}

fn core() -> RestClient {
    client_at("http://h:8080", GroupVersion::new("", "v1"))
}

fn apps() -> RestClient {
    client_at("https://h/prefix", GroupVersion::new("apps", "v1"))
}

fn err_of(request: Request) -> String {
    match request.into_http_request() {
        Ok(r) => panic!("expected an error, got a request for {}", r.uri()),
        Err(e) => e.to_string(),
    }
}

#[test]
fn url_shape_follows_client_go() {
    assert_eq!(
        core().get().resource("pods").url(),
        "http://h:8080/api/v1/pods"
    );
    assert_eq!(
        core()
            .get()
            .namespace("ns")
            .resource("Pods")
            .name("p")
            .subresource("log")
            .url(),
        "http://h:8080/api/v1/namespaces/ns/pods/p/log"
    );
    assert_eq!(
        apps()
            .put()
            .namespace("ns")
            .resource("deployments")
            .name("d")
            .subresource("scale")
            .url(),
        "https://h/prefix/apis/apps/v1/namespaces/ns/deployments/d/scale"
    );
    // An explicitly empty namespace is left out of the path (all namespaces).
    assert_eq!(
        core().get().namespace("").resource("pods").url(),
        "http://h:8080/api/v1/pods"
    );
    assert_eq!(
        core()
            .get()
            .namespace("ns")
            .resource("pods")
            .name("p")
            .subresource("proxy")
            .suffix("a/b/")
            .url(),
        "http://h:8080/api/v1/namespaces/ns/pods/p/proxy/a/b"
    );
    assert_eq!(
        core().get().prefix("watch").resource("pods").url(),
        "http://h:8080/api/v1/watch/pods"
    );
    assert_eq!(
        core()
            .get()
            .namespace("ns")
            .name("with space")
            .resource("pods")
            .url(),
        "http://h:8080/api/v1/namespaces/ns/pods/with%20space"
    );
}

#[test]
fn abs_path_and_request_uri() {
    assert_eq!(
        core().get().abs_path("/version").url(),
        "http://h:8080/version"
    );
    assert_eq!(
        apps().get().abs_path("/apis").url(),
        "https://h/prefix/apis"
    );
    assert_eq!(core().get().abs_path("/apis/").url(), "http://h:8080/apis/");
    assert_eq!(core().get().abs_path("/").url(), "http://h:8080/");
    assert_eq!(
        core()
            .get()
            .request_uri("/api/v1/pods?limit=1&labelSelector=a%3Db")
            .url(),
        "http://h:8080/api/v1/pods?labelSelector=a%3Db&limit=1"
    );
    let err = err_of(core().get().request_uri("/api?x=%zz"));
    assert!(err.contains("invalid escape"), "{err}");
}

#[test]
fn query_is_sorted_escaped_and_timeout_is_special() {
    let url = core()
        .get()
        .resource("pods")
        .param("labelSelector", "app in (a,b)")
        .param("limit", "100")
        .param("fieldSelector", "spec.nodeName=n1")
        .timeout(Duration::from_secs(90))
        .url();
    assert_eq!(
        url,
        "http://h:8080/api/v1/pods?fieldSelector=spec.nodeName%3Dn1\
         &labelSelector=app+in+%28a%2Cb%29&limit=100&timeout=1m30s"
    );
    let err = err_of(core().get().param("timeout", "1s"));
    assert!(
        err.contains("must set timeout through the corresponding function"),
        "{err}"
    );
}

struct Opts;
impl ToQueryParams for Opts {
    fn query_params(&self, out: &mut Vec<(String, String)>) {
        out.push(("resourceVersion".into(), "0".into()));
        out.push(("limit".into(), "500".into()));
    }
}

#[test]
fn versioned_params_are_appended() {
    let url = core().get().resource("pods").versioned_params(&Opts).url();
    assert_eq!(url, "http://h:8080/api/v1/pods?limit=500&resourceVersion=0");
}

#[test]
fn default_timeout_comes_from_the_config_but_not_for_watches() {
    let mut config = Config::new("http://h");
    config.content.group_version = Some(GroupVersion::new("", "v1"));
    config.content.serializer = Some(Serializer::Json);
    config.timeout = Some(Duration::from_millis(1500));
    let client = RestClient::for_config(&config).unwrap();
    let prepared = client.get().resource("pods").prepare(Mode::Normal).unwrap();
    assert_eq!(prepared.request.uri().query(), Some("timeout=1.5s"));
    let settings = prepared
        .request
        .extensions()
        .get::<RequestSettings>()
        .unwrap();
    assert_eq!(settings.timeout, Some(Duration::from_millis(1500)));
    assert!(!settings.is_watch);

    let watch = client.get().resource("pods").prepare(Mode::Watch).unwrap();
    assert_eq!(watch.request.uri().query(), Some("watch=true"));
    let settings = watch.request.extensions().get::<RequestSettings>().unwrap();
    assert_eq!(settings.timeout, None);
    assert!(settings.is_watch);
    assert!(watch.context.deadline.is_none());

    // An explicit timeout on a watch is only sent to the server.
    let watch = client
        .get()
        .resource("pods")
        .param("watch", "1")
        .timeout(Duration::from_secs(300))
        .prepare(Mode::Watch)
        .unwrap();
    assert_eq!(watch.request.uri().query(), Some("timeout=5m0s&watch=1"));
    assert!(watch.context.deadline.is_none());
}

#[test]
fn settings_and_headers() {
    let request = core()
        .get()
        .resource("pods")
        .max_retries(0)
        .throttle(false)
        .set_header("X-Custom", "1")
        .into_http_request()
        .unwrap();
    assert_eq!(request.headers()[ACCEPT], "application/json, */*");
    assert_eq!(request.headers()["x-custom"], "1");
    let settings = request.extensions().get::<RequestSettings>().unwrap();
    assert_eq!(
        *settings,
        RequestSettings {
            is_watch: false,
            max_retries: 0,
            throttle: false,
            timeout: None
        }
    );
    let request = core()
        .get()
        .set_header("Accept", "application/yaml")
        .into_http_request()
        .unwrap();
    assert_eq!(request.headers()[ACCEPT], "application/yaml");
    let err = err_of(core().get().set_header("Authorization", "Bearer secret\n"));
    assert!(!err.contains("secret"), "{err}");
    assert!(err.contains("Authorization"), "{err}");
    assert!(err_of(core().get().set_header("bad header", "x")).contains("invalid header name"));
}

#[test]
fn accept_comes_from_the_content_config() {
    let mut config = Config::new("http://h");
    config.content.group_version = Some(GroupVersion::new("", "v1"));
    config.content.serializer = Some(Serializer::Json);
    config.content.accept_content_types =
        Some("application/json;as=Table;v=v1;g=meta.k8s.io".into());
    let client = RestClient::for_config(&config).unwrap();
    let request = client.get().into_http_request().unwrap();
    assert_eq!(
        request.headers()[ACCEPT],
        "application/json;as=Table;v=v1;g=meta.k8s.io"
    );
}

#[test]
fn bodies_and_content_types() {
    use http_body_util::BodyExt;

    let request = core()
        .post()
        .namespace("ns")
        .resource("configmaps")
        .body(&serde_json::json!({"kind": "ConfigMap"}))
        .into_http_request()
        .unwrap();
    assert_eq!(request.headers()[CONTENT_TYPE], "application/json");
    let body = futures_util::FutureExt::now_or_never(request.into_body().collect())
        .unwrap()
        .unwrap()
        .to_bytes();
    assert_eq!(&body[..], br#"{"kind":"ConfigMap"}"#);

    let request = core()
        .patch(PatchType::Strategic)
        .namespace("ns")
        .resource("pods")
        .name("p")
        .body(&serde_json::json!({"metadata": {"labels": {"a": "b"}}}))
        .into_http_request()
        .unwrap();
    assert_eq!(request.method(), Method::PATCH);
    assert_eq!(
        request.headers()[CONTENT_TYPE],
        "application/strategic-merge-patch+json"
    );

    let request = core()
        .patch(PatchType::Apply)
        .body_bytes("kind: Pod\n", "application/apply-patch+yaml")
        .into_http_request()
        .unwrap();
    assert_eq!(
        request.headers()[CONTENT_TYPE],
        "application/apply-patch+yaml"
    );

    struct Unencodable;
    impl serde::Serialize for Unencodable {
        fn serialize<S: serde::Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
            Err(serde::ser::Error::custom("nope"))
        }
    }
    let err = core()
        .post()
        .body(&Unencodable)
        .into_http_request()
        .unwrap_err();
    assert!(matches!(err, Error::EncodeBody { .. }), "{err:?}");
}

#[test]
fn preflight_errors_like_client_go() {
    let err = err_of(core().post().namespace("").resource("pods"));
    assert!(
        err.contains("an empty namespace may not be set during creation"),
        "{err}"
    );
    for verb in [Method::GET, Method::PUT, Method::DELETE] {
        let err = err_of(core().verb(verb).namespace("").resource("pods").name("p"));
        assert!(
            err.contains("an empty namespace may not be set when a resource name is provided"),
            "{err}"
        );
    }
    // Listing all namespaces is fine; so is a name without any namespace (cluster scope).
    assert!(
        core()
            .get()
            .namespace("")
            .resource("pods")
            .into_http_request()
            .is_ok()
    );
    assert!(
        core()
            .get()
            .resource("nodes")
            .name("n")
            .into_http_request()
            .is_ok()
    );
    assert!(
        core()
            .patch(PatchType::Merge)
            .namespace("")
            .resource("pods")
            .name("p")
            .into_http_request()
            .is_ok()
    );
}

#[test]
fn invalid_segments_are_refused_with_what_and_why() {
    let cases = [
        (core().get().name(""), "resource name may not be empty"),
        (
            core().get().name("a/b"),
            "invalid resource name \"a/b\": may not contain '/'",
        ),
        (
            core().get().name(".."),
            "invalid resource name \"..\": may not be '..'",
        ),
        (
            core().get().namespace("."),
            "invalid namespace \".\": may not be '.'",
        ),
        (
            core().get().namespace("a%2F"),
            "invalid namespace \"a%2F\": may not contain '%'",
        ),
        (
            core().get().resource("pods/x"),
            "invalid resource \"pods/x\": may not contain '/'",
        ),
        (
            core().get().subresource("status/.."),
            "invalid subresource \"..\": may not be '..'",
        ),
        (
            core().get().name("a").name("b"),
            "resource name already set to \"a\", cannot change to \"b\"",
        ),
        (
            core().get().namespace("a").namespace("b"),
            "namespace already set to \"a\"",
        ),
        (
            core().get().resource("a").resource("b"),
            "resource already set to \"a\"",
        ),
        (
            core().get().subresource("a").subresource("b"),
            "subresource already set to \"a\"",
        ),
    ];
    for (request, want) in cases {
        let err = err_of(request);
        assert!(err.contains(want), "{err:?} should contain {want:?}");
    }
    // The first error wins; later calls do not replace it.
    let err = err_of(core().get().name("").namespace("..").name("x/y"));
    assert!(err.contains("resource name may not be empty"), "{err}");
}
