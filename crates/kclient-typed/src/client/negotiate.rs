//! How the typed verbs encode and decode `K`: JSON, or — with the `protobuf` feature, when the
//! client's `Content-Type` is `application/vnd.kubernetes.protobuf` and `K` is a built-in
//! kind — protobuf, as client-go's generated clients do after `UseProtobufAsDefault`. Custom
//! resources (no codec) stay JSON: the server cannot encode them as protobuf.

use kclient_rest::{ListParts, Request, RestClient, WatchStream};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// The encoding chosen for requests on `K` through one client.
pub(super) struct Negotiated<K> {
    #[cfg(feature = "protobuf")]
    codec: Option<kclient_apimachinery::protobuf::Codec<K>>,
    #[cfg(not(feature = "protobuf"))]
    _kind: std::marker::PhantomData<fn() -> K>,
}

impl<K: DeserializeOwned + Serialize + Send + 'static> Negotiated<K> {
    /// The encoding for `K` through `rest`.
    pub(super) fn new(rest: &RestClient) -> Self {
        #[cfg(feature = "protobuf")]
        {
            let wanted = kclient_apimachinery::protobuf::is_protobuf(rest.content_type());
            Self {
                codec: wanted.then(crate::protobuf::codec::<K>).flatten(),
            }
        }
        #[cfg(not(feature = "protobuf"))]
        {
            let _ = rest;
            Self {
                _kind: std::marker::PhantomData,
            }
        }
    }

    /// The request, with the `Accept` header of this encoding.
    pub(super) fn accept(&self, request: Request, rest: &RestClient) -> Request {
        #[cfg(feature = "protobuf")]
        if self.codec.is_some() {
            return request.accept_protobuf();
        }
        if rest
            .content_type()
            .starts_with("application/vnd.kubernetes.protobuf")
        {
            // Protobuf is configured but `K` has no codec (a custom resource, or the
            // `protobuf` feature is off): ask for JSON, which every resource speaks.
            return request.set_header("accept", "application/json");
        }
        request
    }

    /// The request with `object` as its body.
    pub(super) fn body(&self, request: Request, object: &K) -> Request {
        #[cfg(feature = "protobuf")]
        if let Some(codec) = &self.codec {
            return request.protobuf_body(codec, object);
        }
        request.body(object)
    }

    /// Sends the request and decodes the answer as `K`.
    pub(super) async fn object(&self, request: Request) -> Result<K, kclient_rest::Error> {
        #[cfg(feature = "protobuf")]
        return request.object_with(self.codec).await;
        #[cfg(not(feature = "protobuf"))]
        request.object().await
    }

    /// Sends the request and decodes the answer as `O`, which is `K` for most resources
    /// (protobuf is used then) and something else (`Status` for `Binding`) for a few.
    pub(super) async fn output<O>(&self, request: Request) -> Result<O, kclient_rest::Error>
    where
        O: DeserializeOwned + Send + 'static,
    {
        #[cfg(feature = "protobuf")]
        if std::any::TypeId::of::<O>() == std::any::TypeId::of::<K>() {
            let object: Box<dyn std::any::Any> = Box::new(request.object_with(self.codec).await?);
            // Same `TypeId`: the downcast succeeds.
            return object.downcast::<O>().map(|o| *o).map_err(|_| {
                kclient_rest::Error::Config("the create output type does not match".into())
            });
        }
        request.object().await
    }

    /// Sends the request and decodes the answer as a list of `K`.
    pub(super) async fn list(&self, request: Request) -> Result<ListParts<K>, kclient_rest::Error> {
        #[cfg(feature = "protobuf")]
        return request.list_with(self.codec).await;
        #[cfg(not(feature = "protobuf"))]
        request.list().await
    }

    /// Starts a watch of `K`.
    pub(super) async fn watch(
        &self,
        request: Request,
    ) -> Result<WatchStream<K>, kclient_rest::Error> {
        #[cfg(feature = "protobuf")]
        return request.watch_with(self.codec).await;
        #[cfg(not(feature = "protobuf"))]
        request.watch().await
    }
}
