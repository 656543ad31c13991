//! `DiscoveryClient`: discovery against the live server (client-go's `discovery.DiscoveryClient`).
//! It asks `/api` and `/apis` for aggregated discovery and falls back to the legacy documents
//! when the server answers with those.

use std::collections::BTreeMap;
use std::time::Duration;

use bytes::Bytes;
use kclient_apimachinery::GroupVersion;
use kclient_config::{Config, Serializer};
use kclient_rest::{HttpClient, RestClient};
use serde::de::DeserializeOwned;

use crate::aggregated::{
    ACCEPT_AGGREGATED, ACCEPT_LEGACY, DiscoveryFormat, split_groups_and_resources,
};
use crate::error::Error;
use crate::interface::{Discovery, GroupsAndMaybeResources};
use crate::types::{
    ApiGroup, ApiGroupDiscoveryList, ApiGroupList, ApiResourceList, ApiVersions,
    GroupVersionForDiscovery, VersionInfo,
};

/// The request timeout of discovery when the config sets none (client-go's `defaultTimeout`).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(32);

/// The rate-limiter burst of discovery when the config sets none (client-go's `defaultBurst`):
/// discovery sends one request per group/version at once.
pub const DEFAULT_BURST: u32 = 300;

/// Discovers the groups, versions and resources a server serves (client-go's `DiscoveryClient`).
///
/// Cheap to clone. Wrap it in a [`crate::MemCacheClient`] or [`crate::DiskCacheClient`] to avoid
/// asking the server every time.
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// use kclient_discovery::{Discovery, DiscoveryClient};
///
/// let client = DiscoveryClient::for_config(&kclient_config::Config::infer()?)?;
/// println!("{}", client.server_version().await?.git_version);
/// for list in client.server_preferred_resources().await?.into_result()? {
///     for r in list.resources {
///         println!("{} {}", list.group_version, r.name);
///     }
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct DiscoveryClient {
    rest: RestClient,
    legacy_only: bool,
}

/// What `/api` or `/apis` answered.
enum Downloaded {
    /// An aggregated document, split: groups, resources, stale group/versions.
    Aggregated(crate::aggregated::SplitDiscovery),
    /// Legacy groups only.
    Groups(Vec<ApiGroup>),
}

impl DiscoveryClient {
    /// A client for the server of `config` with its own connection pool. As in client-go, the
    /// timeout defaults to [`DEFAULT_TIMEOUT`] and the burst to [`DEFAULT_BURST`] (when the QPS is
    /// below 100) unless the config sets them.
    pub fn for_config(config: &Config) -> Result<Self, Error> {
        let config = discovery_config(config);
        let http = HttpClient::for_config(&config)?;
        Self::for_config_and_client(&config, http)
    }

    /// A client that sends through an existing [`HttpClient`] (sharing its connections and rate
    /// limiter). Only the host, timeout and content settings of `config` are used.
    pub fn for_config_and_client(config: &Config, http: HttpClient) -> Result<Self, Error> {
        let config = discovery_config(config);
        let rest = RestClient::unversioned_for_config_and_client(&config, http)?;
        Ok(Self::new(rest))
    }

    /// A client over an existing unversioned [`RestClient`] (paths are absolute).
    pub fn new(rest: RestClient) -> Self {
        Self {
            rest,
            legacy_only: false,
        }
    }

    /// The same client, asking only for the legacy documents (client-go's `WithLegacy`).
    pub fn with_legacy(mut self) -> Self {
        self.legacy_only = true;
        self
    }

    /// Whether only the legacy documents are asked for.
    pub fn is_legacy_only(&self) -> bool {
        self.legacy_only
    }

    /// The underlying REST client (for requests discovery does not cover).
    pub fn rest_client(&self) -> &RestClient {
        &self.rest
    }

