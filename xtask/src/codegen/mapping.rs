//! Definitions the generator does not emit because a Rust type already exists for them:
//! apimachinery's `meta/v1` types, `Quantity` and `IntOrString` in `kclient-apimachinery`, raw JSON
//! as `serde_json::Value`, and the apiextensions `JSONSchemaPropsOr*` unions, which are emitted
//! from templates (see [`crate::codegen::special`]).

/// The Rust type used for a definition that is not generated, if any.
pub fn external(definition: &str) -> Option<&'static str> {
    Some(match definition {
        "io.k8s.apimachinery.pkg.api.resource.Quantity" => "kclient_apimachinery::Quantity",
        "io.k8s.apimachinery.pkg.util.intstr.IntOrString" => "kclient_apimachinery::IntOrString",
        "io.k8s.apimachinery.pkg.runtime.RawExtension" => "serde_json::Value",
        "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta" => {
            "kclient_apimachinery::meta::ObjectMeta"
        }
        "io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta" => "kclient_apimachinery::meta::ListMeta",
        "io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector" => {
            "kclient_apimachinery::meta::LabelSelector"
        }
        "io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelectorRequirement" => {
            "kclient_apimachinery::meta::LabelSelectorRequirement"
        }
        "io.k8s.apimachinery.pkg.apis.meta.v1.Condition" => "kclient_apimachinery::meta::Condition",
        "io.k8s.apimachinery.pkg.apis.meta.v1.Time" => "kclient_apimachinery::meta::Time",
        "io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime" => "kclient_apimachinery::meta::MicroTime",
        "io.k8s.apimachinery.pkg.apis.meta.v1.Status" => "kclient_apimachinery::Status",
        "io.k8s.apimachinery.pkg.apis.meta.v1.GroupResource" => {
            "kclient_apimachinery::GroupResource"
        }
        "io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions" => {
            "kclient_apimachinery::options::DeleteOptions"
        }
        "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSON" => "serde_json::Value",
        _ => return None,
    })
}

/// Rust types (from [`external`]) without a `Default` implementation: a required field of one
/// of these is generated as an `Option`, since the struct must implement `Default`.
pub fn lacks_default(rust_type: &str) -> bool {
    matches!(
        rust_type,
        "kclient_apimachinery::meta::Time" | "kclient_apimachinery::meta::MicroTime"
    )
}
