//! `PatchType`: the `Content-Type` of a PATCH body, which tells the server how to apply it.

/// How a PATCH body is interpreted (apimachinery's `types.PatchType`), sent as `Content-Type`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PatchType {
    /// RFC 6902 JSON Patch: `application/json-patch+json`.
    Json,
    /// RFC 7386 JSON Merge Patch: `application/merge-patch+json`.
    Merge,
    /// Kubernetes strategic merge patch: `application/strategic-merge-patch+json`.
    StrategicMerge,
    /// Server-side apply (YAML or JSON body): `application/apply-patch+yaml`.
    Apply,
    /// Any other content type, sent as given.
    Other(String),
}

impl PatchType {
    /// The `Content-Type` header value.
    pub fn content_type(&self) -> &str {
        match self {
            PatchType::Json => "application/json-patch+json",
            PatchType::Merge => "application/merge-patch+json",
            PatchType::StrategicMerge => "application/strategic-merge-patch+json",
            PatchType::Apply => "application/apply-patch+yaml",
            PatchType::Other(content_type) => content_type,
        }
    }
}

impl From<&str> for PatchType {
    /// Maps the well-known content types to their variant, anything else to `Other`.
    fn from(content_type: &str) -> Self {
        match content_type {
            "application/json-patch+json" => PatchType::Json,
            "application/merge-patch+json" => PatchType::Merge,
            "application/strategic-merge-patch+json" => PatchType::StrategicMerge,
            "application/apply-patch+yaml" => PatchType::Apply,
            other => PatchType::Other(other.to_string()),
        }
    }
}

impl From<String> for PatchType {
    fn from(content_type: String) -> Self {
        PatchType::from(content_type.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_types_round_trip() {
        for pt in [
            PatchType::Json,
            PatchType::Merge,
            PatchType::StrategicMerge,
            PatchType::Apply,
        ] {
            assert_eq!(PatchType::from(pt.content_type()), pt);
        }
        assert_eq!(
            PatchType::from("application/apply-patch+cbor").content_type(),
            "application/apply-patch+cbor"
        );
    }
}
