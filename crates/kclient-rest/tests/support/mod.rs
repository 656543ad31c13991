//! Test support for the transport tests: a throwaway PKI made with rcgen, a local HTTP(S) server
//! on 127.0.0.1:0 that records what it saw, a CONNECT proxy, and small helpers.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    dead_code,
    unused_imports,
    missing_docs
)]

mod pki;
mod proxy;
mod server;

pub use pki::*;
pub use proxy::*;
pub use server::*;

use http_body_util::BodyExt;
use kclient_config::{Config, DataSource};
use kclient_rest::{HttpClient, RequestBody, RequestSettings};

/// A config for `url` trusting `ca`, with rate limiting disabled.
pub fn config_for(url: &str, ca: Option<&Ca>) -> Config {
    let mut config = Config::new(url);
    config.tls.ca = ca.map(|ca| DataSource::Data(ca.cert_pem.clone().into_bytes()));
    config.qps = -1.0;
    config
}

pub fn get(url: &str) -> http::Request<RequestBody> {
    http::Request::get(url)
        .body(RequestBody::default())
        .unwrap()
}

pub fn with_settings(
    mut request: http::Request<RequestBody>,
    settings: RequestSettings,
) -> http::Request<RequestBody> {
    request.extensions_mut().insert(settings);
    request
}

/// Sends `request` and returns the status and the body as a string.
pub async fn send(client: &HttpClient, request: http::Request<RequestBody>) -> (u16, String) {
    let response = client.send(request).await.unwrap();
    let status = response.status().as_u16();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&body).into_owned())
}

/// The error and its causes on one line.
pub fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

// ---------------------------------------------------------------- gzip

/// Gzip of `data` using stored (uncompressed) deflate blocks: valid gzip without a compressor.
pub fn gzip_stored(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
    let chunks: Vec<&[u8]> = if data.is_empty() {
        vec![&[]]
    } else {
        data.chunks(65535).collect()
    };
    for (i, chunk) in chunks.iter().enumerate() {
        out.push(u8::from(i + 1 == chunks.len()));
        let len = chunk.len() as u16;
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(chunk);
    }
    out.extend_from_slice(&crc32(data).to_le_bytes());
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

// ---------------------------------------------------------------- exec plugins

/// Writes an executable shell script `name` into `dir` and returns its path.
pub fn script(dir: &std::path::Path, name: &str, body: &str) -> String {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path.to_str().unwrap().to_string()
}

/// How many lines `path` has (0 if it does not exist): the exec scripts append one per run.
pub fn line_count(path: &std::path::Path) -> usize {
    std::fs::read_to_string(path)
        .map(|s| s.lines().count())
        .unwrap_or(0)
}
