//! The generic subresource calls of [`ResourceClient`] (GET, POST, PUT, PATCH and streaming of
//! `…/{name}/<subresource>`), which the typed verbs and the generated subresource methods
//! (logs, eviction, token, …) are built from.

use http::Method;
use kclient_apimachinery::ToQueryParams;
use kclient_apimachinery::options::{CreateOptions, PatchOptions, PatchType, UpdateOptions};
use kclient_apimachinery::resource::StaticResource;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::ResourceClient;
use crate::Error;

impl<K: StaticResource> ResourceClient<K> {
    /// GET of a subresource (`status`, `scale`, …) of the object `name`, decoded as `T`.
    pub async fn get_subresource<T>(
        &self,
        subresource: &str,
        name: &str,
        params: &impl ToQueryParams,
    ) -> Result<T, Error>
    where
        T: DeserializeOwned + Send + 'static,
    {
        let request = self.named(Method::GET, name).subresource(subresource);
        Ok(request.versioned_params(params).object().await?)
    }

    /// A subresource of the object `name` as a byte stream (pod logs).
    pub async fn stream_subresource(
        &self,
        subresource: &str,
        name: &str,
        params: &impl ToQueryParams,
    ) -> Result<kclient_rest::ByteStream, Error> {
        let request = self.named(Method::GET, name).subresource(subresource);
        Ok(request.versioned_params(params).stream().await?)
    }

    /// POST of `body` to a subresource of the object `name` (eviction, binding, token).
    pub async fn create_subresource<B, T>(
        &self,
        subresource: &str,
        name: &str,
        body: &B,
        options: &CreateOptions,
    ) -> Result<T, Error>
    where
        B: Serialize + ?Sized,
        T: DeserializeOwned + Send + 'static,
    {
        let request = self.named(Method::POST, name).subresource(subresource);
        Ok(request
            .versioned_params(options)
            .body(body)
            .object()
            .await?)
    }

    /// PUT of `body` to a subresource of the object `name`.
    pub async fn update_subresource<B, T>(
        &self,
        subresource: &str,
        name: &str,
        body: &B,
        options: &UpdateOptions,
    ) -> Result<T, Error>
    where
        B: Serialize + ?Sized,
        T: DeserializeOwned + Send + 'static,
    {
        let request = self.named(Method::PUT, name).subresource(subresource);
        Ok(request
            .versioned_params(options)
            .body(body)
            .object()
            .await?)
    }

    /// PATCH of a subresource of the object `name` (`subresource` empty: the object itself).
    /// For [`PatchType::Apply`] the options must name a field manager.
    pub async fn patch_subresource<T>(
        &self,
        subresource: &str,
        name: &str,
        patch_type: PatchType,
        patch: &(impl Serialize + ?Sized),
        options: &PatchOptions,
    ) -> Result<T, Error>
    where
        T: DeserializeOwned + Send + 'static,
    {
        if patch_type == PatchType::Apply && options.field_manager.is_none() {
            return Err(Error::MissingFieldManager {
                kind: K::KIND,
                name: name.to_string(),
            });
        }
        let mut request = self.scoped(self.rest_client().patch(patch_type));
        request = request.resource(K::PLURAL).name(name);
        if !subresource.is_empty() {
            request = request.subresource(subresource);
        }
        Ok(request
            .versioned_params(options)
            .body(patch)
            .object()
            .await?)
    }
}