    /// GETs `path` with `accept`; `None` on 404. Returns the format, the body and the URL.
    pub(crate) async fn get_raw(
        &self,
        path: &str,
        accept: &str,
    ) -> Result<Option<(Option<String>, Bytes, String)>, Error> {
        let request = self.rest.get().abs_path(path).set_header("Accept", accept);
        let url = request.url();
        match request.send().await {
            Ok(response) => {
                let content_type = response.content_type().map(str::to_string);
                let body = response.into_bytes().await?;
                Ok(Some((content_type, body, url)))
            }
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// `/api` or `/apis`, aggregated when the server offers it. 404 means "nothing there", as
    /// client-go tolerates it for aggregated API servers.
    async fn download(&self, legacy_core: bool) -> Result<Option<Downloaded>, Error> {
        let path = if legacy_core { "/api" } else { "/apis" };
        let accept = if self.legacy_only {
            ACCEPT_LEGACY
        } else {
            ACCEPT_AGGREGATED
        };
        let Some((content_type, body, url)) = self.get_raw(path, accept).await? else {
            return Ok(None);
        };
        if DiscoveryFormat::from_content_type(content_type.as_deref()).is_aggregated() {
            let list: ApiGroupDiscoveryList = decode(&body, "APIGroupDiscoveryList", &url)?;
            return Ok(Some(Downloaded::Aggregated(split_groups_and_resources(
                &list,
            ))));
        }
        if legacy_core {
            let versions: ApiVersions = decode(&body, "APIVersions", &url)?;
            Ok(Some(Downloaded::Groups(
                versions_to_group(&versions).into_iter().collect(),
            )))
        } else {
            let list: ApiGroupList = decode(&body, "APIGroupList", &url)?;
            Ok(Some(Downloaded::Groups(list.groups)))
        }
    }
}

/// The config discovery runs with: unversioned JSON, client-go's timeout and burst defaults.
fn discovery_config(config: &Config) -> Config {
    let mut c = config.clone();
    c.api_path = String::new();
    c.content.group_version = None;
    c.content.serializer = Some(Serializer::Json);
    c.content.content_type = None;
    c.content.accept_content_types = None;
    if c.timeout.is_none() {
        c.timeout = Some(DEFAULT_TIMEOUT);
    }
    if c.burst == 0 && c.qps < 100.0 {
        c.burst = DEFAULT_BURST;
    }
    c
}

/// The core group described by an `APIVersions` document (client-go's `apiVersionsToAPIGroup`).
fn versions_to_group(versions: &ApiVersions) -> Option<ApiGroup> {
    let entries: Vec<GroupVersionForDiscovery> = versions
        .versions
        .iter()
        .map(|v| GroupVersionForDiscovery {
            group_version: v.clone(),
            version: v.clone(),
        })
        .collect();
    let preferred = entries.first()?.clone();
    Some(ApiGroup {
        versions: entries,
        preferred_version: preferred,
        ..ApiGroup::default()
    })
}

pub(crate) fn decode<T: DeserializeOwned>(
    body: &[u8],
    document: &'static str,
    url: &str,
) -> Result<T, Error> {
    serde_json::from_slice(body).map_err(|e| Error::Decode {
        document,
        url: url.to_string(),
        source: std::sync::Arc::new(e),
    })
}

/// The path of a group/version's resource list.
pub(crate) fn group_version_path(gv: &GroupVersion) -> String {
    if gv.group.is_empty() {
        format!("/api/{}", gv.version)
    } else {
        format!("/apis/{}/{}", gv.group, gv.version)
    }
}

impl Discovery for DiscoveryClient {
    async fn groups_and_maybe_resources(&self) -> Result<GroupsAndMaybeResources, Error> {
        let (core, apis) =
            futures_util::future::join(self.download(true), self.download(false)).await;
        let mut out = GroupsAndMaybeResources {
            groups: ApiGroupList::new(Vec::new()),
            ..GroupsAndMaybeResources::default()
        };
        let mut resources: [Option<BTreeMap<GroupVersion, ApiResourceList>>; 2] = [None, None];
        for (slot, downloaded) in [core?, apis?].into_iter().enumerate() {
            match downloaded {
                Some(Downloaded::Aggregated(split)) => {
                    out.groups.groups.extend(split.groups);
                    out.failed.extend(split.failed);
                    resources[slot] = Some(split.resources);
                }
                Some(Downloaded::Groups(groups)) => out.groups.groups.extend(groups),
                None => {}
            }
        }
        // As client-go: resources only when both endpoints returned them.
        if let [Some(mut core), Some(apis)] = resources {
            core.extend(apis);
            out.resources = Some(core);
        }
        Ok(out)
    }

    async fn server_resources_for_group_version(
        &self,
        gv: &GroupVersion,
    ) -> Result<ApiResourceList, Error> {
        if gv.version.is_empty() {
            return Err(Error::InvalidGroupVersion {
                value: gv.to_string(),
                source: std::sync::Arc::new(kclient_apimachinery::Error::InvalidGroupVersion {
                    input: gv.to_string(),
                    reason: "the version is empty",
                }),
            });
        }
        let result = self
            .rest
            .get()
            .abs_path(&group_version_path(gv))
            .object::<ApiResourceList>()
            .await;
        let mut list = match result {
            Ok(list) => list,
            // client-go tolerates a missing core/v1 with an empty list.
            Err(e) if e.is_not_found() && gv.group.is_empty() && gv.version == "v1" => {
                ApiResourceList::new(gv)
            }
            Err(e) => return Err(e.into()),
        };
        if list.group_version.is_empty() {
            list.group_version = gv.to_string();
        }
        Ok(list)
    }

    async fn server_version(&self) -> Result<VersionInfo, Error> {
        Ok(self.rest.get().abs_path("/version").object().await?)
    }
}

/// A live client is always fresh: every answer comes from the server. Invalidating it does nothing.
impl crate::interface::CachedDiscovery for DiscoveryClient {
    fn fresh(&self) -> bool {
        true
    }

    fn invalidate(&self) {}
}
