//! What listens inside a test pod: every declared `containerPort` serves a TCP echo, except
//! ports named `http` (or numbered 80/8080), which serve a tiny HTTP/1.1 server answering with
//! the pod's name. Undeclared ports refuse, with the text containerd gives the kubelet.

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};

/// The pod a port-forward connection reaches.
#[derive(Debug, Clone)]
pub struct PodTarget {
    /// Name.
    pub name: String,
    /// `metadata.uid`.
    pub uid: String,
    /// Declared container ports: (port, port name).
    pub ports: Vec<(u16, String)>,
}

impl PodTarget {
    /// Reads a stored pod.
    pub fn from_pod(pod: &Value) -> Self {
        let meta = |f: &str| {
            pod.pointer(&format!("/metadata/{f}"))
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        let ports = pod
            .pointer("/spec/containers")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|c| c.get("ports").and_then(Value::as_array))
            .flatten()
            .filter_map(|p| {
                let port = u16::try_from(p.get("containerPort")?.as_u64()?).ok()?;
                let name = p
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string();
                Some((port, name))
            })
            .collect();
        Self {
            name: meta("name"),
            uid: meta("uid"),
            ports,
        }
    }

    /// The pod sandbox id the CRI streaming server puts in its messages (derived from the uid).
    pub fn sandbox_id(&self) -> String {
        let hex: String = self.uid.chars().filter(char::is_ascii_hexdigit).collect();
        let hex = if hex.is_empty() { "0".to_string() } else { hex };
        hex.repeat(64 / hex.len() + 1)[..64].to_string()
    }

    /// Connects to `port` inside the pod: the local end of the port's service.
    pub fn connect(&self, port: u16) -> Result<DuplexStream, String> {
        let Some((_, name)) = self.ports.iter().find(|(p, _)| *p == port) else {
            let sandbox = self.sandbox_id();
            return Err(format!(
                "failed to execute portforward in network namespace \"/var/run/netns/cni-{}\": failed to connect to localhost:{port} inside namespace \"{sandbox}\", IPv4: dial tcp4 127.0.0.1:{port}: connect: connection refused IPv6 dial tcp6 [::1]:{port}: connect: connection refused ",
                &self.uid
            ));
        };
        let (local, remote) = tokio::io::duplex(256 * 1024);
        if name == "http" || port == 80 || port == 8080 {
            tokio::spawn(http(remote, self.name.clone()));
        } else {
            tokio::spawn(echo(remote));
        }
        Ok(local)
    }

    /// The message the kubelet writes to the error stream when forwarding fails.
    pub fn forward_error(&self, port: u16, cause: &str) -> String {
        format!(
            "error forwarding port {port} to pod {}, uid : {cause}",
            self.sandbox_id()
        )
    }
}

async fn echo(io: DuplexStream) {
    let (r, mut w) = tokio::io::split(io);
    // 64 KiB reads (`tokio::io::copy` would move 8 KiB at a time).
    let mut r = tokio::io::BufReader::with_capacity(64 * 1024, r);
    let _ = tokio::io::copy_buf(&mut r, &mut w).await;
    let _ = w.shutdown().await;
}

/// Serves HTTP/1.1 requests (keep-alive) with `200 OK` and the pod name as the body.
async fn http(mut io: DuplexStream, pod: String) {
    let body = format!("{pod}\n");
    let mut buf = Vec::with_capacity(4096);
    loop {
        // Read one request head.
        let head_end = loop {
            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            if buf.len() > 64 * 1024 {
                let _ = io.write_all(b"HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").await;
                return;
            }
            let mut chunk = [0u8; 4096];
            match io.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
        let content_length: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0);
        let close = head
            .lines()
            .any(|l| l.starts_with("connection:") && l.contains("close"));
        buf.drain(..head_end);
        // Discard the body.
        let mut left = content_length;
        while left > 0 {
            if !buf.is_empty() {
                let n = left.min(buf.len());
                buf.drain(..n);
                left -= n;
                continue;
            }
            let mut chunk = [0u8; 4096];
            match io.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
        let resp = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\n{}\r\n{body}",
            body.len(),
            if close { "Connection: close\r\n" } else { "" }
        );
        if io.write_all(resp.as_bytes()).await.is_err() || close {
            let _ = io.shutdown().await;
            return;
        }
    }
}
