//! Port forwarding on the pods client (`pods/{name}/portforward`), as client-go programs build
//! it from `RESTClient().Post()…SubResource("portforward")` and `portforward.New`.

use kclient_rest::portforward::{PortForward, PortForwardOptions, PortForwarder, PortMapping};

use super::ResourceClient;
use crate::Error;
use crate::api::core::v1::Pod;

impl ResourceClient<Pod> {
    /// Opens a port-forward connection to the pod `name`: the WebSocket tunnel first, plain SPDY
    /// if the server refuses it (as kubectl does). Open streams to ports with
    /// [`PortForward::open`], or listen locally with [`ResourceClient::port_forwarder`].
    pub async fn port_forward(
        &self,
        name: &str,
        options: &PortForwardOptions,
    ) -> Result<PortForward, Error> {
        let client = self.clone();
        let name = name.to_string();
        let request = move |verb| client.named(verb, &name).subresource("portforward");
        Ok(PortForward::connect(request, options).await?)
    }

    /// `kubectl port-forward pod/name MAPPING…`: connects, then listens on 127.0.0.1 for each
    /// mapping (`"8080:80"`, `":80"` for a free local port) and forwards every connection.
    /// [`PortForwarder::ports`] tells the bound local addresses.
    pub async fn port_forwarder(
        &self,
        name: &str,
        mappings: &[PortMapping],
        options: &PortForwardOptions,
    ) -> Result<PortForwarder, Error> {
        let forward = self.port_forward(name, options).await?;
        Ok(PortForwarder::start(forward, mappings).await?)
    }
}
