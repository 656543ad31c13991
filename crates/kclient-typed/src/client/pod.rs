//! Streaming subresources of pods: `exec`, `attach` and `log` as lines (client-go's
//! `Pods(ns).GetLogs` and the `pods/exec`/`pods/attach` requests that kubectl hands to
//! `tools/remotecommand`). The WebSocket engine is `kclient_rest::remotecommand`; copying files
//! (`kubectl cp`) is in [`super::pod_cp`].

use http::Method;
use kclient_apimachinery::meta::Time;
use kclient_rest::remotecommand::{RemoteCommand, StreamOptions, StreamSettings};
use kclient_rest::{Lines, Request};

use super::ResourceClient;
use crate::Error;
use crate::api::core::v1::Pod;

/// The longest log line [`LogOptions::default`] accepts (1 MiB; longer lines end the stream
/// with an error rather than growing a buffer without bound).
pub const DEFAULT_MAX_LOG_LINE: usize = 1024 * 1024;

/// `pods/exec` (`PodExecOptions`): the command and which streams to attach.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ExecOptions {
    /// The container; may be left out when the pod has exactly one.
    pub container: Option<String>,
    /// The command and its arguments (not run through a shell).
    pub command: Vec<String>,
    /// Send standard input.
    pub stdin: bool,
    /// Receive standard output.
    pub stdout: bool,
    /// Receive standard error (with `tty`, it is merged into stdout by the terminal and not
    /// requested, as kubectl does).
    pub stderr: bool,
    /// Allocate a terminal.
    pub tty: bool,
    /// Heartbeat and deadlines of the stream (client-go's by default).
    pub settings: StreamSettings,
}

impl ExecOptions {
    /// Runs `command` with stdout and stderr attached.
    pub fn command<I, S>(command: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self {
            command: command.into_iter().map(Into::into).collect(),
            stdout: true,
            stderr: true,
            ..Self::default()
        }
    }

    /// In container `container`.
    pub fn container(mut self, container: impl Into<String>) -> Self {
        self.container = Some(container.into());
        self
    }

    /// Also sends standard input.
    pub fn stdin(mut self) -> Self {
        self.stdin = true;
        self
    }

    /// With a terminal.
    pub fn tty(mut self) -> Self {
        self.tty = true;
        self
    }

    fn streams(&self) -> StreamOptions {
        StreamOptions {
            stdin: self.stdin,
            stdout: self.stdout,
            stderr: self.stderr && !self.tty,
            tty: self.tty,
        }
    }
}

/// `pods/attach` (`PodAttachOptions`): which streams of the container's main process to attach.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AttachOptions {
    /// The container; may be left out when the pod has exactly one.
    pub container: Option<String>,
    /// Send standard input.
    pub stdin: bool,
    /// Receive standard output.
    pub stdout: bool,
    /// Receive standard error (not with `tty`).
    pub stderr: bool,
    /// The container has a terminal.
    pub tty: bool,
    /// Heartbeat and deadlines of the stream.
    pub settings: StreamSettings,
}

/// `pods/log` (`PodLogOptions`), including `sinceTime`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LogOptions {
    /// The container; may be left out when the pod has exactly one.
    pub container: Option<String>,
    /// Keep streaming until the container ends (or the stream is dropped).
    pub follow: bool,
    /// Logs of the previous, terminated instance of the container.
    pub previous: bool,
    /// Only lines newer than this many seconds (at least 1; not with `since_time`).
    pub since_seconds: Option<i64>,
    /// Only lines at or after this time (sent in UTC with second precision).
    pub since_time: Option<Time>,
    /// Prefix every line with its RFC 3339 timestamp.
    pub timestamps: bool,
    /// Only the last this many lines.
    pub tail_lines: Option<i64>,
    /// Stop after this many bytes (possibly mid-line).
    pub limit_bytes: Option<i64>,
    /// Let the API server skip verifying the kubelet's serving certificate.
    pub insecure_skip_tls_verify_backend: bool,
    /// The longest line accepted; 0 means [`DEFAULT_MAX_LOG_LINE`].
    pub max_line: usize,
}

impl LogOptions {
    /// The query parameters, in the form the API server reads (`follow=true`, `sinceTime=…`).
    pub fn query(&self) -> Vec<(&'static str, String)> {
        let mut q = Vec::new();
        if let Some(c) = &self.container {
            q.push(("container", c.clone()));
        }
        let flags = [
            ("follow", self.follow),
            ("previous", self.previous),
            ("timestamps", self.timestamps),
            (
                "insecureSkipTLSVerifyBackend",
                self.insecure_skip_tls_verify_backend,
            ),
        ];
        for (key, on) in flags {
            if on {
                q.push((key, "true".into()));
            }
        }
        if let Some(s) = self.since_seconds {
            q.push(("sinceSeconds", s.to_string()));
        }
        if let Some(t) = &self.since_time {
            q.push(("sinceTime", t.to_string()));
        }
        if let Some(n) = self.tail_lines {
            q.push(("tailLines", n.to_string()));
        }
        if let Some(n) = self.limit_bytes {
            q.push(("limitBytes", n.to_string()));
        }
        q
    }
}

