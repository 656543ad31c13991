//! Server-side apply of typed apply configurations (client-go's generated
//! `Apply(ctx, applyConfig, metav1.ApplyOptions)` and `ApplyStatus`, `gentype/type.go`).

use kclient_apimachinery::options::{ApplyOptions, PatchType};

use super::ResourceClient;
use super::verbs;
use crate::Error;
use crate::apply::ApplyConfiguration;

impl<K: verbs::Patch> ResourceClient<K> {
    /// Server-side apply of `configuration` (client-go's `Apply`): a PATCH of type
    /// `application/apply-patch+yaml` carrying only the fields the configuration sets, to the
    /// object its `metadata.name` names. The options must name a field manager;
    /// `ApplyOptions::new("my-controller").force()` takes over conflicting fields.
    ///
    /// Fails before sending when the configuration has no name or the field manager is empty.
    pub async fn apply_config<C>(
        &self,
        configuration: &C,
        options: &ApplyOptions,
    ) -> Result<K, Error>
    where
        C: ApplyConfiguration<Object = K>,
    {
        let name = checked_name(configuration, options)?;
        let options = options.to_patch_options();
        self.patch_subresource("", name, PatchType::Apply, configuration, &options)
            .await
    }
}

impl<K: verbs::PatchStatus> ResourceClient<K> {
    /// Server-side apply of `configuration` to the `status` subresource (client-go's
    /// `ApplyStatus`); see [`ResourceClient::apply_config`].
    pub async fn apply_status_config<C>(
        &self,
        configuration: &C,
        options: &ApplyOptions,
    ) -> Result<K, Error>
    where
        C: ApplyConfiguration<Object = K>,
    {
        let name = checked_name(configuration, options)?;
        let options = options.to_patch_options();
        self.patch_subresource("status", name, PatchType::Apply, configuration, &options)
            .await
    }
}

/// The configuration's name, after the checks client-go makes before sending.
fn checked_name<'a, C: ApplyConfiguration>(
    configuration: &'a C,
    options: &ApplyOptions,
) -> Result<&'a str, Error> {
    let kind = <C::Object as crate::TypeInfo>::KIND;
    let name = configuration
        .name()
        .filter(|n| !n.is_empty())
        .ok_or(Error::MissingApplyName { kind })?;
    if options.field_manager.is_empty() {
        return Err(Error::MissingFieldManager {
            kind,
            name: name.to_string(),
        });
    }
    Ok(name)
}
