//! Content negotiation on the `Accept` header: plain JSON, `meta.k8s.io/v1` Tables,
//! `PartialObjectMetadata(List)` (`meta.k8s.io` `v1` or `v1beta1`), and aggregated discovery
//! (`apidiscovery.k8s.io/v2` `APIGroupDiscoveryList`).

use super::status::ApiError;

/// What the client gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    /// The object (or list) as JSON.
    Json,
    /// A `meta.k8s.io/v1` Table (kubectl's server-side printing).
    Table,
    /// Aggregated discovery (only meaningful on `/api` and `/apis`).
    AggregatedDiscovery,
    /// Metadata only: `PartialObjectMetadata` or `PartialObjectMetadataList`.
    Metadata(super::partial::Target),
    /// Kubernetes protobuf (`application/vnd.kubernetes.protobuf`), for built-in kinds.
    Protobuf,
}

/// The content type of an aggregated discovery response.
pub const AGGREGATED_CONTENT_TYPE: &str =
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

/// The content type of a Table response.
pub const TABLE_CONTENT_TYPE: &str = "application/json;as=Table;v=v1;g=meta.k8s.io";

/// One media range of an Accept header.
struct MediaRange<'a> {
    mime: &'a str,
    params: Vec<(&'a str, &'a str)>,
}

impl<'a> MediaRange<'a> {
    fn parse(s: &'a str) -> Self {
        let mut parts = s.split(';').map(str::trim);
        let mime = parts.next().unwrap_or_default();
        let params = parts
            .filter_map(|p| p.split_once('=').map(|(k, v)| (k.trim(), v.trim())))
            .collect();
        Self { mime, params }
    }

    fn param(&self, key: &str) -> Option<&'a str> {
        self.params.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
    }

    fn is_json(&self) -> bool {
        matches!(self.mime, "application/json" | "application/*" | "*/*")
    }
}

/// The output for a custom resource, which has no protobuf form: the first JSON choice of the
/// Accept header, or 406 when it asks for protobuf only (as the real server answers).
pub fn without_protobuf(accept: Option<&str>) -> Result<Output, ApiError> {
    let accept = accept.unwrap_or_default();
    let json_only: Vec<&str> = accept
        .split(',')
        .filter(|r| MediaRange::parse(r).mime != crate::protobuf::CONTENT_TYPE)
        .collect();
    if json_only.is_empty() {
        return Err(ApiError::not_acceptable());
    }
    negotiate(Some(&json_only.join(",")), false)
}

/// Picks the output for a request, in the client's order of preference. `discovery` says
/// whether aggregated discovery is possible (the `/api` and `/apis` endpoints).
pub fn negotiate(accept: Option<&str>, discovery: bool) -> Result<Output, ApiError> {
    let Some(accept) = accept.filter(|a| !a.trim().is_empty()) else {
        return Ok(Output::Json);
    };
    for range in accept.split(',').map(MediaRange::parse) {
        if range.mime == crate::protobuf::CONTENT_TYPE && !discovery && range.params.is_empty() {
            return Ok(Output::Protobuf);
        }
        if !range.is_json() {
            continue;
        }
        match (range.param("as"), range.param("g"), range.param("v")) {
            (None, _, _) => return Ok(Output::Json),
            (Some("APIGroupDiscoveryList"), Some("apidiscovery.k8s.io"), Some("v2"))
                if discovery && range.param("profile").is_none() =>
            {
                return Ok(Output::AggregatedDiscovery);
            }
            (Some("Table"), Some("meta.k8s.io"), Some("v1" | "v1beta1")) if !discovery => {
                return Ok(Output::Table);
            }
            (
                Some(kind @ ("PartialObjectMetadata" | "PartialObjectMetadataList")),
                Some("meta.k8s.io"),
                Some(version @ ("v1" | "v1beta1")),
            ) if !discovery => {
                return Ok(Output::Metadata(super::partial::Target {
                    list: kind == "PartialObjectMetadataList",
                    beta: version == "v1beta1",
                }));
            }
            _ => {}
        }
    }
    Err(ApiError::not_acceptable())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn kubectl_accept_headers() {
        let disc = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json";
        assert_eq!(
            negotiate(Some(disc), true).unwrap(),
            Output::AggregatedDiscovery
        );
        assert_eq!(negotiate(Some(disc), false).unwrap(), Output::Json);
        let table = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";
        assert_eq!(negotiate(Some(table), false).unwrap(), Output::Table);
        assert_eq!(
            negotiate(
                Some("application/vnd.kubernetes.protobuf, application/json"),
                false
            )
            .unwrap(),
            Output::Protobuf
        );
        assert_eq!(
            without_protobuf(Some(
                "application/vnd.kubernetes.protobuf, application/json"
            ))
            .unwrap(),
            Output::Json
        );
        assert_eq!(negotiate(None, false).unwrap(), Output::Json);
        let metadata = "application/vnd.kubernetes.protobuf;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json";
        assert_eq!(
            negotiate(Some(metadata), false).unwrap(),
            Output::Metadata(super::super::partial::Target {
                list: true,
                beta: false
            })
        );
        assert_eq!(
            negotiate(
                Some(
                    "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v2,application/json"
                ),
                false
            )
            .unwrap(),
            Output::Json
        );
        assert_eq!(
            without_protobuf(Some("application/vnd.kubernetes.protobuf"))
                .unwrap_err()
                .code,
            406
        );
    }
}