/// Adds the stream flags client-go's `queryparams.Convert` writes: only the true ones.
fn stream_params(mut request: Request, container: Option<&str>, streams: StreamOptions) -> Request {
    if let Some(container) = container {
        request = request.param("container", container);
    }
    for (key, on) in [
        ("stdin", streams.stdin),
        ("stdout", streams.stdout),
        ("stderr", streams.stderr),
        ("tty", streams.tty),
    ] {
        if on {
            request = request.param(key, "true");
        }
    }
    request
}

impl ResourceClient<Pod> {
    /// Runs a command in a container (`GET …/pods/{name}/exec` upgraded to a WebSocket, as
    /// kubectl's default executor). The returned [`RemoteCommand`] hands out stdin, stdout,
    /// stderr and the exit status; a non-zero exit code is `Ok(ExitStatus::Code(n))`. A missing
    /// container, an unscheduled pod or a refusal (403) are errors that keep the server's
    /// `Status`.
    ///
    /// ```no_run
    /// # async fn run(pods: kclient_typed::ResourceClient<kclient_typed::api::core::v1::Pod>)
    /// # -> Result<(), kclient_typed::Error> {
    /// use kclient_typed::client::ExecOptions;
    ///
    /// let command = pods.exec("web", &ExecOptions::command(["ls", "/"])).await?;
    /// let output = command.output(1 << 20).await?;
    /// println!("{} ({})", String::from_utf8_lossy(&output.stdout), output.status);
    /// # Ok(()) }
    /// ```
    pub async fn exec(&self, name: &str, options: &ExecOptions) -> Result<RemoteCommand, Error> {
        if options.command.is_empty() {
            return Err(kclient_rest::Error::InvalidRequest {
                reason: "exec needs a command".into(),
            }
            .into());
        }
        let streams = options.streams();
        let mut request = self.named(Method::GET, name).subresource("exec");
        for arg in &options.command {
            request = request.param("command", arg.as_str());
        }
        let request = stream_params(request, options.container.as_deref(), streams);
        Ok(request.remote_command(streams, options.settings).await?)
    }

    /// Attaches to the main process of a running container (`GET …/pods/{name}/attach`).
    pub async fn attach(
        &self,
        name: &str,
        options: &AttachOptions,
    ) -> Result<RemoteCommand, Error> {
        let streams = StreamOptions {
            stdin: options.stdin,
            stdout: options.stdout,
            stderr: options.stderr && !options.tty,
            tty: options.tty,
        };
        let request = self.named(Method::GET, name).subresource("attach");
        let request = stream_params(request, options.container.as_deref(), streams);
        Ok(request.remote_command(streams, options.settings).await?)
    }

    /// The container's log as a stream of lines (`GET …/pods/{name}/log`). With
    /// [`LogOptions::follow`] it ends when the container ends; dropping it closes the
    /// connection. A line longer than [`LogOptions::max_line`] ends the stream with an error.
    pub async fn log_lines(&self, name: &str, options: &LogOptions) -> Result<Lines, Error> {
        let mut request = self.named(Method::GET, name).subresource("log");
        for (key, value) in options.query() {
            request = request.param(key, value);
        }
        let max_line = match options.max_line {
            0 => DEFAULT_MAX_LOG_LINE,
            n => n,
        };
        Ok(request.stream().await?.into_lines(max_line))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_query_has_every_option_in_wire_form() -> Result<(), kclient_apimachinery::Error> {
        let options = LogOptions {
            container: Some("app".into()),
            follow: true,
            previous: true,
            since_seconds: Some(10),
            since_time: Some(Time::parse("2024-01-02T03:04:05.678+01:00")?),
            timestamps: true,
            tail_lines: Some(5),
            limit_bytes: Some(100),
            insecure_skip_tls_verify_backend: true,
            max_line: 0,
        };
        let query: Vec<String> = options
            .query()
            .into_iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        assert_eq!(
            query,
            [
                "container=app",
                "follow=true",
                "previous=true",
                "timestamps=true",
                "insecureSkipTLSVerifyBackend=true",
                "sinceSeconds=10",
                "sinceTime=2024-01-02T02:04:05Z",
                "tailLines=5",
                "limitBytes=100"
            ]
        );
        assert!(LogOptions::default().query().is_empty());
        Ok(())
    }

    #[test]
    fn tty_never_asks_for_stderr() {
        let options = ExecOptions::command(["sh"]).tty();
        assert_eq!(
            options.streams(),
            StreamOptions {
                stdin: false,
                stdout: true,
                stderr: false,
                tty: true
            }
        );
    }
}
